#include "case.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "required.h"

/* The Criterion suite's tolerance (tests/harness.h): 64 epsilons of the absolute-value bound. */
#define ERROR_EPSILONS 64.0L

static void *zeroed(size_t count, size_t size)
{
    return calloc(count ? count : 1, size);
}

/* splitmix64 of (seed, i): inputs that do not depend on the order they are drawn in. */
static double uniform(uint64_t seed, size_t i)
{
    uint64_t z = seed * 0x9e3779b97f4a7c15ull + (uint64_t)i * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return -1.0 + 2.0 * (double)(z >> 11) / 9007199254740992.0;
}

static double get(const scan_case *c, const void *array, size_t i)
{
    return c->problem.dtype == LINREC_F64 ? ((const double *)array)[i] : ((const float *)array)[i];
}

/* A random array in [-1, 1) of the problem's dtype. */
static void *random_array(const scan_case *c, size_t count, uint64_t seed)
{
    void *array = zeroed(count, c->element_size);
    for (size_t i = 0; array && i < count; i++) {
        if (c->problem.dtype == LINREC_F64)
            ((double *)array)[i] = uniform(seed, i);
        else
            ((float *)array)[i] = (float)uniform(seed, i);
    }
    return array;
}

int case_outputs_init(case_outputs *o, const scan_case *c)
{
    o->h = zeroed(c->elements, c->element_size);
    o->dx = zeroed(c->elements, c->element_size);
    o->da = zeroed(c->elements, c->element_size);
    o->dh0 = zeroed(c->states, c->element_size);
    if (o->h && o->dx && o->da && o->dh0)
        return 1;
    case_outputs_free(o);
    return 0;
}

void case_outputs_free(case_outputs *o)
{
    free(o->h);
    free(o->dx);
    free(o->da);
    free(o->dh0);
    *o = (case_outputs){NULL, NULL, NULL, NULL};
}

int case_init(scan_case *c, const linrec_problem *p, unsigned seed, int with_h0)
{
    *c = (scan_case){.problem = *p,
                     .elements = p->batch * p->steps * p->channels,
                     .states = p->batch * p->channels,
                     .element_size = p->dtype == LINREC_F64 ? sizeof(double) : sizeof(float),
                     .with_h0 = with_h0};
    uint64_t base = (uint64_t)seed << 3;
    c->a = random_array(c, c->elements, base);
    c->x = random_array(c, c->elements, base + 1);
    c->h0 = random_array(c, c->states, base + 2);
    c->h = random_array(c, c->elements, base + 3);
    c->dh = random_array(c, c->elements, base + 4);
    if (c->a && c->x && c->h0 && c->h && c->dh && case_outputs_init(&c->want, c))
        return 1;
    case_free(c);
    return 0;
}

void case_free(scan_case *c)
{
    free(c->a);
    free(c->x);
    free(c->h0);
    free(c->h);
    free(c->dh);
    case_outputs_free(&c->want);
    c->a = c->x = c->h0 = c->h = c->dh = NULL;
}

void case_describe(const linrec_problem *p, int with_h0, char text[CASE_DESCRIPTION])
{
    static const char *layouts[] = {"TBC", "BTC", "BCT"};
    snprintf(text, CASE_DESCRIPTION, "%s %s B=%zu T=%zu C=%zu%s%s",
             p->dtype == LINREC_F64 ? "f64" : "f32", layouts[p->layout % 3], p->batch, p->steps,
             p->channels, (p->flags & LINREC_REVERSE) ? " reverse" : "", with_h0 ? " h0" : "");
}

/* Writes "<what> on <problem>: <status>: <last error>" to `why` and returns 0. */
static int failed_call(const scan_case *c, const char *what, linrec_status status,
                       char why[CASE_MESSAGE])
{
    char problem[CASE_DESCRIPTION];
    case_describe(&c->problem, c->with_h0, problem);
    snprintf(why, CASE_MESSAGE, "%.100s on %s: %.60s: %.600s", what, problem,
             linrec_status_string(status), linrec_last_error());
    return 0;
}

/* 1 when `got` is bitwise `want`, else 0 with the first differing element in `why`. */
static int same(const scan_case *c, const char *what, const void *got, const void *want,
                size_t count, char why[CASE_MESSAGE])
{
    if (memcmp(got, want, count * c->element_size) == 0)
        return 1;
    size_t i = 0;
    while (memcmp((const char *)got + i * c->element_size, (const char *)want + i * c->element_size,
                  c->element_size) == 0)
        i++;
    char problem[CASE_DESCRIPTION];
    case_describe(&c->problem, c->with_h0, problem);
    snprintf(why, CASE_MESSAGE, "%.100s on %s: element %zu is %.17g, the solo run gave %.17g", what,
             problem, i, get(c, got, i), get(c, want, i));
    return 0;
}

static int same_outputs(const scan_case *c, const case_outputs *o, const char *how,
                        char why[CASE_MESSAGE])
{
    char what[64];
    const struct {
        const char *name;
        const void *got, *want;
        size_t count;
    } outputs[] = {{"h", o->h, c->want.h, c->elements},
                   {"dx", o->dx, c->want.dx, c->elements},
                   {"da", o->da, c->want.da, c->elements},
                   {"dh0", o->dh0, c->want.dh0, c->states}};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        snprintf(what, sizeof what, "%s (%s)", outputs[i].name, how);
        if (!same(c, what, outputs[i].got, outputs[i].want, outputs[i].count, why))
            return 0;
    }
    return 1;
}

static linrec_status forward_host(const scan_case *c, linrec_context *ctx, case_outputs *o)
{
    return linrec_scan(ctx, &c->problem, c->a, c->x, c->with_h0 ? c->h0 : NULL, o->h);
}

static linrec_status backward_host(const scan_case *c, linrec_context *ctx, case_outputs *o)
{
    return linrec_scan_backward(ctx, &c->problem, c->a, c->with_h0 ? c->h0 : NULL, c->h, c->dh,
                                o->dx, o->da, o->dh0);
}

int case_run_host(const scan_case *c, linrec_context *ctx, case_outputs *o, char why[CASE_MESSAGE])
{
    linrec_status status = forward_host(c, ctx, o);
    if (status != LINREC_OK)
        return failed_call(c, "linrec_scan", status, why);
    if ((status = backward_host(c, ctx, o)) != LINREC_OK)
        return failed_call(c, "linrec_scan_backward", status, why);
    return same_outputs(c, o, "host pointers", why);
}

/* The buffers of one forward and one backward call: inputs first, then outputs. */
enum { BUF_A, BUF_X, BUF_H0, BUF_H_IN, BUF_DH, BUF_H, BUF_DX, BUF_DA, BUF_DH0, BUFFERS };
enum { FIRST_OUTPUT = BUF_H };

typedef struct case_buffers {
    linrec_buffer *b[BUFFERS];
    void *host[BUFFERS]; /* the data written to inputs, read into outputs */
    size_t count[BUFFERS];
} case_buffers;

static void destroy_buffers(case_buffers *bufs)
{
    for (int i = 0; i < BUFFERS; i++)
        linrec_buffer_destroy(bufs->b[i]);
}

/* Creates every buffer (none for h0 without h0) and writes the inputs. */
static int make_buffers(const scan_case *c, linrec_context *ctx, case_outputs *o,
                        case_buffers *bufs, char why[CASE_MESSAGE])
{
    *bufs = (case_buffers){{NULL},
                           {c->a, c->x, c->h0, c->h, c->dh, o->h, o->dx, o->da, o->dh0},
                           {c->elements, c->elements, c->states, c->elements, c->elements,
                            c->elements, c->elements, c->elements, c->states}};
    for (int i = 0; i < BUFFERS; i++) {
        if (i == BUF_H0 && !c->with_h0)
            continue;
        size_t bytes = bufs->count[i] * c->element_size;
        linrec_status status = linrec_buffer_create(ctx, bytes, &bufs->b[i]);
        if (status == LINREC_OK && i < FIRST_OUTPUT)
            status = linrec_buffer_write(bufs->b[i], 0, bufs->host[i], bytes);
        if (status != LINREC_OK) {
            destroy_buffers(bufs);
            return failed_call(c, "creating and writing the buffers", status, why);
        }
    }
    return 1;
}

static linrec_status scan_buffers(const scan_case *c, linrec_context *ctx, case_buffers *bufs)
{
    linrec_buffer **b = bufs->b;
    linrec_status status =
        linrec_scan_buffers(ctx, &c->problem, b[BUF_A], b[BUF_X], b[BUF_H0], b[BUF_H]);
    if (status == LINREC_OK)
        status = linrec_scan_backward_buffers(ctx, &c->problem, b[BUF_A], b[BUF_H0], b[BUF_H_IN],
                                              b[BUF_DH], b[BUF_DX], b[BUF_DA], b[BUF_DH0]);
    return status;
}

int case_run_buffers(const scan_case *c, linrec_context **ctx, case_outputs *o, int release_early,
                     char why[CASE_MESSAGE])
{
    case_buffers bufs;
    if (!make_buffers(c, *ctx, o, &bufs, why))
        return 0;
    linrec_status status = scan_buffers(c, *ctx, &bufs);
    if (release_early) {
        linrec_context_destroy(*ctx);
        *ctx = NULL;
    }
    for (int i = FIRST_OUTPUT; i < BUFFERS && status == LINREC_OK; i++)
        status = linrec_buffer_read(bufs.b[i], 0, bufs.host[i], bufs.count[i] * c->element_size);
    destroy_buffers(&bufs);
    if (status != LINREC_OK)
        return failed_call(c, "the scans on buffers and reading them", status, why);
    return same_outputs(c, o, release_early ? "buffers outliving their context" : "buffers", why);
}

/* The worst error of `got` in epsilons of the bound; NaN counts as infinitely wrong. */
static long double worst_error(const scan_case *c, const void *got, const long double *want,
                               const long double *bound, size_t count, size_t *at)
{
    int f64 = c->problem.dtype == LINREC_F64;
    long double epsilon = f64 ? DBL_EPSILON : FLT_EPSILON, floor = f64 ? DBL_MIN : FLT_MIN;
    long double worst = 0;
    for (size_t i = 0; i < count; i++) {
        long double error = fabsl((long double)get(c, got, i) - want[i]) / (bound[i] + floor);
        if (!(error <= worst)) {
            worst = isnan(error) ? INFINITY : error;
            *at = i;
        }
    }
    return worst / epsilon;
}

static int close_to(const scan_case *c, const char *what, const void *got, const long double *want,
                    const long double *bound, size_t count, char why[CASE_MESSAGE])
{
    size_t at = 0;
    long double error = worst_error(c, got, want, bound, count, &at);
    if (error <= ERROR_EPSILONS)
        return 1;
    char problem[CASE_DESCRIPTION];
    case_describe(&c->problem, c->with_h0, problem);
    snprintf(why, CASE_MESSAGE,
             "%.100s on %s (solo run): element %zu is %.9g, the reference %.9Lg: %.3Lg epsilons",
             what, problem, at, get(c, got, at), want[at], error);
    return 0;
}

/* The reference's inputs and answers, as doubles and long doubles. */
typedef struct reference {
    double *a, *x, *h0, *h, *dh;
    long double *h_want, *h_bound;
    ref_gradients grad;
} reference;

static void reference_free(reference *r)
{
    void *arrays[] = {r->a,
                      r->x,
                      r->h0,
                      r->h,
                      r->dh,
                      r->h_want,
                      r->h_bound,
                      r->grad.dx,
                      r->grad.dx_bound,
                      r->grad.da,
                      r->grad.da_bound,
                      r->grad.dh0,
                      r->grad.dh0_bound};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        free(arrays[i]);
}

static double *as_doubles(const scan_case *c, const void *array, size_t count)
{
    double *values = zeroed(count, sizeof *values);
    for (size_t i = 0; values && i < count; i++)
        values[i] = get(c, array, i);
    return values;
}

static int reference_init(reference *r, const scan_case *c)
{
    size_t n = c->elements, s = c->states, ld = sizeof(long double);
    *r = (reference){
        as_doubles(c, c->a, n),
        as_doubles(c, c->x, n),
        c->with_h0 ? as_doubles(c, c->h0, s) : NULL,
        as_doubles(c, c->h, n),
        as_doubles(c, c->dh, n),
        zeroed(n, ld),
        zeroed(n, ld),
        {zeroed(n, ld), zeroed(n, ld), zeroed(n, ld), zeroed(n, ld), zeroed(s, ld), zeroed(s, ld)}};
    int ok = r->a && r->x && (r->h0 || !c->with_h0) && r->h && r->dh && r->h_want && r->h_bound &&
             r->grad.dx && r->grad.dx_bound && r->grad.da && r->grad.da_bound && r->grad.dh0 &&
             r->grad.dh0_bound;
    if (!ok) {
        reference_free(r);
        return 0;
    }
    ref_forward(&c->problem, r->a, r->x, r->h0, r->h_want, r->h_bound);
    ref_backward(&c->problem, r->a, r->h0, r->h, r->dh, &r->grad);
    return 1;
}

int case_expect(scan_case *c, linrec_context *ctx, char why[CASE_MESSAGE])
{
    linrec_status status = forward_host(c, ctx, &c->want);
    if (status != LINREC_OK)
        return failed_call(c, "linrec_scan", status, why);
    if ((status = backward_host(c, ctx, &c->want)) != LINREC_OK)
        return failed_call(c, "linrec_scan_backward", status, why);
    reference r;
    if (!reference_init(&r, c)) {
        snprintf(why, CASE_MESSAGE, "out of memory for the reference");
        return 0;
    }
    size_t n = c->elements, s = c->states;
    int ok = close_to(c, "h", c->want.h, r.h_want, r.h_bound, n, why) &&
             close_to(c, "dx", c->want.dx, r.grad.dx, r.grad.dx_bound, n, why) &&
             close_to(c, "da", c->want.da, r.grad.da, r.grad.da_bound, n, why) &&
             close_to(c, "dh0", c->want.dh0, r.grad.dh0, r.grad.dh0_bound, s, why);
    reference_free(&r);
    return ok;
}

int case_backend_usable(const char *program)
{
    if (linrec_backend_probe(NULL) == LINREC_OK)
        return 0;
    const char *backend = getenv("LINREC_BACKEND"), *suite = getenv("LINREC_TEST_SUITE");
    int fail = test_required(suite && *suite ? suite : backend && *backend ? backend : "auto");
    fprintf(stderr, "%s: %s: backend %s unavailable: %s\n", fail ? "FAIL" : "SKIP", program,
            backend && *backend ? backend : "auto", linrec_last_error());
    return fail ? EXIT_FAILURE : CASE_EXIT_SKIPPED;
}
