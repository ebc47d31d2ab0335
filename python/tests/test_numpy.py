"""linrec.scan and linrec.scan_backward on numpy arrays, against float64 references."""

import numpy as np
import pytest

import linrec
from helpers import (SHAPE_AXES, numerical_gradient, random_problem, scan_backward_reference,
                     scan_reference, shape_axis, state_shape, tolerance)

DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("with_h0", [False, True], ids=["no_h0", "h0"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("shape, axis", SHAPE_AXES)
def test_scan_matches_reference(backend, rng, shape, axis, reverse, with_h0, dtype):
    a, x, h0 = random_problem(rng, shape, axis, dtype, with_h0)
    h = linrec.scan(a, x, h0, axis=axis, reverse=reverse, backend=backend)
    assert h.shape == shape and h.dtype == dtype
    np.testing.assert_allclose(h, scan_reference(a, x, h0, axis, reverse), **tolerance(dtype))


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_negative_and_positive_axis_agree(rng, axis):
    a, x, h0 = random_problem(rng, (4, 7), axis)
    h = linrec.scan(a, x, h0, axis=axis)
    np.testing.assert_allclose(h, scan_reference(a, x, h0, axis), **tolerance(np.float64))


def test_default_axis_is_last(rng):
    a, x, h0 = random_problem(rng, (3, 4, 6), -1)
    np.testing.assert_array_equal(linrec.scan(a, x, h0), linrec.scan(a, x, h0, axis=2))


def test_transposed_view_gives_same_result(backend, rng):
    a, x, h0 = random_problem(rng, (6, 4), axis=0)
    a_view, x_view = a.T, x.T  # shape (4, 6), Fortran-ordered views
    assert not a_view.flags.c_contiguous
    h = linrec.scan(a_view, x_view, h0, axis=1, backend=backend)
    expected = linrec.scan(np.ascontiguousarray(a_view), np.ascontiguousarray(x_view), h0, axis=1,
                           backend=backend)
    np.testing.assert_array_equal(h, expected)
    np.testing.assert_allclose(h, scan_reference(a_view, x_view, h0, 1), **tolerance(np.float64))


def test_strided_slice_gives_same_result(backend, rng):
    a, x, _ = random_problem(rng, (5, 12, 3), with_h0=False)
    a_view, x_view = a[::2, ::-3, 1:], x[::2, ::-3, 1:]  # shape (3, 4, 2)
    h0 = rng.standard_normal((6, 2))[::2]  # a strided h0 too
    assert not a_view.flags.c_contiguous and not h0.flags.c_contiguous
    h = linrec.scan(a_view, x_view, h0, axis=1, backend=backend)
    expected = linrec.scan(a_view.copy(), x_view.copy(), h0.copy(), axis=1, backend=backend)
    np.testing.assert_array_equal(h, expected)
    np.testing.assert_allclose(h, scan_reference(a_view, x_view, h0, 1), **tolerance(np.float64))


def test_inputs_are_not_modified(rng):
    a, x, h0 = random_problem(rng, (3, 5), axis=1)
    copies = [a.copy(), x.copy(), h0.copy()]
    linrec.scan(a, x, h0)
    for original, copy in zip((a, x, h0), copies):
        np.testing.assert_array_equal(original, copy)


def test_integer_and_list_inputs_become_float64(backend):
    a = [[1, 2, 0], [0, 1, 1]]
    x = np.array([[1, 1, 1], [2, 3, 4]], dtype=np.int32)
    h = linrec.scan(a, x, [1, 0], backend=backend)
    assert h.dtype == np.float64
    np.testing.assert_array_equal(h, [[2, 5, 1], [2, 5, 9]])


@pytest.mark.parametrize("a_dtype, x_dtype, h0_dtype, expected", [
    (np.float32, np.float32, None, np.float32),
    (np.float64, np.float64, None, np.float64),
    (np.float32, np.float32, np.float32, np.float32),
    (np.float32, np.float64, None, np.float64),
    (np.float32, np.float32, np.float64, np.float64),
    (np.int64, np.float32, None, np.float64),
    (np.bool_, np.int16, None, np.float64),
])
def test_result_dtype_is_common_floating_type(a_dtype, x_dtype, h0_dtype, expected):
    a, x = np.ones((2, 3), a_dtype), np.ones((2, 3), x_dtype)
    h0 = None if h0_dtype is None else np.zeros(2, h0_dtype)
    assert linrec.scan(a, x, h0).dtype == expected
    dx, da, dh0 = linrec.scan_backward(a, x, x, h0)
    assert dx.dtype == da.dtype == dh0.dtype == expected


@pytest.mark.parametrize("shape, axis", [
    shape_axis((3, 0), 1),     # no steps
    shape_axis((2, 0, 3), 1),  # no steps, with channels
    shape_axis((0, 4), 1),     # no batch
    shape_axis((3, 0), 0),     # no channels
    shape_axis((0, 2, 3), 2),  # no batch, 3-D
])
def test_zero_size_arrays(backend, shape, axis):
    a = np.ones(shape)
    h0 = np.full(state_shape(shape, axis), 7.0)
    h = linrec.scan(a, a, h0, axis=axis, backend=backend)
    assert h.shape == shape and h.dtype == np.float64
    dx, da, dh0 = linrec.scan_backward(a, h, a, h0, axis=axis, backend=backend)
    assert dx.shape == da.shape == shape
    assert dh0.shape == h0.shape


def test_zero_size_one_dimensional_array(backend):
    h = linrec.scan(np.ones(0, np.float32), np.ones(0, np.float32), backend=backend)
    assert h.shape == (0,) and h.dtype == np.float32


@pytest.mark.parametrize("shape, axis", [shape_axis((3, 0), 1), shape_axis((2, 0, 3), 1)])
def test_scan_backward_without_steps_gives_zero_dh0(backend, shape, axis):
    # With no steps h does not depend on h0, so dL/dh0 is 0 (not whatever memory held).
    a = np.ones(shape)
    h0 = np.full(state_shape(shape, axis), 7.0)
    _, _, dh0 = linrec.scan_backward(a, a, a, h0, axis=axis, backend=backend)
    np.testing.assert_array_equal(dh0, np.zeros(h0.shape))


def test_h0_of_one_dimensional_arrays_is_a_scalar(backend):
    # For 1-D arrays the state has shape (), so h0 is a 0-d array (or a Python number).
    a, x = np.full(3, 0.5), np.array([1.0, 2.0, 3.0])
    expected = [1.0 + 0.5 * 4.0, 2.0 + 0.5 * 3.0, 3.0 + 0.5 * 3.5]
    np.testing.assert_allclose(linrec.scan(a, x, np.array(4.0), backend=backend), expected)
    np.testing.assert_allclose(linrec.scan(a, x, 4.0, backend=backend), expected)


def test_out_receives_the_result_and_is_returned(backend, rng):
    a, x, h0 = random_problem(rng, (3, 7, 2), axis=1)
    out = np.full_like(x, np.nan)
    returned = linrec.scan(a, x, h0, axis=1, backend=backend, out=out)
    assert returned is out
    np.testing.assert_allclose(out, scan_reference(a, x, h0, axis=1), **tolerance(np.float64))


def test_out_may_be_x_for_a_scan_in_place(backend, rng):
    a, x, _ = random_problem(rng, (4, 9), with_h0=False)
    want = scan_reference(a, x)
    assert linrec.scan(a, x, backend=backend, out=x) is x
    np.testing.assert_allclose(x, want, **tolerance(np.float64))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("with_h0", [False, True], ids=["no_h0", "h0"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("shape, axis", [shape_axis((7,), 0), shape_axis((3, 6), 1),
                                         shape_axis((4, 3), 0), shape_axis((2, 5, 3), 1),
                                         shape_axis((2, 3, 4, 2), 2)])
def test_scan_backward_matches_reference(backend, rng, shape, axis, reverse, with_h0, dtype):
    a, x, h0 = random_problem(rng, shape, axis, dtype, with_h0)
    h = linrec.scan(a, x, h0, axis=axis, reverse=reverse, backend=backend)
    dh = rng.standard_normal(shape).astype(dtype)
    dx, da, dh0 = linrec.scan_backward(a, h, dh, h0, axis=axis, reverse=reverse, backend=backend)
    assert dx.dtype == da.dtype == dh0.dtype == dtype
    assert dh0.shape == state_shape(shape, axis)
    expected = scan_backward_reference(a, h, dh, h0, axis, reverse)
    for got, want in zip((dx, da, dh0), expected):
        np.testing.assert_allclose(got, want, **tolerance(dtype))


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_scan_backward_matches_finite_differences(backend, rng, reverse):
    shape, axis = (2, 4, 3), 1
    a, x, h0 = random_problem(rng, shape, axis)
    w = rng.standard_normal(shape)

    def loss():
        return np.sum(w * linrec.scan(a, x, h0, axis=axis, reverse=reverse, backend=backend))

    h = linrec.scan(a, x, h0, axis=axis, reverse=reverse, backend=backend)
    dx, da, dh0 = linrec.scan_backward(a, h, w, h0, axis=axis, reverse=reverse, backend=backend)
    for analytic, array in ((dx, x), (da, a), (dh0, h0)):
        np.testing.assert_allclose(analytic, numerical_gradient(loss, array), rtol=1e-6,
                                   atol=1e-8)


def test_scan_backward_without_h0_is_gradient_at_zero_state(rng):
    a, x, _ = random_problem(rng, (3, 5), with_h0=False)
    h = linrec.scan(a, x)
    dh = rng.standard_normal((3, 5))
    got = linrec.scan_backward(a, h, dh)
    want = linrec.scan_backward(a, h, dh, np.zeros(3))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_scan_matches_jax_associative_scan(jax_x64, backend, rng, reverse):
    jnp, lax = jax_x64.numpy, jax_x64.lax
    a, x, h0 = random_problem(rng, (3, 8), axis=1)
    # h0 folds into the first scanned step: h[first] = a[first] * h0 + x[first].
    first = -1 if reverse else 0
    x_with_h0 = x.copy()
    x_with_h0[:, first] += a[:, first] * h0

    def combine(earlier, later):
        a_earlier, x_earlier = earlier
        a_later, x_later = later
        return a_earlier * a_later, a_later * x_earlier + x_later

    _, expected = lax.associative_scan(combine, (jnp.asarray(a), jnp.asarray(x_with_h0)),
                                       reverse=reverse, axis=1)
    assert expected.dtype == jnp.float64
    h = linrec.scan(a, x, h0, axis=1, reverse=reverse, backend=backend)
    np.testing.assert_allclose(h, np.asarray(expected), rtol=1e-12, atol=1e-12)
