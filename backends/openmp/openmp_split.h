/*
 * The time split, written once for the scan (openmp_driver.h) and the fused cells
 * (openmp_cells.h): a call whose groups are split over time, each group in super-chunks of
 * plan->chunk_steps steps per thread, the super-chunks of all groups taken in turn. Each thread
 * but the one whose chunk ends a super-chunk reduces its chunk to (A, X) one super-chunk ahead:
 * in step n every thread folds the pairs of the chunks before its own into the carry that ended
 * super-chunk n - 1, rescans its chunk of n, now in cache, and in the same pass (SPLIT_WALK)
 * reduces its chunk of n + 1 from memory, so that one thread's reads and writes overlap. Step n
 * needs only what step n - 1 made, so the threads wait for each other's progress point to point
 * (openmp_sync.c), never on a barrier; the fold is linear in p, which for the thread counts of
 * one machine is cheaper than the log p waits a tree would need.
 *
 * Include with REAL and SPLIT_FN(name) (the includer's names for one element type) defined, and
 * these of the includer's job type SPLIT_JOB:
 *   SPLIT_CHUNK(job, length, p, t, c0, c1)   thread t's chunk [*c0, *c1) of a super-chunk
 *   SPLIT_INITIAL(job, group, carry)         the carry before position 0, every lane
 *   SPLIT_WALK(job, group, u0, u1, carry, rgroup, v0, v1, A, X)
 *                                            rescans [u0, u1) of every lane of group on from
 *                                            carry and reduces [v0, v1) of rgroup to (A, X);
 *                                            either range may be empty (A is then NULL)
 *   SPLIT_GEOMETRY(job)                      its linrec__geometry
 * Defines SPLIT_FN(run_split)(const SPLIT_JOB *, const linrec__openmp_plan *), which returns
 * LINREC_OK or LINREC_ERR_OUT_OF_MEMORY with its reason, and undefines the parameters.
 */
#define SPLIT_SHARE SPLIT_FN(split_share)
#define SPLIT_PLACE SPLIT_FN(split_place)

/* Scratch of a time-split call: per thread a carry row and two generations of (A, X) rows, so a
 * thread may reduce super-chunk n + 1 while others still read the pairs of n; two rows for the
 * carry that ends a super-chunk, alternating likewise; and each thread's progress (steps done,
 * the first reduction counting as one). Rows are whole cache lines from an aligned start, so no
 * two threads' rows share one. */
typedef struct SPLIT_SHARE {
    REAL *carry, *pairs, *ends;
    size_t row; /* elements per row, a cache-line multiple */
    int threads;
    linrec__openmp_progress *done; /* one per thread */
} SPLIT_SHARE;

/* A super-chunk: its group, first position and length; group == outer past the last. */
typedef struct SPLIT_PLACE {
    size_t group, u, length;
} SPLIT_PLACE;

static SPLIT_PLACE SPLIT_FN(place)(const SPLIT_JOB *j, size_t super, size_t group, size_t u)
{
    size_t steps = SPLIT_GEOMETRY(j)->steps;
    SPLIT_PLACE place = {group, u, steps - u < super ? steps - u : super};
    return place;
}

static SPLIT_PLACE SPLIT_FN(after)(const SPLIT_JOB *j, size_t super, SPLIT_PLACE place)
{
    if (place.u + place.length < SPLIT_GEOMETRY(j)->steps)
        return SPLIT_FN(place)(j, super, place.group, place.u + place.length);
    return SPLIT_FN(place)(j, super, place.group + 1, 0);
}

static REAL *SPLIT_FN(pair_row)(const SPLIT_SHARE *sh, size_t n, int thread, int which)
{
    size_t generation = n & 1u;
    return sh->pairs + ((generation * (size_t)sh->threads + (size_t)thread) * 2 + which) * sh->row;
}

static REAL *SPLIT_FN(end_row)(const SPLIT_SHARE *sh, size_t n)
{
    return sh->ends + (n & 1u) * sh->row;
}

/* Thread t's chunk [*v0, *v1) of `place` if it reduces one there (it has a chunk and that chunk
 * does not end the super-chunk), else an empty one. */
static void SPLIT_FN(reduction)(const SPLIT_JOB *j, SPLIT_PLACE place, int p, int t, size_t *v0,
                                size_t *v1)
{
    size_t c0, c1;
    *v0 = *v1 = 0;
    if (place.group >= SPLIT_GEOMETRY(j)->outer)
        return;
    SPLIT_CHUNK(j, place.length, (size_t)p, (size_t)t, &c0, &c1);
    if (c0 < c1 && c1 < place.length) {
        *v0 = place.u + c0;
        *v1 = place.u + c1;
    }
}

/* The carry before thread t's chunk of super-chunk n at `place`: the carry that ended the one
 * before (or the group's initial one), with the pairs of the earlier threads' chunks folded in. */
static void SPLIT_FN(carry_in)(const SPLIT_JOB *j, const SPLIT_SHARE *sh, SPLIT_PLACE place,
                               size_t n, int p, int t, REAL *carry)
{
    size_t lanes = SPLIT_GEOMETRY(j)->lanes;
    if (place.u == 0)
        SPLIT_INITIAL(j, place.group, carry);
    else
        memcpy(carry, SPLIT_FN(end_row)(sh, n - 1), lanes * sizeof(REAL));
    for (int i = 0; i < t; i++) {
        size_t c0, c1;
        SPLIT_CHUNK(j, place.length, (size_t)p, (size_t)i, &c0, &c1);
        if (c0 == c1)
            continue;
        const REAL *A = SPLIT_FN(pair_row)(sh, n, i, 0), *X = SPLIT_FN(pair_row)(sh, n, i, 1);
        for (size_t l = 0; l < lanes; l++)
            carry[l] = E_MUL(A[l], carry[l]) + X[l];
    }
}

/*
 * Thread t of p through every super-chunk. Step n may overwrite what step n - 2 left for others
 * (the pair rows of generation n + 1, the end row of n) only once every thread has finished step
 * n - 1, which is also when the pairs and the end row it reads are ready: a thread that works in
 * step n waits for that first. The first reduction counts as step -1.
 */
static void SPLIT_FN(split_thread)(const SPLIT_JOB *j, const linrec__openmp_plan *plan,
                                   const SPLIT_SHARE *sh, int t, int p)
{
    size_t super = plan->chunk_steps * (size_t)p, v0, v1;
    REAL *carry = sh->carry + (size_t)t * sh->row;
    SPLIT_PLACE place = SPLIT_FN(place)(j, super, 0, 0);
    SPLIT_FN(reduction)(j, place, p, t, &v0, &v1);
    if (v0 < v1)
        SPLIT_WALK(j, 0, 0, 0, NULL, place.group, v0, v1, SPLIT_FN(pair_row)(sh, 0, t, 0),
                   SPLIT_FN(pair_row)(sh, 0, t, 1));
    linrec__openmp_publish(&sh->done[t], 1);
    for (size_t n = 0; place.group < SPLIT_GEOMETRY(j)->outer; n++) {
        SPLIT_PLACE next = SPLIT_FN(after)(j, super, place);
        size_t c0, c1;
        SPLIT_CHUNK(j, place.length, (size_t)p, (size_t)t, &c0, &c1);
        SPLIT_FN(reduction)(j, next, p, t, &v0, &v1);
        if (c0 < c1 || v0 < v1)
            linrec__openmp_wait_all(sh->done, 0, p, n + 1);
        REAL *A = v0 < v1 ? SPLIT_FN(pair_row)(sh, n + 1, t, 0) : NULL;
        REAL *X = v0 < v1 ? SPLIT_FN(pair_row)(sh, n + 1, t, 1) : NULL;
        if (c0 < c1) {
            SPLIT_FN(carry_in)(j, sh, place, n, p, t, carry);
            SPLIT_WALK(j, place.group, place.u + c0, place.u + c1, carry, next.group, v0, v1, A, X);
            if (c1 == place.length)
                memcpy(SPLIT_FN(end_row)(sh, n), carry, SPLIT_GEOMETRY(j)->lanes * sizeof(REAL));
        } else if (v0 < v1) {
            SPLIT_WALK(j, 0, 0, 0, NULL, next.group, v0, v1, A, X);
        }
        linrec__openmp_publish(&sh->done[t], n + 2);
        place = next;
    }
}

/* Runs a time-split call on its own OpenMP team of plan->threads. */
static linrec_status SPLIT_FN(run_split)(const SPLIT_JOB *j, const linrec__openmp_plan *plan)
{
    int threads = plan->threads;
    size_t lanes = SPLIT_GEOMETRY(j)->lanes, row = (lanes + 15) / 16 * 16;
    size_t rows = (size_t)threads * 5 + 2;
    REAL *scratch =
        row <= SIZE_MAX / sizeof(REAL) / rows ? aligned_alloc(64, rows * row * sizeof(REAL)) : NULL;
    linrec__openmp_progress *done = malloc((size_t)threads * sizeof *done);
    if (!scratch || !done) {
        free(scratch);
        free(done);
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY,
                            "backend openmp: cannot allocate %zu carry rows of %zu elements and "
                            "the progress of %d threads",
                            rows, row, threads);
    }
    for (int i = 0; i < threads; i++)
        atomic_init(&done[i].count, 0);
    REAL *pairs = scratch + (size_t)threads * row;
    SPLIT_SHARE sh = {.carry = scratch,
                      .pairs = pairs,
                      .ends = pairs + (size_t)threads * 4 * row,
                      .row = row,
                      .threads = threads,
                      .done = done};
#pragma omp parallel num_threads(threads)
    SPLIT_FN(split_thread)(j, plan, &sh, omp_get_thread_num(), omp_get_num_threads());
    free(done);
    free(scratch);
    return LINREC_OK;
}

#undef SPLIT_PLACE
#undef SPLIT_SHARE
/* The parameters, so that the next includer defines its own. */
#undef SPLIT_FN
#undef SPLIT_JOB
#undef SPLIT_CHUNK
#undef SPLIT_INITIAL
#undef SPLIT_WALK
#undef SPLIT_GEOMETRY
