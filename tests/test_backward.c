/* Backward scans against the reference: every dtype, layout, direction, optional output, in place.
 */
#include <criterion/criterion.h>

#include "harness.h"

static const size_t shapes[][3] = {
    {1, 1, 1},   {1, 2, 1},    {3, 17, 5},  {2, 257, 3},
    {4, 31, 64}, {1, 4099, 7}, {5, 3, 129}, {1, 65537, 1},
};

static void backward_all_variants(linrec_dtype dtype, linrec_layout layout)
{
    linrec_context *ctx = test_context();
    uint64_t seed = 2000 * (uint64_t)layout + 10 * (uint64_t)dtype;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
            linrec_problem p = {dtype, layout, shapes[i][0], shapes[i][1], shapes[i][2], flags};
            test_case tc = test_case_new(&p, seed++, (int)(i & 1));
            for (int variant = 0; variant < 16; variant++)
                test_backward(ctx, &tc, variant & 1, (variant >> 1) & 1, (variant >> 2) & 1,
                              (variant >> 3) & 1);
            test_case_free(&tc);
        }
    linrec_context_destroy(ctx);
}

#define BACKWARD_TEST(dtype, layout)                                                               \
    Test(backward, dtype##_##layout)                                                               \
    {                                                                                              \
        backward_all_variants(LINREC_##dtype, LINREC_LAYOUT_##layout);                             \
    }

BACKWARD_TEST(F32, TBC)
BACKWARD_TEST(F32, BTC)
BACKWARD_TEST(F32, BCT)
BACKWARD_TEST(F64, TBC)
BACKWARD_TEST(F64, BTC)
BACKWARD_TEST(F64, BCT)
