/*
 * What every linrec OpenCL kernel shares. The host builds this program once per context and
 * element kind with -DREAL=float or -DREAL=double (plus -DLINREC_FP64), -DCOMPLEX for the complex
 * kinds (see "Values" below), -DDATA and -DCOEF (the
 * storage of x, h, h0, dh, dx, dh0 and of a, da: see "Storage" below), -DWG=<work-group size of
 * the tile kernels>, -DITEMS=<steps each work-item owns in a tile> and -DLANES_BLOCK=<steps between
 * the lanes kernels' barriers>.
 *
 * A pair (A, X) stands for the map h -> A*h + X. A run of steps h_t = a_t*h_{t-1} + x_t folds into
 * one pair and pairs compose associatively, which is what lets a sequence be split into chunks
 * and tiles whose pairs are combined later. Every output is still written by the plain step
 * c = a*c + x from the state entering its run, so the last rounding of each element is the serial
 * loop's.
 *
 * A scan walks sequence q (0 <= q < lanes*groups) in scan order: its step s lies at element
 * (q / lanes)*outer_stride + q % lanes + first + s*step, where `first` and the signed `step` turn
 * forward, reverse and backward scans into one forward walk.
 */
#ifdef LINREC_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
/* Unfused multiplies and adds, so that every driver rounds like the serial loop. */
#pragma OPENCL FP_CONTRACT OFF

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)

/*
 * Values: what the recurrence multiplies and adds, REAL itself or, with -DCOMPLEX, a complex
 * number as REAL2 (.x real, .y imaginary: the interleaved layout of the arrays). A pair holds A in
 * its PAIR_A components and X in its PAIR_X ones. mul is the plain complex product, the formula
 * the host backends use (no Annex G NaN recovery), unfused like every other operation here;
 * conj_of conjugates the coefficients and states of a complex backward pass (PyTorch's gradient
 * convention, linrec.h) and is the identity on reals.
 */
#ifdef COMPLEX
typedef CONCAT(REAL, 2) value;
typedef CONCAT(REAL, 4) pair;
#define PAIR_A xy
#define PAIR_X zw
#define ZERO ((value)((REAL)0, (REAL)0))
#define ONE ((value)((REAL)1, (REAL)0))
value mul(value a, value b)
{
    return (value)(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}
value conj_of(value v)
{
    return (value)(v.x, -v.y);
}
#else
typedef REAL value;
typedef CONCAT(REAL, 2) pair;
#define PAIR_A x
#define PAIR_X y
#define ZERO ((REAL)0)
#define ONE ((REAL)1)
value mul(value a, value b)
{
    return a * b;
}
value conj_of(value v)
{
    return v;
}
#endif

/*
 * Storage: every kernel reads and writes arrays through LOAD_DATA / STORE_DATA (x, h, h0, dh, dx,
 * dh0, of type data_t) and LOAD_COEF / STORE_COEF (a, da, coef_t), which widen to a value and
 * round once, to nearest even, into storage. DATA and COEF pick a row: 0 the value itself, 1 f16
 * (real kinds only; through
 * vload_half / vstore_half_rte, core OpenCL 1.2, no extension needed), 2 bf16 (16-bit integers:
 * the upper half of an f32). A new storage type is one row here.
 */
#define STORAGE_TYPE_0 value
#define STORAGE_LOAD_0(p, i) ((p)[i])
#define STORAGE_STORE_0(p, i, v) ((p)[i] = (v))
#define STORAGE_TYPE_1 half
#define STORAGE_LOAD_1(p, i) vload_half((size_t)(i), (p))
#define STORAGE_STORE_1(p, i, v) vstore_half_rte((v), (size_t)(i), (p))
#define STORAGE_TYPE_2 ushort
#define STORAGE_LOAD_2(p, i) as_float((uint)(p)[i] << 16)
#define STORAGE_STORE_2(p, i, v) ((p)[i] = bf16_of(v))

/* f32 -> bf16 rounded to nearest even; NaN stays a quiet NaN of its sign. */
ushort bf16_of(float value)
{
    uint bits = as_uint(value);
    if ((bits & 0x7fffffffu) > 0x7f800000u)
        return (ushort)((bits >> 16) | 0x40u);
    return (ushort)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

typedef CONCAT(STORAGE_TYPE_, DATA) data_t;
typedef CONCAT(STORAGE_TYPE_, COEF) coef_t;
#define LOAD_DATA(p, i) CONCAT(STORAGE_LOAD_, DATA)(p, i)
#define STORE_DATA(p, i, v) CONCAT(STORAGE_STORE_, DATA)(p, i, v)
#define LOAD_COEF(p, i) CONCAT(STORAGE_LOAD_, COEF)(p, i)
#define STORE_COEF(p, i, v) CONCAT(STORAGE_STORE_, COEF)(p, i, v)

#define TILE (WG * ITEMS)
/* One unused pair after every ITEMS, so that work-items reading their own ITEMS consecutive
 * pairs hit different local memory banks. */
#define SLOT(i) ((i) + (i) / ITEMS)
#define TILE_SLOTS (TILE + WG)

/* The kernels' common trailing arguments: where each array starts in its buffer, which
 * sequences, which chunk of steps, which way. */
#define WALK_PARAMS                                                                                \
    ulong8 at, ulong sequences, ulong chunks, ulong lanes, ulong outer_stride, ulong steps,        \
        ulong chunk, long first, long step, int backward

/* Array i's first element, `at.si` elements into its buffer: a wrapped cl_mem may hold an
 * application's slice. The order is the scan kernels' arrays: a, x, out, h0, h, da, dh0. An
 * absent array stays NULL. */
#define AT(p, i) ((p) ? (p) + at.s##i : (p))

/* AT for the inputs of a reduce kernel, a and x. */
#define SHIFT_INPUTS()                                                                             \
    do {                                                                                           \
        a = AT(a, 0);                                                                              \
        x = AT(x, 1);                                                                              \
    } while (0)

/* AT for every array of a scan kernel. */
#define SHIFT_SCAN_ARRAYS()                                                                        \
    do {                                                                                           \
        SHIFT_INPUTS();                                                                            \
        out = AT(out, 2);                                                                          \
        h0 = AT(h0, 3);                                                                            \
        h = AT(h, 4);                                                                              \
        da = AT(da, 5);                                                                            \
        dh0 = AT(dh0, 6);                                                                          \
    } while (0)

typedef struct walk {
    ulong sequences, chunks, lanes, outer_stride, steps, chunk;
    long first, step;
    int backward;
} walk;

#define WALK_OF_PARAMS                                                                             \
    {                                                                                              \
        sequences, chunks, lanes, outer_stride, steps, chunk, first, step, backward                \
    }

/* The pair that leaves a state unchanged: pads tiles past a chunk's end. */
#define IDENTITY ((pair)(ONE, ZERO))

/* `first` followed by `second`. */
pair compose(pair first, pair second)
{
    return (pair)(mul(second.PAIR_A, first.PAIR_A),
                  mul(second.PAIR_A, first.PAIR_X) + second.PAIR_X);
}

/* Where step 0 of sequence q lies; step s is `s * step` elements further. Computed once per
 * sequence: the divisions cost more than the whole step on some devices. */
long origin(const walk *w, ulong q)
{
    return (long)((q / w->lanes) * w->outer_stride + q % w->lanes) + w->first;
}

/* The first step of chunk k, and the step after its last. */
ulong chunk_begin(const walk *w, ulong k)
{
    return k * w->chunk;
}

ulong chunk_end(const walk *w, ulong k)
{
    return min((k + 1) * w->chunk, w->steps);
}

/*
 * Step s (at element e) as a pair. A backward scan computes g_t = dh_t + a_{t+1}*g_{t+1}
 * against the forward direction: its coefficient is the a of the step before it in its own scan
 * order, and its first step has none (0, which keeps g exactly dh there).
 */
pair load_step(const walk *w, __global const coef_t *a, __global const data_t *x, long e, ulong s)
{
    value coefficient =
        w->backward ? (s > 0 ? conj_of(LOAD_COEF(a, e - w->step)) : ZERO) : LOAD_COEF(a, e);
    return (pair)(coefficient, LOAD_DATA(x, e));
}

/*
 * Writes the state after step s. Backward scans also write da = g * (the forward state before
 * the step), which is h of the next step in backward order, or h0 (or 0) after the last; and
 * dh0 = a * g at that last step. Forward scans pass NULL da and dh0.
 */
void store_step(const walk *w, __global data_t *out, __global const coef_t *a,
                __global const data_t *h0, __global const data_t *h, __global coef_t *da,
                __global data_t *dh0, ulong q, long e, ulong s, value state)
{
    STORE_DATA(out, e, state);
    int last = s + 1 == w->steps;
    if (da) {
        value before = !last ? LOAD_DATA(h, e + w->step) : h0 ? LOAD_DATA(h0, q) : ZERO;
        STORE_COEF(da, e, mul(state, conj_of(before)));
    }
    if (dh0 && last)
        STORE_DATA(dh0, q, mul(conj_of(LOAD_COEF(a, e)), state));
}

/* The state entering chunk k of sequence q: carried out of chunk k-1 (scratch of the carry
 * pass), else h0, else the zero state. Backward scans start from the zero state. */
value chunk_carry(const walk *w, __global const pair *carries, __global const data_t *h0, ulong q,
                  ulong k)
{
    if (k > 0)
        return carries[q * (w->chunks - 1) + k - 1].PAIR_X;
    return !w->backward && h0 ? LOAD_DATA(h0, q) : ZERO;
}

/* Whether chunk k of sequence q starts from the zero state rather than from a carried value. */
int starts_from_zero(const walk *w, __global const data_t *h0, ulong k)
{
    return k == 0 && (w->backward || !h0);
}

/*
 * Inclusive scan of one pair per work-item through `partial` (WG pairs). On return partial[i]
 * holds work-item i's inclusive pair for every i. Hillis-Steele: log2(WG) rounds, no bank
 * conflicts, and the same combination order on every run.
 */
pair group_scan(__local pair *partial, pair mine)
{
    uint id = get_local_id(0);
    partial[id] = mine;
    for (uint offset = 1; offset < WG; offset *= 2) {
        barrier(CLK_LOCAL_MEM_FENCE);
        pair before = id >= offset ? partial[id - offset] : mine;
        barrier(CLK_LOCAL_MEM_FENCE);
        if (id >= offset) {
            mine = compose(before, mine);
            partial[id] = mine;
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    return mine;
}

/* Folds each work-item's ITEMS consecutive pairs of the tile, then scans those folds. */
void fold_tile(__local const pair *tile, __local pair *partial)
{
    __local const pair *mine = tile + SLOT(get_local_id(0) * ITEMS);
    pair run = mine[0];
    for (uint j = 1; j < ITEMS; j++)
        run = compose(run, mine[j]);
    group_scan(partial, run);
}

/*
 * Replaces the X of tile[SLOT(i)] by the state after tile step i, entering the tile with `carry`, and
 * returns the state after the tile. `zero` says the carry is the zero state before a sequence's
 * first step: work-items then take the folded X alone instead of A*0 + X, so that an infinite A
 * yields no NaN the serial loop would not.
 */
value scan_tile(__local pair *tile, __local pair *partial, value carry, int zero)
{
    uint id = get_local_id(0);
    fold_tile(tile, partial);
    value state = carry;
    if (id > 0) {
        pair before = partial[id - 1];
        state = zero ? before.PAIR_X : mul(before.PAIR_A, carry) + before.PAIR_X;
    }
    __local pair *mine = tile + SLOT(id * ITEMS);
    for (uint j = 0; j < ITEMS; j++) {
        state = mul(mine[j].PAIR_A, state) + mine[j].PAIR_X;
        mine[j].PAIR_X = state;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    return tile[SLOT(TILE - 1)].PAIR_X;
}
