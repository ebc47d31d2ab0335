/*
 * Many sequences side by side (channels contiguous): one work-item per (sequence, chunk of
 * steps), on a 2-D range of sequences by chunks. Consecutive work-items take consecutive
 * sequences, so each step's loads and stores are contiguous across lanes. When there are too few
 * sequences to fill the device, time is split into chunks: lanes_reduce folds every chunk but the
 * last into a pair, carry_scan turns those pairs into the state entering each chunk, and
 * lanes_scan rescans every chunk from its state.
 *
 * Every LANES_BLOCK steps (a build option) the work-group meets at a barrier that orders
 * nothing. It makes CPU drivers such as PoCL, which run a work-group's items one after another
 * between barriers, walk a few rows of the whole group at a time instead of one work-item's
 * column to its end (a cache line read per element); GPUs get a large LANES_BLOCK and so rarely
 * pay for it.
 */

/* The pair of chunk k of sequence q, for every chunk but each sequence's last. */
__kernel void lanes_reduce(__global const coef_t *a, __global const data_t *x, __global pair *pairs,
                           WALK_PARAMS)
{
    SHIFT_INPUTS();
    walk w = WALK_OF_PARAMS;
    ulong q = get_global_id(0), k = get_global_id(1);
    int active = q < w.sequences;
    ulong end = chunk_end(&w, k);
    long start = active ? origin(&w, q) : 0;
    pair run = IDENTITY;
    for (ulong block = chunk_begin(&w, k); block < end; block += LANES_BLOCK) {
        ulong stop = min(block + LANES_BLOCK, end);
        for (ulong s = block; active && s < stop; s++)
            run = compose(run, load_step(&w, a, x, start + (long)s * w.step, s));
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (active)
        pairs[q * (w.chunks - 1) + k] = run;
}

/* The states of chunk k of sequence q, entered with its carry: the serial loop itself. */
__kernel void lanes_scan(__global const coef_t *a, __global const data_t *x, __global data_t *out,
                         __global const data_t *h0, __global const data_t *h, __global coef_t *da,
                         __global data_t *dh0, __global const pair *carries, WALK_PARAMS)
{
    SHIFT_SCAN_ARRAYS();
    walk w = WALK_OF_PARAMS;
    ulong q = get_global_id(0), k = get_global_id(1);
    int active = q < w.sequences;
    ulong end = chunk_end(&w, k);
    long start = active ? origin(&w, q) : 0;
    value state = active ? chunk_carry(&w, carries, h0, q, k) : ZERO;
    for (ulong block = chunk_begin(&w, k); block < end; block += LANES_BLOCK) {
        ulong stop = min(block + LANES_BLOCK, end);
        for (ulong s = block; active && s < stop; s++) {
            long e = start + (long)s * w.step;
            pair p = load_step(&w, a, x, e, s);
            state = mul(p.PAIR_A, state) + p.PAIR_X;
            store_step(&w, out, a, h0, h, da, dh0, q, e, s, state);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}
