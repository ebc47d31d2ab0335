"""linrec: parallel linear recurrences h[t] = a[t] * h[t-1] + x[t] on CPUs and GPUs.

    import numpy as np, linrec
    a = np.full((4, 1000), 0.9, np.float32)   # 4 sequences of 1000 steps
    x = np.random.rand(4, 1000).astype(np.float32)
    h = linrec.scan(a, x)                       # along the last axis

linrec.torch.scan and linrec.jax.scan are the differentiable versions for PyTorch and JAX; they
import torch or jax when first used. The backend is chosen as in the C library: the `backend`
argument, else the LINREC_BACKEND environment variable, else the first usable of cuda, opencl,
openmp and serial.
"""

import importlib

from ._errors import (BackendMismatchError, BackendUnavailableError, DeviceError, Error,
                      InvalidArgumentError, OutOfMemoryError, UnsupportedError)
from ._core import backends, scan, scan_backward
from . import _native

__version__ = _native.version()

__all__ = ["scan", "scan_backward", "backends", "Error", "InvalidArgumentError",
           "BackendUnavailableError", "UnsupportedError", "OutOfMemoryError", "DeviceError",
           "BackendMismatchError"]


def __getattr__(name):
    # linrec.torch and linrec.jax load on first use, so that importing linrec needs neither.
    if name in ("torch", "jax"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
