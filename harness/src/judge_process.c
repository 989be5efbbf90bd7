/* Judgement of the process attributes: ids and groups, umask, capabilities,
 * noNewPrivileges, rlimits, oomScoreAdj, hostname and domainname, cwd, env,
 * seccomp and the open fds.  The probe is the view of what the program sees;
 * the running view (/proc/PID from outside) is held to the same value where
 * /proc shows it too. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "judge_int.h"
#include "requirements.h"

/* ---- shared evals ----------------------------------------------------------- */

static enum judge_eval eval_int(const json_t *value, bool outside, const void *arg,
                                struct judge_text *actual)
{
  const long long *want = arg;
  if (!json_is_integer(value)) {
    nsc_judge_text_add(actual, "the value is not an integer");
    return JUDGE_NA;
  }
  nsc_judge_text_add(actual, "%lld", (long long)json_integer_value(value));
  return json_integer_value(value) == *want ? JUDGE_PASS : JUDGE_FAIL;
}

static enum judge_eval eval_string(const json_t *value, bool outside, const void *arg,
                                   struct judge_text *actual)
{
  const char *s = json_string_value(value);
  if (!s) {
    nsc_judge_text_add(actual, "the value is not a string");
    return JUDGE_NA;
  }
  nsc_judge_text_add(actual, "\"%s\"", s);
  return strcmp(s, arg) == 0 ? JUDGE_PASS : JUDGE_FAIL;
}

/* ---- user: uid, gid, additional gids, umask ------------------------------------ */

struct id_expect {
  long long inside;
  long long outside; /* through the running view's map; -1 unknown */
  const char *map;   /* "uid_map" */
};

/* [real, effective, saved, fs], all the configured id. */
static enum judge_eval eval_ids(const json_t *value, bool outside, const void *arg,
                                struct judge_text *actual)
{
  const struct id_expect *e = arg;
  long long want = outside ? e->outside : e->inside;
  if (want < 0) {
    nsc_judge_text_add(actual, "the running view has no %s to translate ids", e->map);
    return JUDGE_NA;
  }
  if (!json_is_array(value)) {
    nsc_judge_text_add(actual, "the ids are not a list");
    return JUDGE_NA;
  }
  bool ok = json_array_size(value) == 4;
  size_t i;
  json_t *id;
  json_array_foreach(value, i, id)
  {
    nsc_judge_text_add(actual, "%s%lld", i ? " " : "", (long long)json_integer_value(id));
    ok &= json_is_integer(id) && json_integer_value(id) == want;
  }
  if (outside)
    nsc_judge_text_add(actual, " (host ids)");
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_id(struct judge *j, const char *req, const char *field, const char *map)
{
  const json_t *id = json_object_get(json_object_get(j->process, "user"), field);
  if (!json_is_integer(id)) {
    nsc_judge_skip(j, req, "process.user.%s is not given", field);
    return;
  }
  struct id_expect e = {.inside = json_integer_value(id), .map = map};
  e.outside = nsc_judge_host_id(j, map, e.inside);
  char expected[128];
  snprintf(expected, sizeof(expected), "%s %lld (real, effective, saved, filesystem)", field,
           e.inside);
  nsc_judge_fact(j, req, field, NULL, true, expected, eval_ids, &e);
}

#define MAX_GIDS 64

struct groups_expect {
  long long inside[MAX_GIDS], outside[MAX_GIDS]; /* outside -1: unknown */
  size_t n;
};

static enum judge_eval eval_groups(const json_t *value, bool outside, const void *arg,
                                   struct judge_text *actual)
{
  const struct groups_expect *e = arg;
  const long long *want = outside ? e->outside : e->inside;
  if (!json_is_array(value)) {
    nsc_judge_text_add(actual, "the groups are not a list");
    return JUDGE_NA;
  }
  size_t i;
  json_t *g;
  nsc_judge_text_add(actual, "groups");
  if (!json_array_size(value))
    nsc_judge_text_add(actual, " (none)");
  json_array_foreach(value, i, g)
  {
    nsc_judge_text_add(actual, " %lld", (long long)json_integer_value(g));
  }
  bool ok = true;
  for (size_t k = 0; k < e->n; k++) {
    if (want[k] < 0) {
      actual->len = 0;
      nsc_judge_text_add(actual, "the running view has no gid_map to translate ids");
      return JUDGE_NA;
    }
    bool found = false;
    json_array_foreach(value, i, g)
    {
      found |= json_integer_value(g) == want[k];
    }
    if (!found) {
      nsc_judge_text_add(actual, "%s %lld", ok ? ", missing" : "", want[k]);
      ok = false;
    }
  }
  if (outside)
    nsc_judge_text_add(actual, " (host ids)");
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_groups(struct judge *j)
{
  const char *req = REQ("config.user.additional-gids");
  const json_t *list = json_object_get(json_object_get(j->process, "user"), "additionalGids");
  if (!list)
    return; /* the spec asks for nothing without it */
  struct groups_expect e = {.n = 0};
  struct judge_text expected = {.len = 0};
  nsc_judge_text_add(&expected, "groups include");
  size_t i;
  json_t *g;
  json_array_foreach(list, i, g)
  {
    if (!json_is_integer(g) || e.n == MAX_GIDS) {
      nsc_judge_skip(j, req, "process.user.additionalGids is not a list of up to %d ids", MAX_GIDS);
      return;
    }
    e.inside[e.n] = json_integer_value(g);
    e.outside[e.n] = nsc_judge_host_id(j, "gid_map", e.inside[e.n]);
    nsc_judge_text_add(&expected, " %lld", e.inside[e.n]);
    e.n++;
  }
  if (!e.n)
    nsc_judge_text_add(&expected, " nothing more");
  nsc_judge_fact(j, req, "groups", NULL, true, expected.s, eval_groups, &e);
}

static enum judge_eval eval_umask(const json_t *value, bool outside, const void *arg,
                                  struct judge_text *actual)
{
  const long long *want = arg;
  const char *s = json_string_value(value);
  char *end = NULL;
  long got = s ? strtol(s, &end, 8) : -1;
  if (!s || !*s || *end) {
    nsc_judge_text_add(actual, "the umask is not an octal number");
    return JUDGE_NA;
  }
  nsc_judge_text_add(actual, "%04lo", got);
  return got == *want ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_umask(struct judge *j)
{
  const json_t *umask = json_object_get(json_object_get(j->process, "user"), "umask");
  char expected[128];
  long long want;
  if (json_is_integer(umask)) {
    want = json_integer_value(umask);
    snprintf(expected, sizeof(expected), "%04llo", want);
    nsc_judge_fact(j, REQ("config.user.umask"), "umask", NULL, true, expected, eval_umask, &want);
    return;
  }
  /* Unset: the umask the runtime was started with, which is the harness's. */
  const char *req = REQ("config.user.umask-unset");
  const char *own = json_string_value(json_object_get(j->v->self, "umask"));
  char *end = NULL;
  want = own ? strtol(own, &end, 8) : -1;
  if (!own || !*own || *end) {
    nsc_judge_skip(j, req, "%s",
                   j->v->self ? "the harness's own view has no umask"
                              : "no observation of the harness itself");
    return;
  }
  snprintf(expected, sizeof(expected), "%04llo, the umask the runtime was started with", want);
  nsc_judge_fact(j, req, "umask", NULL, true, expected, eval_umask, &want);
}

void nsc_judge_user(struct judge *j)
{
  if (!json_is_object(json_object_get(j->process, "user")))
    return;
  judge_id(j, REQ("config.user.uid"), "uid", "uid_map");
  judge_id(j, REQ("config.user.gid"), "gid", "gid_map");
  judge_groups(j);
  judge_umask(j);
}

/* ---- capabilities ---------------------------------------------------------------
 * The spec gives the sets the process has; the runtime applies them with
 * capset before execve, and execve transforms them (capabilities(7)).  With
 * no file capabilities on the program:
 *   uid 0:      P'(permitted) = P(inheritable) | P(bounding), P'(effective) = P'(permitted)
 *   other uids: P'(permitted) = P'(effective) = P(ambient)
 * bounding, inheritable and ambient pass execve unchanged.  So permitted and
 * effective are judged only where the spec's sets decide them: for uid 0 when
 * bounding equals permitted and holds inheritable (and, for effective, when
 * effective equals permitted); for other uids against ambient.  An absent set
 * is empty, as the runtimes read it. */

static const char *const cap_sets[] = {"effective", "permitted", "inheritable", "bounding",
                                       "ambient"};
enum { CAP_EFF, CAP_PRM, CAP_INH, CAP_BND, CAP_AMB, CAP_SETS };

static uint64_t cap_valid_mask(void)
{
  int last = cap_last_kernel();
  return last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
}

static void caps_render(uint64_t mask, struct judge_text *t)
{
  if (!mask) {
    nsc_judge_text_add(t, "none");
    return;
  }
  bool first = true;
  for (int c = 0; c < 64; c++) {
    if (!(mask & (UINT64_C(1) << c)))
      continue;
    const char *name = cap_name(c);
    if (name)
      nsc_judge_text_add(t, "%s%s", first ? "" : ",", name);
    else
      nsc_judge_text_add(t, "%scap %d", first ? "" : ",", c);
    first = false;
  }
}

struct caps_expect {
  uint64_t want, valid;
};

static enum judge_eval eval_caps(const json_t *value, bool outside, const void *arg,
                                 struct judge_text *actual)
{
  const struct caps_expect *e = arg;
  const char *s = json_string_value(value);
  char *end = NULL;
  errno = 0;
  unsigned long long got = s ? strtoull(s, &end, 16) : 0;
  if (!s || !*s || *end || errno) {
    nsc_judge_text_add(actual, "the set is not a hex number");
    return JUDGE_NA;
  }
  got &= e->valid;
  caps_render(got, actual);
  if (got == e->want)
    return JUDGE_PASS;
  if (e->want & ~got) {
    nsc_judge_text_add(actual, " (missing ");
    caps_render(e->want & ~got, actual);
    nsc_judge_text_add(actual, ")");
  }
  if (got & ~e->want) {
    nsc_judge_text_add(actual, " (extra ");
    caps_render(got & ~e->want, actual);
    nsc_judge_text_add(actual, ")");
  }
  return JUDGE_FAIL;
}

/* The spec's names as a mask of what this kernel knows; names no table knows
 * cannot be granted and are left out (the spec asks only for a warning). */
static uint64_t caps_from_names(const json_t *list, uint64_t valid)
{
  uint64_t mask = 0;
  size_t i;
  json_t *n;
  json_array_foreach(list, i, n)
  {
    int c = cap_from_name(json_string_value(n));
    if (c >= 0 && c < 64)
      mask |= UINT64_C(1) << c;
  }
  return mask & valid;
}

static void judge_cap_set(struct judge *j, int set, uint64_t want, uint64_t valid, const char *why)
{
  const char *const reqs[CAP_SETS] = {
      [CAP_EFF] = REQ("config.capabilities.effective"),
      [CAP_PRM] = REQ("config.capabilities.permitted"),
      [CAP_INH] = REQ("config.capabilities.inheritable"),
      [CAP_BND] = REQ("config.capabilities.bounding"),
      [CAP_AMB] = REQ("config.capabilities.ambient"),
  };
  struct caps_expect e = {.want = want, .valid = valid};
  struct judge_text expected = {.len = 0};
  caps_render(want, &expected);
  if (why)
    nsc_judge_text_add(&expected, " (%s)", why);
  nsc_judge_fact(j, reqs[set], "caps", cap_sets[set], true, expected.s, eval_caps, &e);
}

void nsc_judge_caps(struct judge *j)
{
  const json_t *caps = json_object_get(j->process, "capabilities");
  if (!json_is_object(caps))
    return;
  uint64_t valid = cap_valid_mask(), m[CAP_SETS];
  for (int s = 0; s < CAP_SETS; s++)
    m[s] = caps_from_names(json_object_get(caps, cap_sets[s]), valid);
  const json_t *uid = json_object_get(json_object_get(j->process, "user"), "uid");
  long long uid_v = json_is_integer(uid) ? json_integer_value(uid) : 0;
  char why[96];

  judge_cap_set(j, CAP_BND, m[CAP_BND], valid, NULL);
  judge_cap_set(j, CAP_INH, m[CAP_INH], valid, NULL);
  uint64_t raisable = m[CAP_PRM] & m[CAP_INH];
  bool ambient_ok = !(m[CAP_AMB] & ~raisable);
  if (ambient_ok) {
    judge_cap_set(j, CAP_AMB, m[CAP_AMB], valid, NULL);
  } else {
    nsc_judge_skip(j, REQ("config.capabilities.ambient"),
                   "ambient capabilities outside permitted and inheritable cannot be raised "
                   "(the spec asks for a warning only)");
  }

  static const char undetermined[] = "post-exec value not determined by the spec sets";
  if (uid_v == 0) {
    bool determined = m[CAP_BND] == m[CAP_PRM] && !(m[CAP_INH] & ~m[CAP_BND]);
    if (!determined) {
      nsc_judge_skip(j, REQ("config.capabilities.permitted"), "%s", undetermined);
      nsc_judge_skip(j, REQ("config.capabilities.effective"), "%s", undetermined);
      return;
    }
    judge_cap_set(j, CAP_PRM, m[CAP_PRM], valid, NULL);
    if (m[CAP_EFF] == m[CAP_PRM])
      judge_cap_set(j, CAP_EFF, m[CAP_EFF], valid, NULL);
    else
      nsc_judge_skip(j, REQ("config.capabilities.effective"),
                     "%s (uid 0 gets effective = permitted at execve)", undetermined);
    return;
  }
  if (!ambient_ok) {
    nsc_judge_skip(j, REQ("config.capabilities.permitted"), "%s", undetermined);
    nsc_judge_skip(j, REQ("config.capabilities.effective"), "%s", undetermined);
    return;
  }
  snprintf(why, sizeof(why), "the ambient set: uid %lld keeps only those across execve", uid_v);
  judge_cap_set(j, CAP_PRM, m[CAP_AMB], valid, why);
  judge_cap_set(j, CAP_EFF, m[CAP_AMB], valid, why);
}

/* ---- noNewPrivileges, rlimits, oomScoreAdj, names, cwd, env ---------------------- */

struct rlimit_expect {
  int index; /* 0 soft, 1 hard */
  long long want;
};

static void rlimit_render(long long v, struct judge_text *t)
{
  if (v == -1)
    nsc_judge_text_add(t, "unlimited");
  else
    nsc_judge_text_add(t, "%lld", v);
}

static enum judge_eval eval_rlimit(const json_t *value, bool outside, const void *arg,
                                   struct judge_text *actual)
{
  const struct rlimit_expect *e = arg;
  const json_t *v = json_array_get(value, (size_t)e->index);
  if (!json_is_integer(v)) {
    nsc_judge_text_add(actual, "the limit is not a [soft, hard] pair");
    return JUDGE_NA;
  }
  rlimit_render(json_integer_value(v), actual);
  return json_integer_value(v) == e->want ? JUDGE_PASS : JUDGE_FAIL;
}

/* A spec limit as the observations write it: -1 for unlimited (2^64-1). */
static bool spec_limit(const json_t *v, long long *out)
{
  if (json_is_integer(v)) {
    *out = json_integer_value(v);
    return *out >= 0;
  }
  if (json_is_real(v) && json_real_value(v) >= 18446744073709551615.0) {
    *out = -1;
    return true;
  }
  return false;
}

static void judge_rlimits(struct judge *j)
{
  size_t i;
  json_t *rl;
  json_array_foreach(json_object_get(j->process, "rlimits"), i, rl)
  {
    const char *type = json_string_value(json_object_get(rl, "type"));
    static const char *const which[2] = {"soft", "hard"};
    const char *reqs[2] = {REQ("config.rlimits.soft"), REQ("config.rlimits.hard")};
    for (int k = 0; k < 2; k++) {
      struct rlimit_expect e = {.index = k};
      if (!type || !spec_limit(json_object_get(rl, which[k]), &e.want)) {
        nsc_judge_skip(j, reqs[k], "process.rlimits[%zu] has no type or %s value", i, which[k]);
        continue;
      }
      struct judge_text expected = {.len = 0};
      nsc_judge_text_add(&expected, "%s %s ", type, which[k]);
      rlimit_render(e.want, &expected);
      nsc_judge_fact(j, reqs[k], "rlimits", type, true, expected.s, eval_rlimit, &e);
    }
  }
}

static void judge_oom_score_adj(struct judge *j)
{
  const json_t *adj = json_object_get(j->process, "oomScoreAdj");
  char expected[96];
  long long want;
  if (json_is_integer(adj)) {
    want = json_integer_value(adj);
    snprintf(expected, sizeof(expected), "%lld", want);
    nsc_judge_fact(j, REQ("config.linux-process.oom-score-adj"), "oom_score_adj", NULL, true,
                   expected, eval_int, &want);
    return;
  }
  /* Unset: the value the runtime inherited from the harness. */
  const char *req = REQ("config.linux-process.oom-score-adj-unset");
  const json_t *own = json_object_get(j->v->self, "oom_score_adj");
  if (!json_is_integer(own)) {
    nsc_judge_skip(j, req, "%s",
                   j->v->self ? "the harness's own view has no oom_score_adj"
                              : "no observation of the harness itself");
    return;
  }
  want = json_integer_value(own);
  snprintf(expected, sizeof(expected), "%lld, the value the runtime was started with", want);
  nsc_judge_fact(j, req, "oom_score_adj", NULL, true, expected, eval_int, &want);
}

static void judge_name(struct judge *j, const char *req, const char *field)
{
  const char *want = json_string_value(json_object_get(j->v->config, field));
  if (!want)
    return;
  char expected[128];
  snprintf(expected, sizeof(expected), "\"%s\"", want);
  nsc_judge_fact(j, req, field, NULL, false, expected, eval_string, want);
}

static void judge_cwd(struct judge *j)
{
  const char *cwd = json_string_value(json_object_get(j->process, "cwd"));
  if (!cwd || cwd[0] != '/')
    return; /* a relative cwd is a negative case, judged by the driver */
  char want[4096];
  snprintf(want, sizeof(want), "%s", cwd);
  size_t n = strlen(want);
  while (n > 1 && want[n - 1] == '/')
    want[--n] = '\0';
  char expected[4200];
  snprintf(expected, sizeof(expected), "\"%s\"", want);
  nsc_judge_fact(j, REQ("config.process.cwd-applied"), "cwd", NULL, false, expected, eval_string,
                 want);
}

static enum judge_eval eval_env(const json_t *value, bool outside, const void *arg,
                                struct judge_text *actual)
{
  const json_t *want = arg;
  if (!json_is_array(value)) {
    nsc_judge_text_add(actual, "the environment is not a list");
    return JUDGE_NA;
  }
  size_t i, k, missing = 0;
  json_t *w, *g;
  json_array_foreach(want, i, w)
  {
    bool found = false;
    json_array_foreach(value, k, g)
    {
      found |= json_is_string(g) && json_equal(g, w);
    }
    if (!found)
      nsc_judge_text_add(actual, "%s\"%s\"", missing++ ? ", " : "missing ", json_string_value(w));
  }
  if (!missing)
    nsc_judge_text_add(actual, "all %zu present (of %zu entries)", json_array_size(want),
                       json_array_size(value));
  return missing ? JUDGE_FAIL : JUDGE_PASS;
}

static void judge_env(struct judge *j)
{
  const json_t *env = json_object_get(j->process, "env");
  if (!json_is_array(env))
    return;
  char expected[96];
  snprintf(expected, sizeof(expected), "all %zu process.env entries, exactly",
           json_array_size(env));
  nsc_judge_fact(j, REQ("config.process.env-applied"), "env", NULL, false, expected, eval_env, env);
}

/* ---- argv: the probe reports the argv it was executed with ---- */

static enum judge_eval eval_argv(const json_t *value, bool outside, const void *arg,
                                 struct judge_text *actual)
{
  if (!json_is_array(value)) {
    nsc_judge_text_add(actual, "the probe reports no argv");
    return JUDGE_NA;
  }
  size_t i;
  json_t *a;
  nsc_judge_text_add(actual, "[");
  json_array_foreach(value, i, a)
  {
    nsc_judge_text_add(actual, "%s\"%s\"", i ? ", " : "",
                       json_is_string(a) ? json_string_value(a) : "?");
  }
  nsc_judge_text_add(actual, "]");
  return json_equal(value, arg) ? JUDGE_PASS : JUDGE_FAIL;
}

/* Only when the program is the probe (args[0] names nsprobe). */
static void judge_argv(struct judge *j)
{
  const json_t *args = json_object_get(j->process, "args");
  const char *prog = json_string_value(json_array_get(args, 0));
  const char *base = prog ? strrchr(prog, '/') : NULL;
  if (!prog || strcmp(base ? base + 1 : prog, "nsprobe") != 0)
    return;
  char expected[96];
  snprintf(expected, sizeof(expected), "the %zu process.args entries, in order",
           json_array_size(args));
  nsc_judge_fact(j, REQ("config.process.args-applied"), "argv", NULL, false, expected, eval_argv,
                 args);
}

void nsc_judge_process_misc(struct judge *j)
{
  judge_argv(j);
  if (json_is_true(json_object_get(j->process, "noNewPrivileges"))) {
    static const long long one = 1;
    nsc_judge_fact(j, REQ("config.linux-process.no-new-privileges"), "no_new_privs", NULL, true,
                   "1", eval_int, &one);
  }
  judge_rlimits(j);
  if (j->process)
    judge_oom_score_adj(j);
  judge_name(j, REQ("config.hostname.applied"), "hostname");
  judge_name(j, REQ("config.domainname.applied"), "domainname");
  judge_cwd(j);
  judge_env(j);
}

/* ---- seccomp ------------------------------------------------------------------------
 * The filter is installed when linux.seccomp is given; and when the case ran
 * the probe's --seccomp-probe, the syscall it made got the action the profile
 * names for it: a rule naming it (without args), or else defaultAction.  Only
 * errno actions are judged here: the others leave nothing to compare. */

struct errno_expect {
  const char *syscall;
  long long want;
};

static enum judge_eval eval_errno(const json_t *value, bool outside, const void *arg,
                                  struct judge_text *actual)
{
  const struct errno_expect *e = arg;
  const json_t *ret = json_object_get(value, "ret"), *err = json_object_get(value, "errno");
  if (!json_is_integer(ret) || !json_is_integer(err)) {
    nsc_judge_text_add(actual, "the seccomp probe has no ret and errno");
    return JUDGE_NA;
  }
  const char *called = json_string_value(json_object_get(value, "syscall"));
  if (!called || strcmp(called, e->syscall) != 0) {
    nsc_judge_text_add(actual, "the probe called %s, not %s", called ? called : "?", e->syscall);
    return JUDGE_NA;
  }
  long long r = json_integer_value(ret), n = json_integer_value(err);
  const char *name = n > 0 && n < 4096 ? strerrorname_np((int)n) : NULL;
  nsc_judge_text_add(actual, "ret %lld, errno %lld%s%s%s", r, n, name ? " (" : "", name ? name : "",
                     name ? ")" : "");
  bool ok = e->want == 0 ? r == 0 && n == 0 : r == -1 && n == e->want;
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

/* The rule that decides syscall name: 1 found (in *rule), 0 none, -1
 * undecided (a rule with args, or rules that disagree). */
static int seccomp_rule_for(const json_t *seccomp, const char *name, const json_t **rule)
{
  *rule = NULL;
  size_t i, k;
  json_t *r, *n;
  json_array_foreach(json_object_get(seccomp, "syscalls"), i, r)
  {
    bool names_it = false;
    json_array_foreach(json_object_get(r, "names"), k, n)
    {
      names_it |= json_is_string(n) && strcmp(json_string_value(n), name) == 0;
    }
    if (!names_it)
      continue;
    if (json_array_size(json_object_get(r, "args")))
      return -1;
    if (*rule && !json_equal(json_object_get(*rule, "action"), json_object_get(r, "action")))
      return -1;
    if (!*rule)
      *rule = r;
  }
  return *rule ? 1 : 0;
}

/* The syscall of the probe's --seccomp-probe in process.args, else the one
 * the probe reports; NULL when the case probes none. */
static const char *seccomp_probe_name(const struct judge *j)
{
  const json_t *args = json_object_get(j->process, "args");
  for (size_t i = 0; i + 1 < json_array_size(args); i++) {
    const char *a = json_string_value(json_array_get(args, i));
    if (a && strcmp(a, "--seccomp-probe") == 0)
      return json_string_value(json_array_get(args, i + 1));
  }
  return json_string_value(
      json_object_get(json_object_get(j->v->probe, "seccomp_probe"), "syscall"));
}

void nsc_judge_seccomp(struct judge *j)
{
  const json_t *seccomp = json_object_get(j->lnx, "seccomp");
  if (!json_is_object(seccomp))
    return;
  static const long long filter_mode = 2;
  nsc_judge_fact(j, REQ("config-linux.seccomp.installed"), "seccomp", NULL, true,
                 "2 (a seccomp filter)", eval_int, &filter_mode);

  const char *name = seccomp_probe_name(j);
  if (!name)
    return; /* the case asked for no syscall probe */
  const json_t *rule;
  int found = seccomp_rule_for(seccomp, name, &rule);
  if (found < 0)
    return; /* arguments decide, which the probe's harmless call does not show */
  const char *action = json_string_value(
      json_object_get(found ? rule : seccomp, found ? "action" : "defaultAction"));
  if (!action || strcmp(action, "SCMP_ACT_ERRNO") != 0)
    return;
  const json_t *ret =
      json_object_get(found ? rule : seccomp, found ? "errnoRet" : "defaultErrnoRet");
  const char *req = !ret    ? REQ("config-linux.seccomp.errno-default")
                    : found ? REQ("config-linux.seccomp.errno-ret")
                            : REQ("config-linux.seccomp.default-errno");
  struct errno_expect e = {.syscall = name,
                           .want = json_is_integer(ret) ? json_integer_value(ret) : EPERM};
  char expected[160];
  const char *ename = e.want > 0 && e.want < 4096 ? strerrorname_np((int)e.want) : NULL;
  snprintf(expected, sizeof(expected), "%s fails with errno %lld (%s) by %s", name, e.want,
           ename ? ename : "?", found ? "its rule" : "defaultAction");
  nsc_judge_fact(j, req, "seccomp_probe", NULL, false, expected, eval_errno, &e);
}

/* ---- fds ------------------------------------------------------------------------------ */

static enum judge_eval eval_fds(const json_t *value, bool outside, const void *arg,
                                struct judge_text *actual)
{
  if (!json_is_array(value)) {
    nsc_judge_text_add(actual, "the fds are not a list");
    return JUDGE_NA;
  }
  size_t i;
  json_t *f;
  bool ok = true;
  nsc_judge_text_add(actual, "fds");
  if (!json_array_size(value))
    nsc_judge_text_add(actual, " (none)");
  json_array_foreach(value, i, f)
  {
    long long fd = json_integer_value(json_object_get(f, "fd"));
    nsc_judge_text_add(actual, " %lld", fd);
    if (fd >= 0 && fd <= 2)
      continue;
    const char *target = json_string_value(json_object_get(f, "target"));
    nsc_judge_text_add(actual, " (%s)", target ? target : "?");
    ok = false;
  }
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

void nsc_judge_fds(struct judge *j)
{
  nsc_judge_fact(j, REQ("runtime-linux.file-descriptors.default"), "fds", NULL, true,
                 "only stdin, stdout and stderr (0 1 2)", eval_fds, NULL);
}
