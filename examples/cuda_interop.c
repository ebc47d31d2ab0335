/*
 * An application that owns its CUDA device memory and stream and lets linrec scan that memory in
 * place (linrec/cuda.h): the data of ema_signal.h in one cudaMalloc'd piece (coefficients, then
 * inputs), the results in another. The scan is enqueued on the application's stream and returns
 * at once; the application's own copy after it, on the same stream, sees its results. No linrec
 * copy and no host wait happen in between.
 */
#include <cuda_runtime_api.h>
#include <stdio.h>
#include <stdlib.h>

#include "ema_signal.h"
#include "linrec/cuda.h"

static int fail_cuda(const char *call, cudaError_t error)
{
    fprintf(stderr, "cuda_interop: %s failed: %s\n", call, cudaGetErrorString(error));
    return EXIT_FAILURE;
}

static int fail_linrec(const char *call, linrec_status status)
{
    fprintf(stderr, "cuda_interop: %s: %s: %s\n", call, linrec_status_string(status),
            linrec_last_error());
    return EXIT_FAILURE;
}

/* Wraps the application's memory, enqueues the scan and copies its results back on the stream. */
static int scan_on_stream(cudaStream_t stream, char *inputs, float *results, float *h)
{
    linrec_context *ctx = NULL;
    linrec_buffer *a = NULL, *x = NULL, *out = NULL;
    const size_t bytes = EMA_ELEMENTS * sizeof(float);
    const linrec_problem p = {LINREC_F32, LINREC_LAYOUT_TBC, 1, EMA_STEPS, EMA_CHANNELS, 0};
    linrec_status status = linrec_cuda_context_create(0, stream, &ctx);
    if (status == LINREC_OK)
        status = linrec_cuda_buffer_wrap(ctx, inputs, bytes, &a);
    if (status == LINREC_OK)
        status = linrec_cuda_buffer_wrap(ctx, inputs + bytes, bytes, &x);
    if (status == LINREC_OK)
        status = linrec_cuda_buffer_wrap(ctx, results, bytes, &out);
    if (status == LINREC_OK)
        status = linrec_scan_buffers(ctx, &p, a, x, NULL, out);
    int result = status == LINREC_OK ? EXIT_SUCCESS : fail_linrec("scanning", status);
    cudaError_t error = cudaSuccess;
    if (result == EXIT_SUCCESS &&
        (error = cudaMemcpyAsync(h, results, bytes, cudaMemcpyDeviceToHost, stream)) == cudaSuccess)
        error = cudaStreamSynchronize(stream);
    if (error != cudaSuccess)
        result = fail_cuda("copying the results back", error);
    linrec_buffer_destroy(a);
    linrec_buffer_destroy(x);
    linrec_buffer_destroy(out);
    linrec_context_destroy(ctx);
    return result;
}

int main(void)
{
    static float host[2 * EMA_ELEMENTS], h[EMA_ELEMENTS];
    ema_fill(host, host + EMA_ELEMENTS);
    cudaStream_t stream;
    char *inputs = NULL;
    float *results = NULL;
    cudaError_t error = cudaStreamCreate(&stream);
    if (error != cudaSuccess)
        return fail_cuda("cudaStreamCreate", error);
    if ((error = cudaMalloc((void **)&inputs, sizeof host)) == cudaSuccess)
        error = cudaMalloc((void **)&results, sizeof h);
    if (error == cudaSuccess)
        error = cudaMemcpyAsync(inputs, host, sizeof host, cudaMemcpyHostToDevice, stream);
    int result = error == cudaSuccess ? scan_on_stream(stream, inputs, results, h)
                                      : fail_cuda("allocating and filling device memory", error);
    if (result == EXIT_SUCCESS)
        result = ema_report(host, h, "stream");
    cudaFree(results);
    cudaFree(inputs);
    cudaStreamDestroy(stream);
    return result;
}
