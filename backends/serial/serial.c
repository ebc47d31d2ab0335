/* The serial backend: the plain loop on the calling thread, the reference every backend matches. */
#include <stdlib.h>

#include "cell_kernels.h"
#include "internal.h"
#include "serial_loops.h"

static linrec_status serial_open(const linrec__open_args *args, void **state)
{
    *state = NULL;
    if (args->device != 0)
        return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                            "backend serial has one device, serial:0; serial:%zu does not exist",
                            args->device);
    return LINREC_OK;
}

static void serial_close(void *state)
{
    (void)state;
}

static const char *serial_device(const void *state)
{
    (void)state;
    return "host CPU, one thread";
}

static linrec_status serial_scan(void *state, const linrec__scan_args *args)
{
    (void)state;
    serial_forward(args->shape, args->a, args->x, args->h0, args->h);
    return LINREC_OK;
}

static linrec_status serial_scan_backward(void *state, const linrec__backward_args *args)
{
    (void)state;
    serial_backward(args->shape, args->a, args->h0, args->h, args->dh, args->dx, args->da,
                    args->dh0);
    return LINREC_OK;
}

/* Runs a cell call, given as the scan of either element type, with a carry row of scratch. */
static linrec_status run_cells(const linrec__shape *shape, const linrec__cell_scan_f32 *s32,
                               const linrec__cell_scan_f64 *s64)
{
    void *carry = malloc(shape->geometry.lanes * shape->element_size);
    if (!carry)
        return linrec__fail(LINREC_ERR_OUT_OF_MEMORY,
                            "backend serial: cannot allocate a carry row of %zu elements",
                            shape->geometry.lanes);
    if (shape->problem.dtype == LINREC_F32)
        linrec__cell_scan_all_f32(s32, carry);
    else
        linrec__cell_scan_all_f64(s64, carry);
    free(carry);
    return LINREC_OK;
}

static linrec_status serial_cell_forward(void *state, const linrec__cell_args *args)
{
    (void)state;
    linrec__cell_scan_f32 s32 = linrec__cell_scan_forward_f32(args);
    linrec__cell_scan_f64 s64 = linrec__cell_scan_forward_f64(args);
    return run_cells(args->shape, &s32, &s64);
}

static linrec_status serial_cell_backward(void *state, const linrec__cell_backward_args *args)
{
    (void)state;
    linrec__cell_scan_f32 s32 = linrec__cell_scan_backward_f32(args);
    linrec__cell_scan_f64 s64 = linrec__cell_scan_backward_f64(args);
    return run_cells(args->shape, &s32, &s64);
}

static const linrec__backend serial_backend = {
    .abi_version = LINREC__ABI_VERSION,
    .name = "serial",
    .flags = LINREC__BACKEND_HOST_MEMORY,
    .scan_elements = LINREC__EVERY_ELEMENT,
    .open = serial_open,
    .close = serial_close,
    .device = serial_device,
    .scan = serial_scan,
    .scan_backward = serial_scan_backward,
    .cell_forward = serial_cell_forward,
    .cell_backward = serial_cell_backward,
};

const linrec__backend *linrec__serial_backend(void)
{
    return &serial_backend;
}
