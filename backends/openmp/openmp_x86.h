/* What the AVX2 and AVX-512 files share: the primitives whose intrinsics differ only in their
 * width prefix (mm: _mm256, _mm512) and type suffixes (sfx: ps, pd; scalar: ss, sd), and the
 * fence after streaming. */
#include <immintrin.h>

#include "openmp_complex.h"

#define X86_PRIMITIVES(T, REAL_T, VEC_T, mm, sfx, scalar)                                          \
    static inline VEC_T T##_load(const REAL_T *p)                                                  \
    {                                                                                              \
        return mm##_loadu_##sfx(p);                                                                \
    }                                                                                              \
    static inline void T##_store(REAL_T *p, VEC_T v)                                               \
    {                                                                                              \
        mm##_storeu_##sfx(p, v);                                                                   \
    }                                                                                              \
    static inline void T##_stream(REAL_T *p, VEC_T v)                                              \
    {                                                                                              \
        mm##_stream_##sfx(p, v);                                                                   \
    }                                                                                              \
    static inline VEC_T T##_set1(REAL_T s)                                                         \
    {                                                                                              \
        return mm##_set1_##sfx(s);                                                                 \
    }                                                                                              \
    static inline VEC_T T##_fma(VEC_T a, VEC_T b, VEC_T c)                                         \
    {                                                                                              \
        return mm##_fmadd_##sfx(a, b, c);                                                          \
    }                                                                                              \
    static inline VEC_T T##_mul(VEC_T a, VEC_T b)                                                  \
    {                                                                                              \
        return mm##_mul_##sfx(a, b);                                                               \
    }                                                                                              \
    static inline REAL_T T##_first(VEC_T v)                                                        \
    {                                                                                              \
        return mm##_cvt##scalar##_##T(v);                                                          \
    }

/* Streaming stores are weakly ordered: fence them before other threads or the caller read. */
static inline void stream_fence(void)
{
    _mm_sfence();
}

/* The loads, stores and streams of one half storage type (openmp_isa.h) from the path's
 * f32_widen_<storage> and f32_narrow_<storage>, which convert between VEC_T and HALF_T (the
 * integer vector of as many halves, whose intrinsics take the prefix hmm and the suffix si). */
#define X86_HALF_PRIMITIVES(storage, VEC_T, HALF_T, hmm, si)                                       \
    static inline VEC_T f32_load_##storage(const uint16_t *p)                                      \
    {                                                                                              \
        return f32_widen_##storage(hmm##_loadu_##si((const HALF_T *)p));                           \
    }                                                                                              \
    static inline void f32_store_##storage(uint16_t *p, VEC_T v)                                   \
    {                                                                                              \
        hmm##_storeu_##si((HALF_T *)p, f32_narrow_##storage(v));                                   \
    }                                                                                              \
    static inline void f32_stream_##storage(uint16_t *p, VEC_T v)                                  \
    {                                                                                              \
        hmm##_stream_##si((HALF_T *)p, f32_narrow_##storage(v));                                   \
    }

/*
 * Complex vectors: W (re, im) pairs interleaved in the lanes of the part type's vector VEC_T, as
 * the arrays hold them (a c64 is two f32 lanes, a c128 two f64 lanes). The product takes b's real
 * parts and imaginary parts each duplicated over its pair (T_real_parts, T_imaginary_parts) and
 * a with each pair swapped (T_swap), which the path defines; fmaddsub then subtracts in the real
 * lanes and adds in the imaginary ones:
 *   a*b     = fmaddsub(a, re(b), swap(a)*im(b))
 *   a*b + c = fmaddsub(a, re(b), fmaddsub(swap(a), im(b), c))
 * (real lanes: ar*br - (ai*bi - cr); imaginary: ai*br + (ar*bi + ci)). The conjugate flips the
 * sign bit of the imaginary lanes through the integer vector (prefix si: si256, si512); set1 and
 * first are openmp_complex.h's.
 */
#define X86_COMPLEX_PRIMITIVES(T, COMPLEX_T, PART_T, VEC_T, W, mm, sfx, si)                        \
    static inline VEC_T T##_load(const COMPLEX_T *p)                                               \
    {                                                                                              \
        return mm##_loadu_##sfx((const PART_T *)p);                                                \
    }                                                                                              \
    static inline void T##_store(COMPLEX_T *p, VEC_T v)                                            \
    {                                                                                              \
        mm##_storeu_##sfx((PART_T *)p, v);                                                         \
    }                                                                                              \
    static inline void T##_stream(COMPLEX_T *p, VEC_T v)                                           \
    {                                                                                              \
        mm##_stream_##sfx((PART_T *)p, v);                                                         \
    }                                                                                              \
    LINREC__OPENMP_COMPLEX_ROWS(T, COMPLEX_T, VEC_T, W)                                            \
    static inline VEC_T T##_mul(VEC_T a, VEC_T b)                                                  \
    {                                                                                              \
        return mm##_fmaddsub_##sfx(a, T##_real_parts(b),                                           \
                                   mm##_mul_##sfx(T##_swap(a), T##_imaginary_parts(b)));           \
    }                                                                                              \
    static inline VEC_T T##_fma(VEC_T a, VEC_T b, VEC_T c)                                         \
    {                                                                                              \
        return mm##_fmaddsub_##sfx(a, T##_real_parts(b),                                           \
                                   mm##_fmaddsub_##sfx(T##_swap(a), T##_imaginary_parts(b), c));   \
    }                                                                                              \
    static inline VEC_T T##_conj(VEC_T v)                                                          \
    {                                                                                              \
        COMPLEX_T sign;                                                                            \
        __real__ sign = (PART_T)0;                                                                 \
        __imag__ sign = -(PART_T)0;                                                                \
        return mm##_cast##si##_##sfx(                                                              \
            mm##_xor_##si(mm##_cast##sfx##_##si(v), mm##_cast##sfx##_##si(T##_set1(sign))));       \
    }

/* A c64 is the bits of one f64 lane, so its lanes reverse and broadcast as the path's f64 ones. */
#define X86_C64_ORDER(VEC_T, mm)                                                                   \
    static inline VEC_T c64_reverse(VEC_T v)                                                       \
    {                                                                                              \
        return mm##_castpd_ps(f64_reverse(mm##_castps_pd(v)));                                     \
    }                                                                                              \
    static inline VEC_T c64_last(VEC_T v)                                                          \
    {                                                                                              \
        return mm##_castpd_ps(f64_last(mm##_castps_pd(v)));                                        \
    }

/* The parts of c64 lanes (f32 pairs), the same on every width. */
#define X86_C64_PARTS(T, VEC_T, mm)                                                                \
    static inline VEC_T T##_real_parts(VEC_T v)                                                    \
    {                                                                                              \
        return mm##_moveldup_ps(v);                                                                \
    }                                                                                              \
    static inline VEC_T T##_imaginary_parts(VEC_T v)                                               \
    {                                                                                              \
        return mm##_movehdup_ps(v);                                                                \
    }                                                                                              \
    static inline VEC_T T##_swap(VEC_T v)                                                          \
    {                                                                                              \
        return mm##_permute_ps(v, 0xb1);                                                           \
    }

/* The parts of c128 lanes (f64 pairs): permute_pd takes one selector bit per lane, so `odd` (every
 * lane its pair's second) and `swapped` (each pair's other) are the width's immediates. */
#define X86_C128_PARTS(T, VEC_T, mm, odd, swapped)                                                 \
    static inline VEC_T T##_real_parts(VEC_T v)                                                    \
    {                                                                                              \
        return mm##_movedup_pd(v);                                                                 \
    }                                                                                              \
    static inline VEC_T T##_imaginary_parts(VEC_T v)                                               \
    {                                                                                              \
        return mm##_permute_pd(v, odd);                                                            \
    }                                                                                              \
    static inline VEC_T T##_swap(VEC_T v)                                                          \
    {                                                                                              \
        return mm##_permute_pd(v, swapped);                                                        \
    }
