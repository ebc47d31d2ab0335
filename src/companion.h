/* What liblinrec exports for its companion libraries (liblinrec_mpi), which are built with it from
 * this tree and reach it only through the public API and this. Not installed; not part of the API.
 */
#ifndef LINREC_SRC_COMPANION_H
#define LINREC_SRC_COMPANION_H

#include "linrec/linrec.h"

/* Sets this thread's linrec_last_error() text to `message` and returns `status`. */
LINREC_API linrec_status linrec__companion_fail(linrec_status status, const char *message);

#endif /* LINREC_SRC_COMPANION_H */
