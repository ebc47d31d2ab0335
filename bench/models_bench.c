/*
 * linrec_models_bench: the paper's model speedup table (Martin & Cundy, Table 2). Two-layer
 * GILR-LSTM, SRU, QRNN(2) and QRNN(10) models, forward and backward through every layer, for
 * T in {16, 256, 4096, 65536} with batch * T = 65536, timed on two backends side by side (by
 * default openmp against serial). Both backends run the same model with the same CBLAS, so the
 * ratio is what the parallel scan gains inside a whole model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "program.h"

enum { LAYERS = 2, MAX_LENGTHS = 8, MODELS = 4 };

static const struct {
    const char *name;
    nn_layer_kind kind;
    size_t width;
} models[MODELS] = {
    {"GILR-LSTM", NN_GILR_LSTM, 1},
    {"SRU", NN_SRU, 1},
    {"QRNN(2)", NN_QRNN, 2},
    {"QRNN(10)", NN_QRNN, 10},
};

typedef struct options {
    size_t lengths[MAX_LENGTHS], length_count, rows, hidden;
    const char *parallel, *baseline;
    long runs;
} options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: linrec_models_bench [options]\n"
            "  --steps T[,T...]   sequence lengths (default 16,256,4096,65536)\n"
            "  --rows N           batch * steps of every run (default 65536)\n"
            "  --hidden H         units per layer, also the input width (default 24)\n"
            "  --backend NAME     the backend measured (default openmp)\n"
            "  --baseline NAME    the backend it is compared with (default serial)\n"
            "  --runs N           timed runs after a warm-up; the median counts (default 5)\n");
}

/* Reads a comma-separated list of lengths; returns 0 when it is not one. */
static int parse_lengths(char *list, options *o)
{
    o->length_count = 0;
    for (char *item = strtok(list, ","); item; item = strtok(NULL, ",")) {
        char *end;
        size_t length = strtoull(item, &end, 10);
        if (o->length_count == MAX_LENGTHS || *end || length == 0)
            return 0;
        o->lengths[o->length_count++] = length;
    }
    return o->length_count > 0;
}

/* Returns 1 with the options read; else, having printed the usage, 0 for bad ones, -1 for help. */
static int parse(int argc, char **argv, options *o)
{
    *o = (options){{16, 256, 4096, 65536}, 4, 65536, 24, "openmp", "serial", 5};
    const char *lengths = NULL;
    const program_option table[] = {
        {"--steps", OPTION_TEXT, &lengths},        {"--rows", OPTION_SIZE, &o->rows},
        {"--hidden", OPTION_SIZE, &o->hidden},     {"--backend", OPTION_TEXT, &o->parallel},
        {"--baseline", OPTION_TEXT, &o->baseline}, {"--runs", OPTION_LONG, &o->runs},
    };
    int parsed = program_parse(argc, argv, table, sizeof table / sizeof table[0], usage);
    if (parsed != 1)
        return parsed;
    char list[256];
    snprintf(list, sizeof list, "%s", lengths ? lengths : "");
    int valid = (!lengths || parse_lengths(list, o)) && o->hidden > 0 && o->runs > 0;
    for (size_t k = 0; k < o->length_count; k++)
        valid &= o->rows % o->lengths[k] == 0;
    if (!valid)
        usage(stderr);
    return valid;
}

/* Two layers on a dense random input, with a random gradient arriving at the top. */
typedef struct model {
    nn_params params;
    nn_source input;
    nn_layer layers[LAYERS];
    float *ones;
    size_t steps, batch;
} model;

static void declare(model *m, nn_layer_kind kind, size_t width, size_t hidden)
{
    m->params.count = 0;
    for (size_t l = 0; l < LAYERS; l++)
        nn_layer_init(&m->layers[l], kind, width, l ? &m->layers[l - 1].output : &m->input, hidden,
                      &m->params);
}

static int model_create(model *m, nn_layer_kind kind, size_t width, size_t hidden, size_t steps,
                        size_t batch)
{
    *m = (model){.steps = steps, .batch = batch};
    size_t rows = steps * batch;
    m->input = (nn_source){.dim = hidden, .dense = malloc(rows * hidden * sizeof(float))};
    m->ones = malloc(rows * sizeof(float));
    declare(m, kind, width, hidden);
    if (!m->input.dense || !m->ones || !nn_params_alloc(&m->params, m->params.count))
        return 0;
    declare(m, kind, width, hidden);
    nn_rng rng = {42};
    for (size_t l = 0; l < LAYERS; l++) {
        nn_layer_init_weights(&m->layers[l], &rng, (nn_biases){5.0f, 0.0f, 5.0f});
        if (!nn_layer_alloc(&m->layers[l], steps, batch))
            return 0;
    }
    for (size_t k = 0; k < rows * hidden; k++) {
        m->input.dense[k] = nn_uniform(&rng, -1, 1);
        m->layers[LAYERS - 1].output.grad[k] = nn_uniform(&rng, -1, 1);
    }
    for (size_t r = 0; r < rows; r++)
        m->ones[r] = 1;
    return 1;
}

static void model_free(model *m)
{
    for (size_t l = 0; l < LAYERS; l++)
        nn_layer_free(&m->layers[l]);
    nn_params_free(&m->params);
    free(m->input.dense);
    free(m->ones);
}

static linrec_status forward_backward(model *m, linrec_context *ctx)
{
    linrec_status status = LINREC_OK;
    for (size_t l = 0; l < LAYERS && status == LINREC_OK; l++)
        status = nn_layer_forward(&m->layers[l], ctx, m->steps, m->batch);
    memset(m->params.grad, 0, m->params.count * sizeof(float));
    for (size_t l = LAYERS; l-- > 0 && status == LINREC_OK;) {
        if (l > 0)
            memset(m->layers[l - 1].output.grad, 0,
                   m->steps * m->batch * m->layers[l].hidden * sizeof(float));
        status = nn_layer_backward(&m->layers[l], ctx, m->steps, m->batch, m->ones);
    }
    return status;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median seconds of `runs` forward+backward passes after a warm-up; negative on failure. */
static double time_model(model *m, linrec_context *ctx, long runs)
{
    double *times = malloc((size_t)runs * sizeof *times);
    if (!times || forward_backward(m, ctx) != LINREC_OK) {
        free(times);
        return -1;
    }
    for (long r = 0; r < runs; r++) {
        double start = program_seconds();
        forward_backward(m, ctx);
        times[r] = program_seconds() - start;
    }
    qsort(times, (size_t)runs, sizeof *times, compare_doubles);
    double median = runs % 2 ? times[runs / 2] : 0.5 * (times[runs / 2 - 1] + times[runs / 2]);
    free(times);
    return median;
}

int main(int argc, char **argv)
{
    options o;
    int parsed = parse(argc, argv, &o);
    if (parsed != 1)
        return program_exit_status(parsed);
    program_single_threaded_blas();
    linrec_context *parallel, *baseline;
    if (linrec_context_create(o.parallel, &parallel) != LINREC_OK ||
        linrec_context_create(o.baseline, &baseline) != LINREC_OK) {
        fprintf(stderr, "linrec_models_bench: %s\n", linrec_last_error());
        return 1;
    }
    printf("Two layers of %zu units, batch * steps = %zu, forward + backward, median of %ld runs.\n"
           "%s: %s; %s: %s\n\n",
           o.hidden, o.rows, o.runs, o.parallel, linrec_context_device(parallel), o.baseline,
           linrec_context_device(baseline));
    printf("| T | batch | model | %s ms | %s ms | speedup |\n|---|---|---|---|---|---|\n",
           o.baseline, o.parallel);
    int failed = 0;
    for (size_t k = 0; k < o.length_count; k++)
        for (size_t i = 0; i < MODELS; i++) {
            size_t steps = o.lengths[k], batch = o.rows / steps;
            model m;
            double base = -1, par = -1;
            if (model_create(&m, models[i].kind, models[i].width, o.hidden, steps, batch)) {
                base = time_model(&m, baseline, o.runs);
                par = time_model(&m, parallel, o.runs);
            }
            model_free(&m);
            if (base < 0 || par < 0) {
                fprintf(stderr, "linrec_models_bench: %s at T = %zu failed: %s\n", models[i].name,
                        steps, linrec_last_error());
                failed = 1;
                continue;
            }
            printf("| %zu | %zu | %s | %.2f | %.2f | %.2f |\n", steps, batch, models[i].name,
                   1e3 * base, 1e3 * par, base / par);
            fflush(stdout);
        }
    linrec_context_destroy(parallel);
    linrec_context_destroy(baseline);
    return failed;
}
