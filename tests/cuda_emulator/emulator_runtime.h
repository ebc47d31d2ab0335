/*
 * The emulated runtime as an application sees it, for tests of linrec/cuda.h that own their
 * device memory and streams (tests/interop): a test finds the table with dlsym on the emulated
 * plugin's handle, so that its memory and linrec's live in the same emulated device. Statuses are
 * cudaError_t values (0 is success).
 */
#ifndef LINREC_TESTS_CUDA_EMULATOR_EMULATOR_RUNTIME_H
#define LINREC_TESTS_CUDA_EMULATOR_EMULATOR_RUNTIME_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct linrec_emulator_runtime {
    int (*malloc)(void **memory, size_t bytes); /* cudaMalloc */
    int (*free)(void *memory);                  /* cudaFree */
    int (*stream_create)(void **stream);        /* cudaStreamCreate */
    int (*stream_destroy)(void *stream);        /* cudaStreamDestroy */
    /* cudaMemcpyAsync host to device (to_device) or device to host */
    int (*copy)(void *dst, const void *src, size_t bytes, int to_device, void *stream);
    /* The next kernel launched does not run, and the next launch or synchronization returns
     * cudaErrorIllegalAddress (700), once. */
    void (*fault_next_launch)(void);
} linrec_emulator_runtime;

#define LINREC_EMULATOR_RUNTIME_SYMBOL "linrec_emulator_runtime_api"
__attribute__((visibility("default"))) void
linrec_emulator_runtime_api(linrec_emulator_runtime *api);

#ifdef __cplusplus
}
#endif

#endif /* LINREC_TESTS_CUDA_EMULATOR_EMULATOR_RUNTIME_H */
