/*
 * Finding the device of "opencl:N" (every device of every platform, in platform order and then
 * device order) or, for auto, the first GPU or accelerator; and describing it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CL/cl_ext.h>

#include "opencl.h"

/* Every device of every platform, in the order "opencl:N" counts them. */
typedef struct device_list {
    cl_device_id *ids;
    size_t count;
} device_list;

static linrec_status unavailable(const char *reason, cl_int error)
{
    return linrec__ocl_host->fail(LINREC_ERR_BACKEND_UNAVAILABLE, "opencl: %s (%s)", reason,
                                  linrec__ocl_error_name(error));
}

static linrec_status list_platforms(cl_platform_id **platforms, cl_uint *count)
{
    *platforms = NULL;
    cl_int error = clGetPlatformIDs(0, NULL, count);
    if (error == CL_PLATFORM_NOT_FOUND_KHR || (error == CL_SUCCESS && *count == 0))
        return unavailable("no OpenCL platform is installed: the ICD loader found no driver "
                           "(install one, e.g. pocl-opencl-icd, or check OCL_ICD_VENDORS)",
                           error == CL_SUCCESS ? CL_PLATFORM_NOT_FOUND_KHR : error);
    if (error != CL_SUCCESS)
        return unavailable("clGetPlatformIDs failed", error);
    *platforms = calloc(*count, sizeof **platforms);
    if (!*platforms)
        return linrec__ocl_host->fail(LINREC_ERR_OUT_OF_MEMORY,
                                      "opencl: cannot allocate a list of %u platforms", *count);
    error = clGetPlatformIDs(*count, *platforms, NULL);
    return error == CL_SUCCESS ? LINREC_OK : unavailable("clGetPlatformIDs failed", error);
}

/* Appends the platform's devices. A platform whose driver cannot list its devices contributes
 * none, so that one broken driver does not hide the devices of the others. */
static linrec_status append_devices(cl_platform_id platform, device_list *list)
{
    cl_uint count = 0;
    if (clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, NULL, &count) != CL_SUCCESS || count == 0)
        return LINREC_OK;
    cl_device_id *grown = realloc(list->ids, (list->count + count) * sizeof *grown);
    if (!grown)
        return linrec__ocl_host->fail(LINREC_ERR_OUT_OF_MEMORY,
                                      "opencl: cannot allocate a list of %zu devices",
                                      list->count + count);
    list->ids = grown;
    if (clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, count, list->ids + list->count, NULL) ==
        CL_SUCCESS)
        list->count += count;
    return LINREC_OK;
}

static linrec_status list_devices(device_list *list)
{
    *list = (device_list){NULL, 0};
    cl_platform_id *platforms;
    cl_uint platform_count = 0;
    linrec_status status = list_platforms(&platforms, &platform_count);
    for (cl_uint i = 0; status == LINREC_OK && i < platform_count; i++)
        status = append_devices(platforms[i], list);
    free(platforms);
    if (status == LINREC_OK && list->count == 0)
        status = unavailable("the installed OpenCL platforms have no device", CL_DEVICE_NOT_FOUND);
    return status;
}

/* Records a failed info query; `name` is the property. */
static linrec_status info_failed(cl_int error, const char *call, const char *name)
{
    return linrec__ocl_host->fail(LINREC_ERR_BACKEND_UNAVAILABLE, "opencl: %s(%s) failed: %s (%d)",
                                  call, name, linrec__ocl_error_name(error), (int)error);
}

static linrec_status device_info(cl_device_id device, cl_device_info what, size_t size, void *value,
                                 const char *name)
{
    cl_int error = clGetDeviceInfo(device, what, size, value, NULL);
    return error == CL_SUCCESS ? LINREC_OK : info_failed(error, "clGetDeviceInfo", name);
}

#define DEVICE_INFO(device, what, value) device_info(device, what, sizeof *(value), value, #what)

/* clGetPlatformInfo when `platform` is set, else clGetDeviceInfo: both answer text properties. */
static cl_int get_info(cl_device_id device, cl_platform_id platform, cl_uint what, size_t size,
                       void *value, size_t *returned)
{
    if (platform)
        return clGetPlatformInfo(platform, what, size, value, returned);
    return clGetDeviceInfo(device, what, size, value, returned);
}

/* A text property of the device or platform, truncated to `size`. */
static linrec_status info_text(cl_device_id device, cl_platform_id platform, cl_uint what,
                               char *text, size_t size, const char *name)
{
    const char *call = platform ? "clGetPlatformInfo" : "clGetDeviceInfo";
    size_t length = 0;
    cl_int error = get_info(device, platform, what, 0, NULL, &length);
    if (error != CL_SUCCESS)
        return info_failed(error, call, name);
    char *full = malloc(length + 1);
    if (!full)
        return linrec__ocl_host->fail(LINREC_ERR_OUT_OF_MEMORY,
                                      "opencl: cannot allocate %zu bytes for %s", length + 1, name);
    error = get_info(device, platform, what, length, full, NULL);
    if (error == CL_SUCCESS) {
        full[length] = '\0';
        snprintf(text, size, "%s", full);
    }
    free(full);
    return error == CL_SUCCESS ? LINREC_OK : info_failed(error, call, name);
}

#define DEVICE_TEXT(device, what, text) info_text(device, NULL, what, text, sizeof text, #what)

static int is_gpu_like(cl_device_type type)
{
    return (type & (CL_DEVICE_TYPE_GPU | CL_DEVICE_TYPE_ACCELERATOR)) != 0;
}

static const char *type_name(cl_device_type type)
{
    if (type & CL_DEVICE_TYPE_GPU)
        return "GPU";
    if (type & CL_DEVICE_TYPE_ACCELERATOR)
        return "accelerator";
    if (type & CL_DEVICE_TYPE_CPU)
        return "CPU";
    return "custom device";
}

/* Whether the space-separated `extensions` name `wanted`. */
static int has_extension(const char *extensions, const char *wanted)
{
    size_t length = strlen(wanted);
    for (const char *at = strstr(extensions, wanted); at; at = strstr(at + 1, wanted))
        if ((at == extensions || at[-1] == ' ') && (at[length] == ' ' || at[length] == '\0'))
            return 1;
    return 0;
}

/* Picks the index "opencl:N" or, for auto, the first GPU or accelerator. */
static linrec_status choose(const linrec__open_args *args, const device_list *list, size_t *index)
{
    if (!args->auto_pick) {
        if (args->device < list->count) {
            *index = args->device;
            return LINREC_OK;
        }
        return linrec__ocl_host->fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                                      "opencl: there is no device opencl:%zu; the installed "
                                      "platforms have %zu device(s), opencl:0 to opencl:%zu",
                                      args->device, list->count, list->count - 1);
    }
    for (size_t i = 0; i < list->count; i++) {
        cl_device_type type = 0;
        linrec_status status = DEVICE_INFO(list->ids[i], CL_DEVICE_TYPE, &type);
        if (status != LINREC_OK)
            return status;
        if (is_gpu_like(type)) {
            *index = i;
            return LINREC_OK;
        }
    }
    return linrec__ocl_host->fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                                  "opencl: auto takes only GPUs and accelerators, and none of the "
                                  "%zu OpenCL devices here is one (name opencl:N to use a CPU "
                                  "device)",
                                  list->count);
}

/* A usable device answers that it is available and has a compiler for our kernels. */
static linrec_status check_usable(cl_device_id device, size_t index)
{
    cl_bool available = CL_FALSE, compiler = CL_FALSE;
    linrec_status status = DEVICE_INFO(device, CL_DEVICE_AVAILABLE, &available);
    if (status == LINREC_OK)
        status = DEVICE_INFO(device, CL_DEVICE_COMPILER_AVAILABLE, &compiler);
    if (status == LINREC_OK && (!available || !compiler))
        status = linrec__ocl_host->fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                                        "opencl: device opencl:%zu is %s", index,
                                        !available ? "not available" : "without a compiler");
    return status;
}

static linrec_status read_limits(cl_device_id device, cl_device_type type,
                                 linrec__ocl_limits *limits)
{
    char extensions[8192];
    limits->is_gpu_like = is_gpu_like(type);
    linrec_status status = DEVICE_INFO(device, CL_DEVICE_MAX_COMPUTE_UNITS, &limits->compute_units);
    if (status == LINREC_OK)
        status = DEVICE_INFO(device, CL_DEVICE_MAX_WORK_GROUP_SIZE, &limits->max_group_size);
    if (status == LINREC_OK)
        status = DEVICE_INFO(device, CL_DEVICE_LOCAL_MEM_SIZE, &limits->local_memory);
    if (status == LINREC_OK)
        status = DEVICE_INFO(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, &limits->max_allocation);
    if (status == LINREC_OK)
        status = DEVICE_TEXT(device, CL_DEVICE_EXTENSIONS, extensions);
    if (status == LINREC_OK)
        limits->has_fp64 = has_extension(extensions, "cl_khr_fp64");
    return status;
}

/* "platform / device / type / N MiB / OpenCL C version", what `linrec info` shows. */
static linrec_status describe(cl_device_id device, cl_device_type type, char *text, size_t size)
{
    cl_platform_id platform;
    char platform_name[128] = "", device_name[128] = "", language[64] = "";
    cl_ulong memory = 0;
    linrec_status status = DEVICE_INFO(device, CL_DEVICE_PLATFORM, &platform);
    if (status == LINREC_OK)
        status = info_text(device, platform, CL_PLATFORM_NAME, platform_name, sizeof platform_name,
                           "CL_PLATFORM_NAME");
    if (status == LINREC_OK)
        status = DEVICE_TEXT(device, CL_DEVICE_NAME, device_name);
    if (status == LINREC_OK)
        status = DEVICE_INFO(device, CL_DEVICE_GLOBAL_MEM_SIZE, &memory);
    if (status == LINREC_OK)
        status = DEVICE_TEXT(device, CL_DEVICE_OPENCL_C_VERSION, language);
    if (status == LINREC_OK)
        snprintf(text, size, "%s / %s / %s / %llu MiB / %s", platform_name, device_name,
                 type_name(type), (unsigned long long)(memory >> 20), language);
    return status;
}

linrec_status linrec__ocl_find_device(const linrec__open_args *args, linrec__ocl_state *state)
{
    device_list list;
    size_t index = 0;
    linrec_status status = list_devices(&list);
    if (status == LINREC_OK)
        status = choose(args, &list, &index);
    if (status == LINREC_OK) {
        state->device = list.ids[index];
        status = check_usable(state->device, index);
    }
    free(list.ids);
    return status == LINREC_OK ? linrec__ocl_describe_device(state) : status;
}

linrec_status linrec__ocl_describe_device(linrec__ocl_state *state)
{
    cl_device_type type = 0;
    linrec_status status = DEVICE_INFO(state->device, CL_DEVICE_TYPE, &type);
    if (status == LINREC_OK)
        status = read_limits(state->device, type, &state->limits);
    if (status == LINREC_OK)
        status = describe(state->device, type, state->description, sizeof state->description);
    return status;
}
