/*
 * The kernels of one instruction set for one element kind, written once over a small vector
 * vocabulary; openmp_isa.h includes this file once per kind through src/element_instances.h. The
 * arithmetic type E_REAL picks the path's primitives V_(name): load, store (unaligned), stream
 * (aligned, around the cache), set1, fma(a, b, c) = a*b + c, mul, reverse (lane order), last (lane
 * W-1 in every lane), first (lane 0 as a REAL), conj (the conjugate of every lane, for the complex
 * types only), select(keep, yes, no) (lanes whose bits in keep are all ones take yes's, lanes
 * whose bits are zero no's), and, when W > 1, shift(v, fill, k), a macro (k must
 * be a constant): lane j takes lane j-k of v, lanes below k take fill's. Stored values go through
 * VLOAD, VLOAD_COEF, VSTORE and VSTREAM, which widen from and round into the kind's storage.
 * The includer also defines STREAM_BYTES (the alignment of stream, W elements; 0 when the path
 * does not stream) and stream_fence().
 */
#include <stdint.h>
#include <string.h>

#define REAL E_REAL
#define VEC E_CONCAT(VEC_, E_REAL_NAME)
#define W E_CONCAT(W_, E_REAL_NAME)
#define V_(name) E_CONCAT(E_REAL_NAME, _##name)
#define FN(name) E_FN(name)
#define VLOAD(p) E_CONCAT(E_REAL_NAME, E_CONCAT(_load_, E_DATA_NAME))(p)
#define VLOAD_COEF(p) E_CONCAT(E_REAL_NAME, E_CONCAT(_load_, E_COEF_NAME))(p)
#define VSTORE_AS(storage, p, v) E_CONCAT(E_REAL_NAME, E_CONCAT(_store_, storage))(p, v)
#define VSTREAM_AS(storage, p, v) E_CONCAT(E_REAL_NAME, E_CONCAT(_stream_, storage))(p, v)

/* The bytes of W stored data elements: what one streaming store of an output writes. */
#define OUT_BYTES (STREAM_BYTES / sizeof(REAL) * sizeof(E_DATA))

/* A coefficient or h as the span's recurrence uses it: conjugated in a complex backward pass
 * (linrec.h), itself otherwise; as one value and as a vector. */
#if E_COMPLEX
#define AS_USED(s, v) ((s)->conjugate ? E_CONJ(v) : (v))
#define VAS_USED(s, v) ((s)->conjugate ? V_(conj)(v) : (v))
#else
#define AS_USED(s, v) ((void)(s), (v))
#define VAS_USED(s, v) ((void)(s), (v))
#endif

/* One step of the recurrence at element `at`, for the tails the vectors do not cover. */
static inline REAL FN(step_one)(const linrec__openmp_span *s, const E_COEF *coef, const E_DATA *x,
                                E_DATA *out, const E_DATA *hprev, E_COEF *da, ptrdiff_t at,
                                REAL carry)
{
    REAL value = E_MUL(AS_USED(s, E_LOAD_COEF(coef[at])), carry) + E_LOAD(x[at]);
    out[at] = E_STORE(value);
    if (da)
        da[at] = E_STORE_COEF(E_MUL(value, AS_USED(s, E_LOAD(hprev[at]))));
    return value;
}

/* Joins the step at element `at` of a span to the pair (*pa, *px). */
static inline void FN(reduce_one)(const linrec__openmp_span *s, ptrdiff_t at, REAL *pa, REAL *px)
{
    REAL a = AS_USED(s, E_LOAD_COEF(((const E_COEF *)s->coef)[at]));
    *px = E_MUL(a, *px) + E_LOAD(((const E_DATA *)s->x)[at]);
    *pa = E_MUL(a, *pa);
}

/* One level of the in-register scan: lane j joins the pair k lanes below it (the identity (1, 0)
 * below lane k), so after levels 1, 2, 4, ... lane j holds the pair of lanes 0..j. */
#define LEVEL(A, X, one, zero, k)                                                                  \
    do {                                                                                           \
        X = V_(fma)(A, V_(shift)(X, zero, k), X);                                                  \
        A = V_(mul)(A, V_(shift)(A, one, k));                                                      \
    } while (0)

/* Afterwards X_j is the recurrence over lanes 0..j from a zero carry, A_j their a's product. */
static inline void FN(scan_block)(VEC *A, VEC *X)
{
#if W > 1
    const VEC one = V_(set1)(1), zero = V_(set1)(0);
    LEVEL(*A, *X, one, zero, 1);
#endif
#if W > 2
    LEVEL(*A, *X, one, zero, 2);
#endif
#if W > 4
    LEVEL(*A, *X, one, zero, 4);
#endif
#if W > 8
    LEVEL(*A, *X, one, zero, 8);
#endif
#if W == 1
    (void)A;
    (void)X;
#endif
}
#undef LEVEL

/* The W elements at p (p is the lowest address) with lane 0 first in scan order. */
static inline VEC FN(load_in_order)(const E_DATA *p, ptrdiff_t dir)
{
    VEC v = VLOAD(p);
    return dir > 0 ? v : V_(reverse)(v);
}

static inline VEC FN(load_coef_in_order)(const E_COEF *p, ptrdiff_t dir)
{
    VEC v = VLOAD_COEF(p);
    return dir > 0 ? v : V_(reverse)(v);
}

/* Stores v at p of the storage `storage` (E_DATA_NAME or E_COEF_NAME), lane 0 first in scan
 * order, streaming when asked. */
#define STORE_IN_ORDER(storage, p, v, dir, stream)                                                 \
    do {                                                                                           \
        VEC v_ = (dir) < 0 ? V_(reverse)(v) : (v);                                                 \
        if (stream)                                                                                \
            VSTREAM_AS(storage, p, v_);                                                            \
        else                                                                                       \
            VSTORE_AS(storage, p, v_);                                                             \
    } while (0)

#if STREAM_BYTES
/* Streaming needs out and da equally aligned, to a whole element; a da wider than out (f32
 * coefficients beside half data) is never streamed. */
static int FN(may_stream)(const linrec__openmp_span *s)
{
    uintptr_t out = (uintptr_t)s->out, da = (uintptr_t)s->da;
    return s->stream && out % sizeof(E_DATA) == 0 &&
           (!s->da || (sizeof(E_COEF) == sizeof(E_DATA) && (da - out) % OUT_BYTES == 0));
}

/* Elements from the lowest address of the time kernel's first block, `head` steps into the span,
 * up to an OUT_BYTES boundary; 0 to W - 1. */
static size_t FN(misalignment)(const linrec__openmp_span *s, size_t head)
{
    ptrdiff_t at = s->step > 0 ? (ptrdiff_t)head : -(ptrdiff_t)(head + W - 1);
    uintptr_t low = (uintptr_t)((E_DATA *)s->out + at);
    return (OUT_BYTES - low % OUT_BYTES) % OUT_BYTES / sizeof(E_DATA);
}

static int FN(rows_may_stream)(const linrec__openmp_span *s)
{
    size_t row_bytes = (size_t)(s->step < 0 ? -s->step : s->step) * sizeof(E_DATA);
    return FN(may_stream)(s) && (uintptr_t)s->out % OUT_BYTES == 0 && row_bytes % OUT_BYTES == 0;
}
#else
static int FN(may_stream)(const linrec__openmp_span *s)
{
    (void)s;
    return 0;
}

static size_t FN(misalignment)(const linrec__openmp_span *s, size_t head)
{
    (void)s;
    (void)head;
    return 0;
}

static int FN(rows_may_stream)(const linrec__openmp_span *s)
{
    (void)s;
    return 0;
}
#endif

/* Steps of a time span before its first block: blocks of W steps sit on a grid of scan
 * positions (multiples of W), never of addresses, so the bits do not depend on where the arrays
 * sit, nor on where a span starts (the backward pass's start one step in). */
static size_t FN(head)(const linrec__openmp_span *s)
{
    size_t head = (W - s->first % W) % W;
    return head < s->steps ? head : s->steps;
}

/* Element offset of the lowest address of the block of steps [i, i + W) of a time span. */
static inline ptrdiff_t FN(block_at)(const linrec__openmp_span *s, size_t i)
{
    return s->step > 0 ? (ptrdiff_t)i : -(ptrdiff_t)(i + W - 1);
}

/*
 * One block of W steps of a contiguous sequence (lanes == 1), at element `at`: scanned in
 * registers with log2(W) shift-and-combine levels, then joined to the carry cv with one FMA. The
 * carry for the next block comes from the block's last lanes by a second FMA off the critical
 * path, so the serial chain is one FMA per W steps instead of one per step.
 */
static inline void FN(time_block)(const linrec__openmp_span *s, ptrdiff_t at, VEC *cv, int stream)
{
    ptrdiff_t dir = s->step;
    VEC A = VAS_USED(s, FN(load_coef_in_order)((const E_COEF *)s->coef + at, dir));
    VEC X = FN(load_in_order)((const E_DATA *)s->x + at, dir);
    FN(scan_block)(&A, &X);
    VEC h = V_(fma)(A, *cv, X);
    *cv = V_(fma)(V_(last)(A), *cv, V_(last)(X));
    STORE_IN_ORDER(E_DATA_NAME, (E_DATA *)s->out + at, h, dir, stream);
    if (s->da) {
        VEC before = VAS_USED(s, FN(load_in_order)((const E_DATA *)s->hprev + at, dir));
        STORE_IN_ORDER(E_COEF_NAME, (E_COEF *)s->da + at, V_(mul)(h, before), dir, stream);
    }
}

/* The same block joined to the pair (cA, cX) without storing. */
static inline void FN(time_reduce_block)(const linrec__openmp_span *s, ptrdiff_t at, VEC *cA,
                                         VEC *cX)
{
    ptrdiff_t dir = s->step;
    VEC A = VAS_USED(s, FN(load_coef_in_order)((const E_COEF *)s->coef + at, dir));
    VEC X = FN(load_in_order)((const E_DATA *)s->x + at, dir);
    FN(scan_block)(&A, &X);
    VEC lastA = V_(last)(A);
    *cX = V_(fma)(lastA, *cX, V_(last)(X));
    *cA = V_(mul)(lastA, *cA);
}

/*
 * Contiguous sequences: scans s from *carry (leaving its last out there) and reduces r to
 * (*A_out, *X_out), block by block in turn, in one pass. Split over time, a thread rescans one
 * chunk from cache while it reduces its next one from memory, so that its reads of the one
 * overlap its (streamed) writes of the other; alone, either is the plain scan or reduction.
 * Outputs are streamed when the blocks' grid of positions falls on aligned addresses (it does for
 * aligned arrays of whole vectors of steps), and stored through the cache otherwise.
 */
static void FN(walk_time)(const linrec__openmp_span *s, REAL *carry, const linrec__openmp_span *r,
                          REAL *A_out, REAL *X_out)
{
    size_t ns = s->steps, nr = A_out ? r->steps : 0, i = FN(head)(s), k = nr ? FN(head)(r) : 0;
    ptrdiff_t dir = s->step;
    REAL c = ns ? *carry : (REAL)0, pa = 1, px = 0;
    for (size_t u = 0; u < i; u++)
        c = FN(step_one)(s, s->coef, s->x, s->out, s->hprev, s->da, dir * (ptrdiff_t)u, c);
    for (size_t u = 0; u < k; u++)
        FN(reduce_one)(r, r->step * (ptrdiff_t)u, &pa, &px);
    int stream = ns && FN(may_stream)(s) && FN(misalignment)(s, i) == 0;
    VEC cv = V_(set1)(c), cA = V_(set1)(pa), cX = V_(set1)(px);
    for (;;) {
        int scans = i + W <= ns, reduces = k + W <= nr;
        if (!scans && !reduces)
            break;
        if (scans) {
            FN(time_block)(s, FN(block_at)(s, i), &cv, stream);
            i += W;
        }
        if (reduces) {
            FN(time_reduce_block)(r, FN(block_at)(r, k), &cA, &cX);
            k += W;
        }
    }
    c = V_(first)(cv);
    for (; i < ns; i++)
        c = FN(step_one)(s, s->coef, s->x, s->out, s->hprev, s->da, dir * (ptrdiff_t)i, c);
    pa = V_(first)(cA);
    px = V_(first)(cX);
    for (; k < nr; k++)
        FN(reduce_one)(r, r->step * (ptrdiff_t)k, &pa, &px);
    if (stream)
        stream_fence();
    if (ns)
        *carry = c;
    if (A_out) {
        *A_out = pa;
        *X_out = px;
    }
}

/*
 * Rows of independent lanes: the lanes are the SIMD dimension, so a row is W-wide FMAs with no
 * dependency inside it. The carry row lives in a small buffer that stays in L1, which keeps the
 * outputs free to be streamed.
 */
static inline void FN(scan_row)(const linrec__openmp_span *s, size_t row, REAL *carry, int stream)
{
    ptrdiff_t at = (ptrdiff_t)row * s->step;
    const E_COEF *coef = (const E_COEF *)s->coef + at;
    const E_DATA *x = (const E_DATA *)s->x + at;
    const E_DATA *hprev = s->da ? (const E_DATA *)s->hprev + at : NULL;
    E_DATA *out = (E_DATA *)s->out + at;
    E_COEF *da = s->da ? (E_COEF *)s->da + at : NULL;
    size_t l = 0;
    for (; l + W <= s->lanes; l += W) {
        VEC h = V_(fma)(VAS_USED(s, VLOAD_COEF(coef + l)), V_(load)(carry + l), VLOAD(x + l));
        V_(store)(carry + l, h);
        STORE_IN_ORDER(E_DATA_NAME, out + l, h, 1, stream);
        if (da)
            STORE_IN_ORDER(E_COEF_NAME, da + l, V_(mul)(h, VAS_USED(s, VLOAD(hprev + l))), 1,
                           stream);
    }
    for (; l < s->lanes; l++)
        carry[l] = FN(step_one)(s, coef, x, out, hprev, da, (ptrdiff_t)l, carry[l]);
}

static inline void FN(reduce_row)(const linrec__openmp_span *s, size_t row, REAL *A, REAL *X)
{
    ptrdiff_t at = (ptrdiff_t)row * s->step;
    const E_COEF *coef = (const E_COEF *)s->coef + at;
    const E_DATA *x = (const E_DATA *)s->x + at;
    size_t l = 0;
    for (; l + W <= s->lanes; l += W) {
        VEC a = VAS_USED(s, VLOAD_COEF(coef + l));
        V_(store)(X + l, V_(fma)(a, V_(load)(X + l), VLOAD(x + l)));
        V_(store)(A + l, V_(mul)(a, V_(load)(A + l)));
    }
    for (; l < s->lanes; l++)
        FN(reduce_one)(s, at + (ptrdiff_t)l, &A[l], &X[l]);
}

/* walk_time's contract for rows: s's rows and r's rows in turn. */
static void FN(walk_rows)(const linrec__openmp_span *s, REAL *carry, const linrec__openmp_span *r,
                          REAL *A, REAL *X)
{
    size_t ns = s->steps, nr = A ? r->steps : 0;
    int stream = ns && FN(rows_may_stream)(s);
    for (size_t l = 0; A && l < r->lanes; l++) {
        A[l] = 1;
        X[l] = 0;
    }
    for (size_t row = 0; row < ns || row < nr; row++) {
        if (row < ns)
            FN(scan_row)(s, row, carry, stream);
        if (row < nr)
            FN(reduce_row)(r, row, A, X);
    }
    if (stream)
        stream_fence();
}

/* A span of one lane with unit step is one contiguous sequence; anything else is rows. Both
 * spans of a walk come from one problem, so the first with steps tells. */
static void FN(walk)(const linrec__openmp_span *s, void *carry, const linrec__openmp_span *r,
                     void *A, void *X)
{
    const linrec__openmp_span *shape = s->steps ? s : r;
    if (shape->lanes == 1 && (shape->step == 1 || shape->step == -1))
        FN(walk_time)(s, carry, r, A, X);
    else
        FN(walk_rows)(s, carry, r, A, X);
}

/*
 * Joined sequences (openmp.h's walk_joined): the span is a run of whole sequences of `length`
 * steps, one after the other in memory, and the time kernel's blocks run across their borders.
 * A lane at a sequence's first step (u == 0 in scan order) must take nothing from the lanes
 * before it, so each level of the in-register scan and the carry's join are selected per lane,
 * from masks of keep bits (all ones or zero) that depend only on the block's position u in its
 * sequence. Selects, not products with zero: a product would let an infinite or NaN value of one
 * sequence into the next.
 */
#define LEVELS (W >= 16 ? 4 : W >= 8 ? 3 : W >= 4 ? 2 : W >= 2 ? 1 : 0)

/* Entry i of each mask stands for position (i + offset) % length in a sequence; a block at
 * position u reads entries [v, v + W), v = FN(joined_mask_at)(m, u). */
typedef struct FN(joined_masks) {
    size_t offset;
    /* level[k]: the lane joins the pair 2^k lanes below it (its position is at least 2^k) */
    REAL level[LEVELS + 1][3 * W];
    /* inner: the lane is not a sequence's last step (backward: da takes h before it) */
    REAL inner[3 * W];
    /* below[W - f + l]: lane l is below the block's first sequence start f (it takes the carry) */
    REAL below[2 * W];
} FN(joined_masks);

static REAL FN(keep_bits)(int keep)
{
    REAL bits;
    memset(&bits, keep ? 0xff : 0, sizeof bits);
    return bits;
}

/* Sequences shorter than 2W index the masks by their position (offset 0); longer ones see at
 * most one sequence end per block, so 3W entries around one end (at entry 2W) serve them. */
static void FN(joined_masks_for)(FN(joined_masks) * m, size_t length)
{
    m->offset = length < 2 * W ? 0 : length - 2 * W;
    for (size_t i = 0; i < 3 * W; i++) {
        size_t u = (i + m->offset) % length;
        for (int k = 0; k < LEVELS; k++)
            m->level[k][i] = FN(keep_bits)(u >= (size_t)1 << k);
        m->inner[i] = FN(keep_bits)(u != length - 1);
    }
    for (size_t i = 0; i < 2 * W; i++)
        m->below[i] = FN(keep_bits)(i < W);
}

/* Where u < offset no lane of the block reaches its sequence's end, and entries 0..W-1
 * (positions offset.. offset + W - 1) keep every join the block's own positions keep: these drop
 * one only below position 2^k, where the partner lane lies below the block and is the identity,
 * so that keeping it or not changes nothing. */
static inline size_t FN(joined_mask_at)(const FN(joined_masks) * m, size_t u)
{
    return u >= m->offset ? u - m->offset : 0;
}

/* scan_block's levels, none reaching across a sequence start; v is the block's mask entry. */
static inline void FN(scan_joined_block)(VEC *A, VEC *X, const FN(joined_masks) * m, size_t v)
{
#define JOINED_LEVEL(k, lanes)                                                                     \
    do {                                                                                           \
        VEC keep = V_(load)(m->level[k] + v);                                                      \
        *X = V_(select)(keep, V_(fma)(*A, V_(shift)(*X, zero, lanes), *X), *X);                    \
        *A = V_(select)(keep, V_(mul)(*A, V_(shift)(*A, one, lanes)), *A);                         \
    } while (0)
#if W > 1
    const VEC one = V_(set1)(1), zero = V_(set1)(0);
    JOINED_LEVEL(0, 1);
#endif
#if W > 2
    JOINED_LEVEL(1, 2);
#endif
#if W > 4
    JOINED_LEVEL(2, 4);
#endif
#if W > 8
    JOINED_LEVEL(3, 8);
#endif
#undef JOINED_LEVEL
    (void)A;
    (void)X;
    (void)m;
    (void)v;
}

/* The h0 (or dh0) element of sequence r of a joined span, counted from its first. */
static inline ptrdiff_t FN(state_at)(const linrec__openmp_joined *J, size_t r)
{
    return (ptrdiff_t)r * J->state_step;
}

static inline REAL FN(h0_of)(const linrec__openmp_joined *J, size_t r)
{
    return E_LOAD(((const E_DATA *)J->h0)[FN(state_at)(J, r)]);
}

/* Moves position u of sequence r one step on. */
static inline void FN(step_on)(const linrec__openmp_joined *J, size_t *r, size_t *u)
{
    if (++*u == J->length) {
        *u = 0;
        ++*r;
    }
}

/* One step of walk_joined outside the blocks, at element `at`, position u of sequence r. */
static inline REAL FN(joined_step)(const linrec__openmp_span *s, const linrec__openmp_joined *J,
                                   size_t r, size_t u, ptrdiff_t at, REAL carry)
{
    const E_COEF *coef = s->coef;
    REAL x = E_LOAD(((const E_DATA *)s->x)[at]), value = x;
    if (u)
        value = E_MUL(AS_USED(s, E_LOAD_COEF(coef[at])), carry) + x;
    else if (J->h0 && !J->backward)
        value = E_MUL(E_LOAD_COEF(coef[at]), FN(h0_of)(J, r)) + x;
    ((E_DATA *)s->out)[at] = E_STORE(value);
    int last = u + 1 == J->length;
    if (s->da) {
        REAL before = !last   ? E_LOAD(((const E_DATA *)s->hprev)[at])
                      : J->h0 ? FN(h0_of)(J, r)
                              : (REAL)0;
        ((E_COEF *)s->da)[at] = E_STORE_COEF(E_MUL(value, AS_USED(s, before)));
    }
    if (last && J->dh0) {
        REAL a = AS_USED(s, E_LOAD_COEF(coef[at + s->step])); /* this step's own a */
        ((E_DATA *)J->dh0)[FN(state_at)(J, r)] = E_STORE(E_MUL(a, value));
    }
    return value;
}

/* h0 of each lane's sequence in a block at position u of sequence r. Sequences of W steps or
 * more meet the block's edge of interest (a start or an end) in one sequence, `edge`, whose h0
 * every lane takes. */
static inline VEC FN(joined_h0)(const linrec__openmp_joined *J, size_t r, size_t u, size_t edge)
{
    if (J->length >= W)
        return V_(set1)(FN(h0_of)(J, edge));
    REAL row[W];
    for (size_t l = 0; l < W; l++, FN(step_on)(J, &r, &u))
        row[l] = FN(h0_of)(J, r);
    return V_(load)(row);
}

/* Backward dh0 of every sequence whose last step is a lane of the block at step i of the span
 * (position u of sequence r), from the block's outs h in scan order. */
static void FN(joined_dh0)(const linrec__openmp_span *s, const linrec__openmp_joined *J, size_t i,
                           size_t r, size_t u, VEC h)
{
    REAL out[W];
    V_(store)(out, h);
    for (size_t l = J->length - 1 - u; l < W; l += J->length, r++) {
        ptrdiff_t own = s->step * (ptrdiff_t)(i + l + 1); /* coef is a one step on (openmp.h) */
        REAL a = AS_USED(s, E_LOAD_COEF(((const E_COEF *)s->coef)[own]));
        ((E_DATA *)J->dh0)[FN(state_at)(J, r)] = E_STORE(E_MUL(a, out[l]));
    }
}

/* One block of W steps, at step i of the span, position u of sequence r, on from the carry *cv.
 * Lanes of sequences that start in the block take h0 (forward) in place of the carry, and lanes
 * at a sequence's last step take h0 (backward, zero without) as da's h before. */
static inline void FN(joined_block)(const linrec__openmp_span *s, const linrec__openmp_joined *J,
                                    const FN(joined_masks) * m, size_t i, size_t r, size_t u,
                                    VEC *cv, int stream)
{
    ptrdiff_t dir = s->step, at = FN(block_at)(s, i);
    size_t length = J->length, v = FN(joined_mask_at)(m, u);
    VEC A = VAS_USED(s, FN(load_coef_in_order)((const E_COEF *)s->coef + at, dir));
    VEC X = FN(load_in_order)((const E_DATA *)s->x + at, dir);
    FN(scan_joined_block)(&A, &X, m, v);
    size_t start = u ? length - u : 0; /* the first lane at a sequence's first step */
    VEC carried = V_(load)(m->below + W - (start < W ? start : W)), fresh = X;
    if (J->h0 && !J->backward && start < W)
        fresh = V_(fma)(A, FN(joined_h0)(J, r, u, r + !!u), X);
    VEC h = V_(select)(carried, V_(fma)(A, *cv, X), fresh);
    *cv = V_(last)(h);
    STORE_IN_ORDER(E_DATA_NAME, (E_DATA *)s->out + at, h, dir, stream);
    size_t end = length - 1 - u; /* the first lane at a sequence's last step */
    if (s->da) {
        VEC before = FN(load_in_order)((const E_DATA *)s->hprev + at, dir), edge = V_(set1)(0);
        if (J->h0 && end < W)
            edge = FN(joined_h0)(J, r, u, r);
        before = VAS_USED(s, V_(select)(V_(load)(m->inner + v), before, edge));
        STORE_IN_ORDER(E_COEF_NAME, (E_COEF *)s->da + at, V_(mul)(h, before), dir, stream);
    }
    if (J->dh0 && end < W)
        FN(joined_dh0)(s, J, i, r, u, h);
}

/* Backward, a span's coef and hprev are its neighbours' steps (openmp.h): its first and last
 * steps, whose neighbours lie outside it, are scalar steps that do not load them. */
static void FN(walk_joined)(const linrec__openmp_span *s, const linrec__openmp_joined *J)
{
    FN(joined_masks) m;
    FN(joined_masks_for)(&m, J->length);
    size_t n = s->steps, head = FN(head)(s), length = J->length, u = 0, r = 0, i = 0;
    if (J->backward && head == 0)
        head = n < W ? n : W;
    size_t body = head + (n - head) / W * W;
    if (J->backward && body == n && body > head)
        body -= W;
    ptrdiff_t dir = s->step;
    REAL c = 0;
    for (; i < head; i++, FN(step_on)(J, &r, &u))
        c = FN(joined_step)(s, J, r, u, dir * (ptrdiff_t)i, c);
    int stream = FN(may_stream)(s) && FN(misalignment)(s, head) == 0;
    size_t advance = W % length, wrap = W / length;
    VEC cv = V_(set1)(c);
    for (; i < body; i += W) {
        FN(joined_block)(s, J, &m, i, r, u, &cv, stream);
        u += advance;
        r += wrap + (u >= length);
        u -= u >= length ? length : 0;
    }
    c = V_(first)(cv);
    for (; i < n; i++, FN(step_on)(J, &r, &u))
        c = FN(joined_step)(s, J, r, u, dir * (ptrdiff_t)i, c);
    if (stream)
        stream_fence();
}
#undef LEVELS

#undef STORE_IN_ORDER
#undef AS_USED
#undef VAS_USED
#undef OUT_BYTES
#undef VSTREAM_AS
#undef VSTORE_AS
#undef VLOAD_COEF
#undef VLOAD
#undef FN
#undef V_
#undef W
#undef VEC
#undef REAL
