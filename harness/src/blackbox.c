/* Black-box fault cases through nsc-inject (blackbox.h). */
#include "blackbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "driver_int.h"
#include "error.h"
#include "failpoint.h"
#include "faults.h"
#include "gen.h"
#include "judge.h"
#include "leaks.h"
#include "observe.h"
#include "process.h"
#include "requirements.h"

#define PROBE_TIMEOUT_MS 10000
/* How long a supervisor may take to notice its tree is gone. */
#define SUPERVISOR_EXIT_MS 5000

static const char *const commands[] = NSC_FAULT_COMMANDS;
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* ---- targets and actions --------------------------------------------------- */

struct target_info {
  const char *name;
  bool write;            /* a write: short and corrupt apply */
  const char *err;       /* the errno the sweep injects */
  const char *words[12]; /* a message naming the step mentions one of these */
};

static const struct target_info targets[] = {
    {"clone", false, "EAGAIN", {"clone", "fork", "spawn", "child", "process", NULL}},
    {"clone3", false, "EAGAIN", {"clone", "fork", "spawn", "child", "process", NULL}},
    {"fork", false, "EAGAIN", {"fork", "clone", "spawn", "child", "process", NULL}},
    {"vfork", false, "EAGAIN", {"fork", "clone", "spawn", "child", "process", NULL}},
    {"unshare", false, "ENOSPC", {"unshare", "namespace", NULL}},
    {"setns", false, "EPERM", {"setns", "join", "namespace", "nsenter", NULL}},
    {"uid_map", true, "EPERM", {"uid_map", "uid map", "mapping", "idmap", NULL}},
    {"gid_map", true, "EPERM", {"gid_map", "gid map", "mapping", "idmap", NULL}},
    {"setgroups", true, "EPERM", {"setgroups", NULL}},
    {"sync",
     true,
     "EPIPE",
     {"sync", "socket", "pipe", "message", "send", "write", "read", "recv", "unexpected", "invalid",
      "setup", NULL}},
    {"setresuid", false, "EPERM", {"setresuid", "setuid", "uid", "user", NULL}},
    {"setresgid", false, "EPERM", {"setresgid", "setgid", "gid", "group", NULL}},
    {"execve", false, "EACCES", {"exec", NULL}},
};

static const struct target_info *target_info(const char *name)
{
  for (size_t i = 0; name && i < ARRAY_SIZE(targets); i++)
    if (strcmp(targets[i].name, name) == 0)
      return &targets[i];
  return NULL;
}

static const char *const all_actions[] = {"errno", "kill", "delay", "short", "corrupt"};

const char *nsc_blackbox_target_actions(const char *target)
{
  const struct target_info *t = target_info(target);
  if (!t)
    return NULL;
  return t->write ? "errno,kill,delay,short,corrupt" : "errno,kill,delay";
}

static bool in_list(const char *list, const char *word)
{
  size_t n = strlen(word);
  for (const char *p = list; p && *p;) {
    size_t len = strcspn(p, ",");
    if (len == n && strncmp(p, word, n) == 0)
      return true;
    p += len;
    if (*p == ',')
      p++;
  }
  return false;
}

const char *nsc_blackbox_action_arg(const char *target, const char *action)
{
  const struct target_info *t = target_info(target);
  if (!t || !action)
    return NULL;
  if (!strcmp(action, "errno"))
    return t->err;
  if (!strcmp(action, "delay"))
    return "300";
  /* A map line cut after 12 bytes is still a valid, smaller map: the
   * kernel takes it, so the write really is short. */
  if (!strcmp(action, "short"))
    return !strcmp(target, "uid_map") || !strcmp(target, "gid_map") ? "12" : "3";
  if (!strcmp(action, "corrupt"))
    return "0";
  return NULL;
}

/* ---- the nsc-inject program ------------------------------------------------ */

static char inject_path[PATH_MAX];

void nsc_blackbox_set_inject(const char *path)
{
  snprintf(inject_path, sizeof(inject_path), "%s", path ? path : "");
}

const char *nsc_blackbox_inject(void)
{
  if (inject_path[0])
    return inject_path;
  const char *env = getenv("NSC_INJECT_BIN");
  char buf[PATH_MAX];
  if (env && *env && realpath(env, buf) && access(buf, X_OK) == 0) {
    snprintf(inject_path, sizeof(inject_path), "%s", buf);
    return inject_path;
  }
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash) {
      snprintf(slash + 1, sizeof(buf) - (size_t)(slash + 1 - buf), "nsc-inject");
      if (access(buf, X_OK) == 0) {
        snprintf(inject_path, sizeof(inject_path), "%s", buf);
        return inject_path;
      }
    }
  }
  return NULL;
}

/* ---- plans ------------------------------------------------------------------ */

static int step_fail(struct nsrt_err *err, size_t i, const char *member, const char *msg)
{
  char step[64];
  snprintf(step, sizeof(step), "steps[%zu].%s", i, member);
  return nsrt_fail_at(err, "blackbox", EINVAL, step, "%s", msg);
}

int nsc_blackbox_step_text(const json_t *step, size_t index, char *out, size_t len,
                           struct nsrt_err *err)
{
  const char *target = json_string_value(json_object_get(step, "target"));
  const char *action = json_string_value(json_object_get(step, "action"));
  json_t *nth = json_object_get(step, "nth");
  json_t *arg = json_object_get(step, "arg");
  char msg[160];
  if (!target_info(target)) {
    snprintf(msg, sizeof(msg), "\"%s\" is not a target", target ? target : "(none)");
    return step_fail(err, index, "target", msg);
  }
  if (!json_is_integer(nth) || json_integer_value(nth) < 1)
    return step_fail(err, index, "nth", "not a call number from 1");
  if (!action || !in_list(nsc_blackbox_target_actions(target), action)) {
    snprintf(msg, sizeof(msg), "\"%s\" is not an action for %s (%s)", action ? action : "(none)",
             target, nsc_blackbox_target_actions(target));
    return step_fail(err, index, "action", msg);
  }
  char argtext[64] = "";
  if (json_is_string(arg)) {
    const char *a = json_string_value(arg);
    if (!*a || strpbrk(a, "() ") || strlen(a) > 30) {
      snprintf(msg, sizeof(msg), "\"%.40s\" is not a plain errno or number", a);
      return step_fail(err, index, "arg", msg);
    }
    snprintf(argtext, sizeof(argtext), "(%s)", a);
  } else if (json_is_integer(arg)) {
    snprintf(argtext, sizeof(argtext), "(%lld)", (long long)json_integer_value(arg));
  } else if (arg && !json_is_null(arg)) {
    return step_fail(err, index, "arg", "neither a string nor an integer");
  }
  if (!argtext[0] && strcmp(action, "kill") != 0) {
    snprintf(msg, sizeof(msg), "%s needs an argument", action);
    return step_fail(err, index, "arg", msg);
  }
  if (argtext[0] && strcmp(action, "kill") == 0)
    return step_fail(err, index, "arg", "kill takes no argument");
  snprintf(out, len, "%s@%lld=%s%s", target, (long long)json_integer_value(nth), action, argtext);
  return 0;
}

json_t *nsc_blackbox_plan(const char *command, const char *target, unsigned nth, const char *action,
                          const char *arg)
{
  json_t *step = json_pack("{s:s, s:i, s:s}", "target", target, "nth", (int)nth, "action", action);
  if (step && arg)
    json_object_set_new(step, "arg", json_string(arg));
  return json_pack("{s:s, s:[o], s:[s]}", "kind", "seccomp", "steps", step, "commands", command);
}

/* ---- base cases and the sweep ---------------------------------------------- */

static int add_case(struct nsc_case **v, size_t *n, const char *id, json_t *config, json_t *plan,
                    const char *title)
{
  struct nsc_case *c = realloc(*v, (*n + 1) * sizeof(*c));
  if (!c) {
    json_decref(config);
    json_decref(plan);
    return -1;
  }
  *v = c;
  c = &c[*n];
  memset(c, 0, sizeof(*c));
  snprintf(c->id, sizeof(c->id), "%s", id);
  c->kind = NSC_CASE_FAULT;
  c->config = config;
  c->fault = plan;
  c->title = strdup(title);
  (*n)++;
  return c->title ? 0 : -1;
}

int nsc_blackbox_base_cases(struct nsc_case **out, size_t *n, struct nsrt_err *err)
{
  *out = NULL;
  *n = 0;
  json_t *userns;
  if (gen_negative_base(&userns, err) < 0)
    return -1;
  /* The same without a user namespace: the runtime's path with no maps. */
  json_t *plain = json_deep_copy(userns);
  json_t *lx = json_object_get(plain, "linux");
  json_t *ns = json_object_get(lx, "namespaces");
  for (size_t i = json_array_size(ns); i-- > 0;)
    if (!strcmp(json_string_value(json_object_get(json_array_get(ns, i), "type")) ?: "", "user"))
      json_array_remove(ns, i);
  json_object_del(lx, "uidMappings");
  json_object_del(lx, "gidMappings");
  json_t *record = json_pack("{s:s, s:[]}", "kind", "seccomp", "steps");
  if (add_case(out, n, "b-base-userns", userns, json_deep_copy(record),
               "black box: record the calls of a user namespace spec") < 0 ||
      add_case(out, n, "b-base-plain", plain, record,
               "black box: record the calls of a spec without a user namespace") < 0)
    return nsrt_fail_at(err, "blackbox", ENOMEM, "base", NULL);
  return 0;
}

int nsc_blackbox_sweep_cases(const struct nsc_case *bases, const struct nsc_result *results,
                             size_t n_bases, const struct nsc_blackbox_opts *o,
                             struct nsc_case **out, size_t *n_out, struct nsrt_err *err)
{
  *out = NULL;
  *n_out = 0;
  unsigned cap = o && o->max_n ? o->max_n : 8;
  for (size_t b = 0; b < n_bases; b++) {
    json_t *counts = json_object_get(results[b].fault, "counts");
    const char *base = bases[b].id;
    if (!strncmp(base, "b-base-", 7))
      base += 7;
    for (size_t ci = 0; ci < N_COMMANDS; ci++) {
      const char *cmd = commands[ci];
      if (o && o->commands && !in_list(o->commands, cmd))
        continue;
      json_t *cc = json_object_get(counts, cmd);
      for (size_t t = 0; t < ARRAY_SIZE(targets); t++) {
        const char *tn = targets[t].name;
        if (o && o->targets && !in_list(o->targets, tn))
          continue;
        json_int_t count = json_integer_value(json_object_get(cc, tn));
        for (json_int_t k = 1; k <= count && k <= cap; k++) {
          for (size_t a = 0; a < ARRAY_SIZE(all_actions); a++) {
            const char *act = all_actions[a];
            if (!in_list(nsc_blackbox_target_actions(tn), act) ||
                (o && o->actions && !in_list(o->actions, act)))
              continue;
            char id[64], title[160];
            snprintf(id, sizeof(id), "b-%s-%s-%s-%lld-%s", base, cmd, tn, (long long)k, act);
            const char *arg = nsc_blackbox_action_arg(tn, act);
            snprintf(title, sizeof(title), "black box: %s %s of %s, call %lld of %lld: %s%s%s%s",
                     base, tn, cmd, (long long)k, (long long)count, act, arg ? "(" : "",
                     arg ? arg : "", arg ? ")" : "");
            if (add_case(out, n_out, id, json_deep_copy(bases[b].config),
                         nsc_blackbox_plan(cmd, tn, (unsigned)k, act, arg), title) < 0)
              return nsrt_fail_at(err, "blackbox", ENOMEM, "sweep", NULL);
          }
        }
      }
    }
  }
  return 0;
}

/* ---- one case ---------------------------------------------------------------- */

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

struct bb_cmd {
  const char *name;
  bool ran, wrapped;
  int status;
  bool timed_out;
  double ms;
  double start, end; /* monotonic ms */
  char *err;
  char hang[2048];
  char log[PATH_MAX];
  pid_t supervisor; /* from the log's start event, 0 when unknown */
  pid_t program;    /* the command's own process (the runtime's main) */
};

struct bb_run {
  struct case_ctx *x;
  const json_t *plan;
  bool record;
  char steps[16][64];
  size_t n_steps;
  char sibling[PATH_MAX]; /* the supervisors' cgroup leaf, "" when none */
  struct bb_cmd cmd[N_COMMANDS];
  int failed;
};

/* The supervisor's pid, from the start event of its log (a warning may
 * come first). */
static pid_t supervisor_of(const char *log, pid_t *program)
{
  char *text = NULL;
  if (nsc_read_file(log, &text, NULL) < 0)
    return 0;
  pid_t pid = 0;
  for (char *line = strtok(text, "\n"); line && !pid; line = strtok(NULL, "\n")) {
    json_t *j = json_loads(line, 0, NULL);
    if (j && !strcmp(json_string_value(json_object_get(j, "event")) ?: "", "start")) {
      pid = (pid_t)json_integer_value(json_object_get(j, "supervisor"));
      *program = (pid_t)json_integer_value(json_object_get(j, "pid"));
    }
    json_decref(j);
  }
  free(text);
  return pid;
}

/* Out of the case's leaf, so the leak verdict does not count it; the
 * supervisor moves itself, but cannot where the runtime runs isolated (no
 * cgroup2 mount there). */
static void move_supervisor(struct bb_run *b, pid_t pid)
{
  if (!b->sibling[0] || pid <= 0)
    return;
  char path[PATH_MAX + 16];
  snprintf(path, sizeof(path), "%s/cgroup.procs", b->sibling);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  char num[32];
  int len = snprintf(num, sizeof(num), "%d", pid);
  ssize_t w = write(fd, num, (size_t)len);
  (void)w;
  close(fd);
}

/* Wait (bounded) for a supervisor to end, and reap it: the harness is a
 * subreaper, so it is our child.  Killed when it outlives the bound. */
static bool wait_supervisor(pid_t pid, int timeout_ms)
{
  if (pid <= 0)
    return true;
  double deadline = now_ms() + timeout_ms;
  for (;;) {
    pid_t r = waitpid(pid, NULL, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD && kill(pid, 0) < 0))
      return true;
    if (now_ms() > deadline) {
      kill(pid, SIGKILL);
      reap_child(pid, -1, 2000);
      return false;
    }
    sleep_ms(5);
  }
}

static int run_cmd(struct bb_run *b, size_t i, int stdout_fd, const char *const argv[])
{
  struct case_ctx *x = b->x;
  struct bb_cmd *c = &b->cmd[i];
  c->name = commands[i];
  c->wrapped = b->record || nsc_fault_plan_has_command(b->plan, c->name);
  struct nsc_runtime rt = *x->d->rt;
  const char *inject = nsc_blackbox_inject();
  char timeout[32];
  const char *wrap[12 + 2 * 16];
  size_t n = 0;
  if (c->wrapped && inject) {
    snprintf(c->log, sizeof(c->log), "%s/inject-%s.jsonl", x->dir, c->name);
    unlink(c->log);
    /* The supervisor of create lives as long as the container: it must
     * outlast every command of the case. */
    snprintf(timeout, sizeof(timeout), "%d", x->d->rt->timeout_ms * 6 + PROBE_TIMEOUT_MS * 2);
    wrap[n++] = inject;
    wrap[n++] = "--log";
    wrap[n++] = c->log;
    wrap[n++] = "--timeout-ms";
    wrap[n++] = timeout;
    if (b->sibling[0]) {
      wrap[n++] = "--cgroup";
      wrap[n++] = b->sibling;
    }
    for (size_t k = 0; k < b->n_steps; k++) {
      wrap[n++] = "--plan";
      wrap[n++] = b->steps[k];
    }
    wrap[n++] = "--";
    wrap[n] = NULL;
    rt.wrapper = (char **)wrap;
  }
  struct nsc_exec_opts o = {.stdout_fd = stdout_fd, .cgroup = x->leaf, .env = x->env};
  struct nsc_exec r;
  c->start = now_ms();
  nsc_runtime_exec(&rt, &o, &r, argv);
  c->end = now_ms();
  c->ran = true;
  c->status = r.status;
  c->timed_out = r.timed_out;
  c->ms = r.ms;
  c->err = r.err ? strdup(r.err) : NULL;
  snprintf(c->hang, sizeof(c->hang), "%s", r.hang);
  if (r.status != 0 || r.timed_out)
    nsc_case_note_stderr(x, &r);
  nsc_exec_free(&r);
  if (c->wrapped && inject) {
    c->supervisor = supervisor_of(c->log, &c->program);
    move_supervisor(b, c->supervisor);
  }
  bool failed = c->status != 0 || c->timed_out;
  if (failed && b->failed < 0)
    b->failed = (int)i;
  return failed ? -1 : 0;
}

/* The probe's JSON, or NULL once the program is gone or the bound passed. */
static json_t *wait_probe(struct case_ctx *x)
{
  char path[PATH_MAX + 16];
  snprintf(path, sizeof(path), "%s/probe.out", x->dir);
  double deadline = now_ms() + PROBE_TIMEOUT_MS;
  bool gone_once = false;
  for (;;) {
    char *text = NULL;
    if (nsc_read_file(path, &text, NULL) == 0) {
      json_t *j = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
      free(text);
      if (j)
        return j;
    }
    if (now_ms() > deadline)
      return NULL;
    char desc[512] = "";
    if (x->pid > 0)
      nsc_describe_pid(x->pid, desc, sizeof(desc));
    bool gone = x->pid <= 0 || kill(x->pid, 0) < 0 || strstr(desc, " state Z ");
    if (gone && gone_once)
      return NULL;
    gone_once = gone;
    sleep_ms(3);
  }
}

static void observe(struct case_ctx *x, json_t **view)
{
  struct nsrt_err err;
  if (x->pid > 0 && nsc_observe_pid(x->pid, view, &err) < 0)
    *view = NULL;
}

static char *leaks_text(char **leaks)
{
  size_t len = 1;
  for (char **l = leaks; l && *l; l++)
    len += strlen(*l) + 2;
  char *s = calloc(1, len);
  for (char **l = leaks; s && l && *l; l++) {
    if (s[0])
      strcat(s, "; ");
    strcat(s, *l);
  }
  return s;
}

static void free_leaks(char **leaks)
{
  for (char **l = leaks; l && *l; l++)
    free(*l);
  free(leaks);
}

/* Every line of a supervisor's log, each with its "command". */
static void collect_events(const struct bb_cmd *c, json_t *events, json_t *counts)
{
  char *text = NULL;
  if (!c->ran || !c->wrapped || nsc_read_file(c->log, &text, NULL) < 0)
    return;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    json_t *e = json_loads(line, 0, NULL);
    if (!json_is_object(e)) {
      json_decref(e);
      continue;
    }
    const char *ev = json_string_value(json_object_get(e, "event")) ?: "";
    if (!strcmp(ev, "summary"))
      json_object_set(counts, c->name, json_object_get(e, "counts"));
    if (!strcmp(ev, "call")) {
      json_decref(e);
      continue;
    }
    json_object_set_new(e, "command", json_string(c->name));
    json_array_append_new(events, e);
  }
  free(text);
}

/* The supervisor's record of a step: its fault event, or NULL. */
static const json_t *fault_event(const json_t *events, const json_t *step, const char *command)
{
  size_t i;
  json_t *e;
  json_array_foreach(events, i, e)
  {
    if (strcmp(json_string_value(json_object_get(e, "event")) ?: "", "fault") ||
        strcmp(json_string_value(json_object_get(e, "command")) ?: "", command))
      continue;
    if (!strcmp(json_string_value(json_object_get(e, "target")) ?: "",
                json_string_value(json_object_get(step, "target")) ?: "?") &&
        json_integer_value(json_object_get(e, "n")) ==
            json_integer_value(json_object_get(step, "nth")) &&
        !strcmp(json_string_value(json_object_get(e, "action")) ?: "",
                json_string_value(json_object_get(step, "action")) ?: "?"))
      return e;
  }
  return NULL;
}

/* robust.fault.fired for each step.  A step whose Nth call never came (the
 * count differed from the clean run) or that did not apply to the call it
 * met (short of a write not longer than N, ancillary data) says nothing
 * about the runtime: SKIP with the reason. */
static bool judge_fired(struct bb_run *b, const json_t *events, const json_t *counts)
{
  struct case_ctx *x = b->x;
  bool any = false;
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(b->plan, "steps"), i, s)
  {
    const char *target = json_string_value(json_object_get(s, "target"));
    json_int_t nth = json_integer_value(json_object_get(s, "nth"));
    for (size_t k = 0; k < N_COMMANDS; k++) {
      const struct bb_cmd *c = &b->cmd[k];
      if (!c->ran || !c->wrapped)
        continue;
      const json_t *e = fault_event(events, s, c->name);
      json_t *cc = json_object_get(counts, c->name);
      json_int_t count = json_integer_value(json_object_get(cc, target));
      char expected[160];
      snprintf(expected, sizeof(expected), "the supervisor's fault event for %s in %s",
               b->steps[i < 16 ? i : 15], c->name);
      if (e && json_is_true(json_object_get(e, "ok"))) {
        any = true;
        nsc_case_verdict(x, REQ("robust.fault.fired"), true, expected, "fired on pid %lld (%s)%s%s",
                         (long long)json_integer_value(json_object_get(e, "pid")),
                         json_string_value(json_object_get(e, "syscall")) ?: "?",
                         json_object_get(e, "detail") ? ": " : "",
                         json_string_value(json_object_get(e, "detail")) ?: "");
      } else if (e) {
        char reason[512];
        snprintf(reason, sizeof(reason), "the action did not apply to call %lld: %s",
                 (long long)nth, json_string_value(json_object_get(e, "detail")) ?: "?");
        nsc_case_skip(x, REQ("robust.fault.fired"), reason);
      } else if (!json_is_object(cc)) {
        nsc_case_verdict(x, REQ("robust.fault.fired"), false, expected,
                         "no summary from the supervisor of %s (nsc-inject did not run or was "
                         "killed)",
                         c->name);
      } else if (count < nth) {
        char reason[256];
        snprintf(reason, sizeof(reason),
                 "%s made %lld %s calls this time, fewer than %lld (the count of the clean run "
                 "differs)",
                 c->name, (long long)count, target, (long long)nth);
        nsc_case_skip(x, REQ("robust.fault.fired"), reason);
      } else {
        nsc_case_verdict(x, REQ("robust.fault.fired"), false, expected,
                         "%lld %s calls counted, no fault event", (long long)count, target);
      }
    }
  }
  return any;
}

static bool names_step(const char *line, const char *target)
{
  const struct target_info *t = target_info(target);
  for (size_t i = 0; t && i < ARRAY_SIZE(t->words) && t->words[i]; i++)
    if (strcasestr(line, t->words[i]))
      return true;
  return false;
}

/* Does a runtime's message name errnum?  Runtimes word errors their own
 * way (Go spells strerror in lower case, inside a quoted msg="..."), so the
 * text may be anywhere, in any case; the errno's name counts too.  Another
 * errno's text there instead is a stale errno. */
static enum nsc_errno_check errno_in_message(const char *line, int errnum, char *found, size_t len)
{
  found[0] = '\0';
  const char *name = nsrt_errno_name(errnum);
  if (strcasestr(line, strerror(errnum)) || (name && strstr(line, name)))
    return NSC_ERRNO_NAMED;
  size_t best = 0;
  for (int e = 1; e < 134; e++) {
    const char *text = strerror(e);
    size_t n = strlen(text);
    if (e != errnum && n > best && strncmp(text, "Unknown error", 13) && strcasestr(line, text)) {
      best = n;
      snprintf(found, len, "%s", text);
    }
  }
  return best ? NSC_ERRNO_STALE : NSC_ERRNO_MISSING;
}

/* The first line of text that names errnum (when not 0) or the target's
 * step (when target is set), into out. */
static bool find_line(const char *text, int errnum, const char *target, char *out, size_t len)
{
  for (const char *p = text; p && *p;) {
    size_t n = strcspn(p, "\n");
    char line[1024];
    snprintf(line, sizeof(line), "%.*s", (int)n, p);
    char found[128];
    if ((errnum && errno_in_message(line, errnum, found, sizeof(found)) == NSC_ERRNO_NAMED) ||
        (target && names_step(line, target))) {
      snprintf(out, len, "%s", line);
      return true;
    }
    p += n;
    if (*p)
      p++;
  }
  return false;
}

static bool action_is(const json_t *fired, const char *action)
{
  return !strcmp(json_string_value(json_object_get(fired, "action")) ?: "", action);
}

/* Which command the fault hit: the last one started before it fired (a
 * call of the container after `start` returned is start's doing); -1 when
 * none fired. */
static int hit_command(const struct bb_run *b, const json_t *fired)
{
  json_t *t = json_object_get(fired, "mono_ms");
  if (!fired)
    return -1;
  if (!json_is_number(t)) {
    for (size_t k = 0; k < N_COMMANDS; k++)
      if (b->cmd[k].ran &&
          !strcmp(json_string_value(json_object_get(fired, "command")) ?: "", b->cmd[k].name))
        return (int)k;
    return -1;
  }
  double when = json_number_value(t);
  int hit = -1;
  for (size_t k = 0; k < N_COMMANDS; k++)
    if (b->cmd[k].ran && b->cmd[k].start <= when)
      hit = (int)k;
  return hit;
}

static void judge_failure(struct bb_run *b, const struct nsc_snap *before, const json_t *fired)
{
  struct case_ctx *x = b->x;
  const struct bb_cmd *c = &b->cmd[b->failed];
  char line[1024];
  nsc_fault_error_line(c->err, line, sizeof(line));
  int hit = hit_command(b, fired);
  bool killed = action_is(fired, "kill");
  if (hit >= 0 && hit < b->failed && killed) {
    nsc_case_skip(x, REQ("robust.fault.error-exit"),
                  "the fault killed a process after the command it hit had returned: no command "
                  "could report it");
  } else if (hit >= 0 && hit < b->failed) {
    /* The fault hit an earlier command, which said nothing: the failure
     * came out later (a program whose exec failed after `start` exited 0). */
    nsc_case_verdict(x, REQ("robust.fault.error-exit"), false,
                     "the command the fault hit exits non-zero",
                     "%s exited 0 though %s %lld (%s) failed during it; %s then exited %d: %s",
                     b->cmd[hit].name, json_string_value(json_object_get(fired, "target")) ?: "?",
                     (long long)json_integer_value(json_object_get(fired, "n")),
                     json_string_value(json_object_get(fired, "action")) ?: "?", c->name, c->status,
                     line[0] ? line : "(no message)");
  } else {
    nsc_case_verdict(x, REQ("robust.fault.error-exit"), c->status != 0,
                     "a non-zero exit, or recovery with a correct container", "%s exited %d: %s",
                     c->name, c->status, line[0] ? line : "(no message)");
  }
  nsc_case_verdict(x, REQ("robust.fault.bounded"), !c->timed_out,
                   "the command ends within its bound", "%s %s after %.0f ms%s%s", c->name,
                   c->timed_out ? "was killed by the harness" : "ended", c->ms,
                   c->timed_out ? "; the hang: " : "", c->timed_out ? c->hang : "");

  /* The message, when the fault fired in this command's own tree and left
   * a process to print it (kill of the command's own process leaves none). */
  const char *action = json_string_value(json_object_get(fired, "action"));
  const char *target = json_string_value(json_object_get(fired, "target"));
  bool own = fired && hit == b->failed;
  /* The fault killed the command's own process: nobody was left to print
   * a message or to clean up. */
  bool self_killed = action && !strcmp(action, "kill") && c->program > 0 &&
                     json_integer_value(json_object_get(fired, "tgid")) == c->program;
  /* A runtime may print several lines (runc: one per stage that failed,
   * then a summary): the cause may be named in any of them. */
  if (own && !self_killed && action && !strcmp(action, "errno")) {
    int want = nsrt_errno_from_name(json_string_value(json_object_get(fired, "arg")) ?: "");
    char found[128], expected[256], named[1024];
    enum nsc_errno_check ec = NSC_ERRNO_MISSING;
    if (find_line(c->err, want, NULL, named, sizeof(named)))
      ec = NSC_ERRNO_NAMED;
    else
      ec = errno_in_message(line, want, found, sizeof(found));
    snprintf(expected, sizeof(expected), "the message names \"%s\" (%s)", strerror(want),
             nsrt_errno_name(want) ?: "?");
    char what[192] = "";
    if (ec == NSC_ERRNO_STALE)
      snprintf(what, sizeof(what), "stale errno \"%s\": ", found);
    else if (ec == NSC_ERRNO_MISSING)
      snprintf(what, sizeof(what), "no errno named: ");
    nsc_case_verdict(x, REQ("robust.fault.error-errno"), ec == NSC_ERRNO_NAMED, expected, "%s%s",
                     what,
                     ec == NSC_ERRNO_NAMED ? named
                     : line[0]             ? line
                                           : "(no message)");
  }
  /* A killed process cannot name its step: what the others say of it is
   * judged by the exit status alone. */
  if (own && !killed && target) {
    char expected[256], named[1024];
    snprintf(expected, sizeof(expected), "the message names the failing step (%s)", target);
    bool ok = find_line(c->err, 0, target, named, sizeof(named));
    nsc_case_verdict(x, REQ("robust.fault.error-step"), ok, expected, "%s",
                     ok        ? named
                     : line[0] ? line
                               : "(no message)");
  }

  /* Right after a failed create, nothing of it may be left.  Its
   * supervisor ends once no process of the tree is left; waited for first,
   * so it is not taken for a leaked child of the harness. */
  if (!strcmp(c->name, "create")) {
    wait_supervisor(c->supervisor, 1000);
    char **leaks = nsc_leaks_check(before, x->d->rt->root, x->leaf, x->id, 0);
    cleanup_free char *text = leaks_text(leaks);
    if (self_killed && leaks)
      nsc_case_skip(x, REQ("runtime.errors.no-change"),
                    "the create process itself was killed by the fault: only `delete --force` "
                    "can clean up");
    else if (c->timed_out && leaks)
      nsc_case_skip(x, REQ("runtime.errors.no-change"),
                    "create hung and the harness killed it (robust.fault.bounded): only `delete "
                    "--force` can clean up");
    else
      nsc_case_verdict(x, REQ("runtime.errors.no-change"), !leaks,
                       "nothing left right after the failed create", "%s",
                       leaks ? text : "nothing left");
    free_leaks(leaks);
  }
}

/* `delete --force` without faults: nothing may be left. */
static void judge_cleanup(struct bb_run *b, const struct nsc_snap *before)
{
  struct case_ctx *x = b->x;
  int status;
  json_t *st = nsc_case_state(x, &status);
  if (st && x->pid <= 0)
    x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  struct nsc_exec r;
  int rc = nsc_case_run(x, &r, -1, "delete", "--force", x->id, NULL);
  char line[512];
  nsc_first_line(r.err, line, sizeof(line));
  nsc_exec_free(&r);
  if (x->pid > 0)
    nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
  json_t *after = nsc_case_state(x, &status);
  bool gone = after == NULL;
  json_decref(after);
  for (size_t k = 0; k < N_COMMANDS; k++)
    wait_supervisor(b->cmd[k].supervisor, 1000);
  char **leaks = nsc_leaks_check(before, x->d->rt->root, x->leaf, x->id, 0);
  cleanup_free char *text = leaks_text(leaks);
  nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), gone && !leaks,
                   "nothing left after delete --force",
                   "delete --force exited %d%s%s; state %s; %s", rc, rc ? ": " : "", rc ? line : "",
                   gone ? "fails" : "still answers", leaks ? text : "nothing left");
  free_leaks(leaks);
  x->deleted = gone;
  x->pid = 0;
}

/* Every command exited 0: the runtime recovered (or the call it met was
 * harmless), and the container must be fully correct. */
static void judge_recovered(struct bb_run *b, json_t *created, json_t *running, json_t *probe,
                            bool gone, int stopped_status, const char *stopped)
{
  struct case_ctx *x = b->x;
  if (!b->record)
    nsc_case_verdict(x, REQ("robust.fault.error-exit"), true,
                     "a non-zero exit, or recovery with a correct container",
                     "every command exited 0: recovered; the container is judged below");
  nsc_case_verdict(x, REQ("runtime.start.runs-program"), probe != NULL,
                   "start exits 0, the program runs", "%s",
                   probe ? "the probe printed" : "no probe output");
  nsc_case_verdict(x, REQ("runtime.kill.signal"), gone, "kill exits 0, the program ends",
                   "the program %s", gone ? "ended" : "is still running");
  nsc_case_verdict(x, REQ("runtime.state.status-stopped"), stopped && !strcmp(stopped, "stopped"),
                   "status stopped", "state exited %d, status %s", stopped_status,
                   stopped ? stopped : "(none)");
  struct nsc_views v = {.config = x->config,
                        .self = x->d->self,
                        .targets = x->targets,
                        .created = created,
                        .running = running,
                        .probe = probe};
  struct nsc_verdicts judged = {0};
  nsc_judge_positive(&v, &judged);
  for (size_t i = 0; i < judged.n; i++) {
    struct nsc_verdict *j = &judged.v[i];
    nsc_verdict_add(&x->out->verdicts, j->requirement, j->verdict, j->expected, j->actual,
                    j->reason ? "%s" : NULL, j->reason);
  }
  nsc_verdicts_free(&judged);
}

void nsc_blackbox_run(struct case_ctx *x)
{
  struct bb_run b = {.x = x, .plan = x->c->fault, .failed = -1};
  json_t *steps = json_object_get(b.plan, "steps");
  b.record = json_array_size(steps) == 0;
  size_t i;
  json_t *s;
  json_array_foreach(steps, i, s)
  {
    struct nsrt_err err;
    if (i >= ARRAY_SIZE(b.steps) ||
        nsc_blackbox_step_text(s, i, b.steps[i], sizeof(b.steps[i]), &err) < 0) {
      char msg[512];
      if (i >= ARRAY_SIZE(b.steps))
        snprintf(msg, sizeof(msg), "more than %zu steps", ARRAY_SIZE(b.steps));
      else
        nsrt_err_format(&err, msg, sizeof(msg));
      nsc_case_verdict(x, REQ("robust.fault.fired"), false, "a valid seccomp plan", "%s", msg);
      return;
    }
    b.n_steps++;
  }
  if (!nsc_blackbox_inject()) {
    nsc_case_verdict(x, REQ("robust.fault.fired"), false, "nsc-inject runs the commands",
                     "nsc-inject not found (set NSC_INJECT_BIN)");
    return;
  }
  struct nsrt_err err;
  char name[80];
  snprintf(name, sizeof(name), "%s.inject", x->c->id);
  if (x->d->cgroup_base[0] &&
      nsc_cgroup_leaf(x->d->cgroup_base, name, b.sibling, sizeof(b.sibling), &err) < 0)
    b.sibling[0] = '\0';

  struct nsc_snap before;
  nsc_snapshot(&before, x->d->rt->root);
  json_t *created = NULL, *running = NULL, *probe = NULL, *st = NULL;
  char pidfile[PATH_MAX + 16], stopped[32] = "";
  snprintf(pidfile, sizeof(pidfile), "%s/pid", x->dir);
  bool gone = false;
  int status = -1;
  const char *create[] = {"create", "--bundle", x->dir, "--pid-file", pidfile, x->id, NULL};
  const char *start[] = {"start", x->id, NULL};
  const char *kill_[] = {"kill", x->id, "TERM", NULL};
  const char *delete[] = {"delete", x->id, NULL};
  do {
    if (run_cmd(&b, 0, x->probe_fd, create) < 0)
      break;
    st = nsc_case_state(x, &status);
    x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
    json_decref(st);
    observe(x, &created);
    if (run_cmd(&b, 1, -1, start) < 0)
      break;
    probe = wait_probe(x);
    if (probe)
      observe(x, &running);
    if (run_cmd(&b, 2, -1, kill_) < 0)
      break;
    gone = x->pid > 0 && nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
    if (!gone && x->pid > 0) {
      kill(x->pid, SIGKILL);
      nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
    }
    if (x->holder.pid > 0)
      kill(x->holder.pid, SIGKILL);
    if (x->holder.ns_init > 0)
      kill(x->holder.ns_init, SIGKILL);
    st = nsc_case_state(x, &status);
    snprintf(stopped, sizeof(stopped), "%s", st ? nsc_state_status(st) : "");
    json_decref(st);
    if (run_cmd(&b, 3, -1, delete) < 0)
      break;
  } while (0);

  json_t *events = json_array(), *counts = json_object();
  if (b.failed >= 0) {
    /* The failed command's supervisor has usually ended by now. */
    wait_supervisor(b.cmd[b.failed].supervisor, 200);
  } else {
    /* Every command succeeded and the container is gone: so is every
     * supervisor, soon. */
    double deadline = now_ms() + SUPERVISOR_EXIT_MS;
    for (size_t k = 0; k < N_COMMANDS; k++)
      wait_supervisor(b.cmd[k].supervisor, (int)(deadline > now_ms() ? deadline - now_ms() : 1));
  }
  for (size_t k = 0; k < N_COMMANDS; k++)
    collect_events(&b.cmd[k], events, counts);
  const json_t *fired = NULL;
  size_t k;
  json_t *e;
  json_array_foreach(events, k, e)
  {
    if (!fired && !strcmp(json_string_value(json_object_get(e, "event")) ?: "", "fault") &&
        json_is_true(json_object_get(e, "ok")))
      fired = e;
  }
  if (b.failed < 0) {
    judge_recovered(&b, created, running, probe, gone, status, stopped);
    int st_status;
    json_t *after = nsc_case_state(x, &st_status);
    x->deleted = after == NULL;
    nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), x->deleted,
                     "delete exits 0, state fails", "delete exited 0, state exited %d", st_status);
    json_decref(after);
    x->pid = 0;
  } else {
    judge_failure(&b, &before, fired);
    judge_cleanup(&b, &before);
  }
  for (size_t m = 0; m < N_COMMANDS; m++)
    wait_supervisor(b.cmd[m].supervisor, SUPERVISOR_EXIT_MS);
  if (b.sibling[0]) {
    nsc_cgroup_kill(b.sibling, 2000);
    nsc_reap_zombies();
    nsc_cgroup_remove(b.sibling);
  }
  /* Every supervisor has ended: the logs are whole (summaries included). */
  json_decref(events);
  json_decref(counts);
  events = json_array();
  counts = json_object();
  for (size_t m = 0; m < N_COMMANDS; m++)
    collect_events(&b.cmd[m], events, counts);
  bool any = b.record || judge_fired(&b, events, counts);

  json_t *rec = json_deep_copy(b.plan);
  json_object_set_new(rec, "fired", json_boolean(any));
  json_object_set_new(rec, "hits", events);
  json_object_set_new(rec, "counts", counts);
  const struct bb_cmd *c = b.failed >= 0 ? &b.cmd[b.failed] : NULL;
  json_object_set_new(rec, "failed_command", c ? json_string(c->name) : json_null());
  json_object_set_new(rec, "exit", json_integer(c ? c->status : 0));
  char buf[2048];
  snprintf(buf, sizeof(buf), "%s", c && c->err ? c->err : "");
  json_object_set_new(rec, "stderr", json_string(buf));
  if (c && c->timed_out)
    json_object_set_new(rec, "hang", json_string(c->hang));
  x->out->fault = rec;

  json_decref(created);
  json_decref(running);
  json_decref(probe);
  for (size_t m = 0; m < N_COMMANDS; m++)
    free(b.cmd[m].err);
}
