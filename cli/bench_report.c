/* Printing bench results for people (a table) and for programs (JSON). */
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* "f32", "f64", "f16", "bf16", "c64", "c128", or "f16/a32" and "bf16/a32" under f32
 * coefficients. */
const char *bench_dtype_name(linrec_dtype dtype)
{
    static const char *const names[] = {"f32", "f64", "f16", "bf16", "c64", "c128"};
    return (unsigned)dtype < sizeof names / sizeof names[0] ? names[dtype] : NULL;
}

static const char *dtype_name(const bench_result *r)
{
    if (r->coefficients_f32)
        return r->dtype == LINREC_F16 ? "f16/a32" : "bf16/a32";
    const char *name = bench_dtype_name(r->dtype);
    return name ? name : "?";
}

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

/* What a result's times say: each a rate, or the fraction of a limit's time the scan took. */
typedef struct bench_rates {
    double elements, bytes, of_roofline, of_memcpy, over_serial;
} bench_rates;

static bench_rates rates(const bench_result *r)
{
    return (bench_rates){.elements = ratio((double)r->elements, r->seconds),
                         .bytes = ratio((double)r->bytes_moved, r->seconds),
                         .of_roofline = ratio(r->roofline_seconds, r->seconds),
                         .of_memcpy = ratio(r->memcpy_seconds, r->seconds),
                         .over_serial = ratio(r->serial_seconds, r->seconds)};
}

static void print_table(const bench_result *results, size_t count)
{
    printf("%-8s %-8s %-8s %-3s %-22s %10s %9s %8s %9s %7s %7s\n", "backend", "type", "pass", "lay",
           "BxTxC", "median ms", "Gelem/s", "GB/s", "roofline", "memcpy", "serial");
    for (size_t i = 0; i < count; i++) {
        const bench_result *r = &results[i];
        char shape[64];
        snprintf(shape, sizeof shape, "%zux%zux%zu", r->shape.batch, r->shape.steps,
                 r->shape.channels);
        const char *pass = r->backward ? (r->reverse ? "bwd-rev" : "backward")
                                       : (r->reverse ? "fwd-rev" : "forward");
        printf("%-8s %-8s %-8s %-3s %-22s ", r->backend, dtype_name(r), pass,
               bench_layout_name(r->shape.layout), shape);
        if (r->status != LINREC_OK) {
            printf("failed: %s\n", r->error);
            continue;
        }
        bench_rates q = rates(r);
        printf("%10.3f %9.3f %8.2f ", r->seconds * 1e3, q.elements / 1e9, q.bytes / 1e9);
        if (q.of_roofline > 0)
            printf("%5.2f/%-3d ", q.of_roofline, r->roofline_threads);
        else
            printf("%9s ", "-"); /* a device backend: its limit is not a host kernel */
        printf("%7.2f ", q.of_memcpy);
        if (q.over_serial > 0)
            printf("%6.2fx\n", q.over_serial);
        else
            printf("%7s\n", "-"); /* serial baseline not run (--no-serial) or failed */
    }
    printf("roofline: time of an elementwise kernel moving the same bytes on the backend's threads "
           "(/N) with streaming stores, timed between the runs, over the scan's time; memcpy: the "
           "same for a one-thread memcpy; serial: speedup over the serial backend.\n");
    for (size_t i = 0; i < count; i++) {
        size_t first = 0;
        while (strcmp(results[first].backend, results[i].backend) != 0)
            first++;
        if (first == i)
            printf("%s: %s\n", results[i].backend, results[i].device);
    }
}

/* A sweep shape as it was given, its growing size written "*"; "" for a plain shape. */
static void sweep_pattern(const bench_shape *s, char *text, size_t size)
{
    char sizes[3][24];
    const size_t values[3] = {s->batch, s->steps, s->channels};
    for (int i = 0; i < 3; i++)
        snprintf(sizes[i], sizeof sizes[i], s->grown == i + 1 ? "*" : "%zu", values[i]);
    if (s->grown)
        snprintf(text, size, "%sx%sx%s", sizes[0], sizes[1], sizes[2]);
    else
        text[0] = '\0';
}

static void print_json(const bench_result *results, size_t count)
{
    printf("[");
    for (size_t i = 0; i < count; i++) {
        const bench_result *r = &results[i];
        bench_rates q = rates(r);
        char sweep[80];
        sweep_pattern(&r->shape, sweep, sizeof sweep);
        printf("%s\n  {\"backend\": \"%s\", \"device\": \"%s\", \"dtype\": \"%s\", "
               "\"pass\": \"%s\", \"reverse\": %s, \"layout\": \"%s\", \"batch\": %zu, "
               "\"steps\": %zu, \"channels\": %zu, \"sweep\": \"%s\", \"status\": \"%s\", "
               "\"seconds\": %.9g, "
               "\"elements_per_second\": %.6g, \"bytes_per_second\": %.6g, "
               "\"roofline_seconds\": %.9g, \"roofline_threads\": %d, "
               "\"fraction_of_roofline\": %.4f, "
               "\"memcpy_seconds\": %.9g, \"fraction_of_memcpy\": %.4f, "
               "\"serial_seconds\": %.9g, \"speedup_over_serial\": %.4f}",
               i ? "," : "", r->backend, r->device, dtype_name(r),
               r->backward ? "backward" : "forward", r->reverse ? "true" : "false",
               bench_layout_name(r->shape.layout), r->shape.batch, r->shape.steps,
               r->shape.channels, sweep, linrec_status_string(r->status), r->seconds, q.elements,
               q.bytes, r->roofline_seconds, r->roofline_threads, q.of_roofline, r->memcpy_seconds,
               q.of_memcpy, r->serial_seconds, q.over_serial);
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
