/*
 * What the thread and lifetime programs share: a problem with its inputs and the outputs that a
 * solo run produced (checked once against the long-double reference), so that every later run,
 * concurrent or not, must reproduce them bitwise; linrec documents bitwise reproducibility for
 * the same inputs, path and thread count, so any difference is interference between calls.
 */
#ifndef LINREC_TESTS_THREADS_CASE_H
#define LINREC_TESTS_THREADS_CASE_H

#include <stddef.h>

#include "linrec/linrec.h"

enum { CASE_EXIT_SKIPPED = 77, CASE_MESSAGE = 1024, CASE_DESCRIPTION = 128 };

/* The four outputs of one forward and one backward call. */
typedef struct case_outputs {
    void *h, *dx, *da, *dh0;
} case_outputs;

typedef struct scan_case {
    linrec_problem problem;
    size_t elements, states, element_size;
    int with_h0;
    void *a, *x, *h0, *h, *dh; /* inputs in the problem's dtype; h is the forward output given */
    case_outputs want;         /* from case_expect */
} scan_case;

/* Fills a case with deterministic inputs from `seed`; 0 when memory ran out. */
int case_init(scan_case *c, const linrec_problem *p, unsigned seed, int with_h0);
void case_free(scan_case *c);

/* Allocates outputs for `c`; 0 when memory ran out. */
int case_outputs_init(case_outputs *o, const scan_case *c);
void case_outputs_free(case_outputs *o);

/* Runs forward and backward once on `ctx` and checks them against the reference; on success the
 * results become c->want. Returns 0 with the reason in `why` otherwise. */
int case_expect(scan_case *c, linrec_context *ctx, char why[CASE_MESSAGE]);

/* One forward and one backward on host pointers, compared bitwise with c->want. */
int case_run_host(const scan_case *c, linrec_context *ctx, case_outputs *o, char why[CASE_MESSAGE]);

/* The same on buffers of *ctx. With `release_early` the context is destroyed (and *ctx set to
 * NULL) after the scans, so that the buffers, read afterwards, hold its last references and their
 * destruction releases its device and unloads its plugin. */
int case_run_buffers(const scan_case *c, linrec_context **ctx, case_outputs *o, int release_early,
                     char why[CASE_MESSAGE]);

/* "f32 BTC B=1 T=100 C=3 reverse h0" in `text`. */
void case_describe(const linrec_problem *p, int with_h0, char text[CASE_DESCRIPTION]);

/* The backend of LINREC_BACKEND, checked before any test: 0 when it can be used, else prints why
 * and returns the exit status: CASE_EXIT_SKIPPED, or failure when LINREC_TEST_REQUIRE names the
 * suite (LINREC_TEST_SUITE, else the backend), as the Criterion suite does (tests/main.c). */
int case_backend_usable(const char *program);

#endif /* LINREC_TESTS_THREADS_CASE_H */
