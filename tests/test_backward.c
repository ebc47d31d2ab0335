/* Backward scans against the reference: every dtype, layout, direction, optional output, in place.
 */
#include <criterion/criterion.h>

#include "harness.h"

static const size_t shapes[][3] = {
    {1, 1, 1},   {1, 2, 1},    {3, 17, 5},  {2, 257, 3},
    {4, 31, 64}, {1, 4099, 7}, {5, 3, 129}, {1, 65537, 1},
};

/* `extra` is 0 or LINREC_COEFFICIENTS_F32, beside both directions. */
static void backward_all_variants(linrec_dtype dtype, linrec_layout layout, unsigned extra)
{
    linrec_context *ctx = test_context();
    uint64_t seed = 2000 * (uint64_t)layout + 10 * (uint64_t)dtype + extra;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (unsigned reverse = 0; reverse <= LINREC_REVERSE; reverse++) {
            linrec_problem p = {dtype,        layout,       shapes[i][0],
                                shapes[i][1], shapes[i][2], reverse | extra};
            test_case tc = test_case_new(&p, seed++, (int)(i & 1));
            for (int variant = 0; variant < 16; variant++)
                test_backward(ctx, &tc, variant & 1, (variant >> 1) & 1, (variant >> 2) & 1,
                              (variant >> 3) & 1);
            test_case_free(&tc);
        }
    linrec_context_destroy(ctx);
}

#define BACKWARD_TEST(suite, dtype, layout, extra)                                                 \
    Test(suite, dtype##_##layout)                                                                  \
    {                                                                                              \
        backward_all_variants(LINREC_##dtype, LINREC_LAYOUT_##layout, extra);                      \
    }

BACKWARD_TEST(backward, F32, TBC, 0)
BACKWARD_TEST(backward, F32, BTC, 0)
BACKWARD_TEST(backward, F32, BCT, 0)
BACKWARD_TEST(backward, F64, TBC, 0)
BACKWARD_TEST(backward, F64, BTC, 0)
BACKWARD_TEST(backward, F64, BCT, 0)
BACKWARD_TEST(half_backward, F16, TBC, 0)
BACKWARD_TEST(half_backward, F16, BTC, 0)
BACKWARD_TEST(half_backward, F16, BCT, 0)
BACKWARD_TEST(half_backward, BF16, TBC, 0)
BACKWARD_TEST(half_backward, BF16, BTC, 0)
BACKWARD_TEST(half_backward, BF16, BCT, 0)
BACKWARD_TEST(half_backward_a32, F16, BTC, LINREC_COEFFICIENTS_F32)
BACKWARD_TEST(half_backward_a32, F16, BCT, LINREC_COEFFICIENTS_F32)
BACKWARD_TEST(half_backward_a32, BF16, TBC, LINREC_COEFFICIENTS_F32)
BACKWARD_TEST(half_backward_a32, BF16, BCT, LINREC_COEFFICIENTS_F32)
/* The complex types, in suites of their own (complex_*) likewise. */
BACKWARD_TEST(complex_backward, C64, TBC, 0)
BACKWARD_TEST(complex_backward, C64, BTC, 0)
BACKWARD_TEST(complex_backward, C64, BCT, 0)
BACKWARD_TEST(complex_backward, C128, TBC, 0)
BACKWARD_TEST(complex_backward, C128, BTC, 0)
BACKWARD_TEST(complex_backward, C128, BCT, 0)
