/* Failures injected at every stage and with every kind of action: each must
 * end in a non-zero exit, exactly one error line naming the stage and step
 * (and the injected errno), a hit in the failpoint log proving the fault
 * fired, and nothing left behind: no process, zombie, fd, mount or state. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

TestSuite(failpoints, .init = itest_setup, .fini = itest_teardown, .timeout = 60);

extern char **environ;

struct fault_case {
  const char *points;  /* NSRT_FAILPOINTS */
  bool userns;         /* the config creates a user namespace */
  const char *timeout; /* NSRT_SYNC_TIMEOUT_MS, or NULL */
  const char *prefix;  /* the error line starts with this */
  const char *suffix;  /* and ends with this (before the newline) */
};

static json_t *fault_config(bool userns)
{
  json_t *cfg = itest_config();
  if (userns) {
    json_t *linux_ = json_object_get(cfg, "linux");
    json_array_append_new(json_object_get(linux_, "namespaces"), json_pack("{s:s}", "type", "user"));
    json_object_set_new(linux_, "uidMappings",
                        json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", 100000, "size",
                                  65536));
    json_object_set_new(linux_, "gidMappings",
                        json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", 100000, "size",
                                  65536));
  }
  return cfg;
}

static const char *hit_log_path(void)
{
  static char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/hits.jsonl", itest_bundle_dir());
  return path;
}

/* The first point named in a NSRT_FAILPOINTS value. */
static void first_point(const char *points, char *out, size_t len)
{
  size_t n = strcspn(points, "=");
  snprintf(out, len, "%.*s", (int)n, points);
}

static void check_fault(const struct fault_case *c)
{
  struct itest_snap before;
  itest_snapshot(&before);
  unlink(hit_log_path());
  json_t *cfg = fault_config(c->userns);
  const char *id = itest_id();
  itest_setenv("NSRT_FAILPOINTS", c->points);
  itest_setenv("NSRT_FAILPOINT_LOG", hit_log_path());
  itest_setenv("NSRT_SYNC_TIMEOUT_MS", c->timeout);
  struct itest_result r;
  itest_nsrtv(&r, 20000, "run", "--bundle", itest_bundle(cfg), id, NULL);
  cr_assert(!r.timed_out, "%s: nsrt did not finish", c->points);
  cr_assert_eq(r.status, 1, "%s: exit status %d, stderr: %s", c->points, r.status, r.err);

  /* exactly one line: prefix ... suffix */
  size_t len = strlen(r.err);
  cr_assert(len > 0 && r.err[len - 1] == '\n' && strchr(r.err, '\n') == r.err + len - 1,
            "%s: not exactly one line on stderr: %s", c->points, r.err);
  cr_assert(strncmp(r.err, c->prefix, strlen(c->prefix)) == 0, "%s: expected \"%s...\", got %s",
            c->points, c->prefix, r.err);
  size_t sl = strlen(c->suffix);
  cr_assert(len - 1 >= sl && strncmp(r.err + len - 1 - sl, c->suffix, sl) == 0,
            "%s: expected the line to end with \"%s\", got %s", c->points, c->suffix, r.err);

  /* the fault fired */
  char point[128], needle[160];
  first_point(c->points, point, sizeof(point));
  snprintf(needle, sizeof(needle), "\"point\":\"%s\"", point);
  char *hits = itest_read_file(hit_log_path(), NULL);
  cr_assert_not_null(hits, "%s: no hit log", c->points);
  cr_assert(strstr(hits, needle) != NULL, "%s: the hit log does not show %s: %s", c->points, point,
            hits);
  free(hits);

  /* nothing left */
  itest_setenv("NSRT_FAILPOINTS", NULL);
  cr_assert_neq(itest_nsrtv(&r, 10000, "state", id, NULL), 0, "%s: state of %s exists",
                c->points, id);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

/* main */
Test(failpoints, main_clone_err)
{
  check_fault(&(struct fault_case){"main.clone_intermediate=err(EAGAIN)", false, NULL,
                                   "nsrt: main: clone_intermediate: ",
                                   "Resource temporarily unavailable"});
}
Test(failpoints, main_write_uid_map_err)
{
  check_fault(&(struct fault_case){"main.write_uid_map=err(EPERM)", true, NULL,
                                   "nsrt: main: write_uid_map: ", "Operation not permitted"});
}
Test(failpoints, main_recv_err)
{
  check_fault(&(struct fault_case){"chan.main.recv.INIT_READY=err(EIO)", false, NULL,
                                   "nsrt: main: recv INIT_READY: ", "Input/output error"});
}
Test(failpoints, main_send_drop_times_out_the_intermediate)
{
  check_fault(&(struct fault_case){"chan.main.send.MAPPING_DONE=drop", true, "500",
                                   "nsrt: intermediate: recv MAPPING_DONE: ",
                                   "Connection timed out"});
}

/* intermediate */
Test(failpoints, intermediate_unshare_user_err)
{
  check_fault(&(struct fault_case){"intermediate.unshare_user=err(EPERM)", true, NULL,
                                   "nsrt: intermediate: unshare_user: ",
                                   "Operation not permitted"});
}
Test(failpoints, intermediate_exit)
{
  check_fault(&(struct fault_case){"intermediate.unshare_pid=exit(3)", false, NULL,
                                   "nsrt: intermediate: exit: ",
                                   "intermediate exited with status 3 before INTERMEDIATE_READY"});
}
Test(failpoints, intermediate_kill)
{
  check_fault(&(struct fault_case){
      "intermediate.clone_init=kill", false, NULL, "nsrt: intermediate: exit: ",
      "intermediate killed by signal 9 (SIGKILL) before INTERMEDIATE_READY"});
}
/* The init exists but main never learns its pid: it must still be killed. */
Test(failpoints, intermediate_send_drop_orphans_no_init)
{
  check_fault(&(struct fault_case){"chan.intermediate.send.INTERMEDIATE_READY=drop", false, NULL,
                                   "nsrt: intermediate: exit: ",
                                   "intermediate exited with status 0 before INTERMEDIATE_READY"});
}
Test(failpoints, intermediate_send_dup)
{
  check_fault(&(struct fault_case){
      "chan.intermediate.send.MAPPING_REQUEST=dup", true, NULL,
      "nsrt: main: recv INTERMEDIATE_READY: ",
      "expected INTERMEDIATE_READY from intermediate, got MAPPING_REQUEST: Protocol error"});
}

/* init */
Test(failpoints, init_pivot_root_err)
{
  check_fault(&(struct fault_case){"init.pivot_root=err(EACCES)", false, NULL,
                                   "nsrt: init: pivot_root: ", "Permission denied"});
}
Test(failpoints, init_exit)
{
  check_fault(&(struct fault_case){"init.mount=exit(7)", false, NULL, "nsrt: init: exit: ",
                                   "init exited with status 7 before INIT_READY"});
}
Test(failpoints, init_kill)
{
  check_fault(&(struct fault_case){"init.chdir=kill", true, NULL, "nsrt: init: exit: ",
                                   "init killed by signal 9 (SIGKILL) before INIT_READY"});
}
Test(failpoints, init_send_short)
{
  check_fault(&(struct fault_case){"chan.init.send.INIT_READY=short(3)", false, NULL,
                                   "nsrt: main: recv INIT_READY: ", "Bad message"});
}
Test(failpoints, init_send_corrupt)
{
  check_fault(&(struct fault_case){"chan.init.send.INIT_READY=corrupt(0)", false, NULL,
                                   "nsrt: main: recv INIT_READY: ", "Bad message"});
}
Test(failpoints, init_sleep_past_the_deadline)
{
  check_fault(&(struct fault_case){"init.unshare_uts=sleep(3000)", false, "500",
                                   "nsrt: main: recv INIT_READY: ", "Connection timed out"});
}
Test(failpoints, init_pause_past_the_deadline)
{
  check_fault(&(struct fault_case){"init.pivot_root=pause", true, "500",
                                   "nsrt: main: recv INIT_READY: ", "Connection timed out"});
}
Test(failpoints, count_then_err)
{
  check_fault(&(struct fault_case){"init.mount=1*off->err(EIO)", false, NULL,
                                   "nsrt: init: mount: ", "Input/output error"});
}

/* pause lets an observer look at a stage in /proc; SIGCONT lets it go on. */
Test(failpoints, pause_stops_the_stage_until_sigcont)
{
  struct itest_snap before;
  itest_snapshot(&before);
  unlink(hit_log_path());
  json_t *cfg = fault_config(true);
  const char *bundle = itest_bundle(cfg);
  const char *id = itest_id();

  char env_fp[] = "NSRT_FAILPOINTS=intermediate.clone_init=pause";
  char env_log[PATH_MAX + 32];
  snprintf(env_log, sizeof(env_log), "NSRT_FAILPOINT_LOG=%s", hit_log_path());
  char *envp[] = {env_fp, env_log, "NSRT_SYNC_TIMEOUT_MS=20000", "PATH=/usr/bin:/bin", NULL};
  char *argv[] = {(char *)itest_nsrt_bin(), "--root", (char *)itest_root(), "create", "--bundle",
                  (char *)bundle, (char *)id, NULL};
  pid_t nsrt;
  cr_assert_eq(posix_spawn(&nsrt, argv[0], NULL, NULL, argv, envp), 0);
  itest_own_pid(nsrt);

  /* the hit log names the paused process */
  pid_t paused = 0;
  for (int i = 0; i < 500 && !paused; i++) {
    char *hits = itest_read_file(hit_log_path(), NULL);
    char *p = hits ? strstr(hits, "\"pid\":") : NULL;
    if (p)
      paused = atoi(p + 6);
    free(hits);
    if (!paused)
      usleep(10000);
  }
  cr_assert_gt(paused, 0, "no pause hit logged");
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/status", paused);
  char *status = NULL;
  for (int i = 0; i < 200; i++) {
    free(status);
    status = itest_read_file(path, NULL);
    if (status && strstr(status, "State:\tT"))
      break;
    usleep(10000);
  }
  cr_assert(status && strstr(status, "State:\tT"), "the paused stage is not stopped: %s", status);
  cr_assert(strstr(status, "Name:\tnsrt:[1:INTER]"), "not the intermediate: %s", status);
  /* in its user namespace, with the maps written, as root there */
  cr_assert(strstr(status, "Uid:\t100000\t100000\t100000\t100000"), "ids: %s", status);
  free(status);

  kill(paused, SIGCONT);
  int st;
  cr_assert_eq(itest_wait_pid(nsrt, 20000, &st), 0);
  cr_assert_eq(st, 0, "create failed after SIGCONT");
  struct itest_result r;
  cr_assert_eq(itest_nsrtv(&r, 10000, "delete", "--force", id, NULL), 0, "%s", r.err);
  /* the init was reparented to us: reap it */
  itest_kill_strays(false, NULL, 0);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}
