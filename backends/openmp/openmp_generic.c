/* Plain C kernels for any CPU: the same code with one-element "vectors", so the scan within a
 * thread is the serial chain; the threads still split the work. */
#include "openmp.h"

#define STREAM_BYTES 0

static inline void stream_fence(void)
{
}

#define DEFINE_PRIMITIVES(T, REAL_TYPE)                                                            \
    static inline REAL_TYPE T##_load(const REAL_TYPE *p)                                           \
    {                                                                                              \
        return *p;                                                                                 \
    }                                                                                              \
    static inline void T##_store(REAL_TYPE *p, REAL_TYPE v)                                        \
    {                                                                                              \
        *p = v;                                                                                    \
    }                                                                                              \
    static inline void T##_stream(REAL_TYPE *p, REAL_TYPE v)                                       \
    {                                                                                              \
        *p = v;                                                                                    \
    }                                                                                              \
    static inline REAL_TYPE T##_set1(REAL_TYPE s)                                                  \
    {                                                                                              \
        return s;                                                                                  \
    }                                                                                              \
    static inline REAL_TYPE T##_fma(REAL_TYPE a, REAL_TYPE b, REAL_TYPE c)                         \
    {                                                                                              \
        return a * b + c;                                                                          \
    }                                                                                              \
    static inline REAL_TYPE T##_mul(REAL_TYPE a, REAL_TYPE b)                                      \
    {                                                                                              \
        return a * b;                                                                              \
    }                                                                                              \
    static inline REAL_TYPE T##_reverse(REAL_TYPE v)                                               \
    {                                                                                              \
        return v;                                                                                  \
    }                                                                                              \
    static inline REAL_TYPE T##_last(REAL_TYPE v)                                                  \
    {                                                                                              \
        return v;                                                                                  \
    }                                                                                              \
    static inline REAL_TYPE T##_first(REAL_TYPE v)                                                 \
    {                                                                                              \
        return v;                                                                                  \
    }

DEFINE_PRIMITIVES(f32, float)
DEFINE_PRIMITIVES(f64, double)

#define VEC32 float
#define W32 1
#define VEC64 double
#define W64 1
#define ISA_NAME "scalar"
#define ISA_TABLE linrec__openmp_generic
#include "openmp_isa.h"
