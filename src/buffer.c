/* linrec_buffer: host memory for host backends, the backend's device memory otherwise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int host_memory(const linrec_context *ctx)
{
    return (ctx->backend->flags & LINREC__BACKEND_HOST_MEMORY) != 0;
}

/* Cache-line aligned so that SIMD backends get aligned rows whenever the problem allows it. */
static void *allocate_host(size_t bytes)
{
    enum { ALIGNMENT = 64 };
    if (bytes > SIZE_MAX - (ALIGNMENT - 1))
        return NULL;
    return aligned_alloc(ALIGNMENT, (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
}

linrec_status linrec_buffer_create(linrec_context *ctx, size_t bytes, linrec_buffer **out)
{
    if (!out)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the buffer output pointer is NULL");
    *out = NULL;
    if (!ctx)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the context is NULL");
    if (bytes == 0)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "a buffer of 0 bytes was asked for");
    linrec_buffer *buffer = malloc(sizeof *buffer);
    if (!buffer)
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY, "cannot allocate a buffer handle");
    *buffer = (linrec_buffer){ctx, bytes, NULL};
    linrec_status status = LINREC_OK;
    if (host_memory(ctx)) {
        buffer->memory = allocate_host(bytes);
        if (!buffer->memory)
            status = linrec__fail(LINREC_ERR_OUT_OF_MEMORY,
                                  "cannot allocate %zu bytes of host memory", bytes);
    } else {
        status = ctx->backend->buffer_alloc(ctx->state, bytes, &buffer->memory);
    }
    if (status != LINREC_OK) {
        free(buffer);
        return status;
    }
    linrec__context_retain(ctx);
    *out = buffer;
    return LINREC_OK;
}

void linrec_buffer_destroy(linrec_buffer *buf)
{
    if (!buf)
        return;
    linrec_context *ctx = buf->ctx;
    if (host_memory(ctx))
        free(buf->memory);
    else
        ctx->backend->buffer_free(ctx->state, buf->memory);
    free(buf);
    linrec__context_release(ctx);
}

size_t linrec_buffer_size(const linrec_buffer *buf)
{
    return buf ? buf->bytes : 0;
}

static linrec_status check_range(const linrec_buffer *buf, size_t offset, const void *host,
                                 size_t bytes, const char *verb)
{
    if (!buf)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "cannot %s a NULL buffer", verb);
    if (!host && bytes > 0)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                            "cannot %s a buffer with a NULL host "
                            "pointer",
                            verb);
    if (offset > buf->bytes || bytes > buf->bytes - offset)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                            "cannot %s %zu bytes at offset %zu of a buffer of %zu bytes", verb,
                            bytes, offset, buf->bytes);
    return LINREC_OK;
}

linrec_status linrec_buffer_write(linrec_buffer *buf, size_t offset, const void *src, size_t bytes)
{
    linrec_status status = check_range(buf, offset, src, bytes, "write");
    if (status != LINREC_OK || bytes == 0)
        return status;
    if (host_memory(buf->ctx)) {
        memcpy((char *)buf->memory + offset, src, bytes);
        return LINREC_OK;
    }
    return buf->ctx->backend->buffer_write(buf->ctx->state, buf->memory, offset, src, bytes);
}

linrec_status linrec_buffer_read(const linrec_buffer *buf, size_t offset, void *dst, size_t bytes)
{
    linrec_status status = check_range(buf, offset, dst, bytes, "read");
    if (status != LINREC_OK || bytes == 0)
        return status;
    if (host_memory(buf->ctx)) {
        memcpy(dst, (const char *)buf->memory + offset, bytes);
        return LINREC_OK;
    }
    return buf->ctx->backend->buffer_read(buf->ctx->state, buf->memory, offset, dst, bytes);
}
