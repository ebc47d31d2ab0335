/*
 * Element kinds: what a problem's dtype and flags make of its arrays' storage, and the exact
 * conversions between the half types and f32 that every host kernel shares.
 *
 * A kind names a storage type for the coefficients (a, da), one for the data (x, h, h0, dh, dx,
 * dh0) and the arithmetic type the recurrence runs in. Kernels are written once over "load and
 * widen" / "narrow and store" and instantiated per kind by element_instances.h. The complex kinds
 * come last, so that a backend without complex kernels instantiates the real kinds alone.
 */
#ifndef LINREC_SRC_ELEMENT_H
#define LINREC_SRC_ELEMENT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "linrec/linrec.h"

typedef enum linrec__element {
    LINREC__ELEMENT_F32,      /* every array f32 */
    LINREC__ELEMENT_F64,      /* every array f64 */
    LINREC__ELEMENT_F16,      /* every array f16, arithmetic f32 */
    LINREC__ELEMENT_BF16,     /* every array bf16, arithmetic f32 */
    LINREC__ELEMENT_F16_A32,  /* a, da f32; the others f16 (LINREC_COEFFICIENTS_F32) */
    LINREC__ELEMENT_BF16_A32, /* a, da f32; the others bf16 */
    LINREC__ELEMENT_C64,      /* every array complex f32: interleaved (real, imaginary) pairs */
    LINREC__ELEMENT_C128,     /* every array complex f64 */
    LINREC__ELEMENTS
} linrec__element;

/* As macros, for #if: every kind; the real kinds, which come before the complex ones; and the
 * kinds whose arrays are all of the arithmetic type, which come first. */
#define LINREC__ELEMENTS_ALL 8
#define LINREC__ELEMENTS_REAL 6
#define LINREC__ELEMENTS_FULL 2

/* Bit of a kind in a backend's set of kinds, and the two sets that backends declare (every
 * backend has every kind; the test plugin tests/mock_device declares f32 and f64 alone as well). */
#define LINREC__ELEMENT_BIT(kind) (1u << (kind))
#define LINREC__EVERY_ELEMENT ((1u << LINREC__ELEMENTS_ALL) - 1u)
#define LINREC__FULL_ELEMENTS ((1u << LINREC__ELEMENTS_FULL) - 1u)

/* An array of `name`'s instances indexed by kind, as element_instances.h names them. */
#define LINREC__ELEMENT_TABLE(name)                                                                \
    {                                                                                              \
        name##_f32, name##_f64, name##_f16, name##_bf16, name##_f16a32, name##_bf16a32,            \
            name##_c64, name##_c128                                                                \
    }

/* The kind of a valid (dtype, flags) pair. */
static inline linrec__element linrec__element_of(linrec_dtype dtype, unsigned flags)
{
    int coefficients_f32 = (flags & LINREC_COEFFICIENTS_F32) != 0;
    switch (dtype) {
    case LINREC_F64:
        return LINREC__ELEMENT_F64;
    case LINREC_C64:
        return LINREC__ELEMENT_C64;
    case LINREC_C128:
        return LINREC__ELEMENT_C128;
    case LINREC_F16:
        return coefficients_f32 ? LINREC__ELEMENT_F16_A32 : LINREC__ELEMENT_F16;
    case LINREC_BF16:
        return coefficients_f32 ? LINREC__ELEMENT_BF16_A32 : LINREC__ELEMENT_BF16;
    default:
        return LINREC__ELEMENT_F32;
    }
}

/* Bytes of one element of `dtype`, 0 for a value that is no dtype. */
static inline size_t linrec__dtype_size(linrec_dtype dtype)
{
    switch (dtype) {
    case LINREC_F32:
        return 4;
    case LINREC_F64:
        return 8;
    case LINREC_F16:
    case LINREC_BF16:
        return 2;
    case LINREC_C64:
        return 8;
    case LINREC_C128:
        return 16;
    }
    return 0;
}

/* The dtype's name as the API spells it ("LINREC_F16"), or NULL for no dtype. */
static inline const char *linrec__dtype_name(linrec_dtype dtype)
{
    switch (dtype) {
    case LINREC_F32:
        return "LINREC_F32";
    case LINREC_F64:
        return "LINREC_F64";
    case LINREC_F16:
        return "LINREC_F16";
    case LINREC_BF16:
        return "LINREC_BF16";
    case LINREC_C64:
        return "LINREC_C64";
    case LINREC_C128:
        return "LINREC_C128";
    }
    return NULL;
}

/* The kind's short name, as benchmarks and messages print it. */
static inline const char *linrec__element_name(linrec__element kind)
{
    static const char *const names[LINREC__ELEMENTS] = {
        "f32", "f64", "f16", "bf16", "f16 (a f32)", "bf16 (a f32)", "c64", "c128"};
    return (unsigned)kind < LINREC__ELEMENTS ? names[kind] : "?";
}

static inline uint32_t linrec__f32_bits(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static inline float linrec__f32_of_bits(uint32_t bits)
{
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* binary16 -> f32, exactly (every f16 value is an f32 value). */
static inline float linrec__f16_to_f32(uint16_t half)
{
    uint32_t sign = (uint32_t)(half & 0x8000u) << 16;
    uint32_t exponent = (half >> 10) & 0x1fu, mantissa = half & 0x3ffu;
    if (exponent == 0x1f)
        return linrec__f32_of_bits(sign | 0x7f800000u | (mantissa << 13));
    if (exponent != 0)
        return linrec__f32_of_bits(sign | ((exponent + 112u) << 23) | (mantissa << 13));
    /* Zero or subnormal: mantissa * 2^-24, exact in f32. */
    return linrec__f32_of_bits(sign | linrec__f32_bits((float)mantissa * 0x1p-24f));
}

/* f32 -> binary16, rounded to nearest even; overflow gives inf, NaN stays a (quiet) NaN. */
static inline uint16_t linrec__f16_from_f32(float value)
{
    uint32_t bits = linrec__f32_bits(value);
    uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
    uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude > 0x7f800000u)
        return (uint16_t)(sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu));
    if (magnitude >= 0x477ff000u) /* 65520 and above round past 65504, the largest f16 */
        return (uint16_t)(sign | 0x7c00u);
    if (magnitude >= 0x38800000u) { /* 2^-14 and above: normal */
        magnitude += 0xfffu + ((magnitude >> 13) & 1u);
        return (uint16_t)(sign | ((magnitude - 0x38000000u) >> 13));
    }
    if (magnitude < 0x33000000u) /* below 2^-25: rounds to zero */
        return sign;
    /* Subnormal: the significand shifted to units of 2^-24, rounded to nearest even. */
    uint32_t exponent = magnitude >> 23, significand = (magnitude & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126u - exponent, rounded = significand >> shift;
    uint32_t rest = significand & ((1u << shift) - 1u), half_unit = 1u << (shift - 1u);
    if (rest > half_unit || (rest == half_unit && (rounded & 1u)))
        rounded++;
    return (uint16_t)(sign | rounded);
}

/* bfloat16 -> f32, exactly. */
static inline float linrec__bf16_to_f32(uint16_t half)
{
    return linrec__f32_of_bits((uint32_t)half << 16);
}

/* f32 -> bfloat16, rounded to nearest even; NaN stays a (quiet) NaN of the same sign. */
static inline uint16_t linrec__bf16_from_f32(float value)
{
    uint32_t bits = linrec__f32_bits(value);
    if ((bits & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((bits >> 16) | 0x40u);
    return (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

/* The storage of each type, and its widening to / narrowing from the arithmetic type, by storage
 * name: what element_instances.h builds E_LOAD and E_STORE from. */
typedef float linrec__storage_f32;
typedef double linrec__storage_f64;
typedef uint16_t linrec__storage_f16;
typedef uint16_t linrec__storage_bf16;

#define linrec__widen_f32(value) (value)
#define linrec__widen_f64(value) (value)
#define linrec__widen_f16(value) linrec__f16_to_f32(value)
#define linrec__widen_bf16(value) linrec__bf16_to_f32(value)
#define linrec__narrow_f32(value) (value)
#define linrec__narrow_f64(value) (value)
#define linrec__narrow_f16(value) linrec__f16_from_f32(value)
#define linrec__narrow_bf16(value) linrec__bf16_from_f32(value)

/* The arithmetic of the real types, by name, as element_instances.h builds E_MUL and E_CONJ. */
#define linrec__mul_f32(a, b) ((a) * (b))
#define linrec__mul_f64(a, b) ((a) * (b))
#define linrec__conj_f32(value) (value)
#define linrec__conj_f64(value) (value)

/* The complex types, for C only (the CUDA plugin's C++ has its own rows, backends/cuda): C's
 * float _Complex has the interleaved layout of the API's complex dtypes. Products are the plain
 * formula, as every device computes them: C's own operator would recover infinities from NaN
 * results (Annex G), which no GPU kernel does, and call into libgcc to do it. */
#ifndef __cplusplus
#include <complex.h>

typedef float _Complex linrec__storage_c64;
typedef double _Complex linrec__storage_c128;
#define linrec__widen_c64(value) (value)
#define linrec__widen_c128(value) (value)
#define linrec__narrow_c64(value) (value)
#define linrec__narrow_c128(value) (value)
#define linrec__conj_c64(value) conjf(value)
#define linrec__conj_c128(value) conj(value)

/* __real__ and __imag__ (GCC and clang) set the parts as they are: re + im * I would make a NaN
 * of an infinite imaginary part, and glibc's CMPLXF is GCC's alone. */
static inline float _Complex linrec__mul_c64(float _Complex a, float _Complex b)
{
    float ar = crealf(a), ai = cimagf(a), br = crealf(b), bi = cimagf(b);
    float _Complex product;
    __real__ product = ar * br - ai * bi;
    __imag__ product = ar * bi + ai * br;
    return product;
}

static inline double _Complex linrec__mul_c128(double _Complex a, double _Complex b)
{
    double ar = creal(a), ai = cimag(a), br = creal(b), bi = cimag(b);
    double _Complex product;
    __real__ product = ar * br - ai * bi;
    __imag__ product = ar * bi + ai * br;
    return product;
}
#endif

#endif /* LINREC_SRC_ELEMENT_H */
