/* What the fuzz harnesses share: reading the fuzzer's bytes, the contexts under test, random
 * values, the suite's error judgement, and how a finding is reported. */
#ifndef LINREC_TESTS_FUZZ_H
#define LINREC_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "arrays.h"
#include "linrec/linrec.h"

/* The fuzzer's bytes, read front to back. Past their end every read is 0, except values, which
 * then come from a generator seeded with the whole input, so that a short input still fills large
 * arrays with varied numbers. */
typedef struct fuzz_input {
    const uint8_t *data;
    size_t size;
    uint64_t state; /* splitmix64 */
} fuzz_input;

fuzz_input fuzz_input_of(const uint8_t *data, size_t size);
/* The next `bytes` (at most 8) bytes, little-endian. */
uint64_t fuzz_bytes(fuzz_input *in, unsigned bytes);
/* One byte, reduced below `n` (> 0). */
unsigned fuzz_below(fuzz_input *in, unsigned n);
/* A uniform number in [lo, hi) with, one time in 32, an edge: lo, hi, 0, -0, or a subnormal of
 * the dtype's precision. Two bytes each, while they last. */
double fuzz_value(fuzz_input *in, linrec_dtype dtype, double lo, double hi);

/* Problems are small, so that a run does many executions, or medium where the input asks; one
 * input in FUZZ_LONG_ONE_IN may be long (up to `long_elements`), chosen by the input's hash so that
 * the share of long ones stays small whatever the corpus holds. Call before reading any value. */
enum { FUZZ_SMALL_ELEMENTS = 1 << 6, FUZZ_MEDIUM_ELEMENTS = 1 << 10, FUZZ_LONG_ONE_IN = 1024 };
size_t fuzz_elements_cap(const fuzz_input *in, int medium, size_t long_elements);
/* Shrinks channels, then steps, until `p` has at most `elements` elements; sizes of 0 stay 0. */
void fuzz_fit(linrec_problem *p, size_t elements);

/* A context under test: a backend with, where it has them, one forced code path. */
typedef struct fuzz_variant {
    const char *name;    /* e.g. "openmp/avx2", "cuda/lanes-serial" */
    const char *backend; /* "serial", "openmp", "opencl" or "cuda" */
    linrec_context *ctx;
} fuzz_variant;

/* Opens every variant this machine has, once per process; variants()[0] is serial. A backend that
 * LINREC_FUZZ_REQUIRE (comma-separated names) lists but that has no variant here ends the process
 * with the reason; the others are skipped with a note on stderr. */
const fuzz_variant *fuzz_variants(size_t *count);
/* One of `count` variants, those of a backend adjacent, chosen by one byte: each backend as often
 * as the others, then one of its variants, so that the costly emulated cuda kernels take no larger
 * share for having more paths. */
const fuzz_variant *fuzz_pick(fuzz_input *in, const fuzz_variant *variants, size_t count);
/* fuzz_pick among fuzz_variants(). */
const fuzz_variant *fuzz_pick_variant(fuzz_input *in);

/* `count` elements filled from the input, values in [lo, hi) (arrays.h); for a complex dtype,
 * moduli in [lo, hi) at phases from the input. */
test_array fuzz_array_read(fuzz_input *in, linrec_dtype dtype, size_t count, double lo, double hi);

/* Ends the process as a finding (libFuzzer keeps the input) after printing the message. */
_Noreturn void fuzz_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Fails unless `got` keeps the suite's error rule against `want` and `bound` (test_check_close);
 * `what` and `variant` name it in the message. */
void fuzz_expect_close(const char *variant, const char *what, const linrec_problem *p,
                       const test_array *got, const long double *want, const long double *bound);

#endif /* LINREC_TESTS_FUZZ_H */
