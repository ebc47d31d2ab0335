"""linrec for PyTorch: a differentiable scan that torch.compile traces.

linrec::scan and linrec::scan_backward are torch.library custom operators: each has a fake
(meta) implementation, so torch.compile(fullgraph=True) traces through them, and scan's autograd
formula is the library's backward pass. CPU tensors run on the host backends; CUDA tensors need
the library to scan memory it does not own on the caller's stream, which it cannot do yet, so they
raise linrec.UnsupportedError instead of being copied behind the caller's back.
"""

import os
from typing import Optional, Tuple

import torch

from . import _core
from . import _errors

__all__ = ["scan"]

# torch.bfloat16 has no numpy form to pass through (linrec._core takes numpy arrays).
_DTYPES = (torch.float16, torch.float32, torch.float64, torch.complex64, torch.complex128)


def _host_backend(backend):
    """CPU tensors run on `backend`, else LINREC_BACKEND, else openmp (never a GPU backend by
    default: the data is already on the host)."""
    return backend or os.environ.get("LINREC_BACKEND") or "openmp"


def _check(tensors):
    """Same dtype (float16, float32, float64, complex64 or complex128) and a CPU device for every
    tensor, or linrec's error."""
    first = tensors[0][1]
    for name, tensor in tensors:
        if tensor.dtype != first.dtype:
            raise _errors.InvalidArgumentError(
                f"{name} is {tensor.dtype} but a is {first.dtype}; linrec.torch.scan needs one dtype")
        if tensor.device != first.device:
            raise _errors.InvalidArgumentError(
                f"{name} is on {tensor.device} but a is on {first.device}")
    if first.dtype not in _DTYPES:
        raise _errors.UnsupportedError(
            "linrec.torch.scan supports float16, float32, float64, complex64 and complex128 "
            f"tensors, not {first.dtype}")
    if first.device.type != "cpu":
        raise _errors.UnsupportedError(
            f"linrec.torch.scan runs CPU tensors only for now; a tensor on {first.device} would "
            "need the library to scan the caller's own GPU memory on its stream, which it cannot "
            "yet (copy it with .cpu() if that is what you want)")


def _host(tensor):
    return None if tensor is None else tensor.detach().numpy()


def _forward_on_host(a, x, h0, dim, reverse, backend):
    h = _core.scan(_host(a), _host(x), _host(h0), axis=dim, reverse=reverse,
                   backend=_host_backend(backend))
    return torch.from_numpy(h)


def _backward_on_host(a, h, dh, h0, dim, reverse, backend):
    dx, da, dh0 = _core.scan_backward(_host(a), _host(h), _host(dh), _host(h0), axis=dim,
                                      reverse=reverse, backend=_host_backend(backend))
    return torch.from_numpy(dx), torch.from_numpy(da), torch.from_numpy(dh0)


@torch.library.custom_op("linrec::scan", mutates_args=())
def _scan(a: torch.Tensor, x: torch.Tensor, h0: Optional[torch.Tensor], dim: int, reverse: bool,
          backend: Optional[str]) -> torch.Tensor:
    return _forward_on_host(a, x, h0, dim, reverse, backend)


@_scan.register_fake
def _scan_fake(a, x, h0, dim, reverse, backend):
    return torch.empty(x.shape, dtype=x.dtype, device=x.device)


@torch.library.custom_op("linrec::scan_backward", mutates_args=())
def _scan_backward(a: torch.Tensor, h: torch.Tensor, dh: torch.Tensor, h0: Optional[torch.Tensor],
                   dim: int, reverse: bool,
                   backend: Optional[str]) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return _backward_on_host(a, h, dh, h0, dim, reverse, backend)


@_scan_backward.register_fake
def _scan_backward_fake(a, h, dh, h0, dim, reverse, backend):
    states = _core.state_shape(a.shape, dim % a.dim())
    return (torch.empty(a.shape, dtype=a.dtype, device=a.device),
            torch.empty(a.shape, dtype=a.dtype, device=a.device),
            torch.empty(states, dtype=a.dtype, device=a.device))


def _setup_context(ctx, inputs, output):
    a, _, h0, dim, reverse, backend = inputs
    ctx.save_for_backward(a, h0, output)
    ctx.dim, ctx.reverse, ctx.backend = dim, reverse, backend


def _gradients(ctx, dh, backward):
    """scan's gradients for (a, x, h0, dim, reverse, backend) through `backward`, the operator
    or the host call."""
    a, h0, h = ctx.saved_tensors
    dx, da, dh0 = backward(a, h, dh.contiguous(), h0, ctx.dim, ctx.reverse, ctx.backend)
    return da, dx, (dh0 if h0 is not None else None), None, None, None


_scan.register_autograd(lambda ctx, dh: _gradients(ctx, dh, torch.ops.linrec.scan_backward),
                        setup_context=_setup_context)


class _EagerScan(torch.autograd.Function):
    """The same scan and gradients as the operators, for eager mode, where the custom operator's
    dispatch costs about 20 µs a call and this about 1; torch.compile traces the operators."""

    @staticmethod
    def forward(ctx, a, x, h0, dim, reverse, backend):
        # The form with ctx in forward: a separate setup_context costs about 35 µs more a call.
        h = _forward_on_host(a, x, h0, dim, reverse, backend)
        _setup_context(ctx, (a, x, h0, dim, reverse, backend), h)
        return h

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dh):
        return _gradients(ctx, dh, _backward_on_host)


def scan(a: torch.Tensor, x: torch.Tensor, h0: Optional[torch.Tensor] = None, *, dim: int = -1,
         reverse: bool = False, backend: Optional[str] = None) -> torch.Tensor:
    """h[t] = a[t] * h[t-1] + x[t] along `dim`, differentiable in a, x and h0.

    a and x have the same shape, dtype (float16, float32, float64, complex64 or complex128) and
    device; h0 has that shape without `dim` (zeros when None). Complex gradients are PyTorch's
    (dL/dRe + i dL/dIm of a real loss), which the library computes. reverse=True runs from the last
    step to the first. CPU tensors run on `backend`, else LINREC_BACKEND, else openmp. Works under
    torch.compile(fullgraph=True)."""
    named = [("a", a), ("x", x)] + ([("h0", h0)] if h0 is not None else [])
    _check(named)
    _core.check_same_shape("x", x.shape, a.shape)
    if torch.compiler.is_compiling():
        return _scan(a, x, h0, dim, reverse, backend)
    return _EagerScan.apply(a, x, h0, dim, reverse, backend)
