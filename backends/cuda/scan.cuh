/*
 * Device building blocks of every cuda kernel: the step map h -> c*h + v and its composition,
 * a thread's steps in registers, warp scans, and the decoupled look-back between tiles.
 *
 * Reproducibility: every state is computed by operations whose order depends only on the problem
 * and the kernel, never on timing. In particular the look-back folds tile maps forward from a
 * published state instead of combining whatever it happens to find, so a tile's outgoing state is
 * the same bits whichever tile computes it.
 */
#ifndef LINREC_BACKENDS_CUDA_SCAN_CUH
#define LINREC_BACKENDS_CUDA_SCAN_CUH

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <cuda/atomic>

#include "element.cuh"

namespace
{

constexpr int WARP = 32;
constexpr unsigned FULL_MASK = 0xffffffffu;
constexpr int BLOCK = 256; /* threads in every block of every kernel */
constexpr int BLOCK_WARPS = BLOCK / WARP;

/* Elements per thread, by arithmetic type T. Bytes, not counts, are what keep enough loads in
 * flight, so f64 and c64 take half as many as f32 and c128 a quarter; the half kinds compute in
 * f32 and take its counts, which its registers bound, so they load half its bytes per thread. */
template <typename T> struct Items {
    static constexpr int chunked = 32 / sizeof(T);   /* sequence chunks, next chunk prefetched */
    static constexpr int look_back = 64 / sizeof(T); /* look-back tiles, nothing prefetched */
    static constexpr int serial = 8;                 /* a thread walking a whole sequence */
};

/* The map h -> a*h + x of one or several steps. */
template <typename T> struct Pair {
    T a, x;
};

/* The map of `earlier` followed by `later`. */
template <typename T> __device__ __forceinline__ Pair<T> then(Pair<T> earlier, Pair<T> later)
{
    return {earlier.a * later.a, mul_add(later.a, earlier.x, later.x)};
}

template <typename T> __device__ __forceinline__ T apply(Pair<T> map, T h)
{
    return mul_add(map.a, h, map.x);
}

/* Shuffles and cache-global loads of any Real: the intrinsics take reals, so a complex value
 * moves as its two parts. */
template <typename T> __device__ __forceinline__ T shuffle_up(T value, int delta)
{
    return __shfl_up_sync(FULL_MASK, value, delta);
}
template <typename R> __device__ __forceinline__ Complex<R> shuffle_up(Complex<R> value, int delta)
{
    return {shuffle_up(value.re, delta), shuffle_up(value.im, delta)};
}

template <typename T> __device__ __forceinline__ T shuffle_from(T value, int lane)
{
    return __shfl_sync(FULL_MASK, value, lane);
}
template <typename R> __device__ __forceinline__ Complex<R> shuffle_from(Complex<R> value, int lane)
{
    return {shuffle_from(value.re, lane), shuffle_from(value.im, lane)};
}

template <typename T> __device__ __forceinline__ T load_global(const T *address)
{
    return __ldcg(address);
}
template <typename R> __device__ __forceinline__ Complex<R> load_global(const Complex<R> *address)
{
    return {__ldcg(&address->re), __ldcg(&address->im)};
}

/* The arrays of one call in the storage of element kind E, as the kernels see them: a scan over
 * the pairs (c, v) of each step, where gradients take c from the neighbouring step's a and v from
 * dh. */
template <typename E> struct Arrays {
    const typename E::Coef *a;
    const typename E::Data *v;  /* x, or dh for gradients */
    const typename E::Data *h0; /* NULL: zeros */
    const typename E::Data *h;  /* gradients with da: the forward states */
    typename E::Data *out;      /* h, or dx for gradients */
    typename E::Coef *da;       /* gradients only; may be NULL */
    typename E::Data *dh0;      /* gradients only; may be NULL */
};

/* The problem's geometry in kernel order: step u of lane l in group g is element
 * g*outer_stride + t*step_stride + l, with t = u ascending or steps-1-u descending. Gradients run
 * against the forward direction. */
struct Walk {
    size_t outer, lanes, steps, outer_stride, step_stride;
    bool descending;

    __device__ size_t at(size_t group, size_t lane, size_t u) const
    {
        const size_t t = descending ? steps - 1 - u : u;
        return group * outer_stride + t * step_stride + lane;
    }
};

/* S consecutive steps of one sequence in kernel order: each step's coefficient and value (identity
 * maps where a step lies outside the sequence), and for gradients with da the forward state that
 * entered the step. run() replaces the values by the states. */
template <typename T, int S, bool BACKWARD> struct Steps {
    T c[S], v[S];
    T entering[BACKWARD ? S : 1];
};

template <typename T, int S, bool B>
__device__ __forceinline__ Pair<T> reduce(const Steps<T, S, B> &s)
{
    Pair<T> map = {s.c[0], s.v[0]};
#pragma unroll
    for (int j = 1; j < S; ++j)
        map = then(map, Pair<T>{s.c[j], s.v[j]});
    return map;
}

/* The recurrence from state h over the steps; returns the last state. */
template <typename T, int S, bool B> __device__ __forceinline__ T run(Steps<T, S, B> &s, T h)
{
#pragma unroll
    for (int j = 0; j < S; ++j) {
        h = mul_add(s.c[j], h, s.v[j]);
        s.v[j] = h;
    }
    return h;
}

/* This thread's map composed with those of the lanes before it (Kogge-Stone over shuffles). */
template <typename T> __device__ __forceinline__ Pair<T> warp_inclusive(Pair<T> map)
{
    const int lane = threadIdx.x % WARP;
#pragma unroll
    for (int d = 1; d < WARP; d *= 2) {
        const Pair<T> before = {shuffle_up(map.a, d), shuffle_up(map.x, d)};
        if (lane >= d)
            map = then(before, map);
    }
    return map;
}

/* The state entering this thread's steps, given its inclusive map within the warp and the state
 * entering the warp. */
template <typename T> __device__ __forceinline__ T thread_entering(Pair<T> inclusive, T warp_in)
{
    const T before = shuffle_up(apply(inclusive, warp_in), 1);
    return threadIdx.x % WARP == 0 ? warp_in : before;
}

/* h after maps[0], maps[stride], ..., maps[(count-1)*stride], in that order. */
template <typename T>
__device__ __forceinline__ T apply_all(const Pair<T> *maps, int count, int stride, T h)
{
    for (int i = 0; i < count; ++i)
        h = apply(maps[i * stride], h);
    return h;
}

/* The composition of the same maps, in the same order. */
template <typename T>
__device__ __forceinline__ Pair<T> compose_all(const Pair<T> *maps, int count, int stride)
{
    Pair<T> map = maps[0];
    for (int i = 1; i < count; ++i)
        map = then(map, maps[i * stride]);
    return map;
}

enum : unsigned { TILE_EMPTY = 0, TILE_MAP = 1, TILE_STATE = 2 };

/* Decoupled look-back state of one launch, per tile slot: a flag, the tile's map and the state
 * after it. The counter hands tiles out in order, so a tile's predecessors always belong to blocks
 * that already run. The host zeroes the counter and the flags before every launch. */
template <typename T> struct TileStates {
    unsigned long long *counter;
    unsigned *flags;
    Pair<T> *maps;
    T *states;
    size_t tiles;
};

template <typename T>
__device__ __forceinline__ void publish_map(const TileStates<T> &ts, size_t slot, Pair<T> map)
{
    ts.maps[slot] = map;
    cuda::atomic_ref<unsigned, cuda::thread_scope_device>(ts.flags[slot])
        .store(TILE_MAP, cuda::memory_order_release);
}

template <typename T>
__device__ __forceinline__ void publish_state(const TileStates<T> &ts, size_t slot, T state)
{
    ts.states[slot] = state;
    cuda::atomic_ref<unsigned, cuda::thread_scope_device>(ts.flags[slot])
        .store(TILE_STATE, cuda::memory_order_release);
}

template <typename T>
__device__ __forceinline__ unsigned peek_flag(const TileStates<T> &ts, size_t slot)
{
    return cuda::atomic_ref<unsigned, cuda::thread_scope_device>(ts.flags[slot])
        .load(cuda::memory_order_relaxed);
}

/* The block's next tile, the same for every thread. `shared` is the block's slot for it. */
template <typename T>
__device__ __forceinline__ size_t next_tile(const TileStates<T> &ts, unsigned long long *shared)
{
    __syncthreads(); /* every thread is done with the previous tile's shared memory */
    if (threadIdx.x == 0)
        *shared = atomicAdd(ts.counter, 1ull);
    __syncthreads();
    return static_cast<size_t>(*shared);
}

/*
 * The state entering the tile at `slot`, whose chain holds `count` > 0 earlier tiles at slot -
 * stride, slot - 2*stride, ...; the first tile of every chain publishes its state without looking
 * back. Loads a window of flags at a time (relaxed, so that they are in flight together), waits
 * only for tiles nearer than the nearest published state, then one acquire fence makes the payloads
 * of every flag seen visible. Run by one thread per chain.
 */
template <typename T>
__device__ T look_back(const TileStates<T> &ts, size_t slot, size_t stride, size_t count)
{
    constexpr int WINDOW = 16;
    size_t nearest = 0;
    for (size_t seen = 0; nearest == 0; seen += WINDOW) {
        unsigned flag[WINDOW];
#pragma unroll
        for (int i = 0; i < WINDOW; ++i) {
            const size_t d = seen + 1 + i;
            flag[i] = d <= count ? peek_flag(ts, slot - d * stride) : TILE_MAP;
        }
#pragma unroll
        for (int i = 0; i < WINDOW; ++i) {
            const size_t d = seen + 1 + i;
            while (nearest == 0 && flag[i] == TILE_EMPTY) {
                __nanosleep(64);
                flag[i] = peek_flag(ts, slot - d * stride);
            }
            if (nearest == 0 && flag[i] == TILE_STATE)
                nearest = d;
        }
    }
    cuda::atomic_thread_fence(cuda::memory_order_acquire, cuda::thread_scope_device);
    T h = load_global(&ts.states[slot - nearest * stride]);
#pragma unroll 4
    for (size_t d = nearest - 1; d > 0; --d) {
        const Pair<T> *map = &ts.maps[slot - d * stride];
        h = apply(Pair<T>{load_global(&map->a), load_global(&map->x)}, h);
    }
    return h;
}

} // namespace

#endif /* LINREC_BACKENDS_CUDA_SCAN_CUH */
