/* The harness end to end: a small generated suite against nsrt passes with
 * no MUST failure and no leak; a deliberately broken runtime is caught with
 * the right requirement id; shards merge into the whole run. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

/* What a runtime that drops the user namespace must fail. */
#define USERNS_REQUIREMENT "config-linux.namespaces.new"

TestSuite(harness, .init = itest_setup, .fini = itest_teardown, .timeout = 240);

static const char *out_dir(const char *name)
{
  static char dirs[4][PATH_MAX];
  static int next;
  char *d = dirs[next++ % 4];
  snprintf(d, PATH_MAX, "%s/%s", itest_bundle_dir(), name);
  return d;
}

Test(harness, small_suite_against_nsrt_has_no_must_failure_and_no_leak)
{
  struct itest_snap before;
  itest_snapshot(&before);
  const char *out = out_dir("nsrt");
  int st = itest_nsconform(200, "nsrt.log", "run", "--runtime", getenv("NSRT_BIN"), "--rootfs",
                           itest_rootfs(), "--seed", "7", "--count", "24", "--out", out, NULL);
  char *log = itest_log_text("nsrt.log");
  json_t *doc = itest_load_results(out);
  json_t *cases = json_object_get(doc, "cases");
  size_t i;
  json_t *c;
  char failures[8192] = "";
  json_array_foreach(cases, i, c)
  {
    size_t j;
    json_t *v;
    json_array_foreach(json_object_get(c, "verdicts"), j, v)
    {
      const char *level = json_string_value(json_object_get(v, "level"));
      if (!strcmp(json_string_value(json_object_get(v, "verdict")), "FAIL") &&
          (!level || !strncmp(level, "MUST", 4)))
        snprintf(failures + strlen(failures), sizeof(failures) - strlen(failures),
                 "%s %s: expected %s, actual %s\n", json_string_value(json_object_get(c, "id")),
                 json_string_value(json_object_get(v, "requirement")),
                 json_string_value(json_object_get(v, "expected")),
                 json_string_value(json_object_get(v, "actual")));
    }
    cr_expect_eq(json_array_size(json_object_get(c, "leaks")), 0, "case %s leaked: %s",
                 json_string_value(json_object_get(c, "id")),
                 json_dumps(json_object_get(c, "leaks"), 0));
  }
  cr_assert_str_eq(failures, "", "MUST failures of nsrt:\n%s", failures);
  cr_assert_eq(st, 0, "nsconform exited %d:\n%s", st, log);
  cr_assert_geq(json_array_size(cases), 24, "only %zu cases", json_array_size(cases));
  /* every report is there */
  const char *files[] = {"report.tap", "junit.xml", "index.html"};
  for (size_t k = 0; k < 3; k++) {
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", out, files[k]);
    cr_assert_eq(access(p, R_OK), 0, "no %s", p);
  }
  free(log);
  json_decref(doc);
  itest_assert_no_leaks(&before);
}

/* A runtime that silently drops the user namespace must fail the user
 * namespace requirements, and nothing else may hide it. */
Test(harness, broken_runtime_is_caught_with_the_requirement_id)
{
  char broken[PATH_MAX];
  snprintf(broken, sizeof(broken), "%s/strip_userns", getenv("NSC_TOOLS"));
  const char *out = out_dir("broken");
  int st =
      itest_nsconform(200, "broken.log", "run", "--runtime", broken, "--rootfs", itest_rootfs(),
                      "--seed", "7", "--count", "24", "--only", "g", "--out", out, NULL);
  char *log = itest_log_text("broken.log");
  cr_assert_eq(st, 1, "nsconform exited %d (1 expected: MUST failures):\n%s", st, log);
  json_t *doc = itest_load_results(out);
  size_t i, j;
  json_t *c, *v;
  int caught = 0;
  json_array_foreach(json_object_get(doc, "cases"), i, c)
  {
    json_array_foreach(json_object_get(c, "verdicts"), j, v)
    {
      const char *req = json_string_value(json_object_get(v, "requirement"));
      if (!strcmp(json_string_value(json_object_get(v, "verdict")), "FAIL") &&
          !strcmp(req, USERNS_REQUIREMENT))
        caught++;
    }
  }
  cr_assert_gt(caught, 0, "no FAIL of %s in %s", USERNS_REQUIREMENT, out);
  free(log);
  json_decref(doc);
}

/* The FAIL verdicts of a run's results.json, one line each (for messages). */
static char *failures_of(const char *dir)
{
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/results.json", dir);
  json_t *doc = json_load_file(path, 0, NULL);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  cr_assert_not_null(f);
  if (!doc)
    fprintf(f, "(no %s)", path);
  size_t i, j;
  json_t *c, *v;
  json_array_foreach(json_object_get(doc, "cases"), i, c)
  {
    json_array_foreach(json_object_get(c, "verdicts"), j, v)
    {
      if (!strcmp(json_string_value(json_object_get(v, "verdict")) ?: "", "FAIL"))
        fprintf(f, "%s %s: %s\n", json_string_value(json_object_get(c, "id")),
                json_string_value(json_object_get(v, "requirement")),
                json_string_value(json_object_get(v, "actual")) ?: "");
    }
  }
  fclose(f);
  json_decref(doc);
  return text;
}

Test(harness, shards_merge_into_the_whole_run)
{
  const char *a = out_dir("shard1"), *b = out_dir("shard2"), *m = out_dir("merged");
  const char *common[] = {"--runtime", getenv("NSRT_BIN"), "--rootfs", itest_rootfs(), "--seed",
                          "11",        "--count",          "6"};
  int s1 =
      itest_nsconform(200, "s1.log", "run", common[0], common[1], common[2], common[3], common[4],
                      common[5], common[6], common[7], "--shard", "1/2", "--out", a, NULL);
  int s2 =
      itest_nsconform(200, "s2.log", "run", common[0], common[1], common[2], common[3], common[4],
                      common[5], common[6], common[7], "--shard", "2/2", "--out", b, NULL);
  if (s1 != 0 || s2 != 0) {
    char *f1 = failures_of(a), *f2 = failures_of(b);
    cr_assert_fail("shards exited %d and %d:\n%s%s", s1, s2, f1, f2);
  }
  char ra[PATH_MAX], rb[PATH_MAX];
  snprintf(ra, sizeof(ra), "%s/results.json", a);
  snprintf(rb, sizeof(rb), "%s/results.json", b);
  int sm = itest_nsconform(60, "merge.log", "report", "--merge", "--out", m, ra, rb, NULL);
  char *log = itest_log_text("merge.log");
  cr_assert_eq(sm, 0, "merge exited %d:\n%s", sm, log);
  json_t *da = itest_load_results(a), *db = itest_load_results(b), *dm = itest_load_results(m);
  size_t na = json_array_size(json_object_get(da, "cases"));
  size_t nb = json_array_size(json_object_get(db, "cases"));
  size_t nm = json_array_size(json_object_get(dm, "cases"));
  cr_assert(na > 0 && nb > 0, "empty shard: %zu and %zu cases", na, nb);
  cr_assert_eq(nm, na + nb, "merged %zu cases from %zu + %zu", nm, na, nb);
  cr_assert_str_eq(json_string_value(json_object_get(dm, "shard")), "1/1");
  free(log);
  json_decref(da);
  json_decref(db);
  json_decref(dm);
}
