/* Every bad input returns its status and a sentence naming the problem; nothing crashes. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"

enum { B = 2, T = 5, C = 3, N = B * T * C };

static const linrec_problem good = {LINREC_F32, LINREC_LAYOUT_TBC, B, T, C, 0};

Test(errors, null_context_problem_and_arrays)
{
    linrec_context *ctx = test_context();
    float a[N] = {0}, x[N] = {0}, h[N], dh[N] = {0}, dx[N], da[N];
    expect_failure(linrec_scan(NULL, &good, a, x, NULL, h), LINREC_ERR_INVALID_ARGUMENT, "context");
    expect_failure(linrec_scan(ctx, NULL, a, x, NULL, h), LINREC_ERR_INVALID_ARGUMENT, "problem");
    expect_failure(linrec_scan(ctx, &good, NULL, x, NULL, h), LINREC_ERR_INVALID_ARGUMENT,
                   "a is NULL");
    expect_failure(linrec_scan(ctx, &good, a, NULL, NULL, h), LINREC_ERR_INVALID_ARGUMENT,
                   "x is NULL");
    expect_failure(linrec_scan(ctx, &good, a, x, NULL, NULL), LINREC_ERR_INVALID_ARGUMENT,
                   "h is NULL");
    expect_failure(linrec_scan_backward(NULL, &good, a, NULL, h, dh, dx, da, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "context");
    expect_failure(linrec_scan_backward(ctx, &good, NULL, NULL, h, dh, dx, NULL, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "a is NULL");
    expect_failure(linrec_scan_backward(ctx, &good, a, NULL, h, NULL, dx, NULL, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "dh is NULL");
    expect_failure(linrec_scan_backward(ctx, &good, a, NULL, h, dh, NULL, NULL, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "dx is NULL");
    expect_failure(linrec_scan_backward(ctx, &good, a, NULL, NULL, dh, dx, da, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "h (needed because da is requested)");
    cr_expect_eq(linrec_scan_backward(ctx, &good, a, NULL, NULL, dh, dx, NULL, NULL), LINREC_OK,
                 "h may be NULL when da is: %s", linrec_last_error());
    linrec_context_destroy(ctx);
}

Test(errors, bad_enums_flags_and_sizes)
{
    linrec_context *ctx = test_context();
    float a[N] = {0}, x[N] = {0}, h[N];
    linrec_problem p = good;
    p.dtype = (linrec_dtype)7;
    expect_failure(linrec_scan(ctx, &p, a, x, NULL, h), LINREC_ERR_INVALID_ARGUMENT, "dtype");
    p = good;
    p.layout = (linrec_layout)-1;
    expect_failure(linrec_scan(ctx, &p, a, x, NULL, h), LINREC_ERR_INVALID_ARGUMENT, "layout");
    p = good;
    p.flags = 0x6;
    expect_failure(linrec_scan(ctx, &p, a, x, NULL, h), LINREC_ERR_INVALID_ARGUMENT, "flags");
    expect_failure(linrec_scan_backward(ctx, &p, a, NULL, NULL, x, h, NULL, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "flags");
    p = good;
    p.steps = SIZE_MAX / 2;
    expect_failure(linrec_scan(ctx, &p, a, x, NULL, h), LINREC_ERR_INVALID_ARGUMENT, "overflow");
    p = good;
    p.batch = SIZE_MAX / 4 + 1;
    p.channels = 1;
    p.steps = 1;
    expect_failure(linrec_scan(ctx, &p, a, x, NULL, h), LINREC_ERR_INVALID_ARGUMENT, "overflow");
    p.dtype = LINREC_F64;
    p.batch = SIZE_MAX / 8 + 1;
    expect_failure(linrec_scan(ctx, &p, a, x, NULL, h), LINREC_ERR_INVALID_ARGUMENT, "overflow");
    p = good;
    p.channels = 0;
    p.flags = 0x80;
    expect_failure(linrec_scan(ctx, &p, NULL, NULL, NULL, NULL), LINREC_ERR_INVALID_ARGUMENT,
                   "flags");
    linrec_context_destroy(ctx);
}

Test(errors, overlapping_outputs)
{
    linrec_context *ctx = test_context();
    static float pool[8 * N];
    float *a = pool, *x = pool + N, *h0 = pool + 2 * N, *h = pool + 3 * N, *dh = pool + 4 * N;
    float *dx = pool + 5 * N, *da = pool + 6 * N, *dh0 = pool + 7 * N;
    expect_failure(linrec_scan(ctx, &good, a, x, NULL, x + 1), LINREC_ERR_INVALID_ARGUMENT,
                   "output h overlaps input x");
    expect_failure(linrec_scan(ctx, &good, a, x, NULL, a), LINREC_ERR_INVALID_ARGUMENT,
                   "output h overlaps input a");
    expect_failure(linrec_scan(ctx, &good, a, x, h, h + 3), LINREC_ERR_INVALID_ARGUMENT,
                   "output h overlaps input h0");
    cr_expect_eq(linrec_scan(ctx, &good, a, x, h0, x), LINREC_OK, "h == x is allowed: %s",
                 linrec_last_error());
    expect_failure(linrec_scan_backward(ctx, &good, a, h0, h, dh, dh + 2, NULL, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "output dx overlaps input dh");
    expect_failure(linrec_scan_backward(ctx, &good, a, h0, h, dh, h, NULL, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "output dx overlaps input h");
    expect_failure(linrec_scan_backward(ctx, &good, a, h0, h, dh, dx, dx, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "output dx overlaps output da");
    expect_failure(linrec_scan_backward(ctx, &good, a, h0, h, dh, dx, da, a + 1),
                   LINREC_ERR_INVALID_ARGUMENT, "output dh0 overlaps input a");
    expect_failure(linrec_scan_backward(ctx, &good, a, h0, h, dh, dx, da, da + N - 1),
                   LINREC_ERR_INVALID_ARGUMENT, "output da overlaps output dh0");
    cr_expect_eq(linrec_scan_backward(ctx, &good, a, h0, h, dh, dh, da, dh0), LINREC_OK,
                 "dx == dh is allowed: %s", linrec_last_error());
    linrec_context_destroy(ctx);
}

Test(errors, buffers_out_of_range_and_of_other_contexts)
{
    linrec_context *ctx = test_context(), *other = test_context();
    size_t bytes = N * sizeof(float);
    linrec_buffer *a, *x, *h, *small, *foreign;
    cr_assert_eq(linrec_buffer_create(ctx, bytes, &a), LINREC_OK);
    cr_assert_eq(linrec_buffer_create(ctx, bytes, &x), LINREC_OK);
    cr_assert_eq(linrec_buffer_create(ctx, bytes, &h), LINREC_OK);
    cr_assert_eq(linrec_buffer_create(ctx, bytes - 4, &small), LINREC_OK);
    cr_assert_eq(linrec_buffer_create(other, bytes, &foreign), LINREC_OK);
    float host[N] = {0};
    linrec_buffer *none = (linrec_buffer *)1;
    expect_failure(linrec_buffer_create(ctx, 0, &none), LINREC_ERR_INVALID_ARGUMENT, "0 bytes");
    cr_expect_null(none, "a failed create leaves *out NULL");
    expect_failure(linrec_buffer_create(NULL, 8, &none), LINREC_ERR_INVALID_ARGUMENT, "context");
    expect_failure(linrec_buffer_create(ctx, 8, NULL), LINREC_ERR_INVALID_ARGUMENT, "output");
    expect_failure(linrec_buffer_write(a, 1, host, bytes), LINREC_ERR_INVALID_ARGUMENT, "offset 1");
    expect_failure(linrec_buffer_write(a, SIZE_MAX, host, 2), LINREC_ERR_INVALID_ARGUMENT,
                   "offset");
    expect_failure(linrec_buffer_read(a, bytes + 1, host, 0), LINREC_ERR_INVALID_ARGUMENT,
                   "offset");
    expect_failure(linrec_buffer_read(a, 0, NULL, 4), LINREC_ERR_INVALID_ARGUMENT, "NULL");
    expect_failure(linrec_buffer_read(NULL, 0, host, 4), LINREC_ERR_INVALID_ARGUMENT,
                   "NULL buffer");
    expect_failure(linrec_scan_buffers(ctx, &good, a, small, NULL, h), LINREC_ERR_INVALID_ARGUMENT,
                   "buffer x holds");
    cr_expect_eq(linrec_scan_buffers(ctx, &good, a, x, small, h), LINREC_OK,
                 "an h0 buffer needs only batch*channels elements: %s", linrec_last_error());
    expect_failure(linrec_scan_buffers(ctx, &good, a, foreign, NULL, h),
                   LINREC_ERR_BACKEND_MISMATCH, "another context");
    expect_failure(linrec_scan_buffers(ctx, &good, a, x, NULL, a), LINREC_ERR_INVALID_ARGUMENT,
                   "output h overlaps input a");
    expect_failure(linrec_scan_buffers(ctx, &good, a, NULL, NULL, h), LINREC_ERR_INVALID_ARGUMENT,
                   "x is NULL");
    cr_expect_eq(linrec_scan_buffers(ctx, &good, a, x, NULL, x), LINREC_OK, "h == x: %s",
                 linrec_last_error());
    expect_failure(linrec_scan_backward_buffers(ctx, &good, a, NULL, h, x, x, h, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "output da overlaps input h");
    expect_failure(linrec_scan_backward_buffers(ctx, &good, a, NULL, h, x, small, NULL, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "buffer dx holds");
    expect_failure(linrec_scan_backward_buffers(other, &good, a, NULL, h, x, x, NULL, NULL),
                   LINREC_ERR_BACKEND_MISMATCH, "another context");
    linrec_buffer *all[] = {a, x, h, small, foreign};
    for (size_t i = 0; i < 5; i++)
        linrec_buffer_destroy(all[i]);
    linrec_context_destroy(other);
    linrec_context_destroy(ctx);
}
