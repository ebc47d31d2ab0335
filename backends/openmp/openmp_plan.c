/*
 * How a call is spread over p threads. The problem is `outer` groups of `lanes` contiguous
 * sequences (src/backend.h); the work items are a group's lanes cut into parts.
 *
 * 1. Below PARALLEL_MIN_ELEMENTS one thread does everything: a fork-join costs more than it saves
 *    (measured on 2 cores: two threads win from about 32Ki-64Ki elements).
 * 2. Independent sequences first. A group's lanes are cut into parts of whole cache lines, no
 *    wider than MAX_PART_BYTES (so a thread's carry row stays in L1), and into more parts while
 *    that is what balances the items over the threads, while each part keeps MIN_PART_BYTES and
 *    each thread SPLIT_MIN_ROW_ELEMENTS: threads on parts of the same rows run slower than one
 *    thread below that (measured on 2 cores, one group cut in two: 64 f32 lanes, 2x the one-thread
 *    time at 2^16 elements and 1.3x at 2^19; 1024 lanes, 2.5x at 2^16 and 1.5x at 2^18; 4096
 *    lanes, 1.3x at 2^16, even at 2^18), as each core's prefetchers fetch the other's lines too.
 * When the items balance (their count is a multiple of p, or at least BALANCED_ITEMS_PER_THREAD *
 * p), each thread walks whole items in one pass: SIMD across lanes for rows, the time-SIMD kernel
 * for a single contiguous sequence.
 * 3. Otherwise (few sequences, or few narrow lanes) and when a group holds at least
 *    SPLIT_MIN_ELEMENTS per thread, the time axis is split: groups in turn, each in super-chunks,
 *    every thread reducing its chunk, combining carries and rescanning it while it is in cache.
 *    (Measured on 2 cores, one sequence: 0.9x of one thread at 32Ki steps, 1.14x at 64Ki, 1.2x
 *    to 1.4x from 128Ki on while it fits in cache; memory-bound beyond.) Rows of a cache line or
 *    more, which the rows kernel walks at memory speed, need SPLIT_MIN_ROW_ELEMENTS per thread
 *    (one group of 64 f32 lanes: 1.2x to 1.4x slower than one thread up to 2^18 elements in
 *    all, 1.6x faster at 2^19).
 * 4. Otherwise the items go to the threads unbalanced.
 * Where 2 or 4 applies to two or more groups of one lane (time innermost), each thread scans its
 * whole groups as one joined span (walk_joined: one sequence that restarts at each of theirs) when
 * the sequences take at most JOIN_MAX_BYTES or the outputs stream: a kernel call per sequence costs
 * its scalar head and tail and its carry set-up. (Measured on 2 cores, AMD EPYC, 2^24 f32
 * elements in BCT, 2 threads, roofline fractions: joined 0.73-1.15 forward and 0.56-1.04
 * backward from 2 to 4096 steps, mostly 0.9-1.0; the former scalar walk 0.33-0.71 forward and
 * 0.11-0.59 backward at 2 to 128 steps; a call per sequence 0.57-0.79 forward and 0.29-0.33
 * backward at 256 steps, 0.51-0.57 backward at 1024.) In cache, with longer sequences, the
 * joined walk's per-lane selects cost more than the calls (8 sequences of 4096 steps: 0.47-0.54
 * of the roofline joined, 0.56-0.63 a call each).
 * Outputs of at least STREAM_MIN_BYTES per array are written around the cache.
 */
#include "openmp.h"

enum {
    PARALLEL_MIN_ELEMENTS = 1 << 16,
    CACHE_LINE = 64,
    MAX_PART_BYTES = 16 << 10,
    MIN_PART_BYTES = 4 << 10,
    BALANCED_ITEMS_PER_THREAD = 4,
    SPLIT_MIN_ELEMENTS = 1 << 15,
    SPLIT_MIN_ROW_ELEMENTS = 1 << 18,
    JOIN_MAX_BYTES = 512,
    /* Bytes of a and x a thread reads per super-chunk: enough super-chunks (SUPER_CHUNKS) for the
     * threads' steps to overlap, each long enough that restarting the memory streams and the
     * waits stay small beside it, and short enough that the chunk being rescanned and the next
     * one being reduced both stay in L2 (measured on 2 cores with 2 MiB of L2 each, one f32
     * sequence of 2^26 steps: 512 KiB 0.79-0.83 of the roofline forward and backward, 1 MiB
     * 0.72-0.84 forward and 0.67-0.78 backward). */
    SUPER_CHUNKS = 8,
    CHUNK_MIN_BYTES = 128 << 10,
    CHUNK_MAX_BYTES = 512 << 10,
    CHUNK_ALIGN_STEPS = 16,
    /* Relative chunk lengths: a reducing thread also reduces its next chunk as it rescans this
     * one, from cache, so it takes a shorter one than the last thread, which only scans. Where
     * memory sets the pace (measured as above, f32, 2^18 to 2^26 steps, forward and backward: 4:5
     * 0.75-0.86 of the roofline, 2:3 0.71-0.85, 2:4 0.62-0.79, 1:1 0.63-0.80) the reduction
     * mostly hides behind it; where the arithmetic does (a complex forward pass: c64 0.29 of the
     * roofline at 4:5, 0.45 at 2:4; c128 0.39 and 0.61), a reducing thread does twice the last
     * one's work per step. A complex backward pass, with 5 arrays to move, is memory's again (c64
     * 0.71 at 4:5, 0.66 at 2:4). */
    REDUCING_SHARE = 4,
    LAST_SHARE = 5,
    HEAVY_REDUCING_SHARE = 2,
    HEAVY_LAST_SHARE = 4
};

#define STREAM_MIN_BYTES ((size_t)4 << 20)

static size_t ceil_div(size_t a, size_t b)
{
    return a / b + (a % b != 0);
}

static size_t round_up(size_t a, size_t b)
{
    return ceil_div(a, b) * b;
}

static int balanced(size_t items, size_t threads)
{
    return items % threads == 0 || items >= BALANCED_ITEMS_PER_THREAD * threads;
}

/* Lanes per part, a multiple of `unit` unless it is all of them. */
static size_t part_lanes(size_t lanes, size_t parts, size_t unit)
{
    size_t part = round_up(ceil_div(lanes, parts), unit);
    return part < lanes ? part : lanes;
}

linrec__openmp_plan linrec__openmp_plan_for(const linrec__shape *shape, int threads,
                                            int memory_speed)
{
    const linrec__geometry *g = &shape->geometry;
    size_t size = shape->element_size, unit = CACHE_LINE / size;
    /* Where the work per element is the cells' gates, any cut into cache lines pays. */
    size_t min_part = memory_speed ? MIN_PART_BYTES : CACHE_LINE;
    size_t row_min = memory_speed ? SPLIT_MIN_ROW_ELEMENTS : SPLIT_MIN_ELEMENTS;
    size_t p = threads > 1 && shape->elements >= PARALLEL_MIN_ELEMENTS ? (size_t)threads : 1;
    linrec__openmp_plan plan = {0};
    plan.stream = shape->elements * size >= STREAM_MIN_BYTES;

    size_t parts = ceil_div(g->lanes, MAX_PART_BYTES / size);
    while (!balanced(g->outer * parts, p) && g->lanes / (parts + 1) * size >= min_part &&
           shape->elements >= row_min * p)
        parts++;
    plan.part = part_lanes(g->lanes, parts, unit);
    plan.parts = ceil_div(g->lanes, plan.part);
    size_t items = g->outer * plan.parts;

    size_t split_min = g->lanes * size >= CACHE_LINE ? row_min : SPLIT_MIN_ELEMENTS;
    if (!balanced(items, p) && g->steps * g->lanes >= split_min * p) {
        plan.split_time = 1;
        plan.threads = (int)p;
        size_t step_bytes = 2 * size * g->lanes;
        size_t steps = ceil_div(g->steps, SUPER_CHUNKS * p);
        size_t least = CHUNK_MIN_BYTES / step_bytes, most = CHUNK_MAX_BYTES / step_bytes;
        steps = steps < least ? least : steps > most ? most : steps;
        plan.chunk_steps = round_up(steps ? steps : 1, CHUNK_ALIGN_STEPS);
        return plan;
    }
    plan.threads = (int)(items < p ? items : p);
    plan.joined = memory_speed && g->lanes == 1 && g->outer > 1 &&
                  (g->steps * size <= JOIN_MAX_BYTES || plan.stream);
    return plan;
}

/* Where thread t's chunk starts: `reducing` shares per thread before it, whole blocks. */
static size_t chunk_start(size_t length, size_t threads, size_t t, size_t reducing, size_t last)
{
    size_t unit = ceil_div(length, reducing * (threads - 1) + last);
    size_t start = round_up(t * reducing * unit, CHUNK_ALIGN_STEPS);
    return t < threads && start < length ? start : length;
}

void linrec__openmp_chunk(size_t length, size_t threads, size_t t, int heavy, size_t *c0,
                          size_t *c1)
{
    size_t reducing = heavy ? HEAVY_REDUCING_SHARE : REDUCING_SHARE;
    size_t last = heavy ? HEAVY_LAST_SHARE : LAST_SHARE;
    *c0 = chunk_start(length, threads, t, reducing, last);
    *c1 = chunk_start(length, threads, t + 1, reducing, last);
}
