/* Forward scans against the reference over every dtype, layout, direction, h0 and in-place. */
#include <criterion/criterion.h>

#include "harness.h"

static const size_t shapes[][3] = {
    /* batch, steps, channels: odd, prime and power-of-two lengths, few and many sequences */
    {1, 1, 1},    {1, 2, 1},   {3, 17, 5},   {2, 257, 3},  {1, 1000, 1}, {4, 31, 64},
    {1, 4099, 7}, {5, 3, 129}, {2, 1024, 1}, {1, 8191, 2}, {7, 101, 13}, {1, 65537, 1},
};

/* `extra` is 0 or LINREC_COEFFICIENTS_F32, beside both directions. */
static void forward_all_variants(linrec_dtype dtype, linrec_layout layout, int smooth,
                                 unsigned extra)
{
    linrec_context *ctx = test_context();
    uint64_t seed = 1000 * (uint64_t)layout + 10 * (uint64_t)dtype + (uint64_t)smooth + extra;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (unsigned reverse = 0; reverse <= LINREC_REVERSE; reverse++) {
            linrec_problem p = {dtype,        layout,       shapes[i][0],
                                shapes[i][1], shapes[i][2], reverse | extra};
            test_case tc = test_case_new(&p, seed++, smooth);
            for (int with_h0 = 0; with_h0 <= 1; with_h0++)
                for (int in_place = 0; in_place <= 1; in_place++)
                    test_forward(ctx, &tc, with_h0, in_place);
            test_case_free(&tc);
        }
    linrec_context_destroy(ctx);
}

#define FORWARD_TEST(suite, dtype, layout, extra)                                                  \
    Test(suite, dtype##_##layout)                                                                  \
    {                                                                                              \
        forward_all_variants(LINREC_##dtype, LINREC_LAYOUT_##layout, 0, extra);                    \
        forward_all_variants(LINREC_##dtype, LINREC_LAYOUT_##layout, 1, extra);                    \
    }

FORWARD_TEST(forward, F32, TBC, 0)
FORWARD_TEST(forward, F32, BTC, 0)
FORWARD_TEST(forward, F32, BCT, 0)
FORWARD_TEST(forward, F64, TBC, 0)
FORWARD_TEST(forward, F64, BTC, 0)
FORWARD_TEST(forward, F64, BCT, 0)
/* The half types, in suites of their own (half_*) so that a backend without them can leave them
 * out by name until it has them. */
FORWARD_TEST(half_forward, F16, TBC, 0)
FORWARD_TEST(half_forward, F16, BTC, 0)
FORWARD_TEST(half_forward, F16, BCT, 0)
FORWARD_TEST(half_forward, BF16, TBC, 0)
FORWARD_TEST(half_forward, BF16, BTC, 0)
FORWARD_TEST(half_forward, BF16, BCT, 0)
FORWARD_TEST(half_forward_a32, F16, TBC, LINREC_COEFFICIENTS_F32)
FORWARD_TEST(half_forward_a32, F16, BCT, LINREC_COEFFICIENTS_F32)
FORWARD_TEST(half_forward_a32, BF16, BTC, LINREC_COEFFICIENTS_F32)
FORWARD_TEST(half_forward_a32, BF16, BCT, LINREC_COEFFICIENTS_F32)
/* The complex types, in suites of their own (complex_*) likewise. */
FORWARD_TEST(complex_forward, C64, TBC, 0)
FORWARD_TEST(complex_forward, C64, BTC, 0)
FORWARD_TEST(complex_forward, C64, BCT, 0)
FORWARD_TEST(complex_forward, C128, TBC, 0)
FORWARD_TEST(complex_forward, C128, BTC, 0)
FORWARD_TEST(complex_forward, C128, BCT, 0)

/* One sequence of more than 2^20 steps: what the parallel-over-time kernels exist for. */
static void one_long_sequence(linrec_dtype dtype, linrec_layout layout, unsigned flags)
{
    linrec_context *ctx = test_context();
    linrec_problem p = {dtype, layout, 1, (1u << 20) + 3, 1, flags};
    test_case tc = test_case_new(&p, 77 + layout + flags, 1);
    test_forward(ctx, &tc, 1, 0);
    test_backward(ctx, &tc, 1, 0, 1, 1);
    test_case_free(&tc);
    linrec_context_destroy(ctx);
}

Test(long_sequence, f32_forward_and_backward)
{
    for (int layout = LINREC_LAYOUT_TBC; layout <= LINREC_LAYOUT_BCT; layout++)
        for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++)
            one_long_sequence(LINREC_F32, (linrec_layout)layout, flags);
}

Test(long_sequence, f64_forward_and_backward)
{
    one_long_sequence(LINREC_F64, LINREC_LAYOUT_TBC, 0);
    one_long_sequence(LINREC_F64, LINREC_LAYOUT_BCT, LINREC_REVERSE);
}

Test(half_long_sequence, forward_and_backward)
{
    one_long_sequence(LINREC_F16, LINREC_LAYOUT_TBC, 0);
    one_long_sequence(LINREC_BF16, LINREC_LAYOUT_BCT, LINREC_REVERSE);
    one_long_sequence(LINREC_F16, LINREC_LAYOUT_BTC, LINREC_REVERSE | LINREC_COEFFICIENTS_F32);
    one_long_sequence(LINREC_BF16, LINREC_LAYOUT_BCT, LINREC_COEFFICIENTS_F32);
}

Test(complex_long_sequence, forward_and_backward)
{
    one_long_sequence(LINREC_C64, LINREC_LAYOUT_TBC, 0);
    one_long_sequence(LINREC_C128, LINREC_LAYOUT_BCT, LINREC_REVERSE);
}

/* Few long sequences beside many channels: the shapes where backends switch strategy. */
Test(forward, mixed_shapes)
{
    static const size_t mixed[][3] = {{2, 70001, 3}, {1, 20000, 33}, {3, 5000, 200}, {64, 9, 300}};
    linrec_context *ctx = test_context();
    for (size_t i = 0; i < sizeof mixed / sizeof mixed[0]; i++)
        for (int layout = LINREC_LAYOUT_TBC; layout <= LINREC_LAYOUT_BCT; layout++) {
            linrec_problem p = {LINREC_F32,  (linrec_layout)layout, mixed[i][0],
                                mixed[i][1], mixed[i][2],           (unsigned)i & LINREC_REVERSE};
            test_case tc = test_case_new(&p, 500 + i * 3 + (size_t)layout, 0);
            test_forward(ctx, &tc, 1, 0);
            test_backward(ctx, &tc, 1, 0, 1, 1);
            test_case_free(&tc);
        }
    linrec_context_destroy(ctx);
}
