/* Host-pointer scans on device backends that do not stage data themselves: copy in, scan on the
 * device, copy out, through temporary device buffers. */
#ifndef LINREC_SRC_STAGING_H
#define LINREC_SRC_STAGING_H

#include "internal.h"

linrec_status linrec__staged_scan(linrec_context *ctx, const linrec__scan_args *args);
linrec_status linrec__staged_scan_backward(linrec_context *ctx, const linrec__backward_args *args);

#endif /* LINREC_SRC_STAGING_H */
