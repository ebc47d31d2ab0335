/* Contexts: choosing a backend from a name or LINREC_BACKEND, opening it, and releasing it. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "plugin_loader.h"

enum { NAME_CAPACITY = 64, REASONS_CAPACITY = 2048 };

/* A parsed backend request: "auto", "name" or "name:N". */
typedef struct backend_request {
    char name[NAME_CAPACITY];
    size_t device;
    int is_auto;
} backend_request;

static linrec_status parse_request(const char *spec, backend_request *request)
{
    if (!spec || !*spec)
        spec = getenv("LINREC_BACKEND");
    if (!spec || !*spec)
        spec = "auto";
    size_t length = strcspn(spec, ":");
    if (length == 0 || length >= sizeof request->name)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                            "backend \"%s\" is not of the form name or name:N", spec);
    memcpy(request->name, spec, length);
    request->name[length] = '\0';
    request->device = 0;
    request->is_auto = strcasecmp(request->name, "auto") == 0;
    if (spec[length] == ':') {
        const char *digits = spec + length + 1;
        char *end = NULL;
        errno = 0;
        unsigned long long device = strtoull(digits, &end, 10);
        if (request->is_auto || !isdigit((unsigned char)*digits) || *end || errno)
            return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                                "backend \"%s\" is not of the form name or name:N", spec);
        request->device = (size_t)device;
    }
    return LINREC_OK;
}

/* Opens backend `name` by its open entry (args) or, when `native` is set, by open_native. */
static linrec_status open_context(const char *name, const linrec__open_args *args,
                                  const linrec__native_args *native, linrec_context **out)
{
    const linrec__backend *backend;
    void *plugin;
    linrec_status status = linrec__backend_load(name, &backend, &plugin);
    if (status == LINREC_OK && native && !backend->open_native)
        status =
            linrec__fail(LINREC_ERR_UNSUPPORTED,
                         "backend %s cannot work on the application's own device memory", name);
    if (status != LINREC_OK) {
        linrec__plugin_unload(plugin);
        return status;
    }
    linrec_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        linrec__plugin_unload(plugin);
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY, "cannot allocate a context");
    }
    status = native ? backend->open_native(native, &ctx->state) : backend->open(args, &ctx->state);
    if (status != LINREC_OK) {
        free(ctx);
        linrec__plugin_unload(plugin);
        return status;
    }
    atomic_init(&ctx->references, 1);
    ctx->backend = backend;
    ctx->plugin = plugin;
    *out = ctx;
    return LINREC_OK;
}

static linrec_status open_backend(const char *name, size_t device, int auto_pick,
                                  linrec_context **out)
{
    linrec__open_args args = {&linrec__host_services, device, auto_pick};
    return open_context(name, &args, NULL, out);
}

linrec_status linrec__context_create_native(const char *name, int device, void *queue,
                                            linrec_context **out)
{
    if (!out)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the context output pointer is NULL");
    *out = NULL;
    linrec__native_args native = {&linrec__host_services, device, queue};
    return open_context(name, NULL, &native, out);
}

/* Tries each backend in "auto" order; the thread's last error is left as it was on success. */
static linrec_status open_auto(linrec_context **out)
{
    char saved_error[REASONS_CAPACITY], reasons[REASONS_CAPACITY] = "";
    snprintf(saved_error, sizeof saved_error, "%s", linrec_last_error());
    for (size_t i = 0; i < linrec_backend_count(); i++) {
        const char *name = linrec_backend_name(i);
        if (open_backend(name, 0, 1, out) == LINREC_OK) {
            linrec__note("auto chose %s (%s)%s%s", name, (*out)->backend->device((*out)->state),
                         *reasons ? "; skipped " : "", reasons);
            linrec__fail(LINREC_OK, "%s", saved_error);
            return LINREC_OK;
        }
        size_t used = strlen(reasons);
        snprintf(reasons + used, sizeof reasons - used, "%s%s: %s", used ? "; " : "", name,
                 linrec_last_error());
    }
    linrec__note("auto found no usable backend: %s", reasons);
    return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE, "no backend is usable: %s", reasons);
}

linrec_status linrec_context_create(const char *backend, linrec_context **out)
{
    if (!out)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the context output pointer is NULL");
    *out = NULL;
    backend_request request;
    linrec_status status = parse_request(backend, &request);
    if (status != LINREC_OK)
        return status;
    if (request.is_auto)
        return open_auto(out);
    status = open_backend(request.name, request.device, 0, out);
    if (status == LINREC_OK)
        linrec__note("using %s (%s) as asked", (*out)->backend->name,
                     (*out)->backend->device((*out)->state));
    else
        linrec__note("cannot use %s as asked: %s", request.name, linrec_last_error());
    return status;
}

linrec_status linrec_backend_probe(const char *name)
{
    linrec_context *ctx;
    linrec_status status = linrec_context_create(name, &ctx);
    linrec_context_destroy(ctx);
    return status;
}

void linrec__context_retain(linrec_context *ctx)
{
    atomic_fetch_add(&ctx->references, 1);
}

void linrec__context_release(linrec_context *ctx)
{
    if (atomic_fetch_sub(&ctx->references, 1) != 1)
        return;
    ctx->backend->close(ctx->state);
    linrec__plugin_unload(ctx->plugin);
    free(ctx);
}

void linrec_context_destroy(linrec_context *ctx)
{
    if (ctx)
        linrec__context_release(ctx);
}

const char *linrec_context_backend(const linrec_context *ctx)
{
    return ctx ? ctx->backend->name : "";
}

const char *linrec_context_device(const linrec_context *ctx)
{
    return ctx ? ctx->backend->device(ctx->state) : "";
}

linrec_status linrec__check_backend(const linrec_context *ctx, const char *name,
                                    const char *function)
{
    if (strcmp(ctx->backend->name, name) == 0)
        return LINREC_OK;
    return linrec__fail(LINREC_ERR_BACKEND_MISMATCH,
                        "cannot %s: the context is of backend %s, not %s", function,
                        ctx->backend->name, name);
}

linrec_status linrec_context_synchronize(linrec_context *ctx)
{
    if (!ctx)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "cannot synchronize a NULL context");
    return ctx->backend->synchronize ? ctx->backend->synchronize(ctx->state) : LINREC_OK;
}
