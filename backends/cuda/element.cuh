/*
 * Element kinds in CUDA C++ (src/element.h has the kinds; docs/design.md, "Element kinds"). A
 * kind is a row of Kinds below: the storage of its coefficients (a, da) and of its data (x, h, h0,
 * dh, dx, dh0). Kernels are written once over widen() and narrow<>() and instantiated per row; they
 * compute in the data's Real type (f64 for f64, f32 for every other kind) and keep every carried
 * state in it, so a half output is rounded once, where it is stored.
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
                         Element<LINREC__ELEMENT_BF16_A32, float,  BF16>>;
// clang-format on
static_assert(std::tuple_size<Kinds>::value == LINREC__ELEMENTS_REAL, "a row for every real kind");

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
