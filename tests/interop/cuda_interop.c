/*
 * linrec/cuda.h on device memory and streams that the test owns, as an application would, on the
 * cuda plugin's host emulation: the test takes the emulated runtime from the plugin it loads
 * (emulator_runtime.h), so that its cudaMalloc'd memory and linrec's live in one emulated device,
 * which knows what is allocated and so catches a free of borrowed memory. The shared cases
 * (interop_cases.c) run every dtype with arrays at element offsets that are not 16-byte aligned,
 * so the vector moves fall back (under UBSan a misaligned vector access fails); ctest runs this
 * once per forced kernel. The emulator runs every kernel at its launch, so it cannot show a
 * missing wait or a race between streams: built with LINREC_INTEROP_ON_GPU the same tests take
 * the real CUDA runtime instead and run on a GPU (bench/cuda_gpu_session.sh, under
 * compute-sanitizer), without the two checks that need the emulator (its allocation count and its
 * armed fault).
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LINREC_INTEROP_ON_GPU
#include <cuda_runtime_api.h>
#endif

#include "emulator_memory.h"
#include "emulator_runtime.h"
#include "interop_cases.h"
#include "linrec/cuda.h"

/* The application: the emulated runtime and a stream of its own. */
typedef struct app {
    void *plugin;
    linrec_emulator_runtime cuda;
    void (*memory)(linrec_emulator_memory_usage *usage);
    void *stream;
} app;

#ifdef LINREC_INTEROP_ON_GPU
static int gpu_malloc(void **memory, size_t bytes)
{
    return (int)cudaMalloc(memory, bytes);
}

static int gpu_free(void *memory)
{
    return (int)cudaFree(memory);
}

static int gpu_stream_create(void **stream)
{
    return (int)cudaStreamCreate((cudaStream_t *)stream);
}

static int gpu_stream_destroy(void *stream)
{
    return (int)cudaStreamDestroy(stream);
}

/* Device to host waits for the stream, as the shared cases' reads must. */
static int gpu_copy(void *dst, const void *src, size_t bytes, int to_device, void *stream)
{
    cudaError_t error = cudaMemcpyAsync(
        dst, src, bytes, to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost, stream);
    return (int)(error == cudaSuccess && !to_device ? cudaStreamSynchronize(stream) : error);
}

static app app_new(void)
{
    app made = {NULL,
                {gpu_malloc, gpu_free, gpu_stream_create, gpu_stream_destroy, gpu_copy, NULL},
                NULL,
                NULL};
    cr_assert_eq(made.cuda.stream_create(&made.stream), 0);
    return made;
}

static void app_free(app *a)
{
    cr_expect_eq(a->cuda.stream_destroy(a->stream), 0);
}
#else
static app app_new(void)
{
    const char *folder = getenv("LINREC_BACKEND_PATH");
    cr_assert(folder && *folder, "LINREC_BACKEND_PATH must name the emulated plugin's folder");
    char path[4096];
    snprintf(path, sizeof path, "%s/liblinrec_cuda.so", folder);
    app made = {dlopen(path, RTLD_NOW | RTLD_LOCAL), {0}, NULL, NULL};
    cr_assert(made.plugin, "cannot open %s: %s", path, dlerror());
    void (*runtime)(linrec_emulator_runtime *) = NULL;
    *(void **)&runtime = dlsym(made.plugin, LINREC_EMULATOR_RUNTIME_SYMBOL);
    *(void **)&made.memory = dlsym(made.plugin, LINREC_EMULATOR_MEMORY_SYMBOL);
    cr_assert(runtime && made.memory, "%s is not the emulated cuda plugin", path);
    runtime(&made.cuda);
    cr_assert_eq(made.cuda.stream_create(&made.stream), 0);
    return made;
}

static void app_free(app *a)
{
    cr_expect_eq(a->cuda.stream_destroy(a->stream), 0);
    dlclose(a->plugin);
}
#endif

static linrec_context *interop_context(void *stream)
{
    linrec_context *ctx = NULL;
    cr_assert_eq(linrec_cuda_context_create(0, stream, &ctx), LINREC_OK, "%s", linrec_last_error());
    return ctx;
}

static void *arena_new(void *application, size_t bytes)
{
    app *a = application;
    void *memory = NULL;
    cr_assert_eq(a->cuda.malloc(&memory, bytes), 0);
    return memory;
}

static void arena_free(void *application, void *arena)
{
    app *a = application;
    cr_expect_eq(a->cuda.free(arena), 0, "the application's memory was freed by someone else");
}

static void write_arena(void *application, void *arena, size_t offset, const void *src,
                        size_t bytes)
{
    app *a = application;
    cr_assert_eq(a->cuda.copy((char *)arena + offset, src, bytes, 1, a->stream), 0);
}

static void read_arena(void *application, void *arena, size_t offset, void *dst, size_t bytes)
{
    app *a = application;
    cr_assert_eq(a->cuda.copy(dst, (char *)arena + offset, bytes, 0, a->stream), 0);
}

static linrec_buffer *wrap(linrec_context *ctx, void *arena, size_t offset, size_t bytes)
{
    linrec_buffer *buffer = NULL;
    cr_assert_eq(linrec_cuda_buffer_wrap(ctx, (char *)arena + offset, bytes, &buffer), LINREC_OK,
                 "%s", linrec_last_error());
    return buffer;
}

static interop_device device_of(app *a)
{
    return (interop_device){"cuda", a, arena_new, arena_free, write_arena, read_arena, wrap};
}

/* Lanes side by side (TBC, BTC) and contiguous sequences (BCT), short and long enough for the
 * look-back kernels on the emulation's two multiprocessors; one reversed. */
static const linrec_problem shapes[] = {
    {LINREC_F32, LINREC_LAYOUT_TBC, 2, 70, 40, 0},
    {LINREC_F32, LINREC_LAYOUT_BTC, 1, 3000, 5, 0},
    {LINREC_F32, LINREC_LAYOUT_BCT, 3, 1000, 1, LINREC_REVERSE},
    {LINREC_F32, LINREC_LAYOUT_BCT, 1, 20000, 1, 0},
};

Test(cuda_interop, slices_match_host_calls)
{
    app a = app_new();
    interop_device d = device_of(&a);
    linrec_context *ctx = interop_context(a.stream);
    interop_scan_every_dtype(&d, ctx, shapes, sizeof shapes / sizeof shapes[0]);
    linrec_context_destroy(ctx);
    app_free(&a);
}

/* NULL is the default stream; a second stream takes over between a forward and a backward call
 * that reads the forward's output. */
Test(cuda_interop, default_stream_and_set_stream)
{
    app a = app_new();
    interop_device d = device_of(&a);
    linrec_context *ctx = interop_context(NULL);
    const linrec_problem p = {LINREC_F64, LINREC_LAYOUT_BCT, 2, 3000, 1, 0};
    test_case tc = test_case_new(&p, 11, 0);
    interop_answers want = interop_answers_of(&d, &tc);
    interop_placed placed = interop_place(&d, ctx, &p, 1);
    interop_write(&d, &placed, INTEROP_A, &tc.a);
    interop_write(&d, &placed, INTEROP_X, &tc.x);
    interop_write(&d, &placed, INTEROP_H0, &tc.h0);
    interop_write(&d, &placed, INTEROP_DH, &tc.dh);
    const interop_slice *s = placed.slices;
    cr_assert_eq(linrec_scan_buffers(ctx, &p, s[INTEROP_A].buffer, s[INTEROP_X].buffer,
                                     s[INTEROP_H0].buffer, s[INTEROP_H].buffer),
                 LINREC_OK, "%s", linrec_last_error());
    cr_assert_eq(linrec_cuda_context_set_stream(ctx, a.stream), LINREC_OK, "%s",
                 linrec_last_error());
    cr_assert_eq(linrec_scan_backward_buffers(ctx, &p, s[INTEROP_A].buffer, s[INTEROP_H0].buffer,
                                              s[INTEROP_H].buffer, s[INTEROP_DH].buffer,
                                              s[INTEROP_DX].buffer, s[INTEROP_DA].buffer,
                                              s[INTEROP_DH0].buffer),
                 LINREC_OK, "%s", linrec_last_error());
    cr_assert_eq(linrec_context_synchronize(ctx), LINREC_OK, "%s", linrec_last_error());
    interop_expect(&d, &placed, INTEROP_H, &want.h, "forward h on the default stream", &p);
    interop_expect(&d, &placed, INTEROP_DX, &want.dx, "backward dx after set_stream", &p);
    interop_expect(&d, &placed, INTEROP_DA, &want.da, "backward da after set_stream", &p);
    interop_placed_free(&d, &placed);
    interop_answers_free(&want);
    test_case_free(&tc);
    linrec_context_destroy(ctx);
    app_free(&a);
}

#ifndef LINREC_INTEROP_ON_GPU
/* A kernel that faults on the device is reported by the synchronize after it, with its
 * sentence; the context then works again. */
Test(cuda_interop, device_errors_surface_at_synchronize)
{
    app a = app_new();
    linrec_context *ctx = interop_context(a.stream);
    const linrec_problem p = {LINREC_F32, LINREC_LAYOUT_TBC, 1, 8, 4, 0};
    void *memory = arena_new(&a, 3 * 32 * sizeof(float));
    linrec_buffer *x = wrap(ctx, memory, 0, 32 * sizeof(float));
    linrec_buffer *coefficients = wrap(ctx, memory, 32 * sizeof(float), 32 * sizeof(float));
    linrec_buffer *h = wrap(ctx, memory, 64 * sizeof(float), 32 * sizeof(float));
    a.cuda.fault_next_launch();
    cr_expect_eq(linrec_scan_buffers(ctx, &p, coefficients, x, NULL, h), LINREC_OK, "%s",
                 linrec_last_error());
    expect_failure(linrec_context_synchronize(ctx), LINREC_ERR_DEVICE, "cudaErrorIllegalAddress");
    cr_expect_eq(linrec_scan_buffers(ctx, &p, coefficients, x, NULL, h), LINREC_OK, "%s",
                 linrec_last_error());
    cr_expect_eq(linrec_context_synchronize(ctx), LINREC_OK, "%s", linrec_last_error());
    linrec_buffer_destroy(x);
    linrec_buffer_destroy(coefficients);
    linrec_buffer_destroy(h);
    arena_free(&a, memory);
    linrec_context_destroy(ctx);
    app_free(&a);
}
#endif

/* Host-pointer calls on an asynchronous context still return with their results. */
Test(cuda_interop, host_pointer_calls_stay_synchronous)
{
    app a = app_new();
    interop_device d = device_of(&a);
    linrec_context *ctx = interop_context(a.stream);
    const linrec_problem p = {LINREC_C64, LINREC_LAYOUT_BTC, 3, 300, 20, 0};
    interop_expect_host_call_synchronous(&d, ctx, &p, 12);
    linrec_context_destroy(ctx);
    app_free(&a);
}

/* The emulated device's allocations; 0 on a GPU, where nothing counts them. */
static size_t allocations(const app *a)
{
    linrec_emulator_memory_usage usage = {0, 0, 0, 0};
    if (a->memory)
        a->memory(&usage);
    return usage.device_allocations;
}

/* A wrapped buffer borrows: destroying it frees nothing (the application's cudaFree after it
 * would fail otherwise), and linrec_cuda_buffer_pointer gives back where any buffer starts. */
Test(cuda_interop, wrapped_buffers_borrow)
{
    app a = app_new();
    linrec_context *ctx = interop_context(a.stream);
    size_t before = allocations(&a);
    void *memory = arena_new(&a, 4096);
    linrec_buffer *wrapped = wrap(ctx, memory, 12, 100);
    cr_expect_eq(linrec_buffer_size(wrapped), 100);
    cr_expect_eq(linrec_cuda_buffer_pointer(wrapped), (char *)memory + 12);
    const unsigned char bytes[5] = {1, 2, 3, 4, 5};
    unsigned char back[5] = {0};
    cr_assert_eq(linrec_buffer_write(wrapped, 3, bytes, 5), LINREC_OK, "%s", linrec_last_error());
    read_arena(&a, memory, 15, back, 5);
    cr_expect_eq(memcmp(back, bytes, 5), 0, "linrec_buffer_write missed the wrapped memory");
    linrec_buffer *made = NULL;
    cr_assert_eq(linrec_buffer_create(ctx, 64, &made), LINREC_OK, "%s", linrec_last_error());
    cr_expect_neq(linrec_cuda_buffer_pointer(made), NULL);
    linrec_buffer_destroy(made);
    linrec_buffer_destroy(wrapped);
    linrec_context_destroy(ctx);
    cr_expect_eq(allocations(&a), before + !!a.memory,
                 "destroying a wrapped buffer freed device memory");
    arena_free(&a, memory);
    app_free(&a);
}

Test(cuda_interop, bad_handles_are_refused)
{
    app a = app_new();
    linrec_context *ctx = interop_context(a.stream), *none = (linrec_context *)1;
    linrec_context *serial = NULL, *owned = NULL;
    linrec_buffer *buffer = (linrec_buffer *)1;
    void *memory = arena_new(&a, 256);
    expect_failure(linrec_cuda_context_create(-1, NULL, &none), LINREC_ERR_INVALID_ARGUMENT,
                   "negative");
    cr_expect_eq(none, NULL);
    expect_failure(linrec_cuda_context_create(0, NULL, NULL), LINREC_ERR_INVALID_ARGUMENT,
                   "output pointer");
    expect_failure(linrec_cuda_context_create(7, NULL, &none), LINREC_ERR_BACKEND_UNAVAILABLE,
                   "cuda:7");
    static float host_memory[16];
    expect_failure(linrec_cuda_buffer_wrap(ctx, host_memory, sizeof host_memory, &buffer),
                   LINREC_ERR_INVALID_ARGUMENT, "not device memory");
    cr_expect_eq(buffer, NULL);
    expect_failure(linrec_cuda_buffer_wrap(ctx, NULL, 16, &buffer), LINREC_ERR_INVALID_ARGUMENT,
                   "NULL");
    expect_failure(linrec_cuda_buffer_wrap(ctx, memory, 0, &buffer), LINREC_ERR_INVALID_ARGUMENT,
                   "0 bytes");
    expect_failure(linrec_cuda_buffer_wrap(NULL, memory, 16, &buffer), LINREC_ERR_INVALID_ARGUMENT,
                   "context is NULL");
    cr_assert_eq(linrec_context_create("serial", &serial), LINREC_OK);
    expect_failure(linrec_cuda_buffer_wrap(serial, memory, 16, &buffer),
                   LINREC_ERR_BACKEND_MISMATCH, "serial");
    expect_failure(linrec_cuda_context_set_stream(serial, NULL), LINREC_ERR_BACKEND_MISMATCH,
                   "serial");
    expect_failure(linrec_cuda_context_set_stream(NULL, NULL), LINREC_ERR_INVALID_ARGUMENT, "NULL");
    cr_assert_eq(linrec_context_create("cuda", &owned), LINREC_OK, "%s", linrec_last_error());
    expect_failure(linrec_cuda_context_set_stream(owned, a.stream), LINREC_ERR_INVALID_ARGUMENT,
                   "owns its stream");
    cr_expect_eq(linrec_context_synchronize(owned), LINREC_OK);
    linrec_buffer *host = NULL;
    cr_assert_eq(linrec_buffer_create(serial, 16, &host), LINREC_OK);
    cr_expect_eq(linrec_cuda_buffer_pointer(host), NULL);
    cr_expect_eq(linrec_cuda_buffer_pointer(NULL), NULL);

    /* Memory that does not start at an element of the array it is given as. */
    const linrec_problem p = {LINREC_F32, LINREC_LAYOUT_TBC, 1, 4, 2, 0};
    linrec_buffer *odd = wrap(ctx, memory, 2, 32), *coefficients = wrap(ctx, memory, 64, 32);
    linrec_buffer *out = wrap(ctx, memory, 128, 32);
    expect_failure(linrec_scan_buffers(ctx, &p, coefficients, odd, NULL, out),
                   LINREC_ERR_INVALID_ARGUMENT, "buffer x starts at device address");
    cr_expect_eq(linrec_context_synchronize(ctx), LINREC_OK, "%s", linrec_last_error());

    linrec_buffer_destroy(odd);
    linrec_buffer_destroy(coefficients);
    linrec_buffer_destroy(out);
    linrec_buffer_destroy(host);
    linrec_context_destroy(owned);
    linrec_context_destroy(serial);
    linrec_context_destroy(ctx);
    arena_free(&a, memory);
    app_free(&a);
}
