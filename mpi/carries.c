/* The carries between ranks: per sequence, the affine map h -> A h + X of a stretch of steps,
 * composed across ranks by one MPI_Exscan with a non-commutative operator. */
#include <stdlib.h>

#include "mpi_internal.h"

int linrec__mpi_pairs_new(linrec__mpi_pairs *pairs, size_t states)
{
    double *block = malloc(2 * (states ? states : 1) * sizeof *block);
    if (!block)
        return 0;
    pairs->a = block;
    pairs->x = block + states;
    linrec__mpi_pairs_identity(pairs, states);
    return 1;
}

void linrec__mpi_pairs_identity(linrec__mpi_pairs *pairs, size_t states)
{
    for (size_t s = 0; s < states; s++) {
        pairs->a[s] = 1.0;
        pairs->x[s] = 0.0;
    }
}

void linrec__mpi_pairs_compose(const linrec__mpi_pairs *first, const linrec__mpi_pairs *then,
                               linrec__mpi_pairs *out, size_t states)
{
    for (size_t s = 0; s < states; s++) {
        double a = then->a[s] * first->a[s], x = then->a[s] * first->x[s] + then->x[s];
        out->a[s] = a;
        out->x[s] = x;
    }
}

void linrec__mpi_pairs_free(linrec__mpi_pairs *pairs)
{
    free(pairs->a);
    pairs->a = pairs->x = NULL;
}

/* MPI's operator: later = earlier then later, for `count` elements of the pairs' datatype (2 x
 * states doubles: every A, then every X). (A2, X2) after (A1, X1) is (A2 A1, A2 X1 + X2). */
static void compose(void *earlier, void *later, int *count, MPI_Datatype *type)
{
    int bytes = 0;
    MPI_Type_size(*type, &bytes);
    const size_t states = (size_t)bytes / (2 * sizeof(double));
    const double *in = earlier;
    double *inout = later;
    for (int element = 0; element < *count; element++) {
        /* MPI only reads the earlier operand; the cast lends it the pairs' (writable) type. */
        const linrec__mpi_pairs first = {(double *)in, (double *)in + states};
        linrec__mpi_pairs then = {inout, inout + states};
        linrec__mpi_pairs_compose(&first, &then, &then, states);
        in += 2 * states;
        inout += 2 * states;
    }
}

/* The exclusive scan in `comm`'s rank order; the first rank keeps the identity. */
static int exscan_in(MPI_Comm comm, int rank, linrec__mpi_pairs *pairs, size_t states)
{
    MPI_Datatype type;
    MPI_Op op;
    int error = MPI_Type_contiguous((int)(2 * states), MPI_DOUBLE, &type);
    if (error != MPI_SUCCESS)
        return error;
    MPI_Type_commit(&type);
    error = MPI_Op_create(compose, 0, &op);
    if (error == MPI_SUCCESS) {
        error = MPI_Exscan(MPI_IN_PLACE, pairs->a, 1, type, op, comm);
        MPI_Op_free(&op);
    }
    MPI_Type_free(&type);
    if (error == MPI_SUCCESS && rank == 0) /* MPI leaves the first rank's result undefined */
        linrec__mpi_pairs_identity(pairs, states);
    return error;
}

int linrec__mpi_exscan(const linrec__mpi_call *call, linrec__mpi_pairs *pairs, int ascending)
{
    if (call->states == 0)
        return MPI_SUCCESS;
    if (ascending)
        return exscan_in(call->comm, call->rank, pairs, call->states);
    /* Descending: the same scan in a communicator whose ranks run the other way. */
    MPI_Comm reversed;
    int error = MPI_Comm_split(call->comm, 0, call->size - 1 - call->rank, &reversed);
    if (error != MPI_SUCCESS)
        return error;
    MPI_Comm_set_errhandler(reversed, MPI_ERRORS_RETURN);
    error = exscan_in(reversed, call->size - 1 - call->rank, pairs, call->states);
    MPI_Comm_free(&reversed);
    return error;
}

double linrec__mpi_load(linrec_dtype dtype, const void *array, size_t i)
{
    return dtype == LINREC_F64 ? ((const double *)array)[i] : ((const float *)array)[i];
}

void linrec__mpi_store(linrec_dtype dtype, void *array, size_t i, double value)
{
    if (dtype == LINREC_F64)
        ((double *)array)[i] = value;
    else
        ((float *)array)[i] = (float)value;
}

size_t linrec__mpi_index(const linrec__geometry *g, size_t sequence, size_t t)
{
    return sequence / g->lanes * g->outer_stride + t * g->step_stride + sequence % g->lanes;
}

size_t linrec__mpi_last_step(const linrec__mpi_call *call)
{
    return (call->problem.flags & LINREC_REVERSE) ? 0 : call->geometry.steps - 1;
}

void linrec__mpi_carries_take(linrec__mpi_local *local, const linrec_problem *p, size_t chunks,
                              linrec__mpi_carries *c)
{
    *c = (linrec__mpi_carries){{NULL, NULL}, NULL, NULL, 0};
    if (local->status != LINREC_OK)
        return;
    size_t states = p->batch * p->channels;
    int taken = linrec__mpi_pairs_new(&c->pairs, states) &&
                (c->carry = malloc((states ? states : 1) * sizeof(double))) &&
                (chunks == 0 || (c->chunks = calloc(chunks, sizeof *c->chunks)));
    for (; taken && c->chunk_count < chunks; c->chunk_count++)
        taken = linrec__mpi_pairs_new(&c->chunks[c->chunk_count], states);
    if (!taken)
        linrec__mpi_refuse(local, LINREC_ERR_OUT_OF_MEMORY,
                           "cannot allocate the carries of %zu sequences", states);
}

void linrec__mpi_carries_free(linrec__mpi_carries *c)
{
    linrec__mpi_pairs_free(&c->pairs);
    free(c->carry);
    for (size_t k = 0; k < c->chunk_count; k++)
        linrec__mpi_pairs_free(&c->chunks[k]);
    free(c->chunks);
    *c = (linrec__mpi_carries){{NULL, NULL}, NULL, NULL, 0};
}

linrec_status linrec__mpi_compose(linrec__mpi_call *call, linrec__mpi_carries *c, int ascending)
{
    int error = linrec__mpi_exscan(call, &c->pairs, ascending);
    if (error != MPI_SUCCESS)
        return linrec__mpi_fail(call, error, "MPI_Exscan of the carries");
    for (size_t s = 0; s < call->states; s++)
        linrec__mpi_store(call->problem.dtype, c->carry, s, c->pairs.x[s]);
    return LINREC_OK;
}
