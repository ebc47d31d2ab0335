#include "reference.h"

#include <complex.h>
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

#define R_FN(name) real_##name
#define R_T long double
#define R_LOAD(array, i) ((long double)(array)[i])
#define R_STORE(out, i, v) ((out)[i] = (v))
#define R_ABS(v) fabsl(v)
#define R_CONJ(v) (v)
#include "reference_loops.h"
#undef R_FN
#undef R_T
#undef R_LOAD
#undef R_STORE
#undef R_ABS
#undef R_CONJ

/* Element i of an array of (real, imaginary) pairs, the parts set as they are (GCC and clang). */
static long double _Complex load_complex(const double *array, size_t i)
{
    long double _Complex value;
    __real__ value = array[2 * i];
    __imag__ value = array[2 * i + 1];
    return value;
}

static void store_complex(long double *out, size_t i, long double _Complex value)
{
    out[2 * i] = creall(value);
    out[2 * i + 1] = cimagl(value);
}

#define R_FN(name) complex_##name
#define R_T long double _Complex
#define R_LOAD(array, i) load_complex(array, i)
#define R_STORE(out, i, v) store_complex(out, i, v)
#define R_ABS(v) cabsl(v)
#define R_CONJ(v) conjl(v)
#include "reference_loops.h"

static int is_complex(const linrec_problem *p)
{
    return p->dtype == LINREC_C64 || p->dtype == LINREC_C128;
}

void ref_forward(const linrec_problem *p, const double *a, const double *x, const double *h0,
                 long double *h, long double *bound)
{
    (is_complex(p) ? complex_forward : real_forward)(p, a, x, h0, h, bound);
}

void ref_backward(const linrec_problem *p, const double *a, const double *h0, const double *h,
                  const double *dh, const ref_gradients *out)
{
    (is_complex(p) ? complex_backward : real_backward)(p, a, h0, h, dh, out);
}
