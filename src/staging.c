/* Temporary device buffers for host-pointer calls on device backends. */
#include "staging.h"

enum { MAX_STAGED = 7 };

/* One host array and the device memory standing in for it. */
typedef struct staged {
    const void *host;
    size_t bytes;
    int is_output;
    void *device;
} staged;

typedef struct staging {
    linrec_context *ctx;
    staged arrays[MAX_STAGED];
    size_t count;
} staging;

/* Gives `host` device memory, sharing it with an earlier array at the same address (in place)
 * that is at least as long: h0 may be the start of h or dh, and is staged before them. */
static linrec_status stage(staging *s, const void *host, size_t bytes, int is_output, void **device)
{
    *device = NULL;
    if (!host)
        return LINREC_OK;
    for (size_t i = 0; i < s->count; i++)
        if (s->arrays[i].host == host && s->arrays[i].bytes >= bytes) {
            s->arrays[i].is_output |= is_output;
            *device = s->arrays[i].device;
            return LINREC_OK;
        }
    const linrec__backend *backend = s->ctx->backend;
    staged *slot = &s->arrays[s->count];
    *slot = (staged){host, bytes, is_output, NULL};
    linrec_status status = backend->buffer_alloc(s->ctx->state, bytes, &slot->device);
    if (status != LINREC_OK)
        return status;
    s->count++;
    *device = slot->device;
    if (is_output)
        return LINREC_OK;
    return backend->buffer_write(s->ctx->state, slot->device, 0, host, bytes);
}

/* Copies outputs back when `status` is LINREC_OK, frees everything, returns the first failure. */
static linrec_status finish(staging *s, linrec_status status)
{
    for (size_t i = 0; i < s->count; i++) {
        staged *array = &s->arrays[i];
        if (status == LINREC_OK && array->is_output)
            status = s->ctx->backend->buffer_read(s->ctx->state, array->device, 0,
                                                  (void *)array->host, array->bytes);
        s->ctx->backend->buffer_free(s->ctx->state, array->device);
    }
    return status;
}

linrec_status linrec__staged_scan(linrec_context *ctx, const linrec__scan_args *args)
{
    const linrec__shape *shape = args->shape;
    size_t data = shape->data_bytes, state = shape->state_bytes;
    staging s = {ctx, {{0}}, 0};
    linrec__scan_args device = {shape, NULL, NULL, NULL, NULL};
    linrec_status status = LINREC_OK;
    if ((status = stage(&s, args->a, shape->coef_bytes, 0, (void **)&device.a)) != LINREC_OK ||
        (status = stage(&s, args->x, data, 0, (void **)&device.x)) != LINREC_OK ||
        (status = stage(&s, args->h0, state, 0, (void **)&device.h0)) != LINREC_OK ||
        (status = stage(&s, args->h, data, 1, &device.h)) != LINREC_OK)
        return finish(&s, status);
    return finish(&s, ctx->backend->scan_device(ctx->state, &device));
}

linrec_status linrec__staged_scan_backward(linrec_context *ctx, const linrec__backward_args *args)
{
    const linrec__shape *shape = args->shape;
    size_t data = shape->data_bytes, state = shape->state_bytes;
    staging s = {ctx, {{0}}, 0};
    linrec__backward_args device = {shape, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    linrec_status status = LINREC_OK;
    if ((status = stage(&s, args->a, shape->coef_bytes, 0, (void **)&device.a)) != LINREC_OK ||
        (status = stage(&s, args->h0, state, 0, (void **)&device.h0)) != LINREC_OK ||
        (status = stage(&s, args->h, data, 0, (void **)&device.h)) != LINREC_OK ||
        (status = stage(&s, args->dh, data, 0, (void **)&device.dh)) != LINREC_OK ||
        (status = stage(&s, args->dx, data, 1, &device.dx)) != LINREC_OK ||
        (status = stage(&s, args->da, shape->coef_bytes, 1, &device.da)) != LINREC_OK ||
        (status = stage(&s, args->dh0, state, 1, &device.dh0)) != LINREC_OK)
        return finish(&s, status);
    return finish(&s, ctx->backend->scan_backward_device(ctx->state, &device));
}
