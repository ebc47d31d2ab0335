/*
 * The plain loops, instantiated once per element kind by src/element_instances.h. They define
 * what every other backend is compared with, so they are written for clarity: one multiply and
 * one add per step, in step order, on values widened to E_REAL. The state carried from one step
 * to the next is that E_REAL value in a row on the stack, never the value rounded into h (or dx):
 * for the half types the two differ. Arrays come as void pointers so that one table of every
 * kind's kernels can dispatch on the problem's kind.
 */

/* h_t = a_t * h_prev + x_t, for every lane of every group. */
static void E_FN(serial_forward)(const linrec__geometry *g, int reverse, const void *a_,
                                 const void *x_, const void *h0_, void *h_)
{
    const E_COEF *a = a_;
    const E_DATA *x = x_, *h0 = h0_;
    E_DATA *h = h_;
    E_REAL carry[SERIAL_LANE_BLOCK];
    for (size_t group = 0; group < g->outer; group++)
        for (size_t l0 = 0; l0 < g->lanes; l0 += SERIAL_LANE_BLOCK) {
            size_t lanes = serial_block_lanes(g, l0);
            size_t base = group * g->outer_stride + l0, state = group * g->lanes + l0;
            for (size_t lane = 0; lane < lanes; lane++)
                carry[lane] = h0 ? E_LOAD(h0[state + lane]) : (E_REAL)0;
            for (size_t s = 0; s < g->steps; s++) {
                size_t row = base + (reverse ? g->steps - 1 - s : s) * g->step_stride;
                for (size_t lane = 0; lane < lanes; lane++) {
                    carry[lane] =
                        E_MUL(E_LOAD_COEF(a[row + lane]), carry[lane]) + E_LOAD(x[row + lane]);
                    h[row + lane] = E_STORE(carry[lane]);
                }
            }
        }
}

/* g_t = dh_t + conj(a_next) * g_next, run against the scan direction; dx holds g,
 * da_t = g_t * conj(h_prev) and dh0 = conj(a_first) * g_first (conj is the identity on reals). */
static void E_FN(serial_backward)(const linrec__geometry *g, int reverse, const void *a_,
                                  const void *h0_, const void *h_, const void *dh_, void *dx_,
                                  void *da_, void *dh0_)
{
    const E_COEF *a = a_;
    E_COEF *da = da_;
    const E_DATA *h0 = h0_, *h = h_, *dh = dh_;
    E_DATA *dx = dx_, *dh0 = dh0_;
    E_REAL carry[SERIAL_LANE_BLOCK];
    for (size_t group = 0; group < g->outer; group++)
        for (size_t l0 = 0; l0 < g->lanes; l0 += SERIAL_LANE_BLOCK) {
            size_t lanes = serial_block_lanes(g, l0);
            size_t base = group * g->outer_stride + l0, state = group * g->lanes + l0;
            size_t next_row = 0;
            for (size_t s = g->steps; s-- > 0;) {
                size_t row = base + (reverse ? g->steps - 1 - s : s) * g->step_stride;
                size_t prev_row = base + (reverse ? g->steps - s : s - 1) * g->step_stride;
                int last = s == g->steps - 1;
                for (size_t lane = 0; lane < lanes; lane++) {
                    E_REAL grad = E_LOAD(dh[row + lane]);
                    if (!last)
                        grad += E_MUL(E_CONJ(E_LOAD_COEF(a[next_row + lane])), carry[lane]);
                    carry[lane] = grad;
                    dx[row + lane] = E_STORE(grad);
                    if (!da)
                        continue;
                    E_REAL before = s > 0 ? E_LOAD(h[prev_row + lane])
                                    : h0  ? E_LOAD(h0[state + lane])
                                          : (E_REAL)0;
                    da[row + lane] = E_STORE_COEF(E_MUL(grad, E_CONJ(before)));
                }
                next_row = row;
            }
            if (dh0)
                for (size_t lane = 0; lane < lanes; lane++)
                    dh0[state + lane] =
                        E_STORE(E_MUL(E_CONJ(E_LOAD_COEF(a[next_row + lane])), carry[lane]));
        }
}
