/*
 * The opencl plugin: linrec on any OpenCL 1.2 device. A buffer is a cl_mem on the context's
 * device (or a slice of an application's, opencl_native.c); host-pointer calls are staged through
 * buffers by the core. One queue per context: its own, in order, or the application's; a mutex
 * serializes the scans of concurrent callers, because kernel arguments and the
 * scratch are shared (buffer reads and writes need no lock: OpenCL queues are thread-safe).
 */
#include <stdlib.h>

#include "opencl.h"

const linrec__host *_Atomic linrec__ocl_host;

static void ocl_close(void *opaque)
{
    linrec__ocl_state *s = opaque;
    if (!s)
        return;
    /* Releasing what we created cannot fail in a way the caller could act on. */
    linrec__ocl_release_programs(s);
    if (s->scratch)
        (void)clReleaseMemObject(s->scratch);
    if (s->queue)
        (void)clReleaseCommandQueue(s->queue);
    if (s->context)
        (void)clReleaseContext(s->context);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Makes the context's own cl_context and in-order queue on the device found for `how`. */
static linrec_status create_queue(linrec__ocl_state *s, const void *how)
{
    linrec_status status = linrec__ocl_find_device(how, s);
    if (status != LINREC_OK)
        return status;
    cl_int error = CL_SUCCESS;
    s->context = clCreateContext(NULL, 1, &s->device, NULL, NULL, &error);
    if (error != CL_SUCCESS) {
        s->context = NULL;
        return linrec__ocl_check(error, "clCreateContext");
    }
    s->queue = clCreateCommandQueue(s->context, s->device, 0, &error);
    if (error != CL_SUCCESS) {
        s->queue = NULL;
        return linrec__ocl_check(error, "clCreateCommandQueue");
    }
    return LINREC_OK;
}

linrec_status linrec__ocl_open_with(linrec_status (*attach)(linrec__ocl_state *s, const void *how),
                                    const void *how, void **state)
{
    *state = NULL;
    linrec__ocl_state *s = calloc(1, sizeof *s);
    if (!s)
        return linrec__ocl_host->fail(LINREC_ERR_OUT_OF_MEMORY,
                                      "opencl: cannot allocate a context");
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return linrec__ocl_host->fail(LINREC_ERR_OUT_OF_MEMORY,
                                      "opencl: cannot create the context's mutex");
    }
    linrec_status status = attach(s, how);
    if (status == LINREC_OK)
        status = linrec__ocl_build_programs(s);
    if (status != LINREC_OK) {
        ocl_close(s);
        return status;
    }
    *state = s;
    return LINREC_OK;
}

static linrec_status ocl_open(const linrec__open_args *args, void **state)
{
    return linrec__ocl_open_with(create_queue, args, state);
}

static const char *ocl_device(const void *state)
{
    return ((const linrec__ocl_state *)state)->description;
}

linrec_status linrec__ocl_new_handle(cl_mem memory, size_t offset, void **handle)
{
    linrec__ocl_memory *made = malloc(sizeof *made);
    if (!made)
        return linrec__ocl_host->fail(LINREC_ERR_OUT_OF_MEMORY,
                                      "opencl: cannot allocate a buffer handle");
    *made = (linrec__ocl_memory){memory, offset};
    *handle = made;
    return LINREC_OK;
}

static linrec_status ocl_alloc(void *state, size_t bytes, void **memory)
{
    linrec__ocl_state *s = state;
    if (bytes > s->limits.max_allocation)
        return linrec__ocl_host->fail(LINREC_ERR_OUT_OF_MEMORY,
                                      "opencl: %zu bytes exceed the device's largest allocation "
                                      "of %llu bytes",
                                      bytes, (unsigned long long)s->limits.max_allocation);
    cl_int error = CL_SUCCESS;
    cl_mem buffer = clCreateBuffer(s->context, CL_MEM_READ_WRITE, bytes, NULL, &error);
    if (error != CL_SUCCESS)
        return linrec__ocl_check_on(error, "clCreateBuffer", "a buffer");
    linrec_status status = linrec__ocl_new_handle(buffer, 0, memory);
    if (status != LINREC_OK)
        (void)clReleaseMemObject(buffer); /* nothing to do if releasing failed */
    return status;
}

/* Releases the handle's reference: the cl_mem is freed only if that was its last one, once the
 * commands that use it have run (OpenCL defers it), so an enqueued scan may outlive its buffers. */
static void ocl_free(void *state, void *memory)
{
    (void)state;
    linrec__ocl_memory *handle = memory;
    if (!handle)
        return;
    (void)clReleaseMemObject(handle->memory); /* nothing to do if releasing failed */
    free(handle);
}

static linrec_status ocl_write(void *state, void *memory, size_t offset, const void *src,
                               size_t bytes)
{
    linrec__ocl_state *s = state;
    const linrec__ocl_memory *handle = memory;
    return linrec__ocl_check(clEnqueueWriteBuffer(s->queue, handle->memory, CL_TRUE,
                                                  handle->offset + offset, bytes, src, 0, NULL,
                                                  NULL),
                             "clEnqueueWriteBuffer");
}

static linrec_status ocl_read(void *state, const void *memory, size_t offset, void *dst,
                              size_t bytes)
{
    linrec__ocl_state *s = state;
    const linrec__ocl_memory *handle = memory;
    return linrec__ocl_check(clEnqueueReadBuffer(s->queue, handle->memory, CL_TRUE,
                                                 handle->offset + offset, bytes, dst, 0, NULL,
                                                 NULL),
                             "clEnqueueReadBuffer");
}

static void *ocl_native(const void *memory, size_t *offset)
{
    const linrec__ocl_memory *handle = memory;
    *offset = handle->offset;
    return handle->memory;
}

static const linrec__backend opencl_backend = {
    .abi_version = LINREC__ABI_VERSION,
    .name = "opencl",
    .scan_elements = LINREC__EVERY_ELEMENT,
    .flags = 0,
    .open = ocl_open,
    .close = ocl_close,
    .device = ocl_device,
    .buffer_alloc = ocl_alloc,
    .buffer_free = ocl_free,
    .buffer_write = ocl_write,
    .buffer_read = ocl_read,
    .scan_device = linrec__ocl_scan,
    .scan_backward_device = linrec__ocl_scan_backward,
    .open_native = linrec__ocl_open_native,
    .buffer_wrap = linrec__ocl_wrap,
    .buffer_native = ocl_native,
    .synchronize = linrec__ocl_synchronize,
};

LINREC__DEFINE_PLUGIN_ENTRY(opencl_backend, linrec__ocl_host)
