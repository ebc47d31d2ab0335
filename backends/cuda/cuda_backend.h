/*
 * What the cuda plugin's C part (plugin.c: device, memory, staging, locking) and its CUDA part
 * (dispatch.cu: the shape rule and the kernels) share. Nothing here is exported from the plugin.
 */
#ifndef LINREC_BACKENDS_CUDA_CUDA_BACKEND_H
#define LINREC_BACKENDS_CUDA_CUDA_BACKEND_H

#include <cuda_runtime_api.h>

#include "backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Device memory kept by a context and grown on demand, never allocated per call. A
 * stream-ordered arena (an asynchronous context's scratch) is freed and allocated on `stream`, so
 * that growing it neither waits for the host nor frees memory that enqueued kernels still use. */
typedef struct linrec__cuda_arena {
    void *memory;
    size_t bytes;
    int stream_ordered;
    cudaStream_t stream;
} linrec__cuda_arena;

/* Which kernel family serves a call: chosen from the problem's shape, or forced for testing through
 * LINREC_CUDA_KERNEL (a kernel that cannot serve a shape is never forced onto it). */
typedef enum linrec__cuda_kernel {
    LINREC__CUDA_KERNEL_AUTO = 0,
    LINREC__CUDA_KERNEL_LANES_SERIAL,
    LINREC__CUDA_KERNEL_LANES_LOOK_BACK,
    LINREC__CUDA_KERNEL_SEQUENCES_WARP,
    LINREC__CUDA_KERNEL_SEQUENCES_BLOCK,
    LINREC__CUDA_KERNEL_SEQUENCES_LOOK_BACK
} linrec__cuda_kernel;

/* What launching the kernels needs from a context. Callers hold the context's lock. */
typedef struct linrec__cuda_launch {
    cudaStream_t stream;
    int multiprocessors;
    linrec__cuda_kernel forced;
    linrec__cuda_arena *scratch; /* look-back tile states */
} linrec__cuda_launch;

/* Records "cuda: <call> failed: <error text>" for linrec_last_error() and returns
 * LINREC_ERR_OUT_OF_MEMORY for allocation failures, LINREC_ERR_DEVICE otherwise. */
linrec_status linrec__cuda_fail(cudaError_t error, const char *call);

/* Gives the arena's memory back (on its stream when stream-ordered) and leaves it empty. */
cudaError_t linrec__cuda_free_arena(linrec__cuda_arena *arena);

/* Makes `arena` hold at least `bytes`; `what` names the arena in failure messages. */
linrec_status linrec__cuda_reserve(linrec__cuda_arena *arena, size_t bytes, const char *what);

/* cudaSuccess when this build holds code the current device can run (machine code or PTX). */
cudaError_t linrec__cuda_image_error(void);

/* Enqueue the scan on device pointers on launch->stream; the caller synchronizes if it must. */
linrec_status linrec__cuda_forward(const linrec__cuda_launch *launch,
                                   const linrec__scan_args *args);
linrec_status linrec__cuda_backward(const linrec__cuda_launch *launch,
                                    const linrec__backward_args *args);

#ifdef __cplusplus
}
#endif

#endif /* LINREC_BACKENDS_CUDA_CUDA_BACKEND_H */
