"""Shared test helpers: float64 numpy references of the scan and its gradients, random problems,
tolerances and the backends usable here. Imported by the test modules (pytest puts this folder,
not the package source, on sys.path)."""

import numpy as np
import pytest

import linrec

# The backends this machine can run (serial, openmp and opencl here; cuda has no driver).
AVAILABLE_BACKENDS = [name for name, available, _ in linrec.backends() if available]



def shape_axis(shape, axis):
    """A (shape, axis) parameter named like "2x5x3-axis1"."""
    return pytest.param(shape, axis, id="x".join(map(str, shape)) + f"-axis{axis}")


# Small shapes of 1 to 4 dimensions, and every (shape, axis) pair of them.
SHAPES = [(5,), (3, 6), (2, 5, 3), (2, 3, 4, 2)]
SHAPE_AXES = [shape_axis(shape, axis) for shape in SHAPES for axis in range(len(shape))]


def tolerance(dtype):
    """assert_allclose keywords for results computed in `dtype` against a float64 reference."""
    if np.dtype(dtype) in (np.float64, np.complex128):
        return {"rtol": 1e-12, "atol": 1e-12}
    return {"rtol": 1e-5, "atol": 1e-5}


def state_shape(shape, axis):
    """The shape of h0 (and dh0): the arrays' shape without `axis`."""
    axis %= len(shape)
    return tuple(shape[:axis]) + tuple(shape[axis + 1:])


def _normal(rng, shape, dtype):
    """Standard normal values of `dtype`; a complex one's parts are each standard normal."""
    values = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        values = values + 1j * rng.standard_normal(shape)
    return values.astype(dtype)


def random_problem(rng, shape, axis=-1, dtype=np.float64, with_h0=True):
    """(a, x, h0) of `shape` and `dtype`: |a| < 0.95 keeps the recurrence tame (a complex a at a
    uniform phase); h0 is None unless `with_h0`."""
    a = rng.uniform(-0.95, 0.95, shape)
    if np.issubdtype(dtype, np.complexfloating):
        a = a * np.exp(1j * rng.uniform(-np.pi, np.pi, shape))
    a = a.astype(dtype)
    x = _normal(rng, shape, dtype)
    h0 = _normal(rng, state_shape(shape, axis), dtype) if with_h0 else None
    return a, x, h0


def _wide(*arrays):
    """The reference's type: complex128 when any array is complex, else float64."""
    complex_ = any(array is not None and np.iscomplexobj(array) for array in arrays)
    return np.complex128 if complex_ else np.float64


def _time_first(array, axis, reverse, dtype=np.float64):
    """`array` in `dtype` with `axis` moved to the front, flipped there when `reverse`."""
    moved = np.moveaxis(np.asarray(array, dtype=dtype), axis, 0)
    return moved[::-1] if reverse else moved


def _time_back(array, axis, reverse):
    return np.moveaxis(array[::-1] if reverse else array, 0, axis)


def scan_reference(a, x, h0=None, axis=-1, reverse=False):
    """h[t] = a[t] * h[t-1] + x[t] along `axis` by a float64 loop (reverse: from the last step,
    h0 entering there); in complex128 when any input is complex."""
    wide = _wide(a, x, h0)
    a_t, x_t = _time_first(a, axis, reverse, wide), _time_first(x, axis, reverse, wide)
    state = np.zeros(a_t.shape[1:], wide) if h0 is None else np.asarray(h0, dtype=wide)
    h_t = np.empty_like(x_t)
    for t in range(a_t.shape[0]):
        state = a_t[t] * state + x_t[t]
        h_t[t] = state
    return _time_back(h_t, axis, reverse)


def scan_backward_reference(a, h, dh, h0=None, axis=-1, reverse=False):
    """(dx, da, dh0) of the scan by the gradient formulas, in float64 (complex128 for complex
    inputs, PyTorch's convention): in scan order dx[t] = dh[t] + conj(a[t+1]) * dx[t+1],
    da[t] = dx[t] * conj(h[t-1]) (h[-1] = h0, or 0) and dh0 = conj(a[0]) * dx[0]; dh0 is 0 when
    there are no steps."""
    wide = _wide(a, h, dh, h0)
    a_t, h_t, dh_t = (_time_first(array, axis, reverse, wide) for array in (a, h, dh))
    a_t = np.conj(a_t)
    steps = a_t.shape[0]
    state = np.zeros(a_t.shape[1:], wide) if h0 is None else np.asarray(h0, dtype=wide)
    dx_t = np.empty_like(dh_t)
    carry = np.zeros(a_t.shape[1:], wide)
    for t in reversed(range(steps)):
        carry = dh_t[t] + (a_t[t + 1] * carry if t + 1 < steps else 0.0)
        dx_t[t] = carry
    previous = np.concatenate([state[np.newaxis], h_t[:-1]]) if steps else h_t
    da_t = dx_t * np.conj(previous)
    dh0 = a_t[0] * dx_t[0] if steps else np.zeros(a_t.shape[1:], wide)
    return _time_back(dx_t, axis, reverse), _time_back(da_t, axis, reverse), dh0


def numerical_gradient(loss, array, eps=1e-6):
    """Central differences of loss() with respect to every element of `array` (changed in place
    and restored); for a complex array dL/dRe + i dL/dIm, each part moved on its own."""
    parts = (1, 1j) if np.iscomplexobj(array) else (1,)
    gradient = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        for part in parts:
            array[index] = saved + eps * part
            up = loss()
            array[index] = saved - eps * part
            down = loss()
            array[index] = saved
            gradient[index] += part * (up - down) / (2 * eps)
    return gradient
