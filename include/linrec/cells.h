/*
 * linrec fused cells: the elementwise gates of the linear RNNs of Martin & Cundy (GILR,
 * GILR-LSTM, SRU, QRNN) computed inside the scan, so that a layer is one pass over memory.
 *
 * The caller computes the pre-activations with its own matrix products; a cell turns them into
 * the coefficient a_t and input x_t of the recurrence c_t = a_t * c_{t-1} + x_t, and the state c
 * into the layer's output y. With s(v) = 1 / (1 + exp(-v)) and tau the candidate activation
 * (tanh, or ELU where selected):
 *
 *   GILR       c_t = s(F_t) c_{t-1} + (1 - s(F_t)) tau(Z_t)        (output: c itself)
 *   GILR-LSTM  c_t = s(F_t) c_{t-1} + s(I_t) tau(Z_t),      y_t = s(O_t) c_t
 *   SRU        c_t = s(F_t) c_{t-1} + (1 - s(F_t)) Z_t,     y_t = s(O_t) c_t + (1 - s(O_t)) X_t
 *   QRNN       c_t = s(F_t) c_{t-1} + (1 - s(F_t)) tau(Z_t), y_t = s(O_t) c_t  (fo-pooling)
 *
 * F is GILR's gate G and SRU's forget gate; Z is SRU's candidate x~; O is SRU's reset gate R; X is
 * SRU's highway input x. Every array is of the problem's dtype and layout with batch*steps*channels
 * elements, except c0 and dc0, which hold [batch][channels]. LINREC_REVERSE runs the recurrence
 * from the last step to the first, as for linrec_scan.
 *
 * The conventions of linrec.h hold: synchronous, thread-safe, a status and linrec_last_error()
 * text on failure, nothing printed. Every array is a host pointer. An array that the cell kind
 * does not use must be NULL; no output may share memory with any other array (no in-place form).
 * Problems with no elements return LINREC_OK without touching anything. A backend without fused
 * cells (today: opencl, cuda) returns LINREC_ERR_UNSUPPORTED, and so does every backend for the
 * half dtypes LINREC_F16 and LINREC_BF16 (with or without LINREC_COEFFICIENTS_F32) and the complex
 * dtypes LINREC_C64 and LINREC_C128: cells take f32 and f64 only.
 */
#ifndef LINREC_CELLS_H
#define LINREC_CELLS_H

#include "linrec/linrec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which recurrence and output a cell computes (see above). Numeric values are stable. */
typedef enum linrec_cell_kind {
    LINREC_CELL_GILR = 0,      /* uses f, z; output c */
    LINREC_CELL_GILR_LSTM = 1, /* uses f, i, z, o; outputs c and y */
    LINREC_CELL_SRU = 2,       /* uses f, z, o, x; outputs c and y */
    LINREC_CELL_QRNN = 3       /* uses f, z, o; outputs c and y */
} linrec_cell_kind;

/* The candidate activation tau of GILR, GILR-LSTM and QRNN. SRU's candidate is linear and takes
 * only LINREC_ACTIVATION_TANH, the default, which it ignores. */
typedef enum linrec_activation {
    LINREC_ACTIVATION_TANH = 0,
    LINREC_ACTIVATION_ELU = 1 /* v for v > 0, exp(v) - 1 otherwise */
} linrec_activation;

/* A cell: its kind and candidate activation. */
typedef struct linrec_cell {
    linrec_cell_kind kind;
    linrec_activation activation;
} linrec_cell;

/* The pre-activations of one call, by role; those the kind does not use must be NULL. */
typedef struct linrec_cell_inputs {
    const void *f; /* forget gate (GILR: G) */
    const void *i; /* input gate (GILR-LSTM only) */
    const void *z; /* candidate (SRU: x~, taken linearly) */
    const void *o; /* output gate (SRU: the reset gate R) */
    const void *x; /* the highway input (SRU only) */
} linrec_cell_inputs;

/* The gradients of the loss with respect to each pre-activation of linrec_cell_inputs: field f
 * receives dL/dF, and so on. Those of the inputs the kind uses are required, the others NULL. */
typedef struct linrec_cell_gradients {
    void *f, *i, *z, *o, *x;
} linrec_cell_gradients;

/* Runs the cell forward on host memory: the state c (required) and, for every kind but GILR, the
 * output y (required; NULL for GILR) from the pre-activations `in` and the initial state c0
 * (NULL: zeros). Returns LINREC_OK, or LINREC_ERR_INVALID_ARGUMENT (NULL context, problem, cell
 * or inputs; a bad kind, activation or problem; a required array NULL or an unused one given;
 * overlapping arrays), LINREC_ERR_UNSUPPORTED (the backend has no fused cells),
 * LINREC_ERR_OUT_OF_MEMORY, LINREC_ERR_DEVICE. */
LINREC_API linrec_status linrec_cell_forward(linrec_context *ctx, const linrec_cell *cell,
                                             const linrec_problem *p, const linrec_cell_inputs *in,
                                             const void *c0, void *c, void *y);

/* Gradients through linrec_cell_forward for the same cell, problem, inputs and c0, given its state
 * c and the gradients of the loss with respect to c (dc) and y (dy). GILR requires dc and takes no
 * dy; the other kinds require dy, and dc may be NULL (zeros) when c feeds nothing but y. Writes
 * every gradient of `grads` the kind uses and, unless it is NULL, dc0 = dL/dc0 ([batch][channels]).
 * Returns the same statuses as linrec_cell_forward (grads NULL is an invalid argument). */
LINREC_API linrec_status linrec_cell_backward(linrec_context *ctx, const linrec_cell *cell,
                                              const linrec_problem *p, const linrec_cell_inputs *in,
                                              const void *c0, const void *c, const void *dc,
                                              const void *dy, const linrec_cell_gradients *grads,
                                              void *dc0);

#ifdef __cplusplus
}
#endif

#endif /* LINREC_CELLS_H */
