"""linrec.jax.scan against a jax.lax.scan reference: values, jit, grad, vmap and errors."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import linrec
import linrec.jax as linrec_jax
from helpers import random_problem, tolerance

SHAPE = (2, 5, 3)


def lax_scan_reference(a, x, h0=None, axis=-1, reverse=False):
    """h[t] = a[t] * h[t-1] + x[t] along `axis` by jax.lax.scan (reverse: from the last step)."""
    a_t, x_t = jnp.moveaxis(a, axis, 0), jnp.moveaxis(x, axis, 0)
    state = jnp.zeros(a_t.shape[1:], a_t.dtype) if h0 is None else h0

    def step(h, inputs):
        a_step, x_step = inputs
        h = a_step * h + x_step
        return h, h

    _, h_t = lax.scan(step, state, (a_t, x_t), reverse=reverse)
    return jnp.moveaxis(h_t, 0, axis)


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    """Each dtype in turn; float64 with jax_enable_x64 on for the test."""
    if request.param == np.float64:
        request.getfixturevalue("jax_x64")
    return request.param


def _gradient_tolerance(dtype):
    return {"rtol": 1e-10, "atol": 1e-10} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-5}


def _problem(rng, shape, axis, dtype, with_h0=True):
    return tuple(None if array is None else jnp.asarray(array)
                 for array in random_problem(rng, shape, axis, dtype, with_h0))


def _assert_close(got, want, **tol):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), **tol)


@pytest.mark.parametrize("with_h0", [False, True], ids=["no_h0", "h0"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_scan_matches_lax_scan(rng, dtype, axis, reverse, with_h0):
    a, x, h0 = _problem(rng, SHAPE, axis, dtype, with_h0)
    h = linrec_jax.scan(a, x, h0, axis=axis, reverse=reverse)
    assert h.dtype == dtype and h.shape == SHAPE
    _assert_close(h, lax_scan_reference(a, x, h0, axis, reverse), **tolerance(dtype))


def test_scan_on_each_backend(jax_x64, backend, rng):
    a, x, h0 = _problem(rng, (3, 7), 1, np.float64)
    _assert_close(linrec_jax.scan(a, x, h0, backend=backend), lax_scan_reference(a, x, h0),
                  **tolerance(np.float64))


def test_numpy_inputs(jax_x64, rng):
    a, x, h0 = random_problem(rng, (3, 4), axis=0)
    h = linrec_jax.scan(a, x, h0, axis=0)
    assert isinstance(h, jax.Array)
    np.testing.assert_allclose(np.asarray(h), linrec.scan(a, x, h0, axis=0), rtol=1e-12)


def test_h0_of_one_dimensional_array_is_a_scalar(jax_x64):
    h = linrec_jax.scan(jnp.full(3, 0.5), jnp.array([1.0, 2.0, 3.0]), 4.0)
    _assert_close(h, [3.0, 3.5, 4.75], rtol=1e-12)


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_scan_under_jit(rng, dtype, reverse):
    a, x, h0 = _problem(rng, SHAPE, 1, dtype)
    jitted = jax.jit(functools.partial(linrec_jax.scan, axis=1, reverse=reverse))
    _assert_close(jitted(a, x, h0), lax_scan_reference(a, x, h0, 1, reverse), **tolerance(dtype))
    _assert_close(jitted(a, x, h0), linrec_jax.scan(a, x, h0, axis=1, reverse=reverse),
                  rtol=0, atol=0)


def _loss(scan, weights, axis, reverse):
    """A scalar loss of scan(a, x, h0) with a nonlinearity, so that gradients are not trivial."""
    def loss(a, x, h0):
        return jnp.sum(weights * jnp.sin(scan(a, x, h0, axis=axis, reverse=reverse)))
    return loss


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_grad_matches_lax_scan(rng, dtype, axis, reverse):
    a, x, h0 = _problem(rng, SHAPE, axis, dtype)
    weights = jnp.asarray(rng.standard_normal(SHAPE).astype(dtype))
    got = jax.grad(_loss(linrec_jax.scan, weights, axis, reverse), argnums=(0, 1, 2))(a, x, h0)
    want = jax.grad(_loss(lax_scan_reference, weights, axis, reverse), argnums=(0, 1, 2))(a, x,
                                                                                         h0)
    for g, w in zip(got, want):
        assert g.dtype == dtype and g.shape == w.shape
        _assert_close(g, w, **_gradient_tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=["complex64", "complex128"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_complex_scan_and_grad_match_lax_scan(jax_x64, rng, reverse, dtype):
    """Values and jax.grad of a real loss in JAX's convention (the conjugate of PyTorch's, which
    the library computes), against jax.lax.scan's own."""
    a, x, h0 = _problem(rng, SHAPE, 1, dtype)
    h = linrec_jax.scan(a, x, h0, axis=1, reverse=reverse)
    assert h.dtype == dtype
    _assert_close(h, lax_scan_reference(a, x, h0, 1, reverse), **tolerance(dtype))
    weights = jnp.asarray(random_problem(rng, SHAPE, 1, dtype)[1])

    def loss(scan, a, x, h0):
        h = scan(a, x, h0, axis=1, reverse=reverse)
        return jnp.sum(jnp.real(weights * h) + jnp.abs(h) ** 2)

    got = jax.grad(functools.partial(loss, linrec_jax.scan), argnums=(0, 1, 2))(a, x, h0)
    want = jax.grad(functools.partial(loss, lax_scan_reference), argnums=(0, 1, 2))(a, x, h0)
    for g, w in zip(got, want):
        _assert_close(g, w, **(_gradient_tolerance(np.float64) if dtype == np.complex128 else
                               _gradient_tolerance(np.float32)))


def test_grad_without_h0(jax_x64, rng):
    a, x, _ = _problem(rng, SHAPE, 1, np.float64, with_h0=False)

    def loss(scan):
        return lambda a, x: jnp.sum(scan(a, x, axis=1) ** 2)

    got = jax.grad(loss(linrec_jax.scan), argnums=(0, 1))(a, x)
    want = jax.grad(loss(lax_scan_reference), argnums=(0, 1))(a, x)
    for g, w in zip(got, want):
        _assert_close(g, w, **_gradient_tolerance(np.float64))


def test_grad_under_jit(jax_x64, rng):
    a, x, h0 = _problem(rng, SHAPE, 2, np.float64)
    weights = jnp.ones(SHAPE)
    got = jax.jit(jax.grad(_loss(linrec_jax.scan, weights, 2, True), argnums=(0, 1, 2)))(a, x, h0)
    want = jax.grad(_loss(lax_scan_reference, weights, 2, True), argnums=(0, 1, 2))(a, x, h0)
    for g, w in zip(got, want):
        _assert_close(g, w, **_gradient_tolerance(np.float64))


def test_h0_gradient_without_steps_is_zero(jax_x64):
    a = jnp.ones((3, 0))
    dh0 = jax.grad(lambda h0: jnp.sum(linrec_jax.scan(a, a, h0, axis=1)))(jnp.full(3, 7.0))
    _assert_close(dh0, np.zeros(3), rtol=0, atol=0)


def _vmap_both(in_axes, a, x, h0, axis, reverse=False):
    """(linrec, reference) of jax.vmap(scan along `axis`) with `in_axes` for (a, x, h0)."""
    def mapped(scan):
        return jax.vmap(lambda a, x, h0: scan(a, x, h0, axis=axis, reverse=reverse),
                        in_axes=in_axes)(a, x, h0)
    return mapped(linrec_jax.scan), mapped(lax_scan_reference)


@pytest.mark.parametrize("h0_batched", [True, False], ids=["h0_batched", "h0_unbatched"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_vmap_over_leading_axis(rng, dtype, reverse, h0_batched):
    # 4 problems of shape (5, 3) scanned along their axis 0.
    a, x, _ = _problem(rng, (4, 5, 3), 1, dtype, with_h0=False)
    h0 = jnp.asarray(rng.standard_normal((4, 3) if h0_batched else (3,)).astype(dtype))
    got, want = _vmap_both((0, 0, 0 if h0_batched else None), a, x, h0, axis=0, reverse=reverse)
    assert got.shape == (4, 5, 3)
    _assert_close(got, want, **tolerance(dtype))


@pytest.mark.parametrize("h0_batched", [True, False], ids=["h0_batched", "h0_unbatched"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_vmap_over_non_leading_axis(rng, dtype, axis, h0_batched):
    # The mapped axis is axis 2 of (2, 5, 4, 3) arrays: problems of shape (2, 5, 3).
    a, x, _ = _problem(rng, (2, 5, 4, 3), 0, dtype, with_h0=False)
    problem_state = {0: (5, 3), 1: (2, 3), -1: (2, 5)}[axis]
    h0_shape = (problem_state[0], 4, problem_state[1]) if h0_batched else problem_state
    h0 = jnp.asarray(rng.standard_normal(h0_shape).astype(dtype))
    got, want = _vmap_both((2, 2, 1 if h0_batched else None), a, x, h0, axis=axis)
    assert got.shape == (4, 2, 5, 3)
    _assert_close(got, want, **tolerance(dtype))


def test_vmap_with_shared_a(rng, dtype):
    # One a for 4 x's (and no h0): only x carries the mapped axis.
    a, x, _ = _problem(rng, (4, 5, 3), 1, dtype, with_h0=False)
    shared_a = a[0]

    def mapped(scan):
        return jax.vmap(lambda a, x: scan(a, x, axis=0), in_axes=(None, 0))(shared_a, x)

    _assert_close(mapped(linrec_jax.scan), mapped(lax_scan_reference), **tolerance(dtype))


def test_nested_vmap(jax_x64, rng):
    a, x, h0 = _problem(rng, (3, 2, 6), 2, np.float64)

    def nested(scan):
        one = lambda a, x, h0: scan(a, x, h0)  # noqa: E731
        return jax.vmap(jax.vmap(one, in_axes=(0, 0, 0)), in_axes=(1, 1, 1))(a, x, h0)

    _assert_close(nested(linrec_jax.scan), nested(lax_scan_reference), **tolerance(np.float64))


@pytest.mark.parametrize("h0_batched", [True, False], ids=["h0_batched", "h0_unbatched"])
def test_vmap_of_grad_under_jit(rng, dtype, h0_batched):
    a, x, _ = _problem(rng, (4, 6, 2), 1, dtype, with_h0=False)
    h0 = jnp.asarray(rng.standard_normal((4, 2) if h0_batched else (2,)).astype(dtype))
    weights = jnp.asarray(rng.standard_normal((6, 2)).astype(dtype))
    in_axes = (0, 0, 0 if h0_batched else None)

    def per_example_grads(scan):
        grad = jax.grad(_loss(scan, weights, 0, False), argnums=(0, 1, 2))
        return jax.jit(jax.vmap(grad, in_axes=in_axes))(a, x, h0)

    got, want = per_example_grads(linrec_jax.scan), per_example_grads(lax_scan_reference)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        _assert_close(g, w, **_gradient_tolerance(dtype))
    assert got[2].shape == (4, 2)  # one h0 gradient per example, also for a shared h0


def test_mismatched_shapes():
    with pytest.raises(linrec.InvalidArgumentError) as caught:
        linrec_jax.scan(jnp.ones((2, 3)), jnp.ones((3, 2)))
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == "x has shape (3, 2); it must match a's (2, 3) (no broadcasting)"


def test_mismatched_shapes_under_jit():
    with pytest.raises(linrec.InvalidArgumentError, match="no broadcasting"):
        jax.jit(linrec_jax.scan)(jnp.ones((2, 3)), jnp.ones((2, 4)))


def test_h0_of_wrong_shape():
    with pytest.raises(linrec.InvalidArgumentError, match=r"^h0 has shape \(3,\).*\(2,\)$"):
        linrec_jax.scan(jnp.ones((2, 3)), jnp.ones((2, 3)), jnp.ones(3))


def test_axis_out_of_range():
    with pytest.raises(linrec.InvalidArgumentError,
                       match="^axis 3 is out of range for an array of 3 dimensions$"):
        linrec_jax.scan(jnp.ones(SHAPE), jnp.ones(SHAPE), axis=3)


def test_zero_dimensional_arrays_are_rejected():
    with pytest.raises(linrec.InvalidArgumentError, match="at least one dimension"):
        linrec_jax.scan(jnp.ones(()), jnp.ones(()))


@pytest.mark.parametrize("dtype_name", ["float8_e4m3fn"])
def test_unsupported_dtypes(dtype_name):
    ones = jnp.ones(3, dtype_name)
    with pytest.raises(linrec.UnsupportedError, match=f"not {dtype_name}$"):
        linrec_jax.scan(ones, ones)


def test_unknown_backend():
    with pytest.raises(linrec.BackendUnavailableError, match='"nosuch"'):
        linrec_jax.scan(jnp.ones(3), jnp.ones(3), backend="nosuch")
