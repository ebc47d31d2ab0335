/* AVX2 + FMA kernels: 8 f32, 4 f64 or c64, 2 c128 steps per in-register scan. Compiled with -mavx2
 * -mfma only here and run only where the CPU supports both (openmp_cpu.c). */
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

static inline __m256 f32_select(__m256 keep, __m256 yes, __m256 no)
{
    return _mm256_blendv_ps(no, yes, keep);
}

static inline __m256d f64_select(__m256d keep, __m256d yes, __m256d no)
{
    return _mm256_blendv_pd(no, yes, keep);
}

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

/* f16 through F16C (every AVX2 CPU has it; openmp_cpu.c checks), bf16 through shifts. */
static inline __m256 f32_widen_f16(__m128i halves)
{
    return _mm256_cvtph_ps(halves);
}

static inline __m128i f32_narrow_f16(__m256 v)
{
    return _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

static inline __m256 f32_widen_bf16(__m128i halves)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(halves), 16));
}

/* Round to nearest even on the bits, as linrec__bf16_from_f32; NaN keeps its sign, made quiet. */
static inline __m128i f32_narrow_bf16(__m256 v)
{
    __m256i bits = _mm256_castps_si256(v);
    __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
    __m256i rounded = _mm256_add_epi32(bits, _mm256_add_epi32(_mm256_set1_epi32(0x7fff), odd));
    __m256i quiet = _mm256_or_si256(bits, _mm256_set1_epi32(0x400000));
    __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    __m256i high = _mm256_srli_epi32(_mm256_blendv_epi8(rounded, quiet, nan), 16);
    __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(high, high), 0xd8);
    return _mm256_castsi256_si128(packed);
}

X86_HALF_PRIMITIVES(f16, __m256, __m128i, _mm, si128)
X86_HALF_PRIMITIVES(bf16, __m256, __m128i, _mm, si128)
#define ISA_HALF_PRIMITIVES

/* 4 c64 or 2 c128 per vector. A c64 is the bits of one f64 lane, so its lanes move as f64's; a
 * c128 is one 128-bit half, which permute2f128 moves (selector 0 and 1: v's halves, 2: fill's). */
X86_C64_PARTS(c64, __m256, _mm256)
X86_COMPLEX_PRIMITIVES(c64, float _Complex, float, __m256, 4, _mm256, ps, si256)
X86_C128_PARTS(c128, __m256d, _mm256, 0xf, 0x5)
X86_COMPLEX_PRIMITIVES(c128, double _Complex, double, __m256d, 2, _mm256, pd, si256)
#define c64_shift(v, fill, k)                                                                      \
    _mm256_castpd_ps(f64_shift(_mm256_castps_pd(v), _mm256_castps_pd(fill), k))
#define c128_shift(v, fill, k) _mm256_permute2f128_pd((v), (fill), 0x02)

X86_C64_ORDER(__m256, _mm256)

static inline __m256d c128_reverse(__m256d v)
{
    return _mm256_permute2f128_pd(v, v, 0x01);
}

static inline __m256d c128_last(__m256d v)
{
    return _mm256_permute2f128_pd(v, v, 0x11);
}
#define VEC_c64 __m256
#define W_c64 4
#define VEC_c128 __m256d
#define W_c128 2
#define ISA_COMPLEX_PRIMITIVES

#define VEC32 __m256
#define W32 8
#define VEC64 __m256d
#define W64 4
#define ISA_NAME "avx2"
#define ISA_TABLE linrec__openmp_avx2
#include "openmp_isa.h"
