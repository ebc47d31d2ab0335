/*
 * linrec on the application's own OpenCL queue and memory. Nothing here is needed to use the
 * opencl backend through linrec_context_create("opencl"); these functions let an application that
 * already owns a cl_command_queue and cl_mem objects scan them in place, without copies, and
 * without waiting.
 *
 * A context made by linrec_opencl_context_create works on the queue's device and cl_context and is
 * asynchronous: linrec_scan_buffers and linrec_scan_backward_buffers enqueue their kernels on the
 * queue and return. Their results are ready for any later command on that queue, or after
 * linrec_context_synchronize (or clFinish on the queue). The host-pointer calls (linrec_scan,
 * linrec_scan_backward) and linrec_buffer_read and linrec_buffer_write stay synchronous. An
 * out-of-order queue is served correctly: linrec puts a barrier before, between and after its
 * kernels, so they see the queue's earlier commands and its later ones see their results.
 *
 * Functions given a context or buffer of another backend return LINREC_ERR_BACKEND_MISMATCH;
 * liblinrec reaches OpenCL only through its opencl plugin, which must be installed.
 */
#ifndef LINREC_OPENCL_H
#define LINREC_OPENCL_H

#include <CL/cl.h>

#include "linrec/linrec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Creates an asynchronous opencl context on `queue` (its device and cl_context), which it retains
 * until the context and every buffer made from it are destroyed. Returns LINREC_OK and stores the
 * context in *out, or leaves *out NULL and returns LINREC_ERR_INVALID_ARGUMENT (out is NULL, queue
 * is NULL or not a valid command queue), LINREC_ERR_BACKEND_UNAVAILABLE (no opencl plugin),
 * LINREC_ERR_OUT_OF_MEMORY, LINREC_ERR_DEVICE (the kernels do not build on the device). */
LINREC_API linrec_status linrec_opencl_context_create(cl_command_queue queue, linrec_context **out);

/* Makes a buffer of `ctx` that is the `bytes` of `memory` from byte `offset`, which may be any
 * multiple of the element size of the arrays it will hold (a slice). The buffer borrows `memory`:
 * it retains the cl_mem, and destroying the buffer releases only that reference. Any opencl
 * context may wrap memory of its own cl_context. Returns LINREC_OK and stores the buffer in *out,
 * or leaves *out NULL and returns LINREC_ERR_INVALID_ARGUMENT (a NULL out, ctx or memory, a cl_mem
 * that is not valid or belongs to another cl_context, bytes of 0, offset + bytes past its size),
 * LINREC_ERR_BACKEND_MISMATCH (ctx is not an opencl context), LINREC_ERR_OUT_OF_MEMORY. */
LINREC_API linrec_status linrec_opencl_buffer_wrap(linrec_context *ctx, cl_mem memory,
                                                   size_t offset, size_t bytes,
                                                   linrec_buffer **out);

/* Returns the cl_mem that holds any buffer of an opencl context (made or wrapped) and, where
 * `offset` is not NULL, stores there the byte at which the buffer starts in it. Returns NULL (and
 * stores 0) for NULL or a buffer of another backend. The cl_mem stays the buffer's: do not
 * release it without retaining it first. */
LINREC_API cl_mem linrec_opencl_buffer_memory(const linrec_buffer *buf, size_t *offset);

#ifdef __cplusplus
}
#endif

#endif /* LINREC_OPENCL_H */
