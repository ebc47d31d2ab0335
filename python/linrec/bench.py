"""python -m linrec.bench: linrec.scan beside numba, JAX, PyTorch and numpy on the same arrays.

For each shape (B, T, C), float32, batch first (scanned along axis 1; with C = 1 the arrays are
2-D (B, T), time innermost, scanned along the last axis), every method runs once to compile and
warm up, its result is checked against a numba loop (numpy's step loop where numba is missing),
and then the methods are timed side by side: each round calls every method once in turn, so that
a noisy machine slows them alike, and the median of the rounds is reported. GB/s counts 3 arrays
of the shape (a and x read, h written). "scan(out=)" is linrec.scan into an h allocated once
(every other method returns a new array, whose fresh pages the operating system must fault in on
large shapes). A second section times calls on a 16x16 array, where the cost of the Python layers
over the bare C call ("native call": the extension's call into an h allocated once) shows.

    python -m linrec.bench [--backend openmp] [--runs N] [--quick] [--json PATH]

numba, jax and torch are optional: a method whose package does not import shows "-".
"""

import argparse
import functools
import gc
import importlib
import json
import math
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np

import linrec
from linrec import _core


@dataclass(frozen=True)
class Shape:
    """B sequences of T steps with C channels; time innermost (a (B, T) array) when C is 1."""

    batch: int
    steps: int
    channels: int

    @property
    def label(self):
        return f"{self.batch}x{self.steps}x{self.channels}"

    @property
    def array_shape(self):
        if self.channels == 1:
            return (self.batch, self.steps)
        return (self.batch, self.steps, self.channels)

    @property
    def array_label(self):
        return "x".join(map(str, self.array_shape))

    @property
    def axis(self):
        return -1 if self.channels == 1 else 1


# One long sequence, many short ones (both time innermost), long and few with channels, wide
# channels; 2^20 to 2^25 elements.
DEFAULT_SHAPES = (Shape(1, 1048576, 1), Shape(65536, 64, 1), Shape(8, 65536, 64),
                  Shape(16, 4096, 256), Shape(256, 1024, 64), Shape(16, 256, 1024))
QUICK_SHAPES = (Shape(16, 4096, 1), Shape(8, 512, 64))
DEFAULT_RUNS = 11
QUICK_RUNS = 5

# The per-call section: a 16x16 array along the last axis, timed in batches of calls.
OVERHEAD_SHAPE = Shape(16, 16, 1)
OVERHEAD_CALLS = 20000
QUICK_OVERHEAD_CALLS = 2000
OVERHEAD_BATCH = 200

# The Python step loops run only where the sequences are at most this long.
STEP_LOOP_MAX_STEPS = 4096

DTYPE = np.float32
# float32 results of different summation orders agree to about this.
RTOL = ATOL = 1e-4


@functools.cache
def optional_module(name):
    """The module `name`, or None (with a note on stderr) when it does not import."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        print(f"linrec.bench: {name} is unavailable, its methods show '-' ({error})",
              file=sys.stderr)
        return None


def as_btc(array, axis):
    """A view of `array` (numpy or torch) as (B, T, C) with `axis` as T."""
    axis %= array.ndim
    shape = tuple(array.shape)
    return array.reshape(math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1:]))


def recurrence_loop(a, x, h):
    """h[:, t, :] = a[:, t, :] * h[:, t-1, :] + x[:, t, :] on (B, T, C) arrays, element by element
    (the loop numba compiles); h[:, -1, :] is zero. Returns h."""
    batch, steps, channels = a.shape
    for b in range(batch):
        for c in range(channels):
            h[b, 0, c] = x[b, 0, c]
        for t in range(1, steps):
            for c in range(channels):
                h[b, t, c] = a[b, t, c] * h[b, t - 1, c] + x[b, t, c]
    return h


def step_loop(a, x, h):
    """The same recurrence as a Python loop over time steps, each step one vectorized operation
    on (B, C) slices of (B, T, C) numpy arrays or torch tensors. Returns h."""
    h[:, 0] = x[:, 0]
    for t in range(1, a.shape[1]):
        h[:, t] = a[:, t] * h[:, t - 1] + x[:, t]
    return h


@functools.cache
def numba_kernel():
    """recurrence_loop compiled by numba.njit, or None without numba."""
    numba = optional_module("numba")
    return numba.njit(recurrence_loop) if numba else None


def reference_result(a, x, axis):
    """The scan of a and x along `axis` by the numba loop (numpy's step loop without numba),
    with a's shape: what every method's result is checked against."""
    a3, x3 = as_btc(a, axis), as_btc(x, axis)
    loop = numba_kernel() or step_loop
    return loop(a3, x3, np.empty_like(a3)).reshape(a.shape)


# Methods: each takes (a, x, axis, backend), numpy float32 arrays, and returns a call that takes
# no arguments and returns the finished result (anything np.asarray reads), or None where the
# method is skipped.

def linrec_numpy(a, x, axis, backend):
    """linrec.scan on numpy arrays."""
    return lambda: linrec.scan(a, x, axis=axis, backend=backend)


def linrec_into(a, x, axis, backend):
    """linrec.scan into an h allocated once (out=), as a training loop that reuses its buffers."""
    h = np.empty_like(x)
    return lambda: linrec.scan(a, x, axis=axis, backend=backend, out=h)


def linrec_native(a, x, axis, backend):
    """The context's native scan on a preallocated h, without linrec.scan's checks."""
    context = _core.context(backend)
    problem = _core._problem(a.shape, _core.normalized_axis(axis, a.ndim), a.dtype, False)
    h = np.empty_like(x)

    def call():
        context.scan(problem, a, x, None, h)
        return h
    return call


def numba_loop(a, x, axis, backend):
    """recurrence_loop under numba.njit, one thread."""
    kernel = numba_kernel()
    if kernel is None:
        return None
    a3, x3 = as_btc(a, axis), as_btc(x, axis)
    return lambda: kernel(a3, x3, np.empty_like(a3))


def jitted_jax(function, a, x):
    """jax.jit(function) called on a and x as JAX arrays, waiting for the result."""
    jax = optional_module("jax")
    jitted = jax.jit(function)
    a, x = jax.numpy.asarray(a), jax.numpy.asarray(x)
    return lambda: jitted(a, x).block_until_ready()


def combine_steps(earlier, later):
    """Two spans of the recurrence as one: h -> a2 * (a1 * h + x1) + x2."""
    a1, x1 = earlier
    a2, x2 = later
    return a1 * a2, a2 * x1 + x2


def jax_associative(a, x, axis, backend):
    """jax.lax.associative_scan of combine_steps under jax.jit."""
    jax = optional_module("jax")
    if jax is None:
        return None

    def scan(a, x):
        return jax.lax.associative_scan(combine_steps, (a, x), axis=axis)[1]
    return jitted_jax(scan, a, x)


def linrec_jax(a, x, axis, backend):
    """linrec.jax.scan under jax.jit."""
    module = optional_module("linrec.jax")
    if module is None:
        return None
    return jitted_jax(functools.partial(module.scan, axis=axis, backend=backend), a, x)


def linrec_torch(a, x, axis, backend):
    """linrec.torch.scan on CPU tensors sharing the arrays' memory."""
    module = optional_module("linrec.torch")
    if module is None:
        return None
    torch = optional_module("torch")
    a, x = torch.from_numpy(a), torch.from_numpy(x)
    return lambda: module.scan(a, x, dim=axis, backend=backend)


def short_enough(a, axis):
    """Whether the sequences are short enough for a Python loop over their steps."""
    return a.shape[axis] <= STEP_LOOP_MAX_STEPS


def numpy_loop(a, x, axis, backend):
    """step_loop on numpy arrays, where T is small enough."""
    if not short_enough(a, axis):
        return None
    a3, x3 = as_btc(a, axis), as_btc(x, axis)
    return lambda: step_loop(a3, x3, np.empty_like(a3))


def torch_loop(a, x, axis, backend):
    """step_loop on torch tensors, where T is small enough."""
    torch = optional_module("torch")
    if torch is None or not short_enough(a, axis):
        return None
    a3, x3 = (torch.from_numpy(as_btc(array, axis)) for array in (a, x))
    return lambda: step_loop(a3, x3, torch.empty_like(a3))


LINREC = "linrec.scan"
NATIVE = "native call"
INTO = "scan(out=)"
COMPETITORS = {INTO: linrec_into, "numba": numba_loop, "jax assoc": jax_associative,
               "linrec.jax": linrec_jax, "linrec.torch": linrec_torch, "numpy loop": numpy_loop,
               "torch loop": torch_loop}
SHAPE_METHODS = {LINREC: linrec_numpy, **COMPETITORS}
OVERHEAD_METHODS = {LINREC: linrec_numpy, INTO: linrec_into, NATIVE: linrec_native,
                    "linrec.torch": linrec_torch, "linrec.jax": linrec_jax}


def median_seconds(calls, rounds, calls_per_round=1):
    """The median over `rounds` of each call's mean time over `calls_per_round` calls, in
    seconds; each round times every call in turn, with the garbage collector off."""
    samples = {name: [] for name in calls}
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, call in calls.items():
                start = time.perf_counter()
                for _ in range(calls_per_round):
                    call()
                samples[name].append((time.perf_counter() - start) / calls_per_round)
    finally:
        if collecting:
            gc.enable()
    return {name: statistics.median(times) for name, times in samples.items()}


def inputs(shape, seed=17):
    """a in [0.5, 1) and x in [-1, 1) (the ranges of `linrec bench`) of the shape's array
    shape, in DTYPE."""
    generator = np.random.default_rng(seed)
    a = generator.uniform(0.5, 1.0, shape.array_shape).astype(DTYPE)
    x = generator.uniform(-1.0, 1.0, shape.array_shape).astype(DTYPE)
    return a, x


def measure(shape, methods, backend, rounds, calls_per_round=1):
    """{name: median seconds per call, or None where skipped} of `methods` on the shape's arrays,
    each called once first (compiling it) and its result checked against reference_result."""
    a, x = inputs(shape)
    reference = reference_result(a, x, shape.axis)
    calls = {}
    for name, method in methods.items():
        call = method(a, x, shape.axis, backend)
        if call is not None:
            np.testing.assert_allclose(
                np.asarray(call()).reshape(reference.shape), reference, rtol=RTOL, atol=ATOL,
                err_msg=f"{name} disagrees with the reference loop on {shape.label}")
            calls[name] = call
    times = median_seconds(calls, rounds, calls_per_round)
    return {name: times.get(name) for name in methods}


def shape_rows(shape, times):
    """One JSON row per method of a shape: median seconds, GB/s and time over linrec.scan's."""
    moved = 3 * math.prod(shape.array_shape) * np.dtype(DTYPE).itemsize
    linrec_seconds = times[LINREC]
    return [{"section": "shapes", "shape": shape.label, "array": shape.array_label,
             "axis": shape.axis, "method": name, "median_s": seconds,
             "gbps": None if seconds is None else moved / seconds / 1e9,
             "ratio": None if seconds is None else seconds / linrec_seconds}
            for name, seconds in times.items()]


def overhead_rows(times):
    """One JSON row per method of the per-call section, with its time over the native call's."""
    native_seconds = times[NATIVE]
    return [{"section": "overhead", "array": OVERHEAD_SHAPE.array_label,
             "axis": OVERHEAD_SHAPE.axis, "method": name, "median_s": seconds,
             "over_native_s": None if seconds is None else seconds - native_seconds}
            for name, seconds in times.items()]


NAME_WIDTH, ARRAY_WIDTH, CELL_WIDTH = 14, 20, 17


def three_digits(value):
    """value to three significant digits, or to the unit from 100 up (never an exponent)."""
    return f"{value:.0f}" if value >= 100 else f"{value:#.3g}"


def shape_header():
    """The shape table's header line and its legend."""
    return (f"{'B x T x C':<{NAME_WIDTH}} {'array, axis':<{ARRAY_WIDTH}} {'linrec ms':>10} "
            f"{'GB/s':>6}" + "".join(f"{name:>{CELL_WIDTH}}" for name in COMPETITORS) +
            "\n(each competitor: median ms and, in brackets, its time over linrec.scan's; "
            "- skipped or unavailable)")


def competitor_cell(row):
    """A competitor's table cell: its median ms and its time over linrec.scan's."""
    if row["median_s"] is None:
        return f"{'-':>{CELL_WIDTH}}"
    return (f"{three_digits(row['median_s'] * 1e3)} "
            f"({three_digits(row['ratio'])}x)").rjust(CELL_WIDTH)


def shape_line(rows):
    """A shape's table line from its rows."""
    by_method = {row["method"]: row for row in rows}
    linrec_row = by_method[LINREC]
    array = f"{linrec_row['array']} axis {linrec_row['axis']}"
    return (f"{linrec_row['shape']:<{NAME_WIDTH}} {array:<{ARRAY_WIDTH}} "
            f"{linrec_row['median_s'] * 1e3:10.3f} {linrec_row['gbps']:6.1f}" +
            "".join(competitor_cell(by_method[name]) for name in COMPETITORS))


def overhead_line(row):
    """A per-call section line from its row."""
    if row["median_s"] is None:
        return f"  {row['method']:<{NAME_WIDTH}} -"
    return (f"  {row['method']:<{NAME_WIDTH}} {row['median_s'] * 1e6:8.2f} us per call, "
            f"{row['over_native_s'] * 1e6:+8.2f} us over the native call")


def cpu_model():
    """The CPU's "model name" from /proc/cpuinfo, or "unknown"."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def versions():
    """The versions of the packages timed, those that import."""
    found = {"linrec": linrec.__version__, "numpy": np.__version__}
    for name in ("numba", "jax", "torch"):
        module = optional_module(name)
        if module is not None:
            found[name] = module.__version__
    return found


def parse_arguments(argv):
    """The command line's options (argv None: sys.argv)."""
    parser = argparse.ArgumentParser(
        prog="python -m linrec.bench",
        description="Median times of linrec.scan beside numba, JAX, PyTorch and numpy loops, "
                    "measured side by side, and the per-call cost of each Python layer.")
    parser.add_argument("--backend", default="openmp", help="linrec backend (default: openmp)")
    parser.add_argument("--runs", type=int, help=f"timed rounds per shape (default "
                        f"{DEFAULT_RUNS}, {QUICK_RUNS} with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="a few small shapes and fewer calls: a smoke run of seconds")
    parser.add_argument("--json", metavar="PATH", help="also write every row to PATH as JSON")
    arguments = parser.parse_args(argv)
    if arguments.runs is not None and arguments.runs < 1:
        parser.error("--runs must be at least 1")
    return arguments


def print_header(header):
    """The machine, the backend's device and the versions, above the tables."""
    print(f"CPU: {header['cpu']}")
    print(f"linrec backend {header['backend']}: {header['device']}")
    print("versions: " + ", ".join(f"{name} {version}"
                                   for name, version in header["versions"].items()))
    print(f"{np.dtype(DTYPE)}, median of {header['runs']} rounds; GB/s counts 3 arrays "
          "(a, x read, h written)\n")


def shapes_section(shapes, backend, runs):
    """Times SHAPE_METHODS on each shape, printing the table line by line; returns its rows."""
    print(shape_header(), flush=True)
    rows = []
    for shape in shapes:
        rows_of_shape = shape_rows(shape, measure(shape, SHAPE_METHODS, backend, runs))
        print(shape_line(rows_of_shape), flush=True)
        rows += rows_of_shape
    return rows


def overhead_section(backend, calls):
    """Times OVERHEAD_METHODS per call on OVERHEAD_SHAPE, printing them; returns their rows."""
    batches = calls // OVERHEAD_BATCH
    print(f"\nper call, {OVERHEAD_SHAPE.array_label} {np.dtype(DTYPE)} along the last axis, "
          f"median of {batches} batches of {OVERHEAD_BATCH} calls:")
    rows = overhead_rows(measure(OVERHEAD_SHAPE, OVERHEAD_METHODS, backend, batches,
                                 OVERHEAD_BATCH))
    for row in rows:
        print(overhead_line(row))
    return rows


def main(argv=None):
    """python -m linrec.bench: the two sections, and the JSON file with --json."""
    arguments = parse_arguments(argv)
    runs = arguments.runs or (QUICK_RUNS if arguments.quick else DEFAULT_RUNS)
    try:
        device = _core.context(arguments.backend).device
    except linrec.Error as error:
        sys.exit(f"linrec.bench: backend {arguments.backend}: {error}")
    header = {"cpu": cpu_model(), "backend": arguments.backend, "device": device, "runs": runs,
              "versions": versions()}
    print_header(header)
    rows = shapes_section(QUICK_SHAPES if arguments.quick else DEFAULT_SHAPES,
                          arguments.backend, runs)
    rows += overhead_section(arguments.backend,
                             QUICK_OVERHEAD_CALLS if arguments.quick else OVERHEAD_CALLS)
    if arguments.json:
        with open(arguments.json, "w") as output:
            json.dump({**header, "rows": rows}, output, indent=1)
            output.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
