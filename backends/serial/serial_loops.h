/*
 * The serial loops for every element kind, with dispatch on the problem's kind. Header-only so
 * that the mock device plugin of the tests can run the very same loops on its "device" memory.
 */
#ifndef LINREC_BACKENDS_SERIAL_LOOPS_H
#define LINREC_BACKENDS_SERIAL_LOOPS_H

#include "backend.h"

/* Lanes a step advances together, their carries in one stack row: long rows (TBC) still walk
 * memory in order, and no call allocates. */
#define SERIAL_LANE_BLOCK 64

static size_t serial_block_lanes(const linrec__geometry *g, size_t l0)
{
    size_t left = g->lanes - l0;
    return left < SERIAL_LANE_BLOCK ? left : SERIAL_LANE_BLOCK;
}

#define ELEMENT_KERNELS "serial_kernels.h"
#include "element_instances.h"

typedef void (*serial_forward_fn)(const linrec__geometry *, int, const void *, const void *,
                                  const void *, void *);
typedef void (*serial_backward_fn)(const linrec__geometry *, int, const void *, const void *,
                                   const void *, const void *, void *, void *, void *);

static void serial_forward(const linrec__shape *s, const void *a, const void *x, const void *h0,
                           void *h)
{
    static const serial_forward_fn kernels[] = LINREC__ELEMENT_TABLE(serial_forward);
    kernels[s->element](&s->geometry, s->reverse, a, x, h0, h);
}

static void serial_backward(const linrec__shape *s, const void *a, const void *h0, const void *h,
                            const void *dh, void *dx, void *da, void *dh0)
{
    static const serial_backward_fn kernels[] = LINREC__ELEMENT_TABLE(serial_backward);
    kernels[s->element](&s->geometry, s->reverse, a, h0, h, dh, dx, da, dh0);
}

#endif /* LINREC_BACKENDS_SERIAL_LOOPS_H */
