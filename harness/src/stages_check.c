/* Stage probes, the checks: what a stopped stage process shows (stages.h's
 * struct nsc_stage_proc) judged against what its config asks for (struct
 * nsc_stage_expect), one function per boundary. */
#include "stages.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "requirements.h"
#include "spec.h"
#include "stages_int.h"

/* The link of a process's own namespace of each type. */
static const enum nsc_stage_link own_link[NS_COUNT] = {
    [NS_USER] = NSC_LINK_USER,     [NS_PID] = NSC_LINK_PID,   [NS_TIME] = NSC_LINK_TIME,
    [NS_UTS] = NSC_LINK_UTS,       [NS_IPC] = NSC_LINK_IPC,   [NS_NET] = NSC_LINK_NET,
    [NS_CGROUP] = NSC_LINK_CGROUP, [NS_MOUNT] = NSC_LINK_MNT,
};

/* ---- verdicts ------------------------------------------------------------- */

static void verdict(struct nsc_verdicts *out, const char *req, bool ok, const char *expected,
                    const char *actual_fmt, ...) __attribute__((format(printf, 5, 6)));

static void verdict(struct nsc_verdicts *out, const char *req, bool ok, const char *expected,
                    const char *actual_fmt, ...)
{
  char actual[1024];
  va_list ap;
  va_start(ap, actual_fmt);
  vsnprintf(actual, sizeof(actual), actual_fmt, ap);
  va_end(ap);
  nsc_verdict_add(out, req, ok ? NSC_PASS : NSC_FAIL, expected, actual, NULL);
}

static void skip(struct nsc_verdicts *out, const char *req, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void skip(struct nsc_verdicts *out, const char *req, const char *fmt, ...)
{
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof(reason), fmt, ap);
  va_end(ap);
  nsc_verdict_add(out, req, NSC_SKIP, NULL, NULL, "%s", reason);
}

#define AT_USER  "intermediate after its user namespace"
#define AT_PIDNS "intermediate after its pid/time namespaces"
#define AT_INIT  "init right before execve"

static void check_map(const char *at, const char *req, const char *name,
                      const struct nsc_stage_range *want, size_t n_want, const char *text,
                      struct nsc_verdicts *out)
{
  struct nsc_stage_range sorted[NSC_STAGE_MAX_RANGES], got[NSC_STAGE_MAX_RANGES];
  memcpy(sorted, want, n_want * sizeof(*want));
  qsort(sorted, n_want, sizeof(*sorted), nsc_stage_cmp_range);
  char expected[512], actual[512];
  int n = text ? nsc_stage_parse_map(text, got, NSC_STAGE_MAX_RANGES) : -1;
  char w[400];
  nsc_stage_map_text(sorted, n_want, w, sizeof(w));
  snprintf(expected, sizeof(expected), "%s: %s %s", at, name, w);
  if (n < 0) {
    verdict(out, req, false, expected, "%s unreadable or malformed: %.200s", name,
            text ? text : "(none)");
    return;
  }
  nsc_stage_map_text(got, (size_t)n, actual, sizeof(actual));
  bool same = (size_t)n == n_want && memcmp(got, sorted, n_want * sizeof(*got)) == 0;
  verdict(out, req, same, expected, "%s %s", name, actual);
}

/* All four ids of a status line equal want. */
static void check_ids(const char *at, const char *req, const char *key, long long want,
                      const char *status, struct nsc_verdicts *out)
{
  long long v[4];
  char expected[256];
  snprintf(expected, sizeof(expected), "%s: %s %lld %lld %lld %lld (host view)", at, key, want,
           want, want, want);
  int n = nsc_stage_field_numbers(status, key, 10, v, 4);
  if (n != 4) {
    verdict(out, req, false, expected, "no %s line in status", key);
    return;
  }
  bool ok = v[0] == want && v[1] == want && v[2] == want && v[3] == want;
  verdict(out, req, ok, expected, "%s %lld %lld %lld %lld", key, v[0], v[1], v[2], v[3]);
}

/* Namespace links of the process against what they must be at this point. */
struct ns_want {
  enum nsc_stage_link link;
  const char *want; /* a link target */
  bool differ;      /* must differ from want instead */
  const char *why;  /* "new", "joined", "the runtime's" */
};

static void check_links(const char *at, const char *req, const struct ns_want *w, size_t n,
                        const struct nsc_stage_proc *p, struct nsc_verdicts *out)
{
  char expected[768] = "", actual[1024] = "";
  size_t eo = 0, ao = 0;
  bool ok = true, any = false;
  for (size_t i = 0; i < n; i++) {
    const char *name = nsc_stage_link_names[w[i].link];
    const char *got = p->ns[w[i].link];
    if (!w[i].want[0] || !got[0])
      continue; /* a link this kernel or the harness's view lacks */
    any = true;
    bool same = strcmp(got, w[i].want) == 0;
    bool good = w[i].differ ? !same : same;
    ok = ok && good;
    if (eo < sizeof(expected))
      eo += (size_t)snprintf(expected + eo, sizeof(expected) - eo, "%s%s %s%s (%s)", eo ? "; " : "",
                             name, w[i].differ ? "not " : "", w[i].want, w[i].why);
    if (ao < sizeof(actual))
      ao += (size_t)snprintf(actual + ao, sizeof(actual) - ao, "%s%s%s %s", ao ? "; " : "",
                             good ? "" : "WRONG ", name, got);
  }
  char e2[900];
  snprintf(e2, sizeof(e2), "%s: %s", at, expected);
  if (!any) {
    skip(out, req, "%s: no namespace link to compare (the harness's own view is missing)", at);
    return;
  }
  verdict(out, req, ok, e2, "%s", actual);
}

/* Not dumpable: the files of /proc/PID are then owned by root of the user
 * namespace the process's memory belongs to (the initial one: the stages
 * never exec), not by its euid. */
static void check_dumpable(const char *at, long long euid, const struct nsc_stage_proc *p,
                           struct nsc_verdicts *out)
{
  const char *req = REQ("robust.stage.not-dumpable");
  if (!p->owner_known) {
    skip(out, req, "%s: /proc/%d could not be stat'ed", at, (int)p->pid);
    return;
  }
  if (euid <= 0) {
    skip(out, req,
         "%s: the process runs as host uid 0, so /proc/%d/status is owned by root whether it is "
         "dumpable or not",
         at, (int)p->pid);
    return;
  }
  char expected[256];
  snprintf(expected, sizeof(expected),
           "%s: not dumpable (/proc/PID/status owned by 0:0, not by its euid %lld)", at, euid);
  verdict(out, req, p->owner_uid == 0, expected, "/proc/%d/status owned by %u:%u%s", (int)p->pid,
          (unsigned)p->owner_uid, (unsigned)p->owner_gid,
          p->owner_uid == 0 ? "" : " (dumpable: the container's user can ptrace it)");
}

static void check_rlimits(const char *at, const struct nsc_stage_expect *e,
                          const struct nsc_stage_proc *p, struct nsc_verdicts *out)
{
  const char *req = REQ("robust.stage.rlimits-early");
  if (e->n_rlimits == 0) {
    skip(out, req, "%s: the config sets no rlimits", at);
    return;
  }
  char expected[768], actual[768];
  size_t eo = (size_t)snprintf(expected, sizeof(expected), "%s:", at), ao = 0;
  actual[0] = '\0';
  bool ok = true;
  for (size_t i = 0; i < e->n_rlimits; i++) {
    const struct nsc_stage_rlimit *l = &e->rlimits[i];
    const char *name = rlimit_name(l->resource);
    char ws[24], wh[24], gs[24] = "?", gh[24] = "?";
    nsc_stage_limit_text(l->soft, ws, sizeof(ws));
    nsc_stage_limit_text(l->hard, wh, sizeof(wh));
    unsigned long long soft, hard;
    bool read = nsc_stage_parse_limit(p->limits, l->resource, &soft, &hard);
    if (read) {
      nsc_stage_limit_text(soft, gs, sizeof(gs));
      nsc_stage_limit_text(hard, gh, sizeof(gh));
    }
    bool good = read && soft == l->soft && hard == l->hard;
    ok = ok && good;
    if (eo < sizeof(expected))
      eo += (size_t)snprintf(expected + eo, sizeof(expected) - eo, " %s %s/%s", name, ws, wh);
    if (ao < sizeof(actual))
      ao += (size_t)snprintf(actual + ao, sizeof(actual) - ao, "%s%s %s/%s", ao ? " " : "", name,
                             gs, gh);
  }
  verdict(out, req, ok, expected, "%s", actual);
}

void nsc_stage_check_user(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                          struct nsc_verdicts *out)
{
  const char *at = AT_USER;
  check_map(at, REQ("config-linux.user-namespace-mappings.uid-applied"), "uid_map", e->uid_map,
            e->n_uid_map, p->uid_map, out);
  check_map(at, REQ("config-linux.user-namespace-mappings.gid-applied"), "gid_map", e->gid_map,
            e->n_gid_map, p->gid_map, out);

  char got[32] = "(unreadable)", expected[128];
  if (p->setgroups)
    snprintf(got, sizeof(got), "%.*s", (int)strcspn(p->setgroups, "\n"), p->setgroups);
  snprintf(expected, sizeof(expected), "%s: setgroups %s", at,
           e->setgroups ? e->setgroups : "allow or deny (the map writer may be a setuid helper)");
  bool sg_ok = e->setgroups ? strcmp(got, e->setgroups) == 0
                            : (strcmp(got, "allow") == 0 || strcmp(got, "deny") == 0);
  if (e->n_groups && !e->groups_unmapped && strcmp(got, "deny") == 0)
    sg_ok = false; /* additionalGids could not be applied */
  verdict(out, REQ("robust.stage.setgroups"), sg_ok, expected, "setgroups %s", got);

  check_ids(at, REQ("robust.stage.userns-root"), "Uid", e->inter_uid, p->status, out);
  check_ids(at, REQ("robust.stage.userns-root"), "Gid", e->inter_gid, p->status, out);
  check_rlimits(at, e, p, out);
  check_dumpable(at, e->inter_uid, p, out);

  struct ns_want nw = {NSC_LINK_USER, e->self[NSC_LINK_USER], true, "new"};
  check_links(at, REQ("config-linux.namespaces.new"), &nw, 1, p, out);

  /* Nothing else is the container's yet, but what was joined by path. */
  struct ns_want w[NSC_LINK_COUNT];
  size_t n = 0;
  for (int t = 0; t < NS_COUNT; t++) {
    if (t == NS_USER)
      continue;
    bool joined = e->ns[t] == NSC_STAGE_NS_JOIN;
    enum nsc_stage_link l = own_link[t];
    /* setns of a pid or time namespace moves only the children */
    if (t == NS_PID || t == NS_TIME) {
      w[n++] = (struct ns_want){l, e->self[l], false, "the runtime's"};
      l = t == NS_PID ? NSC_LINK_PID_FC : NSC_LINK_TIME_FC;
    }
    w[n++] = (struct ns_want){l, joined ? e->target[t] : e->self[l], false,
                              joined ? "joined" : "the runtime's"};
  }
  check_links(at, REQ("robust.stage.ns-order"), w, n, p, out);

  long long nspid[4];
  int levels = nsc_stage_field_numbers(p->status, "NSpid", 10, nspid, 4);
  char exp_pid[160];
  snprintf(exp_pid, sizeof(exp_pid),
           "%s: NSpid %d (one level: still in the runtime's pid "
           "namespace)",
           at, (int)p->pid);
  verdict(out, REQ("robust.stage.ns-order"), levels == 1 && nspid[0] == p->pid, exp_pid,
          "NSpid with %d level(s), first %lld", levels, levels > 0 ? nspid[0] : -1LL);
}

static void check_offsets(const char *at, const struct nsc_stage_expect *e, const char *text,
                          struct nsc_verdicts *out)
{
  const char *req = REQ("config-linux.time-offsets.applied");
  char expected[256];
  snprintf(expected, sizeof(expected), "%s: monotonic %lld %lld, boottime %lld %lld", at, e->mono_s,
           e->mono_ns, e->boot_s, e->boot_ns);
  long long ms = 0, mn = 0, bs = 0, bn = 0;
  bool mono = false, boot = false;
  for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    char clock[32];
    long long s, ns;
    if (sscanf(l, "%31s %lld %lld", clock, &s, &ns) != 3)
      continue;
    /* the clock may be shown by name or by its clockid number (1, 7) */
    if (!strcmp(clock, "monotonic") || !strcmp(clock, "1")) {
      mono = true;
      ms = s;
      mn = ns;
    } else if (!strcmp(clock, "boottime") || !strcmp(clock, "7")) {
      boot = true;
      bs = s;
      bn = ns;
    }
  }
  if (!mono || !boot) {
    verdict(out, req, false, expected, "timens_offsets unreadable: %.200s", text ? text : "(none)");
    return;
  }
  verdict(out, req, ms == e->mono_s && mn == e->mono_ns && bs == e->boot_s && bn == e->boot_ns,
          expected, "monotonic %lld %lld, boottime %lld %lld", ms, mn, bs, bn);
}

void nsc_stage_check_pidns(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                           struct nsc_verdicts *out)
{
  const char *at = AT_PIDNS;
  static const struct {
    enum ns_type t;
    enum nsc_stage_link own, children;
  } kinds[] = {{NS_PID, NSC_LINK_PID, NSC_LINK_PID_FC}, {NS_TIME, NSC_LINK_TIME, NSC_LINK_TIME_FC}};
  struct ns_want stay[2];
  size_t n_stay = 0;
  for (size_t k = 0; k < 2; k++) {
    enum ns_type t = kinds[k].t;
    if (e->ns[t] == NSC_STAGE_NS_NEW && t == NS_PID && !p->ns[NSC_LINK_PID_FC][0]) {
      /* A pid namespace nobody lives in yet has no pid_for_children link
       * (the kernel shows one from its first process on); a runtime that
       * made none would show its own. */
      char expected[200];
      snprintf(expected, sizeof(expected), "%s: pid_for_children not %s (new)", at,
               e->self[NSC_LINK_PID]);
      verdict(out, REQ("config-linux.namespaces.new"), true, expected,
              "pid_for_children has no link yet: a new pid namespace without a process");
    } else if (e->ns[t] == NSC_STAGE_NS_NEW) {
      struct ns_want w = {kinds[k].children, e->self[kinds[k].own], true, "new"};
      check_links(at, REQ("config-linux.namespaces.new"), &w, 1, p, out);
    } else if (e->ns[t] == NSC_STAGE_NS_JOIN) {
      struct ns_want w = {kinds[k].children, e->target[t], false, "joined"};
      check_links(at, REQ("config-linux.namespaces.path-join"), &w, 1, p, out);
    } else {
      struct ns_want w = {kinds[k].children, e->self[kinds[k].children], false, "the runtime's"};
      check_links(at, REQ("config-linux.namespaces.absent-inherit"), &w, 1, p, out);
    }
    stay[n_stay++] = (struct ns_want){kinds[k].own, e->self[kinds[k].own], false, "the runtime's"};
  }
  /* unshare and setns of pid and time namespaces change only the children's */
  check_links(at, REQ("robust.stage.ns-order"), stay, n_stay, p, out);
  if (e->ns[NS_TIME] == NSC_STAGE_NS_NEW && e->time_offsets)
    check_offsets(at, e, p->timens_offsets, out);
}

static void check_init_namespaces(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                                  struct nsc_verdicts *out)
{
  const char *at = AT_INIT;
  for (int t = 0; t < NS_COUNT; t++) {
    enum nsc_stage_link l = own_link[t];
    if (e->ns[t] == NSC_STAGE_NS_NEW) {
      struct ns_want w = {l, e->self[l], true, "new"};
      check_links(at, REQ("config-linux.namespaces.new"), &w, 1, p, out);
    } else if (e->ns[t] == NSC_STAGE_NS_JOIN) {
      struct ns_want w = {l, e->target[t], false, "joined"};
      check_links(at, REQ("config-linux.namespaces.path-join"), &w, 1, p, out);
    } else {
      struct ns_want w = {l, e->self[l], false, "the runtime's"};
      check_links(at, REQ("config-linux.namespaces.absent-inherit"), &w, 1, p, out);
    }
  }
  if (e->ns[NS_PID] == NSC_STAGE_NS_NEW) {
    long long nspid[4];
    int levels = nsc_stage_field_numbers(p->status, "NSpid", 10, nspid, 4);
    char expected[160];
    snprintf(expected, sizeof(expected), "%s: NSpid %d 1 (pid 1 of the new pid namespace)", at,
             (int)p->pid);
    char val[100], raw[128] = "(no NSpid line)";
    if (p->status && nsc_stage_text_field(p->status, "NSpid", val, sizeof(val)))
      snprintf(raw, sizeof(raw), "NSpid %s", val);
    verdict(out, REQ("config-linux.namespaces.new"),
            levels == 2 && nspid[0] == p->pid && nspid[1] == 1, expected, "%s", raw);
  }
}

static void check_groups(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                         struct nsc_verdicts *out)
{
  const char *req = REQ("config.user.additional-gids");
  if (e->n_groups == 0)
    return;
  long long got[NSC_STAGE_MAX_GROUPS + 8];
  char buf[512] = "";
  bool have = p->status && nsc_stage_text_field(p->status, "Groups", buf, sizeof(buf));
  int n =
      have ? nsc_stage_field_numbers(p->status, "Groups", 10, got, NSC_STAGE_MAX_GROUPS + 8) : -1;
  if (have && buf[0] == '\0')
    n = 0;
  char expected[512];
  size_t eo = (size_t)snprintf(expected, sizeof(expected), "%s: Groups holds", AT_INIT);
  bool ok = n >= 0;
  for (size_t i = 0; i < e->n_groups; i++) {
    if (eo < sizeof(expected))
      eo += (size_t)snprintf(expected + eo, sizeof(expected) - eo, " %lld", e->groups[i]);
    bool found = false;
    for (int k = 0; k < n; k++)
      found = found || got[k] == e->groups[i];
    ok = ok && found;
  }
  if (eo < sizeof(expected))
    snprintf(expected + eo, sizeof(expected) - eo, " (host view)");
  verdict(out, req, ok, expected, "Groups %s", have ? (buf[0] ? buf : "(none)") : "(no line)");
}

static void check_caps(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                       struct nsc_verdicts *out)
{
  static const char *const keys[5] = {"CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"};
  const char *const reqs[5] = {
      REQ("config.capabilities.effective"),   REQ("config.capabilities.permitted"),
      REQ("config.capabilities.inheritable"), REQ("config.capabilities.bounding"),
      REQ("config.capabilities.ambient"),
  };
  if (!e->have_caps)
    return;
  int last = cap_last_kernel();
  uint64_t valid = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
  for (int s = 0; s < 5; s++) {
    if (s == 4 && !e->ambient_raisable) {
      skip(out, reqs[s],
           "%s: ambient capabilities outside permitted and inheritable cannot be raised", AT_INIT);
      continue;
    }
    char expected[160], got[64] = "";
    snprintf(expected, sizeof(expected), "%s: %s %016llx (exactly the config's set)", AT_INIT,
             keys[s], (unsigned long long)e->caps[s]);
    bool have = p->status && nsc_stage_text_field(p->status, keys[s], got, sizeof(got));
    unsigned long long v = have ? strtoull(got, NULL, 16) : 0;
    verdict(out, reqs[s], have && (v & valid) == e->caps[s], expected, "%s %s", keys[s],
            have ? got : "(no line)");
  }
}

static void check_fds(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                      struct nsc_verdicts *out)
{
  char expected[200], actual[1024] = "";
  snprintf(expected, sizeof(expected),
           "%s: every fd but 0-2%s has FD_CLOEXEC, so none reaches the program", AT_INIT,
           e->preserve_fds ? " and the preserved ones" : "");
  size_t ao = 0;
  bool ok = true;
  for (size_t i = 0; i < p->n_fds; i++) {
    const struct nsc_stage_fd *f = &p->fds[i];
    if (f->fd < 3 + e->preserve_fds)
      continue;
    unsigned long flags = 0;
    bool known = nsc_stage_fdinfo_flags(f->fdinfo, &flags);
    bool cloexec = known && (flags & O_CLOEXEC);
    if (cloexec)
      continue;
    ok = false;
    if (ao < sizeof(actual))
      ao += (size_t)snprintf(actual + ao, sizeof(actual) - ao, "%sfd %d -> %s %s", ao ? "; " : "",
                             f->fd, f->target, known ? "without FD_CLOEXEC" : "(no fdinfo flags)");
  }
  if (ok)
    snprintf(actual, sizeof(actual), "%zu fds, every one >= %d close-on-exec", p->n_fds,
             3 + e->preserve_fds);
  verdict(out, REQ("runtime-linux.file-descriptors.default"), ok, expected, "%s", actual);
}

static bool mount_explained(const struct nsc_stage_expect *e, const char *point)
{
  for (size_t i = 0; i < e->n_mount_ok; i++) {
    const struct nsc_stage_mount_ok *m = &e->mount_ok[i];
    size_t len = strlen(m->path);
    if (strcmp(point, m->path) == 0)
      return true;
    if (m->sub && strncmp(point, m->path, len) == 0 && (point[len] == '/' || m->path[1] == '\0'))
      return true;
  }
  return false;
}

static void check_mounts(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                         struct nsc_verdicts *out)
{
  const char *req = REQ("robust.stage.no-host-mounts");
  if (e->ns[NS_MOUNT] != NSC_STAGE_NS_NEW) {
    skip(out, req, "%s: the container has no mount namespace of its own", AT_INIT);
    return;
  }
  char expected[160];
  snprintf(expected, sizeof(expected),
           "%s: only mounts the config explains (root, its mounts, masked and readonly paths, "
           "default devices)",
           AT_INIT);
  if (!p->mountinfo) {
    verdict(out, req, false, expected, "mountinfo unreadable");
    return;
  }
  char actual[1024] = "";
  size_t ao = 0;
  bool ok = true;
  int count = 0;
  char *copy = strdup(p->mountinfo);
  char *save = NULL;
  for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
       line = strtok_r(NULL, "\n", &save)) {
    /* id parent major:minor root mount_point ... */
    char point[PATH_MAX];
    if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
      continue;
    nsc_stage_unescape(point);
    count++;
    if (mount_explained(e, point))
      continue;
    ok = false;
    if (ao < sizeof(actual))
      ao += (size_t)snprintf(actual + ao, sizeof(actual) - ao, "%s%s",
                             ao ? ", " : "not explained: ", point);
  }
  free(copy);
  if (ok)
    snprintf(actual, sizeof(actual), "%d mounts, all explained by the config", count);
  verdict(out, req, ok && count > 0, expected, "%s", actual);
}

void nsc_stage_check_init(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                          struct nsc_verdicts *out)
{
  const char *at = AT_INIT;
  check_init_namespaces(e, p, out);
  check_ids(at, REQ("config.user.uid"), "Uid", e->uid, p->status, out);
  check_ids(at, REQ("config.user.gid"), "Gid", e->gid, p->status, out);
  check_groups(e, p, out);
  check_caps(e, p, out);

  long long v[1];
  char expected[160];
  snprintf(expected, sizeof(expected), "%s: NoNewPrivs %d", at, e->nnp);
  int n = nsc_stage_field_numbers(p->status, "NoNewPrivs", 10, v, 1);
  verdict(out, REQ("config.linux-process.no-new-privileges"), n == 1 && v[0] == e->nnp, expected,
          "NoNewPrivs %lld", n == 1 ? v[0] : -1LL);
  if (e->seccomp) {
    snprintf(expected, sizeof(expected), "%s: Seccomp 2 (filter mode)", at);
    n = nsc_stage_field_numbers(p->status, "Seccomp", 10, v, 1);
    verdict(out, REQ("config-linux.seccomp.installed"), n == 1 && v[0] == 2, expected,
            "Seccomp %lld", n == 1 ? v[0] : -1LL);
  }
  check_fds(e, p, out);

  if (e->cwd_known && p->cwd_known) {
    snprintf(expected, sizeof(expected), "%s: cwd is %.64s of the rootfs (%lu:%lu)", at, e->cwd,
             (unsigned long)e->cwd_dev, (unsigned long)e->cwd_ino);
    verdict(out, REQ("config.process.cwd-applied"),
            e->cwd_dev == p->cwd_dev && e->cwd_ino == p->cwd_ino, expected, "cwd is %lu:%lu",
            (unsigned long)p->cwd_dev, (unsigned long)p->cwd_ino);
  } else {
    skip(out, REQ("config.process.cwd-applied"), "%s: %s", at,
         !e->cwd_known ? e->cwd_skip : "/proc/PID/cwd could not be stat'ed");
  }
  if (e->root_known && p->root_known) {
    snprintf(expected, sizeof(expected), "%s: root is root.path (%lu:%lu)", at,
             (unsigned long)e->root_dev, (unsigned long)e->root_ino);
    verdict(out, REQ("robust.stage.root"), e->root_dev == p->root_dev && e->root_ino == p->root_ino,
            expected, "root is %lu:%lu", (unsigned long)p->root_dev, (unsigned long)p->root_ino);
  } else {
    skip(out, REQ("robust.stage.root"), "%s: %s", at,
         !e->root_known ? "root.path is not an existing absolute path"
                        : "/proc/PID/root could not be stat'ed");
  }
  check_mounts(e, p, out);
  check_dumpable(at, e->uid, p, out);
}
