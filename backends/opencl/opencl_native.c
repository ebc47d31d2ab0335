/*
 * Native interop (linrec/opencl.h): a context on the application's own command queue, whose scans
 * on buffers are enqueued and return, and buffers that are slices of the application's cl_mem.
 */
#include "opencl.h"

/* An argument of the application's that OpenCL rejects: the caller's mistake, not the device's. */
static linrec_status invalid_handle(cl_int error, const char *call, const char *what)
{
    return linrec__ocl_host->fail(LINREC_ERR_INVALID_ARGUMENT,
                                  "opencl: %s is not valid: %s gave %s (%d)", what, call,
                                  linrec__ocl_error_name(error), (int)error);
}

/* Takes the application's queue, its cl_context and its device, retaining the first two. */
static linrec_status attach_queue(linrec__ocl_state *s, const void *how)
{
    cl_command_queue queue = ((const linrec__native_args *)how)->queue;
    cl_command_queue_properties properties = 0;
    cl_context context = NULL;
    cl_int error = clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof context, &context, NULL);
    if (error == CL_SUCCESS)
        error = clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof s->device, &s->device, NULL);
    if (error == CL_SUCCESS)
        error =
            clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof properties, &properties, NULL);
    if (error != CL_SUCCESS)
        return invalid_handle(error, "clGetCommandQueueInfo", "the command queue");
    linrec_status status = linrec__ocl_check(clRetainCommandQueue(queue), "clRetainCommandQueue");
    if (status != LINREC_OK)
        return status;
    s->queue = queue;
    if ((status = linrec__ocl_check(clRetainContext(context), "clRetainContext")) != LINREC_OK)
        return status;
    s->context = context;
    s->asynchronous = 1;
    s->out_of_order = (properties & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE) != 0;
    return linrec__ocl_describe_device(s);
}

linrec_status linrec__ocl_open_native(const linrec__native_args *args, void **state)
{
    return linrec__ocl_open_with(attach_queue, args, state);
}

/* The application's cl_mem must be of this context's cl_context and hold the slice. */
static linrec_status check_wrapped(const linrec__ocl_state *s, cl_mem memory, size_t offset,
                                   size_t bytes)
{
    cl_context context = NULL;
    size_t size = 0;
    cl_int error = clGetMemObjectInfo(memory, CL_MEM_CONTEXT, sizeof context, &context, NULL);
    if (error == CL_SUCCESS)
        error = clGetMemObjectInfo(memory, CL_MEM_SIZE, sizeof size, &size, NULL);
    if (error != CL_SUCCESS)
        return invalid_handle(error, "clGetMemObjectInfo", "the cl_mem to wrap");
    if (context != s->context)
        return linrec__ocl_host->fail(LINREC_ERR_INVALID_ARGUMENT,
                                      "opencl: the cl_mem to wrap belongs to another cl_context "
                                      "than the context's queue");
    if (offset > size || bytes > size - offset)
        return linrec__ocl_host->fail(LINREC_ERR_INVALID_ARGUMENT,
                                      "opencl: cannot wrap %zu bytes at offset %zu of a cl_mem of "
                                      "%zu bytes",
                                      bytes, offset, size);
    return LINREC_OK;
}

linrec_status linrec__ocl_wrap(void *state, void *native, size_t offset, size_t bytes,
                               void **memory)
{
    linrec_status status = check_wrapped(state, native, offset, bytes);
    if (status == LINREC_OK)
        status = linrec__ocl_check(clRetainMemObject(native), "clRetainMemObject");
    if (status == LINREC_OK &&
        (status = linrec__ocl_new_handle(native, offset, memory)) != LINREC_OK)
        (void)clReleaseMemObject(native); /* nothing to do if releasing failed */
    return status;
}

linrec_status linrec__ocl_synchronize(void *state)
{
    linrec__ocl_state *s = state;
    return s->asynchronous ? linrec__ocl_check(clFinish(s->queue), "clFinish") : LINREC_OK;
}
