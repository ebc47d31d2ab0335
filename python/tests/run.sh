#!/usr/bin/env bash
# The Python package's tests, as ctest runs them (test python_package): a virtual environment under
# build/python-venv, made once and kept, with the test dependencies from PyPI (torch brings about
# 3 GB of CUDA libraries, so it is installed only when missing); then `pip install ./python` from
# this checkout, as a user runs it, and pytest. Exits 77 (skipped) where the environment cannot be
# made here, unless LINREC_TEST_REQUIRE lists "python".
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=$root/build/python-venv

skip_or_fail() {
  echo "SKIP: python: $1"
  case ",${LINREC_TEST_REQUIRE:-}," in
  *,python,*) echo "FAIL: LINREC_TEST_REQUIRE lists python"; exit 1 ;;
  esac
  exit 77
}

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || skip_or_fail "cannot make a virtual environment (Debian: python3-venv)"
fi
if ! "$venv/bin/python" -c "import pytest, torch, jax, numba" 2>/dev/null; then
  "$venv/bin/pip" install -q --upgrade pip &&
    "$venv/bin/pip" install -q pytest "torch>=2.4" "jax>=0.4.35" numba ||
    skip_or_fail "cannot install pytest, torch, jax and numba from PyPI"
fi
"$venv/bin/pip" install -q "$root/python" || exit 1
cd "$root/python/tests" && exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
