#include "lifecycle_cases.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver_int.h"
#include "process.h"
#include "requirements.h"

/* A container with its own pid, ipc, uts and mount namespaces that runs the
 * probe until signalled; MARK shows which config the program started from. */
static const char base_config[] =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    "\"process\":{\"args\":[\"/nsprobe\",\"--wait\"],\"cwd\":\"/\","
    "\"env\":[\"PATH=/bin\",\"MARK=create\"],\"user\":{\"uid\":0,\"gid\":0}},"
    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
    "{\"type\":\"mount\"}]}}";

struct procedure {
  const char *slug;
  const char *title;
  void (*run)(struct case_ctx *x);
};

/* create, then the pid the state names; false (with a verdict) on failure. */
static bool create_ok(struct case_ctx *x)
{
  struct nsc_exec r;
  char line[512];
  int rc = nsc_case_create(x, &r);
  if (rc != 0) {
    nsc_case_note_stderr(x, &r);
    nsc_case_verdict(x, REQ("runtime.create.new-container"), false, "create exits 0",
                     "create exited %d: %s", rc, nsc_first_line(r.err, line, sizeof(line)));
  }
  nsc_exec_free(&r);
  if (rc != 0)
    return false;
  int status;
  json_t *st = nsc_case_state(x, &status);
  x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  return x->pid > 0;
}

static bool start_ok(struct case_ctx *x)
{
  struct nsc_exec r;
  int rc = nsc_case_run(x, &r, -1, "start", x->id, NULL);
  nsc_case_note_stderr(x, &r);
  nsc_exec_free(&r);
  json_t *probe = rc == 0 ? nsc_case_wait_probe(x) : NULL;
  bool ok = probe != NULL;
  json_decref(probe);
  if (!ok)
    nsc_case_verdict(x, REQ("runtime.start.runs-program"), false, "start exits 0, program runs",
                     "start exited %d", rc);
  return ok;
}

/* Run an operation that must fail, then check the status did not change. */
static void must_fail(struct case_ctx *x, const char *req, const char *what, const char *want,
                      const char *a1, const char *a2)
{
  struct nsc_exec r;
  int rc = nsc_case_run(x, &r, -1, a1, a2 ? a2 : x->id, a2 ? x->id : NULL, NULL);
  bool message = r.err && r.err[0];
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  const char *now = nsc_state_status(st);
  char expected[160];
  snprintf(expected, sizeof(expected), "%s fails with a message; status stays %s", what, want);
  nsc_case_verdict(x, req, rc != 0 && message && strcmp(now, want) == 0, expected,
                   "%s exited %d%s; status %s", what, rc, message ? "" : " without a message", now);
  json_decref(st);
}

static void stop(struct case_ctx *x)
{
  struct nsc_exec r;
  nsc_case_run(x, &r, -1, "kill", x->id, "KILL", NULL);
  nsc_exec_free(&r);
  nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
}

static void start_twice(struct case_ctx *x)
{
  if (create_ok(x) && start_ok(x))
    must_fail(x, REQ("runtime.start.not-created"), "a second start", "running", "start", NULL);
}

static void delete_running(struct case_ctx *x)
{
  if (create_ok(x) && start_ok(x))
    must_fail(x, REQ("runtime.delete.not-stopped"), "delete of a running container", "running",
              "delete", NULL);
}

static void delete_created(struct case_ctx *x)
{
  if (create_ok(x))
    must_fail(x, REQ("runtime.delete.not-stopped"), "delete of a created container", "created",
              "delete", NULL);
}

static void kill_stopped(struct case_ctx *x)
{
  if (!create_ok(x) || !start_ok(x))
    return;
  stop(x);
  must_fail(x, REQ("runtime.kill.wrong-state"), "kill of a stopped container", "stopped", "kill",
            NULL);
}

static void start_stopped(struct case_ctx *x)
{
  if (!create_ok(x) || !start_ok(x))
    return;
  stop(x);
  must_fail(x, REQ("runtime.start.not-created"), "start of a stopped container", "stopped",
            "start", NULL);
}

static void create_duplicate(struct case_ctx *x)
{
  if (!create_ok(x))
    return;
  struct nsc_exec r;
  int rc = nsc_case_create(x, &r);
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  pid_t pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  nsc_case_verdict(x, REQ("runtime.create.unique-id"),
                   rc != 0 && !strcmp(nsc_state_status(st), "created") && pid == x->pid,
                   "a second create with the id fails; the first container is unchanged",
                   "second create exited %d; status %s, pid %d (was %d)", rc,
                   nsc_state_status(st), pid, x->pid);
  json_decref(st);
}

/* The program must run with the config of create time. */
static void config_edit(struct case_ctx *x)
{
  if (!create_ok(x))
    return;
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/config.json", x->dir);
  json_t *env = json_object_get(json_object_get(x->config, "process"), "env");
  json_array_set_new(env, 1, json_string("MARK=edited"));
  json_dump_file(x->config, path, JSON_INDENT(2) | JSON_SORT_KEYS);
  struct nsc_exec r;
  int rc = nsc_case_run(x, &r, -1, "start", x->id, NULL);
  nsc_exec_free(&r);
  json_t *probe = rc == 0 ? nsc_case_wait_probe(x) : NULL;
  const char *mark = "(no probe output)";
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(probe, "env"), i, e)
  {
    const char *s = json_string_value(e);
    if (s && strncmp(s, "MARK=", 5) == 0)
      mark = s;
  }
  nsc_case_verdict(x, REQ("runtime.lifecycle.config-frozen"),
                   strcmp(mark, "MARK=create") == 0, "MARK=create", "%s", mark);
  json_decref(probe);
}

static void state_unknown(struct case_ctx *x)
{
  struct nsc_exec r;
  int rc = nsc_case_run(x, &r, -1, "state", "nsconform-no-such-container", NULL);
  bool message = r.err && r.err[0];
  nsc_exec_free(&r);
  nsc_case_verdict(x, REQ("runtime.query-state.unknown"), rc != 0 && message,
                   "state of an unknown id fails with a message", "exited %d%s", rc,
                   message ? "" : " without a message");
}

/* A signal given by number reaches the program (the probe exits on SIGUSR1). */
static void kill_by_number(struct case_ctx *x)
{
  if (!create_ok(x) || !start_ok(x))
    return;
  char sig[8];
  snprintf(sig, sizeof(sig), "%d", SIGUSR1);
  struct nsc_exec r;
  int rc = nsc_case_run(x, &r, -1, "kill", x->id, sig, NULL);
  nsc_exec_free(&r);
  bool gone = nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
  nsc_case_verdict(x, REQ("runtime.kill.signal"), rc == 0 && gone,
                   "kill <id> 10 exits 0 and the program gets SIGUSR1", "kill exited %d; %s", rc,
                   gone ? "the program ended" : "the program is still running");
}

static const struct procedure procedures[] = {
    {"start-twice", "start of a running container fails and changes nothing", start_twice},
    {"start-stopped", "start of a stopped container fails", start_stopped},
    {"delete-running", "delete of a running container fails and changes nothing", delete_running},
    {"delete-created", "delete of a created container fails and changes nothing", delete_created},
    {"kill-stopped", "kill of a stopped container fails", kill_stopped},
    {"create-duplicate", "create with an id in use fails; the first container is unchanged",
     create_duplicate},
    {"config-edit", "edits to config.json after create have no effect", config_edit},
    {"state-unknown", "state of an unknown id fails", state_unknown},
    {"kill-by-number", "kill with a signal number delivers it", kill_by_number},
};

size_t nsc_lifecycle_cases(struct nsc_case **out)
{
  size_t n = sizeof(procedures) / sizeof(procedures[0]);
  struct nsc_case *v = calloc(n, sizeof(*v));
  if (!v) {
    *out = NULL;
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    snprintf(v[i].id, sizeof(v[i].id), "l%03zu-%s", i + 1, procedures[i].slug);
    v[i].kind = NSC_CASE_LIFECYCLE;
    v[i].config = json_loads(base_config, 0, NULL);
    v[i].title = strdup(procedures[i].title);
  }
  *out = v;
  return n;
}

void nsc_lifecycle_run(struct case_ctx *x)
{
  const char *slug = strchr(x->c->id, '-');
  for (size_t i = 0; slug && i < sizeof(procedures) / sizeof(procedures[0]); i++) {
    if (strcmp(slug + 1, procedures[i].slug) == 0) {
      procedures[i].run(x);
      if (x->pid > 0) {
        stop(x);
        x->pid = 0;
      }
      struct nsc_exec r;
      nsc_case_run(x, &r, -1, "delete", "--force", x->id, NULL);
      nsc_exec_free(&r);
      return;
    }
  }
  /* Case ids come from nsc_lifecycle_cases(): an unknown one is a harness bug. */
  abort();
}
