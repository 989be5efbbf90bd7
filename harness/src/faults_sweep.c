/* The white-box sweep: base specs, the points each reaches, one case per
 * reached point and action, and the table of verdicts (faults.h). */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "faults.h"
#include "gen.h"
#include "runtime.h"

/* The sync timeout of the cases that do not wait out a deadline: long
 * enough for a loaded machine, short enough that a lost message costs
 * little. */
#define SYNC_TIMEOUT_NORMAL_MS 2000

/* ---- base specs ------------------------------------------------------------- */

/* Every kind of state the pipeline sets up: a new user namespace with its
 * maps, every other namespace new, rlimits, all five capability sets, a
 * non-root user with groups, seccomp, hooks of every kind, masked and
 * readonly paths, a readonly root, sysctl, oomScoreAdj, NNP. */
static const char base_full[] =
    "{\"ociVersion\": \"1.2.0\","
    " \"annotations\": {\"io.nsconform.case\": \"f-base-full\"},"
    " \"hostname\": \"nsc-faults\", \"domainname\": \"nsc-faults.example\","
    " \"root\": {\"path\": \"" GEN_ROOT_PLACEHOLDER "\", \"readonly\": true},"
    " \"process\": {\"args\": [\"/nsprobe\", \"--wait\", \"--seccomp-probe\", \"mkdir\","
    "   \"--sysctl\", \"net.ipv4.ip_forward\"],"
    "  \"cwd\": \"/tmp\", \"env\": [\"PATH=/usr/bin:/bin\", \"NSC_FAULTS=1\"],"
    "  \"noNewPrivileges\": true, \"oomScoreAdj\": 100,"
    "  \"user\": {\"uid\": 1000, \"gid\": 1000, \"additionalGids\": [1001, 1002], \"umask\": 18},"
    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 512, \"hard\": 1024},"
    "               {\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0}],"
    "  \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\", "
    "\"CAP_AUDIT_WRITE\"],"
    "   \"effective\": [\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
    "   \"permitted\": [\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
    "   \"inheritable\": [\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
    "   \"ambient\": [\"CAP_NET_BIND_SERVICE\"]}},"
    " \"mounts\": ["
    "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
    "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
    "   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"]},"
    "  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
    "  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
    "  {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"nodev\", \"mode=1777\"]}],"
    " \"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}],"
    "  \"createRuntime\": [{\"path\": \"/bin/true\"}],"
    "  \"createContainer\": [{\"path\": \"/bin/true\"}],"
    "  \"startContainer\": [{\"path\": \"/bin/true\"}],"
    "  \"poststart\": [{\"path\": \"/bin/true\"}],"
    "  \"poststop\": [{\"path\": \"/bin/true\"}]},"
    " \"linux\": {"
    "  \"namespaces\": [{\"type\": \"user\"}, {\"type\": \"pid\"}, {\"type\": \"mount\"},"
    "   {\"type\": \"network\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"cgroup\"},"
    "   {\"type\": \"time\"}],"
    "  \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
    "  \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
    "  \"timeOffsets\": {\"monotonic\": {\"secs\": 3600, \"nanosecs\": 0},"
    "   \"boottime\": {\"secs\": 7200, \"nanosecs\": 0}},"
    "  \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"},"
    "  \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\","
    "   \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]},"
    "  \"maskedPaths\": [\"/proc/keys\", \"/proc/timer_list\"],"
    "  \"readonlyPaths\": [\"/proc/sys\", \"/proc/irq\"],"
    "  \"rootfsPropagation\": \"private\"}}";

/* Every namespace but mount joined by path (the driver's holder keeps
 * them): the setns steps of the intermediate. */
static const char base_join[] =
    "{\"ociVersion\": \"1.2.0\","
    " \"annotations\": {\"io.nsconform.case\": \"f-base-join\"},"
    " \"hostname\": \"nsc-join\","
    " \"root\": {\"path\": \"" GEN_ROOT_PLACEHOLDER "\"},"
    " \"process\": {\"args\": [\"/nsprobe\", \"--wait\"], \"cwd\": \"/\","
    "  \"env\": [\"PATH=/usr/bin:/bin\"], \"user\": {\"uid\": 0, \"gid\": 0}},"
    /* /dev as a tmpfs: in a joined user namespace the runtime may not
     * create the default devices' mount points in the host-owned rootfs */
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
    "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
    "   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"]}],"
    " \"linux\": {\"namespaces\": ["
    "  {\"type\": \"user\", \"path\": \"" GEN_HOLDER_PREFIX "user\"},"
    "  {\"type\": \"pid\", \"path\": \"" GEN_HOLDER_PREFIX "pid\"},"
    "  {\"type\": \"mount\"},"
    "  {\"type\": \"uts\", \"path\": \"" GEN_HOLDER_PREFIX "uts\"},"
    "  {\"type\": \"ipc\", \"path\": \"" GEN_HOLDER_PREFIX "ipc\"},"
    "  {\"type\": \"network\", \"path\": \"" GEN_HOLDER_PREFIX "network\"},"
    "  {\"type\": \"cgroup\", \"path\": \"" GEN_HOLDER_PREFIX "cgroup\"},"
    "  {\"type\": \"time\", \"path\": \"" GEN_HOLDER_PREFIX "time\"}]}}";

/* No user namespace, no hooks: the plain pipeline as root, with the
 * process attributes main sets before the clone (scheduler, I/O priority)
 * and the init's memory policy. */
static const char base_plain[] =
    "{\"ociVersion\": \"1.2.0\","
    " \"annotations\": {\"io.nsconform.case\": \"f-base-plain\"},"
    " \"root\": {\"path\": \"" GEN_ROOT_PLACEHOLDER "\"},"
    " \"process\": {\"args\": [\"/nsprobe\", \"--wait\"], \"cwd\": \"/\","
    "  \"env\": [\"PATH=/usr/bin:/bin\"], \"user\": {\"uid\": 0, \"gid\": 0},"
    "  \"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": 5},"
    "  \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 4}},"
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}],"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"},"
    "  {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"network\"}],"
    "  \"memoryPolicy\": {\"mode\": \"MPOL_LOCAL\"}}}";

static const struct {
  const char *name, *text, *probe_syscall, *title;
  bool force; /* the running container is removed with delete --force */
} bases[] = {
    {"full", base_full, "mkdir",
     "base spec full (user ns, every ns new, hooks, seccomp, caps...): the points it reaches",
     false},
    {"join", base_join, NULL, "base spec join (namespaces joined by path): the points it reaches",
     false},
    {"plain", base_plain, NULL, "base spec plain (no user ns, root): the points it reaches", false},
    {"force", base_full, "mkdir",
     "base spec full removed while running with delete --force: the points it reaches", true},
};
#define N_BASES (sizeof(bases) / sizeof(bases[0]))

/* ---- the runtime's points ------------------------------------------------------ */

int nsc_fault_list_points(const char *runtime, json_t **out, struct nsrt_err *err)
{
  *out = NULL;
  struct nsc_runtime rt = {0};
  snprintf(rt.path, sizeof(rt.path), "%s", runtime);
  snprintf(rt.root, sizeof(rt.root), "/tmp/nscf.%d.points", getpid());
  rt.timeout_ms = 10000;
  /* `failpoints` needs no state root: run the binary directly */
  struct nsc_exec r;
  struct nsc_exec_opts o = {.stdout_fd = -1};
  const char *argv[] = {"failpoints", "--json", NULL};
  nsc_runtime_exec(&rt, &o, &r, argv);
  rmdir(rt.root); /* in case the runtime made it */
  json_t *doc = r.status == 0 && r.out ? json_loads(r.out, 0, NULL) : NULL;
  int status = r.status;
  nsc_exec_free(&r);
  if (!json_is_array(doc) || json_array_size(doc) == 0) {
    json_decref(doc);
    return nsrt_fail_at(err, "faults", ENOTSUP, "failpoints",
                        "`%s failpoints --json` exited %d without a list of points", runtime,
                        status);
  }
  *out = doc;
  return 0;
}

/* A point of the same name declared at two places is listed twice; it is
 * one point to arm. */
static bool listed_before(const json_t *points, size_t i, const char *name)
{
  for (size_t j = 0; j < i; j++)
    if (!strcmp(json_string_value(json_object_get(json_array_get(points, j), "name")) ?: "", name))
      return true;
  return false;
}

/* ---- cases -------------------------------------------------------------------- */

static int fill_case(struct nsc_case *c, const char *id, json_t *config, const char *title,
                     const char *probe_syscall, json_t *plan, struct nsrt_err *err)
{
  memset(c, 0, sizeof(*c));
  snprintf(c->id, sizeof(c->id), "%s", id);
  c->kind = NSC_CASE_FAULT;
  c->config = config;
  c->fault = plan;
  c->title = strdup(title);
  c->probe_syscall = probe_syscall ? strdup(probe_syscall) : NULL;
  if (!config || !plan || !c->title || (probe_syscall && !c->probe_syscall))
    return nsrt_fail_at(err, "faults", ENOMEM, "cases", "case %s", id);
  return 0;
}

static void free_cases(struct nsc_case *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    nsc_case_free(&v[i]);
  free(v);
}

int nsc_fault_base_cases(const json_t *points, struct nsc_case **out, size_t *n,
                         struct nsrt_err *err)
{
  *out = calloc(N_BASES, sizeof(**out));
  *n = 0;
  if (!*out)
    return nsrt_fail_at(err, "faults", ENOMEM, "bases", NULL);
  for (size_t b = 0; b < N_BASES; b++) {
    json_error_t jerr;
    json_t *config = json_loads(bases[b].text, 0, &jerr);
    if (!config) {
      free_cases(*out, *n);
      *out = NULL;
      return nsrt_fail_at(err, "faults", EINVAL, "bases", "base spec %s: %s", bases[b].name,
                          jerr.text);
    }
    json_t *steps = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(points, i, p)
    {
      const char *name = json_string_value(json_object_get(p, "name"));
      if (name && !listed_before(points, i, name))
        json_array_append_new(
            steps, json_pack("{s:s,s:s,s:i}", "point", name, "action", "sleep", "arg", 0));
    }
    json_t *plan = json_pack("{s:s,s:s,s:b,s:o,s:i,s:i}", "kind", "failpoint", "spec",
                             bases[b].name, "discover", 1, "steps", steps, "sync_timeout_ms",
                             SYNC_TIMEOUT_NORMAL_MS, "seed", 0);
    if (bases[b].force)
      json_object_set_new(plan, "delete", json_string("force"));
    char id[64];
    snprintf(id, sizeof(id), "f-base-%s", bases[b].name);
    if (fill_case(&(*out)[b], id, config, bases[b].title, bases[b].probe_syscall, plan, err) < 0) {
      free_cases(*out, b + 1);
      *out = NULL;
      return -1;
    }
    *n = b + 1;
  }
  return 0;
}

json_t *nsc_fault_action_arg(const char *kind, const char *action, int sync_timeout_ms)
{
  if (!strcmp(action, "err")) {
    const char *e = !strcmp(kind, "clone")  ? "EAGAIN"
                    : !strcmp(kind, "send") ? "EPIPE"
                    : !strcmp(kind, "recv") ? "ECONNRESET"
                                            : "EIO";
    return json_string(e);
  }
  if (!strcmp(action, "exit"))
    return json_integer(3);
  if (!strcmp(action, "sleep"))
    /* past main's wait (1.5 x the timeout) with a margin */
    return json_integer(2 * sync_timeout_ms);
  if (!strcmp(action, "short"))
    return json_integer(3);
  if (!strcmp(action, "corrupt"))
    return json_integer(0);
  return NULL;
}

/* Does the comma list hold word? */
static bool list_has(const char *list, const char *word)
{
  size_t n = strlen(word);
  for (const char *p = list; p && *p;) {
    size_t len = strcspn(p, ",");
    if (len == n && strncmp(p, word, n) == 0)
      return true;
    p += len;
    if (*p)
      p++;
  }
  return false;
}

/* Does name match one of the comma-separated globs? */
static bool matches_any(const char *globs, const char *name)
{
  for (const char *p = globs; *p;) {
    size_t len = strcspn(p, ",");
    char glob[256];
    snprintf(glob, sizeof(glob), "%.*s", (int)len, p);
    if (len && fnmatch(glob, name, 0) == 0)
      return true;
    p += len;
    if (*p)
      p++;
  }
  return false;
}

static const char *const command_order[] = NSC_FAULT_COMMANDS;
#define N_CMDS (sizeof(command_order) / sizeof(command_order[0]))

/* Which commands of a base run reached point (a bit per command_order). */
static unsigned reached_in(const struct nsc_result *r, const char *point)
{
  unsigned mask = 0;
  size_t i;
  json_t *h;
  json_array_foreach(json_object_get(r->fault, "hits"), i, h)
  {
    const char *p = json_string_value(json_object_get(h, "point"));
    const char *cmd = json_string_value(json_object_get(h, "command"));
    if (!p || !cmd || strcmp(p, point) != 0)
      continue;
    for (size_t k = 0; k < N_CMDS; k++)
      if (!strcmp(cmd, command_order[k]))
        mask |= 1u << k;
  }
  return mask;
}

static bool ends_with_error(const char *point)
{
  size_t n = strlen(point);
  return n > 11 && strcmp(point + n - 11, ".send.ERROR") == 0;
}

static json_t *bugs_array(const char *bugs)
{
  json_t *a = json_array();
  for (const char *p = bugs; p && *p;) {
    size_t len = strcspn(p, ",");
    if (len) {
      char name[128];
      snprintf(name, sizeof(name), "%.*s", (int)len, p);
      json_array_append_new(a, json_string(name));
    }
    p += len;
    if (*p)
      p++;
  }
  return a;
}

/* For chan.<stage>.send.ERROR, reached only on an error path: the first
 * step point of <stage> that a base reaches in create (*trigger), and that
 * base's index; n_bases when there is none. */
static size_t error_path(const json_t *points, const char *point, const struct nsc_result *results,
                         size_t n_bases, const char **trigger)
{
  *trigger = NULL;
  char stage[64];
  if (sscanf(point, "chan.%63[^.].send.ERROR", stage) != 1 || !ends_with_error(point))
    return n_bases;
  size_t len = strlen(stage);
  for (size_t b = 0; b < n_bases; b++) {
    size_t i;
    json_t *p;
    json_array_foreach(points, i, p)
    {
      const char *name = json_string_value(json_object_get(p, "name"));
      const char *kind = json_string_value(json_object_get(p, "kind"));
      if (name && kind && !strcmp(kind, "step") && !strncmp(name, stage, len) && name[len] == '.' &&
          (reached_in(&results[b], name) & 1u)) {
        *trigger = name;
        return b;
      }
    }
  }
  return n_bases;
}

int nsc_fault_sweep_cases(const json_t *points, const struct nsc_case *base_cases,
                          const struct nsc_result *results, size_t n_bases,
                          const struct nsc_sweep_opts *o, struct nsc_case **out, size_t *n_out,
                          struct nsrt_err *err)
{
  size_t cap = 64, n = 0;
  struct nsc_case *v = calloc(cap, sizeof(*v));
  if (!v)
    return nsrt_fail_at(err, "faults", ENOMEM, "sweep", NULL);
  int short_ms = o && o->sync_timeout_ms > 0 ? o->sync_timeout_ms : 200;
  size_t i;
  json_t *p;
  json_array_foreach(points, i, p)
  {
    const char *point = json_string_value(json_object_get(p, "name"));
    const char *kind = json_string_value(json_object_get(p, "kind"));
    if (!point || !kind || listed_before(points, i, point))
      continue;
    if (o && o->points_glob && !matches_any(o->points_glob, point))
      continue;
    size_t b;
    unsigned mask = 0;
    for (b = 0; b < n_bases; b++)
      if ((mask = reached_in(&results[b], point)) != 0)
        break;
    /* An error report is sent only on an error path: open one with a
     * failing step of the same stage first. */
    const char *trigger = NULL;
    if (!mask)
      b = error_path(points, point, results, n_bases, &trigger);
    if (!mask && !trigger)
      continue;
    if (trigger)
      mask = 1u; /* create */
    const char *spec = json_string_value(json_object_get(base_cases[b].fault, "spec"));
    bool first_cmd = true;
    for (size_t k = 0; k < N_CMDS; k++) {
      if (!(mask & (1u << k)))
        continue;
      size_t j;
      json_t *a;
      json_array_foreach(json_object_get(p, "actions"), j, a)
      {
        const char *action = json_string_value(a);
        if (!action || !strcmp(action, "off") || !strcmp(action, "pause"))
          continue;
        if (o && o->actions && !list_has(o->actions, action))
          continue;
        bool waits = !strcmp(action, "sleep") || !strcmp(action, "drop");
        int sync = waits ? short_ms : SYNC_TIMEOUT_NORMAL_MS;
        json_t *step = json_pack("{s:s,s:s}", "point", point, "action", action);
        json_t *arg = nsc_fault_action_arg(kind, action, short_ms);
        if (arg)
          json_object_set_new(step, "arg", arg);
        json_t *steps = json_array();
        if (trigger)
          json_array_append_new(steps, json_pack("{s:s,s:s,s:s,s:s}", "point", trigger, "action",
                                                 "err", "arg", "EIO", "role", "trigger"));
        json_array_append_new(steps, step);
        json_t *plan = json_pack("{s:s,s:s,s:o,s:i,s:i,s:[s]}", "kind", "failpoint", "spec",
                                 spec ? spec : "", "steps", steps, "sync_timeout_ms", sync, "seed",
                                 0, "commands", command_order[k]);
        if (o && o->bugs && *o->bugs)
          json_object_set_new(plan, "bugs", bugs_array(o->bugs));
        json_t *flow = json_object_get(base_cases[b].fault, "delete");
        if (flow)
          json_object_set(plan, "delete", flow);
        char id[64], title[256], argtext[32] = "";
        snprintf(id, sizeof(id), "f-%s-%s%s%s", point, action, first_cmd ? "" : "-",
                 first_cmd ? "" : command_order[k]);
        if (arg)
          snprintf(argtext, sizeof(argtext), "(%s)",
                   json_is_string(arg) ? json_string_value(arg) : "");
        if (json_is_integer(arg))
          snprintf(argtext, sizeof(argtext), "(%lld)", (long long)json_integer_value(arg));
        snprintf(title, sizeof(title), "%s=%s%s%s%s%s in %s (spec %s)", point, action, argtext,
                 trigger ? " after " : "", trigger ? trigger : "", trigger ? "=err(EIO)" : "",
                 command_order[k], spec ? spec : "?");
        if (n == cap) {
          struct nsc_case *nv = realloc(v, 2 * cap * sizeof(*v));
          if (!nv) {
            json_decref(plan);
            free_cases(v, n);
            return nsrt_fail_at(err, "faults", ENOMEM, "sweep", NULL);
          }
          memset(nv + cap, 0, cap * sizeof(*v));
          v = nv;
          cap *= 2;
        }
        if (fill_case(&v[n], id, json_deep_copy(base_cases[b].config), title,
                      base_cases[b].probe_syscall, plan, err) < 0) {
          free_cases(v, n + 1);
          return -1;
        }
        v[n].seed = 0;
        n++;
      }
      first_cmd = false;
    }
  }
  *out = v;
  *n_out = n;
  return 0;
}

/* ---- the table --------------------------------------------------------------- */

static const char *const white_actions[] = {"err",     "exit", "kill", "sleep", "short",
                                            "corrupt", "drop", "dup",  NULL};
/* the seccomp supervisor's actions (blackbox.h) */
static const char *const black_actions[] = {"errno", "kill", "delay", "short", "corrupt", NULL};

/* The row of a one-step plan: the failpoint, or for a seccomp step
 * "<command> <target>#<n>".  False when the case has no such step. */
static bool table_row(const json_t *fault, char *row, size_t len, const char **action)
{
  json_t *steps = json_object_get(fault, "steps");
  json_t *first = json_array_get(steps, 0);
  bool triggered = json_array_size(steps) == 2 &&
                   !strcmp(json_string_value(json_object_get(first, "role")) ?: "", "trigger");
  if (json_array_size(steps) != 1 && !triggered)
    return false;
  /* a trigger only opens the error path: the row is the step after it */
  json_t *s = json_array_get(steps, triggered ? 1 : 0);
  *action = json_string_value(json_object_get(s, "action"));
  const char *point = json_string_value(json_object_get(s, "point"));
  const char *target = json_string_value(json_object_get(s, "target"));
  if (!*action || (!point && !target))
    return false;
  if (point)
    snprintf(row, len, "%s", point);
  else
    snprintf(row, len, "%s %s#%lld",
             json_string_value(json_array_get(json_object_get(fault, "commands"), 0)) ?: "any",
             target, (long long)json_integer_value(json_object_get(s, "nth")));
  return true;
}

enum cell { CELL_NONE, CELL_PASS, CELL_WARN, CELL_FAIL };

static enum cell case_cell(const json_t *c)
{
  enum cell worst = CELL_PASS;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(c, "verdicts"), i, v)
  {
    if (strcmp(json_string_value(json_object_get(v, "verdict")) ?: "", "FAIL") != 0)
      continue;
    const char *level = json_string_value(json_object_get(v, "level"));
    bool must = !level || !strncmp(level, "MUST", 4);
    if (must)
      return CELL_FAIL;
    worst = CELL_WARN;
  }
  if (json_array_size(json_object_get(c, "leaks")))
    return CELL_FAIL;
  return worst;
}

size_t nsc_fault_table(FILE *f, const json_t *results)
{
  /* rows in the order the cases come (sorted by id: by point) */
  json_t *rows = json_object();
  json_t *order = json_array();
  const char *const *actions = white_actions;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(results, "cases"), i, c)
  {
    if (strcmp(json_string_value(json_object_get(c, "kind")) ?: "", "fault") != 0)
      continue;
    json_t *fault = json_object_get(c, "fault");
    if (json_is_true(json_object_get(fault, "discover")))
      continue;
    char point[256];
    const char *action;
    if (!table_row(fault, point, sizeof(point), &action))
      continue;
    if (!strcmp(json_string_value(json_object_get(fault, "kind")) ?: "", "seccomp"))
      actions = black_actions;
    json_t *row = json_object_get(rows, point);
    if (!row) {
      row = json_object();
      json_object_set_new(rows, point, row);
      json_array_append_new(order, json_string(point));
    }
    enum cell cell = case_cell(c);
    json_t *old = json_object_get(row, action);
    if (!old || json_integer_value(old) < cell)
      json_object_set_new(row, action, json_integer(cell));
  }
  size_t width = 5;
  json_array_foreach(order, i, c)
  {
    size_t len = strlen(json_string_value(c));
    if (len > width)
      width = len;
  }
  fprintf(f, "%-*s", (int)width, "point");
  for (size_t a = 0; actions[a]; a++)
    fprintf(f, " %-7s", actions[a]);
  fputc('\n', f);
  size_t failed = 0;
  json_array_foreach(order, i, c)
  {
    const char *point = json_string_value(c);
    json_t *row = json_object_get(rows, point);
    fprintf(f, "%-*s", (int)width, point);
    for (size_t a = 0; actions[a]; a++) {
      json_t *cell = json_object_get(row, actions[a]);
      const char *text = "-";
      switch (cell ? (enum cell)json_integer_value(cell) : CELL_NONE) {
      case CELL_PASS:
        text = "PASS";
        break;
      case CELL_WARN:
        text = "warn";
        break;
      case CELL_FAIL:
        text = "FAIL";
        failed++;
        break;
      default:
        break;
      }
      fprintf(f, " %-7s", text);
    }
    fputc('\n', f);
  }
  json_decref(rows);
  json_decref(order);
  return failed;
}
