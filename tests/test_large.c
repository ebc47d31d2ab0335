/*
 * Sizes past 2^31 elements, where any 32-bit index or offset in a backend would wrap: one sequence
 * of 2^31 + 4099 steps, and 2^31 + 4099 elements in all as many short sequences in every layout,
 * forward and reverse, in place. a = 1 and x holds a few impulses (powers of two, placed around
 * element 2^31 and at both ends), so every h is an exact sum and is checked element by element.
 *
 * Opt-in: it needs about 17 GiB of host memory and a minute or two per backend, so it runs only
 * with LINREC_TEST_LARGE=1 (see docs/testing.md). A device backend that cannot hold the arrays
 * (LINREC_ERR_OUT_OF_MEMORY, or a device limit) skips with the library's reason.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PAST_2_31 (((size_t)1 << 31) + 4099)

enum { IMPULSES = 6, SHORT_STEPS = 5 };

/* Where an element sits in its problem: its batch, step and channel. */
enum { B, T, C };
typedef struct coordinates {
    size_t at[3];
} coordinates;

/* For each layout, the dimensions in memory order, outermost first. */
static const int MEMORY_ORDER[3][3] = {
    [LINREC_LAYOUT_TBC] = {T, B, C},
    [LINREC_LAYOUT_BCT] = {B, C, T},
    [LINREC_LAYOUT_BTC] = {B, T, C},
};

static size_t dimension(const linrec_problem *p, int which)
{
    return which == B ? p->batch : which == T ? p->steps : p->channels;
}

static coordinates coordinates_of(const linrec_problem *p, size_t index)
{
    const int *order = MEMORY_ORDER[p->layout];
    coordinates where = {{0, 0, 0}};
    for (int i = 2; i >= 0; i--) {
        where.at[order[i]] = index % dimension(p, order[i]);
        index /= dimension(p, order[i]);
    }
    return where;
}

typedef struct impulse {
    size_t index;
    coordinates where;
    float value;
} impulse;

/* Impulses at element 5, around element 2^31 and at the last element. */
static void place_impulses(const linrec_problem *p, impulse impulses[IMPULSES])
{
    size_t n = test_elements(p), middle = (size_t)1 << 31;
    const size_t where[IMPULSES] = {5, middle - 2, middle - 1, middle, middle + 1, n - 1};
    for (int i = 0; i < IMPULSES; i++)
        impulses[i] = (impulse){where[i], coordinates_of(p, where[i]), (float)(1 << i)};
}

/* The exact h at `at`: the impulses of its sequence at or before it in scan order. */
static float expected(const linrec_problem *p, const impulse impulses[IMPULSES],
                      const coordinates *at)
{
    float sum = 0;
    for (int i = 0; i < IMPULSES; i++) {
        const size_t *k = impulses[i].where.at, *e = at->at;
        int earlier = p->flags & LINREC_REVERSE ? k[T] >= e[T] : k[T] <= e[T];
        if (k[B] == e[B] && k[C] == e[C] && earlier)
            sum += impulses[i].value;
    }
    return sum;
}

static size_t index_of(const linrec_problem *p, const coordinates *where)
{
    const int *order = MEMORY_ORDER[p->layout];
    size_t index = 0;
    for (int i = 0; i < 3; i++)
        index = index * dimension(p, order[i]) + where->at[order[i]];
    return index;
}

static int same_sequence(const coordinates *x, const coordinates *y)
{
    return x->at[B] == y->at[B] && x->at[C] == y->at[C];
}

/* Checks every element: first each sequence that holds an impulse, step by step, zeroing what
 * was checked; then that nothing else is nonzero, in one fast pass. Consumes h. */
static void expect_exact(const linrec_problem *p, float *h, const impulse impulses[IMPULSES])
{
    for (int i = 0; i < IMPULSES; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen |= same_sequence(&impulses[j].where, &impulses[i].where);
        coordinates at = impulses[i].where;
        for (at.at[T] = 0; !seen && at.at[T] < p->steps; at.at[T]++) {
            size_t index = index_of(p, &at);
            float want = expected(p, impulses, &at);
            cr_assert_eq(h[index], want, "%s: h[%zu] (b %zu, t %zu, c %zu) is %g, expected %g",
                         test_describe(p), index, at.at[B], at.at[T], at.at[C], (double)h[index],
                         (double)want);
            h[index] = 0;
        }
    }
    size_t n = test_elements(p), nonzero = n;
    for (size_t i = n; i-- > 0;)
        nonzero = h[i] != 0 ? i : nonzero;
    cr_assert_eq(nonzero, n, "%s: h[%zu] is %g outside every impulse's sequence", test_describe(p),
                 nonzero, nonzero < n ? (double)h[nonzero] : 0.0);
}

/* Scans `p` in place over x; returns 0 when a device backend cannot hold it (test skipped). */
static int scan_impulses(linrec_context *ctx, const linrec_problem *p, const float *a, float *x)
{
    impulse impulses[IMPULSES];
    place_impulses(p, impulses);
    memset(x, 0, test_elements(p) * sizeof *x);
    for (int i = 0; i < IMPULSES; i++)
        x[impulses[i].index] = impulses[i].value;
    linrec_status status = linrec_scan(ctx, p, a, x, NULL, x);
    if (status == LINREC_ERR_OUT_OF_MEMORY || status == LINREC_ERR_UNSUPPORTED)
        return 0;
    cr_assert_eq(status, LINREC_OK, "%s: %s", test_describe(p), linrec_last_error());
    expect_exact(p, x, impulses);
    return 1;
}

static int large_tests_asked(void)
{
    const char *env = getenv("LINREC_TEST_LARGE");
    return env && strcmp(env, "1") == 0;
}

/* One test, so that no two of these cases ever hold their 17 GiB at once. */
Test(large, sizes_past_2_to_the_31)
{
    if (!large_tests_asked())
        cr_skip_test("set LINREC_TEST_LARGE=1 to run (about 17 GiB of memory)");
    const size_t lanes = (PAST_2_31 + SHORT_STEPS - 1) / SHORT_STEPS;
    const linrec_problem shapes[] = {
        {LINREC_F32, LINREC_LAYOUT_BCT, 1, PAST_2_31, 1, 0},
        {LINREC_F32, LINREC_LAYOUT_TBC, 1, SHORT_STEPS, lanes, 0},
        {LINREC_F32, LINREC_LAYOUT_BCT, lanes, SHORT_STEPS, 1, 0},
        {LINREC_F32, LINREC_LAYOUT_BTC, 2, SHORT_STEPS, lanes / 2 + 1, 0},
    };
    size_t most = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        most = test_elements(&shapes[i]) > most ? test_elements(&shapes[i]) : most;
    float *a = malloc(most * sizeof *a), *x = malloc(most * sizeof *x);
    cr_assert(a && x, "cannot allocate 2 x %zu floats", most);
    for (size_t i = 0; i < most; i++)
        a[i] = 1.0f;
    linrec_context *ctx = test_context();
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
            linrec_problem p = shapes[i];
            p.flags = flags;
            if (!scan_impulses(ctx, &p, a, x)) {
                char why[1024];
                snprintf(why, sizeof why, "%s cannot hold %s: %s", linrec_context_backend(ctx),
                         test_describe(&p), linrec_last_error());
                linrec_context_destroy(ctx);
                free(a);
                free(x);
                cr_skip_test("%s", why);
            }
        }
    linrec_context_destroy(ctx);
    free(a);
    free(x);
}
