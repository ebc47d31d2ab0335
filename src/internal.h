/* Declarations shared by the core's files; nothing here is exported. */
#ifndef LINREC_SRC_INTERNAL_H
#define LINREC_SRC_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>

#include "backend.h"

/* Records a message for linrec_last_error() on this thread and returns `status`. */
linrec_status linrec__fail(linrec_status status, const char *format, ...) LINREC__PRINTF(2, 3);

/* Nonzero when LINREC_VERBOSE asks for notes (set, not empty, not "0"). */
int linrec__verbose(void);
/* Under LINREC_VERBOSE, writes "linrec: <message>" and a newline to stderr; else nothing. */
void linrec__note(const char *format, ...) LINREC__PRINTF(1, 2);

/* The services handed to every backend. */
extern const linrec__host linrec__host_services;

/* Built-in backends; each returns NULL when it was not compiled in. */
const linrec__backend *linrec__serial_backend(void);
const linrec__backend *linrec__openmp_backend(void);

/* A context; freed when its creator and every buffer made from it have released it. */
struct linrec_context {
    atomic_size_t references;
    const linrec__backend *backend;
    void *state;  /* the backend's */
    void *plugin; /* dlopen handle, NULL for built-in backends */
};

struct linrec_buffer {
    linrec_context *ctx;
    size_t bytes;
    void *memory; /* host pointer or the backend's handle */
};

/* Creates a context of backend `name` on the application's device and stream or queue
 * (linrec__native_args); LINREC_ERR_UNSUPPORTED for a backend without native interop. */
linrec_status linrec__context_create_native(const char *name, int device, void *queue,
                                            linrec_context **out);

/* A buffer of ctx borrowing the application's memory `native` from byte `offset`; `name` is the
 * backend the caller's header serves (LINREC_ERR_BACKEND_MISMATCH for a context of another). */
linrec_status linrec__buffer_wrap(linrec_context *ctx, const char *name, void *native,
                                  size_t offset, size_t bytes, linrec_buffer **out);

/* The native memory holding a buffer of backend `name`, and its byte offset there; NULL and 0 for
 * NULL or a buffer of another backend. */
void *linrec__buffer_native(const linrec_buffer *buf, const char *name, size_t *offset);

/* LINREC_ERR_BACKEND_MISMATCH unless ctx is a context of backend `name`. */
linrec_status linrec__check_backend(const linrec_context *ctx, const char *name,
                                    const char *function);

void linrec__context_retain(linrec_context *ctx);
void linrec__context_release(linrec_context *ctx);

/* Resolves a backend name (case-insensitive, without ":N") to its table, loading its plugin when
 * it is one. On success *plugin holds the dlopen handle (NULL for a built-in backend), to be closed
 * with linrec__plugin_unload once the backend is no longer used. */
linrec_status linrec__backend_load(const char *name, const linrec__backend **backend,
                                   void **plugin);

/* Validates `p` and fills `shape`. Returns LINREC_INVALID_ARGUMENT naming what is wrong. */
linrec_status linrec__shape_init(const linrec_problem *p, linrec__shape *shape);

/* Nonzero when [a, a+a_bytes) and [b, b+b_bytes) share a byte. */
int linrec__ranges_overlap(const void *a, size_t a_bytes, const void *b, size_t b_bytes);

#endif /* LINREC_SRC_INTERNAL_H */
