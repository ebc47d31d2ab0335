/*
 * Every entry point's argument rules against a model of them written from the headers
 * (linrec.h, cells.h): the problem's fields (any enum value, any flag bits, sizes up to and past
 * overflow), NULLs, host arrays anywhere in one arena (so that they alias and overlap at any byte
 * offset, h == x included), buffers of this and of other contexts, buffer reads and writes at any
 * offset, and backend names. Each call's status must be one the model allows; a failing call
 * must leave a reason, and must not touch the arena; a successful one must leave the thread's
 * last error as it was and write nothing of the arena but its outputs.
 *
 * Where the headers leave the order of two rules open, the model allows either status: a problem
 * with no elements but a NULL context, cell, inputs or gradients, or with batch * channels past
 * size_t; an invalid call on a backend without fused cells (LINREC_ERR_UNSUPPORTED); a buffer of
 * another context in an otherwise invalid call (LINREC_ERR_BACKEND_MISMATCH).
 *
 * A call the model accepts runs only when its arrays lie in the arena and are aligned to their
 * element type (as C's float and double arrays are); a call it rejects always runs, since the
 * library must reject it before it reads anything. Huge sizes are rejected, never allocated.
 *
 * Input: up to OPS_PER_INPUT operations, each an operation byte and its fields in turn.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "linrec/cells.h"

enum {
    ARENA_BYTES = 8192,
    OPS_PER_INPUT = 4,
    ERROR_CAPACITY = 1024,
    CUDA_RUN_ONE_IN = 8,
    CUDA_RUN_ELEMENTS = 256,
    CUDA_RUN_SEQUENCES = 16
};

/* Buffer sizes of each context's pool. */
static const size_t pool_sizes[] = {1, 4, 8, 24, 100, 256, 1024, ARENA_BYTES};
enum { POOL_SIZES = sizeof pool_sizes / sizeof pool_sizes[0] };

/* Buffer sizes past this are asked of device backends only, and then of sizes no device has. */
#define HOST_BUFFER_LIMIT ((size_t)1 << 20)
#define NO_DEVICE_HAS ((size_t)1 << 50)

static _Alignas(64) unsigned char arena[ARENA_BYTES];
static unsigned char snapshot[ARENA_BYTES];
static unsigned char scratch[ARENA_BYTES], scratch_back[ARENA_BYTES];

/* The contexts calls go to (every variant, and a second serial one beside the first, so that a
 * buffer can belong to another context of the same backend), and each one's buffers. */
typedef fuzz_variant context_entry;

typedef struct pool_buffer {
    linrec_buffer *buffer;
    const context_entry *owner;
} pool_buffer;

static context_entry contexts[16];
static size_t context_count;
static pool_buffer pool[16 * POOL_SIZES];
static size_t pool_count;

/* ---- The model ---- */

#define ALLOW(status) (1u << (status))
typedef unsigned allowed_set;

typedef enum { INPUT, OUTPUT } array_role;
typedef enum { REQUIRED, OPTIONAL, UNUSED } array_need;

/* One array of a call as the headers describe it: a host pointer or a buffer handle. */
typedef struct array {
    const char *name;
    const void *where;
    size_t bytes; /* the problem's size of it; meaningful when the sizes fit size_t */
    array_role role;
    array_need need;
    int may_equal; /* the one array it may be exactly (h == x, dx == dh), or -1 */
} array;

/* The facts of a problem the rules need, computed without overflowing. */
typedef struct shape {
    int valid;     /* dtype, layout and flags are values of theirs, in a valid combination */
    int empty;     /* some size is 0 */
    int ambiguous; /* empty, but batch * channels passes size_t */
    int overflow;  /* not empty, and the bytes of an array pass size_t */
    int half;      /* LINREC_F16 or LINREC_BF16 */
    int complex;   /* LINREC_C64 or LINREC_C128 */
    size_t element, coef, align; /* bytes of an element of the data, of a and da, and the larger */
    size_t data, coef_data, state;
} shape;

static size_t dtype_size(linrec_dtype dtype)
{
    switch (dtype) {
    case LINREC_F64:
    case LINREC_C64:
        return 8;
    case LINREC_C128:
        return 16;
    case LINREC_F16:
    case LINREC_BF16:
        return 2;
    default:
        return 4;
    }
}

static shape shape_of(const linrec_problem *p)
{
    shape s = {0, 0, 0, 0, 0, 0, sizeof(float), sizeof(float), sizeof(float), 0, 0, 0};
    if (!p)
        return s;
    s.half = p->dtype == LINREC_F16 || p->dtype == LINREC_BF16;
    s.complex = p->dtype == LINREC_C64 || p->dtype == LINREC_C128;
    int coefficients_f32 = (p->flags & LINREC_COEFFICIENTS_F32) != 0;
    s.valid = (unsigned)p->dtype <= LINREC_C128 &&
              (p->layout == LINREC_LAYOUT_TBC || p->layout == LINREC_LAYOUT_BTC ||
               p->layout == LINREC_LAYOUT_BCT) &&
              (p->flags & ~(LINREC_REVERSE | LINREC_COEFFICIENTS_F32)) == 0 &&
              (!coefficients_f32 || s.half);
    s.element = dtype_size(p->dtype);
    s.coef = coefficients_f32 ? sizeof(float) : s.element;
    s.align = s.coef > s.element ? s.coef : s.element;
    size_t states, elements;
    s.empty = p->batch == 0 || p->steps == 0 || p->channels == 0;
    int states_overflow = __builtin_mul_overflow(p->batch, p->channels, &states);
    if (s.empty) {
        s.ambiguous = states_overflow;
        return s;
    }
    s.overflow = states_overflow || __builtin_mul_overflow(states, p->steps, &elements) ||
                 __builtin_mul_overflow(elements, s.element, &s.data) ||
                 __builtin_mul_overflow(elements, s.coef, &s.coef_data);
    s.state = states * s.element; /* no larger than data */
    return s;
}

/* Whether two non-empty host ranges share a byte, with no sum that could wrap. */
static int overlaps(const void *p, size_t p_bytes, const void *q, size_t q_bytes)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)q;
    return a <= b ? b - a < p_bytes : a - b < q_bytes;
}

static int shares(const array *arrays, size_t i, size_t j, int buffers)
{
    if (buffers)
        return arrays[i].where == arrays[j].where;
    return overlaps(arrays[i].where, arrays[i].bytes, arrays[j].where, arrays[j].bytes);
}

static int allowed_alias(const array *arrays, size_t i, size_t j)
{
    return (arrays[i].may_equal == (int)j || arrays[j].may_equal == (int)i) &&
           arrays[i].where == arrays[j].where;
}

/* A required array missing, an unused one given, or an output sharing memory with another. */
static int breaks_array_rules(const array *arrays, size_t count, int buffers)
{
    for (size_t i = 0; i < count; i++)
        if ((arrays[i].need == REQUIRED && !arrays[i].where) ||
            (arrays[i].need == UNUSED && arrays[i].where))
            return 1;
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < count; j++)
            if (i != j && arrays[i].role == OUTPUT && arrays[i].where && arrays[j].where &&
                !allowed_alias(arrays, i, j) && shares(arrays, i, j, buffers))
                return 1;
    return 0;
}

static const pool_buffer *pool_entry(const void *buffer)
{
    for (size_t i = 0; i < pool_count; i++)
        if (pool[i].buffer == buffer)
            return &pool[i];
    fuzz_fail("a buffer handle that is not in the pool");
}

/* Buffers of another context, and buffers smaller than their array. */
static allowed_set buffer_rules(const linrec_context *ctx, const array *arrays, size_t count)
{
    allowed_set allowed = 0;
    for (size_t i = 0; i < count; i++) {
        if (!arrays[i].where)
            continue;
        const pool_buffer *entry = pool_entry(arrays[i].where);
        if (entry->owner->ctx != ctx)
            allowed |= ALLOW(LINREC_ERR_BACKEND_MISMATCH);
        if (linrec_buffer_size(entry->buffer) < arrays[i].bytes)
            allowed |= ALLOW(LINREC_ERR_INVALID_ARGUMENT);
    }
    return allowed;
}

/* What a scan call may return. */
static allowed_set scan_rules(const linrec_context *ctx, const shape *s, const array *arrays,
                              size_t count, int buffers)
{
    if (!s->valid)
        return ALLOW(LINREC_ERR_INVALID_ARGUMENT);
    if (s->empty)
        return ALLOW(LINREC_OK) | (!ctx || s->ambiguous ? ALLOW(LINREC_ERR_INVALID_ARGUMENT) : 0);
    if (!ctx || s->overflow)
        return ALLOW(LINREC_ERR_INVALID_ARGUMENT);
    allowed_set allowed =
        breaks_array_rules(arrays, count, buffers) ? ALLOW(LINREC_ERR_INVALID_ARGUMENT) : 0;
    if (buffers)
        allowed |= buffer_rules(ctx, arrays, count);
    return allowed ? allowed : ALLOW(LINREC_OK);
}

/* ---- Reading the input ---- */

static size_t pick_size(fuzz_input *in)
{
    static const size_t edges[] = {
        SIZE_MAX,        SIZE_MAX - 1,          SIZE_MAX / 2,          SIZE_MAX / 2 + 1,
        SIZE_MAX / 4,    SIZE_MAX / 4 + 1,      SIZE_MAX / 8,          SIZE_MAX / 8 + 1,
        (size_t)1 << 32, ((size_t)1 << 32) + 1, ((size_t)1 << 31) - 1, (size_t)1 << 62,
        (size_t)1 << 63, (size_t)3 << 62,       ((size_t)1 << 21) + 1, 65537,
    };
    unsigned selector = (unsigned)fuzz_bytes(in, 1);
    if (selector < 112)
        return selector % 9;
    if (selector < 144)
        return (size_t)fuzz_bytes(in, 1);
    if (selector < 240)
        return edges[selector % (sizeof edges / sizeof edges[0])];
    return (size_t)fuzz_bytes(in, 8);
}

/* An enum's value: mostly one of its `count` values, otherwise anything an int holds. */
static int pick_enum(fuzz_input *in, int count)
{
    static const int odd[] = {-1, INT_MIN, INT_MAX, 2, 3, 4, 6, 255, 256};
    unsigned selector = (unsigned)fuzz_bytes(in, 1);
    if (selector < 224)
        return (int)(selector % (unsigned)count);
    if (selector < 248)
        return odd[selector % (sizeof odd / sizeof odd[0])];
    return (int)(uint32_t)fuzz_bytes(in, 4);
}

static unsigned pick_flags(fuzz_input *in)
{
    static const unsigned odd[] = {0x4u, 0x7u, 0x80u, 0x80000000u, UINT_MAX};
    unsigned selector = (unsigned)fuzz_bytes(in, 1);
    if (selector < 224)
        return selector % 4; /* LINREC_REVERSE and LINREC_COEFFICIENTS_F32 */
    if (selector < 248)
        return odd[selector % 5];
    return (unsigned)fuzz_bytes(in, 4);
}

/* The problem, or NULL one time in 32. */
static const linrec_problem *pick_problem(fuzz_input *in, linrec_problem *problem)
{
    if (fuzz_below(in, 32) == 0)
        return NULL;
    problem->dtype = (linrec_dtype)pick_enum(in, 6);
    problem->layout = (linrec_layout)pick_enum(in, 3);
    problem->flags = pick_flags(in);
    problem->batch = pick_size(in);
    problem->steps = pick_size(in);
    problem->channels = pick_size(in);
    return problem;
}

/* A context of the list (fuzz_pick), or NULL one time in 32. */
static const context_entry *pick_context(fuzz_input *in)
{
    if (fuzz_below(in, 32) == 0)
        return NULL;
    return fuzz_pick(in, contexts, context_count);
}

static linrec_context *context_of(const context_entry *entry)
{
    return entry ? entry->ctx : NULL;
}

/* Whether an array is left NULL: mostly so where the call does not use it, rarely where it needs
 * it, so that calls the model accepts are frequent. */
static int pick_null(fuzz_input *in, array_need need)
{
    unsigned selector = fuzz_below(in, 32);
    return need == UNUSED ? selector != 0 : need == REQUIRED ? selector == 0 : selector < 16;
}

/* A pointer into the arena, NULL, or one of the call's earlier arrays, exactly or a few bytes off.
 * Mostly aligned to `element`, so that calls the model accepts can run. */
static const void *pick_pointer(fuzz_input *in, const array *earlier, size_t count, size_t element)
{
    unsigned selector = (unsigned)fuzz_bytes(in, 1);
    const unsigned char *base = count ? earlier[selector % count].where : NULL;
    if (selector < 48 && base)
        return base;
    size_t offset;
    if (selector < 80 && base)
        offset = (size_t)(base - arena) + fuzz_below(in, 64) - 32;
    else
        offset = (size_t)fuzz_bytes(in, 2);
    offset %= ARENA_BYTES;
    if (selector % 4 != 0)
        offset -= offset % element;
    return arena + offset;
}

/* A buffer of the pool (mostly one of the call's context) or an earlier one again. */
static const void *pick_buffer(fuzz_input *in, const context_entry *ctx, const array *earlier,
                               size_t count)
{
    unsigned selector = (unsigned)fuzz_bytes(in, 1);
    if (selector < 32 && count && earlier[selector % count].where)
        return earlier[selector % count].where;
    unsigned which = (unsigned)fuzz_bytes(in, 1);
    if (selector < 224 && ctx) {
        size_t own = 0;
        for (size_t i = 0; i < pool_count; i++)
            if (pool[i].owner == ctx && own++ == which % POOL_SIZES)
                return pool[i].buffer;
    }
    return pool[which % pool_count].buffer;
}

/* Fills the `where` of each array in turn, as host pointers or buffers. */
static void pick_arrays(fuzz_input *in, const context_entry *ctx, array *arrays, size_t count,
                        size_t element, int buffers)
{
    for (size_t i = 0; i < count; i++)
        arrays[i].where = pick_null(in, arrays[i].need) ? NULL
                          : buffers                     ? pick_buffer(in, ctx, arrays, i)
                                                        : pick_pointer(in, arrays, i, element);
}

/* ---- Running a call and judging it ---- */

static void status_names(allowed_set allowed, char *text, size_t size)
{
    text[0] = '\0';
    for (int status = 0; status < 32; status++)
        if (allowed & ALLOW(status)) {
            size_t used = strlen(text);
            snprintf(text + used, size - used, "%s%s", used ? " or " : "",
                     linrec_status_string((linrec_status)status));
        }
}

/* Describes the arrays for a finding's message: offsets in the arena, or buffer sizes. */
static void describe_arrays(const array *arrays, size_t count, int buffers, char *text, size_t size)
{
    text[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(text);
        if (!arrays[i].where)
            snprintf(text + used, size - used, " %s=NULL", arrays[i].name);
        else if (buffers)
            snprintf(text + used, size - used, " %s=buffer(%s, %zu bytes)", arrays[i].name,
                     pool_entry(arrays[i].where)->owner->name,
                     linrec_buffer_size(pool_entry(arrays[i].where)->buffer));
        else
            snprintf(text + used, size - used, " %s=arena+%td", arrays[i].name,
                     (const unsigned char *)arrays[i].where - arena);
    }
}

/* Nonzero for the inputs (one in CUDA_RUN_ONE_IN, by their hash) whose accepted calls on cuda run:
 * its host emulation costs far more per call than the checks here (a block of 256 fiber threads
 * per sequence in some kernels), and fuzz_scan runs its accepted calls in every form anyway. */
static int cuda_runs;

/* Whether a call may run: the model rejects it, or its host arrays lie in the arena, aligned; on
 * cuda, it is also small and of an input of cuda_runs. */
static int may_run(const context_entry *ctx, allowed_set allowed, const shape *s,
                   const array *arrays, size_t count, int buffers)
{
    if (!(allowed & ALLOW(LINREC_OK)) || s->empty)
        return 1;
    if (ctx && strcmp(ctx->backend, "cuda") == 0 &&
        (!cuda_runs || s->data / s->element > CUDA_RUN_ELEMENTS ||
         s->state / s->element > CUDA_RUN_SEQUENCES))
        return 0;
    if (buffers)
        return 1;
    for (size_t i = 0; i < count; i++) {
        if (!arrays[i].where)
            continue;
        size_t offset = (size_t)((const unsigned char *)arrays[i].where - arena);
        if (offset % s->align != 0 || offset > ARENA_BYTES ||
            arrays[i].bytes > ARENA_BYTES - offset)
            return 0;
    }
    return 1;
}

/* What a call is about to be judged on: the arena and the thread's last error before it. */
static char error_before[ERROR_CAPACITY];

static void before_call(void)
{
    memcpy(snapshot, arena, ARENA_BYTES);
    snprintf(error_before, sizeof error_before, "%s", linrec_last_error());
}

/* Nonzero when byte `offset` of the arena belongs to an output of a successful call. */
static int in_output(size_t offset, const array *arrays, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        size_t start = (size_t)((const unsigned char *)arrays[i].where - arena);
        if (arrays[i].role == OUTPUT && arrays[i].where && offset >= start &&
            offset - start < arrays[i].bytes)
            return 1;
    }
    return 0;
}

typedef struct call {
    const char *function;
    const context_entry *ctx;
    const linrec_problem *problem;
    const shape *shape;
    const array *arrays;
    size_t count;
    int buffers;
} call;

_Noreturn static void call_finding(const call *c, const char *what, linrec_status got,
                                   allowed_set allowed)
{
    char expected[256], arrays[1024];
    status_names(allowed, expected, sizeof expected);
    describe_arrays(c->arrays, c->count, c->buffers, arrays, sizeof arrays);
    fuzz_fail("%s on %s, problem %s%s: %s: returned %s (\"%s\"), the headers allow %s", c->function,
              c->ctx ? c->ctx->name : "NULL context",
              c->problem ? test_describe(c->problem) : "NULL", arrays, what,
              linrec_status_string(got), linrec_last_error(), expected);
}

static void judge(const call *c, linrec_status got, allowed_set allowed)
{
    if (!(allowed & ALLOW(got)))
        call_finding(c, "wrong status", got, allowed);
    if (got != LINREC_OK && !*linrec_last_error())
        call_finding(c, "no reason in linrec_last_error()", got, allowed);
    if (got == LINREC_OK && strcmp(error_before, linrec_last_error()) != 0)
        call_finding(c, "a successful call changed linrec_last_error()", got, allowed);
    if (memcmp(arena, snapshot, ARENA_BYTES) == 0)
        return;
    int may_write = got == LINREC_OK && !c->buffers && !c->shape->empty;
    for (size_t i = 0; i < ARENA_BYTES; i++)
        if (arena[i] != snapshot[i] && !(may_write && in_output(i, c->arrays, c->count))) {
            char what[96];
            snprintf(what, sizeof what, "arena byte %zu changed, which is no output of it", i);
            call_finding(c, what, got, allowed);
        }
}

/* ---- The operations ---- */

static void scan_arrays(const shape *s, array arrays[4])
{
    arrays[0] = (array){"a", NULL, s->coef_data, INPUT, REQUIRED, -1};
    arrays[1] = (array){"x", NULL, s->data, INPUT, REQUIRED, -1};
    arrays[2] = (array){"h0", NULL, s->state, INPUT, OPTIONAL, -1};
    arrays[3] = (array){"h", NULL, s->data, OUTPUT, REQUIRED, 1};
}

static void op_scan(fuzz_input *in, int buffers)
{
    const context_entry *ctx = pick_context(in);
    linrec_problem problem;
    const linrec_problem *p = pick_problem(in, &problem);
    shape s = shape_of(p);
    array arrays[4];
    scan_arrays(&s, arrays);
    pick_arrays(in, ctx, arrays, 4, s.align, buffers);
    allowed_set allowed = p ? scan_rules(context_of(ctx), &s, arrays, 4, buffers)
                            : ALLOW(LINREC_ERR_INVALID_ARGUMENT);
    if (!may_run(ctx, allowed, &s, arrays, 4, buffers))
        return;
    call c = {buffers ? "linrec_scan_buffers" : "linrec_scan", ctx, p, &s, arrays, 4, buffers};
    before_call();
    linrec_status got =
        buffers ? linrec_scan_buffers(context_of(ctx), p, arrays[0].where, arrays[1].where,
                                      arrays[2].where, (linrec_buffer *)arrays[3].where)
                : linrec_scan(context_of(ctx), p, arrays[0].where, arrays[1].where, arrays[2].where,
                              (void *)arrays[3].where);
    judge(&c, got, allowed);
}

enum { BW_A, BW_H0, BW_H, BW_DH, BW_DX, BW_DA, BW_DH0, BACKWARD_ARRAYS };

static void op_scan_backward(fuzz_input *in, int buffers)
{
    const context_entry *ctx = pick_context(in);
    linrec_problem problem;
    const linrec_problem *p = pick_problem(in, &problem);
    shape s = shape_of(p);
    array arrays[BACKWARD_ARRAYS] = {
        {"a", NULL, s.coef_data, INPUT, REQUIRED, -1},
        {"h0", NULL, s.state, INPUT, OPTIONAL, -1},
        {"h", NULL, s.data, INPUT, OPTIONAL, -1},
        {"dh", NULL, s.data, INPUT, REQUIRED, -1},
        {"dx", NULL, s.data, OUTPUT, REQUIRED, BW_DH},
        {"da", NULL, s.coef_data, OUTPUT, OPTIONAL, -1},
        {"dh0", NULL, s.state, OUTPUT, OPTIONAL, -1},
    };
    pick_arrays(in, ctx, arrays, BACKWARD_ARRAYS, s.align, buffers);
    if (arrays[BW_DA].where)
        arrays[BW_H].need = REQUIRED;
    allowed_set allowed = p ? scan_rules(context_of(ctx), &s, arrays, BACKWARD_ARRAYS, buffers)
                            : ALLOW(LINREC_ERR_INVALID_ARGUMENT);
    if (!may_run(ctx, allowed, &s, arrays, BACKWARD_ARRAYS, buffers))
        return;
    call c = {buffers ? "linrec_scan_backward_buffers" : "linrec_scan_backward",
              ctx,
              p,
              &s,
              arrays,
              BACKWARD_ARRAYS,
              buffers};
    const void *w[BACKWARD_ARRAYS];
    for (int i = 0; i < BACKWARD_ARRAYS; i++)
        w[i] = arrays[i].where;
    before_call();
    linrec_status got =
        buffers
            ? linrec_scan_backward_buffers(context_of(ctx), p, w[BW_A], w[BW_H0], w[BW_H], w[BW_DH],
                                           (linrec_buffer *)w[BW_DX], (linrec_buffer *)w[BW_DA],
                                           (linrec_buffer *)w[BW_DH0])
            : linrec_scan_backward(context_of(ctx), p, w[BW_A], w[BW_H0], w[BW_H], w[BW_DH],
                                   (void *)w[BW_DX], (void *)w[BW_DA], (void *)w[BW_DH0]);
    judge(&c, got, allowed);
}

/* The roles each cell kind reads (cells.h), in the order f, i, z, o, x. */
enum { ROLES = 5 };
static const unsigned char kind_uses[4][ROLES] = {
    [LINREC_CELL_GILR] = {1, 0, 1, 0, 0},
    [LINREC_CELL_GILR_LSTM] = {1, 1, 1, 1, 0},
    [LINREC_CELL_SRU] = {1, 0, 1, 1, 1},
    [LINREC_CELL_QRNN] = {1, 0, 1, 1, 0},
};

static int cell_valid(const linrec_cell *cell)
{
    return cell && (unsigned)cell->kind < 4 &&
           (cell->activation == LINREC_ACTIVATION_TANH ||
            cell->activation == LINREC_ACTIVATION_ELU) &&
           (cell->kind != LINREC_CELL_SRU || cell->activation == LINREC_ACTIVATION_TANH);
}

static int host_backend(const context_entry *ctx)
{
    return strcmp(ctx->backend, "serial") == 0 || strcmp(ctx->backend, "openmp") == 0;
}

/* cells.h: the backends without fused cells are today opencl and cuda, the device ones. */
static int has_cells(const context_entry *ctx)
{
    return host_backend(ctx);
}

/* What a cell call may return, given whether its structs (in, grads) are there. */
static allowed_set cell_rules(const context_entry *ctx, const shape *s, const linrec_cell *cell,
                              int structs, const array *arrays, size_t count)
{
    const allowed_set invalid = ALLOW(LINREC_ERR_INVALID_ARGUMENT);
    if (!s->valid)
        return invalid;
    if (s->empty)
        return ALLOW(LINREC_OK) |
               (!ctx || s->ambiguous || !cell_valid(cell) || !structs ? invalid : 0);
    if (!ctx || s->overflow || !cell_valid(cell) || !structs)
        return invalid;
    /* cells.h: half and complex types have no cells on any backend. */
    allowed_set unsupported =
        has_cells(ctx) && !s->half && !s->complex ? 0 : ALLOW(LINREC_ERR_UNSUPPORTED);
    if (breaks_array_rules(arrays, count, 0))
        return invalid | unsupported;
    return unsupported ? unsupported : ALLOW(LINREC_OK);
}

static linrec_cell pick_cell(fuzz_input *in)
{
    linrec_cell cell;
    cell.kind = (linrec_cell_kind)pick_enum(in, 4);
    cell.activation = (linrec_activation)pick_enum(in, 2);
    return cell;
}

/* The five role arrays (inputs or their gradients) of a valid kind; for another kind they are
 * described as unused, which the model never reaches. */
static void role_arrays(const shape *s, const linrec_cell *cell, const char *const names[ROLES],
                        array_role role, array *arrays)
{
    int known = cell_valid(cell);
    for (int r = 0; r < ROLES; r++)
        arrays[r] = (array){
            names[r], NULL, s->data, role, known && kind_uses[cell->kind][r] ? REQUIRED : UNUSED,
            -1};
}

static const char *const input_names[ROLES] = {"in->f", "in->i", "in->z", "in->o", "in->x"};
static const char *const gradient_names[ROLES] = {"grads->f", "grads->i", "grads->z", "grads->o",
                                                  "grads->x"};

static linrec_cell_inputs inputs_of(const array *roles)
{
    return (linrec_cell_inputs){roles[0].where, roles[1].where, roles[2].where, roles[3].where,
                                roles[4].where};
}

static void op_cell_forward(fuzz_input *in)
{
    const context_entry *ctx = pick_context(in);
    linrec_problem problem;
    const linrec_problem *p = pick_problem(in, &problem);
    linrec_cell cell = pick_cell(in);
    const linrec_cell *cell_arg = fuzz_below(in, 32) ? &cell : NULL;
    int given_in = fuzz_below(in, 32) != 0;
    shape s = shape_of(p);
    int has_y = cell_valid(cell_arg) && cell.kind != LINREC_CELL_GILR;
    array arrays[ROLES + 3];
    role_arrays(&s, cell_arg, input_names, INPUT, arrays);
    arrays[ROLES] = (array){"c0", NULL, s.state, INPUT, OPTIONAL, -1};
    arrays[ROLES + 1] = (array){"c", NULL, s.data, OUTPUT, REQUIRED, -1};
    arrays[ROLES + 2] = (array){"y", NULL, s.data, OUTPUT, has_y ? REQUIRED : UNUSED, -1};
    pick_arrays(in, ctx, arrays, ROLES + 3, s.element, 0);
    allowed_set allowed = p ? cell_rules(ctx, &s, cell_arg, given_in, arrays, ROLES + 3)
                            : ALLOW(LINREC_ERR_INVALID_ARGUMENT);
    if (!may_run(ctx, allowed, &s, arrays, ROLES + 3, 0))
        return;
    call c = {"linrec_cell_forward", ctx, p, &s, arrays, ROLES + 3, 0};
    linrec_cell_inputs inputs = inputs_of(arrays);
    before_call();
    linrec_status got = linrec_cell_forward(context_of(ctx), cell_arg, p, given_in ? &inputs : NULL,
                                            arrays[ROLES].where, (void *)arrays[ROLES + 1].where,
                                            (void *)arrays[ROLES + 2].where);
    judge(&c, got, allowed);
}

enum { CB_C0 = 2 * ROLES, CB_C, CB_DC, CB_DY, CB_DC0, CELL_BACKWARD_ARRAYS };

static void op_cell_backward(fuzz_input *in)
{
    const context_entry *ctx = pick_context(in);
    linrec_problem problem;
    const linrec_problem *p = pick_problem(in, &problem);
    linrec_cell cell = pick_cell(in);
    const linrec_cell *cell_arg = fuzz_below(in, 32) ? &cell : NULL;
    int given_in = fuzz_below(in, 32) != 0, given_grads = fuzz_below(in, 32) != 0;
    shape s = shape_of(p);
    int has_y = cell_valid(cell_arg) && cell.kind != LINREC_CELL_GILR;
    array arrays[CELL_BACKWARD_ARRAYS];
    role_arrays(&s, cell_arg, input_names, INPUT, arrays);
    role_arrays(&s, cell_arg, gradient_names, OUTPUT, arrays + ROLES);
    arrays[CB_C0] = (array){"c0", NULL, s.state, INPUT, OPTIONAL, -1};
    arrays[CB_C] = (array){"c", NULL, s.data, INPUT, REQUIRED, -1};
    arrays[CB_DC] = (array){"dc", NULL, s.data, INPUT, has_y ? OPTIONAL : REQUIRED, -1};
    arrays[CB_DY] = (array){"dy", NULL, s.data, INPUT, has_y ? REQUIRED : UNUSED, -1};
    arrays[CB_DC0] = (array){"dc0", NULL, s.state, OUTPUT, OPTIONAL, -1};
    pick_arrays(in, ctx, arrays, CELL_BACKWARD_ARRAYS, s.element, 0);
    allowed_set allowed =
        p ? cell_rules(ctx, &s, cell_arg, given_in && given_grads, arrays, CELL_BACKWARD_ARRAYS)
          : ALLOW(LINREC_ERR_INVALID_ARGUMENT);
    if (!may_run(ctx, allowed, &s, arrays, CELL_BACKWARD_ARRAYS, 0))
        return;
    call c = {"linrec_cell_backward", ctx, p, &s, arrays, CELL_BACKWARD_ARRAYS, 0};
    linrec_cell_inputs inputs = inputs_of(arrays);
    linrec_cell_gradients grads = {(void *)arrays[ROLES].where, (void *)arrays[ROLES + 1].where,
                                   (void *)arrays[ROLES + 2].where, (void *)arrays[ROLES + 3].where,
                                   (void *)arrays[ROLES + 4].where};
    before_call();
    linrec_status got = linrec_cell_backward(
        context_of(ctx), cell_arg, p, given_in ? &inputs : NULL, arrays[CB_C0].where,
        arrays[CB_C].where, arrays[CB_DC].where, arrays[CB_DY].where, given_grads ? &grads : NULL,
        (void *)arrays[CB_DC0].where);
    judge(&c, got, allowed);
}

_Noreturn static void buffer_finding(const char *function, const linrec_buffer *buffer,
                                     size_t offset, size_t bytes, const char *what,
                                     linrec_status got)
{
    fuzz_fail("%s(buffer of %s, %zu bytes; offset %zu, %zu bytes): %s: %s (\"%s\")", function,
              buffer ? pool_entry(buffer)->owner->name : "NULL", linrec_buffer_size(buffer), offset,
              bytes, what, linrec_status_string(got), linrec_last_error());
}

/* A write or a read at any offset; a successful write is read back. */
static void op_buffer_io(fuzz_input *in)
{
    linrec_buffer *buffer = fuzz_below(in, 32) ? pool[fuzz_bytes(in, 1) % pool_count].buffer : NULL;
    int write = fuzz_below(in, 2), host_given = fuzz_below(in, 16) != 0;
    size_t offset = pick_size(in), bytes = pick_size(in);
    size_t size = linrec_buffer_size(buffer);
    int valid = buffer && (host_given || bytes == 0) && offset <= size && bytes <= size - offset;
    unsigned char seed = (unsigned char)fuzz_bytes(in, 1);
    for (size_t i = 0; i < sizeof scratch; i++)
        scratch[i] = (unsigned char)(seed + 37 * i);
    memcpy(scratch_back, scratch, sizeof scratch);
    const char *function = write ? "linrec_buffer_write" : "linrec_buffer_read";
    snprintf(error_before, sizeof error_before, "%s", linrec_last_error());
    linrec_status got =
        write ? linrec_buffer_write(buffer, offset, host_given ? scratch : NULL, bytes)
              : linrec_buffer_read(buffer, offset, host_given ? scratch : NULL, bytes);
    if (got != (valid ? LINREC_OK : LINREC_ERR_INVALID_ARGUMENT))
        buffer_finding(function, buffer, offset, bytes, "wrong status", got);
    if (got != LINREC_OK && !*linrec_last_error())
        buffer_finding(function, buffer, offset, bytes, "no reason given", got);
    if (got == LINREC_OK && strcmp(error_before, linrec_last_error()) != 0)
        buffer_finding(function, buffer, offset, bytes, "last error changed", got);
    if (!valid && memcmp(scratch, scratch_back, sizeof scratch) != 0)
        buffer_finding(function, buffer, offset, bytes, "a rejected call wrote host memory", got);
    if (!valid || !write || bytes == 0)
        return;
    memset(scratch_back, 0, bytes);
    got = linrec_buffer_read(buffer, offset, scratch_back, bytes);
    if (got != LINREC_OK || memcmp(scratch, scratch_back, bytes) != 0)
        buffer_finding("linrec_buffer_read after a write", buffer, offset, bytes,
                       "does not read back what was written", got);
}

static void op_buffer_create(fuzz_input *in)
{
    const context_entry *ctx = pick_context(in);
    int out_given = fuzz_below(in, 32) != 0;
    size_t bytes = pick_size(in);
    if (bytes > HOST_BUFFER_LIMIT && ctx && host_backend(ctx))
        bytes %= HOST_BUFFER_LIMIT;
    else if (bytes > HOST_BUFFER_LIMIT)
        bytes |= NO_DEVICE_HAS;
    allowed_set allowed = !out_given || !ctx || bytes == 0 ? ALLOW(LINREC_ERR_INVALID_ARGUMENT)
                          : bytes > HOST_BUFFER_LIMIT
                              ? ALLOW(LINREC_ERR_OUT_OF_MEMORY) | ALLOW(LINREC_ERR_DEVICE)
                              : ALLOW(LINREC_OK);
    linrec_buffer *buffer = (linrec_buffer *)&buffer; /* must be overwritten */
    linrec_status got = linrec_buffer_create(context_of(ctx), bytes, out_given ? &buffer : NULL);
    char expected[256];
    status_names(allowed, expected, sizeof expected);
    if (!(allowed & ALLOW(got)))
        fuzz_fail(
            "linrec_buffer_create(%s, %zu bytes%s) returned %s (\"%s\"); the header allows %s",
            ctx ? ctx->name : "NULL", bytes, out_given ? "" : ", NULL out",
            linrec_status_string(got), linrec_last_error(), expected);
    if (!out_given)
        return;
    if (got != LINREC_OK) {
        if (buffer)
            fuzz_fail("linrec_buffer_create(%s, %zu bytes) failed but left *out set",
                      ctx ? ctx->name : "NULL", bytes);
        return;
    }
    unsigned char last = 0x5a, back = 0;
    if (linrec_buffer_size(buffer) != bytes ||
        linrec_buffer_write(buffer, bytes - 1, &last, 1) != LINREC_OK ||
        linrec_buffer_read(buffer, bytes - 1, &back, 1) != LINREC_OK || back != last)
        fuzz_fail("a new buffer of %zu bytes on %s does not hold its last byte: %s", bytes,
                  ctx->name, linrec_last_error());
    linrec_buffer_destroy(buffer);
}

/* A backend name, from a list of meaningful parts or from the input's bytes. */
static void pick_name(fuzz_input *in, char *name, size_t size)
{
    static const char *const bases[] = {"serial",  "openmp", "opencl",  "cuda", "auto",
                                        "SeRiAl",  "OPENMP", "Auto",    "",     "bogus",
                                        "serial0", "seria",  "openmp ", " auto"};
    static const char *const suffixes[] = {"",
                                           ":",
                                           ":0",
                                           ":1",
                                           ":00",
                                           ":007",
                                           ":+1",
                                           ": 1",
                                           ":1 ",
                                           ":-0",
                                           ":0x0",
                                           ":18446744073709551615",
                                           ":18446744073709551616",
                                           ":99999999999999999999999",
                                           ":0:0",
                                           "::"};
    unsigned selector = (unsigned)fuzz_bytes(in, 1);
    if (selector < 192) {
        snprintf(name, size, "%s%s", bases[selector % (sizeof bases / sizeof bases[0])],
                 suffixes[fuzz_below(in, sizeof suffixes / sizeof suffixes[0])]);
        return;
    }
    size_t length = fuzz_below(in, 80) % size;
    for (size_t i = 0; i < length; i++)
        name[i] = (char)(fuzz_bytes(in, 1) | 1); /* no NUL inside */
    name[length] = '\0';
}

static int is_backend(const char *part, size_t length, const char *backend)
{
    return strlen(backend) == length && strncasecmp(part, backend, length) == 0;
}

static int built(const char *backend)
{
    for (size_t i = 0; i < context_count; i++)
        if (strcmp(contexts[i].backend, backend) == 0)
            return 1;
    return 0;
}

/* What linrec_context_create(name) may return (linrec.h), and the backend it opens (NULL: any). */
static allowed_set name_rules(const char *name, const char **backend)
{
    static const char *const known[] = {"serial", "openmp", "opencl", "cuda"};
    const allowed_set invalid = ALLOW(LINREC_ERR_INVALID_ARGUMENT);
    const allowed_set unavailable = ALLOW(LINREC_ERR_BACKEND_UNAVAILABLE);
    *backend = NULL;
    size_t length = strcspn(name, ":");
    if (length == 0)
        return invalid;
    int is_auto = is_backend(name, length, "auto");
    int device_zero = 1;
    if (name[length] == ':') {
        const char *digits = name + length + 1;
        size_t count = strspn(digits, "0123456789");
        if (is_auto || count == 0 || digits[count] != '\0')
            return invalid;
        while (*digits == '0' && count > 1)
            digits++, count--;
        if (count > 20 || (count == 20 && strcmp(digits, "18446744073709551615") > 0))
            return invalid;
        device_zero = strcmp(digits, "0") == 0;
    }
    if (is_auto)
        return ALLOW(LINREC_OK);
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (is_backend(name, length, known[i])) {
            *backend = known[i];
            int plugin = strcmp(known[i], "opencl") == 0 || strcmp(known[i], "cuda") == 0;
            if (!built(known[i]))
                return unavailable;
            if (device_zero)
                return ALLOW(LINREC_OK);
            /* How many devices a plugin's backend has is the machine's business. */
            return plugin ? unavailable | ALLOW(LINREC_OK) : unavailable;
        }
    /* The header does not say how long a name may be. */
    return length >= 64 ? unavailable | invalid : unavailable;
}

static void op_context(fuzz_input *in)
{
    char name[96];
    int use_null = fuzz_below(in, 16) == 0, probe = fuzz_below(in, 4) == 0;
    int out_given = fuzz_below(in, 32) != 0;
    pick_name(in, name, sizeof name);
    if (use_null || !*name) {
        const char *env = getenv("LINREC_BACKEND");
        if (env && *env)
            return; /* the environment's choice, not the input's */
    }
    const char *backend;
    allowed_set allowed = name_rules(use_null || !*name ? "auto" : name, &backend);
    /* Opening OpenCL compiles its kernels: too slow for every input. */
    if ((allowed & ALLOW(LINREC_OK)) && backend && strcmp(backend, "opencl") == 0)
        return;
    if (!probe && !out_given)
        allowed = ALLOW(LINREC_ERR_INVALID_ARGUMENT);
    const char *given = use_null ? NULL : name;
    linrec_context *ctx = (linrec_context *)&ctx; /* must be overwritten */
    snprintf(error_before, sizeof error_before, "%s", linrec_last_error());
    linrec_status got =
        probe ? linrec_backend_probe(given) : linrec_context_create(given, out_given ? &ctx : NULL);
    char expected[256];
    status_names(allowed, expected, sizeof expected);
    const char *function = probe ? "linrec_backend_probe" : "linrec_context_create";
    if (!(allowed & ALLOW(got)))
        fuzz_fail("%s(\"%s\"%s) returned %s (\"%s\"); the header allows %s", function,
                  given ? given : "(NULL)", out_given || probe ? "" : ", NULL out",
                  linrec_status_string(got), linrec_last_error(), expected);
    if (got != LINREC_OK && !*linrec_last_error())
        fuzz_fail("%s(\"%s\") failed without a reason", function, name);
    if (got == LINREC_OK && strcmp(error_before, linrec_last_error()) != 0)
        fuzz_fail("%s(\"%s\") succeeded but changed linrec_last_error() from \"%s\" to \"%s\"",
                  function, name, error_before, linrec_last_error());
    if (probe || !out_given)
        return;
    if (got != LINREC_OK) {
        if (ctx)
            fuzz_fail("linrec_context_create(\"%s\") failed but left *out set", name);
        return;
    }
    if (backend && strcmp(linrec_context_backend(ctx), backend) != 0)
        fuzz_fail("linrec_context_create(\"%s\") opened backend %s", name,
                  linrec_context_backend(ctx));
    linrec_context_destroy(ctx);
}

/* The functions of no failure: statuses, names, and NULL handles. */
static void op_misc(fuzz_input *in)
{
    linrec_status status = (linrec_status)(int)(uint32_t)fuzz_bytes(in, 4);
    const char *text = linrec_status_string(status);
    if (!text || !*text)
        fuzz_fail("linrec_status_string(%d) gave no text", (int)status);
    size_t index = pick_size(in);
    const char *backend = linrec_backend_name(index);
    if ((backend == NULL) != (index >= linrec_backend_count()))
        fuzz_fail("linrec_backend_name(%zu) is %s with %zu backends", index,
                  backend ? backend : "NULL", linrec_backend_count());
    if (*linrec_context_backend(NULL) || *linrec_context_device(NULL) ||
        linrec_buffer_size(NULL) != 0)
        fuzz_fail("a NULL context or buffer has a name, a device or a size");
    linrec_buffer_destroy(NULL);
    linrec_context_destroy(NULL);
}

enum {
    OP_SCAN,
    OP_BACKWARD,
    OP_SCAN_BUFFERS,
    OP_BACKWARD_BUFFERS,
    OP_CELL_FORWARD,
    OP_CELL_BACKWARD,
    OP_BUFFER_IO,
    OP_BUFFER_CREATE,
    OP_CONTEXT,
    OP_MISC,
    OPERATIONS
};

static void operate(fuzz_input *in)
{
    switch (fuzz_below(in, OPERATIONS)) {
    case OP_SCAN:
        op_scan(in, 0);
        break;
    case OP_BACKWARD:
        op_scan_backward(in, 0);
        break;
    case OP_SCAN_BUFFERS:
        op_scan(in, 1);
        break;
    case OP_BACKWARD_BUFFERS:
        op_scan_backward(in, 1);
        break;
    case OP_CELL_FORWARD:
        op_cell_forward(in);
        break;
    case OP_CELL_BACKWARD:
        op_cell_backward(in);
        break;
    case OP_BUFFER_IO:
        op_buffer_io(in);
        break;
    case OP_BUFFER_CREATE:
        op_buffer_create(in);
        break;
    case OP_CONTEXT:
        op_context(in);
        break;
    default:
        op_misc(in);
        break;
    }
}

/* The contexts and their pools of buffers, zeroed. */
static void open_contexts(void)
{
    size_t count;
    const fuzz_variant *variants = fuzz_variants(&count);
    linrec_context *second;
    if (linrec_context_create("serial", &second) != LINREC_OK)
        fuzz_fail("cannot open a second serial context: %s", linrec_last_error());
    contexts[context_count++] = variants[0];
    contexts[context_count++] = (context_entry){"serial (second)", "serial", second};
    for (size_t i = 1; i < count && context_count < sizeof contexts / sizeof contexts[0]; i++)
        contexts[context_count++] = variants[i];
    static const unsigned char zeros[ARENA_BYTES];
    for (size_t c = 0; c < context_count; c++)
        for (size_t s = 0; s < POOL_SIZES; s++) {
            linrec_buffer *buffer;
            if (linrec_buffer_create(contexts[c].ctx, pool_sizes[s], &buffer) != LINREC_OK ||
                linrec_buffer_write(buffer, 0, zeros, pool_sizes[s]) != LINREC_OK)
                fuzz_fail("cannot make the buffers of %s: %s", contexts[c].name,
                          linrec_last_error());
            pool[pool_count++] = (pool_buffer){buffer, &contexts[c]};
        }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    open_contexts();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = fuzz_input_of(data, size);
    cuda_runs = in.state % CUDA_RUN_ONE_IN == 0;
    memset(arena, 0x3c, ARENA_BYTES);
    for (int i = 0; i < OPS_PER_INPUT && in.size > 0; i++)
        operate(&in);
    return 0;
}
