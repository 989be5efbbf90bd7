/* Repro files end to end, with real containers: a run against a runtime
 * that drops the user namespace saves one file per failing case; `nsconform
 * repro` replays it (still failing against the broken runtime, passing
 * against nsrt); `nsconform shrink` reduces a case with irrelevant fields to
 * the ones that matter. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

/* What a runtime that drops the user namespace must fail. */
#define USERNS_REQUIREMENT "config-linux.namespaces.new"

static const char *test_tmpdir(void);

static void setup(void)
{
  itest_setup();
  test_tmpdir();
}

TestSuite(repro, .init = setup, .fini = itest_teardown, .timeout = 240);

static const char *broken_runtime(void)
{
  static char path[PATH_MAX];
  const char *tools = getenv("NSC_TOOLS");
  snprintf(path, sizeof(path), "%s/strip_userns", tools ? tools : "build/tests/tools");
  cr_assert_eq(access(path, X_OK), 0, "%s: build it with `make integration`", path);
  /* it runs NSRT_BIN, which nsconform passes on to every command */
  cr_assert_not_null(getenv("NSRT_BIN"), "NSRT_BIN is not set");
  return path;
}

static const char *in_test_dir(const char *name)
{
  static char bufs[8][PATH_MAX];
  static int next;
  char *b = bufs[next++ % 8];
  snprintf(b, PATH_MAX, "%s/%s", itest_bundle_dir(), name);
  return b;
}

/* Run nsconform (args NULL-terminated) with stdout+stderr to a log in the
 * test dir; returns its exit status and the log (malloc'd) in *log. */
static int nsconform(int timeout_s, char **log, ...)
{
  static int runs;
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/nsconform.%d.log", itest_bundle_dir(), runs++);
  va_list ap;
  va_start(ap, log);
  int status = itest_nsconform_va(timeout_s, path, ap);
  va_end(ap);
  char *text = itest_read_file(path, NULL);
  *log = text ? text : strdup("(no log)");
  return status;
}

static void rm_rf(const char *dir)
{
  char cmd[PATH_MAX + 32];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

/* This test's TMPDIR (set for every nsconform it runs), so the work
 * directories counted are its own, not those of a test running beside it. */
static const char *test_tmpdir(void)
{
  static char dir[PATH_MAX];
  if (!dir[0]) {
    snprintf(dir, sizeof(dir), "%s/tmp", itest_bundle_dir());
    mkdir(dir, 0711);
    setenv("TMPDIR", dir, 1);
  }
  return dir;
}

/* The work directories nsconform repro makes: none may be left. */
static int count_repro_work_dirs(void)
{
  DIR *d = opendir(test_tmpdir());
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    n += strncmp(e->d_name, "nsconform-repro.", 16) == 0;
  if (d)
    closedir(d);
  return n;
}

static bool fails(const json_t *doc, const char *req)
{
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(doc, "failed"), i, f)
  {
    if (!strcmp(json_string_value(json_object_get(f, "requirement")) ?: "", req))
      return true;
  }
  return false;
}

/* A run against the broken runtime; returns the path of a repro file that
 * failed the user namespace requirement (static buffer). */
static const char *run_broken(const char *out)
{
  char repro_dir[PATH_MAX];
  snprintf(repro_dir, sizeof(repro_dir), "%s/repro", out);
  /* stale files of an earlier run: the *.json go, the rest stays */
  cr_assert_eq(mkdir(out, 0755), 0);
  cr_assert_eq(mkdir(repro_dir, 0755), 0);
  char stale[PATH_MAX + 32], keep[PATH_MAX + 32];
  snprintf(stale, sizeof(stale), "%s/g9999.json", repro_dir);
  snprintf(keep, sizeof(keep), "%s/notes.txt", repro_dir);
  FILE *f = fopen(stale, "w");
  fputs("{}", f);
  fclose(f);
  f = fopen(keep, "w");
  fputs("mine", f);
  fclose(f);

  char *log;
  int st = nsconform(200, &log, "run", "--runtime", broken_runtime(), "--rootfs", itest_rootfs(),
                     "--seed", "7", "--count", "4", "--only", "g000", "--out", out, NULL);
  cr_assert_eq(st, 1, "nsconform run exited %d (1 expected: MUST failures):\n%s", st, log);
  free(log);
  cr_assert_neq(access(stale, F_OK), 0, "the stale repro file of an earlier run is still there");
  cr_assert_eq(access(keep, F_OK), 0, "a file that is not a repro file was removed");

  char results[PATH_MAX + 32];
  snprintf(results, sizeof(results), "%s/results.json", out);
  json_t *doc = json_load_file(results, 0, NULL);
  cr_assert_not_null(doc, "no %s", results);
  static char found[PATH_MAX + 96];
  found[0] = '\0';
  size_t i, j, with_file = 0;
  json_t *c, *v;
  json_array_foreach(json_object_get(doc, "cases"), i, c)
  {
    const char *id = json_string_value(json_object_get(c, "id"));
    bool failing = json_array_size(json_object_get(c, "leaks")) > 0, user = false;
    json_array_foreach(json_object_get(c, "verdicts"), j, v)
    {
      if (strcmp(json_string_value(json_object_get(v, "verdict")), "FAIL") != 0)
        continue;
      failing = true;
      user |= !strcmp(json_string_value(json_object_get(v, "requirement")), USERNS_REQUIREMENT);
    }
    char file[PATH_MAX + 96], cmd[PATH_MAX + 128];
    snprintf(file, sizeof(file), "%s/%s.json", repro_dir, id);
    snprintf(cmd, sizeof(cmd), "nsconform repro %s", file);
    const char *repro = json_string_value(json_object_get(c, "repro"));
    if (!failing) {
      cr_expect_neq(access(file, F_OK), 0, "passing case %s has a repro file", id);
      continue;
    }
    with_file++;
    cr_assert_eq(access(file, R_OK), 0, "failing case %s has no repro file", id);
    cr_assert_str_eq(repro ?: "(null)", cmd, "case %s", id);
    json_t *r = json_load_file(file, 0, NULL);
    cr_assert_not_null(r, "%s is not JSON", file);
    cr_assert_str_eq(json_string_value(json_object_get(r, "schema")), "nsconform-repro/1");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "runtime"), "path")),
                     broken_runtime());
    cr_assert_not_null(json_object_get(json_object_get(r, "host"), "kernel"));
    cr_assert_eq(fails(r, USERNS_REQUIREMENT), user, "%s: failed list disagrees", file);
    if (user && !found[0])
      snprintf(found, sizeof(found), "%s", file);
    json_decref(r);
  }
  json_decref(doc);
  cr_assert_gt(with_file, 0, "no case failed against the broken runtime");
  cr_assert(found[0], "no repro file fails %s", USERNS_REQUIREMENT);
  return found;
}

Test(repro, a_failing_run_saves_repro_files_that_replay)
{
  struct itest_snap before;
  itest_snapshot(&before);
  int work_before = count_repro_work_dirs();
  const char *file = run_broken(in_test_dir("out"));

  /* against the runtime it failed with: still fails, named, exit 1 */
  char *log;
  int st = nsconform(120, &log, "repro", file, "--rootfs", itest_rootfs(), NULL);
  cr_assert_eq(st, 1, "repro exited %d (1: still fails):\n%s", st, log);
  cr_assert(strstr(log, "still fails: " USERNS_REQUIREMENT " (MUST): expected "),
            "the requirement is not named:\n%s", log);
  free(log);

  /* against nsrt: it passes now, exit 0 */
  st = nsconform(120, &log, "repro", file, "--runtime", getenv("NSRT_BIN"), "--rootfs",
                 itest_rootfs(), NULL);
  cr_assert_eq(st, 0, "repro --runtime nsrt exited %d (0: passes now):\n%s", st, log);
  cr_assert(strstr(log, "passes now: " USERNS_REQUIREMENT), "%s", log);
  cr_assert_null(strstr(log, "still fails:"), "%s", log);
  cr_assert_null(strstr(log, "new failure:"), "%s", log);
  free(log);
  cr_assert_eq(count_repro_work_dirs(), work_before, "nsconform repro left its work dir");
  itest_assert_no_leaks(&before);
}

/* The pid strace -f puts first on a trace line, 0 when the line has none
 * (strace without -f writes the time first). */
static long line_pid(const char *line)
{
  char *end;
  long pid = strtol(line, &end, 10);
  return end > line && *end == ' ' ? pid : 0;
}

/* Does the trace hold a namespace call, or the container program's
 * execve, of a process other than its first one (the runtime's own)? */
static bool traces_a_child(const char *text)
{
  long main_pid = line_pid(text);
  for (const char *l = text; main_pid > 0 && *l; l += strcspn(l, "\n"), l += *l == '\n') {
    long pid = line_pid(l);
    size_t len = strcspn(l, "\n");
    char line[512];
    snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) - 1 ? len : sizeof(line) - 1), l);
    if (pid > 0 && pid != main_pid &&
        (strstr(line, " unshare(") || strstr(line, " clone3(") || strstr(line, " setns(") ||
         strstr(line, " execve(\"/nsprobe\"")))
      return true;
  }
  return false;
}

/* Processes whose argv names text (a trace prefix): strace left behind. */
static int processes_naming(const char *text)
{
  DIR *d = opendir("/proc");
  struct dirent *e;
  int n = 0;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9')
      continue;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
    size_t len;
    char *argv = itest_read_file(path, &len);
    for (size_t i = 0; argv && i < len; i += strlen(argv + i) + 1)
      if (strstr(argv + i, text)) {
        n++;
        break;
      }
    free(argv);
  }
  if (d)
    closedir(d);
  return n;
}

/* The outcome lines of a repro log, runs of digits masked (malloc'd). */
static char *outcome(const char *log)
{
  size_t cap = strlen(log) + 1, n = 0;
  char *out = malloc(cap);
  cr_assert_not_null(out);
  for (const char *l = log; *l; l += strcspn(l, "\n"), l += *l == '\n') {
    if (strncmp(l, "still fails:", 12) && strncmp(l, "passes now:", 11) &&
        strncmp(l, "new failure:", 12) && strncmp(l, "leak:", 5))
      continue;
    for (const char *c = l; *c && *c != '\n'; c++)
      if (*c < '0' || *c > '9')
        out[n++] = *c;
      else if (n == 0 || out[n - 1] != '#')
        out[n++] = '#';
    out[n++] = '\n';
  }
  out[n] = '\0';
  return out;
}

Test(repro, keep_and_trace)
{
  struct itest_snap before;
  itest_snapshot(&before);
  const char *file = run_broken(in_test_dir("out"));
  const char *trace = in_test_dir("trace");
  /* In the ASan build the leak checker cannot run under ptrace and makes the
   * traced runtime fail: keep it off for the traced commands. */
  setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
  char *plain_log, *log;
  int st = nsconform(120, &plain_log, "repro", file, "--rootfs", itest_rootfs(), NULL);
  cr_assert_eq(st, 1, "repro exited %d:\n%s", st, plain_log);
  st = nsconform(120, &log, "repro", file, "--keep", "--trace", trace, "--rootfs", itest_rootfs(),
                 NULL);
  cr_assert_eq(st, 1, "repro --keep --trace exited %d:\n%s", st, log);
  cr_assert_null(strstr(log, "new failure:"), "tracing changed the outcome:\n%s", log);
  char *plain = outcome(plain_log), *traced = outcome(log);
  cr_assert_str_eq(traced, plain, "tracing changed the outcome");
  free(plain);
  free(traced);
  free(plain_log);
  /* the tracers ended with their commands */
  cr_assert_eq(processes_naming(trace), 0, "a tracer of %s is still running", trace);
  const char *kept = strstr(log, "bundle kept in ");
  cr_assert_not_null(kept, "%s", log);
  char bundle[PATH_MAX];
  snprintf(bundle, sizeof(bundle), "%.*s", (int)strcspn(kept + 15, "\n"), kept + 15);
  char cfg[PATH_MAX + 16];
  snprintf(cfg, sizeof(cfg), "%s/config.json", bundle);
  json_t *c = json_load_file(cfg, 0, NULL);
  cr_assert_not_null(c, "no config.json in the kept bundle %s", bundle);
  /* the rootfs placeholder became a real path */
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "root"), "path")),
                   itest_rootfs());
  json_decref(c);
  /* one strace output per runtime command: create first */
  char t1[PATH_MAX + 8];
  snprintf(t1, sizeof(t1), "%s.1", trace);
  char *text = itest_read_file(t1, NULL);
  cr_assert_not_null(text, "no %s:\n%s", t1, log);
  cr_assert(strstr(text, "execve(") && strstr(text, "\"create\""), "%s is not create's trace", t1);
  /* the runtime's children are traced too: nsrt (run by the broken
   * runtime) makes the namespaces in its intermediate and init stages */
  cr_assert(traces_a_child(text), "%s has no namespace call of a child process:\n%.2000s", t1,
            text);
  snprintf(t1, sizeof(t1), "%s.2", trace);
  cr_assert_eq(access(t1, R_OK), 0, "only one command traced");
  free(text);
  free(log);
  /* the kept work dir is the test's to remove */
  char *slash = strrchr(bundle, '/');
  cr_assert_not_null(slash);
  *slash = '\0';
  char prefix[PATH_MAX + 32];
  snprintf(prefix, sizeof(prefix), "%s/nsconform-repro.", test_tmpdir());
  cr_assert(strncmp(bundle, prefix, strlen(prefix)) == 0, "%s", bundle);
  rm_rf(bundle);
  itest_assert_no_leaks(&before);
}

/* A case where only the user namespace matters, plus five fields that do
 * not: hostname, an env entry, an rlimit, an annotation, a mount. */
static const char shrink_config[] =
    "{\"ociVersion\": \"1.1.0\","
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"hostname\": \"irrelevant-host\","
    " \"annotations\": {\"io.nsconform.irrelevant\": \"yes\"},"
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "              {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "               \"options\": [\"nosuid\", \"nodev\", \"mode=1777\"]}],"
    " \"process\": {\"args\": [\"/nsprobe\", \"--wait\"], \"cwd\": \"/\","
    "   \"user\": {\"uid\": 0, \"gid\": 0},"
    "   \"env\": [\"PATH=/bin:/sbin\", \"IRRELEVANT=1\"],"
    "   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1000, \"hard\": 1000}]},"
    " \"linux\": {\"namespaces\": [{\"type\": \"user\"}, {\"type\": \"pid\"}, {\"type\": "
    "\"mount\"},"
    "                             {\"type\": \"uts\"}],"
    "   \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
    "   \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]}}";

static bool has_value(const json_t *v, const char *text)
{
  char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  bool r = s && strstr(s, text);
  free(s);
  return r;
}

Test(repro, shrink_reduces_to_the_fields_that_matter)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *doc =
      json_pack("{s:s, s:{s:s, s:s, s:i, s:s}, s:o, s:n, s:{s:s, s:s, s:s, s:b, s:[]},"
                " s:[{s:s, s:s, s:s, s:s}]}",
                "schema", "nsconform-repro/1", "case", "id", "shrinkme", "kind", "generated",
                "seed", 1, "title", "user namespace plus five irrelevant fields", "config",
                json_loads(shrink_config, 0, NULL), "fault", "runtime", "path", broken_runtime(),
                "name", "strip_userns", "version", "test", "isolate", 0, "args", "failed",
                "requirement", USERNS_REQUIREMENT, "level", "MUST", "expected",
                "a new user namespace", "actual", "the harness's own");
  cr_assert_not_null(doc);
  cr_assert_not_null(json_object_get(doc, "config"), "bad test config");
  const char *file = in_test_dir("shrinkme.json");
  const char *min = in_test_dir("shrinkme.min.json");
  cr_assert_eq(json_dump_file(doc, file, JSON_INDENT(2)), 0);

  char *log;
  int st = nsconform(200, &log, "shrink", file, "--out", min, "--rootfs", itest_rootfs(), NULL);
  cr_assert_eq(st, 0, "shrink exited %d:\n%s", st, log);
  size_t b0, f0, b1, f1, k;
  const char *size = strstr(log, "size: ");
  cr_assert_not_null(size, "%s", log);
  cr_assert_eq(sscanf(size, "size: %zu bytes, %zu fields -> %zu bytes, %zu fields (%zu replays",
                      &b0, &f0, &b1, &f1, &k),
               5, "%s", log);
  cr_assert_lt(b1, b0, "%s", log);
  cr_assert_lt(f1, f0, "%s", log);
  cr_assert(k > 1 && k <= 200, "%zu replays", k);
  free(log);

  json_t *m = json_load_file(min, 0, NULL);
  cr_assert_not_null(m, "no %s", min);
  json_t *cfg = json_object_get(m, "config");
  char *text = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
  /* what matters stays */
  json_t *ns = json_object_get(json_object_get(cfg, "linux"), "namespaces");
  bool user = false;
  for (size_t i = 0; i < json_array_size(ns); i++)
    user |= !strcmp(json_string_value(json_object_get(json_array_get(ns, i), "type")), "user");
  cr_assert(user, "the user namespace went: %s", text);
  /* the five irrelevant fields went */
  cr_assert_null(json_object_get(cfg, "hostname"), "%s", text);
  cr_assert_null(json_object_get(cfg, "annotations"), "%s", text);
  cr_assert_not(has_value(cfg, "IRRELEVANT=1"), "%s", text);
  cr_assert_null(json_object_get(json_object_get(cfg, "process"), "rlimits"), "%s", text);
  cr_assert_not(has_value(cfg, "\"/tmp\""), "%s", text);
  /* it says how the minimal case fails */
  cr_assert(fails(m, USERNS_REQUIREMENT), "%s", min);
  free(text);
  json_decref(m);
  json_decref(doc);

  /* and it still does */
  st = nsconform(120, &log, "repro", min, "--rootfs", itest_rootfs(), NULL);
  cr_assert_eq(st, 1, "repro of the minimal case exited %d:\n%s", st, log);
  cr_assert(strstr(log, "still fails: " USERNS_REQUIREMENT), "%s", log);
  free(log);
  itest_assert_no_leaks(&before);
}

Test(repro, bad_files_and_missing_runtimes_are_harness_errors)
{
  const char *file = in_test_dir("bad.json");
  FILE *f = fopen(file, "w");
  fputs("{\"schema\": \"nsconform-repro/1\", \"case\": {\"id\": \"x\", \"kind\": \"foo\"}}", f);
  fclose(f);
  char *log;
  int st = nsconform(30, &log, "repro", file, NULL);
  cr_assert_eq(st, 2, "exited %d:\n%s", st, log);
  cr_assert(strstr(log, "case.kind: \"foo\" is not one of"), "%s", log);
  free(log);

  json_t *doc = json_pack("{s:s, s:{s:s, s:s, s:i}, s:{}, s:{s:s}, s:[]}", "schema",
                          "nsconform-repro/1", "case", "id", "g0001", "kind", "generated", "seed",
                          0, "config", "runtime", "path", "/nonexistent/runc", "failed");
  file = in_test_dir("gone.json");
  cr_assert_eq(json_dump_file(doc, file, 0), 0);
  json_decref(doc);
  st = nsconform(30, &log, "repro", file, "--rootfs", itest_rootfs(), NULL);
  cr_assert_eq(st, 2, "exited %d:\n%s", st, log);
  cr_assert(strstr(log, "/nonexistent/runc") && strstr(log, "--runtime"), "%s", log);
  free(log);
  st = nsconform(30, &log, "shrink", file, "--rootfs", itest_rootfs(), NULL);
  cr_assert_eq(st, 2, "shrink of a file without failures exited %d:\n%s", st, log);
  free(log);
}
