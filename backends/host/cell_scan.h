/*
 * The fused cells' scan over stretches of a problem, for one element kind: included after
 * cell_gates.h for the same kind (cell_kernels.h). A backend cuts a call into stretches
 * (lanes of a group, positions of the scan) as it likes and joins them through carries; the walk
 * over a stretch, with every element's gates computed where it is scanned, is this one.
 *
 * Positions u = 0..T-1 run in scan order: forward in time order (reversed for LINREC_REVERSE),
 * backward against it. The carry of a lane is the state c forward and k = a g backward (see
 * cell_gates.h): forward it starts at c0 (or 0), backward at 0, and after the last position it is
 * dc0.
 */
#define CS_FN(name) E_FN(name)
#define CS_GATE(name) E_FN(linrec__cell_##name)
#define CS_SCAN CS_FN(linrec__cell_scan)

typedef struct CS_SCAN {
    E_FN(linrec__cell) k;
    const linrec__geometry *g;
    int reverse, backward;
    const REAL *c0;
    REAL *c, *y;       /* forward: written */
    const REAL *state; /* backward: the forward's c */
    REAL *dc0;         /* backward, may be NULL */
} CS_SCAN;

static inline CS_SCAN CS_FN(linrec__cell_scan_forward)(const linrec__cell_args *args)
{
    CS_SCAN s = {.k = CS_GATE(of_forward)(args),
                 .g = &args->shape->geometry,
                 .reverse = args->shape->reverse,
                 .c0 = args->c0,
                 .c = args->c,
                 .y = args->y};
    return s;
}

static inline CS_SCAN CS_FN(linrec__cell_scan_backward)(const linrec__cell_backward_args *args)
{
    CS_SCAN s = {.k = CS_GATE(of_backward)(args),
                 .g = &args->shape->geometry,
                 .reverse = args->shape->reverse,
                 .backward = 1,
                 .c0 = args->c0,
                 .state = args->c,
                 .dc0 = args->dc0};
    return s;
}

/* Element of lane 0 of `group` at scan position u. */
static inline size_t CS_FN(linrec__cell_at)(const CS_SCAN *s, size_t group, size_t u)
{
    size_t steps = s->g->steps;
    size_t in_time_order = s->backward ? steps - 1 - u : u;
    size_t t = s->reverse ? steps - 1 - in_time_order : in_time_order;
    return group * s->g->outer_stride + t * s->g->step_stride;
}

/* The carries of lanes [l0, l0 + lanes) of `group` before position 0. */
static inline void CS_FN(linrec__cell_initial_carry)(const CS_SCAN *s, size_t group, size_t l0,
                                                     size_t lanes, REAL *carry)
{
    const REAL *c0 = s->c0 && !s->backward ? s->c0 + group * s->g->lanes + l0 : NULL;
    for (size_t l = 0; l < lanes; l++)
        carry[l] = c0 ? c0[l] : 0;
}

/* Scans positions [u0, u1) of lanes [l0, l0 + lanes) of `group` on from `carry`. */
static inline void CS_FN(linrec__cell_segment)(const CS_SCAN *s, size_t group, size_t l0,
                                               size_t lanes, size_t u0, size_t u1, REAL *carry)
{
    size_t steps = s->g->steps, state = group * s->g->lanes + l0;
    for (size_t u = u0; u < u1; u++) {
        size_t row = CS_FN(linrec__cell_at)(s, group, u) + l0;
        if (!s->backward) {
            for (size_t l = 0; l < lanes; l++) {
                REAL x, a = CS_GATE(pair)(&s->k, row + l, &x);
                REAL c = a * carry[l] + x;
                s->c[row + l] = c;
                carry[l] = c;
                if (s->y)
                    s->y[row + l] = CS_GATE(output)(&s->k, row + l, c);
            }
            continue;
        }
        /* the state before this step in time is the next position's, or c0 after the last */
        const REAL *before = u + 1 < steps ? s->state + CS_FN(linrec__cell_at)(s, group, u + 1) + l0
                             : s->c0       ? s->c0 + state
                                           : NULL;
        for (size_t l = 0; l < lanes; l++)
            carry[l] = CS_GATE(backward_step)(&s->k, row + l, carry[l], before ? before[l] : 0,
                                              s->state[row + l]);
        if (u + 1 == steps && s->dc0)
            for (size_t l = 0; l < lanes; l++)
                s->dc0[state + l] = carry[l];
    }
}

/* Scans every group whole, all lanes, all positions: the call on one thread. `carry` holds one
 * element per lane. */
static inline void CS_FN(linrec__cell_scan_all)(const CS_SCAN *s, REAL *carry)
{
    for (size_t group = 0; group < s->g->outer; group++) {
        CS_FN(linrec__cell_initial_carry)(s, group, 0, s->g->lanes, carry);
        CS_FN(linrec__cell_segment)(s, group, 0, s->g->lanes, 0, s->g->steps, carry);
    }
}

/* The pair (A, X) of positions [u0, u1) of every lane of `group`: after them the carry is
 * A * carry + X. */
static inline void CS_FN(linrec__cell_reduce)(const CS_SCAN *s, size_t group, size_t u0, size_t u1,
                                              REAL *A, REAL *X)
{
    size_t lanes = s->g->lanes;
    for (size_t l = 0; l < lanes; l++) {
        A[l] = 1;
        X[l] = 0;
    }
    for (size_t u = u0; u < u1; u++) {
        size_t row = CS_FN(linrec__cell_at)(s, group, u);
        for (size_t l = 0; l < lanes; l++) {
            REAL x, a = s->backward ? CS_GATE(backward_pair)(&s->k, row + l, &x)
                                    : CS_GATE(pair)(&s->k, row + l, &x);
            A[l] *= a;
            X[l] = a * X[l] + x;
        }
    }
}

#undef CS_SCAN
#undef CS_GATE
#undef CS_FN
