/*
 * Lengths and sizes where a backend that splits sequences over threads cuts them: just past
 * multiples of 16 steps (SIMD blocks, chunk alignment) and of the cache-sized super-chunks the
 * openmp backend walks (16Ki f32 or 8Ki f64 steps per thread for one sequence, with 2 or 3
 * threads), so that one-step chunks, empty chunks and a backward pass whose last chunk is its
 * first step alone all occur; and outputs of 4 MiB and more, which are written around the cache.
 * Every shape is valid for every backend.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "reference.h"

static void forward_and_backward(linrec_context *ctx, const linrec_problem *p, uint64_t seed)
{
    test_case tc = test_case_new(p, seed, 1);
    test_forward(ctx, &tc, 0, 0);
    test_forward(ctx, &tc, 1, 1);
    test_backward(ctx, &tc, 1, 0, 1, 1);
    test_backward(ctx, &tc, 0, 1, 1, 0);
    test_case_free(&tc);
}

/* Steps just past k super-chunks of `per_thread` steps on 2 and 3 threads. */
static void sequence_lengths(linrec_dtype dtype, size_t per_thread)
{
    static const size_t past[] = {1, 17, 33};
    linrec_context *ctx = test_context();
    uint64_t seed = 7000 + 100 * (uint64_t)dtype;
    for (size_t threads = 2; threads <= 3; threads++)
        for (size_t i = 0; i < sizeof past / sizeof past[0]; i++)
            for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
                size_t steps = per_thread * threads + past[i];
                linrec_problem p = {dtype, LINREC_LAYOUT_BCT, 1, steps, 1, flags};
                forward_and_backward(ctx, &p, seed++);
            }
    linrec_context_destroy(ctx);
}

Test(chunking, f32_one_sequence_past_super_chunks)
{
    sequence_lengths(LINREC_F32, 16384);
}

Test(chunking, f64_one_sequence_past_super_chunks)
{
    sequence_lengths(LINREC_F64, 8192);
}

/* Each f32 shape B x T x C of `dims` in TBC and BTC, both directions, forward and backward. */
static void rows_in_both_layouts(const size_t (*dims)[3], size_t count, uint64_t seed)
{
    linrec_context *ctx = test_context();
    for (size_t i = 0; i < count; i++)
        for (int layout = LINREC_LAYOUT_TBC; layout <= LINREC_LAYOUT_BTC; layout++)
            for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
                linrec_problem p = {
                    LINREC_F32, (linrec_layout)layout, dims[i][0], dims[i][1], dims[i][2], flags};
                forward_and_backward(ctx, &p, seed + 10 * i + 2 * (size_t)layout + flags);
            }
    linrec_context_destroy(ctx);
}

/* A few narrow lanes split over time: rows of 3 or 5 lanes, lengths off multiples of 16. */
Test(chunking, narrow_rows_split_over_time)
{
    static const size_t dims[][3] = {{1, 40017, 3}, {1, 30001, 5}, {3, 20033, 1}};
    rows_in_both_layouts(dims, sizeof dims / sizeof dims[0], 7300);
}

/* Outputs of 4 MiB and more: aligned rows, and sequences starting at odd addresses. */
Test(chunking, large_outputs)
{
    static const struct {
        linrec_dtype dtype;
        linrec_layout layout;
        size_t batch, steps, channels;
    } shapes[] = {
        {LINREC_F32, LINREC_LAYOUT_TBC, 1, 1030, 1024},
        {LINREC_F32, LINREC_LAYOUT_BCT, 3, 70001, 5},
        {LINREC_F64, LINREC_LAYOUT_BCT, 1, 175001, 3},
        {LINREC_F64, LINREC_LAYOUT_BTC, 2, 1000, 264},
    };
    linrec_context *ctx = test_context();
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
            linrec_problem p = {shapes[i].dtype, shapes[i].layout,   shapes[i].batch,
                                shapes[i].steps, shapes[i].channels, flags};
            forward_and_backward(ctx, &p, 7500 + 2 * i + flags);
        }
    linrec_context_destroy(ctx);
}

/* One group's rows cut between the threads (openmp does so only for wide rows of large problems),
 * with a part off a multiple of the SIMD width. */
Test(chunking, wide_rows_cut_between_threads)
{
    static const size_t dims[][3] = {{1, 200, 3000}, {1, 131, 4100}};
    rows_in_both_layouts(dims, sizeof dims / sizeof dims[0], 7350);
}

/* Many short sequences, time innermost (or one channel), which openmp scans joined, one run of
 * vector blocks across their borders: step counts around the vector widths and around its limit
 * of 512 bytes (128 f32 or 64 f64 steps), sequence counts off multiples of 16, enough elements
 * for every thread, and few. */
Test(chunking, many_short_sequences)
{
    static const size_t steps[] = {1, 2, 3, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129};
    static const size_t sides[][2] = {{37, 129}, {3, 32771}};
    linrec_context *ctx = test_context();
    uint64_t seed = 7400;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        for (size_t k = 0; k < sizeof sides / sizeof sides[0]; k++)
            for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
                linrec_dtype dtype = (i + k) % 2 ? LINREC_F64 : LINREC_F32;
                linrec_problem bct = {dtype,    LINREC_LAYOUT_BCT,          sides[k][0],
                                      steps[i], sides[k][1] / steps[i] + 1, flags};
                linrec_problem btc = {dtype, LINREC_LAYOUT_BTC, sides[k][1], steps[i], 1, flags};
                forward_and_backward(ctx, &bct, seed++);
                forward_and_backward(ctx, &btc, seed++);
            }
    linrec_context_destroy(ctx);
}

/* Longer sequences, time innermost, in problems large enough that openmp streams the outputs
 * (4 MiB per array), which it also scans joined: step counts off and on the vector widths. */
Test(chunking, streamed_sequences_time_innermost)
{
    static const struct {
        linrec_dtype dtype;
        size_t steps, sequences;
    } cases[] = {{LINREC_F32, 1000, 1100}, {LINREC_F32, 4096, 257}, {LINREC_F64, 777, 700}};
    linrec_context *ctx = test_context();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
            linrec_problem p = {cases[i].dtype, LINREC_LAYOUT_BCT,  1,
                                cases[i].steps, cases[i].sequences, flags};
            forward_and_backward(ctx, &p, 7900 + 2 * i + flags);
        }
    linrec_context_destroy(ctx);
}

/* A NaN in x at step t0 of lane 1 poisons that lane from t0 on in scan order, nothing else, when
 * t0 sits at a block or chunk edge of a sequence split over time. */
Test(chunking, nan_at_chunk_edges)
{
    static const size_t at[] = {0, 15, 16, 8191, 8192, 16384, 16400, 40016};
    linrec_context *ctx = test_context();
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
            linrec_problem p = {LINREC_F32, LINREC_LAYOUT_TBC, 1, 40017, 3, flags};
            test_case tc = test_case_new(&p, 7700 + i, 0);
            size_t t0 = flags ? p.steps - 1 - at[i] : at[i];
            test_array_set(&tc.x, ref_index(&p, 0, t0, 1), NAN);
            test_array h = test_array_new(p.dtype, test_elements(&p));
            cr_assert_eq(linrec_scan(ctx, &p, tc.a.data, tc.x.data, NULL, h.data), LINREC_OK, "%s",
                         linrec_last_error());
            for (size_t t = 0; t < p.steps; t++)
                for (size_t c = 0; c < p.channels; c++) {
                    int poisoned = c == 1 && (flags ? t <= t0 : t >= t0);
                    double value = test_array_get(&h, ref_index(&p, 0, t, c));
                    cr_assert_eq(isnan(value) != 0, poisoned,
                                 "NaN at step %zu on %s: h(%zu, %zu) = %g", t0, test_describe(&p),
                                 t, c, value);
                }
            test_array_free(&h);
            test_case_free(&tc);
        }
    linrec_context_destroy(ctx);
}

/* Asserts that exactly element `poisoned` of `arr` (a BCT problem's) is NaN. */
static void expect_nan_only_at(const char *what, const linrec_problem *p, const test_array *arr,
                               size_t poisoned)
{
    for (size_t i = 0; i < test_elements(p); i++) {
        double value = test_array_get(arr, i);
        cr_assert_eq(isnan(value) != 0, i == poisoned,
                     "%s on %s: element %zu (seq %zu, step %zu) = %g", what, test_describe(p), i,
                     i / p->steps, i % p->steps, value);
    }
}

/* Many short sequences (time innermost), which openmp scans as one run of blocks across their
 * borders: a NaN at a sequence's last step in scan order stays there. Forward a NaN x; backward
 * a NaN dh, and a NaN h at the step before the next sequence's first (which da must not take). */
Test(chunking, nan_stays_in_its_short_sequence)
{
    static const size_t steps[] = {2, 3, 5, 8, 16, 17, 33, 128};
    linrec_context *ctx = test_context();
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
            size_t T = steps[i], seq = 4093;
            linrec_problem p = {LINREC_F32, LINREC_LAYOUT_BCT, 241, T, 17, flags};
            size_t n = test_elements(&p), base = seq * T;
            test_case tc = test_case_new(&p, 7800 + i, 0);
            size_t last_fwd = base + (flags ? 0 : T - 1), last_bwd = base + (flags ? T - 1 : 0);
            test_array_set(&tc.x, last_fwd, NAN);
            test_array_set(&tc.dh, last_bwd, NAN);
            /* The h that da of the next sequence in the backward scan would take at its edge if
             * the scan reached across: no da of this sequence takes it. */
            test_array_set(&tc.h, flags ? base : base + T - 1, NAN);
            test_array h = test_array_new(p.dtype, n), dx = test_array_new(p.dtype, n);
            test_array da = test_array_new(p.dtype, n);
            cr_assert_eq(linrec_scan(ctx, &p, tc.a.data, tc.x.data, NULL, h.data), LINREC_OK, "%s",
                         linrec_last_error());
            expect_nan_only_at("h", &p, &h, last_fwd);
            cr_assert_eq(linrec_scan_backward(ctx, &p, tc.a.data, NULL, tc.h.data, tc.dh.data,
                                              dx.data, da.data, NULL),
                         LINREC_OK, "%s", linrec_last_error());
            expect_nan_only_at("dx", &p, &dx, last_bwd);
            expect_nan_only_at("da", &p, &da, last_bwd);
            test_array_free(&h);
            test_array_free(&dx);
            test_array_free(&da);
            test_case_free(&tc);
        }
    linrec_context_destroy(ctx);
}

/* Copies `bytes` from `src` to `offset` bytes into a fresh 64-byte-aligned block. */
static unsigned char *placed_copy(const void *src, size_t bytes, size_t offset)
{
    unsigned char *block = aligned_alloc(64, (bytes + 64 + 63) / 64 * 64);
    cr_assert_not_null(block);
    if (src)
        memcpy(block + offset, src, bytes);
    else
        memset(block + offset, 0, bytes);
    return block;
}

/* Whether the context's backend copies host arrays into device memory of its own before its
 * kernels read them, so that where the host arrays sit reaches no kernel. */
static int stages_host_arrays(const linrec_context *ctx)
{
    const char *backend = linrec_context_backend(ctx);
    return strcmp(backend, "cuda") == 0 || strcmp(backend, "opencl") == 0;
}

/* The bits of h, dx and da do not depend on where the arrays sit: outputs of 4 MiB and more,
 * which are streamed, with every array moved by 0, 4, ..., 60 bytes from a 64-byte boundary (on a
 * backend that stages host arrays, which only its copies see, by 0, 28 and 56). */
Test(chunking, large_outputs_independent_of_alignment)
{
    static const struct {
        linrec_dtype dtype;
        size_t batch, steps, channels;
    } shapes[] = {
        {LINREC_F32, 1, ((size_t)1 << 21) + 5, 1},
        {LINREC_F32, 2, ((size_t)1 << 19) + 3, 3},
        {LINREC_F64, 1, ((size_t)1 << 20) + 3, 1},
    };
    linrec_context *ctx = test_context();
    const size_t offset_step = stages_host_arrays(ctx) ? 28 : 4;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
            linrec_problem p = {shapes[i].dtype, LINREC_LAYOUT_BCT,  shapes[i].batch,
                                shapes[i].steps, shapes[i].channels, flags};
            test_case tc = test_case_new(&p, 7900 + 2 * i + flags, 1);
            size_t bytes = test_elements(&p) * test_element_size(p.dtype);
            unsigned char *first[3] = {NULL, NULL, NULL};
            for (size_t offset = 0; offset < 64; offset += offset_step) {
                if (p.dtype == LINREC_F64 && offset % 8)
                    continue;
                unsigned char *a = placed_copy(tc.a.data, bytes, offset);
                unsigned char *x = placed_copy(tc.x.data, bytes, offset);
                unsigned char *h = placed_copy(NULL, bytes, offset);
                unsigned char *dh = placed_copy(tc.dh.data, bytes, offset);
                unsigned char *dx = placed_copy(NULL, bytes, offset);
                unsigned char *da = placed_copy(NULL, bytes, offset);
                cr_assert_eq(linrec_scan(ctx, &p, a + offset, x + offset, NULL, h + offset),
                             LINREC_OK, "%s", linrec_last_error());
                cr_assert_eq(linrec_scan_backward(ctx, &p, a + offset, NULL, h + offset,
                                                  dh + offset, dx + offset, da + offset, NULL),
                             LINREC_OK, "%s", linrec_last_error());
                unsigned char *out[3] = {h + offset, dx + offset, da + offset};
                static const char *names[3] = {"h", "dx", "da"};
                for (int k = 0; k < 3; k++) {
                    if (!first[k]) {
                        first[k] = malloc(bytes);
                        cr_assert_not_null(first[k]);
                        memcpy(first[k], out[k], bytes);
                    } else {
                        cr_assert_eq(memcmp(first[k], out[k], bytes), 0,
                                     "%s differs with arrays %zu bytes past 64 on %s", names[k],
                                     offset, test_describe(&p));
                    }
                }
                free(a);
                free(x);
                free(h);
                free(dh);
                free(dx);
                free(da);
            }
            for (int k = 0; k < 3; k++)
                free(first[k]);
            test_case_free(&tc);
        }
    linrec_context_destroy(ctx);
}
