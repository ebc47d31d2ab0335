/* Printing bench results for people (a table) and for programs (JSON). */
#include <stdio.h>
#include <string.h>

#include "bench.h"

const char *bench_layout_name(linrec_layout layout)
{
    switch (layout) {
    case LINREC_LAYOUT_TBC:
        return "tbc";
    case LINREC_LAYOUT_BTC:
        return "btc";
    case LINREC_LAYOUT_BCT:
        return "bct";
    }
    return "?";
}

static double ratio(double numerator, double denominator)
{
    return denominator > 0 ? numerator / denominator : 0;
}

/* Elements per second, bytes per second, fraction of memcpy bandwidth, speedup over serial. */
static void rates(const bench_result *r, double *elements, double *bytes, double *of_memcpy,
                  double *over_serial)
{
    *elements = ratio((double)r->elements, r->seconds);
    *bytes = ratio((double)r->bytes_moved, r->seconds);
    *of_memcpy = ratio(r->memcpy_seconds, r->seconds);
    *over_serial = ratio(r->serial_seconds, r->seconds);
}

static void print_table(const bench_result *results, size_t count)
{
    printf("%-8s %-4s %-8s %-3s %-22s %10s %9s %8s %7s %7s\n", "backend", "type", "pass", "lay",
           "BxTxC", "median ms", "Gelem/s", "GB/s", "memcpy", "serial");
    for (size_t i = 0; i < count; i++) {
        const bench_result *r = &results[i];
        char shape[64];
        snprintf(shape, sizeof shape, "%zux%zux%zu", r->shape.batch, r->shape.steps,
                 r->shape.channels);
        const char *pass = r->backward ? (r->reverse ? "bwd-rev" : "backward")
                                       : (r->reverse ? "fwd-rev" : "forward");
        printf("%-8s %-4s %-8s %-3s %-22s ", r->backend, r->dtype == LINREC_F64 ? "f64" : "f32",
               pass, bench_layout_name(r->shape.layout), shape);
        if (r->status != LINREC_OK) {
            printf("failed: %s\n", r->error);
            continue;
        }
        double elements, bytes, of_memcpy, over_serial;
        rates(r, &elements, &bytes, &of_memcpy, &over_serial);
        printf("%10.3f %9.3f %8.2f %7.2f ", r->seconds * 1e3, elements / 1e9, bytes / 1e9,
               of_memcpy);
        if (over_serial > 0)
            printf("%6.2fx\n", over_serial);
        else
            printf("%7s\n", "-"); /* serial baseline not run (--no-serial) or failed */
    }
    printf("memcpy: fraction of the bandwidth of a host memcpy moving the same bytes, timed in "
           "this run; serial: speedup over the serial backend.\n");
    for (size_t i = 0; i < count; i++) {
        size_t first = 0;
        while (strcmp(results[first].backend, results[i].backend) != 0)
            first++;
        if (first == i)
            printf("%s: %s\n", results[i].backend, results[i].device);
    }
}

static void print_json(const bench_result *results, size_t count)
{
    printf("[");
    for (size_t i = 0; i < count; i++) {
        const bench_result *r = &results[i];
        double elements, bytes, of_memcpy, over_serial;
        rates(r, &elements, &bytes, &of_memcpy, &over_serial);
        printf("%s\n  {\"backend\": \"%s\", \"device\": \"%s\", \"dtype\": \"%s\", "
               "\"pass\": \"%s\", \"reverse\": %s, \"layout\": \"%s\", \"batch\": %zu, "
               "\"steps\": %zu, \"channels\": %zu, \"status\": \"%s\", \"seconds\": %.9g, "
               "\"elements_per_second\": %.6g, \"bytes_per_second\": %.6g, "
               "\"memcpy_seconds\": %.9g, \"fraction_of_memcpy\": %.4f, "
               "\"serial_seconds\": %.9g, \"speedup_over_serial\": %.4f}",
               i ? "," : "", r->backend, r->device, r->dtype == LINREC_F64 ? "f64" : "f32",
               r->backward ? "backward" : "forward", r->reverse ? "true" : "false",
               bench_layout_name(r->shape.layout), r->shape.batch, r->shape.steps,
               r->shape.channels, linrec_status_string(r->status), r->seconds, elements, bytes,
               r->memcpy_seconds, of_memcpy, r->serial_seconds, over_serial);
    }
    printf("\n]\n");
}

void bench_report(const bench_result *results, size_t count, int json)
{
    if (json)
        print_json(results, count);
    else
        print_table(results, count);
}
