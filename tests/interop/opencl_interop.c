/*
 * linrec/opencl.h on a cl_context and queue that the test owns, as an application would: its own
 * cl_mem arenas holding every array at element offsets that are not multiples of 16 bytes, calls
 * enqueued back to back and synchronized once, results read with clEnqueueReadBuffer. Each result
 * must be the bits of the same call on host pointers through an ordinary opencl context, which the
 * suite checks against the reference. The shapes reach the lanes and tile kernels, each whole and
 * split into chunks, in every dtype; the queue is in order and out of order.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "interop_cases.h"
#include "linrec/opencl.h"

/* The application: device opencl:0 (the first of the first platform), its cl_context, a queue. */
typedef struct app {
    cl_context context;
    cl_command_queue queue;
} app;

static app app_new(cl_command_queue_properties properties)
{
    cl_platform_id platform;
    cl_device_id device;
    cr_assert_eq(clGetPlatformIDs(1, &platform, NULL), CL_SUCCESS);
    cr_assert_eq(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL), CL_SUCCESS);
    cl_int error = CL_SUCCESS;
    app made = {clCreateContext(NULL, 1, &device, NULL, NULL, &error), NULL};
    cr_assert_eq(error, CL_SUCCESS);
    made.queue = clCreateCommandQueue(made.context, device, properties, &error);
    cr_assert_eq(error, CL_SUCCESS, "clCreateCommandQueue: %d", error);
    return made;
}

static void app_free(app *a)
{
    cr_expect_eq(clReleaseCommandQueue(a->queue), CL_SUCCESS);
    cr_expect_eq(clReleaseContext(a->context), CL_SUCCESS);
}

static linrec_context *interop_context(const app *a)
{
    linrec_context *ctx = NULL;
    cr_assert_eq(linrec_opencl_context_create(a->queue, &ctx), LINREC_OK, "%s",
                 linrec_last_error());
    return ctx;
}

static void *arena_new(void *application, size_t bytes)
{
    const app *a = application;
    cl_int error = CL_SUCCESS;
    cl_mem memory = clCreateBuffer(a->context, CL_MEM_READ_WRITE, bytes, NULL, &error);
    cr_assert_eq(error, CL_SUCCESS);
    return memory;
}

static void arena_free(void *application, void *arena)
{
    (void)application;
    cr_expect_eq(clReleaseMemObject(arena), CL_SUCCESS);
}

static void write_arena(void *application, void *arena, size_t offset, const void *src,
                        size_t bytes)
{
    const app *a = application;
    cr_assert_eq(clEnqueueWriteBuffer(a->queue, arena, CL_FALSE, offset, bytes, src, 0, NULL, NULL),
                 CL_SUCCESS);
}

static void read_arena(void *application, void *arena, size_t offset, void *dst, size_t bytes)
{
    const app *a = application;
    cr_assert_eq(clEnqueueReadBuffer(a->queue, arena, CL_TRUE, offset, bytes, dst, 0, NULL, NULL),
                 CL_SUCCESS);
}

static linrec_buffer *wrap(linrec_context *ctx, void *arena, size_t offset, size_t bytes)
{
    linrec_buffer *buffer = NULL;
    cr_assert_eq(linrec_opencl_buffer_wrap(ctx, arena, offset, bytes, &buffer), LINREC_OK, "%s",
                 linrec_last_error());
    return buffer;
}

static interop_device device_of(app *a)
{
    return (interop_device){"opencl:0", a, arena_new, arena_free, write_arena, read_arena, wrap};
}

/* The lanes kernels (many contiguous sequences), whole and chunked, and the tile kernels (few,
 * long ones), whole and chunked; one reversed. */
static const linrec_problem shapes[] = {
    {LINREC_F32, LINREC_LAYOUT_TBC, 2, 70, 40, 0},
    {LINREC_F32, LINREC_LAYOUT_TBC, 1, 6000, 33, 0},
    {LINREC_F32, LINREC_LAYOUT_BCT, 2, 5000, 1, LINREC_REVERSE},
    {LINREC_F32, LINREC_LAYOUT_BCT, 1, 40000, 1, 0},
};

static void scan_every_shape(cl_command_queue_properties properties)
{
    app a = app_new(properties);
    interop_device d = device_of(&a);
    linrec_context *ctx = interop_context(&a);
    interop_scan_every_dtype(&d, ctx, shapes, sizeof shapes / sizeof shapes[0]);
    linrec_context_destroy(ctx);
    app_free(&a);
}

Test(opencl_interop, slices_match_host_calls_in_order)
{
    scan_every_shape(0);
}

Test(opencl_interop, slices_match_host_calls_out_of_order)
{
    scan_every_shape(CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE);
}

/* Scans return before the device runs them: with the queue held by a user event that only the
 * test completes, a scan that waited would never return (ctest's timeout), and a marker after
 * them is not complete until the event is. The second call's chunks need more scratch than the
 * first's, which grows while the first's kernels still wait to use it. */
Test(opencl_interop, scans_are_enqueued_without_waiting)
{
    app a = app_new(0);
    interop_device d = device_of(&a);
    linrec_context *ctx = interop_context(&a);
    const linrec_problem small = {LINREC_F32, LINREC_LAYOUT_BCT, 1, 40000, 1, 0};
    const linrec_problem large = {LINREC_F32, LINREC_LAYOUT_TBC, 1, 6000, 33, 0};
    test_case tc_small = test_case_new(&small, 7, 0), tc_large = test_case_new(&large, 8, 0);
    interop_answers want_small = interop_answers_of(&d, &tc_small);
    interop_answers want_large = interop_answers_of(&d, &tc_large);
    interop_placed p_small = interop_place(&d, ctx, &small, 1);
    interop_placed p_large = interop_place(&d, ctx, &large, 3);
    cl_int error = CL_SUCCESS;
    cl_event gate = clCreateUserEvent(a.context, &error);
    cr_assert_eq(error, CL_SUCCESS);
    cr_assert_eq(clEnqueueBarrierWithWaitList(a.queue, 1, &gate, NULL), CL_SUCCESS);
    interop_write(&d, &p_small, INTEROP_A, &tc_small.a);
    interop_write(&d, &p_small, INTEROP_X, &tc_small.x);
    interop_write(&d, &p_small, INTEROP_H0, &tc_small.h0);
    interop_write(&d, &p_large, INTEROP_A, &tc_large.a);
    interop_write(&d, &p_large, INTEROP_X, &tc_large.x);
    interop_write(&d, &p_large, INTEROP_H0, &tc_large.h0);
    const interop_slice *s = p_small.slices, *l = p_large.slices;
    cr_assert_eq(linrec_scan_buffers(ctx, &small, s[INTEROP_A].buffer, s[INTEROP_X].buffer,
                                     s[INTEROP_H0].buffer, s[INTEROP_H].buffer),
                 LINREC_OK, "%s", linrec_last_error());
    cr_assert_eq(linrec_scan_buffers(ctx, &large, l[INTEROP_A].buffer, l[INTEROP_X].buffer,
                                     l[INTEROP_H0].buffer, l[INTEROP_H].buffer),
                 LINREC_OK, "%s", linrec_last_error());
    cl_event done;
    cr_assert_eq(clEnqueueMarkerWithWaitList(a.queue, 0, NULL, &done), CL_SUCCESS);
    cl_int state = CL_COMPLETE;
    cr_assert_eq(
        clGetEventInfo(done, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof state, &state, NULL),
        CL_SUCCESS);
    cr_expect_neq(state, CL_COMPLETE, "the scans ran before the queue could run them");
    cr_assert_eq(clSetUserEventStatus(gate, CL_COMPLETE), CL_SUCCESS);
    cr_assert_eq(linrec_context_synchronize(ctx), LINREC_OK, "%s", linrec_last_error());
    interop_expect(&d, &p_small, INTEROP_H, &want_small.h, "the first of two enqueued scans",
                   &small);
    interop_expect(&d, &p_large, INTEROP_H, &want_large.h, "the second of two enqueued scans",
                   &large);
    cr_expect_eq(clReleaseEvent(done), CL_SUCCESS);
    cr_expect_eq(clReleaseEvent(gate), CL_SUCCESS);
    interop_placed_free(&d, &p_small);
    interop_placed_free(&d, &p_large);
    interop_answers_free(&want_small);
    interop_answers_free(&want_large);
    test_case_free(&tc_small);
    test_case_free(&tc_large);
    linrec_context_destroy(ctx);
    app_free(&a);
}

/* Host-pointer calls on an asynchronous context still return with their results. */
Test(opencl_interop, host_pointer_calls_stay_synchronous)
{
    app a = app_new(CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE);
    interop_device d = device_of(&a);
    linrec_context *ctx = interop_context(&a);
    const linrec_problem p = {LINREC_F64, LINREC_LAYOUT_BTC, 3, 500, 40, 0};
    interop_expect_host_call_synchronous(&d, ctx, &p, 9);
    linrec_context_destroy(ctx);
    app_free(&a);
}

static cl_uint references(cl_mem memory)
{
    cl_uint count = 0;
    cr_assert_eq(clGetMemObjectInfo(memory, CL_MEM_REFERENCE_COUNT, sizeof count, &count, NULL),
                 CL_SUCCESS);
    return count;
}

/* A wrapped buffer borrows: destroying it leaves the application's cl_mem and queue as they were,
 * and linrec_opencl_buffer_memory gives back where any buffer lies. */
Test(opencl_interop, wrapped_buffers_borrow)
{
    app a = app_new(0);
    linrec_context *ctx = interop_context(&a);
    cl_mem arena = arena_new(&a, 4096);
    linrec_buffer *wrapped = NULL, *made = NULL;
    cr_assert_eq(linrec_opencl_buffer_wrap(ctx, arena, 12, 100, &wrapped), LINREC_OK, "%s",
                 linrec_last_error());
    cr_expect_eq(linrec_buffer_size(wrapped), 100);
    size_t offset = 99;
    cr_expect_eq(linrec_opencl_buffer_memory(wrapped, &offset), arena);
    cr_expect_eq(offset, 12);
    const unsigned char bytes[5] = {1, 2, 3, 4, 5};
    unsigned char back[5] = {0};
    cr_assert_eq(linrec_buffer_write(wrapped, 3, bytes, 5), LINREC_OK, "%s", linrec_last_error());
    cr_assert_eq(clEnqueueReadBuffer(a.queue, arena, CL_TRUE, 15, 5, back, 0, NULL, NULL),
                 CL_SUCCESS);
    cr_expect_eq(memcmp(back, bytes, 5), 0, "linrec_buffer_write missed the wrapped slice");
    cr_assert_eq(linrec_buffer_create(ctx, 64, &made), LINREC_OK);
    cr_expect_neq(linrec_opencl_buffer_memory(made, &offset), NULL);
    cr_expect_eq(offset, 0);
    cr_expect_eq(linrec_opencl_buffer_memory(made, NULL) != NULL, 1);
    linrec_buffer_destroy(made);
    linrec_buffer_destroy(wrapped);
    linrec_context_destroy(ctx);
    cr_expect_eq(references(arena), 1, "destroying the wrapped buffer changed its cl_mem's count");
    cr_assert_eq(clEnqueueReadBuffer(a.queue, arena, CL_TRUE, 15, 5, back, 0, NULL, NULL),
                 CL_SUCCESS, "the application's queue or memory did not outlive the context");
    cr_expect_eq(clReleaseMemObject(arena), CL_SUCCESS);
    app_free(&a);
}

Test(opencl_interop, bad_handles_are_refused)
{
    app a = app_new(0), other = app_new(0);
    linrec_context *ctx = interop_context(&a), *serial = NULL, *none = (linrec_context *)1;
    cl_mem arena = arena_new(&a, 256), foreign = arena_new(&other, 256);
    linrec_buffer *buffer = (linrec_buffer *)1;
    expect_failure(linrec_opencl_context_create(NULL, &none), LINREC_ERR_INVALID_ARGUMENT,
                   "queue is NULL");
    cr_expect_eq(none, NULL);
    expect_failure(linrec_opencl_context_create(a.queue, NULL), LINREC_ERR_INVALID_ARGUMENT,
                   "output pointer");
    expect_failure(linrec_opencl_buffer_wrap(ctx, foreign, 0, 16, &buffer),
                   LINREC_ERR_INVALID_ARGUMENT, "another cl_context");
    cr_expect_eq(buffer, NULL);
    expect_failure(linrec_opencl_buffer_wrap(ctx, arena, 200, 57, &buffer),
                   LINREC_ERR_INVALID_ARGUMENT, "cannot wrap 57 bytes at offset 200");
    expect_failure(linrec_opencl_buffer_wrap(ctx, arena, SIZE_MAX, 2, &buffer),
                   LINREC_ERR_INVALID_ARGUMENT, "cannot wrap");
    expect_failure(linrec_opencl_buffer_wrap(ctx, arena, 0, 0, &buffer),
                   LINREC_ERR_INVALID_ARGUMENT, "0 bytes");
    expect_failure(linrec_opencl_buffer_wrap(ctx, NULL, 0, 16, &buffer),
                   LINREC_ERR_INVALID_ARGUMENT, "NULL");
    expect_failure(linrec_opencl_buffer_wrap(NULL, arena, 0, 16, &buffer),
                   LINREC_ERR_INVALID_ARGUMENT, "context is NULL");
    expect_failure(linrec_opencl_buffer_wrap(ctx, arena, 0, 16, NULL), LINREC_ERR_INVALID_ARGUMENT,
                   "output pointer");
    cr_assert_eq(linrec_context_create("serial", &serial), LINREC_OK);
    expect_failure(linrec_opencl_buffer_wrap(serial, arena, 0, 16, &buffer),
                   LINREC_ERR_BACKEND_MISMATCH, "serial");
    linrec_buffer *host = NULL;
    cr_assert_eq(linrec_buffer_create(serial, 16, &host), LINREC_OK);
    size_t offset = 5;
    cr_expect_eq(linrec_opencl_buffer_memory(host, &offset), NULL);
    cr_expect_eq(offset, 0);
    cr_expect_eq(linrec_opencl_buffer_memory(NULL, NULL), NULL);
    cr_expect_eq(linrec_context_synchronize(serial), LINREC_OK);
    expect_failure(linrec_context_synchronize(NULL), LINREC_ERR_INVALID_ARGUMENT, "NULL");

    /* A slice that does not start at an element of the array it is given as. */
    const linrec_problem p = {LINREC_F32, LINREC_LAYOUT_TBC, 1, 4, 2, 0};
    linrec_buffer *odd = NULL, *coefficients = NULL, *out = NULL;
    cr_assert_eq(linrec_opencl_buffer_wrap(ctx, arena, 2, 32, &odd), LINREC_OK);
    cr_assert_eq(linrec_opencl_buffer_wrap(ctx, arena, 64, 32, &coefficients), LINREC_OK);
    cr_assert_eq(linrec_opencl_buffer_wrap(ctx, arena, 128, 32, &out), LINREC_OK);
    expect_failure(linrec_scan_buffers(ctx, &p, coefficients, odd, NULL, out),
                   LINREC_ERR_INVALID_ARGUMENT, "buffer x starts at byte 2");
    cr_expect_eq(linrec_context_synchronize(ctx), LINREC_OK, "%s", linrec_last_error());

    linrec_buffer_destroy(odd);
    linrec_buffer_destroy(coefficients);
    linrec_buffer_destroy(out);
    linrec_buffer_destroy(host);
    linrec_context_destroy(serial);
    linrec_context_destroy(ctx);
    cr_expect_eq(clReleaseMemObject(arena), CL_SUCCESS);
    cr_expect_eq(clReleaseMemObject(foreign), CL_SUCCESS);
    app_free(&a);
    app_free(&other);
}
