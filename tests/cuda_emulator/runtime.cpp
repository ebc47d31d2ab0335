/*
 * The CUDA runtime calls of the cuda plugin, on the host. Everything runs synchronously in the
 * calling thread, so streams and events only need to exist (NULL is the default stream, as in
 * CUDA). A test may arm a fault for the next launch (linrec_emulator_runtime_api): that kernel
 * does not run, and the next launch or synchronization reports cudaErrorIllegalAddress, as a
 * kernel that faulted on a GPU is reported by a later call. "Device memory" is host memory that
 * this file keeps a record of, and every copy and memset checks its pointers against that record:
 * a host pointer where device memory belongs (or the reverse) fails the call, as it would fault
 * on a GPU. The device's memory is a budget (LINREC_EMULATED_DEVICE_MEMORY bytes, 4 GiB by
 * default) that cudaMalloc refuses to exceed before it touches host memory, as a GPU would;
 * pinned host memory has its own (LINREC_EMULATED_PINNED_MEMORY, unlimited by default). Both are
 * read at every allocation, so that a test can change them between contexts.
 */
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <new>

#include "cuda_runtime_api.h"
#include "emulator.h"
#include "emulator_memory.h"
#include "emulator_runtime.h"

namespace
{

constexpr size_t DEVICE_ALIGNMENT = 256; /* what cudaMalloc guarantees */
constexpr int MULTIPROCESSORS = 2;       /* few, so that the shape rule picks every kernel */

thread_local cudaError_t last_error = cudaSuccess;

cudaError_t failed(cudaError_t error)
{
    last_error = error;
    return error;
}

struct ErrorText {
    cudaError_t error;
    const char *name, *text;
};

/* The errors this runtime returns, in the toolkit's words where it has them. */
constexpr ErrorText ERRORS[] = {
    {cudaSuccess, "cudaSuccess", "no error"},
    {cudaErrorInvalidValue, "cudaErrorInvalidValue",
     "invalid argument (the emulator checks that device pointers are device memory, and that "
     "LINREC_EMULATED_DEVICE_MEMORY and LINREC_EMULATED_PINNED_MEMORY are byte counts)"},
    {cudaErrorMemoryAllocation, "cudaErrorMemoryAllocation", "out of memory"},
    {cudaErrorInvalidConfiguration, "cudaErrorInvalidConfiguration",
     "invalid configuration argument"},
    {cudaErrorInvalidDevice, "cudaErrorInvalidDevice", "invalid device ordinal"},
    {cudaErrorInvalidResourceHandle, "cudaErrorInvalidResourceHandle", "invalid resource handle"},
    {cudaErrorIllegalAddress, "cudaErrorIllegalAddress",
     "an illegal memory access was encountered (a fault the emulator's test armed)"},
    {cudaErrorLaunchFailure, "cudaErrorLaunchFailure",
     "unspecified launch failure (the emulator found threads waiting forever, or a shuffle "
     "from different places or with lanes left out)"},
};

ErrorText describe(cudaError_t error)
{
    for (const ErrorText &e : ERRORS)
        if (e.error == error)
            return e;
    return {error, "cudaErrorUnknown", "an error the emulator never returns"};
}

/* Allocations of one kind of memory (start address -> bytes asked for) and what they are charged
 * against its budget: whole units of DEVICE_ALIGNMENT, as a GPU's allocator hands out. */
struct Pool {
    const char *budget_variable;
    size_t default_budget;
    std::mutex lock;
    std::map<uintptr_t, size_t> allocations;
    size_t charged = 0;
};

Pool device_memory{"LINREC_EMULATED_DEVICE_MEMORY", size_t{4} << 30, {}, {}};
Pool pinned_memory{"LINREC_EMULATED_PINNED_MEMORY", SIZE_MAX, {}, {}};

/* The pool's budget in *bytes; false when its variable is set but is not a byte count. */
bool budget(const Pool &pool, size_t *bytes)
{
    const char *text = getenv(pool.budget_variable);
    *bytes = pool.default_budget;
    if (!text || !*text)
        return true;
    if (*text < '0' || *text > '9')
        return false;
    char *end = nullptr;
    errno = 0;
    const unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || value == 0 || value > SIZE_MAX)
        return false;
    *bytes = static_cast<size_t>(value);
    return true;
}

size_t charge(size_t bytes)
{
    return bytes > SIZE_MAX - (DEVICE_ALIGNMENT - 1)
               ? SIZE_MAX
               : (bytes + DEVICE_ALIGNMENT - 1) / DEVICE_ALIGNMENT * DEVICE_ALIGNMENT;
}

/* The exact size, so that AddressSanitizer sees a kernel read one element past an array. */
cudaError_t allocate(Pool &pool, void **memory, size_t bytes)
{
    *memory = nullptr;
    size_t limit;
    if (!budget(pool, &limit))
        return failed(cudaErrorInvalidValue);
    if (bytes == 0)
        return cudaSuccess;
    std::lock_guard<std::mutex> guard(pool.lock);
    if (pool.charged > limit || charge(bytes) > limit - pool.charged)
        return failed(cudaErrorMemoryAllocation);
    void *p = nullptr;
    if (posix_memalign(&p, DEVICE_ALIGNMENT, bytes) != 0)
        return failed(cudaErrorMemoryAllocation);
    try {
        pool.allocations[reinterpret_cast<uintptr_t>(p)] = bytes;
    } catch (const std::bad_alloc &) {
        free(p);
        return failed(cudaErrorMemoryAllocation);
    }
    pool.charged += charge(bytes);
    *memory = p;
    return cudaSuccess;
}

cudaError_t release(Pool &pool, void *memory)
{
    if (!memory)
        return cudaSuccess;
    std::lock_guard<std::mutex> guard(pool.lock);
    auto it = pool.allocations.find(reinterpret_cast<uintptr_t>(memory));
    if (it == pool.allocations.end())
        return failed(cudaErrorInvalidValue);
    pool.charged -= charge(it->second);
    pool.allocations.erase(it);
    free(memory);
    return cudaSuccess;
}

void usage_of(Pool &pool, size_t *charged, size_t *allocations)
{
    std::lock_guard<std::mutex> guard(pool.lock);
    *charged = pool.charged;
    *allocations = pool.allocations.size();
}

/* Whether [p, p + bytes) lies inside one device allocation. */
bool on_device(const void *p, size_t bytes)
{
    const uintptr_t at = reinterpret_cast<uintptr_t>(p);
    std::lock_guard<std::mutex> guard(device_memory.lock);
    const auto &allocations = device_memory.allocations;
    auto it = allocations.upper_bound(at);
    if (it == allocations.begin())
        return false;
    --it;
    return at - it->first <= it->second && bytes <= it->second - (at - it->first);
}

/* Any byte of [p, p + bytes) inside a device allocation. */
bool touches_device(const void *p, size_t bytes)
{
    const uintptr_t at = reinterpret_cast<uintptr_t>(p);
    std::lock_guard<std::mutex> guard(device_memory.lock);
    const auto &allocations = device_memory.allocations;
    auto it = allocations.lower_bound(at + (bytes ? bytes : 1));
    if (it == allocations.begin())
        return false;
    --it;
    return it->first + it->second > at;
}

std::atomic<bool> fault_armed{false};
std::atomic<cudaError_t> fault_pending{cudaSuccess};

/* The armed fault of an earlier launch, reported once. */
cudaError_t take_fault()
{
    const cudaError_t fault = fault_pending.exchange(cudaSuccess);
    return fault == cudaSuccess ? cudaSuccess : failed(fault);
}

/* Streams and events are distinct addresses that nothing dereferences. */
template <typename Handle> cudaError_t create(Handle *handle)
{
    void *token = malloc(1);
    if (!token)
        return failed(cudaErrorMemoryAllocation);
    *handle = static_cast<Handle>(token);
    return cudaSuccess;
}

template <typename Handle> cudaError_t destroy(Handle handle)
{
    if (!handle)
        return failed(cudaErrorInvalidResourceHandle);
    free(handle);
    return cudaSuccess;
}

template <typename Handle> cudaError_t use(Handle handle)
{
    return handle ? cudaSuccess : failed(cudaErrorInvalidResourceHandle);
}

} // namespace

bool linrec_emulator::is_device_memory(const void *address)
{
    return on_device(address, 1);
}

cudaError_t linrec_emulator::launch_fault(bool *skip)
{
    *skip = fault_armed.exchange(false);
    if (*skip)
        fault_pending = cudaErrorIllegalAddress;
    return *skip ? cudaSuccess : take_fault();
}

extern "C" {

cudaError_t cudaGetLastError(void)
{
    const cudaError_t error = last_error;
    last_error = cudaSuccess;
    return error;
}

const char *cudaGetErrorString(cudaError_t error)
{
    return describe(error).text;
}

const char *cudaGetErrorName(cudaError_t error)
{
    return describe(error).name;
}

cudaError_t cudaDriverGetVersion(int *version)
{
    *version = CUDART_VERSION;
    return cudaSuccess;
}

cudaError_t cudaGetDeviceCount(int *count)
{
    *count = 1;
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device)
{
    return device == 0 ? cudaSuccess : failed(cudaErrorInvalidDevice);
}

cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *props, int device)
{
    if (device != 0)
        return failed(cudaErrorInvalidDevice);
    *props = {};
    strncpy(props->name, "linrec host emulation", sizeof props->name - 1);
    if (!budget(device_memory, &props->totalGlobalMem))
        return failed(cudaErrorInvalidValue);
    props->major = 9;
    props->minor = 0;
    props->multiProcessorCount = MULTIPROCESSORS;
    return cudaSuccess;
}

cudaError_t cudaMalloc(void **memory, size_t bytes)
{
    return allocate(device_memory, memory, bytes);
}

cudaError_t cudaFree(void *memory)
{
    return release(device_memory, memory);
}

cudaError_t cudaMallocHost(void **memory, size_t bytes)
{
    return allocate(pinned_memory, memory, bytes);
}

cudaError_t cudaFreeHost(void *memory)
{
    return release(pinned_memory, memory);
}

cudaError_t cudaStreamCreate(cudaStream_t *stream)
{
    return create(stream);
}

cudaError_t cudaStreamDestroy(cudaStream_t stream)
{
    return destroy(stream);
}

cudaError_t cudaStreamSynchronize(cudaStream_t)
{
    return take_fault();
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t *event, unsigned)
{
    return create(event);
}

cudaError_t cudaEventDestroy(cudaEvent_t event)
{
    return destroy(event);
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t)
{
    return use(event);
}

cudaError_t cudaEventSynchronize(cudaEvent_t event)
{
    const cudaError_t error = use(event);
    return error == cudaSuccess ? take_fault() : error;
}

cudaError_t cudaStreamWaitEvent(cudaStream_t, cudaEvent_t event, unsigned flags)
{
    return flags == 0 ? use(event) : failed(cudaErrorInvalidValue);
}

cudaError_t cudaMallocAsync(void **memory, size_t bytes, cudaStream_t)
{
    return allocate(device_memory, memory, bytes);
}

cudaError_t cudaFreeAsync(void *memory, cudaStream_t)
{
    return release(device_memory, memory);
}

cudaError_t cudaPointerGetAttributes(struct cudaPointerAttributes *attributes, const void *pointer)
{
    const bool device = on_device(pointer, 1);
    *attributes = {device ? cudaMemoryTypeDevice : cudaMemoryTypeUnregistered, device ? 0 : -1,
                   device ? const_cast<void *>(pointer) : nullptr, nullptr};
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes, enum cudaMemcpyKind kind,
                            cudaStream_t)
{
    const bool to_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    const bool from_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    const bool dst_right = to_device ? on_device(dst, bytes) : !touches_device(dst, bytes);
    const bool src_right = from_device ? on_device(src, bytes) : !touches_device(src, bytes);
    if (!dst_right || !src_right)
        return failed(cudaErrorInvalidValue);
    memcpy(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void *memory, int value, size_t bytes, cudaStream_t)
{
    if (!on_device(memory, bytes))
        return failed(cudaErrorInvalidValue);
    memset(memory, value, bytes);
    return cudaSuccess;
}

} // extern "C"

void linrec_emulator_memory(linrec_emulator_memory_usage *usage)
{
    usage_of(device_memory, &usage->device_bytes, &usage->device_allocations);
    usage_of(pinned_memory, &usage->pinned_bytes, &usage->pinned_allocations);
}

void linrec_emulator_runtime_api(linrec_emulator_runtime *api)
{
    *api = {
        [](void **memory, size_t bytes) { return static_cast<int>(cudaMalloc(memory, bytes)); },
        [](void *memory) { return static_cast<int>(cudaFree(memory)); },
        [](void **stream) {
            return static_cast<int>(cudaStreamCreate(reinterpret_cast<cudaStream_t *>(stream)));
        },
        [](void *stream) {
            return static_cast<int>(cudaStreamDestroy(static_cast<cudaStream_t>(stream)));
        },
        [](void *dst, const void *src, size_t bytes, int to_device, void *stream) {
            return static_cast<int>(cudaMemcpyAsync(
                dst, src, bytes, to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost,
                static_cast<cudaStream_t>(stream)));
        },
        [] { fault_armed = true; },
    };
}
