/* Device-resident buffers: round trips, scans on buffers matching host scans bit for bit, lifetime.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

static linrec_buffer *buffer_from(linrec_context *ctx, const test_array *array)
{
    size_t bytes = array->count * test_element_size(array->dtype);
    linrec_buffer *buffer = NULL;
    cr_assert_eq(linrec_buffer_create(ctx, bytes, &buffer), LINREC_OK, "%s", linrec_last_error());
    cr_assert_eq(linrec_buffer_write(buffer, 0, array->data, bytes), LINREC_OK, "%s",
                 linrec_last_error());
    return buffer;
}

static void expect_buffer_equals(const linrec_buffer *buffer, const test_array *array,
                                 const char *what, const linrec_problem *p)
{
    size_t bytes = array->count * test_element_size(array->dtype);
    test_array copy = test_array_new(array->dtype, array->count);
    cr_assert_eq(linrec_buffer_read(buffer, 0, copy.data, bytes), LINREC_OK, "%s",
                 linrec_last_error());
    cr_expect_eq(memcmp(copy.data, array->data, bytes), 0,
                 "%s on buffers differs from the host-pointer call on %s", what, test_describe(p));
    test_array_free(&copy);
}

Test(buffers, write_and_read_at_offsets)
{
    linrec_context *ctx = test_context();
    linrec_buffer *buffer = NULL;
    cr_assert_eq(linrec_buffer_create(ctx, 1000, &buffer), LINREC_OK);
    cr_expect_eq(linrec_buffer_size(buffer), 1000);
    unsigned char in[1000], out[1000];
    for (int i = 0; i < 1000; i++)
        in[i] = (unsigned char)(i * 7 + 3);
    cr_assert_eq(linrec_buffer_write(buffer, 0, in, 1000), LINREC_OK);
    cr_assert_eq(linrec_buffer_write(buffer, 997, in, 3), LINREC_OK);
    cr_assert_eq(linrec_buffer_read(buffer, 0, out, 1000), LINREC_OK);
    cr_expect_eq(memcmp(out, in, 997), 0);
    cr_expect_eq(memcmp(out + 997, in, 3), 0);
    cr_assert_eq(linrec_buffer_read(buffer, 500, out, 10), LINREC_OK);
    cr_expect_eq(memcmp(out, in + 500, 10), 0);
    cr_expect_eq(linrec_buffer_read(buffer, 1000, out, 0), LINREC_OK);
    linrec_buffer_destroy(buffer);
    linrec_buffer_destroy(NULL);
    cr_expect_eq(linrec_buffer_size(NULL), 0);
    linrec_context_destroy(ctx);
}

static void buffers_match_host(linrec_context *ctx, linrec_problem p, int in_place)
{
    test_case tc = test_case_new(&p, 600 + p.layout, 0);
    size_t n = test_elements(&p), s = test_states(&p);
    linrec_buffer *a = buffer_from(ctx, &tc.a), *x = buffer_from(ctx, &tc.x);
    linrec_buffer *h0 = buffer_from(ctx, &tc.h0), *h = buffer_from(ctx, &tc.h);
    linrec_buffer *dh = buffer_from(ctx, &tc.dh);

    test_array out = test_array_new(p.dtype, n);
    cr_assert_eq(linrec_scan(ctx, &p, tc.a.data, tc.x.data, tc.h0.data, out.data), LINREC_OK);
    linrec_buffer *h_out = in_place ? x : h;
    cr_assert_eq(linrec_scan_buffers(ctx, &p, a, x, h0, h_out), LINREC_OK, "%s",
                 linrec_last_error());
    expect_buffer_equals(h_out, &out, "forward", &p);

    test_array dx = test_array_new(p.dtype, n), da = test_array_new(p.dtype, n);
    test_array dh0 = test_array_new(p.dtype, s);
    cr_assert_eq(linrec_scan_backward(ctx, &p, tc.a.data, tc.h0.data, tc.h.data, tc.dh.data,
                                      dx.data, da.data, dh0.data),
                 LINREC_OK);
    linrec_buffer *b_dx = buffer_from(ctx, &tc.dh), *b_da = buffer_from(ctx, &tc.dh);
    linrec_buffer *b_dh0 = buffer_from(ctx, &tc.h0);
    cr_assert_eq(linrec_buffer_write(h, 0, tc.h.data, n * test_element_size(p.dtype)), LINREC_OK);
    if (in_place) {
        linrec_buffer_destroy(b_dx);
        b_dx = dh;
    }
    cr_assert_eq(linrec_scan_backward_buffers(ctx, &p, a, h0, h, dh, b_dx, b_da, b_dh0), LINREC_OK,
                 "%s", linrec_last_error());
    expect_buffer_equals(b_dx, &dx, "backward dx", &p);
    expect_buffer_equals(b_da, &da, "backward da", &p);
    expect_buffer_equals(b_dh0, &dh0, "backward dh0", &p);

    if (b_dx != dh)
        linrec_buffer_destroy(b_dx);
    linrec_buffer *all[] = {a, x, h0, h, dh, b_da, b_dh0};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        linrec_buffer_destroy(all[i]);
    test_array_free(&out);
    test_array_free(&dx);
    test_array_free(&da);
    test_array_free(&dh0);
    test_case_free(&tc);
}

Test(buffers, scans_on_buffers_equal_scans_on_host_memory)
{
    linrec_context *ctx = test_context();
    for (int layout = LINREC_LAYOUT_TBC; layout <= LINREC_LAYOUT_BCT; layout++)
        for (int in_place = 0; in_place <= 1; in_place++) {
            buffers_match_host(
                ctx,
                (linrec_problem){LINREC_F32, (linrec_layout)layout, 3, 1001, 9, (unsigned)in_place},
                in_place);
            buffers_match_host(
                ctx, (linrec_problem){LINREC_F64, (linrec_layout)layout, 1, 70001, 1, 0}, in_place);
        }
    linrec_context_destroy(ctx);
}

Test(buffers, outlive_their_context_handle)
{
    linrec_context *ctx = test_context();
    linrec_buffer *buffer = NULL;
    cr_assert_eq(linrec_buffer_create(ctx, 64, &buffer), LINREC_OK);
    linrec_context_destroy(ctx);
    float data[16] = {1, 2, 3};
    float back[16] = {0};
    cr_expect_eq(linrec_buffer_write(buffer, 0, data, sizeof data), LINREC_OK);
    cr_expect_eq(linrec_buffer_read(buffer, 0, back, sizeof back), LINREC_OK);
    cr_expect_eq(memcmp(data, back, sizeof data), 0);
    linrec_buffer_destroy(buffer);
}
