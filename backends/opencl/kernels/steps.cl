/*
 * Few, long sequences: one work-group of WG work-items per (sequence, chunk of steps). The chunk
 * is walked in tiles of TILE steps loaded contiguously into local memory, each tile scanned there
 * (scan_tile) and entered with the state carried out of the tile before. With few sequences the
 * sequences are split into chunks over the whole device: steps_reduce folds every chunk but the
 * last, carry_scan turns the folds into the state entering each chunk, steps_scan rescans.
 * carry_scan serves the lanes kernels too. No work-group ever waits for another.
 */

/* Loads steps [begin, end) of the sequence whose step 0 is at `start` into the tile, padding
 * with the identity. */
void load_tile(const walk *w, __local pair *tile, __global const coef_t *a,
               __global const data_t *x, long start, ulong begin, ulong end)
{
    /* The previous tile must be consumed by every work-item before it is overwritten. */
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint i = get_local_id(0); i < TILE; i += WG) {
        ulong s = begin + i;
        tile[SLOT(i)] = s < end ? load_step(w, a, x, start + (long)s * w->step, s) : IDENTITY;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}

/* The pair of chunk k of sequence q, for every chunk but each sequence's last. */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) void
steps_reduce(__global const coef_t *a, __global const data_t *x, __global pair *pairs, WALK_PARAMS)
{
    SHIFT_INPUTS();
    __local pair tile[TILE_SLOTS], partial[WG];
    walk w = WALK_OF_PARAMS;
    ulong group = get_group_id(0);
    ulong q = group / (w.chunks - 1), k = group % (w.chunks - 1);
    ulong end = chunk_end(&w, k);
    long start = origin(&w, q);
    pair run = IDENTITY;
    for (ulong begin = chunk_begin(&w, k); begin < end; begin += TILE) {
        load_tile(&w, tile, a, x, start, begin, end);
        fold_tile(tile, partial);
        run = compose(run, partial[WG - 1]);
    }
    if (get_local_id(0) == 0)
        pairs[group] = run;
}

/* The states of chunk k of sequence q, entered with its carry. */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) void
steps_scan(__global const coef_t *a, __global const data_t *x, __global data_t *out,
           __global const data_t *h0, __global const data_t *h, __global coef_t *da,
           __global data_t *dh0, __global const pair *carries, WALK_PARAMS)
{
    SHIFT_SCAN_ARRAYS();
    __local pair tile[TILE_SLOTS], partial[WG];
    walk w = WALK_OF_PARAMS;
    ulong group = get_group_id(0);
    ulong q = group / w.chunks, k = group % w.chunks;
    ulong end = chunk_end(&w, k);
    value carry = chunk_carry(&w, carries, h0, q, k);
    int zero = starts_from_zero(&w, h0, k);
    long start = origin(&w, q);
    for (ulong begin = chunk_begin(&w, k); begin < end; begin += TILE) {
        load_tile(&w, tile, a, x, start, begin, end);
        carry = scan_tile(tile, partial, carry, zero);
        zero = 0;
        for (uint i = get_local_id(0); i < TILE && begin + i < end; i += WG)
            store_step(&w, out, a, h0, h, da, dh0, q, start + (long)(begin + i) * w.step,
                       begin + i, tile[SLOT(i)].PAIR_X);
    }
}

/*
 * One work-group per sequence: replaces the X of each of its `links` chunk pairs by the state
 * after that chunk, starting from h0 (NULL: the zero state; backward scans pass NULL), which
 * starts where `at` says (AT).
 */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1))) void
carry_scan(__global pair *pairs, ulong links, __global const data_t *h0, ulong8 at)
{
    h0 = AT(h0, 3);
    __local pair tile[TILE_SLOTS], partial[WG];
    ulong q = get_group_id(0);
    __global pair *mine = pairs + q * links;
    value carry = h0 ? LOAD_DATA(h0, q) : ZERO;
    int zero = !h0;
    for (ulong begin = 0; begin < links; begin += TILE) {
        barrier(CLK_LOCAL_MEM_FENCE);
        for (uint i = get_local_id(0); i < TILE; i += WG)
            tile[SLOT(i)] = begin + i < links ? mine[begin + i] : IDENTITY;
        barrier(CLK_LOCAL_MEM_FENCE);
        carry = scan_tile(tile, partial, carry, zero);
        zero = 0;
        for (uint i = get_local_id(0); i < TILE && begin + i < links; i += WG)
            mine[begin + i].PAIR_X = tile[SLOT(i)].PAIR_X;
    }
}
