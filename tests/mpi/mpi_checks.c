/*
 * liblinrec_mpi against the long-double reference of the whole sequence (tests/reference.c): run
 * under mpiexec with any number of ranks, each rank takes its piece of every case's time axis,
 * computes it with linrec_mpi_*, and checks its piece of the reference, within the suite's bound.
 * Then every collective error case, checked on every rank. The backend is LINREC_BACKEND's.
 * Exits 0 when every rank passed every check, else 1 (rank 0 prints the count).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrays.h" /* TEST_ERROR_EPSILONS */
#include "linrec/mpi.h"
#include "reference.h"

static int rank, size, failures;
static linrec_context *ctx;

#define CHECK(condition, ...)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            failures++;                                                                            \
            fprintf(stderr, "rank %d: FAIL %s:%d: ", rank, __FILE__, __LINE__);                    \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
        }                                                                                          \
    } while (0)

static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state, double lo, double hi)
{
    return lo + (hi - lo) * (double)(next_random(state) >> 11) / 9007199254740992.0;
}

static const char *describe(const linrec_problem *p)
{
    static const char *layouts[] = {"TBC", "BTC", "BCT"};
    static char text[96];
    snprintf(text, sizeof text, "%s %s B=%zu T=%zu C=%zu%s", p->dtype == LINREC_F64 ? "f64" : "f32",
             layouts[p->layout % 3], p->batch, p->steps, p->channels,
             (p->flags & LINREC_REVERSE) ? " reverse" : "");
    return text;
}

static size_t element_size(linrec_dtype dtype)
{
    return dtype == LINREC_F64 ? sizeof(double) : sizeof(float);
}

static void *xcalloc(size_t count, size_t bytes)
{
    void *memory = calloc(count ? count : 1, bytes);
    if (!memory) {
        fprintf(stderr, "rank %d: test allocation failed\n", rank);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    return memory;
}

/* One case: the whole problem (every rank builds the same from the seed) and this rank's piece. */
typedef struct whole {
    linrec_problem p;           /* steps: the whole sequence */
    double *a, *x, *h0, *dh;    /* the whole problem's inputs, rounded to its dtype */
    long double *h, *h_bound;   /* the reference's forward */
    ref_gradients g;            /* and backward */
    size_t *first_step, *steps; /* each rank's piece: where it starts and how long it is */
    int with_h0;                /* whether the owner passes h0 (else the zero state) */
} whole;

static double rounded(linrec_dtype dtype, double value)
{
    return dtype == LINREC_F64 ? value : (double)(float)value;
}

/* Splits `total` steps over the ranks by `pattern`: 0 even, 1 all on the last rank, 2 every other
 * rank empty, 3 random (some empty). */
static void split(size_t total, int pattern, uint64_t seed, size_t *first, size_t *steps)
{
    uint64_t state = seed;
    size_t left = total;
    for (int r = 0; r < size; r++) {
        size_t share = 0;
        if (r == size - 1)
            share = left;
        else if (pattern == 0)
            share = total / (size_t)size;
        else if (pattern == 2)
            share = r % 2 ? 0 : left / (size_t)((size - r + 1) / 2);
        else if (pattern == 3)
            share = next_random(&state) % 3 == 0 ? 0 : next_random(&state) % (left + 1);
        if (share > left)
            share = left;
        first[r] = total - left;
        steps[r] = share;
        left -= share;
    }
}

static whole whole_new(const linrec_problem *p, int pattern, int with_h0, uint64_t seed)
{
    whole w = {.p = *p, .with_h0 = with_h0};
    size_t n = p->batch * p->steps * p->channels, states = p->batch * p->channels;
    uint64_t state = seed;
    w.a = xcalloc(n, sizeof(double));
    w.x = xcalloc(n, sizeof(double));
    w.dh = xcalloc(n, sizeof(double));
    w.h0 = xcalloc(states, sizeof(double));
    for (size_t i = 0; i < n; i++) {
        w.a[i] = rounded(p->dtype, uniform(&state, -1.0, 1.0));
        w.x[i] = rounded(p->dtype, uniform(&state, -1.0, 1.0));
        w.dh[i] = rounded(p->dtype, uniform(&state, -1.0, 1.0));
    }
    for (size_t s = 0; s < states; s++)
        w.h0[s] = rounded(p->dtype, uniform(&state, -1.0, 1.0));
    w.h = xcalloc(n, sizeof(long double));
    w.h_bound = xcalloc(n, sizeof(long double));
    ref_forward(p, w.a, w.x, with_h0 ? w.h0 : NULL, w.h, w.h_bound);
    double *h = xcalloc(n, sizeof(double));
    for (size_t i = 0; i < n; i++)
        h[i] = rounded(p->dtype, (double)w.h[i]);
    long double **outs[] = {&w.g.dx, &w.g.dx_bound, &w.g.da, &w.g.da_bound};
    for (size_t k = 0; k < 4; k++)
        *outs[k] = xcalloc(n, sizeof(long double));
    w.g.dh0 = xcalloc(states, sizeof(long double));
    w.g.dh0_bound = xcalloc(states, sizeof(long double));
    ref_backward(p, w.a, with_h0 ? w.h0 : NULL, h, w.dh, &w.g);
    free(h);
    w.first_step = xcalloc((size_t)size, sizeof(size_t));
    w.steps = xcalloc((size_t)size, sizeof(size_t));
    split(p->steps, pattern, seed ^ 0x5bd1e995u, w.first_step, w.steps);
    return w;
}

static void whole_free(whole *w)
{
    void *all[] = {w->a,       w->x,           w->h0,         w->dh,   w->h,
                   w->h_bound, w->g.dx,        w->g.dx_bound, w->g.da, w->g.da_bound,
                   w->g.dh0,   w->g.dh0_bound, w->first_step, w->steps};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        free(all[k]);
}

/* This rank's piece of the problem. */
static linrec_problem piece_problem(const whole *w)
{
    linrec_problem p = w->p;
    p.steps = w->steps[rank];
    return p;
}

/* The rank that holds the first step in the problem's direction. */
static int owner_of(const whole *w)
{
    int reverse = (w->p.flags & LINREC_REVERSE) != 0;
    for (int i = 0; i < size; i++) {
        int r = reverse ? size - 1 - i : i;
        if (w->steps[r] > 0)
            return r;
    }
    return reverse ? size - 1 : 0;
}

/* Copies this rank's piece of a whole array (doubles) into `piece`, of the problem's dtype. */
static void take_piece(const whole *w, const double *whole_array, void *piece)
{
    linrec_problem local = piece_problem(w);
    for (size_t b = 0; b < w->p.batch; b++)
        for (size_t t = 0; t < local.steps; t++)
            for (size_t c = 0; c < w->p.channels; c++) {
                double v = whole_array[ref_index(&w->p, b, w->first_step[rank] + t, c)];
                size_t i = ref_index(&local, b, t, c);
                if (w->p.dtype == LINREC_F64)
                    ((double *)piece)[i] = v;
                else
                    ((float *)piece)[i] = (float)v;
            }
}

static double get(linrec_dtype dtype, const void *array, size_t i)
{
    return dtype == LINREC_F64 ? ((const double *)array)[i] : ((const float *)array)[i];
}

static int close_enough(linrec_dtype dtype, double got, long double want, long double bound)
{
    long double epsilon = dtype == LINREC_F64 ? DBL_EPSILON : FLT_EPSILON;
    long double floor = dtype == LINREC_F64 ? DBL_MIN : FLT_MIN;
    return fabsl(got - want) / (bound + floor) <= TEST_ERROR_EPSILONS * epsilon;
}

/* Checks this rank's piece `got` against the whole reference `want`. */
static void expect_piece(const whole *w, const char *what, const void *got, const long double *want,
                         const long double *bound)
{
    linrec_problem local = piece_problem(w);
    for (size_t b = 0; b < w->p.batch; b++)
        for (size_t t = 0; t < local.steps; t++)
            for (size_t c = 0; c < w->p.channels; c++) {
                size_t global = ref_index(&w->p, b, w->first_step[rank] + t, c);
                double value = get(w->p.dtype, got, ref_index(&local, b, t, c));
                if (!close_enough(w->p.dtype, value, want[global], bound[global])) {
                    CHECK(0, "%s of %s, %d ranks: (b %zu, t %zu, c %zu) is %.9g, reference %.9Lg",
                          what, describe(&w->p), size, b, w->first_step[rank] + t, c, value,
                          want[global]);
                    return;
                }
            }
}

/* The arrays of one rank's piece, in the problem's dtype. */
typedef struct piece {
    void *a, *x, *h0, *h, *dh, *dx, *da, *dh0;
} piece;

static piece piece_new(const whole *w)
{
    linrec_problem local = piece_problem(w);
    size_t n = local.batch * local.steps * local.channels, states = local.batch * local.channels;
    size_t e = element_size(local.dtype);
    piece k = {xcalloc(n, e), xcalloc(n, e), NULL,          xcalloc(n, e),
               xcalloc(n, e), xcalloc(n, e), xcalloc(n, e), xcalloc(states, e)};
    take_piece(w, w->a, k.a);
    take_piece(w, w->x, k.x);
    take_piece(w, w->dh, k.dh);
    if (w->with_h0 && rank == owner_of(w)) {
        k.h0 = xcalloc(states, e);
        for (size_t s = 0; s < states; s++)
            if (local.dtype == LINREC_F64)
                ((double *)k.h0)[s] = w->h0[s];
            else
                ((float *)k.h0)[s] = (float)w->h0[s];
    }
    return k;
}

static void piece_free(piece *k)
{
    void *all[] = {k->a, k->x, k->h0, k->h, k->dh, k->dx, k->da, k->dh0};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
}

static void check_forward_and_backward(const whole *w)
{
    linrec_problem local = piece_problem(w);
    piece k = piece_new(w);
    size_t bytes = local.batch * local.steps * local.channels * element_size(local.dtype);
    linrec_status status = linrec_mpi_scan(ctx, MPI_COMM_WORLD, &local, k.a, k.x, k.h0, k.h);
    CHECK(status == LINREC_OK, "linrec_mpi_scan: %s", linrec_last_error());
    if (status == LINREC_OK)
        expect_piece(w, "h", k.h, w->h, w->h_bound);
    void *again = xcalloc(bytes, 1);
    status = linrec_mpi_scan(ctx, MPI_COMM_WORLD, &local, k.a, k.x, k.h0, again);
    CHECK(status == LINREC_OK && memcmp(again, k.h, bytes) == 0,
          "a second linrec_mpi_scan gave other bits");
    free(again);

    /* Backward from the reference's h (rounded), the same every rank uses. */
    double *h_whole = xcalloc(w->p.batch * w->p.steps * w->p.channels, sizeof(double));
    for (size_t i = 0; i < w->p.batch * w->p.steps * w->p.channels; i++)
        h_whole[i] = rounded(w->p.dtype, (double)w->h[i]);
    take_piece(w, h_whole, k.h);
    free(h_whole);
    int owner = rank == owner_of(w);
    status = linrec_mpi_scan_backward(ctx, MPI_COMM_WORLD, &local, k.a, k.h0, k.h, k.dh, k.dx, k.da,
                                      k.dh0);
    CHECK(status == LINREC_OK, "linrec_mpi_scan_backward: %s", linrec_last_error());
    if (status != LINREC_OK) {
        piece_free(&k);
        return;
    }
    expect_piece(w, "dx", k.dx, w->g.dx, w->g.dx_bound);
    expect_piece(w, "da", k.da, w->g.da, w->g.da_bound);
    if (owner && local.steps > 0)
        for (size_t s = 0; s < local.batch * local.channels; s++)
            CHECK(close_enough(local.dtype, get(local.dtype, k.dh0, s), w->g.dh0[s],
                               w->g.dh0_bound[s]),
                  "dh0[%zu] of %s is %.9g, reference %.9Lg", s, describe(&w->p),
                  get(local.dtype, k.dh0, s), w->g.dh0[s]);
    /* In place (dx = dh) and without da: dx again. */
    status = linrec_mpi_scan_backward(ctx, MPI_COMM_WORLD, &local, k.a, k.h0, NULL, k.dh, k.dh,
                                      NULL, NULL);
    CHECK(status == LINREC_OK, "in-place linrec_mpi_scan_backward: %s", linrec_last_error());
    if (status == LINREC_OK)
        expect_piece(w, "dx in place", k.dh, w->g.dx, w->g.dx_bound);
    piece_free(&k);
}

/* The buffer call, into h and in place (h = x). */
static void check_buffers(const whole *w)
{
    linrec_problem local = piece_problem(w);
    piece k = piece_new(w);
    size_t e = element_size(local.dtype);
    size_t bytes = local.batch * local.steps * local.channels * e;
    size_t state_bytes = local.batch * local.channels * e;
    linrec_buffer *a = NULL, *x = NULL, *h = NULL, *h0 = NULL;
    int made = linrec_buffer_create(ctx, bytes ? bytes : 1, &a) == LINREC_OK &&
               linrec_buffer_create(ctx, bytes ? bytes : 1, &x) == LINREC_OK &&
               linrec_buffer_create(ctx, bytes ? bytes : 1, &h) == LINREC_OK &&
               (!k.h0 || linrec_buffer_create(ctx, state_bytes, &h0) == LINREC_OK);
    CHECK(made, "buffers: %s", linrec_last_error());
    if (made && bytes) {
        linrec_buffer_write(a, 0, k.a, bytes);
        linrec_buffer_write(x, 0, k.x, bytes);
    }
    if (made && h0)
        linrec_buffer_write(h0, 0, k.h0, state_bytes);
    for (int in_place = 0; made && in_place < 2; in_place++) {
        linrec_buffer *out = in_place ? x : h;
        linrec_status status = linrec_mpi_scan_buffers(ctx, MPI_COMM_WORLD, &local, a, x, h0, out);
        CHECK(status == LINREC_OK, "linrec_mpi_scan_buffers%s: %s", in_place ? " in place" : "",
              linrec_last_error());
        if (status == LINREC_OK && bytes) {
            linrec_buffer_read(out, 0, k.h, bytes);
            expect_piece(w, in_place ? "h of buffers in place" : "h of buffers", k.h, w->h,
                         w->h_bound);
        }
    }
    linrec_buffer_destroy(a);
    linrec_buffer_destroy(x);
    linrec_buffer_destroy(h);
    linrec_buffer_destroy(h0);
    piece_free(&k);
}

static void check_results(size_t total_steps)
{
    static const linrec_layout layouts[] = {LINREC_LAYOUT_TBC, LINREC_LAYOUT_BTC,
                                            LINREC_LAYOUT_BCT};
    uint64_t seed = 1;
    for (int dtype = 0; dtype < 2; dtype++)
        for (int l = 0; l < 3; l++)
            for (unsigned flags = 0; flags < 2; flags++)
                for (int pattern = 0; pattern < 4; pattern++) {
                    linrec_problem p = {(linrec_dtype)dtype, layouts[l], 2, total_steps, 3, flags};
                    for (int with_h0 = 0; with_h0 < 2; with_h0++) {
                        whole w = whole_new(&p, pattern, with_h0, seed++);
                        check_forward_and_backward(&w);
                        check_buffers(&w);
                        whole_free(&w);
                    }
                }
}

/* Every rank must return `want` with a sentence that names `culprit`. */
static void expect_collective(const char *what, linrec_status got, linrec_status want, int culprit,
                              const char *words)
{
    char rank_words[32];
    snprintf(rank_words, sizeof rank_words, "rank %d", culprit);
    CHECK(got == want, "%s: status %d, expected %d (%s)", what, (int)got, (int)want,
          linrec_last_error());
    CHECK(strstr(linrec_last_error(), rank_words) && strstr(linrec_last_error(), words),
          "%s: the sentence \"%s\" should name %s and say \"%s\"", what, linrec_last_error(),
          rank_words, words);
}

static void check_errors(void)
{
    enum { T = 4 };
    float a[2 * T * 3] = {0}, x[2 * T * 3] = {0}, h[2 * T * 3], h0[6] = {0};
    const int culprit = size - 1;
    linrec_problem p = {LINREC_F32, LINREC_LAYOUT_BTC, 2, T, 3, 0};

    if (size > 1) {
        linrec_problem other = p;
        other.batch = rank == culprit ? 1 : 2;
        linrec_status status = linrec_mpi_scan(ctx, MPI_COMM_WORLD, &other, a, x, NULL, h);
        expect_collective("batch differs", status, LINREC_ERR_INVALID_ARGUMENT, culprit,
                          "differs from rank 0's");
    }

    linrec_status status =
        linrec_mpi_scan(ctx, MPI_COMM_WORLD, rank == culprit ? NULL : &p, a, x, NULL, h);
    expect_collective("a NULL problem", status, LINREC_ERR_INVALID_ARGUMENT, culprit,
                      "problem pointer is NULL");

    linrec_problem bad = p;
    bad.dtype = rank == culprit ? (linrec_dtype)7 : LINREC_F32;
    expect_collective("a bad dtype", linrec_mpi_scan(ctx, MPI_COMM_WORLD, &bad, a, x, NULL, h),
                      LINREC_ERR_INVALID_ARGUMENT, culprit, "dtype 7");

    /* The half types are single-process only (linrec/mpi.h). */
    bad.dtype = rank == culprit ? LINREC_F16 : LINREC_F32;
    expect_collective("a half dtype", linrec_mpi_scan(ctx, MPI_COMM_WORLD, &bad, a, x, NULL, h),
                      LINREC_ERR_UNSUPPORTED, culprit, "LINREC_F32 and LINREC_F64 only");

    status = linrec_mpi_scan(ctx, MPI_COMM_WORLD, &p, rank == culprit ? NULL : a, x, NULL, h);
    expect_collective("a NULL", status, LINREC_ERR_INVALID_ARGUMENT, culprit, "must not be NULL");

    /* Found only by the rank's own scan, after the carries moved: h overlapping a. */
    status = linrec_mpi_scan(ctx, MPI_COMM_WORLD, &p, a, x, NULL, rank == culprit ? a + 1 : h);
    expect_collective("h overlapping a", status, LINREC_ERR_INVALID_ARGUMENT, culprit, "overlap");

    if (size > 1) {
        status = linrec_mpi_scan(ctx, MPI_COMM_WORLD, &p, a, x, rank == culprit ? h0 : NULL, h);
        expect_collective("h0 off its owner", status, LINREC_ERR_INVALID_ARGUMENT, culprit,
                          "belongs to rank 0");
        float dx[2 * T * 3], da[2 * T * 3];
        status = linrec_mpi_scan_backward(ctx, MPI_COMM_WORLD, &p, a, NULL, h, x, dx,
                                          rank == culprit ? NULL : da, NULL);
        expect_collective("da on some ranks only", status, LINREC_ERR_INVALID_ARGUMENT, culprit,
                          "differs from rank 0's");
    }
    /* And a call that fits still works after every refusal. */
    status = linrec_mpi_scan(ctx, MPI_COMM_WORLD, &p, a, x, NULL, h);
    CHECK(status == LINREC_OK, "a valid call after the errors: %s", linrec_last_error());
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (linrec_context_create(NULL, &ctx) != LINREC_OK) {
        fprintf(stderr, "rank %d: cannot create the context: %s\n", rank, linrec_last_error());
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    size_t total_steps = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 37;
    check_results(total_steps);
    check_errors();
    int all = 0;
    MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s: %d ranks on %s, %zu steps: %d failed checks\n", all ? "FAIL" : "PASS", size,
               linrec_context_backend(ctx), total_steps, all);
    linrec_context_destroy(ctx);
    MPI_Finalize();
    return all ? 1 : 0;
}
