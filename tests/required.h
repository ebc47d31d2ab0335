/* Whether a check that cannot run here fails or is skipped: LINREC_TEST_REQUIRE, a comma-separated
 * list of suite names, names the checks that must run. */
#ifndef LINREC_TESTS_REQUIRED_H
#define LINREC_TESTS_REQUIRED_H

/* Nonzero when LINREC_TEST_REQUIRE lists `suite` (compared without case, up to any ':'). */
int test_required(const char *suite);

#endif
