/* One case through a runtime's CLI.  Reads top to bottom in the order a case
 * runs: bundle, create, the created view, start, the probe's view, the
 * running view, kill, delete, judgement, leak verdict. */
#include "driver.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blackbox.h"
#include "cgroup.h"
#include "cleanup.h"
#include "driver_int.h"
#include "error.h"
#include "faults.h"
#include "gen.h"
#include "holder.h"
#include "hostguard.h"
#include "judge.h"
#include "leaks.h"
#include "lifecycle_cases.h"
#include "observe.h"
#include "process.h"
#include "refusal.h"
#include "requirements.h"
#include "spec.h"
#include "stages.h"

/* How long the probe may take to print after start. */
#define PROBE_TIMEOUT_MS 10000

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

void nsc_case_verdict(struct case_ctx *x, const char *req, bool ok, const char *expected,
                      const char *actual_fmt, ...)
{
  char actual[2048];
  va_list ap;
  va_start(ap, actual_fmt);
  vsnprintf(actual, sizeof(actual), actual_fmt, ap);
  va_end(ap);
  nsc_verdict_add(&x->out->verdicts, req, ok ? NSC_PASS : NSC_FAIL, expected, actual, NULL);
}

void nsc_case_skip(struct case_ctx *x, const char *req, const char *reason)
{
  nsc_verdict_add(&x->out->verdicts, req, NSC_SKIP, NULL, NULL, "%s", reason);
}

/* Keep the runtime's stderr of the first failing command for the report. */
void nsc_case_note_stderr(struct case_ctx *x, const struct nsc_exec *r)
{
  if (!x->out->runtime_stderr && r->err && r->err[0])
    x->out->runtime_stderr = strndup(r->err, 4000);
}

const char *nsc_first_line(const char *s, char *buf, size_t len)
{
  if (!s || !*s)
    return "(nothing on stderr)";
  snprintf(buf, len, "%.*s", (int)strcspn(s, "\n"), s);
  return buf;
}

/* Run the runtime with a NULL-terminated argument list. */
int nsc_case_run(struct case_ctx *x, struct nsc_exec *r, int stdout_fd, ...)
{
  const char *argv[16];
  int n = 0;
  va_list ap;
  va_start(ap, stdout_fd);
  const char *a;
  while ((a = va_arg(ap, const char *)) && n < 15)
    argv[n++] = a;
  va_end(ap);
  argv[n] = NULL;
  struct nsc_exec_opts o = {.stdout_fd = stdout_fd, .cgroup = x->leaf, .env = x->env};
  return nsc_runtime_exec(x->d->rt, &o, r, argv);
}

json_t *nsc_case_state(struct case_ctx *x, int *status)
{
  struct nsc_exec r;
  *status = nsc_case_run(x, &r, -1, "state", x->id, NULL);
  json_t *st = (*status == 0 && r.out) ? json_loads(r.out, 0, NULL) : NULL;
  nsc_exec_free(&r);
  return st;
}

/* `state <id>` started now, finished by wait_state: the harness does other
 * work meanwhile. */
static void spawn_state(struct case_ctx *x, struct nsc_pending *p)
{
  const char *argv[] = {"state", x->id, NULL};
  struct nsc_exec_opts o = {.stdout_fd = -1, .cgroup = x->leaf};
  nsc_runtime_spawn(x->d->rt, &o, p, argv);
}

static json_t *wait_state(struct case_ctx *x, struct nsc_pending *p, int *status)
{
  struct nsc_exec r;
  *status = nsc_runtime_wait(x->d->rt, p, &r);
  json_t *st = (*status == 0 && r.out) ? json_loads(r.out, 0, NULL) : NULL;
  nsc_exec_free(&r);
  return st;
}

/* Move every verdict of from to the end of to. */
static void append_verdicts(struct nsc_verdicts *to, struct nsc_verdicts *from)
{
  if (from->n && to->n + from->n > to->cap) {
    size_t cap = to->n + from->n;
    struct nsc_verdict *v = realloc(to->v, cap * sizeof(*v));
    if (!v) {
      nsc_verdicts_free(from);
      return;
    }
    to->v = v;
    to->cap = cap;
  }
  if (from->n)
    memcpy(to->v + to->n, from->v, from->n * sizeof(*from->v));
  to->n += from->n;
  free(from->v);
  memset(from, 0, sizeof(*from));
}

const char *nsc_state_status(const json_t *st)
{
  const char *s = json_string_value(json_object_get(st, "status"));
  return s ? s : "(none)";
}

/* ---- bundle ------------------------------------------------------------ */

/* The case's config for this run.  The driver itself changes only root and
 * linux.namespaces (the holder's paths), so a generated or negative case
 * shares everything else with the case, read only; a lifecycle procedure may
 * edit anything and gets a whole copy. */
static json_t *config_copy(const struct nsc_case *c)
{
  if (c->kind == NSC_CASE_LIFECYCLE || !json_is_object(c->config))
    return json_deep_copy(c->config);
  json_t *cfg = json_copy(c->config);
  json_t *root = json_object_get(cfg, "root");
  if (root)
    json_object_set_new(cfg, "root", json_deep_copy(root));
  json_t *lx = json_object_get(cfg, "linux");
  if (json_is_object(lx)) {
    lx = json_copy(lx);
    json_t *ns = json_object_get(lx, "namespaces");
    if (ns)
      json_object_set_new(lx, "namespaces", json_deep_copy(ns));
    json_object_set_new(cfg, "linux", lx);
  }
  return cfg;
}

static int write_bundle(struct case_ctx *x, struct nsrt_err *err)
{
  snprintf(x->dir, sizeof(x->dir), "%s/%s", x->d->work, x->c->id);
  if (mkdir(x->dir, 0755) < 0 && errno != EEXIST)
    return nsrt_fail_at(err, "driver", errno, "bundle", "mkdir %s", x->dir);
  x->config = config_copy(x->c);
  json_t *root = json_object_get(x->config, "root");
  if (!json_is_object(root)) {
    root = json_object();
    json_object_set_new(x->config, "root", root);
  }
  /* Only the placeholder: a negative case may name another path on purpose. */
  const char *rp = json_string_value(json_object_get(root, "path"));
  if (rp && strcmp(rp, GEN_ROOT_PLACEHOLDER) == 0)
    json_object_set_new(root, "path", json_string(x->d->rootfs));
  int ret = nsc_holder_resolve(x->config, &x->holder, &x->targets, err);
  if (ret < 0)
    return ret;
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/config.json", x->dir);
  if (json_dump_file(x->config, path, JSON_INDENT(2) | JSON_SORT_KEYS) < 0)
    return nsrt_fail_at(err, "driver", errno, "bundle", "write %s", path);
  snprintf(path, sizeof(path), "%s/probe.out", x->dir);
  x->probe_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (x->probe_fd < 0)
    return nsrt_fail_at(err, "driver", errno, "bundle", "open %s", path);
  return 0;
}

/* A hard limit above the harness's own can only be set with
 * CAP_SYS_RESOURCE in the initial user namespace. */
static bool raises_hard_limit(const json_t *config)
{
  json_t *rl = json_object_get(json_object_get(config, "process"), "rlimits");
  size_t i;
  json_t *e;
  json_array_foreach(rl, i, e)
  {
    int res = rlimit_from_name(json_string_value(json_object_get(e, "type")) ?: "");
    struct rlimit cur;
    if (res >= 0 && getrlimit(res, &cur) == 0 && cur.rlim_max != RLIM_INFINITY &&
        (uint64_t)json_integer_value(json_object_get(e, "hard")) > cur.rlim_max)
      return true;
  }
  return false;
}

/* ---- probe output --------------------------------------------------------- */

bool nsc_case_probe_empty(struct case_ctx *x)
{
  struct stat st;
  return fstat(x->probe_fd, &st) == 0 && st.st_size == 0;
}

/* One inotify instance for the whole run, made by nsc_driver_init (before
 * any case's fd snapshot): closing an instance waits for a kernel grace
 * period, about 15 ms here, more than all the rest of the harness's own
 * work for a case. */
static int probe_watch = -1;

static json_t *parsed_probe(const char *path)
{
  char *text = NULL;
  if (nsc_read_file(path, &text, NULL) < 0)
    return NULL;
  json_t *j = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
  free(text);
  return j;
}

static void drain(int fd)
{
  char events[4096];
  while (read(fd, events, sizeof(events)) > 0)
    ;
}

/* The probe prints one JSON object; wait until it parses. */
json_t *nsc_case_wait_probe(struct case_ctx *x)
{
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/probe.out", x->dir);
  /* Woken by each write to the file rather than polling it: the probe
   * usually prints within milliseconds of start.  Events of earlier
   * cases' files are drained first; one left over only costs a look. */
  int in = probe_watch, wd = -1;
  if (in >= 0) {
    drain(in);
    wd = inotify_add_watch(in, path, IN_MODIFY | IN_CLOSE_WRITE);
    if (wd < 0)
      in = -1;
  }
  double deadline = now_ms() + PROBE_TIMEOUT_MS;
  json_t *j;
  while (!(j = parsed_probe(path))) {
    double left = deadline - now_ms();
    if (left <= 0)
      break;
    struct pollfd pfd = {.fd = in, .events = POLLIN};
    if (in < 0)
      sleep_ms(5);
    else if (poll(&pfd, 1, (int)left) > 0)
      drain(in);
  }
  if (wd >= 0)
    inotify_rm_watch(in, wd);
  return j;
}

/* A fault may have killed the program: then no output will come. */
bool nsc_case_after_kill(struct case_ctx *x, int *status, char *stopped, size_t len)
{
  bool gone = x->pid > 0 && nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
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
  json_t *st = nsc_case_state(x, status);
  snprintf(stopped, len, "%s", st ? nsc_state_status(st) : "");
  json_decref(st);
  return gone;
}

json_t *nsc_case_probe_unless_gone(struct case_ctx *x, int timeout_ms)
{
  char path[PATH_MAX + 16];
  snprintf(path, sizeof(path), "%s/probe.out", x->dir);
  double deadline = now_ms() + timeout_ms;
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

void nsc_case_observe(struct case_ctx *x, json_t **view)
{
  struct nsrt_err err;
  if (x->pid <= 0 || nsc_observe_pid(x->pid, view, &err) < 0)
    *view = NULL;
}

/* Wait for the container's init to be gone.  The harness is a subreaper, so
 * once the runtime's own processes exit the init is our child and we reap
 * it; a runtime that keeps a parent process (a shim) reaps it itself. */
bool nsc_wait_gone(pid_t pid, int timeout_ms)
{
  if (reap_child(pid, -1, timeout_ms) >= 0)
    return true;
  if (errno != ECHILD)
    return false;
  double deadline = now_ms() + timeout_ms;
  while (now_ms() < deadline) {
    if (kill(pid, 0) < 0 && errno == ESRCH)
      return true;
    sleep_ms(10);
  }
  return false;
}

/* ---- flows ---------------------------------------------------------------- */

int nsc_case_create(struct case_ctx *x, struct nsc_exec *r)
{
  return nsc_case_run(x, r, x->probe_fd, "create", "--bundle", x->dir, x->id, NULL);
}

/* ---- a refused create ----------------------------------------------------- */

/* The runtime's features document, read once per run (per runtime path);
 * NULL when it has none. */
static struct {
  char path[PATH_MAX];
  json_t *doc;
} features_cache;

static const json_t *runtime_features(struct case_ctx *x)
{
  if (strcmp(features_cache.path, x->d->rt->path) == 0)
    return features_cache.doc;
  json_decref(features_cache.doc);
  features_cache.doc = NULL;
  snprintf(features_cache.path, sizeof(features_cache.path), "%s", x->d->rt->path);
  struct nsc_exec r;
  if (nsc_case_run(x, &r, -1, "features", NULL) == 0 && r.out)
    features_cache.doc = json_loads(r.out, 0, NULL);
  nsc_exec_free(&r);
  if (!json_is_object(features_cache.doc)) {
    json_decref(features_cache.doc);
    features_cache.doc = NULL;
  }
  return features_cache.doc;
}

static bool write_config(struct case_ctx *x, const json_t *config)
{
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/config.json", x->dir);
  return json_dump_file(config, path, JSON_INDENT(2) | JSON_SORT_KEYS) == 0;
}

/* The line of stderr that says what failed: the first that mentions an
 * error (runtimes may warn first), else the first. */
static const char *error_line(const char *err, char *buf, size_t len)
{
  for (const char *p = err; p && *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n')) {
    size_t n = strcspn(p, "\n");
    char *l = strndup(p, n);
    bool hit = l && strcasestr(l, "error");
    free(l);
    if (hit) {
      snprintf(buf, len, "%.*s", (int)n, p);
      return buf;
    }
  }
  return nsc_first_line(err, buf, len);
}

struct try_ctx {
  struct case_ctx *x;
  const char *refused; /* the refused create's error line */
  bool hung;           /* a try timed out: no more tries */
  int run;             /* tries actually run */
};

/* Does create succeed with config?  A container it makes is deleted again
 * (and its init waited for) before the next try.  After a try that hung
 * the rest are not run (they count as refused the same way), so a
 * runtime that hangs costs one timeout, not one per try. */
static bool create_ok(void *ctx, const json_t *config, char *why, size_t len)
{
  struct try_ctx *t = ctx;
  struct case_ctx *x = t->x;
  char line[512];
  if (t->hung) {
    snprintf(why, len, "%s", t->refused);
    return false;
  }
  if (!write_config(x, config)) {
    snprintf(why, len, "config.json not written: %s", strerror(errno));
    return false;
  }
  struct nsc_exec r;
  t->run++;
  int rc = nsc_case_run(x, &r, -1, "create", "--bundle", x->dir, x->id, NULL);
  if (rc != 0)
    snprintf(why, len, "%s", error_line(r.err, line, sizeof(line)));
  if (r.timed_out) {
    t->hung = true;
    snprintf(why, len, "%s", t->refused);
  }
  nsc_exec_free(&r);
  if (rc != 0)
    return false;
  int status;
  json_t *st = nsc_case_state(x, &status);
  pid_t pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  nsc_case_run(x, &r, -1, "delete", "--force", x->id, NULL);
  nsc_exec_free(&r);
  if (pid > 0)
    nsc_wait_gone(pid, EXIT_TIMEOUT_MS);
  return true;
}

/* The tries of a refused create run with a shorter bound than the run's:
 * ten times what the refused create took, at least 1 s, so a runtime that
 * hangs on a changed config costs seconds, not the run's timeout (after one
 * hung try the rest are skipped, create_ok).  Returns the bound to restore. */
static int tries_bound(struct case_ctx *x, const struct nsc_exec *refused_create)
{
  int bound = x->d->rt->timeout_ms;
  int ms = (int)(refused_create->ms * 10);
  x->d->rt->timeout_ms = ms < 1000 ? 1000 : ms > bound ? bound : ms;
  return bound;
}

/* create of config was refused (r): put the refusal down to the field
 * responsible (refusal.h).  Only a generated case without a fault plan is
 * narrowed (a fault makes create fail on purpose), and not after a create
 * that hung: each try would hang as long. */
static void refused(struct case_ctx *x, const json_t *config, const struct nsc_exec *r)
{
  char status[64];
  snprintf(status, sizeof(status), "create exited %d%s", r->status,
           r->timed_out ? " (timed out)" : "");
  struct try_ctx t = {.x = x};
  char line[512];
  t.refused = error_line(r->err, line, sizeof(line));
  bool narrow = x->c->kind == NSC_CASE_GENERATED && !x->env && !r->timed_out;
  struct nsc_refusal ref;
  int bound = tries_bound(x, r);
  nsc_refusal_explain(config, narrow ? runtime_features(x) : NULL, status, t.refused,
                      narrow ? create_ok : NULL, &t, &ref);
  if (t.hung) {
    ref.tries = t.run - 1; /* the ones that returned */
    snprintf(ref.note, sizeof(ref.note),
             "a try did not return within %d ms and was killed; the remaining tries were not run",
             x->d->rt->timeout_ms);
  }
  x->d->rt->timeout_ms = bound;
  nsc_refusal_verdicts(&ref, &x->out->verdicts);
  if (t.run)
    write_config(x, x->config);
}

/* A config that raises a hard limit nobody here may raise: the runtime must
 * refuse it rather than run the program with other limits.  A refusal for
 * another reason says nothing about the limit: whether create succeeds
 * without the limit tells which it was. */
static void run_raise_hard(struct case_ctx *x)
{
  char line[512], why[512];
  struct nsc_exec r;
  int rc = nsc_case_create(x, &r);
  bool about_limit = r.err && strcasestr(r.err, "rlimit");
  nsc_case_note_stderr(x, &r);
  const char *msg = error_line(r.err, line, sizeof(line));
  const char *req = REQ("config.rlimits.raise-hard");
  const char *expected = "create fails with an error about the rlimit (no CAP_SYS_RESOURCE here)";
  if (rc == 0 || about_limit || r.timed_out) {
    nsc_case_verdict(x, req, rc != 0 && about_limit && !r.timed_out, expected,
                     "create exited %d%s: %s", rc, r.timed_out ? " (timed out)" : "", msg);
    nsc_exec_free(&r);
    return;
  }
  json_t *base = json_deep_copy(x->config);
  json_object_del(json_object_get(base, "process"), "rlimits");
  struct try_ctx t = {.x = x, .refused = msg};
  int bound = tries_bound(x, &r);
  bool created =
      x->c->kind == NSC_CASE_GENERATED && !x->env && create_ok(&t, base, why, sizeof(why));
  x->d->rt->timeout_ms = bound;
  if (created) {
    nsc_case_verdict(x, req, true, expected,
                     "create exited %d: %s; without the rlimits create succeeds", rc, msg);
  } else {
    nsc_case_skip(x, req, "create fails for another reason first, with or without the rlimits");
    refused(x, base, &r);
  }
  write_config(x, x->config);
  json_decref(base);
  nsc_exec_free(&r);
}

static void run_positive(struct case_ctx *x)
{
  struct nsc_exec r;
  if (raises_hard_limit(x->config) && !x->d->cap_sys_resource) {
    run_raise_hard(x);
    return;
  }
  if (nsc_case_create(x, &r) != 0) {
    nsc_case_note_stderr(x, &r);
    refused(x, x->config, &r);
    nsc_exec_free(&r);
    return;
  }
  nsc_exec_free(&r);
  nsc_case_verdict(x, REQ("runtime.create.new-container"), true, "create exits 0", "exit 0");

  int status;
  json_t *st = nsc_case_state(x, &status);
  x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  nsc_case_verdict(x, REQ("runtime.state.status-created"),
                   st && strcmp(nsc_state_status(st), "created") == 0, "status created",
                   "state exited %d, status %s", status, nsc_state_status(st));
  nsc_case_verdict(x, REQ("runtime.state.pid"), x->pid > 0 && kill(x->pid, 0) == 0,
                   "pid of a live process while created", "pid %d", x->pid);
  const char *bundle = json_string_value(json_object_get(st, "bundle"));
  nsc_case_verdict(x, REQ("runtime.state.bundle"), bundle && strcmp(bundle, x->dir) == 0, x->dir,
                   "%s", bundle ? bundle : "(none)");
  nsc_case_verdict(x, REQ("runtime.state.oci-version"),
                   json_is_string(json_object_get(st, "ociVersion")), "a string ociVersion", "%s",
                   json_is_string(json_object_get(st, "ociVersion")) ? "present" : "absent");
  nsc_case_verdict(x, REQ("runtime.state.id"),
                   st && strcmp(json_string_value(json_object_get(st, "id")) ?: "", x->id) == 0,
                   x->id, "%s", json_string_value(json_object_get(st, "id")) ?: "(none)");
  json_decref(st);

  json_t *created = NULL, *running = NULL, *probe = NULL;
  nsc_case_observe(x, &created);
  nsc_case_verdict(x, REQ("runtime.lifecycle.program-not-run"), nsc_case_probe_empty(x),
                   "no output of the program before start", "%s",
                   nsc_case_probe_empty(x) ? "none" : "the probe printed before start");

  int rc = nsc_case_run(x, &r, -1, "start", x->id, NULL);
  nsc_case_note_stderr(x, &r);
  nsc_exec_free(&r);
  /* The running state is queried while the probe starts up: once start has
   * returned the container is running.  Should the answer be anything else,
   * or the program be gone by the time the probe printed, it is asked again
   * below, as it would be without the overlap. */
  struct nsc_pending early;
  if (rc == 0)
    spawn_state(x, &early);
  probe = rc == 0 ? nsc_case_wait_probe(x) : NULL;
  nsc_case_verdict(x, REQ("runtime.start.runs-program"), rc == 0 && probe,
                   "start exits 0, the program runs", "start exited %d, %s", rc,
                   probe ? "the probe printed" : "no probe output");
  if (probe) {
    nsc_case_observe(x, &running);
    /* The state's pid must be the container process: its namespaces, seen
     * from outside, are the ones the probe reports from inside.  Otherwise
     * every outside view is of another process. */
    json_t *in_ns = json_object_get(probe, "ns"), *out_ns = json_object_get(running, "ns");
    const char *in_mnt = json_string_value(json_object_get(in_ns, "mnt"));
    const char *in_pid = json_string_value(json_object_get(in_ns, "pid"));
    const char *out_mnt = json_string_value(json_object_get(out_ns, "mnt"));
    const char *out_pid = json_string_value(json_object_get(out_ns, "pid"));
    if (in_mnt && in_pid && out_mnt && out_pid) {
      bool same = !strcmp(in_mnt, out_mnt) && !strcmp(in_pid, out_pid);
      nsc_case_verdict(
          x, REQ("runtime.state.pid"), same, "the state's pid is the program, in its namespaces",
          "pid %d is in %s %s, the program in %s %s", x->pid, out_mnt, out_pid, in_mnt, in_pid);
      if (!same) {
        json_decref(created);
        json_decref(running);
        created = running = NULL;
      }
    }
    st = wait_state(x, &early, &status);
    if (!st || strcmp(nsc_state_status(st), "running") != 0 || x->pid <= 0 || kill(x->pid, 0) < 0) {
      json_decref(st);
      st = nsc_case_state(x, &status);
    }
    nsc_case_verdict(x, REQ("runtime.state.status-running"),
                     st && !strcmp(nsc_state_status(st), "running"), "status running", "status %s",
                     nsc_state_status(st));
    json_decref(st);
  } else if (rc == 0) {
    json_decref(wait_state(x, &early, &status));
  }

  /* kill delivers the signal: the probe exits on SIGTERM */
  rc = nsc_case_run(x, &r, -1, "kill", x->id, "TERM", NULL);
  nsc_case_note_stderr(x, &r);
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
  /* The program is gone: what held the namespaces it joined may go too; it
   * dies while the case goes on and is reaped with the holder. */
  if (gone && x->holder.pid > 0)
    kill(x->holder.pid, SIGKILL);
  if (gone && x->holder.ns_init > 0)
    kill(x->holder.ns_init, SIGKILL);
  st = nsc_case_state(x, &status);
  nsc_case_verdict(x, REQ("runtime.state.status-stopped"),
                   st && !strcmp(nsc_state_status(st), "stopped"), "status stopped",
                   "state exited %d, status %s", status, nsc_state_status(st));
  json_decref(st);

  rc = nsc_case_run(x, &r, -1, "delete", x->id, NULL);
  nsc_case_note_stderr(x, &r);
  nsc_exec_free(&r);
  /* Judged while the state query after delete runs; its verdicts go after
   * that one's, as they would without the overlap. */
  struct nsc_pending after;
  spawn_state(x, &after);
  struct nsc_views v = {.config = x->config,
                        .self = x->d->self,
                        .targets = x->targets,
                        .created = created,
                        .running = running,
                        .probe = probe};
  struct nsc_verdicts judged = {0};
  nsc_judge_positive(&v, &judged);
  st = wait_state(x, &after, &status);
  x->deleted = rc == 0 && status != 0;
  nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), x->deleted,
                   "delete exits 0, state fails", "delete exited %d, state exited %d", rc, status);
  json_decref(st);
  x->pid = 0;
  append_verdicts(&x->out->verdicts, &judged);

  json_decref(created);
  json_decref(running);
  json_decref(probe);
}

static void run_negative(struct case_ctx *x)
{
  struct nsc_exec r;
  char line[512];
  int rc = nsc_case_create(x, &r);
  bool message = r.err && r.err[0];
  nsc_case_note_stderr(x, &r);
  nsc_case_verdict(x, x->c->requirement, rc != 0 && !r.timed_out && message,
                   "create fails with a message on stderr", "create exited %d%s: %s", rc,
                   r.timed_out ? " (timed out)" : "", nsc_first_line(r.err, line, sizeof(line)));
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  nsc_case_verdict(x, REQ("runtime.create.cannot-apply"), status != 0,
                   "no container after a failed create", "state exited %d, status %s", status,
                   nsc_state_status(st));
  if (st) {
    /* the runtime made a container: remove it so it does not linger */
    x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
    nsc_case_run(x, &r, -1, "delete", "--force", x->id, NULL);
    nsc_exec_free(&r);
    if (x->pid > 0)
      nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
    x->pid = 0;
    json_decref(st);
  }
}

/* ---- one case ------------------------------------------------------------- */

/* Leaks are a verdict too: what a case leaves behind is something create
 * made that delete did not remove, or a failed operation that changed
 * something. */
static void add_leaks(struct case_ctx *x, char **leaks)
{
  if (!leaks)
    return;
  char actual[2048] = "";
  for (char **l = leaks; *l; l++)
    snprintf(actual + strlen(actual), sizeof(actual) - strlen(actual), "%s%s",
             actual[0] ? "; " : "", *l);
  if (x->c->kind == NSC_CASE_NEGATIVE)
    nsc_case_verdict(x, REQ("runtime.errors.no-change"), false,
                     "nothing left after the failed create", "%s", actual);
  else
    nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), false, "nothing left after delete",
                     "%s", actual);
  size_t n = 0, m = 0;
  while (x->out->leaks && x->out->leaks[n])
    n++;
  while (leaks[m])
    m++;
  char **v = realloc(x->out->leaks, (n + m + 1) * sizeof(char *));
  if (!v)
    return;
  memcpy(v + n, leaks, m * sizeof(char *));
  v[n + m] = NULL;
  x->out->leaks = v;
  free(leaks);
}

int nsc_driver_run(struct nsc_driver *d, const struct nsc_case *c, struct nsc_result *out,
                   struct nsrt_err *err)
{
  memset(out, 0, sizeof(*out));
  snprintf(out->case_id, sizeof(out->case_id), "%s", c->id);
  out->seed = c->seed;
  out->kind = c->kind;
  out->title = c->title ? strdup(c->title) : NULL;
  struct case_ctx x = {.d = d, .c = c, .out = out, .probe_fd = -1};
  snprintf(x.id, sizeof(x.id), "%s%s", d->id_prefix, c->id);
  double start = now_ms();

  nsc_blackbox_prepare(d, c);
  struct nsc_snap before;
  nsc_snapshot(&before, d->rt->root);
  struct nsc_hostguard host;
  nsc_hostguard_snapshot(&host, c->config);
  if (d->cgroup_base[0] && nsc_cgroup_leaf(d->cgroup_base, c->id, x.leaf, sizeof(x.leaf), err) < 0)
    return -1;
  int ret = write_bundle(&x, err);
  if (ret == 0) {
    if (c->kind == NSC_CASE_NEGATIVE)
      run_negative(&x);
    else if (c->kind == NSC_CASE_LIFECYCLE)
      nsc_lifecycle_run(&x);
    else if (c->kind == NSC_CASE_FAULT)
      nsc_fault_run(&x);
    else if (c->kind == NSC_CASE_STAGE)
      nsc_stage_run(&x);
    else
      run_positive(&x);
  }

  /* What the harness itself held for the case goes first, then the leak
   * verdict; then a forced delete and the leaf's kill clear whatever the
   * runtime left, so the next case starts clean. */
  nsc_holder_stop(&x.holder);
  if (x.probe_fd >= 0)
    close(take_fd(&x.probe_fd));
  add_leaks(&x, nsc_leaks_check(&before, d->rt->root, x.leaf, x.id, 0));
  struct nsc_exec r;
  if (!x.deleted) {
    nsc_case_run(&x, &r, -1, "delete", "--force", x.id, NULL);
    nsc_exec_free(&r);
  }
  nsc_reap_zombies();
  if (x.leaf[0]) {
    nsc_cgroup_kill(x.leaf, 5000);
    nsc_reap_zombies();
    nsc_cgroup_remove(x.leaf);
  }
  /* last: the forced delete may change the host too; restored for the next case */
  if (ret == 0)
    nsc_hostguard_case(&x, &host);
  json_decref(x.config);
  json_decref(x.targets);
  out->duration_ms = now_ms() - start;
  /* Replays this one case: generated case gN is the same for any count that
   * reaches N. */
  unsigned long n = c->kind == NSC_CASE_GENERATED ? strtoul(c->id + 1, NULL, 10) : 1;
  if (asprintf(&out->repro, "nsconform run --runtime %s%s --seed %llu --count %lu --only %s",
               d->rt->path, d->rt->isolate ? " --isolate" : "", (unsigned long long)d->seed,
               n ? n : 1, c->id) < 0)
    out->repro = NULL;
  return ret;
}

int nsc_driver_init(struct nsc_driver *d, struct nsc_runtime *rt, const char *rootfs,
                    const char *work, struct nsrt_err *err)
{
  memset(d, 0, sizeof(*d));
  d->rt = rt;
  if (!realpath(rootfs, d->rootfs))
    return nsrt_fail_at(err, "driver", errno, "rootfs", "%s", rootfs);
  snprintf(d->work, sizeof(d->work), "%s", work);
  if (mkdir(work, 0755) < 0 && errno != EEXIST)
    return nsrt_fail_at(err, "driver", errno, "work", "mkdir %s", work);
  /* Orphans of a case (a container whose runtime exited) become ours. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return nsrt_fail_at(err, "driver", errno, "subreaper", NULL);
  if (probe_watch < 0)
    probe_watch = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (nsc_observe_self(&d->self, err) < 0)
    return -1;
  const char *eff =
      json_string_value(json_object_get(json_object_get(d->self, "caps"), "effective"));
  unsigned long long mask = eff ? strtoull(eff, NULL, 16) : 0;
  d->cap_sys_resource = (mask >> 24) & 1; /* CAP_SYS_RESOURCE */
  snprintf(d->id_prefix, sizeof(d->id_prefix), "nsc%d-", getpid());
  return nsc_cgroup_base(d->cgroup_base, sizeof(d->cgroup_base), err);
}

void nsc_driver_fini(struct nsc_driver *d)
{
  /* The black-box supervisor first: it lives in a leaf under the base. */
  nsc_bb_sup_stop(5000);
  if (d->cgroup_base[0]) {
    nsc_cgroup_kill(d->cgroup_base, 5000);
    nsc_reap_zombies();
    rmdir(d->cgroup_base);
  }
  json_decref(d->self);
  d->self = NULL;
  if (probe_watch >= 0)
    close(take_fd(&probe_watch));
  json_decref(features_cache.doc);
  memset(&features_cache, 0, sizeof(features_cache));
}
