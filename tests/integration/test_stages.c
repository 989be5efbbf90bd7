/* Stage probes against the real nsrt: every stage case passes with its
 * boundaries reached and nothing left; nsrt-bugs with a defect a boundary
 * can see (rlimits set after the user namespace, a runtime fd without
 * close-on-exec) fails the right requirement; the failure paths (a create
 * that fails after a pause, a boundary never reached) leave no process
 * stopped and nothing behind. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "itest.h"
/* harness/src by path: runtime-core has headers of the same names */
#include "../../harness/src/driver.h"
#include "../../harness/src/stages.h"

TestSuite(stages, .init = itest_setup, .fini = itest_teardown, .timeout = 240);

struct harness {
  struct nsc_runtime rt;
  struct nsc_driver d;
};

static void harness_open(struct harness *h, const char *bin, int timeout_ms)
{
  struct nsrt_err err;
  char root[PATH_MAX], work[PATH_MAX];
  snprintf(root, sizeof(root), "%s/nsc-root", itest_root());
  snprintf(work, sizeof(work), "%s/work", itest_bundle_dir());
  memset(h, 0, sizeof(*h));
  cr_assert_eq(nsc_runtime_open(&h->rt, bin, root, false, timeout_ms, &err), 0, "runtime %s: %s",
               bin, err.text);
  cr_assert_eq(nsc_driver_init(&h->d, &h->rt, itest_rootfs(), work, &err), 0, "driver: %s",
               err.text);
}

static void harness_close(struct harness *h)
{
  nsc_driver_fini(&h->d);
  /* empty once every case's delete ran; left otherwise, for the leak check */
  rmdir(h->rt.root);
  char work[PATH_MAX];
  snprintf(work, sizeof(work), "%s/work", itest_bundle_dir());
  rmdir(work);
}

/* Is process pid one of this test's: in the driver's cgroup (nsconform.<our
 * pid>) or reparented to us? */
static bool ours(const char *pid)
{
  char path[300], mark[64];
  snprintf(path, sizeof(path), "/proc/%s/cgroup", pid);
  snprintf(mark, sizeof(mark), "/nsconform.%d", (int)getpid());
  char *cg = itest_read_file(path, NULL);
  const char *at = cg ? strstr(cg, mark) : NULL;
  bool in = at && (at[strlen(mark)] == '/' || at[strlen(mark)] == '\n');
  free(cg);
  if (in)
    return true;
  snprintf(path, sizeof(path), "/proc/%s/status", pid);
  char *st = itest_read_file(path, NULL);
  const char *pp = st ? strstr(st, "\nPPid:\t") : NULL;
  bool child = pp && atoi(pp + 7) == (int)getpid();
  free(st);
  return child;
}

/* This test's processes stopped by a pause (state T) whose name is a stage of
 * nsrt; they are killed so the next test starts clean.  Called before the
 * driver's cgroup goes away, which would kill them unseen. */
static int stopped_stages(char *report, size_t len)
{
  int n = 0;
  report[0] = '\0';
  DIR *d = opendir("/proc");
  cr_assert_not_null(d);
  struct dirent *de;
  while ((de = readdir(d))) {
    char path[300];
    snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
    char *text = de->d_name[0] >= '1' && de->d_name[0] <= '9' ? itest_read_file(path, NULL) : NULL;
    if (!text)
      continue;
    const char *open = strchr(text, '('), *close = strrchr(text, ')');
    if (open && close && close[1] == ' ' && (close[2] == 'T' || close[2] == 't') &&
        strncmp(open + 1, "nsrt:", 5) == 0 && ours(de->d_name)) {
      n++;
      size_t used = strlen(report);
      snprintf(report + used, len - used, "%s%.*s", used ? ", " : "", (int)(close - text + 3),
               text);
      kill(atoi(de->d_name), SIGKILL);
    }
    free(text);
  }
  closedir(d);
  return n;
}

static const struct nsc_verdict *find(const struct nsc_result *r, const char *req,
                                      enum nsc_verdict_kind kind)
{
  for (size_t i = 0; i < r->verdicts.n; i++)
    if (!strcmp(r->verdicts.v[i].requirement, req) && r->verdicts.v[i].verdict == kind)
      return &r->verdicts.v[i];
  return NULL;
}

static size_t count(const struct nsc_result *r, const char *prefix, enum nsc_verdict_kind kind)
{
  size_t n = 0;
  for (size_t i = 0; i < r->verdicts.n; i++)
    n += !strncmp(r->verdicts.v[i].requirement, prefix, strlen(prefix)) &&
         r->verdicts.v[i].verdict == kind;
  return n;
}

/* The failures (every verdict with STAGES_VERBOSE set) on stderr. */
static void print_failures(const struct nsc_result *r)
{
  bool all = getenv("STAGES_VERBOSE") != NULL;
  for (size_t i = 0; i < r->verdicts.n; i++) {
    const struct nsc_verdict *v = &r->verdicts.v[i];
    if (all && v->verdict != NSC_FAIL)
      fprintf(stderr, "%s %s %s\n  expected: %s\n  actual:   %s%s%s\n", r->case_id,
              nsc_verdict_name(v->verdict), v->requirement, v->expected ? v->expected : "",
              v->actual ? v->actual : "", v->reason ? "\n  reason:   " : "",
              v->reason ? v->reason : "");
    if (v->verdict == NSC_FAIL)
      fprintf(stderr, "%s FAIL %s\n  expected: %s\n  actual:   %s\n", r->case_id, v->requirement,
              v->expected ? v->expected : "", v->actual ? v->actual : "");
  }
  for (char **l = r->leaks; l && *l; l++)
    fprintf(stderr, "%s leak: %s\n", r->case_id, *l);
}

static struct nsc_case *case_by_prefix(struct nsc_case *cases, size_t n, const char *prefix)
{
  for (size_t i = 0; i < n; i++)
    if (!strncmp(cases[i].id, prefix, strlen(prefix)))
      return &cases[i];
  cr_assert_fail("no stage case %s", prefix);
  return NULL;
}

static void free_cases(struct nsc_case *cases, size_t n)
{
  for (size_t i = 0; i < n; i++)
    nsc_case_free(&cases[i]);
  free(cases);
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(stages, every_case_passes)
{
  struct itest_snap before;
  itest_snapshot(&before);
  struct harness h;
  harness_open(&h, itest_nsrt_bin(), 30000);
  struct nsc_case *cases;
  size_t n = nsc_stage_cases(&cases);
  cr_assert_geq(n, 3);
  size_t stage_pass = 0;
  for (size_t i = 0; i < n; i++) {
    struct nsc_result r;
    struct nsrt_err err;
    cr_assert_eq(nsc_driver_run(&h.d, &cases[i], &r, &err), 0, "%s: %s", cases[i].id, err.text);
    print_failures(&r);
    cr_expect_eq(count(&r, "", NSC_FAIL), 0, "%s: %zu verdicts failed (listed on stderr)",
                 r.case_id, count(&r, "", NSC_FAIL));
    cr_expect_null(r.leaks, "%s leaked (listed on stderr)", r.case_id);
    cr_expect(json_is_true(json_object_get(r.fault, "fired")), "%s: a boundary was not reached",
              r.case_id);
    cr_expect_not_null(find(&r, "robust.fault.fired", NSC_PASS), "%s", r.case_id);
    cr_expect_not_null(find(&r, "config-linux.namespaces.new", NSC_PASS), "%s", r.case_id);
    cr_expect_not_null(find(&r, "runtime-linux.file-descriptors.default", NSC_PASS), "%s",
                       r.case_id);
    cr_expect_not_null(find(&r, "robust.stage.root", NSC_PASS), "%s", r.case_id);
    cr_expect_not_null(find(&r, "robust.stage.no-host-mounts", NSC_PASS), "%s", r.case_id);
    cr_expect_not_null(find(&r, "runtime.start.runs-program", NSC_PASS), "%s", r.case_id);
    stage_pass += count(&r, "robust.stage.", NSC_PASS);
    if (!strncmp(r.case_id, "s001", 4)) {
      /* a new user namespace: the user boundary's checks all ran */
      static const char *const user_reqs[] = {
          "config-linux.user-namespace-mappings.uid-applied",
          "config-linux.user-namespace-mappings.gid-applied",
          "robust.stage.setgroups",
          "robust.stage.userns-root",
          "robust.stage.rlimits-early",
          "robust.stage.not-dumpable",
          "robust.stage.ns-order",
          "config.capabilities.effective",
          "config.capabilities.ambient",
          "config.user.additional-gids",
          "config-linux.seccomp.installed",
          "config.process.cwd-applied",
      };
      for (size_t k = 0; k < sizeof(user_reqs) / sizeof(user_reqs[0]); k++)
        cr_expect_not_null(find(&r, user_reqs[k], NSC_PASS), "s001: no PASS of %s", user_reqs[k]);
    }
    if (!strncmp(r.case_id, "s002", 4))
      cr_expect_not_null(find(&r, "config-linux.time-offsets.applied", NSC_PASS),
                         "s002: time offsets not checked at the pid/time boundary");
    if (!strncmp(r.case_id, "s003", 4))
      cr_expect_not_null(find(&r, "config-linux.namespaces.path-join", NSC_PASS),
                         "s003: joined namespaces not checked");
    nsc_result_free(&r);
  }
  cr_expect_geq(stage_pass, 10, "only %zu robust.stage verdicts passed", stage_pass);
  free_cases(cases, n);
  char report[1024];
  cr_expect_eq(stopped_stages(report, sizeof(report)), 0, "stopped stage processes: %s", report);
  harness_close(&h);
  itest_assert_no_leaks(&before);
}

/* One stage case run with the known-bug build; returns its result. */
static void run_with_bug(struct harness *h, const char *prefix, const char *bug,
                         struct nsc_result *r)
{
  struct nsc_case *cases;
  size_t n = nsc_stage_cases(&cases);
  struct nsc_case *c = case_by_prefix(cases, n, prefix);
  json_object_set_new(c->fault, "bugs", json_pack("[s]", bug));
  struct nsrt_err err;
  cr_assert_eq(nsc_driver_run(&h->d, c, r, &err), 0, "%s: %s", c->id, err.text);
  free_cases(cases, n);
}

static const char *bugs_bin(void)
{
  const char *b = getenv("NSRT_BUGS_BIN");
  static char path[PATH_MAX];
  if (b)
    return b;
  snprintf(path, sizeof(path), "%s/../nsrt-bugs", itest_nsrt_bin());
  return path;
}

Test(stages, late_rlimits_caught_at_user_boundary)
{
  struct itest_snap before;
  itest_snapshot(&before);
  if (access(bugs_bin(), X_OK) != 0)
    cr_skip_test("no nsrt-bugs at %s", bugs_bin());
  struct harness h;
  harness_open(&h, bugs_bin(), 30000);
  struct nsc_result r;
  run_with_bug(&h, "s001", "rlimits-after-userns", &r);
  const struct nsc_verdict *v = find(&r, "robust.stage.rlimits-early", NSC_FAIL);
  cr_expect_not_null(v, "rlimits set after the user namespace were not caught");
  if (v)
    cr_log_info("caught: %s / %s", v->expected, v->actual);
  /* the case still ends normally: only the boundary sees the defect */
  cr_expect_not_null(find(&r, "runtime.start.runs-program", NSC_PASS));
  cr_expect_null(r.leaks);
  nsc_result_free(&r);
  char report[1024];
  cr_expect_eq(stopped_stages(report, sizeof(report)), 0, "stopped: %s", report);
  harness_close(&h);
  itest_assert_no_leaks(&before);
}

Test(stages, dumpable_stage_caught)
{
  struct itest_snap before;
  itest_snapshot(&before);
  if (access(bugs_bin(), X_OK) != 0)
    cr_skip_test("no nsrt-bugs at %s", bugs_bin());
  struct harness h;
  harness_open(&h, bugs_bin(), 30000);
  struct nsc_result r;
  run_with_bug(&h, "s001", "stage-dumpable", &r);
  const struct nsc_verdict *v = find(&r, "robust.stage.not-dumpable", NSC_FAIL);
  cr_expect_not_null(v, "a stage made dumpable after the id switch was not caught");
  if (v)
    cr_log_info("caught: %s / %s", v->expected, v->actual);
  cr_expect_null(r.leaks);
  nsc_result_free(&r);
  char report[1024];
  cr_expect_eq(stopped_stages(report, sizeof(report)), 0, "stopped: %s", report);
  harness_close(&h);
  itest_assert_no_leaks(&before);
}

Test(stages, runtime_fd_without_cloexec_caught_before_exec)
{
  struct itest_snap before;
  itest_snapshot(&before);
  if (access(bugs_bin(), X_OK) != 0)
    cr_skip_test("no nsrt-bugs at %s", bugs_bin());
  struct harness h;
  /* the leaked connection keeps start waiting for the exec it cannot see:
   * a short bound on each command ends that early */
  harness_open(&h, bugs_bin(), 5000);
  struct nsc_result r;
  run_with_bug(&h, "s003", "start-conn-no-cloexec", &r);
  bool caught = false;
  for (size_t i = 0; i < r.verdicts.n; i++) {
    const struct nsc_verdict *v = &r.verdicts.v[i];
    if (v->verdict == NSC_FAIL &&
        !strcmp(v->requirement, "runtime-linux.file-descriptors.default") && v->expected &&
        strstr(v->expected, "before execve"))
      caught = true;
  }
  cr_expect(caught, "the init's start connection without FD_CLOEXEC was not caught at the init "
                    "boundary");
  nsc_result_free(&r);
  char report[1024];
  cr_expect_eq(stopped_stages(report, sizeof(report)), 0, "stopped: %s", report);
  harness_close(&h);
  itest_assert_no_leaks(&before);
}

/* create fails after the user boundary paused and resumed: nothing stays
 * stopped, nothing leaks, the failure is recorded. */
Test(stages, create_failing_after_a_pause)
{
  struct itest_snap before;
  itest_snapshot(&before);
  struct harness h;
  harness_open(&h, itest_nsrt_bin(), 30000);
  struct nsc_case *cases;
  size_t n = nsc_stage_cases(&cases);
  struct nsc_case *c = case_by_prefix(cases, n, "s001");
  json_array_append_new(json_object_get(c->fault, "steps"),
                        json_pack("{s:s, s:s, s:s}", "point", "intermediate.unshare_pid", "action",
                                  "err", "arg", "EAGAIN"));
  struct nsc_result r;
  struct nsrt_err err;
  double t0 = now_s();
  cr_assert_eq(nsc_driver_run(&h.d, c, &r, &err), 0, "%s", err.text);
  double took = now_s() - t0;
  print_failures(&r);
  cr_expect_not_null(find(&r, "runtime.create.new-container", NSC_FAIL),
                     "create did not fail with an err at unshare_pid");
  cr_expect_not_null(find(&r, "robust.stage.userns-root", NSC_PASS),
                     "the user boundary was not inspected before the failure");
  cr_expect_str_eq(json_string_value(json_object_get(r.fault, "failed_command")) ?: "", "create");
  cr_expect_null(r.leaks);
  cr_expect_lt(took, 20.0, "the failing case took %.1f s", took);
  nsc_result_free(&r);
  free_cases(cases, n);
  char report[1024];
  cr_expect_eq(stopped_stages(report, sizeof(report)), 0, "stopped: %s", report);
  harness_close(&h);
  itest_assert_no_leaks(&before);
}

/* The init dies before its boundary: the pause never fires, which is a
 * failure of robust.fault.fired, in bounded time, with nothing stopped. */
Test(stages, boundary_never_reached)
{
  struct itest_snap before;
  itest_snapshot(&before);
  struct harness h;
  harness_open(&h, itest_nsrt_bin(), 30000);
  struct nsc_case *cases;
  size_t n = nsc_stage_cases(&cases);
  struct nsc_case *c = case_by_prefix(cases, n, "s003");
  json_array_append_new(json_object_get(c->fault, "steps"),
                        json_pack("{s:s, s:s}", "point", "init.wait_start", "action", "kill"));
  struct nsc_result r;
  struct nsrt_err err;
  double t0 = now_s();
  cr_assert_eq(nsc_driver_run(&h.d, c, &r, &err), 0, "%s", err.text);
  double took = now_s() - t0;
  print_failures(&r);
  cr_expect_not_null(find(&r, "robust.fault.fired", NSC_FAIL),
                     "an unreached init boundary was not reported");
  cr_expect(!json_is_true(json_object_get(r.fault, "fired")));
  cr_expect_lt(took, 30.0, "the case took %.1f s", took);
  nsc_result_free(&r);
  free_cases(cases, n);
  char report[1024];
  cr_expect_eq(stopped_stages(report, sizeof(report)), 0, "stopped: %s", report);
  harness_close(&h);
  itest_assert_no_leaks(&before);
}
