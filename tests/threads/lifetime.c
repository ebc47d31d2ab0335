/*
 * linrec_lifetime: CYCLES create / scan / destroy cycles of the backend LINREC_BACKEND names, to
 * show that a context's whole life leaves nothing behind. Each cycle creates a context (loading
 * a plugin backend's module), scans forward and backward on host pointers and on buffers (every
 * other pair of cycles destroying the context before its buffers, whose release then closes it),
 * checks the results bitwise against a solo run, and destroys everything.
 *
 *   linrec_lifetime [CYCLES [HEAP_SLACK_KIB RESIDENT_SLACK_KIB | --no-memory-check]]
 *
 * After a warm-up of half the cycles (at least 32) the process's heap in use (what malloc
 * handed out and did not get back), resident memory, threads and open files are noted. At the end
 * the threads and files must be the same, and the heap and resident memory may each have grown by
 * their slack (default 64 KiB) plus LEAK_BYTES_PER_CYCLE per cycle since the warm-up.
 * --no-memory-check skips the memory checks, for runs under a sanitizer, whose quarantine and
 * shadow memory grow by design (LeakSanitizer then judges what is left at exit). The program also
 * says whether a plugin's module is still mapped after the last context is gone.
 */
#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"

/* Cycles alternate between two small cases; every LARGE_EVERY-th takes the large one instead. */
enum { CASES = 3, LARGE = 2, LARGE_EVERY = 16 };
enum { DEFAULT_CYCLES = 10000, MIN_WARM_UP = 2 * LARGE_EVERY, SAMPLES = 10 };

/* Growth allowed beyond the slack: a leak of the smallest block malloc hands out (32 bytes with
 * its header) in every cycle then fails once the slack is spent, after 4,096 measured cycles with
 * the default slack (10,000 cycles measure 5,000). Without a leak, serial, openmp and the cuda
 * emulation stay within 12 KiB over 9,000 cycles; PoCL's own heap and resident memory wander by
 * hundreds of KiB and by MiBs, so its check is given more slack (tests/threads/CMakeLists.txt).
 * LeakSanitizer, in the sanitizer build, catches any block left unreferenced, however small. */
enum { LEAK_BYTES_PER_CYCLE = 16, DEFAULT_SLACK_KIB = 64 };

/* What a leak would make grow. */
typedef struct usage {
    long resident_kib, virtual_kib, heap_kib, threads, files;
} usage;

/* Bytes malloc has handed out and not yet had back, in every arena; -1 without glibc. */
static long heap_kib(void)
{
#if defined(__GLIBC__)
    struct mallinfo2 info = mallinfo2();
    return (long)((info.uordblks + info.hblkhd) / 1024);
#else
    return -1;
#endif
}

static long statm_kib(int field)
{
    long pages[2] = {-1, -1};
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages[0], &pages[1]) != 2)
            pages[0] = pages[1] = -1;
        fclose(f);
    }
    return pages[field] < 0 ? -1 : pages[field] * (sysconf(_SC_PAGESIZE) / 1024);
}

static long count_entries(const char *folder)
{
    DIR *dir = opendir(folder);
    if (!dir)
        return -1;
    long count = 0;
    for (struct dirent *e; (e = readdir(dir));)
        count += e->d_name[0] != '.';
    closedir(dir);
    return count;
}

static usage measure(void)
{
    /* The folder of open files is itself one open file while it is read; so in every sample. */
    return (usage){statm_kib(1), statm_kib(0), heap_kib(), count_entries("/proc/self/task"),
                   count_entries("/proc/self/fd")};
}

/* Whether a module whose path ends in "/<name>" is mapped; -1 if the maps cannot be read. */
static int mapped(const char *name)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    char line[4096];
    size_t length = strlen(name);
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        size_t n = strlen(line);
        found = n > length && line[n - length - 1] == '/' && strcmp(line + n - length, name) == 0;
    }
    fclose(f);
    return found;
}

/* One cycle on case c; 0 with the reason in `why` on failure. */
static int cycle(const scan_case *c, case_outputs *out, int release_early, char why[CASE_MESSAGE])
{
    linrec_context *ctx = NULL;
    linrec_status status = linrec_context_create(NULL, &ctx);
    if (status != LINREC_OK) {
        snprintf(why, CASE_MESSAGE, "linrec_context_create: %s: %.300s",
                 linrec_status_string(status), linrec_last_error());
        return 0;
    }
    int ok = case_run_host(c, ctx, out, why) && case_run_buffers(c, &ctx, out, release_early, why);
    linrec_context_destroy(ctx);
    return ok;
}

/* The cases' solo results, on a context of their own that is gone again afterwards. `module`
 * receives the backend's plugin file name, or "" for a built-in backend. */
static int prepare(scan_case cases[CASES], case_outputs outs[CASES], char module[96])
{
    static const linrec_problem problems[CASES] = {
        {LINREC_F32, LINREC_LAYOUT_BTC, 2, 300, 5, 0},
        {LINREC_F64, LINREC_LAYOUT_TBC, 3, 200, 2, LINREC_REVERSE},
        /* large enough for openmp's team and the device kernels' many blocks */
        [LARGE] = {LINREC_F32, LINREC_LAYOUT_BTC, 4, 128, 128, 0},
    };
    char why[CASE_MESSAGE];
    linrec_context *ctx = NULL;
    if (linrec_context_create(NULL, &ctx) != LINREC_OK) {
        fprintf(stderr, "FAIL: linrec_context_create: %s\n", linrec_last_error());
        return 0;
    }
    snprintf(module, 96, "liblinrec_%.60s.so", linrec_context_backend(ctx));
    if (mapped(module) != 1)
        module[0] = '\0';
    printf("backend %s (%s), %s%s\n", linrec_context_backend(ctx), linrec_context_device(ctx),
           *module ? "a plugin: " : "built in", module);
    int ok = 1;
    for (int i = 0; i < CASES && ok; i++) {
        ok = case_init(&cases[i], &problems[i], 5u + (unsigned)i, i == 0) &&
             case_outputs_init(&outs[i], &cases[i]);
        if (!ok)
            fprintf(stderr, "FAIL: out of memory for the cases\n");
        else if (!(ok = case_expect(&cases[i], ctx, why)))
            fprintf(stderr, "FAIL: %s\n", why);
    }
    linrec_context_destroy(ctx);
    return ok;
}

static void print_usage(const char *when, long cycles, const usage *u)
{
    printf("%-8s after %6ld cycles: resident %7ld KiB, virtual %8ld KiB, heap %7ld KiB, %3ld "
           "threads, %3ld open files\n",
           when, cycles, u->resident_kib, u->virtual_kib, u->heap_kib, u->threads, u->files);
    fflush(stdout); /* a long run shows its progress in a log */
}

/* Whether `what` grew from `warm` to `end` KiB by at most `slack_kib` plus the allowance for
 * `measured` cycles; a slack below 0 only reports the growth. */
static int within(const char *what, long warm, long end, long slack_kib, long measured)
{
    long allowed = slack_kib + (long)((double)LEAK_BYTES_PER_CYCLE * (double)measured / 1024);
    printf("%s grew by %ld KiB in the %ld cycles after the warm-up", what, end - warm, measured);
    if (slack_kib < 0) {
        printf(" (not checked)\n");
        return 1;
    }
    printf(" (allowed: %ld KiB)\n", allowed);
    if (warm >= 0 && end - warm <= allowed)
        return 1;
    fprintf(stderr, "FAIL: %s grew by %ld KiB, more than %ld KiB\n", what, end - warm, allowed);
    return 0;
}

/* The checks of the end against the warm-up, `measured` cycles later; 0 when one fails. */
static int flat(const usage *warm, const usage *end, long measured, const long slack_kib[2])
{
    int ok = 1;
    if (end->threads != warm->threads) {
        fprintf(stderr, "FAIL: %ld threads after the warm-up, %ld at the end\n", warm->threads,
                end->threads);
        ok = 0;
    }
    if (end->files != warm->files) {
        fprintf(stderr, "FAIL: %ld open files after the warm-up, %ld at the end\n", warm->files,
                end->files);
        ok = 0;
    }
    ok &= within("the heap in use", warm->heap_kib, end->heap_kib, slack_kib[0], measured);
    ok &= within("resident memory", warm->resident_kib, end->resident_kib, slack_kib[1], measured);
    return ok;
}

static int run(long cycles, const long slack_kib[2], const scan_case cases[CASES],
               case_outputs outs[CASES])
{
    /* Half: the first cycles touch what later ones reuse; a leak keeps growing. */
    long warm_up = cycles / 2 > MIN_WARM_UP ? cycles / 2 : MIN_WARM_UP;
    if (warm_up > cycles)
        warm_up = cycles;
    usage warm = measure();
    char why[CASE_MESSAGE];
    for (long i = 0; i < cycles; i++) {
        int k = i % LARGE_EVERY == LARGE_EVERY - 1 ? LARGE : (int)(i % 2);
        if (!cycle(&cases[k], &outs[k], (int)(i / 2 % 2), why)) {
            fprintf(stderr, "FAIL: cycle %ld: %s\n", i, why);
            return 0;
        }
        if (i + 1 == warm_up) {
            warm = measure();
            print_usage("warm-up", i + 1, &warm);
        } else if ((i + 1) % (cycles / SAMPLES > 0 ? cycles / SAMPLES : 1) == 0) {
            usage now = measure();
            print_usage("", i + 1, &now);
        }
    }
    usage end = measure();
    print_usage("end", cycles, &end);
    return flat(&warm, &end, cycles - warm_up, slack_kib);
}

static int parse_count(const char *text, long least, long *out)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (!*text || *end || value < least)
        return 0;
    *out = value;
    return 1;
}

int main(int argc, char *argv[])
{
    long cycles = DEFAULT_CYCLES, slack_kib[2] = {DEFAULT_SLACK_KIB, DEFAULT_SLACK_KIB};
    int unchecked = argc == 3 && strcmp(argv[2], "--no-memory-check") == 0;
    if (unchecked)
        slack_kib[0] = slack_kib[1] = -1;
    if (argc > 4 || (argc == 3 && !unchecked) || (argc > 1 && !parse_count(argv[1], 1, &cycles)) ||
        (argc == 4 &&
         (!parse_count(argv[2], 0, &slack_kib[0]) || !parse_count(argv[3], 0, &slack_kib[1])))) {
        fprintf(stderr, "usage: linrec_lifetime [CYCLES [HEAP_SLACK_KIB RESIDENT_SLACK_KIB | "
                        "--no-memory-check]]\n");
        return 2;
    }
    int unusable = case_backend_usable("linrec_lifetime");
    if (unusable)
        return unusable;
    scan_case cases[CASES];
    case_outputs outs[CASES];
    memset(cases, 0, sizeof cases);
    memset(outs, 0, sizeof outs);
    char module[96] = "";
    int ok = prepare(cases, outs, module) && run(cycles, slack_kib, cases, outs);
    for (int i = 0; i < CASES; i++) {
        case_free(&cases[i]);
        case_outputs_free(&outs[i]);
    }
    if (ok && *module)
        printf("%s is %s after the last context was destroyed\n", module,
               mapped(module) ? "still mapped" : "unloaded");
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
