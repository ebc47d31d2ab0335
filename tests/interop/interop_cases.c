/* The interop tests' shared cases (interop_cases.h). */
#include "interop_cases.h"

#include <criterion/criterion.h>
#include <string.h>

#include "dtype_model.h"

interop_placed interop_place(const interop_device *d, linrec_context *ctx, const linrec_problem *p,
                             size_t skew)
{
    size_t data = test_element_size(p->dtype);
    size_t coef = test_element_size(test_coefficient_dtype(p));
    size_t n = test_elements(p), s = test_states(p);
    const size_t counts[INTEROP_SLICES] = {n, n, s, n, n, n, n, s};
    interop_placed made;
    size_t end = 0;
    for (int i = 0; i < INTEROP_SLICES; i++) {
        size_t element = i == INTEROP_A || i == INTEROP_DA ? coef : data;
        size_t offset = (end + element - 1) / element * element + skew * element;
        made.slices[i] = (interop_slice){offset, counts[i] * element, NULL};
        end = offset + counts[i] * element;
    }
    made.arena = d->arena_new(d->app, end);
    for (int i = 0; i < INTEROP_SLICES; i++)
        made.slices[i].buffer =
            d->wrap(ctx, made.arena, made.slices[i].offset, made.slices[i].bytes);
    return made;
}

void interop_placed_free(const interop_device *d, interop_placed *p)
{
    for (int i = 0; i < INTEROP_SLICES; i++)
        linrec_buffer_destroy(p->slices[i].buffer);
    d->arena_free(d->app, p->arena);
}

void interop_write(const interop_device *d, const interop_placed *p, int slice,
                   const test_array *array)
{
    d->write(d->app, p->arena, p->slices[slice].offset, array->data, p->slices[slice].bytes);
}

void interop_expect(const interop_device *d, const interop_placed *p, int slice,
                    const test_array *want, const char *what, const linrec_problem *problem)
{
    const interop_slice *s = &p->slices[slice];
    test_array got = test_array_new(want->dtype, want->count);
    d->read(d->app, p->arena, s->offset, got.data, s->bytes);
    cr_expect_eq(memcmp(got.data, want->data, s->bytes), 0,
                 "%s on wrapped slices differs from the host-pointer call on %s", what,
                 test_describe(problem));
    test_array_free(&got);
}

interop_answers interop_answers_of(const interop_device *d, const test_case *tc)
{
    const linrec_problem *p = &tc->problem;
    linrec_context *ctx = NULL;
    cr_assert_eq(linrec_context_create(d->ordinary, &ctx), LINREC_OK, "%s", linrec_last_error());
    size_t n = test_elements(p), s = test_states(p);
    interop_answers made = {test_array_new(p->dtype, n), test_array_new(p->dtype, n),
                            test_array_new(test_coefficient_dtype(p), n),
                            test_array_new(p->dtype, s)};
    cr_assert_eq(linrec_scan(ctx, p, tc->a.data, tc->x.data, tc->h0.data, made.h.data), LINREC_OK,
                 "%s", linrec_last_error());
    cr_assert_eq(linrec_scan_backward(ctx, p, tc->a.data, tc->h0.data, made.h.data, tc->dh.data,
                                      made.dx.data, made.da.data, made.dh0.data),
                 LINREC_OK, "%s", linrec_last_error());
    linrec_context_destroy(ctx);
    return made;
}

void interop_answers_free(interop_answers *a)
{
    test_array_free(&a->h);
    test_array_free(&a->dx);
    test_array_free(&a->da);
    test_array_free(&a->dh0);
}

void interop_scan_wrapped(const interop_device *d, linrec_context *ctx, const linrec_problem *p,
                          size_t skew, uint64_t seed)
{
    test_case tc = test_case_new(p, seed, 0);
    interop_answers want = interop_answers_of(d, &tc);
    interop_placed placed = interop_place(d, ctx, p, skew);
    interop_write(d, &placed, INTEROP_A, &tc.a);
    interop_write(d, &placed, INTEROP_X, &tc.x);
    interop_write(d, &placed, INTEROP_H0, &tc.h0);
    interop_write(d, &placed, INTEROP_DH, &tc.dh);
    linrec_buffer *b[INTEROP_SLICES];
    for (int i = 0; i < INTEROP_SLICES; i++)
        b[i] = placed.slices[i].buffer;
    cr_assert_eq(
        linrec_scan_buffers(ctx, p, b[INTEROP_A], b[INTEROP_X], b[INTEROP_H0], b[INTEROP_H]),
        LINREC_OK, "%s", linrec_last_error());
    cr_assert_eq(linrec_scan_backward_buffers(ctx, p, b[INTEROP_A], b[INTEROP_H0], b[INTEROP_H],
                                              b[INTEROP_DH], b[INTEROP_DX], b[INTEROP_DA],
                                              b[INTEROP_DH0]),
                 LINREC_OK, "%s", linrec_last_error());
    cr_assert_eq(linrec_context_synchronize(ctx), LINREC_OK, "%s", linrec_last_error());
    interop_expect(d, &placed, INTEROP_H, &want.h, "forward h", p);
    interop_expect(d, &placed, INTEROP_DX, &want.dx, "backward dx", p);
    interop_expect(d, &placed, INTEROP_DA, &want.da, "backward da", p);
    interop_expect(d, &placed, INTEROP_DH0, &want.dh0, "backward dh0", p);
    interop_placed_free(d, &placed);
    interop_answers_free(&want);
    test_case_free(&tc);
}

void interop_expect_host_call_synchronous(const interop_device *d, linrec_context *ctx,
                                          const linrec_problem *p, uint64_t seed)
{
    test_case tc = test_case_new(p, seed, 0);
    interop_answers want = interop_answers_of(d, &tc);
    test_array h = test_array_new(p->dtype, test_elements(p));
    cr_assert_eq(linrec_scan(ctx, p, tc.a.data, tc.x.data, tc.h0.data, h.data), LINREC_OK, "%s",
                 linrec_last_error());
    cr_expect_eq(memcmp(h.data, want.h.data, test_elements(p) * test_element_size(p->dtype)), 0,
                 "a host-pointer call on an asynchronous context returned before its result on %s",
                 test_describe(p));
    test_array_free(&h);
    interop_answers_free(&want);
    test_case_free(&tc);
}

void interop_scan_every_dtype(const interop_device *d, linrec_context *ctx,
                              const linrec_problem *shapes, size_t count)
{
    static const struct {
        linrec_dtype dtype;
        unsigned flags;
    } kinds[] = {{LINREC_F32, 0},
                 {LINREC_F64, 0},
                 {LINREC_F16, 0},
                 {LINREC_BF16, 0},
                 {LINREC_F16, LINREC_COEFFICIENTS_F32},
                 {LINREC_BF16, LINREC_COEFFICIENTS_F32},
                 {LINREC_C64, 0},
                 {LINREC_C128, 0}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (size_t s = 0; s < count; s++) {
            linrec_problem p = shapes[s];
            p.dtype = kinds[k].dtype;
            p.flags |= kinds[k].flags;
            interop_scan_wrapped(d, ctx, &p, 1 + 2 * (s % 3), 100 * k + s);
        }
}
