/*
 * One-element "vectors": the primitives of openmp_kernels.h's vocabulary for a type whose vector
 * is one value, with which the scan within a thread is the serial chain and the threads still
 * split the work. The scalar path takes them for f32 and f64, and the paths without complex
 * vectors of their own (openmp_isa.h) for the complex types.
 */
#ifndef LINREC_BACKENDS_OPENMP_SCALAR_H
#define LINREC_BACKENDS_OPENMP_SCALAR_H

#include <string.h>

/* The primitives T_load, T_store, T_stream, T_set1, T_fma, T_mul, T_select, T_reverse, T_last and
 * T_first on REAL_TYPE, with the product MUL(a, b) (element.h's). */
#define LINREC__OPENMP_SCALAR_PRIMITIVES(T, REAL_TYPE, MUL)                                        \
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
        return MUL(a, b) + c;                                                                      \
    }                                                                                              \
    static inline REAL_TYPE T##_mul(REAL_TYPE a, REAL_TYPE b)                                      \
    {                                                                                              \
        return MUL(a, b);                                                                          \
    }                                                                                              \
    static inline REAL_TYPE T##_select(REAL_TYPE keep, REAL_TYPE yes, REAL_TYPE no)                \
    {                                                                                              \
        unsigned char bits;                                                                        \
        memcpy(&bits, &keep, 1);                                                                   \
        return bits ? yes : no;                                                                    \
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

#endif /* LINREC_BACKENDS_OPENMP_SCALAR_H */
