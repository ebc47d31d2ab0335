/*
 * An application that owns its OpenCL queue and memory and lets linrec scan that memory in place.
 *
 * It keeps one cl_mem holding, one after another, the coefficients and inputs of a bank of
 * exponential moving averages (h_t = a*h_{t-1} + (1-a)*x_t per channel), and one for the results.
 * The scan is enqueued on the application's queue between its own commands and returns at once;
 * the blocking read after it, on the same in-order queue, sees its results. No linrec copy and no
 * host wait happen in between.
 *
 * Run it on any OpenCL device: LINREC_BACKEND_PATH may point at the opencl plugin's folder.
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <stdio.h>
#include <stdlib.h>

#include "ema_signal.h"
#include "linrec/opencl.h"

static int fail_cl(const char *call, cl_int error)
{
    fprintf(stderr, "opencl_interop: %s failed (%d)\n", call, (int)error);
    return EXIT_FAILURE;
}

static int fail_linrec(const char *call, linrec_status status)
{
    fprintf(stderr, "opencl_interop: %s: %s: %s\n", call, linrec_status_string(status),
            linrec_last_error());
    return EXIT_FAILURE;
}

/* Wraps the application's memory, enqueues the scan and reads its results on the queue. */
static int scan_on_queue(cl_command_queue queue, cl_mem inputs, cl_mem results, float *h)
{
    linrec_context *ctx = NULL;
    linrec_buffer *a = NULL, *x = NULL, *out = NULL;
    const size_t bytes = EMA_ELEMENTS * sizeof(float);
    const linrec_problem p = {LINREC_F32, LINREC_LAYOUT_TBC, 1, EMA_STEPS, EMA_CHANNELS, 0};
    linrec_status status = linrec_opencl_context_create(queue, &ctx);
    if (status == LINREC_OK)
        status = linrec_opencl_buffer_wrap(ctx, inputs, 0, bytes, &a);
    if (status == LINREC_OK)
        status = linrec_opencl_buffer_wrap(ctx, inputs, bytes, bytes, &x);
    if (status == LINREC_OK)
        status = linrec_opencl_buffer_wrap(ctx, results, 0, bytes, &out);
    if (status == LINREC_OK)
        status = linrec_scan_buffers(ctx, &p, a, x, NULL, out);
    int result = status == LINREC_OK ? EXIT_SUCCESS : fail_linrec("scanning", status);
    cl_int error = CL_SUCCESS;
    if (result == EXIT_SUCCESS &&
        (error = clEnqueueReadBuffer(queue, results, CL_TRUE, 0, bytes, h, 0, NULL, NULL)))
        result = fail_cl("clEnqueueReadBuffer", error);
    linrec_buffer_destroy(a);
    linrec_buffer_destroy(x);
    linrec_buffer_destroy(out);
    linrec_context_destroy(ctx);
    return result;
}

int main(void)
{
    cl_platform_id platform;
    cl_device_id device;
    cl_int error = clGetPlatformIDs(1, &platform, NULL);
    if (error == CL_SUCCESS)
        error = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL);
    if (error != CL_SUCCESS)
        return fail_cl("finding an OpenCL device", error);
    cl_context context = clCreateContext(NULL, 1, &device, NULL, NULL, &error);
    if (error != CL_SUCCESS)
        return fail_cl("clCreateContext", error);
    cl_command_queue queue = clCreateCommandQueue(context, device, 0, &error);
    if (error != CL_SUCCESS)
        return fail_cl("clCreateCommandQueue", error);

    static float host[2 * EMA_ELEMENTS], h[EMA_ELEMENTS];
    ema_fill(host, host + EMA_ELEMENTS);
    cl_mem inputs = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof host,
                                   host, &error);
    cl_mem results = error == CL_SUCCESS
                         ? clCreateBuffer(context, CL_MEM_READ_WRITE, sizeof h, NULL, &error)
                         : NULL;
    int result = error == CL_SUCCESS ? scan_on_queue(queue, inputs, results, h)
                                     : fail_cl("clCreateBuffer", error);
    if (result == EXIT_SUCCESS)
        result = ema_report(host, h, "queue");
    if (results)
        clReleaseMemObject(results);
    if (inputs)
        clReleaseMemObject(inputs);
    clReleaseCommandQueue(queue);
    clReleaseContext(context);
    return result;
}
