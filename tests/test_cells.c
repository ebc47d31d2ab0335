/*
 * The fused cells against the unfused long-double reference (reference_cells.h), forward and
 * backward, over every kind, activation, dtype, layout and direction, with and without the
 * optional arrays; backward also against central finite differences of the library's own forward
 * in f64; and the argument rules. serial and openmp must implement cells; on another backend that
 * answers LINREC_ERR_UNSUPPORTED the tests that need cells are skipped.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "reference_cells.h"

enum { F, I, Z, O, X, ROLES };
#define ROLE(r) (1u << (r))

static const char *const role_names[ROLES] = {"f", "i", "z", "o", "x"};
static const char *const kind_names[] = {"GILR", "GILR-LSTM", "SRU", "QRNN"};
static const unsigned kind_roles[] = {
    [LINREC_CELL_GILR] = ROLE(F) | ROLE(Z),
    [LINREC_CELL_GILR_LSTM] = ROLE(F) | ROLE(I) | ROLE(Z) | ROLE(O),
    [LINREC_CELL_SRU] = ROLE(F) | ROLE(Z) | ROLE(O) | ROLE(X),
    [LINREC_CELL_QRNN] = ROLE(F) | ROLE(Z) | ROLE(O),
};

static int has_y(const linrec_cell *cell)
{
    return cell->kind != LINREC_CELL_GILR;
}

static int uses(const linrec_cell *cell, int role)
{
    return (kind_roles[cell->kind] & ROLE(role)) != 0;
}

/* The context under test once it has shown it runs cells. */
static linrec_context *cells_context(void)
{
    linrec_context *ctx = test_context();
    float f = 0, z = 0, c;
    linrec_problem p = {LINREC_F32, LINREC_LAYOUT_TBC, 1, 1, 1, 0};
    linrec_cell cell = {LINREC_CELL_GILR, LINREC_ACTIVATION_TANH};
    linrec_cell_inputs in = {.f = &f, .z = &z};
    linrec_status status = linrec_cell_forward(ctx, &cell, &p, &in, NULL, &c, NULL);
    char backend[32]; /* a plugin's name does not outlive its context */
    snprintf(backend, sizeof backend, "%s", linrec_context_backend(ctx));
    int must = strcmp(backend, "serial") == 0 || strcmp(backend, "openmp") == 0;
    if (status == LINREC_ERR_UNSUPPORTED && !must) {
        linrec_context_destroy(ctx);
        cr_skip_test("backend %s has no fused cells: %s", backend, linrec_last_error());
    }
    cr_assert_eq(status, LINREC_OK, "fused cells on backend %s: %s", backend, linrec_last_error());
    return ctx;
}

/* Random pre-activations (arrays of roles the kind lacks stay empty), c0, dc and dy. */
typedef struct cell_case {
    linrec_problem problem;
    linrec_cell cell;
    test_array role[ROLES];
    test_array c0, dc, dy;
} cell_case;

/* F in [-4, 4), or in [1, 4) when `smooth` (forget gates near 1, as trained models have). */
static cell_case cell_case_new(const linrec_problem *p, linrec_cell cell, uint64_t seed, int smooth)
{
    static const double lo[ROLES] = {-4, -3, -3, -3, -1}, hi[ROLES] = {4, 3, 3, 3, 1};
    test_rng rng = {seed};
    size_t n = test_elements(p), s = test_states(p);
    cell_case cc = {*p, cell, {{0}}, {0}, {0}, {0}};
    for (int r = 0; r < ROLES; r++)
        if (uses(&cell, r))
            cc.role[r] = test_array_random(p->dtype, n, &rng, r == F && smooth ? 1 : lo[r], hi[r]);
    cc.c0 = test_array_random(p->dtype, s, &rng, -1, 1);
    cc.dc = test_array_random(p->dtype, n, &rng, -1, 1);
    cc.dy = test_array_random(p->dtype, n, &rng, -1, 1);
    return cc;
}

static void cell_case_free(cell_case *cc)
{
    for (int r = 0; r < ROLES; r++)
        test_array_free(&cc->role[r]);
    test_array_free(&cc->c0);
    test_array_free(&cc->dc);
    test_array_free(&cc->dy);
}

static linrec_cell_inputs inputs_of(const cell_case *cc)
{
    linrec_cell_inputs in = {cc->role[F].data, cc->role[I].data, cc->role[Z].data, cc->role[O].data,
                             cc->role[X].data};
    return in;
}

static ref_cell_inputs ref_inputs_of(const cell_case *cc)
{
    ref_cell_inputs in = {cc->role[F].values, cc->role[I].values, cc->role[Z].values,
                          cc->role[O].values, cc->role[X].values};
    return in;
}

static const char *describe(const cell_case *cc, const char *what)
{
    static _Thread_local char text[96];
    snprintf(text, sizeof text, "%s%s %s", kind_names[cc->cell.kind],
             cc->cell.activation == LINREC_ACTIVATION_ELU ? " (ELU)" : "", what);
    return text;
}

static ref_values ref_values_new(size_t count)
{
    ref_values v = {calloc(count ? count : 1, sizeof(long double)),
                    calloc(count ? count : 1, sizeof(long double))};
    cr_assert(v.value && v.bound, "test allocation of %zu long doubles failed", count);
    return v;
}

static void ref_values_free(ref_values *v)
{
    free(v->value);
    free(v->bound);
}

/* The library's forward into c and y (y left empty for GILR). */
static void run_forward(linrec_context *ctx, const cell_case *cc, int with_c0, test_array *c,
                        test_array *y)
{
    const linrec_problem *p = &cc->problem;
    linrec_cell_inputs in = inputs_of(cc);
    *c = test_array_new(p->dtype, test_elements(p));
    *y = has_y(&cc->cell) ? test_array_new(p->dtype, test_elements(p)) : (test_array){0};
    linrec_status status =
        linrec_cell_forward(ctx, &cc->cell, p, &in, with_c0 ? cc->c0.data : NULL, c->data, y->data);
    cr_assert_eq(status, LINREC_OK, "%s on %s: %s", describe(cc, "forward"), test_describe(p),
                 linrec_last_error());
    test_array_sync(c);
    if (y->data)
        test_array_sync(y);
}

static void check_forward(linrec_context *ctx, const cell_case *cc, int with_c0)
{
    const linrec_problem *p = &cc->problem;
    size_t n = test_elements(p);
    test_array c, y;
    run_forward(ctx, cc, with_c0, &c, &y);
    ref_values want_c = ref_values_new(n), want_y = ref_values_new(n);
    ref_cell_inputs in = ref_inputs_of(cc);
    ref_cell_forward(p, &cc->cell, &in, with_c0 ? cc->c0.values : NULL, &want_c, &want_y);
    test_expect_close(describe(cc, "c"), p, &c, want_c.value, want_c.bound);
    if (y.data)
        test_expect_close(describe(cc, "y"), p, &y, want_y.value, want_y.bound);
    ref_values_free(&want_c);
    ref_values_free(&want_y);
    test_array_free(&c);
    test_array_free(&y);
}

/* Gradient arrays for the roles the kind uses, empty for the others. */
static void gradient_arrays(const cell_case *cc, test_array grads[ROLES],
                            linrec_cell_gradients *view)
{
    size_t n = test_elements(&cc->problem);
    void *where[ROLES] = {NULL};
    for (int r = 0; r < ROLES; r++) {
        grads[r] = uses(&cc->cell, r) ? test_array_new(cc->problem.dtype, n) : (test_array){0};
        where[r] = grads[r].data;
    }
    *view = (linrec_cell_gradients){where[F], where[I], where[Z], where[O], where[X]};
}

/* The library's backward from its own forward state; dc is passed when `with_dc` (always for
 * GILR, which has no dy). */
static void run_backward(linrec_context *ctx, const cell_case *cc, int with_c0, int with_dc,
                         const test_array *c, test_array grads[ROLES], test_array *dc0)
{
    const linrec_problem *p = &cc->problem;
    linrec_cell_inputs in = inputs_of(cc);
    linrec_cell_gradients view;
    gradient_arrays(cc, grads, &view);
    *dc0 = test_array_new(p->dtype, test_states(p));
    linrec_status status = linrec_cell_backward(
        ctx, &cc->cell, p, &in, with_c0 ? cc->c0.data : NULL, c->data, with_dc ? cc->dc.data : NULL,
        has_y(&cc->cell) ? cc->dy.data : NULL, &view, dc0->data);
    cr_assert_eq(status, LINREC_OK, "%s on %s: %s", describe(cc, "backward"), test_describe(p),
                 linrec_last_error());
    for (int r = 0; r < ROLES; r++)
        if (grads[r].data)
            test_array_sync(&grads[r]);
    test_array_sync(dc0);
}

static void check_backward(linrec_context *ctx, const cell_case *cc, int with_c0, int with_dc)
{
    const linrec_problem *p = &cc->problem;
    size_t n = test_elements(p), s = test_states(p);
    with_dc = with_dc || !has_y(&cc->cell);
    test_array c, y, grads[ROLES], dc0;
    run_forward(ctx, cc, with_c0, &c, &y);
    run_backward(ctx, cc, with_c0, with_dc, &c, grads, &dc0);

    ref_cell_gradients want;
    for (int r = 0; r < ROLES; r++)
        want.role[r] = ref_values_new(n);
    want.c0 = ref_values_new(s);
    ref_cell_inputs in = ref_inputs_of(cc);
    ref_cell_backward(p, &cc->cell, &in, with_c0 ? cc->c0.values : NULL, c.values,
                      with_dc ? cc->dc.values : NULL, has_y(&cc->cell) ? cc->dy.values : NULL,
                      &want);
    for (int r = 0; r < ROLES; r++) {
        char what[16];
        snprintf(what, sizeof what, "grads->%s", role_names[r]);
        if (grads[r].data)
            test_expect_close(describe(cc, what), p, &grads[r], want.role[r].value,
                              want.role[r].bound);
        test_array_free(&grads[r]);
        ref_values_free(&want.role[r]);
    }
    test_expect_close(describe(cc, "dc0"), p, &dc0, want.c0.value, want.c0.bound);
    ref_values_free(&want.c0);
    test_array_free(&dc0);
    test_array_free(&c);
    test_array_free(&y);
}

static const size_t shapes[][3] = {
    {1, 1, 1}, {1, 2, 1}, {3, 17, 5}, {2, 257, 3}, {4, 31, 64}, {1, 2053, 7}, {5, 3, 129},
};

/* Every shape, layout and direction; tanh and ELU where the kind has a choice. */
static void all_variants(linrec_cell_kind kind, linrec_dtype dtype)
{
    linrec_context *ctx = cells_context();
    uint64_t seed = 3000 * (uint64_t)kind + 100 * (uint64_t)dtype;
    int activations = kind == LINREC_CELL_SRU ? 1 : 2;
    for (int act = 0; act < activations; act++)
        for (int layout = LINREC_LAYOUT_TBC; layout <= LINREC_LAYOUT_BCT; layout++)
            for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
                for (unsigned flags = 0; flags <= LINREC_REVERSE; flags++) {
                    linrec_problem p = {dtype,        (linrec_layout)layout, shapes[i][0],
                                        shapes[i][1], shapes[i][2],          flags};
                    linrec_cell cell = {kind, (linrec_activation)act};
                    cell_case cc = cell_case_new(&p, cell, seed++, (int)(i & 1));
                    check_forward(ctx, &cc, 0);
                    check_forward(ctx, &cc, 1);
                    check_backward(ctx, &cc, 1, 0);
                    check_backward(ctx, &cc, 0, 1);
                    cell_case_free(&cc);
                }
    linrec_context_destroy(ctx);
}

#define CELL_TEST(kind, dtype)                                                                     \
    Test(cells, kind##_##dtype)                                                                    \
    {                                                                                              \
        all_variants(LINREC_CELL_##kind, LINREC_##dtype);                                          \
    }

CELL_TEST(GILR, F32)
CELL_TEST(GILR, F64)
CELL_TEST(GILR_LSTM, F32)
CELL_TEST(GILR_LSTM, F64)
CELL_TEST(SRU, F32)
CELL_TEST(SRU, F64)
CELL_TEST(QRNN, F32)
CELL_TEST(QRNN, F64)

/* Few sequences long enough for a backend to split them over time, past its chunk edges. */
Test(cells, long_sequences)
{
    static const struct {
        linrec_dtype dtype;
        linrec_layout layout;
        size_t batch, steps, channels;
    } cases[] = {
        {LINREC_F32, LINREC_LAYOUT_TBC, 1, 40017, 3}, {LINREC_F32, LINREC_LAYOUT_BCT, 1, 70001, 1},
        {LINREC_F32, LINREC_LAYOUT_BTC, 3, 20033, 1}, {LINREC_F64, LINREC_LAYOUT_BCT, 1, 24609, 1},
        {LINREC_F64, LINREC_LAYOUT_TBC, 1, 30001, 5},
    };
    linrec_context *ctx = cells_context();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int kind = LINREC_CELL_GILR; kind <= LINREC_CELL_QRNN; kind++) {
            linrec_problem p = {cases[i].dtype,    cases[i].layout,
                                cases[i].batch,    cases[i].steps,
                                cases[i].channels, (unsigned)(i + (size_t)kind) & LINREC_REVERSE};
            linrec_cell cell = {(linrec_cell_kind)kind, LINREC_ACTIVATION_TANH};
            cell_case cc = cell_case_new(&p, cell, 9000 + 10 * i + (size_t)kind, 1);
            check_forward(ctx, &cc, 1);
            check_backward(ctx, &cc, 1, 1);
            cell_case_free(&cc);
        }
    linrec_context_destroy(ctx);
}

/* L = sum(dc * c) + sum(dy * y) through the library's forward from c0: the loss whose gradients
 * backward returns when given dc and dy. */
static long double loss(linrec_context *ctx, const cell_case *cc)
{
    test_array c, y;
    run_forward(ctx, cc, 1, &c, &y);
    long double sum = 0;
    for (size_t i = 0; i < c.count; i++) {
        sum += (long double)cc->dc.values[i] * c.values[i];
        if (y.data)
            sum += (long double)cc->dy.values[i] * y.values[i];
    }
    test_array_free(&c);
    test_array_free(&y);
    return sum;
}

/* Central difference of the loss in element i of `array` against the analytic `gradient`. */
static void expect_derivative(linrec_context *ctx, cell_case *cc, test_array *array, size_t i,
                              double gradient, const char *what)
{
    const double h = 1e-6;
    double original = array->values[i];
    test_array_set(array, i, original + h);
    long double up = loss(ctx, cc);
    test_array_set(array, i, original - h);
    long double down = loss(ctx, cc);
    test_array_set(array, i, original);
    double difference = (double)((up - down) / (2 * h));
    cr_expect(fabs(difference - gradient) <= 1e-6 * (1 + fabs(gradient)),
              "%s[%zu] on %s: backward %.12g, finite difference %.12g", describe(cc, what), i,
              test_describe(&cc->problem), gradient, difference);
}

static void finite_differences(linrec_context *ctx, linrec_cell cell, linrec_layout layout,
                               unsigned flags, uint64_t seed)
{
    linrec_problem p = {LINREC_F64, layout, 2, 5, 3, flags};
    cell_case cc = cell_case_new(&p, cell, seed, 0);
    test_array c, y, grads[ROLES], dc0;
    run_forward(ctx, &cc, 1, &c, &y);
    run_backward(ctx, &cc, 1, 1, &c, grads, &dc0);
    for (int r = 0; r < ROLES; r++) {
        char what[16];
        snprintf(what, sizeof what, "grads->%s", role_names[r]);
        for (size_t i = 0; grads[r].data && i < grads[r].count; i++)
            expect_derivative(ctx, &cc, &cc.role[r], i, grads[r].values[i], what);
        test_array_free(&grads[r]);
    }
    for (size_t i = 0; i < dc0.count; i++)
        expect_derivative(ctx, &cc, &cc.c0, i, dc0.values[i], "dc0");
    test_array_free(&dc0);
    test_array_free(&c);
    test_array_free(&y);
    cell_case_free(&cc);
}

Test(cells, backward_matches_finite_differences)
{
    linrec_context *ctx = cells_context();
    uint64_t seed = 11000;
    for (int kind = LINREC_CELL_GILR; kind <= LINREC_CELL_QRNN; kind++)
        for (int act = 0; act <= (kind == LINREC_CELL_SRU ? 0 : 1); act++) {
            linrec_cell cell = {(linrec_cell_kind)kind, (linrec_activation)act};
            finite_differences(ctx, cell, LINREC_LAYOUT_TBC, 0, seed++);
            finite_differences(ctx, cell, LINREC_LAYOUT_BCT, LINREC_REVERSE, seed++);
        }
    linrec_context_destroy(ctx);
}
