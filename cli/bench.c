/* linrec bench: median scan times on chosen backends and shapes, beside the roofline (roofline.h),
 * memcpy and serial. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "element.h" /* the exact f16/bf16 conversions, to fill half-type arrays */
#include "roofline.h"

enum { MAX_SHAPES = 16, MAX_BACKENDS = 8, DEFAULT_RUNS = 5, MAX_LOG2_SIZE = 40 };

/* The reference shapes: 2^26 elements each, one sequence, many channels, time innermost. */
static const char *const default_shapes = "1x67108864x1:tbc,1x16384x4096:tbc,8x131072x64:bct";

typedef struct bench_options {
    const char *backends[MAX_BACKENDS]; /* NULL entry: LINREC_BACKEND or auto */
    size_t backend_count;
    bench_shape shapes[MAX_SHAPES];
    size_t shape_count;
    linrec_dtype dtype;
    int coefficients_f32; /* --coefficients f32 */
    int backward, reverse, json, runs, baseline;
    int sizes_low, sizes_high; /* --sizes: log2 of the elements of each sweep shape; 0: none */
} bench_options;

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: linrec bench [options]\n"
        "  --backend NAME[,NAME...]  backends to time (default: LINREC_BACKEND, else auto)\n"
        "  --shape BxTxC:LAYOUT[,...] shapes; LAYOUT is tbc, btc or bct\n"
        "                            (default %s)\n"
        "  --sizes LO:HI             sweep: each shape with one size written * (e.g. 1x*x1:tbc)\n"
        "                            runs at 2^LO, 2^LO+1 ... 2^HI elements, * growing\n"
        "  --dtype f32|f64|f16|bf16|c64|c128  element type (default f32)\n"
        "  --coefficients f32        with f16 or bf16: a and da in f32 (LINREC_COEFFICIENTS_F32)\n"
        "  --backward                time the backward pass (with da) instead of forward\n"
        "  --reverse                 run with LINREC_REVERSE\n"
        "  --runs N                  timed runs after one warm-up; the median is reported "
        "(default %d)\n"
        "  --no-serial               skip the serial baseline\n"
        "  --json                    machine-readable output\n",
        default_shapes, DEFAULT_RUNS);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof *values, compare_doubles);
    return count % 2 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
}

static int parse_layout(const char *text, linrec_layout *layout)
{
    static const linrec_layout all[] = {LINREC_LAYOUT_TBC, LINREC_LAYOUT_BTC, LINREC_LAYOUT_BCT};
    for (size_t i = 0; i < 3; i++)
        if (strcasecmp(text, bench_layout_name(all[i])) == 0) {
            *layout = all[i];
            return 1;
        }
    return 0;
}

/* One size of BxTxC: a number, or "*" (0) for the size a sweep grows. */
static const char *parse_size(const char *text, size_t *size, int *grows)
{
    if (*text == '*') {
        *size = 0;
        (*grows)++;
        return text + 1;
    }
    char *end;
    unsigned long long value = strtoull(text, &end, 10);
    *size = (size_t)value;
    return end != text && *text != '-' ? end : NULL;
}

static int parse_shape(const char *item, bench_shape *s, int sweep)
{
    size_t *sizes[3] = {&s->batch, &s->steps, &s->channels};
    const char *at = item;
    int grows = 0;
    for (int i = 0; i < 3 && at; i++) {
        at = parse_size(at, sizes[i], &grows);
        if (at && i < 2)
            at = *at == 'x' ? at + 1 : NULL;
    }
    s->layout = LINREC_LAYOUT_TBC;
    if (!at || (*at && (*at != ':' || !parse_layout(at + 1, &s->layout))))
        return 0;
    return grows == 0 || (grows == 1 && sweep);
}

static int parse_shapes(char *list, bench_options *o)
{
    o->shape_count = 0;
    for (char *item = strtok(list, ","); item; item = strtok(NULL, ",")) {
        if (o->shape_count == MAX_SHAPES ||
            !parse_shape(item, &o->shapes[o->shape_count], o->sizes_low > 0)) {
            fprintf(stderr,
                    "linrec bench: bad shape \"%s\" (want BxTxC:tbc|btc|bct, at most %d; one size "
                    "may be * with --sizes)\n",
                    item, MAX_SHAPES);
            return 0;
        }
        o->shape_count++;
    }
    return o->shape_count > 0;
}

static int parse_sizes(const char *text, bench_options *o)
{
    char tail;
    return sscanf(text, "%d:%d%c", &o->sizes_low, &o->sizes_high, &tail) == 2 && o->sizes_low > 0 &&
           o->sizes_low <= o->sizes_high && o->sizes_high <= MAX_LOG2_SIZE;
}

static int parse_dtype(const char *text, linrec_dtype *dtype)
{
    for (int d = 0; bench_dtype_name((linrec_dtype)d); d++)
        if (strcmp(text, bench_dtype_name((linrec_dtype)d)) == 0) {
            *dtype = (linrec_dtype)d;
            return 1;
        }
    return 0;
}

static int parse_options(int argc, char **argv, bench_options *o, char *shapes, size_t size)
{
    *o = (bench_options){
        .backend_count = 1, .dtype = LINREC_F32, .runs = DEFAULT_RUNS, .baseline = 1};
    snprintf(shapes, size, "%s", default_shapes);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--backward") == 0)
            o->backward = 1;
        else if (strcmp(arg, "--reverse") == 0)
            o->reverse = 1;
        else if (strcmp(arg, "--json") == 0)
            o->json = 1;
        else if (strcmp(arg, "--no-serial") == 0)
            o->baseline = 0;
        else if (strcmp(arg, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else if (value && strcmp(arg, "--shape") == 0 && ++i)
            snprintf(shapes, size, "%s", value);
        else if (value && strcmp(arg, "--runs") == 0 && ++i)
            o->runs = atoi(value);
        else if (value && strcmp(arg, "--sizes") == 0 && ++i) {
            if (!parse_sizes(value, o)) {
                fprintf(stderr,
                        "linrec bench: bad --sizes \"%s\" (want LO:HI, 1 <= LO <= HI <= %d)\n",
                        value, MAX_LOG2_SIZE);
                return 0;
            }
        } else if (value && strcmp(arg, "--dtype") == 0 && ++i) {
            if (!parse_dtype(value, &o->dtype)) {
                fprintf(
                    stderr,
                    "linrec bench: bad --dtype \"%s\" (want f32, f64, f16, bf16, c64 or c128)\n",
                    value);
                return 0;
            }
        } else if (value && strcmp(arg, "--coefficients") == 0 && ++i) {
            if (strcmp(value, "f32") != 0) {
                fprintf(stderr, "linrec bench: bad --coefficients \"%s\" (only f32)\n", value);
                return 0;
            }
            o->coefficients_f32 = 1;
        } else if (value && strcmp(arg, "--backend") == 0 && ++i) {
            o->backend_count = 0;
            for (char *name = strtok(argv[i], ","); name && o->backend_count < MAX_BACKENDS;
                 name = strtok(NULL, ","))
                o->backends[o->backend_count++] = name;
        } else {
            fprintf(stderr, "linrec bench: unknown or incomplete option \"%s\"\n", arg);
            return 0;
        }
    }
    if (o->coefficients_f32 && o->dtype != LINREC_F16 && o->dtype != LINREC_BF16) {
        fprintf(stderr, "linrec bench: --coefficients f32 needs --dtype f16 or bf16\n");
        return 0;
    }
    return o->runs > 0 && o->backend_count > 0;
}

/* The arrays of one shape on the host, filled once and written to every backend's buffers. */
typedef struct host_data {
    size_t elements, states, arrays;
    void *array[5];     /* forward: a, x, h; backward: a, h, dh, dx, da */
    size_t bytes[5];    /* each array's, in its own type */
    size_t bytes_moved; /* their sum: what one call reads and writes */
    void *copy_src, *copy_dst;
    size_t copy_bytes;
} host_data;

static void fill(void *data, size_t count, linrec_dtype dtype, double lo, double hi, unsigned seed)
{
    unsigned state = seed;
    for (size_t i = 0; i < count; i++) {
        state = state * 1664525u + 1013904223u;
        double value = lo + (hi - lo) * (double)(state >> 8) / 16777216.0;
        /* A complex value of that modulus, at a phase from the same state. */
        double phase = 6.283185307179586 * (double)(state & 0xffu) / 256.0;
        if (dtype == LINREC_C64)
            ((float _Complex *)data)[i] = (float _Complex)(value * cexp(I * phase));
        else if (dtype == LINREC_C128)
            ((double _Complex *)data)[i] = value * cexp(I * phase);
        else if (dtype == LINREC_F64)
            ((double *)data)[i] = value;
        else if (dtype == LINREC_F16)
            ((uint16_t *)data)[i] = linrec__f16_from_f32((float)value);
        else if (dtype == LINREC_BF16)
            ((uint16_t *)data)[i] = linrec__bf16_from_f32((float)value);
        else
            ((float *)data)[i] = (float)value;
    }
}

/* The coefficient arrays (a, and da backward) are f32 under --coefficients f32. */
static linrec_dtype array_dtype(const bench_options *o, size_t i)
{
    int coefficient = i == 0 || (o->backward && i == 4);
    return coefficient && o->coefficients_f32 ? LINREC_F32 : o->dtype;
}

static int host_data_init(host_data *d, const bench_options *o, const bench_shape *s)
{
    *d = (host_data){0};
    d->elements = s->batch * s->steps * s->channels;
    d->states = s->batch * s->channels;
    d->arrays = o->backward ? 5 : 3;
    for (size_t i = 0; i < d->arrays; i++) {
        d->bytes[i] = d->elements * linrec__dtype_size(array_dtype(o, i));
        d->bytes_moved += d->bytes[i];
        if (!(d->array[i] = malloc(d->bytes[i] ? d->bytes[i] : 1)))
            return 0;
        fill(d->array[i], d->elements, array_dtype(o, i), i == 0 ? 0.5 : -1.0, 1.0,
             17u + (unsigned)i);
    }
    d->copy_bytes = d->bytes_moved / 2; /* a memcpy of this moves as many bytes as the scan */
    d->copy_src = malloc(d->copy_bytes ? d->copy_bytes : 1);
    d->copy_dst = malloc(d->copy_bytes ? d->copy_bytes : 1);
    if (!d->copy_src || !d->copy_dst)
        return 0;
    memset(d->copy_src, 1, d->copy_bytes);
    memset(d->copy_dst, 2, d->copy_bytes);
    return 1;
}

static void host_data_free(host_data *d)
{
    for (size_t i = 0; i < d->arrays; i++)
        free(d->array[i]);
    free(d->copy_src);
    free(d->copy_dst);
}

static double time_memcpy(const host_data *d, int runs)
{
    double samples[64];
    runs = runs > 64 ? 64 : runs;
    memcpy(d->copy_dst, d->copy_src, d->copy_bytes);
    for (int r = 0; r < runs; r++) {
        double start = now();
        memcpy(d->copy_dst, d->copy_src, d->copy_bytes);
        samples[r] = now() - start;
    }
    return median(samples, runs);
}

/* The elementwise kernel's arrays for this pass: the host arrays, in the backend's order. */
static roofline_arrays roofline_of(const host_data *d, const bench_options *o)
{
    roofline_arrays r = {.dtype = o->dtype,
                         .coefficients_f32 = o->coefficients_f32,
                         .count = d->elements,
                         .backward = o->backward};
    r.in[0] = d->array[0];
    r.in[1] = d->array[1];
    r.in[2] = o->backward ? d->array[2] : NULL;
    r.out[0] = o->backward ? d->array[3] : d->array[2];
    r.out[1] = o->backward ? d->array[4] : NULL;
    return r;
}

static void progress(const char *backend, const bench_shape *s, int run, int runs)
{
    if (!isatty(STDERR_FILENO))
        return;
    fprintf(stderr, "\r\033[Kbench %s %zux%zux%zu:%s run %d/%d", backend, s->batch, s->steps,
            s->channels, bench_layout_name(s->layout), run, runs);
    fflush(stderr);
}

static void clear_progress(void)
{
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\r\033[K");
}

/* Times one backend on one shape, each run after one of the roofline kernel on a host backend's
 * threads; fills r->seconds and r->roofline_seconds, or r->status and r->error on failure. */
static void time_backend(const char *name, const bench_options *o, const bench_shape *s,
                         const host_data *d, bench_result *r)
{
    linrec_context *ctx = NULL;
    linrec_buffer *buffer[5] = {NULL};
    unsigned flags =
        (o->reverse ? LINREC_REVERSE : 0u) | (o->coefficients_f32 ? LINREC_COEFFICIENTS_F32 : 0u);
    linrec_problem p = {o->dtype, s->layout, s->batch, s->steps, s->channels, flags};
    double samples[256], roofline_samples[256];
    int runs = o->runs > 256 ? 256 : o->runs;
    roofline_arrays roofline = roofline_of(d, o);
    linrec_status status = linrec_context_create(name, &ctx);
    for (size_t i = 0; status == LINREC_OK && i < d->arrays; i++)
        if ((status = linrec_buffer_create(ctx, d->bytes[i] ? d->bytes[i] : 1, &buffer[i])) ==
            LINREC_OK)
            status = linrec_buffer_write(buffer[i], 0, d->array[i], d->bytes[i]);
    if (ctx) {
        snprintf(r->backend, sizeof r->backend, "%s", linrec_context_backend(ctx));
        snprintf(r->device, sizeof r->device, "%s", linrec_context_device(ctx));
        r->roofline_threads = roofline_threads(r->backend);
    } else {
        snprintf(r->backend, sizeof r->backend, "%s", name ? name : "auto");
    }
    for (int run = -1; status == LINREC_OK && run < runs; run++) {
        progress(r->backend, s, run + 1, runs);
        double limit = r->roofline_threads > 0 ? roofline_time(&roofline, r->roofline_threads) : 0;
        double start = now();
        status = o->backward ? linrec_scan_backward_buffers(ctx, &p, buffer[0], NULL, buffer[1],
                                                            buffer[2], buffer[3], buffer[4], NULL)
                             : linrec_scan_buffers(ctx, &p, buffer[0], buffer[1], NULL, buffer[2]);
        if (run >= 0) {
            samples[run] = now() - start;
            roofline_samples[run] = limit;
        }
    }
    clear_progress();
    r->status = status;
    if (status != LINREC_OK)
        snprintf(r->error, sizeof r->error, "%s", linrec_last_error());
    else {
        r->seconds = median(samples, runs);
        r->roofline_seconds = median(roofline_samples, runs);
    }
    for (size_t i = 0; i < 5; i++)
        linrec_buffer_destroy(buffer[i]);
    linrec_context_destroy(ctx);
}

/* The size that a sweep shape's "*" takes for 2^log2 elements in all (at least 1). */
static size_t grown_size(const bench_shape *s, int log2)
{
    size_t others =
        (s->batch ? s->batch : 1) * (s->steps ? s->steps : 1) * (s->channels ? s->channels : 1);
    size_t size = ((size_t)1 << log2) / others;
    return size ? size : 1;
}

/* The shapes to run: each given one, a sweep shape once per size of --sizes. */
static bench_shape *expand_shapes(const bench_options *o, size_t *count)
{
    size_t per_sweep = o->sizes_low ? (size_t)(o->sizes_high - o->sizes_low + 1) : 1;
    bench_shape *all = malloc(o->shape_count * per_sweep * sizeof *all);
    *count = 0;
    for (size_t i = 0; all && i < o->shape_count; i++) {
        const bench_shape *s = &o->shapes[i];
        if (s->batch && s->steps && s->channels) {
            all[(*count)++] = *s;
            continue;
        }
        for (int log2 = o->sizes_low; log2 <= o->sizes_high; log2++) {
            bench_shape grown = *s;
            size_t size = grown_size(s, log2);
            grown.grown = !s->batch ? 1 : !s->steps ? 2 : 3;
            *(grown.grown == 1   ? &grown.batch
              : grown.grown == 2 ? &grown.steps
                                 : &grown.channels) = size;
            all[(*count)++] = grown;
        }
    }
    return all;
}

int linrec_cli_bench(int argc, char **argv)
{
    bench_options o;
    char shapes[1024];
    if (!parse_options(argc, argv, &o, shapes, sizeof shapes) || !parse_shapes(shapes, &o)) {
        usage(stderr);
        return 2;
    }
    size_t shape_count;
    bench_shape *shape = expand_shapes(&o, &shape_count);
    bench_result *results = calloc(shape_count * o.backend_count + 1, sizeof *results);
    if (!shape || !results) {
        fprintf(stderr, "linrec bench: out of host memory\n");
        free(shape);
        free(results);
        return 1;
    }
    size_t count = 0;
    int failed = 0;
    for (size_t i = 0; i < shape_count; i++) {
        host_data d;
        if (!host_data_init(&d, &o, &shape[i])) {
            fprintf(stderr, "linrec bench: not enough host memory for shape %zu\n", i + 1);
            host_data_free(&d);
            failed = 1;
            continue;
        }
        double memcpy_seconds = time_memcpy(&d, o.runs);
        bench_result serial = {0};
        if (o.baseline)
            time_backend("serial", &o, &shape[i], &d, &serial);
        for (size_t b = 0; b < o.backend_count; b++) {
            bench_result *r = &results[count++];
            *r = (bench_result){.shape = shape[i],
                                .dtype = o.dtype,
                                .coefficients_f32 = o.coefficients_f32,
                                .backward = o.backward,
                                .reverse = o.reverse,
                                .memcpy_seconds = memcpy_seconds,
                                .elements = d.elements,
                                .bytes_moved = d.bytes_moved};
            if (o.baseline && serial.status == LINREC_OK)
                r->serial_seconds = serial.seconds;
            time_backend(o.backends[b], &o, &shape[i], &d, r);
            failed |= r->status != LINREC_OK;
        }
        host_data_free(&d);
    }
    bench_report(results, count, o.json);
    free(results);
    free(shape);
    return failed;
}
