/* What the AVX2 and AVX-512 files share: the primitives whose intrinsics differ only in their
 * width prefix (mm: _mm256, _mm512) and type suffixes (sfx: ps, pd; scalar: ss, sd), and the
 * fence after streaming. */
#include <immintrin.h>

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
