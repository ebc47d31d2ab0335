/* linrec bench: what is measured, and how it is reported. */
#ifndef LINREC_CLI_BENCH_H
#define LINREC_CLI_BENCH_H

#include <stddef.h>

#include "linrec/linrec.h"

typedef struct bench_shape {
    size_t batch, steps, channels;
    linrec_layout layout;
    int grown; /* in a --sizes sweep, which size grows: 1 batch, 2 steps, 3 channels; else 0 */
} bench_shape;

typedef struct bench_result {
    char backend[32];
    char device[160];
    bench_shape shape;
    linrec_dtype dtype;
    int coefficients_f32;
    int backward, reverse;
    size_t elements, bytes_moved; /* bytes each call must read and write */
    double seconds;               /* median of the timed runs */
    double roofline_seconds;      /* median of the elementwise kernel (roofline.h), 0 if not run */
    int roofline_threads;         /* the threads it ran on; 0 on a device backend */
    double memcpy_seconds;        /* median one-thread memcpy moving the same bytes */
    double serial_seconds;        /* median of the serial backend on the same call, 0 if not run */
    linrec_status status;
    char error[256];
} bench_result;

const char *bench_layout_name(linrec_layout layout);
/* "f32", "f64", "f16", "bf16", "c64" or "c128", as --dtype spells it; NULL for a value that is
 * no dtype. */
const char *bench_dtype_name(linrec_dtype dtype);

/* Prints the results as a table, or as a JSON array when `json` is nonzero. */
void bench_report(const bench_result *results, size_t count, int json);

#endif /* LINREC_CLI_BENCH_H */
