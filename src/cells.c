/* The fused cell entry points: the cell, then the scan's checks on the cell's arrays, then
 * dispatch to the backend's cell operations. */
#include "arrays.h"

/* The pre-activation roles, in the order of linrec_cell_inputs. */
enum { ROLE_F, ROLE_I, ROLE_Z, ROLE_O, ROLE_X, ROLES };
#define USES(role) (1u << (role))

typedef struct cell_kind {
    const char *name;
    unsigned uses; /* USES() of each role the kind reads */
    int has_y;     /* the kind gates c into an output y */
} cell_kind;

static const cell_kind kinds[] = {
    [LINREC_CELL_GILR] = {"GILR", USES(ROLE_F) | USES(ROLE_Z), 0},
    [LINREC_CELL_GILR_LSTM] = {"GILR-LSTM",
                               USES(ROLE_F) | USES(ROLE_I) | USES(ROLE_Z) | USES(ROLE_O), 1},
    [LINREC_CELL_SRU] = {"SRU", USES(ROLE_F) | USES(ROLE_Z) | USES(ROLE_O) | USES(ROLE_X), 1},
    [LINREC_CELL_QRNN] = {"QRNN", USES(ROLE_F) | USES(ROLE_Z) | USES(ROLE_O), 1},
};

enum { FORWARD_ARRAYS = ROLES + 3, BACKWARD_ARRAYS = 2 * ROLES + 5 };

static linrec_status check_cell(const linrec_cell *cell)
{
    if (!cell)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the cell is NULL");
    if ((unsigned)cell->kind >= sizeof kinds / sizeof kinds[0])
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                            "cell kind %d is not a LINREC_CELL_* value", (int)cell->kind);
    if (cell->activation != LINREC_ACTIVATION_TANH && cell->activation != LINREC_ACTIVATION_ELU)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                            "cell activation %d is not a LINREC_ACTIVATION_* value",
                            (int)cell->activation);
    if (cell->kind == LINREC_CELL_SRU && cell->activation != LINREC_ACTIVATION_TANH)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                            "the SRU cell takes its candidate linearly; its activation must be "
                            "LINREC_ACTIVATION_TANH (the default)");
    return LINREC_OK;
}

/* An array of the sequence's shape (data) or of its states (c0, dc0). */
static linrec__array sequence_array(const linrec__shape *shape, const char *name, const void *where,
                                    array_role direction, array_need need)
{
    return (linrec__array){name, where, shape->data_bytes, direction, need, -1};
}

static linrec__array state_array(const linrec__shape *shape, const char *name, const void *where,
                                 array_role direction)
{
    return (linrec__array){name, where, shape->state_bytes, direction, ARRAY_OPTIONAL, -1};
}

/* The five pre-activation roles (or their gradients): required where the kind uses the role,
 * otherwise to be NULL. */
static void describe_roles(const linrec__shape *shape, const cell_kind *kind,
                           const char *const names[ROLES], const void *const where[ROLES],
                           array_role direction, linrec__array arrays[ROLES])
{
    for (int role = 0; role < ROLES; role++)
        arrays[role] = sequence_array(shape, names[role], where[role], direction,
                                      kind->uses & USES(role) ? ARRAY_REQUIRED : ARRAY_UNUSED);
}

static void describe_inputs(const linrec__shape *shape, const cell_kind *kind,
                            const linrec_cell_inputs *in, linrec__array arrays[ROLES])
{
    static const char *const names[ROLES] = {"in->f", "in->i", "in->z", "in->o", "in->x"};
    const void *const where[ROLES] = {in->f, in->i, in->z, in->o, in->x};
    describe_roles(shape, kind, names, where, ARRAY_INPUT, arrays);
}

static void describe_gradients(const linrec__shape *shape, const cell_kind *kind,
                               const linrec_cell_gradients *grads, linrec__array arrays[ROLES])
{
    static const char *const names[ROLES] = {"grads->f", "grads->i", "grads->z", "grads->o",
                                             "grads->x"};
    const void *const where[ROLES] = {grads->f, grads->i, grads->z, grads->o, grads->x};
    describe_roles(shape, kind, names, where, ARRAY_OUTPUT, arrays);
}

static array_need need_if(int needed)
{
    return needed ? ARRAY_REQUIRED : ARRAY_UNUSED;
}

/* The context, problem and cell, then *empty or the inputs. */
static linrec_status begin_cell_call(const linrec_context *ctx, const linrec_cell *cell,
                                     const linrec_problem *p, const linrec_cell_inputs *in,
                                     linrec__shape *shape, int *empty)
{
    linrec_status status = linrec__begin_call(ctx, p, shape, empty);
    if (status == LINREC_OK)
        status = check_cell(cell);
    if (status != LINREC_OK || *empty)
        return status;
    if (!in)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the cell inputs (in) are NULL");
    return LINREC_OK;
}

/* Whether the backend serves this cell call: it has the operation, and the dtype is f32 or f64
 * (the cells compute their gates in the dtype's own precision; half types have no cells). */
static linrec_status check_backend(const linrec_context *ctx, const linrec__shape *shape,
                                   int has_operation)
{
    if (shape->element >= LINREC__ELEMENTS_FULL)
        return linrec__fail(LINREC_ERR_UNSUPPORTED,
                            "fused cells take f32 and f64 only, not %s (linrec_scan takes it, "
                            "with gates the caller computes)",
                            linrec__element_name(shape->element));
    if (!has_operation)
        return linrec__fail(LINREC_ERR_UNSUPPORTED,
                            "backend %s has no fused cells (linrec_scan, with gates the caller "
                            "computes, works on every backend)",
                            ctx->backend->name);
    return LINREC_OK;
}

linrec_status linrec_cell_forward(linrec_context *ctx, const linrec_cell *cell,
                                  const linrec_problem *p, const linrec_cell_inputs *in,
                                  const void *c0, void *c, void *y)
{
    linrec__shape shape;
    int empty;
    linrec_status status = begin_cell_call(ctx, cell, p, in, &shape, &empty);
    if (status != LINREC_OK || empty)
        return status;
    const cell_kind *kind = &kinds[cell->kind];
    linrec__array arrays[FORWARD_ARRAYS];
    describe_inputs(&shape, kind, in, arrays);
    arrays[ROLES] = state_array(&shape, "c0", c0, ARRAY_INPUT);
    arrays[ROLES + 1] = sequence_array(&shape, "c", c, ARRAY_OUTPUT, ARRAY_REQUIRED);
    arrays[ROLES + 2] = sequence_array(&shape, "y", y, ARRAY_OUTPUT, need_if(kind->has_y));
    if ((status = linrec__check_arrays(arrays, FORWARD_ARRAYS, 0)) != LINREC_OK ||
        (status = check_backend(ctx, &shape, ctx->backend->cell_forward != NULL)) != LINREC_OK)
        return status;
    linrec__cell_args args = {&shape, *cell, *in, c0, c, y};
    return ctx->backend->cell_forward(ctx->state, &args);
}

linrec_status linrec_cell_backward(linrec_context *ctx, const linrec_cell *cell,
                                   const linrec_problem *p, const linrec_cell_inputs *in,
                                   const void *c0, const void *c, const void *dc, const void *dy,
                                   const linrec_cell_gradients *grads, void *dc0)
{
    linrec__shape shape;
    int empty;
    linrec_status status = begin_cell_call(ctx, cell, p, in, &shape, &empty);
    if (status != LINREC_OK || empty)
        return status;
    if (!grads)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the cell gradients (grads) are NULL");
    const cell_kind *kind = &kinds[cell->kind];
    linrec__array arrays[BACKWARD_ARRAYS];
    describe_inputs(&shape, kind, in, arrays);
    describe_gradients(&shape, kind, grads, arrays + ROLES);
    linrec__array *rest = arrays + 2 * ROLES;
    rest[0] = state_array(&shape, "c0", c0, ARRAY_INPUT);
    rest[1] = sequence_array(&shape, "c", c, ARRAY_INPUT, ARRAY_REQUIRED);
    rest[2] = sequence_array(&shape, "dc", dc, ARRAY_INPUT,
                             kind->has_y ? ARRAY_OPTIONAL : ARRAY_REQUIRED);
    rest[3] = sequence_array(&shape, "dy", dy, ARRAY_INPUT, need_if(kind->has_y));
    rest[4] = state_array(&shape, "dc0", dc0, ARRAY_OUTPUT);
    if ((status = linrec__check_arrays(arrays, BACKWARD_ARRAYS, 0)) != LINREC_OK ||
        (status = check_backend(ctx, &shape, ctx->backend->cell_backward != NULL)) != LINREC_OK)
        return status;
    linrec__cell_backward_args args = {&shape, *cell, *in, c0, c, dc, dy, *grads, dc0};
    return ctx->backend->cell_backward(ctx->state, &args);
}
