/*
 * What an asynchronous call on the application's own memory saves: the time per call of N scans
 * on wrapped buffers enqueued back to back and synchronized once (linrec/opencl.h, linrec/cuda.h),
 * beside N scans that each wait for the device (an ordinary context's linrec_scan_buffers), on the
 * same device and problem. Small problems, where waiting is most of a call, show it best.
 *
 *   linrec_interop_bench opencl|cuda [--calls N] [--runs N] [--batch B] [--steps T] [--channels C]
 *
 * Prints one line per mode with the median over runs of the time per call, and their ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linrec/linrec.h"

#ifdef LINREC_BENCH_OPENCL
#define CL_TARGET_OPENCL_VERSION 120
#include "linrec/opencl.h"
#endif
#ifdef LINREC_BENCH_CUDA
#include <cuda_runtime_api.h>

#include "linrec/cuda.h"
#endif

enum { MAX_RUNS = 101 };

typedef struct options {
    const char *backend;
    int calls, runs;
    linrec_problem problem;
} options;

static void die(const char *what, const char *why)
{
    fprintf(stderr, "linrec_interop_bench: %s: %s\n", what, why);
    exit(EXIT_FAILURE);
}

static void must(linrec_status status, const char *what)
{
    if (status != LINREC_OK)
        die(what, linrec_last_error());
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The context and three buffers of a forward call. */
typedef struct call_set {
    linrec_context *ctx;
    linrec_buffer *a, *x, *h;
} call_set;

/* Median over runs of the time per call of `calls` scans, then one synchronize. */
static double per_call(const options *o, const call_set *s)
{
    double times[MAX_RUNS];
    for (int r = 0; r < o->runs; r++) {
        double start = seconds();
        for (int i = 0; i < o->calls; i++)
            must(linrec_scan_buffers(s->ctx, &o->problem, s->a, s->x, NULL, s->h), "scan");
        must(linrec_context_synchronize(s->ctx), "synchronize");
        times[r] = (seconds() - start) / o->calls;
    }
    qsort(times, (size_t)o->runs, sizeof times[0], by_value);
    return times[o->runs / 2];
}

static call_set buffers_of(linrec_context *ctx, size_t bytes)
{
    call_set s = {ctx, NULL, NULL, NULL};
    must(linrec_buffer_create(ctx, bytes, &s.a), "buffer a");
    must(linrec_buffer_create(ctx, bytes, &s.x), "buffer x");
    must(linrec_buffer_create(ctx, bytes, &s.h), "buffer h");
    return s;
}

static void free_set(call_set *s)
{
    linrec_buffer_destroy(s->a);
    linrec_buffer_destroy(s->x);
    linrec_buffer_destroy(s->h);
}

static size_t bytes_of(const linrec_problem *p)
{
    return p->batch * p->steps * p->channels * sizeof(float);
}

/* a and x alternate 1 and 0.5, so that every run computes the same finite values. */
static void fill(const call_set *s, size_t bytes)
{
    size_t count = bytes / sizeof(float);
    float *ones = malloc(bytes);
    if (!ones)
        die("memory", "cannot allocate the inputs");
    for (size_t i = 0; i < count; i++)
        ones[i] = i % 2 ? 0.5f : 1.0f;
    must(linrec_buffer_write(s->a, 0, ones, bytes), "write a");
    must(linrec_buffer_write(s->x, 0, ones, bytes), "write x");
    free(ones);
}

/* Wraps `bytes` of the application's memory `arena` from byte `offset`. */
typedef linrec_status (*wrap_fn)(linrec_context *ctx, void *arena, size_t offset, size_t bytes,
                                 linrec_buffer **out);

/* The asynchronous context's buffers: three slices of one piece of the application's memory. */
static call_set wrapped_of(linrec_context *ctx, void *arena, size_t bytes, wrap_fn wrap)
{
    call_set s = {ctx, NULL, NULL, NULL};
    must(wrap(ctx, arena, 0, bytes, &s.a), "wrap a");
    must(wrap(ctx, arena, bytes, bytes, &s.x), "wrap x");
    must(wrap(ctx, arena, 2 * bytes, bytes, &s.h), "wrap h");
    return s;
}

static void report(const options *o, const char *device, double waiting, double enqueued)
{
    const linrec_problem *p = &o->problem;
    printf("# %s: %s; f32 TBC B=%zu T=%zu C=%zu, %d calls, median of %d runs\n", o->backend, device,
           p->batch, p->steps, p->channels, o->calls, o->runs);
    printf("each call waits (ordinary context)    %9.1f us per call\n", waiting * 1e6);
    printf("enqueued, one synchronize (interop)   %9.1f us per call\n", enqueued * 1e6);
    printf("ratio                                 %9.2fx\n", waiting / enqueued);
}

/* Times the ordinary context `ordinary` against the asynchronous one on wrapped `arena`. */
static void compare(const options *o, const char *ordinary, linrec_context *native, void *arena,
                    wrap_fn wrap)
{
    size_t bytes = bytes_of(&o->problem);
    linrec_context *ctx = NULL;
    must(linrec_context_create(ordinary, &ctx), ordinary);
    call_set waiting = buffers_of(ctx, bytes), enqueued = wrapped_of(native, arena, bytes, wrap);
    fill(&waiting, bytes);
    fill(&enqueued, bytes);
    per_call(o, &waiting); /* warm-up: program builds, arenas */
    per_call(o, &enqueued);
    double wait_time = per_call(o, &waiting), enqueue_time = per_call(o, &enqueued);
    report(o, linrec_context_device(native), wait_time, enqueue_time);
    free_set(&waiting);
    free_set(&enqueued);
    linrec_context_destroy(ctx);
}

#ifdef LINREC_BENCH_OPENCL
static linrec_status wrap_opencl(linrec_context *ctx, void *arena, size_t offset, size_t bytes,
                                 linrec_buffer **out)
{
    return linrec_opencl_buffer_wrap(ctx, arena, offset, bytes, out);
}

static void run_opencl(const options *o)
{
    cl_platform_id platform;
    cl_device_id device;
    cl_int error = clGetPlatformIDs(1, &platform, NULL);
    if (error == CL_SUCCESS)
        error = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL);
    cl_context context =
        error == CL_SUCCESS ? clCreateContext(NULL, 1, &device, NULL, NULL, &error) : NULL;
    cl_command_queue queue =
        error == CL_SUCCESS ? clCreateCommandQueue(context, device, 0, &error) : NULL;
    cl_mem arena = error == CL_SUCCESS ? clCreateBuffer(context, CL_MEM_READ_WRITE,
                                                        3 * bytes_of(&o->problem), NULL, &error)
                                       : NULL;
    if (error != CL_SUCCESS)
        die("opencl", "cannot make a context, queue and buffer on opencl:0");
    linrec_context *native = NULL;
    must(linrec_opencl_context_create(queue, &native), "linrec_opencl_context_create");
    compare(o, "opencl:0", native, arena, wrap_opencl);
    linrec_context_destroy(native);
    clReleaseMemObject(arena);
    clReleaseCommandQueue(queue);
    clReleaseContext(context);
}
#endif

#ifdef LINREC_BENCH_CUDA
static linrec_status wrap_cuda(linrec_context *ctx, void *arena, size_t offset, size_t bytes,
                               linrec_buffer **out)
{
    return linrec_cuda_buffer_wrap(ctx, (char *)arena + offset, bytes, out);
}

static void run_cuda(const options *o)
{
    cudaStream_t stream;
    void *arena = NULL;
    if (cudaStreamCreate(&stream) != cudaSuccess ||
        cudaMalloc(&arena, 3 * bytes_of(&o->problem)) != cudaSuccess)
        die("cuda", cudaGetErrorString(cudaGetLastError()));
    linrec_context *native = NULL;
    must(linrec_cuda_context_create(0, stream, &native), "linrec_cuda_context_create");
    compare(o, "cuda:0", native, arena, wrap_cuda);
    linrec_context_destroy(native);
    cudaFree(arena);
    cudaStreamDestroy(stream);
}
#endif

static size_t size_argument(const char *text)
{
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (!*text || *end || value == 0)
        die("a size", "must be a positive integer");
    return (size_t)value;
}

static options parse(int argc, char **argv)
{
    options o = {argc > 1 ? argv[1] : "", 200, 9, {LINREC_F32, LINREC_LAYOUT_TBC, 1, 1024, 64, 0}};
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--calls") == 0)
            o.calls = (int)size_argument(argv[i + 1]);
        else if (strcmp(argv[i], "--runs") == 0)
            o.runs = (int)size_argument(argv[i + 1]);
        else if (strcmp(argv[i], "--batch") == 0)
            o.problem.batch = size_argument(argv[i + 1]);
        else if (strcmp(argv[i], "--steps") == 0)
            o.problem.steps = size_argument(argv[i + 1]);
        else if (strcmp(argv[i], "--channels") == 0)
            o.problem.channels = size_argument(argv[i + 1]);
        else
            die("usage", "linrec_interop_bench opencl|cuda [--calls N] [--runs N] [--batch B] "
                         "[--steps T] [--channels C]");
    }
    if (o.runs > MAX_RUNS)
        o.runs = MAX_RUNS;
    return o;
}

int main(int argc, char **argv)
{
    options o = parse(argc, argv);
#ifdef LINREC_BENCH_OPENCL
    if (strcmp(o.backend, "opencl") == 0) {
        run_opencl(&o);
        return EXIT_SUCCESS;
    }
#endif
#ifdef LINREC_BENCH_CUDA
    if (strcmp(o.backend, "cuda") == 0) {
        run_cuda(&o);
        return EXIT_SUCCESS;
    }
#endif
    die(o.backend, "is not a backend this build of the benchmark has (opencl, cuda)");
    return EXIT_FAILURE;
}
