/*
 * The half dtypes (LINREC_F16, LINREC_BF16, LINREC_COEFFICIENTS_F32): exact conversions, the f32
 * carry, the bf16 long memory, and every bad combination with its sentence. The suites half_*
 * need a backend with half kernels; dtypes runs everywhere.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "linrec/cells.h"

static const linrec_dtype halves[] = {LINREC_F16, LINREC_BF16};

static uint16_t *bits_new(size_t count)
{
    uint16_t *bits = calloc(count, sizeof *bits);
    cr_assert(bits, "test allocation of %zu halves failed", count);
    return bits;
}

static int is_nan_bits(linrec_dtype dtype, uint16_t bits)
{
    return isnan(test_half_value(dtype, bits));
}

/* h = 1 * h0 + x with h0 = -0: every pattern of x comes back as itself (NaN as a NaN). */
Test(half_conversions, every_pattern_round_trips)
{
    linrec_context *ctx = test_context();
    for (size_t d = 0; d < 2; d++) {
        linrec_dtype dtype = halves[d];
        linrec_problem p = {dtype, LINREC_LAYOUT_TBC, 1, 1, 65536, 0};
        uint16_t *a = bits_new(65536), *x = bits_new(65536), *h0 = bits_new(65536);
        uint16_t *h = bits_new(65536);
        for (size_t i = 0; i < 65536; i++) {
            a[i] = test_half_bits(dtype, 1.0);
            x[i] = (uint16_t)i;
            h0[i] = test_half_bits(dtype, -0.0);
        }
        cr_assert_eq(linrec_scan(ctx, &p, a, x, h0, h), LINREC_OK, "%s", linrec_last_error());
        for (size_t i = 0; i < 65536; i++) {
            if (is_nan_bits(dtype, x[i]))
                cr_assert(is_nan_bits(dtype, h[i]), "%s NaN 0x%04zx became 0x%04x",
                          test_dtype_name(dtype), i, h[i]);
            else
                cr_assert_eq(h[i], x[i], "%s 0x%04zx came back as 0x%04x", test_dtype_name(dtype),
                             i, h[i]);
        }
        free(a);
        free(x);
        free(h0);
        free(h);
    }
    linrec_context_destroy(ctx);
}

/* f32 values that probe the rounding: ties both ways, the subnormal edges, overflow. */
static float probe(linrec_dtype dtype, size_t i, test_rng *rng)
{
    static const double f16_edges[] = {1 + 0x1p-11,
                                       1 + 3 * 0x1p-11,
                                       1 + 0x1p-11 + 0x1p-20,
                                       0x1p-25,
                                       0x1p-25 * (1 + 0x1p-20),
                                       3 * 0x1p-26,
                                       0x1p-24,
                                       1.5 * 0x1p-24,
                                       2.5 * 0x1p-24,
                                       0x1p-14 - 0x1p-25,
                                       0x1p-14,
                                       65504,
                                       65519.996,
                                       65520,
                                       1e30,
                                       INFINITY,
                                       -INFINITY,
                                       NAN,
                                       -0.0,
                                       0x1p-149,
                                       2049,
                                       2051};
    static const double bf16_edges[] = {
        1 + 0x1p-8, 1 + 3 * 0x1p-8, 0.999,      0.998,      0.99609375, 0x1p-126,  0x1p-133,
        0x1p-134,   3 * 0x1p-135,   0x1.fep127, 0x1.ffp127, INFINITY,   -INFINITY, NAN,
        -0.0,       0x1p-149,       257,        259};
    const double *edges = dtype == LINREC_F16 ? f16_edges : bf16_edges;
    size_t count = dtype == LINREC_F16 ? sizeof f16_edges / sizeof f16_edges[0]
                                       : sizeof bf16_edges / sizeof bf16_edges[0];
    if (i < 2 * count)
        return (float)(i % 2 ? -edges[i / 2] : edges[i / 2]);
    uint32_t bits = (uint32_t)test_below(rng, 1ull << 32);
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* With f32 coefficients, h = a * h0 + x with h0 = 1 and x = -0 is a itself, rounded once into h. */
Test(half_conversions, f32_values_round_to_nearest_even)
{
    enum { COUNT = 1 << 16 };
    linrec_context *ctx = test_context();
    test_rng rng = {42};
    float *a = calloc(COUNT, sizeof *a);
    cr_assert(a);
    for (size_t d = 0; d < 2; d++) {
        linrec_dtype dtype = halves[d];
        linrec_problem p = {dtype, LINREC_LAYOUT_BTC, 1, 1, COUNT, LINREC_COEFFICIENTS_F32};
        uint16_t *x = bits_new(COUNT), *h0 = bits_new(COUNT), *h = bits_new(COUNT);
        for (size_t i = 0; i < COUNT; i++) {
            a[i] = probe(dtype, i, &rng);
            x[i] = test_half_bits(dtype, -0.0);
            h0[i] = test_half_bits(dtype, 1.0);
        }
        cr_assert_eq(linrec_scan(ctx, &p, a, x, h0, h), LINREC_OK, "%s", linrec_last_error());
        for (size_t i = 0; i < COUNT; i++) {
            uint16_t want = test_half_bits(dtype, a[i]);
            if (isnan(a[i]))
                cr_assert(is_nan_bits(dtype, h[i]), "%s: NaN became 0x%04x", test_dtype_name(dtype),
                          h[i]);
            else
                cr_assert_eq(h[i], want, "%s: %a rounded to 0x%04x, not 0x%04x",
                             test_dtype_name(dtype), (double)a[i], h[i], want);
        }
        free(x);
        free(h0);
        free(h);
    }
    free(a);
    linrec_context_destroy(ctx);
}

/* One sequence of `steps` steps of constant a and x; returns its last h, and checks backward's
 * dx at the first step, which sums the same chain. */
static double constant_chain(linrec_context *ctx, linrec_dtype dtype, unsigned flags,
                             linrec_layout layout, size_t steps, double a_value, double x_value)
{
    linrec_problem p = {dtype, layout, 1, steps, 1, flags};
    test_array a = test_array_new(test_coefficient_dtype(&p), steps);
    test_array x = test_array_new(dtype, steps), h = test_array_new(dtype, steps);
    test_array dx = test_array_new(dtype, steps);
    for (size_t t = 0; t < steps; t++) {
        test_array_set(&a, t, a_value);
        test_array_set(&x, t, x_value);
    }
    cr_assert_eq(linrec_scan(ctx, &p, a.data, x.data, NULL, h.data), LINREC_OK, "%s",
                 linrec_last_error());
    test_array_sync(&h);
    size_t last = (flags & LINREC_REVERSE) ? 0 : steps - 1, first = steps - 1 - last;
    double result = h.values[last];
    /* dh = x: dx at the step the gradient chain ends on is the same sum. */
    cr_assert_eq(linrec_scan_backward(ctx, &p, a.data, NULL, NULL, x.data, dx.data, NULL, NULL),
                 LINREC_OK, "%s", linrec_last_error());
    test_array_sync(&dx);
    cr_assert(fabs(dx.values[first] - result) <= 1e-2 * fabs(result),
              "%s backward: dx = %g at the chain's end, forward gave %g", test_dtype_name(dtype),
              dx.values[first], result);
    test_array_free(&a);
    test_array_free(&x);
    test_array_free(&h);
    test_array_free(&dx);
    return result;
}

/* An f16 chain stalls near 0.25, where 1e-4 is under half a unit; the f32 carry reaches 2. */
Test(half_precision, the_carry_is_f32)
{
    linrec_context *ctx = test_context();
    double x16 = test_round_half(LINREC_F16, 1e-4);
    for (int layout = LINREC_LAYOUT_TBC; layout <= LINREC_LAYOUT_BCT; layout++)
        for (unsigned flags = 0; flags <= (LINREC_REVERSE | LINREC_COEFFICIENTS_F32); flags++) {
            double h =
                constant_chain(ctx, LINREC_F16, flags, (linrec_layout)layout, 20000, 1.0, 1e-4);
            cr_assert(fabs(h - 20000 * x16) < 0.01, "f16 flags 0x%x layout %d: %g, not about %g",
                      flags, layout, h, 20000 * x16);
        }
    linrec_context_destroy(ctx);
}

/* a = 0.999 rounds to 1 in bf16: a long memory becomes a plain sum unless a is f32. */
Test(half_precision, bf16_long_memory_needs_f32_coefficients)
{
    linrec_context *ctx = test_context();
    cr_assert_eq(test_round_half(LINREC_BF16, 0.999), 1.0);
    double with_f32 = constant_chain(ctx, LINREC_BF16, LINREC_COEFFICIENTS_F32, LINREC_LAYOUT_BCT,
                                     10000, 0.999, 1.0);
    double want = (1 - pow((float)0.999, 10000)) / (1 - (float)0.999);
    cr_assert(fabs(with_f32 - want) < 0.01 * want, "with f32 coefficients: %g, not about %g",
              with_f32, want);
    double plain = constant_chain(ctx, LINREC_BF16, 0, LINREC_LAYOUT_BCT, 10000, 0.999, 1.0);
    cr_assert(fabs(plain - 10000) < 100, "bf16 coefficients: %g, not the plain sum 10000", plain);
    linrec_context_destroy(ctx);
}

/* ---- What every backend checks, whether or not it has half kernels. ---- */

Test(dtypes, names_have_their_values)
{
    cr_assert_eq(LINREC_F16, 2);
    cr_assert_eq(LINREC_BF16, 3);
    cr_assert_eq(LINREC_COEFFICIENTS_F32, 0x2u);
}

Test(dtypes, bad_combinations_name_the_flag_and_dtype)
{
    linrec_context *ctx = test_context();
    expect_failure(test_scan_tiny(ctx, LINREC_F32, LINREC_COEFFICIENTS_F32),
                   LINREC_ERR_INVALID_ARGUMENT,
                   "LINREC_COEFFICIENTS_F32 is valid only with LINREC_F16 and LINREC_BF16, not "
                   "with LINREC_F32");
    expect_failure(test_scan_tiny(ctx, LINREC_F64, LINREC_COEFFICIENTS_F32 | LINREC_REVERSE),
                   LINREC_ERR_INVALID_ARGUMENT, "not with LINREC_F64");
    expect_failure(test_scan_tiny(ctx, LINREC_F16, 0x4u), LINREC_ERR_INVALID_ARGUMENT,
                   "problem flags 0x4 hold bits other than LINREC_REVERSE and "
                   "LINREC_COEFFICIENTS_F32");
    expect_failure(test_scan_tiny(ctx, LINREC_BF16, LINREC_COEFFICIENTS_F32 | 0x80u),
                   LINREC_ERR_INVALID_ARGUMENT, "problem flags 0x82");
    expect_failure(test_scan_tiny(ctx, (linrec_dtype)6, 0), LINREC_ERR_INVALID_ARGUMENT,
                   "problem dtype 6 is not LINREC_F32, _F64, _F16, _BF16, _C64 or _C128");
    linrec_context_destroy(ctx);
}

/* Overlap is judged in bytes of each array's own type: f32 a spans twice the bytes of x. */
Test(dtypes, overlap_counts_each_arrays_bytes)
{
    enum { N = 8 };
    static float memory[4 * N];
    linrec_context *ctx = test_context();
    linrec_problem p = {LINREC_F16, LINREC_LAYOUT_BCT, 1, N, 1, LINREC_COEFFICIENTS_F32};
    unsigned char *base = (unsigned char *)memory;
    unsigned char *x = base + 4 * N, *h = x + 2 * N;
    /* h inside a's 4N bytes though past its first 2N: refused. */
    expect_failure(linrec_scan(ctx, &p, base, x, NULL, base + 2 * N), LINREC_ERR_INVALID_ARGUMENT,
                   "output h overlaps");
    linrec_status status = linrec_scan(ctx, &p, base, x, NULL, h);
    cr_assert(status == LINREC_OK || status == LINREC_ERR_UNSUPPORTED, "%s", linrec_last_error());
    /* da is f32 as well: dx may not start inside its 4N bytes. a: [0, 4N), dh: [4N, 6N),
     * da: [6N, 10N), dx: [8N, 10N), h: [10N, 12N). */
    expect_failure(linrec_scan_backward(ctx, &p, base, NULL, base + 10 * N, base + 4 * N,
                                        base + 8 * N, base + 6 * N, NULL),
                   LINREC_ERR_INVALID_ARGUMENT, "overlaps");
    linrec_context_destroy(ctx);
}

/* Every backend serves the half types, or says it has no kernels for them; the suites of the
 * backends without (LINREC_TEST_NO_HALF=1, tests/CMakeLists.txt) check the refusal. */
Test(dtypes, served_or_refused_with_a_sentence)
{
    linrec_context *ctx = test_context();
    int refused = getenv("LINREC_TEST_NO_HALF") != NULL;
    for (size_t d = 0; d < 2; d++)
        for (unsigned flags = 0; flags <= LINREC_COEFFICIENTS_F32;
             flags += LINREC_COEFFICIENTS_F32) {
            if (refused)
                expect_failure(test_scan_tiny(ctx, halves[d], flags), LINREC_ERR_UNSUPPORTED,
                               "has no scan kernels for");
            else
                cr_expect_eq(test_scan_tiny(ctx, halves[d], flags), LINREC_OK, "%s",
                             linrec_last_error());
        }
    linrec_context_destroy(ctx);
}

/* Fused cells take f32 and f64 only (cells.h): not the half types, nor the complex ones. */
Test(dtypes, cells_refuse_half_and_complex_types)
{
    static double memory[4][16]; /* 8 elements of any dtype */
    static const struct {
        linrec_dtype dtype;
        const char *name;
    } refused[] = {
        {LINREC_F16, "f16"}, {LINREC_BF16, "bf16"}, {LINREC_C64, "c64"}, {LINREC_C128, "c128"}};
    linrec_context *ctx = test_context();
    linrec_cell cell = {LINREC_CELL_GILR, LINREC_ACTIVATION_TANH};
    linrec_cell_inputs in = {.f = memory[0], .z = memory[1]};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        linrec_problem p = {refused[i].dtype, LINREC_LAYOUT_TBC, 1, 4, 2, 0};
        char sentence[64];
        snprintf(sentence, sizeof sentence, "f32 and f64 only, not %s", refused[i].name);
        expect_failure(linrec_cell_forward(ctx, &cell, &p, &in, NULL, memory[2], NULL),
                       LINREC_ERR_UNSUPPORTED, sentence);
    }
    linrec_context_destroy(ctx);
}
