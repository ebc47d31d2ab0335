"""The half dtypes through every entry point: numpy float16 and ml_dtypes' bfloat16, torch
float16, JAX float16 and bfloat16, against float64 references of the same (rounded) inputs. The
library computes in float32 and rounds each output once, so an output may differ from the
reference by half a unit in its last place (2^-11 of it for float16, 2^-8 for bfloat16) and
float32's own error."""

import ml_dtypes
import numpy as np
import pytest

import linrec
from helpers import scan_backward_reference, scan_reference

HALVES = [np.float16, ml_dtypes.bfloat16]
# Twice the one rounding's relative bound, and an absolute floor for float32's error.
RTOL = {np.dtype(np.float16): 2.0 ** -10, np.dtype(ml_dtypes.bfloat16): 2.0 ** -7}
ATOL = 1e-4


def half_problem(rng, dtype, shape=(3, 40, 5)):
    a = rng.uniform(0.5, 0.95, shape).astype(dtype)
    x = rng.uniform(-1, 1, shape).astype(dtype)
    h0 = rng.uniform(-1, 1, shape[:1] + shape[2:]).astype(dtype)
    return a, x, h0


def served(backend):
    """Whether `backend` has half kernels: every backend but cuda, which refuses them for now."""
    return not backend.startswith("cuda")


def close(got, want, dtype):
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=RTOL[np.dtype(dtype)],
                               atol=ATOL)


@pytest.mark.parametrize("dtype", HALVES)
@pytest.mark.parametrize("reverse", [False, True])
def test_numpy_scan(backend, rng, dtype, reverse):
    a, x, h0 = half_problem(rng, dtype)
    if not served(backend):
        with pytest.raises(linrec.UnsupportedError, match="no scan kernels"):
            linrec.scan(a, x, h0, axis=1, backend=backend)
        return
    h = linrec.scan(a, x, h0, axis=1, reverse=reverse, backend=backend)
    assert h.dtype == np.dtype(dtype)
    want = scan_reference(a.astype(np.float64), x.astype(np.float64), h0.astype(np.float64),
                          axis=1, reverse=reverse)
    close(h, want, dtype)


@pytest.mark.parametrize("dtype", HALVES)
def test_numpy_scan_backward(backend, rng, dtype):
    a, x, h0 = half_problem(rng, dtype)
    if not served(backend):
        return  # test_numpy_scan checks the refusal
    h = linrec.scan(a, x, h0, axis=1, backend=backend)
    dh = rng.uniform(-1, 1, a.shape).astype(dtype)
    dx, da, dh0 = linrec.scan_backward(a, h, dh, h0, axis=1, backend=backend)
    assert dx.dtype == da.dtype == dh0.dtype == np.dtype(dtype)
    want = scan_backward_reference(a.astype(np.float64), h.astype(np.float64),
                                   dh.astype(np.float64), h0.astype(np.float64), axis=1)
    for got, expected in zip((dx, da, dh0), want):
        close(got, expected, dtype)


def test_numpy_half_in_place(rng):
    a, x, _ = half_problem(rng, np.float16)
    want = linrec.scan(a, x, backend="serial")
    linrec.scan(a, x, out=x, backend="serial")
    np.testing.assert_array_equal(x, want)


def test_torch_float16_forward_and_gradients(rng):
    torch = pytest.importorskip("torch")
    import linrec.torch as linrec_torch

    a, x, h0 = (torch.from_numpy(array) for array in half_problem(rng, np.float16))
    leaves = [t.clone().requires_grad_(True) for t in (a, x, h0)]
    h = linrec_torch.scan(*leaves, dim=1)
    assert h.dtype == torch.float16
    h.float().sum().backward()
    wide = [t.double().requires_grad_(True) for t in (a, x, h0)]
    reference = linrec_torch.scan(*wide, dim=1)
    reference.sum().backward()
    close(h.detach().numpy(), reference.detach().numpy(), np.float16)
    for leaf, exact in zip(leaves, wide):
        # The gradients flow through the stored float16 h: one more rounding than the forward's.
        np.testing.assert_allclose(leaf.grad.double().numpy(), exact.grad.numpy(), rtol=2.0 ** -8,
                                   atol=1e-3)


@pytest.mark.parametrize("dtype_name", ["float16", "bfloat16"])
def test_jax_half_forward_and_gradients(rng, dtype_name):
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    import linrec.jax as linrec_jax

    dtype = np.float16 if dtype_name == "float16" else ml_dtypes.bfloat16
    a, x, h0 = (jnp.asarray(array) for array in half_problem(rng, dtype))
    h = linrec_jax.scan(a, x, h0, axis=1)
    assert h.dtype == jnp.dtype(dtype_name)
    want = scan_reference(np.asarray(a, np.float64), np.asarray(x, np.float64),
                          np.asarray(h0, np.float64), axis=1)
    close(h, want, dtype)

    def loss(a, x, h0):
        return linrec_jax.scan(a, x, h0, axis=1).astype(jnp.float32).sum()

    grads = jax.grad(loss, argnums=(0, 1, 2))(a, x, h0)
    wide = jax.grad(loss, argnums=(0, 1, 2))(*(t.astype(jnp.float32) for t in (a, x, h0)))
    for got, exact in zip(grads, wide):
        assert got.dtype == jnp.dtype(dtype_name)
        np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(exact, np.float64),
                                   rtol=4 * RTOL[np.dtype(dtype)], atol=1e-2)
