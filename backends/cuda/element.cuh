/*
 * Element kinds in CUDA C++ (src/element.h has the kinds; docs/design.md, "Element kinds"). A
 * kind is a row of Kinds below: the storage of its coefficients (a, da) and of its data (x, h, h0,
 * dh, dx, dh0). Kernels are written once over widen() and narrow<>() and instantiated per row; they
 * compute in the data's Real type (f64 for f64, f32 for the half kinds, Complex<float> and
 * Complex<double> for c64 and c128) and keep every carried state in it, so a half output is rounded
 * once, where it is stored. Their arithmetic is `*`, `+`, mul_add() and conjugate(), which every
 * Real has.
 */
#ifndef LINREC_BACKENDS_CUDA_ELEMENT_CUH
#define LINREC_BACKENDS_CUDA_ELEMENT_CUH

#include <tuple>

#ifdef __CUDACC__
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#endif

#include "element.h"

namespace
{

/* The 16 bits of an IEEE binary16 or a bfloat16 element, as stored. */
struct F16 {
    unsigned short bits;
};
struct BF16 {
    unsigned short bits;
};

/* A storage type's arithmetic type, and its exact widening and round-to-nearest-even narrowing.
 * On a GPU these are the hardware conversions; the host emulation (tests/cuda_emulator) uses the
 * bit-exact ones of src/element.h, which give the same values. */
template <typename S> struct Stored;

/* The arithmetic types store themselves. */
template <typename T> struct Itself {
    using Real = T;
    static __device__ __forceinline__ T widen(T value)
    {
        return value;
    }
    static __device__ __forceinline__ T narrow(T value)
    {
        return value;
    }
};
template <> struct Stored<float> : Itself<float> {
};
template <> struct Stored<double> : Itself<double> {
};

/*
 * A complex number as the API stores it: (real, imaginary), aligned to its size so that a c64 is
 * one 8-byte and a c128 one 16-byte access; T(0) and T(1) are 0 and 1 as for reals. The product is
 * the plain formula, as on the host (src/element.h: no Annex G NaN recovery); mul_add rounds each
 * part through two fused steps.
 */
template <typename R> struct alignas(2 * sizeof(R)) Complex {
    R re, im;
    Complex() = default; /* trivial, as __shared__ arrays of pairs require */
    __host__ __device__ constexpr Complex(R real, R imaginary = R(0)) : re(real), im(imaginary)
    {
    }
};
template <typename R> struct Stored<Complex<R>> : Itself<Complex<R>> {
};

template <typename R> __device__ __forceinline__ Complex<R> operator*(Complex<R> p, Complex<R> q)
{
    return {p.re * q.re - p.im * q.im, p.re * q.im + p.im * q.re};
}

template <typename R> __device__ __forceinline__ Complex<R> operator+(Complex<R> p, Complex<R> q)
{
    return {p.re + q.re, p.im + q.im};
}

/* p*q + r: one fused multiply-add for reals, the complex product's two per part for complex. */
__device__ __forceinline__ float mul_add(float p, float q, float r)
{
    return fmaf(p, q, r);
}
__device__ __forceinline__ double mul_add(double p, double q, double r)
{
    return fma(p, q, r);
}
template <typename R>
__device__ __forceinline__ Complex<R> mul_add(Complex<R> p, Complex<R> q, Complex<R> r)
{
    return {mul_add(p.re, q.re, mul_add(-p.im, q.im, r.re)),
            mul_add(p.re, q.im, mul_add(p.im, q.re, r.im))};
}

/* The backward pass of a complex kind multiplies by conjugates (PyTorch's convention, linrec.h). */
template <typename T> __device__ __forceinline__ T conjugate(T value)
{
    return value;
}
template <typename R> __device__ __forceinline__ Complex<R> conjugate(Complex<R> value)
{
    return {value.re, -value.im};
}

template <> struct Stored<F16> {
    using Real = float;
    static __device__ __forceinline__ float widen(F16 value)
    {
#ifdef __CUDACC__
        return __half2float(__ushort_as_half(value.bits));
#else
        return linrec__f16_to_f32(value.bits);
#endif
    }
    static __device__ __forceinline__ F16 narrow(float value)
    {
#ifdef __CUDACC__
        return {__half_as_ushort(__float2half_rn(value))};
#else
        return {linrec__f16_from_f32(value)};
#endif
    }
};

template <> struct Stored<BF16> {
    using Real = float;
    static __device__ __forceinline__ float widen(BF16 value)
    {
#ifdef __CUDACC__
        return __uint_as_float(static_cast<unsigned>(value.bits) << 16);
#else
        return linrec__bf16_to_f32(value.bits);
#endif
    }
    static __device__ __forceinline__ BF16 narrow(float value)
    {
#ifdef __CUDACC__
        return {__bfloat16_as_ushort(__float2bfloat16_rn(value))};
#else
        return {linrec__bf16_from_f32(value)};
#endif
    }
};

template <typename S> __device__ __forceinline__ typename Stored<S>::Real widen(S value)
{
    return Stored<S>::widen(value);
}

template <typename S> __device__ __forceinline__ S narrow(typename Stored<S>::Real value)
{
    return Stored<S>::narrow(value);
}

template <linrec__element KIND, typename C, typename D> struct Element {
    static constexpr linrec__element kind = KIND;
    using Coef = C;
    using Data = D;
    using Real = typename Stored<D>::Real;
};

/* Every kind the plugin has kernels for, one row each: the kind, its a/da storage, the rest's. */
// clang-format off
using Kinds = std::tuple<Element<LINREC__ELEMENT_F32,      float,  float>,
                         Element<LINREC__ELEMENT_F64,      double, double>,
                         Element<LINREC__ELEMENT_F16,      F16,    F16>,
                         Element<LINREC__ELEMENT_BF16,     BF16,   BF16>,
                         Element<LINREC__ELEMENT_F16_A32,  float,  F16>,
                         Element<LINREC__ELEMENT_BF16_A32, float,  BF16>,
                         Element<LINREC__ELEMENT_C64,      Complex<float>,  Complex<float>>,
                         Element<LINREC__ELEMENT_C128,     Complex<double>, Complex<double>>>;
// clang-format on
static_assert(std::tuple_size<Kinds>::value == LINREC__ELEMENTS, "a row for every kind");

template <typename Run, typename... E>
linrec_status run_kind(linrec__element element, Run &run, std::tuple<E...> *)
{
    linrec_status status = LINREC_ERR_UNSUPPORTED;
    (void)((element == E::kind && ((status = run(E{})), true)) || ...);
    return status;
}

/* run(E{}) for the row E of `element`, and what it returns. */
template <typename Run> linrec_status for_kind(linrec__element element, Run run)
{
    return run_kind(element, run, static_cast<Kinds *>(nullptr));
}

} // namespace

#endif /* LINREC_BACKENDS_CUDA_ELEMENT_CUH */
