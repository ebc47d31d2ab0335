/*
 * A stand-in for a GPU plugin, loaded under the name "cuda" from its own folder by the
 * suite_mock_device_plugin test. Its "device memory" is host memory behind a tagged handle that
 * every operation checks, so a host pointer reaching a device operation fails loudly. It offers no
 * host-pointer scan, so the core must stage host calls through its buffers. MOCK_SCAN_ELEMENTS,
 * set by tests/CMakeLists.txt, is the set of element kinds it declares (backend.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

#define MOCK_TAG 0x6c696e7265632121ull

typedef struct mock_memory {
    uint64_t tag;
    size_t bytes;
    _Alignas(64) unsigned char data[];
} mock_memory;

static const linrec__host *_Atomic host; /* set again by every context creation */

#include "serial_loops.h"

/* The data behind a handle, or NULL (after recording why) when it is not one of ours. */
static void *data_of(const void *handle)
{
    mock_memory *memory = (mock_memory *)handle;
    if (!memory)
        return NULL;
    if (memory->tag != MOCK_TAG) {
        host->fail(LINREC_ERR_DEVICE, "mock device: %p is not a device handle", handle);
        abort(); /* a test double: a host pointer here is a core bug the suite must not miss */
    }
    return memory->data;
}

static linrec_status mock_open(const linrec__open_args *args, void **state)
{
    *state = NULL;
    if (args->device != 0)
        return host->fail(LINREC_ERR_BACKEND_UNAVAILABLE, "mock device: no device %zu",
                          args->device);
    return LINREC_OK;
}

static void mock_close(void *state)
{
    (void)state;
}

static const char *mock_device(const void *state)
{
    (void)state;
    return "mock device (host memory behind device handles)";
}

static linrec_status mock_alloc(void *state, size_t bytes, void **handle)
{
    (void)state;
    mock_memory *memory = aligned_alloc(64, (sizeof *memory + bytes + 63) / 64 * 64);
    if (!memory)
        return host->fail(LINREC_ERR_OUT_OF_MEMORY, "mock device: cannot allocate %zu bytes",
                          bytes);
    memory->tag = MOCK_TAG;
    memory->bytes = bytes;
    *handle = memory;
    return LINREC_OK;
}

static void mock_free(void *state, void *handle)
{
    (void)state;
    if (handle)
        ((mock_memory *)handle)->tag = 0;
    free(handle);
}

static linrec_status mock_write(void *state, void *handle, size_t offset, const void *src,
                                size_t bytes)
{
    (void)state;
    memcpy((unsigned char *)data_of(handle) + offset, src, bytes);
    return LINREC_OK;
}

static linrec_status mock_read(void *state, const void *handle, size_t offset, void *dst,
                               size_t bytes)
{
    (void)state;
    memcpy(dst, (const unsigned char *)data_of(handle) + offset, bytes);
    return LINREC_OK;
}

static linrec_status mock_scan(void *state, const linrec__scan_args *args)
{
    (void)state;
    serial_forward(args->shape, data_of(args->a), data_of(args->x), data_of(args->h0),
                   data_of(args->h));
    return LINREC_OK;
}

static linrec_status mock_scan_backward(void *state, const linrec__backward_args *args)
{
    (void)state;
    serial_backward(args->shape, data_of(args->a), data_of(args->h0), data_of(args->h),
                    data_of(args->dh), data_of(args->dx), data_of(args->da), data_of(args->dh0));
    return LINREC_OK;
}

static const linrec__backend mock_backend = {
    .abi_version = LINREC__ABI_VERSION,
    .name = "cuda",
    .scan_elements = MOCK_SCAN_ELEMENTS,
    .flags = 0,
    .open = mock_open,
    .close = mock_close,
    .device = mock_device,
    .buffer_alloc = mock_alloc,
    .buffer_free = mock_free,
    .buffer_write = mock_write,
    .buffer_read = mock_read,
    .scan_device = mock_scan,
    .scan_backward_device = mock_scan_backward,
};

LINREC__DEFINE_PLUGIN_ENTRY(mock_backend, host)
