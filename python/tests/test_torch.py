"""linrec.torch.scan: results, autograd, torch.compile, the custom operator and its errors."""

import numpy as np
import pytest
import torch

import linrec
import linrec.torch as linrec_torch
from helpers import random_problem, scan_backward_reference, scan_reference, tolerance

DTYPES = {np.float32: torch.float32, np.float64: torch.float64}


def _tensors(rng, shape, dim, dtype=np.float64, with_h0=True, requires_grad=False):
    """(a, x, h0) as CPU tensors from helpers.random_problem; h0 is None unless `with_h0`."""
    arrays = random_problem(rng, shape, dim, dtype, with_h0)
    return tuple(None if array is None else
                 torch.from_numpy(array).requires_grad_(requires_grad) for array in arrays)


def _numpy(tensor):
    return None if tensor is None else tensor.detach().numpy()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("with_h0", [False, True], ids=["no_h0", "h0"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_scan_matches_reference(rng, dim, reverse, with_h0, dtype):
    a, x, h0 = _tensors(rng, (2, 5, 3), dim, dtype, with_h0)
    h = linrec_torch.scan(a, x, h0, dim=dim, reverse=reverse)
    assert h.dtype == DTYPES[dtype] and h.shape == a.shape and h.device.type == "cpu"
    np.testing.assert_allclose(h.numpy(), scan_reference(_numpy(a), _numpy(x), _numpy(h0), dim,
                                                         reverse), **tolerance(dtype))


def test_scan_on_each_backend(backend, rng):
    a, x, h0 = _tensors(rng, (3, 7), dim=1)
    h = linrec_torch.scan(a, x, h0, dim=1, backend=backend)
    np.testing.assert_allclose(h.numpy(), scan_reference(a.numpy(), x.numpy(), h0.numpy(), 1),
                               **tolerance(np.float64))


def test_default_dim_is_last(rng):
    a, x, h0 = _tensors(rng, (2, 3, 4), dim=-1)
    torch.testing.assert_close(linrec_torch.scan(a, x, h0), linrec_torch.scan(a, x, h0, dim=2),
                               rtol=0, atol=0)


def test_h0_of_one_dimensional_tensor_is_a_scalar():
    a, x = torch.full((3,), 0.5, dtype=torch.float64), torch.tensor([1.0, 2.0, 3.0],
                                                                   dtype=torch.float64)
    h = linrec_torch.scan(a, x, torch.tensor(4.0, dtype=torch.float64))
    torch.testing.assert_close(h, torch.tensor([3.0, 3.5, 4.75], dtype=torch.float64))


def test_non_contiguous_inputs(rng):
    a, x, _ = _tensors(rng, (6, 4, 5), dim=0, with_h0=False)
    a_view, x_view = a.transpose(0, 2)[:, ::2], x.transpose(0, 2)[:, ::2]  # shape (5, 2, 6)
    h0 = torch.randn(5, 4, dtype=torch.float64)[:, ::2]
    assert not a_view.is_contiguous() and not h0.is_contiguous()
    h = linrec_torch.scan(a_view, x_view, h0, dim=-1)
    expected = linrec_torch.scan(a_view.contiguous(), x_view.contiguous(), h0.contiguous(),
                                 dim=-1)
    torch.testing.assert_close(h, expected, rtol=0, atol=0)


def test_gradients_through_non_contiguous_views(rng):
    base_a, base_x, _ = _tensors(rng, (4, 6), dim=0, with_h0=False, requires_grad=True)
    h = linrec_torch.scan(base_a.t(), base_x.t(), dim=1)
    weights = torch.from_numpy(rng.standard_normal((6, 4)))
    (h * weights).sum().backward()
    dx, da, _ = scan_backward_reference(base_a.detach().t().numpy(), h.detach().numpy(),
                                        weights.numpy(), axis=1)
    np.testing.assert_allclose(base_x.grad.numpy(), dx.T, **tolerance(np.float64))
    np.testing.assert_allclose(base_a.grad.numpy(), da.T, **tolerance(np.float64))


@pytest.mark.parametrize("with_h0, reverse", [(True, False), (True, True), (False, False),
                                              (False, True)],
                         ids=["h0-forward", "h0-reverse", "no_h0-forward", "no_h0-reverse"])
def test_gradcheck(rng, with_h0, reverse):
    a, x, h0 = _tensors(rng, (2, 4, 3), dim=1, with_h0=with_h0, requires_grad=True)
    inputs = (a, x) + ((h0,) if with_h0 else ())

    def function(a, x, h0=None):
        return linrec_torch.scan(a, x, h0, dim=1, reverse=reverse)

    assert torch.autograd.gradcheck(function, inputs)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=["complex64", "complex128"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_complex_scan_matches_reference(rng, reverse, dtype):
    a, x, h0 = _tensors(rng, (2, 5, 3), 1, dtype)
    h = linrec_torch.scan(a, x, h0, dim=1, reverse=reverse)
    assert h.dtype == a.dtype and h.shape == a.shape
    np.testing.assert_allclose(h.numpy(), scan_reference(a.numpy(), x.numpy(), h0.numpy(), 1,
                                                         reverse), **tolerance(dtype))


@pytest.mark.parametrize("with_h0, reverse", [(True, False), (False, True)],
                         ids=["h0-forward", "no_h0-reverse"])
def test_complex_gradcheck(rng, with_h0, reverse):
    """PyTorch's own check of complex gradients (its Wirtinger convention) against finite
    differences: the library's backward pass must be what autograd would have computed."""
    a, x, h0 = _tensors(rng, (2, 4, 3), dim=1, dtype=np.complex128, with_h0=with_h0,
                        requires_grad=True)
    inputs = (a, x) + ((h0,) if with_h0 else ())

    def function(a, x, h0=None):
        return linrec_torch.scan(a, x, h0, dim=1, reverse=reverse)

    assert torch.autograd.gradcheck(function, inputs)


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_float32_gradients_match_reference(rng, reverse):
    a, x, h0 = _tensors(rng, (3, 6, 2), dim=1, dtype=np.float32, requires_grad=True)
    h = linrec_torch.scan(a, x, h0, dim=1, reverse=reverse)
    weights = torch.from_numpy(rng.standard_normal((3, 6, 2)).astype(np.float32))
    (h * weights).sum().backward()
    assert a.grad.dtype == x.grad.dtype == h0.grad.dtype == torch.float32
    expected = scan_backward_reference(a.detach().numpy(), h.detach().numpy(), weights.numpy(),
                                       h0.detach().numpy(), 1, reverse)
    for got, want in zip((x.grad, a.grad, h0.grad), expected):
        np.testing.assert_allclose(got.numpy(), want, **tolerance(np.float32))


def test_gradient_only_for_inputs_that_require_it(rng):
    a, x, h0 = _tensors(rng, (2, 5), dim=1)
    x.requires_grad_(True)
    linrec_torch.scan(a, x, h0).sum().backward()
    assert x.grad is not None and a.grad is None and h0.grad is None


def test_no_graph_without_requires_grad(rng):
    a, x, h0 = _tensors(rng, (2, 5), dim=1)
    assert linrec_torch.scan(a, x, h0).grad_fn is None


def test_h0_gradient_without_steps_is_zero():
    a = torch.ones(3, 0, dtype=torch.float64)
    h0 = torch.full((3,), 7.0, dtype=torch.float64, requires_grad=True)
    linrec_torch.scan(a, a, h0, dim=1).sum().backward()
    torch.testing.assert_close(h0.grad, torch.zeros(3, dtype=torch.float64))


def test_eager_path_and_operators_agree(rng):
    """Eager calls run an autograd.Function, compiled code the custom operators: same results and
    gradients."""
    a, x, h0 = _tensors(rng, (3, 6, 2), dim=1, requires_grad=True)
    h = linrec_torch.scan(a, x, h0, dim=1)
    h_op = torch.ops.linrec.scan(a, x, h0, 1, False, None)
    torch.testing.assert_close(h, h_op, rtol=0, atol=0)
    dh = torch.from_numpy(rng.standard_normal(h.shape))
    eager = torch.autograd.grad(h, (a, x, h0), dh)
    operators = torch.autograd.grad(h_op, (a, x, h0), dh)
    for e, o in zip(eager, operators):
        torch.testing.assert_close(e, o, rtol=0, atol=0)


def test_second_derivative_is_refused(rng):
    a, x, h0 = _tensors(rng, (2, 5), dim=1, requires_grad=True)
    (dx,) = torch.autograd.grad(linrec_torch.scan(a, x, h0).pow(2).sum(), (x,), create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        dx.sum().backward()


def _compiled_matches_eager(function, inputs):
    eager_inputs = [t.detach().clone().requires_grad_(True) for t in inputs]
    compiled_inputs = [t.detach().clone().requires_grad_(True) for t in inputs]
    eager = function(*eager_inputs)
    compiled = torch.compile(function, fullgraph=True)(*compiled_inputs)
    torch.testing.assert_close(compiled, eager)
    eager.backward()
    compiled.backward()
    for e, c in zip(eager_inputs, compiled_inputs):
        torch.testing.assert_close(c.grad, e.grad)


def test_torch_compile_forward_and_backward(rng):
    a, x, h0 = _tensors(rng, (2, 6, 3), dim=1)
    weights = torch.from_numpy(rng.standard_normal((2, 6, 3)))

    def loss(a, x, h0):
        return (torch.tanh(linrec_torch.scan(a * 0.9, x, h0, dim=1)) * weights).sum()

    _compiled_matches_eager(loss, (a, x, h0))


def test_torch_compile_reverse_without_h0(rng):
    a, x, _ = _tensors(rng, (4, 5), dim=-1, dtype=np.float32, with_h0=False)

    def loss(a, x):
        return (linrec_torch.scan(a, x, reverse=True, backend="serial") ** 2).sum()

    _compiled_matches_eager(loss, (a, x))


@pytest.mark.parametrize("with_h0, reverse", [(True, False), (False, True)],
                         ids=["h0-forward", "no_h0-reverse"])
def test_opcheck_scan(rng, with_h0, reverse):
    a, x, h0 = _tensors(rng, (2, 5, 3), dim=1, with_h0=with_h0, requires_grad=True)
    torch.library.opcheck(torch.ops.linrec.scan.default, (a, x, h0, 1, reverse, None))


def test_opcheck_scan_backward(rng):
    a, x, h0 = _tensors(rng, (2, 5, 3), dim=1)
    h = linrec_torch.scan(a, x, h0, dim=1)
    torch.library.opcheck(torch.ops.linrec.scan_backward.default, (a, h, x, h0, 1, False, None))


def test_mismatched_dtypes():
    with pytest.raises(linrec.InvalidArgumentError) as caught:
        linrec_torch.scan(torch.ones(2, 3), torch.ones(2, 3, dtype=torch.float64))
    assert str(caught.value) == ("x is torch.float64 but a is torch.float32; linrec.torch.scan "
                                 "needs one dtype")


def test_mismatched_h0_dtype():
    with pytest.raises(linrec.InvalidArgumentError, match="^h0 is torch.float64"):
        linrec_torch.scan(torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, dtype=torch.float64))


def test_mismatched_devices():
    # A meta tensor stands in for another device: the check runs before any data is touched.
    with pytest.raises(linrec.InvalidArgumentError, match="^x is on meta but a is on cpu$"):
        linrec_torch.scan(torch.ones(3), torch.ones(3, device="meta"))


def test_mismatched_shapes():
    with pytest.raises(linrec.InvalidArgumentError) as caught:
        linrec_torch.scan(torch.ones(2, 3), torch.ones(3, 2))
    assert isinstance(caught.value, ValueError)
    assert "(3, 2)" in str(caught.value) and "(2, 3)" in str(caught.value)


def test_h0_of_wrong_shape():
    with pytest.raises(linrec.InvalidArgumentError, match=r"^h0 has shape \(3,\)"):
        linrec_torch.scan(torch.ones(2, 3), torch.ones(2, 3), torch.ones(3), dim=1)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.int64])
def test_unsupported_dtypes(dtype):
    with pytest.raises(linrec.UnsupportedError, match=f"not {dtype}$"):
        linrec_torch.scan(torch.ones(3, dtype=dtype), torch.ones(3, dtype=dtype))


def test_non_cpu_tensors_are_unsupported():
    with pytest.raises(linrec.UnsupportedError, match="CPU tensors only for now; a tensor on meta"):
        linrec_torch.scan(torch.ones(3, device="meta"), torch.ones(3, device="meta"))


@pytest.mark.skipif(not torch.cuda.is_available(),
                    reason="no CUDA device here, so no CUDA tensor can be made; the same check "
                           "runs for meta tensors in test_non_cpu_tensors_are_unsupported")
def test_cuda_tensors_are_unsupported():
    a = torch.ones(3, device="cuda")
    with pytest.raises(linrec.UnsupportedError, match="CPU tensors only.*copy it with .cpu()"):
        linrec_torch.scan(a, a)


def test_unknown_backend():
    with pytest.raises(linrec.BackendUnavailableError, match='"nosuch"'):
        linrec_torch.scan(torch.ones(3), torch.ones(3), backend="nosuch")
