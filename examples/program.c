#include "program.h"

#include <errno.h>
#ifdef LINREC_EXAMPLES_OPENBLAS
#include <cblas.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <pmmintrin.h>
#endif

/* Stores `text` as `type` in `target`; returns 0 when it is not one whole value. */
static int store(const char *text, program_type type, void *target)
{
    char *end = NULL;
    errno = 0;
    switch (type) {
    case OPTION_SIZE:
        if (text[0] == '-')
            return 0;
        *(size_t *)target = (size_t)strtoull(text, &end, 10);
        break;
    case OPTION_LONG:
        *(long *)target = strtol(text, &end, 10);
        break;
    case OPTION_DOUBLE:
        *(double *)target = strtod(text, &end);
        break;
    case OPTION_TEXT:
        *(const char **)target = text;
        return 1;
    }
    return errno == 0 && end != text && *end == '\0';
}

int program_parse(int argc, char **argv, const program_option *options, size_t count,
                  void (*usage)(FILE *out))
{
    /* Options come in pairs, "--name value", so each turn takes two arguments. */
    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return -1;
        }
        size_t k = 0;
        while (k < count && strcmp(argv[i], options[k].name) != 0)
            k++;
        if (k == count || i + 1 == argc ||
            !store(argv[i + 1], options[k].type, options[k].target)) {
            fprintf(stderr, "bad option or value: %s\n", argv[i]);
            usage(stderr);
            return 0;
        }
    }
    return 1;
}

int program_exit_status(int parsed)
{
    return parsed < 0 ? 0 : 2;
}

void program_single_threaded_blas(void)
{
#ifdef LINREC_EXAMPLES_OPENBLAS
    if (!getenv("OPENBLAS_NUM_THREADS"))
        openblas_set_num_threads(1);
#endif
}

void program_flush_subnormals(void)
{
#if defined(__SSE__) || defined(__x86_64__)
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#endif
}

double program_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
