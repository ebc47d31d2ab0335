/* The interop examples' data and host check (ema_signal.h). */
#include "ema_signal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void ema_fill(float *a, float *x)
{
    for (int t = 0; t < EMA_STEPS; t++)
        for (int c = 0; c < EMA_CHANNELS; c++) {
            float decay = 0.5f + 0.1f * (float)c;
            a[t * EMA_CHANNELS + c] = decay;
            x[t * EMA_CHANNELS + c] =
                (1 - decay) * sinf(6.2831853f * (float)t / (50.0f + 10 * (float)c));
        }
}

/* The largest difference between h and the averages computed on the host. */
static double largest_error(const float *a, const float *x, const float *h)
{
    double state[EMA_CHANNELS] = {0}, worst = 0;
    for (int t = 0; t < EMA_STEPS; t++)
        for (int c = 0; c < EMA_CHANNELS; c++) {
            int i = t * EMA_CHANNELS + c;
            state[c] = a[i] * state[c] + x[i];
            worst = fmax(worst, fabs(state[c] - h[i]));
        }
    return worst;
}

int ema_report(const float *host, const float *h, const char *where)
{
    double worst = largest_error(host, host + EMA_ELEMENTS, h);
    printf("%d steps x %d channels scanned on the application's %s; largest difference from the "
           "host loop %.2e\n",
           EMA_STEPS, EMA_CHANNELS, where, worst);
    return worst < 1e-5 ? EXIT_SUCCESS : EXIT_FAILURE;
}
