/*
 * The fused cells on one backend: median milliseconds of linrec_cell_forward and
 * linrec_cell_backward (GILR-LSTM, tanh, f32, BTC, no c0) over a shape, and a hash of every output,
 * so that two builds can be compared for speed and for bitwise equal results.
 *
 * Usage: linrec_cells_bench BATCH STEPS CHANNELS RUNS   (backend: LINREC_BACKEND, else auto)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "linrec/cells.h"
#include "linrec/linrec.h"

enum { MAX_RUNS = 101 };

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* FNV-1a over the bytes. */
static uint64_t hash(const float *data, size_t n, uint64_t h)
{
    const unsigned char *bytes = (const unsigned char *)data;
    for (size_t i = 0; i < n * sizeof *data; i++)
        h = (h ^ bytes[i]) * 1099511628211ull;
    return h;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof *values, by_value);
    return values[count / 2];
}

static int fail(const char *what)
{
    fprintf(stderr, "linrec_cells_bench: %s: %s\n", what, linrec_last_error());
    return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    long dims[4];
    for (int k = 0; k < 4; k++)
        dims[k] = argc == 5 ? strtol(argv[k + 1], NULL, 10) : 0;
    if (dims[0] < 1 || dims[1] < 1 || dims[2] < 1 || dims[3] < 1 || dims[3] > MAX_RUNS) {
        fprintf(stderr, "usage: linrec_cells_bench BATCH STEPS CHANNELS RUNS (RUNS <= %d)\n",
                MAX_RUNS);
        return 2;
    }
    linrec_problem p = {LINREC_F32,      LINREC_LAYOUT_BTC, (size_t)dims[0],
                        (size_t)dims[1], (size_t)dims[2],   0};
    size_t n = p.batch * p.steps * p.channels;
    enum { F, I, Z, O, DY, C, Y, DF, DI, DZ, DO, ARRAYS };
    float *a[ARRAYS];
    for (int k = 0; k < ARRAYS; k++)
        if (!(a[k] = malloc(n * sizeof(float)))) {
            fprintf(stderr, "linrec_cells_bench: out of memory\n");
            return EXIT_FAILURE;
        }
    uint64_t state = 12345;
    for (int k = F; k <= DY; k++)
        for (size_t e = 0; e < n; e++) {
            state = state * 6364136223846793005ull + 1;
            a[k][e] = (float)((double)(state >> 40) / (double)(1 << 24) * 4 - 2); /* [-2, 2) */
        }
    linrec_context *ctx;
    if (linrec_context_create(NULL, &ctx) != LINREC_OK)
        return fail("context");
    const linrec_cell cell = {LINREC_CELL_GILR_LSTM, LINREC_ACTIVATION_TANH};
    const linrec_cell_inputs in = {a[F], a[I], a[Z], a[O], NULL};
    const linrec_cell_gradients grads = {a[DF], a[DI], a[DZ], a[DO], NULL};
    double forward[MAX_RUNS], backward[MAX_RUNS];
    int runs = (int)dims[3];
    for (int r = 0; r < runs; r++) {
        double t0 = seconds();
        if (linrec_cell_forward(ctx, &cell, &p, &in, NULL, a[C], a[Y]) != LINREC_OK)
            return fail("forward");
        double t1 = seconds();
        if (linrec_cell_backward(ctx, &cell, &p, &in, NULL, a[C], NULL, a[DY], &grads, NULL) !=
            LINREC_OK)
            return fail("backward");
        forward[r] = t1 - t0;
        backward[r] = seconds() - t1;
    }
    uint64_t forward_hash = hash(a[Y], n, hash(a[C], n, 1469598103934665603ull));
    uint64_t backward_hash = 1469598103934665603ull;
    for (int k = DF; k <= DO; k++)
        backward_hash = hash(a[k], n, backward_hash);
    printf("%s: GILR-LSTM f32 BTC %zux%zux%zu, median of %d: forward %.2f ms, backward %.2f ms; "
           "hashes forward %016llx backward %016llx\n",
           linrec_context_device(ctx), p.batch, p.steps, p.channels, runs,
           1e3 * median(forward, runs), 1e3 * median(backward, runs),
           (unsigned long long)forward_hash, (unsigned long long)backward_hash);
    linrec_context_destroy(ctx);
    for (int k = 0; k < ARRAYS; k++)
        free(a[k]);
    return EXIT_SUCCESS;
}
