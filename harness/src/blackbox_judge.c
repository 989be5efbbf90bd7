/* The verdicts of one black-box case (blackbox_int.h): whether each step
 * fired, how the failed command failed (exit, bound, errno and step named
 * in its message), what was left after it and after `delete --force`, and
 * the container of a runtime that recovered. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blackbox_int.h"
#include "cleanup.h"
#include "driver_int.h"
#include "error.h"
#include "failpoint.h"
#include "faults.h"
#include "judge.h"
#include "leaks.h"
#include "requirements.h"

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
bool nsc_bb_judge_fired(struct bb_run *b, const json_t *events, const json_t *counts)
{
  struct case_ctx *x = b->x;
  bool any = false;
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(b->plan, "steps"), i, s)
  {
    const char *target = json_string_value(json_object_get(s, "target"));
    json_int_t nth = json_integer_value(json_object_get(s, "nth"));
    for (size_t k = 0; k < NSC_BB_N_COMMANDS; k++) {
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
        (target && nsc_bb_names_step(line, target))) {
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
    for (size_t k = 0; k < NSC_BB_N_COMMANDS; k++)
      if (b->cmd[k].ran &&
          !strcmp(json_string_value(json_object_get(fired, "command")) ?: "", b->cmd[k].name))
        return (int)k;
    return -1;
  }
  double when = json_number_value(t);
  int hit = -1;
  for (size_t k = 0; k < NSC_BB_N_COMMANDS; k++)
    if (b->cmd[k].ran && b->cmd[k].start <= when)
      hit = (int)k;
  return hit;
}

void nsc_bb_judge_failure(struct bb_run *b, const struct nsc_snap *before, const json_t *fired)
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
  /* A command that hung said nothing yet: robust.fault.bounded judges it. */
  if (c->timed_out)
    own = false;
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
    nsc_bb_wait_command(c, 1000);
    char **leaks = nsc_leaks_check(before, x->d->rt->root, x->leaf, x->id, 0);
    cleanup_free char *text = nsc_leaks_join(leaks);
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
    nsc_leaks_free(leaks);
  }
}

/* `delete --force` without faults: nothing may be left. */
void nsc_bb_judge_cleanup(struct bb_run *b, const struct nsc_snap *before)
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
  for (size_t k = 0; k < NSC_BB_N_COMMANDS; k++)
    if (b->cmd[k].ran && b->cmd[k].wrapped)
      nsc_bb_wait_command(&b->cmd[k], 1000);
  char **leaks = nsc_leaks_check(before, x->d->rt->root, x->leaf, x->id, 0);
  cleanup_free char *text = nsc_leaks_join(leaks);
  nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), gone && !leaks,
                   "nothing left after delete --force",
                   "delete --force exited %d%s%s; state %s; %s", rc, rc ? ": " : "", rc ? line : "",
                   gone ? "fails" : "still answers", leaks ? text : "nothing left");
  nsc_leaks_free(leaks);
  x->deleted = gone;
  x->pid = 0;
}

/* Every command exited 0: the runtime recovered (or the call it met was
 * harmless), and the container must be fully correct. */
void nsc_bb_judge_recovered(struct bb_run *b, json_t *created, json_t *running, json_t *probe,
                            bool gone, int stopped_status, const char *stopped)
{
  struct case_ctx *x = b->x;
  if (!b->record)
    nsc_case_verdict(x, REQ("robust.fault.error-exit"), true,
                     "a non-zero exit, or recovery with a correct container",
                     "every command exited 0: recovered; the container is judged below");
  nsc_fault_judge_container(x, created, running, probe, gone, stopped_status, stopped);
}
