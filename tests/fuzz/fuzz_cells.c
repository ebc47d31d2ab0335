/*
 * The fused cells (linrec/cells.h) of every backend against the unfused long-double reference
 * (tests/reference_cells.h) under the suite's error rule: each input is one cell, problem and set
 * of optional arrays that the serial backend and one other variant (fuzz.h) both run, forward or
 * backward; backward from the serial backend's own forward state, as the suite does. A backend
 * without fused cells must say LINREC_ERR_UNSUPPORTED.
 *
 * Input, a byte each unless said: variant (fuzz_pick_variant), flags (F64...MEDIUM below), cell
 * (kind, activation, layout, forget gates near 1), steps (2 bytes), batch, channels, the scale of
 * the pre-activations, then the values of the roles the kind uses, c0, dc and dy in turn
 * (fuzz_value), as long as the input lasts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "linrec/cells.h"
#include "reference_cells.h"

/* Long problems (fuzz_elements_cap): enough for the openmp backend to split the time axis. */
#define LONG_ELEMENTS ((size_t)1 << 17)

enum { MAX_SIDE = 8 };

enum {
    F64 = 1 << 0,
    REVERSE = 1 << 1,
    BACKWARD = 1 << 2,
    WITH_C0 = 1 << 3,
    WITH_DC = 1 << 4, /* beside dy; GILR, which has no y, always takes dc */
    WANT_DC0 = 1 << 5,
    MEDIUM = 1 << 6
};

enum { F, I, Z, O, X, ROLES };

static const unsigned char kind_uses[4][ROLES] = {
    [LINREC_CELL_GILR] = {1, 0, 1, 0, 0},
    [LINREC_CELL_GILR_LSTM] = {1, 1, 1, 1, 0},
    [LINREC_CELL_SRU] = {1, 0, 1, 1, 1},
    [LINREC_CELL_QRNN] = {1, 0, 1, 1, 0},
};

typedef struct cell_case {
    linrec_problem problem;
    linrec_cell cell;
    unsigned flags;
    test_array role[ROLES]; /* empty where the kind lacks the role */
    test_array c0, dc, dy;
} cell_case;

static int has_y(const cell_case *cc)
{
    return cc->cell.kind != LINREC_CELL_GILR;
}

static int with_dc(const cell_case *cc)
{
    return (cc->flags & WITH_DC) || !has_y(cc);
}

static cell_case read_case(fuzz_input *in)
{
    cell_case cc;
    memset(&cc, 0, sizeof cc);
    cc.flags = (unsigned)fuzz_bytes(in, 1);
    size_t elements = fuzz_elements_cap(in, cc.flags & MEDIUM, LONG_ELEMENTS);
    unsigned shape = (unsigned)fuzz_bytes(in, 1);
    cc.cell.kind = (linrec_cell_kind)(shape % 4);
    cc.cell.activation = cc.cell.kind == LINREC_CELL_SRU || !((shape >> 2) & 1)
                             ? LINREC_ACTIVATION_TANH
                             : LINREC_ACTIVATION_ELU;
    int smooth = (shape >> 5) & 1;
    linrec_problem *p = &cc.problem;
    p->dtype = cc.flags & F64 ? LINREC_F64 : LINREC_F32;
    p->layout = (linrec_layout)((shape >> 3) % 3);
    p->flags = cc.flags & REVERSE ? LINREC_REVERSE : 0;
    p->steps = (size_t)fuzz_bytes(in, 3) % (elements + 1);
    p->batch = fuzz_below(in, MAX_SIDE + 1);
    p->channels = fuzz_below(in, MAX_SIDE + 1);
    fuzz_fit(p, elements);
    /* At most the suite's ranges, as in fuzz_scan.c: larger states would multiply an underflowed
     * gradient past the suite's rule on any backend. */
    static const double scales[] = {1.0, 0.5, 0.25, 0.125};
    double scale = scales[fuzz_below(in, 4)];

    /* The suite's ranges (tests/test_cells.c), scaled. */
    static const double lo[ROLES] = {-4, -3, -3, -3, -1}, hi[ROLES] = {4, 3, 3, 3, 1};
    size_t n = p->batch * p->steps * p->channels, s = p->batch * p->channels;
    for (int r = 0; r < ROLES; r++)
        if (kind_uses[cc.cell.kind][r])
            cc.role[r] = fuzz_array_read(in, p->dtype, n, scale * (r == F && smooth ? 1 : lo[r]),
                                         scale * hi[r]);
    cc.c0 = fuzz_array_read(in, p->dtype, s, -1, 1);
    cc.dc = fuzz_array_read(in, p->dtype, n, -1, 1);
    cc.dy = fuzz_array_read(in, p->dtype, n, -1, 1);
    return cc;
}

static void free_case(cell_case *cc)
{
    for (int r = 0; r < ROLES; r++)
        test_array_free(&cc->role[r]);
    test_array_free(&cc->c0);
    test_array_free(&cc->dc);
    test_array_free(&cc->dy);
}

static linrec_cell_inputs inputs_of(const cell_case *cc)
{
    return (linrec_cell_inputs){cc->role[F].data, cc->role[I].data, cc->role[Z].data,
                                cc->role[O].data, cc->role[X].data};
}

static ref_cell_inputs ref_inputs_of(const cell_case *cc)
{
    return (ref_cell_inputs){cc->role[F].values, cc->role[I].values, cc->role[Z].values,
                             cc->role[O].values, cc->role[X].values};
}

/* "<what> of the <kind> cell", for messages, in a static buffer. */
static const char *describe(const cell_case *cc, const char *what)
{
    static const char *const kinds[] = {"GILR", "GILR-LSTM", "SRU", "QRNN"};
    static char text[96];
    snprintf(text, sizeof text, "%s of the %s%s cell", what, kinds[cc->cell.kind],
             cc->cell.activation == LINREC_ACTIVATION_ELU ? " (ELU)" : "");
    return text;
}

/* Nonzero when `v` has fused cells; otherwise it must have said so. */
static int cells_ran(const cell_case *cc, const fuzz_variant *v, linrec_status status,
                     const char *call)
{
    int optional = strcmp(v->backend, "serial") != 0 && strcmp(v->backend, "openmp") != 0;
    if (status == LINREC_ERR_UNSUPPORTED && optional && *linrec_last_error())
        return 0;
    if (status != LINREC_OK)
        fuzz_fail("%s on %s, %s: %s: %s", describe(cc, call), v->name, test_describe(&cc->problem),
                  linrec_status_string(status), linrec_last_error());
    return 1;
}

static ref_values ref_values_new(size_t count)
{
    return (ref_values){test_long_doubles(count), test_long_doubles(count)};
}

static void ref_values_free(ref_values *v)
{
    free(v->value);
    free(v->bound);
}

/* c and y of `v`'s forward (y empty for GILR); 0 when `v` has no fused cells. */
static int run_forward(const cell_case *cc, const fuzz_variant *v, test_array *c, test_array *y)
{
    const linrec_problem *p = &cc->problem;
    size_t n = p->batch * p->steps * p->channels;
    linrec_cell_inputs in = inputs_of(cc);
    *c = test_array_new(p->dtype, n);
    *y = test_array_new(p->dtype, has_y(cc) ? n : 0);
    linrec_status status =
        linrec_cell_forward(v->ctx, &cc->cell, p, &in, cc->flags & WITH_C0 ? cc->c0.data : NULL,
                            c->data, has_y(cc) ? y->data : NULL);
    test_array_sync(c);
    test_array_sync(y);
    return cells_ran(cc, v, status, "linrec_cell_forward");
}

static void check_forward(const cell_case *cc, const fuzz_variant *v)
{
    const linrec_problem *p = &cc->problem;
    size_t n = p->batch * p->steps * p->channels;
    test_array c, y;
    if (run_forward(cc, v, &c, &y)) {
        ref_values want_c = ref_values_new(n), want_y = ref_values_new(n);
        ref_cell_inputs in = ref_inputs_of(cc);
        ref_cell_forward(p, &cc->cell, &in, cc->flags & WITH_C0 ? cc->c0.values : NULL, &want_c,
                         &want_y);
        fuzz_expect_close(v->name, describe(cc, "c"), p, &c, want_c.value, want_c.bound);
        if (has_y(cc))
            fuzz_expect_close(v->name, describe(cc, "y"), p, &y, want_y.value, want_y.bound);
        ref_values_free(&want_c);
        ref_values_free(&want_y);
    }
    test_array_free(&c);
    test_array_free(&y);
}

static void check_backward(const cell_case *cc, const test_array *c, const fuzz_variant *v)
{
    static const char *const names[ROLES] = {"grads->f", "grads->i", "grads->z", "grads->o",
                                             "grads->x"};
    const linrec_problem *p = &cc->problem;
    size_t n = c->count, s = cc->c0.count;
    test_array grads[ROLES], dc0 = test_array_new(p->dtype, s);
    void *where[ROLES];
    for (int r = 0; r < ROLES; r++) {
        grads[r] = test_array_new(p->dtype, kind_uses[cc->cell.kind][r] ? n : 0);
        where[r] = kind_uses[cc->cell.kind][r] ? grads[r].data : NULL;
    }
    linrec_cell_gradients view = {where[F], where[I], where[Z], where[O], where[X]};
    linrec_cell_inputs in = inputs_of(cc);
    const double *c0 = cc->flags & WITH_C0 ? cc->c0.values : NULL;
    linrec_status status =
        linrec_cell_backward(v->ctx, &cc->cell, p, &in, c0 ? cc->c0.data : NULL, c->data,
                             with_dc(cc) ? cc->dc.data : NULL, has_y(cc) ? cc->dy.data : NULL,
                             &view, cc->flags & WANT_DC0 ? dc0.data : NULL);
    if (cells_ran(cc, v, status, "linrec_cell_backward")) {
        ref_cell_gradients want;
        for (int r = 0; r < ROLES; r++)
            want.role[r] = ref_values_new(n);
        want.c0 = ref_values_new(s);
        ref_cell_inputs ref_in = ref_inputs_of(cc);
        ref_cell_backward(p, &cc->cell, &ref_in, c0, c->values, with_dc(cc) ? cc->dc.values : NULL,
                          has_y(cc) ? cc->dy.values : NULL, &want);
        for (int r = 0; r < ROLES; r++) {
            test_array_sync(&grads[r]);
            if (where[r])
                fuzz_expect_close(v->name, describe(cc, names[r]), p, &grads[r], want.role[r].value,
                                  want.role[r].bound);
            ref_values_free(&want.role[r]);
        }
        test_array_sync(&dc0);
        if (cc->flags & WANT_DC0)
            fuzz_expect_close(v->name, describe(cc, "dc0"), p, &dc0, want.c0.value, want.c0.bound);
        ref_values_free(&want.c0);
    }
    for (int r = 0; r < ROLES; r++)
        test_array_free(&grads[r]);
    test_array_free(&dc0);
}

/* The variants open at the first input (fuzz_variants). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t count;
    const fuzz_variant *serial = fuzz_variants(&count);
    fuzz_input in = fuzz_input_of(data, size);
    const fuzz_variant *other = fuzz_pick_variant(&in);
    cell_case cc = read_case(&in);
    if (!(cc.flags & BACKWARD)) {
        check_forward(&cc, serial);
        if (other != serial)
            check_forward(&cc, other);
    } else {
        test_array c, y;
        run_forward(&cc, serial, &c, &y);
        check_backward(&cc, &c, serial);
        if (other != serial)
            check_backward(&cc, &c, other);
        test_array_free(&c);
        test_array_free(&y);
    }
    free_case(&cc);
    return 0;
}
