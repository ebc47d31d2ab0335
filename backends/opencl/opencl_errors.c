/* OpenCL error codes as names, and the one place a failed CL call becomes a linrec status. */
#include <CL/cl_ext.h>

#include "opencl.h"

#define ERROR_NAME(code)                                                                           \
    {                                                                                              \
        code, #code                                                                                \
    }

static const struct {
    cl_int code;
    const char *name;
} error_names[] = {
    ERROR_NAME(CL_SUCCESS),
    ERROR_NAME(CL_DEVICE_NOT_FOUND),
    ERROR_NAME(CL_DEVICE_NOT_AVAILABLE),
    ERROR_NAME(CL_COMPILER_NOT_AVAILABLE),
    ERROR_NAME(CL_MEM_OBJECT_ALLOCATION_FAILURE),
    ERROR_NAME(CL_OUT_OF_RESOURCES),
    ERROR_NAME(CL_OUT_OF_HOST_MEMORY),
    ERROR_NAME(CL_PROFILING_INFO_NOT_AVAILABLE),
    ERROR_NAME(CL_MEM_COPY_OVERLAP),
    ERROR_NAME(CL_IMAGE_FORMAT_MISMATCH),
    ERROR_NAME(CL_IMAGE_FORMAT_NOT_SUPPORTED),
    ERROR_NAME(CL_BUILD_PROGRAM_FAILURE),
    ERROR_NAME(CL_MAP_FAILURE),
    ERROR_NAME(CL_MISALIGNED_SUB_BUFFER_OFFSET),
    ERROR_NAME(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST),
    ERROR_NAME(CL_COMPILE_PROGRAM_FAILURE),
    ERROR_NAME(CL_LINKER_NOT_AVAILABLE),
    ERROR_NAME(CL_LINK_PROGRAM_FAILURE),
    ERROR_NAME(CL_DEVICE_PARTITION_FAILED),
    ERROR_NAME(CL_KERNEL_ARG_INFO_NOT_AVAILABLE),
    ERROR_NAME(CL_INVALID_VALUE),
    ERROR_NAME(CL_INVALID_DEVICE_TYPE),
    ERROR_NAME(CL_INVALID_PLATFORM),
    ERROR_NAME(CL_INVALID_DEVICE),
    ERROR_NAME(CL_INVALID_CONTEXT),
    ERROR_NAME(CL_INVALID_QUEUE_PROPERTIES),
    ERROR_NAME(CL_INVALID_COMMAND_QUEUE),
    ERROR_NAME(CL_INVALID_HOST_PTR),
    ERROR_NAME(CL_INVALID_MEM_OBJECT),
    ERROR_NAME(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR),
    ERROR_NAME(CL_INVALID_IMAGE_SIZE),
    ERROR_NAME(CL_INVALID_SAMPLER),
    ERROR_NAME(CL_INVALID_BINARY),
    ERROR_NAME(CL_INVALID_BUILD_OPTIONS),
    ERROR_NAME(CL_INVALID_PROGRAM),
    ERROR_NAME(CL_INVALID_PROGRAM_EXECUTABLE),
    ERROR_NAME(CL_INVALID_KERNEL_NAME),
    ERROR_NAME(CL_INVALID_KERNEL_DEFINITION),
    ERROR_NAME(CL_INVALID_KERNEL),
    ERROR_NAME(CL_INVALID_ARG_INDEX),
    ERROR_NAME(CL_INVALID_ARG_VALUE),
    ERROR_NAME(CL_INVALID_ARG_SIZE),
    ERROR_NAME(CL_INVALID_KERNEL_ARGS),
    ERROR_NAME(CL_INVALID_WORK_DIMENSION),
    ERROR_NAME(CL_INVALID_WORK_GROUP_SIZE),
    ERROR_NAME(CL_INVALID_WORK_ITEM_SIZE),
    ERROR_NAME(CL_INVALID_GLOBAL_OFFSET),
    ERROR_NAME(CL_INVALID_EVENT_WAIT_LIST),
    ERROR_NAME(CL_INVALID_EVENT),
    ERROR_NAME(CL_INVALID_OPERATION),
    ERROR_NAME(CL_INVALID_GL_OBJECT),
    ERROR_NAME(CL_INVALID_BUFFER_SIZE),
    ERROR_NAME(CL_INVALID_MIP_LEVEL),
    ERROR_NAME(CL_INVALID_GLOBAL_WORK_SIZE),
    ERROR_NAME(CL_INVALID_PROPERTY),
    ERROR_NAME(CL_INVALID_IMAGE_DESCRIPTOR),
    ERROR_NAME(CL_INVALID_COMPILER_OPTIONS),
    ERROR_NAME(CL_INVALID_LINKER_OPTIONS),
    ERROR_NAME(CL_INVALID_DEVICE_PARTITION_COUNT),
    ERROR_NAME(CL_PLATFORM_NOT_FOUND_KHR),
};

const char *linrec__ocl_error_name(cl_int error)
{
    for (size_t i = 0; i < sizeof error_names / sizeof error_names[0]; i++)
        if (error_names[i].code == error)
            return error_names[i].name;
    return "an unknown OpenCL error";
}

linrec_status linrec__ocl_check_on(cl_int error, const char *call, const char *subject)
{
    if (error == CL_SUCCESS)
        return LINREC_OK;
    int allocation = error == CL_MEM_OBJECT_ALLOCATION_FAILURE || error == CL_OUT_OF_HOST_MEMORY;
    return linrec__ocl_host->fail(allocation ? LINREC_ERR_OUT_OF_MEMORY : LINREC_ERR_DEVICE,
                                  "opencl: %s(%s) failed: %s (%d)", call, subject,
                                  linrec__ocl_error_name(error), (int)error);
}

linrec_status linrec__ocl_check(cl_int error, const char *call)
{
    return linrec__ocl_check_on(error, call, "");
}
