/* linrec/opencl.h: the opencl plugin's native interop, reached through its backend table. The core
 * needs only OpenCL's handle types, never its library; without CL/cl.h these functions still exist,
 * with the same ABI (a cl_command_queue and a cl_mem are pointers to incomplete structs), which
 * is why each definition carries LINREC_API itself. */
#if __has_include(<CL/cl.h>)
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include "linrec/opencl.h"
#else
#include "linrec/linrec.h"
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_mem *cl_mem;
#endif

#include "internal.h"

LINREC_API linrec_status linrec_opencl_context_create(cl_command_queue queue, linrec_context **out)
{
    if (out && !queue) {
        *out = NULL;
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the OpenCL command queue is NULL");
    }
    return linrec__context_create_native("opencl", 0, queue, out);
}

LINREC_API linrec_status linrec_opencl_buffer_wrap(linrec_context *ctx, cl_mem memory,
                                                   size_t offset, size_t bytes, linrec_buffer **out)
{
    return linrec__buffer_wrap(ctx, "opencl", memory, offset, bytes, out);
}

LINREC_API cl_mem linrec_opencl_buffer_memory(const linrec_buffer *buf, size_t *offset)
{
    return linrec__buffer_native(buf, "opencl", offset);
}
