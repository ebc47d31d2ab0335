"""linrec.scan and linrec.scan_backward on complex64 and complex128 numpy arrays: against a
complex128 numpy loop, and PyTorch's gradient convention checked by central differences of a real
loss, on every backend available."""

import numpy as np
import pytest

import linrec
from helpers import (AVAILABLE_BACKENDS, numerical_gradient, random_problem,
                     scan_backward_reference, scan_reference, shape_axis, state_shape, tolerance)

DTYPES = [np.complex64, np.complex128]
# Every backend has complex kernels (README's dtype table).
SERVING = AVAILABLE_BACKENDS
SHAPE_AXES = [shape_axis((7,), 0), shape_axis((3, 6), 1), shape_axis((4, 3), 0),
              shape_axis((2, 5, 3), 1), shape_axis((2, 3, 4, 2), 2)]


@pytest.mark.parametrize("backend", SERVING)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("with_h0", [False, True], ids=["no_h0", "h0"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("shape, axis", SHAPE_AXES)
def test_scan_matches_reference(backend, rng, shape, axis, reverse, with_h0, dtype):
    a, x, h0 = random_problem(rng, shape, axis, dtype, with_h0)
    h = linrec.scan(a, x, h0, axis=axis, reverse=reverse, backend=backend)
    assert h.shape == shape and h.dtype == dtype
    np.testing.assert_allclose(h, scan_reference(a, x, h0, axis, reverse), **tolerance(dtype))


@pytest.mark.parametrize("backend", SERVING)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("shape, axis", SHAPE_AXES)
def test_scan_backward_matches_reference(backend, rng, shape, axis, reverse, dtype):
    a, x, h0 = random_problem(rng, shape, axis, dtype)
    h = linrec.scan(a, x, h0, axis=axis, reverse=reverse, backend=backend)
    dh = random_problem(rng, shape, axis, dtype)[1]
    dx, da, dh0 = linrec.scan_backward(a, h, dh, h0, axis=axis, reverse=reverse, backend=backend)
    assert dx.dtype == da.dtype == dh0.dtype == dtype
    assert dh0.shape == state_shape(shape, axis)
    expected = scan_backward_reference(a, h, dh, h0, axis, reverse)
    for got, want in zip((dx, da, dh0), expected):
        np.testing.assert_allclose(got, want, **tolerance(dtype))


@pytest.mark.parametrize("backend", SERVING)
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_gradient_matches_central_differences_of_a_real_loss(backend, rng, reverse):
    shape, axis = (2, 4, 3), 1
    a, x, h0 = random_problem(rng, shape, axis, np.complex128)
    w = random_problem(rng, shape, axis, np.complex128)[1]

    def loss():
        h = linrec.scan(a, x, h0, axis=axis, reverse=reverse, backend=backend)
        return np.sum(np.real(np.conj(w) * h))

    h = linrec.scan(a, x, h0, axis=axis, reverse=reverse, backend=backend)
    dx, da, dh0 = linrec.scan_backward(a, h, w, h0, axis=axis, reverse=reverse, backend=backend)
    for analytic, array in ((dx, x), (da, a), (dh0, h0)):
        np.testing.assert_allclose(analytic, numerical_gradient(loss, array), rtol=1e-6,
                                   atol=1e-8)


def test_real_and_complex_arrays_give_a_complex_result(rng):
    a, x, h0 = random_problem(rng, (3, 5), 1, np.complex64)
    h = linrec.scan(np.abs(a).astype(np.float32), x, h0, backend="serial")
    assert h.dtype == np.complex64
    np.testing.assert_allclose(h, scan_reference(np.abs(a), x, h0), **tolerance(np.complex64))
