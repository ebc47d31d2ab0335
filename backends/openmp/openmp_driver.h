/*
 * Carrying out a plan (openmp_plan.c) with the chosen kernels, for one element kind: openmp.c
 * includes this file once per kind through src/element_instances.h. Carries, (A, X) pairs and
 * every intermediate are E_REAL; the arrays are read and written in their storage.
 *
 * Both passes are one scan in "scan order" over positions u = 0..T-1 of every sequence. Forward
 * runs in time order (reversed for LINREC_REVERSE), backward against it, with the a of the step
 * before in scan order as coefficient. The backward pass has two edges the kernels do not see:
 * u = 0 takes no carry (g = dh), and u = T-1 has no h before it (da uses h0, dh0 is written).
 */
#define REAL E_REAL
#define FN(name) E_FN(name)
#define JOB FN(job)

typedef struct JOB {
    const linrec__geometry *g;
    const linrec__openmp_kernels *kernels;
    const linrec__openmp_plan *plan;
    ptrdiff_t dir; /* +1: scan order runs through increasing time */
    int backward;
    /* The order of these fields is that of FN(forward)'s and FN(backward)'s initializers. */
    const E_COEF *a;
    const E_DATA *x, *h, *h0; /* backward: x is dh */
    E_DATA *out;              /* backward: dx */
    E_COEF *da;
    E_DATA *dh0;
} JOB;

/* Element of lane 0 of group `group` at scan position u. */
static size_t FN(at)(const JOB *j, size_t group, size_t u)
{
    size_t t = j->dir > 0 ? u : j->g->steps - 1 - u;
    return group * j->g->outer_stride + t * j->g->step_stride;
}

/* Elements from one scan position to the next. */
static ptrdiff_t FN(step)(const JOB *j)
{
    return j->dir * (ptrdiff_t)j->g->step_stride;
}

/* Positions [u, u + steps) of `lanes` lanes from element `at` of position u. */
static linrec__openmp_span FN(span)(const JOB *j, size_t at, size_t u, size_t steps, size_t lanes)
{
    ptrdiff_t step = FN(step)(j);
    linrec__openmp_span span = {j->a + at,
                                j->x + at,
                                j->out + at,
                                NULL,
                                NULL,
                                steps,
                                lanes,
                                u,
                                step,
                                j->plan->stream,
                                j->backward && E_COMPLEX};
    if (j->backward) {
        span.coef = j->a + ((ptrdiff_t)at - step);
        if (j->da) {
            span.hprev = j->h + ((ptrdiff_t)at + step);
            span.da = j->da + at;
        }
    }
    return span;
}

/* A backward edge position (u = 0 or u = T-1) of lanes [l0, l0 + lanes) of a group. */
static void FN(edge)(const JOB *j, size_t group, size_t l0, size_t lanes, size_t u, REAL *carry)
{
    size_t at = FN(at)(j, group, u) + l0, state = group * j->g->lanes + l0;
    ptrdiff_t step = FN(step)(j);
    int last = u + 1 == j->g->steps;
    for (size_t l = 0; l < lanes; l++) {
        REAL grad = E_LOAD(j->x[at + l]);
        if (u > 0)
            grad += E_MUL(E_CONJ(E_LOAD_COEF(j->a[(ptrdiff_t)(at + l) - step])), carry[l]);
        j->out[at + l] = E_STORE(grad);
        carry[l] = grad;
        if (j->da) {
            REAL before = !last   ? E_LOAD(j->h[(ptrdiff_t)(at + l) + step])
                          : j->h0 ? E_LOAD(j->h0[state + l])
                                  : (REAL)0;
            j->da[at + l] = E_STORE_COEF(E_MUL(grad, E_CONJ(before)));
        }
        if (last && j->dh0)
            j->dh0[state + l] = E_STORE(E_MUL(E_CONJ(E_LOAD_COEF(j->a[at + l])), grad));
    }
}

/* A span of no steps: the side of a walk that has nothing to do. */
static linrec__openmp_span FN(no_span)(void)
{
    linrec__openmp_span span = {0};
    return span;
}

/*
 * Scans positions [u0, u1) of lanes [l0, l0 + lanes) of `group` on from `carry` and, in the same
 * pass, reduces positions [v0, v1) of every lane of `rgroup` to (A, X) (nothing when v0 == v1,
 * and A may then be NULL). The backward edges the kernels do not see are taken here: the scan's
 * u = 0 and u = T-1 by FN(edge); the reduction's u = 0, which takes no carry, as if its
 * coefficient were 0.
 */
static void FN(walk_segments)(const JOB *j, size_t group, size_t l0, size_t lanes, size_t u0,
                              size_t u1, REAL *carry, size_t rgroup, size_t v0, size_t v1, REAL *A,
                              REAL *X)
{
    size_t steps = j->g->steps;
    if (j->backward && u0 == 0 && u0 < u1)
        FN(edge)(j, group, l0, lanes, u0++, carry);
    size_t end = j->backward && u1 == steps ? steps - 1 : u1;
    linrec__openmp_span scan =
        u0 < end ? FN(span)(j, FN(at)(j, group, u0) + l0, u0, end - u0, lanes) : FN(no_span)();
    size_t first = j->backward && v0 == 0 && v0 < v1 ? 1 : v0;
    linrec__openmp_span reduce =
        first < v1 ? FN(span)(j, FN(at)(j, rgroup, first), first, v1 - first, j->g->lanes)
                   : FN(no_span)();
    j->kernels->walk[E_KIND](&scan, carry, &reduce, v0 < v1 ? A : NULL, X);
    if (end < u1 && u0 < u1)
        FN(edge)(j, group, l0, lanes, end, carry);
    if (first == v0)
        return;
    const E_DATA *dh = j->x + FN(at)(j, rgroup, 0);
    for (size_t l = 0; l < j->g->lanes; l++) {
        X[l] = E_MUL(A[l], E_LOAD(dh[l])) + X[l];
        A[l] = 0;
    }
}

/* Scans positions [u0, u1) of lanes [l0, l0 + lanes) of a group on from `carry`. */
static void FN(segment)(const JOB *j, size_t group, size_t l0, size_t lanes, size_t u0, size_t u1,
                        REAL *carry)
{
    FN(walk_segments)(j, group, l0, lanes, u0, u1, carry, 0, 0, 0, NULL, NULL);
}

/* The carry before position 0: h0 or zeros forward; backward u = 0 reads none. */
static void FN(initial_carry)(const JOB *j, size_t group, size_t l0, size_t lanes, REAL *carry)
{
    const E_DATA *h0 = j->h0 && !j->backward ? j->h0 + group * j->g->lanes + l0 : NULL;
    for (size_t l = 0; l < lanes; l++)
        carry[l] = h0 ? E_LOAD(h0[l]) : (REAL)0;
}

/* Groups [g0, g1), one lane each, as one joined span (walk_joined) of whole sequences. */
static void FN(joined_walk)(const JOB *j, size_t g0, size_t g1)
{
    size_t steps = j->g->steps, first = j->dir > 0 ? g0 : j->g->outer - g1;
    size_t group = j->dir > 0 ? g0 : g1 - 1;
    linrec__openmp_joined seqs = {steps, j->h0 ? j->h0 + group : NULL,
                                  j->dh0 ? j->dh0 + group : NULL, j->dir, j->backward};
    linrec__openmp_span span =
        FN(span)(j, FN(at)(j, group, 0), first * steps, (g1 - g0) * steps, 1);
    j->kernels->walk_joined[E_KIND](&span, &seqs);
}

/* Joined sequences over the threads: to each a run of whole groups. */
static void FN(run_joined)(const JOB *j)
{
    size_t groups = j->g->outer;
#pragma omp parallel num_threads(j->plan->threads) if (j->plan->threads > 1)
    {
        size_t p = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
        size_t share = groups / p, more = groups % p;
        size_t g0 = t * share + (t < more ? t : more), g1 = g0 + share + (t < more);
        if (g0 < g1)
            FN(joined_walk)(j, g0, g1);
    }
}

/* One work item: part `item % parts` of group `item / parts`, all steps, on this thread. */
static void FN(item)(const JOB *j, size_t item, REAL *carry)
{
    size_t group = item / j->plan->parts, l0 = item % j->plan->parts * j->plan->part;
    size_t lanes = j->g->lanes - l0 < j->plan->part ? j->g->lanes - l0 : j->plan->part;
    FN(initial_carry)(j, group, l0, lanes, carry);
    FN(segment)(j, group, l0, lanes, 0, j->g->steps, carry);
}

/* The time split (openmp_split.h) over this job. */
static void FN(split_chunk)(const JOB *j, size_t length, size_t p, size_t t, size_t *c0, size_t *c1)
{
    linrec__openmp_chunk(length, p, t, E_COMPLEX && !j->backward, c0, c1);
}

#define SPLIT_FN FN
#define SPLIT_JOB JOB
#define SPLIT_CHUNK FN(split_chunk)
#define SPLIT_INITIAL(j, group, carry) FN(initial_carry)(j, group, 0, (j)->g->lanes, carry)
#define SPLIT_WALK(j, group, u0, u1, carry, rgroup, v0, v1, A, X)                                  \
    FN(walk_segments)(j, group, 0, (j)->g->lanes, u0, u1, carry, rgroup, v0, v1, A, X)
#define SPLIT_GEOMETRY(j) ((j)->g)
#include "openmp_split.h"

/* Work items to the threads whole, each with a carry row on cache lines of its own. */
static linrec_status FN(run_items)(const JOB *j)
{
    const linrec__openmp_plan *plan = j->plan;
    size_t items = j->g->outer * plan->parts;
    if (plan->threads == 1 && plan->part * sizeof(REAL) <= LINREC__OPENMP_STACK_CARRY_BYTES) {
        /* No team and no allocation: on a small call they cost as much as its scan. */
        REAL carry[LINREC__OPENMP_STACK_CARRY_BYTES / sizeof(REAL)];
        for (size_t i = 0; i < items; i++)
            FN(item)(j, i, carry);
        return LINREC_OK;
    }
    size_t row = (plan->part + 15) / 16 * 16, rows = (size_t)plan->threads;
    REAL *scratch =
        row <= SIZE_MAX / sizeof(REAL) / rows ? aligned_alloc(64, rows * row * sizeof(REAL)) : NULL;
    if (!scratch)
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY,
                            "backend openmp: cannot allocate %zu carry rows of %zu elements", rows,
                            row);
#pragma omp parallel num_threads(plan->threads) if (plan->threads > 1)
    {
        REAL *carry = scratch + (size_t)omp_get_thread_num() * row;
#pragma omp for schedule(static)
        for (size_t i = 0; i < items; i++)
            FN(item)(j, i, carry);
    }
    free(scratch);
    return LINREC_OK;
}

static linrec_status FN(run)(const JOB *j)
{
    const linrec__openmp_plan *plan = j->plan;
    if (plan->split_time)
        return FN(run_split)(j, plan);
    if (!plan->joined)
        return FN(run_items)(j);
    FN(run_joined)(j);
    return LINREC_OK;
}

static linrec_status FN(forward)(const linrec__openmp_kernels *kernels,
                                 const linrec__scan_args *args)
{
    const linrec__shape *s = args->shape;
    linrec__openmp_plan plan = linrec__openmp_plan_for(s, omp_get_max_threads(), 1);
    JOB j = {&s->geometry, kernels, &plan, s->reverse ? -1 : 1, 0, args->a, args->x, NULL, args->h0,
             args->h,      NULL,    NULL};
    return FN(run)(&j);
}

static linrec_status FN(backward)(const linrec__openmp_kernels *kernels,
                                  const linrec__backward_args *args)
{
    const linrec__shape *s = args->shape;
    linrec__openmp_plan plan = linrec__openmp_plan_for(s, omp_get_max_threads(), 1);
    JOB j = {&s->geometry,
             kernels,
             &plan,
             s->reverse ? 1 : -1,
             1,
             args->a,
             args->dh,
             args->h,
             args->h0,
             args->dx,
             args->da,
             args->dh0};
    return FN(run)(&j);
}

#undef JOB
#undef FN
#undef REAL
