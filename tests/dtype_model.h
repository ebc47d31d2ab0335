/*
 * The tests' own model of the API's dtypes: their sizes and, for the half dtypes (LINREC_F16,
 * LINREC_BF16), their rounding, written from IEEE 754 and the bfloat16 definition alone, sharing no
 * code with the library. Shared by the Criterion suite (harness.c) and the fuzz harnesses
 * (fuzz/fuzz.c).
 */
#ifndef LINREC_TESTS_DTYPE_MODEL_H
#define LINREC_TESTS_DTYPE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "linrec/linrec.h"

/* Bytes of one element (a complex one is a pair). */
size_t test_element_size(linrec_dtype dtype);
int test_is_complex(linrec_dtype dtype);
/* Numbers per element: 2 for a complex dtype (real, imaginary), else 1. */
size_t test_components(linrec_dtype dtype);
/* The real type of one number of an element: f32 for c64, f64 for c128, else the dtype itself. */
linrec_dtype test_component_dtype(linrec_dtype dtype);
int test_is_half(linrec_dtype dtype);
/* The dtype of a and da: f32 under LINREC_COEFFICIENTS_F32, otherwise the problem's. */
linrec_dtype test_coefficient_dtype(const linrec_problem *p);

/* `value` rounded to the type (to nearest even, subnormals, +-inf past the largest value), the
 * value of a bit pattern, and the bit pattern of `value` once rounded (NaN as the quiet NaN of its
 * sign). */
double test_round_half(linrec_dtype dtype, double value);
double test_half_value(linrec_dtype dtype, uint16_t bits);
uint16_t test_half_bits(linrec_dtype dtype, double value);

/* The one rounding of an output of `dtype` near `value`: half its unit in the last place there,
 * never below half the smallest subnormal's; 0 for f32 and f64, whose rounding the arithmetic's
 * bound already holds. */
long double test_half_rounding(linrec_dtype dtype, long double value);

/* Whether a value this large rounds to +-inf in `dtype` (f16 from 65520 on). */
int test_half_overflows(linrec_dtype dtype, long double magnitude);

#endif /* LINREC_TESTS_DTYPE_MODEL_H */
