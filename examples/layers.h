/*
 * The paper's recurrent layers on linrec's fused cells: each layer computes its gates' pre-
 * activations with CBLAS products (nn.h) and hands them to one fused cell per scan.
 *   GILR-LSTM  a GILR surrogate h~ = GILR(V_g x, V_z x), then an LSTM memory whose four gates read
 *              [h~, x]: two scans per layer.
 *   SRU        x~, f, r from one linear map of x; needs input width == hidden.
 *   QRNN(k)    z, f, o from a causal convolution of width k over x; fo-pooling.
 */
#ifndef LINREC_EXAMPLES_LAYERS_H
#define LINREC_EXAMPLES_LAYERS_H

#include "linrec/cells.h"
#include "nn.h"

typedef enum nn_layer_kind { NN_GILR_LSTM, NN_SRU, NN_QRNN } nn_layer_kind;

enum { NN_MAX_GATES = 6 };

typedef struct nn_layer {
    nn_layer_kind kind;
    size_t hidden, width; /* width: QRNN's filter width */
    const nn_source *input;
    nn_gate gates[NN_MAX_GATES];
    size_t gate_count;
    float *p[NN_MAX_GATES], *dp[NN_MAX_GATES]; /* pre-activations and their gradients */
    nn_source surrogate;                       /* GILR-LSTM's h~ (dense) and dL/dh~ (grad) */
    float *c;
    nn_source output; /* y, and dL/dy in its grad, written by whatever reads y */
} nn_layer;

/* Declares the layer's gates on `input` and takes their parameters (sizing while params has no
 * values; see nn_take). Returns 0 when the kind cannot take this input (SRU's width). */
int nn_layer_init(nn_layer *layer, nn_layer_kind kind, size_t width, const nn_source *input,
                  size_t hidden, nn_params *params);
/* Initial biases: of the forget gates (SRU's and QRNN's f and GILR-LSTM's f; the paper's code:
 * 5), of GILR-LSTM's input gate (0) and of its GILR surrogate's gate (the paper's code: 5, as a
 * forget gate); every other bias starts at 0. */
typedef struct nn_biases {
    float forget, input, surrogate;
} nn_biases;

/* Weights uniform in +-0.05, as the paper's code, and the biases. */
void nn_layer_init_weights(nn_layer *layer, nn_rng *rng, nn_biases biases);
/* Allocates the activations of `steps` x `batch` rows; returns 0 on failure. */
int nn_layer_alloc(nn_layer *layer, size_t steps, size_t batch);
void nn_layer_free(nn_layer *layer);

/* output.dense = the layer on its input. Returns linrec's status. */
linrec_status nn_layer_forward(nn_layer *layer, linrec_context *ctx, size_t steps, size_t batch);
/* From output.grad: adds to the parameter gradients and to input->grad when it has one (zeroed by
 * the caller). Returns linrec's status. */
linrec_status nn_layer_backward(nn_layer *layer, linrec_context *ctx, size_t steps, size_t batch,
                                const float *ones);

#endif /* LINREC_EXAMPLES_LAYERS_H */
