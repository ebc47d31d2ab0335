"""The exceptions linrec raises: one per status of the C library (linrec_status)."""


class Error(Exception):
    """A failed linrec call; the message is the library's sentence naming what was wrong."""

    status = None


class InvalidArgumentError(Error, ValueError):
    """LINREC_ERR_INVALID_ARGUMENT: bad shapes, sizes, overlap or arguments."""

    status = 1


class BackendUnavailableError(Error):
    """LINREC_ERR_BACKEND_UNAVAILABLE: unknown name, not built, or no driver or device."""

    status = 2


class UnsupportedError(Error):
    """LINREC_ERR_UNSUPPORTED: a valid request this backend or device cannot serve."""

    status = 3


class OutOfMemoryError(Error, MemoryError):
    """LINREC_ERR_OUT_OF_MEMORY: a host or device allocation failed."""

    status = 4


class DeviceError(Error):
    """LINREC_ERR_DEVICE: a driver, runtime or kernel failure."""

    status = 5


class BackendMismatchError(Error):
    """LINREC_ERR_BACKEND_MISMATCH: memory that belongs to another context."""

    status = 6


# Indexed by status; the C extension raises ERRORS[status]. Status 0 (LINREC_OK) never raises.
ERRORS = (Error, InvalidArgumentError, BackendUnavailableError, UnsupportedError,
          OutOfMemoryError, DeviceError, BackendMismatchError)
