/* A program built against the installed linrec: an exponential moving average of 1, 2, 3, and a
 * GILR cell whose gate is one half and candidate one. */
#include <linrec/cells.h>
#include <linrec/linrec.h>
#include <stdio.h>

int main(void)
{
    linrec_context *ctx;
    if (linrec_context_create("serial", &ctx) != LINREC_OK) {
        fprintf(stderr, "%s\n", linrec_last_error());
        return 1;
    }
    float a[3] = {0.5f, 0.5f, 0.5f}, x[3] = {1, 2, 3}, h[3];
    linrec_problem p = {LINREC_F32, LINREC_LAYOUT_TBC, 1, 3, 1, 0};
    linrec_status status = linrec_scan(ctx, &p, a, x, NULL, h);
    float gate[3] = {0, 0, 0}, candidate[3] = {30, 30, 30}, c[3];
    linrec_cell gilr = {LINREC_CELL_GILR, LINREC_ACTIVATION_TANH};
    linrec_cell_inputs in = {.f = gate, .z = candidate};
    if (status == LINREC_OK)
        status = linrec_cell_forward(ctx, &gilr, &p, &in, NULL, c, NULL);
    linrec_context_destroy(ctx);
    if (status != LINREC_OK || h[2] != 4.25f || c[2] != 0.875f) {
        fprintf(stderr, "linrec %s: status %d, h = %g %g %g, c = %g %g %g\n", linrec_version(),
                (int)status, h[0], h[1], h[2], c[0], c[1], c[2]);
        return 1;
    }
    printf("linrec %s works: h = %g %g %g\n", linrec_version(), h[0], h[1], h[2]);
    return 0;
}
