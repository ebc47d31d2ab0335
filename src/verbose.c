/* LINREC_VERBOSE: the only output the library ever writes, to stderr, and only when asked. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int linrec__verbose(void)
{
    const char *env = getenv("LINREC_VERBOSE");
    return env && *env && strcmp(env, "0") != 0;
}

void linrec__note(const char *format, ...)
{
    if (!linrec__verbose())
        return;
    char line[4096];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    fprintf(stderr, "linrec: %s\n", line);
}
