/* Lifecycle procedures on config.md forms the generated cases do not write:
 * PATH lookup of args[0], a relative root.path, stacked and relative mounts,
 * unknown properties, consoleSize without a terminal, and seccomp actions
 * other than errno (a process killed by its filter prints nothing, so these
 * compare against a control container with the same filter); a domainname
 * without a uts namespace, and the environment create builds, seen between
 * create and start. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "driver_int.h"
#include "gen_int.h"
#include "lifecycle_hooks.h"
#include "lifecycle_int.h"
#include "requirements.h"

/* ---- steps ------------------------------------------------------------------ */

static json_t *process_of(struct case_ctx *x)
{
  return json_object_get(x->config, "process");
}

/* create with the runtime's working directory cwd (the harness's own when
 * NULL); -1 when cwd cannot be entered or left. */
static int create_in(struct case_ctx *x, struct nsc_exec *r, const char *cwd)
{
  if (!cwd)
    return nsc_case_create(x, r);
  cleanup_close int back = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (back < 0 || chdir(cwd) < 0) {
    memset(r, 0, sizeof(*r));
    return -1;
  }
  int rc = nsc_case_create(x, r);
  if (fchdir(back) < 0)
    abort(); /* the harness's relative paths would all be wrong */
  return rc;
}

/* create (in cwd, see create_in) and start, then the probe's output (NULL,
 * with a verdict naming req, when the program did not report). */
static json_t *run_probe_in(struct case_ctx *x, const char *req, const char *what, const char *cwd)
{
  if (!nsc_lc_write_config(x, req))
    return NULL;
  struct nsc_exec r;
  char line[512];
  int rc = create_in(x, &r, cwd);
  nsc_case_note_stderr(x, &r);
  if (rc != 0) {
    nsc_case_verdict(x, req, false, what, "create exited %d: %s", rc,
                     nsc_first_line(r.err, line, sizeof(line)));
    nsc_exec_free(&r);
    return NULL;
  }
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  rc = nsc_case_run(x, &r, -1, "start", x->id, NULL);
  nsc_case_note_stderr(x, &r);
  nsc_exec_free(&r);
  json_t *probe = rc == 0 ? nsc_case_wait_probe(x) : NULL;
  if (!probe)
    nsc_case_verdict(x, req, false, what, "start exited %d; %s", rc,
                     rc == 0 ? "the program reported nothing" : "no program ran");
  return probe;
}

static json_t *run_probe(struct case_ctx *x, const char *req, const char *what)
{
  return run_probe_in(x, req, what, NULL);
}

/* The probe's argv as "[a, b]" into buf; whether it equals process.args. */
static bool argv_matches(struct case_ctx *x, const json_t *probe, char *buf, size_t len)
{
  const json_t *argv = json_object_get(probe, "argv");
  size_t used = (size_t)snprintf(buf, len, "argv [");
  size_t i;
  json_t *a;
  json_array_foreach(argv, i, a)
  {
    if (used < len)
      used += (size_t)snprintf(buf + used, len - used, "%s\"%s\"", i ? ", " : "",
                               json_is_string(a) ? json_string_value(a) : "?");
  }
  if (used < len)
    snprintf(buf + used, len - used, "]");
  return json_is_array(argv) && json_equal(argv, json_object_get(process_of(x), "args"));
}

/* ---- mountinfo of the container, read from outside -------------------------- */

struct mnt {
  int id, parent;
  unsigned major, minor;
  char root[PATH_MAX];
  char point[PATH_MAX];
  char super[512];
};

#define MNT_MAX 256

/* The mounts of /proc/<pid>/mountinfo, in its order; -1 when unreadable. */
static int read_mounts(pid_t pid, struct mnt *m, int max)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return -1;
  cleanup_free char *line = NULL;
  size_t cap = 0;
  int n = 0;
  while (n < max && getline(&line, &cap, f) > 0) {
    struct mnt *e = &m[n];
    char *sep = strstr(line, " - ");
    if (!sep || sscanf(line, "%d %d %u:%u %4095s %4095s", &e->id, &e->parent, &e->major, &e->minor,
                       e->root, e->point) != 6)
      continue;
    char fstype[64], source[PATH_MAX];
    e->super[0] = '\0';
    if (sscanf(sep + 3, "%63s %4095s %511s", fstype, source, e->super) < 2)
      continue;
    n++;
  }
  fclose(f);
  return n;
}

/* The topmost mount at point (the last in mountinfo order), or NULL. */
static const struct mnt *top_mount(const struct mnt *m, int n, const char *point)
{
  const struct mnt *top = NULL;
  for (int i = 0; i < n; i++)
    if (strcmp(m[i].point, point) == 0)
      top = &m[i];
  return top;
}

static bool has_option(const char *list, const char *opt)
{
  size_t k = strlen(opt);
  for (const char *p = list; p && *p;) {
    if (strncmp(p, opt, k) == 0 && (p[k] == ',' || p[k] == '\0'))
      return true;
    p = strchr(p, ',');
    p = p ? p + 1 : NULL;
  }
  return false;
}

static json_t *tmpfs_mount(const char *dest, const char *size)
{
  return json_pack("{s:s, s:s, s:s, s:[s,s]}", "destination", dest, "type", "tmpfs", "source",
                   "tmpfs", "options", "nosuid", size);
}

/* ---- procedures --------------------------------------------------------------- */

/* args[0] "nsprobe" has no slash: it is found through the container's PATH,
 * whose first entry lacks it and whose second, "/", has it. */
void nsc_lc_args_lookup(struct case_ctx *x)
{
  const char *req = REQ("config.process.args-lookup");
  json_t *proc = process_of(x);
  json_object_set_new(proc, "args", json_pack("[s,s]", "nsprobe", "--wait"));
  json_array_set_new(json_object_get(proc, "env"), 0, json_string("PATH=/bin:/"));
  json_t *probe = run_probe(x, req, "nsprobe found through PATH=/bin:/ runs");
  if (!probe)
    return;
  char buf[512];
  bool ok = argv_matches(x, probe, buf, sizeof(buf));
  nsc_case_verdict(x, req, ok, "nsprobe runs with argv [\"nsprobe\", \"--wait\"]", "%s", buf);
  json_decref(probe);
}

bool nsc_lc_relative_path(const char *from, const char *to, char *buf, size_t len)
{
  size_t used = 0;
  buf[0] = '\0';
  for (const char *p = from; *p; p++) {
    if (*p != '/' || !p[1] || p[1] == '/')
      continue;
    if (used + 3 >= len)
      return false;
    memcpy(buf + used, "../", 4);
    used += 3;
  }
  int n = snprintf(buf + used, len - used, "%s", to + 1);
  return n >= 0 && (size_t)n < len - used;
}

/* root.path relative to the bundle: "../" up to / and down to the fixture
 * rootfs (no symlink, which some runtimes refuse for the rootfs).  The
 * runtime runs in <bundle>/elsewhere/a/b/c, from where the same path leads
 * nowhere, so only the bundle as the base works. */
void nsc_lc_root_relative(struct case_ctx *x)
{
  const char *req = REQ("config.root.path-relative");
  char dir[PATH_MAX], rel[PATH_MAX], cwd[PATH_MAX];
  static const char *const levels[] = {"/elsewhere", "/a", "/b", "/c"};
  bool made = true;
  cwd[0] = '\0';
  for (size_t i = 0; made && i < sizeof(levels) / sizeof(levels[0]); i++) {
    snprintf(cwd + strlen(cwd), sizeof(cwd) - strlen(cwd), "%s%s", i ? "" : x->dir, levels[i]);
    made = mkdir(cwd, 0755) == 0 || errno == EEXIST;
  }
  if (!made || !realpath(x->dir, dir) ||
      !nsc_lc_relative_path(dir, x->d->rootfs, rel, sizeof(rel))) {
    nsc_case_verdict(x, req, false, "a relative path from the bundle to the rootfs",
                     "no path from %s to %s", x->dir, x->d->rootfs);
    return;
  }
  json_object_set_new(json_object_get(x->config, "root"), "path", json_string(rel));
  char what[PATH_MAX + 64];
  snprintf(what, sizeof(what), "root.path \"%s\" from the bundle is the rootfs with /nsprobe", rel);
  json_t *probe = run_probe_in(x, req, what, cwd);
  if (probe)
    nsc_case_verdict(x, req, true, what, "/nsprobe ran (pid %lld)",
                     (long long)json_integer_value(json_object_get(probe, "pid")));
  json_decref(probe);
}

/* Two tmpfs mounts at /tmp: the second is made later, on top of the first. */
void nsc_lc_mounts_order(struct case_ctx *x)
{
  const char *req = REQ("config.mounts.order");
  json_t *mounts = json_object_get(x->config, "mounts");
  json_array_append_new(mounts, tmpfs_mount("/tmp", "size=1024k"));
  json_array_append_new(mounts, tmpfs_mount("/tmp", "size=2048k"));
  json_t *probe = run_probe(x, req, "both /tmp mounts are made");
  if (!probe)
    return;
  json_decref(probe);
  struct mnt *m = calloc(MNT_MAX, sizeof(*m));
  int n = m ? read_mounts(x->pid, m, MNT_MAX) : -1;
  const struct mnt *top = n > 0 ? top_mount(m, n, "/tmp") : NULL;
  const struct mnt *under = NULL;
  for (int i = 0; top && i < n; i++)
    if (m[i].id == top->parent)
      under = &m[i];
  bool ok = top && under && has_option(top->super, "size=2048k") &&
            has_option(under->super, "size=1024k") && strcmp(under->point, "/tmp") == 0;
  nsc_case_verdict(x, req, ok, "/tmp: the size=2048k tmpfs on top of the size=1024k one",
                   "%s%s (%s) over %s (%s)", n < 0 ? "mountinfo unreadable; " : "",
                   top ? top->point : "no /tmp", top ? top->super : "-", under ? under->point : "?",
                   under ? under->super : "-");
  free(m);
}

/* destination "tmp" is /tmp in the container. */
void nsc_lc_mount_destination_relative(struct case_ctx *x)
{
  const char *req = REQ("config.mounts.destination-relative");
  json_array_append_new(json_object_get(x->config, "mounts"), tmpfs_mount("tmp", "size=3072k"));
  json_t *probe = run_probe(x, req, "the mount with destination \"tmp\" is made");
  if (!probe)
    return;
  json_decref(probe);
  struct mnt *m = calloc(MNT_MAX, sizeof(*m));
  int n = m ? read_mounts(x->pid, m, MNT_MAX) : -1;
  const struct mnt *top = n > 0 ? top_mount(m, n, "/tmp") : NULL;
  nsc_case_verdict(x, req, top && has_option(top->super, "size=3072k"),
                   "a size=3072k tmpfs at /tmp", "%s", top ? top->super : "no mount at /tmp");
  free(m);
}

/* source "relsrc" is <bundle>/relsrc: the mount at /run is that directory. */
void nsc_lc_bind_source_relative(struct case_ctx *x)
{
  const char *req = REQ("config.mounts.bind-source-relative");
  char src[PATH_MAX], real[PATH_MAX];
  struct stat st;
  snprintf(src, sizeof(src), "%s/relsrc", x->dir);
  if ((mkdir(src, 0755) < 0 && errno != EEXIST) || !realpath(src, real) || stat(real, &st) < 0) {
    nsc_case_verdict(x, req, false, "the bundle gets a relsrc directory", "%s: %s", src,
                     strerror(errno));
    return;
  }
  json_array_append_new(json_object_get(x->config, "mounts"),
                        json_pack("{s:s, s:s, s:s, s:[s,s]}", "destination", "/run", "type", "bind",
                                  "source", "relsrc", "options", "rbind", "ro"));
  json_t *probe = run_probe(x, req, "the bind of \"relsrc\" at /run is made");
  if (!probe)
    return;
  json_decref(probe);
  struct mnt *m = calloc(MNT_MAX, sizeof(*m));
  int n = m ? read_mounts(x->pid, m, MNT_MAX) : -1;
  const struct mnt *top = n > 0 ? top_mount(m, n, "/run") : NULL;
  size_t lr = top ? strlen(top->root) : 0, lp = strlen(real);
  /* mountinfo's root is the path within its file system: a suffix of real */
  bool ok = top && top->major == major(st.st_dev) && top->minor == minor(st.st_dev) &&
            lr > strlen("/relsrc") && lr <= lp && strcmp(real + lp - lr, top->root) == 0;
  nsc_case_verdict(x, req, ok, "/run is a bind of the bundle's relsrc directory",
                   "%s%u:%u root %s (relsrc is %u:%u %s)", top ? "" : "no mount at /run; ",
                   top ? top->major : 0, top ? top->minor : 0, top ? top->root : "-",
                   major(st.st_dev), minor(st.st_dev), real);
  free(m);
}

/* Properties runtime-spec does not define, at the top, in root, process,
 * linux and a mount, are ignored. */
void nsc_lc_unknown_properties(struct case_ctx *x)
{
  const char *req = REQ("config.extensibility.unknown-properties");
  json_t *odd = json_pack("{s:s, s:[i], s:{s:b}}", "text", "x", "list", 1, "object", "flag", 1);
  json_object_set(x->config, "nsconformUnknown", odd);
  json_object_set(json_object_get(x->config, "root"), "nsconformUnknown", odd);
  json_object_set(process_of(x), "nsconformUnknown", odd);
  json_object_set(json_object_get(x->config, "linux"), "nsconformUnknown", odd);
  json_object_set(json_array_get(json_object_get(x->config, "mounts"), 0), "nsconformUnknown", odd);
  json_decref(odd);
  json_t *probe = run_probe(x, req, "create and start succeed; the program runs");
  if (probe)
    nsc_case_verdict(x, req, true, "create and start succeed; the program runs", "the program ran");
  json_decref(probe);
}

/* consoleSize with terminal false: no failure, no terminal. */
void nsc_lc_console_size_ignored(struct case_ctx *x)
{
  const char *req = REQ("config.process.console-size-ignored");
  json_t *proc = process_of(x);
  json_object_set_new(proc, "terminal", json_false());
  json_object_set_new(proc, "consoleSize", json_pack("{s:i, s:i}", "height", 24, "width", 80));
  json_t *probe = run_probe(x, req, "create and start succeed; the program runs");
  if (!probe)
    return;
  /* stdout is the harness's probe file, not a terminal */
  json_t *fds = json_object_get(probe, "fds");
  const char *out = NULL;
  size_t i;
  json_t *f;
  json_array_foreach(fds, i, f)
  {
    if (json_integer_value(json_object_get(f, "fd")) == 1)
      out = json_string_value(json_object_get(f, "target"));
  }
  bool tty = out && (strncmp(out, "/dev/pts/", 9) == 0 || strcmp(out, "/dev/console") == 0);
  nsc_case_verdict(x, req, !tty, "the program runs, its stdout not a terminal", "stdout %s",
                   out ? out : "(not reported)");
  json_decref(probe);
}

/* ---- seccomp ---------------------------------------------------------------- */

/* args of a probe that calls syscall once and exits. */
static void probe_call(struct case_ctx *x, const char *syscall_name)
{
  json_t *proc = process_of(x);
  json_object_set_new(proc, "args",
                      json_pack("[s,s,s]", "/nsprobe", "--seccomp-probe", syscall_name));
  json_object_set_new(proc, "noNewPrivileges", json_true());
}

static void set_seccomp(struct case_ctx *x, json_t *sc)
{
  json_object_set_new(json_object_get(x->config, "linux"), "seccomp", sc);
}

/* ret and errno of the probe's call into buf; whether they match want
 * (0: the call succeeded, else -1 with that errno). */
static bool probe_result(const json_t *probe, long long want, char *buf, size_t len)
{
  const json_t *sp = json_object_get(probe, "seccomp_probe");
  const json_t *ret = json_object_get(sp, "ret"), *err = json_object_get(sp, "errno");
  if (!json_is_integer(ret) || !json_is_integer(err)) {
    snprintf(buf, len, "the probe reports no seccomp_probe");
    return false;
  }
  long long r = json_integer_value(ret), e = json_integer_value(err);
  snprintf(buf, len, "%s: ret %lld, errno %lld", json_string_value(json_object_get(sp, "syscall")),
           r, e);
  return want == 0 ? r >= 0 && e == 0 : r == -1 && e == want;
}

/* Run the probe's call of syscall under the current filter, which should
 * kill it: the process ends without printing.  A control run of getpid
 * first shows the filter lets the probe print. */
static void expect_killed(struct case_ctx *x, const char *req, const char *syscall_name,
                          const char *expected)
{
  probe_call(x, "getpid");
  json_t *probe = run_probe(x, req, "the control probe (getpid) runs under the filter");
  if (!probe)
    return;
  json_decref(probe);
  nsc_lc_destroy(x);
  nsc_lc_reset_probe(x);
  probe_call(x, syscall_name);
  if (!nsc_lc_write_config(x, req) || !nsc_lc_create(x))
    return;
  struct nsc_exec r;
  int rc = nsc_case_run(x, &r, -1, "start", x->id, NULL);
  nsc_case_note_stderr(x, &r);
  nsc_exec_free(&r);
  bool gone = nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
  bool empty = nsc_case_probe_empty(x);
  if (gone)
    x->pid = 0;
  nsc_case_verdict(x, req, rc == 0 && gone && empty, expected,
                   "start exited %d; the program %s; it %s", rc, gone ? "ended" : "still runs",
                   empty ? "printed nothing" : "printed its report (the call went through)");
}

/* A rule's action other than errno: SCMP_ACT_KILL_PROCESS for chmod. */
void nsc_lc_seccomp_rule_kill(struct case_ctx *x)
{
  set_seccomp(x,
              json_pack("{s:s, s:[{s:[s,s], s:s}]}", "defaultAction", "SCMP_ACT_ALLOW", "syscalls",
                        "names", "chmod", "fchmodat", "action", "SCMP_ACT_KILL_PROCESS"));
  expect_killed(x, REQ("config-linux.seccomp.rule-action"), "chmod",
                "the probe's chmod kills it (SCMP_ACT_KILL_PROCESS rule): it prints nothing");
}

/* defaultAction other than errno and allow: SCMP_ACT_TRACE with no tracer
 * fails the call with ENOSYS. */
void nsc_lc_seccomp_default_trace(struct case_ctx *x)
{
  const char *req = REQ("config-linux.seccomp.default-action");
  bool ok = true;
  set_seccomp(x,
              json_pack("{s:s, s:[{s:o, s:s}]}", "defaultAction", "SCMP_ACT_TRACE", "syscalls",
                        "names", gen_strings(&ok, gen_seccomp_allowed, gen_seccomp_allowed_count),
                        "action", "SCMP_ACT_ALLOW"));
  probe_call(x, "chmod");
  json_t *probe = run_probe(x, req, "the probe runs under the allow list");
  if (!probe)
    return;
  char buf[160];
  nsc_case_verdict(x, req, probe_result(probe, ENOSYS, buf, sizeof(buf)),
                   "chmod (in no rule) gets SCMP_ACT_TRACE: with no tracer it fails with ENOSYS",
                   "%s", buf);
  json_decref(probe);
}

/* A rule with args applies when the argument matches, not otherwise:
 * personality(0xffffffff) against value 0xffffffff, then against 0x1234. */
void nsc_lc_seccomp_args(struct case_ctx *x)
{
  const char *req = REQ("config-linux.seccomp.args");
  static const struct {
    json_int_t value;
    long long want;
    const char *expected;
  } runs[] = {
      {0xffffffffLL, EPROTO, "personality(0xffffffff) matches value 0xffffffff: errno EPROTO"},
      {0x1234, 0, "personality(0xffffffff) does not match value 0x1234: the call succeeds"},
  };
  for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
    if (i > 0) {
      nsc_lc_destroy(x);
      nsc_lc_reset_probe(x);
    }
    set_seccomp(x, json_pack("{s:s, s:[{s:[s], s:s, s:i, s:[{s:i, s:I, s:s}]}]}", "defaultAction",
                             "SCMP_ACT_ALLOW", "syscalls", "names", "personality", "action",
                             "SCMP_ACT_ERRNO", "errnoRet", EPROTO, "args", "index", 0, "value",
                             runs[i].value, "op", "SCMP_CMP_EQ"));
    probe_call(x, "personality");
    json_t *probe = run_probe(x, req, runs[i].expected);
    if (!probe)
      return;
    char buf[160];
    nsc_case_verdict(x, req, probe_result(probe, runs[i].want, buf, sizeof(buf)), runs[i].expected,
                     "%s", buf);
    json_decref(probe);
  }
}

/* ---- domainname without a uts namespace ---------------------------------------- */

/* A domainname with no uts namespace entry: the container's uts namespace is
 * the runtime's, so create either sets the runtime's own domainname or fails
 * with an error (config.md "Domainname").  The harness shares the runtime's
 * uts namespace (--isolate only adds a mount namespace), so it saves its
 * domainname first and puts it back whatever the runtime did. */
void nsc_lc_domainname_runtime_uts(struct case_ctx *x)
{
  const char *req = REQ("config.domainname.runtime-uts");
  static const char want[] = "nsconform-runtime-uts.test";
  char saved[256] = "", now[256] = "";
  if (getdomainname(saved, sizeof(saved) - 1) < 0) {
    nsc_case_skip(x, req, "the harness cannot read its own domainname");
    return;
  }
  if (strcmp(saved, want) == 0) {
    nsc_case_skip(x, req, "the host's domainname already is the configured one");
    return;
  }
  json_t *list = json_object_get(json_object_get(x->config, "linux"), "namespaces"), *e;
  size_t i;
  json_array_foreach(list, i, e)
  {
    if (strcmp(json_string_value(json_object_get(e, "type")) ?: "", "uts") == 0) {
      json_array_remove(list, i);
      break;
    }
  }
  json_object_set_new(x->config, "domainname", json_string(want));
  if (!nsc_lc_write_config(x, req))
    return;

  struct nsc_exec r;
  char line[512];
  int rc = nsc_case_create(x, &r);
  nsc_case_note_stderr(x, &r);
  bool message = r.err && r.err[0];
  nsc_first_line(r.err, line, sizeof(line));
  bool timed_out = r.timed_out;
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  if (st)
    x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  bool read_now = getdomainname(now, sizeof(now) - 1) == 0;
  bool changed = read_now && strcmp(now, saved) != 0;
  bool restored = !changed || setdomainname(saved, strlen(saved)) == 0;

  static const char expected[] = "create fails with a message and leaves no container, or sets "
                                 "the runtime's domainname to \"nsconform-runtime-uts.test\"";
  if (!restored)
    nsc_case_verdict(x, req, false, expected,
                     "the host's domainname is now \"%s\" and could not be put back to \"%s\": %s",
                     now, saved, strerror(errno));
  else if (rc != 0)
    nsc_case_verdict(x, req, !timed_out && message && x->pid <= 0, expected,
                     "create exited %d%s: %s%s%s", rc, timed_out ? " (timed out)" : "", line,
                     x->pid > 0 ? "; a container remains" : "",
                     changed ? "; the host's domainname was changed (put back)" : "");
  else
    nsc_case_verdict(x, req, read_now && strcmp(now, want) == 0, expected,
                     "create exited 0; the runtime's domainname %s \"%s\"%s",
                     read_now ? "is" : "cannot be read, was", read_now ? now : saved,
                     changed ? " (put back)" : "");
}

/* ---- the environment create builds ----------------------------------------------- */

/* "type:[inode]" of /proc/<pid>/ns/<name> ("self" for the harness). */
static const char *ns_link(const char *pid, const char *name, char *buf, size_t len)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, name);
  ssize_t n = readlink(path, buf, len - 1);
  buf[n > 0 ? n : 0] = '\0';
  return buf;
}

/* Whether /proc/<pid>/mountinfo has a mount at point of fstype from source. */
static bool has_mount(pid_t pid, const char *point, const char *fstype, const char *source)
{
  char path[64], want[PATH_MAX];
  snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
  snprintf(want, sizeof(want), " - %s %s ", fstype, source);
  FILE *f = fopen(path, "re");
  if (!f)
    return false;
  cleanup_free char *line = NULL;
  size_t cap = 0;
  bool found = false;
  while (!found && getline(&line, &cap, f) > 0) {
    char mp[PATH_MAX];
    found = sscanf(line, "%*d %*d %*u:%*u %*s %4095s", mp) == 1 && strcmp(mp, point) == 0 &&
            strstr(line, want) != NULL;
  }
  fclose(f);
  return found;
}

static void add_problem(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_problem(char *buf, size_t len, const char *fmt, ...)
{
  size_t used = strlen(buf);
  if (used + 3 >= len)
    return;
  if (used)
    used += (size_t)snprintf(buf + used, len - used, "; ");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + used, len - used, fmt, ap);
  va_end(ap);
}

/* Between create and start, from outside: the namespaces the config lists
 * are new (the others the runtime's), its mounts are in the init's mount
 * table, and the createRuntime and createContainer hooks have run, while the
 * startContainer hook has not (runtime.md "Lifecycle" steps 2-5). */
void nsc_lc_create_environment(struct case_ctx *x)
{
  const char *req = REQ("runtime.lifecycle.environment");
  struct nsc_hook_case h;
  if (!nsc_hook_setup(x, &h, req))
    return;
  json_t *lnx = json_object_get(x->config, "linux");
  json_t *list = json_object_get(lnx, "namespaces");
  json_array_append_new(list, json_pack("{s:s}", "type", "network"));
  json_array_append_new(list, json_pack("{s:s}", "type", "cgroup"));
  json_array_append_new(json_object_get(x->config, "mounts"),
                        json_pack("{s:s, s:s, s:s, s:[s,s]}", "destination", "/root", "type",
                                  "tmpfs", "source", "nsc-environment", "options", "nosuid",
                                  "size=64k"));
  json_t *hooks = json_object();
  json_object_set_new(hooks, "createRuntime",
                      json_pack("[o]", nsc_hook_recorder(&h, NSC_CREATE_RUNTIME, 1, NULL)));
  json_object_set_new(hooks, "createContainer",
                      json_pack("[o]", nsc_hook_recorder(&h, NSC_CREATE_CONTAINER, 1, NULL)));
  json_object_set_new(hooks, "startContainer",
                      json_pack("[o]", nsc_hook_recorder(&h, NSC_START_CONTAINER, 1, NULL)));
  nsc_hook_set(x, hooks);
  if (!nsc_lc_write_config(x, req) || !nsc_lc_create(x))
    return;

  char problems[1024] = "", pid[16], a[128], b[128];
  snprintf(pid, sizeof(pid), "%d", (int)x->pid);
  /* The config's types are new; user and time are left out, so shared. */
  static const struct {
    const char *link;
    bool is_new;
  } ns[] = {{"pid", true}, {"ipc", true},    {"uts", true},   {"mnt", true},
            {"net", true}, {"cgroup", true}, {"user", false}, {"time", false}};
  for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
    ns_link(pid, ns[i].link, a, sizeof(a));
    ns_link("self", ns[i].link, b, sizeof(b));
    if (!a[0])
      add_problem(problems, sizeof(problems), "%s namespace unreadable", ns[i].link);
    else if (ns[i].is_new == (strcmp(a, b) == 0))
      add_problem(problems, sizeof(problems), "%s is %s, the harness's is %s (wanted %s)", a,
                  ns[i].is_new ? "shared" : "new", b, ns[i].is_new ? "new" : "shared");
  }
  static const char *const mounts[][3] = {
      {"/proc", "proc", "proc"}, {"/dev", "tmpfs", "tmpfs"}, {"/root", "tmpfs", "nsc-environment"}};
  for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
    if (!has_mount(x->pid, mounts[i][0], mounts[i][1], mounts[i][2]))
      add_problem(problems, sizeof(problems), "no %s mount of %s at %s", mounts[i][1], mounts[i][2],
                  mounts[i][0]);
  struct nsc_hook_records rec;
  nsc_hook_records_load(&h, &rec);
  if (!nsc_hook_ran(&rec, NSC_CREATE_RUNTIME, 1))
    add_problem(problems, sizeof(problems), "the createRuntime hook did not run");
  if (!nsc_hook_ran(&rec, NSC_CREATE_CONTAINER, 1))
    add_problem(problems, sizeof(problems), "the createContainer hook did not run");
  if (nsc_hook_ran(&rec, NSC_START_CONTAINER, 1))
    add_problem(problems, sizeof(problems), "the startContainer hook ran before start");
  nsc_hook_records_free(&rec);
  nsc_case_verdict(x, req, !problems[0],
                   "after create: pid ipc uts mnt net cgroup namespaces new, user and time the "
                   "runtime's; proc, /dev and the /root tmpfs mounted; createRuntime and "
                   "createContainer hooks run, startContainer not yet",
                   "%s", problems[0] ? problems : "all as configured");
}
