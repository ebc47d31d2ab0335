#!/bin/sh
# run_under_oclgrind.sh PROGRAM [ARGS...]: runs a Criterion test program under Oclgrind, whose
# runtime (preloaded by the oclgrind command) is then the only OpenCL platform the program sees,
# with its data-race and API checks on. Oclgrind reports on stderr and never changes the exit
# status, so any output line that is not Criterion's ("[----] ...") fails the run: the program
# prints nothing else. Its --uninitialized check is left off: Debian's build fails on the LLVM
# `freeze` instructions of our kernels.
#
# Device limits: 16 compute units and work-groups of at most 16 work-items, which the cases in
# oclgrind_cases.c are sized for. Without oclgrind this exits 77 (skipped) with the reason, unless
# LINREC_TEST_REQUIRE names LINREC_TEST_SUITE (then it fails), as the suites do (tests/main.c).

suite=${LINREC_TEST_SUITE:-opencl_oclgrind}

required() {
    case ",$(printf '%s' "$LINREC_TEST_REQUIRE" | tr '[:upper:]' '[:lower:]')," in
    *",$suite,"*) return 0 ;;
    esac
    return 1
}

if ! oclgrind=$(command -v oclgrind); then
    if required; then
        echo "FAIL: $suite: oclgrind is not installed (Debian: apt-get install oclgrind)"
        exit 1
    fi
    echo "SKIP: $suite: oclgrind is not installed (Debian: apt-get install oclgrind)"
    exit 77
fi

# LINREC_VERBOSE would add the library's own lines to the output.
unset LINREC_VERBOSE
output=$("$oclgrind" --data-races --check-api --compute-units 16 --max-wgsize 16 "$@" 2>&1)
status=$?
printf '%s\n' "$output"
if [ "$status" -ne 0 ]; then
    exit "$status" # a failed test, or 77: the program skipped with its reason (tests/main.c)
fi
reports=$(printf '%s\n' "$output" | grep -c -v -e '^\[' -e '^$')
if [ "$reports" -ne 0 ]; then
    echo "FAIL: $suite: Oclgrind reported problems: the $reports lines above that are not Criterion's"
    exit 1
fi
