/* The NULL and overlap rules shared by every scan entry point. */
#include "arrays.h"

static size_t span(const linrec__array *array, int buffers)
{
    return buffers ? 1 : array->bytes;
}

static int exact_alias(const linrec__array *arrays, size_t i, size_t j)
{
    return (arrays[i].may_equal == (int)j || arrays[j].may_equal == (int)i) &&
           arrays[i].where == arrays[j].where && arrays[i].bytes == arrays[j].bytes;
}

linrec_status linrec__check_arrays(const linrec__array *arrays, size_t count, int buffers)
{
    for (size_t i = 0; i < count; i++)
        if (arrays[i].required && !arrays[i].where)
            return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "%s is NULL but the problem needs it",
                                arrays[i].name);
    for (size_t i = 0; i < count; i++) {
        if (arrays[i].role != ARRAY_OUTPUT)
            continue;
        for (size_t j = 0; j < count; j++) {
            if (j == i || (arrays[j].role == ARRAY_OUTPUT && j < i))
                continue;
            if (!linrec__ranges_overlap(arrays[i].where, span(&arrays[i], buffers), arrays[j].where,
                                        span(&arrays[j], buffers)) ||
                exact_alias(arrays, i, j))
                continue;
            return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                                "output %s overlaps %s %s; the only aliases allowed are h == x "
                                "and dx == dh",
                                arrays[i].name, arrays[j].role == ARRAY_OUTPUT ? "output" : "input",
                                arrays[j].name);
        }
    }
    return LINREC_OK;
}
