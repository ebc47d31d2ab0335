/* Declarations shared by the opencl plugin's files; nothing here leaves the plugin. */
#ifndef LINREC_BACKENDS_OPENCL_H
#define LINREC_BACKENDS_OPENCL_H

#include <pthread.h>
#include <stddef.h>

#include <CL/cl.h>

#include "backend.h"

/* The core's services, set by linrec_plugin_entry at every context creation (atomic: other
 * threads' calls may be reading it then). */
extern const linrec__host *_Atomic linrec__ocl_host;

enum { LINREC__OCL_DESCRIPTION = 512 };

/* The kernels of one element kind's program. */
typedef struct linrec__ocl_program {
    cl_program program;
    cl_kernel lanes_reduce, lanes_scan, steps_reduce, steps_scan, carry_scan;
    size_t pair_size;   /* bytes of one (A, X) pair of the kind's arithmetic type */
    size_t group_size;  /* WG of the tile kernels (steps_*, carry_scan) */
    size_t tile;        /* steps per tile: WG * ITEMS */
    size_t lanes_group; /* work-group size of the lanes kernels */
} linrec__ocl_program;

/* What planning needs to know about the device. */
typedef struct linrec__ocl_limits {
    cl_uint compute_units;
    size_t max_group_size;
    cl_ulong local_memory;
    cl_ulong max_allocation;
    int is_gpu_like; /* GPU or accelerator: many work-groups in flight per compute unit */
    int has_fp64;
} linrec__ocl_limits;

/* A buffer: `bytes` of `memory` from byte `offset`, a cl_mem of the context's own or an
 * application's (wrapped, at any offset). Either way the handle holds one reference to it. */
typedef struct linrec__ocl_memory {
    cl_mem memory;
    size_t offset;
} linrec__ocl_memory;

/* One context's device: everything a call touches, guarded by `lock` while a scan runs. */
typedef struct linrec__ocl_state {
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    /* An application's queue (linrec_opencl_context_create): scans on buffers are enqueued and
     * return. Out of order, each of linrec's commands is fenced by barriers. */
    int asynchronous, out_of_order;
    linrec__ocl_limits limits;
    /* By element kind: f32, and f64 with fp64, built at open; the half kinds on first use. */
    linrec__ocl_program programs[LINREC__ELEMENTS];
    pthread_mutex_t lock;
    cl_mem scratch; /* chunk pairs; grown, never shrunk */
    size_t scratch_bytes;
    char description[LINREC__OCL_DESCRIPTION];
} linrec__ocl_state;

/* Allocates a context and opens it on the device and queue that `attach` sets (`how` is its
 * argument), then builds its programs; on failure frees everything and leaves *state NULL. */
linrec_status linrec__ocl_open_with(linrec_status (*attach)(linrec__ocl_state *s, const void *how),
                                    const void *how, void **state);

/* A buffer handle holding one reference to `memory` from byte `offset` (the caller's reference,
 * which the handle's buffer_free releases). */
linrec_status linrec__ocl_new_handle(cl_mem memory, size_t offset, void **handle);

/* The backend's native interop entries (opencl_native.c). */
linrec_status linrec__ocl_open_native(const linrec__native_args *args, void **state);
linrec_status linrec__ocl_wrap(void *state, void *native, size_t offset, size_t bytes,
                               void **memory);
linrec_status linrec__ocl_synchronize(void *state);

/* The name of an OpenCL error code, such as "CL_INVALID_VALUE". */
const char *linrec__ocl_error_name(cl_int error);

/* LINREC_OK for CL_SUCCESS; otherwise records "opencl: <call>(<subject>) failed: <name> (<code>)"
 * and returns LINREC_ERR_OUT_OF_MEMORY for allocation failures, LINREC_ERR_DEVICE for the rest. */
linrec_status linrec__ocl_check_on(cl_int error, const char *call, const char *subject);
/* linrec__ocl_check_on without a subject. */
linrec_status linrec__ocl_check(cl_int error, const char *call);

/* Finds device args->device (or, for auto, the first GPU or accelerator) and fills
 * state->device, ->limits and ->description. */
linrec_status linrec__ocl_find_device(const linrec__open_args *args, linrec__ocl_state *state);

/* Fills state->limits and ->description for state->device. */
linrec_status linrec__ocl_describe_device(linrec__ocl_state *state);

/* Builds the f32 program, and the f64 one where the device has fp64, so that a driver that cannot
 * build them is reported when the context opens. */
linrec_status linrec__ocl_build_programs(linrec__ocl_state *state);
/* The program of the problem's element kind, built now if it is a half kind used for the first
 * time (call with state->lock held); LINREC_ERR_UNSUPPORTED for f64 without fp64. */
linrec_status linrec__ocl_program_for(linrec__ocl_state *state, linrec__element kind,
                                      const linrec__ocl_program **program);
void linrec__ocl_release_programs(linrec__ocl_state *state);

/* The backend's scan_device and scan_backward_device: `state` is a linrec__ocl_state. */
linrec_status linrec__ocl_scan(void *state, const linrec__scan_args *args);
linrec_status linrec__ocl_scan_backward(void *state, const linrec__backward_args *args);

#endif /* LINREC_BACKENDS_OPENCL_H */
