/* The tests' own model of the API's dtypes; see dtype_model.h. */
#include "dtype_model.h"

#include <math.h>

size_t test_element_size(linrec_dtype dtype)
{
    switch (dtype) {
    case LINREC_F64:
        return sizeof(double);
    case LINREC_F16:
    case LINREC_BF16:
        return sizeof(uint16_t);
    case LINREC_C64:
        return sizeof(float _Complex);
    case LINREC_C128:
        return sizeof(double _Complex);
    default:
        return sizeof(float);
    }
}

int test_is_complex(linrec_dtype dtype)
{
    return dtype == LINREC_C64 || dtype == LINREC_C128;
}

size_t test_components(linrec_dtype dtype)
{
    return test_is_complex(dtype) ? 2 : 1;
}

linrec_dtype test_component_dtype(linrec_dtype dtype)
{
    return dtype == LINREC_C64 ? LINREC_F32 : dtype == LINREC_C128 ? LINREC_F64 : dtype;
}

int test_is_half(linrec_dtype dtype)
{
    return dtype == LINREC_F16 || dtype == LINREC_BF16;
}

linrec_dtype test_coefficient_dtype(const linrec_problem *p)
{
    return (p->flags & LINREC_COEFFICIENTS_F32) ? LINREC_F32 : p->dtype;
}

/* The half formats as the tests see them, written from IEEE 754 and the bfloat16 definition
 * alone (no code of the library): significand bits with the implicit one, frexp exponent of the
 * smallest normal, largest finite value. */
typedef struct half_format {
    int digits, min_exponent;
    double max;
} half_format;

static half_format format_of(linrec_dtype dtype)
{
    if (dtype == LINREC_F16)
        return (half_format){11, -13, 65504.0};
    return (half_format){8, -125, 0x1.fep127};
}

double test_round_half(linrec_dtype dtype, double value)
{
    if (value == 0 || isnan(value) || isinf(value))
        return value;
    half_format f = format_of(dtype);
    int exponent;
    frexp(value, &exponent);
    if (exponent < f.min_exponent)
        exponent = f.min_exponent; /* subnormal: the quantum stops shrinking */
    double quantum = ldexp(1.0, exponent - f.digits);
    double rounded = nearbyint(value / quantum) * quantum; /* ties to even */
    return fabs(rounded) > f.max ? copysign(INFINITY, value) : rounded;
}

double test_half_value(linrec_dtype dtype, uint16_t bits)
{
    int sign = bits >> 15;
    int exponent_bits = dtype == LINREC_F16 ? 5 : 8, mantissa_bits = 15 - exponent_bits;
    int bias = (1 << (exponent_bits - 1)) - 1;
    unsigned exponent = (bits >> mantissa_bits) & ((1u << exponent_bits) - 1);
    unsigned mantissa = bits & ((1u << mantissa_bits) - 1);
    double magnitude;
    if (exponent == (1u << exponent_bits) - 1)
        magnitude = mantissa ? NAN : INFINITY;
    else if (exponent == 0)
        magnitude = ldexp(mantissa, 1 - bias - mantissa_bits);
    else
        magnitude = ldexp(mantissa + (1u << mantissa_bits), (int)exponent - bias - mantissa_bits);
    return sign ? -magnitude : magnitude;
}

uint16_t test_half_bits(linrec_dtype dtype, double value)
{
    int exponent_bits = dtype == LINREC_F16 ? 5 : 8, mantissa_bits = 15 - exponent_bits;
    int bias = (1 << (exponent_bits - 1)) - 1;
    unsigned all_ones = (1u << exponent_bits) - 1;
    double rounded = test_round_half(dtype, value);
    unsigned sign = signbit(rounded) ? 0x8000u : 0;
    double magnitude = fabs(rounded);
    if (isnan(rounded))
        return (uint16_t)(sign | (all_ones << mantissa_bits) | (1u << (mantissa_bits - 1)));
    if (isinf(rounded))
        return (uint16_t)(sign | (all_ones << mantissa_bits));
    int exponent;
    frexp(magnitude, &exponent);
    if (magnitude == 0 || exponent - 1 < 1 - bias) /* zero or subnormal */
        return (uint16_t)(sign | (unsigned)ldexp(magnitude, bias - 1 + mantissa_bits));
    unsigned fraction =
        (unsigned)(ldexp(magnitude, mantissa_bits - (exponent - 1)) - ldexp(1.0, mantissa_bits));
    return (uint16_t)(sign | ((unsigned)(exponent - 1 + bias) << mantissa_bits) | fraction);
}

long double test_half_rounding(linrec_dtype dtype, long double value)
{
    if (!test_is_half(dtype))
        return 0;
    half_format f = format_of(dtype);
    int exponent;
    frexpl(value, &exponent);
    if (exponent < f.min_exponent)
        exponent = f.min_exponent;
    return ldexpl(1.0L, exponent - f.digits - 1);
}

int test_half_overflows(linrec_dtype dtype, long double magnitude)
{
    if (!test_is_half(dtype))
        return 0;
    half_format f = format_of(dtype);
    int exponent;
    frexp(f.max, &exponent);
    return magnitude >= (long double)f.max + ldexpl(1.0L, exponent - f.digits - 1);
}
