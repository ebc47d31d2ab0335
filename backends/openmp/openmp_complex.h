/*
 * What the paths with complex vectors share (openmp_x86.h, openmp_neon.c): set1 and first of a
 * complex vector T of W elements, through a row of W values, which compilers turn into a
 * broadcast and a move; the path defines T_load and T_store first.
 */
#ifndef LINREC_BACKENDS_OPENMP_COMPLEX_H
#define LINREC_BACKENDS_OPENMP_COMPLEX_H

#define LINREC__OPENMP_COMPLEX_ROWS(T, COMPLEX_T, VEC_T, W)                                        \
    static inline VEC_T T##_set1(COMPLEX_T s)                                                      \
    {                                                                                              \
        COMPLEX_T row[W];                                                                          \
        for (int i = 0; i < W; i++)                                                                \
            row[i] = s;                                                                            \
        return T##_load(row);                                                                      \
    }                                                                                              \
    static inline COMPLEX_T T##_first(VEC_T v)                                                     \
    {                                                                                              \
        COMPLEX_T row[W];                                                                          \
        T##_store(row, v);                                                                         \
        return row[0];                                                                             \
    }

#endif /* LINREC_BACKENDS_OPENMP_COMPLEX_H */
