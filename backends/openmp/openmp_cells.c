/* The openmp backend's fused cells: the shared cell scan (src/cell_scan.h) on the scan's plan. */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cell_kernels.h"
#include "openmp.h"

#define REAL float
#define SUFFIX f32
#include "openmp_cells.h"
#undef REAL
#undef SUFFIX

#define REAL double
#define SUFFIX f64
#include "openmp_cells.h"
#undef REAL
#undef SUFFIX

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
