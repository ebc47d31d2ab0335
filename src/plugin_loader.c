/* Finding and opening backend plugins. liblinrec never links a GPU runtime; plugins do. */
#define _GNU_SOURCE /* dladdr */
#include "plugin_loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

enum { PATH_CAPACITY = 4096 };

/* The folder liblinrec.so was loaded from, followed by "/linrec"; "" if unknown. */
static void installed_plugin_folder(char *folder, size_t size)
{
    Dl_info info;
    folder[0] = '\0';
    if (!dladdr((void *)linrec_backend_count, &info) || !info.dli_fname)
        return;
    const char *slash = strrchr(info.dli_fname, '/');
    if (!slash)
        return;
    snprintf(folder, size, "%.*s/linrec", (int)(slash - info.dli_fname), info.dli_fname);
}

/* Fills `folders` with the ':'-separated list of places to look, in order. */
static void search_folders(char *folders, size_t size)
{
    const char *env = getenv("LINREC_BACKEND_PATH");
    if (env && *env) {
        snprintf(folders, size, "%s", env);
        return;
    }
    char installed[PATH_CAPACITY];
    installed_plugin_folder(installed, sizeof installed);
    if (strcmp(installed, LINREC_BUILD_PLUGIN_DIR) == 0)
        snprintf(folders, size, "%s", installed);
    else
        snprintf(folders, size, "%s:%s", installed, LINREC_BUILD_PLUGIN_DIR);
}

/* Opens `path` and takes its table; the file is known to exist. */
static linrec_status open_plugin(const char *path, const linrec__backend **backend, void **handle)
{
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *why = dlerror();
        return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE, "cannot load plugin %s: %s", path,
                            why ? why : "unknown dlopen failure");
    }
    linrec__plugin_entry_fn entry;
    *(void **)&entry = dlsym(library, LINREC__PLUGIN_ENTRY);
    if (!entry) {
        dlclose(library);
        return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE, "plugin %s has no %s symbol", path,
                            LINREC__PLUGIN_ENTRY);
    }
    const linrec__backend *table = entry(&linrec__host_services);
    if (!table) {
        dlclose(library);
        return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                            "plugin %s does not support interface version %u", path,
                            LINREC__ABI_VERSION);
    }
    *backend = table;
    *handle = library;
    return LINREC_OK;
}

linrec_status linrec__plugin_load(const char *name, const linrec__backend **backend, void **handle)
{
    char folders[3 * PATH_CAPACITY];
    search_folders(folders, sizeof folders);
    char path[PATH_CAPACITY];
    for (const char *folder = folders; *folder;) {
        size_t length = strcspn(folder, ":");
        if (length > 0) {
            snprintf(path, sizeof path, "%.*s/liblinrec_%s.so", (int)length, folder, name);
            if (access(path, F_OK) == 0)
                return open_plugin(path, backend, handle);
        }
        folder += length + (folder[length] == ':');
    }
    return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                        "backend %s: plugin liblinrec_%s.so not found in %s (not built, or not "
                        "installed; LINREC_BACKEND_PATH can name its folder)",
                        name, name, folders);
}

void linrec__plugin_unload(void *handle)
{
    if (handle)
        dlclose(handle);
}
