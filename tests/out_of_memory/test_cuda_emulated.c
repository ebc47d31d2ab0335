/*
 * The cuda plugin running out of memory on the host emulation of the GPU (tests/cuda_emulator):
 * each test sets the emulated device's memory (LINREC_EMULATED_DEVICE_MEMORY) and pinned host
 * memory (LINREC_EMULATED_PINNED_MEMORY) before it opens its context, and the emulator's record
 * of allocations shows what the plugin holds: after a failed call what it held before it, after
 * the context is destroyed what there was before the test.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator_memory.h"
#include "harness.h"
#include "out_of_memory.h"
#include "reference.h"

static void *emulated_plugin;
static void (*emulator_memory)(linrec_emulator_memory_usage *usage);

/* The test keeps the plugin loaded, so that its record outlives every context. */
static void open_emulated_plugin(void)
{
    const char *folder = getenv("LINREC_BACKEND_PATH");
    cr_assert(folder && *folder, "LINREC_BACKEND_PATH must name the emulated cuda plugin's folder");
    char path[4096];
    snprintf(path, sizeof path, "%s/liblinrec_cuda.so", folder);
    emulated_plugin = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    cr_assert(emulated_plugin, "cannot open %s: %s", path, dlerror());
    *(void **)&emulator_memory = dlsym(emulated_plugin, LINREC_EMULATOR_MEMORY_SYMBOL);
    cr_assert(emulator_memory, "%s is not the emulated cuda plugin: it has no %s", path,
              LINREC_EMULATOR_MEMORY_SYMBOL);
    cr_assert_eq(unsetenv("LINREC_EMULATED_DEVICE_MEMORY"), 0);
    cr_assert_eq(unsetenv("LINREC_EMULATED_PINNED_MEMORY"), 0);
}

static void close_emulated_plugin(void)
{
    if (emulated_plugin)
        dlclose(emulated_plugin);
}

TestSuite(oom_cuda, .init = open_emulated_plugin, .fini = close_emulated_plugin);

static linrec_emulator_memory_usage usage(void)
{
    linrec_emulator_memory_usage now;
    emulator_memory(&now);
    return now;
}

static void set_budget(const char *variable, size_t bytes)
{
    char text[32];
    snprintf(text, sizeof text, "%zu", bytes);
    cr_assert_eq(setenv(variable, text, 1), 0);
}

/* The device holds what it held `then`; with `pinned`, pinned memory too (a context keeps its
 * pinned bounce buffer from its first host call to its end). */
static void expect_held(const linrec_emulator_memory_usage *then, int pinned, const char *when)
{
    linrec_emulator_memory_usage now = usage();
    cr_expect(now.device_bytes == then->device_bytes &&
                  now.device_allocations == then->device_allocations,
              "%s: the device holds %zu bytes in %zu allocations, expected %zu in %zu", when,
              now.device_bytes, now.device_allocations, then->device_bytes,
              then->device_allocations);
    cr_expect(!pinned || (now.pinned_bytes == then->pinned_bytes &&
                          now.pinned_allocations == then->pinned_allocations),
              "%s: pinned memory holds %zu bytes in %zu allocations, expected %zu in %zu", when,
              now.pinned_bytes, now.pinned_allocations, then->pinned_bytes,
              then->pinned_allocations);
}

static void expect_all_given_back(const linrec_emulator_memory_usage *then)
{
    expect_held(then, 1, "after destroying the context");
}

/* A context on the emulated device of `budget` bytes (0: the emulator's default). */
static linrec_context *emulated_context(size_t budget)
{
    if (budget)
        set_budget("LINREC_EMULATED_DEVICE_MEMORY", budget);
    return test_context();
}

/* The scan of 2^31 + 4099 f32 steps: 16 GiB of staging on a 4 GiB device. */
Test(oom_cuda, a_scan_larger_than_the_default_device_is_refused_before_any_copy)
{
    linrec_emulator_memory_usage before = usage();
    linrec_context *ctx = emulated_context(0);
    cr_expect(strstr(linrec_context_device(ctx), "4.0 GiB") != NULL,
              "the emulated device is described as \"%s\", not as 4.0 GiB",
              linrec_context_device(ctx));
    oom_expect_host_calls_refused(ctx, ((size_t)1 << 31) + 4099,
                                  "cudaMalloc (staging of host arrays");
    expect_held(&before, 0, "after refusing the scan");
    oom_expect_buffer_refused(ctx, ((size_t)4 << 30) + 1,
                              "cudaMalloc (buffer of 4294967297 bytes)");
    expect_held(&before, 0, "after refusing the buffer");
    oom_expect_host_calls_right(ctx, 1, 4099);
    linrec_context_destroy(ctx);
    expect_all_given_back(&before);
}

Test(oom_cuda, buffers_are_allocated_up_to_the_budget_and_no_further)
{
    linrec_emulator_memory_usage before = usage();
    linrec_context *ctx = emulated_context(8 * MIB);
    const char *fragment = "failed: out of memory (cudaErrorMemoryAllocation)";
    oom_expect_buffer_refused(ctx, 8 * MIB + 1, fragment);
    expect_held(&before, 0, "after refusing a buffer larger than the device");
    linrec_buffer *whole = oom_buffer(ctx, 8 * MIB);
    oom_expect_buffer_refused(ctx, 1, fragment);
    linrec_buffer_destroy(whole);
    expect_held(&before, 0, "after destroying a buffer of the whole device");
    linrec_buffer *half = oom_buffer(ctx, 4 * MIB), *rest = oom_buffer(ctx, 4 * MIB - 256);
    oom_expect_buffer_refused(ctx, 257, "cudaMalloc (buffer of 257 bytes)");
    linrec_buffer *last = oom_buffer(ctx, 256);
    unsigned char in[256], out[256];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (unsigned char)(i * 13 + 5);
    cr_expect_eq(linrec_buffer_write(last, 0, in, sizeof in), LINREC_OK, "%s", linrec_last_error());
    cr_expect_eq(linrec_buffer_read(last, 0, out, sizeof out), LINREC_OK, "%s",
                 linrec_last_error());
    cr_expect_eq(memcmp(in, out, sizeof in), 0, "a buffer that filled the device lost its bytes");
    linrec_buffer_destroy(half);
    linrec_buffer_destroy(rest);
    linrec_buffer_destroy(last);
    linrec_context_destroy(ctx);
    expect_all_given_back(&before);
}

/* 12 MiB of staging on an 8 MiB device, then problems that fit. */
Test(oom_cuda, host_calls_larger_than_the_device_leave_it_usable)
{
    linrec_emulator_memory_usage before = usage();
    linrec_context *ctx = emulated_context(8 * MIB);
    oom_expect_host_calls_refused(ctx, 6 * MIB / sizeof(float),
                                  "cudaMalloc (staging of host arrays");
    expect_held(&before, 0, "after refusing the host calls");
    oom_expect_host_calls_right(ctx, 1, MIB / sizeof(float));
    oom_expect_host_calls_right(ctx, 64, 1000);
    linrec_context_destroy(ctx);
    expect_all_given_back(&before);
}

/* One sequence of 1 MiB per array, which the look-back kernel serves: its scratch is the only
 * allocation of a scan on buffers. */
Test(oom_cuda, look_back_scratch_beyond_the_budget_on_buffers)
{
    const size_t steps = MIB / sizeof(float);
    linrec_problem p = {LINREC_F32, LINREC_LAYOUT_BCT, 1, steps, 1, 0};
    linrec_emulator_memory_usage before = usage();
    linrec_context *ctx = emulated_context(5 * MIB);
    test_case tc = test_case_new(&p, 77, 1);
    linrec_buffer *a = oom_buffer(ctx, MIB), *x = oom_buffer(ctx, MIB), *h = oom_buffer(ctx, MIB);
    cr_assert_eq(linrec_buffer_write(a, 0, tc.a.data, MIB), LINREC_OK, "%s", linrec_last_error());
    cr_assert_eq(linrec_buffer_write(x, 0, tc.x.data, MIB), LINREC_OK, "%s", linrec_last_error());
    linrec_buffer *filler = oom_buffer(ctx, 2 * MIB); /* the device is full */
    linrec_emulator_memory_usage full = usage();
    expect_failure(linrec_scan_buffers(ctx, &p, a, x, NULL, h), LINREC_ERR_OUT_OF_MEMORY,
                   "cudaMalloc (look-back scratch");
    expect_failure(linrec_scan_backward_buffers(ctx, &p, a, NULL, NULL, x, h, NULL, NULL),
                   LINREC_ERR_OUT_OF_MEMORY, "cudaMalloc (look-back scratch");
    expect_held(&full, 0, "after refusing the scans on buffers");
    linrec_buffer_destroy(filler);
    cr_assert_eq(linrec_scan_buffers(ctx, &p, a, x, NULL, h), LINREC_OK, "%s", linrec_last_error());
    test_array got = test_array_new(LINREC_F32, steps);
    cr_assert_eq(linrec_buffer_read(h, 0, got.data, MIB), LINREC_OK, "%s", linrec_last_error());
    long double *want = calloc(steps, sizeof *want), *bound = calloc(steps, sizeof *bound);
    cr_assert(want && bound);
    ref_forward(&p, tc.a.values, tc.x.values, NULL, want, bound);
    test_expect_close("h on buffers after running out of scratch", &p, &got, want, bound);
    free(want);
    free(bound);
    test_array_free(&got);
    test_case_free(&tc);
    linrec_buffer_destroy(a);
    linrec_buffer_destroy(x);
    linrec_buffer_destroy(h);
    linrec_context_destroy(ctx);
    expect_all_given_back(&before);
}

/* A host scan whose staging takes the whole device, so that its look-back scratch cannot be had:
 * what it staged must not stay behind and make the smaller scans after it fail too. */
Test(oom_cuda, look_back_scratch_beyond_the_budget_in_a_host_scan)
{
    linrec_emulator_memory_usage before = usage();
    linrec_context *ctx = emulated_context(4 * MIB);
    linrec_problem p = {LINREC_F32, LINREC_LAYOUT_BCT, 1, 2 * MIB / sizeof(float), 1, 0};
    test_case tc = test_case_new(&p, 78, 1);
    test_array h = test_array_new(LINREC_F32, p.steps);
    expect_failure(linrec_scan(ctx, &p, tc.a.data, tc.x.data, NULL, h.data),
                   LINREC_ERR_OUT_OF_MEMORY, "cudaMalloc (look-back scratch");
    expect_held(&before, 0, "after refusing the host scan");
    oom_expect_host_calls_right(ctx, 1, MIB / 4 / sizeof(float));
    test_array_free(&h);
    test_case_free(&tc);
    linrec_context_destroy(ctx);
    expect_all_given_back(&before);
}

/* What a context keeps for host calls is a cache: a buffer that needs the room gets it. */
Test(oom_cuda, the_context_gives_its_arenas_back_to_a_buffer)
{
    linrec_emulator_memory_usage before = usage();
    linrec_context *ctx = emulated_context(8 * MIB);
    oom_expect_host_calls_right(ctx, 1, MIB / sizeof(float));
    linrec_buffer *whole = oom_buffer(ctx, 8 * MIB);
    linrec_buffer_destroy(whole);
    oom_expect_host_calls_right(ctx, 1, MIB / sizeof(float));
    linrec_context_destroy(ctx);
    expect_all_given_back(&before);
}

/* A look-back scan leaves 6 MiB of staging and 2 MiB of scratch cached on an 8 MiB device; a host
 * scan that stages 7 MiB (sequences of 32 steps, no scratch) fits once they are given back. */
Test(oom_cuda, a_host_call_takes_what_the_arenas_cache)
{
    linrec_emulator_memory_usage before = usage();
    linrec_context *ctx = emulated_context(8 * MIB);
    oom_expect_host_calls_right(ctx, 1, MIB / sizeof(float));
    linrec_problem p = {LINREC_F32, LINREC_LAYOUT_BCT, 7 * MIB / 2 / (32 * sizeof(float)), 32, 1,
                        0};
    test_case tc = test_case_new(&p, 80, 1);
    test_forward(ctx, &tc, 0, 0);
    test_case_free(&tc);
    linrec_context_destroy(ctx);
    expect_all_given_back(&before);
}

/* Arrays of 1.25 MiB, so that a backward with da and dh0 stages 5.08 MiB on a 5.5 MiB device:
 * rounding the arena up to whole units must not refuse it. Sequences of 32 steps take no
 * look-back scratch. */
Test(oom_cuda, staging_that_fits_the_device_exactly_is_not_refused)
{
    linrec_emulator_memory_usage before = usage();
    linrec_context *ctx = emulated_context(11 * MIB / 2);
    oom_expect_host_calls_right(ctx, 5 * MIB / 4 / (32 * sizeof(float)), 32);
    linrec_context_destroy(ctx);
    expect_all_given_back(&before);
}

/* The plugin's pinned bounce buffer is 16 MiB. */
Test(oom_cuda, pinned_memory_beyond_its_budget)
{
    linrec_emulator_memory_usage before = usage();
    set_budget("LINREC_EMULATED_PINNED_MEMORY", 16 * MIB - 1);
    linrec_context *ctx = emulated_context(8 * MIB);
    const char *fragment = "cudaMallocHost (staging bounce buffer";
    linrec_problem p = {LINREC_F32, LINREC_LAYOUT_BCT, 2, 1000, 1, 0};
    test_case tc = test_case_new(&p, 79, 1);
    test_array h = test_array_new(LINREC_F32, 2000);
    expect_failure(linrec_scan(ctx, &p, tc.a.data, tc.x.data, NULL, h.data),
                   LINREC_ERR_OUT_OF_MEMORY, fragment);
    expect_held(&before, 1, "after the host scan failed");
    linrec_buffer *buffer = oom_buffer(ctx, sizeof(float) * 2000);
    expect_failure(linrec_buffer_write(buffer, 0, tc.x.data, sizeof(float) * 2000),
                   LINREC_ERR_OUT_OF_MEMORY, fragment);
    expect_failure(linrec_buffer_read(buffer, 0, h.data, sizeof(float) * 2000),
                   LINREC_ERR_OUT_OF_MEMORY, fragment);
    linrec_buffer_destroy(buffer);
    expect_held(&before, 1, "after the buffer's copies failed");
    set_budget("LINREC_EMULATED_PINNED_MEMORY", 16 * MIB);
    oom_expect_host_calls_right(ctx, 2, 1000);
    linrec_context_destroy(ctx);
    expect_all_given_back(&before);
}

Test(oom_cuda, a_budget_that_is_not_a_byte_count_fails_the_context)
{
    cr_assert_eq(setenv("LINREC_EMULATED_DEVICE_MEMORY", "4GiB", 1), 0);
    linrec_context *ctx = NULL;
    expect_failure(linrec_context_create(NULL, &ctx), LINREC_ERR_DEVICE,
                   "LINREC_EMULATED_DEVICE_MEMORY");
    cr_expect_null(ctx);
}
