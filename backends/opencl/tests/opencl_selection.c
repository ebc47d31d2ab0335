/*
 * The opencl plugin's device selection, through the public API only. Prints nothing when all is
 * well, so that a ctest entry can also fail on any output of the library.
 *   opencl_selection no-platform   run with OCL_ICD_VENDORS naming an empty place: "opencl" must be
 *                                  unavailable with the plugin's reason; auto must still succeed.
 *   opencl_selection devices       "opencl:N" counts every device; an index past them is refused;
 *                                  auto picks opencl only where a device is a GPU or accelerator.
 *                                  Without any OpenCL device this is skipped (exit 77), unless
 *                                  LINREC_TEST_REQUIRE names opencl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linrec/linrec.h"
#include "required.h"

enum { MAX_DEVICES = 64, EXIT_SKIPPED = 77 };

static int failures;

static void expect(int condition, const char *what, const char *detail)
{
    if (!condition) {
        fprintf(stderr, "FAIL: %s (%s)\n", what, detail);
        failures++;
    }
}

static void no_platform(void)
{
    linrec_context *ctx = NULL;
    linrec_status status = linrec_context_create("opencl", &ctx);
    expect(status == LINREC_ERR_BACKEND_UNAVAILABLE && !ctx,
           "opencl without platforms is unavailable", linrec_last_error());
    expect(strstr(linrec_last_error(), "opencl: no OpenCL platform") != NULL,
           "the reason comes from the loaded plugin and names the missing platform",
           linrec_last_error());
    status = linrec_context_create("auto", &ctx);
    expect(status == LINREC_OK && strcmp(linrec_context_backend(ctx), "opencl") != 0,
           "auto falls through to another backend", linrec_last_error());
    linrec_context_destroy(ctx);
}

static int is_gpu_like(const char *description)
{
    return strstr(description, " / GPU / ") || strstr(description, " / accelerator / ");
}

static int devices(void)
{
    if (linrec_backend_probe("opencl") != LINREC_OK && !test_required("opencl")) {
        fprintf(stderr, "SKIP: no OpenCL device here: %s\n", linrec_last_error());
        return EXIT_SKIPPED;
    }
    size_t count = 0, gpu_like = 0;
    char spec[32];
    for (; count < MAX_DEVICES; count++) {
        linrec_context *ctx = NULL;
        snprintf(spec, sizeof spec, "opencl:%zu", count);
        if (linrec_context_create(spec, &ctx) != LINREC_OK)
            break;
        gpu_like += is_gpu_like(linrec_context_device(ctx)) != 0;
        linrec_context_destroy(ctx);
    }
    expect(count > 0, "opencl:0 opens", linrec_last_error());
    snprintf(spec, sizeof spec, "opencl:%zu", count);
    linrec_context *ctx = NULL;
    expect(linrec_context_create(spec, &ctx) == LINREC_ERR_BACKEND_UNAVAILABLE &&
               strstr(linrec_last_error(), "there is no device") != NULL,
           "the index after the last device is refused with the reason", linrec_last_error());
    expect(linrec_context_create("auto", &ctx) == LINREC_OK, "auto opens", linrec_last_error());
    const char *chosen = linrec_context_backend(ctx);
    if (gpu_like == 0)
        expect(strcmp(chosen, "opencl") != 0, "auto declines CPU-only OpenCL", chosen);
    else
        expect(strcmp(chosen, "opencl") != 0 || is_gpu_like(linrec_context_device(ctx)),
               "auto's OpenCL device is a GPU or accelerator", linrec_context_device(ctx));
    linrec_context_destroy(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "no-platform") == 0)
        no_platform();
    else if (argc == 2 && strcmp(argv[1], "devices") == 0) {
        if (devices() == EXIT_SKIPPED)
            return EXIT_SKIPPED;
    } else {
        fprintf(stderr, "usage: opencl_selection no-platform|devices\n");
        return 2;
    }
    return failures ? 1 : 0;
}
