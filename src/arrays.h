/* The arrays of one call, described once so that host pointers and buffers share every check. */
#ifndef LINREC_SRC_ARRAYS_H
#define LINREC_SRC_ARRAYS_H

#include "internal.h"

typedef enum array_role { ARRAY_INPUT, ARRAY_OUTPUT } array_role;

typedef struct linrec__array {
    const char *name;  /* as the API documents it: "a", "x", "h0", ... */
    const void *where; /* host pointer, or the linrec_buffer for buffer calls */
    size_t bytes;      /* bytes the problem uses */
    array_role role;
    int required;  /* NULL is an error */
    int may_equal; /* index of the one array this output may equal exactly, or -1 */
} linrec__array;

/* Fails with LINREC_ERR_INVALID_ARGUMENT when a required array is NULL or an output shares memory
 * with another array, other than exactly equalling its `may_equal` one. With `buffers` nonzero the
 * arrays are linrec_buffer handles: distinct buffers never overlap, the same buffer twice does. */
linrec_status linrec__check_arrays(const linrec__array *arrays, size_t count, int buffers);

#endif /* LINREC_SRC_ARRAYS_H */
