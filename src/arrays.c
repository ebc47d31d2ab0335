/* The checks shared by every entry point: context and problem first, then NULL and overlap rules.
 */
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

linrec_status linrec__begin_call(const linrec_context *ctx, const linrec_problem *p,
                                 linrec__shape *shape, int *empty)
{
    *empty = 0;
    if (!ctx)
        return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "the context is NULL");
    linrec_status status = linrec__shape_init(p, shape);
    *empty = status == LINREC_OK && shape->elements == 0;
    return status;
}

/* Where an output may not go; the scans allow one exact alias each, the cells none. */
static const char *alias_rule(const linrec__array *arrays, size_t i)
{
    return arrays[i].may_equal >= 0 ? "; the only aliases allowed are h == x and dx == dh"
                                    : "; outputs of this call may alias nothing";
}

static linrec_status check_presence(const linrec__array *arrays, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (arrays[i].need == ARRAY_REQUIRED && !arrays[i].where)
            return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "%s is NULL but the problem needs it",
                                arrays[i].name);
        if (arrays[i].need == ARRAY_UNUSED && arrays[i].where)
            return linrec__fail(LINREC_ERR_INVALID_ARGUMENT,
                                "%s is given but this call does not use it; pass NULL",
                                arrays[i].name);
    }
    return LINREC_OK;
}

linrec_status linrec__check_arrays(const linrec__array *arrays, size_t count, int buffers)
{
    linrec_status status = check_presence(arrays, count);
    if (status != LINREC_OK)
        return status;
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
            return linrec__fail(LINREC_ERR_INVALID_ARGUMENT, "output %s overlaps %s %s%s",
                                arrays[i].name, arrays[j].role == ARRAY_OUTPUT ? "output" : "input",
                                arrays[j].name, alias_rule(arrays, i));
        }
    }
    return LINREC_OK;
}
