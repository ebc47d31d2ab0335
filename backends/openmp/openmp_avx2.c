/* AVX2 + FMA kernels: 8 f32 or 4 f64 steps per in-register scan. Compiled with -mavx2 -mfma only
 * here and run only where the CPU supports both (openmp_cpu.c). */
#include "openmp.h"
#include "openmp_x86.h"

#define STREAM_BYTES 32

X86_PRIMITIVES(f32, float, __m256, _mm256, ps, ss)
X86_PRIMITIVES(f64, double, __m256d, _mm256, pd, sd)

/* AVX2 cannot shift across its 128-bit halves: permute lane j-k into lane j, then blend the fill
 * into the lanes below k (blend masks and 64-bit permutes take immediates, hence macros). */
#define f32_shift(v, fill, k)                                                                      \
    _mm256_blend_ps(_mm256_permutevar8x32_ps((v), f32_shift_index(k)), (fill), (1 << (k)) - 1)
#define f64_shift(v, fill, k)                                                                      \
    _mm256_blend_pd(_mm256_permute4x64_pd((v), (k) == 1 ? 0x90 : 0x40), (fill), (1 << (k)) - 1)

static inline __m256i f32_shift_index(int k)
{
    return _mm256_sub_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(k));
}

static inline __m256 f32_reverse(__m256 v)
{
    return _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0));
}

static inline __m256 f32_last(__m256 v)
{
    return _mm256_permutevar8x32_ps(v, _mm256_set1_epi32(7));
}

static inline __m256d f64_reverse(__m256d v)
{
    return _mm256_permute4x64_pd(v, 0x1b);
}

static inline __m256d f64_last(__m256d v)
{
    return _mm256_permute4x64_pd(v, 0xff);
}

#define VEC32 __m256
#define W32 8
#define VEC64 __m256d
#define W64 4
#define ISA_NAME "avx2"
#define ISA_TABLE linrec__openmp_avx2
#include "openmp_isa.h"
