/* Arrays of any dtype, the error rule and problem descriptions; see arrays.h. */
#include "arrays.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

test_array test_array_new(linrec_dtype dtype, size_t count)
{
    test_array array = {dtype, count, calloc(count ? count : 1, test_element_size(dtype)),
                        calloc(count ? count * test_components(dtype) : 1, sizeof(double))};
    if (!array.data || !array.values)
        test_out_of_memory(count);
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

long double *test_long_doubles(size_t count)
{
    long double *array = calloc(count ? count : 1, sizeof *array);
    if (!array)
        test_out_of_memory(count);
    return array;
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

/* An infinite half output where the correct value, within the rule's reach, overflows the type. */
static int overflows_as_it_should(const test_array *got, size_t i, long double want,
                                  long double reach)
{
    double value = test_array_get(got, i);
    return isinf(value) && signbit(value) == signbit(want) &&
           test_half_overflows(got->dtype, reach);
}

/* The worst error in epsilons of the arithmetic relative to the bound, and where it is; NaN
 * where an element is NaN. */
static long double worst_error(const linrec_problem *p, const test_array *got,
                               const long double *want, const long double *bound, size_t *at)
{
    /* The arithmetic's epsilon: the half types compute in f32. */
    int doubles = p->dtype == LINREC_F64 || p->dtype == LINREC_C128;
    long double epsilon = doubles ? DBL_EPSILON : FLT_EPSILON;
    long double floor = doubles ? DBL_MIN : FLT_MIN;
    long double worst = 0;
    *at = 0;
    for (size_t i = 0; i < got->count; i++) {
        long double error = element_error(got, i, want);
        if (test_is_half(got->dtype)) {
            long double reach = fabsl(want[i]) + TEST_ERROR_EPSILONS * epsilon * bound[i];
            if (overflows_as_it_should(got, i, want[i], reach))
                continue;
            /* The output's own rounding is allowed on top, counted as that many epsilons. */
            error -= test_half_rounding(got->dtype, reach);
        }
        if (error < 0)
            error = 0;
        long double relative = error / (bound[i] + floor) / epsilon;
        if (!(relative <= worst)) { /* NaN counts as worst */
            worst = relative;
            *at = i;
            if (isnan(relative))
                break;
        }
    }
    return worst;
}

/* An element's value (one number, or a complex one's two). */
static void describe_value(linrec_dtype dtype, long double re, long double im, char *text,
                           size_t size)
{
    if (test_is_complex(dtype))
        snprintf(text, size, "%.9Lg%+.9Lgi", re, im);
    else
        snprintf(text, size, "%.9Lg", re);
}

static void describe_element(const test_array *got, size_t i, char *text, size_t size)
{
    if (test_is_complex(got->dtype)) {
        double _Complex value = test_array_get_complex(got, i);
        describe_value(got->dtype, creal(value), cimag(value), text, size);
    } else {
        describe_value(got->dtype, test_array_get(got, i), 0, text, size);
    }
}

static void describe_wanted(linrec_dtype dtype, const long double *want, size_t i, char *text,
                            size_t size)
{
    const long double *value = want + i * test_components(dtype);
    describe_value(dtype, value[0], test_is_complex(dtype) ? value[1] : 0, text, size);
}

int test_check_close(const char *what, const linrec_problem *p, const test_array *got,
                     const long double *want, const long double *bound, char *message, size_t size)
{
    size_t at;
    long double worst = worst_error(p, got, want, bound, &at);
    if (worst <= TEST_ERROR_EPSILONS)
        return 1;
    char got_text[96], want_text[96];
    describe_element(got, at, got_text, sizeof got_text);
    describe_wanted(got->dtype, want, at, want_text, sizeof want_text);
    snprintf(message, size,
             "%s, %s: element %zu is %s, reference %s (bound %.3Lg): error %.3Lg eps, more than %g",
             what, test_describe(p), at, got_text, want_text, bound[at], worst,
             TEST_ERROR_EPSILONS);
    return 0;
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
