/* Validation of a linrec_problem and the geometry every backend walks. */
#include <stdint.h>

#include "geometry.h"
#include "internal.h"

_Static_assert(LINREC__ELEMENTS == LINREC__ELEMENTS_ALL, "a kind was added: update the count");

/* Stores a*b in *product; returns 0 when it overflows size_t. */
static int multiply(size_t a, size_t b, size_t *product)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *product = a * b;
    return 1;
}

linrec_status linrec__shape_init(const linrec_problem *p, linrec__shape *shape)
{
    if (!p)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the problem pointer is NULL");
    if (!linrec__dtype_name(p->dtype))
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                            "problem dtype %d is not LINREC_F32, _F64, _F16, _BF16, _C64 or _C128",
                            (int)p->dtype);
    if (p->layout != LINREC_LAYOUT_TBC && p->layout != LINREC_LAYOUT_BTC &&
        p->layout != LINREC_LAYOUT_BCT)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                            "problem layout %d is not LINREC_LAYOUT_TBC, _BTC or _BCT",
                            (int)p->layout);
    if (p->flags & ~(LINREC_REVERSE | LINREC_COEFFICIENTS_F32))
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                            "problem flags 0x%x hold bits other than LINREC_REVERSE and "
                            "LINREC_COEFFICIENTS_F32",
                            p->flags);
    if ((p->flags & LINREC_COEFFICIENTS_F32) && p->dtype != LINREC_F16 && p->dtype != LINREC_BF16)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                            "problem flags 0x%x: LINREC_COEFFICIENTS_F32 is valid only with "
                            "LINREC_F16 and LINREC_BF16, not with %s",
                            p->flags, linrec__dtype_name(p->dtype));

    shape->problem = *p;
    shape->reverse = (p->flags & LINREC_REVERSE) != 0;
    shape->element = linrec__element_of(p->dtype, p->flags);
    shape->element_size = linrec__dtype_size(p->dtype);
    shape->coef_size = (p->flags & LINREC_COEFFICIENTS_F32) ? sizeof(float) : shape->element_size;
    size_t states, elements;
    if (!multiply(p->batch, p->channels, &states) || !multiply(states, p->steps, &elements) ||
        !multiply(elements, shape->element_size, &shape->data_bytes) ||
        !multiply(elements, shape->coef_size, &shape->coef_bytes))
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                            "problem of batch %zu x steps %zu x channels %zu elements overflows "
                            "size_t bytes",
                            p->batch, p->steps, p->channels);
    shape->states = states;
    shape->elements = elements;
    shape->state_bytes = states * shape->element_size; /* no more than data_bytes */
    shape->geometry = linrec__geometry_of(p);
    return LINREC_OK;
}

int linrec__ranges_overlap(const void *a, size_t a_bytes, const void *b, size_t b_bytes)
{
    if (!a || !b || a_bytes == 0 || b_bytes == 0)
        return 0;
    /* Distances, not ends: the end of a problem's array may lie past the address space and wrap. */
    uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
    return a0 <= b0 ? b0 - a0 < a_bytes : a0 - b0 < b_bytes;
}
