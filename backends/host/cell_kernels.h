/*
 * The fused cells' gates (cell_gates.h) and scan (cell_scan.h) instantiated for both element
 * types: linrec__cell_scan_f32 and _f64 with their functions. Included by each host backend's
 * cell code (its functions are static inline, so every backend has its own copy to optimize).
 */
#ifndef LINREC_BACKENDS_HOST_CELL_KERNELS_H
#define LINREC_BACKENDS_HOST_CELL_KERNELS_H

#include <tgmath.h>

#include "backend.h"

#define REAL float
#define SUFFIX f32
#include "cell_gates.h"
#include "cell_scan.h"
#undef REAL
#undef SUFFIX

#define REAL double
#define SUFFIX f64
#include "cell_gates.h"
#include "cell_scan.h"
#undef REAL
#undef SUFFIX

#endif /* LINREC_BACKENDS_HOST_CELL_KERNELS_H */
