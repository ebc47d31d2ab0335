/* AArch64 Advanced SIMD kernels: 4 f32, 2 f64 or 2 c64 steps per in-register scan. NEON is part of
 * every AArch64 CPU, so this file is built on aarch64 only and needs no flags. */
#include <arm_neon.h>

#include "openmp.h"
#include "openmp_complex.h"

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

static inline float32x4_t f32_select(float32x4_t keep, float32x4_t yes, float32x4_t no)
{
    return vbslq_f32(vreinterpretq_u32_f32(keep), yes, no);
}

static inline float64x2_t f64_select(float64x2_t keep, float64x2_t yes, float64x2_t no)
{
    return vbslq_f64(vreinterpretq_u64_f64(keep), yes, no);
}

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

/*
 * Complex vectors: 2 c64 or 1 c128 (re, im) pairs interleaved in the lanes of the part type's
 * vector, as the arrays hold them. With b's real and imaginary parts each duplicated over its
 * pair and a's pairs swapped with the real lane negated (T_swap_negated: (-ai, ar)):
 *   a*b     = fma(swap_negated(a)*im(b), a, re(b))
 *   a*b + c = fma(fma(c, swap_negated(a), im(b)), a, re(b))
 * which rounds as the x86 paths' fmaddsub does (negation is exact). Signs flip through the
 * integer vector (usfx: u32, u64) with `mask` in the lanes to flip.
 */
#define NEON_COMPLEX_PRIMITIVES(T, COMPLEX_T, PART_T, VEC_T, W, sfx, usfx, UINT_T)                 \
    static inline VEC_T T##_flip(VEC_T v, UINT_T mask_even, UINT_T mask_odd)                       \
    {                                                                                              \
        UINT_T masks[2 * W];                                                                       \
        for (int i = 0; i < W; i++) {                                                              \
            masks[2 * i] = mask_even;                                                              \
            masks[2 * i + 1] = mask_odd;                                                           \
        }                                                                                          \
        return vreinterpretq_##sfx##_##usfx(                                                       \
            veorq_##usfx(vreinterpretq_##usfx##_##sfx(v), vld1q_##usfx(masks)));                   \
    }                                                                                              \
    static inline VEC_T T##_load(const COMPLEX_T *p)                                               \
    {                                                                                              \
        return vld1q_##sfx((const PART_T *)p);                                                     \
    }                                                                                              \
    static inline void T##_store(COMPLEX_T *p, VEC_T v)                                            \
    {                                                                                              \
        vst1q_##sfx((PART_T *)p, v);                                                               \
    }                                                                                              \
    static inline void T##_stream(COMPLEX_T *p, VEC_T v)                                           \
    {                                                                                              \
        vst1q_##sfx((PART_T *)p, v);                                                               \
    }                                                                                              \
    LINREC__OPENMP_COMPLEX_ROWS(T, COMPLEX_T, VEC_T, W)                                            \
    static inline VEC_T T##_swap_negated(VEC_T v)                                                  \
    {                                                                                              \
        UINT_T sign = (UINT_T)1 << (8 * sizeof(UINT_T) - 1);                                       \
        return T##_flip(T##_swap(v), sign, 0);                                                     \
    }                                                                                              \
    static inline VEC_T T##_conj(VEC_T v)                                                          \
    {                                                                                              \
        UINT_T sign = (UINT_T)1 << (8 * sizeof(UINT_T) - 1);                                       \
        return T##_flip(v, 0, sign);                                                               \
    }                                                                                              \
    static inline VEC_T T##_mul(VEC_T a, VEC_T b)                                                  \
    {                                                                                              \
        return vfmaq_##sfx(vmulq_##sfx(T##_swap_negated(a), T##_imaginary_parts(b)), a,            \
                           T##_real_parts(b));                                                     \
    }                                                                                              \
    static inline VEC_T T##_fma(VEC_T a, VEC_T b, VEC_T c)                                         \
    {                                                                                              \
        return vfmaq_##sfx(vfmaq_##sfx(c, T##_swap_negated(a), T##_imaginary_parts(b)), a,         \
                           T##_real_parts(b));                                                     \
    }

/* c64: the pairs of a float32x4_t; one c64 is the bits of one f64 lane. */
static inline float32x4_t c64_real_parts(float32x4_t v)
{
    return vtrn1q_f32(v, v);
}

static inline float32x4_t c64_imaginary_parts(float32x4_t v)
{
    return vtrn2q_f32(v, v);
}

static inline float32x4_t c64_swap(float32x4_t v)
{
    return vrev64q_f32(v);
}

static inline float32x4_t c64_reverse(float32x4_t v)
{
    return vextq_f32(v, v, 2);
}

static inline float32x4_t c64_last(float32x4_t v)
{
    return vreinterpretq_f32_f64(vdupq_laneq_f64(vreinterpretq_f64_f32(v), 1));
}
#define c64_shift(v, fill, k) vextq_f32((fill), (v), 4 - 2 * (k))

/* c128: the one pair of a float64x2_t, so a "vector" of one element (no shift needed). */
static inline float64x2_t c128_real_parts(float64x2_t v)
{
    return vdupq_laneq_f64(v, 0);
}

static inline float64x2_t c128_imaginary_parts(float64x2_t v)
{
    return vdupq_laneq_f64(v, 1);
}

static inline float64x2_t c128_swap(float64x2_t v)
{
    return vextq_f64(v, v, 1);
}

static inline float64x2_t c128_reverse(float64x2_t v)
{
    return v;
}

static inline float64x2_t c128_last(float64x2_t v)
{
    return v;
}

NEON_COMPLEX_PRIMITIVES(c64, float _Complex, float, float32x4_t, 2, f32, u32, uint32_t)
NEON_COMPLEX_PRIMITIVES(c128, double _Complex, double, float64x2_t, 1, f64, u64, uint64_t)
#define VEC_c64 float32x4_t
#define W_c64 2
#define VEC_c128 float64x2_t
#define W_c128 1
#define ISA_COMPLEX_PRIMITIVES

#define VEC32 float32x4_t
#define W32 4
#define VEC64 float64x2_t
#define W64 2
#define ISA_NAME "neon"
#define ISA_TABLE linrec__openmp_neon
#include "openmp_isa.h"
