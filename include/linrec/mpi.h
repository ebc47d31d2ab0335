/*
 * linrec over MPI: one recurrence whose time axis is split across the processes of a communicator.
 * Library liblinrec_mpi (CMake linrec::mpi, pkg-config linrec-mpi); liblinrec itself never links
 * MPI.
 *
 * Every function here is collective over `comm`: every rank calls it with the same dtype, layout,
 * batch, channels and flags. The dtype is LINREC_F32 or LINREC_F64: the half types (LINREC_F16,
 * LINREC_BF16) and the complex ones (LINREC_C64, LINREC_C128) are refused with
 * LINREC_ERR_UNSUPPORTED on every rank. Rank r holds a consecutive
 * piece of the time axis of the same batch x channels sequences, ranks in order holding steps in
 * order; p->steps is this rank's count and may differ between ranks, 0 included. The arrays are
 * this rank's piece in the problem's layout, as for linrec_scan.
 *
 * h0 (and dh0 in backward) belongs to the rank holding the first step in the problem's direction:
 * the lowest rank with steps, or with LINREC_REVERSE the highest (rank 0, or the last rank, when no
 * rank has steps). Elsewhere h0 must be NULL, and dh0 is not written.
 *
 * The result equals the one-process scan of the concatenated sequence within the suite's bound,
 * and is the same bits on every run with the same ranks and pieces. Each rank's context may be any
 * backend; the carries between ranks, batch x channels elements, go through host memory.
 *
 * Errors are collective: when a call fails its checks on any rank (a bad argument, shapes that
 * differ between ranks, an h0 on a rank that does not own it), every rank returns the same status,
 * and linrec_last_error() names the first failing rank and its cause on every rank. A failure of
 * MPI itself is LINREC_ERR_DEVICE with MPI's error string. A backend failure during the local work
 * (out of memory, a device error) is also returned on every rank.
 */
#ifndef LINREC_MPI_H
#define LINREC_MPI_H

#include <mpi.h>

#include "linrec/linrec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* linrec_scan of the concatenated sequence: h = scan(a, x, h0) on this rank's piece. Returns
 * LINREC_OK or linrec_scan's statuses, the same on every rank. */
LINREC_API linrec_status linrec_mpi_scan(linrec_context *ctx, MPI_Comm comm,
                                         const linrec_problem *p, const void *a, const void *x,
                                         const void *h0, void *h);

/* linrec_scan_backward of the concatenated sequence on this rank's piece: dx required, da and dh0
 * optional (NULL skips them; dh0 only on the rank owning h0), h required when da is wanted. dx may
 * equal dh. Returns LINREC_OK or linrec_scan_backward's statuses, the same on every rank. */
LINREC_API linrec_status linrec_mpi_scan_backward(linrec_context *ctx, MPI_Comm comm,
                                                  const linrec_problem *p, const void *a,
                                                  const void *h0, const void *h, const void *dh,
                                                  void *dx, void *da, void *dh0);

/* linrec_mpi_scan on buffers of `ctx` (each holding its array from byte 0; h0 may be NULL, h may
 * be x). The local reduction runs on the device as scans; see docs/distributed.md for its cost.
 * Returns linrec_scan_buffers' statuses, the same on every rank. */
LINREC_API linrec_status linrec_mpi_scan_buffers(linrec_context *ctx, MPI_Comm comm,
                                                 const linrec_problem *p, const linrec_buffer *a,
                                                 const linrec_buffer *x, const linrec_buffer *h0,
                                                 linrec_buffer *h);

#ifdef __cplusplus
}
#endif

#endif /* LINREC_MPI_H */
