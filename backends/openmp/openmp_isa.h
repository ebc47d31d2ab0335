/*
 * The end of every instruction-set file: instantiates openmp_kernels.h for every element kind
 * (src/element_instances.h) and defines the path's kernel table. Include after the f32_ and f64_
 * primitives, STREAM_BYTES and stream_fence(), with VEC32 and W32 (the f32 vector and its lanes),
 * VEC64 and W64, ISA_NAME (the path's LINREC_CPU name) and ISA_TABLE (the table's identifier)
 * defined.
 *
 * The kernels load and store through <arithmetic>_load_<storage>, _store_<storage> and
 * _stream_<storage>: for f32 and f64 storage these are the path's own load, store and stream. A
 * path with conversions of its own (F16C, AVX-512) defines f32_load_f16, f32_store_f16,
 * f32_load_bf16, f32_store_bf16, f32_stream_f16 and f32_stream_bf16 (W32 halves, aligned to
 * their bytes; the store where it does not stream) and ISA_HALF_PRIMITIVES; any other converts
 * its W32 halves one by one through a row of floats and does not stream them.
 *
 * A path with complex vectors defines the c64_ and c128_ primitives (openmp_kernels.h's
 * vocabulary, conj included, select excepted: it is f32's and f64's), VEC_c64, W_c64, VEC_c128,
 * W_c128 and ISA_COMPLEX_PRIMITIVES; any other gets one-element "vectors" of float _Complex and
 * double _Complex (openmp_scalar.h).
 */
#define VEC_f32 VEC32
#define W_f32 W32
#define VEC_f64 VEC64
#define W_f64 W64

#ifndef ISA_COMPLEX_PRIMITIVES
#include "openmp_scalar.h"
LINREC__OPENMP_SCALAR_PRIMITIVES(c64, float _Complex, linrec__mul_c64)
LINREC__OPENMP_SCALAR_PRIMITIVES(c128, double _Complex, linrec__mul_c128)
#define c64_conj linrec__conj_c64
#define c128_conj linrec__conj_c128
#define VEC_c64 float _Complex
#define W_c64 1
#define VEC_c128 double _Complex
#define W_c128 1
#else
/* A path's complex vectors are its f32 and f64 vectors of (re, im) parts, so they select as
 * those. */
#define c64_select f32_select
#define c128_select f64_select
#endif
#define c64_load_c64 c64_load
#define c64_store_c64 c64_store
#define c64_stream_c64 c64_stream
#define c128_load_c128 c128_load
#define c128_store_c128 c128_store
#define c128_stream_c128 c128_stream

#define f32_load_f32 f32_load
#define f32_store_f32 f32_store
#define f32_stream_f32 f32_stream
#define f64_load_f64 f64_load
#define f64_store_f64 f64_store
#define f64_stream_f64 f64_stream

#ifndef ISA_HALF_PRIMITIVES
#define HALF_THROUGH_SCALARS(storage)                                                              \
    static inline VEC32 f32_load_##storage(const uint16_t *p)                                      \
    {                                                                                              \
        float row[W32];                                                                            \
        for (int i = 0; i < W32; i++)                                                              \
            row[i] = linrec__widen_##storage(p[i]);                                                \
        return f32_load(row);                                                                      \
    }                                                                                              \
    static inline void f32_store_##storage(uint16_t *p, VEC32 v)                                   \
    {                                                                                              \
        float row[W32];                                                                            \
        f32_store(row, v);                                                                         \
        for (int i = 0; i < W32; i++)                                                              \
            p[i] = linrec__narrow_##storage(row[i]);                                               \
    }
HALF_THROUGH_SCALARS(f16)
HALF_THROUGH_SCALARS(bf16)
#undef HALF_THROUGH_SCALARS
#define f32_stream_f16 f32_store_f16
#define f32_stream_bf16 f32_store_bf16
#endif

#define ELEMENT_KERNELS "openmp_kernels.h"
#include "element_instances.h"

const linrec__openmp_kernels ISA_TABLE = {ISA_NAME, LINREC__ELEMENT_TABLE(walk),
                                          LINREC__ELEMENT_TABLE(walk_joined)};
