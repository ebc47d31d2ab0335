#include "reference.h"

#include <math.h>

size_t ref_index(const linrec_problem *p, size_t b, size_t t, size_t c)
{
    switch (p->layout) {
    case LINREC_LAYOUT_TBC:
        return (t * p->batch + b) * p->channels + c;
    case LINREC_LAYOUT_BTC:
        return (b * p->steps + t) * p->channels + c;
    case LINREC_LAYOUT_BCT:
        return (b * p->channels + c) * p->steps + t;
    }
    return 0;
}

size_t ref_step_at(const linrec_problem *p, size_t k)
{
    return (p->flags & LINREC_REVERSE) ? p->steps - 1 - k : k;
}

void ref_forward(const linrec_problem *p, const double *a, const double *x, const double *h0,
                 long double *h, long double *bound)
{
    for (size_t b = 0; b < p->batch; b++)
        for (size_t c = 0; c < p->channels; c++) {
            long double state = h0 ? h0[b * p->channels + c] : 0.0L;
            long double state_abs = fabsl(state);
            for (size_t k = 0; k < p->steps; k++) {
                size_t i = ref_index(p, b, ref_step_at(p, k), c);
                state = (long double)a[i] * state + (long double)x[i];
                state_abs = fabsl((long double)a[i]) * state_abs + fabsl((long double)x[i]);
                h[i] = state;
                bound[i] = state_abs;
            }
        }
}

void ref_backward(const linrec_problem *p, const double *a, const double *h0, const double *h,
                  const double *dh, const ref_gradients *out)
{
    for (size_t b = 0; b < p->batch; b++)
        for (size_t c = 0; c < p->channels; c++) {
            long double g = 0.0L, g_abs = 0.0L, a_next = 0.0L;
            size_t first = 0;
            for (size_t k = p->steps; k-- > 0;) {
                size_t i = ref_index(p, b, ref_step_at(p, k), c);
                g = (long double)dh[i] + a_next * g;
                g_abs = fabsl((long double)dh[i]) + fabsl(a_next) * g_abs;
                long double before = k > 0 ? h[ref_index(p, b, ref_step_at(p, k - 1), c)]
                                     : h0  ? h0[b * p->channels + c]
                                           : 0.0;
                out->dx[i] = g;
                out->dx_bound[i] = g_abs;
                out->da[i] = g * before;
                out->da_bound[i] = g_abs * fabsl(before);
                a_next = a[i];
                first = i;
            }
            out->dh0[b * p->channels + c] = (long double)a[first] * g;
            out->dh0_bound[b * p->channels + c] = fabsl((long double)a[first]) * g_abs;
        }
}
