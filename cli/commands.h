/* The subcommands of the linrec tool. Each returns the process exit status. */
#ifndef LINREC_CLI_COMMANDS_H
#define LINREC_CLI_COMMANDS_H

int linrec_cli_info(int argc, char **argv);
int linrec_cli_bench(int argc, char **argv);

#endif /* LINREC_CLI_COMMANDS_H */
