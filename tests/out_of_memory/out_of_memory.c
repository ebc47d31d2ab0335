#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include "out_of_memory.h"

#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"

/* `count` f32 elements of address space that nothing may read or write. */
typedef struct untouchable {
    void *data;
    size_t bytes;
} untouchable;

static untouchable untouchable_new(size_t count)
{
    untouchable u = {NULL, count * sizeof(float)};
    u.data = mmap(NULL, u.bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    cr_assert(u.data != MAP_FAILED, "cannot map %zu bytes of address space", u.bytes);
    return u;
}

static void untouchable_free(untouchable *u)
{
    munmap(u->data, u->bytes);
}

void oom_expect_host_calls_refused(linrec_context *ctx, size_t steps, const char *fragment)
{
    linrec_problem p = {LINREC_F32, LINREC_LAYOUT_BCT, 1, steps, 1, 0};
    untouchable a = untouchable_new(steps), x = untouchable_new(steps), h = untouchable_new(steps);
    expect_failure(linrec_scan(ctx, &p, a.data, x.data, NULL, h.data), LINREC_ERR_OUT_OF_MEMORY,
                   fragment);
    /* h = x's array, dh and dx (in place) = h's array, no da. */
    expect_failure(linrec_scan_backward(ctx, &p, a.data, NULL, x.data, h.data, h.data, NULL, NULL),
                   LINREC_ERR_OUT_OF_MEMORY, fragment);
    untouchable_free(&a);
    untouchable_free(&x);
    untouchable_free(&h);
}

void oom_expect_host_calls_right(linrec_context *ctx, size_t batch, size_t steps)
{
    linrec_problem p = {LINREC_F32, LINREC_LAYOUT_BCT, batch, steps, 1, 0};
    test_case tc = test_case_new(&p, 4242 + steps, 1);
    test_forward(ctx, &tc, 1, 0);
    test_forward(ctx, &tc, 0, 1);
    test_backward(ctx, &tc, 1, 0, 1, 1);
    test_case_free(&tc);
}

void oom_expect_buffer_refused(linrec_context *ctx, size_t bytes, const char *fragment)
{
    linrec_buffer *buffer = (linrec_buffer *)&buffer; /* anything but NULL */
    expect_failure(linrec_buffer_create(ctx, bytes, &buffer), LINREC_ERR_OUT_OF_MEMORY, fragment);
    cr_expect_null(buffer, "a failed linrec_buffer_create of %zu bytes left its output set", bytes);
}

linrec_buffer *oom_buffer(linrec_context *ctx, size_t bytes)
{
    linrec_buffer *buffer = NULL;
    cr_assert_eq(linrec_buffer_create(ctx, bytes, &buffer), LINREC_OK, "a buffer of %zu bytes: %s",
                 bytes, linrec_last_error());
    return buffer;
}
