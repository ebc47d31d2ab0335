/*
 * The backend interface: a versioned table of operations that every backend exports, whether it is
 * built into liblinrec (serial, openmp) or loaded as a plugin (opencl, cuda).
 *
 * The core validates every argument before it calls a backend: a backend receives only non-empty,
 * well-formed problems whose sizes fit size_t, pointers that are non-NULL where required and
 * outputs that do not overlap inputs (except h == x and dx == dh). It reports failures through
 * host->fail(), which records the message for linrec_last_error() and returns the status.
 *
 * A plugin is a shared module named liblinrec_<name>.so exporting
 *     const linrec__backend *linrec_plugin_entry(const linrec__host *host);
 * which returns its table, or NULL if it cannot work with this host ABI.
 */
#ifndef LINREC_SRC_BACKEND_H
#define LINREC_SRC_BACKEND_H

#include <stddef.h>

#include "element.h"
#include "linrec/cells.h"
#include "linrec/linrec.h"

/* Bumped whenever linrec__host, linrec__backend or the argument structs change. */
#define LINREC__ABI_VERSION 4u

#define LINREC__PLUGIN_ENTRY "linrec_plugin_entry"

#if defined(__GNUC__)
#define LINREC__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define LINREC__PRINTF(fmt, args)
#endif

/* Services the core lends to a backend. */
typedef struct linrec__host {
    unsigned abi_version;
    /* Records the message for this thread's linrec_last_error() and returns `status`. */
    linrec_status (*fail)(linrec_status status, const char *format, ...) LINREC__PRINTF(2, 3);
} linrec__host;

/*
 * Every layout is `outer` groups of `lanes` contiguous sequences; step t of lane l in group g is
 * element g*outer_stride + t*step_stride + l, and its h0 is element g*lanes + l.
 *   TBC: outer = 1,   lanes = B*C, step_stride = B*C
 *   BTC: outer = B,   lanes = C,   step_stride = C,  outer_stride = T*C
 *   BCT: outer = B*C, lanes = 1,   step_stride = 1,  outer_stride = T
 */
typedef struct linrec__geometry {
    size_t outer, lanes, steps;
    size_t outer_stride, step_stride;
} linrec__geometry;

/* A validated problem with the facts every backend needs derived once. */
typedef struct linrec__shape {
    linrec_problem problem;
    linrec__geometry geometry;
    int reverse;             /* LINREC_REVERSE set */
    linrec__element element; /* the storage of each array, from dtype and flags */
    size_t elements;         /* batch * steps * channels */
    size_t states;           /* batch * channels: elements of h0 / dh0 */
    size_t element_size;     /* bytes of an element of x, h, h0, dh, dx, dh0: 2, 4, 8 or 16 */
    size_t coef_size;        /* bytes of an element of a and da */
    size_t data_bytes;       /* elements * element_size: x, h, dh, dx */
    size_t coef_bytes;       /* elements * coef_size: a, da */
    size_t state_bytes;      /* states * element_size: h0, dh0 */
} linrec__shape;

/* Forward arguments. Host pointers for scan(); backend buffer handles for scan_device(). */
typedef struct linrec__scan_args {
    const linrec__shape *shape;
    const void *a, *x;
    const void *h0; /* may be NULL */
    void *h;        /* may equal x */
} linrec__scan_args;

/* Backward arguments, as linrec__scan_args. */
typedef struct linrec__backward_args {
    const linrec__shape *shape;
    const void *a;
    const void *h0; /* may be NULL */
    const void *h;  /* NULL only when da is NULL */
    const void *dh;
    void *dx;  /* may equal dh */
    void *da;  /* may be NULL */
    void *dh0; /* may be NULL */
} linrec__backward_args;

/* Fused cell arguments (host pointers). The arrays a kind does not use are NULL; no output
 * overlaps anything. */
typedef struct linrec__cell_args {
    const linrec__shape *shape;
    linrec_cell cell;
    linrec_cell_inputs in;
    const void *c0; /* may be NULL */
    void *c, *y;    /* y is NULL for GILR */
} linrec__cell_args;

typedef struct linrec__cell_backward_args {
    const linrec__shape *shape;
    linrec_cell cell;
    linrec_cell_inputs in;
    const void *c0; /* may be NULL */
    const void *c;
    const void *dc, *dy; /* GILR: dc, no dy; the others: dy, and dc may be NULL */
    linrec_cell_gradients grads;
    void *dc0; /* may be NULL */
} linrec__cell_backward_args;

/* What a backend is asked to open. */
typedef struct linrec__open_args {
    const linrec__host *host;
    size_t device; /* the N of "name:N" */
    int auto_pick; /* nonzero when "auto" asks: decline devices auto must not use (CPU OpenCL) */
} linrec__open_args;

/* What a backend is asked to open on the application's own device and stream or queue
 * (linrec/cuda.h, linrec/opencl.h). Such a context is asynchronous: its buffer scans are enqueued
 * on `queue` and return. */
typedef struct linrec__native_args {
    const linrec__host *host;
    int device;  /* cuda: the device ordinal */
    void *queue; /* cuda: a cudaStream_t, NULL the default stream; opencl: a cl_command_queue */
} linrec__native_args;

/* The backend keeps its data in host memory: the core allocates buffers with malloc, buffer
 * operations are memcpy, and the *_device operations are never called. */
#define LINREC__BACKEND_HOST_MEMORY 0x1u

typedef struct linrec__backend {
    unsigned abi_version; /* LINREC__ABI_VERSION */
    const char *name;     /* canonical lower-case name */
    unsigned flags;       /* LINREC__BACKEND_* */
    /* The element kinds its scans serve (LINREC__ELEMENT_BIT of each); the core answers
     * LINREC_ERR_UNSUPPORTED for the others. */
    unsigned scan_elements;

    /* Binds device args->device; stores backend state (may be NULL) in *state. Returns
     * LINREC_ERR_BACKEND_UNAVAILABLE with the reason when the device or driver is missing. */
    linrec_status (*open)(const linrec__open_args *args, void **state);
    void (*close)(void *state);
    /* Human-readable device description, valid while the state lives. */
    const char *(*device)(const void *state);

    /* Host-pointer scans. Device backends may leave them NULL: the core then stages the data
     * through temporary device buffers. */
    linrec_status (*scan)(void *state, const linrec__scan_args *args);
    linrec_status (*scan_backward)(void *state, const linrec__backward_args *args);

    /* Device memory; all NULL for LINREC__BACKEND_HOST_MEMORY. Offsets and sizes are validated. */
    linrec_status (*buffer_alloc)(void *state, size_t bytes, void **memory);
    void (*buffer_free)(void *state, void *memory);
    linrec_status (*buffer_write)(void *state, void *memory, size_t offset, const void *src,
                                  size_t bytes);
    linrec_status (*buffer_read)(void *state, const void *memory, size_t offset, void *dst,
                                 size_t bytes);
    linrec_status (*scan_device)(void *state, const linrec__scan_args *args);
    linrec_status (*scan_backward_device)(void *state, const linrec__backward_args *args);

    /* Fused cells on host pointers (linrec/cells.h); NULL where the backend has none, and the
     * core answers LINREC_ERR_UNSUPPORTED. */
    linrec_status (*cell_forward)(void *state, const linrec__cell_args *args);
    linrec_status (*cell_backward)(void *state, const linrec__cell_backward_args *args);

    /* Native interop; all NULL where the backend has none, and the core answers
     * LINREC_ERR_UNSUPPORTED. open_native opens a context as open does. set_stream (cuda only)
     * moves later work to another stream, ordered after the work already enqueued. buffer_wrap
     * makes a memory handle (for every operation above, and freed by buffer_free) that borrows
     * `bytes` of the application's memory `native` from byte `offset`; buffer_native returns the
     * native memory of any of the backend's handles and stores its byte offset. synchronize
     * waits for the work enqueued so far and returns the first error it met; it returns LINREC_OK
     * at once for a context opened by open. */
    linrec_status (*open_native)(const linrec__native_args *args, void **state);
    linrec_status (*set_stream)(void *state, void *stream);
    linrec_status (*buffer_wrap)(void *state, void *native, size_t offset, size_t bytes,
                                 void **memory);
    void *(*buffer_native)(const void *memory, size_t *offset);
    linrec_status (*synchronize)(void *state);
} linrec__backend;

typedef const linrec__backend *(*linrec__plugin_entry_fn)(const linrec__host *host);

/* Defines a plugin's exported entry point: it refuses a host of another interface version, keeps
 * the host's services in `host_variable` and returns `table`. The core calls it at every context
 * creation, while other threads may be using the plugin, so `host_variable` must be _Atomic. */
#define LINREC__DEFINE_PLUGIN_ENTRY(table, host_variable)                                          \
    __attribute__((visibility("default"))) const linrec__backend *linrec_plugin_entry(             \
        const linrec__host *services);                                                             \
    const linrec__backend *linrec_plugin_entry(const linrec__host *services)                       \
    {                                                                                              \
        if (services->abi_version != LINREC__ABI_VERSION)                                          \
            return NULL;                                                                           \
        host_variable = services;                                                                  \
        return &(table);                                                                           \
    }

#endif /* LINREC_SRC_BACKEND_H */
