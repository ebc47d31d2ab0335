/* The backends this build knows, in "auto" order, and how each one's table is obtained. */
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "plugin_loader.h"

typedef struct backend_entry {
    const char *name;
    const linrec__backend *(*built_in)(void); /* NULL: a plugin */
    const char *why_missing;                  /* when built_in returns NULL */
} backend_entry;

#ifndef LINREC_HAVE_OPENMP
const linrec__backend *linrec__openmp_backend(void)
{
    return NULL;
}
#endif

static const backend_entry backends[] = {
    {"cuda", NULL, NULL},
    {"opencl", NULL, NULL},
    {"openmp", linrec__openmp_backend,
     "it is not built into this liblinrec (OpenMP was not found or LINREC_WITH_OPENMP=OFF)"},
    {"serial", linrec__serial_backend, "it is not built into this liblinrec"},
};

size_t linrec_backend_count(void)
{
    return sizeof backends / sizeof backends[0];
}

const char *linrec_backend_name(size_t index)
{
    return index < linrec_backend_count() ? backends[index].name : NULL;
}

static linrec_status check_table(const linrec__backend *table, const char *name)
{
    if (table->abi_version != LINREC__ABI_VERSION)
        return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                            "backend %s speaks interface version %u, this liblinrec %u", name,
                            table->abi_version, LINREC__ABI_VERSION);
    return LINREC_OK;
}

linrec_status linrec__backend_load(const char *name, const linrec__backend **backend, void **plugin)
{
    *backend = NULL;
    *plugin = NULL;
    for (size_t i = 0; i < linrec_backend_count(); i++) {
        const backend_entry *entry = &backends[i];
        if (strcasecmp(entry->name, name) != 0)
            continue;
        if (!entry->built_in) {
            linrec_status status = linrec__plugin_load(entry->name, backend, plugin);
            if (status == LINREC_OK && (status = check_table(*backend, entry->name)) != LINREC_OK) {
                linrec__plugin_unload(*plugin);
                *plugin = NULL;
            }
            return status;
        }
        *backend = entry->built_in();
        if (!*backend)
            return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE, "backend %s: %s", entry->name,
                                entry->why_missing);
        return check_table(*backend, entry->name);
    }
    return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                        "unknown backend \"%s\"; this build knows cuda, opencl, openmp and serial",
                        name);
}
