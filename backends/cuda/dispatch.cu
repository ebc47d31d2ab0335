/*
 * The cuda plugin's kernels and the shape rule that picks one per call (docs/algorithms.md, cuda):
 *   lanes == 1 (each sequence contiguous):
 *     steps <= SHORT_STEPS                           lanes_serial: a thread per sequence
 *     steps <= WARP_CHUNKS warp chunks               sequences_chunked: a warp per sequence
 *     sequences >= SEQUENCES_PER_MULTIPROCESSOR/SM   sequences_chunked: a block per sequence
 *     otherwise (few long sequences)                 sequences_look_back: tiles over the GPU
 *   lanes > 1 (channels side by side):
 *     sequences >= LANES_PER_MULTIPROCESSOR/SM,
 *     or too few steps to cut into tiles             lanes_serial: a thread per lane
 *     otherwise                                      lanes_look_back: lane x time tiles
 */
#include <algorithm>
#include <climits>
#include <cstdio>

#include "cuda_backend.h"
#include "lanes.cuh"
#include "sequences.cuh"

namespace
{

/* Shorter sequences are not worth sharing between threads. */
constexpr size_t SHORT_STEPS = 32;
/* A warp per sequence up to this many of its chunks; longer ones get a block. */
constexpr size_t WARP_CHUNKS = 4;
/* Sequences per multiprocessor from which a block per sequence fills the GPU in several waves. */
constexpr size_t SEQUENCES_PER_MULTIPROCESSOR = 32;
/* Lanes per multiprocessor from which a thread per lane keeps enough loads in flight. */
constexpr size_t LANES_PER_MULTIPROCESSOR = 1024;

size_t ceil_div(size_t n, size_t d)
{
    return n / d + (n % d != 0);
}

unsigned grid_for(size_t blocks)
{
    return static_cast<unsigned>(std::min<size_t>(std::max<size_t>(blocks, 1), INT_MAX));
}

template <typename T>
linrec__cuda_kernel choose(const Walk &walk, size_t multiprocessors, linrec__cuda_kernel forced)
{
    const bool contiguous = walk.lanes == 1;
    const bool any_shape =
        forced == LINREC__CUDA_KERNEL_LANES_SERIAL || forced == LINREC__CUDA_KERNEL_LANES_LOOK_BACK;
    if (forced != LINREC__CUDA_KERNEL_AUTO && (contiguous || any_shape))
        return forced;
    if (contiguous && walk.steps > SHORT_STEPS) {
        if (walk.steps <= WARP_CHUNKS * WARP * Items<T>::chunked)
            return LINREC__CUDA_KERNEL_SEQUENCES_WARP;
        if (walk.outer >= SEQUENCES_PER_MULTIPROCESSOR * multiprocessors)
            return LINREC__CUDA_KERNEL_SEQUENCES_BLOCK;
        return LINREC__CUDA_KERNEL_SEQUENCES_LOOK_BACK;
    }
    const size_t tile_steps = BLOCK_WARPS * Items<T>::look_back;
    if (walk.outer * walk.lanes >= LANES_PER_MULTIPROCESSOR * multiprocessors ||
        walk.steps <= 2 * tile_steps)
        return LINREC__CUDA_KERNEL_LANES_SERIAL;
    return LINREC__CUDA_KERNEL_LANES_LOOK_BACK;
}

/* Every kernel runs BLOCK threads per block with static shared memory only. cudaLaunchKernel
 * rather than <<<>>> so that the launch reports its own errors (and so that a host emulation of the
 * kernels, tests/cuda_emulator, can compile this file as C++). */
template <typename... Params>
linrec_status launch_kernel(const char *name, void (*kernel)(Params...), size_t blocks,
                            cudaStream_t stream, Params... params)
{
    void *arguments[] = {&params...};
    const cudaError_t error =
        cudaLaunchKernel(kernel, dim3(grid_for(blocks)), dim3(BLOCK), arguments, 0, stream);
    if (error == cudaSuccess)
        return LINREC_OK;
    char call[96];
    snprintf(call, sizeof call, "launch of kernel %s", name);
    return linrec__cuda_fail(error, call);
}

size_t round_up(size_t n, size_t multiple)
{
    return ceil_div(n, multiple) * multiple;
}

/* Look-back state for `slots` tile slots in the context's scratch, counter and flags zeroed. */
template <typename T>
linrec_status prepare_tiles(const linrec__cuda_launch *launch, size_t tiles, size_t slots,
                            TileStates<T> *ts)
{
    const size_t flags_at = sizeof(unsigned long long);
    const size_t maps_at = round_up(flags_at + slots * sizeof(unsigned), 16);
    const size_t states_at = maps_at + slots * sizeof(Pair<T>);
    linrec_status status =
        linrec__cuda_reserve(launch->scratch, states_at + slots * sizeof(T), "look-back scratch");
    if (status != LINREC_OK)
        return status;
    char *base = static_cast<char *>(launch->scratch->memory);
    const cudaError_t error = cudaMemsetAsync(base, 0, maps_at, launch->stream);
    if (error != cudaSuccess)
        return linrec__cuda_fail(error, "cudaMemsetAsync (look-back flags)");
    *ts = {reinterpret_cast<unsigned long long *>(base),
           reinterpret_cast<unsigned *>(base + flags_at),
           reinterpret_cast<Pair<T> *>(base + maps_at), reinterpret_cast<T *>(base + states_at),
           tiles};
    return LINREC_OK;
}

template <typename E, bool BACKWARD>
linrec_status launch_lanes_look_back(const linrec__cuda_launch *launch, const Arrays<E> &arr,
                                     const Walk &walk)
{
    using T = typename E::Real;
    const size_t steps = BLOCK_WARPS * Items<T>::look_back;
    const size_t tiles = walk.outer * ceil_div(walk.lanes, WARP) * ceil_div(walk.steps, steps);
    TileStates<T> ts;
    const linrec_status status = prepare_tiles(launch, tiles, tiles * WARP, &ts);
    if (status != LINREC_OK)
        return status;
    return launch_kernel("lanes_look_back", lanes_look_back<E, BACKWARD>, tiles, launch->stream,
                         arr, walk, ts);
}

template <typename E, bool BACKWARD>
linrec_status launch_sequences_look_back(const linrec__cuda_launch *launch, const Arrays<E> &arr,
                                         const Walk &walk)
{
    using T = typename E::Real;
    /* A sequence not aligned to chunks touches at most this many. */
    const size_t per_sequence = (walk.steps - 1) / (BLOCK * Items<T>::look_back) + 2;
    const size_t tiles = walk.outer * per_sequence;
    TileStates<T> ts;
    const linrec_status status = prepare_tiles(launch, tiles, tiles, &ts);
    if (status != LINREC_OK)
        return status;
    return launch_kernel("sequences_look_back", sequences_look_back<E, BACKWARD>, tiles,
                         launch->stream, arr, walk, ts);
}

template <typename E, bool BACKWARD>
linrec_status launch_scan(const linrec__cuda_launch *launch, const Arrays<E> &arr, const Walk &walk)
{
    const cudaStream_t stream = launch->stream;
    switch (choose<typename E::Real>(walk, static_cast<size_t>(launch->multiprocessors),
                                     launch->forced)) {
    case LINREC__CUDA_KERNEL_LANES_LOOK_BACK:
        return launch_lanes_look_back<E, BACKWARD>(launch, arr, walk);
    case LINREC__CUDA_KERNEL_SEQUENCES_LOOK_BACK:
        return launch_sequences_look_back<E, BACKWARD>(launch, arr, walk);
    case LINREC__CUDA_KERNEL_SEQUENCES_WARP:
        return launch_kernel("sequences_chunked (warp)", sequences_chunked<E, BACKWARD, 1>,
                             ceil_div(walk.outer, BLOCK_WARPS), stream, arr, walk);
    case LINREC__CUDA_KERNEL_SEQUENCES_BLOCK:
        return launch_kernel("sequences_chunked (block)",
                             sequences_chunked<E, BACKWARD, BLOCK_WARPS>, walk.outer, stream, arr,
                             walk);
    case LINREC__CUDA_KERNEL_AUTO: /* choose() never returns it; the kernel that serves any shape */
    case LINREC__CUDA_KERNEL_LANES_SERIAL:
        break;
    }
    return launch_kernel("lanes_serial", lanes_serial<E, BACKWARD>,
                         ceil_div(walk.outer * walk.lanes, BLOCK), stream, arr, walk);
}

/* Gradients run against the forward scan's direction. */
Walk walk_of(const linrec__shape *shape, bool backward)
{
    const linrec__geometry &g = shape->geometry;
    return {g.outer,        g.lanes,       g.steps,
            g.outer_stride, g.step_stride, (shape->reverse != 0) != backward};
}

template <typename E>
linrec_status forward(const linrec__cuda_launch *launch, const linrec__scan_args *args)
{
    using Coef = typename E::Coef;
    using Data = typename E::Data;
    const Arrays<E> arr = {static_cast<const Coef *>(args->a),
                           static_cast<const Data *>(args->x),
                           static_cast<const Data *>(args->h0),
                           nullptr,
                           static_cast<Data *>(args->h),
                           nullptr,
                           nullptr};
    return launch_scan<E, false>(launch, arr, walk_of(args->shape, false));
}

template <typename E>
linrec_status backward(const linrec__cuda_launch *launch, const linrec__backward_args *args)
{
    using Coef = typename E::Coef;
    using Data = typename E::Data;
    const Arrays<E> arr = {static_cast<const Coef *>(args->a),  static_cast<const Data *>(args->dh),
                           static_cast<const Data *>(args->h0), static_cast<const Data *>(args->h),
                           static_cast<Data *>(args->dx),       static_cast<Coef *>(args->da),
                           static_cast<Data *>(args->dh0)};
    return launch_scan<E, true>(launch, arr, walk_of(args->shape, true));
}

} // namespace

extern "C" linrec_status linrec__cuda_forward(const linrec__cuda_launch *launch,
                                              const linrec__scan_args *args)
{
    return for_kind(args->shape->element,
                    [&](auto kind) { return forward<decltype(kind)>(launch, args); });
}

extern "C" linrec_status linrec__cuda_backward(const linrec__cuda_launch *launch,
                                               const linrec__backward_args *args)
{
    return for_kind(args->shape->element,
                    [&](auto kind) { return backward<decltype(kind)>(launch, args); });
}

extern "C" cudaError_t linrec__cuda_image_error(void)
{
    cudaFuncAttributes attributes;
    using AnyKind = std::tuple_element_t<0, Kinds>; /* every kernel is in the same image */
    return cudaFuncGetAttributes(&attributes, lanes_serial<AnyKind, false>);
}
