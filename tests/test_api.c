/* Version, status texts, backend names, selection by name and environment, plugin search. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

Test(api, version_matches_header)
{
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", LINREC_VERSION_MAJOR, LINREC_VERSION_MINOR,
             LINREC_VERSION_PATCH);
    cr_expect_str_eq(linrec_version(), expected);
}

Test(api, every_status_has_text)
{
    for (int status = -2; status < 12; status++) {
        const char *text = linrec_status_string((linrec_status)status);
        cr_assert_not_null(text);
        cr_expect_gt(strlen(text), 0);
    }
    cr_expect_str_eq(linrec_status_string(LINREC_OK), "success");
    cr_expect_str_eq(linrec_status_string((linrec_status)99), "unknown status");
}

Test(api, backend_names_in_auto_order)
{
    const char *expected[] = {"cuda", "opencl", "openmp", "serial"};
    cr_assert_eq(linrec_backend_count(), 4);
    for (size_t i = 0; i < 4; i++)
        cr_expect_str_eq(linrec_backend_name(i), expected[i]);
    cr_expect_null(linrec_backend_name(4));
    cr_expect_null(linrec_backend_name((size_t)-1));
}

Test(api, serial_is_always_there_under_any_case)
{
    cr_expect_eq(linrec_backend_probe("serial"), LINREC_OK);
    linrec_context *ctx = NULL;
    cr_assert_eq(linrec_context_create("SeRiAl:0", &ctx), LINREC_OK, "%s", linrec_last_error());
    cr_expect_str_eq(linrec_context_backend(ctx), "serial");
    cr_expect_gt(strlen(linrec_context_device(ctx)), 0);
    linrec_context_destroy(ctx);
    linrec_context_destroy(NULL);
    cr_expect_str_eq(linrec_context_backend(NULL), "");
    cr_expect_str_eq(linrec_context_device(NULL), "");
}

Test(api, bad_backend_names)
{
    linrec_context *ctx = (linrec_context *)1;
    cr_expect_eq(linrec_context_create("nosuch", &ctx), LINREC_ERR_BACKEND_UNAVAILABLE);
    cr_expect(strstr(linrec_last_error(), "nosuch"), "%s", linrec_last_error());
    cr_expect_null(ctx);
    cr_expect_eq(linrec_context_create("serial:1", &ctx), LINREC_ERR_BACKEND_UNAVAILABLE);
    cr_expect(strstr(linrec_last_error(), "serial:1"), "%s", linrec_last_error());
    cr_expect_eq(linrec_backend_probe("serial:x"), LINREC_ERR_INVALID_ARGUMENT);
    cr_expect_eq(linrec_backend_probe("serial:"), LINREC_ERR_INVALID_ARGUMENT);
    cr_expect_eq(linrec_backend_probe(":0"), LINREC_ERR_INVALID_ARGUMENT);
    cr_expect_eq(linrec_backend_probe("auto:1"), LINREC_ERR_INVALID_ARGUMENT);
    cr_expect_eq(linrec_backend_probe("nosuch"), LINREC_ERR_BACKEND_UNAVAILABLE);
    cr_expect_eq(linrec_context_create("serial", NULL), LINREC_ERR_INVALID_ARGUMENT);
}

Test(api, environment_picks_the_backend)
{
    linrec_context *ctx = NULL;
    setenv("LINREC_BACKEND", "serial", 1);
    cr_assert_eq(linrec_context_create(NULL, &ctx), LINREC_OK);
    cr_expect_str_eq(linrec_context_backend(ctx), "serial");
    linrec_context_destroy(ctx);
    setenv("LINREC_BACKEND", "nosuch", 1);
    cr_expect_eq(linrec_context_create(NULL, &ctx), LINREC_ERR_BACKEND_UNAVAILABLE);
    setenv("LINREC_BACKEND", "auto", 1);
    cr_assert_eq(linrec_context_create(NULL, &ctx), LINREC_OK, "%s", linrec_last_error());
    linrec_context_destroy(ctx);
}

Test(api, auto_keeps_the_last_error_of_the_caller)
{
    linrec_context *ctx = NULL;
    cr_expect_eq(linrec_context_create("nosuch", &ctx), LINREC_ERR_BACKEND_UNAVAILABLE);
    char before[256];
    snprintf(before, sizeof before, "%s", linrec_last_error());
    cr_assert_eq(linrec_context_create("auto", &ctx), LINREC_OK, "%s", linrec_last_error());
    cr_expect_str_eq(linrec_last_error(), before);
    linrec_context_destroy(ctx);
}

Test(api, explicit_plugins_never_fall_back)
{
    setenv("LINREC_BACKEND_PATH", "/nonexistent-linrec-folder", 1);
    linrec_context *ctx = NULL;
    for (int i = 0; i < 2; i++) {
        const char *name = i ? "opencl" : "cuda";
        cr_expect_eq(linrec_context_create(name, &ctx), LINREC_ERR_BACKEND_UNAVAILABLE);
        cr_expect_null(ctx);
        cr_expect(strstr(linrec_last_error(), "not found in /nonexistent-linrec-folder"), "%s",
                  linrec_last_error());
    }
    cr_assert_eq(linrec_context_create("auto", &ctx), LINREC_OK, "%s", linrec_last_error());
    cr_expect(strcmp(linrec_context_backend(ctx), "openmp") == 0 ||
                  strcmp(linrec_context_backend(ctx), "serial") == 0,
              "auto without plugins chose %s", linrec_context_backend(ctx));
    linrec_context_destroy(ctx);
}

Test(api, verbose_reports_the_choice, .init = cr_redirect_stderr)
{
    setenv("LINREC_VERBOSE", "1", 1);
    setenv("LINREC_BACKEND_PATH", "/nonexistent-linrec-folder", 1);
    linrec_context *ctx = NULL;
    cr_assert_eq(linrec_context_create("auto", &ctx), LINREC_OK);
    linrec_context_destroy(ctx);
    fflush(stderr);
    char text[4096] = "";
    FILE *captured = cr_get_redirected_stderr();
    size_t length = fread(text, 1, sizeof text - 1, captured);
    text[length] = '\0';
    cr_expect(strstr(text, "linrec: auto chose"), "stderr was: %s", text);
    cr_expect(strstr(text, "skipped cuda: "), "stderr was: %s", text);
    cr_expect(strstr(text, "opencl: "), "stderr was: %s", text);
}
