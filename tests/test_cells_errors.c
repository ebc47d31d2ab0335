/* Bad fused-cell calls return their status and a sentence naming the problem, on every backend:
 * the core checks them before any backend code runs. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "linrec/cells.h"

#define expect_invalid(call, fragment) expect_failure(call, LINREC_ERR_INVALID_ARGUMENT, fragment)

enum { B = 2, T = 5, C = 3, N = B * T * C };

static const linrec_problem good = {LINREC_F32, LINREC_LAYOUT_TBC, B, T, C, 0};

/* Arrays for every role, state and gradient; a call passes the ones its kind needs. */
typedef struct arrays {
    float f[N], i[N], z[N], o[N], x[N], c0[B * C], c[N], y[N], dc[N], dy[N];
    float df[N], di[N], dz[N], dout[N], dx[N], dc0[B * C];
} arrays;

static arrays *arrays_new(void)
{
    arrays *a = calloc(1, sizeof *a);
    cr_assert_not_null(a);
    return a;
}

Test(cells_errors, null_context_problem_cell_and_structs)
{
    linrec_context *ctx = test_context();
    arrays *a = arrays_new();
    linrec_cell gilr = {LINREC_CELL_GILR, LINREC_ACTIVATION_TANH};
    linrec_cell_inputs in = {.f = a->f, .z = a->z};
    linrec_cell_gradients grads = {.f = a->df, .z = a->dz};
    expect_invalid(linrec_cell_forward(NULL, &gilr, &good, &in, NULL, a->c, NULL), "context");
    expect_invalid(linrec_cell_forward(ctx, NULL, &good, &in, NULL, a->c, NULL), "cell is NULL");
    expect_invalid(linrec_cell_forward(ctx, &gilr, NULL, &in, NULL, a->c, NULL), "problem");
    expect_invalid(linrec_cell_forward(ctx, &gilr, &good, NULL, NULL, a->c, NULL), "inputs");
    expect_invalid(
        linrec_cell_backward(ctx, &gilr, &good, &in, NULL, a->c, a->dc, NULL, NULL, NULL),
        "gradients");
    expect_invalid(
        linrec_cell_backward(ctx, &gilr, &good, NULL, NULL, a->c, a->dc, NULL, &grads, NULL),
        "inputs");
    free(a);
    linrec_context_destroy(ctx);
}

Test(cells_errors, bad_kind_activation_and_problem)
{
    linrec_context *ctx = test_context();
    arrays *a = arrays_new();
    linrec_cell_inputs in = {.f = a->f, .z = a->z};
    linrec_cell cell = {(linrec_cell_kind)4, LINREC_ACTIVATION_TANH};
    expect_invalid(linrec_cell_forward(ctx, &cell, &good, &in, NULL, a->c, NULL), "kind 4");
    cell = (linrec_cell){LINREC_CELL_GILR, (linrec_activation)2};
    expect_invalid(linrec_cell_forward(ctx, &cell, &good, &in, NULL, a->c, NULL), "activation 2");
    cell = (linrec_cell){LINREC_CELL_SRU, LINREC_ACTIVATION_ELU};
    expect_invalid(linrec_cell_forward(ctx, &cell, &good, &in, NULL, a->c, NULL), "SRU");
    cell = (linrec_cell){LINREC_CELL_GILR, LINREC_ACTIVATION_TANH};
    linrec_problem p = good;
    p.flags = 0x2;
    expect_invalid(linrec_cell_forward(ctx, &cell, &p, &in, NULL, a->c, NULL), "flags");
    free(a);
    linrec_context_destroy(ctx);
}

Test(cells_errors, required_and_unused_arrays)
{
    linrec_context *ctx = test_context();
    arrays *a = arrays_new();
    linrec_cell gilr = {LINREC_CELL_GILR, LINREC_ACTIVATION_TANH};
    linrec_cell qrnn = {LINREC_CELL_QRNN, LINREC_ACTIVATION_TANH};
    linrec_cell_inputs gilr_in = {.f = a->f};
    expect_invalid(linrec_cell_forward(ctx, &gilr, &good, &gilr_in, NULL, a->c, NULL),
                   "in->z is NULL");
    gilr_in.z = a->z;
    expect_invalid(linrec_cell_forward(ctx, &gilr, &good, &gilr_in, NULL, NULL, NULL), "c is NULL");
    expect_invalid(linrec_cell_forward(ctx, &gilr, &good, &gilr_in, NULL, a->c, a->y),
                   "y is given");
    linrec_cell_gradients gilr_grads = {.f = a->df, .z = a->dz};
    expect_invalid(linrec_cell_backward(ctx, &gilr, &good, &gilr_in, NULL, a->c, NULL, NULL,
                                        &gilr_grads, NULL),
                   "dc is NULL");
    expect_invalid(linrec_cell_backward(ctx, &gilr, &good, &gilr_in, NULL, a->c, a->dc, a->dy,
                                        &gilr_grads, NULL),
                   "dy is given");

    linrec_cell_inputs qrnn_in = {.f = a->f, .i = a->i, .z = a->z, .o = a->o};
    expect_invalid(linrec_cell_forward(ctx, &qrnn, &good, &qrnn_in, NULL, a->c, a->y),
                   "in->i is given");
    qrnn_in.i = NULL;
    expect_invalid(linrec_cell_forward(ctx, &qrnn, &good, &qrnn_in, NULL, a->c, NULL), "y is NULL");
    linrec_cell_gradients qrnn_grads = {.f = a->df, .z = a->dz, .o = a->dout, .x = a->dx};
    expect_invalid(linrec_cell_backward(ctx, &qrnn, &good, &qrnn_in, NULL, a->c, NULL, a->dy,
                                        &qrnn_grads, NULL),
                   "grads->x is given");
    qrnn_grads.x = NULL;
    expect_invalid(linrec_cell_backward(ctx, &qrnn, &good, &qrnn_in, NULL, a->c, NULL, NULL,
                                        &qrnn_grads, NULL),
                   "dy is NULL");
    qrnn_grads.o = NULL;
    expect_invalid(linrec_cell_backward(ctx, &qrnn, &good, &qrnn_in, NULL, a->c, NULL, a->dy,
                                        &qrnn_grads, NULL),
                   "grads->o is NULL");
    free(a);
    linrec_context_destroy(ctx);
}

Test(cells_errors, overlapping_arrays)
{
    linrec_context *ctx = test_context();
    arrays *a = arrays_new();
    linrec_cell sru = {LINREC_CELL_SRU, LINREC_ACTIVATION_TANH};
    linrec_cell_inputs in = {.f = a->f, .z = a->z, .o = a->o, .x = a->x};
    linrec_cell_gradients grads = {.f = a->df, .z = a->dz, .o = a->dout, .x = a->dx};
    expect_invalid(linrec_cell_forward(ctx, &sru, &good, &in, NULL, a->f, a->y),
                   "output c overlaps input in->f");
    expect_invalid(linrec_cell_forward(ctx, &sru, &good, &in, NULL, a->c, a->c + 1),
                   "output c overlaps output y");
    expect_invalid(linrec_cell_forward(ctx, &sru, &good, &in, a->c + 3, a->c, a->y),
                   "output c overlaps input c0");
    grads.z = a->dy;
    expect_invalid(
        linrec_cell_backward(ctx, &sru, &good, &in, NULL, a->c, NULL, a->dy, &grads, NULL),
        "output grads->z overlaps input dy");
    grads.z = a->dz;
    expect_invalid(
        linrec_cell_backward(ctx, &sru, &good, &in, NULL, a->c, NULL, a->dy, &grads, a->dx + 2),
        "output grads->x overlaps output dc0");
    free(a);
    linrec_context_destroy(ctx);
}

/* No elements: nothing is read or written and the call succeeds, as for linrec_scan. */
Test(cells_errors, empty_problems_do_nothing)
{
    linrec_context *ctx = test_context();
    linrec_cell lstm = {LINREC_CELL_GILR_LSTM, LINREC_ACTIVATION_ELU};
    linrec_problem p = good;
    p.steps = 0;
    cr_expect_eq(linrec_cell_forward(ctx, &lstm, &p, NULL, NULL, NULL, NULL), LINREC_OK, "%s",
                 linrec_last_error());
    cr_expect_eq(linrec_cell_backward(ctx, &lstm, &p, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                 LINREC_OK, "%s", linrec_last_error());
    linrec_context_destroy(ctx);
}
