/*
 * linrec on the application's own CUDA device memory and stream. Nothing here is needed to use the
 * cuda backend through linrec_context_create("cuda"); these functions let an application that
 * already holds its data in device memory (cudaMalloc, a PyTorch or CuPy tensor) and orders its
 * work on a stream scan that memory in place, without copies, and without waiting. This header
 * needs no CUDA header: a stream is passed as a `void *` holding a cudaStream_t.
 *
 * A context made by linrec_cuda_context_create works on the given device and stream and is
 * asynchronous: linrec_scan_buffers and linrec_scan_backward_buffers enqueue their kernels on the
 * stream and return. Their results are ready for any later work on that stream, or after
 * linrec_context_synchronize (or cudaStreamSynchronize). A device error that only shows once the
 * kernels run (a fault) is returned by the next call on the context or by
 * linrec_context_synchronize, with its sentence. The host-pointer calls (linrec_scan,
 * linrec_scan_backward) and linrec_buffer_read and linrec_buffer_write stay synchronous.
 *
 * Functions given a context or buffer of another backend return LINREC_ERR_BACKEND_MISMATCH;
 * liblinrec reaches CUDA only through its cuda plugin, which must be installed.
 */
#ifndef LINREC_CUDA_H
#define LINREC_CUDA_H

#include "linrec/linrec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Creates an asynchronous cuda context on device `device` (a CUDA device ordinal) whose work goes
 * on `stream`, a cudaStream_t of that device (NULL: the default stream). The stream stays the
 * application's: it must outlive the context's use of it, and the context never destroys it.
 * Returns LINREC_OK and stores the context in *out, or leaves *out NULL and returns
 * LINREC_ERR_INVALID_ARGUMENT (out is NULL, device is negative), LINREC_ERR_BACKEND_UNAVAILABLE
 * (no cuda plugin, driver or such device), LINREC_ERR_OUT_OF_MEMORY, LINREC_ERR_DEVICE. */
LINREC_API linrec_status linrec_cuda_context_create(int device, void *stream, linrec_context **out);

/* Moves the context's later work to `stream` (NULL: the default stream). The new stream waits for
 * the work already enqueued on the old one (an event), so that the two never race on the
 * context's scratch memory. Returns LINREC_OK, LINREC_ERR_INVALID_ARGUMENT (a NULL ctx, or a
 * context not made by linrec_cuda_context_create), LINREC_ERR_BACKEND_MISMATCH (not a cuda
 * context), LINREC_ERR_DEVICE. */
LINREC_API linrec_status linrec_cuda_context_set_stream(linrec_context *ctx, void *stream);

/* Makes a buffer of `ctx` that is the `bytes` of device memory at `device_pointer`, which may be
 * any address aligned to the elements of the arrays it will hold (a tensor slice; a scan refuses
 * a misaligned one). The buffer borrows the memory: destroying it frees nothing, and the
 * application must keep the memory alive until the work enqueued on it has run. Any cuda context
 * may wrap memory of its device. Returns LINREC_OK and stores the buffer in *out, or leaves *out
 * NULL and returns LINREC_ERR_INVALID_ARGUMENT (a NULL out, ctx or pointer, bytes of 0, a pointer
 * the CUDA runtime does not know as device memory of the context's device),
 * LINREC_ERR_BACKEND_MISMATCH (ctx is not a cuda context), LINREC_ERR_OUT_OF_MEMORY. */
LINREC_API linrec_status linrec_cuda_buffer_wrap(linrec_context *ctx, void *device_pointer,
                                                 size_t bytes, linrec_buffer **out);

/* Returns the device address where any buffer of a cuda context (made or wrapped) starts; NULL for
 * NULL or a buffer of another backend. The memory stays the buffer's. */
LINREC_API void *linrec_cuda_buffer_pointer(const linrec_buffer *buf);

#ifdef __cplusplus
}
#endif

#endif /* LINREC_CUDA_H */
