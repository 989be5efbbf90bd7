/* nsrt: the OCI runtime command line.  Global options come before the
 * command, command options before its operands (as runc). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bugs.h"
#include "cleanup.h"
#include "cli.h"
#include "error.h"
#include "failpoint.h"
#include "log.h"
#include "nsrt_features.h"

#define DEFAULT_ROOT "/run/nsrt"

static const struct command commands[] = {
    {"create", "[OPTIONS] ID", "create a container: run every step up to the user program",
     "  -b, --bundle DIR       the bundle (default: the current directory)\n"
     "      --pid-file FILE    write the init's pid to FILE\n"
     "      --preserve-fds N   pass fds 3 .. 3+N-1 to the container\n"
     "      --no-new-keyring   accepted, ignored\n",
     cmd_create},
    {"start", "ID", "run the user program of a created container", NULL, cmd_start},
    {"state", "ID", "print the state of a container as JSON", NULL, cmd_state},
    {"kill", "[OPTIONS] ID [SIGNAL]", "send a signal (default TERM) to the container's init",
     "  -a, --all              accepted, ignored (there are no cgroups)\n", cmd_kill},
    {"delete", "[OPTIONS] ID", "delete a stopped container",
     "  -f, --force            kill the container first if it is created or running\n", cmd_delete},
    {"run", "[OPTIONS] ID", "create and start a container, wait for it, delete it",
     "  -b, --bundle DIR       the bundle (default: the current directory)\n"
     "      --pid-file FILE    write the init's pid to FILE\n"
     "      --preserve-fds N   pass fds 3 .. 3+N-1 to the container\n"
     "  -d, --detach           return after start instead of waiting\n",
     cmd_run},
    {"list", "[OPTIONS]", "list the containers under the state root",
     "  -f, --format FORMAT    table (default) or json\n"
     "  -q, --quiet            print the ids only\n",
     cmd_list},
    {"spec", "[OPTIONS]", "write a default config.json",
     "  -b, --bundle DIR       where to write config.json (default: the current directory)\n",
     cmd_spec},
    {"features", "", "print the features document (runtime-spec features.md)", NULL, cmd_features},
    {"failpoints", "[OPTIONS]", "list every failpoint compiled in",
     "      --json             as a JSON array\n", cmd_failpoints},
    {"bugs", "", "list the deliberate defects compiled in (nsrt-bugs; see NSRT_BUGS)", NULL,
     cmd_bugs},
};

static void print_usage(FILE *f)
{
  fprintf(f, "usage: nsrt [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n");
}

static void print_help(void)
{
  print_usage(stdout);
  printf("\nCommands:\n");
  for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
    printf("  %-12s %s\n", commands[i].name, commands[i].summary);
  printf("\nGlobal options:\n"
         "      --root DIR         state root (default: " DEFAULT_ROOT ")\n"
         "      --log FILE         log to FILE instead of stderr\n"
         "      --log-format FMT   text (default) or json\n"
         "      --debug            log debug messages\n"
         "      --rootless VALUE   accepted, ignored (auto, true or false)\n"
         "  -v, --version          print the version\n"
         "  -h, --help             print this help\n"
         "\n`nsrt COMMAND --help` describes a command.\n");
}

int cli_usage_error(struct cli *c, const char *fmt, ...)
{
  struct nsrt_err err;
  nsrt_err_clear(&err);
  char text[NSRT_ERR_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  nsrt_fail(&err, 0, "usage", "%s", text);
  nsrt_log_failure(&err);
  if (c && c->cmd)
    fprintf(stderr, "usage: nsrt %s %s\n", c->cmd->name, c->cmd->args);
  else
    print_usage(stderr);
  return 1;
}

int cli_fail(const struct nsrt_err *err)
{
  nsrt_log_failure(err);
  return 1;
}

long cli_parse_count(const char *s, long max)
{
  if (!s || *s < '0' || *s > '9')
    return -1;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v > max)
    return -1;
  return v;
}

int cli_operands(struct cli *c, int n, int min, int max)
{
  if (n < min)
    return cli_usage_error(
        c, min == 1 ? "a container id is required" : "%d operands are required, %d given", min, n);
  if (max >= 0 && n > max)
    return cli_usage_error(c, "too many operands (%d given, at most %d)", n, max);
  return 0;
}

static void print_command_help(const struct command *cmd)
{
  printf("usage: nsrt %s %s\n\n%s\n", cmd->name, cmd->args, cmd->summary);
  printf("\nOptions:\n%s  -h, --help             print this help\n",
         cmd->options ? cmd->options : "");
}

int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts,
               const struct option *longopts, int *exit_code)
{
  char opts[64];
  snprintf(opts, sizeof(opts), "+:h%s", shortopts);
  int opt = getopt_long(argc, argv, opts, longopts, NULL);
  /* After an error optind has passed the offending element (for a short
   * option inside a group it has not, but then optopt names it). */
  const char *bad = argv[optind > 0 ? optind - 1 : 0];
  switch (opt) {
  case 'h':
    print_command_help(c->cmd);
    *exit_code = 0;
    return CLI_OPT_DONE;
  case '?':
    if (optopt)
      *exit_code = cli_usage_error(c, "unknown option '-%c'", optopt);
    else
      *exit_code = cli_usage_error(c, "unknown option '%s'", bad);
    return CLI_OPT_DONE;
  case ':':
    if (optopt && optopt < 256 && strncmp(bad, "--", 2) != 0)
      *exit_code = cli_usage_error(c, "option '-%c' needs an argument", optopt);
    else
      *exit_code = cli_usage_error(c, "option '%s' needs an argument", bad);
    return CLI_OPT_DONE;
  }
  return opt;
}

static const struct command *find_command(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
    if (strcmp(commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* The state root as an absolute path: the init binds its start socket
 * there and a relative path would depend on each process's cwd. */
static char *absolute_root(const char *root)
{
  if (root[0] == '/')
    return strdup(root);
  char *cwd = getcwd(NULL, 0);
  if (!cwd)
    return NULL;
  char *abs = NULL;
  if (asprintf(&abs, "%s/%s", cwd, root) < 0)
    abs = NULL;
  free(cwd);
  return abs;
}

struct globals {
  const char *root;
  const char *log_path;
  enum nsrt_log_format log_format;
  bool debug;
};

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD_CGROUP, OPT_ROOTLESS };

/* Returns the index of the command in argv, 0 after --help/--version (exit
 * code 0), or -1 after reporting bad usage. */
static int parse_globals(int argc, char **argv, struct globals *g)
{
  static const struct option longopts[] = {
      {"root", required_argument, NULL, OPT_ROOT},
      {"log", required_argument, NULL, OPT_LOG},
      {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
      {"debug", no_argument, NULL, OPT_DEBUG},
      {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP},
      {"rootless", required_argument, NULL, OPT_ROOTLESS},
      {"version", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  struct nsrt_err err;
  nsrt_err_clear(&err);
  opterr = 0;
  int opt;
  while ((opt = getopt_long(argc, argv, "+:hv", longopts, NULL)) != -1) {
    const char *bad = argv[optind - 1];
    switch (opt) {
    case OPT_ROOT:
      if (!optarg[0])
        return cli_usage_error(NULL, "--root needs a directory"), -1;
      g->root = optarg;
      break;
    case OPT_LOG:
      g->log_path = optarg;
      break;
    case OPT_LOG_FORMAT:
      if (strcmp(optarg, "text") == 0)
        g->log_format = NSRT_LOG_TEXT;
      else if (strcmp(optarg, "json") == 0)
        g->log_format = NSRT_LOG_JSON;
      else
        return cli_usage_error(NULL, "--log-format must be text or json, not '%s'", optarg), -1;
      break;
    case OPT_DEBUG:
      g->debug = true;
      break;
    case OPT_SYSTEMD_CGROUP:
      nsrt_fail(&err, 0, "systemd_cgroup", "cgroups are not supported");
      nsrt_log_failure(&err);
      return -1;
    case OPT_ROOTLESS:
      if (strcmp(optarg, "auto") && strcmp(optarg, "true") && strcmp(optarg, "false"))
        return cli_usage_error(NULL, "--rootless must be auto, true or false, not '%s'", optarg),
               -1;
      break;
    case 'v':
      printf("nsrt version " NSRT_VERSION "\nspec: " NSRT_SPEC_VERSION "\n");
      return 0;
    case 'h':
      print_help();
      return 0;
    case ':':
      return cli_usage_error(NULL, "option '%s' needs an argument", bad), -1;
    default:
      if (optopt && optopt < 256)
        return cli_usage_error(NULL, "unknown global option '-%c'", optopt), -1;
      return cli_usage_error(NULL, "unknown global option '%s'", bad), -1;
    }
  }
  if (optind >= argc)
    return cli_usage_error(NULL, "no command given (`nsrt --help` lists them)"), -1;
  return optind;
}

int main(int argc, char **argv)
{
  nsrt_set_stage("cli");
  struct globals g = {.root = DEFAULT_ROOT, .log_format = NSRT_LOG_TEXT};
  int cmd_index = parse_globals(argc, argv, &g);
  if (cmd_index <= 0)
    return cmd_index == 0 ? 0 : 1;

  struct nsrt_err err;
  nsrt_err_clear(&err);
  if (nsrt_log_open(g.log_path, g.log_format, g.debug, &err) < 0)
    return cli_fail(&err);

  const struct command *cmd = find_command(argv[cmd_index]);
  if (!cmd) {
    int ret =
        cli_usage_error(NULL, "unknown command '%s' (`nsrt --help` lists them)", argv[cmd_index]);
    nsrt_log_close();
    return ret;
  }
  nsrt_set_stage(cmd->name);
  int ret = 1;
  cleanup_free char *root = absolute_root(g.root);
  if (!root) {
    nsrt_fail(&err, errno, "root", "make %s absolute", g.root);
    ret = cli_fail(&err);
  } else if (nsrt_fp_init_from_env(&err) < 0 || nsrt_bugs_init_from_env(&err) < 0) {
    ret = cli_fail(&err);
  } else {
    struct cli c = {.root = root, .cmd = cmd};
    optind = 0; /* full re-initialisation of getopt for the command's options */
    ret = cmd->run(&c, argc - cmd_index, argv + cmd_index);
  }
  fflush(stdout);
  nsrt_log_close();
  return ret;
}
