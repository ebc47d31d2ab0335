/* A rank's piece reduced to one affine map per sequence, in one pass over its arrays: the piece's
 * steps cut into chunks that threads reduce at once, and the chunks' maps composed in order. */
#include <string.h>

#include "mpi_internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* Chunks are at least this many elements, so that small pieces stay on one thread. */
enum { CHUNK_ELEMENTS = 1 << 16 };

size_t linrec__mpi_threads(const linrec_context *ctx)
{
#ifdef _OPENMP
    /* The serial backend promises one thread; every other backend's host work may use the
     * cores. */
    if (strcmp(linrec_context_backend(ctx), "serial") != 0)
        return (size_t)omp_get_max_threads();
#else
    (void)ctx;
#endif
    return 1;
}

/* The array-order step of the k-th step of the walk. */
static size_t array_step(const linrec__mpi_call *call, linrec__mpi_walk walk, size_t k)
{
    const int reverse = (call->problem.flags & LINREC_REVERSE) != 0;
    const int backward = (walk == LINREC__MPI_GRADIENT) != reverse;
    return backward ? call->geometry.steps - 1 - k : k;
}

/* One step of one sequence's map: forward h -> a h + v, gradient u -> a (v + u). */
static inline void update(double at, double vt, int forward, double *a, double *x)
{
    *x = forward ? at * *x + vt : at * (vt + *x);
    *a *= at;
}

/* The maps of walk steps [first, end) into `pairs` (which start as the identity). The element
 * type is chosen once per row, so that the lanes' loop is plain and vectorizes. */
static void reduce_chunk(const linrec__mpi_call *call, linrec__mpi_walk walk, const void *a,
                         const void *v, size_t first, size_t end, linrec__mpi_pairs *pairs)
{
    const linrec__geometry *g = &call->geometry;
    const int forward = walk == LINREC__MPI_FORWARD, f64 = call->problem.dtype == LINREC_F64;
    for (size_t group = 0; group < g->outer; group++) {
        double *restrict pa = pairs->a + group * g->lanes, *restrict px =
                                                               pairs->x + group * g->lanes;
        for (size_t k = first; k < end; k++) {
            size_t row = group * g->outer_stride + array_step(call, walk, k) * g->step_stride;
            if (f64) {
                const double *ar = (const double *)a + row, *vr = (const double *)v + row;
                for (size_t lane = 0; lane < g->lanes; lane++)
                    update(ar[lane], vr[lane], forward, &pa[lane], &px[lane]);
            } else {
                const float *ar = (const float *)a + row, *vr = (const float *)v + row;
                for (size_t lane = 0; lane < g->lanes; lane++)
                    update(ar[lane], vr[lane], forward, &pa[lane], &px[lane]);
            }
        }
    }
}

void linrec__mpi_reduce(const linrec__mpi_call *call, linrec__mpi_walk walk, const void *a,
                        const void *v, linrec__mpi_carries *c)
{
    const size_t steps = call->geometry.steps, states = call->states;
    size_t chunks = c->chunk_count;
    if (states == 0 || steps == 0)
        return;
    size_t most = states * steps / CHUNK_ELEMENTS;
    if (chunks > most)
        chunks = most > 0 ? most : 1;
    if (chunks > steps)
        chunks = steps;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (chunks > 1) num_threads(chunks)
#endif
    for (size_t k = 0; k < chunks; k++) {
        linrec__mpi_pairs_identity(&c->chunks[k], states);
        reduce_chunk(call, walk, a, v, steps * k / chunks, steps * (k + 1) / chunks, &c->chunks[k]);
    }
    linrec__mpi_pairs_identity(&c->pairs, states);
    for (size_t k = 0; k < chunks; k++)
        linrec__mpi_pairs_compose(&c->pairs, &c->chunks[k], &c->pairs, states);
}
