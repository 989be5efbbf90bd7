/* Hook faults: a hook past its timeout, a failing hook of each kind
 * (runtime.md "Lifecycle": an error, the container stopped and destroyed,
 * the poststop hooks run; a failing poststop hook only a warning), and hook
 * configs create must refuse (config.md "POSIX-platform Hooks"). */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver_int.h"
#include "lifecycle_hooks.h"
#include "lifecycle_int.h"
#include "observe.h"
#include "requirements.h"

/* ---- timeout ---------------------------------------------------------------------- */

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A createRuntime hook with timeout 1 that sleeps well past it: create must
 * fail within a few seconds and the hook must be gone.  The sleep stays
 * below the harness's own command timeout, so a runtime that never aborts
 * the hook shows as a create that succeeded late. */
void nsc_lc_hook_timeout(struct case_ctx *x)
{
  const char *req = REQ("config.hooks.timeout-abort");
  struct nsc_hook_case h;
  if (!nsc_hook_setup(x, &h, req))
    return;
  int sleep_s = x->d->rt->timeout_ms / 1000 - 3;
  if (sleep_s > 12)
    sleep_s = 12;
  if (sleep_s < 5) {
    nsc_case_skip(x, req, "the command timeout (--timeout) is too short to tell an aborted hook");
    return;
  }
  char cmd[PATH_MAX + 128];
  snprintf(cmd, sizeof(cmd), "cat >/dev/null; echo $$ >'%s/sleeper'; exec sleep %d", h.rec,
           sleep_s);
  nsc_hook_set(x, json_pack("{s:[o]}", "createRuntime", nsc_hook_shell(cmd, 1)));
  if (!nsc_lc_write_config(x, req))
    return;
  double t0 = now_s();
  struct nsc_exec r;
  int rc = nsc_case_create(x, &r);
  double took = now_s() - t0;
  nsc_case_note_stderr(x, &r);
  bool timed_out = r.timed_out;
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  if (st)
    x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);

  char path[PATH_MAX + 16], *text = NULL;
  snprintf(path, sizeof(path), "%s/sleeper", h.rec);
  pid_t sleeper = nsc_read_file(path, &text, NULL) == 0 ? (pid_t)atoi(text) : 0;
  free(text);
  /* Aborted: gone, or at most a zombie the runtime left to its reaper. */
  bool gone = sleeper > 0 && nsc_wait_gone(sleeper, 2000);
  double bound = 1 + (sleep_s - 1) / 2.0;
  nsc_case_verdict(x, req, sleeper > 0 && rc != 0 && !timed_out && took < bound && gone,
                   "create fails within a few seconds of the 1 s timeout; the hook is killed",
                   "create exited %d after %.1f s%s; the hook %s", rc, took,
                   timed_out ? " (killed by the harness)" : "",
                   sleeper <= 0 ? "never started"
                   : gone       ? "is gone"
                                : "is still running");
}

/* ---- failing hooks ------------------------------------------------------------------ */

/* After a hook failed: the operation failed with a message, no container
 * remains (and the program never ran when the hook came before it), and the
 * poststop hooks ran as the container was destroyed. */
static void judge_failure(struct case_ctx *x, const struct nsc_hook_case *h, const char *req,
                          const char *op, int rc, const char *err, bool program_may_run)
{
  char line[512];
  nsc_case_verdict(x, req, rc != 0 && err && err[0], "the operation fails with a message",
                   "%s exited %d: %s", op, rc, nsc_first_line(err, line, sizeof(line)));
  int status;
  json_t *st = nsc_case_state(x, &status);
  if (st && x->pid <= 0)
    x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  bool alive = x->pid > 0 && kill(x->pid, 0) == 0;
  bool quiet = program_may_run || nsc_case_probe_empty(x);
  nsc_case_verdict(x, req, !st && !alive && quiet,
                   program_may_run ? "the container is stopped and deleted"
                                   : "the program never ran; the container is deleted",
                   "state %s; the container's process %s%s", st ? nsc_state_status(st) : "fails",
                   alive ? "still exists" : "is gone", quiet ? "" : "; the program ran");
  json_decref(st);
  struct nsc_hook_records r;
  nsc_hook_records_load(h, &r);
  nsc_case_verdict(x, req, nsc_hook_ran(&r, NSC_POSTSTOP, 1),
                   "the poststop hooks run as it is destroyed", "the poststop hook %s",
                   nsc_hook_ran(&r, NSC_POSTSTOP, 1) ? "ran" : "did not run");
  nsc_hook_records_free(&r);
}

static void create_hook_fails(struct case_ctx *x, enum nsc_hook_kind k, const char *req)
{
  struct nsc_hook_case h;
  if (!nsc_hook_setup(x, &h, req))
    return;
  json_t *hooks = json_pack("{s:[o]}", "poststop", nsc_hook_recorder(&h, NSC_POSTSTOP, 1, NULL));
  json_object_set_new(hooks, nsc_hook_kind_name(k), json_pack("[o]", nsc_hook_failing()));
  nsc_hook_set(x, hooks);
  if (!nsc_lc_write_config(x, req))
    return;
  struct nsc_exec r;
  int rc = nsc_case_create(x, &r);
  nsc_case_note_stderr(x, &r);
  judge_failure(x, &h, req, "create", rc, r.err, false);
  nsc_exec_free(&r);
}

void nsc_lc_prestart_fails(struct case_ctx *x)
{
  create_hook_fails(x, NSC_PRESTART, REQ("runtime.lifecycle.prestart-failure"));
}

void nsc_lc_createruntime_fails(struct case_ctx *x)
{
  create_hook_fails(x, NSC_CREATE_RUNTIME, REQ("runtime.lifecycle.createruntime-failure"));
}

void nsc_lc_createcontainer_fails(struct case_ctx *x)
{
  create_hook_fails(x, NSC_CREATE_CONTAINER, REQ("runtime.lifecycle.createcontainer-failure"));
}

static void start_hook_fails(struct case_ctx *x, enum nsc_hook_kind k, const char *req)
{
  struct nsc_hook_case h;
  if (!nsc_hook_setup(x, &h, req))
    return;
  json_t *hooks = json_pack("{s:[o]}", "poststop", nsc_hook_recorder(&h, NSC_POSTSTOP, 1, NULL));
  json_object_set_new(hooks, nsc_hook_kind_name(k), json_pack("[o]", nsc_hook_failing()));
  nsc_hook_set(x, hooks);
  if (!nsc_lc_write_config(x, req))
    return;
  struct nsc_exec r;
  int rc = nsc_case_create(x, &r);
  if (rc != 0) {
    /* The hook ran during create (a timing fault of its own): judge the
     * failure on that operation. */
    nsc_case_note_stderr(x, &r);
    judge_failure(x, &h, req, "create (the start-time hook ran during create)", rc, r.err, false);
    nsc_exec_free(&r);
    return;
  }
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  rc = nsc_case_run(x, &r, -1, "start", x->id, NULL);
  nsc_case_note_stderr(x, &r);
  /* A stopped container's process is gone; a runtime that stops it just
   * after start returns gets a second. */
  if (x->pid > 0 && nsc_wait_gone(x->pid, 1000))
    x->pid = 0;
  judge_failure(x, &h, req, "start", rc, r.err, k == NSC_POSTSTART);
  nsc_exec_free(&r);
}

void nsc_lc_startcontainer_fails(struct case_ctx *x)
{
  start_hook_fails(x, NSC_START_CONTAINER, REQ("runtime.lifecycle.startcontainer-failure"));
}

void nsc_lc_poststart_fails(struct case_ctx *x)
{
  start_hook_fails(x, NSC_POSTSTART, REQ("runtime.lifecycle.poststart-failure"));
}

/* The first poststop hook fails: a warning; the second still runs and delete
 * succeeds. */
void nsc_lc_poststop_fails(struct case_ctx *x)
{
  const char *req = REQ("runtime.lifecycle.poststop-failure");
  struct nsc_hook_case h;
  if (!nsc_hook_setup(x, &h, req))
    return;
  nsc_hook_set(x, json_pack("{s:[o,o]}", "poststop", nsc_hook_failing(),
                            nsc_hook_recorder(&h, NSC_POSTSTOP, 2, NULL)));
  if (!nsc_lc_write_config(x, req) || !nsc_lc_create(x) || !nsc_lc_start(x))
    return;
  nsc_lc_stop(x);
  struct nsc_exec r;
  char line[512];
  int rc = nsc_case_run(x, &r, -1, "delete", x->id, NULL);
  nsc_case_note_stderr(x, &r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  struct nsc_hook_records rec;
  nsc_hook_records_load(&h, &rec);
  nsc_case_verdict(x, req, rc == 0 && !st && nsc_hook_ran(&rec, NSC_POSTSTOP, 2),
                   "delete exits 0, the container is gone, the next poststop hook ran",
                   "delete exited %d (%s); state %s; poststop[1] %s", rc,
                   nsc_first_line(r.err, line, sizeof(line)), st ? nsc_state_status(st) : "fails",
                   nsc_hook_ran(&rec, NSC_POSTSTOP, 2) ? "ran" : "did not run");
  nsc_hook_records_free(&rec);
  json_decref(st);
  nsc_exec_free(&r);
  if (rc == 0)
    x->pid = 0;
}

/* ---- hook configs create must refuse ----------------------------------------------- */

/* A createRuntime hook that leaves <rec>/ran when it runs; create must
 * fail and the hook must not have run. */
static void refused_hook(struct case_ctx *x, const char *req, const char *what, const char *path,
                         int timeout)
{
  struct nsc_hook_case h;
  if (!nsc_hook_setup(x, &h, req))
    return;
  char cmd[PATH_MAX + 64], ran_path[PATH_MAX + 16];
  snprintf(ran_path, sizeof(ran_path), "%s/ran", h.rec);
  snprintf(cmd, sizeof(cmd), "cat >/dev/null; : >'%s'", ran_path);
  json_t *hook = nsc_hook_shell(cmd, 0);
  json_object_set_new(hook, "path", json_string(path));
  json_object_set_new(hook, "timeout", json_integer(timeout));
  nsc_hook_set(x, json_pack("{s:[o]}", "createRuntime", hook));
  if (!nsc_lc_write_config(x, req))
    return;
  nsc_lc_create_must_fail(x, req, what);
  if (access(ran_path, F_OK) == 0)
    nsc_case_verdict(x, req, false, "the hook is not run", "the hook ran");
}

/* Enough "../" to reach / from any working directory: a relative path that
 * would still find /bin/sh if the runtime ran it. */
void nsc_lc_hook_relative_path(struct case_ctx *x)
{
  char path[PATH_MAX];
  size_t off = 0;
  for (int i = 0; i < 40; i++)
    off += (size_t)snprintf(path + off, sizeof(path) - off, "../");
  snprintf(path + off, sizeof(path) - off, "bin/sh");
  refused_hook(x, REQ("config.hooks.path-absolute"), "a hook with a relative path", path,
               NSC_HOOK_TIMEOUT_S);
}

void nsc_lc_hook_timeout_zero(struct case_ctx *x)
{
  refused_hook(x, REQ("config.hooks.timeout-positive"), "a hook with timeout 0", "/bin/sh", 0);
}

void nsc_lc_hook_timeout_negative(struct case_ctx *x)
{
  refused_hook(x, REQ("config.hooks.timeout-positive"), "a hook with timeout -1", "/bin/sh", -1);
}
