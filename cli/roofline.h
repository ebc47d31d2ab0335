/* The limit a memory-bound scan is judged against: an elementwise kernel that reads and writes
 * exactly the arrays of the pass, on the same threads, with streaming stores. */
#ifndef LINREC_CLI_ROOFLINE_H
#define LINREC_CLI_ROOFLINE_H

#include <stddef.h>

#include "linrec/linrec.h"

/* The arrays of one pass, each of `count` elements of `dtype`: forward reads in[0] (a) and in[1]
 * (x) and writes out[0] (h); backward reads in[0..2] (a, h, dh) and writes out[0..1] (dx, da). */
typedef struct roofline_arrays {
    linrec_dtype dtype;
    int coefficients_f32; /* half dtypes: in[0] and out[1] (a, da) hold 4-byte elements */
    size_t count;
    int backward;
    const void *in[3];
    void *out[2];
} roofline_arrays;

/* The threads the roofline runs on for a host backend: 1 for serial, OpenMP's default team for
 * openmp (the team the backend itself uses); 0 for a device backend, whose limit is not a host
 * kernel (bench/cuda_bench.cu times a device-to-device copy instead). */
int roofline_threads(const char *backend);

/* Seconds one pass of the elementwise kernel took on `threads` threads. */
double roofline_time(const roofline_arrays *arrays, int threads);

#endif /* LINREC_CLI_ROOFLINE_H */
