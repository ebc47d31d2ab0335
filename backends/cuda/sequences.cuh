/*
 * Kernels for sequences stored contiguously (lanes == 1: BCT, or a single channel). Each thread
 * owns S consecutive elements, loaded as 16-byte vectors, scans them in registers, and warps
 * combine threads with shuffles and warps through shared memory.
 *
 * Chunks and slices are aligned to absolute element indices (multiples of the chunk and of S), not
 * to the sequence's start, so that every full slice is 16-byte aligned whatever the storage type
 * is (S elements of 2, 4, 8 or 16 bytes are a multiple of 16 bytes); the slices at a sequence's two
 * ends are partial and load element by element. Device pointers from cudaMalloc are 256-byte
 * aligned; an application's wrapped memory may start at any element, and an array that is not
 * 16-byte aligned moves element by element, the same bits.
 */
#ifndef LINREC_BACKENDS_CUDA_SEQUENCES_CUH
#define LINREC_BACKENDS_CUDA_SEQUENCES_CUH

#include "scan.cuh"

namespace
{

/* One sequence's elements [lo, hi) in memory, walked ascending or descending. */
struct Span {
    size_t lo, hi;
    bool descending;

    __device__ bool holds(size_t m) const
    {
        return m >= lo && m < hi;
    }
    /* Memory index of kernel position j of the S-element slice at p0. */
    template <int S> __device__ size_t at(size_t p0, int j) const
    {
        return descending ? p0 + (S - 1 - j) : p0 + j;
    }
    /* The element one kernel step before or after m; it wraps outside the span when m is an end. */
    __device__ size_t before(size_t m) const
    {
        return descending ? m + 1 : m - 1;
    }
    __device__ size_t after(size_t m) const
    {
        return descending ? m - 1 : m + 1;
    }
};

/* Full slices move as 16-byte vectors of whatever they store. */
template <typename Storage, int S> struct Slice {
    static constexpr int PER = sizeof(uint4) / sizeof(Storage), VECTORS = S / PER;
    static_assert(VECTORS * PER == S, "a slice is whole 16-byte vectors");
};

/* Whether the slice at p0 is whole in the span and its array aligned for vectors. */
template <typename Storage, int S>
__device__ __forceinline__ bool moves_as_vectors(const Storage *array, size_t p0, const Span &span)
{
    return span.holds(p0) && span.holds(p0 + S - 1) &&
           reinterpret_cast<uintptr_t>(array) % sizeof(uint4) == 0;
}

/* src[p0 .. p0+S) widened, in kernel order, `fill` where the span does not hold the element. */
template <typename Storage, typename T, int S>
__device__ __forceinline__ void load_slice(const Storage *src, size_t p0, const Span &span, T fill,
                                           T (&dst)[S])
{
    if (moves_as_vectors<Storage, S>(src, p0, span)) {
        using Vectors = Slice<Storage, S>;
        Storage memory[S];
#pragma unroll
        for (int k = 0; k < Vectors::VECTORS; ++k) {
            const uint4 vector = reinterpret_cast<const uint4 *>(src + p0)[k];
            memcpy(&memory[k * Vectors::PER], &vector, sizeof vector);
        }
        /* Two unrolled copies so that register indices stay compile-time constants. */
        if (span.descending) {
#pragma unroll
            for (int j = 0; j < S; ++j)
                dst[j] = widen(memory[S - 1 - j]);
        } else {
#pragma unroll
            for (int j = 0; j < S; ++j)
                dst[j] = widen(memory[j]);
        }
        return;
    }
#pragma unroll
    for (int j = 0; j < S; ++j) {
        const size_t m = span.at<S>(p0, j);
        dst[j] = span.holds(m) ? widen(src[m]) : fill;
    }
}

/* Stores the slice's values that the span holds, from kernel order, each rounded once. */
template <typename Storage, typename T, int S>
__device__ __forceinline__ void store_slice(Storage *dst, size_t p0, const Span &span,
                                            const T (&src)[S])
{
    if (moves_as_vectors<Storage, S>(dst, p0, span)) {
        using Vectors = Slice<Storage, S>;
        Storage memory[S];
        if (span.descending) {
#pragma unroll
            for (int j = 0; j < S; ++j)
                memory[S - 1 - j] = narrow<Storage>(src[j]);
        } else {
#pragma unroll
            for (int j = 0; j < S; ++j)
                memory[j] = narrow<Storage>(src[j]);
        }
#pragma unroll
        for (int k = 0; k < Vectors::VECTORS; ++k) {
            uint4 vector;
            memcpy(&vector, &memory[k * Vectors::PER], sizeof vector);
            reinterpret_cast<uint4 *>(dst + p0)[k] = vector;
        }
        return;
    }
#pragma unroll
    for (int j = 0; j < S; ++j) {
        const size_t m = span.at<S>(p0, j);
        if (span.holds(m))
            dst[m] = narrow<Storage>(src[j]);
    }
}

/*
 * The steps of the slice at p0. Forward: (a, x). Gradients: c is the conjugate of a at the kernel
 * step before (0 before the first: no carry enters there), v is dh, and the forward state entering
 * a step is h at the kernel step after, or `edge` (h0 or 0) after the last. Only a and h are read
 * beyond the slice, so dx may overwrite dh and h may overwrite x slice by slice.
 */
template <typename E, typename T, int S, bool BACKWARD>
__device__ __forceinline__ void load_steps(const Arrays<E> &arr, size_t p0, const Span &span,
                                           T edge, Steps<T, S, BACKWARD> &s)
{
    load_slice(arr.v, p0, span, T(0), s.v);
    if constexpr (!BACKWARD) {
        load_slice(arr.a, p0, span, T(1), s.c);
    } else {
        T a[S];
        load_slice(arr.a, p0, span, T(0), a);
        const size_t first = span.before(span.at<S>(p0, 0));
        T previous = span.holds(first) ? widen(arr.a[first]) : T(0);
#pragma unroll
        for (int j = 0; j < S; ++j) {
            s.c[j] = span.holds(span.at<S>(p0, j)) ? conjugate(previous) : T(1);
            previous = a[j];
        }
        if (arr.da) {
            T h[S];
            load_slice(arr.h, p0, span, edge, h);
            const size_t last = span.after(span.at<S>(p0, S - 1));
            T next = span.holds(last) ? widen(arr.h[last]) : edge;
#pragma unroll
            for (int j = S - 1; j >= 0; --j) {
                s.entering[j] = next;
                next = h[j];
            }
        }
    }
}

template <typename E, typename T, int S, bool BACKWARD>
__device__ __forceinline__ void store_steps(const Arrays<E> &arr, size_t p0, const Span &span,
                                            const Steps<T, S, BACKWARD> &s)
{
    store_slice(arr.out, p0, span, s.v);
    if constexpr (BACKWARD) {
        if (arr.da) {
            T da[S];
#pragma unroll
            for (int j = 0; j < S; ++j)
                da[j] = s.v[j] * conjugate(s.entering[j]);
            store_slice(arr.da, p0, span, da);
        }
    }
}

/* Sequence g's span, its first and last chunk of `chunk` elements, and its edge state. */
template <typename E> struct Sequence {
    using T = typename E::Real;
    Span span;
    size_t first_chunk, last_chunk;
    T edge; /* h0 or 0: the forward state before the sequence */

    __device__ Sequence(const Arrays<E> &arr, const Walk &walk, size_t g, size_t chunk)
        : span{g * walk.outer_stride, g * walk.outer_stride + walk.steps, walk.descending},
          first_chunk(span.lo / chunk), last_chunk((span.hi - 1) / chunk),
          edge(arr.h0 ? widen(arr.h0[g]) : T(0))
    {
    }
    __device__ size_t chunks() const
    {
        return last_chunk - first_chunk + 1;
    }
    /* Where the slice of group rank `rank` starts in the i-th chunk in kernel order. */
    template <int GROUP, int S> __device__ size_t slice(size_t i, int rank) const
    {
        const size_t chunk = span.descending ? last_chunk - i : first_chunk + i;
        const int position = span.descending ? GROUP - 1 - rank : rank;
        return chunk * (GROUP * S) + static_cast<size_t>(position) * S;
    }
    /* The state entering the sequence's first step in kernel order. */
    template <bool BACKWARD> __device__ T initial() const
    {
        return BACKWARD ? T(0) : edge;
    }
    /* The element of the forward scan's first step, which dh0 = a * dx reads. */
    __device__ size_t forward_first() const
    {
        return span.descending ? span.lo : span.hi - 1;
    }
};

/* dh0 = conj(a) * dx at the forward scan's first step, given the last state in kernel order. */
template <typename E, typename T>
__device__ __forceinline__ void store_dh0(const Arrays<E> &arr, const Sequence<E> &seq, size_t g,
                                          T last_state)
{
    arr.dh0[g] =
        narrow<typename E::Data>(conjugate(widen(arr.a[seq.forward_first()])) * last_state);
}

/*
 * One group of WARPS warps per sequence (a warp, or the whole block), walking it chunk by chunk
 * with the state carried between chunks. The next chunk's loads are issued before the current chunk
 * is scanned, so they are in flight during its shuffles and barrier.
 */
template <typename E, bool BACKWARD, int WARPS>
__global__ void __launch_bounds__(BLOCK) sequences_chunked(Arrays<E> arr, Walk walk)
{
    using T = typename E::Real;
    constexpr int S = Items<T>::chunked, GROUP = WARPS * WARP, GROUPS = BLOCK / GROUP;
    __shared__ Pair<T> totals[2][WARPS]; /* two so that one barrier per chunk suffices */
    const int rank = threadIdx.x % GROUP, warp = rank / WARP;
    size_t parity = 0;
    for (size_t g = blockIdx.x * size_t{GROUPS} + threadIdx.x / GROUP; g < walk.outer;
         g += size_t{gridDim.x} * GROUPS) {
        const Sequence<E> seq(arr, walk, g, GROUP * S);
        const size_t chunks = seq.chunks();
        T carry = seq.template initial<BACKWARD>();
        Steps<T, S, BACKWARD> current, next;
        load_steps(arr, seq.template slice<GROUP, S>(0, rank), seq.span, seq.edge, current);
        for (size_t i = 0; i < chunks; ++i, ++parity) {
            if (i + 1 < chunks)
                load_steps(arr, seq.template slice<GROUP, S>(i + 1, rank), seq.span, seq.edge,
                           next);
            const Pair<T> inclusive = warp_inclusive(reduce(current));
            T warp_in = carry;
            if constexpr (WARPS == 1) {
                carry = shuffle_from(apply(inclusive, carry), WARP - 1);
            } else {
                Pair<T> *chunk_totals = totals[parity % 2];
                if (threadIdx.x % WARP == WARP - 1)
                    chunk_totals[warp] = inclusive;
                __syncthreads();
                warp_in = apply_all(chunk_totals, warp, 1, carry);
                carry = apply_all(chunk_totals, WARPS, 1, carry);
            }
            run(current, thread_entering(inclusive, warp_in));
            store_steps(arr, seq.template slice<GROUP, S>(i, rank), seq.span, current);
            if (i + 1 < chunks)
                current = next;
        }
        if constexpr (BACKWARD) {
            if (arr.dh0 && rank == 0)
                store_dh0(arr, seq, g, carry);
        }
    }
}

/*
 * Few long sequences: every chunk of every sequence is a tile of one block, chained to the tiles
 * before it in its sequence by the decoupled look-back, so the whole GPU streams one sequence in a
 * single pass. Tiles of different sequences interleave (tile = chunk index * outer + sequence) to
 * spread the blocks in flight over the chains.
 */
template <typename E, bool BACKWARD>
__global__ void __launch_bounds__(BLOCK)
    sequences_look_back(Arrays<E> arr, Walk walk, TileStates<typename E::Real> ts)
{
    using T = typename E::Real;
    constexpr int S = Items<T>::look_back, CHUNK = BLOCK * S;
    __shared__ Pair<T> totals[BLOCK_WARPS];
    __shared__ unsigned long long tile_shared;
    __shared__ T tile_in;
    const int warp = threadIdx.x / WARP;
    for (;;) {
        const size_t tile = next_tile(ts, &tile_shared);
        if (tile >= ts.tiles)
            return;
        const size_t g = tile % walk.outer, index = tile / walk.outer;
        const Sequence<E> seq(arr, walk, g, CHUNK);
        if (index >= seq.chunks())
            continue; /* the chunk count bound exceeds this sequence's: nobody waits for it */
        const size_t p0 = seq.template slice<BLOCK, S>(index, threadIdx.x);
        Steps<T, S, BACKWARD> steps;
        load_steps(arr, p0, seq.span, seq.edge, steps);
        const Pair<T> inclusive = warp_inclusive(reduce(steps));
        if (threadIdx.x % WARP == WARP - 1)
            totals[warp] = inclusive;
        __syncthreads();
        if (threadIdx.x == 0) {
            const Pair<T> map = compose_all(totals, BLOCK_WARPS, 1);
            T in = seq.template initial<BACKWARD>();
            if (index > 0) {
                publish_map(ts, tile, map);
                in = look_back(ts, tile, walk.outer, index);
            }
            const T out = apply(map, in);
            publish_state(ts, tile, out);
            tile_in = in;
            if constexpr (BACKWARD) {
                if (arr.dh0 && index + 1 == seq.chunks())
                    store_dh0(arr, seq, g, out);
            }
        }
        __syncthreads();
        run(steps, thread_entering(inclusive, apply_all(totals, warp, 1, tile_in)));
        store_steps(arr, p0, seq.span, steps);
    }
}

} // namespace

#endif /* LINREC_BACKENDS_CUDA_SEQUENCES_CUH */
