/*
 * Arrays of any of the API's dtypes beside their numbers as doubles, the suite's error rule, and
 * descriptions of problems for messages: what the Criterion suite (harness.c) and the fuzz
 * harnesses (fuzz/fuzz.c) share. No Criterion here; each program says what an allocation failure
 * does (test_out_of_memory).
 */
#ifndef LINREC_TESTS_ARRAYS_H
#define LINREC_TESTS_ARRAYS_H

#include <stddef.h>

#include "dtype_model.h"
#include "linrec/linrec.h"

/* An error at an element may be this many epsilons of the element's absolute-value bound. */
#define TEST_ERROR_EPSILONS 64.0

/* Phases of random complex values are uniform in [-TEST_PI, TEST_PI). */
#define TEST_PI 3.14159265358979323846

/* An array as the library sees it (`data`, of its own dtype: the problem's, or f32 for a and da
 * under LINREC_COEFFICIENTS_F32) and as the reference sees it (`values`, the same numbers as
 * doubles; for a complex dtype two per element, real then imaginary, as `data` holds them). */
typedef struct test_array {
    linrec_dtype dtype;
    size_t count;
    void *data;
    double *values;
} test_array;

/* Defined by each program that links this file: fails the test or the fuzz input; never returns. */
_Noreturn void test_out_of_memory(size_t count);

/* Zeroed `count` elements. */
test_array test_array_new(linrec_dtype dtype, size_t count);
void test_array_free(test_array *array);
/* Element i of a real dtype's array, and setting it to `value` rounded to the dtype. */
double test_array_get(const test_array *array, size_t i);
void test_array_set(test_array *array, size_t i, double value);
/* Element i of an array of a complex dtype. */
double _Complex test_array_get_complex(const test_array *array, size_t i);
void test_array_set_complex(test_array *array, size_t i, double _Complex value);
/* Refreshes `values` from `data` after the library wrote it. */
void test_array_sync(test_array *array);

/* Zeroed long doubles for the reference; freed with free(). */
long double *test_long_doubles(size_t count);

/* Whether `got` keeps the suite's error rule against `want`: every element's error at most
 * TEST_ERROR_EPSILONS epsilons of the arithmetic (f32 for the half types and c64, f64 for f64 and
 * c128) relative to its `bound` (NaN never keeps it). An output of a half type may also be off by
 * the one rounding into it, half a unit in its last place, and may be +-inf where the value within
 * the rule's reach overflows its type. For a complex dtype `want` holds (real, imaginary) pairs,
 * `bound` one modulus per element, and the error is the modulus of the difference. If not,
 * `message` says where and by how much, `what` first ("h on openmp", say). */
int test_check_close(const char *what, const linrec_problem *p, const test_array *got,
                     const long double *want, const long double *bound, char *message, size_t size);

const char *test_dtype_name(linrec_dtype dtype);
/* Describes a problem for messages, in a thread-local buffer. */
const char *test_describe(const linrec_problem *p);

#endif /* LINREC_TESTS_ARRAYS_H */
