/* What liblinrec exports for its companion libraries (liblinrec_mpi), which are built with it from
 * this tree and reach it only through the public API and this. Not installed; not part of the API.
 */
#ifndef LINREC_SRC_COMPANION_H
#define LINREC_SRC_COMPANION_H

#include "linrec/linrec.h"

/* Sets this thread's linrec_last_error() text to `message` and returns `status`. */
LINREC_API linrec_status linrec__companion_fail(linrec_status status, const char *message);

/* The core's validation of a problem (linrec__shape_init): LINREC_OK, or
 * LINREC_ERR_INVALID_ARGUMENT with linrec_last_error() naming what is wrong. */
LINREC_API linrec_status linrec__companion_check_problem(const linrec_problem *p);

/* The core's overlap rule: nonzero when [a, a+a_bytes) and [b, b+b_bytes) share a byte. */
LINREC_API int linrec__companion_ranges_overlap(const void *a, size_t a_bytes, const void *b,
                                                size_t b_bytes);

#endif /* LINREC_SRC_COMPANION_H */
