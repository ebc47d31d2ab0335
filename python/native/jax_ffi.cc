// liblinrec_jax: the XLA FFI handlers behind linrec.jax, loaded with ctypes and registered as
// custom-call targets for JAX's CPU platform (python/linrec/jax.py).
//
// A handler reads its problem from the buffers' dimensions, not from fixed sizes, so that
// jax.vmap (which prepends the mapped axis to every operand) folds into the batch: the scanned
// axis is given counted from the end, B is the product of the dimensions before it and C of those
// after, which is the BTC layout of a row-major array. The context is the Python package's, passed
// as its address; the package keeps every context alive until the process ends.
#include <cstdint>
#include <cstring>
#include <string>

#include "linrec/linrec.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace
{

ffi::ErrorCode error_code(linrec_status status)
{
    switch (status) {
    case LINREC_ERR_INVALID_ARGUMENT:
    case LINREC_ERR_BACKEND_MISMATCH:
        return ffi::ErrorCode::kInvalidArgument;
    case LINREC_ERR_BACKEND_UNAVAILABLE:
        return ffi::ErrorCode::kUnavailable;
    case LINREC_ERR_UNSUPPORTED:
        return ffi::ErrorCode::kUnimplemented;
    case LINREC_ERR_OUT_OF_MEMORY:
        return ffi::ErrorCode::kResourceExhausted;
    default:
        return ffi::ErrorCode::kInternal;
    }
}

ffi::Error failure(linrec_status status)
{
    if (status == LINREC_OK)
        return ffi::Error::Success();
    return ffi::Error(error_code(status), std::string("linrec: ") + linrec_status_string(status) +
                                              ": " + linrec_last_error());
}

// The problem of a row-major array of `sequences`' dimensions scanned along its dimension
// `axis_from_end` from the end (1 = the last). Time innermost (C = 1) is named BCT, as in the
// package's numpy path, so both reach the same kernels.
ffi::Error problem_of(const ffi::AnyBuffer &sequences, int64_t axis_from_end, int64_t flags,
                      linrec_problem *p)
{
    const auto dims = sequences.dimensions();
    const int64_t rank = static_cast<int64_t>(dims.size());
    if (axis_from_end < 1 || axis_from_end > rank)
        return ffi::Error::InvalidArgument("linrec: the scanned axis is outside the array");
    const int64_t axis = rank - axis_from_end;
    size_t batch = 1, channels = 1;
    for (int64_t i = 0; i < axis; i++)
        batch *= static_cast<size_t>(dims[i]);
    for (int64_t i = axis + 1; i < rank; i++)
        channels *= static_cast<size_t>(dims[i]);
    linrec_dtype dtype;
    if (sequences.element_type() == ffi::DataType::F32)
        dtype = LINREC_F32;
    else if (sequences.element_type() == ffi::DataType::F64)
        dtype = LINREC_F64;
    else if (sequences.element_type() == ffi::DataType::F16)
        dtype = LINREC_F16;
    else if (sequences.element_type() == ffi::DataType::BF16)
        dtype = LINREC_BF16;
    else if (sequences.element_type() == ffi::DataType::C64)
        dtype = LINREC_C64;
    else if (sequences.element_type() == ffi::DataType::C128)
        dtype = LINREC_C128;
    else
        return ffi::Error(ffi::ErrorCode::kUnimplemented,
                          "linrec: only float16, bfloat16, float32, float64, complex64 and "
                          "complex128 arrays are scanned");
    const size_t steps = static_cast<size_t>(dims[axis]);
    if (channels == 1)
        *p = {dtype, LINREC_LAYOUT_BCT, 1, steps, batch, static_cast<unsigned>(flags)};
    else
        *p = {dtype, LINREC_LAYOUT_BTC, batch, steps, channels, static_cast<unsigned>(flags)};
    return ffi::Error::Success();
}

linrec_context *context_at(int64_t address)
{
    return reinterpret_cast<linrec_context *>(static_cast<uintptr_t>(address));
}

ffi::Error scan(ffi::AnyBuffer a, ffi::AnyBuffer x, ffi::AnyBuffer h0,
                ffi::Result<ffi::AnyBuffer> h, int64_t context, int64_t axis_from_end,
                int64_t flags)
{
    linrec_problem p;
    ffi::Error error = problem_of(a, axis_from_end, flags, &p);
    if (error.failure())
        return error;
    return failure(linrec_scan(context_at(context), &p, a.untyped_data(), x.untyped_data(),
                               h0.untyped_data(), h->untyped_data()));
}

ffi::Error scan_backward(ffi::AnyBuffer a, ffi::AnyBuffer h0, ffi::AnyBuffer h, ffi::AnyBuffer dh,
                         ffi::Result<ffi::AnyBuffer> dx, ffi::Result<ffi::AnyBuffer> da,
                         ffi::Result<ffi::AnyBuffer> dh0, int64_t context, int64_t axis_from_end,
                         int64_t flags)
{
    linrec_problem p;
    ffi::Error error = problem_of(a, axis_from_end, flags, &p);
    if (error.failure())
        return error;
    if (p.steps == 0) {
        // The library leaves every output of an empty problem unwritten; the gradient at h0 of a
        // scan without steps is 0, and XLA's result buffers start undefined.
        if (dh0->size_bytes() > 0)
            std::memset(dh0->untyped_data(), 0, dh0->size_bytes());
        return ffi::Error::Success();
    }
    return failure(linrec_scan_backward(
        context_at(context), &p, a.untyped_data(), h0.untyped_data(), h.untyped_data(),
        dh.untyped_data(), dx->untyped_data(), da->untyped_data(), dh0->untyped_data()));
}

} // namespace

// clang-format off
XLA_FFI_DEFINE_HANDLER_SYMBOL(linrec_jax_scan, scan,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()
                                  .Arg<ffi::AnyBuffer>()
                                  .Arg<ffi::AnyBuffer>()
                                  .Ret<ffi::AnyBuffer>()
                                  .Attr<int64_t>("context")
                                  .Attr<int64_t>("axis_from_end")
                                  .Attr<int64_t>("flags"));

XLA_FFI_DEFINE_HANDLER_SYMBOL(linrec_jax_scan_backward, scan_backward,
                              ffi::Ffi::Bind()
                                  .Arg<ffi::AnyBuffer>()
                                  .Arg<ffi::AnyBuffer>()
                                  .Arg<ffi::AnyBuffer>()
                                  .Arg<ffi::AnyBuffer>()
                                  .Ret<ffi::AnyBuffer>()
                                  .Ret<ffi::AnyBuffer>()
                                  .Ret<ffi::AnyBuffer>()
                                  .Attr<int64_t>("context")
                                  .Attr<int64_t>("axis_from_end")
                                  .Attr<int64_t>("flags"));
// clang-format on
