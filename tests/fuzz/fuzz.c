#include "fuzz.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

fuzz_input fuzz_input_of(const uint8_t *data, size_t size)
{
    uint64_t seed = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < size; i++)
        seed = (seed ^ data[i]) * 0x100000001b3ull;
    return (fuzz_input){data, size, seed};
}

uint64_t fuzz_bytes(fuzz_input *in, unsigned bytes)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < bytes && i < 8 && in->size > 0; i++) {
        value |= (uint64_t)in->data[0] << (8 * i);
        in->data++;
        in->size--;
    }
    return value;
}

unsigned fuzz_below(fuzz_input *in, unsigned n)
{
    return (unsigned)(fuzz_bytes(in, 1) % n);
}

/* A subnormal of the dtype from k: (k mod 2^(digits - 1) + 1) times the smallest one. */
static double subnormal(linrec_dtype dtype, uint64_t k)
{
    switch (dtype) {
    case LINREC_F64:
        return ldexp((double)(k % (1ull << 52) + 1), DBL_MIN_EXP - DBL_MANT_DIG);
    case LINREC_F16:
        return ldexp((double)(k % (1ull << 10) + 1), -24);
    case LINREC_BF16:
        return ldexp((double)(k % (1ull << 7) + 1), -133);
    default:
        return ldexp((double)(k % (1ull << 23) + 1), FLT_MIN_EXP - FLT_MANT_DIG);
    }
}

double fuzz_value(fuzz_input *in, linrec_dtype dtype, double lo, double hi)
{
    uint64_t bits;
    double unit;
    if (in->size >= 2) {
        bits = fuzz_bytes(in, 2);
        unit = (double)bits / 65536.0;
    } else {
        bits = splitmix(&in->state);
        unit = (double)(bits >> 11) / 9007199254740992.0;
    }
    if (bits % 32 != 0)
        return lo + (hi - lo) * unit;
    double edges[] = {lo, hi, 0.0, -0.0, subnormal(dtype, bits >> 8), -subnormal(dtype, bits >> 8)};
    return edges[(bits >> 5) % (sizeof edges / sizeof edges[0])];
}

size_t fuzz_elements_cap(const fuzz_input *in, int medium, size_t long_elements)
{
    if (in->state % FUZZ_LONG_ONE_IN == 0)
        return long_elements;
    return medium ? FUZZ_MEDIUM_ELEMENTS : FUZZ_SMALL_ELEMENTS;
}

void fuzz_fit(linrec_problem *p, size_t elements)
{
    if (p->batch > elements)
        p->batch = elements;
    if (p->batch && p->batch * p->channels > elements)
        p->channels = elements / p->batch;
    size_t sequences = p->batch * p->channels;
    if (sequences && p->steps > elements / sequences)
        p->steps = elements / sequences;
}

/* The environment a variant is opened under: one variable set for the call, then restored. */
typedef struct variant_spec {
    const char *name, *backend, *variable, *value;
} variant_spec;

static const variant_spec specs[] = {
    {"serial", "serial", NULL, NULL},
    {"openmp/avx512", "openmp", "LINREC_CPU", "avx512"},
    {"openmp/avx2", "openmp", "LINREC_CPU", "avx2"},
    {"openmp/scalar", "openmp", "LINREC_CPU", "scalar"},
    {"opencl", "opencl", NULL, NULL},
    {"cuda", "cuda", "LINREC_CUDA_KERNEL", "auto"},
    {"cuda/lanes-serial", "cuda", "LINREC_CUDA_KERNEL", "lanes-serial"},
    {"cuda/lanes-look-back", "cuda", "LINREC_CUDA_KERNEL", "lanes-look-back"},
    {"cuda/sequences-warp", "cuda", "LINREC_CUDA_KERNEL", "sequences-warp"},
    {"cuda/sequences-block", "cuda", "LINREC_CUDA_KERNEL", "sequences-block"},
    {"cuda/sequences-look-back", "cuda", "LINREC_CUDA_KERNEL", "sequences-look-back"},
};

enum { SPECS = sizeof specs / sizeof specs[0] };

static linrec_status open_variant(const variant_spec *spec, linrec_context **ctx)
{
    if (!spec->variable)
        return linrec_context_create(spec->backend, ctx);
    const char *old = getenv(spec->variable);
    char *saved = old ? strdup(old) : NULL;
    if (setenv(spec->variable, spec->value, 1) != 0)
        fuzz_fail("cannot set %s", spec->variable);
    linrec_status status = linrec_context_create(spec->backend, ctx);
    if (saved ? setenv(spec->variable, saved, 1) != 0 : unsetenv(spec->variable) != 0)
        fuzz_fail("cannot restore %s", spec->variable);
    free(saved);
    return status;
}

/* Nonzero when the comma-separated LINREC_FUZZ_REQUIRE lists `backend`. */
static int required(const char *backend)
{
    const char *list = getenv("LINREC_FUZZ_REQUIRE");
    size_t name_length = strlen(backend);
    for (const char *item = list; item && *item;) {
        size_t length = strcspn(item, ",");
        if (length == name_length && strncasecmp(item, backend, length) == 0)
            return 1;
        item += length + (item[length] == ',');
    }
    return 0;
}

static void check_required(const fuzz_variant *variants, size_t count)
{
    const char *backends[] = {"serial", "openmp", "opencl", "cuda"};
    for (size_t b = 0; b < sizeof backends / sizeof backends[0]; b++) {
        size_t found = 0;
        for (size_t i = 0; i < count; i++)
            found += strcmp(variants[i].backend, backends[b]) == 0;
        if (!found && required(backends[b])) {
            fprintf(stderr, "FAIL: LINREC_FUZZ_REQUIRE lists %s, which cannot be used here\n",
                    backends[b]);
            exit(EXIT_FAILURE);
        }
    }
}

const fuzz_variant *fuzz_variants(size_t *count)
{
    static fuzz_variant variants[SPECS];
    static size_t opened;
    static int done;
    if (!done) {
        done = 1;
        fprintf(stderr, "variants:");
        for (size_t i = 0; i < SPECS; i++) {
            linrec_context *ctx;
            if (open_variant(&specs[i], &ctx) == LINREC_OK) {
                variants[opened++] = (fuzz_variant){specs[i].name, specs[i].backend, ctx};
                fprintf(stderr, " %s", specs[i].name);
            } else {
                fprintf(stderr, " (%s skipped: %s)", specs[i].name, linrec_last_error());
            }
        }
        fprintf(stderr, "\n");
        if (opened == 0 || strcmp(variants[0].name, "serial") != 0)
            fuzz_fail("the serial backend, which every other is judged beside, cannot be opened");
        check_required(variants, opened);
    }
    *count = opened;
    return variants;
}

static int starts_backend(const fuzz_variant *variants, size_t i)
{
    return i == 0 || strcmp(variants[i].backend, variants[i - 1].backend) != 0;
}

const fuzz_variant *fuzz_pick(fuzz_input *in, const fuzz_variant *variants, size_t count)
{
    unsigned selector = (unsigned)fuzz_bytes(in, 1);
    size_t backends = 0, first = 0, end;
    for (size_t i = 0; i < count; i++)
        backends += starts_backend(variants, i);
    for (size_t i = 0, wanted = selector % backends + 1; wanted > 0; i++)
        if (starts_backend(variants, i) && --wanted == 0)
            first = i;
    for (end = first + 1; end < count && !starts_backend(variants, end); end++)
        continue;
    return &variants[first + selector / backends % (end - first)];
}

const fuzz_variant *fuzz_pick_variant(fuzz_input *in)
{
    size_t count;
    const fuzz_variant *variants = fuzz_variants(&count);
    return fuzz_pick(in, variants, count);
}

_Noreturn void test_out_of_memory(size_t count)
{
    fuzz_fail("test allocation of %zu elements failed", count);
}

/* A complex value is a value drawn as for a real one (its modulus, or with its sign the opposite
 * phase) at a phase drawn from the input. */
test_array fuzz_array_read(fuzz_input *in, linrec_dtype dtype, size_t count, double lo, double hi)
{
    test_array array = test_array_new(dtype, count);
    linrec_dtype component = test_component_dtype(dtype);
    for (size_t i = 0; i < count; i++) {
        double value = fuzz_value(in, component, lo, hi);
        if (test_is_complex(dtype))
            test_array_set_complex(&array, i,
                                   value * cexp(I * fuzz_value(in, component, -TEST_PI, TEST_PI)));
        else
            test_array_set(&array, i, value);
    }
    return array;
}

void fuzz_fail(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "FINDING: ");
    vfprintf(stderr, format, args);
    fprintf(stderr, "\n");
    va_end(args);
    exit(EXIT_FAILURE);
}

void fuzz_expect_close(const char *variant, const char *what, const linrec_problem *p,
                       const test_array *got, const long double *want, const long double *bound)
{
    char subject[256], message[512];
    snprintf(subject, sizeof subject, "%s on %s", what, variant);
    if (!test_check_close(subject, p, got, want, bound, message, sizeof message))
        fuzz_fail("%s", message);
}
