/* The lifecycle commands (create, start, state, kill, delete) and the two
 * that print documents (spec, features). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "error.h"
#include "nsrt_features.h"
#include "runtime.h"
#include "spec.h"
#include "state.h"

#define PRESERVE_FDS_MAX 65536

enum { OPT_PID_FILE = 256, OPT_PRESERVE_FDS, OPT_CONSOLE_SOCKET, OPT_NO_PIVOT, OPT_NO_NEW_KEYRING };

void create_args_free(struct create_args *a)
{
  free(a->bundle);
  a->bundle = NULL;
}

static int make_bundle_absolute(const char *given, char **out, struct nsrt_err *err)
{
  char resolved[PATH_MAX];
  if (!realpath(given ? given : ".", resolved))
    return nsrt_fail(err, errno, "bundle", "%s", given ? given : "the current directory");
  *out = strdup(resolved);
  if (!*out)
    return nsrt_fail(err, ENOMEM, "bundle", NULL);
  return 0;
}

int cli_parse_create_args(struct cli *c, int argc, char **argv, bool is_run,
                          struct create_args *out, int *exit_code)
{
  static const struct option longopts[] = {
      {"bundle", required_argument, NULL, 'b'},
      {"pid-file", required_argument, NULL, OPT_PID_FILE},
      {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
      {"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
      {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
      {"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},
      {"detach", no_argument, NULL, 'd'},
      CLI_HELP_OPTION,
      {NULL, 0, NULL, 0},
  };
  struct nsrt_err err;
  nsrt_err_clear(&err);
  memset(out, 0, sizeof(*out));
  const char *bundle = NULL;
  int opt;
  *exit_code = 1;
  while ((opt = cli_getopt(c, argc, argv, is_run ? "b:d" : "b:", longopts, exit_code)) != -1) {
    switch (opt) {
    case CLI_OPT_DONE:
      return -1;
    case 'b':
      bundle = optarg;
      break;
    case OPT_PID_FILE:
      out->pid_file = optarg;
      break;
    case OPT_PRESERVE_FDS: {
      long n = cli_parse_count(optarg, PRESERVE_FDS_MAX);
      if (n < 0) {
        *exit_code = cli_usage_error(c, "--preserve-fds needs a count from 0 to %d, not '%s'",
                                     PRESERVE_FDS_MAX, optarg);
        return -1;
      }
      out->preserve_fds = (int)n;
      break;
    }
    case OPT_CONSOLE_SOCKET:
      nsrt_fail(&err, 0, "console_socket", "terminal mode is not supported");
      *exit_code = cli_fail(&err);
      return -1;
    case OPT_NO_PIVOT:
      nsrt_fail(&err, 0, "no_pivot",
                "--no-pivot is not supported: the rootfs is always "
                "entered with pivot_root");
      *exit_code = cli_fail(&err);
      return -1;
    case OPT_NO_NEW_KEYRING:
      break;
    case 'd':
      if (!is_run) {
        *exit_code = cli_usage_error(c, "unknown option '--detach'");
        return -1;
      }
      out->detach = true;
      break;
    }
  }
  int ret = cli_operands(c, argc - optind, 1, 1);
  if (ret) {
    *exit_code = ret;
    return -1;
  }
  out->id = argv[optind];
  if (state_check_id(c->root, out->id, &err) < 0 ||
      make_bundle_absolute(bundle, &out->bundle, &err) < 0) {
    *exit_code = cli_fail(&err);
    return -1;
  }
  return 0;
}

int cli_create(struct cli *c, struct create_args *a, pid_t *pid, struct nsrt_err *err)
{
  struct create_opts o = {
      .root = c->root,
      .id = a->id,
      .bundle = a->bundle,
      .pid_file = a->pid_file,
      .preserve_fds = a->preserve_fds,
  };
  nsrt_err_clear(err);
  int ret = nsrt_create(&o, pid, err);
  create_args_free(a);
  return ret;
}

int cmd_create(struct cli *c, int argc, char **argv)
{
  struct create_args a;
  int code;
  if (cli_parse_create_args(c, argc, argv, false, &a, &code) < 0)
    return code;
  struct nsrt_err err;
  pid_t pid;
  int ret = cli_create(c, &a, &pid, &err);
  return ret < 0 ? cli_fail(&err) : 0;
}

/* Commands whose only operand is the id (start, state). */
static int parse_id_only(struct cli *c, int argc, char **argv, const char **id, int *exit_code)
{
  static const struct option longopts[] = {CLI_HELP_OPTION, {NULL, 0, NULL, 0}};
  int opt;
  while ((opt = cli_getopt(c, argc, argv, "", longopts, exit_code)) != -1)
    if (opt == CLI_OPT_DONE)
      return -1;
  *exit_code = cli_operands(c, argc - optind, 1, 1);
  if (*exit_code)
    return -1;
  *id = argv[optind];
  return 0;
}

int cmd_start(struct cli *c, int argc, char **argv)
{
  const char *id;
  int code;
  if (parse_id_only(c, argc, argv, &id, &code) < 0)
    return code;
  struct nsrt_err err;
  nsrt_err_clear(&err);
  return nsrt_start(c->root, id, &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_state(struct cli *c, int argc, char **argv)
{
  const char *id;
  int code;
  if (parse_id_only(c, argc, argv, &id, &code) < 0)
    return code;
  struct nsrt_err err;
  nsrt_err_clear(&err);
  struct container_state st;
  if (state_load(c->root, id, &st, &err) < 0)
    return cli_fail(&err);
  cleanup_free char *json = state_to_json(&st, state_status(&st));
  state_free(&st);
  if (!json) {
    nsrt_fail(&err, ENOMEM, "state_json", "state of %s", id);
    return cli_fail(&err);
  }
  printf("%s\n", json);
  return 0;
}

int cmd_kill(struct cli *c, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"all", no_argument, NULL, 'a'},
      CLI_HELP_OPTION,
      {NULL, 0, NULL, 0},
  };
  int opt, code = 1;
  while ((opt = cli_getopt(c, argc, argv, "a", longopts, &code)) != -1)
    if (opt == CLI_OPT_DONE)
      return code;
  code = cli_operands(c, argc - optind, 1, 2);
  if (code)
    return code;
  const char *id = argv[optind];
  const char *name = argc - optind == 2 ? argv[optind + 1] : "TERM";
  int sig = nsrt_signal_from_name(name);
  if (sig < 0)
    return cli_usage_error(c, "unknown signal '%s'", name);
  struct nsrt_err err;
  nsrt_err_clear(&err);
  return nsrt_kill(c->root, id, sig, &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_delete(struct cli *c, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"force", no_argument, NULL, 'f'},
      CLI_HELP_OPTION,
      {NULL, 0, NULL, 0},
  };
  bool force = false;
  int opt, code = 1;
  while ((opt = cli_getopt(c, argc, argv, "f", longopts, &code)) != -1) {
    if (opt == CLI_OPT_DONE)
      return code;
    if (opt == 'f')
      force = true;
  }
  code = cli_operands(c, argc - optind, 1, 1);
  if (code)
    return code;
  struct nsrt_err err;
  nsrt_err_clear(&err);
  return nsrt_delete(c->root, argv[optind], force, &err) < 0 ? cli_fail(&err) : 0;
}

static int write_whole(int fd, const char *s, size_t len)
{
  while (len > 0) {
    ssize_t w = write(fd, s, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    s += w;
    len -= (size_t)w;
  }
  return 0;
}

int cmd_spec(struct cli *c, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"bundle", required_argument, NULL, 'b'},
      CLI_HELP_OPTION,
      {NULL, 0, NULL, 0},
  };
  const char *bundle = ".";
  int opt, code = 1;
  while ((opt = cli_getopt(c, argc, argv, "b:", longopts, &code)) != -1) {
    if (opt == CLI_OPT_DONE)
      return code;
    if (opt == 'b')
      bundle = optarg;
  }
  code = cli_operands(c, argc - optind, 0, 0);
  if (code)
    return code;
  struct nsrt_err err;
  nsrt_err_clear(&err);
  cleanup_free char *json = spec_default_json();
  if (!json) {
    nsrt_fail(&err, ENOMEM, "default_spec", NULL);
    return cli_fail(&err);
  }
  char path[PATH_MAX];
  if (snprintf(path, sizeof(path), "%s/config.json", bundle) >= (int)sizeof(path)) {
    nsrt_fail(&err, ENAMETOOLONG, "write_config", "%s/config.json", bundle);
    return cli_fail(&err);
  }
  /* O_EXCL: an existing config.json is the user's, never overwritten. */
  cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      nsrt_fail(&err, EEXIST, "write_config", "%s already exists", path);
    else
      nsrt_fail(&err, errno, "write_config", "create %s", path);
    return cli_fail(&err);
  }
  size_t len = strlen(json);
  json[len] = '\n'; /* the terminator becomes the final newline */
  if (write_whole(fd, json, len + 1) < 0 || close(take_fd(&fd)) < 0) {
    nsrt_fail(&err, errno, "write_config", "write %s", path);
    unlink(path);
    return cli_fail(&err);
  }
  return 0;
}

int cmd_features(struct cli *c, int argc, char **argv)
{
  static const struct option longopts[] = {CLI_HELP_OPTION, {NULL, 0, NULL, 0}};
  int opt, code = 1;
  while ((opt = cli_getopt(c, argc, argv, "", longopts, &code)) != -1)
    if (opt == CLI_OPT_DONE)
      return code;
  code = cli_operands(c, argc - optind, 0, 0);
  if (code)
    return code;
  cleanup_free char *json = nsrt_features_json();
  if (!json) {
    struct nsrt_err err;
    nsrt_fail(&err, ENOMEM, "features", NULL);
    return cli_fail(&err);
  }
  printf("%s\n", json);
  return 0;
}
