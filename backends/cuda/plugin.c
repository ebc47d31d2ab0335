/*
 * The cuda plugin: device discovery, device memory, host-pointer staging and locking around the
 * kernels of dispatch.cu.
 *
 * The CUDA runtime is linked statically and the driver is loaded by it at run time, so this module
 * loads on machines without the NVIDIA driver and open() reports why it cannot be used there.
 *
 * Threads: a context owns one stream, one look-back scratch arena, one staging arena and a pinned
 * bounce buffer; a mutex held for the whole of every call that uses them serializes the calls on
 * one context (its kernels would queue on its stream anyway). Contexts are independent.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_backend.h"

/* Host-pointer calls move data through BOUNCE_SLOTS pinned slots, so that copying one slot on the
 * CPU overlaps the DMA of the other, without pinning (or allocating) anything per call. */
enum { BOUNCE_SLOTS = 2 };
#define BOUNCE_BYTES ((size_t)8 << 20)
/* Arenas grow in whole units, so that slowly growing problems do not reallocate every call. */
#define ARENA_UNIT ((size_t)2 << 20)
#define STAGE_ALIGNMENT ((size_t)256)

typedef struct cuda_state {
    int device;
    pthread_mutex_t lock;
    cudaStream_t stream;
    cudaEvent_t bounce_done[BOUNCE_SLOTS]; /* the DMA last issued from each slot completed */
    unsigned char *bounce;                 /* pinned; NULL until the first host-pointer call */
    linrec__cuda_arena staging;            /* device copies of host-pointer arrays */
    linrec__cuda_arena scratch;            /* look-back tile states */
    linrec__cuda_launch launch;
    char description[768]; /* room for the longest device name and numbers */
} cuda_state;

static const linrec__host *_Atomic host; /* set again by every context creation */

linrec_status linrec__cuda_fail(cudaError_t error, const char *call)
{
    /* Clear the runtime's record of a non-sticky error, so that a later launch check does not
     * report it again. */
    (void)cudaGetLastError();
    linrec_status status =
        error == cudaErrorMemoryAllocation ? LINREC_ERR_OUT_OF_MEMORY : LINREC_ERR_DEVICE;
    return host->fail(status, "cuda: %s failed: %s (%s)", call, cudaGetErrorString(error),
                      cudaGetErrorName(error));
}

/* Stores n rounded up to a multiple of unit in *rounded; returns 0 when that overflows. */
static int round_up(size_t n, size_t unit, size_t *rounded)
{
    if (n > SIZE_MAX - (unit - 1))
        return 0;
    *rounded = (n + unit - 1) / unit * unit;
    return 1;
}

static linrec_status check(cudaError_t error, const char *call)
{
    return error == cudaSuccess ? LINREC_OK : linrec__cuda_fail(error, call);
}

linrec_status linrec__cuda_reserve(linrec__cuda_arena *arena, size_t bytes, const char *what)
{
    if (arena->bytes >= bytes)
        return LINREC_OK;
    char call[128];
    snprintf(call, sizeof call, "cudaFree (%s)", what);
    linrec_status status = check(cudaFree(arena->memory), call);
    arena->memory = NULL;
    arena->bytes = 0;
    if (status != LINREC_OK)
        return status;
    size_t rounded;
    if (!round_up(bytes, ARENA_UNIT, &rounded))
        rounded = bytes; /* no device holds that much: let cudaMalloc say so */
    cudaError_t error = cudaMalloc(&arena->memory, rounded);
    /* Whole units save reallocations, but not at the price of refusing what fits. */
    if (error == cudaErrorMemoryAllocation && rounded > bytes) {
        (void)cudaGetLastError();
        rounded = bytes;
        error = cudaMalloc(&arena->memory, rounded);
    }
    snprintf(call, sizeof call, "cudaMalloc (%s, %zu bytes)", what, rounded);
    status = check(error, call);
    if (status != LINREC_OK) {
        arena->memory = NULL;
        return status;
    }
    arena->bytes = rounded;
    return LINREC_OK;
}

/* LINREC_CUDA_KERNEL forces one kernel family where it can serve the shape (for tests). */
static linrec_status read_forced_kernel(linrec__cuda_kernel *kernel)
{
    static const struct {
        const char *name;
        linrec__cuda_kernel kernel;
    } names[] = {
        {"auto", LINREC__CUDA_KERNEL_AUTO},
        {"lanes-serial", LINREC__CUDA_KERNEL_LANES_SERIAL},
        {"lanes-look-back", LINREC__CUDA_KERNEL_LANES_LOOK_BACK},
        {"sequences-warp", LINREC__CUDA_KERNEL_SEQUENCES_WARP},
        {"sequences-block", LINREC__CUDA_KERNEL_SEQUENCES_BLOCK},
        {"sequences-look-back", LINREC__CUDA_KERNEL_SEQUENCES_LOOK_BACK},
    };
    const char *value = getenv("LINREC_CUDA_KERNEL");
    *kernel = LINREC__CUDA_KERNEL_AUTO;
    if (!value || !*value)
        return LINREC_OK;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(value, names[i].name) == 0) {
            *kernel = names[i].kernel;
            return LINREC_OK;
        }
    return host->fail(LINREC_ERR_INVALID_ARGUMENT,
                      "cuda: LINREC_CUDA_KERNEL=%s is none of auto, lanes-serial, lanes-look-back, "
                      "sequences-warp, sequences-block, sequences-look-back",
                      value);
}

/* The driver's and the devices' presence, as open() reports them. */
static linrec_status find_device(size_t wanted, int *driver)
{
    int count = 0;
    cudaError_t error = cudaDriverGetVersion(driver);
    if (error != cudaSuccess || *driver == 0)
        return host->fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                          "no CUDA driver: libcuda.so.1 (the NVIDIA driver) is not installed or "
                          "cannot be loaded");
    error = cudaGetDeviceCount(&count);
    if (error == cudaErrorNoDevice || (error == cudaSuccess && count == 0))
        return host->fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                          "no CUDA device (driver %d.%d found none)", *driver / 1000,
                          *driver % 1000 / 10);
    if (error == cudaErrorInsufficientDriver)
        return host->fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                          "CUDA driver %d.%d is older than this plugin's runtime %d.%d needs",
                          *driver / 1000, *driver % 1000 / 10, CUDART_VERSION / 1000,
                          CUDART_VERSION % 1000 / 10);
    if (error != cudaSuccess)
        return host->fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                          "CUDA devices cannot be used: cudaGetDeviceCount failed: %s (%s)",
                          cudaGetErrorString(error), cudaGetErrorName(error));
    if (wanted >= (size_t)count)
        return host->fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                          "cuda:%zu does not exist: this machine has %d CUDA device%s (cuda:0 to "
                          "cuda:%d)",
                          wanted, count, count == 1 ? "" : "s", count - 1);
    return LINREC_OK;
}

/* Binds the device, checks that this build runs on it, and describes it. */
static linrec_status bind_device(cuda_state *st, int driver)
{
    struct cudaDeviceProp props;
    linrec_status status = check(cudaSetDevice(st->device), "cudaSetDevice");
    if (status == LINREC_OK)
        status = check(cudaGetDeviceProperties(&props, st->device), "cudaGetDeviceProperties");
    if (status != LINREC_OK)
        return status;
    cudaError_t image = linrec__cuda_image_error();
    if (image == cudaErrorNoKernelImageForDevice || image == cudaErrorInvalidDeviceFunction)
        return host->fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                          "cuda:%d (%s) has compute capability %d.%d, for which this build of the "
                          "plugin holds no code (it was built for " LINREC_CUDA_ARCHITECTURES ")",
                          st->device, props.name, props.major, props.minor);
    if ((status = check(image, "cudaFuncGetAttributes (kernel image)")) != LINREC_OK)
        return status;
    st->launch.multiprocessors = props.multiProcessorCount;
    snprintf(st->description, sizeof st->description,
             "%s, compute capability %d.%d, %.1f GiB, %d multiprocessors, driver %d.%d, runtime "
             "%d.%d",
             props.name, props.major, props.minor, (double)props.totalGlobalMem / (1 << 30),
             props.multiProcessorCount, driver / 1000, driver % 1000 / 10, CUDART_VERSION / 1000,
             CUDART_VERSION % 1000 / 10);
    return LINREC_OK;
}

static int holds_arenas(const cuda_state *st)
{
    return st->staging.bytes > 0 || st->scratch.bytes > 0;
}

/* Gives the arenas' device memory back; the calls that need them grow them again. Errors are
 * ignored, as in release(): the memory is lost to this context either way. */
static void drop_arenas(cuda_state *st)
{
    (void)cudaFree(st->staging.memory);
    (void)cudaFree(st->scratch.memory);
    (void)cudaGetLastError();
    st->staging = st->scratch = (linrec__cuda_arena){NULL, 0};
}

/* Frees whatever the state holds; safe on a partly opened state. Errors are ignored: there is
 * nobody to report them to, and the rest must be released regardless. */
static void release(cuda_state *st)
{
    if (cudaSetDevice(st->device) == cudaSuccess) {
        drop_arenas(st);
        (void)cudaFreeHost(st->bounce);
        for (int i = 0; i < BOUNCE_SLOTS; i++)
            if (st->bounce_done[i])
                (void)cudaEventDestroy(st->bounce_done[i]);
        if (st->stream)
            (void)cudaStreamDestroy(st->stream);
    }
    (void)cudaGetLastError();
    free(st);
}

/* The stream is a blocking one: it orders against the legacy default stream of the process, so
 * that CUDA events recorded there (as bench/ does) bracket this plugin's kernels. */
static linrec_status create_queues(cuda_state *st)
{
    linrec_status status = check(cudaStreamCreate(&st->stream), "cudaStreamCreate");
    for (int i = 0; i < BOUNCE_SLOTS && status == LINREC_OK; i++)
        status = check(cudaEventCreateWithFlags(&st->bounce_done[i], cudaEventDisableTiming),
                       "cudaEventCreateWithFlags");
    st->launch.stream = st->stream;
    st->launch.scratch = &st->scratch;
    return status;
}

static linrec_status cuda_open(const linrec__open_args *args, void **state)
{
    *state = NULL;
    int driver = 0;
    linrec__cuda_kernel forced;
    linrec_status status = read_forced_kernel(&forced);
    if (status == LINREC_OK)
        status = find_device(args->device, &driver);
    if (status != LINREC_OK)
        return status;
    cuda_state *st = calloc(1, sizeof *st);
    if (!st)
        return host->fail(LINREC_ERR_OUT_OF_MEMORY, "cuda: cannot allocate a context");
    st->device = (int)args->device;
    st->launch.forced = forced;
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st);
        return host->fail(LINREC_ERR_OUT_OF_MEMORY, "cuda: cannot create a context's mutex");
    }
    status = bind_device(st, driver);
    if (status == LINREC_OK)
        status = create_queues(st);
    if (status != LINREC_OK) {
        pthread_mutex_destroy(&st->lock);
        release(st);
        return status;
    }
    *state = st;
    return LINREC_OK;
}

static void cuda_close(void *state)
{
    cuda_state *st = state;
    pthread_mutex_destroy(&st->lock);
    release(st);
}

static const char *cuda_device(const void *state)
{
    return ((const cuda_state *)state)->description;
}

/* Every call runs on its context's device, which the runtime tracks per host thread. */
static linrec_status begin(cuda_state *st)
{
    pthread_mutex_lock(&st->lock);
    linrec_status status = check(cudaSetDevice(st->device), "cudaSetDevice");
    if (status != LINREC_OK)
        pthread_mutex_unlock(&st->lock);
    return status;
}

static linrec_status end(cuda_state *st, linrec_status status)
{
    pthread_mutex_unlock(&st->lock);
    return status;
}

static linrec_status ensure_bounce(cuda_state *st)
{
    if (st->bounce)
        return LINREC_OK;
    linrec_status status = check(cudaMallocHost((void **)&st->bounce, BOUNCE_SLOTS * BOUNCE_BYTES),
                                 "cudaMallocHost (staging bounce buffer)");
    if (status != LINREC_OK)
        st->bounce = NULL;
    return status;
}

static size_t chunk_bytes(size_t bytes, size_t chunk)
{
    size_t left = bytes - chunk * BOUNCE_BYTES;
    return left < BOUNCE_BYTES ? left : BOUNCE_BYTES;
}

/* host -> device through the bounce slots: the CPU fills one slot while the other's DMA runs. */
static linrec_status upload(cuda_state *st, void *device, const void *host_data, size_t bytes)
{
    linrec_status status = ensure_bounce(st);
    for (size_t chunk = 0; status == LINREC_OK && chunk * BOUNCE_BYTES < bytes; chunk++) {
        size_t slot = chunk % BOUNCE_SLOTS, offset = chunk * BOUNCE_BYTES;
        size_t n = chunk_bytes(bytes, chunk);
        unsigned char *bounce = st->bounce + slot * BOUNCE_BYTES;
        status = check(cudaEventSynchronize(st->bounce_done[slot]),
                       "cudaEventSynchronize (staging slot free)");
        if (status != LINREC_OK)
            break;
        memcpy(bounce, (const unsigned char *)host_data + offset, n);
        status = check(cudaMemcpyAsync((unsigned char *)device + offset, bounce, n,
                                       cudaMemcpyHostToDevice, st->stream),
                       "cudaMemcpyAsync (host to device)");
        if (status == LINREC_OK)
            status = check(cudaEventRecord(st->bounce_done[slot], st->stream), "cudaEventRecord");
    }
    return status;
}

/* Starts the DMA of one chunk of a download into its bounce slot. */
static linrec_status fetch(cuda_state *st, const void *device, size_t bytes, size_t chunk)
{
    size_t slot = chunk % BOUNCE_SLOTS;
    linrec_status status =
        check(cudaMemcpyAsync(st->bounce + slot * BOUNCE_BYTES,
                              (const unsigned char *)device + chunk * BOUNCE_BYTES,
                              chunk_bytes(bytes, chunk), cudaMemcpyDeviceToHost, st->stream),
              "cudaMemcpyAsync (device to host)");
    if (status == LINREC_OK)
        status = check(cudaEventRecord(st->bounce_done[slot], st->stream), "cudaEventRecord");
    return status;
}

/* device -> host: the DMA of the next chunk runs while the CPU copies this one out. */
static linrec_status download(cuda_state *st, void *host_data, const void *device, size_t bytes)
{
    size_t chunks = bytes / BOUNCE_BYTES + (bytes % BOUNCE_BYTES != 0);
    linrec_status status = ensure_bounce(st);
    for (size_t chunk = 0; status == LINREC_OK && chunk < chunks && chunk < BOUNCE_SLOTS; chunk++)
        status = fetch(st, device, bytes, chunk);
    for (size_t chunk = 0; status == LINREC_OK && chunk < chunks; chunk++) {
        size_t slot = chunk % BOUNCE_SLOTS;
        status = check(cudaEventSynchronize(st->bounce_done[slot]),
                       "cudaEventSynchronize (device to host copy)");
        if (status != LINREC_OK)
            break;
        memcpy((unsigned char *)host_data + chunk * BOUNCE_BYTES, st->bounce + slot * BOUNCE_BYTES,
               chunk_bytes(bytes, chunk));
        if (chunk + BOUNCE_SLOTS < chunks)
            status = fetch(st, device, bytes, chunk + BOUNCE_SLOTS);
    }
    return status;
}

/* Places `count` arrays of the given sizes (0: absent, NULL) in the staging arena. */
static linrec_status stage_layout(cuda_state *st, const size_t *bytes, size_t count, void **device)
{
    size_t offsets[8], total = 0;
    for (size_t i = 0; i < count; i++) {
        offsets[i] = total;
        size_t padded;
        if (!round_up(bytes[i], STAGE_ALIGNMENT, &padded) || padded > SIZE_MAX - total)
            return host->fail(LINREC_ERR_OUT_OF_MEMORY,
                              "cuda: the arrays of this call do not fit in device memory");
        total += padded;
    }
    linrec_status status = linrec__cuda_reserve(&st->staging, total, "staging of host arrays");
    for (size_t i = 0; i < count && status == LINREC_OK; i++)
        device[i] = bytes[i] ? (unsigned char *)st->staging.memory + offsets[i] : NULL;
    return status;
}

/* Uploads the inputs among `count` host arrays; NULL ones and outputs are skipped. */
static linrec_status upload_all(cuda_state *st, const void *const *host_data, const size_t *bytes,
                                void *const *device, size_t count)
{
    linrec_status status = LINREC_OK;
    for (size_t i = 0; i < count && status == LINREC_OK; i++)
        if (host_data[i] && device[i])
            status = upload(st, device[i], host_data[i], bytes[i]);
    return status;
}

static linrec_status synchronize(cuda_state *st)
{
    return check(cudaStreamSynchronize(st->stream),
                 "cudaStreamSynchronize (after the scan kernels)");
}

static linrec_status forward_now(cuda_state *st, const linrec__scan_args *args)
{
    linrec_status status = linrec__cuda_forward(&st->launch, args);
    return status == LINREC_OK ? synchronize(st) : status;
}

static linrec_status backward_now(cuda_state *st, const linrec__backward_args *args)
{
    linrec_status status = linrec__cuda_backward(&st->launch, args);
    return status == LINREC_OK ? synchronize(st) : status;
}

/* Host arrays are staged so that the device scans in place: x's copy becomes h. */
static linrec_status staged_forward(cuda_state *st, const linrec__scan_args *args)
{
    enum { A, XH, H0, COUNT };
    const linrec__shape *shape = args->shape;
    size_t data = shape->data_bytes;
    size_t bytes[COUNT] = {shape->coef_bytes, data, args->h0 ? shape->state_bytes : 0};
    const void *inputs[COUNT] = {args->a, args->x, args->h0};
    void *device[COUNT];
    linrec_status status = stage_layout(st, bytes, COUNT, device);
    if (status == LINREC_OK)
        status = upload_all(st, inputs, bytes, device, COUNT);
    linrec__scan_args on_device = {shape, device[A], device[XH], device[H0], device[XH]};
    if (status == LINREC_OK)
        status = forward_now(st, &on_device);
    if (status == LINREC_OK)
        status = download(st, args->h, device[XH], data);
    return status;
}

/* dh's copy becomes dx; h and h0 travel only when da needs them. */
static linrec_status staged_backward(cuda_state *st, const linrec__backward_args *args)
{
    enum { A, H0, H, DX, DA, DH0, COUNT };
    const linrec__shape *shape = args->shape;
    size_t data = shape->data_bytes, coef = shape->coef_bytes, state = shape->state_bytes;
    int da = args->da != NULL;
    size_t bytes[COUNT] = {coef,          da && args->h0 ? state : 0, da ? data : 0, data,
                           da ? coef : 0, args->dh0 ? state : 0};
    const void *inputs[COUNT] = {args->a, args->h0, args->h, args->dh, NULL, NULL};
    void *device[COUNT];
    linrec_status status = stage_layout(st, bytes, COUNT, device);
    if (status == LINREC_OK)
        status = upload_all(st, inputs, bytes, device, COUNT);
    linrec__backward_args on_device = {shape,      device[A],  device[H0], device[H],
                                       device[DX], device[DX], device[DA], device[DH0]};
    if (status == LINREC_OK)
        status = backward_now(st, &on_device);
    if (status == LINREC_OK)
        status = download(st, args->dx, device[DX], data);
    if (status == LINREC_OK && da)
        status = download(st, args->da, device[DA], coef);
    if (status == LINREC_OK && args->dh0)
        status = download(st, args->dh0, device[DH0], state);
    return status;
}

static linrec_status run_forward(cuda_state *st, const void *args, int staged)
{
    return staged ? staged_forward(st, args) : forward_now(st, args);
}

static linrec_status run_backward(cuda_state *st, const void *args, int staged)
{
    return staged ? staged_backward(st, args) : backward_now(st, args);
}

/* Runs a scan on host pointers (staged) or device buffers under the context's lock. The arenas
 * are caches: when a call runs out of device memory while they held some, it runs once more
 * without them (a call writes nothing before its allocations succeed). A call that still runs out
 * leaves them empty, so that what it grew does not starve the smaller calls after it. */
static linrec_status locked(void *state, linrec_status (*run)(cuda_state *, const void *, int),
                            const void *args, int staged)
{
    cuda_state *st = state;
    linrec_status status = begin(st);
    if (status != LINREC_OK)
        return status;
    int cached = holds_arenas(st);
    status = run(st, args, staged);
    if (status == LINREC_ERR_OUT_OF_MEMORY && cached) {
        drop_arenas(st);
        status = run(st, args, staged);
    }
    if (status == LINREC_ERR_OUT_OF_MEMORY)
        drop_arenas(st);
    return end(st, status);
}

static linrec_status cuda_scan(void *state, const linrec__scan_args *args)
{
    return locked(state, run_forward, args, 1);
}

static linrec_status cuda_scan_backward(void *state, const linrec__backward_args *args)
{
    return locked(state, run_backward, args, 1);
}

static linrec_status cuda_scan_device(void *state, const linrec__scan_args *args)
{
    return locked(state, run_forward, args, 0);
}

static linrec_status cuda_scan_backward_device(void *state, const linrec__backward_args *args)
{
    return locked(state, run_backward, args, 0);
}

/* A buffer may take what the arenas cache, when it does not fit beside them. */
static cudaError_t malloc_buffer(cuda_state *st, void **memory, size_t bytes)
{
    cudaError_t error = cudaMalloc(memory, bytes);
    if (error != cudaErrorMemoryAllocation)
        return error;
    pthread_mutex_lock(&st->lock);
    if (holds_arenas(st)) {
        drop_arenas(st);
        error = cudaMalloc(memory, bytes);
    }
    pthread_mutex_unlock(&st->lock);
    return error;
}

static linrec_status cuda_buffer_alloc(void *state, size_t bytes, void **memory)
{
    cuda_state *st = state;
    *memory = NULL;
    linrec_status status = check(cudaSetDevice(st->device), "cudaSetDevice");
    if (status != LINREC_OK)
        return status;
    char call[96];
    snprintf(call, sizeof call, "cudaMalloc (buffer of %zu bytes)", bytes);
    status = check(malloc_buffer(st, memory, bytes), call);
    if (status != LINREC_OK)
        *memory = NULL;
    return status;
}

/* cudaFree errors cannot be reported: linrec_buffer_destroy returns nothing. */
static void cuda_buffer_free(void *state, void *memory)
{
    cuda_state *st = state;
    if (cudaSetDevice(st->device) == cudaSuccess)
        (void)cudaFree(memory);
    (void)cudaGetLastError();
}

static linrec_status cuda_buffer_write(void *state, void *memory, size_t offset, const void *src,
                                       size_t bytes)
{
    cuda_state *st = state;
    linrec_status status = begin(st);
    if (status != LINREC_OK)
        return status;
    status = upload(st, (unsigned char *)memory + offset, src, bytes);
    if (status == LINREC_OK)
        status = check(cudaStreamSynchronize(st->stream), "cudaStreamSynchronize (buffer write)");
    return end(st, status);
}

static linrec_status cuda_buffer_read(void *state, const void *memory, size_t offset, void *dst,
                                      size_t bytes)
{
    cuda_state *st = state;
    linrec_status status = begin(st);
    return status == LINREC_OK
               ? end(st, download(st, dst, (const unsigned char *)memory + offset, bytes))
               : status;
}

static const linrec__backend cuda_backend = {
    .abi_version = LINREC__ABI_VERSION,
    .name = "cuda",
    .scan_elements = LINREC__EVERY_ELEMENT,
    .flags = 0,
    .open = cuda_open,
    .close = cuda_close,
    .device = cuda_device,
    .scan = cuda_scan,
    .scan_backward = cuda_scan_backward,
    .buffer_alloc = cuda_buffer_alloc,
    .buffer_free = cuda_buffer_free,
    .buffer_write = cuda_buffer_write,
    .buffer_read = cuda_buffer_read,
    .scan_device = cuda_scan_device,
    .scan_backward_device = cuda_scan_backward_device,
};

LINREC__DEFINE_PLUGIN_ENTRY(cuda_backend, host)
