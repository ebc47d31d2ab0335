/*
 * The one mechanism that instantiates a host kernel per element kind (element.h). Include this
 * file with ELEMENT_KERNELS set to the kernel header's name, in quotes, and optionally
 * ELEMENT_KINDS to the number of kinds wanted (default every kind; LINREC__ELEMENTS_FULL gives
 * f32 and f64 only, LINREC__ELEMENTS_REAL every real kind). The header is included once per kind
 * with:
 *   E_KIND                    the linrec__element
 *   E_FN(name)                name_f32, name_f64, name_f16, name_bf16, name_f16a32, name_bf16a32,
 *                             name_c64, name_c128
 *   E_REAL                    the arithmetic type: float, double, float _Complex, double _Complex
 *   E_MUL(a, b)               a * b in E_REAL (for the complex types the plain formula, without
 *                             C's recovery of infinities from NaN products)
 *   E_CONJ(v)                 the conjugate (v itself for real types), which the backward pass
 *                             applies to a and h
 *   E_COMPLEX                 1 for the complex kinds, 0 for the real ones (for #if)
 *   E_COEF, E_DATA            the storage of a and da, and of every other array
 *   E_LOAD_COEF(v), E_LOAD(v) a stored value widened to E_REAL
 *   E_STORE_COEF(v), E_STORE(v) an E_REAL rounded once to its storage
 *   E_REAL_NAME, E_COEF_NAME, E_DATA_NAME  the names (f32, f64, f16, bf16, c64, c128) of the
 *                             arithmetic and
 *                             of each storage, to build further helpers' names from
 * A new dtype is one row below and its storage helpers in element.h.
 */
#include "element.h"

#ifndef ELEMENT_KINDS
#define ELEMENT_KINDS LINREC__ELEMENTS_ALL
#endif

#define E_CONCAT_(a, b) a##b
#define E_CONCAT(a, b) E_CONCAT_(a, b)
#define E_FN(name) E_CONCAT(name##_, E_SUFFIX)
#define E_COEF E_CONCAT(linrec__storage_, E_COEF_NAME)
#define E_DATA E_CONCAT(linrec__storage_, E_DATA_NAME)
#define E_LOAD_COEF(v) E_CONCAT(linrec__widen_, E_COEF_NAME)(v)
#define E_LOAD(v) E_CONCAT(linrec__widen_, E_DATA_NAME)(v)
#define E_STORE_COEF(v) E_CONCAT(linrec__narrow_, E_COEF_NAME)(v)
#define E_STORE(v) E_CONCAT(linrec__narrow_, E_DATA_NAME)(v)
#define E_MUL(a, b) E_CONCAT(linrec__mul_, E_REAL_NAME)(a, b)
#define E_CONJ(v) E_CONCAT(linrec__conj_, E_REAL_NAME)(v)

/* kind, suffix, arithmetic, coefficient storage, data storage */
#define E_KIND LINREC__ELEMENT_F32
#define E_SUFFIX f32
#define E_REAL float
#define E_REAL_NAME f32
#define E_COEF_NAME f32
#define E_DATA_NAME f32
#define E_COMPLEX 0
#include ELEMENT_KERNELS
#include "element_row_end.h"

#define E_KIND LINREC__ELEMENT_F64
#define E_SUFFIX f64
#define E_REAL double
#define E_REAL_NAME f64
#define E_COEF_NAME f64
#define E_DATA_NAME f64
#define E_COMPLEX 0
#include ELEMENT_KERNELS
#include "element_row_end.h"

#if ELEMENT_KINDS > LINREC__ELEMENTS_FULL
#define E_KIND LINREC__ELEMENT_F16
#define E_SUFFIX f16
#define E_REAL float
#define E_REAL_NAME f32
#define E_COEF_NAME f16
#define E_DATA_NAME f16
#define E_COMPLEX 0
#include ELEMENT_KERNELS
#include "element_row_end.h"

#define E_KIND LINREC__ELEMENT_BF16
#define E_SUFFIX bf16
#define E_REAL float
#define E_REAL_NAME f32
#define E_COEF_NAME bf16
#define E_DATA_NAME bf16
#define E_COMPLEX 0
#include ELEMENT_KERNELS
#include "element_row_end.h"

#define E_KIND LINREC__ELEMENT_F16_A32
#define E_SUFFIX f16a32
#define E_REAL float
#define E_REAL_NAME f32
#define E_COEF_NAME f32
#define E_DATA_NAME f16
#define E_COMPLEX 0
#include ELEMENT_KERNELS
#include "element_row_end.h"

#define E_KIND LINREC__ELEMENT_BF16_A32
#define E_SUFFIX bf16a32
#define E_REAL float
#define E_REAL_NAME f32
#define E_COEF_NAME f32
#define E_DATA_NAME bf16
#define E_COMPLEX 0
#include ELEMENT_KERNELS
#include "element_row_end.h"
#endif

#if ELEMENT_KINDS > LINREC__ELEMENTS_REAL
#define E_KIND LINREC__ELEMENT_C64
#define E_SUFFIX c64
#define E_REAL float _Complex
#define E_REAL_NAME c64
#define E_COEF_NAME c64
#define E_DATA_NAME c64
#define E_COMPLEX 1
#include ELEMENT_KERNELS
#include "element_row_end.h"

#define E_KIND LINREC__ELEMENT_C128
#define E_SUFFIX c128
#define E_REAL double _Complex
#define E_REAL_NAME c128
#define E_COEF_NAME c128
#define E_DATA_NAME c128
#define E_COMPLEX 1
#include ELEMENT_KERNELS
#include "element_row_end.h"
#endif

#undef E_CONCAT_
#undef E_CONCAT
#undef E_FN
#undef E_COEF
#undef E_DATA
#undef E_LOAD_COEF
#undef E_LOAD
#undef E_STORE_COEF
#undef E_STORE
#undef E_MUL
#undef E_CONJ
#undef ELEMENT_KINDS
#undef ELEMENT_KERNELS
