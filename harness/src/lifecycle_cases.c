/* The lifecycle procedures: their table, the steps they share, and the
 * runtime.md procedures on operations in the wrong state.  Hooks, CLI usage
 * and the features document have files of their own (lifecycle_hooks.c,
 * lifecycle_cli.c, lifecycle_features.c). */
#include "lifecycle_cases.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "driver_int.h"
#include "holder.h"
#include "lifecycle_int.h"
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

/* ---- shared steps --------------------------------------------------------- */

bool nsc_lc_write_config(struct case_ctx *x, const char *req)
{
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/config.json", x->dir);
  if (json_dump_file(x->config, path, JSON_INDENT(2) | JSON_SORT_KEYS) == 0)
    return true;
  nsc_case_verdict(x, req, false, "the case's config.json is written", "writing %s failed: %s",
                   path, strerror(errno));
  return false;
}

/* The bind mount of <bundle>/rec at /run: a directory both sides can write
 * (the rootfs is read-only and shared), and a path that exists only inside
 * the container.  /run exists, empty, in the fixture rootfs, so the runtime
 * creates nothing in the shared tree. */
bool nsc_lc_record_mount(struct case_ctx *x, char *rec, size_t len)
{
  snprintf(rec, len, "%s/rec", x->dir);
  if (mkdir(rec, 0755) < 0 && errno != EEXIST)
    return false;
  json_t *mounts = json_object_get(x->config, "mounts");
  json_array_append_new(mounts,
                        json_pack("{s:s, s:s, s:s, s:[s,s]}", "destination", NSC_LC_RECORD_MOUNT,
                                  "type", "bind", "source", rec, "options", "rbind", "rw"));
  return true;
}

/* The container stops writing to probe.out when it dies; the next container
 * of the same case starts a fresh file (its stdout shares the offset). */
void nsc_lc_reset_probe(struct case_ctx *x)
{
  if (ftruncate(x->probe_fd, 0) == 0)
    lseek(x->probe_fd, 0, SEEK_SET);
}

void nsc_lc_destroy(struct case_ctx *x)
{
  if (x->pid > 0)
    nsc_lc_stop(x);
  x->pid = 0;
  struct nsc_exec r;
  nsc_case_run(x, &r, -1, "delete", "--force", x->id, NULL);
  nsc_exec_free(&r);
}

void nsc_lc_create_must_fail(struct case_ctx *x, const char *req, const char *what)
{
  struct nsc_exec r;
  char line[512], expected[256];
  int rc = nsc_case_create(x, &r);
  bool message = r.err && r.err[0];
  nsc_case_note_stderr(x, &r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  if (st)
    x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  snprintf(expected, sizeof(expected), "create of %s fails with a message; no container remains",
           what);
  nsc_case_verdict(x, req, rc != 0 && !r.timed_out && message && !st, expected,
                   "create exited %d%s: %s; state %s", rc, r.timed_out ? " (timed out)" : "",
                   nsc_first_line(r.err, line, sizeof(line)),
                   st ? nsc_state_status(st) : "fails (no container)");
  json_decref(st);
  nsc_exec_free(&r);
}

static void add_problem(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_problem(char *buf, size_t len, const char *fmt, ...)
{
  size_t used = strlen(buf);
  if (used >= len - 1)
    return;
  if (used)
    used += (size_t)snprintf(buf + used, len - used, "; ");
  va_list ap;
  va_start(ap, fmt);
  if (used < len)
    vsnprintf(buf + used, len - used, fmt, ap);
  va_end(ap);
}

const char *nsc_lc_state_problems(const json_t *st, const char *id, const char *bundle, char *buf,
                                  size_t len)
{
  static const char *const required[] = {"ociVersion", "id", "status", "bundle"};
  static const char *const statuses[] = {"creating", "created", "running", "stopped"};
  buf[0] = '\0';
  if (!json_is_object(st)) {
    add_problem(buf, len, "not a JSON object");
    return buf;
  }
  for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
    json_t *v = json_object_get(st, required[i]);
    if (!v)
      add_problem(buf, len, "no %s", required[i]);
    else if (!json_is_string(v))
      add_problem(buf, len, "%s is not a string", required[i]);
  }
  const char *status = json_string_value(json_object_get(st, "status"));
  bool known = false;
  for (size_t i = 0; status && i < sizeof(statuses) / sizeof(statuses[0]); i++)
    known |= strcmp(status, statuses[i]) == 0;
  if (status && !known)
    add_problem(buf, len, "status \"%s\" is none of creating, created, running, stopped", status);
  json_t *pid = json_object_get(st, "pid");
  bool live = status && (!strcmp(status, "created") || !strcmp(status, "running"));
  if (pid && (!json_is_integer(pid) || json_integer_value(pid) < 0))
    add_problem(buf, len, "pid is not an integer >= 0");
  else if (live && !pid)
    add_problem(buf, len, "no pid while %s", status);
  else if (live && json_integer_value(pid) == 0)
    add_problem(buf, len, "pid 0 (no process) while %s", status);
  const char *b = json_string_value(json_object_get(st, "bundle"));
  if (b && b[0] != '/')
    add_problem(buf, len, "bundle \"%s\" is not absolute", b);
  json_t *ann = json_object_get(st, "annotations");
  if (ann) {
    const char *key;
    json_t *v;
    if (!json_is_object(ann))
      add_problem(buf, len, "annotations is not a map");
    json_object_foreach(ann, key, v)
    {
      if (!json_is_string(v))
        add_problem(buf, len, "annotation \"%s\" is not a string", key);
    }
  }
  const char *sid = json_string_value(json_object_get(st, "id"));
  if (id && sid && strcmp(sid, id) != 0)
    add_problem(buf, len, "id \"%s\", not \"%s\"", sid, id);
  if (bundle && b && strcmp(b, bundle) != 0)
    add_problem(buf, len, "bundle \"%s\", not \"%s\"", b, bundle);
  return buf;
}

bool nsc_lc_append(const char *path, const char *line)
{
  cleanup_close int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return false;
  char buf[512];
  int n = snprintf(buf, sizeof(buf), "%s\n", line);
  return n > 0 && (size_t)n < sizeof(buf) && write(fd, buf, (size_t)n) == n;
}

const char *nsc_lc_file_id(const char *path, char *buf, size_t len)
{
  struct stat st;
  buf[0] = '\0';
  if (stat(path, &st) == 0)
    snprintf(buf, len, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
  return buf;
}

/* create, then the pid the state names; false (with a verdict) on failure. */
bool nsc_lc_create(struct case_ctx *x)
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

bool nsc_lc_start(struct case_ctx *x)
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

void nsc_lc_stop(struct case_ctx *x)
{
  struct nsc_exec r;
  nsc_case_run(x, &r, -1, "kill", x->id, "KILL", NULL);
  nsc_exec_free(&r);
  nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
}

static void start_twice(struct case_ctx *x)
{
  if (nsc_lc_create(x) && nsc_lc_start(x))
    must_fail(x, REQ("runtime.start.not-created"), "a second start", "running", "start", NULL);
}

static void delete_running(struct case_ctx *x)
{
  if (nsc_lc_create(x) && nsc_lc_start(x))
    must_fail(x, REQ("runtime.delete.not-stopped"), "delete of a running container", "running",
              "delete", NULL);
}

static void delete_created(struct case_ctx *x)
{
  if (nsc_lc_create(x))
    must_fail(x, REQ("runtime.delete.not-stopped"), "delete of a created container", "created",
              "delete", NULL);
}

static void kill_stopped(struct case_ctx *x)
{
  if (!nsc_lc_create(x) || !nsc_lc_start(x))
    return;
  nsc_lc_stop(x);
  must_fail(x, REQ("runtime.kill.wrong-state"), "kill of a stopped container", "stopped", "kill",
            NULL);
}

static void start_stopped(struct case_ctx *x)
{
  if (!nsc_lc_create(x) || !nsc_lc_start(x))
    return;
  nsc_lc_stop(x);
  must_fail(x, REQ("runtime.start.not-created"), "start of a stopped container", "stopped", "start",
            NULL);
}

static void create_duplicate(struct case_ctx *x)
{
  if (!nsc_lc_create(x))
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
                   "second create exited %d; status %s, pid %d (was %d)", rc, nsc_state_status(st),
                   pid, x->pid);
  json_decref(st);
}

/* The program must run with the config of create time. */
static void config_edit(struct case_ctx *x)
{
  if (!nsc_lc_create(x))
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
  nsc_case_verdict(x, REQ("runtime.lifecycle.config-frozen"), strcmp(mark, "MARK=create") == 0,
                   "MARK=create", "%s", mark);
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
  if (!nsc_lc_create(x) || !nsc_lc_start(x))
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

/* Ids are "l<NNN>-<slug>" in this order: append, so existing ids stay. */
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
    /* lifecycle_hooks.c */
    {"hooks-record", "hooks of every kind run in order, in their namespaces, with the state",
     nsc_lc_hooks_record},
    {"hook-timeout", "a createRuntime hook past its timeout is aborted and create fails",
     nsc_lc_hook_timeout},
    {"prestart-fails", "a failing prestart hook fails create and destroys the container",
     nsc_lc_prestart_fails},
    {"createruntime-fails", "a failing createRuntime hook fails create and destroys the container",
     nsc_lc_createruntime_fails},
    {"createcontainer-fails",
     "a failing createContainer hook fails create and destroys the container",
     nsc_lc_createcontainer_fails},
    {"startcontainer-fails", "a failing startContainer hook fails start and destroys the container",
     nsc_lc_startcontainer_fails},
    {"poststart-fails", "a failing poststart hook fails start and destroys the container",
     nsc_lc_poststart_fails},
    {"poststop-fails", "a failing poststop hook is a warning: delete completes",
     nsc_lc_poststop_fails},
    {"hook-relative-path", "a hook with a relative path is refused at create",
     nsc_lc_hook_relative_path},
    {"hook-timeout-zero", "a hook timeout of 0 is refused at create", nsc_lc_hook_timeout_zero},
    {"hook-timeout-negative", "a negative hook timeout is refused at create",
     nsc_lc_hook_timeout_negative},
    /* lifecycle_cli.c */
    {"no-id", "state, start, kill and delete without an id fail and change nothing", nsc_lc_no_id},
    {"create-missing-args", "create without an id or a bundle fails", nsc_lc_create_missing_args},
    {"state-document", "the state document while created, running and stopped",
     nsc_lc_state_document},
    {"annotations", "annotations are accepted and the state reports them", nsc_lc_annotations},
    {"annotations-not-map", "annotations that are not a map are refused at create",
     nsc_lc_annotations_not_map},
    {"annotations-non-string", "an annotation value that is not a string is refused at create",
     nsc_lc_annotations_non_string},
    {"annotations-empty-key", "an annotation with an empty key is refused at create",
     nsc_lc_annotations_empty_key},
    {"no-process", "start of a container without process fails", nsc_lc_no_process},
    {"create-error", "create of an environment that cannot be made fails and leaves nothing",
     nsc_lc_create_error},
    {"delete-scope",
     "delete removes the namespaces create made and keeps the joined one, the bind source, "
     "the bundle",
     nsc_lc_delete_scope},
    /* lifecycle_features.c */
    {"features-document", "the features document is well formed", nsc_lc_features_document},
    {"features-versions", "configs of ociVersionMin and ociVersionMax are accepted",
     nsc_lc_features_versions},
    {"features-hooks", "every hook kind the features document lists runs", nsc_lc_features_hooks},
    {"features-mount-options", "every mount option the features document lists is accepted",
     nsc_lc_features_mount_options},
    {"features-namespaces", "every namespace type the features document lists is accepted",
     nsc_lc_features_namespaces},
    {"features-capabilities", "every capability the features document lists is accepted",
     nsc_lc_features_capabilities},
    {"features-seccomp", "every seccomp action, operator, arch and flag listed is accepted",
     nsc_lc_features_seccomp},
    /* lifecycle_config.c */
    {"args-lookup", "args[0] without a slash is found through PATH; argv is process.args",
     nsc_lc_args_lookup},
    {"root-relative", "a relative root.path is taken from the bundle directory",
     nsc_lc_root_relative},
    {"mounts-order", "two mounts at one destination: the later is on top", nsc_lc_mounts_order},
    {"mount-destination-relative", "a relative mount destination is under the container's /",
     nsc_lc_mount_destination_relative},
    {"bind-source-relative", "a relative bind source is taken from the bundle directory",
     nsc_lc_bind_source_relative},
    {"unknown-properties", "properties the spec does not define are ignored",
     nsc_lc_unknown_properties},
    {"console-size-ignored", "consoleSize without a terminal is ignored",
     nsc_lc_console_size_ignored},
    {"seccomp-rule-kill", "a seccomp rule with SCMP_ACT_KILL_PROCESS kills the caller",
     nsc_lc_seccomp_rule_kill},
    {"seccomp-default-trace", "a seccomp defaultAction SCMP_ACT_TRACE applies to unlisted calls",
     nsc_lc_seccomp_default_trace},
    {"seccomp-args", "a seccomp rule with args applies only when the argument matches",
     nsc_lc_seccomp_args},
    {"domainname-runtime-uts",
     "a domainname without a uts namespace: an error, or set in the runtime's own",
     nsc_lc_domainname_runtime_uts},
    {"create-environment",
     "between create and start the namespaces, mounts and create hooks are in place",
     nsc_lc_create_environment},
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
    /* delete-scope joins a namespace that a holder keeps (holder.h). */
    if (strcmp(procedures[i].slug, "delete-scope") == 0 && v[i].config)
      json_array_append_new(
          json_object_get(json_object_get(v[i].config, "linux"), "namespaces"),
          json_pack("{s:s, s:s}", "type", "network", "path", NSC_HOLDER_PREFIX "network"));
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
      nsc_lc_destroy(x);
      return;
    }
  }
  /* Case ids come from nsc_lifecycle_cases(): an unknown one is a harness bug. */
  abort();
}
