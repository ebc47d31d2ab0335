/*
 * The gate math of the fused cells (linrec/cells.h) for one element type, shared by every host
 * backend so that each computes the very same function: included once per element kind, f32 and
 * f64, by cell_kernels.h through src/element_instances.h, with REAL set to E_REAL.
 *
 * Forward, each element of step t turns its pre-activations into the pair (a_t, x_t) of the
 * recurrence c_t = a_t c_{t-1} + x_t, and the state into the output y_t. Backward, the gradient
 * of the state, g_t = e_t + a_{t+1} g_{t+1}, has the direct part e_t = dc_t + dy_t dy_t/dc_t; the
 * backward scan carries k_t = a_t g_t from one step to the one before (k of the first step is
 * dc0), which is itself a linear recurrence k_t = a_t k_{t+1} + a_t e_t. Everything an element
 * needs is read at its own index, so a backend may evaluate elements in any order.
 */
#define CELL_FN(name) E_FN(name)
#define CELL CELL_FN(linrec__cell)

/* The arrays of one call, typed. Forward leaves the backward fields NULL. */
typedef struct CELL {
    linrec_cell_kind kind;
    int elu;
    const REAL *f, *i, *z, *o, *x;
    const REAL *dc, *dy;
    REAL *df, *di, *dz, *dout, *dx;
} CELL;

static inline CELL CELL_FN(linrec__cell_of)(const linrec_cell *cell, const linrec_cell_inputs *in)
{
    CELL k = {.kind = cell->kind,
              .elu = cell->activation == LINREC_ACTIVATION_ELU,
              .f = in->f,
              .i = in->i,
              .z = in->z,
              .o = in->o,
              .x = in->x};
    return k;
}

static inline CELL CELL_FN(linrec__cell_of_forward)(const linrec__cell_args *args)
{
    return CELL_FN(linrec__cell_of)(&args->cell, &args->in);
}

static inline CELL CELL_FN(linrec__cell_of_backward)(const linrec__cell_backward_args *args)
{
    CELL k = CELL_FN(linrec__cell_of)(&args->cell, &args->in);
    k.dc = args->dc;
    k.dy = args->dy;
    k.df = args->grads.f;
    k.di = args->grads.i;
    k.dz = args->grads.z;
    k.dout = args->grads.o;
    k.dx = args->grads.x;
    return k;
}

static inline REAL CELL_FN(linrec__sigmoid)(REAL v)
{
    return 1 / (1 + exp(-v));
}

/* tau(Z), or Z itself for SRU. */
static inline REAL CELL_FN(linrec__candidate)(const CELL *k, size_t e)
{
    REAL v = k->z[e];
    if (k->kind == LINREC_CELL_SRU)
        return v;
    if (k->elu)
        return v > 0 ? v : expm1(v);
    return tanh(v);
}

/* d tau / dZ given u = tau(Z); exp(Z) rather than u + 1 keeps ELU's slope accurate far left. */
static inline REAL CELL_FN(linrec__candidate_slope)(const CELL *k, size_t e, REAL u)
{
    if (k->kind == LINREC_CELL_SRU)
        return 1;
    if (k->elu)
        return k->z[e] > 0 ? 1 : exp(k->z[e]);
    return 1 - u * u;
}

/* The coefficient a_t = s(F_t). */
static inline REAL CELL_FN(linrec__cell_a)(const CELL *k, size_t e)
{
    return CELL_FN(linrec__sigmoid)(k->f[e]);
}

/* The pair (a_t, x_t) of element e. */
static inline REAL CELL_FN(linrec__cell_pair)(const CELL *k, size_t e, REAL *x)
{
    REAL a = CELL_FN(linrec__cell_a)(k, e);
    REAL mix = k->kind == LINREC_CELL_GILR_LSTM ? CELL_FN(linrec__sigmoid)(k->i[e]) : 1 - a;
    *x = mix * CELL_FN(linrec__candidate)(k, e);
    return a;
}

/* y_t from the state c_t (not called for GILR, whose output is c). */
static inline REAL CELL_FN(linrec__cell_output)(const CELL *k, size_t e, REAL c)
{
    REAL so = CELL_FN(linrec__sigmoid)(k->o[e]);
    if (k->kind == LINREC_CELL_SRU)
        return so * c + (1 - so) * k->x[e];
    return so * c;
}

/* s(O_t) where the kind has an output gate, else 0. */
static inline REAL CELL_FN(linrec__cell_output_gate)(const CELL *k, size_t e)
{
    return k->o ? CELL_FN(linrec__sigmoid)(k->o[e]) : 0;
}

/* e_t = dc_t + dy_t s(O_t), either part absent where its array is. */
static inline REAL CELL_FN(linrec__cell_direct)(const CELL *k, size_t e, REAL so)
{
    return (k->dc ? k->dc[e] : 0) + (k->dy ? k->dy[e] * so : 0);
}

/* The pair (a_t, a_t e_t) of the backward carry's recurrence k_t = a_t k_{t+1} + a_t e_t. */
static inline REAL CELL_FN(linrec__cell_backward_pair)(const CELL *k, size_t e, REAL *x)
{
    REAL a = CELL_FN(linrec__cell_a)(k, e);
    *x = a * CELL_FN(linrec__cell_direct)(k, e, CELL_FN(linrec__cell_output_gate)(k, e));
    return a;
}

/* The gradients of the output gate and the highway input, which need dy and c_t only. */
static inline void CELL_FN(linrec__cell_output_gradients)(const CELL *k, size_t e, REAL so, REAL c)
{
    REAL dy = k->dy[e], slope = so * (1 - so);
    if (k->kind == LINREC_CELL_SRU) {
        k->dout[e] = dy * (c - k->x[e]) * slope;
        k->dx[e] = dy * (1 - so);
    } else {
        k->dout[e] = dy * c * slope;
    }
}

/*
 * The backward step of element e: from the carry k_{t+1} (0 at the last step), the state before
 * (c_{t-1}, or c0, or 0) and c_t, writes every gradient of the element and returns k_t = a_t g_t.
 */
static inline REAL CELL_FN(linrec__cell_backward_step)(const CELL *k, size_t e, REAL carry,
                                                       REAL before, REAL c)
{
    REAL so = CELL_FN(linrec__cell_output_gate)(k, e);
    REAL g = CELL_FN(linrec__cell_direct)(k, e, so) + carry;
    REAL a = CELL_FN(linrec__cell_a)(k, e), a_slope = a * (1 - a);
    REAL u = CELL_FN(linrec__candidate)(k, e), u_slope = CELL_FN(linrec__candidate_slope)(k, e, u);
    if (k->kind == LINREC_CELL_GILR_LSTM) {
        REAL si = CELL_FN(linrec__sigmoid)(k->i[e]);
        k->df[e] = g * before * a_slope;
        k->di[e] = g * u * (si * (1 - si));
        k->dz[e] = g * si * u_slope;
    } else {
        k->df[e] = g * (before - u) * a_slope;
        k->dz[e] = g * (1 - a) * u_slope;
    }
    if (k->o)
        CELL_FN(linrec__cell_output_gradients)(k, e, so, c);
    return a * g;
}

#undef CELL
#undef CELL_FN
