/* The walk every layout reduces to: `outer` groups of `lanes` sequences side by side, a step
 * `step_stride` elements after the last, groups `outer_stride` apart; sequence group * lanes + lane
 * is element [b][c] of the problem's [batch][channels] arrays. Header-only, so that liblinrec_mpi
 * walks a problem as the core does. */
#ifndef LINREC_SRC_GEOMETRY_H
#define LINREC_SRC_GEOMETRY_H

#include "backend.h"

static inline linrec__geometry linrec__geometry_of(const linrec_problem *p)
{
    linrec__geometry g = {0, 0, p->steps, 0, 0};
    switch (p->layout) {
    case LINREC_LAYOUT_TBC:
        g.outer = 1;
        g.lanes = p->batch * p->channels;
        g.step_stride = g.lanes;
        g.outer_stride = 0;
        break;
    case LINREC_LAYOUT_BTC:
        g.outer = p->batch;
        g.lanes = p->channels;
        g.step_stride = p->channels;
        g.outer_stride = p->steps * p->channels;
        break;
    case LINREC_LAYOUT_BCT:
        g.outer = p->batch * p->channels;
        g.lanes = 1;
        g.step_stride = 1;
        g.outer_stride = p->steps;
        break;
    }
    return g;
}

#endif /* LINREC_SRC_GEOMETRY_H */
