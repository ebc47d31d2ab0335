/*
 * Forward and backward scans of every backend against the long-double reference (tests/reference.h)
 * under the suite's error rule: each input is one problem that the serial backend and one other
 * variant (fuzz.h) both solve, through host pointers or through the variant's buffers, with or
 * without h0, in place or not, with any subset of the optional gradients.
 *
 * Input, a byte each unless said: variant (fuzz_pick_variant), flags (F64...BUFFERS below), mode
 * (layout, range of a, whether backward gets h without da, half and complex types, size class:
 * MODE_* below for the bits that are not counts), which inputs share memory
 * (read_aliases), batch, channels, the scale of x, h0 and h, steps (3 bytes), then the values of a,
 * x, h0, h and dh in turn (fuzz_value), as long as the input lasts.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "reference.h"

/* Long problems (fuzz_elements_cap): enough for the openmp backend's threads and time split, or
 * for several look-back tiles of the device kernels, which cost more per element. */
#define LONG_HOST_ELEMENTS ((size_t)1 << 17)
#define LONG_DEVICE_ELEMENTS ((size_t)1 << 14)

/* Batch and channels go up to MAX_SIDE; on cuda, to MAX_CUDA_SIDE: its host emulation runs a
 * block of 256 fiber threads per sequence in the sequence kernels, which would make most of a
 * run's time otherwise. */
enum { MAX_SIDE = 16, MAX_CUDA_SIDE = 4 };

enum {
    F64 = 1 << 0,
    REVERSE = 1 << 1,
    BACKWARD = 1 << 2,
    WITH_H0 = 1 << 3,
    IN_PLACE = 1 << 4,
    WANT_DA = 1 << 5,
    WANT_DH0 = 1 << 6,
    BUFFERS = 1 << 7
};

/* Bits of the mode byte: a half dtype (f16, or bf16 with F64 set), then with f32 coefficients;
 * without MODE_HALF, MODE_COMPLEX makes it complex (c64, or c128 with F64 set); the medium size
 * class. */
enum {
    MODE_GIVE_H = 1 << 4,
    MODE_HALF = 1 << 5,
    MODE_COEFFICIENTS_F32 = 1 << 6,
    MODE_COMPLEX = MODE_COEFFICIENTS_F32,
    MODE_MEDIUM = 1 << 7
};

/* The range a is drawn from (mode byte): any, forget-gate-like, tiny, and near 1 (long memory). */
enum { A_ANY, A_SMOOTH, A_TINY, A_NEAR_ONE, A_MODES };

/* The inputs of a case. Each is passed as its own memory or as an earlier one's (inputs may share
 * memory): a shared input holds the same numbers, the first ones where it is shorter (h0). */
enum { A, X, H0, H, DH, INPUTS };

typedef struct scan_case {
    linrec_problem problem;
    unsigned flags;
    int give_h; /* backward without da: h passed anyway */
    test_array in[INPUTS];
    int source[INPUTS]; /* the input whose memory each one is */
} scan_case;

static size_t long_elements(const fuzz_variant *variant)
{
    int host = strcmp(variant->backend, "serial") == 0 || strcmp(variant->backend, "openmp") == 0;
    return host ? LONG_HOST_ELEMENTS : LONG_DEVICE_ELEMENTS;
}

/* Makes input `role` the memory of input `with`, where that is long enough (with no steps, h0 is
 * longer than the sequences). */
static void share(scan_case *sc, int role, int with)
{
    int source = sc->source[with];
    test_array *to = &sc->in[role];
    const test_array *from = &sc->in[source];
    if (from->count < to->count || from->dtype != to->dtype)
        return;
    memcpy(to->data, from->data, to->count * test_element_size(to->dtype));
    memcpy(to->values, from->values, to->count * test_components(to->dtype) * sizeof(double));
    sc->source[role] = source;
}

/* Which inputs share memory (alias byte). No output may then overlap an input: in place, x (dh)
 * is the output's memory and shares with nothing else. */
static void read_aliases(unsigned alias, scan_case *sc)
{
    int in_place = (sc->flags & IN_PLACE) != 0;
    if (!(sc->flags & BACKWARD)) {
        if ((alias & 1) && !in_place)
            share(sc, X, A);
        static const int h0_from[] = {H0, A, X};
        int with = h0_from[(alias >> 1) % 3];
        if (with != X || !in_place)
            share(sc, H0, with);
        return;
    }
    if (alias & 1)
        share(sc, H, A);
    if ((alias & 2) && !in_place)
        share(sc, DH, alias & 4 ? H : A);
    static const int h0_from[] = {H0, A, H, DH};
    int with = h0_from[(alias >> 3) % 4];
    if (with != DH || !in_place)
        share(sc, H0, with);
}

static scan_case read_case(fuzz_input *in, const fuzz_variant *variant)
{
    scan_case sc;
    sc.flags = (unsigned)fuzz_bytes(in, 1);
    unsigned mode = (unsigned)fuzz_bytes(in, 1);
    size_t elements = fuzz_elements_cap(in, mode & MODE_MEDIUM, long_elements(variant));
    sc.give_h = (mode & MODE_GIVE_H) != 0;
    linrec_problem *p = &sc.problem;
    int half = (mode & MODE_HALF) != 0, complex = !half && (mode & MODE_COMPLEX);
    int f64 = (sc.flags & F64) != 0;
    p->dtype = half      ? (f64 ? LINREC_BF16 : LINREC_F16)
               : complex ? (f64 ? LINREC_C128 : LINREC_C64)
                         : (f64 ? LINREC_F64 : LINREC_F32);
    p->layout = (linrec_layout)(mode % 3);
    p->flags = (sc.flags & REVERSE ? LINREC_REVERSE : 0u) |
               (half && (mode & MODE_COEFFICIENTS_F32) ? LINREC_COEFFICIENTS_F32 : 0u);
    unsigned alias = (unsigned)fuzz_bytes(in, 1);
    unsigned side = strcmp(variant->backend, "cuda") == 0 ? MAX_CUDA_SIDE : MAX_SIDE;
    p->batch = fuzz_below(in, side + 1);
    p->channels = fuzz_below(in, side + 1);
    /* Down, never up: an intermediate's underflow (half the smallest subnormal) would otherwise be
     * multiplied by values large enough to break the suite's rule, which floors bounds at the
     * smallest normal number, on any backend, serial too. */
    double scale = ldexp(1.0, -(int)fuzz_below(in, 21));
    p->steps = (size_t)fuzz_bytes(in, 3) % (elements + 1);
    fuzz_fit(p, elements);

    size_t n = p->batch * p->steps * p->channels, s = p->batch * p->channels;
    static const double a_lo[A_MODES] = {-1.0, 0.9, -0.01, 0.99}, a_hi[A_MODES] = {1, 1, 0.01, 1};
    unsigned a_mode = (mode >> 2) % A_MODES;
    sc.in[A] = fuzz_array_read(in, test_coefficient_dtype(p), n, a_lo[a_mode], a_hi[a_mode]);
    sc.in[X] = fuzz_array_read(in, p->dtype, n, -scale, scale);
    sc.in[H0] = fuzz_array_read(in, p->dtype, s, -scale, scale);
    sc.in[H] = fuzz_array_read(in, p->dtype, n, -scale, scale);
    sc.in[DH] = fuzz_array_read(in, p->dtype, n, -1.0, 1.0);
    for (int i = 0; i < INPUTS; i++)
        sc.source[i] = i;
    read_aliases(alias, &sc);
    return sc;
}

static void free_case(scan_case *sc)
{
    for (int i = 0; i < INPUTS; i++)
        test_array_free(&sc->in[i]);
}

static void expect_ok(linrec_status status, const char *call, const fuzz_variant *v,
                      const linrec_problem *p)
{
    if (status != LINREC_OK)
        fuzz_fail("%s on %s, %s: %s: %s", call, v->name, test_describe(p),
                  linrec_status_string(status), linrec_last_error());
}

/* `output` followed by how the call was made, for messages, in a static buffer. */
static const char *describe_call(const scan_case *sc, const char *output, int buffers)
{
    static const char *const names[INPUTS] = {"a", "x", "h0", "h", "dh"};
    static char text[160];
    snprintf(text, sizeof text, "%s (%s%s%s", output, buffers ? "buffers" : "host pointers",
             sc->flags & IN_PLACE ? ", in place" : "", sc->flags & WITH_H0 ? ", h0" : "");
    for (int i = 0; i < INPUTS; i++)
        if (sc->source[i] != i) {
            size_t used = strlen(text);
            snprintf(text + used, sizeof text - used, ", %s is %s", names[i], names[sc->source[i]]);
        }
    size_t used = strlen(text);
    snprintf(text + used, sizeof text - used, ")");
    return text;
}

/* Which inputs a call passes. */
static void inputs_used(const scan_case *sc, int used[INPUTS])
{
    int backward = (sc->flags & BACKWARD) != 0;
    used[A] = 1;
    used[X] = !backward;
    used[H0] = (sc->flags & WITH_H0) != 0;
    used[H] = backward && ((sc->flags & WANT_DA) || sc->give_h);
    used[DH] = backward;
}

/* The memory each input is passed as: host pointers, or buffers of `v` written with the inputs
 * (one per memory, so that shared inputs share a buffer); NULL where the call passes none. */
typedef struct passed {
    const void *host[INPUTS];
    linrec_buffer *buffer[INPUTS];
} passed;

static linrec_buffer *new_buffer(const fuzz_variant *v, const linrec_problem *p, size_t bytes)
{
    linrec_buffer *buffer;
    expect_ok(linrec_buffer_create(v->ctx, bytes, &buffer), "linrec_buffer_create", v, p);
    return buffer;
}

static passed pass_inputs(const scan_case *sc, const fuzz_variant *v, int buffers)
{
    int used[INPUTS];
    inputs_used(sc, used);
    passed out = {{NULL}, {NULL}};
    linrec_buffer *memory[INPUTS] = {NULL};
    for (int i = 0; i < INPUTS; i++) {
        if (!used[i])
            continue;
        int source = sc->source[i];
        const test_array *array = &sc->in[source];
        out.host[i] = array->data;
        if (!buffers)
            continue;
        if (!memory[source]) {
            size_t bytes = array->count * test_element_size(array->dtype);
            memory[source] = new_buffer(v, &sc->problem, bytes);
            expect_ok(linrec_buffer_write(memory[source], 0, array->data, bytes),
                      "linrec_buffer_write", v, &sc->problem);
        }
        out.buffer[i] = memory[source];
    }
    return out;
}

/* Destroys each buffer of `inputs` once. */
static void release_inputs(passed *inputs)
{
    for (int i = 0; i < INPUTS; i++) {
        linrec_buffer *buffer = inputs->buffer[i];
        for (int j = i; j < INPUTS; j++)
            if (inputs->buffer[j] == buffer)
                inputs->buffer[j] = NULL;
        linrec_buffer_destroy(buffer);
    }
}

/* An output buffer of `v` for `array`, or the input buffer it is computed in place in. */
static linrec_buffer *output_buffer(const fuzz_variant *v, const linrec_problem *p,
                                    const test_array *array, linrec_buffer *in_place)
{
    if (in_place)
        return in_place;
    return array ? new_buffer(v, p, array->count * test_element_size(array->dtype)) : NULL;
}

/* Reads an output buffer back into `array` and releases it unless it is an input's too. */
static void read_back(const fuzz_variant *v, const linrec_problem *p, linrec_buffer *buffer,
                      test_array *array, int keep)
{
    if (!buffer)
        return;
    size_t bytes = array->count * test_element_size(array->dtype);
    expect_ok(linrec_buffer_read(buffer, 0, array->data, bytes), "linrec_buffer_read", v, p);
    test_array_sync(array);
    if (!keep)
        linrec_buffer_destroy(buffer);
}

/* h from `v`'s forward scan, in place in a copy of x when asked. */
static void run_forward(const scan_case *sc, const fuzz_variant *v, int buffers, test_array *h)
{
    const linrec_problem *p = &sc->problem;
    int in_place = (sc->flags & IN_PLACE) != 0;
    passed inputs = pass_inputs(sc, v, buffers);
    if (in_place) {
        memcpy(h->data, inputs.host[X], h->count * test_element_size(p->dtype));
        inputs.host[X] = h->data;
    }
    if (!buffers) {
        expect_ok(linrec_scan(v->ctx, p, inputs.host[A], inputs.host[X], inputs.host[H0], h->data),
                  "linrec_scan", v, p);
        test_array_sync(h);
        return;
    }
    linrec_buffer *out = output_buffer(v, p, h, in_place ? inputs.buffer[X] : NULL);
    expect_ok(
        linrec_scan_buffers(v->ctx, p, inputs.buffer[A], inputs.buffer[X], inputs.buffer[H0], out),
        "linrec_scan_buffers", v, p);
    read_back(v, p, out, h, in_place);
    release_inputs(&inputs);
}

static void check_forward(const scan_case *sc, const fuzz_variant *variant, int buffers)
{
    const linrec_problem *p = &sc->problem;
    size_t n = sc->in[X].count, k = test_components(p->dtype);
    long double *want = test_long_doubles(n * k), *bound = test_long_doubles(n);
    ref_forward(p, sc->in[A].values, sc->in[X].values,
                sc->flags & WITH_H0 ? sc->in[H0].values : NULL, want, bound);
    test_array h = test_array_new(p->dtype, n);
    run_forward(sc, variant, buffers, &h);
    fuzz_expect_close(variant->name, describe_call(sc, "h", buffers), p, &h, want, bound);
    test_array_free(&h);
    free(want);
    free(bound);
}

/* The gradients `v` computes: dx, and da and dh0 where asked (else left empty). */
typedef struct gradients {
    test_array dx, da, dh0;
} gradients;

static void run_backward(const scan_case *sc, const fuzz_variant *v, int buffers, gradients *g)
{
    const linrec_problem *p = &sc->problem;
    int in_place = (sc->flags & IN_PLACE) != 0;
    test_array *da = sc->flags & WANT_DA ? &g->da : NULL;
    test_array *dh0 = sc->flags & WANT_DH0 ? &g->dh0 : NULL;
    passed inputs = pass_inputs(sc, v, buffers);
    if (in_place) {
        memcpy(g->dx.data, inputs.host[DH], g->dx.count * test_element_size(p->dtype));
        inputs.host[DH] = g->dx.data;
    }
    if (!buffers) {
        expect_ok(linrec_scan_backward(v->ctx, p, inputs.host[A], inputs.host[H0], inputs.host[H],
                                       inputs.host[DH], g->dx.data, da ? da->data : NULL,
                                       dh0 ? dh0->data : NULL),
                  "linrec_scan_backward", v, p);
        test_array_sync(&g->dx);
        test_array_sync(&g->da);
        test_array_sync(&g->dh0);
        return;
    }
    linrec_buffer *dx = output_buffer(v, p, &g->dx, in_place ? inputs.buffer[DH] : NULL);
    linrec_buffer *bda = output_buffer(v, p, da, NULL), *bdh0 = output_buffer(v, p, dh0, NULL);
    expect_ok(linrec_scan_backward_buffers(v->ctx, p, inputs.buffer[A], inputs.buffer[H0],
                                           inputs.buffer[H], inputs.buffer[DH], dx, bda, bdh0),
              "linrec_scan_backward_buffers", v, p);
    read_back(v, p, dx, &g->dx, in_place);
    read_back(v, p, bda, &g->da, 0);
    read_back(v, p, bdh0, &g->dh0, 0);
    release_inputs(&inputs);
}

static void check_backward(const scan_case *sc, const fuzz_variant *variant, int buffers)
{
    const linrec_problem *p = &sc->problem;
    size_t n = sc->in[X].count, s = sc->in[H0].count, k = test_components(p->dtype);
    ref_gradients ref = {test_long_doubles(n * k), test_long_doubles(n),
                         test_long_doubles(n * k), test_long_doubles(n),
                         test_long_doubles(s * k), test_long_doubles(s)};
    ref_backward(p, sc->in[A].values, sc->flags & WITH_H0 ? sc->in[H0].values : NULL,
                 sc->in[H].values, sc->in[DH].values, &ref);
    gradients g = {test_array_new(p->dtype, n), test_array_new(sc->in[A].dtype, n),
                   test_array_new(p->dtype, s)};
    run_backward(sc, variant, buffers, &g);
    fuzz_expect_close(variant->name, describe_call(sc, "dx", buffers), p, &g.dx, ref.dx,
                      ref.dx_bound);
    if (sc->flags & WANT_DA)
        fuzz_expect_close(variant->name, describe_call(sc, "da", buffers), p, &g.da, ref.da,
                          ref.da_bound);
    if (sc->flags & WANT_DH0)
        fuzz_expect_close(variant->name, describe_call(sc, "dh0", buffers), p, &g.dh0, ref.dh0,
                          ref.dh0_bound);
    test_array_free(&g.dx);
    test_array_free(&g.da);
    test_array_free(&g.dh0);
    long double *all[] = {ref.dx, ref.dx_bound, ref.da, ref.da_bound, ref.dh0, ref.dh0_bound};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
}

static void check(const scan_case *sc, const fuzz_variant *variant, int buffers)
{
    if (sc->flags & BACKWARD)
        check_backward(sc, variant, buffers);
    else
        check_forward(sc, variant, buffers);
}

/* The variants open at the first input (fuzz_variants). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t count;
    const fuzz_variant *variants = fuzz_variants(&count);
    fuzz_input in = fuzz_input_of(data, size);
    const fuzz_variant *other = fuzz_pick_variant(&in);
    scan_case sc = read_case(&in, other);
    int buffers = (sc.flags & BUFFERS) && sc.in[X].count > 0;
    check(&sc, &variants[0], 0);
    if (other != &variants[0] || buffers)
        check(&sc, other, buffers);
    free_case(&sc);
    return 0;
}
