/* Empty problems, NaN propagation, determinism and concurrent use of one context. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "harness.h"
#include "reference.h"

Test(semantics, empty_problems_are_no_ops)
{
    linrec_context *ctx = test_context();
    float sentinel[4] = {7, 7, 7, 7};
    float dh0[4] = {9, 9, 9, 9};
    const size_t dims[][3] = {{0, 5, 3}, {2, 0, 3}, {2, 5, 0}, {0, 0, 0}};
    for (size_t i = 0; i < 4; i++) {
        linrec_problem p = {LINREC_F32, LINREC_LAYOUT_BTC, dims[i][0], dims[i][1], dims[i][2], 0};
        cr_expect_eq(linrec_scan(ctx, &p, NULL, NULL, NULL, NULL), LINREC_OK,
                     "empty %s with NULL arrays: %s", test_describe(&p), linrec_last_error());
        cr_expect_eq(linrec_scan(ctx, &p, sentinel, sentinel, sentinel, sentinel), LINREC_OK);
        cr_expect_eq(linrec_scan_backward(ctx, &p, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                     LINREC_OK);
        cr_expect_eq(
            linrec_scan_backward(ctx, &p, sentinel, NULL, NULL, sentinel, sentinel, NULL, dh0),
            LINREC_OK);
        cr_expect_eq(linrec_scan_buffers(ctx, &p, NULL, NULL, NULL, NULL), LINREC_OK);
    }
    for (size_t i = 0; i < 4; i++) {
        cr_expect_eq(sentinel[i], 7.0f, "an empty problem wrote its output");
        cr_expect_eq(dh0[i], 9.0f, "an empty problem wrote dh0");
    }
    linrec_context_destroy(ctx);
}

/* A NaN planted at (b, t, c) of a or x must poison that sequence from step t on, in scan order,
 * and nothing else. */
static void expect_nan_confined(linrec_context *ctx, linrec_problem p, int in_a)
{
    test_case tc = test_case_new(&p, 4242 + p.layout + 3 * p.flags, 0);
    size_t b0 = p.batch / 2, t0 = p.steps / 3, c0 = p.channels - 1;
    test_array *target = in_a ? &tc.a : &tc.x;
    test_array_set(target, ref_index(&p, b0, t0, c0), NAN);
    test_array h = test_array_new(p.dtype, test_elements(&p));
    cr_assert_eq(linrec_scan(ctx, &p, tc.a.data, tc.x.data, tc.h0.data, h.data), LINREC_OK, "%s",
                 linrec_last_error());
    int reverse = (p.flags & LINREC_REVERSE) != 0;
    for (size_t b = 0; b < p.batch; b++)
        for (size_t t = 0; t < p.steps; t++)
            for (size_t c = 0; c < p.channels; c++) {
                int poisoned = b == b0 && c == c0 && (reverse ? t <= t0 : t >= t0);
                double value = test_array_get(&h, ref_index(&p, b, t, c));
                cr_assert_eq(isnan(value) != 0, poisoned,
                             "NaN in %s at (%zu,%zu,%zu) on %s: h(%zu,%zu,%zu) = %g",
                             in_a ? "a" : "x", b0, t0, c0, test_describe(&p), b, t, c, value);
            }
    test_array_free(&h);
    test_case_free(&tc);
}

Test(semantics, nan_stays_in_its_sequence_and_after_its_step)
{
    linrec_context *ctx = test_context();
    const size_t dims[][3] = {{3, 50, 4}, {1, 100000, 1}, {2, 3000, 70}};
    for (size_t i = 0; i < 3; i++)
        for (int layout = LINREC_LAYOUT_TBC; layout <= LINREC_LAYOUT_BCT; layout++)
            for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++)
                for (int dtype = LINREC_F32; dtype <= LINREC_F64; dtype++) {
                    linrec_problem p = {(linrec_dtype)dtype, (linrec_layout)layout,
                                        dims[i][0],          dims[i][1],
                                        dims[i][2],          flags};
                    expect_nan_confined(ctx, p, 1);
                    expect_nan_confined(ctx, p, 0);
                }
    linrec_context_destroy(ctx);
}

Test(semantics, results_are_bitwise_reproducible)
{
    linrec_context *ctx = test_context();
    const size_t dims[][3] = {{1, 300007, 1}, {4, 2049, 96}};
    for (size_t i = 0; i < 2; i++)
        for (int layout = LINREC_LAYOUT_TBC; layout <= LINREC_LAYOUT_BCT; layout++) {
            linrec_problem p = {
                LINREC_F32, (linrec_layout)layout, dims[i][0], dims[i][1], dims[i][2], 0};
            test_case tc = test_case_new(&p, 99 + i, 1);
            size_t n = test_elements(&p), bytes = n * sizeof(float);
            test_array first = test_array_new(p.dtype, n), second = test_array_new(p.dtype, n);
            for (int run = 0; run < 2; run++) {
                test_array *out = run ? &second : &first;
                cr_assert_eq(linrec_scan(ctx, &p, tc.a.data, tc.x.data, tc.h0.data, out->data),
                             LINREC_OK);
            }
            cr_expect_eq(memcmp(first.data, second.data, bytes), 0, "two forward runs on %s differ",
                         test_describe(&p));
            for (int run = 0; run < 2; run++) {
                test_array *out = run ? &second : &first;
                cr_assert_eq(linrec_scan_backward(ctx, &p, tc.a.data, tc.h0.data, tc.h.data,
                                                  tc.dh.data, out->data, NULL, NULL),
                             LINREC_OK);
            }
            cr_expect_eq(memcmp(first.data, second.data, bytes), 0,
                         "two backward runs on %s differ", test_describe(&p));
            test_array_free(&first);
            test_array_free(&second);
            test_case_free(&tc);
        }
    linrec_context_destroy(ctx);
}

enum { THREADS = 4, CALLS_PER_THREAD = 6 };

typedef struct worker {
    linrec_context *ctx;
    test_case tc;
    test_array expected, got;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int call = 0; call < CALLS_PER_THREAD; call++) {
        linrec_status status = linrec_scan(w->ctx, &w->tc.problem, w->tc.a.data, w->tc.x.data,
                                           w->tc.h0.data, w->got.data);
        size_t bytes = test_elements(&w->tc.problem) * test_element_size(w->tc.problem.dtype);
        if (status != LINREC_OK || memcmp(w->got.data, w->expected.data, bytes) != 0)
            w->failures++;
    }
    return NULL;
}

Test(semantics, one_context_serves_concurrent_threads)
{
    linrec_context *ctx = test_context();
    worker workers[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        linrec_problem p = {
            i % 2 ? LINREC_F64 : LINREC_F32, (linrec_layout)(i % 3), 1 + i,
            20000 + 1000 * (size_t)i,        3 + 5 * (size_t)i,      (unsigned)(i / 2) & 1u};
        workers[i] =
            (worker){ctx, test_case_new(&p, 31 + i, 0), test_array_new(p.dtype, test_elements(&p)),
                     test_array_new(p.dtype, test_elements(&p)), 0};
        cr_assert_eq(linrec_scan(ctx, &p, workers[i].tc.a.data, workers[i].tc.x.data,
                                 workers[i].tc.h0.data, workers[i].expected.data),
                     LINREC_OK);
    }
    for (int i = 0; i < THREADS; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, work, &workers[i]), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        cr_expect_eq(workers[i].failures, 0, "thread %d: %d of %d concurrent calls on %s differed",
                     i, workers[i].failures, CALLS_PER_THREAD,
                     test_describe(&workers[i].tc.problem));
        test_case_free(&workers[i].tc);
        test_array_free(&workers[i].expected);
        test_array_free(&workers[i].got);
    }
    linrec_context_destroy(ctx);
}
