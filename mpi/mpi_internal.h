/* Declarations shared by liblinrec_mpi's files; nothing here is exported. */
#ifndef LINREC_MPI_INTERNAL_H
#define LINREC_MPI_INTERNAL_H

#include <stddef.h>

#include "geometry.h"
#include "linrec/mpi.h"

enum { LINREC__MPI_MESSAGE = 256 };

/* One call on one rank: the communicator with errors returned (restored by linrec__mpi_end), the
 * rank's place, and the problem as every rank agreed on it. */
typedef struct linrec__mpi_call {
    MPI_Comm comm;
    MPI_Errhandler saved_handler;
    int rank, size;
    int owner; /* the rank holding the first step in the problem's direction */
    linrec_problem problem;
    linrec__geometry geometry;
    size_t states; /* batch * channels */
} linrec__mpi_call;

/* This rank's checks of its own arguments, before any communication: a status and its sentence. */
typedef struct linrec__mpi_local {
    linrec_status status;
    char message[LINREC__MPI_MESSAGE];
} linrec__mpi_local;

/* Records a failed local check (printf-style) in `local`, unless one is recorded already. */
void linrec__mpi_refuse(linrec__mpi_local *local, linrec_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* The checks every call makes of ctx and p (NULL, dtype, layout, flags, size overflow). */
void linrec__mpi_check_problem(linrec__mpi_local *local, const linrec_context *ctx,
                               const linrec_problem *p);

/* Starts a call: sets MPI_ERRORS_RETURN on comm, shares every rank's local verdict and problem, and
 * fills `call`. Returns LINREC_OK on every rank, or the same failure on every rank with the
 * sentence naming the first failing rank (then the call is already ended). `has_h0` says whether
 * this rank passed h0, which only the owner may; `wants_da` (backward) must be the same on every
 * rank. */
linrec_status linrec__mpi_begin(linrec__mpi_call *call, MPI_Comm comm, const linrec_problem *p,
                                const linrec__mpi_local *local, int has_h0, int wants_da);
/* Every rank learns every other's status after local work: returns the first failure (its
 * sentence naming its rank) or LINREC_OK, the same on every rank. */
linrec_status linrec__mpi_agree(linrec__mpi_call *call, linrec_status local_status);
/* Ends a begun call: restores comm's error handler and returns `status`. */
linrec_status linrec__mpi_end(linrec__mpi_call *call, linrec_status status);
/* A failure of MPI itself: LINREC_ERR_DEVICE with MPI's error string (the call is not ended). */
linrec_status linrec__mpi_fail(linrec__mpi_call *call, int mpi_error, const char *what);

/* A carry between ranks: for each of the `states` sequences, the affine map h -> A h + X that a
 * stretch of steps applies to the state entering it, in double precision. */
typedef struct linrec__mpi_pairs {
    double *a, *x; /* states each, one allocation */
} linrec__mpi_pairs;

/* Allocates pairs for call->states sequences, set to the identity (A = 1, X = 0). */
int linrec__mpi_pairs_new(linrec__mpi_pairs *pairs, size_t states);
void linrec__mpi_pairs_free(linrec__mpi_pairs *pairs);
/* Sets every map of `pairs` to the identity, h -> h. */
void linrec__mpi_pairs_identity(linrec__mpi_pairs *pairs, size_t states);
/* out = `then` applied after `first`: (At Af, At Xf + Xt) per sequence. `out` may be either
 * operand: each element reads both before it writes. */
void linrec__mpi_pairs_compose(const linrec__mpi_pairs *first, const linrec__mpi_pairs *then,
                               linrec__mpi_pairs *out, size_t states);

/* Replaces `pairs` on every rank with the composition of the pairs of the ranks before it in
 * `order` (ascending ranks when `ascending`, else descending), earliest first; the identity on the
 * first rank. Returns 0 or an MPI error code. */
int linrec__mpi_exscan(const linrec__mpi_call *call, linrec__mpi_pairs *pairs, int ascending);

/* What a call holds besides its arrays: pairs and the carry row they give, allocated before any
 * rank communicates, so that running out of memory is a local verdict like any other. */
typedef struct linrec__mpi_carries {
    linrec__mpi_pairs pairs;
    void *carry;               /* batch x channels elements of the problem's dtype */
    linrec__mpi_pairs *chunks; /* chunk_count pairs for linrec__mpi_reduce's threads */
    size_t chunk_count;
} linrec__mpi_carries;

/* Allocates carries for p's sequences (identity pairs) and `chunks` chunk pairs (0 where the
 * carries are not reduced), or records the failure in `local`. */
void linrec__mpi_carries_take(linrec__mpi_local *local, const linrec_problem *p, size_t chunks,
                              linrec__mpi_carries *c);
void linrec__mpi_carries_free(linrec__mpi_carries *c);
/* linrec__mpi_exscan of c's pairs, then c->carry = their X in the problem's dtype: the state that
 * the ranks before this one (in `ascending` order or the other) hand to it. Returns LINREC_OK or
 * the MPI failure. */
linrec_status linrec__mpi_compose(linrec__mpi_call *call, linrec__mpi_carries *c, int ascending);

/* The threads the host reductions of a call on `ctx` may use. */
size_t linrec__mpi_threads(const linrec_context *ctx);

/* What a reduction walks: the forward maps h -> a h + x in the problem's direction, or the
 * gradient maps u -> a (dh + u) against it. */
typedef enum linrec__mpi_walk { LINREC__MPI_FORWARD, LINREC__MPI_GRADIENT } linrec__mpi_walk;

/* c->pairs = this rank's piece as one map per sequence, from host arrays a and v (x or dh), in
 * one pass on up to c->chunk_count threads. */
void linrec__mpi_reduce(const linrec__mpi_call *call, linrec__mpi_walk walk, const void *a,
                        const void *v, linrec__mpi_carries *c);

/* Element i of a host array of `dtype`, widened; and a store that narrows. */
double linrec__mpi_load(linrec_dtype dtype, const void *array, size_t i);
void linrec__mpi_store(linrec_dtype dtype, void *array, size_t i, double value);

/* Index of step `t` (counted in the problem's array order) of sequence `sequence`. */
size_t linrec__mpi_index(const linrec__geometry *g, size_t sequence, size_t t);
/* The array-order step of the piece's last step in the problem's direction (steps > 0). */
size_t linrec__mpi_last_step(const linrec__mpi_call *call);

static inline size_t linrec__mpi_element_size(linrec_dtype dtype)
{
    return dtype == LINREC_F64 ? sizeof(double) : sizeof(float);
}

#endif /* LINREC_MPI_INTERNAL_H */
