/* What liblinrec exports for its companion libraries (src/companion.h): the core's own checks, so
 * that liblinrec_mpi refuses what linrec_scan would, with the same sentences. */
#include "companion.h"

#include "internal.h"

linrec_status linrec__companion_fail(linrec_status status, const char *message)
{
    return linrec__fail(status, "%s", message);
}

linrec_status linrec__companion_check_problem(const linrec_problem *p)
{
    linrec__shape shape;
    return linrec__shape_init(p, &shape);
}

int linrec__companion_ranges_overlap(const void *a, size_t a_bytes, const void *b, size_t b_bytes)
{
    return linrec__ranges_overlap(a, a_bytes, b, b_bytes);
}
