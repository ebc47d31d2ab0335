/*
 * linrec_threads: concurrent use of the backend LINREC_BACKEND names, meant to run under
 * ThreadSanitizer as well as without it.
 *
 *   linrec_threads shared [THREADS [ROUNDS]]   THREADS threads share one context; each round
 *       every thread scans its own problem forward and backward on host pointers and on buffers,
 *       and makes one failing call whose linrec_last_error() text must still be its own after
 *       the others' calls.
 *   linrec_threads own [THREADS [ROUNDS]]      THREADS threads each create, use and destroy a
 *       context of their own per round (opening and closing a plugin backend's module, which the
 *       last close unloads unless it is marked nodelete, as opencl's is), every other round
 *       destroying the context while its buffers still live.
 *
 * Every result must be bitwise the one a solo run gave, and the solo runs must agree with the
 * long-double reference. Defaults: 8 threads, 3 rounds. Exit 0 on success, 1 on failure, 77 when
 * the backend cannot run here (unless LINREC_TEST_REQUIRE names it).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"

enum { DEFAULT_THREADS = 8, DEFAULT_ROUNDS = 3, MAX_THREADS = 64, MAX_ROUNDS = 1000 };

/* Shapes that reach every path of the openmp plan (one thread, sequences in parallel, the time
 * split with its point-to-point waits) and of the device kernels; `own` divides the steps by 8,
 * as it also creates a context per round. */
static const linrec_problem shapes[] = {
    {LINREC_F32, LINREC_LAYOUT_BCT, 1, 100000, 1, 0},
    {LINREC_F64, LINREC_LAYOUT_TBC, 2, 40000, 3, LINREC_REVERSE},
    {LINREC_F32, LINREC_LAYOUT_BTC, 4, 1000, 64, 0},
    {LINREC_F64, LINREC_LAYOUT_BCT, 8, 9000, 2, LINREC_REVERSE},
    {LINREC_F32, LINREC_LAYOUT_TBC, 3, 5000, 17, 0},
    {LINREC_F64, LINREC_LAYOUT_BTC, 1, 70000, 2, 0},
    {LINREC_F32, LINREC_LAYOUT_BCT, 16, 4100, 1, LINREC_REVERSE},
    {LINREC_F32, LINREC_LAYOUT_BTC, 2, 300, 5, 0},
};
enum { SHAPES = sizeof shapes / sizeof shapes[0], OWN_STEPS_DIVISOR = 8 };

typedef struct worker {
    int index, rounds, own; /* own: a context per round; else `shared` */
    linrec_context *shared;
    pthread_barrier_t *start;
    scan_case c;
    case_outputs out;
    int failures;
    char why[CASE_MESSAGE]; /* the first failure */
} worker;

static void fail(worker *w, const char *why)
{
    if (w->failures++ == 0)
        snprintf(w->why, sizeof w->why, "%s", why);
}

/* A call that must fail with a text only this thread can produce: reading past the end of a small
 * buffer at an offset of its own. `expected` receives the text the thread must keep through the
 * round ("" when the call itself went wrong). */
static void fail_on_purpose(worker *w, linrec_context *ctx, char expected[CASE_MESSAGE])
{
    char byte, why[CASE_MESSAGE];
    linrec_buffer *small = NULL;
    size_t offset = 1000 + (size_t)w->index;
    expected[0] = '\0';
    linrec_status status = linrec_buffer_create(ctx, 16, &small);
    if (status != LINREC_OK) {
        snprintf(why, sizeof why, "linrec_buffer_create: %.900s", linrec_last_error());
        fail(w, why);
        return;
    }
    status = linrec_buffer_read(small, offset, &byte, 1);
    linrec_buffer_destroy(small);
    snprintf(expected, CASE_MESSAGE, "cannot read 1 bytes at offset %zu of a buffer of 16 bytes",
             offset);
    if (status != LINREC_ERR_INVALID_ARGUMENT || strcmp(linrec_last_error(), expected) != 0) {
        snprintf(why, sizeof why, "thread %d: reading past a buffer returned %d with \"%.200s\"",
                 w->index, (int)status, linrec_last_error());
        fail(w, why);
        expected[0] = '\0';
    }
}

static void shared_round(worker *w)
{
    char expected[CASE_MESSAGE], why[CASE_MESSAGE];
    fail_on_purpose(w, w->shared, expected);
    if (!case_run_host(&w->c, w->shared, &w->out, why))
        fail(w, why);
    linrec_context *ctx = w->shared;
    if (!case_run_buffers(&w->c, &ctx, &w->out, 0, why))
        fail(w, why);
    if (*expected && strcmp(linrec_last_error(), expected) != 0) {
        snprintf(why, sizeof why,
                 "thread %d: linrec_last_error() became \"%.200s\" after successful calls",
                 w->index, linrec_last_error());
        fail(w, why);
    }
}

static void own_round(worker *w, int round)
{
    char why[CASE_MESSAGE];
    linrec_context *ctx = NULL;
    linrec_status status = linrec_context_create(NULL, &ctx);
    if (status != LINREC_OK) {
        snprintf(why, sizeof why, "thread %d: linrec_context_create: %s: %.300s", w->index,
                 linrec_status_string(status), linrec_last_error());
        fail(w, why);
        return;
    }
    if (!case_run_host(&w->c, ctx, &w->out, why))
        fail(w, why);
    if (!case_run_buffers(&w->c, &ctx, &w->out, round % 2, why))
        fail(w, why);
    linrec_context_destroy(ctx);
}

static void *work(void *arg)
{
    worker *w = arg;
    pthread_barrier_wait(w->start);
    for (int round = 0; round < w->rounds; round++) {
        if (w->own)
            own_round(w, round);
        else
            shared_round(w);
    }
    return NULL;
}

/* Each worker's case, and its solo results on `ctx`. */
static int prepare(worker *workers, int threads, linrec_context *ctx, int own)
{
    char why[CASE_MESSAGE];
    for (int i = 0; i < threads; i++) {
        linrec_problem p = shapes[i % SHAPES];
        if (own)
            p.steps = p.steps / OWN_STEPS_DIVISOR + 1;
        worker *w = &workers[i];
        if (!case_init(&w->c, &p, 17u + (unsigned)i, i % 2) || !case_outputs_init(&w->out, &w->c)) {
            fprintf(stderr, "FAIL: out of memory for thread %d's case\n", i);
            return 0;
        }
        if (!case_expect(&w->c, ctx, why)) {
            fprintf(stderr, "FAIL: %s\n", why);
            return 0;
        }
    }
    return 1;
}

/* Starts the threads together and waits for them all; 0 if one could not start. */
static int run_threads(worker *workers, int threads)
{
    pthread_t ids[MAX_THREADS];
    pthread_barrier_t start;
    if (pthread_barrier_init(&start, NULL, (unsigned)threads) != 0) {
        fprintf(stderr, "FAIL: pthread_barrier_init\n");
        return 0;
    }
    int started = 0;
    for (; started < threads; started++) {
        workers[started].start = &start;
        if (pthread_create(&ids[started], NULL, work, &workers[started]) != 0)
            break;
    }
    if (started < threads) {
        /* The barrier would never open: nothing can be tested, and this process must end. */
        fprintf(stderr, "FAIL: could start only %d of %d threads\n", started, threads);
        exit(EXIT_FAILURE);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(ids[i], NULL);
    pthread_barrier_destroy(&start);
    return 1;
}

static int report(const worker *workers, int threads)
{
    int failed = 0;
    for (int i = 0; i < threads; i++)
        if (workers[i].failures) {
            fprintf(stderr, "FAIL: thread %d: %d failure%s, the first: %s\n", i,
                    workers[i].failures, workers[i].failures == 1 ? "" : "s", workers[i].why);
            failed = 1;
        }
    return failed;
}

static int parse_count(const char *text, int least, int most, int *out)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (!*text || *end || value < least || value > most)
        return 0;
    *out = (int)value;
    return 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: linrec_threads shared|own [THREADS (1-%d) [ROUNDS (1-%d)]]\n",
            MAX_THREADS, MAX_ROUNDS);
    return 2;
}

int main(int argc, char *argv[])
{
    int threads = DEFAULT_THREADS, rounds = DEFAULT_ROUNDS;
    if (argc < 2 || argc > 4 || (strcmp(argv[1], "shared") != 0 && strcmp(argv[1], "own") != 0) ||
        (argc > 2 && !parse_count(argv[2], 1, MAX_THREADS, &threads)) ||
        (argc > 3 && !parse_count(argv[3], 1, MAX_ROUNDS, &rounds)))
        return usage();
    int own = strcmp(argv[1], "own") == 0;
    int unusable = case_backend_usable("linrec_threads");
    if (unusable)
        return unusable;

    linrec_context *ctx = NULL;
    if (linrec_context_create(NULL, &ctx) != LINREC_OK) {
        fprintf(stderr, "FAIL: linrec_context_create: %s\n", linrec_last_error());
        return EXIT_FAILURE;
    }
    printf("%s: %d threads, %d rounds, on %s (%s)\n", argv[1], threads, rounds,
           linrec_context_backend(ctx), linrec_context_device(ctx));
    worker workers[MAX_THREADS];
    memset(workers, 0, sizeof workers);
    for (int i = 0; i < threads; i++)
        workers[i] = (worker){.index = i, .rounds = rounds, .own = own, .shared = own ? NULL : ctx};
    int ok = prepare(workers, threads, ctx, own);
    if (own) { /* the threads load the plugin again, each for itself */
        linrec_context_destroy(ctx);
        ctx = NULL;
    }
    ok = ok && run_threads(workers, threads) && !report(workers, threads);
    for (int i = 0; i < threads; i++) {
        case_free(&workers[i].c);
        case_outputs_free(&workers[i].out);
    }
    linrec_context_destroy(ctx);
    if (ok)
        printf("every concurrent result was bitwise the solo one\n");
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
