#include "layers.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

/* Gate order: GILR-LSTM: GILR gate and candidate, then the LSTM's f, i, z, o; SRU: f, x~, r;
 * QRNN: f, z, o. A cell reads its pre-activations from consecutive gates in its roles' order. */
enum { SURROGATE_GATES = 2 };

static linrec_cell_kind cell_of(nn_layer_kind kind)
{
    return kind == NN_SRU    ? LINREC_CELL_SRU
           : kind == NN_QRNN ? LINREC_CELL_QRNN
                             : LINREC_CELL_GILR_LSTM;
}

/* Consecutive arrays from `first` in the roles of cell `kind`; SRU's x is `highway`. */
static void roles(linrec_cell_kind kind, float *const *first, float *highway, float *out[5])
{
    memset(out, 0, 5 * sizeof *out);
    out[0] = first[0];
    if (kind == LINREC_CELL_GILR_LSTM) {
        out[1] = first[1];
        out[2] = first[2];
        out[3] = first[3];
    } else {
        out[2] = first[1];
        if (kind != LINREC_CELL_GILR)
            out[3] = first[2];
        if (kind == LINREC_CELL_SRU)
            out[4] = highway;
    }
}

static linrec_cell_inputs inputs(linrec_cell_kind kind, float *const *first, float *highway)
{
    float *r[5];
    roles(kind, first, highway, r);
    return (linrec_cell_inputs){r[0], r[1], r[2], r[3], r[4]};
}

static linrec_cell_gradients gradients(linrec_cell_kind kind, float *const *first, float *highway)
{
    float *r[5];
    roles(kind, first, highway, r);
    return (linrec_cell_gradients){r[0], r[1], r[2], r[3], r[4]};
}

static size_t gates_of(nn_layer_kind kind)
{
    return kind == NN_GILR_LSTM ? SURROGATE_GATES + 4 : 3;
}

int nn_layer_init(nn_layer *layer, nn_layer_kind kind, size_t width, const nn_source *input,
                  size_t hidden, nn_params *params)
{
    if (kind == NN_SRU && input->dim != hidden)
        return 0;
    *layer = (nn_layer){.kind = kind, .hidden = hidden, .width = width, .input = input};
    layer->gate_count = gates_of(kind);
    layer->surrogate.dim = hidden;
    layer->output.dim = hidden;
    for (size_t g = 0; g < layer->gate_count; g++) {
        int bias = !(kind == NN_SRU && g == 1);
        nn_gate_begin(&layer->gates[g], params, hidden, bias);
        if (kind == NN_GILR_LSTM && g >= SURROGATE_GATES)
            nn_gate_term(&layer->gates[g], params, &layer->surrogate, 0);
        for (size_t shift = 0; shift < (kind == NN_QRNN ? width : 1); shift++)
            nn_gate_term(&layer->gates[g], params, input, shift);
    }
    return 1;
}

void nn_layer_init_weights(nn_layer *layer, nn_rng *rng, nn_biases biases)
{
    int lstm = layer->kind == NN_GILR_LSTM;
    for (size_t g = 0; g < layer->gate_count; g++) {
        float bias = lstm && g == 0                             ? biases.surrogate
                     : g == 0 || (lstm && g == SURROGATE_GATES) ? biases.forget
                     : lstm && g == SURROGATE_GATES + 1         ? biases.input
                                                                : 0.0f;
        nn_gate_init(&layer->gates[g], rng, 0.05f, bias);
    }
}

static float *rows_of(size_t steps, size_t batch, size_t hidden)
{
    return calloc(steps * batch * hidden, sizeof(float));
}

int nn_layer_alloc(nn_layer *layer, size_t steps, size_t batch)
{
    size_t h = layer->hidden;
    int ok = 1;
    for (size_t g = 0; g < layer->gate_count; g++) {
        layer->p[g] = rows_of(steps, batch, h);
        ok &= layer->p[g] != NULL;
    }
    /* the gradients, plus one more array: SRU's highway gradient */
    for (size_t g = 0; g < layer->gate_count + (layer->kind == NN_SRU); g++) {
        layer->dp[g] = rows_of(steps, batch, h);
        ok &= layer->dp[g] != NULL;
    }
    if (layer->kind == NN_GILR_LSTM) {
        layer->surrogate.dense = rows_of(steps, batch, h);
        layer->surrogate.grad = rows_of(steps, batch, h);
        ok &= layer->surrogate.dense && layer->surrogate.grad;
    }
    layer->c = rows_of(steps, batch, h);
    layer->output.dense = rows_of(steps, batch, h);
    layer->output.grad = rows_of(steps, batch, h);
    return ok && layer->c && layer->output.dense && layer->output.grad;
}

void nn_layer_free(nn_layer *layer)
{
    for (size_t g = 0; g < NN_MAX_GATES; g++) {
        free(layer->p[g]);
        free(layer->dp[g]);
    }
    free(layer->surrogate.dense);
    free(layer->surrogate.grad);
    free(layer->c);
    free(layer->output.dense);
    free(layer->output.grad);
}

static linrec_problem problem_of(const nn_layer *layer, size_t steps, size_t batch)
{
    return (linrec_problem){LINREC_F32, LINREC_LAYOUT_TBC, batch, steps, layer->hidden, 0};
}

static void gates_forward(nn_layer *layer, size_t first, size_t last, size_t steps, size_t batch)
{
    for (size_t g = first; g < last; g++)
        nn_gate_forward(&layer->gates[g], steps, batch, layer->p[g]);
}

static void gates_backward(nn_layer *layer, size_t first, size_t last, size_t steps, size_t batch,
                           const float *ones)
{
    for (size_t g = first; g < last; g++)
        nn_gate_backward(&layer->gates[g], steps, batch, layer->dp[g], ones);
}

linrec_status nn_layer_forward(nn_layer *layer, linrec_context *ctx, size_t steps, size_t batch)
{
    linrec_problem p = problem_of(layer, steps, batch);
    linrec_cell_kind kind = cell_of(layer->kind);
    size_t first = 0;
    if (layer->kind == NN_GILR_LSTM) {
        gates_forward(layer, 0, SURROGATE_GATES, steps, batch);
        linrec_cell gilr = {LINREC_CELL_GILR, LINREC_ACTIVATION_TANH};
        linrec_cell_inputs in = inputs(LINREC_CELL_GILR, layer->p, NULL);
        linrec_status status =
            linrec_cell_forward(ctx, &gilr, &p, &in, NULL, layer->surrogate.dense, NULL);
        if (status != LINREC_OK)
            return status;
        first = SURROGATE_GATES;
    }
    gates_forward(layer, first, layer->gate_count, steps, batch);
    linrec_cell cell = {kind, LINREC_ACTIVATION_TANH};
    linrec_cell_inputs in = inputs(kind, layer->p + first, layer->input->dense);
    return linrec_cell_forward(ctx, &cell, &p, &in, NULL, layer->c, layer->output.dense);
}

/* SRU's highway gradient, computed apart because a cell's outputs alias nothing. */
static void add_highway(nn_layer *layer, size_t steps, size_t batch)
{
    if (layer->input->grad)
        cblas_saxpy((int)(steps * batch * layer->hidden), 1.0f, layer->dp[layer->gate_count], 1,
                    layer->input->grad, 1);
}

linrec_status nn_layer_backward(nn_layer *layer, linrec_context *ctx, size_t steps, size_t batch,
                                const float *ones)
{
    linrec_problem p = problem_of(layer, steps, batch);
    linrec_cell_kind kind = cell_of(layer->kind);
    size_t first = layer->kind == NN_GILR_LSTM ? SURROGATE_GATES : 0;
    linrec_cell cell = {kind, LINREC_ACTIVATION_TANH};
    linrec_cell_inputs in = inputs(kind, layer->p + first, layer->input->dense);
    float *highway = layer->kind == NN_SRU ? layer->dp[layer->gate_count] : NULL;
    linrec_cell_gradients grads = gradients(kind, layer->dp + first, highway);
    linrec_status status = linrec_cell_backward(ctx, &cell, &p, &in, NULL, layer->c, NULL,
                                                layer->output.grad, &grads, NULL);
    if (status != LINREC_OK)
        return status;
    if (layer->kind == NN_SRU)
        add_highway(layer, steps, batch);
    if (layer->kind == NN_GILR_LSTM)
        memset(layer->surrogate.grad, 0, steps * batch * layer->hidden * sizeof(float));
    gates_backward(layer, first, layer->gate_count, steps, batch, ones);
    if (layer->kind != NN_GILR_LSTM)
        return LINREC_OK;
    linrec_cell gilr = {LINREC_CELL_GILR, LINREC_ACTIVATION_TANH};
    linrec_cell_inputs gilr_in = inputs(LINREC_CELL_GILR, layer->p, NULL);
    linrec_cell_gradients gilr_grads = gradients(LINREC_CELL_GILR, layer->dp, NULL);
    status = linrec_cell_backward(ctx, &gilr, &p, &gilr_in, NULL, layer->surrogate.dense,
                                  layer->surrogate.grad, NULL, &gilr_grads, NULL);
    if (status == LINREC_OK)
        gates_backward(layer, 0, SURROGATE_GATES, steps, batch, ones);
    return status;
}
