/*
 * linrec: first-order linear recurrences h_t = a_t * h_{t-1} + x_t computed in parallel over the
 * sequence length, on the backend chosen at run time (serial, openmp, opencl, cuda).
 *
 * Conventions of this API:
 * - Every function that can fail returns a linrec_status; on failure linrec_last_error() holds a
 *   sentence naming what was wrong, for the calling thread.
 * - Every call is synchronous: outputs are complete when it returns.
 * - Every function is thread-safe; one context may be used from several threads at once.
 * - Nothing here aborts, exits or prints, except that LINREC_VERBOSE=1 makes context creation
 *   report its backend choice on stderr.
 */
#ifndef LINREC_LINREC_H
#define LINREC_LINREC_H

#include <stddef.h>

#include "linrec/export.h"
#include "linrec/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The outcome of a call. Numeric values are stable across versions. */
typedef enum linrec_status {
    LINREC_OK = 0,
    /* NULL where data is needed, bad enum/flag, size overflow, bad overlap, out-of-range offset */
    LINREC_ERR_INVALID_ARGUMENT = 1,
    /* unknown name, not built, plugin/driver/device missing */
    LINREC_ERR_BACKEND_UNAVAILABLE = 2,
    /* valid request this backend/device cannot serve (e.g. f64 without device doubles) */
    LINREC_ERR_UNSUPPORTED = 3,
    /* host or device allocation failed */
    LINREC_ERR_OUT_OF_MEMORY = 4,
    /* driver, runtime or kernel failure */
    LINREC_ERR_DEVICE = 5,
    /* a buffer that belongs to another context */
    LINREC_ERR_BACKEND_MISMATCH = 6
} linrec_status;

/* Element type of the arrays of a problem. f32 and f64 are computed in their own precision. The
 * half types are storage only: every value is widened to f32, the recurrence runs in f32 (the state
 * carried between steps is that f32 value, never the rounded output), and each output is rounded
 * once, to nearest even, when it is stored. Overflow gives +-inf; NaN stays NaN.
 *
 * The complex types hold every array (a, x, h, h0, dh, dx, da, dh0) as complex numbers stored as
 * interleaved (real, imaginary) pairs, the layout of C's float _Complex, C++'s std::complex<float>
 * and numpy's and PyTorch's complex64. An element is one complex number: sizes, strides and the
 * overlap rules count complex elements (8 or 16 bytes). The forward pass multiplies as complex
 * numbers, with the plain formula (re = ar*hr - ai*hi, im = ar*hi + ai*hr). The backward pass
 * follows PyTorch's convention for the gradient of a real loss L: an array's gradient is
 * dL/dRe + i*dL/dIm, so that dx_t = dh_t + conj(a_next) * dx_next (a_next: the coefficient of the
 * step after t in the problem's direction), da_t = dx_t * conj(h_prev) and
 * dh0 = conj(a_first) * dx_first. (JAX's convention is the conjugate of these.) The cells of
 * linrec/cells.h take no complex dtype. */
typedef enum linrec_dtype {
    LINREC_F32 = 0,  /* IEEE binary32 */
    LINREC_F64 = 1,  /* IEEE binary64 */
    LINREC_F16 = 2,  /* IEEE binary16, 16-bit elements */
    LINREC_BF16 = 3, /* bfloat16 (the upper 16 bits of an f32), 16-bit elements */
    LINREC_C64 = 4,  /* complex of two binary32 (real, imaginary), 8-byte elements */
    LINREC_C128 = 5  /* complex of two binary64 (real, imaginary), 16-byte elements */
} linrec_dtype;

/* Where element (b, t, c) lives, with B = batch, T = steps, C = channels. */
typedef enum linrec_layout {
    LINREC_LAYOUT_TBC = 0, /* [steps][batch][channels]: (t*B + b)*C + c, time-major */
    LINREC_LAYOUT_BTC = 1, /* [batch][steps][channels]: (b*T + t)*C + c, batch-first */
    LINREC_LAYOUT_BCT = 2  /* [batch][channels][steps]: (b*C + c)*T + t, time innermost */
} linrec_layout;

/* Run from the last step to the first: h_t = a_t * h_{t+1} + x_t, h0 entering at t = T-1. */
#define LINREC_REVERSE 0x1u

/* With LINREC_F16 or LINREC_BF16 only (with any other dtype it is LINREC_ERR_INVALID_ARGUMENT):
 * a (and da in backward) are f32 arrays while every other array is of the half dtype. bf16 holds no
 * value between 0.99609375 and 1, so without this flag every decay above about 0.998 rounds to 1
 * and a long memory becomes a plain sum. */
#define LINREC_COEFFICIENTS_F32 0x2u

/* One call's shape. batch * channels independent sequences of `steps` steps each. */
typedef struct linrec_problem {
    linrec_dtype dtype;
    linrec_layout layout;
    size_t batch, steps, channels; /* any may be 0: the call is then a no-op returning LINREC_OK */
    unsigned flags;                /* 0, or LINREC_REVERSE and/or LINREC_COEFFICIENTS_F32 */
} linrec_problem;

/* A backend bound to one device. Opaque. */
typedef struct linrec_context linrec_context;
/* Memory on a context's device. Opaque. */
typedef struct linrec_buffer linrec_buffer;

/* Returns the library's version as "MAJOR.MINOR.PATCH" (static text). */
LINREC_API const char *linrec_version(void);

/* Returns a static description of `status`; never NULL, also for unknown codes. */
LINREC_API const char *linrec_status_string(linrec_status status);

/* Returns the detail of this thread's last failed call, or "" if none failed yet. The text stays
 * valid until this thread's next failing call. Successful calls leave it unchanged. */
LINREC_API const char *linrec_last_error(void);

/* Returns how many backend names this build knows (built or not), in "auto" preference order. */
LINREC_API size_t linrec_backend_count(void);

/* Returns the canonical name of backend `index` ("cuda", "opencl", "openmp", "serial"), or NULL
 * when index >= linrec_backend_count(). */
LINREC_API const char *linrec_backend_name(size_t index);

/* Returns LINREC_OK if linrec_context_create(name, ...) would succeed here now, otherwise the
 * status it would return (with the reason in linrec_last_error()). `name` may be "name:N" or
 * "auto"; NULL reads LINREC_BACKEND like linrec_context_create. */
LINREC_API linrec_status linrec_backend_probe(const char *name);

/* Creates a context on backend `backend`: "serial", "openmp", "opencl", "cuda", optionally followed
 * by ":N" to pick device N (default 0), case-insensitive; "auto" picks the first usable backend of
 * cuda, opencl (GPU or accelerator devices only), openmp, serial. NULL reads the LINREC_BACKEND
 * environment variable (unset or empty means "auto"). A backend named explicitly never falls back.
 * Returns LINREC_OK and stores the context in *out, or a failure status and leaves *out NULL:
 * LINREC_ERR_INVALID_ARGUMENT (out is NULL, malformed name), LINREC_ERR_BACKEND_UNAVAILABLE,
 * LINREC_ERR_OUT_OF_MEMORY, LINREC_ERR_DEVICE. */
LINREC_API linrec_status linrec_context_create(const char *backend, linrec_context **out);

/* Releases the context. Buffers still alive keep its device resources until they are destroyed.
 * NULL is a no-op. */
LINREC_API void linrec_context_destroy(linrec_context *ctx);

/* Returns the canonical backend name of `ctx`, e.g. "openmp"; "" for NULL. */
LINREC_API const char *linrec_context_backend(const linrec_context *ctx);

/* Returns a human-readable description of the context's device; "" for NULL. */
LINREC_API const char *linrec_context_device(const linrec_context *ctx);

/* Waits until the work enqueued so far on an asynchronous context (one made on the application's
 * own stream or queue: linrec/cuda.h, linrec/opencl.h) has run. Returns LINREC_OK, or the first
 * error that work met on the device (LINREC_ERR_DEVICE, with its sentence in linrec_last_error()),
 * or LINREC_ERR_INVALID_ARGUMENT for a NULL context. Every other context is synchronous, and this
 * returns LINREC_OK for it at once. */
LINREC_API linrec_status linrec_context_synchronize(linrec_context *ctx);

/* Computes h = scan(a, x, h0) on host memory. a, x, h hold batch*steps*channels elements in the
 * problem's layout; h0 holds [batch][channels] elements or is NULL (zeros). h may equal x (in
 * place); any other overlap between h and an input is an error (in bytes of each array's own
 * type). Returns LINREC_OK, or LINREC_ERR_INVALID_ARGUMENT, LINREC_ERR_UNSUPPORTED (among others
 * for a dtype the backend has no kernels for), LINREC_ERR_OUT_OF_MEMORY, LINREC_ERR_DEVICE. */
LINREC_API linrec_status linrec_scan(linrec_context *ctx, const linrec_problem *p, const void *a,
                                     const void *x, const void *h0, void *h);

/* Gradients through h = scan(a, x, h0) given dh = dL/dh, on host memory, for the same problem
 * (layout, flags) as the forward call. dx = dL/dx is required; da = dL/da and dh0 = dL/dh0
 * ([batch][channels]) may each be NULL to skip them. h is the forward output; it may be NULL only
 * when da is NULL. h0 may be NULL (zeros). dx may equal dh; any other overlap between an output and
 * any array is an error. Returns the same statuses as linrec_scan. */
LINREC_API linrec_status linrec_scan_backward(linrec_context *ctx, const linrec_problem *p,
                                              const void *a, const void *h0, const void *h,
                                              const void *dh, void *dx, void *da, void *dh0);

/* Allocates `bytes` (> 0) of memory on the context's device. Returns LINREC_OK and stores the
 * buffer in *out, or LINREC_ERR_INVALID_ARGUMENT, LINREC_ERR_OUT_OF_MEMORY, LINREC_ERR_DEVICE. */
LINREC_API linrec_status linrec_buffer_create(linrec_context *ctx, size_t bytes,
                                              linrec_buffer **out);

/* Releases the buffer. NULL is a no-op. */
LINREC_API void linrec_buffer_destroy(linrec_buffer *buf);

/* Returns the buffer's size in bytes; 0 for NULL. */
LINREC_API size_t linrec_buffer_size(const linrec_buffer *buf);

/* Copies `bytes` from host memory `src` into the buffer at byte `offset`. Returns LINREC_OK, or
 * LINREC_ERR_INVALID_ARGUMENT when the range passes the buffer's end or a pointer is NULL,
 * LINREC_ERR_DEVICE. */
LINREC_API linrec_status linrec_buffer_write(linrec_buffer *buf, size_t offset, const void *src,
                                             size_t bytes);

/* Copies `bytes` from the buffer at byte `offset` into host memory `dst`. Same statuses as
 * linrec_buffer_write. */
LINREC_API linrec_status linrec_buffer_read(const linrec_buffer *buf, size_t offset, void *dst,
                                            size_t bytes);

/* linrec_scan on buffers of `ctx`, each holding its array from byte 0. h0 may be NULL; h may be the
 * same buffer as x. Returns linrec_scan's statuses, LINREC_ERR_INVALID_ARGUMENT for a buffer
 * smaller than the problem, and LINREC_ERR_BACKEND_MISMATCH for a buffer of another context. */
LINREC_API linrec_status linrec_scan_buffers(linrec_context *ctx, const linrec_problem *p,
                                             const linrec_buffer *a, const linrec_buffer *x,
                                             const linrec_buffer *h0, linrec_buffer *h);

/* linrec_scan_backward on buffers of `ctx`; h0, h, da and dh0 may be NULL as there; dx may be the
 * same buffer as dh. Returns linrec_scan_buffers' statuses. */
LINREC_API linrec_status linrec_scan_backward_buffers(linrec_context *ctx, const linrec_problem *p,
                                                      const linrec_buffer *a,
                                                      const linrec_buffer *h0,
                                                      const linrec_buffer *h,
                                                      const linrec_buffer *dh, linrec_buffer *dx,
                                                      linrec_buffer *da, linrec_buffer *dh0);

#ifdef __cplusplus
}
#endif

#endif /* LINREC_LINREC_H */
