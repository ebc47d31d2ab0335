/*
 * The complex dtypes (LINREC_C64, LINREC_C128) beyond the reference suites of test_forward.c and
 * test_backward.c: gradients against central differences of a real loss, a long undamped
 * oscillator against its closed form, and every bad input with its sentence. The suites complex_*
 * need a backend with complex kernels; dtypes runs everywhere.
 */
#include <complex.h>
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* L = sum over t of Re(conj(w_t) * h_t), whose gradient with respect to h is w (linrec.h's
 * convention: dL/dRe + i dL/dIm). */
static double loss(linrec_context *ctx, const test_case *tc, const test_array *x,
                   const test_array *a, const test_array *h0, const test_array *w)
{
    const linrec_problem *p = &tc->problem;
    size_t n = test_elements(p);
    test_array h = test_array_new(p->dtype, n);
    cr_assert_eq(linrec_scan(ctx, p, a->data, x->data, h0->data, h.data), LINREC_OK, "%s",
                 linrec_last_error());
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += creal(conj(test_array_get_complex(w, i)) * test_array_get_complex(&h, i));
    test_array_free(&h);
    return sum;
}

/* Each part (real, imaginary) of each element of `wrt`, moved by +-delta: the central difference
 * of the loss must match that part of the library's gradient. */
static void expect_gradient(linrec_context *ctx, const test_case *tc, test_array *wrt,
                            const test_array *gradient, const char *name)
{
    const double delta = 1e-6;
    const test_array *x = &tc->x, *a = &tc->a, *h0 = &tc->h0, *w = &tc->dh;
    for (size_t i = 0; i < wrt->count; i++)
        for (int part = 0; part < 2; part++) {
            double _Complex original = test_array_get_complex(wrt, i);
            double _Complex step = part ? I * delta : delta;
            test_array_set_complex(wrt, i, original + step);
            double up = loss(ctx, tc, x, a, h0, w);
            test_array_set_complex(wrt, i, original - step);
            double down = loss(ctx, tc, x, a, h0, w);
            test_array_set_complex(wrt, i, original);
            double numeric = (up - down) / (2 * delta);
            double _Complex analytic = test_array_get_complex(gradient, i);
            double want = part ? cimag(analytic) : creal(analytic);
            cr_expect(fabs(numeric - want) < 1e-7 * (1 + fabs(want)),
                      "%s on %s: d L / d %s(%s[%zu]) is %.12g by central differences, %.12g from "
                      "linrec_scan_backward",
                      name, test_describe(&tc->problem), part ? "Im" : "Re", name, i, numeric,
                      want);
        }
}

Test(complex_backward, matches_central_differences_of_a_real_loss)
{
    linrec_context *ctx = test_context();
    for (int layout = LINREC_LAYOUT_TBC; layout <= LINREC_LAYOUT_BCT; layout++)
        for (unsigned reverse = 0; reverse <= LINREC_REVERSE; reverse++) {
            linrec_problem p = {LINREC_C128, (linrec_layout)layout, 2, 7, 3, reverse};
            test_case tc = test_case_new(&p, 4100 + (uint64_t)layout * 2 + reverse, 0);
            size_t n = test_elements(&p), s = test_states(&p);
            test_array dx = test_array_new(p.dtype, n), da = test_array_new(p.dtype, n);
            test_array dh0 = test_array_new(p.dtype, s), h = test_array_new(p.dtype, n);
            cr_assert_eq(linrec_scan(ctx, &p, tc.a.data, tc.x.data, tc.h0.data, h.data), LINREC_OK,
                         "%s", linrec_last_error());
            cr_assert_eq(linrec_scan_backward(ctx, &p, tc.a.data, tc.h0.data, h.data, tc.dh.data,
                                              dx.data, da.data, dh0.data),
                         LINREC_OK, "%s", linrec_last_error());
            expect_gradient(ctx, &tc, &tc.x, &dx, "x");
            expect_gradient(ctx, &tc, &tc.a, &da, "a");
            expect_gradient(ctx, &tc, &tc.h0, &dh0, "h0");
            test_array_free(&dx);
            test_array_free(&da);
            test_array_free(&dh0);
            test_array_free(&h);
            test_case_free(&tc);
        }
    linrec_context_destroy(ctx);
}

/*
 * a = r e^{i theta} at every step and x an impulse at the first: h_t = a^t, which is
 * r^t e^{i t theta} for the stored a's own modulus r and argument theta (long double from the
 * stored value). Each step may add a few epsilons of relative error, so the bound grows with t:
 * |h_t - a^t| <= 8 (t + 1) epsilon r^t, whatever the order in which a backend multiplies.
 */
static void oscillator(linrec_dtype dtype, linrec_layout layout, size_t steps, double r,
                       double theta, unsigned flags)
{
    linrec_context *ctx = test_context();
    linrec_problem p = {dtype, layout, 1, steps, 1, flags};
    test_array a = test_array_new(dtype, steps), x = test_array_new(dtype, steps);
    test_array h = test_array_new(dtype, steps);
    for (size_t t = 0; t < steps; t++) {
        test_array_set_complex(&a, t, r * cexp(I * theta));
        test_array_set_complex(&x, t, 0);
    }
    size_t first = (flags & LINREC_REVERSE) ? steps - 1 : 0;
    test_array_set_complex(&x, first, 1);
    cr_assert_eq(linrec_scan(ctx, &p, a.data, x.data, NULL, h.data), LINREC_OK, "%s",
                 linrec_last_error());
    double _Complex stored = test_array_get_complex(&a, 0);
    long double modulus = cabsl(stored), argument = cargl(stored);
    long double epsilon = dtype == LINREC_C128 ? DBL_EPSILON : FLT_EPSILON;
    for (size_t k = 0; k < steps; k++) {
        size_t t = (flags & LINREC_REVERSE) ? steps - 1 - k : k;
        long double magnitude = powl(modulus, (long double)k);
        long double _Complex want = magnitude * cexpl(I * (argument * (long double)k));
        double _Complex got = test_array_get_complex(&h, t);
        long double error = cabsl((long double _Complex)got - want);
        if (!(error <= 8 * (k + 1) * epsilon * magnitude))
            cr_assert_fail("oscillator r=%g theta=%g on %s: step %zu is %.17g%+.17gi, a^%zu is "
                           "%.17Lg%+.17Lgi: error %.3Lg eps of r^k, more than 8 (k + 1)",
                           r, theta, test_describe(&p), k, creal(got), cimag(got), k, creall(want),
                           cimagl(want), error / (epsilon * magnitude));
    }
    test_array_free(&a);
    test_array_free(&x);
    test_array_free(&h);
    linrec_context_destroy(ctx);
}

Test(complex_oscillator, undamped_for_a_million_steps_in_c128)
{
    oscillator(LINREC_C128, LINREC_LAYOUT_TBC, 1000000, 1.0, 0.1, 0);
}

Test(complex_oscillator, damped_both_ways_in_c64)
{
    oscillator(LINREC_C64, LINREC_LAYOUT_BCT, 100000, 0.9999, 0.3, 0);
    oscillator(LINREC_C64, LINREC_LAYOUT_BTC, 4099, 0.999, -2.5, LINREC_REVERSE);
}

/* ---- What every backend checks, whether or not it has complex kernels. ---- */

Test(dtypes, complex_names_have_their_values)
{
    cr_assert_eq(LINREC_C64, 4);
    cr_assert_eq(LINREC_C128, 5);
}

Test(dtypes, complex_refuses_f32_coefficients)
{
    linrec_context *ctx = test_context();
    expect_failure(test_scan_tiny(ctx, LINREC_C64, LINREC_COEFFICIENTS_F32),
                   LINREC_ERR_INVALID_ARGUMENT,
                   "LINREC_COEFFICIENTS_F32 is valid only with LINREC_F16 and LINREC_BF16, not "
                   "with LINREC_C64");
    expect_failure(test_scan_tiny(ctx, LINREC_C128, LINREC_COEFFICIENTS_F32 | LINREC_REVERSE),
                   LINREC_ERR_INVALID_ARGUMENT, "not with LINREC_C128");
    linrec_context_destroy(ctx);
}

/* Overlap is judged in complex elements: an h that starts inside x's last element, or on x's
 * imaginary part, is refused; h == x is the in-place form. */
Test(dtypes, complex_overlap_counts_whole_elements)
{
    enum { N = 4 };
    static double _Complex memory[4 * N];
    linrec_context *ctx = test_context();
    linrec_problem p = {LINREC_C128, LINREC_LAYOUT_BCT, 1, N, 1, 0};
    unsigned char *a = (unsigned char *)memory, *x = a + 16 * N;
    expect_failure(linrec_scan(ctx, &p, a, x, NULL, x + 16 * N - 8), LINREC_ERR_INVALID_ARGUMENT,
                   "output h overlaps");
    expect_failure(linrec_scan(ctx, &p, a, x, NULL, x + 8), LINREC_ERR_INVALID_ARGUMENT,
                   "output h overlaps");
    linrec_status status = linrec_scan(ctx, &p, a, x, NULL, x);
    cr_assert(status == LINREC_OK || status == LINREC_ERR_UNSUPPORTED, "%s", linrec_last_error());
    linrec_context_destroy(ctx);
}

/* Every backend serves the complex types, or says it has no kernels for them; the suites of the
 * backends without (LINREC_TEST_NO_COMPLEX=1, tests/CMakeLists.txt) check the refusal. */
Test(dtypes, complex_served_or_refused_with_a_sentence)
{
    linrec_context *ctx = test_context();
    int refused = getenv("LINREC_TEST_NO_COMPLEX") != NULL;
    static const linrec_dtype complexes[] = {LINREC_C64, LINREC_C128};
    for (size_t d = 0; d < 2; d++) {
        if (refused)
            expect_failure(test_scan_tiny(ctx, complexes[d], 0), LINREC_ERR_UNSUPPORTED,
                           "has no scan kernels for");
        else
            cr_expect_eq(test_scan_tiny(ctx, complexes[d], 0), LINREC_OK, "%s",
                         linrec_last_error());
    }
    linrec_context_destroy(ctx);
}
