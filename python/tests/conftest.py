"""Fixtures shared by the linrec tests. The tests exercise the INSTALLED package, never the source
folder next to them (which lacks the compiled extension and libraries)."""

import pathlib

import numpy as np
import pytest

import linrec
from helpers import AVAILABLE_BACKENDS

_SOURCE_PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "linrec"
if pathlib.Path(linrec.__file__).resolve().parent == _SOURCE_PACKAGE:
    raise pytest.UsageError(
        f"linrec was imported from the source folder {_SOURCE_PACKAGE}; run the tests from "
        "python/tests or elsewhere so that the installed package is used")


@pytest.fixture(params=AVAILABLE_BACKENDS)
def backend(request):
    """Each backend usable on this machine in turn."""
    return request.param


@pytest.fixture
def rng():
    return np.random.default_rng(20240611)


@pytest.fixture
def jax_x64():
    """JAX with 64-bit types enabled for the test, restored afterwards."""
    import jax

    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", previous)
