/* Finding and opening backend plugins. liblinrec never links a GPU runtime; plugins do.
 *
 * Only two places are trusted: the absolute folders of LINREC_BACKEND_PATH, and the folder
 * "linrec" beside liblinrec.so itself. No path is compiled in: a build tree has the same shape as
 * an install (build/lib/liblinrec.so beside build/lib/linrec/), so a library in a build tree finds
 * that tree's plugins and an installed one never does. */
#define _GNU_SOURCE /* dladdr, secure_getenv */
#include "plugin_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

enum { TRIED_CAPACITY = 2048 };

/* Writes the absolute folder liblinrec.so was loaded from, followed by "/linrec", into `folder`
 * (PATH_MAX bytes). Returns 0 when the library's own file cannot be found. */
static int own_plugin_folder(char folder[PATH_MAX])
{
    Dl_info info;
    if (!dladdr((void *)linrec_backend_count, &info) || !info.dli_fname)
        return 0;
    /* dli_fname is the name the loader was given, which may be relative or a symbolic link. */
    char library[PATH_MAX];
    if (!realpath(info.dli_fname, library))
        return 0;
    char *slash = strrchr(library, '/');
    if (!slash || (size_t)(slash - library) + sizeof "/linrec" > PATH_MAX)
        return 0;
    snprintf(folder, PATH_MAX, "%.*s/linrec", (int)(slash - library), library);
    return 1;
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

/* A search for one plugin: the folders tried so far, for the reason when none has it. */
typedef struct plugin_search {
    const char *name;
    char tried[TRIED_CAPACITY];
    int folders;
} plugin_search;

/* Looks for the plugin in the folder `folder[0, length)`. Returns 1 with *status set when the file
 * is there (loaded or not), else 0. */
static int try_folder(plugin_search *search, const char *folder, size_t length,
                      const linrec__backend **backend, void **handle, linrec_status *status)
{
    size_t used = strlen(search->tried);
    snprintf(search->tried + used, sizeof search->tried - used, "%s%.*s", used ? ":" : "",
             (int)length, folder);
    search->folders++;
    char path[PATH_MAX];
    int written =
        snprintf(path, sizeof path, "%.*s/liblinrec_%s.so", (int)length, folder, search->name);
    if (written < 0 || (size_t)written >= sizeof path) {
        linrec__note("ignoring a plugin folder whose path is longer than PATH_MAX");
        return 0;
    }
    if (access(path, F_OK) != 0)
        return 0;
    *status = open_plugin(path, backend, handle);
    return 1;
}

/* Searches the absolute entries of the ':'-separated `list`, noting the others under
 * LINREC_VERBOSE. Returns 1 with *status set when a folder had the plugin, else 0. */
static int try_path_list(plugin_search *search, const char *list, const linrec__backend **backend,
                         void **handle, linrec_status *status)
{
    for (const char *entry = list;;) {
        size_t length = strcspn(entry, ":");
        if (length == 0)
            linrec__note("LINREC_BACKEND_PATH: ignoring an empty entry");
        else if (entry[0] != '/')
            linrec__note("LINREC_BACKEND_PATH: ignoring the relative entry \"%.*s\" (only "
                         "absolute folders are searched, so that the working folder cannot "
                         "supply code)",
                         (int)length, entry);
        else if (try_folder(search, entry, length, backend, handle, status))
            return 1;
        if (entry[length] == '\0')
            return 0;
        entry += length + 1;
    }
}

linrec_status linrec__plugin_load(const char *name, const linrec__backend **backend, void **handle)
{
    plugin_search search = {name, "", 0};
    linrec_status status = LINREC_OK;
    /* A setuid or setgid program must not take code from its caller's environment. */
    const char *list = secure_getenv("LINREC_BACKEND_PATH");
    if (list && *list && try_path_list(&search, list, backend, handle, &status))
        return status;
    if (search.folders == 0) {
        char own[PATH_MAX];
        if (own_plugin_folder(own) &&
            try_folder(&search, own, strlen(own), backend, handle, &status))
            return status;
    }
    if (search.folders == 0)
        return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                            "backend %s: plugin liblinrec_%s.so not found: the folder of "
                            "liblinrec is unknown and LINREC_BACKEND_PATH names no absolute folder",
                            name, name);
    return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                        "backend %s: plugin liblinrec_%s.so not found in %s (not built, or not "
                        "installed; LINREC_BACKEND_PATH can name its folder)",
                        name, name, search.tried);
}

void linrec__plugin_unload(void *handle)
{
    if (handle)
        dlclose(handle);
}
