/* Status texts and the per-thread detail behind linrec_last_error(). */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

enum { LAST_ERROR_CAPACITY = 1024 };

static _Thread_local char last_error[LAST_ERROR_CAPACITY];

linrec_status linrec__fail(linrec_status status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(last_error, sizeof last_error, format, args);
    va_end(args);
    return status;
}

const linrec__host linrec__host_services = {LINREC__ABI_VERSION, linrec__fail};

const char *linrec_last_error(void)
{
    return last_error;
}

const char *linrec_status_string(linrec_status status)
{
    switch (status) {
    case LINREC_OK:
        return "success";
    case LINREC_ERR_INVALID_ARGUMENT:
        return "invalid argument";
    case LINREC_ERR_BACKEND_UNAVAILABLE:
        return "backend unavailable";
    case LINREC_ERR_UNSUPPORTED:
        return "unsupported by this backend or device";
    case LINREC_ERR_OUT_OF_MEMORY:
        return "out of memory";
    case LINREC_ERR_DEVICE:
        return "device, driver or kernel failure";
    case LINREC_ERR_BACKEND_MISMATCH:
        return "buffer belongs to another context";
    }
    return "unknown status";
}
