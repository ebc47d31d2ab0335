/* The arrays of one call, described once so that host pointers and buffers share every check. */
#ifndef LINREC_SRC_ARRAYS_H
#define LINREC_SRC_ARRAYS_H

#include "internal.h"

typedef enum array_role { ARRAY_INPUT, ARRAY_OUTPUT } array_role;

/* Whether a call needs an array: OPTIONAL and REQUIRED keep the values of a plain boolean. */
typedef enum array_need { ARRAY_OPTIONAL = 0, ARRAY_REQUIRED = 1, ARRAY_UNUSED = 2 } array_need;

typedef struct linrec__array {
    const char *name;  /* as the API documents it: "a", "x", "h0", ... */
    const void *where; /* host pointer, or the linrec_buffer for buffer calls */
    size_t bytes;      /* bytes the problem uses */
    array_role role;
    array_need need; /* REQUIRED: NULL is an error; UNUSED: anything but NULL is */
    int may_equal;   /* index of the one array this output may equal exactly, or -1 */
} linrec__array;

/* Checks what every call checks first: the context, then the problem (filling `shape`). Sets
 * *empty when the problem has no elements, in which case the call does nothing else. */
linrec_status linrec__begin_call(const linrec_context *ctx, const linrec_problem *p,
                                 linrec__shape *shape, int *empty);

/* Fails with LINREC_ERR_INVALID_ARGUMENT when a required array is NULL, an unused one is not, or
 * an output shares memory with another array, other than exactly equalling its `may_equal` one.
 * With `buffers` nonzero the arrays are linrec_buffer handles: distinct buffers never overlap, the
 * same buffer twice does. */
linrec_status linrec__check_arrays(const linrec__array *arrays, size_t count, int buffers);

#endif /* LINREC_SRC_ARRAYS_H */
