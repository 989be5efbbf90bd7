/* One black-box case (nsc_blackbox_run, blackbox.h): each runtime command
 * loads the plan's filter in the harness's spawn path and is served by the
 * harness's supervisor (blackbox_sup.c), or, where the runtime has a wrapper
 * already, runs under nsc-inject; the supervision is waited for and the logs
 * collected for the verdicts of blackbox_judge.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../inject/inject.h"
#include "blackbox.h"
#include "blackbox_int.h"
#include "cgroup.h"
#include "cleanup.h"
#include "driver_int.h"
#include "error.h"
#include "faults.h"
#include "leaks.h"
#include "observe.h"
#include "process.h"
#include "requirements.h"

#define PROBE_TIMEOUT_MS 10000
/* How long a supervisor may take to notice its tree is gone. */
#define SUPERVISOR_EXIT_MS 5000

static const char *const commands[] = NSC_FAULT_COMMANDS;

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

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
bool nsc_bb_wait_supervisor(pid_t pid, int timeout_ms)
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

/* The plan of the harness's supervisor, made once per case.  NULL when the
 * steps cannot be expressed (they were checked before) or the filter
 * cannot be built. */
static struct nsc_bb_plan *shared_plan(struct bb_run *b, struct nsrt_err *err)
{
  if (!b->shared) {
    const char *steps[ARRAY_SIZE(b->steps)];
    for (size_t k = 0; k < b->n_steps; k++)
      steps[k] = b->steps[k];
    /* The supervision of create lasts as long as the container: it must
     * outlast every command of the case. */
    b->shared = nsc_bb_plan_new(steps, b->n_steps,
                                b->x->d->rt->timeout_ms * 6L + PROBE_TIMEOUT_MS * 2L, err);
  }
  return b->shared;
}

/* nsc-inject wraps the command: only where the runtime already has a
 * wrapper (strace of `nsconform repro --trace`), which must stay outermost
 * and is traced with the supervisor's start. */
static void inject_wrapper(struct bb_run *b, struct bb_cmd *c, const char *inject, char *timeout,
                           size_t timeout_len, const char **wrap)
{
  struct case_ctx *x = b->x;
  size_t n = 0;
  for (char **w = x->d->rt->wrapper; w && *w && n < 8; w++)
    wrap[n++] = *w;
  snprintf(timeout, timeout_len, "%d", x->d->rt->timeout_ms * 6 + PROBE_TIMEOUT_MS * 2);
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
  const char *wrap[8 + 12 + 2 * ARRAY_SIZE(b->steps)];
  struct nsc_exec_opts o = {.stdout_fd = stdout_fd, .cgroup = x->leaf, .env = x->env};
  struct nsrt_err err;
  struct nsc_exec r;
  if (c->wrapped) {
    snprintf(c->log, sizeof(c->log), "%s/inject-%s.jsonl", x->dir, c->name);
    unlink(c->log);
  }
  c->start = now_ms();
  const struct nsc_bb_plan *plan = c->wrapped && !x->d->rt->wrapper ? shared_plan(b, &err) : NULL;
  if (plan && nsc_bb_exec(plan, x->d->rt, x->d->cgroup_base, &o, c->log, &r, argv, &err) == 0) {
    c->shared = true;
  } else {
    if (c->wrapped && inject) {
      inject_wrapper(b, c, inject, timeout, sizeof(timeout), wrap);
      rt.wrapper = (char **)wrap;
    }
    c->start = now_ms();
    nsc_runtime_exec(&rt, &o, &r, argv);
  }
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
  if (c->shared) {
    pid_t sup = supervisor_of(c->log, &c->program);
    c->supervisor = sup == nsc_bb_sup_pid() ? sup : 0;
  } else if (c->wrapped && inject) {
    c->supervisor = supervisor_of(c->log, &c->program);
    move_supervisor(b, c->supervisor);
  }
  bool failed = c->status != 0 || c->timed_out;
  if (failed && b->failed < 0)
    b->failed = (int)i;
  return failed ? -1 : 0;
}

/* Wait (bounded) for the supervision of a command to end: nsc-inject's
 * process exits, the harness's supervisor logs the command's summary.
 * nsc-inject's is killed past the bound (its calls then fail). */
void nsc_bb_wait_command(const struct bb_cmd *c, int timeout_ms)
{
  if (c->shared)
    nsc_bb_log_wait(c->log, "summary", timeout_ms);
  else
    nsc_bb_wait_supervisor(c->supervisor, timeout_ms);
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
  if (x->d->rt->wrapper && !nsc_blackbox_inject()) {
    nsc_case_verdict(x, REQ("robust.fault.fired"), false, "nsc-inject runs the wrapped commands",
                     "nsc-inject not found (set NSC_INJECT_BIN)");
    return;
  }
  struct nsrt_err err;
  char name[80];
  snprintf(name, sizeof(name), "%s.inject", x->c->id);
  if (x->d->cgroup_base[0] &&
      nsc_cgroup_leaf(x->d->cgroup_base, name, b.sibling, sizeof(b.sibling), &err) < 0)
    b.sibling[0] = '\0';

  /* "bugs": NSRT_BUGS for nsrt-bugs (the known-bug catalog), every command. */
  char bugs[512];
  const char *env[] = {bugs, NULL};
  size_t len = (size_t)snprintf(bugs, sizeof(bugs), "NSRT_BUGS=");
  json_t *bug;
  json_array_foreach(json_object_get(b.plan, "bugs"), i, bug)
  {
    if (json_is_string(bug) && len < sizeof(bugs))
      len += (size_t)snprintf(bugs + len, sizeof(bugs) - len, "%s%s", i ? "," : "",
                              json_string_value(bug));
  }
  const char *const *saved_env = x->env;
  if (json_array_size(json_object_get(b.plan, "bugs")))
    x->env = env;

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
    nsc_case_observe(x, &created);
    if (run_cmd(&b, 1, -1, start) < 0)
      break;
    probe = nsc_case_probe_unless_gone(x, PROBE_TIMEOUT_MS);
    if (probe)
      nsc_case_observe(x, &running);
    if (run_cmd(&b, 2, -1, kill_) < 0)
      break;
    gone = nsc_case_after_kill(x, &status, stopped, sizeof(stopped));
    if (run_cmd(&b, 3, -1, delete) < 0)
      break;
  } while (0);

  json_t *events = json_array(), *counts = json_object();
  if (b.failed >= 0) {
    /* The failed command's supervisor has usually ended by now. */
    nsc_bb_wait_command(&b.cmd[b.failed], 200);
  } else {
    /* Every command succeeded and the container is gone: so is every
     * supervisor, soon. */
    double deadline = now_ms() + SUPERVISOR_EXIT_MS;
    for (size_t k = 0; k < NSC_BB_N_COMMANDS; k++)
      if (b.cmd[k].ran && b.cmd[k].wrapped)
        nsc_bb_wait_command(&b.cmd[k], (int)(deadline > now_ms() ? deadline - now_ms() : 1));
  }
  for (size_t k = 0; k < NSC_BB_N_COMMANDS; k++)
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
    nsc_bb_judge_recovered(&b, created, running, probe, gone, status, stopped);
    int st_status;
    json_t *after = nsc_case_state(x, &st_status);
    x->deleted = after == NULL;
    nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), x->deleted,
                     "delete exits 0, state fails", "delete exited 0, state exited %d", st_status);
    json_decref(after);
    x->pid = 0;
  } else {
    nsc_bb_judge_failure(&b, &before, fired);
    nsc_bb_judge_cleanup(&b, &before);
  }
  {
    double deadline = now_ms() + SUPERVISOR_EXIT_MS;
    for (size_t m = 0; m < NSC_BB_N_COMMANDS; m++)
      if (b.cmd[m].ran && b.cmd[m].wrapped)
        nsc_bb_wait_command(&b.cmd[m], (int)(deadline > now_ms() ? deadline - now_ms() : 1));
  }
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
  for (size_t m = 0; m < NSC_BB_N_COMMANDS; m++)
    collect_events(&b.cmd[m], events, counts);
  bool any = b.record || nsc_bb_judge_fired(&b, events, counts);

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
  for (size_t m = 0; m < NSC_BB_N_COMMANDS; m++)
    free(b.cmd[m].err);
  nsc_bb_plan_free(b.shared);
  x->env = saved_env;
}
