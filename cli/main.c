/* linrec: inspect the backends of this installation and benchmark them. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "linrec/linrec.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: linrec <command> [options]\n"
            "  info    version, every backend (available or why not), devices, what auto picks\n"
            "  bench   time scans against their roofline, memcpy and the serial backend (linrec "
            "bench --help)\n"
            "  version print the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "info") == 0)
        return linrec_cli_info(argc - 1, argv + 1);
    if (strcmp(command, "bench") == 0)
        return linrec_cli_bench(argc - 1, argv + 1);
    if (strcmp(command, "version") == 0 || strcmp(command, "--version") == 0) {
        printf("linrec %s\n", linrec_version());
        return 0;
    }
    if (strcmp(command, "help") == 0 || strcmp(command, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "linrec: unknown command \"%s\"\n", command);
    usage(stderr);
    return 2;
}
