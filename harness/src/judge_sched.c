/* Judging process.scheduler, process.ioPriority and linux.memoryPolicy
 * against what the probe read with sched_getattr, ioprio_get and
 * get_mempolicy (observation keys sched, ioprio, mempolicy).
 *
 * What the kernel reports back differs from what was set in known ways,
 * which the expectations follow:
 *   - sched_getattr reports SCHED_FLAG_RESET_ON_FORK always, RECLAIM and
 *     DL_OVERRUN for SCHED_DEADLINE only; KEEP_POLICY and KEEP_PARAMS are
 *     instructions, not state (the policy or parameters they keep are then
 *     not judged), nor are the utilization clamp flags;
 *   - runtime, deadline and period are judged for SCHED_DEADLINE only (other
 *     policies report their time slice as runtime); a period of 0 means the
 *     deadline;
 *   - MPOL_PREFERRED without nodes is local allocation and reads back as
 *     MPOL_LOCAL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge_int.h"
#include "procattr.h"

#define SCHED_FIFO_        1
#define SCHED_RR_          2
#define SCHED_DEADLINE_    6
#define FLAG_RESET_ON_FORK 0x01ULL
#define FLAG_DL_STATE      (0x02ULL | 0x04ULL)
#define FLAG_KEEP_POLICY   0x08ULL
#define FLAG_KEEP_PARAMS   0x10ULL

/* ---- names and flag lists -------------------------------------------------------- */

static const char *name_or(const struct procattr_name *t, uint64_t v, const char *dflt)
{
  const char *n = procattr_name_of(t, v);
  return n ? n : dflt;
}

/* A list of flag names as a mask; false when a name is unknown. */
static bool flags_mask(const json_t *list, const struct procattr_name *t, uint64_t *out)
{
  size_t i;
  const json_t *v;
  *out = 0;
  if (!list)
    return true;
  if (!json_is_array(list))
    return false;
  json_array_foreach(list, i, v)
  {
    uint64_t bit;
    if (!json_is_string(v) || procattr_lookup(t, json_string_value(v), &bit) < 0)
      return false;
    *out |= bit;
  }
  return true;
}

static void flags_render(uint64_t mask, const struct procattr_name *t, struct judge_text *out)
{
  bool first = true;
  for (size_t i = 0; t[i].name; i++)
    if (mask & t[i].value) {
      nsc_judge_text_add(out, "%s%s", first ? "" : "|", t[i].name);
      first = false;
    }
  if (first)
    nsc_judge_text_add(out, "no flags");
}

static long long int_of(const json_t *obj, const char *key, long long dflt)
{
  const json_t *v = json_object_get(obj, key);
  return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* ---- scheduler ------------------------------------------------------------------- */

struct sched_want {
  uint64_t policy;
  uint64_t flags; /* the flags that read back */
  bool keep_policy, keep_params;
  long long nice, priority;
  long long runtime, deadline, period;
};

static void sched_render(const struct sched_want *w, struct judge_text *t)
{
  if (w->keep_policy)
    nsc_judge_text_add(t, "policy kept, ");
  else
    nsc_judge_text_add(t, "%s, ", name_or(procattr_sched_policies, w->policy, "?"));
  if (w->keep_params)
    nsc_judge_text_add(t, "parameters kept, ");
  else if (w->policy == SCHED_DEADLINE_)
    nsc_judge_text_add(t, "runtime %lld deadline %lld period %lld, ", w->runtime, w->deadline,
                       w->period);
  else
    nsc_judge_text_add(t, "nice %lld priority %lld, ", w->nice, w->priority);
  flags_render(w->flags, procattr_sched_flags, t);
}

static enum judge_eval eval_sched(const json_t *value, bool outside, const void *arg,
                                  struct judge_text *actual)
{
  const struct sched_want *w = arg;
  struct sched_want got = {0};
  const json_t *policy = json_object_get(value, "policy");
  if (!json_is_string(policy) ||
      procattr_lookup(procattr_sched_policies, json_string_value(policy), &got.policy) < 0) {
    nsc_judge_text_add(actual, "policy %s", json_is_integer(policy) ? "without a name" : "unread");
    return JUDGE_FAIL;
  }
  flags_mask(json_object_get(value, "flags"), procattr_sched_flags, &got.flags);
  got.nice = int_of(value, "nice", -100);
  got.priority = int_of(value, "priority", -1);
  got.runtime = int_of(value, "runtime", -1);
  got.deadline = int_of(value, "deadline", -1);
  got.period = int_of(value, "period", -1);
  sched_render(&got, actual);

  bool ok = true;
  if (!w->keep_policy)
    ok &= got.policy == w->policy;
  if (!w->keep_params) {
    if (got.policy == SCHED_DEADLINE_ && w->policy == SCHED_DEADLINE_)
      ok &= got.runtime == w->runtime && got.deadline == w->deadline && got.period == w->period;
    else if (got.policy == SCHED_FIFO_ || got.policy == SCHED_RR_)
      ok &= got.priority == w->priority;
    else
      ok &= got.nice == w->nice;
  }
  uint64_t judged = FLAG_RESET_ON_FORK | (w->policy == SCHED_DEADLINE_ ? FLAG_DL_STATE : 0);
  ok &= (got.flags & judged) == (w->flags & judged);
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_scheduler(struct judge *j)
{
  const json_t *s = json_object_get(j->process, "scheduler");
  if (!json_is_object(s))
    return;
  const char *req = REQ("config.scheduler.applied");
  const char *policy = json_string_value(json_object_get(s, "policy"));
  struct sched_want w = {0};
  uint64_t flags;
  if (!policy || procattr_lookup(procattr_sched_policies, policy, &w.policy) < 0 ||
      !flags_mask(json_object_get(s, "flags"), procattr_sched_flags, &flags)) {
    nsc_judge_skip(j, req, "the config's scheduler has a policy or flag outside the spec's lists");
    return;
  }
  w.keep_policy = flags & FLAG_KEEP_POLICY;
  w.keep_params = flags & FLAG_KEEP_PARAMS;
  w.flags = flags & (FLAG_RESET_ON_FORK | (w.policy == SCHED_DEADLINE_ ? FLAG_DL_STATE : 0));
  /* Unset numbers are 0 (config.md). */
  w.nice = int_of(s, "nice", 0);
  w.priority = int_of(s, "priority", 0);
  w.runtime = int_of(s, "runtime", 0);
  w.deadline = int_of(s, "deadline", 0);
  w.period = int_of(s, "period", 0);
  if (w.period == 0)
    w.period = w.deadline;
  struct judge_text expected = {.len = 0};
  sched_render(&w, &expected);
  nsc_judge_fact(j, req, "sched", NULL, false, expected.s, eval_sched, &w);
}

/* ---- I/O priority ---------------------------------------------------------------- */

struct ioprio_want {
  uint64_t klass;
  long long level;
};

static enum judge_eval eval_ioprio(const json_t *value, bool outside, const void *arg,
                                   struct judge_text *actual)
{
  const struct ioprio_want *w = arg;
  const char *klass = json_string_value(json_object_get(value, "class"));
  long long level = int_of(value, "priority", -1);
  uint64_t k;
  nsc_judge_text_add(actual, "%s level %lld", klass ? klass : "an unnamed class", level);
  if (!klass || procattr_lookup(procattr_ioprio_classes, klass, &k) < 0)
    return JUDGE_FAIL;
  return k == w->klass && level == w->level ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_io_priority(struct judge *j)
{
  const json_t *io = json_object_get(j->process, "ioPriority");
  if (!json_is_object(io))
    return;
  const char *req = REQ("config.io-priority.applied");
  const char *klass = json_string_value(json_object_get(io, "class"));
  struct ioprio_want w = {.level = int_of(io, "priority", -1)};
  if (!klass || procattr_lookup(procattr_ioprio_classes, klass, &w.klass) < 0) {
    nsc_judge_skip(j, req, "the config's ioPriority class is not one the spec lists");
    return;
  }
  char expected[96];
  snprintf(expected, sizeof(expected), "%s level %lld", klass, w.level);
  nsc_judge_fact(j, req, "ioprio", NULL, false, expected, eval_ioprio, &w);
}

/* ---- memory policy --------------------------------------------------------------- */

#define MPOL_PREFERRED_ 1
#define MPOL_LOCAL_     4

/* "0-3,7" -> "0-3,7" in the probe's form (ascending, ranges merged); false
 * when the text is not a node list.  Nodes above 1023 are not judged. */
static bool nodes_normalize(const char *s, char *out, size_t len, unsigned *count)
{
  static bool set[1024];
  memset(set, 0, sizeof(set));
  *count = 0;
  for (const char *c = s; *c;) {
    char *end;
    unsigned long lo = strtoul(c, &end, 10), hi = lo;
    if (end == c)
      return false;
    if (*end == '-') {
      const char *h = end + 1;
      hi = strtoul(h, &end, 10);
      if (end == h)
        return false;
    }
    if (hi < lo || hi >= 1024)
      return false;
    for (unsigned long n = lo; n <= hi; n++)
      set[n] = true;
    c = *end == ',' ? end + 1 : end;
    if (*end && *end != ',')
      return false;
  }
  size_t used = 0;
  out[0] = '\0';
  for (unsigned n = 0; n < 1024; n++) {
    if (!set[n])
      continue;
    unsigned e = n;
    while (e + 1 < 1024 && set[e + 1])
      e++;
    int w = e == n ? snprintf(out + used, len - used, "%s%u", used ? "," : "", n)
                   : snprintf(out + used, len - used, "%s%u-%u", used ? "," : "", n, e);
    if (w < 0 || (size_t)w >= len - used)
      return false;
    used += (size_t)w;
    *count += e - n + 1;
    n = e;
  }
  return true;
}

struct mempolicy_want {
  uint64_t mode;
  uint64_t flags;
  char nodes[256];
};

static enum judge_eval eval_mempolicy(const json_t *value, bool outside, const void *arg,
                                      struct judge_text *actual)
{
  const struct mempolicy_want *w = arg;
  const char *mode = json_string_value(json_object_get(value, "mode"));
  const char *nodes = json_string_value(json_object_get(value, "nodes"));
  uint64_t m, flags;
  bool known = mode && procattr_lookup(procattr_mempolicy_modes, mode, &m) == 0;
  bool flags_ok = flags_mask(json_object_get(value, "flags"), procattr_mempolicy_flags, &flags);
  nsc_judge_text_add(actual, "%s, nodes \"%s\", ", mode ? mode : "an unnamed mode",
                     nodes ? nodes : "?");
  flags_render(flags, procattr_mempolicy_flags, actual);
  if (!known || !flags_ok || !nodes)
    return JUDGE_FAIL;
  return m == w->mode && flags == w->flags && strcmp(nodes, w->nodes) == 0 ? JUDGE_PASS
                                                                           : JUDGE_FAIL;
}

static void judge_memory_policy(struct judge *j)
{
  const json_t *mp = json_object_get(j->lnx, "memoryPolicy");
  if (!json_is_object(mp))
    return;
  const char *req = REQ("config-linux.memory-policy.applied");
  const char *mode = json_string_value(json_object_get(mp, "mode"));
  const json_t *nodes = json_object_get(mp, "nodes");
  struct mempolicy_want w = {0};
  unsigned count = 0;
  if (!mode || procattr_lookup(procattr_mempolicy_modes, mode, &w.mode) < 0 ||
      !flags_mask(json_object_get(mp, "flags"), procattr_mempolicy_flags, &w.flags) ||
      (nodes && !json_is_string(nodes)) ||
      !nodes_normalize(nodes ? json_string_value(nodes) : "", w.nodes, sizeof(w.nodes), &count)) {
    nsc_judge_skip(j, req,
                   "the config's memoryPolicy is not one the probe's view can be "
                   "compared with (unknown mode or flag, or a node list out of range)");
    return;
  }
  if (w.mode == MPOL_PREFERRED_ && count == 0)
    w.mode = MPOL_LOCAL_;
  struct judge_text expected = {.len = 0};
  nsc_judge_text_add(&expected, "%s, nodes \"%s\", ",
                     name_or(procattr_mempolicy_modes, w.mode, "?"), w.nodes);
  flags_render(w.flags, procattr_mempolicy_flags, &expected);
  nsc_judge_fact(j, req, "mempolicy", NULL, false, expected.s, eval_mempolicy, &w);
}

void nsc_judge_sched(struct judge *j)
{
  if (j->process) {
    judge_scheduler(j);
    judge_io_priority(j);
  }
  if (j->lnx)
    judge_memory_policy(j);
}
