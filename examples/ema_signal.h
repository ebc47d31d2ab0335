/*
 * The data of the interop examples (opencl_interop.c, cuda_interop.c): a bank of exponential
 * moving averages, h_t = a*h_{t-1} + (1-a)*x_t per channel, over sines, and the same averages
 * computed on the host to check a scan's result against.
 */
#ifndef LINREC_EXAMPLES_EMA_SIGNAL_H
#define LINREC_EXAMPLES_EMA_SIGNAL_H

enum { EMA_STEPS = 1000, EMA_CHANNELS = 4, EMA_ELEMENTS = EMA_STEPS * EMA_CHANNELS };

/* Fills a and x ([steps][channels]): channel c averages with decay 0.5 + 0.1c a sine of period
 * 50 + 10c. */
void ema_fill(float *a, float *x);

/* Prints how far the scan's h (of the inputs `host`: a, then x) is from the host loop, saying it
 * ran on the application's `where`; returns EXIT_SUCCESS when within 1e-5. */
int ema_report(const float *host, const float *h, const char *where);

#endif /* LINREC_EXAMPLES_EMA_SIGNAL_H */
