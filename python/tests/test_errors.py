"""The exceptions linrec raises, each with the library's sentence, and linrec.backends()."""

import re

import numpy as np
import pytest

import linrec

BACKEND_NAMES = ("cuda", "opencl", "openmp", "serial")  # in auto's order


def _backend_entry(name):
    return next(entry for entry in linrec.backends() if entry[0] == name)


def test_error_classes_form_a_hierarchy():
    for error in (linrec.InvalidArgumentError, linrec.BackendUnavailableError,
                  linrec.UnsupportedError, linrec.OutOfMemoryError, linrec.DeviceError,
                  linrec.BackendMismatchError):
        assert issubclass(error, linrec.Error)
    assert issubclass(linrec.InvalidArgumentError, ValueError)
    assert issubclass(linrec.OutOfMemoryError, MemoryError)
    statuses = [error.status for error in (linrec.InvalidArgumentError,
                                           linrec.BackendUnavailableError, linrec.UnsupportedError,
                                           linrec.OutOfMemoryError, linrec.DeviceError,
                                           linrec.BackendMismatchError)]
    assert statuses == [1, 2, 3, 4, 5, 6]


def test_mismatched_shapes_name_both_shapes():
    with pytest.raises(linrec.InvalidArgumentError) as caught:
        linrec.scan(np.ones((2, 3)), np.ones((2, 4)))
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert "(2, 4)" in message and "(2, 3)" in message and "x" in message


def test_no_broadcasting_between_a_and_x():
    with pytest.raises(linrec.InvalidArgumentError, match="no broadcasting"):
        linrec.scan(np.ones((1, 3)), np.ones((2, 3)))


@pytest.mark.parametrize("name, arrays", [
    ("h", (np.ones((2, 3)), np.ones((3, 2)), np.ones((2, 3)))),
    ("dh", (np.ones((2, 3)), np.ones((2, 3)), np.ones(3))),
])
def test_scan_backward_mismatched_shapes(name, arrays):
    with pytest.raises(linrec.InvalidArgumentError, match=rf"^{name} has shape"):
        linrec.scan_backward(*arrays)


@pytest.mark.parametrize("h0_shape", [(3,), (2, 3), (4,), ()])
def test_h0_of_wrong_shape(h0_shape):
    # (2, 3) arrays scanned along the last axis need h0 of shape (2,).
    with pytest.raises(linrec.InvalidArgumentError) as caught:
        linrec.scan(np.ones((2, 3)), np.ones((2, 3)), np.ones(h0_shape))
    message = str(caught.value)
    assert message.startswith("h0 has shape") and "(2,)" in message


def test_scan_backward_h0_of_wrong_shape():
    with pytest.raises(linrec.InvalidArgumentError, match=r"^h0 has shape \(3,\).*\(2,\)"):
        linrec.scan_backward(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), np.ones(3))


@pytest.mark.parametrize("axis", [2, -3, 7])
def test_axis_out_of_range(axis):
    with pytest.raises(linrec.InvalidArgumentError) as caught:
        linrec.scan(np.ones((2, 3)), np.ones((2, 3)), axis=axis)
    assert str(caught.value) == f"axis {axis} is out of range for an array of 2 dimensions"


def test_scan_backward_axis_out_of_range():
    with pytest.raises(linrec.InvalidArgumentError, match="axis 1 is out of range"):
        linrec.scan_backward(np.ones(3), np.ones(3), np.ones(3), axis=1)


@pytest.mark.parametrize("value", [np.float64(2.0), np.array(2.0), 2.0])
def test_zero_dimensional_arrays_are_rejected(value):
    with pytest.raises(linrec.InvalidArgumentError, match="at least one dimension"):
        linrec.scan(value, value)


@pytest.mark.parametrize("dtype", [np.longdouble, np.clongdouble])
def test_unsupported_dtypes(dtype):
    with pytest.raises(linrec.UnsupportedError) as caught:
        linrec.scan(np.ones(3, dtype), np.ones(3, dtype))
    assert str(caught.value) == ("linrec scans float16, bfloat16, float32, float64, complex64 and "
                                 f"complex128 arrays; {np.dtype(dtype)} is not supported yet")


def test_one_long_double_operand_is_unsupported():
    with pytest.raises(linrec.UnsupportedError, match=str(np.dtype(np.longdouble))):
        linrec.scan(np.ones(3), np.ones(3, np.longdouble))


def test_unsupported_dtype_in_scan_backward():
    with pytest.raises(linrec.UnsupportedError, match=str(np.dtype(np.clongdouble))):
        ones = np.ones(3, np.clongdouble)
        linrec.scan_backward(ones, ones, ones)


def test_unknown_backend_name():
    with pytest.raises(linrec.BackendUnavailableError) as caught:
        linrec.scan(np.ones(3), np.ones(3), backend="nosuch")
    message = str(caught.value)
    # The status's description, then the library's detail naming the name and the known ones.
    assert message.startswith("backend unavailable: ")
    assert '"nosuch"' in message
    assert all(name in message for name in BACKEND_NAMES)


def test_malformed_backend_name_is_an_invalid_argument():
    with pytest.raises(linrec.InvalidArgumentError, match=r'^invalid argument: backend "serial:x"'):
        linrec.scan(np.ones(3), np.ones(3), backend="serial:x")


def test_device_index_out_of_range():
    with pytest.raises(linrec.BackendUnavailableError, match=r"^backend unavailable: .*openmp:5"):
        linrec.scan(np.ones(3), np.ones(3), backend="openmp:5")


def test_unknown_backend_from_environment(monkeypatch):
    monkeypatch.setenv("LINREC_BACKEND", "nosuch")
    with pytest.raises(linrec.BackendUnavailableError, match='"nosuch"'):
        linrec.scan(np.ones(3), np.ones(3))


def test_backend_names_are_case_insensitive_and_take_a_device_index():
    expected = linrec.scan(np.ones(3), np.ones(3), backend="serial")
    np.testing.assert_array_equal(linrec.scan(np.ones(3), np.ones(3), backend="SERIAL"), expected)
    np.testing.assert_array_equal(linrec.scan(np.ones(3), np.ones(3), backend="serial:0"),
                                  expected)


def _skip_if_cuda_is_usable():
    if _backend_entry("cuda")[1]:
        pytest.skip("a CUDA device is usable on this machine; these tests check its absence")


def test_cuda_is_unavailable_with_the_librarys_reason():
    _skip_if_cuda_is_usable()
    reason = _backend_entry("cuda")[2]
    assert len(reason.split()) > 3  # a sentence, not a bare code
    with pytest.raises(linrec.BackendUnavailableError) as caught:
        linrec.scan(np.ones(3), np.ones(3), backend="cuda")
    assert str(caught.value) == f"backend unavailable: {reason}"


def test_scan_backward_on_cuda_is_unavailable():
    _skip_if_cuda_is_usable()
    with pytest.raises(linrec.BackendUnavailableError, match="^backend unavailable: "):
        linrec.scan_backward(np.ones(3), np.ones(3), np.ones(3), backend="cuda")


def test_backends_lists_every_backend_in_autos_order():
    entries = linrec.backends()
    assert tuple(name for name, _, _ in entries) == BACKEND_NAMES
    for name, available, description in entries:
        assert isinstance(available, bool)
        assert isinstance(description, str) and description


def test_host_backends_are_available():
    available = {name: ok for name, ok, _ in linrec.backends()}
    assert available["serial"] and available["openmp"]


@pytest.mark.parametrize("out, words", [
    (np.empty((3, 4)), "shape (3, 5) and dtype float64"),
    (np.empty((3, 5), np.float32), "shape (3, 5) and dtype float64"),
    ([0.0] * 15, "must be a numpy array"),
    (np.empty((5, 3)).T, "C-contiguous"),
])
def test_out_of_the_wrong_kind(out, words):
    with pytest.raises(linrec.InvalidArgumentError, match=re.escape(words)):
        linrec.scan(np.ones((3, 5)), np.ones((3, 5)), out=out)


def test_out_overlapping_an_input_is_the_library_s_error():
    a = np.full((3, 5), 0.5)
    with pytest.raises(linrec.InvalidArgumentError, match="overlap"):
        linrec.scan(a, np.ones((3, 5)), out=a, backend="serial")


def test_native_call_counts_f32_coefficients_of_half_data():
    # (f16, TBC, 1, 8, 1, LINREC_COEFFICIENTS_F32): a holds 8 floats, 32 bytes; 8 halves are 16.
    problem = (2, 0, 1, 8, 1, 0x2)
    x, h = np.ones(8, np.float16), np.zeros(8, np.float16)
    ctx = linrec._core.context("serial")
    with pytest.raises(ValueError, match="^a holds 16 bytes; the problem needs 32$"):
        ctx.scan(problem, np.ones(8, np.float16), x, None, h)
    ctx.scan(problem, np.ones(8, np.float32), x, None, h)
    assert np.array_equal(h, np.arange(1, 9, dtype=np.float16))
    with pytest.raises(ValueError, match="^da holds 16 bytes; the problem needs 32$"):
        ctx.scan_backward(problem, np.ones(8, np.float32), None, h, x, np.zeros(8, np.float16),
                          np.zeros(8, np.float16), None)
