/*
 * The emulator's interface between device code (device.h) and the blocks that run it (blocks.cpp).
 *
 * A launch runs its blocks on a few host threads at once, so that blocks wait on each other for
 * real as a GPU's resident blocks do (the look-back kernels depend on it). Inside a block, each
 * CUDA thread is a fiber that the block's host thread switches to in turn; a fiber runs until it
 * reaches a barrier, a shuffle or a pause, so that a block's threads meet at every barrier exactly
 * as on a GPU. Shared memory is thread_local: one host thread runs one block at a time.
 */
#ifndef LINREC_TESTS_CUDA_EMULATOR_EMULATOR_H
#define LINREC_TESTS_CUDA_EMULATOR_EMULATOR_H

#include "cuda_runtime_api.h"

namespace linrec_emulator
{

constexpr unsigned WARP = 32;

/* The calling CUDA thread's coordinates. */
uint3 thread_index();
uint3 block_index();
dim3 grid_size();

/* __syncthreads(): returns when every thread of the block has arrived. */
void sync_block();

/* Publishes `bits` for this lane and returns, once every lane of the warp has published, the 32
 * values of this round. Every lane must call it from the same place (`file`, `line`) with a full
 * `mask`, as the kernels' shuffles do: otherwise the launch fails. */
const unsigned long long *warp_exchange(unsigned long long bits, unsigned mask, const char *file,
                                        unsigned line);

/* Lets other threads and blocks run before this thread goes on (a spinning wait's sleep). */
void pause();

/* Whether `address` lies in memory that cudaMalloc returned and cudaFree did not yet take back. */
bool is_device_memory(const void *address);

/* Before a launch: sets *skip when a test armed a fault for it (the kernel then does not run, and
 * a later call reports the fault), else returns the fault of an earlier launch not yet reported. */
cudaError_t launch_fault(bool *skip);

/* Runs body(context) as every thread of a grid of `grid` blocks of `block` threads, the blocks
 * started in a shuffled order, and returns when all have finished: cudaErrorLaunchFailure when the
 * threads of a block waited on each other forever (a barrier or shuffle that not all of them
 * reach) or shuffled wrongly, cudaErrorInvalidConfiguration for a shape the kernels never use
 * (more than one dimension, or more than 1024 threads). */
cudaError_t launch(dim3 grid, dim3 block, void (*body)(void *), void *context);

} // namespace linrec_emulator

#endif /* LINREC_TESTS_CUDA_EMULATOR_EMULATOR_H */
