/*
 * A small neural-network kit for the paper's models, in f32 on the host: parameters with their
 * gradients and Adam moments in flat arrays, and linear gates computed with CBLAS.
 *
 * Every sequence tensor is time-major, [steps][batch][dim] (linrec's TBC layout) and row-major:
 * the rows of all steps form one matrix for the products, the scans run along time over the
 * batch*dim lanes, and the input of step t - s is the same matrix shifted by s*batch rows.
 */
#ifndef LINREC_EXAMPLES_NN_H
#define LINREC_EXAMPLES_NN_H

#include <stddef.h>
#include <stdint.h>

/* Deterministic random numbers (splitmix64). */
typedef struct nn_rng {
    uint64_t state;
} nn_rng;
uint64_t nn_next(nn_rng *rng);
/* Uniform in [lo, hi). */
float nn_uniform(nn_rng *rng, float lo, float hi);

/* Every parameter of a model in one array, its gradients and Adam moments in three more of the
 * same length, so that clipping and the optimizer are single loops. */
typedef struct nn_params {
    float *value, *grad, *m, *v;
    size_t count; /* while sizing (value NULL): the elements asked for so far */
    long step;    /* Adam steps taken */
} nn_params;

/* Hands out the next n parameters (and their gradients). While sizing, both are NULL. */
void nn_take(nn_params *params, size_t n, float **value, float **grad);
/* Allocates the arrays for `count` parameters, zeroed; returns 0 on failure. */
int nn_params_alloc(nn_params *params, size_t count);
void nn_params_free(nn_params *params);
/* Scales the gradients to global L2 norm `clip` when larger; returns the norm before. */
double nn_clip(nn_params *params, double clip);
/* One Adam step (beta1 0.9, beta2 0.999, epsilon 1e-8). */
void nn_adam(nn_params *params, double lr);

/* The input of a product: a dense [rows][dim] matrix, or one-hot rows given by their hot index
 * and its value (the product with a one-hot row is the weight row, scaled). */
typedef struct nn_source {
    size_t dim;
    float *dense; /* NULL for one-hot */
    int32_t *hot;
    float *hot_value;
    float *grad; /* receives dL/d(dense) when not NULL */
} nn_source;

/* One term W_s x_{t-s} of a gate: a [source dim][out] weight on a source shifted by `shift`
 * steps (0 for most; the taps of QRNN's causal convolution). */
typedef struct nn_term {
    const nn_source *source;
    size_t shift;
    float *w, *dw;
} nn_term;

enum { NN_MAX_TERMS = 16 };

/* A linear gate P = sum of its terms + b, over every row of every step. */
typedef struct nn_gate {
    size_t out;
    float *b, *db; /* NULL for no bias */
    nn_term terms[NN_MAX_TERMS];
    size_t term_count;
} nn_gate;

/* Starts a gate of `out` outputs, taking its bias (when `bias`) from `params`. */
void nn_gate_begin(nn_gate *gate, nn_params *params, size_t out, int bias);
/* Adds a term on `source` shifted by `shift` steps, taking its weights from `params`. */
void nn_gate_term(nn_gate *gate, nn_params *params, const nn_source *source, size_t shift);
/* Initializes the gate's weights (uniform in +-scale) and bias (`bias`). */
void nn_gate_init(nn_gate *gate, nn_rng *rng, float scale, float bias);

/* p = the gate over `steps` steps of `batch` rows. */
void nn_gate_forward(const nn_gate *gate, size_t steps, size_t batch, float *p);
/* Given dp = dL/dp: adds to the gradients of the weights, bias and (where they take one) of the
 * sources. `ones` holds steps*batch ones. */
void nn_gate_backward(const nn_gate *gate, size_t steps, size_t batch, const float *dp,
                      const float *ones);

#endif /* LINREC_EXAMPLES_NN_H */
