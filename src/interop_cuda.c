/* linrec/cuda.h: the cuda plugin's native interop, reached through its backend table. */
#include "linrec/cuda.h"

#include "internal.h"

linrec_status linrec_cuda_context_create(int device, void *stream, linrec_context **out)
{
    if (out && device < 0) {
        *out = NULL;
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "cuda device %d is negative", device);
    }
    return linrec__context_create_native("cuda", device, stream, out);
}

linrec_status linrec_cuda_context_set_stream(linrec_context *ctx, void *stream)
{
    if (!ctx)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "cannot set the stream of a NULL context");
    linrec_status status = linrec__check_backend(ctx, "cuda", "set the stream");
    if (status == LINREC_OK && !ctx->backend->set_stream)
        status = linrec__fail(LINREC_ERR_UNSUPPORTED, "this cuda plugin cannot change streams");
    return status == LINREC_OK ? ctx->backend->set_stream(ctx->state, stream) : status;
}

linrec_status linrec_cuda_buffer_wrap(linrec_context *ctx, void *device_pointer, size_t bytes,
                                      linrec_buffer **out)
{
    return linrec__buffer_wrap(ctx, "cuda", device_pointer, 0, bytes, out);
}

void *linrec_cuda_buffer_pointer(const linrec_buffer *buf)
{
    return linrec__buffer_native(buf, "cuda", NULL);
}
