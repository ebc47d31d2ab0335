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

/* A handle for `bytes` of memory that `make` obtains; the handle keeps ctx alive. */
static linrec_status new_buffer(linrec_context *ctx, size_t bytes, linrec_buffer **out,
                                linrec_status (*make)(linrec_buffer *buffer, void *how), void *how)
{
    linrec_buffer *buffer = malloc(sizeof *buffer);
    if (!buffer)
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY, "cannot allocate a buffer handle");
    *buffer = (linrec_buffer){ctx, bytes, NULL};
    linrec_status status = make(buffer, how);
    if (status != LINREC_OK) {
        free(buffer);
        return status;
    }
    linrec__context_retain(ctx);
    *out = buffer;
    return LINREC_OK;
}

static linrec_status allocate(linrec_buffer *buffer, void *unused)
{
    (void)unused;
    linrec_context *ctx = buffer->ctx;
    if (!host_memory(ctx))
        return ctx->backend->buffer_alloc(ctx->state, buffer->bytes, &buffer->memory);
    buffer->memory = allocate_host(buffer->bytes);
    if (!buffer->memory)
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes of host memory",
                            buffer->bytes);
    return LINREC_OK;
}

/* Checks the arguments every buffer-making function shares. */
static linrec_status check_new(const linrec_context *ctx, size_t bytes, linrec_buffer **out)
{
    if (!out)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the buffer output pointer is NULL");
    *out = NULL;
    if (!ctx)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the context is NULL");
    if (bytes == 0)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "a buffer of 0 bytes was asked for");
    return LINREC_OK;
}

linrec_status linrec_buffer_create(linrec_context *ctx, size_t bytes, linrec_buffer **out)
{
    linrec_status status = check_new(ctx, bytes, out);
    return status != LINREC_OK ? status : new_buffer(ctx, bytes, out, allocate, NULL);
}

/* The application's memory to wrap: where it is and where the buffer starts in it. */
typedef struct native_memory {
    void *memory;
    size_t offset;
} native_memory;

static linrec_status wrap(linrec_buffer *buffer, void *how)
{
    const native_memory *native = how;
    linrec_context *ctx = buffer->ctx;
    return ctx->backend->buffer_wrap(ctx->state, native->memory, native->offset, buffer->bytes,
                                     &buffer->memory);
}

linrec_status linrec__buffer_wrap(linrec_context *ctx, const char *name, void *native,
                                  size_t offset, size_t bytes, linrec_buffer **out)
{
    linrec_status status = check_new(ctx, bytes, out);
    if (status == LINREC_OK)
        status = linrec__check_backend(ctx, name, "wrap memory");
    if (status != LINREC_OK)
        return status;
    if (!native)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the %s memory to wrap is NULL", name);
    if (!ctx->backend->buffer_wrap)
        return linrec__fail(LINREC_ERR_UNSUPPORTED, "this %s plugin cannot wrap memory", name);
    native_memory memory = {native, offset};
    return new_buffer(ctx, bytes, out, wrap, &memory);
}

void *linrec__buffer_native(const linrec_buffer *buf, const char *name, size_t *offset)
{
    if (offset)
        *offset = 0;
    if (!buf || strcmp(buf->ctx->backend->name, name) != 0 || !buf->ctx->backend->buffer_native)
        return NULL;
    size_t start = 0;
    void *native = buf->ctx->backend->buffer_native(buf->memory, &start);
    if (offset)
        *offset = start;
    return native;
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
