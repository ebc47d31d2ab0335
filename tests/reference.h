/*
 * The one reference every backend is judged against: the recurrence in long double, written from
 * the API's definition alone (it shares no code with the library). Beside each result it returns
 * the same recurrence run on absolute values, which bounds the rounding error of any evaluation
 * order: a correct backend's error at an element is a small multiple of epsilon times that bound.
 */
#ifndef LINREC_TESTS_REFERENCE_H
#define LINREC_TESTS_REFERENCE_H

#include <stddef.h>

#include "linrec/linrec.h"

/* Offset of element (b, t, c) in the problem's layout. */
size_t ref_index(const linrec_problem *p, size_t b, size_t t, size_t c);

/* The step that comes `k`-th in the problem's direction. */
size_t ref_step_at(const linrec_problem *p, size_t k);

/* Forward: h and bound ([B*T*C] each, problem layout) from a, x and h0 ([B*C], may be NULL).
 * For a complex dtype every array of values, and h, holds (real, imaginary) pairs; a bound is one
 * modulus per element. Backward, likewise. */
void ref_forward(const linrec_problem *p, const double *a, const double *x, const double *h0,
                 long double *h, long double *bound);

/* Backward: dx, da ([B*T*C]) and dh0 ([B*C]) with their bounds, from a, h0 (may be NULL), h, dh. */
typedef struct ref_gradients {
    long double *dx, *dx_bound;
    long double *da, *da_bound;
    long double *dh0, *dh0_bound;
} ref_gradients;

void ref_backward(const linrec_problem *p, const double *a, const double *h0, const double *h,
                  const double *dh, const ref_gradients *out);

#endif /* LINREC_TESTS_REFERENCE_H */
