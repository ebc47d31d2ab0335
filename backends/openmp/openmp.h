/*
 * The openmp backend's internal interface: the kernels each instruction-set path provides, and
 * what the dispatcher needs to pick one.
 *
 * A kernel walks one span: `steps` consecutive steps of a scan in scan order, each step a row of
 * `lanes` contiguous elements, `step` elements apart (negative: towards lower addresses). Both
 * passes are the same recurrence out = coef * carry + x:
 *   forward:  coef = a, x = x, out = h;
 *   backward: coef = a of the step before in scan order (the next one in time), x = dh, out = dx,
 *             and, when da is wanted, da = out * hprev with hprev = h of the step after; for a
 *             complex kind coef and hprev enter conjugated (linrec.h), which `conjugate` says.
 */
#ifndef LINREC_BACKENDS_OPENMP_H
#define LINREC_BACKENDS_OPENMP_H

#include <stddef.h>

#include "internal.h"

typedef struct linrec__openmp_span {
    const void *coef, *x;
    void *out;
    const void *hprev; /* NULL unless da is written */
    void *da;          /* may be NULL */
    size_t steps, lanes;
    size_t first; /* scan position of the first step: time blocks sit on a grid of positions */
    ptrdiff_t step;
    int stream;    /* the outputs are too large to stay cached: write them around the cache */
    int conjugate; /* backward of a complex kind: coef and hprev are used conjugated */
} linrec__openmp_span;

/* The sequences of a joined span (walk_joined): at each one's first step in scan order the
 * recurrence takes no carry (forward: h0 in its place when h0 is given), and backward, at its
 * last, da takes h0 (or 0) as h before and dh0 = a * out is written (a conjugated for a complex
 * kind). h0 and dh0 point at the first sequence's element; the next one's is state_step on. */
typedef struct linrec__openmp_joined {
    size_t length;
    const void *h0; /* may be NULL */
    void *dh0;      /* backward only; may be NULL */
    ptrdiff_t state_step;
    int backward;
} linrec__openmp_joined;

/* Kernels of one instruction set, indexed by element kind (element.h). The carry, A and X rows
 * are of the kind's arithmetic type (f32 for the half types); the span's arrays of its storage. */
typedef struct linrec__openmp_kernels {
    const char *name;
    /* Scans `scan` from `carry` (lanes elements), leaving the last step's out in it, and reduces
     * `reduce` to the pair (A, X), lanes elements each, with last out = A * carry + X, in one
     * pass: a step of each in turn, so that the reads of the one overlap the writes of the other.
     * Either may have no steps; carry is then not touched, and A and X not when A is NULL. */
    void (*walk[LINREC__ELEMENTS])(const linrec__openmp_span *scan, void *carry,
                                   const linrec__openmp_span *reduce, void *A, void *X);
    /* Scans `scan`, whole sequences of `seqs->length` steps one after the other in scan order
     * (one lane, unit step; its first step is a sequence's first, its `first` that step's scan
     * position over all the problem's sequences), as one sequence that restarts at each of theirs
     * (see linrec__openmp_joined). */
    void (*walk_joined[LINREC__ELEMENTS])(const linrec__openmp_span *scan,
                                          const linrec__openmp_joined *seqs);
} linrec__openmp_kernels;

extern const linrec__openmp_kernels linrec__openmp_generic;
extern const linrec__openmp_kernels linrec__openmp_avx2;
extern const linrec__openmp_kernels linrec__openmp_avx512;
extern const linrec__openmp_kernels linrec__openmp_neon;

/* The kernels LINREC_CPU asks for, or the best this CPU runs; fails naming why. */
linrec_status linrec__openmp_choose_kernels(const linrec__openmp_kernels **kernels);

/* How one call is spread over threads (see openmp_plan.c for the rule). */
typedef struct linrec__openmp_plan {
    int split_time; /* 1: every thread takes a stretch of each sequence in turn */
    int threads;
    size_t part;        /* split_time == 0: lanes per work item, a group's lanes cut in parts */
    size_t parts;       /* work items per group */
    size_t chunk_steps; /* split_time == 1: steps per thread per cache-sized super-chunk */
    int stream;
    /* One lane per group (time innermost), not split over time: each thread scans its run of
     * whole sequences as one span (walk_joined), instead of one kernel call per sequence. Set
     * for the scan only. */
    int joined;
} linrec__openmp_plan;

enum { LINREC__OPENMP_STACK_CARRY_BYTES = 4096 };

/* `memory_speed`: 1 for the scan, whose kernels run at memory speed, so that threads pay only on
 * larger problems; 0 for the cells, whose gates cost more than their memory traffic. */
linrec__openmp_plan linrec__openmp_plan_for(const linrec__shape *shape, int threads,
                                            int memory_speed);

/* Thread t's chunk [*c0, *c1) of a super-chunk of `length` steps split over `threads`, as offsets
 * from its start: whole 16-step blocks but at the end; some may be empty. `heavy`: the element
 * kind's arithmetic, not memory, sets the pass's pace (a complex forward pass). */
void linrec__openmp_chunk(size_t length, size_t threads, size_t t, int heavy, size_t *c0,
                          size_t *c1);

/* How far one thread of a time-split call has got: super-chunks reduced and rescanned, counted
 * over the call. Each on its own cache line, since the other threads poll it. */
typedef struct linrec__openmp_progress {
    atomic_size_t count;
    char pad[64 - sizeof(atomic_size_t)];
} linrec__openmp_progress;

/* Publishes that `count` super-chunks are done; what the thread wrote before is then visible to
 * a thread whose wait sees it. */
void linrec__openmp_publish(linrec__openmp_progress *progress, size_t count);

/* Returns once `progress` has reached `count`. Spins briefly, then sleeps: a peer that the OS
 * has descheduled (another process on the cores) then gets a core instead of the spinner. */
void linrec__openmp_wait(const linrec__openmp_progress *progress, size_t count);

/* Returns once progress[first], ..., progress[end - 1] have all reached `count`. */
void linrec__openmp_wait_all(const linrec__openmp_progress *progress, int first, int end,
                             size_t count);

/* The fused cells (openmp_cells.c), on the same plan as the scan. */
linrec_status linrec__openmp_cell_forward(void *state, const linrec__cell_args *args);
linrec_status linrec__openmp_cell_backward(void *state, const linrec__cell_backward_args *args);

#endif /* LINREC_BACKENDS_OPENMP_H */
