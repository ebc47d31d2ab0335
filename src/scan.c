/* The four scan entry points: validation shared by host pointers and buffers, then dispatch. */
#include "arrays.h"
#include "staging.h"

enum { FORWARD_ARRAYS = 4, BACKWARD_ARRAYS = 7 };
enum { BW_A, BW_H0, BW_H, BW_DH, BW_DX, BW_DA, BW_DH0 };

static void describe_forward(const linrec__shape *shape, const void *a, const void *x,
                             const void *h0, const void *h, linrec__array arrays[FORWARD_ARRAYS])
{
    size_t data = shape->data_bytes, state = shape->state_bytes;
    arrays[0] = (linrec__array){"a", a, shape->coef_bytes, ARRAY_INPUT, ARRAY_REQUIRED, -1};
    arrays[1] = (linrec__array){"x", x, data, ARRAY_INPUT, ARRAY_REQUIRED, -1};
    arrays[2] = (linrec__array){"h0", h0, state, ARRAY_INPUT, ARRAY_OPTIONAL, -1};
    arrays[3] = (linrec__array){"h", h, data, ARRAY_OUTPUT, ARRAY_REQUIRED, 1};
}

static void describe_backward(const linrec__shape *shape, const void *a, const void *h0,
                              const void *h, const void *dh, const void *dx, const void *da,
                              const void *dh0, linrec__array arrays[BACKWARD_ARRAYS])
{
    size_t data = shape->data_bytes, state = shape->state_bytes;
    arrays[BW_A] = (linrec__array){"a", a, shape->coef_bytes, ARRAY_INPUT, ARRAY_REQUIRED, -1};
    arrays[BW_H0] = (linrec__array){"h0", h0, state, ARRAY_INPUT, ARRAY_OPTIONAL, -1};
    arrays[BW_H] = (linrec__array){"h (needed because da is requested)", h, data, ARRAY_INPUT,
                                   da ? ARRAY_REQUIRED : ARRAY_OPTIONAL, -1};
    arrays[BW_DH] = (linrec__array){"dh", dh, data, ARRAY_INPUT, ARRAY_REQUIRED, -1};
    arrays[BW_DX] = (linrec__array){"dx", dx, data, ARRAY_OUTPUT, ARRAY_REQUIRED, BW_DH};
    arrays[BW_DA] = (linrec__array){"da", da, shape->coef_bytes, ARRAY_OUTPUT, ARRAY_OPTIONAL, -1};
    arrays[BW_DH0] = (linrec__array){"dh0", dh0, state, ARRAY_OUTPUT, ARRAY_OPTIONAL, -1};
}

/* Buffer calls: each buffer given must belong to ctx and hold its array. */
static linrec_status check_buffers(const linrec_context *ctx, const linrec__array *arrays,
                                   size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const linrec_buffer *buffer = arrays[i].where;
        if (!buffer)
            continue;
        if (buffer->ctx != ctx)
            return linrec__fail(LINREC_ERR_BACKEND_MISMATCH,
                                "buffer %s belongs to another context (%s) than the call's (%s)",
                                arrays[i].name, buffer->ctx->backend->name, ctx->backend->name);
        if (buffer->bytes < arrays[i].bytes)
            return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                                "buffer %s holds %zu bytes but the problem needs %zu",
                                arrays[i].name, buffer->bytes, arrays[i].bytes);
    }
    return LINREC_OK;
}

/* A valid call of an element kind the backend has no kernels for. */
static linrec_status check_element(const linrec_context *ctx, const linrec__shape *shape)
{
    if (ctx->backend->scan_elements & LINREC__ELEMENT_BIT(shape->element))
        return LINREC_OK;
    return linrec__fail(LINREC_ERR_UNSUPPORTED, "backend %s has no scan kernels for %s elements",
                        ctx->backend->name, linrec__element_name(shape->element));
}

static linrec_status check_call(const linrec_context *ctx, const linrec__shape *shape,
                                const linrec__array *arrays, size_t count, int buffers)
{
    linrec_status status = linrec__check_arrays(arrays, count, buffers);
    if (status == LINREC_OK && buffers)
        status = check_buffers(ctx, arrays, count);
    return status != LINREC_OK ? status : check_element(ctx, shape);
}

static linrec_status check_forward(const linrec_context *ctx, const linrec_problem *p,
                                   const void *a, const void *x, const void *h0, const void *h,
                                   int buffers, linrec__shape *shape, int *empty)
{
    linrec_status status = linrec__begin_call(ctx, p, shape, empty);
    if (status != LINREC_OK || *empty)
        return status;
    linrec__array arrays[FORWARD_ARRAYS];
    describe_forward(shape, a, x, h0, h, arrays);
    return check_call(ctx, shape, arrays, FORWARD_ARRAYS, buffers);
}

static linrec_status check_backward(const linrec_context *ctx, const linrec_problem *p,
                                    const void *a, const void *h0, const void *h, const void *dh,
                                    const void *dx, const void *da, const void *dh0, int buffers,
                                    linrec__shape *shape, int *empty)
{
    linrec_status status = linrec__begin_call(ctx, p, shape, empty);
    if (status != LINREC_OK || *empty)
        return status;
    linrec__array arrays[BACKWARD_ARRAYS];
    describe_backward(shape, a, h0, h, dh, dx, da, dh0, arrays);
    return check_call(ctx, shape, arrays, BACKWARD_ARRAYS, buffers);
}

static void *memory_of(const linrec_buffer *buffer)
{
    return buffer ? buffer->memory : NULL;
}

linrec_status linrec_scan(linrec_context *ctx, const linrec_problem *p, const void *a,
                          const void *x, const void *h0, void *h)
{
    linrec__shape shape;
    int empty;
    linrec_status status = check_forward(ctx, p, a, x, h0, h, 0, &shape, &empty);
    if (status != LINREC_OK || empty)
        return status;
    linrec__scan_args args = {&shape, a, x, h0, h};
    if (ctx->backend->scan)
        return ctx->backend->scan(ctx->state, &args);
    return linrec__staged_scan(ctx, &args);
}

linrec_status linrec_scan_backward(linrec_context *ctx, const linrec_problem *p, const void *a,
                                   const void *h0, const void *h, const void *dh, void *dx,
                                   void *da, void *dh0)
{
    linrec__shape shape;
    int empty;
    linrec_status status = check_backward(ctx, p, a, h0, h, dh, dx, da, dh0, 0, &shape, &empty);
    if (status != LINREC_OK || empty)
        return status;
    linrec__backward_args args = {&shape, a, h0, h, dh, dx, da, dh0};
    if (ctx->backend->scan_backward)
        return ctx->backend->scan_backward(ctx->state, &args);
    return linrec__staged_scan_backward(ctx, &args);
}

linrec_status linrec_scan_buffers(linrec_context *ctx, const linrec_problem *p,
                                  const linrec_buffer *a, const linrec_buffer *x,
                                  const linrec_buffer *h0, linrec_buffer *h)
{
    linrec__shape shape;
    int empty;
    linrec_status status = check_forward(ctx, p, a, x, h0, h, 1, &shape, &empty);
    if (status != LINREC_OK || empty)
        return status;
    linrec__scan_args args = {&shape, memory_of(a), memory_of(x), memory_of(h0), memory_of(h)};
    if (ctx->backend->flags & LINREC__BACKEND_HOST_MEMORY)
        return ctx->backend->scan(ctx->state, &args);
    return ctx->backend->scan_device(ctx->state, &args);
}

linrec_status linrec_scan_backward_buffers(linrec_context *ctx, const linrec_problem *p,
                                           const linrec_buffer *a, const linrec_buffer *h0,
                                           const linrec_buffer *h, const linrec_buffer *dh,
                                           linrec_buffer *dx, linrec_buffer *da, linrec_buffer *dh0)
{
    linrec__shape shape;
    int empty;
    linrec_status status = check_backward(ctx, p, a, h0, h, dh, dx, da, dh0, 1, &shape, &empty);
    if (status != LINREC_OK || empty)
        return status;
    linrec__backward_args args = {&shape,        memory_of(a),  memory_of(h0), memory_of(h),
                                  memory_of(dh), memory_of(dx), memory_of(da), memory_of(dh0)};
    if (ctx->backend->flags & LINREC__BACKEND_HOST_MEMORY)
        return ctx->backend->scan_backward(ctx->state, &args);
    return ctx->backend->scan_backward_device(ctx->state, &args);
}
