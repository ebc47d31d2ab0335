#!/usr/bin/env bash
# Strong and weak scaling of linrec_mpi_scan with 1 to 4 ranks (docs/distributed.md):
#   bench/mpi_scaling.sh [build dir] [backend]
# Strong: 2^22 steps of 4 x 64 sequences split over the ranks; weak: 2^20 steps per rank.
set -euo pipefail
build=${1:-build/release}
export LINREC_BACKEND=${2:-serial}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
for mode in "--strong 4194304" "--weak 1048576"; do
  for ranks in 1 2 3 4; do
    # shellcheck disable=SC2086
    mpiexec -n "$ranks" --oversubscribe --bind-to none "$build/linrec-mpi-bench" $mode \
      --batch 4 --channels 64 --runs 11
  done
done
