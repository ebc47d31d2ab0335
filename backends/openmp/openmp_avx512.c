/* AVX-512F kernels: 16 f32, 8 f64 or c64, 4 c128 steps per in-register scan. Compiled with
 * -mavx512f only here and run only where the CPU and OS support it (openmp_cpu.c). */
#include "openmp.h"
#include "openmp_x86.h"

#define STREAM_BYTES 64

X86_PRIMITIVES(f32, float, __m512, _mm512, ps, ss)
X86_PRIMITIVES(f64, double, __m512d, _mm512, pd, sd)

/* valign shifts the pair (v, fill) as one 2W-lane vector: lane j takes lane j-k of v, lanes below
 * k take fill's top lanes (all fill lanes are equal). */
#define f32_shift(v, fill, k)                                                                      \
    _mm512_castsi512_ps(                                                                           \
        _mm512_alignr_epi32(_mm512_castps_si512(v), _mm512_castps_si512(fill), 16 - (k)))
#define f64_shift(v, fill, k)                                                                      \
    _mm512_castsi512_pd(                                                                           \
        _mm512_alignr_epi64(_mm512_castpd_si512(v), _mm512_castpd_si512(fill), 8 - (k)))

/* A keep mask's lanes are all ones or zero, so testing them gives the blend's mask. */
static inline __m512 f32_select(__m512 keep, __m512 yes, __m512 no)
{
    __m512i bits = _mm512_castps_si512(keep);
    return _mm512_mask_blend_ps(_mm512_test_epi32_mask(bits, bits), no, yes);
}

static inline __m512d f64_select(__m512d keep, __m512d yes, __m512d no)
{
    __m512i bits = _mm512_castpd_si512(keep);
    return _mm512_mask_blend_pd(_mm512_test_epi64_mask(bits, bits), no, yes);
}

static inline __m512 f32_reverse(__m512 v)
{
    return _mm512_permutexvar_ps(
        _mm512_set_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), v);
}

static inline __m512 f32_last(__m512 v)
{
    return _mm512_permutexvar_ps(_mm512_set1_epi32(15), v);
}

static inline __m512d f64_reverse(__m512d v)
{
    return _mm512_permutexvar_pd(_mm512_set_epi64(0, 1, 2, 3, 4, 5, 6, 7), v);
}

static inline __m512d f64_last(__m512d v)
{
    return _mm512_permutexvar_pd(_mm512_set1_epi64(7), v);
}

/* f16 through AVX-512F's own conversions, bf16 through shifts. */
static inline __m512 f32_widen_f16(__m256i halves)
{
    return _mm512_cvtph_ps(halves);
}

static inline __m256i f32_narrow_f16(__m512 v)
{
    return _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

static inline __m512 f32_widen_bf16(__m256i halves)
{
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(halves), 16));
}

/* Round to nearest even on the bits, as linrec__bf16_from_f32; NaN keeps its sign, made quiet. */
static inline __m256i f32_narrow_bf16(__m512 v)
{
    __m512i bits = _mm512_castps_si512(v);
    __m512i odd = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    __m512i rounded = _mm512_add_epi32(bits, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), odd));
    __m512i quiet = _mm512_or_si512(bits, _mm512_set1_epi32(0x400000));
    __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    return _mm512_cvtepi32_epi16(
        _mm512_srli_epi32(_mm512_mask_blend_epi32(nan, rounded, quiet), 16));
}

X86_HALF_PRIMITIVES(f16, __m512, __m256i, _mm256, si256)
X86_HALF_PRIMITIVES(bf16, __m512, __m256i, _mm256, si256)
#define ISA_HALF_PRIMITIVES

/* 8 c64 or 4 c128 per vector. A c64 is the bits of one f64 lane, so its lanes move as f64's; a
 * c128 is one 128-bit lane. */
X86_C64_PARTS(c64, __m512, _mm512)
X86_COMPLEX_PRIMITIVES(c64, float _Complex, float, __m512, 8, _mm512, ps, si512)
X86_C128_PARTS(c128, __m512d, _mm512, 0xff, 0x55)
X86_COMPLEX_PRIMITIVES(c128, double _Complex, double, __m512d, 4, _mm512, pd, si512)
#define c64_shift(v, fill, k)                                                                      \
    _mm512_castpd_ps(f64_shift(_mm512_castps_pd(v), _mm512_castps_pd(fill), k))
#define c128_shift(v, fill, k) f64_shift(v, fill, 2 * (k))

X86_C64_ORDER(__m512, _mm512)

static inline __m512d c128_reverse(__m512d v)
{
    return _mm512_shuffle_f64x2(v, v, 0x1b);
}

static inline __m512d c128_last(__m512d v)
{
    return _mm512_shuffle_f64x2(v, v, 0xff);
}
#define VEC_c64 __m512
#define W_c64 8
#define VEC_c128 __m512d
#define W_c128 4
#define ISA_COMPLEX_PRIMITIVES

#define VEC32 __m512
#define W32 16
#define VEC64 __m512d
#define W64 8
#define ISA_NAME "avx512"
#define ISA_TABLE linrec__openmp_avx512
#include "openmp_isa.h"
