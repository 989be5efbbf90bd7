/* One fault case (nsc_fault_run, faults.h): a valid spec, a fault plan,
 * the environment of each command, the lifecycle until a command fails,
 * the hits of the failpoint logs and the fault record.  The verdicts on how
 * it failed are in faults_judge.c, the plan's text and the reading of error
 * lines in faults_text.c, the sweep in faults_sweep.c. */
#include "faults.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "driver_int.h"
#include "error.h"
#include "faults_int.h"
#include "leaks.h"
#include "observe.h"
#include "process.h"
#include "requirements.h"
#if __has_include("blackbox.h")
#include "blackbox.h"
#endif

/* How long the probe may take to print after start. */
#define PROBE_TIMEOUT_MS 10000

static const char *const commands[] = NSC_FAULT_COMMANDS;

/* ---- running a case -------------------------------------------------------- */

static void build_env(struct fault_run *f)
{
  const json_t *plan = f->plan;
  size_t np = 0, nf = 0;
  json_t *t = json_object_get(plan, "sync_timeout_ms");
  if (json_is_integer(t)) {
    snprintf(f->sync, sizeof(f->sync), "NSRT_SYNC_TIMEOUT_MS=%lld",
             (long long)json_integer_value(t));
    f->env_plain[np++] = f->env_fault[nf++] = f->sync;
  }
  json_t *s = json_object_get(plan, "seed");
  snprintf(f->seed, sizeof(f->seed), "NSRT_FAILPOINT_SEED=%llu",
           json_is_integer(s) ? (unsigned long long)json_integer_value(s) : 0ULL);
  f->env_plain[np++] = f->env_fault[nf++] = f->seed;
  json_t *bugs = json_object_get(plan, "bugs");
  size_t i;
  json_t *b;
  size_t len = (size_t)snprintf(f->bugs, sizeof(f->bugs), "NSRT_BUGS=");
  json_array_foreach(bugs, i, b)
  {
    if (json_is_string(b) && len < sizeof(f->bugs))
      len += (size_t)snprintf(f->bugs + len, sizeof(f->bugs) - len, "%s%s", i ? "," : "",
                              json_string_value(b));
  }
  if (json_array_size(bugs))
    f->env_plain[np++] = f->env_fault[nf++] = f->bugs;
  /* The harness's own NSRT_FAILPOINTS (if any) never reaches a command. */
  snprintf(f->fp_env, sizeof(f->fp_env), "NSRT_FAILPOINTS=%s", f->failpoints ? f->failpoints : "");
  f->env_plain[np++] = "NSRT_FAILPOINTS=";
  f->env_fault[nf++] = f->fp_env;
  f->env_fault[nf++] = f->log_env;
  f->env_plain[np] = f->env_fault[nf] = NULL;
}

/* Run command i of the case (argv NULL-terminated, the command name first)
 * with the fault env when the plan carries it into that command. */
static int run_cmd(struct fault_run *f, size_t i, int stdout_fd, const char *const argv[])
{
  struct case_ctx *x = f->x;
  struct cmd_record *c = &f->cmd[i];
  c->name = commands[i];
  c->faulted = f->failpoints && f->failpoints[0] && nsc_fault_plan_has_command(f->plan, c->name);
  snprintf(c->log, sizeof(c->log), "%s/hits-%s.jsonl", x->dir, c->name);
  snprintf(f->log_env, sizeof(f->log_env), "NSRT_FAILPOINT_LOG=%s", c->log);
  unlink(c->log);
  struct nsc_exec_opts o = {
      .stdout_fd = stdout_fd, .cgroup = x->leaf, .env = c->faulted ? f->env_fault : f->env_plain};
  struct nsc_exec r;
  nsc_runtime_exec(x->d->rt, &o, &r, argv);
  c->ran = true;
  c->status = r.status;
  c->timed_out = r.timed_out;
  c->ms = r.ms;
  c->err = r.err ? strdup(r.err) : NULL;
  snprintf(c->hang, sizeof(c->hang), "%s", r.hang);
  if (r.status != 0 || r.timed_out)
    nsc_case_note_stderr(x, &r);
  nsc_exec_free(&r);
  bool failed = c->status != 0 || c->timed_out;
  if (failed && f->failed < 0)
    f->failed = (int)i;
  return failed ? -1 : 0;
}

/* The hit lines of every command's log, each with its "command". */
static void collect_hits(struct fault_run *f)
{
  f->hits = json_array();
  for (size_t i = 0; i < NSC_FAULT_N_COMMANDS; i++) {
    if (!f->cmd[i].ran || !f->cmd[i].faulted)
      continue;
    char *text = NULL;
    if (nsc_read_file(f->cmd[i].log, &text, NULL) < 0)
      continue;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
      json_t *h = json_loads(line, 0, NULL);
      if (!json_is_object(h)) {
        json_decref(h);
        continue;
      }
      json_object_set_new(h, "command", json_string(f->cmd[i].name));
      json_array_append_new(f->hits, h);
    }
    free(text);
  }
}

/* The first hit of the plan's step s (same point and action). */
static const json_t *hit_of(const json_t *hits, const json_t *s)
{
  const char *point = json_string_value(json_object_get(s, "point"));
  const char *action = json_string_value(json_object_get(s, "action"));
  size_t i;
  json_t *h;
  json_array_foreach(hits, i, h)
  {
    const char *p = json_string_value(json_object_get(h, "point"));
    const char *a = json_string_value(json_object_get(h, "action"));
    if (p && a && point && action && !strcmp(p, point) && !strcmp(a, action))
      return h;
  }
  return NULL;
}

static json_t *record_json(const struct fault_run *f, bool fired)
{
  json_t *rec = json_deep_copy(f->plan);
  json_object_set_new(rec, "fired", json_boolean(fired));
  json_object_set_new(rec, "hits", f->hits ? json_incref(f->hits) : json_array());
  const struct cmd_record *c = f->failed >= 0 ? &f->cmd[f->failed] : NULL;
  json_object_set_new(rec, "failed_command", c ? json_string(c->name) : json_null());
  json_object_set_new(rec, "exit", json_integer(c ? c->status : 0));
  if (c) {
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s", c->err ? c->err : "");
    json_object_set_new(rec, "stderr", json_string(buf));
    if (c->timed_out)
      json_object_set_new(rec, "hang", json_string(c->hang));
  } else {
    json_object_set_new(rec, "stderr", json_string(""));
  }
  return rec;
}

void nsc_fault_run(struct case_ctx *x)
{
  const json_t *plan = x->c->fault;
  const char *kind = json_string_value(json_object_get(plan, "kind"));
  if (kind && !strcmp(kind, "seccomp")) {
#if __has_include("blackbox.h")
    nsc_blackbox_run(x);
#else
    nsc_case_verdict(x, REQ("robust.fault.fired"), false, "a seccomp plan runs",
                     "this build has no black-box injection");
#endif
    return;
  }
  struct fault_run f = {.x = x, .plan = plan, .failed = -1};
  struct nsrt_err err;
  if (nsc_fault_failpoints(plan, &f.failpoints, &err) < 0) {
    char msg[512];
    nsrt_err_format(&err, msg, sizeof(msg));
    nsc_case_verdict(x, REQ("robust.fault.fired"), false, "a valid fault plan", "%s", msg);
    return;
  }
  build_env(&f);
  x->env = f.env_plain;
  struct nsc_snap before;
  nsc_snapshot(&before, x->d->rt->root);

  json_t *created = NULL, *running = NULL, *probe = NULL;
  char pidfile[PATH_MAX + 16];
  snprintf(pidfile, sizeof(pidfile), "%s/pid", x->dir);
  bool gone = false;
  int status = -1;
  json_t *st = NULL;
  char stopped[32] = "";
  const char *create[] = {"create", "--bundle", x->dir, "--pid-file", pidfile, x->id, NULL};
  const char *start[] = {"start", x->id, NULL};
  const char *kill_[] = {"kill", x->id, "TERM", NULL};
  const char *delete[] = {"delete", x->id, NULL};
  const char *delete_force[] = {"delete", "--force", x->id, NULL};
  bool force = !strcmp(json_string_value(json_object_get(plan, "delete")) ?: "", "force");
  do {
    if (run_cmd(&f, 0, x->probe_fd, create) < 0)
      break;
    /* The pid file names the init even when it is already gone (a fault
     * after INIT_READY), so the harness can reap it whatever happens. */
    char *text = NULL;
    if (nsc_read_file(pidfile, &text, NULL) == 0)
      x->pid = (pid_t)atoi(text);
    free(text);
    st = nsc_case_state(x, &status);
    if (x->pid <= 0)
      x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
    json_decref(st);
    nsc_case_observe(x, &created);
    if (run_cmd(&f, 1, -1, start) < 0)
      break;
    probe = nsc_case_probe_unless_gone(x, PROBE_TIMEOUT_MS);
    if (probe)
      nsc_case_observe(x, &running);
    if (force) {
      /* the running container goes with delete --force, no kill first */
      if (run_cmd(&f, 3, -1, delete_force) < 0)
        break;
      gone = x->pid > 0 && nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
      break;
    }
    if (run_cmd(&f, 2, -1, kill_) < 0)
      break;
    gone = nsc_case_after_kill(x, &status, stopped, sizeof(stopped));
    if (run_cmd(&f, 3, -1, delete) < 0)
      break;
  } while (0);

  collect_hits(&f);
  bool fired = true;
  const json_t *fired_step = NULL, *fired_hit = NULL;
  char missing[512] = "";
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(plan, "steps"), i, s)
  {
    const json_t *h = hit_of(f.hits, s);
    if (h && !fired_hit) {
      fired_step = s;
      fired_hit = h;
    }
    if (!h) {
      fired = false;
      size_t len = strlen(missing);
      snprintf(missing + len, sizeof(missing) - len, "%s%s %s", len ? ", " : "",
               json_string_value(json_object_get(s, "point")) ?: "?",
               json_string_value(json_object_get(s, "action")) ?: "?");
    }
  }
  /* A discovery plan arms every point to list those reached: most never
   * are, which is what it is for. */
  bool discover = json_is_true(json_object_get(plan, "discover"));
  if (json_array_size(json_object_get(plan, "steps")) && !discover) {
    char expected[256];
    snprintf(expected, sizeof(expected), "the hit log shows every step (%.200s)", f.failpoints);
    nsc_case_verdict(x, REQ("robust.fault.fired"), fired, expected, "%zu hits%s%s",
                     json_array_size(f.hits), fired ? "" : "; not fired: ", missing);
  }

  if (f.failed < 0) {
    nsc_fault_judge_recovered(&f, created, running, probe, force ? -1 : gone, status, stopped);
    int st_status;
    json_t *after = nsc_case_state(x, &st_status);
    x->deleted = after == NULL;
    if (force)
      nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), x->deleted && gone,
                       "delete --force exits 0, the program ends, state fails",
                       "delete --force exited 0, the program %s, state exited %d",
                       gone ? "ended" : "is still running", st_status);
    else
      nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), x->deleted,
                       "delete exits 0, state fails", "delete exited 0, state exited %d",
                       st_status);
    json_decref(after);
    x->pid = 0;
  } else {
    const struct cmd_record *c = &f.cmd[f.failed];
    char line[1024];
    nsc_fault_error_line(c->err, line, sizeof(line));
    nsc_case_verdict(x, REQ("robust.fault.error-exit"), c->status != 0,
                     "a non-zero exit, or recovery with a correct container", "%s exited %d: %s",
                     c->name, c->status, line[0] ? line : "(no message)");
    nsc_case_verdict(x, REQ("robust.fault.bounded"), !c->timed_out,
                     "the command ends within its bound", "%s %s after %.0f ms%s%s", c->name,
                     c->timed_out ? "was killed by the harness" : "ended", c->ms,
                     c->timed_out ? "; the hang: " : "", c->timed_out ? c->hang : "");
    nsc_fault_judge_message(&f, c, fired_step, fired_hit);
    nsc_fault_judge_cleanup(&f, &before, fired_hit && nsc_fault_self_killed(fired_hit));
  }
  x->out->fault = record_json(&f, fired);

  json_decref(created);
  json_decref(running);
  json_decref(probe);
  json_decref(f.hits);
  for (size_t k = 0; k < NSC_FAULT_N_COMMANDS; k++)
    free(f.cmd[k].err);
  x->env = NULL;
  free(f.failpoints);
}
