#!/usr/bin/env bash
# Usage: tests/cross/aarch64.sh
#
# Cross-builds linrec for aarch64 in build/aarch64 with Debian's gcc-aarch64-linux-gnu and runs the
# serial and openmp suites under qemu-user, openmp on the path its dispatcher picks (which must be
# NEON) and forced onto the NEON and scalar paths. Installs nothing. It needs, on Debian 12:
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user \
#     libc6:arm64 libgomp1:arm64 libffi8:arm64 libgit2-1.5:arm64
#   tests/cross/aarch64-criterion.sh   (the arm64 Criterion, in LINREC_CROSS_ROOT)
#
# The suites under qemu are slow (the reference's long double is software quad precision on
# aarch64), so the tests are shared out. The scan tests, the ones that reach the SIMD kernels, run
# on serial, NEON and scalar; the rest runs once, on the dispatcher's choice (NEON), less what
# repeats code without a SIMD or aarch64-specific path at many minutes' cost under qemu: the large
# outputs (only x86 streams them; both aarch64 paths store them as the other tests do), the f64
# cells (the f32 ones run the same C code), the cells' long sequences (their time split is
# plain C and C11 atomics, whose ordering qemu on an x86 host cannot weaken as an Arm CPU may) and
# the complex suites (their reference is long double _Complex, software quad precision here, which
# took 5 minutes), of which only four scan tests run, on NEON alone (the one path with complex
# vectors of its own here; scalar and serial are the C loops the x86 suites run): c64 forward on
# the time and rows kernels, and backward (conjugates) in c64 on the time kernel and in c128 on
# the rows kernel, about 2 minutes; every complex scan test on NEON took 7.
set -euo pipefail
self=$(realpath "$0")
cd "$(dirname "$self")/../.."

# Criterion starts each test in a process that it execs from its own binary, which the kernel runs
# only through a binfmt_misc entry for aarch64. So that nothing changes outside it, this script
# runs again in a private user and mount namespace (Linux 6.7 or later) that registers its own.
if [ -z "${LINREC_CROSS_NAMESPACE:-}" ]; then
  exec unshare --user --map-root-user --mount env LINREC_CROSS_NAMESPACE=1 bash "$self"
fi

root=${LINREC_CROSS_ROOT:-/opt/aarch64-criterion}
build=build/aarch64
cmake -S . -B "$build" --toolchain cmake/toolchains/aarch64-linux-gnu.cmake \
  -DLINREC_CROSS_ROOT="$root" -DCMAKE_BUILD_TYPE=Release -DLINREC_WERROR=ON \
  -DLINREC_WITH_OPENCL=OFF -DLINREC_WITH_CUDA=OFF -DLINREC_WITH_MPI=OFF
cmake --build "$build" -j2
qemu=$(sed -n 's/^LINREC_QEMU_AARCH64:FILEPATH=//p' "$build/CMakeCache.txt")

# The ELF identification of an aarch64 executable: magic, then mask.
magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
echo ":linrec-aarch64:M::$magic:$mask:$qemu:F" >/proc/sys/fs/binfmt_misc/register
# For the test processes that binfmt_misc starts, which get no -L from ctest.
export QEMU_LD_PREFIX=$root

# The dispatcher's own choice on an aarch64 CPU must be NEON, not the scalar fallback.
info=$(LINREC_BACKEND=openmp "$qemu" "$build/linrec" info)
echo "$info"
if ! grep -q '^auto picks: openmp (.*, neon)$' <<<"$info"; then
  echo "FAIL: openmp does not pick its NEON kernels under qemu-aarch64" >&2
  exit 1
fi

export LINREC_TEST_REQUIRE=serial,openmp,openmp_neon,openmp_scalar
# The long version: every test on every suite (about 35 CPU-minutes under qemu).
if [ "${LINREC_CROSS_FULL:-0}" = 1 ]; then
  exec ctest --test-dir "$build" --output-on-failure --no-tests=error \
    -R '^suite_(serial|openmp|openmp_neon|openmp_scalar)$'
fi
scan_tests='@(@(forward|backward|long_sequence|semantics|buffers)/*|chunking/!(large_outputs*))'
CRITERION_TEST_PATTERN=$scan_tests ctest --test-dir "$build" --output-on-failure \
  --no-tests=error -R '^suite_(serial|openmp_neon|openmp_scalar)$'
complex_scans='@(complex_forward/C64_@(BCT|TBC)|complex_backward/@(C64_BCT|C128_TBC))'
CRITERION_TEST_PATTERN=$complex_scans ctest --test-dir "$build" --output-on-failure \
  --no-tests=error -R '^suite_openmp_neon$'
left_out='@(chunking/large_outputs*|cells/@(*_F64|long_sequences)|complex*/*)'
CRITERION_TEST_PATTERN="!(@($scan_tests|$left_out))" ctest --test-dir "$build" --output-on-failure \
  --no-tests=error -R '^suite_openmp$'
