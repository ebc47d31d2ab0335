/*
 * The fused cells' gates (cell_gates.h) and scan (cell_scan.h) instantiated for f32 and f64, the
 * kinds cells take (src/element_instances.h with ELEMENT_KINDS = LINREC__ELEMENTS_FULL):
 * linrec__cell_scan_f32 and _f64 with their functions. Included by each host backend's cell code
 * (its functions are static inline, so every backend has its own copy to optimize).
 */
#ifndef LINREC_BACKENDS_HOST_CELL_KERNELS_H
#define LINREC_BACKENDS_HOST_CELL_KERNELS_H

#include <tgmath.h>

#include "backend.h"

#define ELEMENT_KINDS LINREC__ELEMENTS_FULL
#define ELEMENT_KERNELS "cell_kind.h"
#include "element_instances.h"

#endif /* LINREC_BACKENDS_HOST_CELL_KERNELS_H */
