/*
 * Kernels for many channels side by side (TBC, BTC): a thread per lane, so that a warp's loads of
 * one step are 32 consecutive elements, coalesced. Each thread walks its lane through time; when
 * there are too few lanes to fill the GPU, time is cut into tiles over blocks, chained by the
 * decoupled look-back.
 */
#ifndef LINREC_BACKENDS_CUDA_LANES_CUH
#define LINREC_BACKENDS_CUDA_LANES_CUH

#include "scan.cuh"

namespace
{

/*
 * Steps u0 .. u0+S-1 of lane l in group g; identity maps past the end or for an inactive thread.
 * Gradients take c from a at the kernel step before (0 at the first; conjugated), v from dh, and
 * the entering forward state from h at the kernel step after (`edge`, h0 or 0, after the last).
 */
template <typename E, typename T, int S, bool BACKWARD>
__device__ __forceinline__ void load_lane(const Arrays<E> &arr, const Walk &walk, size_t g,
                                          size_t l, size_t u0, bool active, T edge,
                                          Steps<T, S, BACKWARD> &s)
{
#pragma unroll
    for (int j = 0; j < S; ++j) {
        const size_t u = u0 + j;
        const bool inside = active && u < walk.steps;
        s.v[j] = inside ? widen(arr.v[walk.at(g, l, u)]) : T(0);
        if constexpr (!BACKWARD) {
            s.c[j] = inside ? widen(arr.a[walk.at(g, l, u)]) : T(1);
        } else {
            s.c[j] = !inside ? T(1) : u > 0 ? conjugate(widen(arr.a[walk.at(g, l, u - 1)])) : T(0);
            if (arr.da)
                s.entering[j] =
                    inside && u + 1 < walk.steps ? widen(arr.h[walk.at(g, l, u + 1)]) : edge;
        }
    }
}

template <typename E, typename T, int S, bool BACKWARD>
__device__ __forceinline__ void store_lane(const Arrays<E> &arr, const Walk &walk, size_t g,
                                           size_t l, size_t u0, const Steps<T, S, BACKWARD> &s)
{
#pragma unroll
    for (int j = 0; j < S; ++j) {
        const size_t u = u0 + j;
        if (u >= walk.steps)
            break;
        const size_t m = walk.at(g, l, u);
        arr.out[m] = narrow<typename E::Data>(s.v[j]);
        if constexpr (BACKWARD) {
            if (arr.da)
                arr.da[m] = narrow<typename E::Coef>(s.v[j] * conjugate(s.entering[j]));
        }
    }
}

/* dh0 = conj(a) * dx at the forward scan's first step, the last step in kernel order. */
template <typename E, typename T>
__device__ __forceinline__ void store_dh0(const Arrays<E> &arr, const Walk &walk, size_t g,
                                          size_t l, T last_state)
{
    arr.dh0[g * walk.lanes + l] = narrow<typename E::Data>(
        conjugate(widen(arr.a[walk.at(g, l, walk.steps - 1)])) * last_state);
}

/* A thread per sequence walking all its steps, the next S steps' loads in flight while the current
 * ones run. Serves many lanes, and sequences too short to share between threads. */
template <typename E, bool BACKWARD>
__global__ void __launch_bounds__(BLOCK) lanes_serial(Arrays<E> arr, Walk walk)
{
    using T = typename E::Real;
    constexpr int S = Items<T>::serial;
    const size_t sequences = walk.outer * walk.lanes;
    for (size_t i = blockIdx.x * size_t{BLOCK} + threadIdx.x; i < sequences;
         i += size_t{gridDim.x} * BLOCK) {
        const size_t g = i / walk.lanes, l = i % walk.lanes;
        const T edge = arr.h0 ? widen(arr.h0[i]) : T(0);
        T h = BACKWARD ? T(0) : edge;
        Steps<T, S, BACKWARD> current, next;
        load_lane(arr, walk, g, l, 0, true, edge, current);
        for (size_t u0 = 0; u0 < walk.steps; u0 += S) {
            if (u0 + S < walk.steps)
                load_lane(arr, walk, g, l, u0 + S, true, edge, next);
            h = run(current, h);
            store_lane(arr, walk, g, l, u0, current);
            if (u0 + S < walk.steps)
                current = next;
        }
        if constexpr (BACKWARD) {
            if (arr.dh0)
                store_dh0(arr, walk, g, l, h);
        }
    }
}

/*
 * Too few lanes to fill the GPU: a tile is 32 lanes (a warp's width) by BLOCK_WARPS * S steps, each
 * warp taking S consecutive steps of the tile. Warps combine through shared memory, and each lane
 * of warp 0 looks back along its own lane's chain of tiles. Tiles of different chains (groups and
 * 32-lane blocks) interleave: tile = time index * chains + chain.
 */
template <typename E, bool BACKWARD>
__global__ void __launch_bounds__(BLOCK)
    lanes_look_back(Arrays<E> arr, Walk walk, TileStates<typename E::Real> ts)
{
    using T = typename E::Real;
    constexpr int S = Items<T>::look_back, STEPS = BLOCK_WARPS * S;
    __shared__ Pair<T> totals[BLOCK_WARPS][WARP];
    __shared__ T entering[WARP];
    __shared__ unsigned long long tile_shared;
    const int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP;
    const size_t lane_blocks = (walk.lanes + WARP - 1) / WARP, chains = walk.outer * lane_blocks;
    const size_t per_chain = (walk.steps + STEPS - 1) / STEPS;
    for (;;) {
        const size_t tile = next_tile(ts, &tile_shared);
        if (tile >= ts.tiles)
            return;
        const size_t chain = tile % chains, index = tile / chains;
        const size_t g = chain / lane_blocks, l = (chain % lane_blocks) * WARP + lane;
        const bool active = l < walk.lanes;
        const T edge = active && arr.h0 ? widen(arr.h0[g * walk.lanes + l]) : T(0);
        const size_t u0 = index * STEPS + static_cast<size_t>(warp) * S;
        Steps<T, S, BACKWARD> steps;
        load_lane(arr, walk, g, l, u0, active, edge, steps);
        totals[warp][lane] = reduce(steps);
        __syncthreads();
        if (warp == 0 && active) {
            const size_t slot = tile * WARP + lane;
            const Pair<T> map = compose_all(&totals[0][lane], BLOCK_WARPS, WARP);
            T in = BACKWARD ? T(0) : edge;
            if (index > 0) {
                publish_map(ts, slot, map);
                in = look_back(ts, slot, chains * WARP, index);
            }
            const T out = apply(map, in);
            publish_state(ts, slot, out);
            entering[lane] = in;
            if constexpr (BACKWARD) {
                if (arr.dh0 && index + 1 == per_chain)
                    store_dh0(arr, walk, g, l, out);
            }
        }
        __syncthreads();
        if (active) {
            run(steps, apply_all(&totals[0][lane], warp, WARP, entering[lane]));
            store_lane(arr, walk, g, l, u0, steps);
        }
    }
}

} // namespace

#endif /* LINREC_BACKENDS_CUDA_LANES_CUH */
