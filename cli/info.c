/* linrec info: what this installation can run here, and why not where it cannot. */
#include <stdio.h>

#include "commands.h"
#include "linrec/linrec.h"

enum { MAX_DEVICES_LISTED = 64 };

/* Lists name:0, name:1, ... until a device index is refused. Returns how many opened. */
static size_t list_devices(const char *name)
{
    size_t opened = 0;
    for (size_t device = 0; device < MAX_DEVICES_LISTED; device++) {
        char spec[64];
        snprintf(spec, sizeof spec, "%s:%zu", name, device);
        linrec_context *ctx;
        if (linrec_context_create(spec, &ctx) != LINREC_OK) {
            if (device == 0)
                printf("  %-8s unavailable: %s\n", name, linrec_last_error());
            break;
        }
        printf("  %-8s %s  %s\n", opened == 0 ? name : "", spec, linrec_context_device(ctx));
        linrec_context_destroy(ctx);
        opened++;
    }
    return opened;
}

int linrec_cli_info(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("linrec %s\n\nbackends (in auto order):\n", linrec_version());
    for (size_t i = 0; i < linrec_backend_count(); i++)
        list_devices(linrec_backend_name(i));

    linrec_context *ctx;
    if (linrec_context_create("auto", &ctx) == LINREC_OK) {
        printf("\nauto picks: %s (%s)\n", linrec_context_backend(ctx), linrec_context_device(ctx));
        linrec_context_destroy(ctx);
    } else {
        printf("\nauto picks nothing: %s\n", linrec_last_error());
    }
    linrec_context *chosen;
    if (linrec_context_create(NULL, &chosen) == LINREC_OK) {
        printf("LINREC_BACKEND selects: %s (%s)\n", linrec_context_backend(chosen),
               linrec_context_device(chosen));
        linrec_context_destroy(chosen);
    } else {
        printf("LINREC_BACKEND selects nothing usable: %s\n", linrec_last_error());
        return 1;
    }
    return 0;
}
