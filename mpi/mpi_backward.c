/* linrec_mpi_scan_backward: the gradient chain dx_t = dh_t + a_next dx_next runs against the
 * problem's direction, so it crosses ranks the other way. Per sequence, a rank's piece maps the
 * term u = a_next dx_next entering its last step to the term it hands on, a_first dx_first:
 * u -> A u + Y with A the product of its a and Y that term for u = 0; one MPI_Exscan in the
 * backward direction composes them. da_t = dx_t h_{t-1} also needs, at each piece's first step,
 * the forward state before it, the last h of the previous rank with steps: a second MPI_Exscan,
 * of maps that forget their input (A = 0, X = that row), hands it on. */
#include <string.h>

#include "companion.h"
#include "mpi_internal.h"

static int reverse_of(const linrec__mpi_call *call)
{
    return (call->problem.flags & LINREC_REVERSE) != 0;
}

/* This rank's last forward row as a map that forgets its input; an empty piece passes its input
 * on (the identity the pairs start as). */
static void last_rows(const linrec__mpi_call *call, const void *h, linrec__mpi_pairs *pairs)
{
    if (call->geometry.steps == 0)
        return;
    size_t last = linrec__mpi_last_step(call);
    for (size_t s = 0; s < call->states; s++) {
        pairs->a[s] = 0.0;
        pairs->x[s] =
            linrec__mpi_load(call->problem.dtype, h, linrec__mpi_index(&call->geometry, s, last));
    }
}

/* dx = dh with the entering term added at the last step (dx may already be dh). */
static void seed_dx(const linrec__mpi_call *call, const void *dh, void *dx, const void *term)
{
    if (dx != dh)
        memcpy(dx, dh,
               call->states * call->geometry.steps * linrec__mpi_element_size(call->problem.dtype));
    size_t last = linrec__mpi_last_step(call);
    for (size_t s = 0; s < call->states; s++) {
        size_t i = linrec__mpi_index(&call->geometry, s, last);
        linrec__mpi_store(call->problem.dtype, dx, i,
                          linrec__mpi_load(call->problem.dtype, dx, i) +
                              linrec__mpi_load(call->problem.dtype, term, s));
    }
}

static void check_arrays(linrec__mpi_local *local, const linrec_problem *p, const void *a,
                         const void *h, const void *dh, const void *dx, const void *da)
{
    if (local->status != LINREC_OK)
        return;
    size_t elements = p->batch * p->steps * p->channels;
    size_t bytes = elements * linrec__mpi_element_size(p->dtype);
    if (elements > 0 && (!a || !dh || !dx))
        linrec__mpi_refuse(local, LINREC_ERR_INVALID_ARGUMENT,
                           "a, dh and dx must not be NULL for a piece of %zu elements", elements);
    else if (elements > 0 && da && !h)
        linrec__mpi_refuse(local, LINREC_ERR_INVALID_ARGUMENT,
                           "h, the forward output, is NULL but da is asked for");
    else if (dx != dh && linrec__companion_ranges_overlap(dx, bytes, dh, bytes))
        linrec__mpi_refuse(local, LINREC_ERR_INVALID_ARGUMENT,
                           "dx overlaps dh without being equal to it");
}

linrec_status linrec_mpi_scan_backward(linrec_context *ctx, MPI_Comm comm, const linrec_problem *p,
                                       const void *a, const void *h0, const void *h, const void *dh,
                                       void *dx, void *da, void *dh0)
{
    linrec__mpi_local local = {LINREC_OK, ""};
    linrec__mpi_check_problem(&local, ctx, p);
    check_arrays(&local, p, a, h, dh, dx, da);
    linrec__mpi_carries gradients, states;
    linrec__mpi_carries_take(&local, p, linrec__mpi_threads(ctx), &gradients);
    linrec__mpi_carries_take(&local, p, 0, &states);
    linrec__mpi_call call;
    linrec_status status = linrec__mpi_begin(&call, comm, p, &local, h0 != NULL, da != NULL);
    if (status == LINREC_OK) {
        const int forward_order = !reverse_of(&call);
        linrec__mpi_reduce(&call, LINREC__MPI_GRADIENT, a, dh, &gradients);
        status = linrec__mpi_compose(&call, &gradients, !forward_order);
        if (status == LINREC_OK && da) {
            last_rows(&call, h, &states.pairs);
            status = linrec__mpi_compose(&call, &states, forward_order);
        }
        const int owner = call.rank == call.owner;
        if (status == LINREC_OK && call.geometry.steps > 0) {
            seed_dx(&call, dh, dx, gradients.carry);
            const void *before = owner ? h0 : da ? states.carry : NULL;
            status = linrec_scan_backward(ctx, p, a, before, da ? h : NULL, dx, dx, da,
                                          owner ? dh0 : NULL);
        }
        status = linrec__mpi_end(&call, linrec__mpi_agree(&call, status));
    }
    linrec__mpi_carries_free(&gradients);
    linrec__mpi_carries_free(&states);
    return status;
}
