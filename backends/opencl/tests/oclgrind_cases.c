/*
 * Small problems that between them launch every opencl kernel on each of the plugin's plans (lanes
 * or tiles, in one chunk or split over time), for the ctest that runs them under Oclgrind
 * (run_under_oclgrind.sh), a simulated device that reports data races, out-of-bounds accesses and
 * OpenCL API misuse. Each is checked against the reference, forward and backward, in every layout,
 * both directions, f32, f64, c64 and c128.
 *
 * The shapes are sized for the device that ctest sets up: work-groups of at most 16 work-items, so
 * that the plugin builds its tile kernels for 16 (tiles of 128 f32, 64 f64 or c64, 32 c128 steps)
 * and splits a sequence over time at a thousand steps rather than sixteen thousand, which the
 * simulator would take minutes over; and 16 compute units, so that one sequence may split into up
 * to 128 chunks. Not reached at these sizes: more than LANES_BLOCK (256) steps in one lanes chunk,
 * carry_scan over more than one tile in f32, and the lanes kernels split over time in BCT (a single
 * lane of more than a tile's steps goes to the steps kernels).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

/* The context under test, which must be Oclgrind's simulator: its checks are what these cases are
 * for, and PoCL or a GPU would pass them without checking anything. */
static linrec_context *simulator_context(void)
{
    linrec_context *ctx = test_context();
    const char *device = linrec_context_device(ctx);
    cr_assert(strncmp(device, "Oclgrind / ", strlen("Oclgrind / ")) == 0,
              "these cases must run on Oclgrind's device (run_under_oclgrind.sh), not on %s: %s",
              linrec_context_backend(ctx), device);
    return ctx;
}

/* batch, steps, channels. TBC has batch*channels contiguous lanes, BTC channels, BCT one. */
static const size_t shapes[][3] = {
    /* One step: backward has no coefficient and reads h0 at once. */
    {1, 1, 1},
    /* The lanes kernels in one chunk, work-groups padded past the last sequence. */
    {3, 17, 5},
    {5, 3, 129},
    /* TBC and BTC: the lanes kernels in 2 chunks (lanes_reduce, carry_scan, lanes_scan). BCT: the
     * steps kernels in one chunk of 2 (f32) or 3 (f64) tiles, the last partial. */
    {2, 130, 33},
    /* The steps kernels in 2 (f32) or 4 (f64) chunks of 5 tiles (steps_reduce, carry_scan,
     * steps_scan), the last chunk and tile partial. */
    {2, 1100, 1},
};

static void forward_and_backward(linrec_context *ctx, const linrec_problem *p, uint64_t seed)
{
    test_case tc = test_case_new(p, seed, 1);
    test_forward(ctx, &tc, 1, 0);
    test_forward(ctx, &tc, 0, 1);
    test_backward(ctx, &tc, 1, 0, 1, 1);
    test_backward(ctx, &tc, 0, 1, 1, 0);
    test_backward(ctx, &tc, 0, 0, 0, 1);
    test_case_free(&tc);
}

static void every_shape(linrec_dtype dtype, linrec_layout layout)
{
    linrec_context *ctx = simulator_context();
    uint64_t seed = 4000 + 100 * (uint64_t)layout + 10 * (uint64_t)dtype;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
            linrec_problem p = {dtype, layout, shapes[i][0], shapes[i][1], shapes[i][2], flags};
            forward_and_backward(ctx, &p, seed++);
        }
    linrec_context_destroy(ctx);
}

#define EVERY_SHAPE_TEST(dtype, layout)                                                            \
    Test(oclgrind, dtype##_##layout)                                                               \
    {                                                                                              \
        every_shape(LINREC_##dtype, LINREC_LAYOUT_##layout);                                       \
    }

EVERY_SHAPE_TEST(F32, TBC)
EVERY_SHAPE_TEST(F32, BTC)
EVERY_SHAPE_TEST(F32, BCT)
EVERY_SHAPE_TEST(F64, TBC)
EVERY_SHAPE_TEST(F64, BTC)
EVERY_SHAPE_TEST(F64, BCT)
EVERY_SHAPE_TEST(C64, TBC)
EVERY_SHAPE_TEST(C64, BTC)
EVERY_SHAPE_TEST(C64, BCT)
EVERY_SHAPE_TEST(C128, TBC)
EVERY_SHAPE_TEST(C128, BTC)
EVERY_SHAPE_TEST(C128, BCT)

/* 70 chunks of 4 tiles: carry_scan walks 69 chunk pairs, more than its tile of 64. */
Test(oclgrind, carries_past_one_tile)
{
    linrec_context *ctx = simulator_context();
    linrec_problem p = {LINREC_F64, LINREC_LAYOUT_BCT, 1, 70 * 4 * 64, 1, 0};
    test_case tc = test_case_new(&p, 4900, 1);
    test_forward(ctx, &tc, 1, 0);
    test_backward(ctx, &tc, 1, 0, 1, 1);
    test_case_free(&tc);
    linrec_context_destroy(ctx);
}
