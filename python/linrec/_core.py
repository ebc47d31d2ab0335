"""numpy arrays onto linrec problems, and the contexts they run on.

A C-contiguous array of shape S scanned along axis k is the library's BTC layout with
B = prod(S[:k]), T = S[k] and C = prod(S[k+1:]), so it is passed without a copy; h0 has shape
S without axis k, which is [B][C] in C order. Any other array is copied once into C order.
"""

import math
import os
import threading
from typing import List, Optional, Tuple

import numpy as np
from numpy.typing import ArrayLike

from . import _errors
from . import _native

# linrec_dtype and linrec_layout values (include/linrec/linrec.h). bfloat16 is ml_dtypes' (which
# JAX brings), where it is installed.
_DTYPES = {np.dtype(np.float32): 0, np.dtype(np.float64): 1, np.dtype(np.float16): 2,
           np.dtype(np.complex64): 4, np.dtype(np.complex128): 5}
try:
    import ml_dtypes

    _DTYPES[np.dtype(ml_dtypes.bfloat16)] = 3
except ImportError:
    pass
_LAYOUT_BTC = 1
_LAYOUT_BCT = 2
_REVERSE = 1

_contexts = {}
_contexts_lock = threading.Lock()


def context(backend: Optional[str] = None) -> "_native.Context":
    """The context for `backend` ("serial", "openmp", "opencl", "cuda", optionally ":N", or
    "auto"); None reads LINREC_BACKEND now, else "auto". Created once per name and reused."""
    name = backend if backend is not None else (os.environ.get("LINREC_BACKEND") or "auto")
    found = _contexts.get(name)
    if found is not None:
        return found
    with _contexts_lock:
        found = _contexts.get(name)
        if found is None:
            found = _contexts[name] = _native.Context(name)
        return found


def _dtype_of(*arrays):
    """The one floating dtype a call runs in: numpy's common type of its arrays, with integers
    and booleans taken as float64."""
    dtype = np.result_type(*[array if isinstance(array, np.ndarray) else np.asarray(array)
                             for array in arrays if array is not None])
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype not in _DTYPES:
        raise _errors.UnsupportedError(
            f"linrec scans float16, bfloat16, float32, float64, complex64 and complex128 arrays; "
            f"{dtype} is not supported yet")
    return dtype


def _as_c_array(array, dtype):
    return np.asarray(array, dtype=dtype, order="C")  # keeps 0-d arrays 0-d


def normalized_axis(axis, ndim):
    if ndim == 0:
        raise _errors.InvalidArgumentError("linrec scans arrays of at least one dimension")
    if not -ndim <= axis < ndim:
        raise _errors.InvalidArgumentError(
            f"axis {axis} is out of range for an array of {ndim} dimensions")
    return axis % ndim


def _problem(shape, axis, dtype, reverse):
    """(dtype, layout, batch, steps, channels, flags) of a C-contiguous array of `shape`."""
    batch = math.prod(shape[:axis])
    channels = math.prod(shape[axis + 1:])
    steps = shape[axis]
    flags = _REVERSE if reverse else 0
    if channels == 1:
        # Time innermost: the same memory as BTC, named as the layout whose sequences it holds.
        return (_DTYPES[dtype], _LAYOUT_BCT, 1, steps, batch, flags)
    return (_DTYPES[dtype], _LAYOUT_BTC, batch, steps, channels, flags)


def check_same_shape(name, shape, a_shape):
    """InvalidArgumentError unless array `name` has a's shape (numpy, torch and JAX alike)."""
    if tuple(shape) != tuple(a_shape):
        raise _errors.InvalidArgumentError(
            f"{name} has shape {tuple(shape)}; it must match a's {tuple(a_shape)} "
            "(no broadcasting)")


def state_shape(shape, axis):
    """The shape of h0 and dh0: the arrays' `shape` without `axis`."""
    return tuple(shape[:axis]) + tuple(shape[axis + 1:])


def check_state_shape(h0_shape, shape, axis):
    """InvalidArgumentError unless h0's shape is state_shape(shape, axis)."""
    expected = state_shape(shape, axis)
    if tuple(h0_shape) != expected:
        raise _errors.InvalidArgumentError(
            f"h0 has shape {tuple(h0_shape)}; it must be the arrays' shape without axis {axis}, "
            f"{expected}")


def _state_array(h0, shape, axis, dtype):
    """h0 as a C-contiguous array of `shape` without `axis`, or None."""
    if h0 is None:
        return None
    h0 = _as_c_array(h0, dtype)
    check_state_shape(h0.shape, shape, axis)
    return h0


def _output(out, shape, dtype):
    """`out` when it can take the result as it is (C-contiguous, writable, of the shape and
    dtype), else InvalidArgumentError; a new array when `out` is None."""
    if out is None:
        return np.empty(shape, dtype)
    if not isinstance(out, np.ndarray) or out.shape != shape or out.dtype != dtype:
        raise _errors.InvalidArgumentError(
            f"out must be a numpy array of shape {shape} and dtype {dtype}")
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise _errors.InvalidArgumentError("out must be C-contiguous and writable")
    return out


def scan(a: ArrayLike, x: ArrayLike, h0: Optional[ArrayLike] = None, *, axis: int = -1,
         reverse: bool = False, backend: Optional[str] = None,
         out: Optional[np.ndarray] = None) -> np.ndarray:
    """h[t] = a[t] * h[t-1] + x[t] along `axis`, with h[-1] = h0 (zeros when None).

    a and x have the same shape; h0 has that shape without `axis`. With reverse=True the scan runs
    from the last step to the first (h[t] = a[t] * h[t+1] + x[t], h0 entering at the last step).
    The result has the arrays' common dtype (float16, bfloat16 from ml_dtypes, float32, float64,
    complex64 or complex128; integers become float64). The half types compute in float32 and round
    each output once; the complex ones multiply as complex numbers.
    `backend` names a backend as LINREC_BACKEND does (None: that variable, else "auto").
    `out`, a C-contiguous array of the result's shape and dtype, receives the result instead of a
    new array (it may be x itself: the scan then runs in place) and is returned.
    Raises linrec.Error (a subclass per status) with the library's sentence on failure."""
    dtype = _dtype_of(a, x, h0)
    a = _as_c_array(a, dtype)
    x = _as_c_array(x, dtype)
    check_same_shape("x", x.shape, a.shape)
    axis = normalized_axis(axis, a.ndim)
    h0 = _state_array(h0, a.shape, axis, dtype)
    h = _output(out, a.shape, dtype)
    context(backend).scan(_problem(a.shape, axis, dtype, reverse), a, x, h0, h)
    return h


def scan_backward(a: ArrayLike, h: ArrayLike, dh: ArrayLike, h0: Optional[ArrayLike] = None, *,
                  axis: int = -1, reverse: bool = False,
                  backend: Optional[str] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients through h = scan(a, x, h0, axis=axis, reverse=reverse) given dh = dL/dh.

    Returns (dx, da, dh0): dL/dx and dL/da with the arrays' shape, and dL/dh0 with the shape
    without `axis` (returned also when h0 is None, as the gradient at a zero initial state).
    h is the forward result. For complex arrays these are PyTorch's gradients of a real loss,
    dL/dRe + i dL/dIm (dx[t] = dh[t] + conj(a[t+1]) dx[t+1], da[t] = dx[t] conj(h[t-1]))."""
    dtype = _dtype_of(a, h, dh, h0)
    a = _as_c_array(a, dtype)
    h = _as_c_array(h, dtype)
    dh = _as_c_array(dh, dtype)
    check_same_shape("h", h.shape, a.shape)
    check_same_shape("dh", dh.shape, a.shape)
    axis = normalized_axis(axis, a.ndim)
    h0 = _state_array(h0, a.shape, axis, dtype)
    dx = np.empty_like(dh)
    da = np.empty_like(dh)
    # Zeros, not empty: a problem without steps is a no-op that leaves dh0 unwritten, and the
    # gradient at h0 of an empty scan is 0.
    dh0 = np.zeros(state_shape(a.shape, axis), dtype)
    context(backend).scan_backward(_problem(a.shape, axis, dtype, reverse), a, h0, h, dh, dx, da,
                                   dh0)
    return dx, da, dh0


def backends() -> List[Tuple[str, bool, str]]:
    """Every backend this build knows, in auto's order, as (name, available, device or reason):
    the device a context there runs on, or the sentence saying why it cannot be used here."""
    found = []
    for name in _native.backend_names():
        status, reason = _native.probe(name)
        if status != 0:
            found.append((name, False, reason))
            continue
        try:
            found.append((name, True, context(name).device))
        except _errors.Error as error:
            found.append((name, False, str(error)))
    return found
