/*
 * linrec-demo: the synthetic task of Martin & Cundy (problem 2b of Hochreiter & Schmidhuber),
 * learned by stacked GILR-LSTM layers on linrec's fused cells.
 *
 * Every step of a sequence is a one-hot vector of 128 dimensions drawn at random, except the
 * first, which is +e_0 or -e_0; the label is that sign, read out by a linear layer from the last
 * step. Softmax cross-entropy, Adam with global-norm gradient clipping, fresh data for every
 * minibatch; converged once 5 minibatches in a row are classified without error.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "program.h"

enum { SYMBOLS = 128, CLASSES = 2, MAX_LAYERS = 8, STREAK = 5, CURRICULUM_GROWTH = 2 };

/* The GILR surrogate's gate: a memory of a few thousand steps whatever T; its state feeds the LSTM
 * gates, and a longer one only gathers more noise. */
#define SURROGATE_BIAS 8.0f

/* The layers above the first start as the paper's code does: they read the first layer's state,
 * which holds the answer at every step, so they need no long memory of their own, and a shut
 * input gate would only lengthen the path from that state to the readout. */
#define UPPER_FORGET_BIAS 5.0f
#define UPPER_INPUT_BIAS 0.0f

typedef struct options {
    size_t steps, hidden, layers, batch;
    const char *backend;
    size_t seed, paired, evaluate, curriculum;
    double lr, clip, forget_bias, input_bias;
    long max_iterations, every;
} options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: linrec-demo [options]\n"
            "  --steps T           sequence length (default 2048)\n"
            "  --hidden H          units per layer (default 32)\n"
            "  --layers L          stacked GILR-LSTM layers, at most %d (default 2)\n"
            "  --batch B           sequences per minibatch (default 16)\n"
            "  --backend NAME      linrec backend (default: LINREC_BACKEND, else auto)\n"
            "  --seed S            seed of the data and the initial weights (default 1)\n"
            "  --lr X              Adam learning rate (default 0.01)\n"
            "  --clip X            global gradient-norm clip (default 20)\n"
            "  --forget-bias X     initial bias of the first layer's LSTM forget gates (default\n"
            "                      ln(T) + 2; the layers above start at 5, as in the paper)\n"
            "  --input-bias X      initial bias of the first layer's LSTM input gates (default\n"
            "                      -ln(T)/2 - 2; the layers above start at 0)\n"
            "  --paired 0|1        1: a minibatch's two classes come in pairs that share their\n"
            "                      random steps and differ only in the first (default 1)\n"
            "  --evaluate N        after 5 minibatches in a row right (the paper's criterion),\n"
            "                      classify N fresh independent sequences, and train on\n"
            "                      unless every one is right (default 64; 0: stop at the\n"
            "                      paper's criterion)\n"
            "  --curriculum T0     converge at T0 steps first, then at 2 T0, 4 T0, ... and\n"
            "                      T (default 0: at T from the start)\n"
            "  --max-iterations N  give up after N minibatches (default 100000)\n"
            "  --every N           print progress every N minibatches (default 10)\n"
            "Exits 0 once converged, 1 when it gave up or failed, 2 on bad options.\n",
            MAX_LAYERS);
}

/* The first layer's biases left unset (NaN) take their length-aware values for T steps: a forget
 * gate that keeps about 87 % of the state over the whole sequence (T e^-b = e^-2), and an input
 * gate shut so far that the random steps' sum, whose noise grows like sqrt(T) times the gate, stays
 * below one step's worth (sqrt(T) e^b = e^-2), while opening it for one symbol is a move of about
 * ln(T)/2 rather than ln T. With the paper's fixed 5 and 0 the state forgets the first step, or
 * the random steps drown it, beyond a few thousand steps. */
static void length_aware_biases(options *o)
{
    double log_steps = log((double)(o->steps > 1 ? o->steps : 2));
    if (isnan(o->forget_bias))
        o->forget_bias = log_steps + 2;
    if (isnan(o->input_bias))
        o->input_bias = -(log_steps / 2 + 2);
}

/* Returns 1 with the options read; else, having printed the usage, 0 for bad ones, -1 for help. */
static int parse(int argc, char **argv, options *o)
{
    *o = (options){2048, 32, 2, 16, NULL, 1, 1, 64, 0, 0.01, 20.0, NAN, NAN, 100000, 10};
    const program_option table[] = {
        {"--steps", OPTION_SIZE, &o->steps},
        {"--hidden", OPTION_SIZE, &o->hidden},
        {"--layers", OPTION_SIZE, &o->layers},
        {"--batch", OPTION_SIZE, &o->batch},
        {"--backend", OPTION_TEXT, &o->backend},
        {"--seed", OPTION_SIZE, &o->seed},
        {"--paired", OPTION_SIZE, &o->paired},
        {"--evaluate", OPTION_SIZE, &o->evaluate},
        {"--curriculum", OPTION_SIZE, &o->curriculum},
        {"--lr", OPTION_DOUBLE, &o->lr},
        {"--clip", OPTION_DOUBLE, &o->clip},
        {"--forget-bias", OPTION_DOUBLE, &o->forget_bias},
        {"--input-bias", OPTION_DOUBLE, &o->input_bias},
        {"--max-iterations", OPTION_LONG, &o->max_iterations},
        {"--every", OPTION_LONG, &o->every},
    };
    int parsed = program_parse(argc, argv, table, sizeof table / sizeof table[0], usage);
    if (parsed != 1)
        return parsed;
    length_aware_biases(o);
    if (o->steps > 0 && o->hidden > 0 && o->batch > 0 && o->layers > 0 && o->layers <= MAX_LAYERS &&
        o->lr > 0 && o->clip > 0 && o->every > 0)
        return 1;
    usage(stderr);
    return 0;
}

/* The model and one minibatch's data and buffers. */
typedef struct model {
    nn_params params;
    nn_source input; /* the one-hot steps */
    nn_layer layers[MAX_LAYERS];
    size_t layer_count, steps, batch, hidden;
    float *w_out, *dw_out, *b_out, *db_out; /* readout: [hidden][CLASSES], [CLASSES] */
    float *ones, *probabilities;
    int *labels;
} model;

/* Declares every parameter; while sizing (no values yet) only counts them. */
static void declare(model *m)
{
    m->params.count = 0;
    for (size_t l = 0; l < m->layer_count; l++) {
        const nn_source *below = l == 0 ? &m->input : &m->layers[l - 1].output;
        nn_layer_init(&m->layers[l], NN_GILR_LSTM, 1, below, m->hidden, &m->params);
    }
    nn_take(&m->params, m->hidden * CLASSES, &m->w_out, &m->dw_out);
    nn_take(&m->params, CLASSES, &m->b_out, &m->db_out);
}

static int model_create(model *m, const options *o)
{
    *m = (model){
        .layer_count = o->layers, .steps = o->steps, .batch = o->batch, .hidden = o->hidden};
    m->input.dim = SYMBOLS;
    declare(m);
    if (!nn_params_alloc(&m->params, m->params.count))
        return 0;
    declare(m);
    nn_rng rng = {o->seed};
    nn_biases first = {(float)o->forget_bias, (float)o->input_bias, SURROGATE_BIAS};
    nn_biases upper = {UPPER_FORGET_BIAS, UPPER_INPUT_BIAS, SURROGATE_BIAS};
    for (size_t l = 0; l < m->layer_count; l++)
        nn_layer_init_weights(&m->layers[l], &rng, l == 0 ? first : upper);
    for (size_t k = 0; k < m->hidden * CLASSES; k++)
        m->w_out[k] = nn_uniform(&rng, -0.05f, 0.05f);
    size_t rows = m->steps * m->batch;
    m->input.hot = malloc(rows * sizeof(int32_t));
    m->input.hot_value = malloc(rows * sizeof(float));
    m->ones = malloc(rows * sizeof(float));
    m->probabilities = malloc(m->batch * CLASSES * sizeof(float));
    m->labels = malloc(m->batch * sizeof(int));
    if (!m->input.hot || !m->input.hot_value || !m->ones || !m->probabilities || !m->labels)
        return 0;
    for (size_t r = 0; r < rows; r++)
        m->ones[r] = 1.0f;
    for (size_t l = 0; l < m->layer_count; l++)
        if (!nn_layer_alloc(&m->layers[l], m->steps, m->batch))
            return 0;
    return 1;
}

static void model_free(model *m)
{
    for (size_t l = 0; l < m->layer_count; l++)
        nn_layer_free(&m->layers[l]);
    nn_params_free(&m->params);
    free(m->input.hot);
    free(m->input.hot_value);
    free(m->ones);
    free(m->probabilities);
    free(m->labels);
}

/* A fresh minibatch: half of each class (the odd one out at random), the first step -e_0 or
 * +e_0 by class, every other step a uniformly drawn symbol (which may be +e_0, never -e_0). When
 * `paired`, sequences 2k and 2k+1 share those random steps: each sequence is still drawn as the
 * task says, but the minibatch's gradient no longer carries the difference of two independent
 * sets of T random steps, whose noise grows like sqrt(T) while the first step's signal does not. */
static void generate(model *m, nn_rng *rng, int paired)
{
    int32_t *hot = m->input.hot;
    float *value = m->input.hot_value;
    size_t balanced = m->batch / 2 * 2, pairs_end = paired ? balanced : 0;
    for (size_t b = 0; b < m->batch; b++) {
        int label = b < balanced ? (int)(b % 2) : (int)(nn_next(rng) & 1);
        m->labels[b] = label;
        hot[b] = 0;
        value[b] = label ? 1.0f : -1.0f;
    }
    for (size_t r = m->batch; r < m->steps * m->batch; r++) {
        size_t b = r % m->batch;
        hot[r] = b % 2 == 1 && b < pairs_end ? hot[r - 1] : (int32_t)(nn_next(rng) % SYMBOLS);
        value[r] = 1.0f;
    }
}

/* The readout of the last step: softmax probabilities, the mean cross-entropy and the count of
 * correct answers; then dL/dlogits into `probabilities`' place and everything before it. */
static double readout(model *m, int *correct)
{
    const nn_layer *top = &m->layers[m->layer_count - 1];
    const float *last = top->output.dense + (m->steps - 1) * m->batch * m->hidden;
    float *logits = m->probabilities;
    for (size_t b = 0; b < m->batch; b++)
        memcpy(logits + b * CLASSES, m->b_out, CLASSES * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m->batch, CLASSES, (int)m->hidden,
                1.0f, last, (int)m->hidden, m->w_out, CLASSES, 1.0f, logits, CLASSES);
    double loss = 0;
    *correct = 0;
    for (size_t b = 0; b < m->batch; b++) {
        float *z = logits + b * CLASSES;
        float top_logit = z[0] > z[1] ? z[0] : z[1];
        double e0 = exp(z[0] - top_logit), e1 = exp(z[1] - top_logit);
        int label = m->labels[b];
        *correct += (z[1] > z[0]) == label;
        /* log-sum-exp minus the label's logit: finite however far apart the logits are */
        loss += log(e0 + e1) - (z[label] - top_logit);
        z[0] = (float)(e0 / (e0 + e1));
        z[1] = (float)(e1 / (e0 + e1));
    }
    return loss / (double)m->batch;
}

/* Gradients of the readout from the probabilities; writes dL/dy of the top layer's last step. */
static void readout_backward(model *m)
{
    nn_layer *top = &m->layers[m->layer_count - 1];
    size_t offset = (m->steps - 1) * m->batch * m->hidden;
    float *dlogits = m->probabilities;
    for (size_t b = 0; b < m->batch; b++) {
        dlogits[b * CLASSES + (size_t)m->labels[b]] -= 1.0f;
        for (size_t k = 0; k < CLASSES; k++) {
            dlogits[b * CLASSES + k] /= (float)m->batch;
            m->db_out[k] += dlogits[b * CLASSES + k];
        }
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m->hidden, CLASSES, (int)m->batch,
                1.0f, top->output.dense + offset, (int)m->hidden, dlogits, CLASSES, 1.0f, m->dw_out,
                CLASSES);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m->batch, (int)m->hidden, CLASSES,
                1.0f, dlogits, CLASSES, m->w_out, CLASSES, 0.0f, top->output.grad + offset,
                (int)m->hidden);
}

/* The layers and the readout on the minibatch in place: its loss and count of correct answers. */
static linrec_status forward(model *m, linrec_context *ctx, double *loss, int *correct)
{
    for (size_t l = 0; l < m->layer_count; l++) {
        linrec_status status = nn_layer_forward(&m->layers[l], ctx, m->steps, m->batch);
        if (status != LINREC_OK)
            return status;
    }
    *loss = readout(m, correct);
    return LINREC_OK;
}

/* One minibatch: forward, loss, backward, clipped Adam step. */
static linrec_status train_step(model *m, linrec_context *ctx, const options *o, double *loss,
                                int *correct)
{
    linrec_status status = forward(m, ctx, loss, correct);
    if (status != LINREC_OK)
        return status;
    memset(m->params.grad, 0, m->params.count * sizeof(float));
    readout_backward(m);
    for (size_t l = m->layer_count; l-- > 0;) {
        if (l > 0)
            memset(m->layers[l - 1].output.grad, 0,
                   m->steps * m->batch * m->hidden * sizeof(float));
        status = nn_layer_backward(&m->layers[l], ctx, m->steps, m->batch, m->ones);
        if (status != LINREC_OK)
            return status;
    }
    nn_clip(&m->params, o->clip);
    nn_adam(&m->params, o->lr);
    return LINREC_OK;
}

static void report_failure(linrec_status status)
{
    fprintf(stderr, "linrec-demo: %s: %s\n", linrec_status_string(status), linrec_last_error());
}

/* The model on o->evaluate fresh sequences, independent of each other and of training (no pairs):
 * a streak of a few small minibatches can be luck, or a model that tells most sequences but not
 * all. Returns 1 when every one was classified right (or none were asked for), 0 when not, -1
 * when the model could not run. */
static int evaluate(model *m, linrec_context *ctx, const options *o)
{
    if (o->evaluate == 0)
        return 1;
    nn_rng data = {o->seed ^ 0xe7a1e7a1e7a1ull};
    size_t seen = 0, right = 0;
    double loss_sum = 0, start = program_seconds();
    while (seen < o->evaluate) {
        generate(m, &data, 0);
        double loss;
        int correct;
        linrec_status status = forward(m, ctx, &loss, &correct);
        if (status != LINREC_OK) {
            report_failure(status);
            return -1;
        }
        seen += m->batch;
        right += (size_t)correct;
        loss_sum += loss * (double)m->batch;
    }
    printf("held out: %zu of %zu fresh sequences right (%.1f%%), loss %.4f, in %.1f s\n", right,
           seen, 100.0 * (double)right / (double)seen, loss_sum / (double)seen,
           program_seconds() - start);
    return right == seen;
}

/* Trains at the model's current length until it converges there: the paper's streak, then every
 * held-out sequence right. `step` counts minibatches across calls, `start` is the clock at the
 * first. Returns 0 once converged, 1 when it gave up (o->max_iterations in all) or failed. */
static int train_at_length(model *m, linrec_context *ctx, const options *o, nn_rng *data,
                           long *step, double start)
{
    double window_start = program_seconds(), window_loss = 0;
    int window_correct = 0, streak = 0;
    long in_window = 0;
    while (*step < o->max_iterations) {
        ++*step;
        generate(m, data, o->paired != 0);
        double loss;
        int correct;
        linrec_status status = train_step(m, ctx, o, &loss, &correct);
        if (status != LINREC_OK) {
            report_failure(status);
            return 1;
        }
        streak = (size_t)correct == m->batch ? streak + 1 : 0;
        window_loss += loss;
        window_correct += correct;
        in_window++;
        if (in_window == o->every || streak == STREAK) {
            double t = program_seconds();
            printf("step %6ld  loss %.4f  accuracy %5.1f%%  %.2f steps/s\n", *step,
                   window_loss / (double)in_window,
                   100.0 * window_correct / (double)(in_window * (long)m->batch),
                   (double)in_window / (t - window_start));
            fflush(stdout);
            window_start = t;
            window_loss = 0;
            window_correct = 0;
            in_window = 0;
        }
        if (streak < STREAK)
            continue;
        printf("%d minibatches in a row right after %ld steps, %.1f s\n", STREAK, *step,
               program_seconds() - start);
        fflush(stdout);
        int solved = evaluate(m, ctx, o);
        if (solved < 0)
            return 1;
        if (solved) {
            printf("converged at T = %zu after %ld steps (%zu sequences) in %.1f s\n", m->steps,
                   *step, (size_t)*step * m->batch, program_seconds() - start);
            return 0;
        }
        printf("training on until every held-out sequence is right\n");
        streak = 0;
        window_start = program_seconds();
    }
    printf("gave up at T = %zu: no convergence in %ld steps, %.1f s\n", m->steps, o->max_iterations,
           program_seconds() - start);
    return 1;
}

/* Trains to convergence at o->steps; with a curriculum, at o->curriculum steps first and then at
 * CURRICULUM_GROWTH times the length before, until the full length (the same model, its biases
 * chosen for o->steps): each stage starts from a model that tells the first step, so the random
 * steps' noise in the gradient (docs/benchmarks.md) no longer swamps the signal. */
static int train(model *m, linrec_context *ctx, const options *o)
{
    nn_rng data = {o->seed ^ 0x5eed5eed5eedull};
    double start = program_seconds();
    long step = 0;
    size_t full = m->steps;
    for (size_t length = o->curriculum; length > 0 && length < full; length *= CURRICULUM_GROWTH) {
        m->steps = length;
        printf("curriculum: T = %zu\n", length);
        int result = train_at_length(m, ctx, o, &data, &step, start);
        if (result != 0)
            return result;
    }
    m->steps = full;
    if (o->curriculum > 0)
        printf("curriculum: T = %zu\n", full);
    return train_at_length(m, ctx, o, &data, &step, start);
}

int main(int argc, char **argv)
{
    options o;
    int parsed = parse(argc, argv, &o);
    if (parsed != 1)
        return program_exit_status(parsed);
    program_single_threaded_blas();
    program_flush_subnormals();
    linrec_context *ctx;
    if (linrec_context_create(o.backend, &ctx) != LINREC_OK) {
        fprintf(stderr, "linrec-demo: %s\n", linrec_last_error());
        return 1;
    }
    model m;
    int result = 1;
    if (!model_create(&m, &o))
        fprintf(stderr, "linrec-demo: out of memory for %zu steps x %zu sequences x %zu units\n",
                o.steps, o.batch, o.hidden);
    else {
        printf("linrec-demo: %zu steps, %zu GILR-LSTM layers of %zu units, batch %zu%s, %zu "
               "parameters, biases forget %.2f input %.2f, lr %g, backend %s (%s), seed %zu\n",
               o.steps, o.layers, o.hidden, o.batch, o.paired ? " (paired)" : "", m.params.count,
               o.forget_bias, o.input_bias, o.lr, linrec_context_backend(ctx),
               linrec_context_device(ctx), o.seed);
        result = train(&m, ctx, &o);
    }
    model_free(&m);
    linrec_context_destroy(ctx);
    return result;
}
