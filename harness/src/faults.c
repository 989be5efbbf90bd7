/* One fault case: a valid spec, a fault plan, the lifecycle until a command
 * fails, and the judgement of how it failed (faults.h). */
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
#include "failpoint.h"
#include "judge.h"
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
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* ---- the plan --------------------------------------------------------------- */

static int plan_fail(struct nsrt_err *err, size_t i, const char *member, const char *what)
{
  char step[64];
  snprintf(step, sizeof(step), "steps[%zu].%s", i, member);
  return nsrt_fail_at(err, "faults", EINVAL, step, "%s", what);
}

/* One term "[N*]action[(arg)]" appended to buf. */
static int append_term(char **buf, size_t *len, size_t *cap, const char *text)
{
  size_t n = strlen(text);
  if (*len + n + 1 > *cap) {
    size_t c = (*len + n + 1) * 2;
    char *b = realloc(*buf, c);
    if (!b)
      return -1;
    *buf = b;
    *cap = c;
  }
  memcpy(*buf + *len, text, n + 1);
  *len += n;
  return 0;
}

static int format_term(const json_t *step, size_t i, char *out, size_t len, struct nsrt_err *err)
{
  const char *action = json_string_value(json_object_get(step, "action"));
  if (!action || !*action || strspn(action, "abcdefghijklmnopqrstuvwxyz") != strlen(action))
    return plan_fail(err, i, "action", "not an action name");
  json_t *arg = json_object_get(step, "arg");
  json_t *times = json_object_get(step, "times");
  char prefix[32] = "", args[64] = "";
  if (times) {
    if (!json_is_integer(times) || json_integer_value(times) < 1)
      return plan_fail(err, i, "times", "not a positive integer");
    snprintf(prefix, sizeof(prefix), "%lld*", (long long)json_integer_value(times));
  }
  if (json_is_string(arg)) {
    const char *a = json_string_value(arg);
    if (!*a || strpbrk(a, "();=>"))
      return plan_fail(err, i, "arg", "not a plain errno name or number");
    snprintf(args, sizeof(args), "(%s)", a);
  } else if (json_is_integer(arg)) {
    snprintf(args, sizeof(args), "(%lld)", (long long)json_integer_value(arg));
  } else if (arg && !json_is_null(arg)) {
    return plan_fail(err, i, "arg", "neither a string nor an integer");
  }
  snprintf(out, len, "%s%s%s", prefix, action, args);
  return 0;
}

int nsc_fault_failpoints(const json_t *plan, char **out, struct nsrt_err *err)
{
  *out = NULL;
  json_t *steps = json_object_get(plan, "steps");
  if (steps && !json_is_array(steps))
    return nsrt_fail_at(err, "faults", EINVAL, "steps", "not an array");
  size_t n = json_array_size(steps);
  char *buf = strdup("");
  size_t len = 0, cap = 1;
  bool *done = calloc(n + 1, sizeof(bool));
  if (!buf || !done) {
    free(buf);
    free(done);
    return nsrt_fail_at(err, "faults", ENOMEM, "steps", NULL);
  }
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++) {
    if (done[i])
      continue;
    const char *point = json_string_value(json_object_get(json_array_get(steps, i), "point"));
    if (!point || !*point || strpbrk(point, "=;()> "))
      ret = plan_fail(err, i, "point", "not a failpoint name");
    if (ret == 0 && len && append_term(&buf, &len, &cap, ";") < 0)
      ret = nsrt_fail_at(err, "faults", ENOMEM, "steps", NULL);
    if (ret == 0 &&
        (append_term(&buf, &len, &cap, point) < 0 || append_term(&buf, &len, &cap, "=") < 0))
      ret = nsrt_fail_at(err, "faults", ENOMEM, "steps", NULL);
    /* every later step on the same point chains to this one */
    for (size_t j = i; j < n && ret == 0; j++) {
      const json_t *s = json_array_get(steps, j);
      const char *p = json_string_value(json_object_get(s, "point"));
      if (!p || strcmp(p, point) != 0)
        continue;
      char term[128];
      ret = format_term(s, j, term, sizeof(term), err);
      if (ret == 0 && ((j > i && append_term(&buf, &len, &cap, "->") < 0) ||
                       append_term(&buf, &len, &cap, term) < 0))
        ret = nsrt_fail_at(err, "faults", ENOMEM, "steps", NULL);
      done[j] = true;
    }
  }
  free(done);
  if (ret < 0) {
    free(buf);
    return ret;
  }
  *out = buf;
  return 0;
}

bool nsc_fault_plan_has_command(const json_t *plan, const char *command)
{
  json_t *cmds = json_object_get(plan, "commands");
  if (!json_is_array(cmds))
    return true;
  size_t i;
  json_t *c;
  json_array_foreach(cmds, i, c)
  {
    if (json_is_string(c) && strcmp(json_string_value(c), command) == 0)
      return true;
  }
  return false;
}

/* ---- messages ----------------------------------------------------------------- */

void nsc_fault_error_line(const char *text, char *buf, size_t len)
{
  buf[0] = '\0';
  if (!text)
    return;
  const char *line = NULL;
  size_t line_len = 0;
  for (const char *p = text; *p;) {
    size_t n = strcspn(p, "\n");
    if (n > 0) {
      line = p;
      line_len = n;
    }
    p += n;
    if (*p)
      p++;
  }
  if (line)
    snprintf(buf, len, "%.*s", (int)line_len, line);
}

static bool ends_with(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return b && a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The errno whose text the line ends with (the longest match), or 0. */
static int trailing_errno(const char *line)
{
  int best = 0;
  size_t best_len = 0;
  for (int e = 1; e < 134; e++) {
    const char *text = strerror(e);
    if (!text || strncmp(text, "Unknown error", 13) == 0)
      continue;
    size_t n = strlen(text);
    if (n > best_len && ends_with(line, text)) {
      /* a whole text: at the start or after ": " */
      size_t at = strlen(line) - n;
      if (at == 0 || (at >= 2 && line[at - 2] == ':' && line[at - 1] == ' ')) {
        best = e;
        best_len = n;
      }
    }
  }
  return best;
}

/* name as a whole word of line */
static bool has_word(const char *line, const char *name)
{
  size_t n = strlen(name);
  for (const char *p = strstr(line, name); p; p = strstr(p + 1, name)) {
    bool start = p == line || !(p[-1] == '_' || (p[-1] >= 'A' && p[-1] <= 'Z'));
    bool end = !(p[n] == '_' || (p[n] >= 'A' && p[n] <= 'Z'));
    if (start && end)
      return true;
  }
  return false;
}

enum nsc_errno_check nsc_fault_check_errno(const char *line, int errnum, char *found, size_t len)
{
  if (found && len)
    found[0] = '\0';
  int e = trailing_errno(line);
  if (e && found)
    snprintf(found, len, "%s", strerror(e));
  if (e == errnum)
    return NSC_ERRNO_NAMED;
  /* "...: ETIMEDOUT" or "(errno ETIMEDOUT)" name it too */
  const char *name = nsrt_errno_name(errnum);
  if (!e && name && has_word(line, name))
    return NSC_ERRNO_NAMED;
  return e ? NSC_ERRNO_STALE : NSC_ERRNO_MISSING;
}

bool nsc_fault_names_step(const char *line, const char *stage, const char *step)
{
  char want[256];
  snprintf(want, sizeof(want), "nsrt: %s: ", stage);
  const char *p = strstr(line, want);
  if (!p)
    return false;
  if (!step)
    return true;
  p += strlen(want);
  size_t n = strlen(step);
  return strncmp(p, step, n) == 0 && (p[n] == ':' || p[n] == '\0');
}

static bool word_sep(char c)
{
  return c == '\0' || c == ' ' || c == '_' || c == ':' || c == '/' || c == '(' || c == ')';
}

bool nsc_fault_mentions_step(const char *line, const char *stage, const char *step)
{
  char want[256];
  snprintf(want, sizeof(want), "nsrt: %s: ", stage);
  const char *p = strstr(line, want);
  if (!p || !*step)
    return false;
  p += strlen(want);
  size_t n = strlen(step);
  for (const char *q = strstr(p, step); q; q = strstr(q + 1, step))
    if ((q == p || word_sep(q[-1])) && word_sep(q[n]))
      return true;
  return false;
}

void nsc_fault_point_step(const char *point, char *stage, size_t slen, char *step, size_t len)
{
  char tmp[256];
  snprintf(tmp, sizeof(tmp), "%s", point);
  if (strncmp(tmp, "chan.", 5) == 0) {
    /* chan.<stage>.<send|recv>.<MESSAGE> */
    char *s = tmp + 5, *dir = strchr(s, '.');
    char *msg = dir ? strchr(dir + 1, '.') : NULL;
    if (dir && msg) {
      *dir++ = '\0';
      *msg++ = '\0';
      snprintf(stage, slen, "%s", s);
      snprintf(step, len, "%s %s", dir, msg);
      return;
    }
  }
  char *dot = strchr(tmp, '.');
  if (dot)
    *dot = '\0';
  snprintf(stage, slen, "%s", tmp);
  snprintf(step, len, "%s", dot ? dot + 1 : "");
}

/* ---- running a case -------------------------------------------------------- */

/* What one command of the case did. */
struct cmd_record {
  const char *name;
  bool ran, faulted;
  int status;
  bool timed_out;
  double ms;
  char *err;
  char hang[2048];
  char log[PATH_MAX];
};

struct fault_run {
  struct case_ctx *x;
  const json_t *plan;
  char *failpoints;
  /* NAME=VALUE entries: the base ones then per-command extras */
  char sync[64], seed[64], bugs[512], fp_env[8192], log_env[PATH_MAX + 32];
  const char *env_plain[8];
  const char *env_fault[8];
  struct cmd_record cmd[N_COMMANDS];
  int failed; /* index into cmd, or -1 */
  json_t *hits;
};

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
  for (size_t i = 0; i < N_COMMANDS; i++) {
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

/* The probe's JSON, or NULL once the program is gone or the bound passed:
 * a fault may have killed the program, and then nothing will come. */
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
    /* one more read after it is gone: it may have printed and exited */
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

/* Every command succeeded: the runtime recovered from the fault (or never
 * met it), and the container must be fully correct. */
static void judge_recovered(struct fault_run *f, json_t *created, json_t *running, json_t *probe,
                            int gone, int stopped_status, const char *stopped)
{
  struct case_ctx *x = f->x;
  nsc_case_verdict(x, REQ("robust.fault.error-exit"), true,
                   "a non-zero exit, or recovery with a correct container",
                   "every command exited 0: recovered; the container is judged below");
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
static bool self_killed(const json_t *hit)
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
static void judge_message(struct fault_run *f, const struct cmd_record *c, const json_t *step,
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
  if (self_killed(hit))
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
static void judge_cleanup(struct fault_run *f, const struct nsc_snap *before, bool self_kill)
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
    cleanup_free char *text = leaks_text(leaks);
    if (self_kill && leaks)
      nsc_case_skip(x, REQ("runtime.errors.no-change"),
                    "the create process itself was killed by the fault: only `delete --force` "
                    "can clean up");
    else
      nsc_case_verdict(x, REQ("runtime.errors.no-change"), !leaks,
                       "nothing left right after the failed create", "%s",
                       leaks ? text : "nothing left");
    free_leaks(leaks);
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
  cleanup_free char *text = leaks_text(leaks);
  if (excused[0])
    nsc_verdict_add(&x->out->verdicts, REQ("runtime.delete.removes-resources"), NSC_SKIP, NULL,
                    NULL, "children of the killed command reaped by the harness: %s", excused);
  nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), gone && !leaks,
                   "nothing left after delete --force",
                   "delete --force exited %d%s%s; state %s; %s", rc, rc ? ": " : "", rc ? line : "",
                   gone ? "fails" : "still answers", leaks ? text : "nothing left");
  free_leaks(leaks);
  x->deleted = gone;
  x->pid = 0;
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
    observe(x, &created);
    if (run_cmd(&f, 1, -1, start) < 0)
      break;
    probe = wait_probe(x);
    if (probe)
      observe(x, &running);
    if (force) {
      /* the running container goes with delete --force, no kill first */
      if (run_cmd(&f, 3, -1, delete_force) < 0)
        break;
      gone = x->pid > 0 && nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
      break;
    }
    if (run_cmd(&f, 2, -1, kill_) < 0)
      break;
    gone = x->pid > 0 && nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
    if (!gone && x->pid > 0) {
      /* not ended by TERM: the verdict says so; KILL so the case can end */
      kill(x->pid, SIGKILL);
      nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
    }
    /* the namespaces' holder may go with the program */
    if (x->holder.pid > 0)
      kill(x->holder.pid, SIGKILL);
    if (x->holder.ns_init > 0)
      kill(x->holder.ns_init, SIGKILL);
    st = nsc_case_state(x, &status);
    snprintf(stopped, sizeof(stopped), "%s", st ? nsc_state_status(st) : "");
    json_decref(st);
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
    judge_recovered(&f, created, running, probe, force ? -1 : gone, status, stopped);
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
    judge_message(&f, c, fired_step, fired_hit);
    judge_cleanup(&f, &before, fired_hit && self_killed(fired_hit));
  }
  x->out->fault = record_json(&f, fired);

  json_decref(created);
  json_decref(running);
  json_decref(probe);
  json_decref(f.hits);
  for (size_t k = 0; k < N_COMMANDS; k++)
    free(f.cmd[k].err);
  x->env = NULL;
  free(f.failpoints);
}
