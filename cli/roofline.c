/* The elementwise kernel of roofline.h. Each thread takes one contiguous share of every array, as
 * a scan's threads do, and writes it with non-temporal stores where the CPU has them (SSE2 on x86),
 * so that the writes do not first read their lines: what remains is the machine's bandwidth. */
#include "roofline.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#if defined(_OPENMP)
#include <omp.h>
#endif
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

int roofline_threads(const char *backend)
{
    if (strcmp(backend, "serial") == 0)
        return 1;
    if (strcmp(backend, "openmp") != 0)
        return 0;
#if defined(_OPENMP)
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* Forward: h = a * x; backward: dx = a * dh, da = h * dh. The products keep every input live and
 * cost nothing beside the memory traffic. One body for both types: ROOFLINE_KERNEL(name, type,
 * vector type, lanes, unaligned load, multiply, streaming store). Malloc's 16-byte alignment puts
 * out0 and out1 at the same offset in a line, so aligning one aligns the other. */
#define ROOFLINE_SCALAR(i)                                                                         \
    do {                                                                                           \
        out0[i] = r->backward ? a[i] * c[i] : a[i] * b[i];                                         \
        if (r->backward)                                                                           \
            out1[i] = b[i] * c[i];                                                                 \
    } while (0)

#if defined(__SSE2__)
#define ROOFLINE_KERNEL(name, T, V, lanes, load, mul, stream)                                      \
    static void name(const roofline_arrays *r, size_t begin, size_t end)                           \
    {                                                                                              \
        const T *a = r->in[0], *b = r->in[1], *c = r->in[2];                                       \
        T *out0 = r->out[0], *out1 = r->out[1];                                                    \
        size_t i = begin;                                                                          \
        for (; i < end && ((size_t)(out0 + i) & 15u); i++)                                         \
            ROOFLINE_SCALAR(i);                                                                    \
        if (!r->backward || ((size_t)out0 & 15u) == ((size_t)out1 & 15u))                          \
            for (; i + lanes <= end; i += lanes) {                                                 \
                V va = load(a + i), vb = load(b + i);                                              \
                if (r->backward) {                                                                 \
                    V vc = load(c + i);                                                            \
                    stream(out0 + i, mul(va, vc));                                                 \
                    stream(out1 + i, mul(vb, vc));                                                 \
                } else {                                                                           \
                    stream(out0 + i, mul(va, vb));                                                 \
                }                                                                                  \
            }                                                                                      \
        for (; i < end; i++)                                                                       \
            ROOFLINE_SCALAR(i);                                                                    \
    }
ROOFLINE_KERNEL(kernel_f32, float, __m128, 4, _mm_loadu_ps, _mm_mul_ps, _mm_stream_ps)
ROOFLINE_KERNEL(kernel_f64, double, __m128d, 2, _mm_loadu_pd, _mm_mul_pd, _mm_stream_pd)
#else
#define ROOFLINE_KERNEL(name, T)                                                                   \
    static void name(const roofline_arrays *r, size_t begin, size_t end)                           \
    {                                                                                              \
        const T *a = r->in[0], *b = r->in[1], *c = r->in[2];                                       \
        T *out0 = r->out[0], *out1 = r->out[1];                                                    \
        for (size_t i = begin; i < end; i++)                                                       \
            ROOFLINE_SCALAR(i);                                                                    \
    }
ROOFLINE_KERNEL(kernel_f32, float)
ROOFLINE_KERNEL(kernel_f64, double)
#endif

/* The half types: 16-bit elements, with a and da of 32 bits under f32 coefficients. XOR stands in
 * for the products, of no matter beside the bytes: per 8 elements, one 16-byte chunk of each data
 * array and `wide` (1 or 2) of each coefficient array. */
static void half_scalar(const roofline_arrays *r, size_t i)
{
    const uint16_t *b = r->in[1], *c = r->in[2];
    uint16_t *out0 = r->out[0];
    uint16_t a = r->coefficients_f32 ? (uint16_t)((const uint32_t *)r->in[0])[i]
                                     : ((const uint16_t *)r->in[0])[i];
    out0[i] = (uint16_t)(a ^ (r->backward ? c[i] : b[i]));
    if (!r->backward)
        return;
    if (r->coefficients_f32)
        ((uint32_t *)r->out[1])[i] = (uint32_t)(b[i] ^ c[i]);
    else
        ((uint16_t *)r->out[1])[i] = (uint16_t)(b[i] ^ c[i]);
}

static void kernel_half(const roofline_arrays *r, size_t begin, size_t end)
{
    size_t i = begin;
#if defined(__SSE2__)
    size_t wide = r->coefficients_f32 ? 2 : 1;
    const __m128i *a = r->in[0], *b = r->in[1], *c = r->in[2];
    __m128i *out0 = r->out[0], *out1 = r->out[1];
    int aligned = ((size_t)out0 & 15u) == 0 && (!r->backward || ((size_t)out1 & 15u) == 0);
    for (; i < end && (i % 8 || !aligned); i++)
        half_scalar(r, i);
    for (; i + 8 <= end; i += 8) {
        size_t k = i / 8;
        __m128i va = _mm_loadu_si128(a + wide * k), vb = _mm_loadu_si128(b + k);
        if (wide == 2)
            va = _mm_xor_si128(va, _mm_loadu_si128(a + 2 * k + 1));
        if (!r->backward) {
            _mm_stream_si128(out0 + k, _mm_xor_si128(va, vb));
            continue;
        }
        __m128i vc = _mm_loadu_si128(c + k);
        _mm_stream_si128(out0 + k, _mm_xor_si128(va, vc));
        for (size_t w = 0; w < wide; w++)
            _mm_stream_si128(out1 + wide * k + w, _mm_xor_si128(vb, vc));
    }
#endif
    for (; i < end; i++)
        half_scalar(r, i);
}

static void run_share(const roofline_arrays *r, int thread, int threads)
{
    /* A complex element moves as one f64 (c64) or two (c128): the same bytes. */
    size_t count = r->dtype == LINREC_C128 ? 2 * r->count : r->count;
    size_t begin = count * (size_t)thread / (size_t)threads;
    size_t end = count * (size_t)(thread + 1) / (size_t)threads;
    if (r->dtype == LINREC_F64 || r->dtype == LINREC_C64 || r->dtype == LINREC_C128)
        kernel_f64(r, begin, end);
    else if (r->dtype == LINREC_F16 || r->dtype == LINREC_BF16)
        kernel_half(r, begin, end);
    else
        kernel_f32(r, begin, end);
#if defined(__SSE2__)
    _mm_sfence(); /* the streamed lines are written before the pass counts as done */
#endif
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double roofline_time(const roofline_arrays *arrays, int threads)
{
    double start = seconds_now();
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads) if (threads > 1)
    run_share(arrays, omp_get_thread_num(), omp_get_num_threads());
#else
    (void)threads;
    run_share(arrays, 0, 1);
#endif
    return seconds_now() - start;
}
