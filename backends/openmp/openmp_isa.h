/*
 * The end of every instruction-set file: instantiates openmp_kernels.h for f32 and f64 and
 * defines the path's kernel table. Include after the f32_ and f64_ primitives, STREAM_BYTES and
 * stream_fence(), with VEC32 and W32 (the f32 vector and its lanes), VEC64 and W64, ISA_NAME (the
 * path's LINREC_CPU name) and ISA_TABLE (the table's identifier) defined.
 */
#define V_(name) f32_##name
#define REAL float
#define VEC VEC32
#define W W32
#define SUFFIX f32
#include "openmp_kernels.h"
#undef V_
#undef REAL
#undef VEC
#undef W
#undef SUFFIX

#define V_(name) f64_##name
#define REAL double
#define VEC VEC64
#define W W64
#define SUFFIX f64
#include "openmp_kernels.h"
#undef V_
#undef REAL
#undef VEC
#undef W
#undef SUFFIX

const linrec__openmp_kernels ISA_TABLE = {ISA_NAME, {scan_f32, scan_f64}, {reduce_f32, reduce_f64}};
