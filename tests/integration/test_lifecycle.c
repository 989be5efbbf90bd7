/* runtime.md lifecycle: create does not run the program, start does; wrong
 * state operations fail and change nothing; config edits after create have
 * no effect; kill delivers signals; delete removes what create made; hooks
 * run at their times with the state on stdin; bad specs change nothing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "itest.h"

TestSuite(lifecycle, .init = itest_setup, .fini = itest_teardown, .timeout = 60);

/* A host directory bound read-write at /out in the container, where the
 * program leaves evidence of what it did. */
static const char *out_dir(void)
{
  static char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s/out", itest_bundle_dir());
  mkdir(dir, 0777);
  chmod(dir, 0777);
  return dir;
}

static json_t *config_with_out(const char *script)
{
  json_t *cfg = itest_config();
  json_array_append_new(json_object_get(cfg, "mounts"),
                        json_pack("{s:s,s:s,s:s,s:[ss]}", "destination", "/out", "type", "bind",
                                  "source", out_dir(), "options", "rbind", "rw"));
  json_object_set_new(json_object_get(cfg, "process"), "args",
                      json_pack("[sss]", "/bin/sh", "-c", script));
  return cfg;
}

static bool out_exists(const char *name)
{
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/%s", out_dir(), name);
  return access(path, F_OK) == 0;
}

/* Wait (bounded) for a file the container writes. */
static bool wait_out(const char *name, int timeout_ms)
{
  for (int waited = 0; waited < timeout_ms; waited += 20) {
    if (out_exists(name))
      return true;
    usleep(20000);
  }
  return out_exists(name);
}

static const char *status_of(const char *id)
{
  static char buf[32];
  json_t *st = itest_state(id, NULL);
  if (!st)
    return "(no state)";
  snprintf(buf, sizeof(buf), "%s", json_string_value(json_object_get(st, "status")));
  json_decref(st);
  return buf;
}

static pid_t pid_of(const char *id)
{
  json_t *st = itest_state(id, NULL);
  cr_assert_not_null(st, "no state for %s", id);
  pid_t pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  return pid;
}

static void must(int status, const struct itest_result *r)
{
  cr_assert_eq(status, 0, "`%s` exited %d: %s", r->cmdline, status, r->err);
}

static void must_fail(int status, const struct itest_result *r, const char *needle)
{
  cr_assert_neq(status, 0, "`%s` succeeded; it must fail", r->cmdline);
  cr_assert(r->err[0] != '\0', "`%s` failed without a message", r->cmdline);
  cr_assert(strstr(r->err, needle) != NULL, "`%s` said %s (expected \"%s\")", r->cmdline, r->err,
            needle);
}

Test(lifecycle, create_does_not_run_start_does)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = config_with_out("touch /out/ran");
  const char *bundle = itest_bundle(cfg);
  const char *id = itest_id();
  struct itest_result r;
  char pidfile[PATH_MAX];
  snprintf(pidfile, sizeof(pidfile), "%s/pid", itest_bundle_dir());
  must(itest_nsrtv(&r, 10000, "create", "--bundle", bundle, "--pid-file", pidfile, id, NULL), &r);
  cr_assert_str_eq(status_of(id), "created");
  pid_t pid = pid_of(id);
  itest_own_pid(pid);
  char *pf = itest_read_file(pidfile, NULL);
  cr_assert_not_null(pf, "no pid file");
  cr_assert_eq(atoi(pf), pid, "pid file says %s, state says %d", pf, pid);
  free(pf);
  usleep(200000);
  cr_assert(!out_exists("ran"), "the program ran before start");

  must(itest_nsrtv(&r, 10000, "start", id, NULL), &r);
  cr_assert(wait_out("ran", 5000), "the program did not run after start");
  int status;
  cr_assert_eq(itest_wait_pid(pid, 5000, &status), 0);
  cr_assert_eq(status, 0);
  cr_assert_str_eq(status_of(id), "stopped");
  must(itest_nsrtv(&r, 10000, "delete", id, NULL), &r);
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s/%s", itest_root(), id);
  cr_assert(access(dir, F_OK) < 0, "delete left %s", dir);
  must_fail(itest_nsrtv(&r, 10000, "state", id, NULL), &r, "does not exist");
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

Test(lifecycle, wrong_state_operations_fail_and_change_nothing)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = config_with_out("touch /out/ran; exec sleep 30");
  const char *bundle = itest_bundle(cfg);
  const char *id = itest_id();
  struct itest_result r;
  must(itest_nsrtv(&r, 10000, "create", "--bundle", bundle, id, NULL), &r);
  pid_t pid = pid_of(id);
  itest_own_pid(pid);

  /* created: delete without --force fails; a second create of the id fails */
  must_fail(itest_nsrtv(&r, 10000, "delete", id, NULL), &r, "created");
  cr_assert_str_eq(status_of(id), "created");
  must_fail(itest_nsrtv(&r, 10000, "create", "--bundle", bundle, id, NULL), &r, "already exists");
  cr_assert_str_eq(status_of(id), "created");
  cr_assert_eq(kill(pid, 0), 0, "a failed operation killed the container");

  /* running: start again fails, delete fails */
  must(itest_nsrtv(&r, 10000, "start", id, NULL), &r);
  cr_assert(wait_out("ran", 5000));
  cr_assert_str_eq(status_of(id), "running");
  must_fail(itest_nsrtv(&r, 10000, "start", id, NULL), &r, "running");
  must_fail(itest_nsrtv(&r, 10000, "delete", id, NULL), &r, "running");
  cr_assert_str_eq(status_of(id), "running");

  /* stopped: kill and start fail */
  must(itest_nsrtv(&r, 10000, "kill", id, "KILL", NULL), &r);
  cr_assert_eq(itest_wait_pid(pid, 5000, NULL), 0);
  cr_assert_str_eq(status_of(id), "stopped");
  must_fail(itest_nsrtv(&r, 10000, "kill", id, "TERM", NULL), &r, "stopped");
  must_fail(itest_nsrtv(&r, 10000, "start", id, NULL), &r, "stopped");
  cr_assert_str_eq(status_of(id), "stopped");
  must(itest_nsrtv(&r, 10000, "delete", id, NULL), &r);

  /* operations on an id that does not exist */
  must_fail(itest_nsrtv(&r, 10000, "start", "nosuch", NULL), &r, "does not exist");
  must_fail(itest_nsrtv(&r, 10000, "kill", "nosuch", NULL), &r, "does not exist");
  must_fail(itest_nsrtv(&r, 10000, "delete", "nosuch", NULL), &r, "does not exist");
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

Test(lifecycle, delete_force_kills_a_created_container)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = config_with_out("touch /out/ran");
  const char *id = itest_id();
  struct itest_result r;
  must(itest_nsrtv(&r, 10000, "create", "--bundle", itest_bundle(cfg), id, NULL), &r);
  pid_t pid = pid_of(id);
  itest_own_pid(pid);
  must(itest_nsrtv(&r, 10000, "delete", "--force", id, NULL), &r);
  cr_assert_eq(itest_wait_pid(pid, 5000, NULL), 0, "the init survived delete --force");
  cr_assert(!out_exists("ran"), "the program ran");
  must_fail(itest_nsrtv(&r, 10000, "state", id, NULL), &r, "does not exist");
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

Test(lifecycle, config_edits_after_create_have_no_effect)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = config_with_out("touch /out/original");
  const char *bundle = itest_bundle(cfg);
  const char *id = itest_id();
  struct itest_result r;
  must(itest_nsrtv(&r, 10000, "create", "--bundle", bundle, id, NULL), &r);
  pid_t pid = pid_of(id);
  itest_own_pid(pid);
  json_object_set_new(json_object_get(cfg, "process"), "args",
                      json_pack("[sss]", "/bin/sh", "-c", "touch /out/edited"));
  itest_bundle(cfg);
  must(itest_nsrtv(&r, 10000, "start", id, NULL), &r);
  cr_assert_eq(itest_wait_pid(pid, 5000, NULL), 0);
  cr_assert(out_exists("original"), "the program of create time did not run");
  cr_assert(!out_exists("edited"), "an edit after create took effect");
  must(itest_nsrtv(&r, 10000, "delete", id, NULL), &r);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

Test(lifecycle, kill_delivers_signals_by_name_and_number)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = config_with_out("trap 'touch /out/usr1' USR1; trap 'touch /out/term; exit 3' TERM; "
                                "touch /out/ready; while true; do sleep 0.05; done");
  const char *id = itest_id();
  struct itest_result r;
  must(itest_nsrtv(&r, 10000, "create", "--bundle", itest_bundle(cfg), id, NULL), &r);
  pid_t pid = pid_of(id);
  itest_own_pid(pid);
  must(itest_nsrtv(&r, 10000, "start", id, NULL), &r);
  cr_assert(wait_out("ready", 5000));
  must(itest_nsrtv(&r, 10000, "kill", id, "SIGUSR1", NULL), &r);
  cr_assert(wait_out("usr1", 5000), "SIGUSR1 was not delivered");
  must(itest_nsrtv(&r, 10000, "kill", id, "15", NULL), &r);
  cr_assert(wait_out("term", 5000), "signal 15 was not delivered");
  int status;
  cr_assert_eq(itest_wait_pid(pid, 5000, &status), 0);
  cr_assert_eq(status, 3);
  must_fail(itest_nsrtv(&r, 10000, "kill", id, "NOSUCHSIG", NULL), &r, "NOSUCHSIG");
  must(itest_nsrtv(&r, 10000, "delete", id, NULL), &r);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

/* Each hook appends its name and the status it was given to /out/hooks. */
static json_t *hook(const char *name)
{
  char script[512];
  snprintf(script, sizeof(script),
           "s=$(cat); case \"$s\" in *'\"status\"'*) ;; *) exit 9;; esac; "
           "echo \"%s $(echo \"$s\" | grep -o '\"status\": *\"[a-z]*\"' | grep -o '[a-z]*\"$' | "
           "tr -d '\"')\" >> %s/hooks",
           name, out_dir());
  return json_pack("[{s:s,s:[sss]}]", "path", "/bin/sh", "args", "sh", "-c", script);
}

Test(lifecycle, hooks_run_in_order_with_state_on_stdin)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = config_with_out("echo program >> /out/hooks");
  /* startContainer runs inside the container: busybox sh there too, and
   * /out is the same directory. */
  json_t *start_container = json_pack(
      "[{s:s,s:[sss]}]", "path", "/bin/sh", "args", "sh", "-c",
      "cat > /dev/null; echo startContainer >> /out/hooks");
  json_object_set_new(cfg, "hooks",
                      json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "prestart", hook("prestart"),
                                "createRuntime", hook("createRuntime"), "createContainer",
                                hook("createContainer"), "startContainer", start_container,
                                "poststart", hook("poststart"), "poststop", hook("poststop")));
  const char *id = itest_id();
  struct itest_result r;
  must(itest_nsrtv(&r, 20000, "create", "--bundle", itest_bundle(cfg), id, NULL), &r);
  pid_t pid = pid_of(id);
  itest_own_pid(pid);
  must(itest_nsrtv(&r, 20000, "start", id, NULL), &r);
  cr_assert_eq(itest_wait_pid(pid, 5000, NULL), 0);
  must(itest_nsrtv(&r, 20000, "delete", id, NULL), &r);
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/hooks", out_dir());
  char *log = itest_read_file(path, NULL);
  cr_assert_not_null(log, "no hook ran");
  /* program and poststart race (poststart runs after the exec); the rest is ordered */
  const char *want_prefix = "prestart creating\ncreateRuntime creating\ncreateContainer creating\n"
                            "startContainer\n";
  cr_assert(strncmp(log, want_prefix, strlen(want_prefix)) == 0, "hooks ran as:\n%s", log);
  cr_assert(strstr(log, "poststart running\n") || strstr(log, "poststart created\n"),
            "poststart: %s", log);
  cr_assert(strstr(log, "program\n"), "program: %s", log);
  size_t len = strlen(log);
  cr_assert(len > 17 && strcmp(log + len - 17, "poststop stopped\n") == 0, "last hook: %s", log);
  free(log);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

Test(lifecycle, failing_create_hook_fails_create_cleanly)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = config_with_out("touch /out/ran");
  json_object_set_new(cfg, "hooks",
                      json_pack("{s:[{s:s,s:[sss]}]}", "createRuntime", "path", "/bin/sh", "args",
                                "sh", "-c", "exit 4"));
  const char *id = itest_id();
  struct itest_result r;
  itest_nsrtv(&r, 20000, "create", "--bundle", itest_bundle(cfg), id, NULL);
  must_fail(r.status, &r, "createRuntime");
  cr_assert(strstr(r.err, "status 4"), "%s", r.err);
  must_fail(itest_nsrtv(&r, 10000, "state", id, NULL), &r, "does not exist");
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

/* Specs a runtime MUST reject: create fails with a message naming the JSON
 * path, and nothing is left behind. */
Test(lifecycle, invalid_specs_are_rejected_before_anything_exists)
{
  struct itest_snap before;
  itest_snapshot(&before);
  struct {
    const char *what, *json_path;
  } cases[] = {
      {"ns path of the wrong type", "linux.namespaces[1].path"},
      {"hostname without uts", "hostname"},
      {"invalid ociVersion", "ociVersion"},
      {"duplicated namespace", "linux.namespaces[2].type"},
      {"unknown rlimit", "process.rlimits[0].type"},
      {"relative cwd", "process.cwd"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    json_t *cfg = itest_config();
    json_t *ns = json_object_get(json_object_get(cfg, "linux"), "namespaces");
    switch (i) {
    case 0:
      json_array_set_new(ns, 1, json_pack("{s:s,s:s}", "type", "ipc", "path", "/proc/self/ns/net"));
      break;
    case 1:
      json_array_clear(ns);
      json_array_append_new(ns, json_pack("{s:s}", "type", "mount"));
      json_object_set_new(cfg, "hostname", json_string("h"));
      break;
    case 2:
      json_object_set_new(cfg, "ociVersion", json_string("banana"));
      break;
    case 3:
      json_array_clear(ns);
      json_array_append_new(ns, json_pack("{s:s}", "type", "mount"));
      json_array_append_new(ns, json_pack("{s:s}", "type", "pid"));
      json_array_append_new(ns, json_pack("{s:s}", "type", "pid"));
      break;
    case 4:
      json_object_set_new(json_object_get(cfg, "process"), "rlimits",
                          json_pack("[{s:s,s:i,s:i}]", "type", "RLIMIT_BANANA", "soft", 1, "hard",
                                    1));
      break;
    case 5:
      json_object_set_new(json_object_get(cfg, "process"), "cwd", json_string("tmp"));
      break;
    }
    const char *id = itest_id();
    struct itest_result r;
    itest_nsrtv(&r, 10000, "create", "--bundle", itest_bundle(cfg), id, NULL);
    cr_assert_eq(r.status, 1, "%s: `%s` exited %d: %s", cases[i].what, r.cmdline, r.status, r.err);
    char want[128];
    snprintf(want, sizeof(want), "nsrt: spec: %s: ", cases[i].json_path);
    cr_assert(strncmp(r.err, want, strlen(want)) == 0, "%s: expected \"%s...\", got %s",
              cases[i].what, want, r.err);
    cr_assert(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "%s: more than one line: %s",
              cases[i].what, r.err);
    must_fail(itest_nsrtv(&r, 10000, "state", id, NULL), &r, "does not exist");
    json_decref(cfg);
  }
  itest_assert_no_leaks(&before);
}

Test(lifecycle, exec_failure_after_start_is_reported_by_start)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = config_with_out("touch /out/ran");
  const char *id = itest_id();
  struct itest_result r;
  itest_setenv("NSRT_FAILPOINTS", "init.execve=err(ENOEXEC)");
  must(itest_nsrtv(&r, 10000, "create", "--bundle", itest_bundle(cfg), id, NULL), &r);
  pid_t pid = pid_of(id);
  itest_own_pid(pid);
  itest_setenv("NSRT_FAILPOINTS", NULL);
  itest_nsrtv(&r, 10000, "start", id, NULL);
  must_fail(r.status, &r, "nsrt: init: execve: ");
  cr_assert(strstr(r.err, "Exec format error"), "%s", r.err);
  cr_assert_eq(itest_wait_pid(pid, 5000, NULL), 0);
  /* runtime.md: a start that fails stops and destroys the container */
  must_fail(itest_nsrtv(&r, 10000, "state", id, NULL), &r, "does not exist");
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

/* A connection to the start socket that carries no start request (a garbled
 * byte) gets an error back and changes nothing: the container stays created
 * and a real start afterwards runs the program. */
Test(lifecycle, garbled_start_request_is_rejected_and_changes_nothing)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = config_with_out("touch /out/ran");
  const char *bundle = itest_bundle(cfg);
  const char *id = itest_id();
  struct itest_result r;
  must(itest_nsrtv(&r, 10000, "create", "--bundle", bundle, id, NULL), &r);
  pid_t pid = pid_of(id);
  itest_own_pid(pid);

  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/start.sock", itest_root(), id);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  cr_assert_geq(fd, 0);
  cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect %s: %s",
               sa.sun_path, strerror(errno));
  cr_assert_eq(send(fd, "x", 1, MSG_NOSIGNAL), 1);
  struct pollfd pfd = {.fd = fd, .events = POLLIN};
  cr_assert_eq(poll(&pfd, 1, 10000), 1, "no answer to a garbled start request");
  char reply[4096];
  ssize_t got = recv(fd, reply, sizeof(reply), 0);
  close(fd);
  cr_assert_gt(got, 0, "the init closed without an answer (start would read that as success)");
  cr_assert_str_eq(status_of(id), "created");
  usleep(100000);
  cr_assert(!out_exists("ran"), "a garbled request ran the program");

  must(itest_nsrtv(&r, 10000, "start", id, NULL), &r);
  cr_assert(wait_out("ran", 5000), "the program did not run after a real start");
  int status;
  cr_assert_eq(itest_wait_pid(pid, 5000, &status), 0);
  must(itest_nsrtv(&r, 10000, "delete", id, NULL), &r);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}
