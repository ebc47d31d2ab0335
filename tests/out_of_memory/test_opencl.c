/*
 * The opencl plugin asked for more than the device's largest allocation
 * (CL_DEVICE_MAX_MEM_ALLOC_SIZE, 2 GiB on PoCL in CI): a buffer, and host calls that the core
 * stages through device buffers.
 */
#include <CL/cl.h>
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "out_of_memory.h"

/* The largest CL_DEVICE_MAX_MEM_ALLOC_SIZE of all devices, so above it is above the context's. */
static size_t largest_allocation(void)
{
    cl_platform_id platforms[16];
    cl_uint platform_count = 0;
    cl_ulong largest = 0;
    cr_assert_eq(clGetPlatformIDs(16, platforms, &platform_count), CL_SUCCESS);
    for (cl_uint i = 0; i < platform_count && i < 16; i++) {
        cl_device_id devices[16];
        cl_uint device_count = 0;
        if (clGetDeviceIDs(platforms[i], CL_DEVICE_TYPE_ALL, 16, devices, &device_count) !=
            CL_SUCCESS)
            continue;
        for (cl_uint j = 0; j < device_count && j < 16; j++) {
            cl_ulong bytes = 0;
            cr_assert_eq(clGetDeviceInfo(devices[j], CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof bytes,
                                         &bytes, NULL),
                         CL_SUCCESS);
            if (bytes > largest)
                largest = bytes;
        }
    }
    cr_assert(largest > 0 && largest < SIZE_MAX / 2,
              "no OpenCL device reports its largest allocation");
    return (size_t)largest;
}

Test(oom_opencl, buffers_and_host_calls_above_the_largest_allocation)
{
    linrec_context *ctx = test_context();
    cr_assert_str_eq(linrec_context_backend(ctx), "opencl");
    const size_t limit = largest_allocation();
    const char *fragment = "exceed the device's largest allocation";
    oom_expect_buffer_refused(ctx, limit + 1, fragment);
    oom_expect_host_calls_refused(ctx, limit / sizeof(float) + 1, fragment);
    oom_expect_host_calls_right(ctx, 1, 4099);
    linrec_context_destroy(ctx);
}
