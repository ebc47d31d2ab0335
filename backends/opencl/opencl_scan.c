/*
 * Forward and backward scans as kernel launches. Both are one "job": a walk over every sequence
 * in scan order, the backward pass walking against the forward direction and taking each step's
 * coefficient from the step before it (see kernels/common.cl). A job runs on the lanes kernels (a
 * work-item per sequence) or on the steps kernels (a work-group per sequence), split into chunks
 * over time when there are too few sequences to fill the device: a reduce pass over every chunk
 * but the last, carry_scan over those chunks' pairs, then the scan pass.
 */
#include <stdio.h>

#include "opencl.h"

enum {
    LANES_WIDE = 32,       /* at least this many contiguous lanes: the lanes kernels coalesce */
    LANES_MIN_CHUNK = 64,  /* steps per chunk below which splitting a lanes walk does not pay */
    TILES_MIN_CHUNK = 4,   /* tiles per chunk below which splitting a steps walk does not pay */
    GPU_GROUPS_PER_CU = 8, /* work-groups in flight per compute unit that hide memory latency */
    CPU_GROUPS_PER_CU = 2  /* on a CPU a compute unit is a core: two groups balance the load */
};

/* The arrays of a job, in the kernels' order (AT in kernels/common.cl). */
enum { ARRAY_A, ARRAY_X, ARRAY_OUT, ARRAY_H0, ARRAY_H, ARRAY_DA, ARRAY_DH0, ARRAYS };

/* A forward or backward call in the kernels' terms; NULL memory objects are absent arrays, and
 * `at` holds where each array starts in its memory object, in elements. */
typedef struct job {
    const linrec__shape *shape;
    cl_mem memory[ARRAYS];
    cl_ulong8 at;
    int backward;
} job;

/* The kernels' walk arguments (WALK_PARAMS in kernels/common.cl), in their order. */
typedef struct walk {
    cl_ulong sequences, chunks, lanes, outer_stride, steps, chunk;
    cl_long first, step;
    cl_int backward;
} walk;

typedef struct kernel_arg {
    size_t size;
    const void *value;
} kernel_arg;

enum { WALK_ARGS = 10, MAX_ARGS = 8 + WALK_ARGS };

static kernel_arg mem_arg(const cl_mem *memory)
{
    return (kernel_arg){sizeof *memory, memory};
}

static size_t ceil_div(size_t a, size_t b)
{
    return a / b + (a % b != 0);
}

/* Scan order: forward runs along the layout's steps (against them with LINREC_REVERSE); backward
 * runs the other way. */
static walk walk_of(const job *j)
{
    const linrec__geometry *g = &j->shape->geometry;
    int ascending = j->shape->reverse == j->backward;
    cl_long stride = (cl_long)g->step_stride;
    return (walk){g->outer * g->lanes,
                  1,
                  g->lanes,
                  g->outer_stride,
                  g->steps,
                  g->steps,
                  ascending ? 0 : (cl_long)(g->steps - 1) * stride,
                  ascending ? stride : -stride,
                  j->backward};
}

/* Few contiguous lanes and sequences long enough for a tile: a work-group per sequence. */
static int uses_tiles(const linrec__geometry *g, const linrec__ocl_program *program)
{
    return g->lanes < LANES_WIDE && g->steps >= program->tile;
}

/* Splits time into chunks until the device has enough work-items or work-groups. */
static void plan_chunks(const linrec__ocl_limits *limits, const linrec__ocl_program *program,
                        int tiles, walk *w)
{
    size_t groups = (size_t)limits->compute_units *
                    (limits->is_gpu_like ? GPU_GROUPS_PER_CU : CPU_GROUPS_PER_CU);
    size_t wanted = tiles ? groups : groups * program->lanes_group;
    size_t longest =
        tiles ? w->steps / (program->tile * TILES_MIN_CHUNK) : w->steps / LANES_MIN_CHUNK;
    size_t chunks = ceil_div(wanted, w->sequences);
    if (chunks > longest)
        chunks = longest;
    size_t chunk = ceil_div(w->steps, chunks ? chunks : 1);
    if (tiles)
        chunk = ceil_div(chunk, program->tile) * program->tile;
    w->chunk = chunk;
    w->chunks = ceil_div(w->steps, chunk);
}

/* Appends the arrays' offsets and the walk to a kernel's leading `count` arguments; returns the
 * new count. */
static cl_uint append_walk(kernel_arg *args, cl_uint count, const job *j, const walk *w)
{
    const kernel_arg tail[WALK_ARGS] = {{sizeof j->at, &j->at},
                                        {sizeof w->sequences, &w->sequences},
                                        {sizeof w->chunks, &w->chunks},
                                        {sizeof w->lanes, &w->lanes},
                                        {sizeof w->outer_stride, &w->outer_stride},
                                        {sizeof w->steps, &w->steps},
                                        {sizeof w->chunk, &w->chunk},
                                        {sizeof w->first, &w->first},
                                        {sizeof w->step, &w->step},
                                        {sizeof w->backward, &w->backward}};
    for (cl_uint i = 0; i < WALK_ARGS; i++)
        args[count + i] = tail[i];
    return count + WALK_ARGS;
}

/* On an out-of-order queue, makes every later command wait for every earlier one: linrec's
 * kernels for the application's commands before them and for each other, the application's
 * later commands for linrec's. An in-order queue orders them already. */
static linrec_status fence(const linrec__ocl_state *s)
{
    if (!s->out_of_order)
        return LINREC_OK;
    return linrec__ocl_check(clEnqueueBarrierWithWaitList(s->queue, 0, NULL, NULL),
                             "clEnqueueBarrierWithWaitList");
}

/* Sets the arguments and launches a range of `rows` rows of `items` work-items, in work-groups
 * of `group` work-items of one row (the range is padded to whole work-groups). */
static linrec_status launch(const linrec__ocl_state *s, cl_kernel kernel, const char *name,
                            const kernel_arg *args, cl_uint count, size_t items, size_t rows,
                            size_t group)
{
    for (cl_uint i = 0; i < count; i++) {
        cl_int error = clSetKernelArg(kernel, i, args[i].size, args[i].value);
        if (error != CL_SUCCESS) {
            char subject[64];
            snprintf(subject, sizeof subject, "%s, argument %u", name, (unsigned)i);
            return linrec__ocl_check_on(error, "clSetKernelArg", subject);
        }
    }
    size_t global[2] = {ceil_div(items, group) * group, rows}, local[2] = {group, 1};
    linrec_status status = linrec__ocl_check_on(
        clEnqueueNDRangeKernel(s->queue, kernel, 2, NULL, global, local, 0, NULL, NULL),
        "clEnqueueNDRangeKernel", name);
    return status == LINREC_OK ? fence(s) : status;
}

/* Makes the scratch hold `bytes`, growing it (never shrinking) when a call needs more. */
static linrec_status reserve_scratch(linrec__ocl_state *s, size_t bytes)
{
    if (bytes <= s->scratch_bytes)
        return LINREC_OK;
    if (s->scratch)
        (void)clReleaseMemObject(s->scratch); /* nothing to do if releasing failed */
    s->scratch = NULL;
    s->scratch_bytes = 0;
    cl_int error = CL_SUCCESS;
    cl_mem grown = clCreateBuffer(s->context, CL_MEM_READ_WRITE, bytes, NULL, &error);
    if (error != CL_SUCCESS)
        return linrec__ocl_check_on(error, "clCreateBuffer", "scratch for chunk carries");
    s->scratch = grown;
    s->scratch_bytes = bytes;
    return LINREC_OK;
}

/* Reduce and carry passes: leaves in scratch the state entering every chunk but the first. */
static linrec_status carry_chunks(linrec__ocl_state *s, const linrec__ocl_program *p, const job *j,
                                  const walk *w, int tiles)
{
    size_t links = w->sequences * (w->chunks - 1);
    linrec_status status = reserve_scratch(s, links * p->pair_size);
    if (status != LINREC_OK)
        return status;
    kernel_arg args[MAX_ARGS] = {mem_arg(&j->memory[ARRAY_A]), mem_arg(&j->memory[ARRAY_X]),
                                 mem_arg(&s->scratch)};
    cl_uint count = append_walk(args, 3, j, w);
    status = tiles ? launch(s, p->steps_reduce, "steps_reduce", args, count, links * p->group_size,
                            1, p->group_size)
                   : launch(s, p->lanes_reduce, "lanes_reduce", args, count, w->sequences,
                            w->chunks - 1, p->lanes_group);
    if (status != LINREC_OK)
        return status;
    cl_ulong chunk_links = w->chunks - 1;
    cl_mem start = j->backward ? NULL : j->memory[ARRAY_H0];
    kernel_arg carry_args[] = {mem_arg(&s->scratch),
                               {sizeof chunk_links, &chunk_links},
                               mem_arg(&start),
                               {sizeof j->at, &j->at}};
    return launch(s, p->carry_scan, "carry_scan", carry_args, 4, w->sequences * p->group_size, 1,
                  p->group_size);
}

static linrec_status scan_chunks(linrec__ocl_state *s, const linrec__ocl_program *p, const job *j,
                                 const walk *w, int tiles)
{
    kernel_arg args[MAX_ARGS];
    for (cl_uint i = 0; i < ARRAYS; i++)
        args[i] = mem_arg(&j->memory[i]);
    args[ARRAYS] = mem_arg(&s->scratch);
    cl_uint count = append_walk(args, ARRAYS + 1, j, w);
    if (tiles)
        return launch(s, p->steps_scan, "steps_scan", args, count,
                      w->sequences * w->chunks * p->group_size, 1, p->group_size);
    return launch(s, p->lanes_scan, "lanes_scan", args, count, w->sequences, w->chunks,
                  p->lanes_group);
}

/* The launches of one job; the caller holds the lock. */
static linrec_status run_locked(linrec__ocl_state *s, const linrec__ocl_program *p, const job *j)
{
    walk w = walk_of(j);
    int tiles = uses_tiles(&j->shape->geometry, p);
    plan_chunks(&s->limits, p, tiles, &w);
    linrec_status status = fence(s);
    if (status == LINREC_OK && w.chunks > 1)
        status = carry_chunks(s, p, j, &w, tiles);
    if (status == LINREC_OK)
        status = scan_chunks(s, p, j, &w, tiles);
    if (status == LINREC_OK && s->asynchronous)
        return LINREC_OK;
    /* Wait even after a failed launch, so that no enqueued kernel outlives a failed call. */
    linrec_status finished = linrec__ocl_check(clFinish(s->queue), "clFinish");
    return status != LINREC_OK ? status : finished;
}

static linrec_status run(linrec__ocl_state *s, const job *j)
{
    int error = pthread_mutex_lock(&s->lock);
    if (error != 0)
        return linrec__ocl_host->fail(LINREC_ERR_DEVICE,
                                      "opencl: cannot lock the context (pthread error %d)", error);
    const linrec__ocl_program *p = NULL;
    linrec_status status = linrec__ocl_program_for(s, j->shape->element, &p);
    if (status == LINREC_OK)
        status = run_locked(s, p, j);
    pthread_mutex_unlock(&s->lock);
    return status;
}

/* One array of a call: its slot in the job, its buffer handle (NULL: absent), its element size
 * and its name in the API. */
typedef struct placement {
    int slot;
    const void *handle;
    size_t element_size;
    const char *name;
} placement;

/* Places each array in the job: its memory object and where it starts there, in elements. A
 * wrapped buffer may start anywhere in its cl_mem, but only at an element; then runs the job. */
static linrec_status place_and_run(void *state, job *j, const placement *arrays, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const linrec__ocl_memory *memory = arrays[i].handle;
        if (!memory)
            continue;
        if (memory->offset % arrays[i].element_size != 0)
            return linrec__ocl_host->fail(LINREC_ERR_INVALID_ARGUMENT,
                                          "opencl: buffer %s starts at byte %zu of its cl_mem, "
                                          "which is not a multiple of its %zu-byte elements",
                                          arrays[i].name, memory->offset, arrays[i].element_size);
        j->memory[arrays[i].slot] = memory->memory;
        j->at.s[arrays[i].slot] = memory->offset / arrays[i].element_size;
    }
    return run(state, j);
}

linrec_status linrec__ocl_scan(void *state, const linrec__scan_args *args)
{
    const linrec__shape *shape = args->shape;
    size_t data = shape->element_size;
    const placement arrays[] = {{ARRAY_A, args->a, shape->coef_size, "a"},
                                {ARRAY_X, args->x, data, "x"},
                                {ARRAY_OUT, args->h, data, "h"},
                                {ARRAY_H0, args->h0, data, "h0"}};
    job j = {.shape = shape, .backward = 0};
    return place_and_run(state, &j, arrays, sizeof arrays / sizeof arrays[0]);
}

linrec_status linrec__ocl_scan_backward(void *state, const linrec__backward_args *args)
{
    const linrec__shape *shape = args->shape;
    size_t data = shape->element_size, coef = shape->coef_size;
    const placement arrays[] = {
        {ARRAY_A, args->a, coef, "a"},      {ARRAY_X, args->dh, data, "dh"},
        {ARRAY_OUT, args->dx, data, "dx"},  {ARRAY_H0, args->h0, data, "h0"},
        {ARRAY_H, args->h, data, "h"},      {ARRAY_DA, args->da, coef, "da"},
        {ARRAY_DH0, args->dh0, data, "dh0"}};
    job j = {.shape = shape, .backward = 1};
    return place_and_run(state, &j, arrays, sizeof arrays / sizeof arrays[0]);
}
