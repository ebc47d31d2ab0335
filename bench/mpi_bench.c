/*
 * linrec-mpi-bench: linrec_mpi_scan on every rank of MPI_COMM_WORLD, with the time split into the
 * rank's local scan and the communication, for strong scaling (a fixed whole sequence split over
 * the ranks) and weak scaling (a fixed piece per rank):
 *
 *   mpiexec -n P linrec-mpi-bench [--strong T | --weak T] [--batch B] [--channels C] [--runs R]
 *
 * float32, batch-first (BTC), on LINREC_BACKEND's backend. Each run's time is the slowest rank's;
 * rank 0 prints the medians of R runs of: the whole call, linrec_scan of the rank's piece alone on
 * the same context (the local work of the call's last pass), and an MPI_Exscan of the call's
 * 2 x B x C doubles alone (MPI_SUM: the carries' bytes and pattern, without linrec's operator).
 * What is left, whole - scan - exscan, is the call's reduction pass and its two agreements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linrec/mpi.h"

typedef struct options {
    size_t steps; /* the whole sequence (strong) or each rank's piece (weak) */
    int strong;
    size_t batch, channels;
    int runs;
} options;

static int parse(int argc, char **argv, options *o)
{
    *o = (options){1u << 20, 1, 4, 64, 11};
    for (int i = 1; i + 1 < argc; i += 2) {
        unsigned long value = strtoul(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--strong") == 0 || strcmp(argv[i], "--weak") == 0) {
            o->steps = value;
            o->strong = strcmp(argv[i], "--strong") == 0;
        } else if (strcmp(argv[i], "--batch") == 0) {
            o->batch = value;
        } else if (strcmp(argv[i], "--channels") == 0) {
            o->channels = value;
        } else if (strcmp(argv[i], "--runs") == 0) {
            o->runs = (int)value;
        } else {
            return 0;
        }
    }
    return argc % 2 == 1 && o->steps > 0 && o->batch > 0 && o->channels > 0 && o->runs > 0;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof *values, compare);
    return values[count / 2];
}

/* The slowest rank's seconds for one run of `what` (0 call, 1 local scan, 2 exscan). */
static double time_one(int what, linrec_context *ctx, const linrec_problem *p, const float *a,
                       const float *x, float *h, double *carries, double *composed)
{
    MPI_Barrier(MPI_COMM_WORLD);
    double start = MPI_Wtime();
    linrec_status status = LINREC_OK;
    if (what == 0)
        status = linrec_mpi_scan(ctx, MPI_COMM_WORLD, p, a, x, NULL, h);
    else if (what == 1)
        status = linrec_scan(ctx, p, a, x, NULL, h);
    else
        MPI_Exscan(carries, composed, (int)(2 * p->batch * p->channels), MPI_DOUBLE, MPI_SUM,
                   MPI_COMM_WORLD);
    double mine = MPI_Wtime() - start, slowest = 0;
    if (status != LINREC_OK) {
        fprintf(stderr, "linrec-mpi-bench: %s\n", linrec_last_error());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return slowest;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    options o;
    linrec_context *ctx = NULL;
    if (!parse(argc, argv, &o) || linrec_context_create(NULL, &ctx) != LINREC_OK) {
        if (rank == 0)
            fprintf(stderr,
                    "usage: mpiexec -n P linrec-mpi-bench [--strong T | --weak T] "
                    "[--batch B] [--channels C] [--runs R] (%s)\n",
                    ctx ? "" : linrec_last_error());
        MPI_Finalize();
        return 2;
    }
    size_t steps =
        o.strong ? o.steps / (size_t)size + (rank < (int)(o.steps % (size_t)size)) : o.steps;
    linrec_problem p = {LINREC_F32, LINREC_LAYOUT_BTC, o.batch, steps, o.channels, 0};
    size_t n = o.batch * steps * o.channels, states = o.batch * o.channels;
    float *a = malloc(n * sizeof *a), *x = malloc(n * sizeof *x), *h = malloc(n * sizeof *h);
    double *carries = calloc(2 * states, sizeof *carries);
    double *composed = calloc(2 * states, sizeof *composed);
    double *times = malloc((size_t)o.runs * 3 * sizeof *times);
    if (!a || !x || !h || !carries || !composed || !times) {
        fprintf(stderr, "linrec-mpi-bench: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (size_t i = 0; i < n; i++) {
        a[i] = 0.999f;
        x[i] = (float)(i % 7) * 0.01f;
    }
    for (int what = 0; what < 3; what++)
        time_one(what, ctx, &p, a, x, h, carries, composed); /* warm-up */
    for (int run = 0; run < o.runs; run++)
        for (int what = 0; what < 3; what++)
            times[what * o.runs + run] = time_one(what, ctx, &p, a, x, h, carries, composed);
    if (rank == 0) {
        double whole = median(times, o.runs), scan = median(times + o.runs, o.runs);
        double exscan = median(times + 2 * o.runs, o.runs);
        size_t total = o.strong ? o.steps : o.steps * (size_t)size;
        printf("%-6s P=%-3d %s B=%zu C=%zu T=%zu (%zu per rank): call %.3f ms, local scan %.3f ms, "
               "exscan %.3f ms, rest %.3f ms; %.2f Gelem/s\n",
               o.strong ? "strong" : "weak", size, linrec_context_backend(ctx), o.batch, o.channels,
               total, steps, whole * 1e3, scan * 1e3, exscan * 1e3, (whole - scan - exscan) * 1e3,
               (double)(total * states) / whole * 1e-9);
    }
    free(a);
    free(x);
    free(h);
    free(carries);
    free(composed);
    free(times);
    linrec_context_destroy(ctx);
    MPI_Finalize();
    return 0;
}
