/* The verdicts of one fault case (faults_int.h): the container of a
 * runtime that recovered, the error line of the failed command (errno,
 * stage and step, and a faulted error report), and what was left right
 * after it and after `delete --force`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cleanup.h"
#include "driver_int.h"
#include "error.h"
#include "failpoint.h"
#include "faults_int.h"
#include "judge.h"
#include "leaks.h"
#include "process.h"
#include "requirements.h"

/* Every command succeeded: the runtime recovered from the fault (or never
 * met it), and the container must be fully correct. */
void nsc_fault_judge_recovered(struct fault_run *f, json_t *created, json_t *running, json_t *probe,
                               int gone, int stopped_status, const char *stopped)
{
  nsc_case_verdict(f->x, REQ("robust.fault.error-exit"), true,
                   "a non-zero exit, or recovery with a correct container",
                   "every command exited 0: recovered; the container is judged below");
  nsc_fault_judge_container(f->x, created, running, probe, gone, stopped_status, stopped);
}

void nsc_fault_judge_container(struct case_ctx *x, json_t *created, json_t *running, json_t *probe,
                               int gone, int stopped_status, const char *stopped)
{
  nsc_case_verdict(x, REQ("runtime.start.runs-program"), probe != NULL,
                   "start exits 0, the program runs", "%s",
                   probe ? "the probe printed" : "no probe output");
  /* gone < 0: no kill (the case ended with delete --force) */
  if (gone >= 0) {
    nsc_case_verdict(x, REQ("runtime.kill.signal"), gone, "kill exits 0, the program ends",
                     "the program %s", gone ? "ended" : "is still running");
    nsc_case_verdict(x, REQ("runtime.state.status-stopped"), stopped && !strcmp(stopped, "stopped"),
                     "status stopped", "state exited %d, status %s", stopped_status,
                     stopped ? stopped : "(none)");
  }
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

/* The command's own process died of the injected exit/kill (main of
 * create, or the start/kill/delete process): nothing could print a message
 * or clean up before `delete --force`. */
bool nsc_fault_self_killed(const json_t *hit)
{
  const char *action = json_string_value(json_object_get(hit, "action"));
  const char *stage = json_string_value(json_object_get(hit, "stage"));
  if (!action || !stage || (strcmp(action, "exit") && strcmp(action, "kill")))
    return false;
  return strcmp(stage, "intermediate") != 0 && strcmp(stage, "init") != 0;
}

/* A plan whose first step only opens an error path ("role": "trigger": a
 * step of a stage fails) and whose second step faults that stage's error
 * report (chan.<stage>.send.ERROR).  When the report is lost (err, drop,
 * kill, exit), main can only say how the stage ended: no errno is then
 * fine, but another errno than the trigger's is stale.  A garbled report
 * (short, corrupt) is a bad message (EBADMSG); a late one (sleep) is
 * main's timeout; a doubled one (dup) still carries the trigger's errno.
 * The line must name the failed stage (main's own receive for sleep,
 * short and corrupt). */
static void judge_report_fault(struct fault_run *f, const char *line, const json_t *trigger_hit,
                               const json_t *subject)
{
  struct case_ctx *x = f->x;
  const char *action = json_string_value(json_object_get(subject, "action")) ?: "";
  json_t *arg = json_object_get(trigger_hit, "arg");
  int trig = json_is_integer(arg) ? (int)json_integer_value(arg) : 0;
  int want = trig, also = 0;
  bool none_ok = false;
  if (!strcmp(action, "sleep"))
    want = ETIMEDOUT;
  else if (!strcmp(action, "short") || !strcmp(action, "corrupt"))
    also = EBADMSG;
  else if (strcmp(action, "dup") != 0)
    none_ok = true;
  char found[128];
  enum nsc_errno_check ec = nsc_fault_check_errno(line, want, found, sizeof(found));
  if (ec != NSC_ERRNO_NAMED && also)
    ec = nsc_fault_check_errno(line, also, found, sizeof(found));
  bool ok = ec == NSC_ERRNO_NAMED || (ec == NSC_ERRNO_MISSING && none_ok);
  char expected[256];
  snprintf(expected, sizeof(expected), "the message ends with \"%s\"%s%s%s", strerror(want),
           also ? " or \"" : "", also ? strerror(also) : "", also ? "\"" : "");
  if (none_ok) {
    size_t n = strlen(expected);
    snprintf(expected + n, sizeof(expected) - n, ", or names no errno (the report was lost)");
  }
  nsc_case_verdict(x, REQ("robust.fault.error-errno"), ok, expected, "%s%s%s%s",
                   ec == NSC_ERRNO_STALE ? "stale errno \"" : "",
                   ec == NSC_ERRNO_STALE ? found : "", ec == NSC_ERRNO_STALE ? "\": " : "",
                   line[0] ? line : "(no message)");

  const char *stage = json_string_value(json_object_get(trigger_hit, "stage")) ?: "?";
  bool mains = !strcmp(action, "sleep") || !strcmp(action, "short") || !strcmp(action, "corrupt");
  const char *who = mains ? "main" : stage;
  snprintf(expected, sizeof(expected), "\"nsrt: %s: ...\" (%s)", who,
           mains ? "main's receive that noticed" : "the stage that failed");
  nsc_case_verdict(x, REQ("robust.fault.error-step"), nsc_fault_names_step(line, who, NULL),
                   expected, "%s", line[0] ? line : "(no message)");
}

/* How the error line of a failed command is judged, given the step that
 * fired (NULL when none did). */
void nsc_fault_judge_message(struct fault_run *f, const struct cmd_record *c, const json_t *step,
                             const json_t *hit)
{
  struct case_ctx *x = f->x;
  char line[1024];
  nsc_fault_error_line(c->err, line, sizeof(line));
  if (!step || !hit)
    return;
  const char *action = json_string_value(json_object_get(step, "action"));
  const char *point = json_string_value(json_object_get(step, "point"));
  if (!c->faulted) {
    /* The fault fired in an earlier command's process; this command's
     * message cannot know its errno. */
    return;
  }
  if (nsc_fault_self_killed(hit))
    return; /* no process was left to print anything */
  json_t *steps = json_object_get(f->plan, "steps");
  json_t *first = json_array_get(steps, 0);
  if (json_array_size(steps) == 2 && step == first &&
      !strcmp(json_string_value(json_object_get(first, "role")) ?: "", "trigger")) {
    judge_report_fault(f, line, hit, json_array_get(steps, 1));
    return;
  }
  char stage[64], stepname[192];
  nsc_fault_point_step(point, stage, sizeof(stage), stepname, sizeof(stepname));
  const char *hit_stage = json_string_value(json_object_get(hit, "stage"));
  if (hit_stage && *hit_stage && strncmp(point, "chan.", 5) != 0)
    snprintf(stage, sizeof(stage), "%s", hit_stage);

  int want = 0;
  if (!strcmp(action, "err")) {
    json_t *arg = json_object_get(hit, "arg");
    want = json_is_integer(arg) ? (int)json_integer_value(arg) : 0;
  } else if (!strcmp(action, "sleep")) {
    want = ETIMEDOUT;
  }
  if (want) {
    char found[128];
    enum nsc_errno_check ec = nsc_fault_check_errno(line, want, found, sizeof(found));
    char expected[256];
    snprintf(expected, sizeof(expected), "the message ends with \"%s\" (%s)", strerror(want),
             nsrt_errno_name(want) ?: "?");
    nsc_case_verdict(x, REQ("robust.fault.error-errno"), ec == NSC_ERRNO_NAMED, expected,
                     "%s%s%s%s: %s", ec == NSC_ERRNO_STALE ? "stale errno \"" : "",
                     ec == NSC_ERRNO_STALE ? found : "", ec == NSC_ERRNO_STALE ? "\"" : "",
                     ec == NSC_ERRNO_MISSING ? "no errno named" : "",
                     line[0] ? line : "(no message)");
  }

  /* The stage and step: err names the point's own; exit and kill name the
   * stage that died; channel actions and sleep name a receive that failed
   * (the peer's, or the point's own). */
  bool ok;
  char expected[320];
  /* A point of a module (hooks, state...) runs in any stage; its step
   * may be named inside the stage's own step ("state_dir: mkdir ..."). */
  bool module = strncmp(point, "main.", 5) && strncmp(point, "intermediate.", 13) &&
                strncmp(point, "init.", 5) && strncmp(point, "chan.", 5);
  if (!strcmp(action, "err")) {
    ok = nsc_fault_names_step(line, stage, stepname) ||
         (module && nsc_fault_mentions_step(line, stage, stepname));
    snprintf(expected, sizeof(expected), "\"nsrt: %s: %s: ...\"%s", stage, stepname,
             module ? " (or the step named in the message)" : "");
  } else if (!strcmp(action, "exit") || !strcmp(action, "kill")) {
    ok = nsc_fault_names_step(line, stage, NULL);
    snprintf(expected, sizeof(expected), "\"nsrt: %s: ...\" (the stage that died)", stage);
  } else {
    /* The peer that noticed names itself and its receive (or how the
     * other stage died): any stage and step will do. */
    char any_stage[64] = "";
    sscanf(line, "nsrt: %63[^:]", any_stage);
    ok = any_stage[0] && strncmp(line, "nsrt: ", 6) == 0 &&
         strchr(line + 6 + strlen(any_stage) + 1, ':');
    snprintf(expected, sizeof(expected), "\"nsrt: <stage>: <step>: ...\"");
  }
  nsc_case_verdict(x, REQ("robust.fault.error-step"), ok, expected, "%s",
                   line[0] ? line : "(no message)");
}

/* leaks without the zombies (described into excused); NULL when none is
 * left. */
static char **drop_zombies(char **leaks, char *excused, size_t len)
{
  size_t k = 0;
  for (size_t i = 0; leaks && leaks[i]; i++) {
    if (strncmp(leaks[i], "zombie left", 11) == 0) {
      size_t used = strlen(excused);
      snprintf(excused + used, len - used, "%s%s", used ? "; " : "", leaks[i]);
      free(leaks[i]);
    } else {
      leaks[k++] = leaks[i];
    }
  }
  if (!leaks)
    return NULL;
  leaks[k] = NULL;
  if (k == 0) {
    free(leaks);
    return NULL;
  }
  return leaks;
}

/* Nothing may be left right after the failed command (create), and nothing
 * after `delete --force`. */
void nsc_fault_judge_cleanup(struct fault_run *f, const struct nsc_snap *before, bool self_kill)
{
  struct case_ctx *x = f->x;
  const struct cmd_record *c = &f->cmd[f->failed];
  if (self_kill && x->leaf[0] && (!strcmp(c->name, "create") || !strcmp(c->name, "delete"))) {
    /* What the killed command had started (a hook, a stage about to get
     * its parent-death signal) ends on its own: give it a moment. */
    pid_t pids[8];
    for (int i = 0; i < 100 && nsc_cgroup_pids(x->leaf, pids, 8) > 0; i++)
      sleep_ms(10);
  }
  if (!strcmp(c->name, "create")) {
    char **leaks = nsc_leaks_check(before, x->d->rt->root, x->leaf, x->id, 0);
    cleanup_free char *text = nsc_leaks_join(leaks);
    if (self_kill && leaks)
      nsc_case_skip(x, REQ("runtime.errors.no-change"),
                    "the create process itself was killed by the fault: only `delete --force` "
                    "can clean up");
    else
      nsc_case_verdict(x, REQ("runtime.errors.no-change"), !leaks,
                       "nothing left right after the failed create", "%s",
                       leaks ? text : "nothing left");
    nsc_leaks_free(leaks);
  }
  /* a container whose start/kill/delete failed is still there */
  int status;
  json_t *st = nsc_case_state(x, &status);
  if (st && x->pid <= 0)
    x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  x->env = f->env_plain;
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
  char **leaks = nsc_leaks_check(before, x->d->rt->root, x->leaf, x->id, 0);
  /* A command killed by the fault leaves its children to the reaper (the
   * harness here, a subreaper) whatever it does: their zombies are the
   * reaper's to collect, not something delete could remove. */
  char excused[512] = "";
  if (self_kill)
    leaks = drop_zombies(leaks, excused, sizeof(excused));
  cleanup_free char *text = nsc_leaks_join(leaks);
  if (excused[0])
    nsc_verdict_add(&x->out->verdicts, REQ("runtime.delete.removes-resources"), NSC_SKIP, NULL,
                    NULL, "children of the killed command reaped by the harness: %s", excused);
  nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), gone && !leaks,
                   "nothing left after delete --force",
                   "delete --force exited %d%s%s; state %s; %s", rc, rc ? ": " : "", rc ? line : "",
                   gone ? "fails" : "still answers", leaks ? text : "nothing left");
  nsc_leaks_free(leaks);
  x->deleted = gone;
  x->pid = 0;
}
