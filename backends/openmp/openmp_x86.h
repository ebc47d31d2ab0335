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
