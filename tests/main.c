/*
 * The suite runs against the backend LINREC_BACKEND names. When that backend cannot be used here
 * the whole suite is skipped (exit 77, which ctest reports as skipped) with the reason, unless
 * LINREC_TEST_REQUIRE names the suite: then unavailability is a failure. The suite's name is
 * LINREC_TEST_SUITE (set by ctest, e.g. "openmp_avx2" for a forced SIMD path), else the backend's.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "linrec/linrec.h"
#include "required.h"

enum { EXIT_SKIPPED = 77 };

int main(int argc, char *argv[])
{
    const char *backend = getenv("LINREC_BACKEND");
    if (!backend || !*backend)
        backend = "auto";
    linrec_status status = linrec_backend_probe(NULL);
    if (status != LINREC_OK) {
        const char *suite = getenv("LINREC_TEST_SUITE");
        int fail = test_required(suite && *suite ? suite : backend);
        fprintf(stderr, "%s: backend %s unavailable: %s\n", fail ? "FAIL" : "SKIP", backend,
                linrec_last_error());
        return fail ? EXIT_FAILURE : EXIT_SKIPPED;
    }
    struct criterion_test_set *tests = criterion_initialize();
    int result = EXIT_SUCCESS;
    if (criterion_handle_args(argc, argv, true))
        result = criterion_run_all_tests(tests) ? EXIT_SUCCESS : EXIT_FAILURE;
    criterion_finalize(tests);
    return result;
}
