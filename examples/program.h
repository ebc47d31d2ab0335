/* What the example programs share: table-driven options and a clock. */
#ifndef LINREC_EXAMPLES_PROGRAM_H
#define LINREC_EXAMPLES_PROGRAM_H

#include <stddef.h>
#include <stdio.h>

/* An option "--name VALUE" and where its value goes, by type. */
typedef enum program_type {
    OPTION_SIZE,   /* size_t */
    OPTION_LONG,   /* long */
    OPTION_DOUBLE, /* double */
    OPTION_TEXT    /* const char *, pointing into argv */
} program_type;

typedef struct program_option {
    const char *name;
    program_type type;
    void *target;
} program_option;

/* Reads argv's options into their targets. Returns 1 when every argument was a known option with
 * a well-formed value; otherwise prints `usage` on stderr and returns 0, or on stdout when
 * "--help" was asked for and returns -1. */
int program_parse(int argc, char **argv, const program_option *options, size_t count,
                  void (*usage)(FILE *out));

/* The exit status of a program whose parse() returned `parsed` (anything but 1): 0 after --help,
 * 2 for bad options. */
int program_exit_status(int parsed);

/* Keeps the BLAS on the calling thread unless OPENBLAS_NUM_THREADS says otherwise: linrec's backend
 * supplies the parallelism, and two thread pools spinning for the same cores slow both down (on
 * two cores, openmp cells beside two OpenBLAS threads train at half the speed). */
void program_single_threaded_blas(void);

/* Flushes subnormal floats to zero on this thread and on the threads it starts from now on (x86;
 * elsewhere it does nothing). A gradient that decays through tens of thousands of steps, as the
 * readout's does in a layer with a short memory, turns subnormal, and every product and gate that
 * touches a subnormal then takes a microcode assist: at T = 16384 the products ran 12x slower.
 * Numbers below 1e-38 change nothing in training, so the programs flush them, as ML frameworks
 * do; the library never changes the caller's floating-point mode. Call before the first parallel
 * region, whose threads inherit the mode. */
void program_flush_subnormals(void);

/* Seconds on a monotonic clock. */
double program_seconds(void);

#endif /* LINREC_EXAMPLES_PROGRAM_H */
