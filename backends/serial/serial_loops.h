/*
 * The serial loops for both element types, with dispatch on the problem's dtype. Header-only so
 * that the mock device plugin of the tests can run the very same loops on its "device" memory.
 */
#ifndef LINREC_BACKENDS_SERIAL_LOOPS_H
#define LINREC_BACKENDS_SERIAL_LOOPS_H

#include "backend.h"

#define REAL float
#define SUFFIX f32
#include "serial_kernels.h"
#undef REAL
#undef SUFFIX

#define REAL double
#define SUFFIX f64
#include "serial_kernels.h"
#undef REAL
#undef SUFFIX

static void serial_forward(const linrec__shape *s, const void *a, const void *x, const void *h0,
                           void *h)
{
    if (s->problem.dtype == LINREC_F32)
        serial_forward_f32(&s->geometry, s->reverse, a, x, h0, h);
    else
        serial_forward_f64(&s->geometry, s->reverse, a, x, h0, h);
}

static void serial_backward(const linrec__shape *s, const void *a, const void *h0, const void *h,
                            const void *dh, void *dx, void *da, void *dh0)
{
    if (s->problem.dtype == LINREC_F32)
        serial_backward_f32(&s->geometry, s->reverse, a, h0, h, dh, dx, da, dh0);
    else
        serial_backward_f64(&s->geometry, s->reverse, a, h0, h, dh, dx, da, dh0);
}

#endif /* LINREC_BACKENDS_SERIAL_LOOPS_H */
