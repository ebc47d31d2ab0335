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
 *
 * A context made by linrec_cuda_context_create (linrec/cuda.h) uses the application's stream
 * instead of its own and is asynchronous: its buffer scans return once enqueued, and its scratch
 * grows on the stream (cudaMallocAsync). A buffer handle is a device pointer and whether the
 * buffer owns it, so that a wrapped buffer frees nothing.
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
    int asynchronous; /* on the application's stream: buffer scans do not wait */
    pthread_mutex_t lock;
    cudaStream_t stream;
    cudaEvent_t stream_switch; /* orders a new stream after the old (asynchronous contexts) */
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

cudaError_t linrec__cuda_free_arena(linrec__cuda_arena *arena)
{
    cudaError_t error = cudaSuccess;
    if (arena->memory)
        error = arena->stream_ordered ? cudaFreeAsync(arena->memory, arena->stream)
                                      : cudaFree(arena->memory);
    arena->memory = NULL;
    arena->bytes = 0;
    return error;
}

static cudaError_t allocate_arena(linrec__cuda_arena *arena, size_t bytes)
{
    if (arena->stream_ordered)
        return cudaMallocAsync(&arena->memory, bytes, arena->stream);
    return cudaMalloc(&arena->memory, bytes);
}

linrec_status linrec__cuda_reserve(linrec__cuda_arena *arena, size_t bytes, const char *what)
{
    if (arena->bytes >= bytes)
        return LINREC_OK;
    char call[128];
    snprintf(call, sizeof call, "cudaFree (%s)", what);
    linrec_status status = check(linrec__cuda_free_arena(arena), call);
    if (status != LINREC_OK)
        return status;
    size_t rounded;
    if (!round_up(bytes, ARENA_UNIT, &rounded))
        rounded = bytes; /* no device holds that much: let cudaMalloc say so */
    cudaError_t error = allocate_arena(arena, rounded);
    /* Whole units save reallocations, but not at the price of refusing what fits. */
    if (error == cudaErrorMemoryAllocation && rounded > bytes) {
        (void)cudaGetLastError();
        rounded = bytes;
        error = allocate_arena(arena, rounded);
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
    (void)linrec__cuda_free_arena(&st->staging);
    (void)linrec__cuda_free_arena(&st->scratch);
    (void)cudaGetLastError();
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
        if (st->stream_switch)
            (void)cudaEventDestroy(st->stream_switch);
        if (st->stream && !st->asynchronous) /* the application's stream stays the application's */
            (void)cudaStreamDestroy(st->stream);
    }
    (void)cudaGetLastError();
    free(st);
}

/* Every stream-ordered piece of the context follows st->stream. */
static void use_stream(cuda_state *st, cudaStream_t stream)
{
    st->stream = stream;
    st->launch.stream = stream;
    st->scratch.stream = stream;
}

/* An own stream is a blocking one: it orders against the legacy default stream of the process, so
 * that CUDA events recorded there (as bench/ does) bracket this plugin's kernels. An asynchronous
 * context takes the application's stream instead. */
static linrec_status create_queues(cuda_state *st, cudaStream_t application)
{
    cudaStream_t stream = application;
    linrec_status status =
        st->asynchronous ? LINREC_OK : check(cudaStreamCreate(&stream), "cudaStreamCreate");
    for (int i = 0; i < BOUNCE_SLOTS && status == LINREC_OK; i++)
        status = check(cudaEventCreateWithFlags(&st->bounce_done[i], cudaEventDisableTiming),
                       "cudaEventCreateWithFlags");
    if (status == LINREC_OK && st->asynchronous)
        status = check(cudaEventCreateWithFlags(&st->stream_switch, cudaEventDisableTiming),
                       "cudaEventCreateWithFlags");
    use_stream(st, stream);
    st->scratch.stream_ordered = st->asynchronous;
    st->launch.scratch = &st->scratch;
    return status;
}

/* Opens device `device` on its own stream or, for an asynchronous context, `stream`. */
static linrec_status open_state(size_t device, int asynchronous, cudaStream_t stream, void **state)
{
    *state = NULL;
    int driver = 0;
    linrec__cuda_kernel forced;
    linrec_status status = read_forced_kernel(&forced);
    if (status == LINREC_OK)
        status = find_device(device, &driver);
    if (status != LINREC_OK)
        return status;
    cuda_state *st = calloc(1, sizeof *st);
    if (!st)
        return host->fail(LINREC_ERR_OUT_OF_MEMORY, "cuda: cannot allocate a context");
    st->device = (int)device;
    st->asynchronous = asynchronous;
    st->launch.forced = forced;
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st);
        return host->fail(LINREC_ERR_OUT_OF_MEMORY, "cuda: cannot create a context's mutex");
    }
    status = bind_device(st, driver);
    if (status == LINREC_OK)
        status = create_queues(st, stream);
    if (status != LINREC_OK) {
        pthread_mutex_destroy(&st->lock);
        release(st);
        return status;
    }
    *state = st;
    return LINREC_OK;
}

static linrec_status cuda_open(const linrec__open_args *args, void **state)
{
    return open_state(args->device, 0, NULL, state);
}

static linrec_status cuda_open_native(const linrec__native_args *args, void **state)
{
    return open_state((size_t)args->device, 1, args->queue, state);
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

/* An asynchronous context leaves its kernels running; staged calls then wait for their
 * downloads, which follow the kernels on the stream. */
static linrec_status forward_now(cuda_state *st, const linrec__scan_args *args)
{
    linrec_status status = linrec__cuda_forward(&st->launch, args);
    return status == LINREC_OK && !st->asynchronous ? synchronize(st) : status;
}

static linrec_status backward_now(cuda_state *st, const linrec__backward_args *args)
{
    linrec_status status = linrec__cuda_backward(&st->launch, args);
    return status == LINREC_OK && !st->asynchronous ? synchronize(st) : status;
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

/* A buffer: device memory, and whether the buffer owns it (wrapped memory is the
 * application's). */
typedef struct cuda_memory {
    void *pointer;
    int owned;
} cuda_memory;

static void *pointer_of(const void *handle)
{
    return handle ? ((const cuda_memory *)handle)->pointer : NULL;
}

/* One array of a buffer call: its handle, element size and name, and where its device pointer
 * goes. */
typedef struct handle_array {
    const void *handle;
    size_t element_size;
    const char *name;
    void **pointer;
} handle_array;

/* Each array's device pointer, which must be aligned to its elements (wrapped memory may start
 * anywhere). */
static linrec_status unwrap_all(const handle_array *arrays, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        void *pointer = pointer_of(arrays[i].handle);
        if ((uintptr_t)pointer % arrays[i].element_size != 0)
            return host->fail(LINREC_ERR_INVALID_ARGUMENT,
                              "cuda: buffer %s starts at device address %p, which is not aligned "
                              "to its %zu-byte elements",
                              arrays[i].name, pointer, arrays[i].element_size);
        *arrays[i].pointer = pointer;
    }
    return LINREC_OK;
}

static linrec_status cuda_scan_device(void *state, const linrec__scan_args *args)
{
    const linrec__shape *shape = args->shape;
    size_t data = shape->element_size;
    linrec__scan_args d = {shape, NULL, NULL, NULL, NULL};
    const handle_array arrays[] = {{args->a, shape->coef_size, "a", (void **)&d.a},
                                   {args->x, data, "x", (void **)&d.x},
                                   {args->h0, data, "h0", (void **)&d.h0},
                                   {args->h, data, "h", &d.h}};
    linrec_status status = unwrap_all(arrays, sizeof arrays / sizeof arrays[0]);
    return status == LINREC_OK ? locked(state, run_forward, &d, 0) : status;
}

static linrec_status cuda_scan_backward_device(void *state, const linrec__backward_args *args)
{
    const linrec__shape *shape = args->shape;
    size_t data = shape->element_size, coef = shape->coef_size;
    linrec__backward_args d = {shape, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    const handle_array arrays[] = {
        {args->a, coef, "a", (void **)&d.a}, {args->h0, data, "h0", (void **)&d.h0},
        {args->h, data, "h", (void **)&d.h}, {args->dh, data, "dh", (void **)&d.dh},
        {args->dx, data, "dx", &d.dx},       {args->da, coef, "da", &d.da},
        {args->dh0, data, "dh0", &d.dh0}};
    linrec_status status = unwrap_all(arrays, sizeof arrays / sizeof arrays[0]);
    return status == LINREC_OK ? locked(state, run_backward, &d, 0) : status;
}

static linrec_status new_handle(void *pointer, int owned, void **handle)
{
    cuda_memory *made = malloc(sizeof *made);
    if (!made)
        return host->fail(LINREC_ERR_OUT_OF_MEMORY, "cuda: cannot allocate a buffer handle");
    *made = (cuda_memory){pointer, owned};
    *handle = made;
    return LINREC_OK;
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
    void *pointer = NULL;
    status = check(malloc_buffer(st, &pointer, bytes), call);
    if (status == LINREC_OK && (status = new_handle(pointer, 1, memory)) != LINREC_OK)
        (void)cudaFree(pointer);
    return status;
}

/* cudaFree errors cannot be reported: linrec_buffer_destroy returns nothing. Wrapped memory is
 * left to the application. */
static void cuda_buffer_free(void *state, void *memory)
{
    cuda_state *st = state;
    cuda_memory *handle = memory;
    if (handle && handle->owned && cudaSetDevice(st->device) == cudaSuccess)
        (void)cudaFree(handle->pointer);
    (void)cudaGetLastError();
    free(handle);
}

static linrec_status cuda_buffer_write(void *state, void *memory, size_t offset, const void *src,
                                       size_t bytes)
{
    cuda_state *st = state;
    linrec_status status = begin(st);
    if (status != LINREC_OK)
        return status;
    status = upload(st, (unsigned char *)pointer_of(memory) + offset, src, bytes);
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
               ? end(st,
                     download(st, dst, (const unsigned char *)pointer_of(memory) + offset, bytes))
               : status;
}

/* The runtime must know the pointer as memory of the context's device (or as managed memory). */
static linrec_status cuda_buffer_wrap(void *state, void *native, size_t offset, size_t bytes,
                                      void **memory)
{
    (void)bytes; /* the runtime API does not tell an allocation's extent */
    cuda_state *st = state;
    void *pointer = (unsigned char *)native + offset;
    struct cudaPointerAttributes attributes;
    cudaError_t error = cudaPointerGetAttributes(&attributes, pointer);
    (void)cudaGetLastError();
    if (error != cudaSuccess ||
        (attributes.type != cudaMemoryTypeDevice && attributes.type != cudaMemoryTypeManaged))
        return host->fail(LINREC_ERR_INVALID_ARGUMENT,
                          "cuda: %p is not device memory that the CUDA runtime knows (%s)", pointer,
                          error != cudaSuccess ? cudaGetErrorName(error)
                                               : "it is host or unregistered memory");
    if (attributes.type == cudaMemoryTypeDevice && attributes.device != st->device)
        return host->fail(LINREC_ERR_INVALID_ARGUMENT,
                          "cuda: %p is memory of cuda:%d, and the context is on cuda:%d", pointer,
                          attributes.device, st->device);
    return new_handle(pointer, 0, memory);
}

static void *cuda_buffer_native(const void *memory, size_t *offset)
{
    *offset = 0;
    return pointer_of(memory);
}

/* The new stream waits for everything enqueued on the old one, scratch uses included. */
static linrec_status cuda_set_stream(void *state, void *stream)
{
    cuda_state *st = state;
    if (!st->asynchronous)
        return host->fail(LINREC_ERR_INVALID_ARGUMENT,
                          "cuda: only a context made by linrec_cuda_context_create works on the "
                          "application's streams; this one owns its stream");
    linrec_status status = begin(st);
    if (status != LINREC_OK)
        return status;
    status = check(cudaEventRecord(st->stream_switch, st->stream), "cudaEventRecord (old stream)");
    if (status == LINREC_OK)
        status = check(cudaStreamWaitEvent(stream, st->stream_switch, 0),
                       "cudaStreamWaitEvent (new stream after old)");
    if (status == LINREC_OK)
        use_stream(st, stream);
    return end(st, status);
}

static linrec_status cuda_synchronize(void *state)
{
    cuda_state *st = state;
    if (!st->asynchronous)
        return LINREC_OK;
    linrec_status status = begin(st);
    return status == LINREC_OK
               ? end(st, check(cudaStreamSynchronize(st->stream),
                               "cudaStreamSynchronize (the work enqueued on the context)"))
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
    .open_native = cuda_open_native,
    .set_stream = cuda_set_stream,
    .buffer_wrap = cuda_buffer_wrap,
    .buffer_native = cuda_buffer_native,
    .synchronize = cuda_synchronize,
};

LINREC__DEFINE_PLUGIN_ENTRY(cuda_backend, host)
