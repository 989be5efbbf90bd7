/* The known-bug catalog (fixtures/known-bugs/): each file is a repro of a real
 * bug of runc, crun or youki, injected into nsrt-bugs by a bug switch
 * (NSRT_BUGS) and, where the bug needs a trigger, a failpoint plan.  Replayed
 * with `nsconform repro` against nsrt-bugs, the expected requirement must
 * still fail (exit 1); against the plain nsrt, built without the defects,
 * the same file must pass that requirement (exit 0).
 *
 * The hang cases (robust.fault.bounded) run with a short command bound
 * (--timeout), so a runtime that waits forever is killed by the harness
 * after HANG_TIMEOUT_MS.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

TestSuite(known_bugs, .init = itest_setup, .fini = itest_teardown, .timeout = 120);

/* The bound of every runtime command in a replay of a hang case: long enough
 * for a healthy create on a loaded 2-core machine, short enough to keep the
 * case quick.  Other cases keep a roomier bound. */
#define HANG_TIMEOUT_MS   "4000"
#define REPLAY_TIMEOUT_MS "20000"
/* The bound of one whole `nsconform repro` run. */
#define NSCONFORM_TIMEOUT_S 90

struct known_bug {
  const char *file;        /* in fixtures/known-bugs/ */
  const char *requirement; /* what the replay against nsrt-bugs must fail */
};

static bool is_hang(const struct known_bug *b)
{
  return strcmp(b->requirement, "robust.fault.bounded") == 0;
}

/* Every file of the catalog; catalog_lists_every_file checks the directory
 * holds exactly these. */
static const struct known_bug catalog[] = {
    {"001-child-dies-main-waits.json", "robust.fault.bounded"},
    {"002-parent-keeps-child-end.json", "robust.fault.bounded"},
    {"003-sync-read-no-deadline.json", "robust.fault.bounded"},
    {"004-init-not-main-child.json", "runtime.errors.no-change"},
    {"005-host-dirfd-leak.json", "runtime-linux.file-descriptors.default"},
    {"006-socket-fd-leak.json", "robust.fault.bounded"},
    {"007-idmap-error-ignored.json", "robust.fault.error-errno"},
    {"008-stale-errno.json", "robust.fault.error-errno"},
    {"009-child-error-lost.json", "robust.fault.error-errno"},
    {"010-join-after-userns.json", "config-linux.namespaces.path-join"},
    {"011-setgroups-after-gid-map.json", "config-linux.namespaces.new"},
    {"012-state-dir-left.json", "runtime.errors.no-change"},
    {"013-rlimits-after-userns.json", "robust.stage.rlimits-early"},
    {"014-stage-dumpable.json", "robust.stage.not-dumpable"},
    {"015-pidns-before-userns.json", "robust.stage.ns-order"},
    {"016-intermediate-not-reaped.json", "runtime.errors.no-change"},
};
#define N_CATALOG (sizeof(catalog) / sizeof(catalog[0]))

static const char *srcdir(void)
{
  const char *d = getenv("NSRT_SRCDIR");
  return d && *d ? d : ".";
}

static const char *bin(const char *var, const char *fallback)
{
  const char *b = getenv(var);
  return b && *b ? b : fallback;
}

static const char *fixture_path(const char *file)
{
  static char paths[4][PATH_MAX];
  static int next;
  char *p = paths[next++ % 4];
  snprintf(p, PATH_MAX, "%s/fixtures/known-bugs/%s", srcdir(), file);
  return p;
}

static json_t *load_fixture(const char *file)
{
  json_error_t jerr;
  json_t *doc = json_load_file(fixture_path(file), 0, &jerr);
  cr_assert_not_null(doc, "%s: line %d: %s", file, jerr.line, jerr.text);
  return doc;
}

static char *read_log(const char *log)
{
  char *t = itest_read_file(log, NULL);
  cr_assert_not_null(t, "read %s", log);
  return t;
}

/* `nsconform repro FILE --runtime RUNTIME`; the output into *out. */
static int replay(const char *file, const char *runtime, const char *timeout_ms, const char *tag,
                  char **out)
{
  char log[PATH_MAX];
  snprintf(log, sizeof(log), "%s/%s.%s.log", itest_bundle_dir(), file, tag);
  const char *argv[] = {bin("NSCONFORM_BIN", "build/bin/nsconform"),
                        "repro",
                        fixture_path(file),
                        "--runtime",
                        runtime,
                        "--rootfs",
                        itest_rootfs(),
                        "--timeout",
                        timeout_ms,
                        NULL};
  int status = itest_run_logged(NSCONFORM_TIMEOUT_S, log, argv);
  *out = read_log(log);
  return status;
}

/* A line of text that starts with prefix followed by the requirement and a
 * delimiter (so "a.b" does not match "a.bc"). */
static bool has_line(const char *text, const char *prefix, const char *requirement)
{
  char want[512];
  snprintf(want, sizeof(want), "%s%s", prefix, requirement);
  size_t n = strlen(want);
  for (const char *p = text; (p = strstr(p, want)); p += n) {
    bool at_start = p == text || p[-1] == '\n';
    char after = p[n];
    if (at_start && (after == ' ' || after == '\n' || after == '\0'))
      return true;
  }
  return false;
}

static void check_known_bug(const struct known_bug *b)
{
  json_t *doc = load_fixture(b->file);
  const char *expect =
      json_string_value(json_object_get(json_object_get(doc, "expect"), "requirement"));
  cr_assert_str_eq(expect ? expect : "(none)", b->requirement, "%s: expect.requirement", b->file);
  json_decref(doc);

  struct itest_snap before;
  itest_snapshot(&before);

  char *out = NULL;
  const char *timeout = is_hang(b) ? HANG_TIMEOUT_MS : REPLAY_TIMEOUT_MS;
  int st = replay(b->file, bin("NSRT_BUGS_BIN", "build/bin/nsrt-bugs"), timeout, "bugs", &out);
  cr_assert_eq(st, 1, "%s against nsrt-bugs: exit %d, want 1 (still fails)\n%s", b->file, st, out);
  cr_assert(has_line(out, "still fails: ", b->requirement),
            "%s against nsrt-bugs: no \"still fails: %s\"\n%s", b->file, b->requirement, out);
  free(out);

  st = replay(b->file, itest_nsrt_bin(), timeout, "plain", &out);
  cr_assert(!has_line(out, "still fails: ", b->requirement) &&
                !has_line(out, "new failure: ", b->requirement),
            "%s against the plain nsrt: %s fails\n%s", b->file, b->requirement, out);
  cr_assert(has_line(out, "passes now: ", b->requirement),
            "%s against the plain nsrt: no \"passes now: %s\"\n%s", b->file, b->requirement, out);
  cr_assert_eq(st, 0, "%s against the plain nsrt: exit %d, want 0\n%s", b->file, st, out);
  free(out);

  itest_assert_no_leaks(&before);
}

Test(known_bugs, b001_child_dies_main_waits)
{
  check_known_bug(&catalog[0]);
}
Test(known_bugs, b002_parent_keeps_child_end)
{
  check_known_bug(&catalog[1]);
}
Test(known_bugs, b003_sync_read_no_deadline)
{
  check_known_bug(&catalog[2]);
}
Test(known_bugs, b004_init_not_main_child)
{
  check_known_bug(&catalog[3]);
}
Test(known_bugs, b005_host_dirfd_leak)
{
  check_known_bug(&catalog[4]);
}
Test(known_bugs, b006_socket_fd_leak)
{
  check_known_bug(&catalog[5]);
}
Test(known_bugs, b007_idmap_error_ignored)
{
  check_known_bug(&catalog[6]);
}
Test(known_bugs, b008_stale_errno)
{
  check_known_bug(&catalog[7]);
}
Test(known_bugs, b009_child_error_lost)
{
  check_known_bug(&catalog[8]);
}
Test(known_bugs, b010_join_after_userns)
{
  check_known_bug(&catalog[9]);
}
Test(known_bugs, b011_setgroups_after_gid_map)
{
  check_known_bug(&catalog[10]);
}
Test(known_bugs, b012_state_dir_left)
{
  check_known_bug(&catalog[11]);
}
Test(known_bugs, b013_rlimits_after_userns)
{
  check_known_bug(&catalog[12]);
}
Test(known_bugs, b014_stage_dumpable)
{
  check_known_bug(&catalog[13]);
}
Test(known_bugs, b015_pidns_before_userns)
{
  check_known_bug(&catalog[14]);
}
Test(known_bugs, b016_intermediate_not_reaped)
{
  check_known_bug(&catalog[15]);
}

/* ---- the catalog itself -------------------------------------------------- */

/* `<binary> bugs` output (run with env entries NAME=VALUE added). */
static int bugs_command(const char *binary, const char *env, char **out)
{
  char log[PATH_MAX];
  snprintf(log, sizeof(log), "%s/bugs.%d.log", itest_bundle_dir(), (int)getpid());
  const char *argv[] = {"/usr/bin/env", env ? env : "NSRT_BUGS=", binary, "bugs", NULL};
  int st = itest_run_logged(10, log, argv);
  *out = read_log(log);
  return st;
}

/* The bug switches a fixture turns on: its plan's "bugs" and NSRT_BUGS of
 * its runtime env. */
static size_t fixture_bugs(const json_t *doc, const char **names, size_t max)
{
  size_t n = 0, i;
  json_t *b;
  json_array_foreach(json_object_get(json_object_get(doc, "fault"), "bugs"), i, b)
  {
    if (n < max && json_is_string(b))
      names[n++] = json_string_value(b);
  }
  const char *env = json_string_value(
      json_object_get(json_object_get(json_object_get(doc, "runtime"), "env"), "NSRT_BUGS"));
  static char copy[512];
  snprintf(copy, sizeof(copy), "%s", env ? env : "");
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
    names[n++] = t;
  return n;
}

Test(known_bugs, catalog_lists_every_file)
{
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s/fixtures/known-bugs", srcdir());
  DIR *d = opendir(dir);
  cr_assert_not_null(d, "opendir %s", dir);
  size_t seen = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0)
      continue;
    bool listed = false;
    for (size_t i = 0; i < N_CATALOG && !listed; i++)
      listed = strcmp(catalog[i].file, e->d_name) == 0;
    cr_expect(listed, "%s/%s has no test in test_known_bugs.c", dir, e->d_name);
    seen++;
  }
  closedir(d);
  cr_assert_eq(seen, N_CATALOG, "%zu fixture files, %zu in the test's catalog", seen, N_CATALOG);
  cr_assert_geq(N_CATALOG, 12, "the catalog holds at least 12 known bugs");
}

Test(known_bugs, every_file_names_its_upstream_bug_and_an_existing_switch)
{
  char *listing = NULL;
  int st = bugs_command(bin("NSRT_BUGS_BIN", "build/bin/nsrt-bugs"), NULL, &listing);
  cr_assert_eq(st, 0, "nsrt-bugs bugs: exit %d\n%s", st, listing);
  char readme_path[PATH_MAX];
  snprintf(readme_path, sizeof(readme_path), "%s/fixtures/known-bugs/README.md", srcdir());
  char *readme = itest_read_file(readme_path, NULL);
  cr_assert_not_null(readme, "%s is missing", readme_path);

  for (size_t i = 0; i < N_CATALOG; i++) {
    const char *file = catalog[i].file;
    json_t *doc = load_fixture(file);
    const char *upstream = json_string_value(json_object_get(doc, "upstream"));
    cr_assert_not_null(upstream, "%s: no upstream", file);
    const char *hash = strchr(upstream, '#');
    cr_assert(hash && strchr(upstream, '/') < hash && hash[1] &&
                  strspn(hash + 1, "0123456789") == strlen(hash + 1),
              "%s: upstream \"%s\" is not owner/repository#number", file, upstream);
    cr_assert(!strncmp(upstream, "opencontainers/runc#", 20) ||
                  !strncmp(upstream, "containers/crun#", 16) ||
                  !strncmp(upstream, "youki-dev/youki#", 16),
              "%s: %s is not a runc, crun or youki bug", file, upstream);
    const char *note = json_string_value(json_object_get(doc, "note"));
    cr_assert(note && strlen(note) > 40, "%s: no description in \"note\"", file);
    json_t *expect = json_object_get(doc, "expect");
    cr_assert_str_eq(json_string_value(json_object_get(expect, "verdict")) ?: "(none)", "FAIL",
                     "%s: expect.verdict", file);
    /* the replay judges the requirements of "failed": the expected one is there */
    bool in_failed = false;
    size_t k;
    json_t *f;
    json_array_foreach(json_object_get(doc, "failed"), k, f)
    {
      const char *r = json_string_value(json_object_get(f, "requirement"));
      in_failed = in_failed || (r && !strcmp(r, catalog[i].requirement));
    }
    cr_assert(in_failed, "%s: %s is not in \"failed\"", file, catalog[i].requirement);

    const char *names[8];
    size_t n = fixture_bugs(doc, names, 8);
    cr_assert_gt(n, 0, "%s turns on no bug switch", file);
    for (size_t j = 0; j < n; j++)
      cr_assert(has_line(listing, "", names[j]),
                "%s: bug switch %s is not in `nsrt-bugs bugs`:\n%s", file, names[j], listing);

    /* the README's table has a row for the file, with its upstream reference */
    char id[8];
    snprintf(id, sizeof(id), "%.3s", file);
    char row[64];
    snprintf(row, sizeof(row), "| %s |", id);
    const char *line = strstr(readme, row);
    cr_assert_not_null(line, "README.md has no row \"%s\"", row);
    const char *eol = strchr(line, '\n');
    cr_assert(strstr(line, upstream) && (!eol || strstr(line, upstream) < eol),
              "README.md's row %s does not name %s", id, upstream);
    json_decref(doc);
  }
  free(listing);
  free(readme);
}

Test(known_bugs, plain_nsrt_has_no_bug_switch)
{
  char *out = NULL;
  int st = bugs_command(itest_nsrt_bin(), "NSRT_BUGS=recv-no-deadline", &out);
  cr_assert_eq(st, 0, "nsrt bugs: exit %d\n%s", st, out);
  cr_assert_str_eq(out, "built without known bugs\n");
  free(out);
}

Test(known_bugs, nsrt_bugs_lists_switches_and_marks_those_on)
{
  char *out = NULL;
  int st = bugs_command(bin("NSRT_BUGS_BIN", "build/bin/nsrt-bugs"),
                        "NSRT_BUGS=stale-errno,recv-no-deadline", &out);
  cr_assert_eq(st, 0, "nsrt-bugs bugs: exit %d\n%s", st, out);
  cr_assert(strstr(out, "stale-errno ") && strstr(out, "recv-no-deadline "), "%s", out);
  /* exactly the two named switches are on */
  size_t on = 0;
  for (const char *p = out; (p = strstr(p, " (on)\n")); p++)
    on++;
  cr_assert_eq(on, 2, "%zu switches marked on:\n%s", on, out);
  const char *line = strstr(out, "stale-errno ");
  size_t len = line ? strcspn(line, "\n") : 0;
  cr_assert(len > 5 && !strncmp(line + len - 5, " (on)", 5), "stale-errno is not on:\n%s", out);
  free(out);
}

Test(known_bugs, unknown_bug_name_is_refused)
{
  struct itest_snap before;
  itest_snapshot(&before);
  char *out = NULL;
  int st = bugs_command(bin("NSRT_BUGS_BIN", "build/bin/nsrt-bugs"),
                        "NSRT_BUGS=stale-errno,no-such-bug", &out);
  cr_assert_eq(st, 1, "exit %d, want 1\n%s", st, out);
  cr_assert(strstr(out, "NSRT_BUGS") && strstr(out, "unknown bug \"no-such-bug\""), "%s", out);
  free(out);
  itest_assert_no_leaks(&before);
}
