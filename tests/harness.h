/* What every test file shares: the context under test, random data, and the error judgement. */
#ifndef LINREC_TESTS_HARNESS_H
#define LINREC_TESTS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "arrays.h"
#include "linrec/linrec.h"

/* Expects `call` to return `status` with a last-error text that contains `fragment` (with
 * <criterion/criterion.h> and <string.h> included). */
#define expect_failure(call, status, fragment)                                                     \
    do {                                                                                           \
        linrec_status got_ = (call);                                                               \
        cr_expect_eq(got_, (status), "%s returned %d (%s), expected %d", #call, (int)got_,         \
                     linrec_status_string(got_), (int)(status));                                   \
        cr_expect(strstr(linrec_last_error(), (fragment)) != NULL,                                 \
                  "%s: last error \"%s\" does not mention \"%s\"", #call, linrec_last_error(),     \
                  (fragment));                                                                     \
    } while (0)

/* A context on the backend named by LINREC_BACKEND (auto if unset); fails the test otherwise. */
linrec_context *test_context(void);

/* Deterministic random numbers (splitmix64). */
typedef struct test_rng {
    uint64_t state;
} test_rng;
double test_uniform(test_rng *rng, double lo, double hi);
size_t test_below(test_rng *rng, size_t n);

/* Fills with uniform values in [lo, hi), rounded to the dtype; for a complex dtype, values of such
 * a modulus (a negative one turns the phase) at a uniform phase. */
test_array test_array_random(linrec_dtype dtype, size_t count, test_rng *rng, double lo, double hi);
size_t test_elements(const linrec_problem *p);
size_t test_states(const linrec_problem *p);

/* Asserts that `got` keeps the error rule against `want` and `bound` (test_check_close). */
void test_expect_close(const char *what, const linrec_problem *p, const test_array *got,
                       const long double *want, const long double *bound);

/* linrec_scan of a problem of 1 x 4 x 2 elements of `dtype` with `flags`, on static memory of
 * any dtype's size: whether the backend takes the combination, and the sentence if not. */
linrec_status test_scan_tiny(linrec_context *ctx, linrec_dtype dtype, unsigned flags);

/* Random data for a problem and the reference's answers, forward and backward. */
typedef struct test_case {
    linrec_problem problem;
    test_array a, x, h0, h, dh;
} test_case;

/* a in [-1, 1) (or [0.9, 1) when `smooth`), x, h0, h, dh in [-1, 1); moduli for complex dtypes. */
test_case test_case_new(const linrec_problem *p, uint64_t seed, int smooth);
void test_case_free(test_case *tc);

/* Runs linrec_scan (in place when asked) and checks h against the reference. */
void test_forward(linrec_context *ctx, test_case *tc, int with_h0, int in_place);
/* Runs linrec_scan_backward and checks dx, da, dh0 against the reference. */
void test_backward(linrec_context *ctx, test_case *tc, int with_h0, int in_place, int want_da,
                   int want_dh0);

#endif /* LINREC_TESTS_HARNESS_H */
