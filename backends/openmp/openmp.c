/*
 * The openmp backend: the scan parallel over sequences or over time on the host's cores, with
 * SIMD kernels chosen for this CPU when the context is created. A context holds only that choice
 * and its description, both read-only after open, so concurrent calls share nothing but OpenMP's
 * own thread pool; every call's scratch is its own.
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openmp.h"

#define ELEMENT_KERNELS "openmp_driver.h"
#include "element_instances.h"

typedef linrec_status (*forward_fn)(const linrec__openmp_kernels *, const linrec__scan_args *);
typedef linrec_status (*backward_fn)(const linrec__openmp_kernels *, const linrec__backward_args *);
static const forward_fn forwards[] = LINREC__ELEMENT_TABLE(forward);
static const backward_fn backwards[] = LINREC__ELEMENT_TABLE(backward);

typedef struct openmp_state {
    const linrec__openmp_kernels *kernels;
    char device[96];
} openmp_state;

static linrec_status openmp_open(const linrec__open_args *args, void **state)
{
    *state = NULL;
    if (args->device != 0)
        return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                            "backend openmp has one device, openmp:0; openmp:%zu does not exist",
                            args->device);
    const linrec__openmp_kernels *kernels;
    linrec_status status = linrec__openmp_choose_kernels(&kernels);
    if (status != LINREC_OK)
        return status;
    openmp_state *st = malloc(sizeof *st);
    if (!st)
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY, "backend openmp: cannot allocate its state");
    int threads = omp_get_max_threads();
    st->kernels = kernels;
    snprintf(st->device, sizeof st->device, "host CPU, %d thread%s, %s", threads,
             threads == 1 ? "" : "s", kernels->name);
    *state = st;
    return LINREC_OK;
}

static void openmp_close(void *state)
{
    free(state);
}

static const char *openmp_device(const void *state)
{
    return ((const openmp_state *)state)->device;
}

static linrec_status openmp_scan(void *state, const linrec__scan_args *args)
{
    const openmp_state *st = state;
    return forwards[args->shape->element](st->kernels, args);
}

static linrec_status openmp_scan_backward(void *state, const linrec__backward_args *args)
{
    const openmp_state *st = state;
    return backwards[args->shape->element](st->kernels, args);
}

static const linrec__backend openmp_backend = {
    .abi_version = LINREC__ABI_VERSION,
    .name = "openmp",
    .flags = LINREC__BACKEND_HOST_MEMORY,
    .scan_elements = LINREC__EVERY_ELEMENT,
    .open = openmp_open,
    .close = openmp_close,
    .device = openmp_device,
    .scan = openmp_scan,
    .scan_backward = openmp_scan_backward,
    .cell_forward = linrec__openmp_cell_forward,
    .cell_backward = linrec__openmp_cell_backward,
};

const linrec__backend *linrec__openmp_backend(void)
{
    return &openmp_backend;
}
