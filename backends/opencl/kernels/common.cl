/*
 * What every linrec OpenCL kernel shares. The host builds this program once per context and
 * element type with -DREAL=float or -DREAL=double (plus -DLINREC_FP64), -DWG=<work-group size of
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
typedef CONCAT(REAL, 2) pair; /* .x = A, .y = X */

#define TILE (WG * ITEMS)
/* One unused pair after every ITEMS, so that work-items reading their own ITEMS consecutive
 * pairs hit different local memory banks. */
#define SLOT(i) ((i) + (i) / ITEMS)
#define TILE_SLOTS (TILE + WG)

/* The kernels' common trailing arguments: which sequences, which chunk of steps, which way. */
#define WALK_PARAMS                                                                                \
    ulong sequences, ulong chunks, ulong lanes, ulong outer_stride, ulong steps, ulong chunk,      \
        long first, long step, int backward

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
#define IDENTITY ((pair)((REAL)1, (REAL)0))

/* `first` followed by `second`. */
pair compose(pair first, pair second)
{
    return (pair)(second.x * first.x, second.x * first.y + second.y);
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
pair load_step(const walk *w, __global const REAL *a, __global const REAL *x, long e, ulong s)
{
    REAL coefficient = w->backward ? (s > 0 ? a[e - w->step] : (REAL)0) : a[e];
    return (pair)(coefficient, x[e]);
}

/*
 * Writes the state after step s. Backward scans also write da = g * (the forward state before
 * the step), which is h of the next step in backward order, or h0 (or 0) after the last; and
 * dh0 = a * g at that last step. Forward scans pass NULL da and dh0.
 */
void store_step(const walk *w, __global REAL *out, __global const REAL *a, __global const REAL *h0,
                __global const REAL *h, __global REAL *da, __global REAL *dh0, ulong q, long e,
                ulong s, REAL value)
{
    out[e] = value;
    int last = s + 1 == w->steps;
    if (da) {
        REAL before = !last ? h[e + w->step] : h0 ? h0[q] : (REAL)0;
        da[e] = value * before;
    }
    if (dh0 && last)
        dh0[q] = a[e] * value;
}

/* The state entering chunk k of sequence q: carried out of chunk k-1 (scratch of the carry
 * pass), else h0, else the zero state. Backward scans start from the zero state. */
REAL chunk_carry(const walk *w, __global const pair *carries, __global const REAL *h0, ulong q,
                 ulong k)
{
    if (k > 0)
        return carries[q * (w->chunks - 1) + k - 1].y;
    return !w->backward && h0 ? h0[q] : (REAL)0;
}

/* Whether chunk k of sequence q starts from the zero state rather than from a carried value. */
int starts_from_zero(const walk *w, __global const REAL *h0, ulong k)
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
 * Replaces tile[SLOT(i)].y by the state after tile step i, entering the tile with `carry`, and
 * returns the state after the tile. `zero` says the carry is the zero state before a sequence's
 * first step: work-items then take the folded X alone instead of A*0 + X, so that an infinite A
 * yields no NaN the serial loop would not.
 */
REAL scan_tile(__local pair *tile, __local pair *partial, REAL carry, int zero)
{
    uint id = get_local_id(0);
    fold_tile(tile, partial);
    REAL state = carry;
    if (id > 0) {
        pair before = partial[id - 1];
        state = zero ? before.y : before.x * carry + before.y;
    }
    __local pair *mine = tile + SLOT(id * ITEMS);
    for (uint j = 0; j < ITEMS; j++) {
        state = mine[j].x * state + mine[j].y;
        mine[j].y = state;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    return tile[SLOT(TILE - 1)].y;
}
