"""linrec for JAX: a differentiable scan that works under jax.jit, jax.grad and jax.vmap.

The scan is an XLA FFI custom call (handlers in liblinrec_jax, python/native/jax_ffi.cc) on JAX's
CPU platform, with a custom_vjp whose backward pass is the library's. jax.vmap prepends its axis
to every operand (vmap_method="broadcast_all"), which the handler folds into the batch. Arrays on
a GPU need the library to scan the caller's own device memory, which it cannot do yet: JAX then
reports that linrec_scan has no implementation for that platform.

Complex arrays follow JAX's convention for gradients (a VJP is the transpose of the linearized
map, with no conjugation: jax.grad of a real loss is dL/dRe - i dL/dIm), the conjugate of
PyTorch's, which the library computes: the backward pass conjugates the cotangent going in and
the gradients coming out, which is exact.
"""

import ctypes
import functools
import os
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np

from . import _core
from . import _errors

__all__ = ["scan"]

_LIBRARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", "liblinrec_jax.so")


def _register_handlers():
    try:
        library = ctypes.cdll.LoadLibrary(_LIBRARY)
    except OSError as error:
        raise ImportError(f"linrec.jax needs {_LIBRARY}, built when jaxlib's headers are found "
                          f"at install time: {error}") from error
    for name in ("linrec_jax_scan", "linrec_jax_scan_backward"):
        jax.ffi.register_ffi_target(name, jax.ffi.pycapsule(getattr(library, name)),
                                    platform="cpu")


_register_handlers()


def _attributes(axis_from_end, reverse, backend):
    """The handlers' attributes: the context to run on (backend, else LINREC_BACKEND, else
    openmp, as for host arrays), the scanned axis counted from the end, and the flags."""
    name = backend or os.environ.get("LINREC_BACKEND") or "openmp"
    return {"context": np.int64(_core.context(name).address),
            "axis_from_end": np.int64(axis_from_end),
            "flags": np.int64(1 if reverse else 0)}


@functools.partial(jax.custom_vjp, nondiff_argnums=(3, 4, 5))
def _scan(a, x, h0, axis_from_end, reverse, backend):
    # h takes x's buffer, as the library allows: XLA then scans in place wherever x dies here (an
    # intermediate of a jitted function, or a donated argument), with no output to allocate.
    call = jax.ffi.ffi_call("linrec_jax_scan", jax.ShapeDtypeStruct(x.shape, x.dtype),
                            vmap_method="broadcast_all", input_output_aliases={1: 0})
    return call(a, x, h0, **_attributes(axis_from_end, reverse, backend))


def _scan_forward(a, x, h0, axis_from_end, reverse, backend):
    h = _scan(a, x, h0, axis_from_end, reverse, backend)
    return h, (a, h0, h)


def _scan_backward(axis_from_end, reverse, backend, saved, dh):
    a, h0, h = saved
    sequences = jax.ShapeDtypeStruct(a.shape, a.dtype)
    call = jax.ffi.ffi_call("linrec_jax_scan_backward",
                            (sequences, sequences, jax.ShapeDtypeStruct(h0.shape, h0.dtype)),
                            vmap_method="broadcast_all", input_output_aliases={3: 0})
    complex_type = jnp.issubdtype(a.dtype, jnp.complexfloating)
    conjugate = jnp.conj if complex_type else (lambda value: value)
    dx, da, dh0 = call(a, h0, h, conjugate(dh.astype(a.dtype)),
                       **_attributes(axis_from_end, reverse, backend))
    return conjugate(da), conjugate(dx), conjugate(dh0)


_scan.defvjp(_scan_forward, _scan_backward)


def scan(a: jax.typing.ArrayLike, x: jax.typing.ArrayLike,
         h0: Optional[jax.typing.ArrayLike] = None, *, axis: int = -1, reverse: bool = False,
         backend: Optional[str] = None) -> jax.Array:
    """h[t] = a[t] * h[t-1] + x[t] along `axis`, differentiable in a, x and h0.

    a and x have the same shape; h0 has that shape without `axis` (zeros when None). The dtype is
    the arrays' common one (float16, bfloat16, float32, float64, complex64 or complex128; integers
    become JAX's default float type); the half types compute in float32 and round each output
    once, the complex ones multiply as complex numbers, with JAX's gradient convention.
    reverse=True runs from the last step to the first. Runs on JAX's CPU platform on `backend`,
    else LINREC_BACKEND, else openmp."""
    dtype = jnp.result_type(a, x, *([] if h0 is None else [h0]))
    if jnp.issubdtype(dtype, jnp.integer) or jnp.issubdtype(dtype, jnp.bool_):
        dtype = jax.dtypes.canonicalize_dtype(jnp.float64)  # as numpy's path, in JAX's precision
    if dtype not in (jnp.float16, jnp.bfloat16, jnp.float32, jnp.float64, jnp.complex64,
                     jnp.complex128):
        raise _errors.UnsupportedError(
            f"linrec.jax.scan supports float16, bfloat16, float32, float64, complex64 and "
            f"complex128 arrays, not {dtype}")
    a = jnp.asarray(a, dtype)
    x = jnp.asarray(x, dtype)
    _core.check_same_shape("x", x.shape, a.shape)
    axis = _core.normalized_axis(axis, a.ndim)
    if h0 is None:
        h0 = jnp.zeros(_core.state_shape(a.shape, axis), dtype)
    h0 = jnp.asarray(h0, dtype)
    _core.check_state_shape(h0.shape, a.shape, axis)
    return _scan(a, x, h0, a.ndim - axis, bool(reverse), backend)
