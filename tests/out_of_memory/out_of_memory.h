/*
 * What the out-of-memory tests of every device backend share. A call that cannot get the device
 * memory it needs must return LINREC_ERR_OUT_OF_MEMORY with a sentence naming what did not fit,
 * give back what it took, and leave its context usable: a following call that fits succeeds and
 * is right. (With <criterion/criterion.h> and <string.h> included, as harness.h's macros need.)
 */
#ifndef LINREC_TESTS_OUT_OF_MEMORY_OUT_OF_MEMORY_H
#define LINREC_TESTS_OUT_OF_MEMORY_OUT_OF_MEMORY_H

#include <stddef.h>

#include "linrec/linrec.h"

#define MIB ((size_t)1 << 20)

/* A host scan and a host backward of one f32 sequence of `steps` steps fail for want of memory,
 * with a last error that contains `fragment`. Their arrays are mapped without access: the library
 * must refuse them before it reads a byte, which is also what lets them be larger than this
 * machine's memory. */
void oom_expect_host_calls_refused(linrec_context *ctx, size_t steps, const char *fragment);

/* Forward (with h0, and in place) and backward (with da and dh0) on `batch` f32 sequences of
 * `steps` steps in host memory, checked against the reference. */
void oom_expect_host_calls_right(linrec_context *ctx, size_t batch, size_t steps);

/* linrec_buffer_create(bytes) fails for want of memory, naming `fragment`, and leaves *out NULL. */
void oom_expect_buffer_refused(linrec_context *ctx, size_t bytes, const char *fragment);

/* A buffer of `bytes`, or the test fails. */
linrec_buffer *oom_buffer(linrec_context *ctx, size_t bytes);

#endif /* LINREC_TESTS_OUT_OF_MEMORY_OUT_OF_MEMORY_H */
