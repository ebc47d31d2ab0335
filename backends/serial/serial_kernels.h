/*
 * The plain loops, instantiated once per element type: include with REAL set to float or double
 * and SUFFIX to the name suffix. They define what every other backend is compared with, so they
 * are written for clarity: one multiply and one add per step, in step order.
 */
#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)
#define FORWARD CONCAT(serial_forward_, SUFFIX)
#define BACKWARD CONCAT(serial_backward_, SUFFIX)

/* h_t = a_t * h_prev + x_t for every lane of one group; prev NULL means the zero state. */
static void FORWARD(const linrec__geometry *g, int reverse, const REAL *a, const REAL *x,
                    const REAL *h0, REAL *h)
{
    for (size_t group = 0; group < g->outer; group++) {
        size_t base = group * g->outer_stride;
        const REAL *prev = h0 ? h0 + group * g->lanes : NULL;
        for (size_t s = 0; s < g->steps; s++) {
            size_t row = base + (reverse ? g->steps - 1 - s : s) * g->step_stride;
            for (size_t lane = 0; lane < g->lanes; lane++) {
                REAL carry = prev ? prev[lane] : (REAL)0;
                h[row + lane] = a[row + lane] * carry + x[row + lane];
            }
            prev = h + row;
        }
    }
}

/* g_t = dh_t + a_next * g_next, run against the scan direction; dx holds g. */
static void BACKWARD(const linrec__geometry *g, int reverse, const REAL *a, const REAL *h0,
                     const REAL *h, const REAL *dh, REAL *dx, REAL *da, REAL *dh0)
{
    for (size_t group = 0; group < g->outer; group++) {
        size_t base = group * g->outer_stride;
        const REAL *init = h0 ? h0 + group * g->lanes : NULL;
        size_t next_row = 0;
        for (size_t s = g->steps; s-- > 0;) {
            size_t row = base + (reverse ? g->steps - 1 - s : s) * g->step_stride;
            int last = s == g->steps - 1;
            for (size_t lane = 0; lane < g->lanes; lane++) {
                REAL grad = dh[row + lane];
                if (!last)
                    grad += a[next_row + lane] * dx[next_row + lane];
                dx[row + lane] = grad;
            }
            if (da) {
                size_t prev_row = base + (reverse ? g->steps - s : s - 1) * g->step_stride;
                for (size_t lane = 0; lane < g->lanes; lane++) {
                    REAL before = s > 0 ? h[prev_row + lane] : init ? init[lane] : (REAL)0;
                    da[row + lane] = dx[row + lane] * before;
                }
            }
            next_row = row;
        }
        if (dh0)
            for (size_t lane = 0; lane < g->lanes; lane++)
                dh0[group * g->lanes + lane] = a[next_row + lane] * dx[next_row + lane];
    }
}

#undef FORWARD
#undef BACKWARD
#undef CONCAT
#undef CONCAT_
