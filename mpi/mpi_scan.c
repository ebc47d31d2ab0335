/* linrec_mpi_scan and linrec_mpi_scan_buffers: each rank reduces its piece to one affine map per
 * sequence, one MPI_Exscan composes the maps of the ranks before it into the state entering its
 * piece, and the rank's own scan starts from that state (docs/algorithms.md, "Across processes").
 */
#include <stdlib.h>

#include "mpi_internal.h"

static size_t elements_of(const linrec_problem *p)
{
    return p->batch * p->steps * p->channels;
}

/* The owner starts from h0: its piece maps 0 to A h0 + X. */
static void fold_h0(const linrec__mpi_call *call, const void *h0, linrec__mpi_pairs *pairs)
{
    for (size_t s = 0; s < call->states; s++)
        pairs->x[s] += pairs->a[s] * linrec__mpi_load(call->problem.dtype, h0, s);
}

linrec_status linrec_mpi_scan(linrec_context *ctx, MPI_Comm comm, const linrec_problem *p,
                              const void *a, const void *x, const void *h0, void *h)
{
    linrec__mpi_local local = {LINREC_OK, ""};
    linrec__mpi_check_problem(&local, ctx, p);
    if (local.status == LINREC_OK && elements_of(p) > 0 && (!a || !x || !h))
        linrec__mpi_refuse(&local, LINREC_ERR_INVALID_ARGUMENT,
                           "a, x and h must not be NULL for a piece of %zu elements",
                           elements_of(p));
    linrec__mpi_carries m;
    linrec__mpi_carries_take(&local, p, linrec__mpi_threads(ctx), &m);
    linrec__mpi_call call;
    linrec_status status = linrec__mpi_begin(&call, comm, p, &local, h0 != NULL, 0);
    if (status != LINREC_OK) {
        linrec__mpi_carries_free(&m);
        return status;
    }
    linrec__mpi_reduce(&call, LINREC__MPI_FORWARD, a, x, &m);
    int owner = call.rank == call.owner;
    if (owner && h0)
        fold_h0(&call, h0, &m.pairs);
    status = linrec__mpi_compose(&call, &m, (p->flags & LINREC_REVERSE) == 0);
    if (status == LINREC_OK)
        status = linrec_scan(ctx, p, a, x, owner ? h0 : m.carry, h);
    linrec__mpi_carries_free(&m);
    return linrec__mpi_end(&call, linrec__mpi_agree(&call, status));
}

/* Device memory for the buffer call's reduction, made before any rank communicates. */
typedef struct device_memory {
    linrec_buffer *scratch; /* a copy of the problem's size, used only when h is x */
    linrec_buffer *states;  /* batch x channels: ones, then the carry */
    void *host_row;         /* batch x channels elements read back */
} device_memory;

static void device_free(device_memory *d)
{
    linrec_buffer_destroy(d->scratch);
    linrec_buffer_destroy(d->states);
    free(d->host_row);
}

static void device_take(linrec__mpi_local *local, linrec_context *ctx, const linrec_problem *p,
                        int h_is_x, device_memory *d)
{
    *d = (device_memory){NULL, NULL, NULL};
    if (local->status != LINREC_OK)
        return;
    size_t element = linrec__mpi_element_size(p->dtype);
    size_t states = p->batch * p->channels;
    size_t bytes = elements_of(p) * element;
    if (bytes == 0)
        return;
    if (!(d->host_row = malloc(states * sizeof(double)))) {
        linrec__mpi_refuse(local, LINREC_ERR_OUT_OF_MEMORY,
                           "cannot allocate a host row of %zu elements", states);
        return;
    }
    linrec_status status = linrec_buffer_create(ctx, states * element, &d->states);
    if (status == LINREC_OK && h_is_x)
        status = linrec_buffer_create(ctx, bytes, &d->scratch);
    if (status != LINREC_OK)
        linrec__mpi_refuse(local, status, "cannot allocate the reduction's device memory: %s",
                           linrec_last_error());
}

/* Fills `buffer` (bytes long) with zeros from a small host block. */
static linrec_status write_zeros(linrec_buffer *buffer, size_t bytes)
{
    enum { BLOCK = 1 << 20 };
    void *zeros = calloc(1, BLOCK);
    if (!zeros)
        return LINREC_ERR_OUT_OF_MEMORY;
    linrec_status status = LINREC_OK;
    for (size_t offset = 0; offset < bytes && status == LINREC_OK; offset += BLOCK)
        status = linrec_buffer_write(buffer, offset, zeros,
                                     bytes - offset < BLOCK ? bytes - offset : BLOCK);
    free(zeros);
    return status;
}

/* Reads the state after the piece's last step (in the problem's direction) out of `h` into
 * `values`, widened. */
static linrec_status read_last_row(const linrec__mpi_call *call, const linrec_buffer *h, void *row,
                                   double *values)
{
    const linrec__geometry *g = &call->geometry;
    const linrec_dtype dtype = call->problem.dtype;
    const size_t element = linrec__mpi_element_size(dtype);
    const size_t last = linrec__mpi_last_step(call);
    for (size_t group = 0; group < g->outer; group++) {
        size_t first = group * g->outer_stride + last * g->step_stride;
        linrec_status status = linrec_buffer_read(
            h, first * element, (char *)row + group * g->lanes * element, g->lanes * element);
        if (status != LINREC_OK)
            return status;
    }
    for (size_t s = 0; s < call->states; s++)
        values[s] = linrec__mpi_load(dtype, row, s);
    return LINREC_OK;
}

/* The pairs of this rank's piece, on the device: with x = 0 and h0 = 1 the scan ends at A, with
 * h0 = 0 at X. Three passes over the data in all, where the host path takes two. */
static linrec_status reduce_buffers(const linrec__mpi_call *call, linrec_context *ctx,
                                    const linrec_buffer *a, const linrec_buffer *x,
                                    linrec_buffer *work, device_memory *d, linrec__mpi_pairs *pairs)
{
    const linrec_problem *p = &call->problem;
    const size_t element = linrec__mpi_element_size(p->dtype);
    for (size_t s = 0; s < call->states; s++)
        linrec__mpi_store(p->dtype, d->host_row, s, 1.0);
    linrec_status status = linrec_buffer_write(d->states, 0, d->host_row, call->states * element);
    if (status == LINREC_OK)
        status = write_zeros(work, elements_of(p) * element);
    if (status == LINREC_OK)
        status = linrec_scan_buffers(ctx, p, a, work, d->states, work);
    if (status == LINREC_OK)
        status = read_last_row(call, work, d->host_row, pairs->a);
    if (status == LINREC_OK)
        status = linrec_scan_buffers(ctx, p, a, x, NULL, work);
    if (status == LINREC_OK)
        status = read_last_row(call, work, d->host_row, pairs->x);
    return status;
}

/* The owner's h0, read from its buffer and folded into its pairs. */
static linrec_status fold_h0_buffer(const linrec__mpi_call *call, const linrec_buffer *h0,
                                    device_memory *d, linrec__mpi_pairs *pairs)
{
    size_t element = linrec__mpi_element_size(call->problem.dtype);
    linrec_status status = linrec_buffer_read(h0, 0, d->host_row, call->states * element);
    if (status == LINREC_OK)
        fold_h0(call, d->host_row, pairs);
    return status;
}

linrec_status linrec_mpi_scan_buffers(linrec_context *ctx, MPI_Comm comm, const linrec_problem *p,
                                      const linrec_buffer *a, const linrec_buffer *x,
                                      const linrec_buffer *h0, linrec_buffer *h)
{
    linrec__mpi_local local = {LINREC_OK, ""};
    linrec__mpi_check_problem(&local, ctx, p);
    size_t element = p ? linrec__mpi_element_size(p->dtype) : 0;
    if (local.status == LINREC_OK && elements_of(p) > 0 &&
        (linrec_buffer_size(a) < elements_of(p) * element ||
         linrec_buffer_size(x) < elements_of(p) * element ||
         linrec_buffer_size(h) < elements_of(p) * element))
        linrec__mpi_refuse(&local, LINREC_ERR_INVALID_ARGUMENT,
                           "a, x and h must be buffers of at least %zu bytes for a piece of %zu "
                           "elements",
                           elements_of(p) * element, elements_of(p));
    linrec__mpi_carries m;
    device_memory d;
    linrec__mpi_carries_take(&local, p, 0, &m);
    device_take(&local, ctx, p, h == x, &d);
    linrec__mpi_call call;
    linrec_status status = linrec__mpi_begin(&call, comm, p, &local, h0 != NULL, 0);
    if (status != LINREC_OK) {
        linrec__mpi_carries_free(&m);
        device_free(&d);
        return status;
    }
    int owner = call.rank == call.owner;
    status = LINREC_OK;
    if (elements_of(p) > 0) {
        status = reduce_buffers(&call, ctx, a, x, h == x ? d.scratch : h, &d, &m.pairs);
        if (status == LINREC_OK && owner && h0)
            status = fold_h0_buffer(&call, h0, &d, &m.pairs);
    }
    status = linrec__mpi_agree(&call, status);
    if (status == LINREC_OK)
        status = linrec__mpi_compose(&call, &m, (p->flags & LINREC_REVERSE) == 0);
    if (status == LINREC_OK && elements_of(p) > 0 && !owner)
        status = linrec_buffer_write(d.states, 0, m.carry, call.states * element);
    if (status == LINREC_OK)
        status = linrec_scan_buffers(ctx, p, a, x, owner ? h0 : d.states, h);
    linrec__mpi_carries_free(&m);
    device_free(&d);
    return linrec__mpi_end(&call, linrec__mpi_agree(&call, status));
}
