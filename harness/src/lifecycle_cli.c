/* CLI usage and the state document (runtime.md "Operations" and "State"),
 * and annotations (config.md "Annotations"). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver_int.h"
#include "lifecycle_int.h"
#include "observe.h"
#include "process.h"
#include "requirements.h"

/* ---- operations without an id ----------------------------------------------- */

/* `<op>` with no argument at all fails with a message, and the container the
 * case made is untouched (still created, the program not started). */
static void no_id_op(struct case_ctx *x, const char *op, const char *req)
{
  struct nsc_exec r;
  char line[512], expected[160];
  int rc = nsc_case_run(x, &r, -1, op, NULL);
  bool message = r.err && r.err[0];
  nsc_first_line(r.err, line, sizeof(line));
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  bool unchanged = st && strcmp(nsc_state_status(st), "created") == 0 && nsc_case_probe_empty(x);
  snprintf(expected, sizeof(expected),
           "`%s` without an id fails with a message; the created container is untouched", op);
  nsc_case_verdict(x, req, rc != 0 && message && unchanged, expected,
                   "exited %d: %s; the container is %s%s", rc, line, nsc_state_status(st),
                   nsc_case_probe_empty(x) ? "" : " and its program ran");
  json_decref(st);
}

void nsc_lc_no_id(struct case_ctx *x)
{
  if (!nsc_lc_create(x))
    return;
  no_id_op(x, "state", REQ("runtime.query-state.no-id"));
  no_id_op(x, "start", REQ("runtime.start.no-id"));
  no_id_op(x, "kill", REQ("runtime.kill.no-id"));
  no_id_op(x, "delete", REQ("runtime.delete.no-id"));
}

/* ---- create without its arguments --------------------------------------------- */

/* runtime.md's create takes an id and a bundle.  A runc-style CLI defaults
 * the bundle to its working directory, so "no bundle" is checked where that
 * directory (the harness's) holds no config.json. */
void nsc_lc_create_missing_args(struct case_ctx *x)
{
  const char *req = REQ("runtime.create.missing-args");
  struct {
    const char *what;
    const char *argv[4];
  } tries[] = {
      {"create --bundle <bundle> (no id)", {"create", "--bundle", x->dir, NULL}},
      {"create (no id, no bundle)", {"create", NULL}},
      {"create <id> (no bundle; the working directory has no config.json)",
       {"create", x->id, NULL}},
  };
  size_t n = sizeof(tries) / sizeof(tries[0]);
  if (access("config.json", F_OK) == 0)
    n--; /* the working directory is a bundle: the default would be valid */
  char actual[1024] = "";
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    struct nsc_exec r;
    char line[256];
    int rc = nsc_case_run(x, &r, -1, tries[i].argv[0], tries[i].argv[1], tries[i].argv[2],
                          tries[i].argv[3]);
    bool message = r.err && r.err[0];
    ok &= rc != 0 && message && !r.timed_out;
    snprintf(actual + strlen(actual), sizeof(actual) - strlen(actual), "%s%s: exited %d (%s)",
             i ? "; " : "", tries[i].what, rc, nsc_first_line(r.err, line, sizeof(line)));
    nsc_exec_free(&r);
  }
  int status;
  json_t *st = nsc_case_state(x, &status);
  if (st) {
    x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
    ok = false;
    snprintf(actual + strlen(actual), sizeof(actual) - strlen(actual), "; a container %s was made",
             x->id);
  }
  json_decref(st);
  nsc_case_verdict(x, req, ok, "each fails with a message and creates nothing", "%s", actual);
}

/* ---- the state document ----------------------------------------------------------- */

/* /proc/PID/exe is the probe binary of the rootfs. */
static bool runs_probe(struct case_ctx *x, pid_t pid)
{
  char exe[64], probe[64], path[PATH_MAX + 32];
  snprintf(path, sizeof(path), "/proc/%d/exe", pid);
  nsc_lc_file_id(path, exe, sizeof(exe));
  snprintf(path, sizeof(path), "%s/nsprobe", x->d->rootfs);
  nsc_lc_file_id(path, probe, sizeof(probe));
  return exe[0] && strcmp(exe, probe) == 0;
}

/* /proc/PID/cmdline is exactly process.args of the case's config. */
static bool runs_args(pid_t pid)
{
  static const char want[] = "/nsprobe\0--wait";
  char path[64], *text = NULL;
  size_t len = 0;
  snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
  bool ok =
      nsc_read_file(path, &text, &len) == 0 && len == sizeof(want) && memcmp(text, want, len) == 0;
  free(text);
  return ok;
}

struct state_views {
  char problems[3][512]; /* created, running, stopped */
  char status[3][32];
  bool queried[3];
};

static void take_state(struct case_ctx *x, struct state_views *v, int i, bool live)
{
  int status;
  json_t *st = nsc_case_state(x, &status);
  char *p = v->problems[i];
  size_t len = sizeof(v->problems[i]);
  v->queried[i] = st != NULL;
  snprintf(v->status[i], sizeof(v->status[i]), "%s", nsc_state_status(st));
  if (!st) {
    snprintf(p, len, "state exited %d", status);
  } else {
    nsc_lc_state_problems(st, x->id, x->dir, p, len);
    long long pid = json_integer_value(json_object_get(st, "pid"));
    if (live && pid != x->pid)
      snprintf(p + strlen(p), len - strlen(p), "%spid %lld, not %d", p[0] ? "; " : "", pid, x->pid);
  }
  json_decref(st);
}

/* One container through create, start, kill and delete, with the state
 * read at each step: the document, its status, the operations. */
void nsc_lc_state_document(struct case_ctx *x)
{
  struct state_views v = {0};
  bool ops[5] = {false}; /* create state start kill delete */
  if (!nsc_lc_create(x))
    return;
  ops[0] = true;
  take_state(x, &v, 0, true);
  ops[1] = v.queried[0];
  sleep_ms(100);
  bool early = runs_probe(x, x->pid) || !nsc_case_probe_empty(x);
  nsc_case_verdict(x, REQ("runtime.create.program-not-run"), !early,
                   "after create the container's process has not executed process.args", "%s",
                   early ? "it runs the program" : "it has not");

  bool started = nsc_lc_start(x);
  ops[2] = started;
  if (started) {
    bool exe = runs_probe(x, x->pid), args = runs_args(x->pid);
    nsc_case_verdict(x, REQ("runtime.lifecycle.program-run"), exe && args,
                     "after start the state's pid runs /nsprobe with args [/nsprobe, --wait]",
                     "its executable %s; its argv %s", exe ? "is the probe" : "is not the probe",
                     args ? "matches" : "differs");
    take_state(x, &v, 1, true);
  }
  struct nsc_exec r;
  int rc = nsc_case_run(x, &r, -1, "kill", x->id, "KILL", NULL);
  nsc_exec_free(&r);
  ops[3] = rc == 0 && nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
  take_state(x, &v, 2, false);
  rc = nsc_case_run(x, &r, -1, "delete", x->id, NULL);
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  ops[4] = rc == 0 && !st;
  json_decref(st);
  if (ops[4])
    x->pid = 0;

  static const char *const names[] = {"created", "running", "stopped"};
  char actual[1600] = "";
  bool ok = true;
  for (int i = 0; i < 3; i++) {
    if (i == 1 && !started)
      continue;
    ok &= !v.problems[i][0];
    snprintf(actual + strlen(actual), sizeof(actual) - strlen(actual), "%s%s: %s",
             actual[0] ? "; " : "", names[i], v.problems[i][0] ? v.problems[i] : "valid");
  }
  nsc_case_verdict(x, REQ("runtime.state.schema"), ok,
                   "the state matches the state schema while created, running and stopped", "%s",
                   actual);
  bool status_ok = !strcmp(v.status[0], names[0]) && (!started || !strcmp(v.status[1], names[1])) &&
                   !strcmp(v.status[2], names[2]);
  nsc_case_verdict(x, REQ("runtime.state.status"), status_ok, "created, running, stopped",
                   "%s, %s, %s", v.status[0], started ? v.status[1] : "(not started)", v.status[2]);
  bool returns = v.queried[0] && (!started || v.queried[1]) && v.queried[2];
  nsc_case_verdict(x, REQ("runtime.query-state.returns"), returns && ok,
                   "state exits 0 with this container's state at each step", "%s",
                   returns ? actual : "state failed at a step");
  nsc_case_verdict(x, REQ("runtime.scope.same-caller"),
                   ops[0] && ops[1] && ops[2] && ops[3] && ops[4],
                   "the caller that created the container can state, start, kill and delete it",
                   "create %s, state %s, start %s, kill %s, delete %s", ops[0] ? "ok" : "failed",
                   ops[1] ? "ok" : "failed", ops[2] ? "ok" : "failed", ops[3] ? "ok" : "failed",
                   ops[4] ? "ok" : "failed");
  nsc_case_verdict(x, REQ("runtime.operations.supported"),
                   ops[0] && ops[1] && ops[2] && ops[3] && ops[4],
                   "create, state, start, kill and delete each do their operation",
                   "create %s, state %s, start %s, kill %s, delete %s", ops[0] ? "ok" : "failed",
                   ops[1] ? "ok" : "failed", ops[2] ? "ok" : "failed", ops[3] ? "ok" : "failed",
                   ops[4] ? "ok" : "failed");
}

/* ---- annotations -------------------------------------------------------------------- */

/* Keys no runtime knows, one with an empty value: create must accept them,
 * and a state that carries annotations carries these. */
void nsc_lc_annotations(struct case_ctx *x)
{
  json_t *ann =
      json_pack("{s:s, s:s, s:s}", "com.example.nsconform.key", "value",
                "com.example.nsconform.empty", "", "org.example.nsconform.unknown-to-all", "x y");
  json_object_set_new(x->config, "annotations", ann);
  if (!nsc_lc_write_config(x, REQ("config.annotations.unknown-keys")))
    return;
  struct nsc_exec r;
  char line[512];
  int rc = nsc_case_create(x, &r);
  nsc_case_note_stderr(x, &r);
  nsc_first_line(r.err, line, sizeof(line));
  nsc_exec_free(&r);
  nsc_case_verdict(x, REQ("config.annotations.unknown-keys"), rc == 0,
                   "create accepts annotation keys it does not know", "create exited %d: %s", rc,
                   line);
  nsc_case_verdict(x, REQ("config.annotations.empty-value"), rc == 0,
                   "create accepts an empty annotation value", "create exited %d: %s", rc, line);
  if (rc != 0)
    return;
  int status;
  json_t *st = nsc_case_state(x, &status);
  x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_t *got = json_object_get(st, "annotations");
  bool ok = !got || json_equal(got, ann);
  char *text = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  nsc_case_verdict(x, REQ("runtime.state.annotations"), st && ok,
                   "the state has no annotations or exactly the configured ones", "%s",
                   !st    ? "state failed"
                   : text ? text
                          : "no annotations in the state");
  free(text);
  json_decref(st);
}

static void annotations_refused(struct case_ctx *x, const char *req, const char *what,
                                json_t *value)
{
  json_object_set_new(x->config, "annotations", value);
  if (nsc_lc_write_config(x, req))
    nsc_lc_create_must_fail(x, req, what);
}

void nsc_lc_annotations_not_map(struct case_ctx *x)
{
  annotations_refused(x, REQ("config.annotations.map"), "annotations given as an array",
                      json_pack("[s]", "com.example.nsconform=value"));
}

void nsc_lc_annotations_non_string(struct case_ctx *x)
{
  annotations_refused(x, REQ("config.annotations.string-values"),
                      "an annotation whose value is a number",
                      json_pack("{s:i}", "com.example.nsconform.number", 1));
}

void nsc_lc_annotations_empty_key(struct case_ctx *x)
{
  annotations_refused(x, REQ("config.annotations.empty-key"), "an annotation with an empty key",
                      json_pack("{s:s}", "", "value"));
}

/* ---- no process ---------------------------------------------------------------------- */

/* runtime.md lets create refuse the config already; if it accepts it, start
 * must fail. */
void nsc_lc_no_process(struct case_ctx *x)
{
  const char *req = REQ("runtime.start.no-process");
  json_object_del(x->config, "process");
  if (!nsc_lc_write_config(x, req))
    return;
  struct nsc_exec r;
  char line[512];
  int rc = nsc_case_create(x, &r);
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  if (rc != 0 && !st) {
    nsc_case_skip(x, req,
                  "create refused a config without process, so there is no container to start");
    return;
  }
  x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  rc = nsc_case_run(x, &r, -1, "start", x->id, NULL);
  bool message = r.err && r.err[0];
  nsc_case_verdict(x, req, rc != 0 && message, "start fails with a message", "start exited %d: %s",
                   rc, nsc_first_line(r.err, line, sizeof(line)));
  nsc_exec_free(&r);
}

/* ---- create errors, and what delete removes ------------------------------------------ */

/* A bind mount whose source does not exist: the environment cannot be
 * made, so create fails and leaves nothing (the driver's leak check). */
void nsc_lc_create_error(struct case_ctx *x)
{
  const char *req = REQ("runtime.lifecycle.create-error");
  char source[PATH_MAX + 32];
  snprintf(source, sizeof(source), "%s/no-such-source", x->dir);
  json_array_append_new(json_object_get(x->config, "mounts"),
                        json_pack("{s:s, s:s, s:s, s:[s]}", "destination", "/run", "type", "bind",
                                  "source", source, "options", "rbind"));
  if (nsc_lc_write_config(x, req))
    nsc_lc_create_must_fail(x, req, "a bind mount of a missing source");
}

/* Namespace links of a process the container made, recorded while it runs. */
static const char *const created_types[] = {"pid", "ipc", "uts", "mnt"};
#define N_CREATED (sizeof(created_types) / sizeof(created_types[0]))

/* Who still refers to one of links[]: a process's ns link, or an nsfs mount
 * of the harness.  The first finding goes into buf; false when none. */
static bool still_referenced(char links[][64], size_t n, char *buf, size_t len)
{
  DIR *proc = opendir("/proc");
  struct dirent *e;
  bool found = false;
  while (proc && !found && (e = readdir(proc))) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9')
      continue;
    for (size_t i = 0; i < N_CREATED && !found; i++) {
      char path[300], target[64];
      snprintf(path, sizeof(path), "/proc/%s/ns/%s", e->d_name, created_types[i]);
      ssize_t l = readlink(path, target, sizeof(target) - 1);
      if (l <= 0)
        continue;
      target[l] = '\0';
      for (size_t k = 0; k < n && !found; k++)
        if (links[k][0] && strcmp(target, links[k]) == 0) {
          found = true;
          snprintf(buf, len, "process %s is still in %s", e->d_name, target);
        }
    }
  }
  if (proc)
    closedir(proc);
  char *mi = NULL;
  if (!found && nsc_read_file("/proc/self/mountinfo", &mi, NULL) == 0) {
    for (size_t k = 0; k < n && !found; k++)
      if (links[k][0] && strstr(mi, links[k])) {
        found = true;
        snprintf(buf, len, "a mount still holds %s", links[k]);
      }
  }
  free(mi);
  return found;
}

/* The container joins the holder's network namespace and bind-mounts
 * <bundle>/rec; after delete, the namespaces it was given new are gone from
 * every process and mount, while the joined one, the holder, the bind
 * source and the bundle remain. */
void nsc_lc_delete_scope(struct case_ctx *x)
{
  char rec[PATH_MAX], keep[PATH_MAX + 16], config[PATH_MAX + 16];
  if (!nsc_lc_record_mount(x, rec, sizeof(rec)) ||
      !nsc_lc_write_config(x, REQ("runtime.delete.keeps-foreign")))
    return;
  snprintf(keep, sizeof(keep), "%s/keep", rec);
  snprintf(config, sizeof(config), "%s/config.json", x->dir);
  nsc_lc_append(keep, "kept");
  if (!nsc_lc_create(x) || !nsc_lc_start(x))
    return;
  char links[N_CREATED][64];
  for (size_t i = 0; i < N_CREATED; i++) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/%s", x->pid, created_types[i]);
    ssize_t l = readlink(path, links[i], sizeof(links[i]) - 1);
    links[i][l > 0 ? l : 0] = '\0';
  }
  nsc_lc_stop(x);
  struct nsc_exec r;
  int rc = nsc_case_run(x, &r, -1, "delete", x->id, NULL);
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  if (rc == 0 && !st)
    x->pid = 0;
  json_decref(st);
  char where[256] = "";
  bool referenced = still_referenced(links, N_CREATED, where, sizeof(where));
  for (size_t i = 0; i < N_CREATED && !referenced; i++)
    if (!links[i][0]) {
      referenced = true; /* unknown counts against: the check must see them */
      snprintf(where, sizeof(where), "the container's %s namespace could not be read",
               created_types[i]);
    }
  nsc_case_verdict(x, REQ("runtime.lifecycle.destroy"), rc == 0 && status != 0 && !referenced,
                   "delete exits 0; the state and the pid, ipc, uts and mount namespaces create "
                   "made are gone",
                   "delete exited %d; state %s; %s", rc, status != 0 ? "fails" : "still answers",
                   referenced ? where : "no process or mount refers to its namespaces");

  const char *joined = json_string_value(json_object_get(x->targets, "network"));
  char link[64] = "", path[64];
  snprintf(path, sizeof(path), "/proc/%d/ns/net", x->holder.pid);
  ssize_t l = x->holder.pid > 0 ? readlink(path, link, sizeof(link) - 1) : -1;
  link[l > 0 ? l : 0] = '\0';
  bool ns_kept = joined && strcmp(link, joined) == 0;
  bool files_kept = access(keep, F_OK) == 0 && access(config, F_OK) == 0;
  nsc_case_verdict(x, REQ("runtime.delete.keeps-foreign"), ns_kept && files_kept,
                   "the joined network namespace and its holder, the bind-mount source and the "
                   "bundle remain",
                   "holder %s%s; %s",
                   ns_kept ? "still in " : "gone or moved: ", ns_kept ? joined : link,
                   files_kept ? "the bind source and config.json remain"
                              : "the bind source or config.json was removed");
}
