/* Stage probes: nsrt paused at its stage boundaries, /proc read from
 * outside, judged against the config.  This file holds the stage cases and
 * their run (spawn, wait for each pause, inspect, resume, finish the case);
 * the rest of a case, in its order:
 *   stages_expect.c  the boundaries a config reaches and what each must show;
 *   stages_proc.c    a stopped stage process as /proc shows it, and the
 *                    parsers of those texts;
 *   stages_check.c   the checks of each boundary.
 * stages_int.h holds what these files share. */
#include "stages.h"

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "driver_int.h"
#include "error.h"
#include "faults.h"
#include "judge.h"
#include "observe.h"
#include "process.h"
#include "requirements.h"

/* How long a boundary may take to be reached once the command is running. */
#define HIT_TIMEOUT_MS 10000
/* How long a stage process may take to stop after its hit line. */
#define STOP_TIMEOUT_MS 2000
/* The runtime's own channel and start deadlines while a stage is stopped:
 * far above what an inspection takes (milliseconds), so the peers of a
 * stopped stage never give up first; a case that hangs is still ended by
 * the harness's bound on each command. */
#define STAGE_SYNC_TIMEOUT_MS 60000

#define INTER_COMM "nsrt:[1:INTER]"
#define INIT_COMM  "nsrt:[2:INIT]"

/* ---- the cases ------------------------------------------------------------ */

/* Each config runs the probe until signalled, so the case ends like a
 * generated one.  Between them they reach every boundary: a new user
 * namespace with one range and a non-root user, one with several ranges and
 * a time namespace, and no user namespace with namespaces joined by path. */
static const struct {
  const char *slug, *title, *probe, *config;
} stage_defs[] = {
    {"userns-user", "stages of a user namespace, non-root user, caps, seccomp, rlimits", "mkdir",
     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
     "\"process\":{\"terminal\":false,\"args\":[\"/nsprobe\",\"--wait\",\"--seccomp-probe\","
     "\"mkdir\"],\"cwd\":\"/bin\",\"env\":[\"PATH=/bin\"],"
     "\"user\":{\"uid\":1000,\"gid\":1000,\"additionalGids\":[10,20]},"
     "\"noNewPrivileges\":true,"
     "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
     "\"effective\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
     "\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
     "\"inheritable\":[\"CAP_NET_BIND_SERVICE\"],\"ambient\":[\"CAP_NET_BIND_SERVICE\"]},"
     "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":256,\"hard\":512},"
     "{\"type\":\"RLIMIT_NPROC\",\"soft\":1024,\"hard\":2048}]},"
     "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
     "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
     "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
     "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
     "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
     "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
     "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}],"
     "\"linux\":{\"namespaces\":[{\"type\":\"user\"},{\"type\":\"pid\"},{\"type\":\"ipc\"},"
     "{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"network\"},{\"type\":\"cgroup\"}],"
     "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
     "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
     "\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\"],\"readonlyPaths\":[\"/proc/sys\"],"
     "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\","
     "\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}}}"},
    {"userns-time", "stages of a user namespace with several ranges and a time namespace", NULL,
     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
     "\"hostname\":\"stages\","
     "\"process\":{\"terminal\":false,\"args\":[\"/nsprobe\",\"--wait\"],\"cwd\":\"/\","
     "\"env\":[\"PATH=/bin\"],\"user\":{\"uid\":0,\"gid\":0},\"noNewPrivileges\":false,"
     "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_SETUID\","
     "\"CAP_SETGID\"],\"effective\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_SETUID\","
     "\"CAP_SETGID\"],\"permitted\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_SETUID\","
     "\"CAP_SETGID\"]},"
     "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":128,\"hard\":1024}]},"
     "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
     "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
     "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
     "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
     "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]}],"
     "\"linux\":{\"namespaces\":[{\"type\":\"user\"},{\"type\":\"pid\"},{\"type\":\"time\"},"
     "{\"type\":\"mount\"},{\"type\":\"uts\"}],"
     "\"uidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":1000},"
     "{\"containerID\":1000,\"hostID\":300000,\"size\":64536}],"
     "\"gidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":1000},"
     "{\"containerID\":1000,\"hostID\":300000,\"size\":64536}],"
     "\"timeOffsets\":{\"monotonic\":{\"secs\":86400,\"nanosecs\":0},"
     "\"boottime\":{\"secs\":7200,\"nanosecs\":500000000}}}}"},
    {"joined", "stages without a user namespace, network ipc uts joined by path", "mkdir",
     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
     "\"process\":{\"terminal\":false,\"args\":[\"/nsprobe\",\"--wait\",\"--seccomp-probe\","
     "\"mkdir\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"],"
     "\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[5]},\"noNewPrivileges\":false,"
     "\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"],"
     "\"effective\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"],\"permitted\":[\"CAP_SYS_ADMIN\","
     "\"CAP_KILL\"],\"inheritable\":[\"CAP_KILL\"]}},"
     "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
     "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
     "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
     "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
     "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]}],"
     "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},"
     "{\"type\":\"network\",\"path\":\"" NSC_HOLDER_PREFIX "network\"},"
     "{\"type\":\"ipc\",\"path\":\"" NSC_HOLDER_PREFIX "ipc\"},"
     "{\"type\":\"uts\",\"path\":\"" NSC_HOLDER_PREFIX "uts\"}],"
     "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\","
     "\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}}}"},
};

#define N_STAGE_DEFS (sizeof(stage_defs) / sizeof(stage_defs[0]))

/* The plan: one pause on each boundary's point, once. */
static json_t *stage_plan(const json_t *config)
{
  struct nsc_stage_points pts;
  nsc_stage_points(config, &pts);
  const char *points[3] = {pts.user, pts.pidns, pts.init};
  json_t *steps = json_array();
  for (int i = 0; i < 3; i++) {
    if (!points[i])
      continue;
    json_array_append_new(
        steps, json_pack("{s:s, s:s, s:i}", "point", points[i], "action", "pause", "times", 1));
  }
  json_t *commands = json_pack("[s]", "create");
  return json_pack("{s:s, s:o, s:i, s:i, s:o}", "kind", "failpoint", "steps", steps,
                   "sync_timeout_ms", STAGE_SYNC_TIMEOUT_MS, "seed", 0, "commands", commands);
}

size_t nsc_stage_cases(struct nsc_case **out)
{
  *out = calloc(N_STAGE_DEFS, sizeof(**out));
  if (!*out)
    return 0;
  size_t n = 0;
  for (size_t i = 0; i < N_STAGE_DEFS; i++) {
    struct nsc_case *c = &(*out)[n];
    c->config = json_loads(stage_defs[i].config, 0, NULL);
    if (!c->config)
      continue; /* a test checks that every config parses */
    snprintf(c->id, sizeof(c->id), "s%03zu-%s", i + 1, stage_defs[i].slug);
    c->kind = NSC_CASE_STAGE;
    c->title = strdup(stage_defs[i].title);
    c->probe_syscall = stage_defs[i].probe ? strdup(stage_defs[i].probe) : NULL;
    c->fault = stage_plan(c->config);
    n++;
  }
  return n;
}

/* ---- the run -------------------------------------------------------------- */

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

struct stage_run {
  struct case_ctx *x;
  char log[PATH_MAX];
  json_t *hits;    /* every hit line read so far */
  size_t log_off;  /* bytes of the log already parsed */
  size_t next_hit; /* hits before this one are used */
  pid_t paused[4]; /* stopped by their pause, not yet resumed */
  size_t n_paused;
  bool fired_all;
  struct nsc_stage_expect e;
  const char *start_env[3]; /* start's: its deadline, and the bugs of the plan */
};

static void read_hits(struct stage_run *s)
{
  char *text = NULL;
  size_t len = 0;
  if (nsc_read_file(s->log, &text, &len) < 0)
    return;
  while (s->log_off < len) {
    char *nl = memchr(text + s->log_off, '\n', len - s->log_off);
    if (!nl)
      break; /* a line still being written */
    *nl = '\0';
    json_t *hit = json_loads(text + s->log_off, 0, NULL);
    if (hit)
      json_array_append_new(s->hits, hit);
    s->log_off = (size_t)(nl - text) + 1;
  }
  free(text);
}

/* The next hit line of point; NULL when none came before the deadline or
 * the command p ended first. */
static const json_t *wait_hit(struct stage_run *s, const char *point, const struct nsc_pending *p)
{
  double deadline = now_ms() + HIT_TIMEOUT_MS;
  bool ended = false;
  for (;;) {
    read_hits(s);
    for (size_t i = s->next_hit; i < json_array_size(s->hits); i++) {
      const json_t *h = json_array_get(s->hits, i);
      if (strcmp(json_string_value(json_object_get(h, "point")) ?: "", point) == 0) {
        s->next_hit = i + 1;
        return h;
      }
    }
    if (ended || now_ms() > deadline)
      return NULL;
    if (p && p->pidfd >= 0) {
      struct pollfd pfd = {.fd = p->pidfd, .events = POLLIN};
      ended = poll(&pfd, 1, 5) == 1; /* one more look at the log, then give up */
    } else {
      sleep_ms(5);
    }
  }
}

/* The state letter of /proc/PID/stat; 0 when unreadable. */
static char proc_state(pid_t pid)
{
  char path[64], *text = NULL;
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  if (nsc_read_file(path, &text, NULL) < 0)
    return 0;
  const char *paren = strrchr(text, ')');
  char st = paren && paren[1] == ' ' ? paren[2] : 0;
  free(text);
  return st;
}

static bool wait_stopped(pid_t pid)
{
  double deadline = now_ms() + STOP_TIMEOUT_MS;
  for (;;) {
    char st = proc_state(pid);
    if (st == 'T' || st == 't')
      return true;
    if (st == 0 || st == 'Z' || st == 'X' || now_ms() > deadline)
      return false;
    sleep_ms(1);
  }
}

static void resume(struct stage_run *s, pid_t pid)
{
  kill(pid, SIGCONT);
  for (size_t i = 0; i < s->n_paused; i++)
    if (s->paused[i] == pid)
      s->paused[i] = s->paused[--s->n_paused];
}

/* Every stage process a pause stopped goes on, whatever happened. */
static void resume_all(struct stage_run *s)
{
  while (s->n_paused)
    resume(s, s->paused[0]);
}

enum { CHECK_USER = 1, CHECK_PIDNS = 2, CHECK_INIT = 4 };

/* Wait for the pause at point, check what the stopped process shows, let it
 * go on.  want_pid: the process that must have stopped (0: any). */
static void boundary(struct stage_run *s, const char *point, int checks, const char *comm,
                     pid_t want_pid, const struct nsc_pending *p)
{
  struct case_ctx *x = s->x;
  char expected[256];
  snprintf(expected, sizeof(expected), "pause at %s stops %s (hit line, state T)", point, comm);
  const json_t *hit = wait_hit(s, point, p);
  if (!hit) {
    s->fired_all = false;
    nsc_case_verdict(x, REQ("robust.fault.fired"), false, expected,
                     "no hit line of %s within %d ms%s", point, HIT_TIMEOUT_MS,
                     p && p->pidfd >= 0 ? " (or the command ended first)" : "");
    return;
  }
  pid_t pid = (pid_t)json_integer_value(json_object_get(hit, "pid"));
  if (pid <= 0) {
    s->fired_all = false;
    nsc_case_verdict(x, REQ("robust.fault.fired"), false, expected, "hit line without a pid");
    return;
  }
  if (s->n_paused < sizeof(s->paused) / sizeof(s->paused[0]))
    s->paused[s->n_paused++] = pid;
  bool stopped = wait_stopped(pid);
  struct nsc_stage_proc proc;
  struct nsrt_err err;
  int rc = nsc_stage_proc_read(pid, &proc, &err);
  bool right = rc == 0 && strcmp(proc.comm, comm) == 0 && (!want_pid || pid == want_pid);
  if (!stopped || !right)
    s->fired_all = false;
  nsc_case_verdict(x, REQ("robust.fault.fired"), stopped && right, expected, "pid %d (%s) %s%s",
                   (int)pid, rc == 0 ? proc.comm : "unreadable",
                   stopped ? "stopped" : "did not stop",
                   want_pid && pid != want_pid ? ", not the container's init" : "");
  if (rc == 0 && stopped) {
    if (checks & CHECK_USER)
      nsc_stage_check_user(&s->e, &proc, &x->out->verdicts);
    if (checks & CHECK_PIDNS)
      nsc_stage_check_pidns(&s->e, &proc, &x->out->verdicts);
    if (checks & CHECK_INIT)
      nsc_stage_check_init(&s->e, &proc, &x->out->verdicts);
  }
  if (rc == 0)
    nsc_stage_proc_free(&proc);
  resume(s, pid);
}

static bool in_plan(const json_t *plan, const char *point)
{
  size_t i;
  const json_t *step;
  json_array_foreach(json_object_get(plan, "steps"), i, step)
  {
    if (point && !strcmp(json_string_value(json_object_get(step, "point")) ?: "", point) &&
        !strcmp(json_string_value(json_object_get(step, "action")) ?: "", "pause"))
      return true;
  }
  return false;
}

/* What happened to the plan, for the result's "fault" record. */
static void record(struct stage_run *s, const char *failed, const struct nsc_exec *r)
{
  json_t *f = json_deep_copy(s->x->c->fault);
  if (!json_is_object(f)) {
    json_decref(f);
    f = json_object();
  }
  read_hits(s);
  json_object_set_new(f, "fired", json_boolean(s->fired_all));
  json_object_set(f, "hits", s->hits);
  json_object_set_new(f, "failed_command", failed ? json_string(failed) : json_null());
  json_object_set_new(f, "exit", json_integer(failed && r ? r->status : 0));
  json_object_set_new(f, "stderr", json_string(failed && r && r->err ? r->err : ""));
  json_decref(s->x->out->fault);
  s->x->out->fault = f;
}

/* start (the init's pause at init.execve inspected meanwhile), the probe,
 * kill, delete, and the generated case's judgement.  Returns the failed
 * command's name, or NULL. */
static const char *run_after_create(struct stage_run *s, const struct nsc_stage_points *pts,
                                    struct nsc_exec *failed)
{
  struct case_ctx *x = s->x;
  char line[512];
  int status;
  json_t *st = nsc_case_state(x, &status);
  x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  nsc_case_verdict(x, REQ("runtime.state.status-created"),
                   st && strcmp(nsc_state_status(st), "created") == 0, "status created",
                   "state exited %d, status %s", status, nsc_state_status(st));
  json_decref(st);
  json_t *created = NULL, *running = NULL, *probe = NULL;
  nsc_case_observe(x, &created);

  const char *argv[] = {"start", x->id, NULL};
  struct nsc_exec_opts o = {.stdout_fd = -1, .cgroup = x->leaf, .env = s->start_env};
  struct nsc_pending p;
  nsc_runtime_spawn(x->d->rt, &o, &p, argv);
  if (p.pid > 0 && in_plan(x->c->fault, pts->init))
    boundary(s, pts->init, CHECK_INIT, INIT_COMM, x->pid, &p);
  resume_all(s);
  struct nsc_exec r;
  int rc = nsc_runtime_wait(x->d->rt, &p, &r);
  const char *fail = NULL;
  if (rc != 0) {
    nsc_case_note_stderr(x, &r);
    fail = "start";
    *failed = r;
  } else {
    nsc_exec_free(&r);
  }
  probe = rc == 0 ? nsc_case_wait_probe(x) : NULL;
  nsc_case_verdict(x, REQ("runtime.start.runs-program"), rc == 0 && probe,
                   "start exits 0, the program runs", "start exited %d, %s: %s", rc,
                   probe ? "the probe printed" : "no probe output",
                   rc == 0 ? "" : nsc_first_line(failed->err, line, sizeof(line)));
  if (probe)
    nsc_case_observe(x, &running);

  rc = nsc_case_run(x, &r, -1, "kill", x->id, "TERM", NULL);
  nsc_exec_free(&r);
  bool gone = x->pid > 0 && nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
  if (probe)
    nsc_case_verdict(x, REQ("runtime.kill.signal"), rc == 0 && gone,
                     "kill exits 0, the program ends", "kill exited %d, the program %s", rc,
                     gone ? "ended" : "is still running");
  if (!gone) {
    nsc_case_run(x, &r, -1, "kill", x->id, "KILL", NULL);
    nsc_exec_free(&r);
    gone = x->pid > 0 && nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
  }
  if (gone && x->holder.pid > 0)
    kill(x->holder.pid, SIGKILL);
  if (gone && x->holder.ns_init > 0)
    kill(x->holder.ns_init, SIGKILL);

  rc = nsc_case_run(x, &r, -1, "delete", x->id, NULL);
  nsc_case_note_stderr(x, &r);
  nsc_exec_free(&r);
  st = nsc_case_state(x, &status);
  x->deleted = rc == 0 && status != 0;
  nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), x->deleted,
                   "delete exits 0, state fails", "delete exited %d, state exited %d", rc, status);
  json_decref(st);
  x->pid = 0;

  struct nsc_views v = {.config = x->config,
                        .self = x->d->self,
                        .targets = x->targets,
                        .created = created,
                        .running = running,
                        .probe = probe};
  nsc_judge_positive(&v, &x->out->verdicts);
  json_decref(created);
  json_decref(running);
  json_decref(probe);
  return fail;
}

void nsc_stage_run(struct case_ctx *x)
{
  struct stage_run s = {.x = x, .hits = json_array(), .fired_all = true};
  struct nsrt_err err;
  char line[512];
  if (nsc_stage_expect_from(x->config, x->d->self, x->targets, &s.e, &err) < 0) {
    char text[NSRT_ERR_TEXT_MAX + 64];
    nsrt_err_format(&err, text, sizeof(text));
    nsc_case_skip(x, REQ("robust.fault.fired"), text);
    json_decref(s.hits);
    return;
  }
  struct nsc_stage_points pts;
  nsc_stage_points(x->config, &pts);
  snprintf(s.log, sizeof(s.log), "%s/failpoints.log", x->dir);
  unlink(s.log);

  cleanup_free char *fps = NULL;
  if (nsc_fault_failpoints(x->c->fault, &fps, &err) < 0) {
    char text[NSRT_ERR_TEXT_MAX + 64];
    nsrt_err_format(&err, text, sizeof(text));
    nsc_case_skip(x, REQ("robust.fault.fired"), text);
    json_decref(s.hits);
    return;
  }
  long long sync_ms = json_integer_value(json_object_get(x->c->fault, "sync_timeout_ms"));
  long long seed = json_integer_value(json_object_get(x->c->fault, "seed"));
  char env_fp[2048], env_log[PATH_MAX + 32], env_sync[64], env_seed[64];
  snprintf(env_fp, sizeof(env_fp), "NSRT_FAILPOINTS=%s", fps ? fps : "");
  snprintf(env_log, sizeof(env_log), "NSRT_FAILPOINT_LOG=%s", s.log);
  snprintf(env_sync, sizeof(env_sync), "NSRT_SYNC_TIMEOUT_MS=%lld",
           sync_ms > 0 ? sync_ms : (long long)STAGE_SYNC_TIMEOUT_MS);
  snprintf(env_seed, sizeof(env_seed), "NSRT_FAILPOINT_SEED=%lld", seed);
  /* the plan's known bugs (nsrt-bugs), then whatever the case carries */
  char env_bugs[512] = "NSRT_BUGS=";
  const json_t *bugs = json_object_get(x->c->fault, "bugs");
  size_t bi;
  const json_t *bug;
  json_array_foreach(bugs, bi, bug)
  {
    size_t used = strlen(env_bugs);
    snprintf(env_bugs + used, sizeof(env_bugs) - used, "%s%s", bi ? "," : "",
             json_string_value(bug) ?: "");
  }
  const char *env[24] = {env_fp, env_log, env_sync, env_seed};
  size_t n_env = 4;
  if (json_array_size(bugs))
    env[n_env++] = env_bugs;
  for (const char *const *e = x->env; e && *e && n_env < 23; e++)
    env[n_env++] = *e;
  env[n_env] = NULL;
  /* start: a deadline above the init's pause, and the same bugs */
  char env_start[64];
  snprintf(env_start, sizeof(env_start), "NSRT_START_TIMEOUT_MS=%d", STAGE_SYNC_TIMEOUT_MS);
  s.start_env[0] = env_start;
  s.start_env[1] = json_array_size(bugs) ? env_bugs : NULL;
  s.start_env[2] = NULL;

  const char *argv[] = {"create", "--bundle", x->dir, x->id, NULL};
  struct nsc_exec_opts o = {.stdout_fd = x->probe_fd, .cgroup = x->leaf, .env = env};
  struct nsc_pending p;
  nsc_runtime_spawn(x->d->rt, &o, &p, argv);
  if (p.pid <= 0)
    s.fired_all = false; /* nothing ran, so nothing fired */
  if (p.pid > 0 && in_plan(x->c->fault, pts.user))
    boundary(&s, pts.user, CHECK_USER, INTER_COMM, 0, &p);
  if (p.pid > 0 && in_plan(x->c->fault, pts.pidns))
    boundary(&s, pts.pidns, CHECK_PIDNS, INTER_COMM, 0, &p);
  resume_all(&s);
  struct nsc_exec r;
  int rc = nsc_runtime_wait(x->d->rt, &p, &r);
  nsc_case_verdict(x, REQ("runtime.create.new-container"), rc == 0, "create exits 0",
                   "create exited %d%s: %s", rc, r.timed_out ? " (timed out)" : "",
                   rc == 0 ? "" : nsc_first_line(r.err, line, sizeof(line)));
  if (rc != 0) {
    nsc_case_note_stderr(x, &r);
    record(&s, "create", &r);
    nsc_exec_free(&r);
    json_decref(s.hits);
    return;
  }
  nsc_exec_free(&r);
  struct nsc_exec failed = {.status = 0};
  const char *fail = run_after_create(&s, &pts, &failed);
  resume_all(&s);
  record(&s, fail, &failed);
  nsc_exec_free(&failed);
  json_decref(s.hits);
}
