/* Judgement of a positive case: what config.json says the container must
 * look like, against the views the driver took of it.
 *
 * This file holds the entry point, the helpers every check uses (bounded
 * text, verdicts, a fact seen from inside and outside) and the checks of the
 * namespaces themselves: which namespace each type is in, the id maps of a
 * new user namespace, and that all of it was already in place at create.
 * The process attributes are in judge_process.c, the mounts in
 * judge_mounts.c, /dev, sysctl, time offsets and personality in
 * judge_linux.c.
 *
 * Each check emits one verdict per thing it checks, naming a requirement of
 * specs/requirements.json.  A view that is missing turns the check into a
 * SKIP with the reason; nothing that was not compared is ever a PASS. */
#include "judge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge_int.h"
#include "namespaces.h"
#include "requirements.h"

/* ---- text, verdicts -------------------------------------------------------- */

static void text_vadd(struct judge_text *t, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void text_vadd(struct judge_text *t, const char *fmt, va_list ap)
{
  static const char cut[] = "...";
  size_t room = sizeof(t->s) - sizeof(cut);
  if (t->len >= room)
    return; /* already cut */
  int n = vsnprintf(t->s + t->len, room - t->len + 1, fmt, ap);
  if (n < 0)
    return;
  if ((size_t)n > room - t->len) {
    t->len = room;
    memcpy(t->s + t->len, cut, sizeof(cut));
    t->len += sizeof(cut) - 1;
    return;
  }
  t->len += (size_t)n;
}

void nsc_judge_text_add(struct judge_text *t, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  text_vadd(t, fmt, ap);
  va_end(ap);
}

void nsc_judge_verdict(struct judge *j, const char *req, bool ok, const char *expected,
                       const char *actual)
{
  nsc_verdict_add(j->out, req, ok ? NSC_PASS : NSC_FAIL, expected, actual, NULL);
}

void nsc_judge_skip(struct judge *j, const char *req, const char *reason_fmt, ...)
{
  char reason[640];
  va_list ap;
  va_start(ap, reason_fmt);
  vsnprintf(reason, sizeof(reason), reason_fmt, ap);
  va_end(ap);
  nsc_verdict_add(j->out, req, NSC_SKIP, NULL, NULL, "%s", reason);
}

/* ---- a fact seen from inside and outside ------------------------------------ */

static const json_t *lookup(const json_t *view, const char *key, const char *sub)
{
  const json_t *v = json_object_get(view, key);
  return sub ? json_object_get(v, sub) : v;
}

/* Append one reason to a list of reasons. */
static void note(struct judge_text *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(struct judge_text *why, const char *fmt, ...)
{
  if (why->len)
    nsc_judge_text_add(why, "; ");
  va_list ap;
  va_start(ap, fmt);
  text_vadd(why, fmt, ap);
  va_end(ap);
}

void nsc_judge_fact(struct judge *j, const char *req, const char *key, const char *sub,
                    bool outside, const char *expected, judge_eval_fn eval, const void *arg)
{
  static const char *const names[2] = {"inside", "outside"};
  const json_t *views[2] = {j->v->probe, j->v->running};
  struct judge_text seen[2], why = {.len = 0};
  enum judge_eval res[2] = {JUDGE_NA, JUDGE_NA};
  const char *dot = sub ? "." : "";
  int nviews = outside ? 2 : 1;

  for (int i = 0; i < nviews; i++) {
    seen[i].len = 0;
    seen[i].s[0] = '\0';
    const json_t *val = lookup(views[i], key, sub);
    if (!views[i]) {
      note(&why, "%s", i == 0 ? "no probe output" : "no observation while running");
      continue;
    }
    if (!val) {
      note(&why, "%s %s%s%s", i == 0 ? "the probe did not report" : "the running view has no", key,
           dot, sub ? sub : "");
      continue;
    }
    res[i] = eval(val, i == 1, arg, &seen[i]);
    if (res[i] == JUDGE_NA && !(i == 1 && res[0] == JUDGE_NA && !strcmp(seen[0].s, seen[1].s)))
      note(&why, "%s", seen[i].s);
  }

  bool fail = false, pass = false;
  for (int i = 0; i < nviews; i++) {
    fail |= res[i] == JUDGE_FAIL;
    pass |= res[i] == JUDGE_PASS;
  }
  if (!fail && !pass) {
    nsc_judge_skip(j, req, "%s", why.len ? why.s : "nothing to compare");
    return;
  }
  /* Both views agreeing: say it once.  Otherwise name each judged view. */
  struct judge_text actual = {.len = 0};
  int judged = (res[0] != JUDGE_NA) + (res[1] != JUDGE_NA);
  for (int i = 0; i < nviews; i++) {
    if (res[i] == JUDGE_NA)
      continue;
    if (!fail || judged == 1) {
      nsc_judge_text_add(&actual, "%s", seen[i].s);
      break;
    }
    nsc_judge_text_add(&actual, "%s%s: %s", actual.len ? "; " : "", names[i], seen[i].s);
  }
  nsc_judge_verdict(j, req, !fail, expected, actual.s);
}

/* ---- small lookups ------------------------------------------------------------ */

const json_t *nsc_judge_ns_entry(const struct judge *j, const char *spec_type)
{
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(j->lnx, "namespaces"), i, e)
  {
    const char *t = json_string_value(json_object_get(e, "type"));
    if (t && strcmp(t, spec_type) == 0)
      return e;
  }
  return NULL;
}

long long nsc_judge_host_id(const struct judge *j, const char *map_key, long long id)
{
  const json_t *map = json_object_get(j->v->running, map_key);
  if (!json_is_array(map))
    return -1;
  size_t i;
  json_t *row;
  json_array_foreach(map, i, row)
  {
    long long inside = json_integer_value(json_array_get(row, 0));
    long long host = json_integer_value(json_array_get(row, 1));
    long long count = json_integer_value(json_array_get(row, 2));
    if (id >= inside && id - inside < count)
      return host + (id - inside);
  }
  return 65534; /* the overflow id an unmapped id shows as */
}

/* ---- namespaces ----------------------------------------------------------------- */

enum ns_mode { NS_ABSENT, NS_NEW, NS_PATH };

struct ns_expect {
  enum ns_mode mode;
  const char *link;      /* absent: the harness's; path: the joined one */
  const char *self_link; /* new: must differ from this ... */
  const json_t *targets; /* ... and from every joined namespace */
  bool pid1;             /* new pid namespace: the program is its pid 1 */
  long long pid[2];      /* getpid() inside, the last NSpid outside; -1 unknown */
};

static enum judge_eval eval_ns_link(const json_t *value, bool outside, const void *arg,
                                    struct judge_text *actual)
{
  const struct ns_expect *e = arg;
  const char *link = json_string_value(value);
  if (!link) {
    nsc_judge_text_add(actual, "the ns link is not a string");
    return JUDGE_NA;
  }
  nsc_judge_text_add(actual, "%s", link);
  bool ok;
  if (e->mode == NS_NEW) {
    ok = strcmp(link, e->self_link) != 0;
    const char *k;
    json_t *t;
    json_object_foreach((json_t *)e->targets, k, t)
    {
      if (json_string_value(t) && strcmp(link, json_string_value(t)) == 0) {
        nsc_judge_text_add(actual, " (the joined %s namespace)", k);
        ok = false;
      }
    }
    if (!strcmp(link, e->self_link))
      nsc_judge_text_add(actual, " (the harness's own)");
  } else {
    ok = strcmp(link, e->link) == 0;
  }
  if (e->pid1) {
    long long pid = e->pid[outside];
    if (pid < 0) {
      nsc_judge_text_add(actual, ", pid not reported");
      return ok ? JUDGE_NA : JUDGE_FAIL;
    }
    nsc_judge_text_add(actual, ", pid %lld", pid);
    ok &= pid == 1;
  }
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_one_ns(struct judge *j, const struct ns_info *ns)
{
  const json_t *entry = nsc_judge_ns_entry(j, ns->spec_name);
  const char *path = json_string_value(json_object_get(entry, "path"));
  const json_t *self_ns = json_object_get(j->v->self, "ns");
  const char *self_link = json_string_value(json_object_get(self_ns, ns->proc_name));
  struct ns_expect e = {.mode = !entry          ? NS_ABSENT
                                : path && *path ? NS_PATH
                                                : NS_NEW,
                        .targets = j->v->targets,
                        .pid = {-1, -1}};
  const char *req = e.mode == NS_ABSENT ? REQ("config-linux.namespaces.absent-inherit")
                    : e.mode == NS_NEW  ? REQ("config-linux.namespaces.new")
                                        : REQ("config-linux.namespaces.path-join");
  char expected[256];

  /* A kernel without time namespaces has no ns/time link anywhere. */
  if (j->v->self && self_ns && !self_link && strcmp(ns->proc_name, "time") == 0) {
    nsc_judge_skip(j, req, "this kernel has no time namespaces (no ns/time link)");
    return;
  }
  switch (e.mode) {
  case NS_ABSENT:
  case NS_NEW:
    if (!self_link) {
      nsc_judge_skip(j, req, "%s",
                     j->v->self ? "the harness's own view has no ns link to compare"
                                : "no observation of the harness itself");
      return;
    }
    if (e.mode == NS_ABSENT) {
      e.link = self_link;
      snprintf(expected, sizeof(expected), "%s, the harness's own", self_link);
      break;
    }
    e.self_link = self_link;
    if (strcmp(ns->spec_name, "pid") == 0) {
      e.pid1 = true;
      const json_t *pid = json_object_get(j->v->probe, "pid");
      const json_t *nspid = json_object_get(j->v->running, "nspid");
      const json_t *inner = json_array_get(nspid, json_array_size(nspid) - 1);
      e.pid[0] = json_is_integer(pid) ? json_integer_value(pid) : -1;
      e.pid[1] = json_is_integer(inner) ? json_integer_value(inner) : -1;
    }
    snprintf(expected, sizeof(expected), "a new %s namespace, not the harness's %s%s",
             ns->spec_name, self_link, e.pid1 ? ", the program its pid 1" : "");
    break;
  case NS_PATH:
    e.link = json_string_value(json_object_get(j->v->targets, ns->spec_name));
    if (!e.link) {
      nsc_judge_skip(j, req, "no link target recorded for the namespace at %s", path);
      return;
    }
    snprintf(expected, sizeof(expected), "%s, the namespace at %s", e.link, path);
    break;
  }
  nsc_judge_fact(j, req, "ns", ns->proc_name, true, expected, eval_ns_link, &e);
}

void nsc_judge_namespaces(struct judge *j)
{
  for (int t = 0; t < NS_COUNT; t++)
    judge_one_ns(j, &ns_table[t]);
}

/* ---- id maps of a new user namespace -------------------------------------------- */

#define MAX_MAP_ROWS 512

struct id_map {
  long long row[MAX_MAP_ROWS][3];
  size_t n;
  bool too_long, malformed;
};

static int cmp_rows(const void *a, const void *b)
{
  const long long *x = a, *y = b;
  for (int i = 0; i < 3; i++)
    if (x[i] != y[i])
      return x[i] < y[i] ? -1 : 1;
  return 0;
}

static void map_add(struct id_map *m, const json_t *a, const json_t *b, const json_t *c)
{
  if (!json_is_integer(a) || !json_is_integer(b) || !json_is_integer(c)) {
    m->malformed = true;
    return;
  }
  if (m->n == MAX_MAP_ROWS) {
    m->too_long = true;
    return;
  }
  m->row[m->n][0] = json_integer_value(a);
  m->row[m->n][1] = json_integer_value(b);
  m->row[m->n][2] = json_integer_value(c);
  m->n++;
}

static void map_render(const struct id_map *m, struct judge_text *t)
{
  if (!m->n)
    nsc_judge_text_add(t, "(empty)");
  for (size_t i = 0; i < m->n; i++)
    nsc_judge_text_add(t, "%s%lld %lld %lld", i ? ", " : "", m->row[i][0], m->row[i][1],
                       m->row[i][2]);
}

static enum judge_eval eval_id_map(const json_t *value, bool outside, const void *arg,
                                   struct judge_text *actual)
{
  const struct id_map *want = arg;
  struct id_map got = {.n = 0};
  size_t i;
  json_t *row;
  json_array_foreach(value, i, row)
  {
    map_add(&got, json_array_get(row, 0), json_array_get(row, 1), json_array_get(row, 2));
  }
  if (!json_is_array(value) || got.malformed) {
    nsc_judge_text_add(actual, "the map is not a list of [inside, outside, count]");
    return JUDGE_NA;
  }
  qsort(got.row, got.n, sizeof(got.row[0]), cmp_rows);
  map_render(&got, actual);
  bool same = got.n == want->n && !got.too_long &&
              memcmp(got.row, want->row, got.n * sizeof(got.row[0])) == 0;
  return same ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_one_map(struct judge *j, const char *req, const char *spec_key,
                          const char *obs_key)
{
  const json_t *list = json_object_get(j->lnx, spec_key);
  if (!json_is_array(list)) {
    nsc_judge_skip(j, req, "linux.%s is not given", spec_key);
    return;
  }
  struct id_map want = {.n = 0};
  size_t i;
  json_t *m;
  json_array_foreach(list, i, m)
  {
    map_add(&want, json_object_get(m, "containerID"), json_object_get(m, "hostID"),
            json_object_get(m, "size"));
  }
  if (want.malformed || want.too_long) {
    nsc_judge_skip(j, req, "linux.%s is not a list of up to %d mappings", spec_key, MAX_MAP_ROWS);
    return;
  }
  qsort(want.row, want.n, sizeof(want.row[0]), cmp_rows);
  struct judge_text expected = {.len = 0};
  map_render(&want, &expected);
  nsc_judge_fact(j, req, obs_key, NULL, true, expected.s, eval_id_map, &want);
}

void nsc_judge_id_maps(struct judge *j)
{
  const json_t *user = nsc_judge_ns_entry(j, "user");
  const char *path = json_string_value(json_object_get(user, "path"));
  if (!user || (path && *path))
    return; /* the maps belong to the spec only for a user namespace it creates */
  judge_one_map(j, REQ("config-linux.user-namespace-mappings.uid-applied"), "uidMappings",
                "uid_map");
  judge_one_map(j, REQ("config-linux.user-namespace-mappings.gid-applied"), "gidMappings",
                "gid_map");
}

/* ---- the created view ------------------------------------------------------------
 * Everything but process is applied by create (runtime.md), so the init
 * waiting for start is already in the namespaces the program runs in and its
 * user namespace already has its maps.  A new time namespace is entered at
 * execve: while created, it shows as time_for_children. */

void nsc_judge_created(struct judge *j)
{
  const char *req = REQ("runtime.create.apply-config");
  const json_t *created = j->v->created;
  const json_t *later = j->v->running ? j->v->running : j->v->probe;
  if (!created || !later) {
    nsc_judge_skip(j, req, "%s",
                   !created ? "no observation while created"
                            : "no observation while running and no probe output");
    return;
  }
  struct judge_text diff = {.len = 0};
  int compared = 0;
  for (int t = 0; t < NS_COUNT; t++) {
    const char *name = ns_table[t].proc_name;
    const char *then_key = t == NS_TIME ? "time_for_children" : name;
    const char *then = json_string_value(lookup(created, "ns", then_key));
    const char *now = json_string_value(lookup(later, "ns", name));
    if (!then || !now)
      continue;
    compared++;
    if (strcmp(then, now) != 0)
      nsc_judge_text_add(&diff, "%s%s %s while created, %s while running", diff.len ? "; " : "",
                         then_key, then, now);
  }
  static const char *const maps[] = {"uid_map", "gid_map"};
  for (size_t i = 0; i < 2; i++) {
    const json_t *then = json_object_get(created, maps[i]);
    const json_t *now = json_object_get(later, maps[i]);
    if (!then || !now)
      continue;
    compared++;
    if (!json_equal((json_t *)then, (json_t *)now))
      nsc_judge_text_add(&diff, "%s%s %s while created", diff.len ? "; " : "", maps[i],
                         json_array_size(then) ? "differs" : "empty");
  }
  if (!compared) {
    nsc_judge_skip(j, req, "the views have no ns links or id maps to compare");
    return;
  }
  nsc_judge_verdict(j, req, diff.len == 0,
                    "namespaces and id maps while created the same as while running",
                    diff.len ? diff.s : "the same");
}

/* ---- entry ------------------------------------------------------------------------- */

void nsc_judge_positive(const struct nsc_views *v, struct nsc_verdicts *out)
{
  struct judge j = {.v = v, .out = out};
  if (!v->config) {
    nsc_judge_skip(&j, REQ("runtime.create.apply-config"), "no config.json to judge against");
    return;
  }
  j.process = json_object_get(v->config, "process");
  j.lnx = json_object_get(v->config, "linux");

  nsc_judge_namespaces(&j);
  nsc_judge_id_maps(&j);
  nsc_judge_created(&j);
  nsc_judge_user(&j);
  nsc_judge_caps(&j);
  nsc_judge_process_misc(&j);
  nsc_judge_seccomp(&j);
  nsc_judge_fds(&j);
  nsc_judge_mounts(&j);
  nsc_judge_dev(&j);
  nsc_judge_linux_misc(&j);
  nsc_judge_sched(&j);
}
