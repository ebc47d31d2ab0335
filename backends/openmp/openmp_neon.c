/* AArch64 Advanced SIMD kernels: 4 f32 or 2 f64 steps per in-register scan. NEON is part of every
 * AArch64 CPU, so this file is built on aarch64 only and needs no flags. */
#include <arm_neon.h>

#include "openmp.h"

/* No streaming store: the outputs go through the cache. */
#define STREAM_BYTES 0

static inline void stream_fence(void)
{
}

/* The primitives whose intrinsics differ only in their type suffix (f32, f64). */
#define NEON_PRIMITIVES(T, REAL_T, VEC_T)                                                          \
    static inline VEC_T T##_load(const REAL_T *p)                                                  \
    {                                                                                              \
        return vld1q_##T(p);                                                                       \
    }                                                                                              \
    static inline void T##_store(REAL_T *p, VEC_T v)                                               \
    {                                                                                              \
        vst1q_##T(p, v);                                                                           \
    }                                                                                              \
    static inline void T##_stream(REAL_T *p, VEC_T v)                                              \
    {                                                                                              \
        vst1q_##T(p, v);                                                                           \
    }                                                                                              \
    static inline VEC_T T##_set1(REAL_T s)                                                         \
    {                                                                                              \
        return vdupq_n_##T(s);                                                                     \
    }                                                                                              \
    static inline VEC_T T##_fma(VEC_T a, VEC_T b, VEC_T c)                                         \
    {                                                                                              \
        return vfmaq_##T(c, a, b);                                                                 \
    }                                                                                              \
    static inline VEC_T T##_mul(VEC_T a, VEC_T b)                                                  \
    {                                                                                              \
        return vmulq_##T(a, b);                                                                    \
    }                                                                                              \
    static inline REAL_T T##_first(VEC_T v)                                                        \
    {                                                                                              \
        return vgetq_lane_##T(v, 0);                                                               \
    }

NEON_PRIMITIVES(f32, float, float32x4_t)
NEON_PRIMITIVES(f64, double, float64x2_t)

/* vext takes the top lanes of fill and the bottom lanes of v (its lane count is an immediate). */
#define f32_shift(v, fill, k) vextq_f32((fill), (v), 4 - (k))
#define f64_shift(v, fill, k) vextq_f64((fill), (v), 2 - (k))

static inline float32x4_t f32_reverse(float32x4_t v)
{
    float32x4_t pairs_swapped = vrev64q_f32(v);
    return vextq_f32(pairs_swapped, pairs_swapped, 2);
}

static inline float32x4_t f32_last(float32x4_t v)
{
    return vdupq_laneq_f32(v, 3);
}

static inline float64x2_t f64_reverse(float64x2_t v)
{
    return vextq_f64(v, v, 1);
}

static inline float64x2_t f64_last(float64x2_t v)
{
    return vdupq_laneq_f64(v, 1);
}

/* f16 through the AArch64 conversions (rounding to nearest even), bf16 through shifts. */
static inline float32x4_t f32_load_f16(const uint16_t *p)
{
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}

static inline void f32_store_f16(uint16_t *p, float32x4_t v)
{
    vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(v)));
}

static inline float32x4_t f32_load_bf16(const uint16_t *p)
{
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
}

/* Round to nearest even on the bits, as linrec__bf16_from_f32; NaN keeps its sign, made quiet. */
static inline void f32_store_bf16(uint16_t *p, float32x4_t v)
{
    uint32x4_t bits = vreinterpretq_u32_f32(v);
    uint32x4_t odd = vandq_u32(vshrq_n_u32(bits, 16), vdupq_n_u32(1));
    uint32x4_t rounded = vaddq_u32(bits, vaddq_u32(vdupq_n_u32(0x7fff), odd));
    uint32x4_t quiet = vorrq_u32(bits, vdupq_n_u32(0x400000));
    uint32x4_t number = vceqq_f32(v, v);
    vst1_u16(p, vshrn_n_u32(vbslq_u32(number, rounded, quiet), 16));
}
#define f32_stream_f16 f32_store_f16
#define f32_stream_bf16 f32_store_bf16
#define ISA_HALF_PRIMITIVES

#define VEC32 float32x4_t
#define W32 4
#define VEC64 float64x2_t
#define W64 2
#define ISA_NAME "neon"
#define ISA_TABLE linrec__openmp_neon
#include "openmp_isa.h"
