/*
 * The time split, written once for the scan (openmp_driver.h) and the fused cells
 * (openmp_cells.h): a call whose groups are split over time, each group in super-chunks of
 * plan->chunk_steps steps per thread. Per super-chunk each thread but the last reduces its chunk
 * to (A, X) and publishes it; each thread waits for the pairs of the chunks before its own and for
 * the carry that ended the previous super-chunk, folds them and rescans its chunk, now in cache.
 * Threads wait only on the peers whose results they need (openmp_sync.c), never on a barrier; the
 * fold is linear in p, which for the thread counts of one machine is cheaper than the log p waits
 * a tree would need.
 *
 * Include with REAL and SPLIT_FN(name) (the includer's names for one element type) defined, and
 * these of the includer's job type SPLIT_JOB:
 *   SPLIT_CHUNK(job, length, p, t, c0, c1)   thread t's chunk [*c0, *c1) of a super-chunk
 *   SPLIT_REDUCE(job, group, u0, u1, A, X)   the (A, X) of positions [u0, u1), every lane
 *   SPLIT_INITIAL(job, group, carry)         the carry before position 0, every lane
 *   SPLIT_SEGMENT(job, group, u0, u1, carry) rescans [u0, u1) of every lane on from carry
 *   SPLIT_GEOMETRY(job)                      its linrec__geometry
 * Defines SPLIT_FN(run_split)(const SPLIT_JOB *, const linrec__openmp_plan *), which returns
 * LINREC_OK or LINREC_ERR_OUT_OF_MEMORY with its reason, and undefines the parameters.
 */
#define SPLIT_SHARE SPLIT_FN(split_share)

/* Scratch of a time-split call: per thread a carry row and two generations of (A, X) rows, so a
 * thread may reduce its next chunk while others still read this one's; two rows for the carry
 * that ends a super-chunk, alternating likewise; and each thread's progress. Rows are whole cache
 * lines from an aligned start, so no two threads' rows share one. */
typedef struct SPLIT_SHARE {
    REAL *carry, *pairs, *ends;
    size_t row; /* elements per row, a cache-line multiple */
    int threads;
    linrec__openmp_progress *reduced, *scanned; /* one per thread */
} SPLIT_SHARE;

static REAL *SPLIT_FN(pair_row)(const SPLIT_SHARE *sh, size_t n, int thread, int which)
{
    size_t generation = n & 1u;
    return sh->pairs + ((generation * (size_t)sh->threads + (size_t)thread) * 2 + which) * sh->row;
}

static REAL *SPLIT_FN(end_row)(const SPLIT_SHARE *sh, size_t n)
{
    return sh->ends + (n & 1u) * sh->row;
}

/* Joins the (A, X) of thread i's chunk of super-chunk n, if it had one, to the carry. */
static void SPLIT_FN(fold)(const SPLIT_JOB *j, const SPLIT_SHARE *sh, size_t n, size_t length,
                           int p, int i, REAL *carry)
{
    size_t c0, c1;
    SPLIT_CHUNK(j, length, (size_t)p, (size_t)i, &c0, &c1);
    if (c0 == c1)
        return;
    const REAL *A = SPLIT_FN(pair_row)(sh, n, i, 0), *X = SPLIT_FN(pair_row)(sh, n, i, 1);
    for (size_t l = 0; l < SPLIT_GEOMETRY(j)->lanes; l++)
        carry[l] = E_MUL(A[l], carry[l]) + X[l];
}

/* The thread whose chunk ends a super-chunk of `length` steps: the last with a chunk. */
static int SPLIT_FN(end_owner)(const SPLIT_JOB *j, size_t length, int p)
{
    int i = p - 1;
    size_t c0, c1;
    for (SPLIT_CHUNK(j, length, (size_t)p, (size_t)i, &c0, &c1); c0 == c1 && i > 0;
         SPLIT_CHUNK(j, length, (size_t)p, (size_t)i, &c0, &c1))
        i--;
    return i;
}

/*
 * One group split over time, on thread t of p; `n` counts the call's super-chunks, the same on
 * every thread. A row may be overwritten only once its readers are done with it: this thread's
 * (A, X) rows of super-chunk n - 2 by the later threads that fold them; the end row of n - 2 by
 * every thread that started super-chunk n - 1 from it: the earlier ones are past it once they
 * have published the pairs this thread folds, the later ones (there are some only when this
 * super-chunk is a group's short last) are waited for.
 */
static void SPLIT_FN(split_group)(const SPLIT_JOB *j, const linrec__openmp_plan *plan, size_t group,
                                  const SPLIT_SHARE *sh, int t, int p, size_t *n)
{
    size_t steps = SPLIT_GEOMETRY(j)->steps, lanes = SPLIT_GEOMETRY(j)->lanes;
    size_t super = plan->chunk_steps * (size_t)p;
    REAL *carry = sh->carry + (size_t)t * sh->row;
    for (size_t u = 0; u < steps; u += super, ++*n) {
        size_t length = steps - u < super ? steps - u : super;
        size_t c0, c1;
        SPLIT_CHUNK(j, length, (size_t)p, (size_t)t, &c0, &c1);
        if (c0 < c1 && c1 < length) {
            if (*n >= 2)
                linrec__openmp_wait_all(sh->scanned, t + 1, p, *n - 1);
            SPLIT_REDUCE(j, group, u + c0, u + c1, SPLIT_FN(pair_row)(sh, *n, t, 0),
                         SPLIT_FN(pair_row)(sh, *n, t, 1));
        }
        linrec__openmp_publish(&sh->reduced[t], *n + 1);
        if (c0 < c1) {
            if (u == 0) {
                SPLIT_INITIAL(j, group, carry);
            } else {
                linrec__openmp_wait(&sh->scanned[SPLIT_FN(end_owner)(j, super, p)], *n);
                memcpy(carry, SPLIT_FN(end_row)(sh, *n - 1), lanes * sizeof(REAL));
            }
            for (int i = 0; i < t; i++) {
                linrec__openmp_wait(&sh->reduced[i], *n + 1);
                SPLIT_FN(fold)(j, sh, *n, length, p, i, carry);
            }
            SPLIT_SEGMENT(j, group, u + c0, u + c1, carry);
            if (c1 == length) {
                linrec__openmp_wait_all(sh->scanned, t + 1, p, *n);
                memcpy(SPLIT_FN(end_row)(sh, *n), carry, lanes * sizeof(REAL));
            }
        }
        linrec__openmp_publish(&sh->scanned[t], *n + 1);
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
    linrec__openmp_progress *progress = malloc(2 * (size_t)threads * sizeof *progress);
    if (!scratch || !progress) {
        free(scratch);
        free(progress);
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY,
                            "backend openmp: cannot allocate %zu carry rows of %zu elements and "
                            "the progress of %d threads",
                            rows, row, threads);
    }
    for (int i = 0; i < 2 * threads; i++)
        atomic_init(&progress[i].count, 0);
    REAL *pairs = scratch + (size_t)threads * row;
    SPLIT_SHARE sh = {.carry = scratch,
                      .pairs = pairs,
                      .ends = pairs + (size_t)threads * 4 * row,
                      .row = row,
                      .threads = threads,
                      .reduced = progress,
                      .scanned = progress + threads};
#pragma omp parallel num_threads(threads)
    {
        size_t n = 0;
        int t = omp_get_thread_num(), p = omp_get_num_threads();
        for (size_t group = 0; group < SPLIT_GEOMETRY(j)->outer; group++)
            SPLIT_FN(split_group)(j, plan, group, &sh, t, p, &n);
    }
    free(progress);
    free(scratch);
    return LINREC_OK;
}

#undef SPLIT_SHARE
/* The parameters, so that the next includer defines its own. */
#undef SPLIT_FN
#undef SPLIT_JOB
#undef SPLIT_CHUNK
#undef SPLIT_REDUCE
#undef SPLIT_INITIAL
#undef SPLIT_SEGMENT
#undef SPLIT_GEOMETRY
