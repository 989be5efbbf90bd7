/* repro.c and repro_shrink.c: a saved case loads back as it was; every
 * error of a bad file names its JSON path; the reduction engine, driven by
 * synthetic predicates, keeps what the failure needs and nothing else. */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../harness/src/runtime.h" /* not runtime-core's runtime.h */
#include "error.h"
#include "nsconform.h"
#include "repro.h"

#define BIG_SEED 9223372036854775813ULL /* above 2^53: a string in JSON */

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  return remove(path);
}

static void setup(void)
{
  strcpy(tmpdir, "/tmp/nsc-repro-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
  nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  unsetenv("NSRT_BUGS");
}

TestSuite(repro, .init = setup, .fini = teardown, .timeout = 30);

static const char *config_text =
    "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"hostname\": \"h1\","
    " \"annotations\": {\"io.example.a\": \"1\"},"
    " \"mounts\": [{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "              \"options\": [\"nosuid\", \"nodev\"]}],"
    " \"process\": {\"args\": [\"/nsprobe\", \"--wait\"], \"cwd\": \"/\","
    "   \"user\": {\"uid\": 0, \"gid\": 0, \"umask\": 18},"
    "   \"env\": [\"PATH=/bin\", \"FOO=bar\"],"
    "   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],"
    "   \"noNewPrivileges\": true},"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"user\"}, {\"type\": \"uts\"},"
    "                             {\"type\": \"mount\"}],"
    "   \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
    "   \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
    "   \"sysctl\": {\"kernel.msgmax\": \"8192\"},"
    "   \"maskedPaths\": [\"/proc/kcore\", \"/proc/keys\"]}}";

static const char *fault_text =
    "{\"kind\": \"failpoint\", \"steps\": ["
    " {\"point\": \"init.setns\", \"action\": \"sleep\", \"arg\": 0},"
    " {\"point\": \"init.pivot_root\", \"action\": \"err\", \"arg\": \"EPERM\", \"times\": 1},"
    " {\"point\": \"main.write_pid_file\", \"action\": \"exit\", \"arg\": 3},"
    " {\"point\": \"chan.main.recv.INIT_READY\", \"action\": \"drop\"}],"
    " \"sync_timeout_ms\": 200, \"commands\": [\"create\"]}";

static void make_case(struct nsc_case *c, enum nsc_case_kind kind)
{
  memset(c, 0, sizeof(*c));
  snprintf(c->id, sizeof(c->id), "f0007-pivot");
  c->seed = BIG_SEED;
  c->kind = kind;
  c->config = json_loads(config_text, 0, NULL);
  cr_assert_not_null(c->config);
  c->title = strdup("pivot_root fails with EPERM");
  c->requirement = strdup("robust.fault.error-errno");
  c->probe_syscall = strdup("mkdir");
  c->fault = json_loads(fault_text, 0, NULL);
  cr_assert_not_null(c->fault);
}

static void make_result(struct nsc_result *r, const struct nsc_case *c)
{
  memset(r, 0, sizeof(*r));
  snprintf(r->case_id, sizeof(r->case_id), "%s", c->id);
  r->seed = c->seed;
  r->kind = c->kind;
  nsc_verdict_add(&r->verdicts, "runtime.create.new-container", NSC_PASS, "create exits 0",
                  "exit 0", NULL);
  nsc_verdict_add(&r->verdicts, "robust.fault.error-errno", NSC_FAIL, "EPERM in the message",
                  "\"nsrt: init: pivot_root: Invalid argument\"", NULL);
  nsc_verdict_add(&r->verdicts, "config.hostname", NSC_SKIP, NULL, NULL, "%s", "no uts");
  nsc_verdict_add(&r->verdicts, "robust.fault.error-step", NSC_FAIL, "the step", "none", NULL);
  r->verdicts.v[1].level = strdup("MUST");
  r->verdicts.v[3].level = strdup("SHOULD");
  r->leaks = calloc(2, sizeof(char *));
  r->leaks[0] = strdup("mount /tmp/x left");
  /* runtime stderr is anything: bytes that are not UTF-8 */
  r->runtime_stderr = strdup("nsrt: init: pivot_root: \xff\xfe bad\n");
}

static void make_runtime(struct nsc_runtime *rt, char **args)
{
  memset(rt, 0, sizeof(*rt));
  snprintf(rt->path, sizeof(rt->path), "/usr/sbin/runc");
  snprintf(rt->name, sizeof(rt->name), "runc");
  snprintf(rt->version, sizeof(rt->version), "runc version 1.1.5");
  rt->isolate = true;
  rt->global_args = args;
}

static char *err_text(const struct nsrt_err *err)
{
  static char buf[1024];
  nsrt_err_format(err, buf, sizeof(buf));
  return buf;
}

Test(repro, save_then_load_gives_the_case_back)
{
  struct nsc_case c;
  struct nsc_result r;
  struct nsc_runtime rt;
  char *args[] = {"--systemd-cgroup", "--debug", NULL};
  make_case(&c, NSC_CASE_FAULT);
  make_result(&r, &c);
  make_runtime(&rt, args);
  setenv("NSRT_BUGS", "intermediate-no-reap", 1);
  struct nsc_repro_run run = {.seed = 42, .count = 300, .profile = "specs/profiles/default.json"};
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s/reports/latest/repro", tmpdir);
  struct nsrt_err err;
  cr_assert_eq(nsc_repro_save(dir, &c, &r, &rt, &run, &err), 0, "%s", err_text(&err));

  char path[PATH_MAX];
  nsc_repro_path(dir, c.id, path, sizeof(path));
  cr_assert_str_eq(strrchr(path, '/') + 1, "f0007-pivot.json");
  struct nsc_repro l;
  cr_assert_eq(nsc_repro_load(path, &l, &err), 0, "%s", err_text(&err));
  cr_assert_str_eq(l.c.id, c.id);
  cr_assert_eq(l.c.kind, NSC_CASE_FAULT);
  cr_assert_eq(l.c.seed, BIG_SEED);
  cr_assert_str_eq(l.c.title, c.title);
  cr_assert_str_eq(l.c.requirement, c.requirement);
  cr_assert_str_eq(l.c.probe_syscall, "mkdir");
  cr_assert(json_equal(l.c.config, c.config), "config differs");
  cr_assert(json_equal(l.c.fault, c.fault), "fault plan differs");
  cr_assert_str_eq(l.runtime.path, "/usr/sbin/runc");
  cr_assert_str_eq(l.runtime.name, "runc");
  cr_assert_str_eq(l.runtime.version, "runc version 1.1.5");
  cr_assert(l.runtime.isolate);
  cr_assert_str_eq(l.runtime.args[0], "--systemd-cgroup");
  cr_assert_str_eq(l.runtime.args[1], "--debug");
  cr_assert_null(l.runtime.args[2]);
  cr_assert_str_eq(l.runtime.env[0], "NSRT_BUGS=intermediate-no-reap");
  cr_assert_null(l.runtime.env[1]);
  /* only the failures, in order, with their levels */
  cr_assert_eq(l.n_failed, 2);
  cr_assert_str_eq(l.failed[0].requirement, "robust.fault.error-errno");
  cr_assert_str_eq(l.failed[0].level, "MUST");
  cr_assert_str_eq(l.failed[0].expected, "EPERM in the message");
  cr_assert_str_eq(l.failed[0].actual, "\"nsrt: init: pivot_root: Invalid argument\"");
  cr_assert_str_eq(l.failed[1].requirement, "robust.fault.error-step");
  cr_assert_str_eq(l.failed[1].level, "SHOULD");
  cr_assert_eq(l.run_seed, 42);
  cr_assert_eq(l.run_count, 300);
  cr_assert_str_eq(l.run_profile, "specs/profiles/default.json");
  cr_assert_not_null(l.kernel);
  cr_assert_not_null(l.created);
  cr_assert_null(l.upstream);
  /* the extras are there too, stderr made UTF-8 */
  json_t *leaks = json_object_get(l.doc, "leaks");
  cr_assert_str_eq(json_string_value(json_array_get(leaks, 0)), "mount /tmp/x left");
  const char *se = json_string_value(json_object_get(l.doc, "stderr"));
  cr_assert_not_null(se);
  cr_assert(strstr(se, "\xef\xbf\xbd"), "invalid bytes not replaced: %s", se);
  cr_assert_str_eq(json_string_value(json_object_get(l.doc, "schema")), NSC_REPRO_SCHEMA);

  /* what was written is what a writer of the document writes again */
  char again[PATH_MAX];
  snprintf(again, sizeof(again), "%s/again.json", tmpdir);
  cr_assert_eq(nsc_repro_write(again, l.doc, &err), 0, "%s", err_text(&err));
  json_t *a = json_load_file(path, 0, NULL), *b = json_load_file(again, 0, NULL);
  cr_assert(json_equal(a, b));
  json_decref(a);
  json_decref(b);
  nsc_repro_free(&l);
  nsc_case_free(&c);
  nsc_result_free(&r);
}

Test(repro, a_small_seed_is_an_integer_and_a_generated_case_needs_no_fault)
{
  struct nsc_case c;
  struct nsc_result r;
  struct nsc_runtime rt;
  make_case(&c, NSC_CASE_GENERATED);
  json_decref(c.fault);
  c.fault = NULL;
  free(c.requirement);
  c.requirement = NULL;
  c.seed = 7;
  make_result(&r, &c);
  make_runtime(&rt, NULL);
  json_t *doc;
  struct nsrt_err err;
  cr_assert_eq(nsc_repro_build(&c, &r, &rt, NULL, &doc, &err), 0, "%s", err_text(&err));
  cr_assert(json_is_integer(json_object_get(json_object_get(doc, "case"), "seed")));
  cr_assert(json_is_null(json_object_get(doc, "fault")));
  cr_assert_eq(json_array_size(json_object_get(json_object_get(doc, "runtime"), "args")), 0);
  cr_assert_null(json_object_get(json_object_get(doc, "runtime"), "env"));
  struct nsc_repro l;
  cr_assert_eq(nsc_repro_from_json(doc, &l, &err), 0, "%s", err_text(&err));
  cr_assert_null(l.c.fault);
  cr_assert_null(l.c.requirement);
  cr_assert_eq(l.c.seed, 7);
  cr_assert_null(l.runtime.args[0]);
  cr_assert_null(l.runtime.env[0]);
  nsc_repro_free(&l);
  json_decref(doc);
  nsc_case_free(&c);
  nsc_result_free(&r);
}

Test(repro, wanted_for_any_failure_or_leak_only)
{
  struct nsc_result r = {0};
  nsc_verdict_add(&r.verdicts, "a.b.c", NSC_PASS, NULL, NULL, NULL);
  nsc_verdict_add(&r.verdicts, "a.b.d", NSC_SKIP, NULL, NULL, "%s", "why");
  cr_assert_not(nsc_repro_wanted(&r));
  r.leaks = calloc(2, sizeof(char *));
  r.leaks[0] = strdup("a zombie");
  cr_assert(nsc_repro_wanted(&r));
  free(r.leaks[0]);
  free(r.leaks);
  r.leaks = NULL;
  /* a failure of any level */
  nsc_verdict_add(&r.verdicts, "a.b.e", NSC_FAIL, NULL, NULL, NULL);
  r.verdicts.v[2].level = strdup("MAY");
  cr_assert(nsc_repro_wanted(&r));
  nsc_result_free(&r);
}

static void touch(const char *name)
{
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
  FILE *f = fopen(p, "w");
  cr_assert_not_null(f);
  fputs("{}", f);
  fclose(f);
}

Test(repro, clean_removes_only_json_files)
{
  touch("g0001.json");
  touch("n002-x.json");
  touch("notes.txt");
  touch("g0001.min.json.bak");
  char sub[PATH_MAX];
  snprintf(sub, sizeof(sub), "%s/sub.json", tmpdir);
  cr_assert_eq(mkdir(sub, 0755), 0);
  struct nsrt_err err;
  cr_assert_eq(nsc_repro_clean(tmpdir, &err), 0, "%s", err_text(&err));
  char p[PATH_MAX];
  const char *gone[] = {"g0001.json", "n002-x.json"};
  const char *kept[] = {"notes.txt", "g0001.min.json.bak", "sub.json"};
  for (size_t i = 0; i < 2; i++) {
    snprintf(p, sizeof(p), "%s/%s", tmpdir, gone[i]);
    cr_assert_neq(access(p, F_OK), 0, "%s still there", p);
  }
  for (size_t i = 0; i < 3; i++) {
    snprintf(p, sizeof(p), "%s/%s", tmpdir, kept[i]);
    cr_assert_eq(access(p, F_OK), 0, "%s removed", p);
  }
  snprintf(p, sizeof(p), "%s/missing", tmpdir);
  cr_assert_eq(nsc_repro_clean(p, &err), 0, "a missing dir is no error");
}

/* ---- load errors ---------------------------------------------------------- */

static json_t *valid_doc(void)
{
  struct nsc_case c;
  struct nsc_result r;
  struct nsc_runtime rt;
  make_case(&c, NSC_CASE_FAULT);
  make_result(&r, &c);
  make_runtime(&rt, NULL);
  json_t *doc;
  struct nsrt_err err;
  cr_assert_eq(nsc_repro_build(&c, &r, &rt, NULL, &doc, &err), 0, "%s", err_text(&err));
  nsc_case_free(&c);
  nsc_result_free(&r);
  return doc;
}

/* Set (value) or delete (value NULL) the member at a dotted path whose
 * components may be array indices. */
static void edit(json_t *doc, const char *path, json_t *value)
{
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", path);
  json_t *cur = doc;
  char *save, *tok = strtok_r(buf, ".", &save);
  while (tok) {
    char *next = strtok_r(NULL, ".", &save);
    bool index = tok[0] >= '0' && tok[0] <= '9';
    if (!next) {
      if (index && value)
        json_array_set_new(cur, strtoul(tok, NULL, 10), value);
      else if (index)
        json_array_remove(cur, strtoul(tok, NULL, 10));
      else if (value)
        json_object_set_new(cur, tok, value);
      else
        json_object_del(cur, tok);
      return;
    }
    cur = index ? json_array_get(cur, strtoul(tok, NULL, 10)) : json_object_get(cur, tok);
    cr_assert_not_null(cur, "no %s in %s", tok, path);
    tok = next;
  }
}

/* nsc_repro_from_json must refuse doc (what names the change, for the
 * message); the error in *err.  Frees doc. */
static void assert_refused(json_t *doc, struct nsrt_err *err, const char *what)
{
  struct nsc_repro r;
  memset(err, 0, sizeof(*err));
  int ret = nsc_repro_from_json(doc, &r, err);
  json_decref(doc);
  cr_assert_eq(ret, -1, "%s was accepted", what);
}

struct bad_case {
  const char *edit;    /* dotted path to change */
  const char *value;   /* JSON text, or NULL to delete */
  const char *step;    /* the JSON path the error must name */
  const char *mention; /* text the message must hold */
};

Test(repro, every_load_error_names_its_json_path)
{
  static const struct bad_case cases[] = {
      {"schema", "\"nsconform-repro/2\"", "schema", "\"nsconform-repro/2\""},
      {"schema", NULL, "schema", "missing"},
      {"case", NULL, "case", "missing"},
      {"case", "[]", "case", "not an object"},
      {"case.kind", "\"foo\"", "case.kind", "\"foo\" is not one of"},
      {"case.kind", NULL, "case.kind", "missing"},
      {"case.id", NULL, "case.id", "missing"},
      {"case.id", "\"../etc\"", "case.id", "\"../etc\""},
      {"case.id", "\"\"", "case.id", "not a case id"},
      {"case.seed", "-1", "case.seed", "-1"},
      {"case.seed", "\"12x\"", "case.seed", "\"12x\""},
      {"case.title", "3", "case.title", "not a string"},
      {"case.colour", "\"red\"", "case.colour", "not a member"},
      {"config", "[1]", "config", "not an object"},
      {"config", NULL, "config", "missing"},
      {"fault", "7", "fault", "not an object or null"},
      {"fault.kind", "\"bogus\"", "fault.kind", "\"bogus\" is not one of failpoint, seccomp"},
      {"fault.steps", "{}", "fault.steps", "not an array"},
      {"fault.steps.1", "\"x\"", "fault.steps[1]", "not an object"},
      {"fault", "null", "fault", "fault case has a fault plan"},
      {"runtime", NULL, "runtime", "missing"},
      {"runtime.path", "5", "runtime.path", "not a string"},
      {"runtime.path", "\"\"", "runtime.path", "empty"},
      {"runtime.isolate", "\"yes\"", "runtime.isolate", "not a boolean"},
      {"runtime.args", "[\"--debug\", 1]", "runtime.args[1]", "not a string"},
      {"runtime.env", "{\"NSRT_BUGS\": 1}", "runtime.env.NSRT_BUGS", "not a string"},
      {"runtime.env", "{\"A=B\": \"1\"}", "runtime.env.A=B", "not a variable name"},
      {"failed", "{}", "failed", "not an array"},
      {"failed.0.level", "\"MUSTY\"", "failed[0].level", "\"MUSTY\" is not one of"},
      {"failed.1.requirement", NULL, "failed[1].requirement", "missing"},
      {"failed.1.requirement", "\"\"", "failed[1].requirement", "empty"},
      {"failed.0.actual", "[]", "failed[0].actual", "not a string"},
      {"run", "[]", "run", "not an object"},
      {"run.count", "-3", "run.count", "-3"},
      {"host", "\"x\"", "host", "not an object"},
      {"created", "\"yesterday\"", "created", "\"yesterday\" is not an RFC 3339"},
      {"upstream", "\"runc#12\"", "upstream", "owner/repository#number"},
      {"upstream", "\"opencontainers/runc#12a\"", "upstream", "#12a"},
      {"expect", "[]", "expect", "not an object"},
      {"leaks", "\"x\"", "leaks", "not an array"},
      {"bogus", "1", "bogus", "not a member of a repro file"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct bad_case *b = &cases[i];
    json_t *doc = valid_doc();
    json_t *v = NULL;
    if (b->value) {
      v = json_loads(b->value, JSON_DECODE_ANY, NULL);
      cr_assert_not_null(v, "bad test value %s", b->value);
    }
    edit(doc, b->edit, v);
    char what[256];
    snprintf(what, sizeof(what), "%s = %s", b->edit, b->value ? b->value : "(deleted)");
    struct nsrt_err err;
    assert_refused(doc, &err, what);
    cr_expect_str_eq(err.stage, "repro", "%s", err_text(&err));
    cr_expect_str_eq(err.step, b->step, "%s: %s", what, err_text(&err));
    cr_expect(strstr(err_text(&err), b->mention), "%s: \"%s\" not in: %s", b->edit, b->mention,
              err_text(&err));
  }
}

Test(repro, a_negative_case_names_its_requirement)
{
  json_t *doc = valid_doc();
  edit(doc, "case.kind", json_string("negative"));
  edit(doc, "case.requirement", NULL);
  struct nsrt_err err;
  assert_refused(doc, &err, "a negative case without a requirement");
  cr_assert_str_eq(err.step, "case.requirement");
}

Test(repro, the_message_reads_path_value_reason)
{
  json_t *doc = valid_doc();
  edit(doc, "case.kind", json_string("foo"));
  struct nsrt_err err;
  assert_refused(doc, &err, "case.kind = \"foo\"");
  cr_assert_str_eq(err_text(&err),
                   "repro: case.kind: \"foo\" is not one of generated, negative, lifecycle, fault, "
                   "stage");
}

Test(repro, unreadable_and_malformed_files)
{
  struct nsc_repro r;
  struct nsrt_err err;
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s/none.json", tmpdir);
  cr_assert_eq(nsc_repro_load(p, &r, &err), -1);
  cr_assert_eq(err.errnum, ENOENT);
  snprintf(p, sizeof(p), "%s/bad.json", tmpdir);
  FILE *f = fopen(p, "w");
  fputs("{\"schema\": \"nsconform-repro/1\",\n \"case\": {\"id\": \"x\", \"id\": \"y\"}}", f);
  fclose(f);
  cr_assert_eq(nsc_repro_load(p, &r, &err), -1);
  cr_assert(strstr(err_text(&err), "line 2"), "%s", err_text(&err));
}

/* ---- the reduction engine --------------------------------------------- */

struct pred_log {
  size_t calls;
  char *seen[512];
  bool repeated;
};

static void log_candidate(struct pred_log *l, const json_t *doc)
{
  json_t *pair = json_pack("{s:O?, s:O?}", "c", json_object_get(doc, "config"), "f",
                           json_object_get(doc, "fault"));
  char *s = json_dumps(pair, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(pair);
  for (size_t i = 0; i < l->calls && i < 512; i++)
    if (l->seen[i] && strcmp(l->seen[i], s) == 0)
      l->repeated = true;
  if (l->calls < 512)
    l->seen[l->calls] = s;
  else
    free(s);
  l->calls++;
}

static void log_free(struct pred_log *l)
{
  for (size_t i = 0; i < 512; i++)
    free(l->seen[i]);
}

static bool has_ns(const json_t *doc, const char *type)
{
  json_t *ns =
      json_object_get(json_object_get(json_object_get(doc, "config"), "linux"), "namespaces");
  size_t i;
  json_t *e;
  json_array_foreach(ns, i, e)
  {
    if (!strcmp(json_string_value(json_object_get(e, "type")) ?: "", type))
      return true;
  }
  return false;
}

/* Fails iff the config has a user namespace entry. */
static int needs_user_ns(const json_t *doc, void *arg, struct nsrt_err *err)
{
  log_candidate(arg, doc);
  return has_ns(doc, "user") ? 1 : 0;
}

Test(repro, shrink_keeps_the_user_namespace_and_drops_the_rest)
{
  json_t *doc = valid_doc();
  json_object_set_new(doc, "fault", json_null());
  edit(doc, "case.kind", json_string("generated"));
  struct pred_log log = {0};
  json_t *min;
  struct nsc_shrink_stats st;
  struct nsrt_err err;
  cr_assert_eq(needs_user_ns(doc, &log, &err), 1);
  log.calls = 0;
  free(log.seen[0]);
  log.seen[0] = NULL;
  cr_assert_eq(nsc_shrink(doc, needs_user_ns, &log, 200, &min, &st, &err), 0, "%s", err_text(&err));
  json_t *cfg = json_object_get(min, "config");
  char *text = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
  /* the one that matters, alone in its array */
  json_t *ns = json_object_get(json_object_get(cfg, "linux"), "namespaces");
  cr_assert_eq(json_array_size(ns), 1, "%s", text);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(ns, 0), "type")), "user");
  /* the five (and more) irrelevant fields are gone */
  cr_assert_null(json_object_get(cfg, "hostname"), "%s", text);
  cr_assert_null(json_object_get(cfg, "annotations"), "%s", text);
  cr_assert_null(json_object_get(cfg, "mounts"), "%s", text);
  json_t *proc = json_object_get(cfg, "process");
  cr_assert_null(json_object_get(proc, "env"), "%s", text);
  cr_assert_null(json_object_get(proc, "rlimits"), "%s", text);
  cr_assert_null(json_object_get(proc, "noNewPrivileges"), "%s", text);
  cr_assert_null(json_object_get(json_object_get(cfg, "linux"), "sysctl"), "%s", text);
  cr_assert_null(json_object_get(json_object_get(cfg, "linux"), "maskedPaths"), "%s", text);
  cr_assert_null(json_object_get(json_object_get(cfg, "root"), "readonly"), "%s", text);
  cr_assert_null(json_object_get(json_object_get(proc, "user"), "umask"), "%s", text);
  /* what every runtime needs stays, and a new user namespace keeps its maps */
  cr_assert_str_eq(json_string_value(json_object_get(cfg, "ociVersion")), "1.1.0");
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(cfg, "root"), "path")),
                   "rootfs");
  cr_assert_eq(json_array_size(json_object_get(proc, "args")), 2, "%s", text);
  cr_assert_not_null(json_object_get(proc, "cwd"));
  cr_assert_not_null(json_object_get(json_object_get(proc, "user"), "uid"));
  cr_assert_not_null(json_object_get(json_object_get(proc, "user"), "gid"));
  cr_assert_not_null(json_object_get(json_object_get(cfg, "linux"), "uidMappings"), "%s", text);
  cr_assert_not_null(json_object_get(json_object_get(cfg, "linux"), "gidMappings"), "%s", text);
  /* the rest of the document is untouched */
  cr_assert(json_equal(json_object_get(min, "case"), json_object_get(doc, "case")));
  cr_assert(json_equal(json_object_get(min, "failed"), json_object_get(doc, "failed")));
  /* accounting: smaller, each candidate tried once, every call counted */
  cr_assert_lt(st.bytes_after, st.bytes_before);
  cr_assert_lt(st.fields_after, st.fields_before);
  size_t bytes, fields;
  nsc_shrink_measure(min, &bytes, &fields);
  cr_assert_eq(bytes, st.bytes_after);
  cr_assert_eq(fields, st.fields_after);
  cr_assert_eq(st.replays, log.calls);
  cr_assert_not(st.budget_hit);
  cr_assert_not(log.repeated, "a candidate was replayed twice");
  cr_assert_eq(needs_user_ns(min, &log, &err), 1, "the minimal case must still fail");
  free(text);
  log_free(&log);
  json_decref(min);
  json_decref(doc);
}

/* Fails iff a user namespace AND the hostname are there: both stay. */
static int needs_two(const json_t *doc, void *arg, struct nsrt_err *err)
{
  log_candidate(arg, doc);
  return has_ns(doc, "user") && json_object_get(json_object_get(doc, "config"), "hostname");
}

Test(repro, shrink_keeps_every_field_the_failure_needs)
{
  json_t *doc = valid_doc();
  struct pred_log log = {0};
  json_t *min;
  struct nsc_shrink_stats st;
  struct nsrt_err err;
  cr_assert_eq(nsc_shrink(doc, needs_two, &log, 500, &min, &st, &err), 0);
  json_t *cfg = json_object_get(min, "config");
  cr_assert_str_eq(json_string_value(json_object_get(cfg, "hostname")), "h1");
  cr_assert_eq(json_array_size(json_object_get(json_object_get(cfg, "linux"), "namespaces")), 1);
  cr_assert_null(json_object_get(cfg, "mounts"));
  /* the fault plan did not matter: all steps went, kind stays */
  json_t *fault = json_object_get(min, "fault");
  cr_assert_eq(json_array_size(json_object_get(fault, "steps")), 0);
  cr_assert_str_eq(json_string_value(json_object_get(fault, "kind")), "failpoint");
  cr_assert_null(json_object_get(fault, "commands"));
  log_free(&log);
  json_decref(min);
  json_decref(doc);
}

/* Fails iff the plan still arms init.pivot_root. */
static int needs_pivot_step(const json_t *doc, void *arg, struct nsrt_err *err)
{
  log_candidate(arg, doc);
  json_t *steps = json_object_get(json_object_get(doc, "fault"), "steps");
  size_t i;
  json_t *s;
  json_array_foreach(steps, i, s)
  {
    if (!strcmp(json_string_value(json_object_get(s, "point")) ?: "", "init.pivot_root"))
      return 1;
  }
  return 0;
}

Test(repro, shrink_removes_fault_steps_that_do_not_matter)
{
  json_t *doc = valid_doc();
  struct pred_log log = {0};
  json_t *min;
  struct nsc_shrink_stats st;
  struct nsrt_err err;
  cr_assert_eq(nsc_shrink(doc, needs_pivot_step, &log, 500, &min, &st, &err), 0);
  json_t *steps = json_object_get(json_object_get(min, "fault"), "steps");
  cr_assert_eq(json_array_size(steps), 1);
  json_t *step = json_array_get(steps, 0);
  cr_assert_str_eq(json_string_value(json_object_get(step, "point")), "init.pivot_root");
  /* a step goes whole or stays whole */
  cr_assert_str_eq(json_string_value(json_object_get(step, "arg")), "EPERM");
  cr_assert_eq(json_integer_value(json_object_get(step, "times")), 1);
  /* the config did not matter either: only what a runtime needs is left */
  json_t *cfg = json_object_get(min, "config");
  cr_assert_null(json_object_get(cfg, "linux"));
  cr_assert_null(json_object_get(cfg, "mounts"));
  cr_assert_eq(json_object_size(cfg), 3, "ociVersion, root, process: %s",
               json_dumps(cfg, JSON_COMPACT));
  log_free(&log);
  json_decref(min);
  json_decref(doc);
}

Test(repro, shrink_stops_at_the_replay_budget)
{
  json_t *doc = valid_doc();
  struct pred_log log = {0};
  json_t *min;
  struct nsc_shrink_stats st;
  struct nsrt_err err;
  cr_assert_eq(nsc_shrink(doc, needs_user_ns, &log, 3, &min, &st, &err), 0);
  cr_assert_eq(st.replays, 3);
  cr_assert_eq(log.calls, 3);
  cr_assert(st.budget_hit);
  cr_assert_eq(has_ns(min, "user"), true, "the result must still fail");
  log_free(&log);
  json_decref(min);
  json_decref(doc);
}

static int always_error(const json_t *doc, void *arg, struct nsrt_err *err)
{
  (*(int *)arg)++;
  return nsrt_fail_at(err, "test", EIO, "replay", "broken runtime");
}

Test(repro, a_harness_error_stops_the_reduction)
{
  json_t *doc = valid_doc();
  json_t *min = (json_t *)1;
  struct nsc_shrink_stats st;
  struct nsrt_err err;
  int calls = 0;
  cr_assert_eq(nsc_shrink(doc, always_error, &calls, 100, &min, &st, &err), -1);
  cr_assert_eq(calls, 1);
  cr_assert_null(min);
  cr_assert_str_eq(err.step, "replay");
  json_decref(doc);
}

static int never(const json_t *doc, void *arg, struct nsrt_err *err)
{
  log_candidate(arg, doc);
  return 0;
}

Test(repro, nothing_removable_leaves_the_document_as_it_was)
{
  json_t *doc = valid_doc();
  struct pred_log log = {0};
  json_t *min;
  struct nsc_shrink_stats st;
  struct nsrt_err err;
  cr_assert_eq(nsc_shrink(doc, never, &log, 1000, &min, &st, &err), 0);
  cr_assert(json_equal(min, doc));
  cr_assert_eq(st.bytes_before, st.bytes_after);
  cr_assert_gt(st.replays, 0);
  cr_assert_not(st.budget_hit);
  cr_assert_not(log.repeated);
  log_free(&log);
  json_decref(min);
  json_decref(doc);
}
