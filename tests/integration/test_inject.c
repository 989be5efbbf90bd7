/* nsc-inject, the black-box supervisor: faults in a small test program
 * (tools/forker) and in nsrt, each proven by the supervisor's log, with
 * nothing left behind (the supervisor included). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

TestSuite(inject, .init = itest_setup, .fini = itest_teardown, .timeout = 60);

static const char *inject_bin(void)
{
  static char path[PATH_MAX];
  const char *env = getenv("NSC_INJECT_BIN");
  const char *src = getenv("NSRT_SRCDIR");
  if (env && *env)
    snprintf(path, sizeof(path), "%s", env);
  else
    snprintf(path, sizeof(path), "%s/build/bin/nsc-inject", src && *src ? src : ".");
  return path;
}

static const char *forker_bin(void)
{
  static char path[PATH_MAX];
  const char *tools = getenv("NSC_TOOLS");
  const char *src = getenv("NSRT_SRCDIR");
  if (tools && *tools)
    snprintf(path, sizeof(path), "%s/forker", tools);
  else
    snprintf(path, sizeof(path), "%s/build/tests/tools/forker", src && *src ? src : ".");
  return path;
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct run {
  int status; /* exit code, 128+N for a signal */
  char out[16384];
  char err[16384];
  long long ms;
};

static void slurp(int fd, char *buf, size_t len)
{
  lseek(fd, 0, SEEK_SET);
  ssize_t n = read(fd, buf, len - 1);
  buf[n > 0 ? n : 0] = '\0';
  close(fd);
}

/* Run argv with stdout and stderr in memory files, bounded by timeout_ms
 * (then the process group is killed and the test fails). */
static void run(struct run *r, int timeout_ms, char *const argv[])
{
  memset(r, 0, sizeof(*r));
  int out = memfd_create("out", MFD_CLOEXEC), err = memfd_create("err", MFD_CLOEXEC);
  cr_assert(out >= 0 && err >= 0);
  long long start = now_ms();
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    setpgid(0, 0);
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  struct pollfd p = {.fd = pidfd, .events = POLLIN};
  int n = poll(&p, 1, timeout_ms);
  if (n <= 0)
    kill(-pid, SIGKILL);
  int st;
  waitpid(pid, &st, 0);
  close(pidfd);
  r->ms = now_ms() - start;
  r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  slurp(out, r->out, sizeof(r->out));
  slurp(err, r->err, sizeof(r->err));
  cr_assert(n > 0, "%s did not finish within %d ms", argv[0], timeout_ms);
}

static const char *log_path(const char *name)
{
  static char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/%s.jsonl", itest_bundle_dir(), name);
  return path;
}

/* The log's events; the supervisor (a child of ours: we are a subreaper)
 * is waited for first, so the log is whole and nothing is left. */
static json_t *finish_log(const char *path)
{
  char *text = itest_read_file(path, NULL);
  cr_assert_not_null(text, "no supervisor log %s", path);
  json_t *start = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
  cr_assert_not_null(start, "log does not start with an event: %s", text);
  cr_assert_str_eq(json_string_value(json_object_get(start, "event")), "start");
  pid_t sup = (pid_t)json_integer_value(json_object_get(start, "supervisor"));
  json_decref(start);
  free(text);
  cr_assert(sup > 0);
  cr_assert_eq(itest_wait_pid(sup, 5000, NULL), 0, "the supervisor %d did not end", sup);
  text = itest_read_file(path, NULL);
  json_t *events = json_array();
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    json_t *e = json_loads(line, 0, NULL);
    cr_assert_not_null(e, "not JSON: %s", line);
    json_array_append_new(events, e);
  }
  free(text);
  return events;
}

static const json_t *find_event(const json_t *events, const char *kind, const char *target)
{
  size_t i;
  json_t *e;
  json_array_foreach(events, i, e)
  {
    if (strcmp(json_string_value(json_object_get(e, "event")), kind) == 0 &&
        (!target || strcmp(json_string_value(json_object_get(e, "target")) ?: "", target) == 0))
      return e;
  }
  return NULL;
}

static json_int_t summary_count(const json_t *events, const char *target)
{
  const json_t *s = find_event(events, "summary", NULL);
  cr_assert_not_null(s, "no summary in the log");
  json_t *c = json_object_get(json_object_get(s, "counts"), target);
  cr_assert(json_is_integer(c), "no count of %s in the summary", target);
  return json_integer_value(c);
}

static void assert_fault(const json_t *events, const char *target, int n, const char *action)
{
  const json_t *f = find_event(events, "fault", target);
  char *text = json_dumps(events, JSON_COMPACT);
  cr_assert_not_null(f, "no fault event for %s: %s", target, text);
  cr_assert_eq(json_integer_value(json_object_get(f, "n")), n, "%s", text);
  cr_assert_str_eq(json_string_value(json_object_get(f, "action")), action);
  cr_assert(json_is_true(json_object_get(f, "ok")), "the fault did not apply: %s", text);
  free(text);
}

/* ---- the test program ----------------------------------------------------- */

Test(inject, forker_sees_eagain_on_its_second_fork)
{
  struct itest_snap before;
  itest_snapshot(&before);
  const char *log = log_path("fork");
  struct run r;
  run(&r, 20000,
      (char *[]){(char *)inject_bin(), "--log", (char *)log, "--log-calls", "--plan",
                 "clone@2=errno(EAGAIN)", "--", (char *)forker_bin(), "fork", "3", NULL});
  cr_assert_str_eq(r.out, "fork 1: ok\nfork 2: Resource temporarily unavailable\nfork 3: ok\n",
                   "stdout: %s\nstderr: %s", r.out, r.err);
  cr_assert_eq(r.status, 1, "the program's own exit status passes through, got %d", r.status);
  json_t *events = finish_log(log);
  assert_fault(events, "clone", 2, "errno");
  cr_assert_str_eq(json_string_value(json_object_get(find_event(events, "fault", "clone"), "arg")),
                   "EAGAIN");
  cr_assert_eq(summary_count(events, "clone"), 3);
  /* three counted calls, each logged, numbered 1..3 */
  size_t calls = 0, i;
  json_t *e;
  json_array_foreach(events, i, e)
  {
    if (!strcmp(json_string_value(json_object_get(e, "event")), "call"))
      cr_assert_eq(json_integer_value(json_object_get(e, "n")), (json_int_t)++calls);
  }
  cr_assert_eq(calls, 3);
  json_decref(events);
  itest_assert_no_leaks(&before);
}

/* No plan: every target counted, nothing done, and the program's own
 * execve (the exec of nsc-inject into it) not counted. */
Test(inject, record_counts_without_a_plan)
{
  struct itest_snap before;
  itest_snapshot(&before);
  const char *log = log_path("record");
  struct run r;
  run(&r, 20000,
      (char *[]){(char *)inject_bin(), "--log", (char *)log, "--", (char *)forker_bin(), "rawfork",
                 "2", NULL});
  cr_assert_eq(r.status, 0, "stderr: %s", r.err);
  cr_assert_str_eq(r.out, "fork 1: ok\nfork 2: ok\n");
  json_t *events = finish_log(log);
  cr_assert_eq(summary_count(events, "fork"), 2);
  cr_assert_eq(summary_count(events, "clone"), 0);
  cr_assert_eq(summary_count(events, "execve"), 0);
  cr_assert_null(find_event(events, "fault", NULL));
  cr_assert_str_eq(
      json_string_value(json_object_get(find_event(events, "summary", NULL), "reason")), "hangup");
  json_decref(events);
  itest_assert_no_leaks(&before);
}

Test(inject, kill_ends_the_caller_before_the_call_runs)
{
  struct itest_snap before;
  itest_snapshot(&before);
  const char *log = log_path("kill");
  struct run r;
  run(&r, 20000,
      (char *[]){(char *)inject_bin(), "--log", (char *)log, "--plan", "fork@1=kill", "--",
                 (char *)forker_bin(), "rawfork", "2", NULL});
  cr_assert_eq(r.status, 128 + SIGKILL, "status %d", r.status);
  cr_assert_str_eq(r.out, "", "the fork ran: %s", r.out);
  json_t *events = finish_log(log);
  assert_fault(events, "fork", 1, "kill");
  json_decref(events);
  itest_assert_no_leaks(&before);
}

Test(inject, short_and_corrupt_socket_writes)
{
  struct itest_snap before;
  itest_snapshot(&before);
  const char *log = log_path("sync");
  struct run r;
  run(&r, 20000,
      (char *[]){(char *)inject_bin(), "--log", (char *)log, "--plan", "sync@2=short(3)", "--plan",
                 "sync@3=corrupt(0)", "--", (char *)forker_bin(), "sync", "4", NULL});
  cr_assert_eq(r.status, 0, "stderr: %s", r.err);
  /* the second message cut to 3 bytes, the third with its first byte
   * flipped (m ^ 0xff), the others whole */
  cr_assert_str_eq(r.out, "got 1: 9 9 message 1\ngot 2: 3 3 mes\ngot 3: 9 9 \x92"
                          "essage 3\ngot 4: 9 9 message 4\n");
  json_t *events = finish_log(log);
  cr_assert_eq(summary_count(events, "sync"), 4);
  size_t faults = 0, i;
  json_t *e;
  json_array_foreach(events, i, e)
  {
    if (!strcmp(json_string_value(json_object_get(e, "event")), "fault")) {
      cr_assert(json_is_true(json_object_get(e, "ok")));
      faults++;
    }
  }
  cr_assert_eq(faults, 2);
  json_decref(events);
  itest_assert_no_leaks(&before);
}

Test(inject, delay_holds_the_call_and_lets_it_run)
{
  struct itest_snap before;
  itest_snapshot(&before);
  const char *log = log_path("delay");
  struct run r;
  run(&r, 20000,
      (char *[]){(char *)inject_bin(), "--log", (char *)log, "--plan", "clone@1=delay(400)", "--",
                 (char *)forker_bin(), "fork", "2", NULL});
  cr_assert_eq(r.status, 0, "stderr: %s", r.err);
  cr_assert_str_eq(r.out, "fork 1: ok\nfork 2: ok\n");
  cr_assert_geq(r.ms, 400, "the delayed call returned after %lld ms", r.ms);
  json_t *events = finish_log(log);
  assert_fault(events, "clone", 1, "delay");
  json_decref(events);
  itest_assert_no_leaks(&before);
}

/* The supervisor never outlives its bound, even while the tree runs on. */
Test(inject, supervisor_ends_at_its_timeout)
{
  struct itest_snap before;
  itest_snapshot(&before);
  const char *log = log_path("timeout");
  struct run r;
  run(&r, 20000,
      (char *[]){(char *)inject_bin(), "--log", (char *)log, "--timeout-ms", "200", "--",
                 (char *)forker_bin(), "sleep", "1200", NULL});
  cr_assert_eq(r.status, 0, "stderr: %s", r.err);
  json_t *events = finish_log(log);
  cr_assert_str_eq(
      json_string_value(json_object_get(find_event(events, "summary", NULL), "reason")), "timeout");
  json_decref(events);
  itest_assert_no_leaks(&before);
}

Test(inject, bad_plans_are_refused)
{
  struct run r;
  const char *bad[] = {"clone@0=errno(EAGAIN)", "nope@1=kill",  "clone@1=errno(ENOTANERRNO)",
                       "clone@1=short(3)",      "sync@1=delay", "clone@1=kill(3)"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    run(&r, 10000,
        (char *[]){(char *)inject_bin(), "--plan", (char *)bad[i], "--", "/bin/true", NULL});
    cr_assert_eq(r.status, 125, "%s: status %d", bad[i], r.status);
    cr_assert(strstr(r.err, bad[i]) != NULL, "%s: the message does not name it: %s", bad[i], r.err);
  }
}

/* ---- nsrt ----------------------------------------------------------------- */

static json_t *userns_config(void)
{
  json_t *cfg = itest_config();
  json_t *lx = json_object_get(cfg, "linux");
  json_array_append_new(json_object_get(lx, "namespaces"), json_pack("{s:s}", "type", "user"));
  json_object_set_new(
      lx, "uidMappings",
      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", 100000, "size", 65536));
  json_object_set_new(
      lx, "gidMappings",
      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", 100000, "size", 65536));
  return cfg;
}

/* nsrt create under nsc-inject with one plan step: it must fail with the
 * given line, the fault must be in the log, and nothing may be left. */
static void nsrt_fault(const char *step, bool userns, const char *target, int n, const char *action,
                       const char *line)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = userns ? userns_config() : itest_config();
  const char *id = itest_id();
  const char *log = log_path(target);
  struct run r;
  run(&r, 20000,
      (char *[]){(char *)inject_bin(), "--log", (char *)log, "--plan", (char *)step, "--",
                 (char *)itest_nsrt_bin(), "--root", (char *)itest_root(), "create", "--bundle",
                 (char *)itest_bundle(cfg), (char *)id, NULL});
  cr_assert_eq(r.status, 1, "%s: status %d, stderr %s", step, r.status, r.err);
  cr_assert_str_eq(r.err, line, "%s", step);
  json_t *events = finish_log(log);
  assert_fault(events, target, n, action);
  json_decref(events);
  struct itest_result st;
  cr_assert_neq(itest_nsrtv(&st, 10000, "state", id, NULL), 0, "%s: the container exists", step);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

Test(inject, nsrt_create_clone3_of_the_intermediate_fails)
{
  nsrt_fault("clone3@1=errno(EAGAIN)", false, "clone3", 1, "errno",
             "nsrt: main: clone_intermediate: Resource temporarily unavailable\n");
}

Test(inject, nsrt_create_clone3_of_the_init_fails)
{
  nsrt_fault("clone3@2=errno(ENOMEM)", true, "clone3", 2, "errno",
             "nsrt: intermediate: clone_init: Cannot allocate memory\n");
}

/* The kernel takes 12 bytes of "0 100000 65536\n" (a valid, smaller map):
 * nsrt must notice the write was short. */
Test(inject, nsrt_create_short_uid_map_write_fails)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = userns_config();
  const char *id = itest_id();
  const char *log = log_path("uid_map");
  struct run r;
  run(&r, 20000,
      (char *[]){(char *)inject_bin(), "--log", (char *)log, "--plan", "uid_map@1=short(12)", "--",
                 (char *)itest_nsrt_bin(), "--root", (char *)itest_root(), "create", "--bundle",
                 (char *)itest_bundle(cfg), (char *)id, NULL});
  cr_assert_eq(r.status, 1, "status %d, stderr %s", r.status, r.err);
  cr_assert(strncmp(r.err, "nsrt: main: write_uid_map: /proc/", 33) == 0, "%s", r.err);
  cr_assert(strstr(r.err, "short write (12 of 15 bytes): Input/output error\n") != NULL, "%s",
            r.err);
  json_t *events = finish_log(log);
  assert_fault(events, "uid_map", 1, "short");
  cr_assert_str_eq(
      json_string_value(json_object_get(find_event(events, "fault", "uid_map"), "detail")),
      "wrote 12 of 15 bytes");
  json_decref(events);
  struct itest_result st;
  cr_assert_neq(itest_nsrtv(&st, 10000, "state", id, NULL), 0, "the container exists");
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

/* A clean create under the supervisor: the container runs on with the
 * filter, the supervisor with it, until `delete --force` ends the tree;
 * the counts are those of nsrt's pipeline. */
Test(inject, supervisor_lives_as_long_as_the_container)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = userns_config();
  json_object_set_new(json_object_get(cfg, "process"), "args",
                      json_pack("[s,s]", "/bin/sleep", "30"));
  const char *id = itest_id();
  const char *log = log_path("create");
  struct run r;
  run(&r, 20000,
      (char *[]){(char *)inject_bin(), "--log", (char *)log, "--", (char *)itest_nsrt_bin(),
                 "--root", (char *)itest_root(), "create", "--bundle", (char *)itest_bundle(cfg),
                 (char *)id, NULL});
  cr_assert_eq(r.status, 0, "stderr %s", r.err);
  struct itest_result res;
  json_t *st = itest_state(id, &res);
  cr_assert_not_null(st, "no state: %s", res.err);
  pid_t init = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  /* still supervising: no summary yet */
  char *text = itest_read_file(log, NULL);
  cr_assert(text && !strstr(text, "\"summary\""), "the supervisor ended early: %s", text);
  free(text);
  cr_assert_eq(itest_nsrtv(&res, 10000, "delete", "--force", id, NULL), 0, "%s", res.err);
  itest_wait_pid(init, 5000, NULL);
  json_t *events = finish_log(log);
  const json_t *s = find_event(events, "summary", NULL);
  cr_assert_str_eq(json_string_value(json_object_get(s, "reason")), "hangup");
  cr_assert_eq(summary_count(events, "clone3"), 2, "intermediate and init");
  cr_assert_eq(summary_count(events, "uid_map"), 1);
  cr_assert_eq(summary_count(events, "gid_map"), 1);
  cr_assert_eq(summary_count(events, "execve"), 0, "the init does not exec before start");
  json_decref(events);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

/* ---- the black-box sweep through nsconform ----------------------------------- */

/* nsrt without its failpoints (tools/nofp) takes the black-box path of
 * `nsconform faults`: the base specs are recorded, clone3 N in 1..count gets
 * errno(EAGAIN), and every case passes. */
static int faults_run(const char *out, const char *nsrt_bin, const char *bugs, struct run *r)
{
  const char *nsconform = getenv("NSCONFORM_BIN");
  const char *tools = getenv("NSC_TOOLS");
  cr_assert(nsconform && tools, "NSCONFORM_BIN and NSC_TOOLS must be set (make integration)");
  char nofp[PATH_MAX], env_bin[PATH_MAX + 16], env_bugs[256];
  snprintf(nofp, sizeof(nofp), "%s/nofp", tools);
  snprintf(env_bin, sizeof(env_bin), "NSRT_BIN=%s", nsrt_bin);
  snprintf(env_bugs, sizeof(env_bugs), "NSRT_BUGS=%s", bugs ? bugs : "");
  run(r, 120000,
      (char *[]){"/usr/bin/env", env_bin, env_bugs, (char *)nsconform, "faults", "--runtime", nofp,
                 "--rootfs", (char *)itest_rootfs(), "--points", "clone3", "--actions", "errno",
                 "--jobs", "1", "--out", (char *)out, NULL});
  return r->status;
}

static json_t *case_of(json_t *results, const char *id)
{
  json_t *cases = json_object_get(results, "cases");
  size_t i;
  json_t *c;
  json_array_foreach(cases, i, c)
  {
    if (strcmp(json_string_value(json_object_get(c, "id")) ?: "", id) == 0)
      return c;
  }
  return NULL;
}

static const char *verdict_of(json_t *c, const char *req)
{
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(c, "verdicts"), i, v)
  {
    if (strcmp(json_string_value(json_object_get(v, "requirement")) ?: "", req) == 0)
      return json_string_value(json_object_get(v, "verdict"));
  }
  return NULL;
}

Test(inject, sweep_of_nsrt_through_the_supervisor, .timeout = 180)
{
  struct itest_snap before;
  itest_snapshot(&before);
  char out[PATH_MAX];
  snprintf(out, sizeof(out), "%s/faults", itest_bundle_dir());
  struct run r;
  int rc = faults_run(out, itest_nsrt_bin(), NULL, &r);
  cr_assert_eq(rc, 0, "nsconform faults exited %d:\n%s%s", rc, r.out, r.err);
  cr_assert(strstr(r.err, "black box") != NULL, "not the black-box path: %s", r.err);
  char path[PATH_MAX + 32];
  snprintf(path, sizeof(path), "%s/results.json", out);
  json_t *res = json_load_file(path, 0, NULL);
  cr_assert_not_null(res, "no %s", path);
  /* the recording run counted nsrt's two clone3 calls of create */
  json_t *base = case_of(res, "b-base-userns");
  cr_assert_not_null(base);
  cr_assert_eq(
      json_integer_value(json_object_get(
          json_object_get(json_object_get(json_object_get(base, "fault"), "counts"), "create"),
          "clone3")),
      2);
  const char *ids[] = {"b-userns-create-clone3-1-errno", "b-userns-create-clone3-2-errno"};
  for (size_t i = 0; i < 2; i++) {
    json_t *c = case_of(res, ids[i]);
    cr_assert_not_null(c, "no case %s", ids[i]);
    const char *reqs[] = {"robust.fault.fired",       "robust.fault.error-exit",
                          "robust.fault.error-errno", "robust.fault.bounded",
                          "runtime.errors.no-change", "runtime.delete.removes-resources"};
    for (size_t k = 0; k < sizeof(reqs) / sizeof(reqs[0]); k++) {
      const char *v = verdict_of(c, reqs[k]);
      cr_assert(v && strcmp(v, "PASS") == 0, "%s: %s is %s", ids[i], reqs[k], v ? v : "absent");
    }
  }
  json_decref(res);
  itest_assert_no_leaks(&before);
}

/* The same sweep against nsrt-bugs with main not reaping the intermediate on
 * its error path: the black box must catch it with the leak verdict. */
Test(inject, sweep_catches_an_unreaped_intermediate, .timeout = 180)
{
  const char *bugs_bin = getenv("NSRT_BUGS_BIN");
  cr_assert(bugs_bin && *bugs_bin, "NSRT_BUGS_BIN must be set (make integration)");
  struct itest_snap before;
  itest_snapshot(&before);
  char out[PATH_MAX];
  snprintf(out, sizeof(out), "%s/faults-bugs", itest_bundle_dir());
  struct run r;
  int rc = faults_run(out, bugs_bin, "intermediate-no-reap", &r);
  cr_assert_eq(rc, 1, "nsconform faults exited %d:\n%s%s", rc, r.out, r.err);
  char path[PATH_MAX + 32];
  snprintf(path, sizeof(path), "%s/results.json", out);
  json_t *res = json_load_file(path, 0, NULL);
  cr_assert_not_null(res, "no %s", path);
  /* clone3 #2 is the intermediate's clone of the init: the intermediate
   * fails, and main leaves it */
  json_t *c = case_of(res, "b-userns-create-clone3-2-errno");
  cr_assert_not_null(c);
  const char *v = verdict_of(c, "runtime.errors.no-change");
  cr_assert(v && strcmp(v, "FAIL") == 0, "runtime.errors.no-change is %s", v ? v : "absent");
  json_decref(res);
  itest_assert_no_leaks(&before);
}

/* `nsconform overhead` runs nsrt through the harness's own supervised spawn
 * path (the sweep's per-command path) and bare, and leaves nothing behind:
 * the figures it prints are a benchmark's, only their presence is checked. */
Test(inject, overhead_measures_the_spawn_path_and_leaves_nothing)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = itest_config();
  json_object_set_new(json_object_get(cfg, "process"), "args", json_pack("[s]", "/bin/true"));
  const char *bundle = itest_bundle(cfg);
  struct run r;
  run(&r, 60000,
      (char *[]){(char *)getenv("NSCONFORM_BIN"), "overhead", "--runtime", (char *)itest_nsrt_bin(),
                 "--bundle", (char *)bundle, "--runs", "2", NULL});
  cr_assert_eq(r.status, 0, "status %d:\n%s%s", r.status, r.out, r.err);
  cr_assert(strstr(r.out, "2 runs each, medians: bare ") != NULL, "%s", r.out);
  cr_assert(strstr(r.out, "every target counted ") != NULL, "%s", r.out);
  cr_assert(strstr(r.out, "one-step plan ") != NULL, "%s", r.out);
  /* a runtime that fails is a harness error, not a figure */
  run(&r, 60000,
      (char *[]){(char *)getenv("NSCONFORM_BIN"), "overhead", "--runtime", "/bin/false", "--bundle",
                 (char *)bundle, "--runs", "1", NULL});
  cr_assert_eq(r.status, 2, "status %d:\n%s%s", r.status, r.out, r.err);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}
