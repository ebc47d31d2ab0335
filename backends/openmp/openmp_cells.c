/* The openmp backend's fused cells: the shared cell scan (backends/host/cell_scan.h) on the scan's
 * plan. */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cell_kernels.h"
#include "openmp.h"

/* What an element costs in the two passes of a time split, in libm calls plus one for the step: the
 * reducing pass computes a and x (backward: a and a e), the rescan every gate. */
typedef struct cell_costs {
    size_t reduce, rescan;
} cell_costs;

static cell_costs cell_costs_of(linrec_cell_kind kind, int elu, int has_output_gate, int backward)
{
    size_t candidate = kind != LINREC_CELL_SRU, input = kind == LINREC_CELL_GILR_LSTM;
    size_t output = has_output_gate != 0;
    if (!backward)
        return (cell_costs){2 + candidate + input, 2 + candidate + input + output};
    return (cell_costs){2 + output, 2 + output + candidate + input + (elu != 0)};
}

static size_t cell_chunk_start(const cell_costs *c, size_t length, size_t threads, size_t t)
{
    size_t total = c->rescan * (threads - 1) + c->reduce + c->rescan;
    size_t start = (t * c->rescan * length / total + 15) / 16 * 16;
    return t < threads && start < length ? start : length;
}

/* Thread t's chunk [*c0, *c1) of a super-chunk of `length` steps split over `threads`. A reducing
 * thread does both passes on its chunk, the last only the rescan, so chunks are sized to balance
 * reduce + rescan on the ones against rescan on the other; whole 16-step blocks but at the end. */
static void cell_chunk(const cell_costs *c, size_t length, size_t threads, size_t t, size_t *c0,
                       size_t *c1)
{
    *c0 = cell_chunk_start(c, length, threads, t);
    *c1 = cell_chunk_start(c, length, threads, t + 1);
}

#define ELEMENT_KINDS LINREC__ELEMENTS_FULL
#define ELEMENT_KERNELS "openmp_cells.h"
#include "element_instances.h"

linrec_status linrec__openmp_cell_forward(void *state, const linrec__cell_args *args)
{
    (void)state; /* the cells use no SIMD kernels: their gates call libm */
    if (args->shape->problem.dtype == LINREC_F32) {
        linrec__cell_scan_f32 s = linrec__cell_scan_forward_f32(args);
        return openmp_cells_f32(&s, args->shape);
    }
    linrec__cell_scan_f64 s = linrec__cell_scan_forward_f64(args);
    return openmp_cells_f64(&s, args->shape);
}

linrec_status linrec__openmp_cell_backward(void *state, const linrec__cell_backward_args *args)
{
    (void)state;
    if (args->shape->problem.dtype == LINREC_F32) {
        linrec__cell_scan_f32 s = linrec__cell_scan_backward_f32(args);
        return openmp_cells_f32(&s, args->shape);
    }
    linrec__cell_scan_f64 s = linrec__cell_scan_backward_f64(args);
    return openmp_cells_f64(&s, args->shape);
}
