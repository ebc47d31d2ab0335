/*
 * linrec_cuda_bench: the cuda plugin against the memory system and two baselines, in one run.
 *
 * For each shape of issue 5 it times, with CUDA events on the legacy default stream (the plugin's
 * stream is a blocking one, so events there bracket its kernels), the median of many runs after
 * warm-up:
 *   copy    cudaMemcpy device-to-device moving the same bytes as the scan (half read, half written)
 *   linrec  linrec_scan_buffers / linrec_scan_backward_buffers on device buffers (public API, the
 *           whole synchronous call)
 *   serial  a plain kernel, one thread per sequence walking all its steps
 *   cub     cub::DeviceScan::InclusiveScan with the pair operator (single long sequence only),
 * reading a and x and writing h: the same 12 bytes per element as linrec and checks linrec's output
 * against the serial kernel's. Then the paper's table: batch 1, TBC, T from 16 to 65536, 1/32/128
 * channels, linrec against the serial kernel.
 *
 * Usage: linrec_cuda_bench [--runs N] [--warmup N] [--quick]   (--quick: every T divided by 64)
 */
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <cub/device/device_scan.cuh>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/iterator/transform_output_iterator.h>

#include "linrec/linrec.h"

namespace
{

struct Options {
    int runs = 50;
    int warmup = 5;
    bool quick = false;
};

/* A measurement gives up adding runs after this many seconds (with at least MIN_RUNS), so that the
 * serial kernel on one sequence of 2^28 steps does not take minutes. */
constexpr double BUDGET_SECONDS = 3.0;
constexpr int MIN_RUNS = 3;

[[noreturn]] void die(const char *what, const char *why)
{
    fprintf(stderr, "linrec_cuda_bench: %s: %s\n", what, why);
    exit(EXIT_FAILURE);
}

void cuda_check(cudaError_t error, const char *what)
{
    if (error != cudaSuccess)
        die(what, cudaGetErrorString(error));
}

void linrec_check(linrec_status status, const char *what)
{
    if (status != LINREC_OK)
        die(what, linrec_last_error());
}

struct Shape {
    size_t batch, steps, channels;
    linrec_layout layout;
};

const char *layout_name(linrec_layout layout)
{
    return layout == LINREC_LAYOUT_TBC ? "TBC" : layout == LINREC_LAYOUT_BTC ? "BTC" : "BCT";
}

/* Where step t of sequence (b, c) lives: base(b, c) + t * stride. */
struct Walk {
    size_t sequences, steps, channels, stride;
    linrec_layout layout;

    __host__ __device__ size_t base(size_t sequence) const
    {
        const size_t b = sequence / channels, c = sequence % channels;
        if (layout == LINREC_LAYOUT_BCT)
            return sequence * steps;
        if (layout == LINREC_LAYOUT_BTC)
            return b * steps * channels + c;
        return sequence; /* TBC: b * channels + c */
    }
};

Walk walk_of(const Shape &s)
{
    const size_t stride = s.layout == LINREC_LAYOUT_BCT   ? 1
                          : s.layout == LINREC_LAYOUT_BTC ? s.channels
                                                          : s.batch * s.channels;
    return {s.batch * s.channels, s.steps, s.channels, stride, s.layout};
}

__global__ void serial_forward(Walk w, const float *a, const float *x, float *h)
{
    const size_t sequence = blockIdx.x * size_t{blockDim.x} + threadIdx.x;
    if (sequence >= w.sequences)
        return;
    float state = 0.0f;
    for (size_t t = 0, m = w.base(sequence); t < w.steps; t++, m += w.stride) {
        state = a[m] * state + x[m];
        h[m] = state;
    }
}

__global__ void serial_backward(Walk w, const float *a, const float *h, const float *dh, float *dx,
                                float *da)
{
    const size_t sequence = blockIdx.x * size_t{blockDim.x} + threadIdx.x;
    if (sequence >= w.sequences)
        return;
    float grad = 0.0f, a_next = 0.0f;
    for (size_t t = w.steps, m = w.base(sequence) + (w.steps - 1) * w.stride; t-- > 0;
         m -= w.stride) {
        grad = a_next * grad + dh[m];
        dx[m] = grad;
        da[m] = grad * (t > 0 ? h[m - w.stride] : 0.0f);
        a_next = a[m];
    }
}

/* Deterministic values in [lo, hi), never all zeros (they hide unwritten outputs). */
__global__ void fill(float *p, size_t n, unsigned seed, float lo, float hi)
{
    for (size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x; i < n;
         i += size_t{gridDim.x} * blockDim.x) {
        unsigned v =
            static_cast<unsigned>(i) * 2654435761u ^ seed * 40503u ^ static_cast<unsigned>(i >> 32);
        v ^= v >> 15;
        v *= 2246822519u;
        v ^= v >> 13;
        p[i] = lo + (hi - lo) * static_cast<float>(v >> 8) * (1.0f / 16777216.0f);
    }
}

struct Pair {
    float a, x;
};

struct Compose {
    __device__ Pair operator()(const Pair &earlier, const Pair &later) const
    {
        return {earlier.a * later.a, fmaf(later.a, earlier.x, later.x)};
    }
};

struct LoadPair {
    const float *a, *x;
    __device__ Pair operator()(size_t i) const
    {
        return {a[i], x[i]};
    }
};

struct TakeState {
    __device__ float operator()(const Pair &p) const
    {
        return p.x;
    }
};

/* Device memory of the bench's own (baselines, reference outputs). */
struct Device {
    float *p = nullptr;
    explicit Device(size_t n)
    {
        cuda_check(cudaMalloc(&p, n * sizeof(float)), "cudaMalloc");
    }
    ~Device()
    {
        cudaFree(p);
    }
    Device(const Device &) = delete;
    Device &operator=(const Device &) = delete;
};

/* A linrec buffer holding a copy of a device array. */
struct Buffer {
    linrec_buffer *b = nullptr;
    Buffer(linrec_context *ctx, size_t n)
    {
        linrec_check(linrec_buffer_create(ctx, n * sizeof(float), &b), "linrec_buffer_create");
    }
    ~Buffer()
    {
        linrec_buffer_destroy(b);
    }
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;
    void write(const float *device, size_t n, std::vector<float> &host) const
    {
        cuda_check(cudaMemcpy(host.data(), device, n * sizeof(float), cudaMemcpyDeviceToHost),
                   "cudaMemcpy to host");
        linrec_check(linrec_buffer_write(b, 0, host.data(), n * sizeof(float)),
                     "linrec_buffer_write");
    }
};

/* Median milliseconds of `body` over the options' runs after warm-up, timed with events. */
template <typename F> double median_ms(const Options &o, F body)
{
    cudaEvent_t start, stop;
    cuda_check(cudaEventCreate(&start), "cudaEventCreate");
    cuda_check(cudaEventCreate(&stop), "cudaEventCreate");
    for (int i = 0; i < o.warmup; i++)
        body();
    cuda_check(cudaDeviceSynchronize(), "warm-up");
    std::vector<float> times;
    double total = 0;
    for (int i = 0; i < o.runs && (i < MIN_RUNS || total < BUDGET_SECONDS * 1e3); i++) {
        cuda_check(cudaEventRecord(start, 0), "cudaEventRecord");
        body();
        cuda_check(cudaEventRecord(stop, 0), "cudaEventRecord");
        cuda_check(cudaEventSynchronize(stop), "timed run");
        float ms;
        cuda_check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
        times.push_back(ms);
        total += ms;
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

void launch_check(const char *kernel)
{
    cuda_check(cudaGetLastError(), kernel);
}

unsigned blocks_for(size_t threads, unsigned block)
{
    return static_cast<unsigned>((threads + block - 1) / block);
}

/* max |got - want| / (1 + |want|) over n elements, on the host. */
double max_difference(const Buffer &got, const float *want, size_t n, std::vector<float> &host_got,
                      std::vector<float> &host_want)
{
    linrec_check(linrec_buffer_read(got.b, 0, host_got.data(), n * sizeof(float)),
                 "linrec_buffer_read");
    cuda_check(cudaMemcpy(host_want.data(), want, n * sizeof(float), cudaMemcpyDeviceToHost),
               "cudaMemcpy to host");
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = std::fabs(double(host_got[i]) - host_want[i]) / (1.0 + std::fabs(host_want[i]));
        worst = std::isnan(d) ? INFINITY : std::max(worst, d);
    }
    return worst;
}

struct Row {
    const char *pass;
    double bytes_per_element, copy_ms, linrec_ms, serial_ms, cub_ms, difference;
};

void print_header()
{
    printf("%-30s %-4s %5s %9s %10s %8s %7s %10s %9s %9s %7s %9s\n", "shape", "pass", "B/el",
           "copy GB/s", "linrec ms", "G el/s", "of copy", "serial ms", "x serial", "cub ms",
           "x cub", "max diff");
}

void print_row(const Shape &s, size_t n, const Row &r)
{
    char shape[64], cub[16] = "-", vs_cub[16] = "-";
    snprintf(shape, sizeof shape, "B%zu T%zu C%zu %s", s.batch, s.steps, s.channels,
             layout_name(s.layout));
    const double bytes = r.bytes_per_element * double(n);
    const double copy_rate = bytes / (r.copy_ms * 1e-3), linrec_rate = bytes / (r.linrec_ms * 1e-3);
    if (r.cub_ms > 0) {
        snprintf(cub, sizeof cub, "%.3f", r.cub_ms);
        snprintf(vs_cub, sizeof vs_cub, "%.2f", r.cub_ms / r.linrec_ms);
    }
    printf("%-30s %-4s %5.0f %9.0f %10.3f %8.1f %7.2f %10.3f %9.2f %9s %7s %9.2e\n", shape, r.pass,
           r.bytes_per_element, copy_rate * 1e-9, r.linrec_ms, double(n) / r.linrec_ms * 1e-6,
           linrec_rate / copy_rate, r.serial_ms, r.serial_ms / r.linrec_ms, cub, vs_cub,
           r.difference);
}

/* Device-to-device copy moving bytes_per_element * n bytes (read plus written). */
double copy_ms(const Options &o, size_t n, double bytes_per_element)
{
    const size_t bytes = static_cast<size_t>(bytes_per_element / 2 * double(n));
    Device from((bytes + 3) / 4), to((bytes + 3) / 4);
    return median_ms(o, [&] {
        cuda_check(cudaMemcpyAsync(to.p, from.p, bytes, cudaMemcpyDeviceToDevice, 0), "copy");
    });
}

double cub_ms(const Options &o, const float *a, const float *x, float *h, size_t elements)
{
    /* 32-bit item counts: CUB's usual (and faster) path; every shape timed here fits. */
    const int n = static_cast<int>(std::min<size_t>(elements, INT_MAX));
    auto in =
        thrust::make_transform_iterator(thrust::make_counting_iterator<size_t>(0), LoadPair{a, x});
    auto out = thrust::make_transform_output_iterator(h, TakeState{});
    size_t temp_bytes = 0;
    cuda_check(cub::DeviceScan::InclusiveScan(nullptr, temp_bytes, in, out, Compose{}, n),
               "cub temp size");
    Device temp((temp_bytes + 3) / 4);
    return median_ms(o, [&] {
        cuda_check(cub::DeviceScan::InclusiveScan(temp.p, temp_bytes, in, out, Compose{}, n),
                   "cub scan");
    });
}

struct Problem {
    Shape shape;
    size_t n;
    linrec_problem p;
    Walk walk;
    unsigned serial_blocks;

    explicit Problem(const Shape &s)
        : shape(s), n(s.batch * s.steps * s.channels), p{LINREC_F32, s.layout,   s.batch,
                                                         s.steps,    s.channels, 0},
          walk(walk_of(s)), serial_blocks(blocks_for(s.batch * s.channels, 128))
    {
    }
};

/* Forward: a in [0.9, 1) (the smooth regime of gated RNNs), x in [-1, 1). Leaves h in `h_ref`. */
Row forward(const Options &o, linrec_context *ctx, const Problem &pr, const float *a,
            const float *x, float *h_ref, std::vector<float> &host, std::vector<float> &host2,
            bool with_cub)
{
    const size_t n = pr.n;
    Buffer la(ctx, n), lx(ctx, n), lh(ctx, n);
    la.write(a, n, host);
    lx.write(x, n, host);
    Row r = {"fwd", 12, copy_ms(o, n, 12), 0, 0, 0, 0};
    r.linrec_ms = median_ms(o, [&] {
        linrec_check(linrec_scan_buffers(ctx, &pr.p, la.b, lx.b, nullptr, lh.b), "linrec_scan");
    });
    r.serial_ms = median_ms(o, [&] {
        serial_forward<<<pr.serial_blocks, 128>>>(pr.walk, a, x, h_ref);
        launch_check("serial_forward");
    });
    if (with_cub) {
        Device cub_h(n);
        r.cub_ms = cub_ms(o, a, x, cub_h.p, n);
    }
    r.difference = max_difference(lh, h_ref, n, host, host2);
    return r;
}

/* Backward with da, from the forward states h and dh in [-1, 1). */
Row backward(const Options &o, linrec_context *ctx, const Problem &pr, const float *a,
             const float *h, const float *dh, std::vector<float> &host, std::vector<float> &host2)
{
    const size_t n = pr.n;
    Device dx(n), da(n);
    Buffer la(ctx, n), lh(ctx, n), ldh(ctx, n), ldx(ctx, n), lda(ctx, n);
    la.write(a, n, host);
    lh.write(h, n, host);
    ldh.write(dh, n, host);
    Row r = {"bwd", 20, copy_ms(o, n, 20), 0, 0, 0, 0};
    r.linrec_ms = median_ms(o, [&] {
        linrec_check(linrec_scan_backward_buffers(ctx, &pr.p, la.b, nullptr, lh.b, ldh.b, ldx.b,
                                                  lda.b, nullptr),
                     "linrec_scan_backward");
    });
    r.serial_ms = median_ms(o, [&] {
        serial_backward<<<pr.serial_blocks, 128>>>(pr.walk, a, h, dh, dx.p, da.p);
        launch_check("serial_backward");
    });
    r.difference = std::max(max_difference(ldx, dx.p, n, host, host2),
                            max_difference(lda, da.p, n, host, host2));
    return r;
}

void fill_array(float *p, size_t n, unsigned seed, float lo, float hi)
{
    fill<<<4096, 256>>>(p, n, seed, lo, hi);
    launch_check("fill");
}

void run_shape(const Options &o, linrec_context *ctx, const Shape &s, bool with_backward,
               bool with_cub)
{
    const Problem pr(s);
    Device a(pr.n), x(pr.n), h(pr.n);
    fill_array(a.p, pr.n, 1, 0.9f, 1.0f);
    fill_array(x.p, pr.n, 2, -1.0f, 1.0f);
    std::vector<float> host(pr.n), host2(pr.n);
    print_row(s, pr.n, forward(o, ctx, pr, a.p, x.p, h.p, host, host2, with_cub));
    if (with_backward) {
        fill_array(x.p, pr.n, 3, -1.0f, 1.0f); /* x's memory becomes dh */
        print_row(s, pr.n, backward(o, ctx, pr, a.p, h.p, x.p, host, host2));
    }
    fflush(stdout);
}

Options parse(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            o.runs = std::max(1, atoi(argv[++i]));
        else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
            o.warmup = std::max(0, atoi(argv[++i]));
        else if (strcmp(argv[i], "--quick") == 0)
            o.quick = true;
        else
            die("usage", "linrec_cuda_bench [--runs N] [--warmup N] [--quick]");
    }
    return o;
}

void print_device(linrec_context *ctx, const Options &o)
{
    int driver = 0, runtime = 0;
    cuda_check(cudaDriverGetVersion(&driver), "cudaDriverGetVersion");
    cuda_check(cudaRuntimeGetVersion(&runtime), "cudaRuntimeGetVersion");
    printf("linrec %s, cuda plugin on: %s\n", linrec_version(), linrec_context_device(ctx));
    printf("bench: driver %d.%d, runtime %d.%d; median of up to %d runs after %d warm-ups "
           "(CUDA events); B/el = bytes per element moved; copy = cudaMemcpy device-to-device of "
           "those bytes; max diff = max |linrec - serial| / (1 + |serial|)\n\n",
           driver / 1000, driver % 1000 / 10, runtime / 1000, runtime % 1000 / 10, o.runs,
           o.warmup);
}

} // namespace

int main(int argc, char **argv)
{
    const Options o = parse(argc, argv);
    const size_t div = o.quick ? 64 : 1;
    linrec_context *ctx = nullptr;
    linrec_check(linrec_context_create("cuda", &ctx), "linrec_context_create(\"cuda\")");
    print_device(ctx, o);

    printf("Issue 5 shapes, f32\n");
    print_header();
    run_shape(o, ctx, {1, (size_t{1} << 28) / div, 1, LINREC_LAYOUT_BCT}, true, true);
    run_shape(o, ctx, {1, (size_t{1} << 20) / div, 256, LINREC_LAYOUT_TBC}, true, false);
    run_shape(o, ctx, {8, (size_t{1} << 16) / div, 1536, LINREC_LAYOUT_BCT}, true, false);
    run_shape(o, ctx, {64, 1024 / div, 4096, LINREC_LAYOUT_BTC}, true, false);

    printf("\nThe paper's table: batch 1, TBC, f32 forward (x serial = the parallel scan's "
           "speed-up)\n");
    print_header();
    for (size_t steps = 16; steps <= 65536; steps *= 16)
        for (size_t channels : {size_t{1}, size_t{32}, size_t{128}})
            run_shape(o, ctx, {1, steps, channels, LINREC_LAYOUT_TBC}, false, false);
    linrec_context_destroy(ctx);
    return EXIT_SUCCESS;
}
