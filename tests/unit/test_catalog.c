/* The requirement catalog: the real file loads and validates, every rule of
 * the validator rejects a crafted bad catalog with the right JSON path and
 * message, the default path lookup, and the consistency rule between the
 * REQ() ids linked into this binary (all of libnsconform.a) and the catalog. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "error.h"
#include "requirements.h"

static const char *const valid_levels[] = {"MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY"};

static void load_real(struct nsc_catalog *c)
{
  char path[PATH_MAX];
  struct nsrt_err err = {0};
  cr_assert_eq(nsc_catalog_default_path(path, sizeof(path)), 0);
  if (nsc_catalog_load(path, c, &err) < 0) {
    char msg[1024];
    nsrt_err_format(&err, msg, sizeof(msg));
    cr_assert_fail("%s does not load: %s", path, msg);
  }
}

/* ---- the catalog file --------------------------------------------------- */

Test(catalog_file, loads_and_validates)
{
  struct nsc_catalog c;
  load_real(&c);
  cr_expect_geq(c.n, 150, "only %zu requirements", c.n);
  cr_expect_str_eq(c.spec_version, "1.3.0");
  size_t none = 0;
  for (size_t i = 0; i < c.n; i++) {
    const struct nsc_requirement *r = &c.v[i];
    bool ok = false;
    for (size_t k = 0; k < sizeof(valid_levels) / sizeof(valid_levels[0]); k++)
      ok |= strcmp(r->level, valid_levels[k]) == 0;
    cr_expect(ok, "%s: level \"%s\"", r->id, r->level);
    cr_expect_eq(strncmp(r->id, r->group, strlen(r->group)), 0, "%s: group %s", r->id, r->group);
    cr_expect_eq(nsc_catalog_find(&c, r->id), r, "%s: find returns another entry", r->id);
    if (r->check_reason && !r->planned) {
      none++;
      cr_expect_gt(strlen(r->check_reason), 10, "%s: reason too short", r->id);
    }
  }
  cr_expect_lt(none, c.n / 3, "%zu of %zu entries are not checkable", none, c.n);
  cr_expect_null(nsc_catalog_find(&c, "config-linux.namespaces.no-such-entry"));
  nsc_catalog_free(&c);
  cr_expect_eq(c.n, 0);
  cr_expect_null(c.v);
}

/* The topics the harness checks must each have their entries. */
Test(catalog_file, covers_the_checked_topics)
{
  static const char *const ids[] = {
      "config.oci-version.semver",
      "config.root.path-exists",
      "config.root.readonly",
      "config.mounts.order",
      "config.mounts.destination-relative",
      "config.process.cwd-absolute",
      "config.process.args-required",
      "config.process.env-applied",
      "config.user.uid",
      "config.user.gid",
      "config.user.umask",
      "config.user.additional-gids",
      "config.capabilities.effective",
      "config.capabilities.permitted",
      "config.capabilities.inheritable",
      "config.capabilities.bounding",
      "config.capabilities.ambient",
      "config.rlimits.soft",
      "config.rlimits.hard",
      "config.rlimits.duplicate",
      "config.rlimits.unknown-type",
      "config.linux-process.no-new-privileges",
      "config.linux-process.oom-score-adj",
      "config.hostname.applied",
      "config.hostname.runtime-uts",
      "config.domainname.applied",
      "config.hooks.order",
      "config.hooks.state-stdin",
      "config.hooks.poststop-timing",
      "config.annotations.string-values",
      "config-linux.namespaces.new",
      "config-linux.namespaces.path-join",
      "config-linux.namespaces.path-type-mismatch",
      "config-linux.namespaces.duplicate",
      "config-linux.namespaces.absent-inherit",
      "config-linux.user-namespace-mappings.uid-applied",
      "config-linux.time-offsets.applied",
      "config-linux.default-devices.null",
      "config-linux.default-devices.ptmx",
      "runtime-linux.dev-symlinks.fd",
      "config-linux.sysctl.applied",
      "config-linux.seccomp.default-action",
      "config-linux.seccomp.errno-ret",
      "config-linux.seccomp.unknown-arch",
      "config-linux.rootfs-propagation.applied",
      "config-linux.masked-paths.masked",
      "config-linux.readonly-paths.readonly",
      "config-linux.personality.domain",
      "config-linux.mount-label.applied",
      "runtime.state.status-created",
      "runtime.state.pid",
      "runtime.lifecycle.program-not-run",
      "runtime.lifecycle.config-frozen",
      "runtime.lifecycle.poststop-failure",
      "runtime.create.cannot-apply",
      "runtime.start.not-created",
      "runtime.kill.wrong-state",
      "runtime.kill.signal",
      "runtime.delete.not-stopped",
      "runtime.delete.removes-resources",
      "runtime.errors.no-change",
  };
  struct nsc_catalog c;
  load_real(&c);
  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
    cr_expect_not_null(nsc_catalog_find(&c, ids[i]), "missing %s", ids[i]);
  nsc_catalog_free(&c);
}

/* ---- crafted bad catalogs ----------------------------------------------- */

#define URL "https://github.com/opencontainers/runtime-spec/blob/v1.3.0/"
#define GOOD_ENTRY                                                                                 \
  "{\"id\": \"config.root.readonly\", \"level\": \"MUST\", \"group\": \"config.root\", "           \
  "\"url\": \"" URL "config.md#root\", \"statement\": \"The root is read-only.\"}"
#define DOC(entries)                                                                               \
  "{\"schema\": \"nsconform-requirements/1\", \"spec_version\": \"1.3.0\", "                       \
  "\"requirements\": [" entries "]}"
#define ENTRY(fields)                                                                              \
  "{\"id\": \"config.root.readonly\", \"level\": \"MUST\", \"group\": \"config.root\", "           \
  "\"url\": \"" URL "config.md#root\", " fields "}"

struct bad_case {
  const char *name;
  const char *doc;
  const char *step;
  const char *text; /* a substring of the error text */
};

static const struct bad_case bad_cases[] = {
    {"top is an array", "[]", "$", "is not an object"},
    {"schema",
     "{\"schema\": \"nsconform-requirements/2\", \"spec_version\": \"1.3.0\", "
     "\"requirements\": [" GOOD_ENTRY "]}",
     "schema", "\"nsconform-requirements/2\" is not \"nsconform-requirements/1\""},
    {"schema missing", "{\"spec_version\": \"1.3.0\", \"requirements\": [" GOOD_ENTRY "]}",
     "schema", "(missing) is not"},
    {"spec version",
     "{\"schema\": \"nsconform-requirements/1\", \"spec_version\": \"1.2.0\", "
     "\"requirements\": [" GOOD_ENTRY "]}",
     "spec_version", "\"1.2.0\" is not \"1.3.0\""},
    {"unknown top property",
     "{\"schema\": \"nsconform-requirements/1\", \"spec_version\": "
     "\"1.3.0\", \"extra\": 1, \"requirements\": [" GOOD_ENTRY "]}",
     "extra", "unknown property"},
    {"empty list", DOC(""), "requirements", "is not a non-empty array"},
    {"entry not an object", DOC("\"config.root.x\""), "requirements[0]", "is not an object"},
    {"unknown entry property", DOC(ENTRY("\"statement\": \"x y\", \"stament\": \"typo\"")),
     "requirements[0].stament", "unknown property"},
    {"id missing",
     DOC("{\"level\": \"MUST\", \"group\": \"config.root\", \"url\": \"" URL
         "config.md#root\", \"statement\": \"s\"}"),
     "requirements[0].id", "missing"},
    {"id upper case",
     DOC("{\"id\": \"config.root.Readonly\", \"level\": \"MUST\", \"group\": \"config.root\", "
         "\"url\": \"" URL "config.md#root\", \"statement\": \"s\"}"),
     "requirements[0].id", "\"config.root.Readonly\" is not <file>.<section>.<name>"},
    {"id two components",
     DOC("{\"id\": \"config.root\", \"level\": \"MUST\", \"group\": \"config.root\", "
         "\"url\": \"" URL "config.md#root\", \"statement\": \"s\"}"),
     "requirements[0].id", "is not <file>.<section>.<name>"},
    {"id double dash",
     DOC("{\"id\": \"config.root.read--only\", \"level\": \"MUST\", \"group\": \"config.root\", "
         "\"url\": \"" URL "config.md#root\", \"statement\": \"s\"}"),
     "requirements[0].id", "is not <file>.<section>.<name>"},
    {"id empty component",
     DOC("{\"id\": \"config..readonly\", \"level\": \"MUST\", \"group\": \"config.\", "
         "\"url\": \"" URL "config.md#root\", \"statement\": \"s\"}"),
     "requirements[0].id", "is not <file>.<section>.<name>"},
    {"id unknown document",
     DOC("{\"id\": \"bundle.root.x\", \"level\": \"MUST\", \"group\": \"bundle.root\", "
         "\"url\": \"" URL "bundle.md#root\", \"statement\": \"s\"}"),
     "requirements[0].id", "\"bundle.root.x\" does not start with a spec document"},
    {"duplicate id", DOC(GOOD_ENTRY ", " GOOD_ENTRY), "requirements[1].id",
     "\"config.root.readonly\" is already used by requirements[0]"},
    {"level",
     DOC("{\"id\": \"config.root.x\", \"level\": \"MUSTN'T\", \"group\": \"config.root\", "
         "\"url\": \"" URL "config.md#root\", \"statement\": \"s\"}"),
     "requirements[0].level", "\"MUSTN'T\" is not one of MUST, MUST NOT, SHOULD, SHOULD NOT, MAY"},
    {"level lower case",
     DOC("{\"id\": \"config.root.x\", \"level\": \"must\", \"group\": \"config.root\", "
         "\"url\": \"" URL "config.md#root\", \"statement\": \"s\"}"),
     "requirements[0].level", "\"must\" is not one of"},
    {"level REQUIRED",
     DOC("{\"id\": \"config.root.x\", \"level\": \"REQUIRED\", \"group\": \"config.root\", "
         "\"url\": \"" URL "config.md#root\", \"statement\": \"s\"}"),
     "requirements[0].level", "\"REQUIRED\" is not one of"},
    {"level not a string",
     DOC("{\"id\": \"config.root.x\", \"level\": 1, \"group\": \"config.root\", "
         "\"url\": \"" URL "config.md#root\", \"statement\": \"s\"}"),
     "requirements[0].level", "1 is not a string"},
    {"group",
     DOC("{\"id\": \"config.root.x\", \"level\": \"MAY\", \"group\": \"config\", "
         "\"url\": \"" URL "config.md#root\", \"statement\": \"s\"}"),
     "requirements[0].group", "\"config\" is not \"config.root\""},
    {"group longer",
     DOC("{\"id\": \"config.root.x\", \"level\": \"MAY\", \"group\": \"config.root.x\", "
         "\"url\": \"" URL "config.md#root\", \"statement\": \"s\"}"),
     "requirements[0].group", "\"config.root.x\" is not \"config.root\""},
    {"url base",
     DOC("{\"id\": \"config.root.x\", \"level\": \"MAY\", \"group\": \"config.root\", "
         "\"url\": \"https://github.com/opencontainers/runtime-spec/blob/v1.2.0/config.md#root\", "
         "\"statement\": \"s\"}"),
     "requirements[0].url", "does not start with " URL},
    {"url without fragment",
     DOC("{\"id\": \"config.root.x\", \"level\": \"MAY\", \"group\": \"config.root\", "
         "\"url\": \"" URL "config.md\", \"statement\": \"s\"}"),
     "requirements[0].url", "has no #fragment"},
    {"url empty fragment",
     DOC("{\"id\": \"config.root.x\", \"level\": \"MAY\", \"group\": \"config.root\", "
         "\"url\": \"" URL "config.md#\", \"statement\": \"s\"}"),
     "requirements[0].url", "has no #fragment"},
    {"url other document",
     DOC("{\"id\": \"config.root.x\", \"level\": \"MAY\", \"group\": \"config.root\", "
         "\"url\": \"" URL "config-linux.md#root\", \"statement\": \"s\"}"),
     "requirements[0].url", "is not in config.md, the document the id names"},
    {"statement empty", DOC(ENTRY("\"statement\": \"\"")), "requirements[0].statement",
     "\"\" must be one non-empty line"},
    {"statement blank", DOC(ENTRY("\"statement\": \"   \"")), "requirements[0].statement",
     "must be one non-empty line"},
    {"statement two lines", DOC(ENTRY("\"statement\": \"one\\ntwo\"")), "requirements[0].statement",
     "\"one\\ntwo\" must be one non-empty line"},
    {"statement missing",
     DOC("{\"id\": \"config.root.x\", \"level\": \"MAY\", \"group\": \"config.root\", "
         "\"url\": \"" URL "config.md#root\"}"),
     "requirements[0].statement", "missing"},
    {"statement not a string", DOC(ENTRY("\"statement\": [\"a\"]")), "requirements[0].statement",
     "[\"a\"] is not a string"},
    {"check other value", DOC(ENTRY("\"statement\": \"s\", \"check\": \"auto\"")),
     "requirements[0].check", "\"auto\": the values are \"none\" and \"planned\""},
    {"check none without reason", DOC(ENTRY("\"statement\": \"s\", \"check\": \"none\"")),
     "requirements[0].reason", "\"check\": \"none\" needs a reason: missing"},
    {"check none empty reason",
     DOC(ENTRY("\"statement\": \"s\", \"check\": \"none\", \"reason\": \"\"")),
     "requirements[0].reason", "needs a reason"},
    {"reason without check", DOC(ENTRY("\"statement\": \"s\", \"reason\": \"why\"")),
     "requirements[0].reason", "only given with \"check\""},
    {"error in a later entry", DOC(GOOD_ENTRY ", " GOOD_ENTRY ", {}"), "requirements[1].id",
     "already used"},
};

/* One test walks every case: each expectation names its case. */
Test(catalog_invalid, every_rule)
{
  for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
    const struct bad_case *bc = &bad_cases[i];
    json_error_t jerr;
    json_t *doc = json_loads(bc->doc, 0, &jerr);
    cr_assert_not_null(doc, "%s: the test's JSON does not parse: %s", bc->name, jerr.text);
    struct nsc_catalog c = {.n = 99};
    struct nsrt_err err = {0};
    int ret = nsc_catalog_from_json(doc, &c, &err);
    json_decref(doc);
    cr_expect_eq(ret, -1, "%s: accepted", bc->name);
    if (ret == 0) {
      nsc_catalog_free(&c);
      continue;
    }
    cr_expect_str_eq(err.stage, "catalog", "%s", bc->name);
    cr_expect_str_eq(err.step, bc->step, "%s: step", bc->name);
    cr_expect_not_null(strstr(err.text, bc->text), "%s: \"%s\" lacks \"%s\"", bc->name, err.text,
                       bc->text);
    cr_expect_eq(c.n, 0, "%s: catalog not left empty", bc->name);
    cr_expect_null(c.v, "%s", bc->name);
  }
}

Test(catalog_invalid, good_entry_is_accepted)
{
  /* The base the bad cases vary must itself be valid, or they prove nothing. */
  json_t *doc = json_loads(DOC(GOOD_ENTRY ", " ENTRY("\"statement\": \"s\", \"check\": \"none\", "
                                                     "\"reason\": \"why not\"")),
                           0, NULL);
  cr_assert_not_null(doc);
  /* Same id twice is the one thing wrong with that document: rename the second. */
  json_object_set_new(json_array_get(json_object_get(doc, "requirements"), 1), "id",
                      json_string("config.root.other-name"));
  struct nsc_catalog c;
  struct nsrt_err err = {0};
  cr_assert_eq(nsc_catalog_from_json(doc, &c, &err), 0, "%s: %s", err.step, err.text);
  json_decref(doc);
  cr_expect_eq(c.n, 2);
  cr_expect_null(c.v[0].check_reason);
  cr_expect_str_eq(c.v[1].check_reason, "why not");
  cr_expect_str_eq(c.v[0].group, "config.root");
  cr_expect(nsc_requirement_is_must(&c.v[0]));
  nsc_catalog_free(&c);
}

static char tmpdir[64];

static void make_tmpdir(void)
{
  strcpy(tmpdir, "/tmp/nsc-catalog-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
}

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "we");
  cr_assert_not_null(f, "%s: %s", path, strerror(errno));
  fputs(text, f);
  cr_assert_eq(fclose(f), 0);
}

Test(catalog_invalid, file_errors, .init = make_tmpdir)
{
  char path[128];
  struct nsc_catalog c;
  struct nsrt_err err = {0};

  snprintf(path, sizeof(path), "%s/absent.json", tmpdir);
  cr_expect_eq(nsc_catalog_load(path, &c, &err), -1);
  cr_expect_str_eq(err.step, "open");
  cr_expect_eq(err.errnum, ENOENT);
  cr_expect_not_null(strstr(err.text, path));

  snprintf(path, sizeof(path), "%s/broken.json", tmpdir);
  write_file(path, "{\"schema\": \"nsconform-requirements/1\",\n  \"requirements\": [,]}\n");
  cr_expect_eq(nsc_catalog_load(path, &c, &err), -1);
  cr_expect_str_eq(err.step, "parse");
  cr_expect_not_null(strstr(err.text, "line 2"), "%s", err.text);
  unlink(path);

  /* Duplicate keys would let a second "level" silently win. */
  snprintf(path, sizeof(path), "%s/dupkey.json", tmpdir);
  write_file(path, DOC(ENTRY("\"statement\": \"s\", \"level\": \"MAY\"")));
  cr_expect_eq(nsc_catalog_load(path, &c, &err), -1);
  cr_expect_str_eq(err.step, "parse");
  cr_expect_not_null(strstr(err.text, "duplicate"), "%s", err.text);
  unlink(path);

  snprintf(path, sizeof(path), "%s/good.json", tmpdir);
  write_file(path, DOC(GOOD_ENTRY));
  cr_expect_eq(nsc_catalog_load(path, &c, &err), 0, "%s: %s", err.step, err.text);
  cr_expect_eq(c.n, 1);
  nsc_catalog_free(&c);
  unlink(path);
  rmdir(tmpdir);
}

/* ---- default path ------------------------------------------------------- */

Test(catalog_path, environment_wins)
{
  char buf[PATH_MAX];
  setenv("NSCONFORM_CATALOG", "/somewhere/else.json", 1);
  cr_expect_eq(nsc_catalog_default_path(buf, sizeof(buf)), 0);
  cr_expect_str_eq(buf, "/somewhere/else.json");

  char small[8];
  errno = 0;
  cr_expect_eq(nsc_catalog_default_path(small, sizeof(small)), -1);
  cr_expect_eq(errno, ENAMETOOLONG);

  /* Empty means unset: not the empty path. */
  setenv("NSCONFORM_CATALOG", "", 1);
  cr_expect_eq(nsc_catalog_default_path(buf, sizeof(buf)), 0);
  cr_expect_neq(buf[0], '\0');
  unsetenv("NSCONFORM_CATALOG");
}

/* Helper run by exe_relative in a copy of this binary: writes what the
 * lookup finds there.  Skipped when run directly. */
Test(catalog_path, exe_probe)
{
  const char *out = getenv("NSC_CATALOG_PROBE_OUT");
  if (!out)
    cr_skip_test("only run by catalog_path/exe_relative");
  unsetenv("NSCONFORM_CATALOG");
  char buf[PATH_MAX];
  cr_assert_eq(nsc_catalog_default_path(buf, sizeof(buf)), 0);
  write_file(out, buf);
}

static int run_bounded(char *const argv[], char *const envp[])
{
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    execve(argv[0], argv, envp);
    _exit(127);
  }
  int status = 0;
  for (int waited = 0; waited < 300; waited++) { /* 30 s */
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return status;
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  cr_assert_fail("the probe copy did not finish in 30 s");
  return -1;
}

static void copy_file(const char *from, const char *to)
{
  int in = open(from, O_RDONLY | O_CLOEXEC);
  cr_assert_geq(in, 0, "%s: %s", from, strerror(errno));
  int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  cr_assert_geq(out, 0, "%s: %s", to, strerror(errno));
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof(buf))) > 0)
    cr_assert_eq(write(out, buf, (size_t)n), n);
  cr_assert_eq(n, 0);
  close(in);
  cr_assert_eq(close(out), 0);
}

/* A binary at D/build/bin/x finds D/specs/requirements.json. */
Test(catalog_path, exe_relative, .init = make_tmpdir)
{
  char dir[256], exe[256], specs[256], catalog[256], out[256], got[PATH_MAX] = "";
  snprintf(dir, sizeof(dir), "%s/build", tmpdir);
  cr_assert_eq(mkdir(dir, 0755), 0);
  snprintf(dir, sizeof(dir), "%s/build/bin", tmpdir);
  cr_assert_eq(mkdir(dir, 0755), 0);
  snprintf(specs, sizeof(specs), "%s/specs", tmpdir);
  cr_assert_eq(mkdir(specs, 0755), 0);
  snprintf(catalog, sizeof(catalog), "%s/requirements.json", specs);
  write_file(catalog, "{}");
  snprintf(exe, sizeof(exe), "%s/probe", dir);
  copy_file("/proc/self/exe", exe);
  snprintf(out, sizeof(out), "%s/out", tmpdir);

  char env_out[300];
  snprintf(env_out, sizeof(env_out), "NSC_CATALOG_PROBE_OUT=%s", out);
  char *argv[] = {exe, "--filter", "catalog_path/exe_probe", "--jobs", "1", NULL};
  char *envp[] = {env_out, "PATH=/usr/bin:/bin", NULL};
  int status = run_bounded(argv, envp);
  cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "probe status %#x", status);

  FILE *f = fopen(out, "re");
  cr_assert_not_null(f, "the probe wrote nothing");
  cr_assert_not_null(fgets(got, sizeof(got), f));
  fclose(f);
  char want[PATH_MAX];
  cr_assert_not_null(realpath(catalog, want));
  cr_expect_str_eq(got, want);

  /* Without the file next to it, the lookup falls back to the cwd path. */
  unlink(catalog);
  unlink(out);
  status = run_bounded(argv, envp);
  cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "probe status %#x", status);
  f = fopen(out, "re");
  cr_assert_not_null(f);
  cr_assert_not_null(fgets(got, sizeof(got), f));
  fclose(f);
  cr_expect_str_eq(got, "specs/requirements.json");

  unlink(out);
  unlink(exe);
  rmdir(dir);
  snprintf(dir, sizeof(dir), "%s/build", tmpdir);
  rmdir(dir);
  rmdir(specs);
  rmdir(tmpdir);
}

/* ---- the consistency rule, on crafted data ------------------------------ */

#define E(id, level, group, extra)                                                                 \
  "{\"id\": \"" id "\", \"level\": \"" level "\", \"group\": \"" group "\", \"url\": \"" URL       \
  "config.md#root\", \"statement\": \"s\"" extra "}"

static void crafted_catalog(struct nsc_catalog *c)
{
  const char *text = DOC(E("config.alpha.one", "MUST", "config.alpha", "") ", " E(
      "config.alpha.two", "MUST NOT", "config.alpha",
      "") ", " E("config.alpha.opt", "SHOULD", "config.alpha",
                 "") ", " E("config.gamma.one", "MUST", "config.gamma",
                            "") ", " E("config.delta.none", "MUST", "config.delta",
                                       ", \"check\": \"none\", \"reason\": "
                                       "\"cannot\"") ", " E("config.epsilon.one", "MUST",
                                                            "config.epsilon", ""));
  json_t *doc = json_loads(text, 0, NULL);
  cr_assert_not_null(doc);
  struct nsrt_err err = {0};
  cr_assert_eq(nsc_catalog_from_json(doc, c, &err), 0, "%s: %s", err.step, err.text);
  json_decref(doc);
}

static const struct nsc_req_ref ref_one = {"config.alpha.one", "x/judge.c", 10};
static const struct nsc_req_ref ref_typo = {"config.alpha.onne", "x/judge.c", 20};
static const struct nsc_req_ref ref_none = {"config.delta.none", "x/driver.c", 30};
static const struct nsc_req_ref ref_eps = {"config.epsilon.onee", "x/judge.c", 40};
static const struct nsc_req_ref *const refs[] = {&ref_one, &ref_typo, &ref_none, &ref_one,
                                                 &ref_eps};
#define NREFS (sizeof(refs) / sizeof(refs[0]))

static const struct nsc_audit_item *find_item(const struct nsc_audit *a, enum nsc_audit_kind k,
                                              const char *needle)
{
  for (size_t i = 0; i < a->n; i++)
    if (a->v[i].kind == k && strstr(a->v[i].text, needle))
      return &a->v[i];
  return NULL;
}

Test(catalog_audit, rules)
{
  struct nsc_catalog c;
  crafted_catalog(&c);
  struct nsc_audit a;
  struct nsrt_err err = {0};
  cr_assert_eq(nsc_catalog_audit(&c, refs, refs + NREFS, false, &a, &err), 0);

  const struct nsc_audit_item *it = find_item(&a, NSC_AUDIT_UNKNOWN_ID, "config.alpha.onne");
  cr_assert_not_null(it, "a REQ() id missing from the catalog is not reported");
  cr_expect(it->fatal);
  cr_expect_not_null(strstr(it->text, "x/judge.c:20"), "%s", it->text);

  it = find_item(&a, NSC_AUDIT_CHECKED_NONE, "config.delta.none");
  cr_assert_not_null(it, "a REQ() of a check-none entry is not reported");
  cr_expect(it->fatal);
  cr_expect_not_null(strstr(it->text, "x/driver.c:30"), "%s", it->text);

  /* config.alpha has a check, so its other MUST NOT is a failure... */
  it = find_item(&a, NSC_AUDIT_UNCOVERED, "config.alpha.two");
  cr_assert_not_null(it);
  cr_expect(it->fatal);
  /* ...while config.gamma has none yet: reported only. */
  it = find_item(&a, NSC_AUDIT_UNCOVERED, "config.gamma.one");
  cr_assert_not_null(it);
  cr_expect_not(it->fatal);
  /* A misspelt id is a failure of its own but does not make its group
   * "started": config.epsilon.one is still only reported. */
  cr_expect_not_null(find_item(&a, NSC_AUDIT_UNKNOWN_ID, "x/judge.c:40: config.epsilon.onee"));
  it = find_item(&a, NSC_AUDIT_UNCOVERED, "config.epsilon.one");
  cr_assert_not_null(it);
  cr_expect_not(it->fatal);
  /* Covered, SHOULD-level and check-none entries are not findings. */
  cr_expect_null(find_item(&a, NSC_AUDIT_UNCOVERED, "config.alpha.one"));
  cr_expect_null(find_item(&a, NSC_AUDIT_UNCOVERED, "config.alpha.opt"));
  cr_expect_null(find_item(&a, NSC_AUDIT_UNCOVERED, "config.delta.none"));

  cr_expect_eq(a.n, 6);
  cr_expect_eq(a.fatal, 4);
  cr_expect_eq(a.must_total, 5);
  cr_expect_eq(a.must_none, 1);
  cr_expect_eq(a.must_ref, 1);
  nsc_audit_free(&a);

  /* Strict: every uncovered MUST fails. */
  cr_assert_eq(nsc_catalog_audit(&c, refs, refs + NREFS, true, &a, &err), 0);
  it = find_item(&a, NSC_AUDIT_UNCOVERED, "config.gamma.one");
  cr_assert_not_null(it);
  cr_expect(it->fatal);
  cr_expect_eq(a.fatal, 6);
  nsc_audit_free(&a);

  /* No REQ() at all and not strict: nothing fails, every uncovered MUST reported. */
  cr_assert_eq(nsc_catalog_audit(&c, NULL, NULL, false, &a, &err), 0);
  cr_expect_eq(a.fatal, 0);
  cr_expect_eq(a.n, 4);
  nsc_audit_free(&a);
  nsc_catalog_free(&c);
}

/* ---- the consistency rule, on this binary -------------------------------- */

Test(catalog_consistency, registry_well_formed)
{
  const struct nsc_req_ref *const *b = nsc_req_begin(), *const *e = nsc_req_end();
  cr_assert((b == NULL) == (e == NULL), "only one bound of the nsc_req section");
  cr_assert(b <= e);
  for (const struct nsc_req_ref *const *p = b; p < e; p++) {
    cr_assert_not_null(*p);
    cr_expect_not_null((*p)->id);
    cr_expect_not_null((*p)->file);
    cr_expect_gt((*p)->line, 0);
  }
}

static bool strict_requested(void)
{
  const char *s = getenv("NSCONFORM_STRICT_CATALOG");
  return s && strcmp(s, "1") == 0;
}

Test(catalog_consistency, req_ids_and_must_coverage)
{
  struct nsc_catalog c;
  load_real(&c);
  struct nsc_audit a;
  struct nsrt_err err = {0};
  /* The rule of the catalog: every MUST has a check, or a written reason
   * ("check": "none" or "planned"). */
  bool strict = true;
  (void)strict_requested;
  cr_assert_eq(nsc_catalog_audit(&c, nsc_req_begin(), nsc_req_end(), strict, &a, &err), 0);

  size_t refs_n = (size_t)(nsc_req_end() - nsc_req_begin());
  fprintf(stderr,
          "catalog: %zu REQ() uses linked; MUST/MUST NOT: %zu total, %zu checked, %zu marked "
          "check none, %zu planned, %zu uncovered; %zu finding(s) fail\n",
          refs_n, a.must_total, a.must_ref, a.must_none, a.must_planned,
          a.must_total - a.must_ref - a.must_none - a.must_planned, a.fatal);
  /* Failures go into the assertion message, one per line; the uncovered
   * entries that do not fail yet are listed on stderr, one line per group. */
  size_t len = 1;
  for (size_t i = 0; i < a.n; i++)
    len += strlen(a.v[i].text) + 24;
  char *fatal = calloc(1, len);
  cr_assert_not_null(fatal);
  for (size_t i = 0; i < a.n; i++)
    if (a.v[i].fatal) {
      strcat(fatal, "\n  ");
      strcat(fatal, nsc_audit_kind_name(a.v[i].kind));
      strcat(fatal, ": ");
      strcat(fatal, a.v[i].text);
    }
  const char *group = NULL;
  for (size_t i = 0; i < a.n; i++) {
    const struct nsc_audit_item *it = &a.v[i];
    if (it->fatal)
      continue;
    const struct nsc_requirement *r = nsc_catalog_find(&c, it->id);
    cr_assert_not_null(r);
    if (!group || strcmp(group, r->group) != 0) {
      fprintf(stderr, "%s  note: not checked yet in %s:", group ? "\n" : "", r->group);
      group = r->group;
    }
    fprintf(stderr, " %s", it->id + strlen(group) + 1);
  }
  if (group)
    fprintf(stderr, "\n");
  cr_expect_eq(a.fatal, 0, "%zu catalog consistency failure(s):%s", a.fatal, fatal);
  free(fatal);
  nsc_audit_free(&a);
  nsc_catalog_free(&c);
}
