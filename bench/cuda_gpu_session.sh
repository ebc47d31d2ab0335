#!/usr/bin/env bash
# The cuda plugin's GPU checks in as little device time as possible (docs/cuda-gpu-runbook.md).
#
#   bench/cuda_gpu_session.sh prepare   here, without a GPU: builds build/gpu (sm_90 machine code
#                                       plus PTX) and copies the test program's libraries that a
#                                       GPU machine's image may lack (Criterion and its needs) into
#                                       build/gpu/deps.
#   bench/cuda_gpu_session.sh run [tests] [bench] [sanitize]
#                                       on the GPU machine, with build/gpu carried: the suite
#                                       required to run and each kernel forced (tests), the
#                                       benchmark (bench), compute-sanitizer (sanitize); all three
#                                       when none is named. Logs in $OUT, a table last.
#
# When the carried programs cannot run there (other system libraries), `run` builds the plugin and
# the benchmark there instead, without the tests. Each stage has a time limit so that the table
# always prints inside one call; STAGE_SECONDS overrides it.
set -uo pipefail
cd "$(dirname "$0")/.."
self=$PWD/bench/$(basename "$0")
build=${LINREC_GPU_BUILD:-build/gpu} # the build the stages run; run() may switch it
out=${OUT:-/tmp/linrec-gpu}
mkdir -p "$out"

prepare() {
  export PATH="/usr/local/cuda/bin:$PATH"
  cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release -DLINREC_WERROR=ON -DLINREC_WITH_OPENCL=OFF \
    -DCMAKE_CUDA_ARCHITECTURES="90-real;90-virtual" && cmake --build $build -j"$(nproc)" || exit 1
  mkdir -p $build/deps
  # Everything the test program loads except the C library itself, which the GPU machine has.
  ldd $build/linrec_tests | awk '$3 ~ /^\// {print $3}' |
    grep -vE '/(libc|libm|libdl|libpthread|librt|libresolv|ld-linux[^/]*)\.so' |
    grep -v "$PWD/$build" | xargs -r cp -L -t $build/deps
  du -sh $build
}

# stage NAME SECONDS COMMAND...: runs the command with a limit, logs to $out/NAME.log, records
# pass/fail/timeout for the table.
results=()
stage() {
  local name=$1 seconds=${STAGE_SECONDS:-$2}
  shift 2
  echo "== $name: $*"
  timeout "$seconds" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  local verdict=passed
  [ $rc -eq 124 ] && verdict="timed out after ${seconds}s"
  [ $rc -ne 0 ] && [ $rc -ne 124 ] && verdict="FAILED (exit $rc)"
  results+=("$(printf '%-34s %s' "$name" "$verdict")")
  tail -3 "$out/$name.log"
}

# The half and complex types beside f32 and f64 on device buffers, forward and backward: GB/s side
# by side (issue 12's target: c64 at 0.9 of f64's bytes per second, c128 of 2x f64's).
bench_dtypes() {
  local dtype direction
  for direction in "" --backward; do
    for dtype in "f32" "f16" "bf16" "f16 --coefficients f32" "f64" "c64" "c128"; do
      # shellcheck disable=SC2086 # dtype holds its own options
      $build/linrec bench --backend cuda --no-serial --runs 5 $direction --dtype $dtype || return
    done
  done
}

build_here() {
  cmake -S . -B build/gpu-local -G Ninja -DCMAKE_BUILD_TYPE=Release -DLINREC_BUILD_TESTS=OFF \
    -DLINREC_WITH_OPENCL=OFF -DCMAKE_CUDA_ARCHITECTURES=90 && cmake --build build/gpu-local -j16
}

run() {
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv | tee "$out/gpu.txt"
  export LD_LIBRARY_PATH="$PWD/$build/lib:$PWD/$build/deps${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LINREC_BACKEND_PATH="$PWD/$build/lib/linrec"
  if ! $build/linrec info >"$out/info.log" 2>&1; then
    echo "the carried build does not run here; building the plugin and the benchmark here"
    stage build 300 "$self" build-here
    build=build/gpu-local
    export LINREC_GPU_BUILD=$build
    export LD_LIBRARY_PATH="$PWD/$build/lib" LINREC_BACKEND_PATH="$PWD/$build/lib/linrec"
  fi
  $build/linrec info | tee -a "$out/info.log"
  export LINREC_BACKEND=cuda LINREC_TEST_REQUIRE=cuda
  local wanted=" ${*:-tests bench sanitize} "
  if [[ $wanted == *" tests "* ]] && [ -x $build/linrec_tests ]; then
    stage suite 240 $build/linrec_tests --jobs 8
    for kernel in lanes-serial lanes-look-back sequences-warp sequences-block sequences-look-back; do
      stage "kernel_$kernel" 60 env LINREC_CUDA_KERNEL=$kernel \
        $build/linrec_tests --jobs 8 \
        --filter '@(forward|backward|semantics|half_forward*|half_backward*|complex_forward|complex_backward)/*'
    done
    # linrec/cuda.h on the test's own memory and stream, and the example application.
    [ -x $build/linrec_cuda_interop_gpu_tests ] &&
      stage interop 60 env LINREC_TEST_SUITE=cuda_interop $build/linrec_cuda_interop_gpu_tests --jobs 1
    [ -x $build/linrec_cuda_interop_example ] && stage interop_example 30 $build/linrec_cuda_interop_example
  fi
  if [[ $wanted == *" bench "* ]]; then
    stage bench_quick 60 $build/linrec_cuda_bench --quick --runs 5
    stage bench 300 $build/linrec_cuda_bench
    stage bench_dtypes 150 "$self" bench-dtypes
    # Small scans enqueued back to back on wrapped memory against scans that each wait.
    [ -x $build/linrec_interop_bench ] && stage bench_interop 60 $build/linrec_interop_bench cuda
  fi
  if [[ $wanted == *" sanitize "* ]] && [ -x $build/linrec_tests ] &&
    command -v compute-sanitizer >/dev/null; then
    local sanitize="compute-sanitizer --target-processes all --error-exitcode 1"
    stage memcheck 300 $sanitize --tool memcheck $build/linrec_tests --jobs 1 \
      --filter '@(forward|backward|semantics|buffers)/*'
    [ -x $build/linrec_cuda_interop_gpu_tests ] &&
      stage memcheck_interop 120 env LINREC_TEST_SUITE=cuda_interop $sanitize --tool memcheck \
        $build/linrec_cuda_interop_gpu_tests --jobs 1
    for kernel in lanes-look-back sequences-look-back sequences-block; do
      stage "racecheck_$kernel" 120 env LINREC_CUDA_KERNEL=$kernel $sanitize --tool racecheck \
        $build/linrec_tests --jobs 1 --filter 'forward/F32_*'
    done
  fi
  echo
  cat "$out/gpu.txt"
  grep -E '^(Issue 5|shape|B[0-9]|The paper|T |$)' "$out/bench.log" 2>/dev/null | head -60
  grep -E '^(backend|cuda) ' "$out/bench_dtypes.log" 2>/dev/null | head -60
  cat "$out/bench_interop.log" 2>/dev/null
  printf '%s\n' "${results[@]}"
}

case "${1:-}" in
prepare) prepare ;;
run) shift; run "$@" ;;
# Stages that run() times: `timeout` needs a program, so it runs this script again.
build-here) build_here ;;
bench-dtypes) bench_dtypes ;;
*) echo "usage: $0 prepare|run" >&2; exit 2 ;;
esac
