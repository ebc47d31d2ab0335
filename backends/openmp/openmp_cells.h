/*
 * The fused cells on the openmp backend's plan (openmp_plan.c), for one element kind: included
 * once for f32 and once for f64 by openmp_cells.c through src/element_instances.h, after
 * backends/host/cell_kernels.h.
 *
 * The gates are computed inside the scan's passes, never in a sweep of their own. Independent
 * stretches (a group's lanes cut in parts) go to the threads whole, one pass each way. A group
 * split over time goes through the scan's time split (openmp_split.h): the reducing pass computes
 * a and x (backward: a and a e) from the pre-activations on the fly, the rescan gates again, now
 * from cache, and the carry that ends a super-chunk (the state forward, k = a g backward, which no
 * output holds) is handed on in the split's end rows. The chunks are the cells' own (cell_chunk in
 * openmp_cells.c): the gates, not memory, set their cost.
 */
#define REAL E_REAL
#define FN(name) E_FN(name)
#define CELL_FN(name) E_FN(linrec__cell_##name)
#define SCAN E_FN(linrec__cell_scan)

/* The time split (openmp_split.h) over this cell scan, on the cells' own chunks. */
static void FN(cell_split_chunk)(const SCAN *s, size_t length, size_t p, size_t t, size_t *c0,
                                 size_t *c1)
{
    cell_costs costs = cell_costs_of(s->k.kind, s->k.elu, s->k.o != NULL, s->backward);
    cell_chunk(&costs, length, p, t, c0, c1);
}

/* The split's rescan and reduction of the next chunk, one after the other: the gates, not the
 * memory traffic, set a cell pass's speed, so overlapping the two would gain nothing. */
static void FN(cell_split_walk)(const SCAN *s, size_t group, size_t u0, size_t u1, REAL *carry,
                                size_t rgroup, size_t v0, size_t v1, REAL *A, REAL *X)
{
    if (u0 < u1)
        CELL_FN(segment)(s, group, 0, s->g->lanes, u0, u1, carry);
    if (v0 < v1)
        CELL_FN(reduce)(s, rgroup, v0, v1, A, X);
}

#define SPLIT_FN(name) FN(cell_##name)
#define SPLIT_JOB SCAN
#define SPLIT_CHUNK FN(cell_split_chunk)
#define SPLIT_INITIAL(s, group, carry) CELL_FN(initial_carry)(s, group, 0, (s)->g->lanes, carry)
#define SPLIT_WALK FN(cell_split_walk)
#define SPLIT_GEOMETRY(s) ((s)->g)
#include "openmp_split.h"

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
    linrec__openmp_plan plan = linrec__openmp_plan_for(shape, omp_get_max_threads(), 0);
    if (plan.split_time)
        return FN(cell_run_split)(s, &plan);
    size_t row = (plan.part + 15) / 16 * 16, rows = (size_t)plan.threads;
    REAL *scratch =
        row <= SIZE_MAX / sizeof(REAL) / rows ? aligned_alloc(64, rows * row * sizeof(REAL)) : NULL;
    if (!scratch)
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY,
                            "backend openmp: cannot allocate %zu cell carry rows of %zu elements",
                            rows, row);
    size_t items = s->g->outer * plan.parts;
#pragma omp parallel num_threads(plan.threads) if (plan.threads > 1)
    {
        REAL *carry = scratch + (size_t)omp_get_thread_num() * row;
#pragma omp for schedule(static)
        for (size_t i = 0; i < items; i++)
            FN(cell_item)(s, &plan, i, carry);
    }
    free(scratch);
    return LINREC_OK;
}

#undef SCAN
#undef CELL_FN
#undef FN
#undef REAL
