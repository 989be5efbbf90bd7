/* The recording hook and the case that records every kind: config.md
 * "POSIX-platform Hooks" and the hook steps of runtime.md "Lifecycle".
 * Faults (timeouts, failing hooks, refused configs) are in
 * lifecycle_hook_faults.c.
 *
 * The recording hook is a shell script.  Each call leaves files named
 * <kind>.<index>.* in a record directory: the state read on stdin, its argv
 * and environ as the kernel holds them, its own namespaces and root, its
 * parent's mount namespace, and what it saw of the process the state's pid
 * names.  Hooks of the runtime's namespaces write <bundle>/rec directly; the
 * container sees that directory at /run (a bind mount), which is also where
 * the startContainer hook's path resolves: a path that exists only inside
 * the container.  The other hooks use <bundle>/nsc-hook.sh, a path that
 * exists only outside.  Every hook, and the harness around each operation,
 * appends a line to rec/log, so the order of events is one file. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver_int.h"
#include "lifecycle_hooks.h"
#include "lifecycle_int.h"
#include "observe.h"
#include "requirements.h"

#define HOOK_SCRIPT "nsc-hook.sh"

const char nsc_lc_hook_script[] =
    "#!/bin/sh\n"
    "# nsconform recording hook: $1 kind, $2 index; NSC_REC is where to write.\n"
    "# Further arguments are a command that fails once the runtime no longer\n"
    "# knows the container (poststop).\n"
    "k=\"$1.$2\"\n"
    "r=\"$NSC_REC\"\n"
    "echo \"$k begin\" >>\"$r/log\"\n"
    "cat >\"$r/$k.state\"\n"
    "# Our pid and our parent's as this /proc numbers them: before pivot_root a\n"
    "# hook in the container's pid namespace still sees the host's /proc.\n"
    "read -r me comm st ppid rest </proc/self/stat\n"
    "cat /proc/$me/cmdline >\"$r/$k.argv\"\n"
    "cat /proc/$me/environ >\"$r/$k.env\"\n"
    "cat /proc/$me/mountinfo >\"$r/$k.mountinfo\"\n"
    "pid=$(sed -n 's/.*\"pid\"[^0-9]*\\([0-9][0-9]*\\).*/\\1/p' \"$r/$k.state\" | head -n 1)\n"
    "how=state\n"
    "if [ -z \"$pid\" ]; then\n"
    "  # No pid in the state: the runtime's other child, in another mount namespace.\n"
    "  how=children\n"
    "  for c in $(cat /proc/$ppid/task/*/children); do\n"
    "    if [ \"$c\" != \"$me\" ] &&\n"
    "      [ \"$(readlink /proc/$c/ns/mnt)\" != \"$(readlink /proc/$me/ns/mnt)\" ]; then\n"
    "      pid=$c\n"
    "    fi\n"
    "  done\n"
    "fi\n"
    "{\n"
    "  echo \"root $(stat -L -c %d:%i /)\"\n"
    "  for n in mnt pid ipc uts net user cgroup time; do\n"
    "    echo \"ns.$n $(readlink /proc/$me/ns/$n)\"\n"
    "  done\n"
    "  echo \"parent.mnt $(readlink /proc/$ppid/ns/mnt)\"\n"
    "  echo \"one.exe $(stat -L -c %d:%i /proc/1/exe 2>/dev/null)\"\n"
    "  echo \"one.cmdline $(tr '\\0' ' ' </proc/1/cmdline)\"\n"
    "  echo \"probe $(stat -L -c %d:%i /nsprobe 2>/dev/null)\"\n"
    "  if [ -n \"$pid\" ] && [ -d \"/proc/$pid\" ]; then\n"
    "    echo \"target.how $how\"\n"
    "    echo \"target.exe $(stat -L -c %d:%i /proc/$pid/exe 2>/dev/null)\"\n"
    "    echo \"target.cmdline $(tr '\\0' ' ' </proc/$pid/cmdline)\"\n"
    "    echo \"target.root $(stat -L -c %d:%i /proc/$pid/root 2>/dev/null)\"\n"
    "    for n in mnt pid ipc uts; do\n"
    "      echo \"target.ns.$n $(readlink /proc/$pid/ns/$n)\"\n"
    "    done\n"
    "    cat /proc/$pid/mountinfo >\"$r/$k.target.mountinfo\"\n"
    "  fi\n"
    "} >\"$r/$k.info\"\n"
    "shift 2\n"
    "if [ $# -gt 0 ]; then\n"
    "  timeout 5 \"$@\" >/dev/null 2>&1\n"
    "  echo \"$?\" >\"$r/$k.query\"\n"
    "fi\n"
    "sleep 0.1 2>/dev/null\n"
    "echo \"$k end\" >>\"$r/log\"\n";

/* Where each kind runs. */
static const struct {
  const char *name;
  bool in_container; /* in the container's namespaces */
} kinds[NSC_HOOK_KINDS] = {
    {"prestart", false},      {"createRuntime", false}, {"createContainer", true},
    {"startContainer", true}, {"poststart", false},     {"poststop", false},
};

const char *nsc_hook_kind_name(enum nsc_hook_kind k)
{
  return kinds[k].name;
}

/* ---- setup ------------------------------------------------------------------ */

static bool write_script(const char *path)
{
  FILE *f = fopen(path, "we");
  if (!f)
    return false;
  bool ok = fputs(nsc_lc_hook_script, f) >= 0;
  ok &= fclose(f) == 0;
  return ok && chmod(path, 0755) == 0;
}

/* The record directory, its mount, both copies of the script; false (with a
 * verdict naming req) when the bundle cannot be prepared. */
bool nsc_hook_setup(struct case_ctx *x, struct nsc_hook_case *h, const char *req)
{
  memset(h, 0, sizeof(*h));
  h->x = x;
  char inside[PATH_MAX + 32];
  snprintf(h->host_script, sizeof(h->host_script), "%s/" HOOK_SCRIPT, x->dir);
  snprintf(h->ctr_script, sizeof(h->ctr_script), NSC_LC_RECORD_MOUNT "/" HOOK_SCRIPT);
  bool ok = nsc_lc_record_mount(x, h->rec, sizeof(h->rec));
  snprintf(h->log, sizeof(h->log), "%s/log", h->rec);
  snprintf(inside, sizeof(inside), "%s/" HOOK_SCRIPT, h->rec);
  ok = ok && write_script(h->host_script) && write_script(inside);
  if (!ok)
    nsc_case_verdict(x, req, false, "the hook scripts are written", "%s: %s", x->dir,
                     strerror(errno));
  return ok;
}

/* A recording hook entry; extra (NULL-terminated, may be NULL) goes after
 * kind and index. */
json_t *nsc_hook_recorder(const struct nsc_hook_case *h, enum nsc_hook_kind k, int index,
                          const char *const *extra)
{
  bool inside = k == NSC_START_CONTAINER;
  const char *path = inside ? h->ctr_script : h->host_script;
  char idx[16], rec_env[PATH_MAX + 16];
  snprintf(idx, sizeof(idx), "%d", index);
  snprintf(rec_env, sizeof(rec_env), "NSC_REC=%s", inside ? NSC_LC_RECORD_MOUNT : h->rec);
  json_t *args = json_pack("[s,s,s]", path, kinds[k].name, idx);
  for (size_t i = 0; extra && extra[i]; i++)
    json_array_append_new(args, json_string(extra[i]));
  return json_pack("{s:s, s:o, s:[s,s], s:i}", "path", path, "args", args, "env", rec_env,
                   inside ? "PATH=/bin" : "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "timeout",
                   NSC_HOOK_TIMEOUT_S);
}

/* A hook that reads its stdin and runs a shell command line. */
json_t *nsc_hook_shell(const char *cmd, int timeout)
{
  json_t *h = json_pack("{s:s, s:[s,s,s], s:[s]}", "path", "/bin/sh", "args", "sh", "-c", cmd,
                        "env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
  if (timeout)
    json_object_set_new(h, "timeout", json_integer(timeout));
  return h;
}

json_t *nsc_hook_failing(void)
{
  return nsc_hook_shell("cat >/dev/null; exit 3", NSC_HOOK_TIMEOUT_S);
}

void nsc_hook_set(struct case_ctx *x, json_t *hooks)
{
  json_object_set_new(x->config, "hooks", hooks);
}

static void mark(const struct nsc_hook_case *h, const char *event)
{
  nsc_lc_append(h->log, event);
}

/* ---- reading the records ------------------------------------------------------ */

void nsc_hook_records_load(const struct nsc_hook_case *h, struct nsc_hook_records *r)
{
  char *text = NULL;
  memset(r, 0, sizeof(*r));
  if (nsc_read_file(h->log, &text, NULL) < 0)
    return;
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    char **v = realloc(r->lines, (r->n + 1) * sizeof(char *));
    if (!v)
      break;
    r->lines = v;
    r->lines[r->n++] = strdup(l);
  }
  free(text);
}

void nsc_hook_records_free(struct nsc_hook_records *r)
{
  for (size_t i = 0; i < r->n; i++)
    free(r->lines[i]);
  free(r->lines);
}

/* Index of the first line equal to "<kind>.<index> <what>" (or to what alone
 * when kind is NULL), -1 when absent. */
static long at(const struct nsc_hook_records *r, const char *kind, int index, const char *what)
{
  char want[128];
  if (kind)
    snprintf(want, sizeof(want), "%s.%d %s", kind, index, what);
  else
    snprintf(want, sizeof(want), "%s", what);
  for (size_t i = 0; i < r->n; i++)
    if (r->lines[i] && strcmp(r->lines[i], want) == 0)
      return (long)i;
  return -1;
}

bool nsc_hook_ran(const struct nsc_hook_records *r, enum nsc_hook_kind k, int index)
{
  return at(r, kinds[k].name, index, "end") >= 0;
}

/* <rec>/<kind>.<index>.<what>, read whole (NULL when absent). */
static char *record_file(const struct nsc_hook_case *h, enum nsc_hook_kind k, int index,
                         const char *what, size_t *len)
{
  char path[PATH_MAX + 64], *text = NULL;
  snprintf(path, sizeof(path), "%s/%s.%d.%s", h->rec, kinds[k].name, index, what);
  return nsc_read_file(path, &text, len) == 0 ? text : NULL;
}

/* The value of "key value" in the hook's .info ("" when absent), into buf. */
static const char *info(const struct nsc_hook_case *h, enum nsc_hook_kind k, const char *key,
                        char *buf, size_t len)
{
  char *text = record_file(h, k, 1, "info", NULL);
  size_t klen = strlen(key);
  buf[0] = '\0';
  for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l;
       l = strtok_r(NULL, "\n", &save))
    if (strncmp(l, key, klen) == 0 && l[klen] == ' ')
      snprintf(buf, len, "%s", l + klen + 1);
  free(text);
  return buf;
}

static json_t *hook_state(const struct nsc_hook_case *h, enum nsc_hook_kind k)
{
  char *text = record_file(h, k, 1, "state", NULL);
  json_t *j = text ? json_loads(text, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
  free(text);
  return j;
}

/* A mountinfo text holds the bind mount of <bundle>/rec at .../run. */
static bool has_record_mount(const char *mountinfo, const char *case_id)
{
  char root_tail[128];
  snprintf(root_tail, sizeof(root_tail), "/%s/rec", case_id);
  size_t tl = strlen(root_tail), ml = strlen(NSC_LC_RECORD_MOUNT);
  char *copy = mountinfo ? strdup(mountinfo) : NULL;
  bool found = false;
  for (char *save = NULL, *l = copy ? strtok_r(copy, "\n", &save) : NULL; l && !found;
       l = strtok_r(NULL, "\n", &save)) {
    char root[PATH_MAX], point[PATH_MAX];
    if (sscanf(l, "%*s %*s %*s %4095s %4095s", root, point) != 2)
      continue;
    size_t rl = strlen(root), pl = strlen(point);
    found = rl >= tl && strcmp(root + rl - tl, root_tail) == 0 && pl >= ml &&
            strcmp(point + pl - ml, NSC_LC_RECORD_MOUNT) == 0;
  }
  free(copy);
  return found;
}

/* ---- the recording case --------------------------------------------------------- */

/* What the harness saw: the container's namespaces while created, the
 * host's root and the probe binary (as dev:ino). */
struct seen {
  json_t *ctr_ns;
  char host_root[64], probe[64];
  pid_t pid;
};

static const char *ns_of(const json_t *ns, const char *type)
{
  return json_string_value(json_object_get(ns, type)) ?: "";
}

/* The hook's namespaces against where config.md says it runs; problems into
 * buf ("" when none). */
static void check_ns(struct case_ctx *x, const struct nsc_hook_case *h, const struct seen *s,
                     enum nsc_hook_kind k, char *buf, size_t len)
{
  static const char *const types[] = {"mnt", "pid", "ipc", "uts", "net", "user", "cgroup", "time"};
  const json_t *self_ns = json_object_get(x->d->self, "ns");
  buf[0] = '\0';
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    char key[32], mine[96];
    snprintf(key, sizeof(key), "ns.%s", types[i]);
    info(h, k, key, mine, sizeof(mine));
    const char *want;
    if (kinds[k].in_container)
      want = ns_of(s->ctr_ns, types[i]);
    else if (strcmp(types[i], "mnt") != 0 || !x->d->rt->isolate)
      want = ns_of(self_ns, types[i]);
    else
      continue; /* an isolated runtime has a mount namespace of its own: below */
    if (!*want)
      continue; /* a type this kernel does not have */
    if (strcmp(mine, want) != 0)
      snprintf(buf + strlen(buf), len - strlen(buf), "%s%s %s, expected %s", buf[0] ? "; " : "",
               types[i], mine[0] ? mine : "(unread)", want);
  }
  if (!kinds[k].in_container) {
    char mine[96], parent[96];
    info(h, k, "ns.mnt", mine, sizeof(mine));
    info(h, k, "parent.mnt", parent, sizeof(parent));
    if (strcmp(mine, parent) != 0 || strcmp(mine, ns_of(s->ctr_ns, "mnt")) == 0)
      snprintf(buf + strlen(buf), len - strlen(buf),
               "%smnt %s: not the runtime's (%s) or the container's (%s)", buf[0] ? "; " : "", mine,
               parent, ns_of(s->ctr_ns, "mnt"));
  }
}

static void judge_invoked(struct case_ctx *x, const struct nsc_hook_records *r)
{
  const char *reqs[NSC_HOOK_KINDS] = {
      REQ("runtime.lifecycle.prestart-invoked"),
      REQ("runtime.lifecycle.createruntime-invoked"),
      REQ("runtime.lifecycle.createcontainer-invoked"),
      REQ("runtime.lifecycle.startcontainer-invoked"),
      REQ("runtime.lifecycle.poststart-invoked"),
      REQ("runtime.lifecycle.poststop-invoked"),
  };
  for (int k = 0; k < NSC_HOOK_KINDS; k++) {
    char expected[96];
    snprintf(expected, sizeof(expected), "both %s hooks ran", kinds[k].name);
    nsc_case_verdict(x, reqs[k], nsc_hook_ran(r, k, 1) && nsc_hook_ran(r, k, 2), expected,
                     "hook 1 %s, hook 2 %s", nsc_hook_ran(r, k, 1) ? "ran" : "did not run",
                     nsc_hook_ran(r, k, 2) ? "ran" : "did not run");
  }
}

static void judge_order(struct case_ctx *x, const struct nsc_hook_records *r)
{
  char bad[512] = "";
  for (int k = 0; k < NSC_HOOK_KINDS; k++) {
    const char *n = kinds[k].name;
    long b1 = at(r, n, 1, "begin"), e1 = at(r, n, 1, "end"), b2 = at(r, n, 2, "begin"),
         e2 = at(r, n, 2, "end");
    if (b1 < 0 || e2 < 0)
      continue; /* not invoked: judged above */
    if (!(b1 < e1 && e1 < b2 && b2 < e2))
      snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%s%s", bad[0] ? ", " : "", n);
  }
  long argv_hook = at(r, NULL, 0, "createRuntime.3 end");
  if (argv_hook >= 0 && argv_hook < at(r, "createRuntime", 2, "end"))
    snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%screateRuntime[2]",
             bad[0] ? ", " : "");
  nsc_case_verdict(x, REQ("config.hooks.order"), !bad[0],
                   "the hooks of each kind one after the other, in array order", "%s%s",
                   bad[0] ? "out of order or overlapping: " : "in order", bad[0] ? bad : "");

  long pre = at(r, "prestart", 2, "end"), cr = at(r, "createRuntime", 1, "begin");
  nsc_case_verdict(x, REQ("config.hooks.prestart-before-createruntime"),
                   pre >= 0 && cr >= 0 && pre < cr,
                   "the last prestart hook ends before the first createRuntime hook begins",
                   "prestart[1] ended at event %ld, createRuntime[0] began at event %ld", pre, cr);
  long crt = at(r, "createRuntime", 2, "end"), cc = at(r, "createContainer", 1, "begin");
  bool after = crt >= 0 && cc >= 0 && crt < cc && (argv_hook < 0 || argv_hook < cc);
  nsc_case_verdict(x, REQ("config.hooks.createcontainer-after-createruntime"), after,
                   "every createRuntime hook ends before the first createContainer hook begins",
                   "createRuntime hooks ended at events %ld and %ld, createContainer[0] began at "
                   "event %ld",
                   crt, argv_hook, cc);
}

/* The log index of an event of the harness, for "between" checks. */
static bool between(const struct nsc_hook_records *r, enum nsc_hook_kind k, const char *from,
                    const char *to, char *buf, size_t len)
{
  long b = at(r, kinds[k].name, 1, "begin"), e = at(r, kinds[k].name, 1, "end");
  long f = at(r, NULL, 0, from), t = at(r, NULL, 0, to);
  snprintf(buf, len, "%s[0] ran at events %ld..%ld; %s at %ld, %s at %ld", kinds[k].name, b, e,
           from, f, to, t);
  return b >= 0 && e >= 0 && f >= 0 && t >= 0 && f < b && e < t;
}

/* prestart and createRuntime (runtime side): the container's process exists
 * in its namespaces, its mounts are made, its root is still the host's. */
static void judge_runtime_side_timing(struct case_ctx *x, const struct nsc_hook_case *h,
                                      const struct nsc_hook_records *r, const struct seen *s,
                                      enum nsc_hook_kind k, const char *req)
{
  char when[256], root[64], tns[96], how[32], problems[512] = "";
  bool ok = between(r, k, "create-called", "create-returned", when, sizeof(when));
  info(h, k, "target.root", root, sizeof(root));
  info(h, k, "target.how", how, sizeof(how));
  if (!root[0])
    snprintf(problems, sizeof(problems), "; the container's process could not be found");
  else if (strcmp(root, s->host_root) != 0)
    snprintf(problems, sizeof(problems), "; the container's root was already switched");
  static const char *const types[] = {"mnt", "pid", "ipc", "uts"};
  for (size_t i = 0; root[0] && i < sizeof(types) / sizeof(types[0]); i++) {
    char key[32];
    snprintf(key, sizeof(key), "target.ns.%s", types[i]);
    if (strcmp(info(h, k, key, tns, sizeof(tns)), ns_of(s->ctr_ns, types[i])) != 0)
      snprintf(problems + strlen(problems), sizeof(problems) - strlen(problems),
               "; its %s namespace was %s, not the container's", types[i], tns);
  }
  char *mi = record_file(h, k, 1, "target.mountinfo", NULL);
  if (root[0] && !has_record_mount(mi, x->c->id))
    snprintf(problems + strlen(problems), sizeof(problems) - strlen(problems),
             "; the container's bind mount of rec was not there yet");
  free(mi);
  nsc_case_verdict(x, req, ok && !problems[0],
                   "during create, with the container's namespaces and mounts made and its root "
                   "not yet switched",
                   "%s%s%s", when, problems,
                   root[0] && strcmp(how, "state") != 0
                       ? " (the state had no pid: the container's process was found as the "
                         "runtime's other child)"
                       : "");
}

/* Whether the process a hook looked at (prefix "one" or "target") had
 * executed the program: its executable is the probe (dev:ino probe_id), or,
 * when the executable cannot be read (a process that is not dumpable), its
 * argv is process.args.  1 yes, 0 no, -1 unknown. */
static int executed(const struct nsc_hook_case *h, enum nsc_hook_kind k, const char *prefix,
                    const char *probe_id)
{
  char key[32], exe[96], cmdline[512];
  snprintf(key, sizeof(key), "%s.exe", prefix);
  info(h, k, key, exe, sizeof(exe));
  snprintf(key, sizeof(key), "%s.cmdline", prefix);
  info(h, k, key, cmdline, sizeof(cmdline));
  if (exe[0] && probe_id[0])
    return strcmp(exe, probe_id) == 0;
  if (cmdline[0])
    return strcmp(cmdline, "/nsprobe --wait ") == 0;
  return -1;
}

static void judge_timing(struct case_ctx *x, const struct nsc_hook_case *h,
                         const struct nsc_hook_records *r, const struct seen *s)
{
  char when[256], v1[96], v2[96];
  judge_runtime_side_timing(x, h, r, s, NSC_PRESTART, REQ("config.hooks.prestart-timing"));
  judge_runtime_side_timing(x, h, r, s, NSC_CREATE_RUNTIME,
                            REQ("config.hooks.createruntime-timing"));

  /* createContainer: in the container's mount namespace, mounts made, root
   * still the host's. */
  bool ok =
      between(r, NSC_CREATE_CONTAINER, "create-called", "create-returned", when, sizeof(when));
  char *mi = record_file(h, NSC_CREATE_CONTAINER, 1, "mountinfo", NULL);
  bool mounted = has_record_mount(mi, x->c->id);
  free(mi);
  info(h, NSC_CREATE_CONTAINER, "root", v1, sizeof(v1));
  bool unswitched = strcmp(v1, s->host_root) == 0;
  nsc_case_verdict(x, REQ("config.hooks.createcontainer-timing"), ok && mounted && unswitched,
                   "during create, with the container's mounts made and its root not yet switched",
                   "%s; the bind mount of rec %s; its root %s", when,
                   mounted ? "was there" : "was not there", unswitched ? "was the host's" : v1);

  /* startContainer: during start, before the program's exec (pid 1 of the
   * container is not the probe yet). */
  ok = between(r, NSC_START_CONTAINER, "start-called", "start-returned", when, sizeof(when));
  info(h, NSC_START_CONTAINER, "probe", v2, sizeof(v2));
  int ran_program = executed(h, NSC_START_CONTAINER, "one", v2);
  nsc_case_verdict(x, REQ("config.hooks.startcontainer-timing"), ok && ran_program == 0,
                   "during start, before the program is executed", "%s; the container's process %s",
                   when,
                   ran_program < 0    ? "could not be read"
                   : ran_program == 0 ? "had not executed the program yet"
                                      : "already ran the program");

  /* poststart: after the program's exec, before start returns. */
  ok = between(r, NSC_POSTSTART, "start-called", "start-returned", when, sizeof(when));
  bool after_exec = executed(h, NSC_POSTSTART, "target", s->probe) == 1;
  nsc_case_verdict(x, REQ("config.hooks.poststart-timing"), ok && after_exec,
                   "during start, after the program is executed", "%s; the container's process %s",
                   when, after_exec ? "ran the program" : "had not executed the program yet");

  /* poststop: during delete, once the runtime no longer knows the container. */
  ok = between(r, NSC_POSTSTOP, "delete-called", "delete-returned", when, sizeof(when));
  char *q = record_file(h, NSC_POSTSTOP, 2, "query", NULL);
  int query = q ? atoi(q) : -1;
  free(q);
  if (ok && query == 124) {
    nsc_case_skip(x, REQ("config.hooks.poststop-timing"),
                  "the runtime's state command blocked while delete ran the poststop hooks, so "
                  "whether the container was already deleted could not be seen");
    return;
  }
  nsc_case_verdict(x, REQ("config.hooks.poststop-timing"), ok && query > 0,
                   "during delete, after the container is deleted", "%s; `state` from the hook %s",
                   when,
                   query > 0    ? "failed (the container was gone)"
                   : query == 0 ? "still found the container"
                                : "did not run");
}

static void judge_paths_and_ns(struct case_ctx *x, const struct nsc_hook_case *h,
                               const struct nsc_hook_records *r, const struct seen *s)
{
  const char *path_reqs[NSC_HOOK_KINDS] = {
      REQ("config.hooks.prestart-path"),        REQ("config.hooks.createruntime-path"),
      REQ("config.hooks.createcontainer-path"), REQ("config.hooks.startcontainer-path"),
      REQ("config.hooks.poststart-path"),       REQ("config.hooks.poststop-path"),
  };
  const char *ns_reqs[NSC_HOOK_KINDS] = {
      REQ("config.hooks.prestart-ns"),        REQ("config.hooks.createruntime-ns"),
      REQ("config.hooks.createcontainer-ns"), REQ("config.hooks.startcontainer-ns"),
      REQ("config.hooks.poststart-ns"),       REQ("config.hooks.poststop-ns"),
  };
  char inside_view[2 * PATH_MAX], expected[256];
  struct stat st;
  snprintf(inside_view, sizeof(inside_view), "%s%s", x->d->rootfs, h->host_script);
  bool host_only = stat(inside_view, &st) < 0;
  bool ctr_only = stat(h->ctr_script, &st) < 0;
  for (int k = 0; k < NSC_HOOK_KINDS; k++) {
    bool inside = k == NSC_START_CONTAINER;
    const char *path = inside ? h->ctr_script : h->host_script;
    snprintf(expected, sizeof(expected), "%s, which exists only %s, runs", path,
             inside ? "in the container" : "in the runtime's mount namespace");
    if (inside ? !ctr_only : !host_only)
      nsc_case_skip(x, path_reqs[k], "the hook's path exists on both sides here");
    else
      nsc_case_verdict(x, path_reqs[k], nsc_hook_ran(r, k, 1), expected, "%s",
                       nsc_hook_ran(r, k, 1) ? "it ran" : "it did not run");

    char bad[768];
    if (!nsc_hook_ran(r, k, 1)) {
      nsc_case_skip(x, ns_reqs[k], "the hook did not run (see the -invoked verdict)");
      continue;
    }
    check_ns(x, h, s, k, bad, sizeof(bad));
    nsc_case_verdict(x, ns_reqs[k], !bad[0],
                     kinds[k].in_container ? "the container's namespaces"
                                           : "the runtime's namespaces",
                     "%s", bad[0] ? bad : "as expected");
  }
}

static void judge_states(struct case_ctx *x, const struct nsc_hook_case *h,
                         const struct nsc_hook_records *r, const struct seen *s)
{
  /* What each kind's state says: status, and pid as seen where it runs. */
  static const char *const want_status[NSC_HOOK_KINDS] = {
      "creating|created", "creating|created", "creating|created", "created", "running", "stopped"};
  char status_bad[512] = "", pid_bad[512] = "", no_pid[256] = "";
  for (int k = 0; k < NSC_HOOK_KINDS; k++) {
    if (!nsc_hook_ran(r, k, 1))
      continue;
    json_t *st = hook_state(h, k);
    char problems[512];
    nsc_lc_state_problems(st, x->id, x->dir, problems, sizeof(problems));
    char expected[128];
    snprintf(expected, sizeof(expected), "the state of %s on the %s hook's stdin", x->id,
             kinds[k].name);
    nsc_case_verdict(x, REQ("config.hooks.state-stdin"), st && !problems[0], expected, "%s",
                     !st           ? "no JSON on stdin"
                     : problems[0] ? problems
                                   : "a valid state");

    const char *status = nsc_state_status(st);
    char alternatives[40];
    snprintf(alternatives, sizeof(alternatives), "|%s|", want_status[k]);
    char needle[40];
    snprintf(needle, sizeof(needle), "|%s|", status);
    if (st && !strstr(alternatives, needle))
      snprintf(status_bad + strlen(status_bad), sizeof(status_bad) - strlen(status_bad), "%s%s: %s",
               status_bad[0] ? ", " : "", kinds[k].name, status);

    /* runtime.md requires pid only while created or running. */
    json_t *pid = json_object_get(st, "pid");
    long long want = kinds[k].in_container ? 1 : s->pid;
    if (st && !pid && k != NSC_POSTSTOP)
      snprintf(no_pid + strlen(no_pid), sizeof(no_pid) - strlen(no_pid), "%s%s",
               no_pid[0] ? ", " : "", kinds[k].name);
    if (pid && k != NSC_POSTSTOP && want > 0 && json_integer_value(pid) != want)
      snprintf(pid_bad + strlen(pid_bad), sizeof(pid_bad) - strlen(pid_bad),
               "%s%s: %lld (expected %lld)", pid_bad[0] ? ", " : "", kinds[k].name,
               (long long)json_integer_value(pid), want);
    json_decref(st);
  }
  nsc_case_verdict(x, REQ("runtime.state.status"), !status_bad[0],
                   "prestart, createRuntime, createContainer: creating or created; "
                   "startContainer: created; poststart: running; poststop: stopped",
                   "%s", status_bad[0] ? status_bad : "as expected");
  nsc_case_verdict(x, REQ("runtime.state.pid-hooks"), !pid_bad[0],
                   "the host pid for prestart, createRuntime and poststart; 1 (the container's "
                   "own pid namespace) for createContainer and startContainer",
                   "%s%s%s", pid_bad[0] ? pid_bad : "as expected",
                   no_pid[0] ? "; no pid given to " : "", no_pid);
}

/* The argv hook runs with exactly these. */
static const char *const argv_hook_args[] = {"nsc-argv0", "-c",        NULL /* the script */,
                                             "nsc-$0",    "two words", ""};
static const char *const argv_hook_env[] = {"NSC_A=1", "NSC_B=two words", "NSC_EMPTY="};

/* NUL-separated list v (n entries) equals the bytes of a /proc cmdline or
 * environ file. */
static bool same_list(const char *text, size_t len, const char *const *v, size_t n)
{
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(v[i]) + 1;
    if (off + l > len || memcmp(text + off, v[i], l) != 0)
      return false;
    off += l;
  }
  return off == len;
}

static void judge_args_env(struct case_ctx *x, const struct nsc_hook_case *h, const char *script)
{
  char path[PATH_MAX + 16], *text = NULL;
  size_t len = 0;
  const char *args[6];
  memcpy(args, argv_hook_args, sizeof(args));
  args[2] = script;
  char bad[256] = "";
  snprintf(path, sizeof(path), "%s/argv", h->rec);
  if (nsc_read_file(path, &text, &len) < 0)
    snprintf(bad, sizeof(bad), "the /bin/sh hook did not run");
  else if (!same_list(text, len, args, 6))
    snprintf(bad, sizeof(bad), "the /bin/sh hook's argv differs from args");
  free(text);
  text = NULL;
  snprintf(path, sizeof(path), "%s/env", h->rec);
  if (!bad[0] && (nsc_read_file(path, &text, &len) < 0 || !same_list(text, len, argv_hook_env, 3)))
    snprintf(bad, sizeof(bad), "the /bin/sh hook's environment is not exactly env");
  free(text);
  /* The recorders: argv is the interpreter, the script, then args[1..]. */
  char rec_env[PATH_MAX + 16];
  snprintf(rec_env, sizeof(rec_env), "NSC_REC=%s", h->rec);
  const char *env[] = {rec_env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  const char *rec_args[] = {"/bin/sh", h->host_script, "createRuntime", "1"};
  text = record_file(h, NSC_CREATE_RUNTIME, 1, "argv", &len);
  if (!bad[0] && text && !same_list(text, len, rec_args, 4))
    snprintf(bad, sizeof(bad), "the recording hook's argv is not /bin/sh, its path, args[1..]");
  free(text);
  text = record_file(h, NSC_CREATE_RUNTIME, 1, "env", &len);
  if (!bad[0] && text && !same_list(text, len, env, 2))
    snprintf(bad, sizeof(bad), "the recording hook's environment is not exactly env");
  free(text);
  nsc_case_verdict(x, REQ("config.hooks.args-env"), !bad[0],
                   "argv is args (args[0] included) and the environment is exactly env", "%s",
                   bad[0] ? bad : "as configured");
}

void nsc_lc_hooks_record(struct case_ctx *x)
{
  struct nsc_hook_case h;
  if (!nsc_hook_setup(x, &h, REQ("runtime.lifecycle.prestart-invoked")))
    return;
  /* poststop[1] asks the runtime about the container: `state` must fail. */
  const char *query[24];
  size_t n = 0;
  query[n++] = x->d->rt->path;
  query[n++] = "--root";
  query[n++] = x->d->rt->root;
  for (char **g = x->d->rt->global_args; g && *g && n < 20; g++)
    query[n++] = *g;
  query[n++] = "state";
  query[n++] = x->id;
  query[n] = NULL;
  char argv_script[3 * PATH_MAX];
  snprintf(argv_script, sizeof(argv_script),
           "/bin/cat >/dev/null; /bin/cat /proc/$$/cmdline >'%s/argv'; "
           "/bin/cat /proc/$$/environ >'%s/env'; echo 'createRuntime.3 end' >>'%s'",
           h.rec, h.rec, h.log);
  json_t *argv_hook =
      json_pack("{s:s, s:[s,s,s,s,s,s], s:[s,s,s]}", "path", "/bin/sh", "args", argv_hook_args[0],
                argv_hook_args[1], argv_script, argv_hook_args[3], argv_hook_args[4],
                argv_hook_args[5], "env", argv_hook_env[0], argv_hook_env[1], argv_hook_env[2]);
  json_t *hooks = json_object();
  for (int k = 0; k < NSC_HOOK_KINDS; k++)
    json_object_set_new(hooks, kinds[k].name,
                        json_pack("[o,o]", nsc_hook_recorder(&h, k, 1, NULL),
                                  nsc_hook_recorder(&h, k, 2, k == NSC_POSTSTOP ? query : NULL)));
  json_array_append_new(json_object_get(hooks, "createRuntime"), argv_hook);
  nsc_hook_set(x, hooks);
  if (!nsc_lc_write_config(x, REQ("runtime.lifecycle.prestart-invoked")))
    return;

  struct seen s = {0};
  nsc_lc_file_id("/", s.host_root, sizeof(s.host_root));
  char probe_path[PATH_MAX + 16];
  snprintf(probe_path, sizeof(probe_path), "%s/nsprobe", x->d->rootfs);
  nsc_lc_file_id(probe_path, s.probe, sizeof(s.probe));

  mark(&h, "create-called");
  if (!nsc_lc_create(x))
    return;
  mark(&h, "create-returned");
  s.pid = x->pid;
  json_t *view = NULL;
  struct nsrt_err err;
  if (nsc_observe_pid(x->pid, &view, &err) == 0)
    s.ctr_ns = json_incref(json_object_get(view, "ns"));
  json_decref(view);

  mark(&h, "start-called");
  struct nsc_exec r;
  int rc = nsc_case_run(x, &r, -1, "start", x->id, NULL);
  mark(&h, "start-returned");
  nsc_case_note_stderr(x, &r);
  nsc_exec_free(&r);
  json_t *probe = rc == 0 ? nsc_case_wait_probe(x) : NULL;
  json_decref(probe);
  nsc_lc_stop(x);
  mark(&h, "delete-called");
  rc = nsc_case_run(x, &r, -1, "delete", x->id, NULL);
  mark(&h, "delete-returned");
  nsc_case_note_stderr(x, &r);
  nsc_exec_free(&r);
  if (rc == 0)
    x->pid = 0;

  struct nsc_hook_records rec;
  nsc_hook_records_load(&h, &rec);
  judge_invoked(x, &rec);
  judge_order(x, &rec);
  judge_timing(x, &h, &rec, &s);
  judge_paths_and_ns(x, &h, &rec, &s);
  judge_states(x, &h, &rec, &s);
  judge_args_env(x, &h, argv_script);
  nsc_hook_records_free(&rec);
  json_decref(s.ctr_ns);
}
