/* Collective errors: every rank shares its own verdict and problem before any data moves, and its
 * status after the local work, so that all ranks return the same status and no rank waits on one
 * that gave up. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "companion.h"
#include "mpi_internal.h"

/* What one rank tells every other, as bytes: every rank runs the same build. */
typedef struct verdict {
    int status, dtype, layout, has_h0, wants_da;
    unsigned flags;
    unsigned long long batch, steps, channels;
    char message[LINREC__MPI_MESSAGE];
} verdict;

void linrec__mpi_refuse(linrec__mpi_local *local, linrec_status status, const char *format, ...)
{
    if (local->status != LINREC_OK)
        return;
    local->status = status;
    va_list args;
    va_start(args, format);
    vsnprintf(local->message, sizeof local->message, format, args);
    va_end(args);
}

void linrec__mpi_check_problem(linrec__mpi_local *local, const linrec_context *ctx,
                               const linrec_problem *p)
{
    if (!ctx)
        linrec__mpi_refuse(local, LINREC_ERR_INVALID_ARGUMENT, "the context is NULL");
    linrec_status status = linrec__companion_check_problem(p);
    if (status != LINREC_OK)
        linrec__mpi_refuse(local, status, "%s", linrec_last_error());
    else if (p->dtype != LINREC_F32 && p->dtype != LINREC_F64)
        linrec__mpi_refuse(local, LINREC_ERR_UNSUPPORTED,
                           "liblinrec_mpi takes LINREC_F32 and LINREC_F64 only, not dtype %d (the "
                           "half and complex types run on one process with linrec_scan)",
                           (int)p->dtype);
    else if (p->batch * p->channels > INT_MAX / 2)
        linrec__mpi_refuse(local, LINREC_ERR_UNSUPPORTED,
                           "%zu sequences (batch x channels) are more than one MPI message of "
                           "carries can hold (%d)",
                           p->batch * p->channels, INT_MAX / 2);
}

static verdict verdict_of(const linrec__mpi_local *local, const linrec_problem *p, int has_h0,
                          int wants_da)
{
    verdict v = {.status = local->status, .has_h0 = has_h0, .wants_da = wants_da};
    if (p) {
        v.dtype = (int)p->dtype;
        v.layout = (int)p->layout;
        v.flags = p->flags;
        v.batch = p->batch;
        v.steps = p->steps;
        v.channels = p->channels;
    }
    memcpy(v.message, local->message, sizeof v.message);
    v.message[sizeof v.message - 1] = '\0';
    return v;
}

static int same_problem(const verdict *a, const verdict *b)
{
    return a->dtype == b->dtype && a->layout == b->layout && a->flags == b->flags &&
           a->batch == b->batch && a->channels == b->channels && a->wants_da == b->wants_da;
}

/* The owner of h0: the first rank with steps in the problem's direction. */
static int owner_of(const verdict *all, int size, int reverse)
{
    for (int i = 0; i < size; i++) {
        int r = reverse ? size - 1 - i : i;
        if (all[r].steps > 0)
            return r;
    }
    return reverse ? size - 1 : 0;
}

/* The first failure among all ranks' verdicts, with its sentence in `message`; LINREC_OK if none.
 */
static linrec_status judge(const verdict *all, int size, int *owner, char *message, size_t bytes)
{
    for (int r = 0; r < size; r++)
        if (all[r].status != LINREC_OK) {
            snprintf(message, bytes, "rank %d: %s", r, all[r].message);
            return (linrec_status)all[r].status;
        }
    for (int r = 1; r < size; r++)
        if (!same_problem(&all[r], &all[0])) {
            snprintf(message, bytes,
                     "rank %d: its problem (dtype %d, layout %d, batch %llu, channels %llu, "
                     "flags 0x%x%s) differs from rank 0's (dtype %d, layout %d, batch %llu, "
                     "channels %llu, flags 0x%x%s); only steps may differ between ranks",
                     r, all[r].dtype, all[r].layout, all[r].batch, all[r].channels, all[r].flags,
                     all[r].wants_da ? ", da" : "", all[0].dtype, all[0].layout, all[0].batch,
                     all[0].channels, all[0].flags, all[0].wants_da ? ", da" : "");
            return LINREC_ERR_INVALID_ARGUMENT;
        }
    *owner = owner_of(all, size, (all[0].flags & LINREC_REVERSE) != 0);
    for (int r = 0; r < size; r++)
        if (r != *owner && all[r].has_h0) {
            snprintf(message, bytes,
                     "rank %d: passed h0, which belongs to rank %d, the rank holding the first "
                     "step in the problem's direction; pass NULL on every other rank",
                     r, *owner);
            return LINREC_ERR_INVALID_ARGUMENT;
        }
    return LINREC_OK;
}

static void restore_handler(linrec__mpi_call *call)
{
    MPI_Comm_set_errhandler(call->comm, call->saved_handler);
    MPI_Errhandler_free(&call->saved_handler);
}

linrec_status linrec__mpi_fail(linrec__mpi_call *call, int mpi_error, const char *what)
{
    char text[MPI_MAX_ERROR_STRING] = "";
    int length = 0;
    MPI_Error_string(mpi_error, text, &length);
    char message[LINREC__MPI_MESSAGE + MPI_MAX_ERROR_STRING];
    snprintf(message, sizeof message, "rank %d: %s failed: %s", call->rank, what, text);
    return linrec__companion_fail(LINREC_ERR_DEVICE, message);
}

/* Shares `mine` with every rank; NULL when MPI or memory fails, with `status` set. */
static verdict *share(linrec__mpi_call *call, const verdict *mine, linrec_status *status)
{
    verdict *all = calloc((size_t)call->size, sizeof *all);
    if (!all) {
        *status = linrec__companion_fail(LINREC_ERR_OUT_OF_MEMORY,
                                         "cannot allocate the verdicts of every rank");
        return NULL;
    }
    int error = MPI_Allgather(mine, (int)sizeof *mine, MPI_BYTE, all, (int)sizeof *mine, MPI_BYTE,
                              call->comm);
    if (error != MPI_SUCCESS) {
        free(all);
        *status = linrec__mpi_fail(call, error, "MPI_Allgather of every rank's checks");
        return NULL;
    }
    return all;
}

linrec_status linrec__mpi_begin(linrec__mpi_call *call, MPI_Comm comm, const linrec_problem *p,
                                const linrec__mpi_local *local, int has_h0, int wants_da)
{
    if (comm == MPI_COMM_NULL)
        return linrec__companion_fail(LINREC_ERR_INVALID_ARGUMENT, "the communicator is "
                                                                   "MPI_COMM_NULL");
    *call = (linrec__mpi_call){.comm = comm};
    MPI_Comm_get_errhandler(comm, &call->saved_handler);
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm, &call->rank);
    MPI_Comm_size(comm, &call->size);
    verdict mine = verdict_of(local, p, has_h0, wants_da);
    linrec_status status;
    verdict *all = share(call, &mine, &status);
    if (!all) {
        restore_handler(call);
        return status;
    }
    char message[LINREC__MPI_MESSAGE + 64];
    status = judge(all, call->size, &call->owner, message, sizeof message);
    free(all);
    if (status != LINREC_OK) {
        restore_handler(call);
        return linrec__companion_fail(status, message);
    }
    call->problem = *p;
    call->geometry = linrec__geometry_of(p);
    call->states = p->batch * p->channels;
    return LINREC_OK;
}

linrec_status linrec__mpi_agree(linrec__mpi_call *call, linrec_status local_status)
{
    linrec__mpi_local local = {LINREC_OK, ""};
    if (local_status != LINREC_OK)
        linrec__mpi_refuse(&local, local_status, "%s", linrec_last_error());
    verdict mine = verdict_of(&local, NULL, 0, 0);
    linrec_status status;
    verdict *all = share(call, &mine, &status);
    if (!all)
        return status;
    char message[LINREC__MPI_MESSAGE + 64] = "";
    status = LINREC_OK;
    for (int r = 0; r < call->size && status == LINREC_OK; r++)
        if (all[r].status != LINREC_OK) {
            snprintf(message, sizeof message, "rank %d: %s", r, all[r].message);
            status = (linrec_status)all[r].status;
        }
    free(all);
    return status == LINREC_OK ? LINREC_OK : linrec__companion_fail(status, message);
}

linrec_status linrec__mpi_end(linrec__mpi_call *call, linrec_status status)
{
    restore_handler(call);
    return status;
}
