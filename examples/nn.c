#include "nn.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

uint64_t nn_next(nn_rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

float nn_uniform(nn_rng *rng, float lo, float hi)
{
    return lo + (hi - lo) * (float)((double)(nn_next(rng) >> 11) / 9007199254740992.0);
}

void nn_take(nn_params *params, size_t n, float **value, float **grad)
{
    *value = params->value ? params->value + params->count : NULL;
    *grad = params->grad ? params->grad + params->count : NULL;
    params->count += n;
}

int nn_params_alloc(nn_params *params, size_t count)
{
    *params = (nn_params){calloc(count, sizeof(float)),
                          calloc(count, sizeof(float)),
                          calloc(count, sizeof(float)),
                          calloc(count, sizeof(float)),
                          0,
                          0};
    if (params->value && params->grad && params->m && params->v)
        return 1;
    nn_params_free(params);
    return 0;
}

void nn_params_free(nn_params *params)
{
    free(params->value);
    free(params->grad);
    free(params->m);
    free(params->v);
    *params = (nn_params){0};
}

double nn_clip(nn_params *params, double clip)
{
    double norm = cblas_snrm2((int)params->count, params->grad, 1);
    if (norm > clip)
        cblas_sscal((int)params->count, (float)(clip / norm), params->grad, 1);
    return norm;
}

void nn_adam(nn_params *params, double lr)
{
    const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
    params->step++;
    double step =
        lr * sqrt(1 - pow(beta2, (double)params->step)) / (1 - pow(beta1, (double)params->step));
    for (size_t k = 0; k < params->count; k++) {
        float g = params->grad[k];
        params->m[k] = (float)(beta1 * params->m[k] + (1 - beta1) * g);
        params->v[k] = (float)(beta2 * params->v[k] + (1 - beta2) * g * g);
        params->value[k] -= (float)(step * params->m[k] / (sqrt(params->v[k]) + epsilon));
    }
}

void nn_gate_begin(nn_gate *gate, nn_params *params, size_t out, int bias)
{
    *gate = (nn_gate){.out = out};
    if (bias)
        nn_take(params, out, &gate->b, &gate->db);
}

void nn_gate_term(nn_gate *gate, nn_params *params, const nn_source *source, size_t shift)
{
    nn_term *term = &gate->terms[gate->term_count++];
    term->source = source;
    term->shift = shift;
    nn_take(params, source->dim * gate->out, &term->w, &term->dw);
}

void nn_gate_init(nn_gate *gate, nn_rng *rng, float scale, float bias)
{
    for (size_t t = 0; t < gate->term_count; t++)
        for (size_t k = 0; k < gate->terms[t].source->dim * gate->out; k++)
            gate->terms[t].w[k] = nn_uniform(rng, -scale, scale);
    for (size_t k = 0; gate->b && k < gate->out; k++)
        gate->b[k] = bias;
}

/* p[rows from shift] += source[rows] W for one term; a one-hot row adds its weight row. */
static void term_forward(const nn_term *term, size_t out, size_t rows, float *p)
{
    const nn_source *s = term->source;
    if (s->dense) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)out, (int)s->dim,
                    1.0f, s->dense, (int)s->dim, term->w, (int)out, 1.0f, p, (int)out);
        return;
    }
    /* a gather, not a product: a BLAS call per row of a few units costs more than its work */
    for (size_t r = 0; r < rows; r++) {
        const float *w = term->w + (size_t)s->hot[r] * out;
        float value = s->hot_value[r], *row = p + r * out;
        for (size_t j = 0; j < out; j++)
            row[j] += value * w[j];
    }
}

void nn_gate_forward(const nn_gate *gate, size_t steps, size_t batch, float *p)
{
    size_t rows = steps * batch, out = gate->out;
    for (size_t r = 0; r < rows; r++)
        if (gate->b)
            memcpy(p + r * out, gate->b, out * sizeof *p);
        else
            memset(p + r * out, 0, out * sizeof *p);
    for (size_t t = 0; t < gate->term_count; t++) {
        const nn_term *term = &gate->terms[t];
        if (term->shift < steps)
            term_forward(term, out, (steps - term->shift) * batch, p + term->shift * batch * out);
    }
}

/* The gradients of one term from dp (already shifted to the term's rows). */
static void term_backward(const nn_term *term, size_t out, size_t rows, const float *dp)
{
    const nn_source *s = term->source;
    if (!s->dense) {
        for (size_t r = 0; r < rows; r++) {
            float *dw = term->dw + (size_t)s->hot[r] * out, value = s->hot_value[r];
            const float *row = dp + r * out;
            for (size_t j = 0; j < out; j++)
                dw[j] += value * row[j];
        }
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)s->dim, (int)out, (int)rows, 1.0f,
                s->dense, (int)s->dim, dp, (int)out, 1.0f, term->dw, (int)out);
    if (s->grad)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)s->dim, (int)out, 1.0f,
                    dp, (int)out, term->w, (int)out, 1.0f, s->grad, (int)s->dim);
}

void nn_gate_backward(const nn_gate *gate, size_t steps, size_t batch, const float *dp,
                      const float *ones)
{
    size_t rows = steps * batch, out = gate->out;
    if (gate->db)
        cblas_sgemv(CblasRowMajor, CblasTrans, (int)rows, (int)out, 1.0f, dp, (int)out, ones, 1,
                    1.0f, gate->db, 1);
    for (size_t t = 0; t < gate->term_count; t++) {
        const nn_term *term = &gate->terms[t];
        if (term->shift < steps)
            term_backward(term, out, (steps - term->shift) * batch, dp + term->shift * batch * out);
    }
}
