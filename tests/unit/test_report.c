/* results.c and the report writers: results.json round trip, validation
 * errors, shard merge, TAP through prove and TAP::Parser, JUnit through
 * xmllint and tests/data/junit.xsd, HTML through xmllint. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#else
#define UNDER_VALGRIND() 0
#endif

#include "nsconform.h"
#include "report.h"
#include "results.h"

#define BIG_SEED       9223372036854775813ULL /* 2^63 + 5: a string in JSON */
#define CMD_TIMEOUT_MS 60000

/* The failing verdict's actual value: several lines, quotes, markup
 * characters, an apostrophe, a tab, a trailing blank line. */
static const char nasty_actual[] = "uid 0 \"root\" <not 1000> & 'more'\n"
                                   "  second line, indented\n"
                                   "\n"
                                   "last:\tline with a tab";
/* Runtime stderr: colour escapes and bytes that are not UTF-8. */
static const char nasty_stderr[] = "\x1b[31merror\x1b[0m: setresuid: \xff\xfe bad <b>\n";

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  return remove(path);
}

static void setup(void)
{
  strcpy(tmpdir, "/tmp/nsc-report-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
  nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(report, .init = setup, .fini = teardown, .timeout = 120);

/* ---- helpers ---------------------------------------------------------- */

/* A path in the test's directory (a few live at once, no freeing). */
static char *tpath(const char *name)
{
  static char bufs[4][256];
  static unsigned next;
  char *p = bufs[next++ % 4];
  snprintf(p, sizeof(bufs[0]), "%s/%s", tmpdir, name);
  return p;
}

static void add(struct nsc_result *r, const char *req, const char *level,
                enum nsc_verdict_kind kind, const char *expected, const char *actual,
                const char *reason)
{
  if (reason)
    nsc_verdict_add(&r->verdicts, req, kind, expected, actual, "%s", reason);
  else
    nsc_verdict_add(&r->verdicts, req, kind, expected, actual, NULL);
  r->verdicts.v[r->verdicts.n - 1].level = level ? strdup(level) : NULL;
}

static void init_result(struct nsc_result *r, const char *id, enum nsc_case_kind kind,
                        uint64_t seed, const char *title, double ms)
{
  memset(r, 0, sizeof(*r));
  snprintf(r->case_id, sizeof(r->case_id), "%s", id);
  r->kind = kind;
  r->seed = seed;
  r->title = strdup(title);
  r->duration_ms = ms;
}

#define NSAMPLE 4

/* Four cases, deliberately not in id order: a failure (at MUST level when
 * must_fail, else SHOULD), a pass, a skip with a '#' in its reason, a case
 * without verdicts. */
static void sample(struct nsc_result *r, bool must_fail)
{
  init_result(&r[0], "g0002", NSC_CASE_GENERATED, 7, "time namespace offsets", 12.4);
  add(&r[0], "config-linux.time.offsets", "MUST", NSC_SKIP, NULL, NULL,
      "kernel has no time namespace # CONFIG_TIME_NS");
  add(&r[0], "config.hostname.set", "MUST", NSC_PASS, "nsc", "nsc", NULL);

  init_result(&r[1], "g0001", NSC_CASE_GENERATED, BIG_SEED, "user 1000 in a new user ns", 300.4);
  add(&r[1], "config-linux.namespaces.new", "MUST", NSC_PASS, "differs from the host",
      "user:[4026532001]", NULL);
  add(&r[1], "config.process.user.uid", must_fail ? "MUST" : "SHOULD", NSC_FAIL, "uid 1000",
      nasty_actual, "the runtime did not call setresuid");
  r[1].leaks = calloc(3, sizeof(char *));
  r[1].leaks[0] = strdup("process 4242 (sleep) left in cgroup /nsconform/g0001");
  r[1].leaks[1] = strdup("mount \"/run/x y\" & <more>");
  r[1].runtime_stderr = strdup(nasty_stderr);
  r[1].repro = strdup("nsconform repro '/tmp/r/g0001 & co.json' --runtime=\"runc\"");

  init_result(&r[2], "n001-dup-ns", NSC_CASE_NEGATIVE, 9, "duplicated pid namespace", 3);
  add(&r[2], "config-linux.namespaces.duplicate-type", "MUST", NSC_PASS, "create fails",
      "exit status 1", NULL);

  init_result(&r[3], "l004-empty", NSC_CASE_LIFECYCLE, 11, "a case that recorded nothing", 0);
}

static void free_sample(struct nsc_result *r, size_t n)
{
  for (size_t i = 0; i < n; i++)
    nsc_result_free(&r[i]);
}

static struct nsc_run_info run_info(const char *name)
{
  static const char *const args[] = {"--root", "/run/nsconform-test", NULL};
  static const char *const caps[] = {"CAP_SYS_RESOURCE", NULL};
  return (struct nsc_run_info){.runtime_name = name,
                               .runtime_path = "/usr/sbin/runtime",
                               .runtime_version = "1.1.5",
                               .runtime_args = args,
                               .isolation = false,
                               .kernel = "6.18.0",
                               .cgroup = "hybrid",
                               .caps_missing = caps,
                               .seed = 42,
                               .shard_index = 1,
                               .shard_count = 1,
                               .started = 1767225600, /* 2026-01-01T00:00:00Z */
                               .finished = 1767225660,
                               .catalog_version = "1.3.0"};
}

static json_t *sample_doc(bool must_fail, const char *runtime)
{
  struct nsc_result r[NSAMPLE];
  sample(r, must_fail);
  struct nsc_run_info info = run_info(runtime);
  json_t *doc = NULL;
  struct nsrt_err err = {0};
  int ret = nsc_results_build(&info, r, NSAMPLE, &doc, &err);
  free_sample(r, NSAMPLE);
  cr_assert_eq(ret, 0, "build: %s: %s", err.step, err.text);
  return doc;
}

static json_t *catalog_doc(void)
{
  json_error_t jerr;
  json_t *c = json_loads(
      "{\"schema\": \"nsconform-requirements/1\", \"spec_version\": \"1.3.0\", \"requirements\": ["
      "{\"id\": \"config-linux.namespaces.new\", \"level\": \"MUST\", \"group\": "
      "\"config-linux.namespaces\", \"url\": \"https://github.com/opencontainers/runtime-spec/"
      "blob/v1.3.0/config-linux.md#namespaces\", \"statement\": \"A namespace without a path is "
      "new & unshared.\"},"
      "{\"id\": \"config-linux.namespaces.duplicate-type\", \"level\": \"MUST\", \"group\": "
      "\"config-linux.namespaces\", \"url\": \"https://x/#a\", \"statement\": \"Two entries of "
      "one type are an error.\"},"
      "{\"id\": \"config.process.user.uid\", \"level\": \"MUST\", \"group\": \"config.process\","
      " \"url\": \"https://x/#b\", \"statement\": \"The process runs with user.uid.\"},"
      "{\"id\": \"config.process.terminal\", \"level\": \"MUST\", \"group\": \"config.process\","
      " \"url\": \"https://x/#c\", \"statement\": \"A console is given when terminal is true.\","
      " \"check\": \"none\", \"reason\": \"no <console> handling here\"},"
      "{\"id\": \"config.process.never-run\", \"level\": \"SHOULD\", \"group\": "
      "\"config.process\", \"url\": \"https://x/#d\", \"statement\": \"Nothing checks this "
      "yet.\"}]}",
      0, &jerr);
  cr_assert_not_null(c, "catalog: %s", jerr.text);
  return c;
}

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "re");
  cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    fwrite(chunk, 1, n, m);
  fclose(f);
  fclose(m);
  return buf;
}

/* Run argv with stdout and stderr into *out; returns the wait status.
 * Bounded: the command is killed after CMD_TIMEOUT_MS. */
static int run(char *const argv[], char **out)
{
  int p[2];
  cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    dup2(p[1], 1);
    dup2(p[1], 2);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(p[1]);
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    long left = CMD_TIMEOUT_MS -
                ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
      kill(pid, SIGKILL);
      break;
    }
    char chunk[4096];
    ssize_t n = read(p[0], chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    fwrite(chunk, 1, (size_t)n, m);
  }
  close(p[0]);
  fclose(m);
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  *out = buf;
  return status;
}

/* perl and python leak by memcheck's standards, and `make valgrind` traces
 * children: under valgrind the checks that run them are left out (the
 * writers still run and their output is still checked here). */
static bool perl_and_python(void)
{
  if (UNDER_VALGRIND()) {
    cr_log_info("under valgrind: prove, perl and python checks left out");
    return false;
  }
  return true;
}

/* The names in a directory, sorted, one per line. */
static char *list_dir(const char *dir)
{
  struct dirent **names;
  int n = scandir(dir, &names, NULL, alphasort);
  cr_assert_geq(n, 0, "scandir %s: %s", dir, strerror(errno));
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  for (int i = 0; i < n; i++) {
    if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
      fprintf(m, "%s\n", names[i]->d_name);
    free(names[i]);
  }
  free(names);
  fclose(m);
  return buf;
}

static int exit_code(int status)
{
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void write_all(const json_t *doc, const json_t *catalog)
{
  struct nsrt_err err = {0};
  cr_assert_eq(nsc_report_write_all(tmpdir, doc, catalog, &err), 0, "%s: %s", err.step, err.text);
}

static const char *srcdir(void)
{
  const char *d = getenv("NSRT_SRCDIR");
  return d && *d ? d : ".";
}

/* xmllint --xpath EXPR FILE (XML parser), trimmed. */
static char *xpath(const char *file, const char *expr)
{
  char *out;
  char *argv[] = {"xmllint", "--xpath", (char *)expr, (char *)file, NULL};
  int st = run(argv, &out);
  cr_assert_eq(exit_code(st), 0, "xmllint --xpath %s: %s", expr, out);
  size_t n = strlen(out);
  while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
    out[--n] = '\0';
  return out;
}

static void assert_xpath(const char *file, const char *expr, const char *want)
{
  char *got = xpath(file, expr);
  cr_expect_str_eq(got, want, "%s", expr);
  free(got);
}

/* ---- results.json ----------------------------------------------------- */

Test(report, results_round_trip)
{
  struct nsc_result r[NSAMPLE];
  sample(r, true);
  struct nsc_run_info info = run_info("nsrt");
  struct nsrt_err err = {0};
  char *path = tpath("results.json");
  cr_assert_eq(nsc_results_write(path, &info, r, NSAMPLE, &err), 0, "%s: %s", err.step, err.text);
  json_t *built, *loaded;
  cr_assert_eq(nsc_results_build(&info, r, NSAMPLE, &built, &err), 0);
  cr_assert_eq(nsc_results_load(path, &loaded, &err), 0, "%s: %s", err.step, err.text);
  cr_assert(json_equal(built, loaded), "the loaded document differs from the one written");

  /* The data, member by member where it matters. */
  cr_expect_str_eq(json_string_value(json_object_get(loaded, "schema")), "nsconform-results/1");
  cr_expect_str_eq(json_string_value(json_object_get(loaded, "started")), "2026-01-01T00:00:00Z");
  cr_expect_str_eq(json_string_value(json_object_get(loaded, "shard")), "1/1");
  cr_expect_eq(json_integer_value(json_object_get(loaded, "seed")), 42);
  const json_t *cases = json_object_get(loaded, "cases");
  cr_assert_eq(json_array_size(cases), NSAMPLE);
  static const char *const sorted[] = {"g0001", "g0002", "l004-empty", "n001-dup-ns"};
  for (size_t i = 0; i < NSAMPLE; i++)
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(cases, i), "id")), sorted[i]);
  const json_t *g1 = json_array_get(cases, 0);
  cr_expect_str_eq(json_string_value(json_object_get(g1, "seed")), "9223372036854775813");
  cr_expect_eq(json_integer_value(json_object_get(g1, "duration_ms")), 300);
  const json_t *fail = json_array_get(json_object_get(g1, "verdicts"), 1);
  cr_expect_str_eq(json_string_value(json_object_get(fail, "actual")), nasty_actual);
  cr_expect_str_eq(json_string_value(json_object_get(fail, "verdict")), "FAIL");
  cr_expect_str_eq(json_string_value(json_object_get(fail, "level")), "MUST");
  cr_expect_str_eq(json_string_value(json_object_get(g1, "stderr")),
                   "\x1b[31merror\x1b[0m: setresuid: \xef\xbf\xbd\xef\xbf\xbd bad <b>\n");
  cr_expect_eq(json_array_size(json_object_get(g1, "leaks")), 2);
  cr_expect_str_eq(json_string_value(json_object_get(json_array_get(cases, 2), "kind")),
                   "lifecycle");

  struct nsc_summary s;
  nsc_results_summary(loaded, &s);
  cr_expect_eq(s.cases, 4);
  cr_expect_eq(s.pass, 3);
  cr_expect_eq(s.fail, 1);
  cr_expect_eq(s.skip, 1);
  cr_expect_eq(s.must_fail, 1);

  /* Atomic write: nothing but the file itself is left in the directory. */
  char *ls = list_dir(tmpdir);
  cr_expect_str_eq(ls, "results.json\n");
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  cr_expect_eq(st.st_mode & 0777, 0644);

  json_decref(built);
  json_decref(loaded);
  free(ls);
  free_sample(r, NSAMPLE);
}

Test(report, build_rejects_bad_results)
{
  struct nsc_result r[NSAMPLE];
  struct nsc_run_info info = run_info("nsrt");
  struct nsrt_err err = {0};
  json_t *doc = NULL;

  sample(r, false);
  snprintf(r[2].case_id, sizeof(r[2].case_id), "g0001");
  cr_expect_eq(nsc_results_build(&info, r, NSAMPLE, &doc, &err), -1);
  cr_expect_str_eq(err.step, "cases");
  cr_expect(strstr(err.text, "g0001"), "%s", err.text);
  free_sample(r, NSAMPLE);

  /* A SKIP without a reason breaks the contract of nsconform.h. */
  sample(r, false);
  free(r[0].verdicts.v[0].reason);
  r[0].verdicts.v[0].reason = NULL;
  cr_expect_eq(nsc_results_build(&info, r, NSAMPLE, &doc, &err), -1);
  cr_expect_str_eq(err.step, "cases[1].verdicts[0].reason"); /* g0002 sorts second */
  free_sample(r, NSAMPLE);

  sample(r, false);
  info.cgroup = "v3";
  cr_expect_eq(nsc_results_build(&info, r, NSAMPLE, &doc, &err), -1);
  cr_expect_str_eq(err.step, "host.cgroup");
  cr_expect_null(doc);
  cr_expect_eq(nsc_results_write(tpath("bad.json"), &info, r, NSAMPLE, &err), -1);
  cr_expect_eq(access(tpath("bad.json"), F_OK), -1, "a document that failed is not written");
  free_sample(r, NSAMPLE);
}

/* Set member key of the object at the dotted path (array indices as
 * numbers) to v. */
static void mutate(json_t *doc, const char *const *path, size_t n, json_t *v)
{
  json_t *o = doc;
  for (size_t i = 0; i + 1 < n; i++)
    o = json_is_array(o) ? json_array_get(o, strtoul(path[i], NULL, 10))
                         : json_object_get(o, path[i]);
  cr_assert_not_null(o);
  if (v)
    json_object_set_new(o, path[n - 1], v);
  else
    json_object_del(o, path[n - 1]);
}

Test(report, load_errors_name_the_json_path)
{
  static const struct {
    const char *path[5];
    size_t n;
    const char *value; /* JSON text, NULL: delete the member */
    const char *step;
    const char *text;
  } bad[] = {
      {{"schema"}, 1, "\"nsconform-results/2\"", "schema", "expected \"nsconform-results/1\""},
      {{"host", "cgroup"}, 2, "\"v3\"", "host.cgroup", "not v1, v2 or hybrid"},
      {{"runtime", "isolation"}, 2, "\"yes\"", "runtime.isolation", "a string, expected a boolean"},
      {{"cases", "0", "id"}, 3, NULL, "cases[0].id", "missing"},
      {{"cases", "1", "verdicts", "0", "verdict"},
       5,
       "\"MAYBE\"",
       "cases[1].verdicts[0].verdict",
       "not PASS, FAIL or SKIP"},
      {{"cases", "0", "verdicts", "1", "level"},
       5,
       "\"MUSTN'T\"",
       "cases[0].verdicts[1].level",
       ""},
      {{"cases", "3", "id"}, 3, "\"g0001\"", "cases[3].id", "also the id of cases[0]"},
      {{"cases", "2", "leaks"}, 3, "[1]", "cases[2].leaks[0]", "a number, expected a string"},
      {{"cases", "0", "seed"}, 3, "\"12\"", "cases[0].seed", "above 2^53"},
      {{"cases", "0", "duration_ms"}, 3, "-1", "cases[0].duration_ms", "negative"},
      {{"summary", "fail"}, 2, "0", "summary.fail", "the cases add up to 1"},
      {{"shard"}, 1, "\"3/2\"", "shard", "is not K/N"},
      {{"finished"}, 1, "\"2025-12-31T23:59:59Z\"", "finished", "before started"},
      {{"started"}, 1, "\"yesterday\"", "started", "RFC 3339"},
  };
  char *path = tpath("bad.json");
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    json_t *doc = sample_doc(false, "nsrt");
    json_t *v = bad[i].value ? json_loads(bad[i].value, JSON_DECODE_ANY, NULL) : NULL;
    mutate(doc, bad[i].path, bad[i].n, v);
    cr_assert_eq(json_dump_file(doc, path, 0), 0);
    json_t *loaded = NULL;
    struct nsrt_err err = {0};
    cr_expect_eq(nsc_results_load(path, &loaded, &err), -1, "case %zu loaded", i);
    cr_expect_str_eq(err.stage, "results");
    cr_expect_str_eq(err.step, bad[i].step, "case %zu", i);
    cr_expect(strstr(err.text, bad[i].text), "case %zu: \"%s\" lacks \"%s\"", i, err.text,
              bad[i].text);
    cr_expect(strstr(err.text, path), "case %zu: the file is named: %s", i, err.text);
    cr_expect_null(loaded);
    json_decref(doc);
  }

  /* Not JSON at all: the position is named. */
  FILE *f = fopen(path, "we");
  fputs("{\"schema\": \"nsconform-results/1\",\n  \"cases\": [}\n", f);
  fclose(f);
  json_t *loaded = NULL;
  struct nsrt_err err = {0};
  cr_expect_eq(nsc_results_load(path, &loaded, &err), -1);
  cr_expect_str_eq(err.step, "load");
  cr_expect(strstr(err.text, "line 2"), "%s", err.text);
}

/* ---- merge ------------------------------------------------------------ */

static json_t *shard_doc(const char *runtime, unsigned k, unsigned n, const size_t *which,
                         size_t nwhich, time_t started)
{
  struct nsc_result r[NSAMPLE], pick[NSAMPLE];
  sample(r, true);
  for (size_t i = 0; i < nwhich; i++)
    pick[i] = r[which[i]];
  struct nsc_run_info info = run_info(runtime);
  info.shard_index = k;
  info.shard_count = n;
  info.started = started;
  info.finished = started + 10;
  json_t *doc = NULL;
  struct nsrt_err err = {0};
  int ret = nsc_results_build(&info, pick, nwhich, &doc, &err);
  free_sample(r, NSAMPLE);
  cr_assert_eq(ret, 0, "%s: %s", err.step, err.text);
  return doc;
}

Test(report, merge_shards)
{
  const size_t a[] = {0, 3}, b[] = {1, 2};
  json_t *docs[2] = {shard_doc("nsrt", 2, 2, a, 2, 1767225700),
                     shard_doc("nsrt", 1, 2, b, 2, 1767225600)};
  json_t *merged = NULL;
  struct nsrt_err err = {0};
  cr_assert_eq(nsc_results_merge(docs, 2, &merged, &err), 0, "%s: %s", err.step, err.text);

  /* The union equals the unsharded run's cases, in id order. */
  json_t *whole = sample_doc(true, "nsrt");
  cr_expect(json_equal(json_object_get(merged, "cases"), json_object_get(whole, "cases")));
  cr_expect(json_equal(json_object_get(merged, "summary"), json_object_get(whole, "summary")));
  struct nsc_summary s;
  nsc_results_summary(merged, &s);
  cr_expect_eq(s.cases, 4);
  cr_expect_eq(s.fail, 1);
  cr_expect_eq(s.must_fail, 1);
  cr_expect_str_eq(json_string_value(json_object_get(merged, "shard")), "1/1");
  cr_expect_str_eq(json_string_value(json_object_get(merged, "started")), "2026-01-01T00:00:00Z");
  cr_expect_str_eq(json_string_value(json_object_get(merged, "finished")), "2026-01-01T00:01:50Z");
  /* Saved and loaded back unchanged. */
  char *path = tpath("merged.json");
  cr_assert_eq(nsc_results_save(path, merged, &err), 0, "%s: %s", err.step, err.text);
  json_t *loaded;
  cr_assert_eq(nsc_results_load(path, &loaded, &err), 0, "%s: %s", err.step, err.text);
  cr_expect(json_equal(merged, loaded));
  json_decref(loaded);
  json_decref(merged);
  json_decref(whole);
  json_decref(docs[0]);
  json_decref(docs[1]);

  /* Part of the shards: the shard names them. */
  const size_t c[] = {0}, d[] = {2};
  json_t *part[2] = {shard_doc("nsrt", 3, 3, c, 1, 1767225600),
                     shard_doc("nsrt", 1, 3, d, 1, 1767225600)};
  cr_assert_eq(nsc_results_merge(part, 2, &merged, &err), 0, "%s: %s", err.step, err.text);
  cr_expect_str_eq(json_string_value(json_object_get(merged, "shard")), "1,3/3");
  json_decref(merged);
  json_decref(part[0]);
  json_decref(part[1]);
}

Test(report, merge_errors)
{
  const size_t a[] = {0, 1}, b[] = {1, 2}, c[] = {2};
  json_t *merged = NULL;
  struct nsrt_err err = {0};

  /* g0001 in both shards. */
  json_t *dup[2] = {shard_doc("nsrt", 1, 2, a, 2, 1767225600),
                    shard_doc("nsrt", 2, 2, b, 2, 1767225600)};
  cr_expect_eq(nsc_results_merge(dup, 2, &merged, &err), -1);
  cr_expect_str_eq(err.step, "cases");
  cr_expect(strstr(err.text, "case g0001 is in input 0 and in input 1"), "%s", err.text);

  /* Another runtime: one document per runtime, for the HTML report. */
  json_t *other[2] = {dup[0], shard_doc("runc", 2, 2, c, 1, 1767225600)};
  cr_expect_eq(nsc_results_merge(other, 2, &merged, &err), -1);
  cr_expect_str_eq(err.step, "runtime");
  cr_expect(strstr(err.text, "runc"), "%s", err.text);

  /* The same shard twice, another shard count, another seed. */
  json_t *twice[2] = {dup[0], shard_doc("nsrt", 1, 2, c, 1, 1767225600)};
  cr_expect_eq(nsc_results_merge(twice, 2, &merged, &err), -1);
  cr_expect_str_eq(err.step, "shard");
  cr_expect(strstr(err.text, "1/2 is given twice"), "%s", err.text);
  json_t *count[2] = {dup[0], shard_doc("nsrt", 2, 3, c, 1, 1767225600)};
  cr_expect_eq(nsc_results_merge(count, 2, &merged, &err), -1);
  cr_expect_str_eq(err.step, "shard");
  json_t *seed[2] = {dup[0], shard_doc("nsrt", 2, 2, c, 1, 1767225600)};
  json_object_set_new(seed[1], "seed", json_integer(43));
  cr_expect_eq(nsc_results_merge(seed, 2, &merged, &err), -1);
  cr_expect_str_eq(err.step, "seed");

  /* An invalid input is named. */
  json_object_set_new(seed[1], "seed", json_integer(42));
  json_object_set_new(seed[1], "catalog", json_integer(1));
  cr_expect_eq(nsc_results_merge(seed, 2, &merged, &err), -1);
  cr_expect_str_eq(err.step, "catalog");
  cr_expect(strstr(err.text, "input 1"), "%s", err.text);
  cr_expect_null(merged);

  json_decref(dup[0]);
  json_decref(dup[1]);
  json_decref(other[1]);
  json_decref(twice[1]);
  json_decref(count[1]);
  json_decref(seed[1]);
}

Test(report, fill_levels_from_catalog)
{
  json_t *catalog = catalog_doc();
  struct nsc_result r[1];
  init_result(&r[0], "g0009", NSC_CASE_GENERATED, 1, "levels", 1);
  add(&r[0], "config-linux.namespaces.new", NULL, NSC_PASS, NULL, NULL, NULL);
  add(&r[0], "config.unknown.requirement", NULL, NSC_FAIL, NULL, NULL, NULL);
  add(&r[0], "config.process.user.uid", "SHOULD", NSC_FAIL, NULL, NULL, NULL);
  struct nsrt_err err = {0};
  cr_expect_eq(nsc_results_fill_levels(r, 1, catalog, &err), -1);
  cr_expect(strstr(err.text, "config.unknown.requirement"), "%s", err.text);
  cr_expect_str_eq(r[0].verdicts.v[0].level, "MUST");
  cr_expect_null(r[0].verdicts.v[1].level);
  cr_expect_str_eq(r[0].verdicts.v[2].level, "SHOULD", "a level given is kept");

  /* An unknown level counts as MUST. */
  struct nsc_run_info info = run_info("nsrt");
  json_t *doc;
  cr_assert_eq(nsc_results_build(&info, r, 1, &doc, &err), 0, "%s: %s", err.step, err.text);
  struct nsc_summary s;
  nsc_results_summary(doc, &s);
  cr_expect_eq(s.fail, 2);
  cr_expect_eq(s.must_fail, 1);
  cr_expect(nsc_level_is_must(NULL) && nsc_level_is_must("MUST NOT") && !nsc_level_is_must("MAY"));
  char group[64];
  nsc_requirement_group("config-linux.namespaces.new", group, sizeof(group));
  cr_expect_str_eq(group, "config-linux.namespaces");
  nsc_requirement_group("runtime", group, sizeof(group));
  cr_expect_str_eq(group, "runtime");
  json_decref(doc);
  json_decref(catalog);
  nsc_result_free(&r[0]);
}

/* ---- TAP -------------------------------------------------------------- */

static int prove(char **out)
{
  char *tap = tpath("report.tap");
  char *argv[] = {"prove", "-e", "cat", tap, NULL};
  int st = run(argv, out);
  return exit_code(st);
}

Test(report, tap_passes_prove_without_must_failure)
{
  json_t *doc = sample_doc(false, "nsrt");
  write_all(doc, NULL);
  char *tap = slurp(tpath("report.tap"));
  cr_expect(strncmp(tap, "TAP version 13\n1..6\n", 20) == 0, "%s", tap);
  cr_expect(strstr(tap, "\nok 1 - g0001 config-linux.namespaces.new\n"), "%s", tap);
  cr_expect(strstr(tap, "\nnot ok 2 - g0001 config.process.user.uid # TODO SHOULD-level\n"), "%s",
            tap);
  cr_expect(strstr(tap, "\nok 3 - g0002 config-linux.time.offsets # SKIP kernel has no time "
                        "namespace # CONFIG_TIME_NS\n"),
            "%s", tap);
  cr_expect(strstr(tap, "\nok 5 - l004-empty # SKIP the case recorded no verdict\n"), "%s", tap);
  cr_expect(strstr(tap, "  actual: |\n    uid 0 \"root\" <not 1000> & 'more'\n      second line, "
                        "indented\n    \n    last:\tline with a tab\n"),
            "%s", tap);
  char *out;
  if (perl_and_python()) {
    int rc = prove(&out);
    cr_expect_eq(rc, 0, "prove failed:\n%s", out);
    cr_expect(strstr(out, "All tests successful"), "%s", out);
    cr_expect(strstr(out, "Result: PASS"), "%s", out);
    free(out);
  }
  free(tap);
  json_decref(doc);
}

Test(report, tap_fails_prove_with_must_failure)
{
  json_t *doc = sample_doc(true, "nsrt");
  write_all(doc, NULL);
  char *tap = slurp(tpath("report.tap"));
  cr_expect(strstr(tap, "\nnot ok 2 - g0001 config.process.user.uid\n  ---\n"), "%s", tap);
  char *out;
  if (perl_and_python()) {
    int rc = prove(&out);
    cr_expect_neq(rc, 0, "prove passed a run with a MUST failure:\n%s", out);
    cr_expect(strstr(out, "Failed test:  2"), "%s", out);
    cr_expect(strstr(out, "Result: FAIL"), "%s", out);
    free(out);
  }
  free(tap);
  json_decref(doc);
}

/* The YAML blocks as TAP::Parser (what prove uses) reads them: each test
 * point's number and diagnostic data as JSON, plus the parse errors. */
static const char perl_dump[] =
    "use strict; use TAP::Parser; use JSON::PP;"
    "open(my $fh, '<', $ARGV[0]) or die; my $tap = do { local $/; <$fh> };"
    "my $p = TAP::Parser->new({tap => $tap}); my (@pts, $last);"
    "while (my $r = $p->next) {"
    "  if ($r->is_test) { $last = {n => $r->number, ok => ($r->is_ok ? 1 : 0),"
    "    directive => $r->directive, explanation => $r->explanation}; push @pts, $last; }"
    "  elsif ($r->is_yaml) { $last->{yaml} = $r->data; } }"
    "print JSON::PP->new->canonical->encode({points => \\@pts,"
    "  errors => [$p->parse_errors], passed => ($p->has_problems ? 0 : 1)});";

Test(report, tap_yaml_reads_back)
{
  json_t *doc = sample_doc(false, "nsrt");
  write_all(doc, NULL);
  char *tap = tpath("report.tap");
  char *text = slurp(tap);
  cr_expect(strstr(text,
                   "\n  stderr: \"\\x1b[31merror\\x1b[0m: setresuid: \xef\xbf\xbd\xef\xbf\xbd "
                   "bad <b>\\n\"\n"),
            "%s", text);
  free(text);
  if (!perl_and_python()) {
    json_decref(doc);
    return;
  }
  char *out;
  char *argv[] = {"perl", "-e", (char *)perl_dump, tap, NULL};
  cr_assert_eq(exit_code(run(argv, &out)), 0, "%s", out);
  json_error_t jerr;
  json_t *parsed = json_loads(out, 0, &jerr);
  cr_assert_not_null(parsed, "%s: %s", jerr.text, out);
  cr_expect_eq(json_array_size(json_object_get(parsed, "errors")), 0, "%s", out);
  const json_t *pts = json_object_get(parsed, "points");
  cr_assert_eq(json_array_size(pts), 6, "%s", out);
  const json_t *two = json_array_get(pts, 1);
  cr_expect_str_eq(json_string_value(json_object_get(two, "directive")), "TODO");
  const json_t *y = json_object_get(two, "yaml");
  cr_assert(json_is_object(y), "%s", out);
  /* A block scalar reads back with one final newline. */
  char want[sizeof(nasty_actual) + 1];
  snprintf(want, sizeof(want), "%s\n", nasty_actual);
  cr_expect_str_eq(json_string_value(json_object_get(y, "actual")), want);
  cr_expect_str_eq(json_string_value(json_object_get(y, "requirement")), "config.process.user.uid");
  cr_expect_str_eq(json_string_value(json_object_get(y, "level")), "SHOULD");
  cr_expect_str_eq(json_string_value(json_object_get(y, "seed")), "9223372036854775813");
  cr_expect_str_eq(json_string_value(json_object_get(y, "stderr")),
                   "\x1b[31merror\x1b[0m: setresuid: \xef\xbf\xbd\xef\xbf\xbd bad <b>\n");
  cr_expect_str_eq(json_string_value(json_object_get(y, "repro")),
                   "nsconform repro '/tmp/r/g0001 & co.json' --runtime=\"runc\"");
  cr_expect_str_eq(json_string_value(json_array_get(json_object_get(y, "leaks"), 1)),
                   "mount \"/run/x y\" & <more>");
  const json_t *three = json_array_get(pts, 2);
  cr_expect_str_eq(json_string_value(json_object_get(three, "directive")), "SKIP");
  cr_expect_str_eq(json_string_value(json_object_get(three, "explanation")),
                   "kernel has no time namespace # CONFIG_TIME_NS");
  cr_expect_eq(json_integer_value(json_object_get(parsed, "passed")), 1);

  /* And as a full YAML parser reads them, where there is one. */
  char *py;
  char *check[] = {"python3", "-c", "import yaml", NULL};
  if (exit_code(run(check, &py)) == 0) {
    static const char script[] =
        "import sys, yaml, json\n"
        "blocks, cur = [], None\n"
        "for line in open(sys.argv[1], encoding='utf-8').read().split('\\n'):\n"
        "    if line == '  ---': cur = []\n"
        "    elif line == '  ...': blocks.append(yaml.safe_load('\\n'.join(cur))); cur = None\n"
        "    elif cur is not None: cur.append(line[2:])\n"
        "print(json.dumps(blocks))\n";
    char *out2;
    char *argv2[] = {"python3", "-c", (char *)script, tap, NULL};
    cr_assert_eq(exit_code(run(argv2, &out2)), 0, "%s", out2);
    json_t *blocks = json_loads(out2, 0, &jerr);
    cr_assert_not_null(blocks, "%s", out2);
    cr_assert_eq(json_array_size(blocks), 1);
    const json_t *b = json_array_get(blocks, 0);
    cr_expect_str_eq(json_string_value(json_object_get(b, "actual")), want);
    cr_expect_str_eq(json_string_value(json_object_get(b, "stderr")),
                     "\x1b[31merror\x1b[0m: setresuid: \xef\xbf\xbd\xef\xbf\xbd bad <b>\n");
    cr_expect_str_eq(json_string_value(json_object_get(b, "level")), "SHOULD");
    json_decref(blocks);
    free(out2);
  }
  free(py);
  json_decref(parsed);
  free(out);
  json_decref(doc);
}

/* ---- JUnit ------------------------------------------------------------ */

Test(report, junit_is_valid_and_complete)
{
  json_t *doc = sample_doc(true, "nsrt");
  write_all(doc, NULL);
  char *file = tpath("junit.xml");
  char *out;
  char *wf[] = {"xmllint", "--noout", file, NULL};
  cr_expect_eq(exit_code(run(wf, &out)), 0, "%s", out);
  cr_expect_str_eq(out, "");
  free(out);
  char *xsd;
  cr_assert_geq(asprintf(&xsd, "%s/tests/data/junit.xsd", srcdir()), 0);
  char *valid[] = {"xmllint", "--noout", "--schema", xsd, file, NULL};
  cr_expect_eq(exit_code(run(valid, &out)), 0, "%s", out);
  cr_expect(strstr(out, "validates"), "%s", out);
  free(out);

  assert_xpath(file, "string(/testsuites/@tests)", "6");
  assert_xpath(file, "string(/testsuites/@failures)", "1");
  assert_xpath(file, "string(/testsuites/@skipped)", "2");
  assert_xpath(file, "count(//testcase)", "6");
  assert_xpath(file, "count(//testsuite)", "5");
  assert_xpath(file, "string(//testsuite[@name='config-linux.namespaces']/@tests)", "2");
  assert_xpath(file, "string(//testcase[failure]/@name)", "g0001 config.process.user.uid");
  assert_xpath(file, "string(//testcase[failure]/@classname)", "config.process");
  assert_xpath(file, "string(//failure/@type)", "MUST");
  assert_xpath(file, "string(//testcase[@name='g0002 config-linux.time.offsets']/skipped/@message)",
               "kernel has no time namespace # CONFIG_TIME_NS");
  assert_xpath(file, "string(//testsuite[1]/@timestamp)", "2026-01-01T00:00:00");
  /* The time of g0001 (300.4 ms, rounded to 300) is shared by its two
   * verdicts. */
  assert_xpath(file, "string(//testcase[failure]/@time)", "0.150");
  /* The details read back unescaped; the escape character, which XML
   * cannot hold, is replaced. */
  char *text = xpath(file, "string(//failure)");
  cr_expect(strstr(text, nasty_actual), "%s", text);
  cr_expect(strstr(text, "repro: nsconform repro '/tmp/r/g0001 & co.json' --runtime=\"runc\""),
            "%s", text);
  cr_expect(strstr(text, "\xef\xbf\xbd[31merror"), "%s", text);
  cr_expect(strstr(text, "leak: mount \"/run/x y\" & <more>"), "%s", text);
  free(text);
  char *msg = xpath(file, "string(//failure/@message)");
  cr_expect(strstr(msg, "MUST config.process.user.uid: expected uid 1000, got uid 0 \"root\""),
            "%s", msg);
  cr_expect(strstr(msg, "\n  second line"), "line breaks survive in the attribute: %s", msg);
  free(msg);
  free(xsd);
  json_decref(doc);
}

Test(report, xml_escape)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  nsc_xml_escape(m, "a<b>&\"c'\x01\x1b\t\n\r\xef\xbf\xbe \xc2\x85", true, 0);
  fputc('|', m);
  nsc_xml_escape(m, "x\ty\n", false, 0);
  fputc('|', m);
  nsc_xml_escape(m, "ab\xc3\xa9z", false, 3); /* é does not fit */
  fclose(m);
  cr_expect_str_eq(buf, "a&lt;b&gt;&amp;&quot;c&#39;\xef\xbf\xbd\xef\xbf\xbd&#9;&#10;&#13;"
                        "\xef\xbf\xbd \xef\xbf\xbd|x\ty\n|ab");
  free(buf);
}

/* ---- HTML ------------------------------------------------------------- */

/* xmllint's HTML parser knows HTML 4 only: <details> and <summary> are the
 * only complaints allowed. */
static void assert_html_parses(const char *file)
{
  char *out;
  char *argv[] = {"xmllint", "--html", "--noout", (char *)file, NULL};
  cr_expect_eq(exit_code(run(argv, &out)), 0, "%s", out);
  for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
    if (!strstr(line, "parser error"))
      continue;
    cr_expect(strstr(line, "Tag details invalid") || strstr(line, "Tag summary invalid"),
              "HTML error: %s", line);
  }
  free(out);
  /* It is well-formed XML too, which checks every escape. */
  char *xml[] = {"xmllint", "--noout", (char *)file, NULL};
  cr_expect_eq(exit_code(run(xml, &out)), 0, "%s", out);
  cr_expect_str_eq(out, "");
  free(out);
}

Test(report, html_one_runtime)
{
  json_t *doc = sample_doc(true, "nsrt");
  json_t *catalog = catalog_doc();
  write_all(doc, catalog);
  char *file = tpath("index.html");
  assert_html_parses(file);
  char *html = slurp(file);
  cr_expect(!strstr(html, "<script"), "no script");
  cr_expect(!strstr(html, "http://") && !strstr(html, "<link"), "no external resource");
  cr_expect(strstr(html, "uid 0 &quot;root&quot; &lt;not 1000&gt; &amp; &#39;more&#39;\n  second "
                         "line, indented\n\nlast:\tline with a tab"),
            "the escaped actual value");
  cr_expect(!strstr(html, "<not 1000>"), "nothing unescaped");
  cr_expect(strstr(html, "<details open=\"open\" class=\"failure\" id=\"f0-0\">"));
  cr_expect(strstr(html, "<tr><th>Repro</th><td><pre>nsconform repro &#39;/tmp/r/g0001 &amp; "
                         "co.json&#39; --runtime=&quot;runc&quot;</pre></td></tr>"));
  cr_expect(strstr(html, "<li>mount &quot;/run/x y&quot; &amp; &lt;more&gt;</li>"));
  cr_expect(strstr(html, "A namespace without a path is new &amp; unshared."), "statement");

  /* The matrix: catalog rows grouped, results-only rows after, cells. */
  assert_xpath(file, "count(//table[@class='matrix']/thead/tr/th)", "4");
  assert_xpath(file, "string(//tr[@id='r-config.process.user.uid']/td[4]/@class)", "fail");
  assert_xpath(file, "string(//tr[@id='r-config.process.user.uid']/td[4])", "1 fail");
  assert_xpath(file, "string(//tr[@id='r-config.process.user.uid']/td[4]/a/@href)", "#f0-0");
  assert_xpath(file, "string(//tr[@id='r-config-linux.namespaces.new']/td[4])", "1 pass");
  assert_xpath(file, "string(//tr[@id='r-config-linux.namespaces.new']/td[2])", "MUST");
  assert_xpath(file, "string(//tr[@id='r-config-linux.time.offsets']/td[4]/@class)", "skip");
  assert_xpath(file, "string(//tr[@id='r-config-linux.time.offsets']/td[3])",
               "(not in the catalog)");
  assert_xpath(file, "string(//tr[@id='r-config.process.never-run']/td[4])", "not run");
  assert_xpath(file, "count(//tr[@id='r-config.process.terminal'])", "0");
  assert_xpath(file, "count(//details[@class='unchecked']//tr[td])", "1");
  /* Group headers in catalog order, each once. */
  assert_xpath(file, "count(//table[@class='matrix']//tr[@class='group'])", "4");
  assert_xpath(file, "string(//table[@class='matrix']//tr[@class='group'][1])",
               "config-linux.namespaces");
  assert_xpath(file, "string(//table[@class='matrix']//tr[@class='group'][2])", "config.process");
  /* The failure's stderr excerpt, without the escape character. */
  char *pre = xpath(file, "string(//details[@id='f0-0']//tr[th='Runtime stderr']//pre)");
  cr_expect_str_eq(pre, "\xef\xbf\xbd[31merror\xef\xbf\xbd[0m: setresuid: "
                        "\xef\xbf\xbd\xef\xbf\xbd bad <b>");
  free(pre);
  free(html);
  json_decref(catalog);
  json_decref(doc);
}

Test(report, html_runtimes_as_columns)
{
  json_t *docs[2] = {sample_doc(true, "nsrt"), sample_doc(false, "runc")};
  char *file = tpath("index.html");
  FILE *f = fopen(file, "we");
  struct nsrt_err err = {0};
  cr_assert_eq(nsc_report_html(f, (const json_t *const *)docs, 2, NULL, &err), 0, "%s", err.text);
  fclose(f);
  assert_html_parses(file);
  assert_xpath(file, "count(//table[@class='matrix']/thead/tr/th)", "5");
  assert_xpath(file, "string(//table[@class='matrix']/thead/tr/th[5])", "runc 1.1.5");
  assert_xpath(file, "string(//tr[@id='r-config.process.user.uid']/td[4]/@class)", "fail");
  assert_xpath(file, "string(//tr[@id='r-config.process.user.uid']/td[5]/@class)", "fail");
  assert_xpath(file, "string(//tr[@id='r-config.process.user.uid']/td[2])", "MUST");
  assert_xpath(file, "count(//details[@class='failure'])", "2");
  assert_xpath(file, "string(//details[@id='f1-0']/summary)",
               "g0001 \xe2\x80\x94 config.process.user.uid (SHOULD)");
  /* Without a catalog the rows are what the results name, by id. */
  assert_xpath(file, "string(//table[@class='matrix']//tr[@class='group'][1])",
               "config-linux.namespaces");
  assert_xpath(file, "count(//table[@class='matrix']/tbody/tr[@id])", "5");
  json_decref(docs[0]);
  json_decref(docs[1]);
}

Test(report, writers_reject_invalid_documents)
{
  json_t *doc = sample_doc(true, "nsrt");
  json_object_del(doc, "summary");
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  struct nsrt_err err = {0};
  cr_expect_eq(nsc_report_tap(m, doc, &err), -1);
  cr_expect_str_eq(err.step, "summary");
  cr_expect_eq(nsc_report_junit(m, doc, &err), -1);
  const json_t *docs[] = {doc};
  cr_expect_eq(nsc_report_html(m, docs, 1, NULL, &err), -1);
  cr_expect_eq(nsc_report_write_all(tmpdir, doc, NULL, &err), -1);
  fclose(m);
  cr_expect_eq(len, 0, "nothing written: %s", buf);
  char *ls = list_dir(tmpdir);
  cr_expect_str_eq(ls, "", "no file left behind");
  free(ls);
  free(buf);
  json_decref(doc);
}
