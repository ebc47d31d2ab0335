/*
 * The fused cells' reference: each cell's formulas of linrec/cells.h evaluated as written, unfused,
 * in long double (sharing no code with the library), with the same formulas evaluated on absolute
 * values beside them as the bound of any correct evaluation's rounding error: every operand
 * replaced by its absolute value and every subtraction by an addition, so 1 - s(F) is bounded by
 * 1 + s(F) and tanh'(Z) = 1 - tanh(Z)^2 by 1 + tanh(Z)^2. A correct backend's error at an element
 * is a small multiple of epsilon times that bound, as for the scan (reference.h).
 */
#ifndef LINREC_TESTS_REFERENCE_CELLS_H
#define LINREC_TESTS_REFERENCE_CELLS_H

#include "linrec/cells.h"

/* The pre-activations as doubles, NULL where the kind has none. */
typedef struct ref_cell_inputs {
    const double *f, *i, *z, *o, *x;
} ref_cell_inputs;

/* A result and its bound, [B*T*C] each (or [B*C] for dc0). */
typedef struct ref_values {
    long double *value, *bound;
} ref_values;

/* Forward: c, and y unless the kind is GILR, from the inputs and c0 (NULL: zeros). */
void ref_cell_forward(const linrec_problem *p, const linrec_cell *cell, const ref_cell_inputs *in,
                      const double *c0, const ref_values *c, const ref_values *y);

/* The gradients of every role, in the order f, i, z, o, x (entries of roles the kind lacks are
 * left alone), and of c0. */
typedef struct ref_cell_gradients {
    ref_values role[5];
    ref_values c0;
} ref_cell_gradients;

/* Backward from the inputs, c0 (may be NULL), the forward state c, and dc, dy (each may be NULL:
 * zeros). */
void ref_cell_backward(const linrec_problem *p, const linrec_cell *cell, const ref_cell_inputs *in,
                       const double *c0, const double *c, const double *dc, const double *dy,
                       const ref_cell_gradients *out);

#endif /* LINREC_TESTS_REFERENCE_CELLS_H */
