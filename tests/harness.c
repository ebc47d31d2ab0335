#include "harness.h"

#include <complex.h>
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"

linrec_context *test_context(void)
{
    linrec_context *ctx = NULL;
    linrec_status status = linrec_context_create(NULL, &ctx);
    cr_assert_eq(status, LINREC_OK, "cannot create the context under test: %s",
                 linrec_last_error());
    return ctx;
}

static uint64_t next(test_rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double test_uniform(test_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * (double)(next(rng) >> 11) / 9007199254740992.0;
}

size_t test_below(test_rng *rng, size_t n)
{
    return (size_t)(next(rng) % n);
}

size_t test_elements(const linrec_problem *p)
{
    return p->batch * p->steps * p->channels;
}

size_t test_states(const linrec_problem *p)
{
    return p->batch * p->channels;
}

_Noreturn void test_out_of_memory(size_t count)
{
    cr_assert_fail("test allocation of %zu elements failed", count);
    abort(); /* cr_assert_fail does not return */
}

test_array test_array_random(linrec_dtype dtype, size_t count, test_rng *rng, double lo, double hi)
{
    test_array array = test_array_new(dtype, count);
    for (size_t i = 0; i < count; i++)
        if (test_is_complex(dtype)) {
            double modulus = test_uniform(rng, lo, hi),
                   phase = test_uniform(rng, -TEST_PI, TEST_PI);
            test_array_set_complex(&array, i, modulus * cexp(I * phase));
        } else {
            test_array_set(&array, i, test_uniform(rng, lo, hi));
        }
    return array;
}

void test_expect_close(const char *what, const linrec_problem *p, const test_array *got,
                       const long double *want, const long double *bound)
{
    char message[512];
    if (!test_check_close(what, p, got, want, bound, message, sizeof message))
        cr_assert_fail("%s", message);
}

linrec_status test_scan_tiny(linrec_context *ctx, linrec_dtype dtype, unsigned flags)
{
    static long double _Complex memory[3][8]; /* 8 elements of any dtype */
    linrec_problem p = {dtype, LINREC_LAYOUT_TBC, 1, 4, 2, flags};
    return linrec_scan(ctx, &p, memory[0], memory[1], NULL, memory[2]);
}

test_case test_case_new(const linrec_problem *p, uint64_t seed, int smooth)
{
    test_rng rng = {seed};
    size_t n = test_elements(p), s = test_states(p);
    test_case tc = {*p,
                    test_array_random(test_coefficient_dtype(p), n, &rng, smooth ? 0.9 : -1.0, 1.0),
                    test_array_random(p->dtype, n, &rng, -1.0, 1.0),
                    test_array_random(p->dtype, s, &rng, -1.0, 1.0),
                    test_array_random(p->dtype, n, &rng, -1.0, 1.0),
                    test_array_random(p->dtype, n, &rng, -1.0, 1.0)};
    return tc;
}

void test_case_free(test_case *tc)
{
    test_array_free(&tc->a);
    test_array_free(&tc->x);
    test_array_free(&tc->h0);
    test_array_free(&tc->h);
    test_array_free(&tc->dh);
}

void test_forward(linrec_context *ctx, test_case *tc, int with_h0, int in_place)
{
    const linrec_problem *p = &tc->problem;
    size_t n = test_elements(p);
    long double *want = test_long_doubles(n * test_components(p->dtype)),
                *bound = test_long_doubles(n);
    const double *h0 = with_h0 ? tc->h0.values : NULL;
    ref_forward(p, tc->a.values, tc->x.values, h0, want, bound);

    test_array out = test_array_new(p->dtype, n);
    if (in_place)
        memcpy(out.data, tc->x.data, n * test_element_size(p->dtype));
    linrec_status status = linrec_scan(ctx, p, tc->a.data, in_place ? out.data : tc->x.data,
                                       with_h0 ? tc->h0.data : NULL, out.data);
    cr_assert_eq(status, LINREC_OK, "linrec_scan on %s: %s", test_describe(p), linrec_last_error());
    test_expect_close(in_place ? "h (in place)" : "h", p, &out, want, bound);
    test_array_free(&out);
    free(want);
    free(bound);
}

void test_backward(linrec_context *ctx, test_case *tc, int with_h0, int in_place, int want_da,
                   int want_dh0)
{
    const linrec_problem *p = &tc->problem;
    size_t n = test_elements(p), s = test_states(p);
    size_t k = test_components(p->dtype);
    ref_gradients ref = {test_long_doubles(n * k), test_long_doubles(n),
                         test_long_doubles(n * k), test_long_doubles(n),
                         test_long_doubles(s * k), test_long_doubles(s)};
    const double *h0 = with_h0 ? tc->h0.values : NULL;
    ref_backward(p, tc->a.values, h0, tc->h.values, tc->dh.values, &ref);

    test_array dx = test_array_new(p->dtype, n), da = test_array_new(test_coefficient_dtype(p), n);
    test_array dh0 = test_array_new(p->dtype, s);
    if (in_place)
        memcpy(dx.data, tc->dh.data, n * test_element_size(p->dtype));
    linrec_status status =
        linrec_scan_backward(ctx, p, tc->a.data, with_h0 ? tc->h0.data : NULL,
                             want_da ? tc->h.data : NULL, in_place ? dx.data : tc->dh.data, dx.data,
                             want_da ? da.data : NULL, want_dh0 ? dh0.data : NULL);
    cr_assert_eq(status, LINREC_OK, "linrec_scan_backward on %s: %s", test_describe(p),
                 linrec_last_error());
    test_expect_close(in_place ? "dx (in place)" : "dx", p, &dx, ref.dx, ref.dx_bound);
    if (want_da)
        test_expect_close("da", p, &da, ref.da, ref.da_bound);
    if (want_dh0)
        test_expect_close("dh0", p, &dh0, ref.dh0, ref.dh0_bound);
    test_array_free(&dx);
    test_array_free(&da);
    test_array_free(&dh0);
    free(ref.dx);
    free(ref.dx_bound);
    free(ref.da);
    free(ref.da_bound);
    free(ref.dh0);
    free(ref.dh0_bound);
}
