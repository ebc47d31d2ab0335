#include "reference_cells.h"

#include <math.h>

#include "reference.h"

static long double sigmoid(long double v)
{
    return 1.0L / (1.0L + expl(-v));
}

/* tau(Z), or Z for SRU. */
static long double candidate(const linrec_cell *cell, long double z)
{
    if (cell->kind == LINREC_CELL_SRU)
        return z;
    if (cell->activation == LINREC_ACTIVATION_ELU)
        return z > 0 ? z : expm1l(z);
    return tanhl(z);
}

/* d tau / dZ; with `bound` set, the same evaluated on absolute values. */
static long double candidate_slope(const linrec_cell *cell, long double z, int bound)
{
    if (cell->kind == LINREC_CELL_SRU)
        return 1;
    if (cell->activation == LINREC_ACTIVATION_ELU)
        return z > 0 ? 1 : expl(z);
    long double t = tanhl(z);
    return bound ? 1 + t * t : 1 - t * t;
}

static long double value(const double *array, size_t i)
{
    return array ? (long double)array[i] : 0.0L;
}

void ref_cell_forward(const linrec_problem *p, const linrec_cell *cell, const ref_cell_inputs *in,
                      const double *c0, const ref_values *c, const ref_values *y)
{
    for (size_t b = 0; b < p->batch; b++)
        for (size_t ch = 0; ch < p->channels; ch++) {
            long double state = value(c0, b * p->channels + ch), state_bound = fabsl(state);
            for (size_t k = 0; k < p->steps; k++) {
                size_t i = ref_index(p, b, ref_step_at(p, k), ch);
                long double forget = sigmoid(in->f[i]), u = candidate(cell, in->z[i]);
                long double x, x_bound;
                if (cell->kind == LINREC_CELL_GILR_LSTM) {
                    long double input = sigmoid(in->i[i]);
                    x = input * u;
                    x_bound = input * fabsl(u);
                } else {
                    x = (1 - forget) * u;
                    x_bound = (1 + forget) * fabsl(u);
                }
                state = forget * state + x;
                state_bound = forget * state_bound + x_bound;
                c->value[i] = state;
                c->bound[i] = state_bound;
                if (cell->kind == LINREC_CELL_GILR)
                    continue;
                long double out = sigmoid(in->o[i]);
                y->value[i] = out * state;
                y->bound[i] = out * state_bound;
                if (cell->kind == LINREC_CELL_SRU) {
                    y->value[i] += (1 - out) * in->x[i];
                    y->bound[i] += (1 + out) * fabsl((long double)in->x[i]);
                }
            }
        }
}

static void set(const ref_values *v, size_t i, long double value, long double bound)
{
    v->value[i] = value;
    v->bound[i] = bound;
}

/* The gradients of element i given the state gradient g (bound gb), c_{t-1} and c_t. */
static void element_gradients(const linrec_cell *cell, const ref_cell_inputs *in, size_t i,
                              long double g, long double gb, long double before, long double state,
                              long double dy, const ref_cell_gradients *out)
{
    enum { F, I, Z, O, X };
    long double forget = sigmoid(in->f[i]), u = candidate(cell, in->z[i]);
    long double forget_slope = forget * (1 - forget), forget_slope_bound = forget * (1 + forget);
    long double u_slope = candidate_slope(cell, in->z[i], 0);
    long double u_slope_bound = candidate_slope(cell, in->z[i], 1);
    if (cell->kind == LINREC_CELL_GILR_LSTM) {
        long double input = sigmoid(in->i[i]);
        set(&out->role[F], i, g * before * forget_slope, gb * fabsl(before) * forget_slope_bound);
        set(&out->role[I], i, g * u * input * (1 - input), gb * fabsl(u) * input * (1 + input));
        set(&out->role[Z], i, g * input * u_slope, gb * input * u_slope_bound);
    } else {
        set(&out->role[F], i, g * (before - u) * forget_slope,
            gb * (fabsl(before) + fabsl(u)) * forget_slope_bound);
        set(&out->role[Z], i, g * (1 - forget) * u_slope, gb * (1 + forget) * u_slope_bound);
    }
    if (cell->kind == LINREC_CELL_GILR)
        return;
    long double gate = sigmoid(in->o[i]);
    long double slope = gate * (1 - gate), slope_bound = gate * (1 + gate);
    if (cell->kind == LINREC_CELL_SRU) {
        long double highway = in->x[i];
        set(&out->role[O], i, dy * (state - highway) * slope,
            fabsl(dy) * (fabsl(state) + fabsl(highway)) * slope_bound);
        set(&out->role[X], i, dy * (1 - gate), fabsl(dy) * (1 + gate));
    } else {
        set(&out->role[O], i, dy * state * slope, fabsl(dy) * fabsl(state) * slope_bound);
    }
}

void ref_cell_backward(const linrec_problem *p, const linrec_cell *cell, const ref_cell_inputs *in,
                       const double *c0, const double *c, const double *dc, const double *dy,
                       const ref_cell_gradients *out)
{
    for (size_t b = 0; b < p->batch; b++)
        for (size_t ch = 0; ch < p->channels; ch++) {
            size_t state_at = b * p->channels + ch;
            long double g = 0, gb = 0, forget_next = 0;
            for (size_t k = p->steps; k-- > 0;) {
                size_t i = ref_index(p, b, ref_step_at(p, k), ch);
                long double direct = value(dc, i), direct_bound = fabsl(direct);
                if (cell->kind != LINREC_CELL_GILR) {
                    long double gate = sigmoid(in->o[i]);
                    direct += value(dy, i) * gate;
                    direct_bound += fabsl(value(dy, i)) * gate;
                }
                g = direct + forget_next * g;
                gb = direct_bound + forget_next * gb;
                long double before =
                    k > 0 ? (long double)c[ref_index(p, b, ref_step_at(p, k - 1), ch)]
                          : value(c0, state_at);
                element_gradients(cell, in, i, g, gb, before, c[i], value(dy, i), out);
                forget_next = sigmoid(in->f[i]);
            }
            set(&out->c0, state_at, forget_next * g, forget_next * gb);
        }
}
