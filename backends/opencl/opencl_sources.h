/* The kernels' OpenCL C source, embedded at build time from kernels/ by embed_kernels.cmake. */
#ifndef LINREC_BACKENDS_OPENCL_SOURCES_H
#define LINREC_BACKENDS_OPENCL_SOURCES_H

#include <stddef.h>

/* The .cl files in the order they are compiled as one program. */
extern const char *const linrec__ocl_sources[];
extern const size_t linrec__ocl_source_count;

#endif /* LINREC_BACKENDS_OPENCL_SOURCES_H */
