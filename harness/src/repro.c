/* Repro files: save a failing case with everything needed to run it again,
 * load one back into a case (schema: harness/repro-schema.md). */
#include "repro.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "results.h"
#include "runtime.h"
#include "utf8.h"

#define STAGE             "repro"
#define NSCONFORM_VERSION "0.1.0"
/* Seeds above this are decimal strings (exact in every JSON reader). */
#define SEED_INT_MAX ((1ULL << 53) - 1)

static const char *const kind_names[] = {"generated", "negative", "lifecycle", "fault", "stage"};
#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

static const char *const levels[] = {"MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY"};

void nsc_repro_path(const char *dir, const char *case_id, char *buf, size_t len)
{
  snprintf(buf, len, "%s/%s.json", dir, case_id);
}

bool nsc_repro_wanted(const struct nsc_result *r)
{
  if (r->leaks && r->leaks[0])
    return true;
  for (size_t i = 0; i < r->verdicts.n; i++)
    if (r->verdicts.v[i].verdict == NSC_FAIL)
      return true;
  return false;
}

/* ---- building ------------------------------------------------------------- */

/* A string member from text that may not be UTF-8 (runtime output). */
static json_t *text(const char *s)
{
  if (!s)
    return json_null();
  json_t *j = json_string(s);
  if (j)
    return j;
  char *clean = utf8_sanitize(s, strlen(s), NULL);
  j = clean ? json_string(clean) : json_null();
  free(clean);
  return j ? j : json_null();
}

static json_t *seed_json(uint64_t seed)
{
  if (seed <= SEED_INT_MAX)
    return json_integer((json_int_t)seed);
  char buf[32];
  snprintf(buf, sizeof(buf), "%llu", (unsigned long long)seed);
  return json_string(buf);
}

static void now_rfc3339(char *buf, size_t len)
{
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *runtime_json(const struct nsc_runtime *rt)
{
  json_t *args = json_array();
  for (char **g = rt->global_args; g && *g; g++)
    json_array_append_new(args, text(*g));
  /* The variables the runtime's behaviour depends on: the known-bug switch
   * and fault injection settings in the harness's environment. */
  json_t *env = json_object();
  static const char *const names[] = {"NSRT_BUGS", "NSRT_FAILPOINTS", "NSRT_FAILPOINT_SEED",
                                      "NSRT_SYNC_TIMEOUT_MS"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    const char *v = getenv(names[i]);
    if (v)
      json_object_set_new(env, names[i], text(v));
  }
  json_t *j = json_pack("{s:o, s:o, s:o, s:b, s:o}", "path", text(rt->path), "name", text(rt->name),
                        "version", text(rt->version), "isolate", rt->isolate, "args", args);
  if (j && json_object_size(env))
    json_object_set_new(j, "env", env);
  else
    json_decref(env);
  return j;
}

int nsc_repro_build(const struct nsc_case *c, const struct nsc_result *r,
                    const struct nsc_runtime *rt, const struct nsc_repro_run *run, json_t **out,
                    struct nsrt_err *err)
{
  *out = NULL;
  if (c->kind >= N_KINDS)
    return nsrt_fail_at(err, STAGE, EINVAL, "case.kind", "unknown kind %d", (int)c->kind);
  json_t *cs = json_pack("{s:s, s:s, s:o, s:o}", "id", c->id, "kind", kind_names[c->kind], "seed",
                         seed_json(c->seed), "title", text(c->title ? c->title : ""));
  if (cs && c->requirement)
    json_object_set_new(cs, "requirement", text(c->requirement));
  if (cs && c->probe_syscall)
    json_object_set_new(cs, "probe_syscall", text(c->probe_syscall));

  json_t *failed = json_array();
  for (size_t i = 0; r && i < r->verdicts.n; i++) {
    const struct nsc_verdict *v = &r->verdicts.v[i];
    if (v->verdict != NSC_FAIL)
      continue;
    json_array_append_new(failed,
                          json_pack("{s:o, s:o, s:o, s:o}", "requirement", text(v->requirement),
                                    "level", text(v->level), "expected", text(v->expected),
                                    "actual", text(v->actual)));
  }
  struct utsname u;
  if (uname(&u) < 0)
    memset(&u, 0, sizeof(u));
  char created[64];
  now_rfc3339(created, sizeof(created));
  json_t *runj = json_pack("{s:o, s:o, s:o}", "seed", seed_json(run ? run->seed : c->seed), "count",
                           json_integer(run ? (json_int_t)run->count : 0), "profile",
                           run && run->profile ? text(run->profile) : json_null());
  json_t *doc =
      json_pack("{s:s, s:o, s:O, s:O, s:o, s:o, s:{s:s, s:s}, s:s, s:s, s:o}", "schema",
                NSC_REPRO_SCHEMA, "case", cs, "config", c->config ? c->config : json_null(),
                "fault", c->fault ? c->fault : json_null(), "run", runj, "runtime",
                runtime_json(rt), "host", "kernel", u.release, "machine", u.machine, "nsconform",
                NSCONFORM_VERSION, "created", created, "failed", failed);
  if (!doc)
    return nsrt_fail_at(err, STAGE, ENOMEM, "build", "case %s", c->id);
  if (r && r->leaks && r->leaks[0]) {
    json_t *leaks = json_array();
    for (char **l = r->leaks; *l; l++)
      json_array_append_new(leaks, text(*l));
    json_object_set_new(doc, "leaks", leaks);
  }
  if (r && r->runtime_stderr)
    json_object_set_new(doc, "stderr", text(r->runtime_stderr));
  if (r && r->fault)
    json_object_set_new(doc, "fault_result", json_deep_copy(r->fault));
  *out = doc;
  return 0;
}

static int dump_doc(FILE *f, const void *arg, struct nsrt_err *err)
{
  if (json_dumpf(arg, f, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 || fputc('\n', f) == EOF)
    return nsrt_fail_at(err, STAGE, errno ? errno : EIO, "write", NULL);
  return 0;
}

int nsc_repro_write(const char *path, const json_t *doc, struct nsrt_err *err)
{
  struct nsc_repro check;
  if (nsc_repro_from_json((json_t *)doc, &check, err) < 0)
    return -1;
  nsc_repro_free(&check);
  return nsc_write_atomic(path, STAGE, dump_doc, doc, err);
}

static int mkdir_p(const char *dir, struct nsrt_err *err)
{
  char buf[PATH_MAX];
  snprintf(buf, sizeof(buf), "%s", dir);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
      return nsrt_fail_at(err, STAGE, errno, "mkdir", "%s", buf);
    *p = '/';
  }
  if (mkdir(buf, 0755) < 0 && errno != EEXIST)
    return nsrt_fail_at(err, STAGE, errno, "mkdir", "%s", buf);
  return 0;
}

int nsc_repro_save(const char *dir, const struct nsc_case *c, const struct nsc_result *r,
                   const struct nsc_runtime *rt, const struct nsc_repro_run *run,
                   struct nsrt_err *err)
{
  json_t *doc;
  if (mkdir_p(dir, err) < 0 || nsc_repro_build(c, r, rt, run, &doc, err) < 0)
    return -1;
  char path[PATH_MAX];
  nsc_repro_path(dir, c->id, path, sizeof(path));
  int ret = nsc_repro_write(path, doc, err);
  json_decref(doc);
  return ret;
}

int nsc_repro_clean(const char *dir, struct nsrt_err *err)
{
  DIR *d = opendir(dir);
  if (!d)
    return errno == ENOENT ? 0 : nsrt_fail_at(err, STAGE, errno, "clean", "%s", dir);
  struct dirent *e;
  int ret = 0;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n <= 5 || strcmp(e->d_name + n - 5, ".json") != 0 || e->d_type == DT_DIR)
      continue;
    if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
      ret = nsrt_fail_at(err, STAGE, errno, "clean", "%s/%s", dir, e->d_name);
  }
  closedir(d);
  return ret;
}

/* ---- loading -------------------------------------------------------------- */

static int bad(struct nsrt_err *err, const char *path, const json_t *v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "<path>: <value>: <what>"; the value is shown compact, cut at 80 bytes. */
static int bad(struct nsrt_err *err, const char *path, const json_t *v, const char *fmt, ...)
{
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  if (!v)
    return nsrt_fail_at(err, STAGE, 0, path, "%s", what);
  char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  int ret = nsrt_fail_at(err, STAGE, 0, path, "%.80s%s %s", s ? s : "?",
                         s && strlen(s) > 80 ? "..." : "", what);
  free(s);
  return ret;
}

/* Member m of object o at path p: absent is an error unless optional. */
static int get_string(const json_t *o, const char *p, const char *m, bool optional, char **out,
                      struct nsrt_err *err)
{
  char path[128];
  snprintf(path, sizeof(path), "%s%s%s", p, p[0] ? "." : "", m);
  json_t *v = json_object_get(o, m);
  if (!v || (optional && json_is_null(v))) {
    if (optional)
      return 0;
    return bad(err, path, NULL, "is missing");
  }
  if (!json_is_string(v))
    return bad(err, path, v, "is not a string");
  *out = strdup(json_string_value(v));
  return *out ? 0 : nsrt_fail_at(err, STAGE, ENOMEM, path, NULL);
}

static int get_seed(const json_t *o, const char *path, const char *m, bool optional, uint64_t *out,
                    struct nsrt_err *err)
{
  json_t *v = json_object_get(o, m);
  char p[128];
  snprintf(p, sizeof(p), "%s.%s", path, m);
  if (!v)
    return optional ? 0 : bad(err, p, NULL, "is missing");
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (uint64_t)json_integer_value(v);
    return 0;
  }
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (s[0] >= '0' && s[0] <= '9' && !*end && !errno) {
      *out = x;
      return 0;
    }
  }
  return bad(err, p, v, "is not a non-negative integer (or a decimal string)");
}

/* Members of o not in the NULL-terminated list are errors (typos in a hand
 * written file would otherwise go unnoticed). */
static int only_members(const json_t *o, const char *path, const char *const *allowed,
                        struct nsrt_err *err)
{
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)o, k, v)
  {
    bool ok = false;
    for (const char *const *a = allowed; *a && !ok; a++)
      ok = strcmp(*a, k) == 0;
    if (!ok) {
      char p[160];
      snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", k);
      return bad(err, p, NULL, "is not a member of a repro file (harness/repro-schema.md)");
    }
  }
  return 0;
}

static bool valid_id(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n >= sizeof(((struct nsc_case *)0)->id) || s[0] == '.')
    return false;
  return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int load_case(const json_t *doc, struct nsc_repro *r, struct nsrt_err *err)
{
  json_t *cs = json_object_get(doc, "case");
  if (!cs)
    return bad(err, "case", NULL, "is missing");
  if (!json_is_object(cs))
    return bad(err, "case", cs, "is not an object");
  static const char *const allowed[] = {"id",          "kind",          "seed", "title",
                                        "requirement", "probe_syscall", NULL};
  if (only_members(cs, "case", allowed, err) < 0)
    return -1;
  json_t *id = json_object_get(cs, "id");
  if (!id)
    return bad(err, "case.id", NULL, "is missing");
  if (!json_is_string(id) || !valid_id(json_string_value(id)))
    return bad(err, "case.id", id,
               "is not a case id (1-63 of A-Z a-z 0-9 . _ -, not starting with .)");
  snprintf(r->c.id, sizeof(r->c.id), "%s", json_string_value(id));
  json_t *kind = json_object_get(cs, "kind");
  if (!kind)
    return bad(err, "case.kind", NULL, "is missing");
  size_t k = 0;
  while (k < N_KINDS && !(json_is_string(kind) && !strcmp(json_string_value(kind), kind_names[k])))
    k++;
  if (k == N_KINDS)
    return bad(err, "case.kind", kind,
               "is not one of generated, negative, lifecycle, fault, stage");
  r->c.kind = (enum nsc_case_kind)k;
  if (get_seed(cs, "case", "seed", false, &r->c.seed, err) < 0 ||
      get_string(cs, "case", "title", true, &r->c.title, err) < 0 ||
      get_string(cs, "case", "requirement", true, &r->c.requirement, err) < 0 ||
      get_string(cs, "case", "probe_syscall", true, &r->c.probe_syscall, err) < 0)
    return -1;
  if (r->c.kind == NSC_CASE_NEGATIVE && !r->c.requirement)
    return bad(err, "case.requirement", NULL, "is missing (a negative case names its requirement)");
  return 0;
}

static int load_config_fault(const json_t *doc, struct nsc_repro *r, struct nsrt_err *err)
{
  json_t *cfg = json_object_get(doc, "config");
  if (!cfg)
    return bad(err, "config", NULL, "is missing");
  if (!json_is_object(cfg))
    return bad(err, "config", cfg, "is not an object (config.json)");
  r->c.config = json_deep_copy(cfg);
  json_t *f = json_object_get(doc, "fault");
  if (f && !json_is_null(f)) {
    if (!json_is_object(f))
      return bad(err, "fault", f, "is not an object or null");
    json_t *fk = json_object_get(f, "kind");
    if (!fk)
      return bad(err, "fault.kind", NULL, "is missing");
    if (!json_is_string(fk) || (strcmp(json_string_value(fk), "failpoint") != 0 &&
                                strcmp(json_string_value(fk), "seccomp") != 0))
      return bad(err, "fault.kind", fk, "is not one of failpoint, seccomp");
    json_t *steps = json_object_get(f, "steps");
    if (!steps)
      return bad(err, "fault.steps", NULL, "is missing");
    if (!json_is_array(steps))
      return bad(err, "fault.steps", steps, "is not an array");
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s)
    {
      if (!json_is_object(s)) {
        char p[64];
        snprintf(p, sizeof(p), "fault.steps[%zu]", i);
        return bad(err, p, s, "is not an object");
      }
    }
    r->c.fault = json_deep_copy(f);
  }
  if ((r->c.kind == NSC_CASE_FAULT || r->c.kind == NSC_CASE_STAGE) && !r->c.fault)
    return bad(err, "fault", f, "is missing (a %s case has a fault plan)", kind_names[r->c.kind]);
  return 0;
}

static char **strv_new(size_t n)
{
  return calloc(n + 1, sizeof(char *));
}

static void strv_free(char **v)
{
  for (char **p = v; p && *p; p++)
    free(*p);
  free(v);
}

static int load_runtime(const json_t *doc, struct nsc_repro *r, struct nsrt_err *err)
{
  json_t *rt = json_object_get(doc, "runtime");
  if (!rt)
    return bad(err, "runtime", NULL, "is missing");
  if (!json_is_object(rt))
    return bad(err, "runtime", rt, "is not an object");
  static const char *const allowed[] = {"path", "name", "version", "isolate", "args", "env", NULL};
  if (only_members(rt, "runtime", allowed, err) < 0 ||
      get_string(rt, "runtime", "path", false, &r->runtime.path, err) < 0 ||
      get_string(rt, "runtime", "name", true, &r->runtime.name, err) < 0 ||
      get_string(rt, "runtime", "version", true, &r->runtime.version, err) < 0)
    return -1;
  if (!r->runtime.path[0])
    return bad(err, "runtime.path", json_object_get(rt, "path"), "is empty");
  json_t *iso = json_object_get(rt, "isolate");
  if (iso && !json_is_boolean(iso))
    return bad(err, "runtime.isolate", iso, "is not a boolean");
  r->runtime.isolate = json_is_true(iso);
  json_t *args = json_object_get(rt, "args");
  if (args && !json_is_array(args))
    return bad(err, "runtime.args", args, "is not an array of strings");
  r->runtime.args = strv_new(json_array_size(args));
  if (!r->runtime.args)
    return nsrt_fail_at(err, STAGE, ENOMEM, "runtime.args", NULL);
  size_t i;
  json_t *a;
  json_array_foreach(args, i, a)
  {
    if (!json_is_string(a)) {
      char p[64];
      snprintf(p, sizeof(p), "runtime.args[%zu]", i);
      return bad(err, p, a, "is not a string");
    }
    r->runtime.args[i] = strdup(json_string_value(a));
  }
  json_t *env = json_object_get(rt, "env");
  if (env && !json_is_object(env))
    return bad(err, "runtime.env", env, "is not an object of strings");
  r->runtime.env = strv_new(json_object_size(env));
  if (!r->runtime.env)
    return nsrt_fail_at(err, STAGE, ENOMEM, "runtime.env", NULL);
  const char *k;
  json_t *v;
  i = 0;
  json_object_foreach(env, k, v)
  {
    char p[160];
    snprintf(p, sizeof(p), "runtime.env.%s", k);
    if (!k[0] || strchr(k, '='))
      return bad(err, p, NULL, "is not a variable name");
    if (!json_is_string(v))
      return bad(err, p, v, "is not a string");
    if (asprintf(&r->runtime.env[i++], "%s=%s", k, json_string_value(v)) < 0)
      return nsrt_fail_at(err, STAGE, ENOMEM, p, NULL);
  }
  return 0;
}

static int load_failed(const json_t *doc, struct nsc_repro *r, struct nsrt_err *err)
{
  json_t *failed = json_object_get(doc, "failed");
  if (!failed)
    return bad(err, "failed", NULL, "is missing");
  if (!json_is_array(failed))
    return bad(err, "failed", failed, "is not an array");
  r->failed = calloc(json_array_size(failed) + 1, sizeof(*r->failed));
  if (!r->failed)
    return nsrt_fail_at(err, STAGE, ENOMEM, "failed", NULL);
  size_t i;
  json_t *f;
  json_array_foreach(failed, i, f)
  {
    char p[64];
    snprintf(p, sizeof(p), "failed[%zu]", i);
    if (!json_is_object(f))
      return bad(err, p, f, "is not an object");
    static const char *const allowed[] = {"requirement", "level", "expected", "actual", NULL};
    struct nsc_repro_failed *x = &r->failed[i];
    r->n_failed = i + 1;
    if (only_members(f, p, allowed, err) < 0 ||
        get_string(f, p, "requirement", false, &x->requirement, err) < 0 ||
        get_string(f, p, "level", true, &x->level, err) < 0 ||
        get_string(f, p, "expected", true, &x->expected, err) < 0 ||
        get_string(f, p, "actual", true, &x->actual, err) < 0)
      return -1;
    if (!x->requirement[0]) {
      snprintf(p + strlen(p), sizeof(p) - strlen(p), ".requirement");
      return bad(err, p, json_object_get(f, "requirement"), "is empty");
    }
    bool known = !x->level;
    for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]) && !known; l++)
      known = strcmp(levels[l], x->level) == 0;
    if (!known) {
      snprintf(p + strlen(p), sizeof(p) - strlen(p), ".level");
      return bad(err, p, json_object_get(f, "level"),
                 "is not one of MUST, MUST NOT, SHOULD, SHOULD NOT, MAY, null");
    }
  }
  return 0;
}

static int load_rest(const json_t *doc, struct nsc_repro *r, struct nsrt_err *err)
{
  json_t *run = json_object_get(doc, "run");
  if (run) {
    if (!json_is_object(run))
      return bad(err, "run", run, "is not an object");
    static const char *const allowed[] = {"seed", "count", "profile", NULL};
    if (only_members(run, "run", allowed, err) < 0 ||
        get_seed(run, "run", "seed", true, &r->run_seed, err) < 0 ||
        get_seed(run, "run", "count", true, &r->run_count, err) < 0 ||
        get_string(run, "run", "profile", true, &r->run_profile, err) < 0)
      return -1;
  }
  json_t *host = json_object_get(doc, "host");
  if (host) {
    if (!json_is_object(host))
      return bad(err, "host", host, "is not an object");
    char *machine = NULL;
    int ret = get_string(host, "host", "kernel", true, &r->kernel, err) < 0 ||
                      get_string(host, "host", "machine", true, &machine, err) < 0
                  ? -1
                  : 0;
    free(machine);
    if (ret < 0)
      return -1;
  }
  if (get_string(doc, "", "created", true, &r->created, err) < 0)
    return -1;
  time_t t;
  if (r->created && nsc_rfc3339_parse(r->created, &t) < 0)
    return bad(err, "created", json_object_get(doc, "created"), "is not an RFC 3339 date-time");
  json_t *nv = json_object_get(doc, "nsconform");
  if (nv && !json_is_string(nv))
    return bad(err, "nsconform", nv, "is not a string");
  if (get_string(doc, "", "upstream", true, &r->upstream, err) < 0)
    return -1;
  if (r->upstream) {
    const char *hash = strchr(r->upstream, '#');
    const char *slash = strchr(r->upstream, '/');
    if (!hash || !slash || slash > hash || hash[1] == '\0' ||
        strspn(hash + 1, "0123456789") != strlen(hash + 1))
      return bad(err, "upstream", json_object_get(doc, "upstream"),
                 "is not owner/repository#number");
  }
  json_t *expect = json_object_get(doc, "expect");
  if (expect && !json_is_null(expect)) {
    if (!json_is_object(expect))
      return bad(err, "expect", expect, "is not an object");
    r->expect = json_incref(expect);
  }
  json_t *leaks = json_object_get(doc, "leaks");
  if (leaks && !json_is_array(leaks))
    return bad(err, "leaks", leaks, "is not an array of strings");
  json_t *se = json_object_get(doc, "stderr");
  if (se && !json_is_string(se) && !json_is_null(se))
    return bad(err, "stderr", se, "is not a string or null");
  json_t *fr = json_object_get(doc, "fault_result");
  if (fr && !json_is_object(fr) && !json_is_null(fr))
    return bad(err, "fault_result", fr, "is not an object or null");
  json_t *note = json_object_get(doc, "note");
  if (note && !json_is_string(note))
    return bad(err, "note", note, "is not a string");
  return 0;
}

int nsc_repro_from_json(json_t *doc, struct nsc_repro *out, struct nsrt_err *err)
{
  memset(out, 0, sizeof(*out));
  if (!json_is_object(doc))
    return bad(err, "(document)", doc, "is not an object");
  static const char *const allowed[] = {
      "schema", "case",      "config",       "fault",  "run",      "runtime",
      "host",   "nsconform", "created",      "failed", "upstream", "expect",
      "leaks",  "stderr",    "fault_result", "note",   NULL};
  json_t *schema = json_object_get(doc, "schema");
  int ret;
  if (!schema)
    ret = bad(err, "schema", NULL, "is missing");
  else if (!json_is_string(schema) || strcmp(json_string_value(schema), NSC_REPRO_SCHEMA) != 0)
    ret = bad(err, "schema", schema, "is not \"" NSC_REPRO_SCHEMA "\"");
  else
    ret = only_members(doc, "", allowed, err) < 0 || load_case(doc, out, err) < 0 ||
                  load_config_fault(doc, out, err) < 0 || load_runtime(doc, out, err) < 0 ||
                  load_failed(doc, out, err) < 0 || load_rest(doc, out, err) < 0
              ? -1
              : 0;
  if (ret < 0) {
    nsc_repro_free(out);
    return -1;
  }
  out->doc = json_incref(doc);
  return 0;
}

int nsc_repro_load(const char *path, struct nsc_repro *out, struct nsrt_err *err)
{
  memset(out, 0, sizeof(*out));
  json_error_t jerr;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (!doc) {
    if (access(path, R_OK) < 0)
      return nsrt_fail_at(err, STAGE, errno, "load", "%s", path);
    return nsrt_fail_at(err, STAGE, 0, "load", "%s: line %d: %s", path, jerr.line, jerr.text);
  }
  int ret = nsc_repro_from_json(doc, out, err);
  json_decref(doc);
  return ret;
}

void nsc_repro_free(struct nsc_repro *r)
{
  nsc_case_free(&r->c);
  free(r->runtime.path);
  free(r->runtime.name);
  free(r->runtime.version);
  strv_free(r->runtime.args);
  strv_free(r->runtime.env);
  for (size_t i = 0; i < r->n_failed; i++) {
    free(r->failed[i].requirement);
    free(r->failed[i].level);
    free(r->failed[i].expected);
    free(r->failed[i].actual);
  }
  free(r->failed);
  free(r->run_profile);
  free(r->kernel);
  free(r->created);
  free(r->upstream);
  json_decref(r->expect);
  json_decref(r->doc);
  memset(r, 0, sizeof(*r));
}
