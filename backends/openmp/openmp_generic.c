/* Plain C kernels for any CPU: the same code with one-element "vectors", so the scan within a
 * thread is the serial chain; the threads still split the work. */
#include "openmp.h"
#include "openmp_scalar.h"

#define STREAM_BYTES 0

static inline void stream_fence(void)
{
}

LINREC__OPENMP_SCALAR_PRIMITIVES(f32, float, linrec__mul_f32)
LINREC__OPENMP_SCALAR_PRIMITIVES(f64, double, linrec__mul_f64)

#define VEC32 float
#define W32 1
#define VEC64 double
#define W64 1
#define ISA_NAME "scalar"
#define ISA_TABLE linrec__openmp_generic
#include "openmp_isa.h"
