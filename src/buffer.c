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

/* Gives back the memory of a buffer of ctx: the core's host memory, or the backend's handle. */
static void free_memory(linrec_context *ctx, void *memory)
{
    if (host_memory(ctx))
        free(memory);
    else
        ctx->backend->buffer_free(ctx->state, memory);
}

/* A handle for `bytes` at `memory`, which it owns from now on (freed here if the handle cannot be
 * made); the handle keeps ctx alive. */
static linrec_status adopt(linrec_context *ctx, size_t bytes, void *memory, linrec_buffer **out)
{
    linrec_buffer *buffer = malloc(sizeof *buffer);
    if (!buffer) {
        free_memory(ctx, memory);
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY, "cannot allocate a buffer handle");
    }
    *buffer = (linrec_buffer){ctx, bytes, memory};
    linrec__context_retain(ctx);
    *out = buffer;
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
    if (status != LINREC_OK)
        return status;
    void *memory = NULL;
    if (!host_memory(ctx))
        status = ctx->backend->buffer_alloc(ctx->state, bytes, &memory);
    else if (!(memory = allocate_host(bytes)))
        status = linrec__fail(LINREC_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes of host memory",
                              bytes);
    return status == LINREC_OK ? adopt(ctx, bytes, memory, out) : status;
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
    void *memory = NULL;
    status = ctx->backend->buffer_wrap(ctx->state, native, offset, bytes, &memory);
    return status == LINREC_OK ? adopt(ctx, bytes, memory, out) : status;
}

void *linrec__buffer_native(const linrec_buffer *buf, const char *name, size_t *offset)
{
    size_t start = 0;
    void *native = NULL;
    if (buf && strcmp(buf->ctx->backend->name, name) == 0 && buf->ctx->backend->buffer_native)
        native = buf->ctx->backend->buffer_native(buf->memory, &start);
    if (offset)
        *offset = start;
    return native;
}

void linrec_buffer_destroy(linrec_buffer *buf)
{
    if (!buf)
        return;
    linrec_context *ctx = buf->ctx;
    free_memory(ctx, buf->memory);
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
