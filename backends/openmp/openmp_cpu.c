/*
 * Choosing the kernels when a context is created: the best instruction set both built into this
 * library and supported by this CPU (and its OS), or the one LINREC_CPU names, for tests. A path
 * LINREC_CPU names that cannot run here is an error, never a silent fallback.
 */
#include <stdlib.h>
#include <strings.h>

#include "openmp.h"

typedef struct cpu_path {
    const char *name, *alias;
    const linrec__openmp_kernels *kernels; /* NULL: not built into this library */
    int (*supported)(void);
} cpu_path;

static int always(void)
{
    return 1;
}

#if defined(LINREC_OPENMP_AVX2) || defined(LINREC_OPENMP_AVX512)
#include <cpuid.h>

/* F16C (the avx2 path's f16 conversions), from CPUID leaf 1: not every compiler's
 * __builtin_cpu_supports knows its name. */
static int has_f16c(void)
{
    unsigned eax, ebx, ecx, edx;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}

/* The compiler's CPUID probe also checks that the OS saves the wider registers (XGETBV). */
static int cpu_has(int avx512)
{
    __builtin_cpu_init();
    if (avx512)
        return __builtin_cpu_supports("avx512f");
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c();
}
#endif

#ifdef LINREC_OPENMP_AVX512
static int has_avx512(void)
{
    return cpu_has(1);
}
#define AVX512_PATH &linrec__openmp_avx512, has_avx512
#else
#define AVX512_PATH NULL, NULL
#endif

#ifdef LINREC_OPENMP_AVX2
static int has_avx2(void)
{
    return cpu_has(0);
}
#define AVX2_PATH &linrec__openmp_avx2, has_avx2
#else
#define AVX2_PATH NULL, NULL
#endif

#ifdef LINREC_OPENMP_NEON
#define NEON_PATH &linrec__openmp_neon, always
#else
#define NEON_PATH NULL, NULL
#endif

/* In order of preference. */
static const cpu_path paths[] = {
    {"avx512", NULL, AVX512_PATH},
    {"avx2", NULL, AVX2_PATH},
    {"neon", NULL, NEON_PATH},
    {"scalar", "generic", &linrec__openmp_generic, always},
};

enum { PATH_COUNT = sizeof paths / sizeof paths[0] };

static int usable(const cpu_path *path)
{
    return path->kernels && path->supported();
}

static const cpu_path *find(const char *name)
{
    for (size_t i = 0; i < PATH_COUNT; i++)
        if (strcasecmp(name, paths[i].name) == 0 ||
            (paths[i].alias && strcasecmp(name, paths[i].alias) == 0))
            return &paths[i];
    return NULL;
}

linrec_status linrec__openmp_choose_kernels(const linrec__openmp_kernels **kernels)
{
    const char *wanted = getenv("LINREC_CPU");
    *kernels = NULL;
    if (!wanted || !*wanted || strcasecmp(wanted, "auto") == 0) {
        for (size_t i = 0; i < PATH_COUNT && !*kernels; i++)
            if (usable(&paths[i]))
                *kernels = paths[i].kernels;
        return LINREC_OK; /* the scalar path is always usable */
    }
    const cpu_path *path = find(wanted);
    if (!path)
        return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                            "backend openmp: LINREC_CPU=%s names no code path; use auto, avx512, "
                            "avx2, neon or scalar",
                            wanted);
    if (!path->kernels)
        return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                            "backend openmp: LINREC_CPU=%s asks for the %s path, which this "
                            "liblinrec was not built with (not this architecture or compiler)",
                            wanted, path->name);
    if (!path->supported())
        return linrec__fail(LINREC_ERR_BACKEND_UNAVAILABLE,
                            "backend openmp: LINREC_CPU=%s asks for the %s path, which this CPU "
                            "does not support",
                            wanted, path->name);
    *kernels = path->kernels;
    return LINREC_OK;
}
