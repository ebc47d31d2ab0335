/*
 * What nvcc gives device code, on the host: the qualifiers, the built-in indices, barriers,
 * shuffles, atomics and vector types that the cuda plugin's kernels use, plus the runtime's launch
 * template. dispatch.cpp includes this before backends/cuda/dispatch.cu.
 */
#ifndef LINREC_TESTS_CUDA_EMULATOR_DEVICE_H
#define LINREC_TESTS_CUDA_EMULATOR_DEVICE_H

#include <atomic>
#include <cmath>
#include <cstring>
#include <source_location>
#include <tuple>
#include <utility>

#include "emulator.h"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
/* One host thread runs one block at a time, so its thread_local statics are the block's. */
#define __shared__ static thread_local

#define threadIdx (linrec_emulator::thread_index())
#define blockIdx (linrec_emulator::block_index())
#define gridDim (linrec_emulator::grid_size())

/* The float overloads, which device code gets without std::. */
using std::fma;

struct alignas(16) uint4 {
    unsigned x, y, z, w;
};

inline void __syncthreads()
{
    linrec_emulator::sync_block();
}

inline void __nanosleep(unsigned)
{
    linrec_emulator::pause();
}

template <typename T> inline T __ldcg(const T *address)
{
    return *address;
}

inline unsigned long long atomicAdd(unsigned long long *address, unsigned long long value)
{
    return std::atomic_ref<unsigned long long>(*address).fetch_add(value);
}

namespace linrec_emulator
{

/* Every lane's `value`, by way of warp_exchange; `source` picks whose this lane gets. The kernels
 * shuffle with every lane of the warp (a full mask), which the exchange requires: a lane that
 * never arrives leaves the others waiting, and the launch reports it. */
template <typename T>
T shuffle(T value, unsigned source, unsigned mask, const std::source_location &where)
{
    static_assert(sizeof(T) <= sizeof(unsigned long long), "shuffles move up to 8 bytes");
    unsigned long long bits = 0;
    std::memcpy(&bits, &value, sizeof value);
    const unsigned long long *lanes = warp_exchange(bits, mask, where.file_name(), where.line());
    T out;
    std::memcpy(&out, &lanes[source % WARP], sizeof out);
    return out;
}

} // namespace linrec_emulator

template <typename T>
T __shfl_up_sync(unsigned mask, T value, unsigned delta,
                 const std::source_location &where = std::source_location::current())
{
    const unsigned lane = threadIdx.x % linrec_emulator::WARP;
    const T before = linrec_emulator::shuffle(value, lane - delta, mask, where);
    return lane >= delta ? before : value;
}

template <typename T>
T __shfl_sync(unsigned mask, T value, int source,
              const std::source_location &where = std::source_location::current())
{
    return linrec_emulator::shuffle(value, static_cast<unsigned>(source), mask, where);
}

/* Whether a kernel argument's pointers are all device memory: overloads for the kernels' argument
 * types (dispatch.cpp) check them, so that a host pointer handed to a kernel fails the launch as
 * it would fault on a GPU. Arguments without pointers pass. */
template <typename Param> bool linrec_emulator_device_arguments(const Param &)
{
    return true;
}

/* The runtime's typed launch: every thread calls the kernel with its own copies of the arguments,
 * as each CUDA thread reads its parameters from constant memory. */
template <typename... Params, size_t... I>
cudaError_t linrec_emulator_launch(void (*kernel)(Params...), dim3 grid, dim3 block, void **args,
                                   std::index_sequence<I...>)
{
    struct Call {
        void (*kernel)(Params...);
        std::tuple<Params...> arguments;
    } call = {kernel, std::tuple<Params...>(*static_cast<Params *>(args[I])...)};
    if (!(linrec_emulator_device_arguments(std::get<I>(call.arguments)) && ...))
        return cudaErrorInvalidValue;
    return linrec_emulator::launch(
        grid, block,
        [](void *context) {
            Call *c = static_cast<Call *>(context);
            std::apply(c->kernel, c->arguments);
        },
        &call);
}

template <typename... Params>
cudaError_t cudaLaunchKernel(void (*kernel)(Params...), dim3 grid, dim3 block, void **args,
                             size_t shared_bytes, cudaStream_t)
{
    if (shared_bytes != 0)
        return cudaErrorInvalidConfiguration; /* the kernels use static shared memory only */
    return linrec_emulator_launch(kernel, grid, block, args, std::index_sequence_for<Params...>{});
}

/* Every kernel of this build runs here. */
template <typename Kernel> cudaError_t cudaFuncGetAttributes(cudaFuncAttributes *attributes, Kernel)
{
    attributes->maxThreadsPerBlock = 1024;
    return cudaSuccess;
}

#endif /* LINREC_TESTS_CUDA_EMULATOR_DEVICE_H */
