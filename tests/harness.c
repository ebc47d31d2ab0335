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

size_t test_element_size(linrec_dtype dtype)
{
    switch (dtype) {
    case LINREC_F64:
        return sizeof(double);
    case LINREC_F16:
    case LINREC_BF16:
        return sizeof(uint16_t);
    case LINREC_C64:
        return sizeof(float _Complex);
    case LINREC_C128:
        return sizeof(double _Complex);
    default:
        return sizeof(float);
    }
}

int test_is_complex(linrec_dtype dtype)
{
    return dtype == LINREC_C64 || dtype == LINREC_C128;
}

size_t test_components(linrec_dtype dtype)
{
    return test_is_complex(dtype) ? 2 : 1;
}

linrec_dtype test_coefficient_dtype(const linrec_problem *p)
{
    return (p->flags & LINREC_COEFFICIENTS_F32) ? LINREC_F32 : p->dtype;
}

size_t test_elements(const linrec_problem *p)
{
    return p->batch * p->steps * p->channels;
}

size_t test_states(const linrec_problem *p)
{
    return p->batch * p->channels;
}

test_array test_array_new(linrec_dtype dtype, size_t count)
{
    test_array array = {dtype, count, calloc(count ? count : 1, test_element_size(dtype)),
                        calloc(count ? count * test_components(dtype) : 1, sizeof(double))};
    cr_assert(array.data && array.values, "test allocation of %zu elements failed", count);
    return array;
}

test_array test_array_random(linrec_dtype dtype, size_t count, test_rng *rng, double lo, double hi)
{
    test_array array = test_array_new(dtype, count);
    for (size_t i = 0; i < count; i++)
        if (test_is_complex(dtype)) {
            double modulus = test_uniform(rng, lo, hi),
                   phase = test_uniform(rng, -3.14159265358979, 3.14159265358979);
            test_array_set_complex(&array, i, modulus * cexp(I * phase));
        } else {
            test_array_set(&array, i, test_uniform(rng, lo, hi));
        }
    return array;
}

void test_array_free(test_array *array)
{
    free(array->data);
    free(array->values);
    array->data = NULL;
    array->values = NULL;
}

double test_array_get(const test_array *array, size_t i)
{
    if (test_is_half(array->dtype))
        return test_half_value(array->dtype, ((const uint16_t *)array->data)[i]);
    return array->dtype == LINREC_F64 ? ((const double *)array->data)[i]
                                      : ((const float *)array->data)[i];
}

void test_array_set(test_array *array, size_t i, double value)
{
    if (test_is_half(array->dtype))
        ((uint16_t *)array->data)[i] = test_half_bits(array->dtype, value);
    else if (array->dtype == LINREC_F64)
        ((double *)array->data)[i] = value;
    else
        ((float *)array->data)[i] = (float)value;
    array->values[i] = test_array_get(array, i);
}

double _Complex test_array_get_complex(const test_array *array, size_t i)
{
    return array->dtype == LINREC_C128 ? ((const double _Complex *)array->data)[i]
                                       : ((const float _Complex *)array->data)[i];
}

void test_array_set_complex(test_array *array, size_t i, double _Complex value)
{
    if (array->dtype == LINREC_C128)
        ((double _Complex *)array->data)[i] = value;
    else
        ((float _Complex *)array->data)[i] = (float _Complex)value;
    double _Complex stored = test_array_get_complex(array, i);
    array->values[2 * i] = creal(stored);
    array->values[2 * i + 1] = cimag(stored);
}

void test_array_sync(test_array *array)
{
    for (size_t i = 0; i < array->count; i++)
        if (test_is_complex(array->dtype))
            test_array_set_complex(array, i, test_array_get_complex(array, i));
        else
            array->values[i] = test_array_get(array, i);
}

const char *test_dtype_name(linrec_dtype dtype)
{
    static const char *names[] = {"f32", "f64", "f16", "bf16", "c64", "c128"};
    return (unsigned)dtype < sizeof names / sizeof names[0] ? names[dtype] : "?";
}

const char *test_describe(const linrec_problem *p)
{
    static const char *layouts[] = {"TBC", "BTC", "BCT"};
    static _Thread_local char text[160];
    snprintf(text, sizeof text, "%s%s %s B=%zu T=%zu C=%zu%s", test_dtype_name(p->dtype),
             (p->flags & LINREC_COEFFICIENTS_F32) ? " (a f32)" : "", layouts[p->layout % 3],
             p->batch, p->steps, p->channels, (p->flags & LINREC_REVERSE) ? " reverse" : "");
    return text;
}

/* |got_i - want_i|, a modulus for a complex dtype. */
static long double element_error(const test_array *got, size_t i, const long double *want)
{
    if (!test_is_complex(got->dtype))
        return fabsl((long double)test_array_get(got, i) - want[i]);
    double _Complex value = test_array_get_complex(got, i);
    return hypotl((long double)creal(value) - want[2 * i],
                  (long double)cimag(value) - want[2 * i + 1]);
}

/* An element's value (one number, or a complex one's two), as a failure message shows it. */
static void describe_value(linrec_dtype dtype, const long double *value, char *text, size_t size)
{
    if (test_is_complex(dtype))
        snprintf(text, size, "%.9Lg%+.9Lgi", value[0], value[1]);
    else
        snprintf(text, size, "%.9Lg", value[0]);
}

void test_expect_close(const char *what, const linrec_problem *p, const test_array *got,
                       const long double *want, const long double *bound)
{
    /* The arithmetic's epsilon: the half types compute in f32. */
    int doubles = p->dtype == LINREC_F64 || p->dtype == LINREC_C128;
    long double epsilon = doubles ? DBL_EPSILON : FLT_EPSILON;
    long double floor = doubles ? DBL_MIN : FLT_MIN;
    long double worst = 0;
    size_t worst_at = 0;
    for (size_t i = 0; i < got->count; i++) {
        long double error = element_error(got, i, want);
        /* The output's own rounding is allowed on top, counted as that many epsilons. */
        if (test_is_half(got->dtype))
            error -= test_half_rounding(got->dtype,
                                        fabsl(want[i]) + TEST_ERROR_EPSILONS * epsilon * bound[i]);
        if (error < 0)
            error = 0;
        long double relative = error / (bound[i] + floor);
        if (!(relative <= worst)) { /* NaN counts as worst */
            worst = relative;
            worst_at = i;
            if (isnan(relative))
                break;
        }
    }
    if (worst <= TEST_ERROR_EPSILONS * epsilon)
        return;
    long double got_value[2] = {0, 0};
    if (test_is_complex(got->dtype)) {
        double _Complex value = test_array_get_complex(got, worst_at);
        got_value[0] = creal(value);
        got_value[1] = cimag(value);
    } else {
        got_value[0] = test_array_get(got, worst_at);
    }
    char got_text[96], want_text[96];
    describe_value(got->dtype, got_value, got_text, sizeof got_text);
    describe_value(got->dtype, want + worst_at * test_components(got->dtype), want_text,
                   sizeof want_text);
    cr_assert_fail("%s on %s: element %zu is %s, reference %s (bound %.3Lg): error %.3Lg eps", what,
                   test_describe(p), worst_at, got_text, want_text, bound[worst_at],
                   worst / epsilon);
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

static long double *reference_array(size_t count)
{
    long double *array = calloc(count ? count : 1, sizeof *array);
    cr_assert(array, "test allocation of %zu long doubles failed", count);
    return array;
}

void test_forward(linrec_context *ctx, test_case *tc, int with_h0, int in_place)
{
    const linrec_problem *p = &tc->problem;
    size_t n = test_elements(p);
    long double *want = reference_array(n * test_components(p->dtype)), *bound = reference_array(n);
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
    ref_gradients ref = {reference_array(n * k), reference_array(n),     reference_array(n * k),
                         reference_array(n),     reference_array(s * k), reference_array(s)};
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
