/*
 * What the interop tests of every backend share (interop_cases.c): arrays laid out in one piece of
 * the application's own device memory at element offsets that are not multiples of 16 bytes,
 * forward and backward calls on them enqueued back to back and synchronized once, and the rule
 * that each result is the bits of the same call on host pointers through an ordinary context
 * (which the suite checks against the reference). A backend's test supplies its memory calls.
 */
#ifndef LINREC_TESTS_INTEROP_INTEROP_CASES_H
#define LINREC_TESTS_INTEROP_INTEROP_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "harness.h"

/* The application's device memory, as the backend's test handles it; each call asserts. */
typedef struct interop_device {
    const char *ordinary; /* the backend name of an ordinary context on the same device */
    void *app;            /* the test's own state: its context, queue or stream */
    void *(*arena_new)(void *app, size_t bytes);
    void (*arena_free)(void *app, void *arena);
    /* Enqueued on the application's queue or stream without waiting. */
    void (*write)(void *app, void *arena, size_t offset, const void *src, size_t bytes);
    /* Waits for the queue or stream and copies out. */
    void (*read)(void *app, void *arena, size_t offset, void *dst, size_t bytes);
    linrec_buffer *(*wrap)(linrec_context *ctx, void *arena, size_t offset, size_t bytes);
} interop_device;

/* The arrays of a forward and a backward call, in the arena in this order. */
enum {
    INTEROP_A,
    INTEROP_X,
    INTEROP_H0,
    INTEROP_H,
    INTEROP_DH,
    INTEROP_DX,
    INTEROP_DA,
    INTEROP_DH0,
    INTEROP_SLICES
};

/* An array's place in the arena (`bytes` from byte `offset`) and the buffer wrapping it. */
typedef struct interop_slice {
    size_t offset, bytes;
    linrec_buffer *buffer;
} interop_slice;

typedef struct interop_placed {
    void *arena;
    interop_slice slices[INTEROP_SLICES];
} interop_placed;

/* What an ordinary context answers on host pointers: forward h, backward dx, da, dh0. */
typedef struct interop_answers {
    test_array h, dx, da, dh0;
} interop_answers;

/* Lays out and wraps the arrays of `p`, each `skew` elements (odd) past the end of the one
 * before. */
interop_placed interop_place(const interop_device *d, linrec_context *ctx, const linrec_problem *p,
                             size_t skew);
void interop_placed_free(const interop_device *d, interop_placed *p);

void interop_write(const interop_device *d, const interop_placed *p, int slice,
                   const test_array *array);
/* Expects slice `slice` to hold the bits of `want`. */
void interop_expect(const interop_device *d, const interop_placed *p, int slice,
                    const test_array *want, const char *what, const linrec_problem *problem);

interop_answers interop_answers_of(const interop_device *d, const test_case *tc);
void interop_answers_free(interop_answers *a);

/* Forward, then backward on the forward's h, on the wrapped slices, with one synchronize; every
 * result checked. */
void interop_scan_wrapped(const interop_device *d, linrec_context *ctx, const linrec_problem *p,
                          size_t skew, uint64_t seed);

/* A host-pointer forward call on the asynchronous `ctx` must return with its result: the bits of
 * the ordinary context's. */
void interop_expect_host_call_synchronous(const interop_device *d, linrec_context *ctx,
                                          const linrec_problem *p, uint64_t seed);

/* interop_scan_wrapped on each of `shapes` in every dtype (the half ones with f32 coefficients
 * too). */
void interop_scan_every_dtype(const interop_device *d, linrec_context *ctx,
                              const linrec_problem *shapes, size_t count);

#endif /* LINREC_TESTS_INTEROP_INTEROP_CASES_H */
