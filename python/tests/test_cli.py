"""The package's command-line entry points: python -m linrec (the bundled linrec tool) and
python -m linrec.bench (smoke run; its figures are not judged here)."""

import json
import subprocess
import sys


def _run(*arguments):
    return subprocess.run([sys.executable, "-m", *arguments], capture_output=True, text=True,
                          timeout=600, check=False)


def test_info_prints_what_linrec_info_prints():
    result = _run("linrec", "info")
    assert result.returncode == 0, result.stderr
    assert "backends (in auto order):" in result.stdout
    assert "openmp   openmp:0" in result.stdout
    assert "auto picks:" in result.stdout


def test_bench_quick_times_every_method_it_checked(tmp_path):
    report = tmp_path / "bench.json"
    result = _run("linrec.bench", "--quick", "--json", str(report))
    assert result.returncode == 0, result.stderr
    rows = json.loads(report.read_text())["rows"]
    methods = {row["method"] for row in rows}
    assert {"linrec.scan", "scan(out=)", "numba", "jax assoc", "linrec.jax",
            "linrec.torch"} <= methods
    assert all(row["median_s"] is None or row["median_s"] > 0 for row in rows)
