/*
 * The kernels' programs: one per element kind, each built once and reused by every call. f32, and
 * f64 on devices with cl_khr_fp64, are built when a context opens (so that a driver that cannot
 * build them is reported by context creation, with its build log); the half and complex kinds
 * when first used (c128 only with cl_khr_fp64).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "opencl.h"
#include "opencl_sources.h"

enum {
    LARGEST_GROUP = 256,   /* tile work-group size wanted; smaller when the device or kernel asks */
    SMALLEST_GROUP = 16,   /* below this a tile scan is no longer worth a work-group */
    LANES_GROUP = 128,     /* work-group size of the one-work-item-per-sequence kernels */
    LANES_BLOCK_CPU = 4,   /* steps between the lanes kernels' barriers: measured best on PoCL */
    LANES_BLOCK_GPU = 256, /* GPUs need no blocking; a rare barrier costs them nothing */
    BUILD_LOG_SHOWN = 700
};

typedef struct element_type {
    const char *real, *options;
    size_t size, items; /* bytes of the arithmetic value; steps per work-item in a tile */
} element_type;

/* Each kind's arithmetic and storage (common.cl: COMPLEX makes a value a REAL2; DATA and COEF,
 * 0 the value itself, 1 f16, 2 bf16). Wider values take fewer steps per work-item so that a tile
 * needs the same local memory. */
static const element_type element_types[LINREC__ELEMENTS] = {
    [LINREC__ELEMENT_F32] = {"float", " -DDATA=0 -DCOEF=0", sizeof(cl_float), 8},
    [LINREC__ELEMENT_F64] = {"double", " -DLINREC_FP64 -DDATA=0 -DCOEF=0", sizeof(cl_double), 4},
    [LINREC__ELEMENT_F16] = {"float", " -DDATA=1 -DCOEF=1", sizeof(cl_float), 8},
    [LINREC__ELEMENT_BF16] = {"float", " -DDATA=2 -DCOEF=2", sizeof(cl_float), 8},
    [LINREC__ELEMENT_F16_A32] = {"float", " -DDATA=1 -DCOEF=0", sizeof(cl_float), 8},
    [LINREC__ELEMENT_BF16_A32] = {"float", " -DDATA=2 -DCOEF=0", sizeof(cl_float), 8},
    [LINREC__ELEMENT_C64] = {"float", " -DCOMPLEX -DDATA=0 -DCOEF=0", sizeof(cl_float2), 4},
    [LINREC__ELEMENT_C128] = {"double", " -DCOMPLEX -DLINREC_FP64 -DDATA=0 -DCOEF=0",
                              sizeof(cl_double2), 2},
};

/* Local memory of a tile kernel: TILE + WG pairs of the tile, WG pairs of partial results. */
static cl_ulong tile_local_memory(const element_type *type, size_t group)
{
    return (cl_ulong)(group * type->items + 2 * group) * 2 * type->size;
}

/* The largest power-of-two work-group size the device allows for the tile kernels. */
static size_t initial_group_size(const linrec__ocl_limits *limits, const element_type *type)
{
    size_t group = LARGEST_GROUP;
    while (group > SMALLEST_GROUP && (group > limits->max_group_size ||
                                      tile_local_memory(type, group) > limits->local_memory))
        group /= 2;
    return group;
}

/* Fails with the driver's build log, which says what the compiler rejected. */
static linrec_status build_failed(cl_program program, cl_device_id device, linrec__element kind,
                                  cl_int error)
{
    char log[BUILD_LOG_SHOWN + 1] = "";
    size_t length = 0;
    cl_int log_error =
        clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, NULL, &length);
    char *full = log_error == CL_SUCCESS ? malloc(length + 1) : NULL;
    if (full) {
        log_error =
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, length, full, NULL);
        size_t end = log_error == CL_SUCCESS ? length : 0;
        while (end > 0 && (full[end - 1] == '\0' || isspace((unsigned char)full[end - 1])))
            end--; /* drivers end their logs with blank lines and a NUL */
        full[end] = '\0';
        snprintf(log, sizeof log, "%s", full);
        free(full);
    }
    return linrec__ocl_host->fail(LINREC_ERR_DEVICE,
                                  "opencl: clBuildProgram of the %s kernels failed: %s (%d); "
                                  "build log: %s",
                                  linrec__element_name(kind), linrec__ocl_error_name(error),
                                  (int)error,
                                  *log                      ? log
                                  : log_error == CL_SUCCESS ? "(empty)"
                                                            : "(unavailable)");
}

static linrec_status create_kernel(cl_program program, const char *name, cl_kernel *kernel)
{
    cl_int error = CL_SUCCESS;
    *kernel = clCreateKernel(program, name, &error);
    if (error == CL_SUCCESS)
        return LINREC_OK;
    *kernel = NULL;
    return linrec__ocl_check_on(error, "clCreateKernel", name);
}

static linrec_status create_kernels(linrec__ocl_program *p)
{
    linrec_status status = create_kernel(p->program, "lanes_reduce", &p->lanes_reduce);
    if (status == LINREC_OK)
        status = create_kernel(p->program, "lanes_scan", &p->lanes_scan);
    if (status == LINREC_OK)
        status = create_kernel(p->program, "steps_reduce", &p->steps_reduce);
    if (status == LINREC_OK)
        status = create_kernel(p->program, "steps_scan", &p->steps_scan);
    if (status == LINREC_OK)
        status = create_kernel(p->program, "carry_scan", &p->carry_scan);
    return status;
}

static void release_program(linrec__ocl_program *p)
{
    cl_kernel kernels[] = {p->lanes_reduce, p->lanes_scan, p->steps_reduce, p->steps_scan,
                           p->carry_scan};
    /* Releasing what we created cannot fail in a way the caller could act on. */
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (kernels[i])
            (void)clReleaseKernel(kernels[i]);
    if (p->program)
        (void)clReleaseProgram(p->program);
    *p = (linrec__ocl_program){0};
}

static linrec_status kernel_group_size(cl_kernel kernel, cl_device_id device, size_t *size)
{
    return linrec__ocl_check_on(clGetKernelWorkGroupInfo(kernel, device, CL_KERNEL_WORK_GROUP_SIZE,
                                                         sizeof *size, size, NULL),
                                "clGetKernelWorkGroupInfo", "CL_KERNEL_WORK_GROUP_SIZE");
}

/* Whether every tile kernel runs with `group` work-items (registers may allow fewer), and the
 * work-group size of the lanes kernels. */
static linrec_status fit_groups(linrec__ocl_program *p, cl_device_id device, size_t group,
                                int *fits)
{
    cl_kernel tiles[] = {p->steps_reduce, p->steps_scan, p->carry_scan};
    size_t size = 0;
    linrec_status status = LINREC_OK;
    *fits = 1;
    for (size_t i = 0; status == LINREC_OK && i < sizeof tiles / sizeof tiles[0]; i++)
        if ((status = kernel_group_size(tiles[i], device, &size)) == LINREC_OK && size < group)
            *fits = 0;
    p->lanes_group = LANES_GROUP;
    cl_kernel lanes[] = {p->lanes_reduce, p->lanes_scan};
    for (size_t i = 0; status == LINREC_OK && i < sizeof lanes / sizeof lanes[0]; i++)
        if ((status = kernel_group_size(lanes[i], device, &size)) == LINREC_OK &&
            size < p->lanes_group)
            p->lanes_group = size;
    return status;
}

static linrec_status build_once(linrec__ocl_state *s, linrec__element kind, size_t group,
                                linrec__ocl_program *p)
{
    const element_type *type = &element_types[kind];
    char options[160];
    snprintf(options, sizeof options, "-DREAL=%s -DWG=%zu -DITEMS=%zu -DLANES_BLOCK=%d%s",
             type->real, group, type->items,
             s->limits.is_gpu_like ? LANES_BLOCK_GPU : LANES_BLOCK_CPU, type->options);
    cl_int error = CL_SUCCESS;
    p->program = clCreateProgramWithSource(s->context, (cl_uint)linrec__ocl_source_count,
                                           (const char **)linrec__ocl_sources, NULL, &error);
    if (error != CL_SUCCESS) {
        p->program = NULL;
        return linrec__ocl_check(error, "clCreateProgramWithSource");
    }
    error = clBuildProgram(p->program, 1, &s->device, options, NULL, NULL);
    if (error != CL_SUCCESS)
        return build_failed(p->program, s->device, kind, error);
    p->group_size = group;
    p->pair_size = 2 * type->size;
    p->tile = group * type->items;
    return create_kernels(p);
}

/* Builds with the largest tile work-group size every tile kernel can run with. */
static linrec_status build_program(linrec__ocl_state *s, linrec__element kind,
                                   linrec__ocl_program *p)
{
    const element_type *type = &element_types[kind];
    for (size_t group = initial_group_size(&s->limits, type);; group /= 2) {
        int fits = 0;
        linrec_status status = build_once(s, kind, group, p);
        if (status == LINREC_OK)
            status = fit_groups(p, s->device, group, &fits);
        if (status != LINREC_OK || fits)
            return status;
        release_program(p);
        if (group / 2 < SMALLEST_GROUP)
            return linrec__ocl_host->fail(LINREC_ERR_DEVICE,
                                          "opencl: the %s tile kernels cannot run with even %d "
                                          "work-items per work-group on this device",
                                          linrec__element_name(kind), SMALLEST_GROUP);
    }
}

static linrec_status build_kind(linrec__ocl_state *s, linrec__element kind)
{
    return build_program(s, kind, &s->programs[kind]);
}

linrec_status linrec__ocl_build_programs(linrec__ocl_state *state)
{
    linrec_status status = build_kind(state, LINREC__ELEMENT_F32);
    if (status == LINREC_OK && state->limits.has_fp64)
        status = build_kind(state, LINREC__ELEMENT_F64);
    return status;
}

linrec_status linrec__ocl_program_for(linrec__ocl_state *state, linrec__element kind,
                                      const linrec__ocl_program **program)
{
    *program = &state->programs[kind];
    if (state->programs[kind].program)
        return LINREC_OK;
    if (!state->limits.has_fp64 && (kind == LINREC__ELEMENT_F64 || kind == LINREC__ELEMENT_C128))
        return linrec__ocl_host->fail(LINREC_ERR_UNSUPPORTED,
                                      "opencl: %s has no double precision (cl_khr_fp64), so %s "
                                      "problems are unsupported on it",
                                      state->description, linrec__element_name(kind));
    return build_kind(state, kind);
}

void linrec__ocl_release_programs(linrec__ocl_state *state)
{
    for (size_t i = 0; i < LINREC__ELEMENTS; i++)
        release_program(&state->programs[i]);
}
