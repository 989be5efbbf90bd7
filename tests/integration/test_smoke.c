/* Smoke tests: the CLI commands that need no container, and one container
 * through its whole life cycle. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

TestSuite(smoke, .init = itest_setup, .fini = itest_teardown, .timeout = 30);

Test(smoke, version)
{
  struct itest_result r;
  cr_assert_eq(itest_nsrt(&r, 5000, "--version"), 0, "`%s` failed: %s", r.cmdline, r.err);
  cr_assert(strncmp(r.out, "nsrt version ", 13) == 0, "`%s` printed: %s", r.cmdline, r.out);
}

Test(smoke, spec_writes_parseable_config)
{
  struct itest_result r;
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s/spec", itest_root());
  cr_assert_eq(mkdir(dir, 0755), 0);
  cr_assert_eq(itest_nsrtv(&r, 5000, "spec", "--bundle", dir, NULL), 0, "`%s` failed: %s",
               r.cmdline, r.err);

  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/config.json", dir);
  json_error_t jerr;
  json_t *config = json_load_file(path, 0, &jerr);
  cr_assert_not_null(config, "%s is not JSON: %s (line %d)", path, jerr.text, jerr.line);
  cr_assert(json_is_string(json_object_get(config, "ociVersion")), "no ociVersion in %s", path);
  json_t *args = json_object_get(json_object_get(config, "process"), "args");
  cr_assert(json_is_array(args) && json_array_size(args) > 0, "no process.args in %s", path);
  cr_assert(json_is_string(json_object_get(json_object_get(config, "root"), "path")),
            "no root.path in %s", path);
  json_decref(config);

  /* A second spec must not overwrite the first. */
  cr_assert_neq(itest_nsrtv(&r, 5000, "spec", "--bundle", dir, NULL), 0,
                "`%s` overwrote an existing config.json", r.cmdline);
  cr_assert_neq(r.err[0], '\0', "`%s` failed without a message", r.cmdline);
}

Test(smoke, features_is_json)
{
  struct itest_result r;
  cr_assert_eq(itest_nsrt(&r, 5000, "features"), 0, "`%s` failed: %s", r.cmdline, r.err);
  json_error_t jerr;
  json_t *features = json_loads(r.out, 0, &jerr);
  cr_assert_not_null(features, "`%s` printed invalid JSON (%s): %s", r.cmdline, jerr.text, r.out);
  json_t *max = json_object_get(features, "ociVersionMax");
  cr_assert(json_is_string(max), "no ociVersionMax string in: %s", r.out);
  cr_assert(strncmp(json_string_value(max), "1.", 2) == 0, "ociVersionMax is %s",
            json_string_value(max));
  json_decref(features);
}

/* Every line that names a point (a dotted name such as main.clone_intermediate)
 * must also give its source location. */
Test(smoke, failpoints_listed_with_location)
{
  struct itest_result r;
  cr_assert_eq(itest_nsrt(&r, 5000, "failpoints"), 0, "`%s` failed: %s", r.cmdline, r.err);

  regex_t name_re, loc_re;
  cr_assert_eq(regcomp(&name_re, "^[[:space:]]*[a-z_]+\\.[A-Za-z0-9_.]+", REG_EXTENDED), 0);
  cr_assert_eq(regcomp(&loc_re, "[A-Za-z0-9_/.-]+\\.[ch]:[0-9]+", REG_EXTENDED), 0);
  int points = 0;
  char *save = NULL;
  char *bad = NULL;
  for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (regexec(&name_re, line, 0, NULL, 0) != 0)
      continue; /* a header or a blank line */
    points++;
    if (!bad && regexec(&loc_re, line, 0, NULL, 0) != 0)
      bad = line;
  }
  regfree(&name_re);
  regfree(&loc_re);
  cr_assert_null(bad, "failpoint line without file:line: %s", bad);
  cr_assert_geq(points, 40, "only %d failpoints listed", points);

  /* The JSON form lists the same points, each with a file and a line. */
  cr_assert_eq(itest_nsrt(&r, 5000, "failpoints --json"), 0, "`%s` failed: %s", r.cmdline, r.err);
  json_error_t jerr;
  json_t *list = json_loads(r.out, 0, &jerr);
  cr_assert(json_is_array(list), "`%s` printed no JSON array (%s): %s", r.cmdline, jerr.text,
            r.out);
  cr_assert_eq((int)json_array_size(list), points, "%d points in JSON, %d in the table",
               (int)json_array_size(list), points);
  size_t i;
  json_t *fp;
  json_array_foreach(list, i, fp)
  {
    const char *name = json_string_value(json_object_get(fp, "name"));
    const char *file = json_string_value(json_object_get(fp, "file"));
    cr_assert(name && file && json_integer_value(json_object_get(fp, "line")) > 0,
              "entry %zu lacks name, file or line", i);
  }
  json_decref(list);
}

Test(smoke, state_of_unknown_container_fails)
{
  struct itest_result r;
  int status = itest_nsrt(&r, 5000, "state nosuch");
  cr_assert_neq(status, 0, "`%s` succeeded: %s", r.cmdline, r.out);
  cr_assert_lt(status, 128, "`%s` died: status %d, %s", r.cmdline, status, r.err);
  cr_assert_not_null(strstr(r.err, "does not exist"), "`%s` said: %s", r.cmdline, r.err);
}

static bool proc_is_zombie(pid_t pid)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  char *stat_text = itest_read_file(path, NULL);
  if (!stat_text)
    return false;
  const char *rparen = strrchr(stat_text, ')');
  bool zombie = rparen && rparen[1] == ' ' && rparen[2] == 'Z';
  free(stat_text);
  return zombie;
}

static const char *state_status(const char *id)
{
  static char status[32];
  struct itest_result r;
  json_t *state = itest_state(id, &r);
  cr_assert_not_null(state, "`%s` failed (%d): %s", r.cmdline, r.status, r.err);
  const char *s = json_string_value(json_object_get(state, "status"));
  cr_assert_not_null(s, "no status in: %s", r.out);
  snprintf(status, sizeof(status), "%s", s);
  json_decref(state);
  return status;
}

Test(smoke, create_start_delete)
{
  struct itest_snap before;
  itest_snapshot(&before);
  struct itest_result r;
  const char *id = itest_id();
  json_t *config = itest_config();
  const char *bundle = itest_bundle(config);
  json_decref(config);

  cr_assert_eq(itest_nsrtv(&r, 10000, "create", "--bundle", bundle, id, NULL), 0,
               "`%s` failed (%d): %s", r.cmdline, r.status, r.err);

  json_t *state = itest_state(id, &r);
  cr_assert_not_null(state, "`%s` failed: %s", r.cmdline, r.err);
  cr_assert_str_eq(json_string_value(json_object_get(state, "status")), "created", "state: %s",
                   r.out);
  cr_assert_str_eq(json_string_value(json_object_get(state, "id")), id, "state: %s", r.out);
  cr_assert_str_eq(json_string_value(json_object_get(state, "bundle")), bundle, "state: %s", r.out);
  json_int_t pid = json_integer_value(json_object_get(state, "pid"));
  json_decref(state);
  cr_assert_gt(pid, 1, "no pid in the created state: %s", r.out);

  /* Created, not started: the init is alive and is still nsrt, not /bin/true. */
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
  size_t len = 0;
  char *cmdline = itest_read_file(path, &len);
  cr_assert_not_null(cmdline, "container init %d is not running", (int)pid);
  const char *argv0 = strrchr(cmdline, '/') ? strrchr(cmdline, '/') + 1 : cmdline;
  bool create_arg = false;
  for (size_t off = 0; off < len; off += strlen(cmdline + off) + 1)
    create_arg = create_arg || strcmp(cmdline + off, "create") == 0;
  cr_assert(strcmp(argv0, "nsrt") == 0 && create_arg,
            "init %d runs %s before start (expected nsrt ... create)", (int)pid, cmdline);
  free(cmdline);

  cr_assert_eq(itest_nsrtv(&r, 10000, "start", id, NULL), 0, "`%s` failed (%d): %s", r.cmdline,
               r.status, r.err);
  /* The init was reparented to us (subreaper) when create exited. */
  int status = -1;
  cr_assert_eq(itest_wait_pid((pid_t)pid, 10000, &status), 0,
               "container %d did not exit after start", (int)pid);
  cr_assert_eq(status, 0, "/bin/true in the container exited with %d", status);

  cr_assert_str_eq(state_status(id), "stopped");

  cr_assert_eq(itest_nsrtv(&r, 10000, "delete", id, NULL), 0, "`%s` failed (%d): %s", r.cmdline,
               r.status, r.err);
  snprintf(path, sizeof(path), "%s/%s", itest_root(), id);
  cr_assert_neq(access(path, F_OK), 0, "state dir %s left after delete", path);
  cr_assert_neq(itest_nsrtv(&r, 5000, "state", id, NULL), 0, "state after delete succeeded: %s",
                r.out);
  cr_assert_not_null(strstr(r.err, "does not exist"), "state after delete said: %s", r.err);

  itest_assert_no_leaks(&before);
}

/* The leak check itself must catch what it is meant to catch, and clean it up. */
Test(smoke, leak_check_reports_child_zombie_fd_and_entry)
{
  struct itest_snap before;
  itest_snapshot(&before);

  pid_t live = fork();
  cr_assert_geq(live, 0, "fork: %s", strerror(errno));
  if (live == 0) {
    pause();
    _exit(0);
  }
  pid_t zombie = fork();
  cr_assert_geq(zombie, 0, "fork: %s", strerror(errno));
  if (zombie == 0)
    _exit(7);
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  cr_assert_geq(fd, 0);
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/leftover", itest_root());
  cr_assert_eq(mkdir(path, 0700), 0);
  /* Let the zombie exit before the scan. */
  for (int i = 0; i < 200 && !proc_is_zombie(zombie); i++)
    usleep(5000);

  static char report[ITEST_REPORT_MAX];
  int leaks = itest_check_leaks(&before, report, sizeof(report));
  cr_assert_eq(leaks, 4, "expected 4 leaks, got %d:\n%s", leaks, report);
  char want[128];
  snprintf(want, sizeof(want), "live process: pid %d (", (int)live);
  cr_assert_not_null(strstr(report, want), "live child not reported:\n%s", report);
  snprintf(want, sizeof(want), "unreaped child: pid %d (", (int)zombie);
  cr_assert_not_null(strstr(report, want), "zombie not reported:\n%s", report);
  cr_assert_not_null(strstr(report, "exit status 7"), "zombie status missing:\n%s", report);
  snprintf(want, sizeof(want), "open fd %d -> /dev/null", fd);
  cr_assert_not_null(strstr(report, want), "fd not reported:\n%s", report);
  cr_assert_not_null(strstr(report, ": leftover"), "state root entry not reported:\n%s", report);

  /* Cleaned up: both children reaped, the fd closed. */
  cr_assert_eq(kill(live, 0), -1, "live child %d still exists", (int)live);
  cr_assert_eq(kill(zombie, 0), -1, "zombie %d still exists", (int)zombie);
  cr_assert_eq(fcntl(fd, F_GETFD), -1, "fd %d still open", fd);
  cr_assert_eq(rmdir(path), 0);
  cr_assert_eq(itest_check_leaks(&before, report, sizeof(report)), 0, "after cleanup:\n%s", report);
}
