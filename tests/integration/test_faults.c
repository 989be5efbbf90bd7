/* The white-box fault sweep end to end: a handful of points (a clone, a
 * send, a receive, steps) against nsrt all pass with nothing leaked; the
 * same points against nsrt-bugs with a deliberate defect (main does not reap
 * the intermediate on its error path) are caught by the leak verdict. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

TestSuite(faults, .init = itest_setup, .fini = itest_teardown, .timeout = 240);

/* One clone, one send, one receive, two steps; chan.init.recv.HOOKS_DONE and
 * main.write_uid_map's sleep are where the sweep found nsrt reporting the
 * wrong errno (the EPIPE of a send to a peer that had failed, instead of the
 * peer's own error). */
#define POINTS                                                                                     \
  "intermediate.clone_init,chan.intermediate.send.MAPPING_REQUEST,"                                \
  "chan.main.recv.INTERMEDIATE_READY,main.write_uid_map,chan.init.recv.HOOKS_DONE"
/* applicable actions but off and pause: clone 4, send 8, recv 6, step 4, recv 6 */
#define POINT_CASES (4 + 8 + 6 + 4 + 6)
#define BUG         "intermediate-no-reap"
/* The deadline of the sleep and drop cases: longer than the sweep's default,
 * so a loaded machine (the test suite runs tests side by side) does not
 * time out a stage before the faulted point. */
#define SYNC "400"

static const json_t *case_by_id(const json_t *doc, const char *id)
{
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(doc, "cases"), i, c)
  {
    if (!strcmp(json_string_value(json_object_get(c, "id")), id))
      return c;
  }
  return NULL;
}

/* The verdict of requirement req in case c, or NULL. */
static const char *verdict_of(const json_t *c, const char *req, const char **actual)
{
  size_t i;
  json_t *v;
  const char *found = NULL;
  json_array_foreach(json_object_get(c, "verdicts"), i, v)
  {
    if (strcmp(json_string_value(json_object_get(v, "requirement")), req) != 0)
      continue;
    const char *verdict = json_string_value(json_object_get(v, "verdict"));
    if (!found || !strcmp(verdict, "FAIL")) {
      found = verdict;
      if (actual)
        *actual = json_string_value(json_object_get(v, "actual"));
    }
  }
  return found;
}

Test(faults, handful_of_points_against_nsrt_all_pass_with_nothing_leaked)
{
  struct itest_snap before;
  itest_snapshot(&before);
  char out[PATH_MAX];
  snprintf(out, sizeof(out), "%s/sweep", itest_bundle_dir());
  int st = itest_nsconform(200, "sweep.log", "faults", "--runtime", getenv("NSRT_BIN"), "--rootfs",
                           itest_rootfs(), "--no-stages", "--points", POINTS, "--sync-timeout",
                           SYNC, "--jobs", "2", "--out", out, NULL);
  char *log = itest_log_text("sweep.log");
  /* exit 1 still writes the results: the failures below say which */
  cr_expect_eq(st, 0, "nsconform faults exited %d:\n%s", st, log);
  cr_assert(st == 0 || st == 1, "nsconform faults exited %d:\n%s", st, log);
  json_t *doc = itest_load_results(out);
  size_t i, j, n_fault = 0;
  json_t *c, *v;
  char failures[8192] = "";
  json_array_foreach(json_object_get(doc, "cases"), i, c)
  {
    const char *id = json_string_value(json_object_get(c, "id"));
    cr_expect_str_eq(json_string_value(json_object_get(c, "kind")), "fault", "%s", id);
    cr_expect_eq(json_array_size(json_object_get(c, "leaks")), 0, "%s leaked", id);
    json_array_foreach(json_object_get(c, "verdicts"), j, v)
    {
      if (!strcmp(json_string_value(json_object_get(v, "verdict")), "FAIL"))
        snprintf(failures + strlen(failures), sizeof(failures) - strlen(failures), "%s %s: %s\n",
                 id, json_string_value(json_object_get(v, "requirement")),
                 json_string_value(json_object_get(v, "actual")));
    }
    json_t *fault = json_object_get(c, "fault");
    if (json_is_true(json_object_get(fault, "discover")))
      continue;
    n_fault++;
    /* every fault case proves its fault fired, and says how it ended */
    cr_expect_str_eq(verdict_of(c, "robust.fault.fired", NULL), "PASS", "%s", id);
    cr_expect(json_is_true(json_object_get(fault, "fired")), "%s", id);
    cr_expect_gt(json_array_size(json_object_get(fault, "hits")), 0, "%s", id);
    cr_expect_not_null(verdict_of(c, "robust.fault.error-exit", NULL), "%s", id);
    cr_expect_not_null(verdict_of(c, "runtime.delete.removes-resources", NULL), "%s", id);
  }
  cr_expect_str_eq(failures, "", "failures:\n%s", failures);
  cr_expect_eq(n_fault, POINT_CASES, "%zu fault cases, %d expected", n_fault, POINT_CASES);

  /* a failed create: non-zero, bounded, errno and step named, nothing left */
  const json_t *e = case_by_id(doc, "f-main.write_uid_map-err");
  cr_assert_not_null(e);
  static const char *const reqs[] = {"robust.fault.error-exit", "robust.fault.bounded",
                                     "robust.fault.error-errno", "robust.fault.error-step",
                                     "runtime.errors.no-change"};
  for (size_t k = 0; k < sizeof(reqs) / sizeof(reqs[0]); k++)
    cr_expect_str_eq(verdict_of(e, reqs[k], NULL) ?: "(none)", "PASS", "%s", reqs[k]);
  cr_expect_str_eq(
      json_string_value(json_object_get(json_object_get(e, "fault"), "failed_command")), "create");
  /* the peer's own error, not the EPIPE of main's send to it */
  const char *actual = NULL;
  e = case_by_id(doc, "f-main.write_uid_map-sleep");
  cr_assert_not_null(e);
  cr_expect_str_eq(verdict_of(e, "robust.fault.error-errno", &actual) ?: "(none)", "PASS", "%s",
                   actual);
  e = case_by_id(doc, "f-chan.init.recv.HOOKS_DONE-err");
  cr_assert_not_null(e);
  cr_expect_str_eq(verdict_of(e, "robust.fault.error-errno", &actual) ?: "(none)", "PASS", "%s",
                   actual);

  /* the table and the reports */
  cr_expect(strstr(log, "main.write_uid_map ") && strstr(log, "cases/s"), "%s", log);
  const char *files[] = {"report.tap", "junit.xml", "index.html"};
  for (size_t k = 0; k < 3; k++) {
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", out, files[k]);
    cr_expect_eq(access(p, R_OK), 0, "no %s", p);
  }
  free(log);
  json_decref(doc);
  itest_assert_no_leaks(&before);
}

Test(faults, unreaped_intermediate_is_caught_by_the_leak_verdict)
{
  struct itest_snap before;
  itest_snapshot(&before);
  char out[PATH_MAX];
  snprintf(out, sizeof(out), "%s/bugs", itest_bundle_dir());
  int st =
      itest_nsconform(200, "bugs.log", "faults", "--runtime", getenv("NSRT_BUGS_BIN"), "--rootfs",
                      itest_rootfs(), "--no-stages", "--points", POINTS, "--sync-timeout", SYNC,
                      "--jobs", "2", "--bugs", BUG, "--out", out, NULL);
  char *log = itest_log_text("bugs.log");
  cr_assert_eq(st, 1, "nsconform faults exited %d (1 expected: MUST failures):\n%s", st, log);
  json_t *doc = itest_load_results(out);
  size_t i;
  json_t *c;
  size_t caught = 0;
  char other[4096] = "";
  json_array_foreach(json_object_get(doc, "cases"), i, c)
  {
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *actual = NULL;
    const char *v = verdict_of(c, "runtime.errors.no-change", &actual);
    if (v && !strcmp(v, "FAIL")) {
      cr_expect(strstr(actual, "nsrt:[1:INTER]") || strstr(actual, "zombie") ||
                    strstr(actual, "process left"),
                "%s: %s", id, actual);
      caught++;
      /* a failing case leaves its repro file */
      char path[PATH_MAX];
      snprintf(path, sizeof(path), "%s/repro/%s.json", out, id);
      cr_expect_eq(access(path, R_OK), 0, "no repro file %s", path);
    }
    /* the defect is a leak: the faults themselves are still handled */
    v = verdict_of(c, "robust.fault.fired", &actual);
    if (v && strcmp(v, "PASS") != 0)
      snprintf(other + strlen(other), sizeof(other) - strlen(other), "%s fired: %s\n", id, actual);
  }
  cr_expect_geq(caught, 3, "only %zu cases failed runtime.errors.no-change:\n%s", caught, log);
  cr_expect_str_eq(other, "");
  /* the defect's own case: main's step fails while the intermediate waits */
  const json_t *e = case_by_id(doc, "f-main.write_uid_map-err");
  cr_assert_not_null(e);
  cr_expect_str_eq(verdict_of(e, "runtime.errors.no-change", NULL) ?: "(none)", "FAIL");
  free(log);
  json_decref(doc);
  itest_assert_no_leaks(&before);
}
