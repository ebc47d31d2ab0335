/*
 * The fused cells on the openmp backend's plan (openmp_plan.c), for one element type: include
 * with REAL and SUFFIX defined, after src/cell_kernels.h.
 *
 * The gates are computed inside the scan's passes, never in a sweep of their own. Independent
 * stretches (a group's lanes cut in parts) go to the threads whole, one pass each way. A group
 * split over time goes as the scan's driver does it (openmp_driver.h), per super-chunk: each
 * thread but the last reduces its chunk to (A, X), computing a and x (backward: a and a e) from
 * the pre-activations on the fly, and publishes it; each thread waits for the pairs of the chunks
 * before its own and for the carry that ended the previous super-chunk, folds them and rescans
 * its chunk, gates again, now from cache. Threads wait only on the peers whose results they need
 * (openmp_sync.c), never on a barrier. The carry that ends a super-chunk (the state forward,
 * k = a g backward, which no output holds) is handed on in one of two rows, alternating like the
 * pairs. The chunks are the cells' own (cell_chunk in openmp_cells.c): the gates, not memory, set
 * their cost.
 */
#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)
#define FN(name) CONCAT(name##_, SUFFIX)
#define CELL_FN(name) CONCAT(linrec__cell_##name##_, SUFFIX)
#define SCAN CONCAT(linrec__cell_scan_, SUFFIX)
#define SHARE FN(cell_share)

/* Scratch of a time-split call: per thread a carry row and two generations of (A, X) rows, two
 * rows for the carry that ends a super-chunk, and each thread's progress. Rows are whole cache
 * lines from an aligned start: the cells update their carries element by element, and two
 * threads' carries sharing a line would cost more than the gates. */
typedef struct SHARE {
    REAL *carry, *pairs, *ends;
    size_t row; /* elements per row, a cache-line multiple */
    int threads;
    cell_costs costs;
    linrec__openmp_progress *reduced, *scanned; /* one per thread */
} SHARE;

static REAL *FN(cell_pair_row)(const SHARE *sh, size_t n, int thread, int which)
{
    size_t generation = n & 1u;
    return sh->pairs + ((generation * (size_t)sh->threads + (size_t)thread) * 2 + which) * sh->row;
}

static REAL *FN(cell_end_row)(const SHARE *sh, size_t n)
{
    return sh->ends + (n & 1u) * sh->row;
}

/* Joins the (A, X) of thread i's chunk of super-chunk n, if it had one, to the carry. */
static void FN(cell_fold)(const SHARE *sh, size_t n, size_t length, int p, int i, size_t lanes,
                          REAL *carry)
{
    size_t c0, c1;
    cell_chunk(&sh->costs, length, (size_t)p, (size_t)i, &c0, &c1);
    if (c0 == c1)
        return;
    const REAL *A = FN(cell_pair_row)(sh, n, i, 0);
    const REAL *X = FN(cell_pair_row)(sh, n, i, 1);
    for (size_t l = 0; l < lanes; l++)
        carry[l] = A[l] * carry[l] + X[l];
}

/* The thread whose chunk ends a super-chunk of `length` steps: the last with a chunk. */
static int FN(cell_end_owner)(const SHARE *sh, size_t length, int p)
{
    int i = p - 1;
    size_t c0, c1;
    for (cell_chunk(&sh->costs, length, (size_t)p, (size_t)i, &c0, &c1); c0 == c1 && i > 0;
         cell_chunk(&sh->costs, length, (size_t)p, (size_t)i, &c0, &c1))
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
static void FN(cell_split_group)(const SCAN *s, const linrec__openmp_plan *plan, size_t group,
                                 const SHARE *sh, int t, int p, size_t *n)
{
    size_t steps = s->g->steps, lanes = s->g->lanes;
    size_t super = plan->chunk_steps * (size_t)p;
    REAL *carry = sh->carry + (size_t)t * sh->row;
    for (size_t u = 0; u < steps; u += super, ++*n) {
        size_t length = steps - u < super ? steps - u : super;
        size_t c0, c1;
        cell_chunk(&sh->costs, length, (size_t)p, (size_t)t, &c0, &c1);
        if (c0 < c1 && c1 < length) {
            if (*n >= 2)
                linrec__openmp_wait_all(sh->scanned, t + 1, p, *n - 1);
            CELL_FN(reduce)
            (s, group, u + c0, u + c1, FN(cell_pair_row)(sh, *n, t, 0),
             FN(cell_pair_row)(sh, *n, t, 1));
        }
        linrec__openmp_publish(&sh->reduced[t], *n + 1);
        if (c0 < c1) {
            if (u == 0) {
                CELL_FN(initial_carry)(s, group, 0, lanes, carry);
            } else {
                linrec__openmp_wait(&sh->scanned[FN(cell_end_owner)(sh, super, p)], *n);
                memcpy(carry, FN(cell_end_row)(sh, *n - 1), lanes * sizeof(REAL));
            }
            for (int i = 0; i < t; i++) {
                linrec__openmp_wait(&sh->reduced[i], *n + 1);
                FN(cell_fold)(sh, *n, length, p, i, lanes, carry);
            }
            CELL_FN(segment)(s, group, 0, lanes, u + c0, u + c1, carry);
            if (c1 == length) {
                linrec__openmp_wait_all(sh->scanned, t + 1, p, *n);
                memcpy(FN(cell_end_row)(sh, *n), carry, lanes * sizeof(REAL));
            }
        }
        linrec__openmp_publish(&sh->scanned[t], *n + 1);
    }
}

/* Work item i of a call split over sequences: part i % parts of group i / parts, all steps. */
static void FN(cell_item)(const SCAN *s, const linrec__openmp_plan *plan, size_t item, REAL *carry)
{
    size_t group = item / plan->parts, l0 = item % plan->parts * plan->part;
    size_t lanes = s->g->lanes - l0 < plan->part ? s->g->lanes - l0 : plan->part;
    CELL_FN(initial_carry)(s, group, l0, lanes, carry);
    CELL_FN(segment)(s, group, l0, lanes, 0, s->g->steps, carry);
}

static linrec_status FN(openmp_cells)(const SCAN *s, const linrec__shape *shape)
{
    linrec__openmp_plan plan = linrec__openmp_plan_for(shape, omp_get_max_threads());
    size_t lanes = plan.split_time ? s->g->lanes : plan.part;
    size_t row = (lanes + 15) / 16 * 16;
    size_t rows = (size_t)plan.threads * (plan.split_time ? 5 : 1) + (plan.split_time ? 2 : 0);
    REAL *scratch =
        row <= SIZE_MAX / sizeof(REAL) / rows ? aligned_alloc(64, rows * row * sizeof(REAL)) : NULL;
    if (!scratch)
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY,
                            "backend openmp: cannot allocate %zu cell carry rows of %zu elements",
                            rows, row);
    if (plan.split_time) {
        linrec__openmp_progress *progress = malloc(2 * (size_t)plan.threads * sizeof *progress);
        if (!progress) {
            free(scratch);
            return linrec__fail(LINREC_ERR_OUT_OF_MEMORY,
                                "backend openmp: cannot allocate the progress of %d threads",
                                plan.threads);
        }
        for (int i = 0; i < 2 * plan.threads; i++)
            atomic_init(&progress[i].count, 0);
        REAL *pairs = scratch + (size_t)plan.threads * row;
        SHARE sh = {.carry = scratch,
                    .pairs = pairs,
                    .ends = pairs + (size_t)plan.threads * 4 * row,
                    .row = row,
                    .threads = plan.threads,
                    .costs = cell_costs_of(s->k.kind, s->k.elu, s->k.o != NULL, s->backward),
                    .reduced = progress,
                    .scanned = progress + plan.threads};
#pragma omp parallel num_threads(plan.threads)
        {
            size_t n = 0;
            int t = omp_get_thread_num(), p = omp_get_num_threads();
            for (size_t group = 0; group < s->g->outer; group++)
                FN(cell_split_group)(s, &plan, group, &sh, t, p, &n);
        }
        free(progress);
    } else {
        size_t items = s->g->outer * plan.parts;
#pragma omp parallel num_threads(plan.threads) if (plan.threads > 1)
        {
            REAL *carry = scratch + (size_t)omp_get_thread_num() * row;
#pragma omp for schedule(static)
            for (size_t i = 0; i < items; i++)
                FN(cell_item)(s, &plan, i, carry);
        }
    }
    free(scratch);
    return LINREC_OK;
}

#undef SHARE
#undef SCAN
#undef CELL_FN
#undef FN
#undef CONCAT
#undef CONCAT_
