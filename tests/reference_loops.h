/*
 * The reference's loops, written once and included twice by reference.c: for the real dtypes in
 * long double, and for the complex ones in long double _Complex. The including file defines
 *   R_FN(name)        the instance's name
 *   R_T               the arithmetic type
 *   R_LOAD(array, i)  element i of an array of doubles (a complex one: values 2i and 2i+1)
 *   R_STORE(out, i, v) v into element i of an array of long doubles, likewise
 *   R_ABS(v), R_CONJ(v) the modulus and the conjugate (v itself for reals)
 * Bounds are moduli, one per element.
 */

static void R_FN(forward)(const linrec_problem *p, const double *a, const double *x,
                          const double *h0, long double *h, long double *bound)
{
    for (size_t b = 0; b < p->batch; b++)
        for (size_t c = 0; c < p->channels; c++) {
            R_T state = h0 ? R_LOAD(h0, b * p->channels + c) : 0;
            long double state_abs = R_ABS(state);
            for (size_t k = 0; k < p->steps; k++) {
                size_t i = ref_index(p, b, ref_step_at(p, k), c);
                R_T coefficient = R_LOAD(a, i), input = R_LOAD(x, i);
                state = coefficient * state + input;
                state_abs = R_ABS(coefficient) * state_abs + R_ABS(input);
                R_STORE(h, i, state);
                bound[i] = state_abs;
            }
        }
}

static void R_FN(backward)(const linrec_problem *p, const double *a, const double *h0,
                           const double *h, const double *dh, const ref_gradients *out)
{
    for (size_t b = 0; b < p->batch; b++)
        for (size_t c = 0; c < p->channels; c++) {
            R_T g = 0, a_next = 0;
            long double g_abs = 0;
            size_t first = 0, state = b * p->channels + c;
            for (size_t k = p->steps; k-- > 0;) {
                size_t i = ref_index(p, b, ref_step_at(p, k), c);
                g = R_LOAD(dh, i) + R_CONJ(a_next) * g;
                g_abs = R_ABS(R_LOAD(dh, i)) + R_ABS(a_next) * g_abs;
                R_T before = k > 0 ? R_LOAD(h, ref_index(p, b, ref_step_at(p, k - 1), c))
                             : h0  ? R_LOAD(h0, state)
                                   : 0;
                R_STORE(out->dx, i, g);
                out->dx_bound[i] = g_abs;
                R_STORE(out->da, i, g * R_CONJ(before));
                out->da_bound[i] = g_abs * R_ABS(before);
                a_next = R_LOAD(a, i);
                first = i;
            }
            /* Without steps h0 reaches no output: its gradient is 0, and a holds nothing. */
            R_T a_first = p->steps ? R_LOAD(a, first) : 0;
            R_STORE(out->dh0, state, R_CONJ(a_first) * g);
            out->dh0_bound[state] = R_ABS(a_first) * g_abs;
        }
}
