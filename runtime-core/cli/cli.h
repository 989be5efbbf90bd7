/* What the command files of the nsrt CLI share. */
#ifndef NSRT_CLI_H
#define NSRT_CLI_H

#include <getopt.h>
#include <stdbool.h>

struct nsrt_err;

struct cli;

struct command {
  const char *name;
  const char *args;    /* the usage line after "nsrt <name>" */
  const char *summary; /* one line for `nsrt --help` */
  const char *options; /* the option help of `nsrt <name> --help`, may be NULL */
  int (*run)(struct cli *c, int argc, char **argv);
};

struct cli {
  const char *root; /* absolute */
  const struct command *cmd;
};

/* Returned by cli_getopt when the command is over (help printed or bad
 * usage reported); the exit code is in *exit_code. */
#define CLI_OPT_DONE (-2)

/* Every command accepts --help. */
#define CLI_HELP_OPTION                                                                            \
  {                                                                                                \
    "help", no_argument, NULL, 'h'                                                                 \
  }

/* getopt_long over argv (argv[0] is the command name), stopping at the first
 * operand.  shortopts without the leading "+:" and without 'h'.  Handles
 * --help, unknown options and missing arguments itself. */
int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts,
               const struct option *longopts, int *exit_code);

/* Report bad usage: the problem, then the command's usage line; returns 1. */
int cli_usage_error(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Check the operand count: between min and max (max < 0: no limit).  Returns
 * 0, or the exit code after reporting. */
int cli_operands(struct cli *c, int n, int min, int max);

/* Print the failure and return the exit code (1). */
int cli_fail(const struct nsrt_err *err);

/* A non-negative decimal no greater than max; -1 when it is not one. */
long cli_parse_count(const char *s, long max);

int cmd_create(struct cli *c, int argc, char **argv);
int cmd_start(struct cli *c, int argc, char **argv);
int cmd_state(struct cli *c, int argc, char **argv);
int cmd_kill(struct cli *c, int argc, char **argv);
int cmd_delete(struct cli *c, int argc, char **argv);
int cmd_run(struct cli *c, int argc, char **argv);
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_spec(struct cli *c, int argc, char **argv);
int cmd_features(struct cli *c, int argc, char **argv);
int cmd_failpoints(struct cli *c, int argc, char **argv);
int cmd_bugs(struct cli *c, int argc, char **argv);

/* Shared by create and run: the options they have in common, parsed into
 * struct create_args.  Returns 0, or the exit code (help, bad usage). */
struct create_args {
  const char *id;
  char *bundle; /* absolute, malloc'd */
  const char *pid_file;
  int preserve_fds;
  bool detach; /* run only */
};
int cli_parse_create_args(struct cli *c, int argc, char **argv, bool is_run,
                          struct create_args *out, int *exit_code);
void create_args_free(struct create_args *a);
/* nsrt_create with the parsed arguments; frees them.  Returns nsrt_create's
 * result, *pid the init. */
int cli_create(struct cli *c, struct create_args *a, pid_t *pid, struct nsrt_err *err);

#endif
