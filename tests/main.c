/*
 * The suite runs against the backend LINREC_BACKEND names. When that backend cannot be used here
 * the whole suite is skipped (exit 77, which ctest reports as skipped) with the reason, unless
 * LINREC_TEST_REQUIRE names the suite: then unavailability is a failure. The suite's name is
 * LINREC_TEST_SUITE (set by ctest, e.g. "openmp_avx2" for a forced SIMD path), else the backend's.
 *
 * A backend without kernels for some dtypes yet (LINREC_TEST_NO_HALF, LINREC_TEST_NO_COMPLEX, set
 * by tests/CMakeLists.txt) has those dtypes' suites (half_*, complex_*) left out of whichever
 * pattern runs: --filter's, CRITERION_TEST_PATTERN's, or all.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linrec/linrec.h"
#include "required.h"

enum { EXIT_SKIPPED = 77 };

/* The suites left out, as a Criterion alternation ("half*|complex*"), or NULL for none. */
static const char *suites_left_out(char *text, size_t size)
{
    text[0] = '\0';
    if (getenv("LINREC_TEST_NO_HALF"))
        strncat(text, "half*", size - 1);
    if (getenv("LINREC_TEST_NO_COMPLEX"))
        strncat(text, text[0] ? "|complex*" : "complex*", size - 1 - strlen(text));
    return text[0] ? text : NULL;
}

/* argv with its test pattern P (or the environment's, or "*") made "P and not the left-out
 * suites": !(!(P)|@(suites)/ *). Returns argv itself when nothing is left out, NULL when out of
 * memory. */
static char **argv_leaving_out(int *argc, char *argv[])
{
    static char left_out[64], pattern[1024], option[1040];
    if (!suites_left_out(left_out, sizeof left_out))
        return argv;
    const char *chosen = getenv("CRITERION_TEST_PATTERN");
    int at = -1;
    for (int i = 1; i < *argc; i++)
        if (strcmp(argv[i], "--filter") == 0 && i + 1 < *argc)
            chosen = argv[(at = i + 1)];
        else if (strncmp(argv[i], "--filter=", 9) == 0)
            chosen = argv[i] + 9, at = i;
    snprintf(pattern, sizeof pattern, "!(!(%s)|@(%s)/*)", chosen && *chosen ? chosen : "*",
             left_out);
    char **out = calloc((size_t)*argc + 2, sizeof *out);
    if (!out)
        return NULL;
    snprintf(option, sizeof option, "--filter=%s", pattern);
    if (at < 0) { /* first, so that no "--" can end the options before it */
        out[0] = argv[0];
        out[1] = option;
        memcpy(out + 2, argv + 1, (size_t)(*argc - 1) * sizeof *out);
        ++*argc;
    } else {
        memcpy(out, argv, (size_t)*argc * sizeof *out);
        out[at] = strncmp(out[at], "--filter=", 9) == 0 ? option : pattern;
    }
    return out;
}

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
    char **args = argv_leaving_out(&argc, argv);
    if (!args) {
        fprintf(stderr, "FAIL: out of memory for the test pattern\n");
        return EXIT_FAILURE;
    }
    struct criterion_test_set *tests = criterion_initialize();
    int result = EXIT_SUCCESS;
    if (criterion_handle_args(argc, args, true))
        result = criterion_run_all_tests(tests) ? EXIT_SUCCESS : EXIT_FAILURE;
    criterion_finalize(tests);
    if (args != argv)
        free(args);
    return result;
}
