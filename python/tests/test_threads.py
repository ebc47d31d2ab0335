"""linrec from several Python threads at once, and the GIL released while the library runs."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import linrec
from helpers import random_problem, scan_reference, tolerance

THREADS = 4
SCANS_PER_THREAD = 50


def _scan_many(backend, seed, barrier):
    """SCANS_PER_THREAD scans of this thread's own random problems, each checked against the
    reference; returns how many were checked."""
    rng = np.random.default_rng(seed)
    barrier.wait()  # start all threads together
    for _ in range(SCANS_PER_THREAD):
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 200)), int(rng.integers(1, 6)))
        axis = int(rng.integers(0, 3))
        dtype = np.float32 if rng.integers(2) else np.float64
        reverse = bool(rng.integers(2))
        a, x, h0 = random_problem(rng, shape, axis, dtype, with_h0=bool(rng.integers(2)))
        h = linrec.scan(a, x, h0, axis=axis, reverse=reverse, backend=backend)
        np.testing.assert_allclose(h, scan_reference(a, x, h0, axis, reverse), **tolerance(dtype),
                                   err_msg=f"{shape=} {axis=} {reverse=} {dtype=}")
    return SCANS_PER_THREAD


def test_concurrent_scans_from_threads(backend):
    barrier = threading.Barrier(THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(_scan_many, backend, seed, barrier) for seed in range(THREADS)]
        checked = [future.result(timeout=120) for future in futures]  # re-raises a failure
    assert checked == [SCANS_PER_THREAD] * THREADS


def test_concurrent_scan_backward_from_threads(backend):
    rng = np.random.default_rng(7)
    problems = [random_problem(rng, (3, 64, 4), axis=1) for _ in range(THREADS)]
    expected = []
    for a, x, h0 in problems:
        h = scan_reference(a, x, h0, axis=1)
        expected.append(linrec.scan_backward(a, h, x, h0, axis=1, backend="serial"))

    def run(index):
        a, x, h0 = problems[index]
        h = linrec.scan(a, x, h0, axis=1, backend=backend)
        return [linrec.scan_backward(a, h, x, h0, axis=1, backend=backend)
                for _ in range(SCANS_PER_THREAD)]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(run, range(THREADS)))
    for want, got_all in zip(expected, results):
        for got in got_all:
            for g, w in zip(got, want):
                np.testing.assert_allclose(g, w, **tolerance(np.float64))


@pytest.mark.parametrize("call", ["scan", "scan_backward"])
def test_gil_is_released_during_a_large_scan(call):
    # A Python thread ticks (sleeping briefly between ticks) while the main thread runs one
    # large serial scan. Were the GIL held inside the library, the ticker could run only before
    # the call reaches C or after it returns, never in the middle third of the call's span.
    a = np.full((64, 2 ** 18), 0.999, np.float32)
    x = np.ones_like(a)
    h = linrec.scan(a, x, backend="serial")
    work = {"scan": lambda: linrec.scan(a, x, backend="serial"),
            "scan_backward": lambda: linrec.scan_backward(a, h, x, backend="serial")}[call]
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.0005)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        time.sleep(0.01)  # let the ticker start
        start = time.perf_counter()
        work()
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    third = (end - start) / 3
    assert third > 0.01, f"the scan took only {end - start:.3f} s; too short to tell"
    during = [tick for tick in ticks if start + third <= tick <= end - third]
    assert during, (f"no Python thread ran during the middle of a {end - start:.3f} s {call}: "
                    "the GIL seems held")
