/* nsconform repro FILE / nsconform shrink FILE: replay a saved failing case,
 * and reduce it to the fields that matter.
 *
 *   nsconform repro  FILE [--runtime PATH] [--isolate] [--keep] [--trace FILE]
 *                         [--rootfs DIR] [--timeout MS]
 *   nsconform shrink FILE [--out MIN.json] [--requirement ID] [--max-replays N]
 *                         [--runtime PATH] [--isolate] [--rootfs DIR] [--timeout MS]
 *
 * repro exits 1 when a requirement of the file's "failed" list still fails, 0
 * when none does, 2 on a harness error.  shrink exits 0 once the minimal
 * file is written, 1 when the case does not fail any more, 2 on errors. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "error.h"
#include "lifecycle_cases.h"
#include "repro.h"
#include "results.h"
#include "runtime.h"

#define EXIT_STILL_FAILS 1
#define EXIT_HARNESS     2

struct repro_opts {
  const char *file, *runtime, *rootfs, *trace, *out, *requirement;
  bool isolate, keep;
  unsigned long timeout_ms, max_replays;
};

static void print_err(const char *what, const struct nsrt_err *err)
{
  char line[1024];
  nsrt_err_format(err, line, sizeof(line));
  fprintf(stderr, "nsconform: %s%s%s\n", what ? what : "", what ? ": " : "", line);
}

static bool parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

static int parse(const char *cmd, int argc, char **argv, struct repro_opts *o)
{
  static const struct option longopts[] = {{"runtime", required_argument, 0, 'r'},
                                           {"isolate", no_argument, 0, 'i'},
                                           {"keep", no_argument, 0, 'k'},
                                           {"trace", required_argument, 0, 'T'},
                                           {"rootfs", required_argument, 0, 'R'},
                                           {"timeout", required_argument, 0, 't'},
                                           {"out", required_argument, 0, 'o'},
                                           {"requirement", required_argument, 0, 'q'},
                                           {"max-replays", required_argument, 0, 'm'},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
  bool shrink = strcmp(cmd, "shrink") == 0;
  memset(o, 0, sizeof(*o));
  o->timeout_ms = 20000;
  o->max_replays = 200;
  optind = 1;
  int ch;
  while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (ch) {
    case 'r':
      o->runtime = optarg;
      break;
    case 'i':
      o->isolate = true;
      break;
    case 'k':
      o->keep = true;
      break;
    case 'T':
      o->trace = optarg;
      break;
    case 'R':
      o->rootfs = optarg;
      break;
    case 't':
      if (!parse_ulong(optarg, 100, 600000, &o->timeout_ms))
        return fprintf(stderr, "nsconform %s: --timeout: %s is not a number of ms in 100..600000\n",
                       cmd, optarg),
               -1;
      break;
    case 'o':
    case 'q':
    case 'm':
      if (!shrink)
        return fprintf(stderr, "nsconform repro: --%s is an option of shrink\n",
                       ch == 'o'   ? "out"
                       : ch == 'q' ? "requirement"
                                   : "max-replays"),
               -1;
      if (ch == 'o')
        o->out = optarg;
      else if (ch == 'q')
        o->requirement = optarg;
      else if (!parse_ulong(optarg, 1, 100000, &o->max_replays))
        return fprintf(stderr, "nsconform shrink: --max-replays: %s is not a number in 1..100000\n",
                       optarg),
               -1;
      break;
    case 'h':
      printf("usage: nsconform repro  FILE [--runtime PATH] [--isolate] [--keep] [--trace FILE]\n"
             "                              [--rootfs DIR] [--timeout MS]\n"
             "       nsconform shrink FILE [--out MIN.json] [--requirement ID] [--max-replays N]\n"
             "                              [--runtime PATH] [--isolate] [--rootfs DIR] "
             "[--timeout MS]\n");
      return 1;
    default:
      return -1;
    }
  }
  if (optind != argc - 1)
    return fprintf(stderr, "nsconform %s: exactly one repro file expected\n", cmd), -1;
  o->file = argv[optind];
  return 0;
}

/* ---- replaying ------------------------------------------------------------ */

struct replayer {
  struct nsc_runtime rt;
  struct nsc_driver d;
  bool driver_up;
  char work[PATH_MAX];
  char *wrapper[16];
  json_t *catalog;
  const char *tree;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static const char *find_program(const char *name, char *buf, size_t len)
{
  static const char *const dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/usr/local/bin", NULL};
  for (const char *const *d = dirs; *d; d++) {
    snprintf(buf, len, "%s/%s", *d, name);
    if (access(buf, X_OK) == 0)
      return buf;
  }
  return NULL;
}

/* ---- tracing ------------------------------------------------------------- */

/* `nsconform repro --trace-run STRACE OUT LIMIT_MS RUNTIME ARGS...` is the
 * wrapper of every runtime command of `repro --trace`.  It forks the runtime
 * stopped before its exec, has strace -f attach to it, lets it go and waits
 * for it.  Once the runtime's own process has exited, strace is told to let
 * go of what it still traces (a container init lives on after create) and
 * to finish its file; the wrapper then exits with the runtime's status.  So
 * no tracer outlives the command: the harness sees what it sees without
 * tracing (the same exit statuses, children and leak checks), and a
 * container's processes are never tied to a tracer that is killed or
 * reaped later.  Processes strace attaches to, rather than starts, are
 * detached on its exit, never killed. */
#define TRACE_RUN "--trace-run"

static long mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The pid of pid's tracer, 0 for none, -1 when pid is gone. */
static pid_t tracer_of(pid_t pid)
{
  char path[64], line[256];
  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return -1;
  pid_t t = -1;
  while (fgets(line, sizeof(line), f))
    if (sscanf(line, "TracerPid: %d", &t) == 1)
      break;
  fclose(f);
  return t;
}

/* waitpid with a bound: the status, or -1 (errno ETIMEDOUT when the
 * process is still there after ms). */
static int wait_bounded(pid_t pid, long ms)
{
  long deadline = mono_ms() + ms;
  for (;;) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return status;
    if (r < 0 && errno != EINTR)
      return -1;
    if (mono_ms() >= deadline) {
      errno = ETIMEDOUT;
      return -1;
    }
    struct timespec ts = {0, 2 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

static void stop_and_reap(pid_t pid)
{
  kill(pid, SIGKILL);
  wait_bounded(pid, 5000);
}

/* The cgroup v2 path (below its mount) of pid, into buf; false if none. */
static bool cgroup2_of(pid_t pid, char *buf, size_t len)
{
  char path[64], line[PATH_MAX];
  snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
  FILE *f = fopen(path, "re");
  bool found = false;
  while (f && !found && fgets(line, sizeof(line), f)) {
    if (strncmp(line, "0::", 3) == 0) {
      line[strcspn(line, "\n")] = '\0';
      snprintf(buf, len, "%s", line + 3);
      found = true;
    }
  }
  if (f)
    fclose(f);
  return found;
}

/* Where the cgroup v2 hierarchy is mounted here, into buf; false if not. */
static bool cgroup2_mount(char *buf, size_t len)
{
  FILE *f = fopen("/proc/self/mountinfo", "re");
  char line[4096];
  bool found = false;
  while (f && !found && fgets(line, sizeof(line), f)) {
    char *fs = strstr(line, " - cgroup2 ");
    char mnt[PATH_MAX];
    /* id parent major:minor root mount-point ... */
    if (fs && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
      snprintf(buf, len, "%s", mnt);
      found = true;
    }
  }
  if (f)
    fclose(f);
  return found;
}

/* Leave the command's process group and cgroup leaf, which the harness
 * kills when a command overruns its bound, for the harness's own: the
 * wrapper must outlive such a kill to reap the runtime (else its zombie
 * would be the harness's, a leak that tracing made) and end strace.  The
 * runtime, forked before, stays in both, as it would be without tracing.
 * Where that cannot be done (no cgroup v2 mount in an --isolate mount
 * namespace) the wrapper stays, and an overrun also kills it. */
static void leave_kill_scope(void)
{
  pid_t harness = getppid();
  pid_t pg = getpgid(harness);
  if (pg > 0)
    setpgid(0, pg);
  char mount[PATH_MAX], own[PATH_MAX], theirs[PATH_MAX], procs[3 * PATH_MAX];
  if (!cgroup2_mount(mount, sizeof(mount)) || !cgroup2_of(getpid(), own, sizeof(own)) ||
      !cgroup2_of(harness, theirs, sizeof(theirs)) || strcmp(own, theirs) == 0)
    return;
  snprintf(procs, sizeof(procs), "%s%s/cgroup.procs", mount, strcmp(theirs, "/") ? theirs : "");
  int fd = open(procs, O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t w = write(fd, "0", 1);
    (void)w;
    close(fd);
  }
}

static int trace_run(int argc, char **argv)
{
  if (argc < 5 || strcmp(argv[0], TRACE_RUN) != 0) {
    fprintf(stderr, "nsconform repro: " TRACE_RUN " STRACE OUT LIMIT_MS RUNTIME [ARGS...]\n");
    return 125;
  }
  const char *strace = argv[1], *out = argv[2];
  unsigned long limit;
  if (!parse_ulong(argv[3], 100, 600000, &limit))
    return fprintf(stderr, "nsconform repro: " TRACE_RUN ": bad limit %s\n", argv[3]), 125;
  char **cmd = argv + 4;
  int go[2];
  if (pipe2(go, O_CLOEXEC) < 0)
    return perror("nsconform repro: pipe"), 125;
  pid_t rt = fork();
  if (rt < 0)
    return perror("nsconform repro: fork"), 125;
  if (rt == 0) {
    /* Held until traced: nothing of the runtime runs untraced. */
    close(go[1]);
    char c;
    ssize_t r;
    while ((r = read(go[0], &c, 1)) < 0 && errno == EINTR)
      ;
    if (r != 1)
      _exit(125);
    execv(cmd[0], cmd);
    _exit(127);
  }
  close(go[0]);
  /* strace, forked next, goes along: a kill of the runtime's processes is
   * then in the trace, and strace ends by itself once they are gone. */
  leave_kill_scope();
  char pid_arg[24];
  snprintf(pid_arg, sizeof(pid_arg), "%d", (int)rt);
  pid_t tr = fork();
  if (tr < 0) {
    perror("nsconform repro: fork");
    close(go[1]);
    wait_bounded(rt, 5000);
    return 125;
  }
  if (tr == 0) {
    /* -q: no attach/detach notes in the runtime's stderr */
    execl(strace, strace, "-f", "-q", "-tt", "-s", "256", "-o", out, "-p", pid_arg, (char *)NULL);
    _exit(127);
  }
  /* Attached once the runtime names its tracer; strace gone: no trace. */
  long deadline = mono_ms() + 10000;
  pid_t t;
  bool tracer_gone = false;
  while ((t = tracer_of(rt)) == 0 && mono_ms() < deadline) {
    if (waitpid(tr, NULL, WNOHANG) == tr) {
      tracer_gone = true;
      break;
    }
    struct timespec ts = {0, 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  if (t != tr) {
    fprintf(stderr, "nsconform repro: strace did not attach to the runtime\n");
    close(go[1]);
    stop_and_reap(rt);
    if (!tracer_gone)
      stop_and_reap(tr);
    return 125;
  }
  int status = write(go[1], "g", 1) == 1 ? 0 : -1;
  close(go[1]);
  if (status == 0)
    status = wait_bounded(rt, (long)limit + 5000);
  if (status < 0)
    stop_and_reap(rt);
  /* The runtime's exit has been through strace (a traced child's status
   * reaches its parent after the tracer has seen it).  What strace still
   * traces is let go; it exits when nothing is left. */
  kill(tr, SIGINT);
  if (wait_bounded(tr, 5000) < 0) {
    fprintf(stderr, "nsconform repro: strace did not finish in 5 s\n");
    stop_and_reap(tr);
  }
  if (status < 0)
    return 125;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Open the runtime (the option's, else the file's) and the driver. */
static int replayer_open(struct replayer *p, const struct repro_opts *o, struct nsc_repro *r,
                         const char *tree, struct nsrt_err *err)
{
  memset(p, 0, sizeof(*p));
  p->tree = tree;
  const char *runtime = o->runtime;
  char in_tree[PATH_MAX + 8];
  if (!runtime) {
    /* A relative path (the known-bug catalog's build/bin/nsrt-bugs) is
     * taken from the working directory, else from the source tree. */
    runtime = r->runtime.path;
    snprintf(in_tree, sizeof(in_tree), "%s/%s", tree, runtime);
    if (access(runtime, X_OK) < 0 && runtime[0] != '/' && access(in_tree, X_OK) == 0)
      runtime = in_tree;
    if (access(runtime, X_OK) < 0)
      return nsrt_fail_at(err, "repro", errno, "runtime",
                          "%s (the file's runtime.path) cannot be run here; give --runtime PATH",
                          r->runtime.path);
  }
  char rootfs[PATH_MAX + 32];
  if (o->rootfs)
    snprintf(rootfs, sizeof(rootfs), "%s", o->rootfs);
  else
    snprintf(rootfs, sizeof(rootfs), "%s/build/rootfs", tree);
  char probe[PATH_MAX + 48];
  snprintf(probe, sizeof(probe), "%s/nsprobe", rootfs);
  if (access(probe, X_OK) < 0)
    return nsrt_fail_at(err, "repro", errno, "rootfs", "%s is missing: build it with `make rootfs`",
                        probe);
  /* The runtime's environment of the saved run (NSRT_BUGS...): every
   * command inherits the harness's environment. */
  for (char **e = r->runtime.env; e && *e; e++) {
    char *eq = strchr(*e, '=');
    char name[256];
    snprintf(name, sizeof(name), "%.*s", (int)(eq - *e), *e);
    if (setenv(name, eq + 1, 1) < 0)
      return nsrt_fail_at(err, "repro", errno, "env", "%s", name);
  }
  const char *tmp = getenv("TMPDIR");
  snprintf(p->work, sizeof(p->work), "%s/nsconform-repro.%d", tmp && tmp[0] == '/' ? tmp : "/tmp",
           getpid());
  /* searchable by all, as for `run`: bundle-relative bind sources */
  if (mkdir(p->work, 0711) < 0 && errno != EEXIST)
    return nsrt_fail_at(err, "repro", errno, "work", "mkdir %s", p->work);
  char state[PATH_MAX + 16];
  snprintf(state, sizeof(state), "%s/state", p->work);
  p->rt.global_args = r->runtime.args && r->runtime.args[0] ? r->runtime.args : NULL;
  if (nsc_runtime_open(&p->rt, runtime, state, o->isolate || r->runtime.isolate, (int)o->timeout_ms,
                       err) < 0)
    return -1;
  if (o->trace) {
    static char strace[PATH_MAX], target[PATH_MAX + 8];
    if (!find_program("strace", strace, sizeof(strace)))
      return nsrt_fail_at(err, "repro", ENOENT, "trace", "strace is not installed");
    snprintf(target, sizeof(target), "%s.{n}", o->trace);
    /* Every command runs under this nsconform's trace_run (above), which
     * follows the runtime's whole process tree and lets go of it when the
     * runtime's own process exits. */
    static char self[PATH_MAX], limit[32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
      return nsrt_fail_at(err, "repro", errno, "trace", "readlink /proc/self/exe");
    self[n] = '\0';
    snprintf(limit, sizeof(limit), "%lu", o->timeout_ms);
    const char *w[] = {self, "repro", TRACE_RUN, strace, target, limit, NULL};
    for (size_t i = 0; w[i]; i++)
      p->wrapper[i] = (char *)w[i];
    p->rt.wrapper = p->wrapper;
  }
  if (nsc_driver_init(&p->d, &p->rt, rootfs, p->work, err) < 0)
    return -1;
  p->driver_up = true;
  p->d.seed = r->run_seed;
  char path[PATH_MAX + 64];
  snprintf(path, sizeof(path), "%s/specs/requirements.json", tree);
  p->catalog = json_load_file(path, 0, NULL);
  return 0;
}

static void replayer_close(struct replayer *p, bool keep)
{
  if (p->driver_up)
    nsc_driver_fini(&p->d);
  p->driver_up = false;
  json_decref(p->catalog);
  p->catalog = NULL;
  if (!p->work[0])
    return;
  if (keep) {
    char state[PATH_MAX + 16];
    snprintf(state, sizeof(state), "%s/state", p->work);
    nftw(state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return;
  }
  if (nftw(p->work, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
    fprintf(stderr, "nsconform: could not remove %s\n", p->work);
}

/* Run the case once; out gets the result with levels filled in. */
static int replay(struct replayer *p, const struct nsc_case *c, struct nsc_result *out,
                  struct nsrt_err *err)
{
  const struct nsc_case *run = c;
  struct nsc_case *life = NULL;
  size_t n_life = 0;
  if (c->kind == NSC_CASE_LIFECYCLE) {
    /* The procedure is code: the case is found by its id. */
    n_life = nsc_lifecycle_cases(&life);
    run = NULL;
    for (size_t i = 0; i < n_life && !run; i++)
      if (strcmp(life[i].id, c->id) == 0)
        run = &life[i];
    if (!run) {
      for (size_t i = 0; i < n_life; i++)
        nsc_case_free(&life[i]);
      free(life);
      return nsrt_fail_at(err, "repro", 0, "case.id",
                          "\"%s\" is not a lifecycle case of this nsconform", c->id);
    }
  }
  int ret = nsc_driver_run(&p->d, run, out, err);
  for (size_t i = 0; i < n_life; i++)
    nsc_case_free(&life[i]);
  free(life);
  if (ret == 0 && p->catalog) {
    struct nsrt_err ignored;
    nsc_results_fill_levels(out, 1, p->catalog, &ignored);
  }
  return ret;
}

static const struct nsc_verdict *first_fail(const struct nsc_result *res, const char *req)
{
  for (size_t i = 0; i < res->verdicts.n; i++) {
    const struct nsc_verdict *v = &res->verdicts.v[i];
    if (v->verdict == NSC_FAIL && strcmp(v->requirement, req) == 0)
      return v;
  }
  return NULL;
}

static bool checked(const struct nsc_result *res, const char *req)
{
  for (size_t i = 0; i < res->verdicts.n; i++)
    if (strcmp(res->verdicts.v[i].requirement, req) == 0)
      return true;
  return false;
}

static void print_stderr_excerpt(const char *s)
{
  if (!s || !*s)
    return;
  printf("runtime stderr:\n");
  int lines = 0;
  while (*s && lines < 12) {
    size_t n = strcspn(s, "\n");
    printf("  %.*s\n", (int)(n > 300 ? 300 : n), s);
    s += n + (s[n] == '\n');
    lines++;
  }
  if (*s)
    printf("  ...\n");
}

static const char *kind_name(enum nsc_case_kind k)
{
  static const char *const names[] = {"generated", "negative", "lifecycle", "fault", "stage"};
  return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

int nsc_cmd_repro(int argc, char **argv, const char *tree)
{
  if (argc > 1 && strcmp(argv[1], TRACE_RUN) == 0)
    return trace_run(argc - 1, argv + 1);
  struct repro_opts o;
  int pr = parse("repro", argc, argv, &o);
  if (pr != 0)
    return pr > 0 ? 0 : EXIT_HARNESS;
  struct nsrt_err err;
  struct nsc_repro r;
  if (nsc_repro_load(o.file, &r, &err) < 0)
    return print_err(o.file, &err), EXIT_HARNESS;
  struct replayer p;
  int status = EXIT_HARNESS;
  struct nsc_result res = {0};
  if (replayer_open(&p, &o, &r, tree, &err) < 0) {
    print_err(o.file, &err);
    goto out;
  }
  printf("nsconform repro: case %s (%s%s%s) against %s %s%s\n", r.c.id, kind_name(r.c.kind),
         r.c.title && r.c.title[0] ? ": " : "", r.c.title ? r.c.title : "", p.rt.path, p.rt.version,
         p.rt.isolate ? " (isolated)" : "");
  if (r.upstream)
    printf("upstream: %s\n", r.upstream);
  if (replay(&p, &r.c, &res, &err) < 0) {
    print_err(o.file, &err);
    goto out;
  }
  status = 0;
  for (size_t i = 0; i < r.n_failed; i++) {
    const struct nsc_repro_failed *f = &r.failed[i];
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = strcmp(r.failed[j].requirement, f->requirement) == 0;
    if (seen)
      continue;
    const struct nsc_verdict *v = first_fail(&res, f->requirement);
    if (v) {
      printf("still fails: %s (%s): expected %s; actual %s\n", f->requirement,
             v->level ? v->level : (f->level ? f->level : "level unknown"),
             v->expected ? v->expected : "(none)", v->actual ? v->actual : "(none)");
      status = EXIT_STILL_FAILS;
    } else {
      printf("passes now: %s%s\n", f->requirement,
             checked(&res, f->requirement) ? "" : " (not checked in this replay)");
    }
  }
  for (size_t i = 0; i < res.verdicts.n; i++) {
    const struct nsc_verdict *v = &res.verdicts.v[i];
    if (v->verdict != NSC_FAIL || first_fail(&res, v->requirement) != v)
      continue;
    bool listed = false;
    for (size_t j = 0; j < r.n_failed && !listed; j++)
      listed = strcmp(r.failed[j].requirement, v->requirement) == 0;
    if (!listed)
      printf("new failure: %s (%s): expected %s; actual %s\n", v->requirement,
             v->level ? v->level : "level unknown", v->expected ? v->expected : "(none)",
             v->actual ? v->actual : "(none)");
  }
  for (char **l = res.leaks; l && *l; l++)
    printf("leak: %s\n", *l);
  print_stderr_excerpt(res.runtime_stderr);
  if (o.keep)
    printf("bundle kept in %s/%s\n", p.work, r.c.id);
  if (o.trace)
    printf("strace output in %s.<n>, one file per runtime command\n", o.trace);
out:
  nsc_result_free(&res);
  replayer_close(&p, o.keep);
  nsc_repro_free(&r);
  return status;
}

/* ---- shrinking ------------------------------------------------------------ */

struct shrink_ctx {
  struct replayer *p;
  const char *requirement;
  /* The "expected" texts (numbers masked) of the requirement's failures in
   * the first replay: a candidate must fail one of the same checks, not the
   * same requirement for another reason (a config made invalid, say). */
  json_t *expected;
  json_t *last_failed; /* FAIL verdicts of the last replay that still failed */
  char *last_stderr;
  bool tty;
};

static json_t *fail_list(const struct nsc_result *res)
{
  json_t *a = json_array();
  for (size_t i = 0; i < res->verdicts.n; i++) {
    const struct nsc_verdict *v = &res->verdicts.v[i];
    if (v->verdict == NSC_FAIL)
      json_array_append_new(a, json_pack("{s:s, s:s?, s:s?, s:s?}", "requirement", v->requirement,
                                         "level", v->level, "expected", v->expected, "actual",
                                         v->actual));
  }
  return a;
}

/* s with every run of digits replaced by one '#'. */
static json_t *masked(const char *s)
{
  if (!s)
    return json_string("");
  char buf[1024];
  size_t n = 0;
  for (; *s && n + 1 < sizeof(buf); s++) {
    if (*s >= '0' && *s <= '9') {
      if (n == 0 || buf[n - 1] != '#')
        buf[n++] = '#';
    } else {
      buf[n++] = *s;
    }
  }
  buf[n] = '\0';
  return json_string(buf) ?: json_string("");
}

/* Does res fail the requirement with one of the expected texts (all of
 * them are recorded when *expected is still NULL)? */
static bool fails_same_way(const struct nsc_result *res, const char *req, json_t **expected)
{
  bool first = !*expected, same = false;
  if (first)
    *expected = json_array();
  for (size_t i = 0; i < res->verdicts.n; i++) {
    const struct nsc_verdict *v = &res->verdicts.v[i];
    if (v->verdict != NSC_FAIL || strcmp(v->requirement, req) != 0)
      continue;
    json_t *m = masked(v->expected);
    if (first) {
      json_array_append(*expected, m);
      same = true;
    }
    size_t j;
    json_t *e;
    json_array_foreach(*expected, j, e) same = same || json_equal(e, m);
    json_decref(m);
  }
  if (first && !same) {
    json_decref(*expected);
    *expected = NULL;
  }
  return same;
}

static int still_fails(const json_t *doc, void *arg, struct nsrt_err *err)
{
  struct shrink_ctx *s = arg;
  struct nsc_repro r;
  struct nsrt_err invalid;
  /* A candidate that is not a valid repro file does not reproduce anything. */
  if (nsc_repro_from_json((json_t *)doc, &r, &invalid) < 0)
    return 0;
  struct nsc_result res = {0};
  int ret = replay(s->p, &r.c, &res, err);
  if (ret == 0) {
    ret = fails_same_way(&res, s->requirement, &s->expected) ? 1 : 0;
    if (ret == 1) {
      json_decref(s->last_failed);
      s->last_failed = fail_list(&res);
      free(s->last_stderr);
      s->last_stderr = res.runtime_stderr ? strdup(res.runtime_stderr) : NULL;
    }
  }
  if (s->tty)
    fprintf(stderr, "\r\033[Kreplay: %s", ret == 1 ? "still fails" : ret == 0 ? "passes" : "error");
  nsc_result_free(&res);
  nsc_repro_free(&r);
  return ret;
}

static const char *pick_requirement(const struct nsc_repro *r, const struct repro_opts *o)
{
  if (o->requirement)
    return o->requirement;
  for (size_t i = 0; i < r->n_failed; i++)
    if (nsc_level_is_must(r->failed[i].level))
      return r->failed[i].requirement;
  return r->n_failed ? r->failed[0].requirement : NULL;
}

int nsc_cmd_shrink(int argc, char **argv, const char *tree)
{
  struct repro_opts o;
  int pr = parse("shrink", argc, argv, &o);
  if (pr != 0)
    return pr > 0 ? 0 : EXIT_HARNESS;
  if (o.trace || o.keep) {
    fprintf(stderr, "nsconform shrink: --trace and --keep are options of repro\n");
    return EXIT_HARNESS;
  }
  struct nsrt_err err;
  struct nsc_repro r;
  if (nsc_repro_load(o.file, &r, &err) < 0)
    return print_err(o.file, &err), EXIT_HARNESS;
  char out[PATH_MAX];
  if (o.out) {
    snprintf(out, sizeof(out), "%s", o.out);
  } else {
    size_t n = strlen(o.file);
    if (n > 5 && strcmp(o.file + n - 5, ".json") == 0)
      n -= 5;
    snprintf(out, sizeof(out), "%.*s.min.json", (int)n, o.file);
  }
  const char *req = pick_requirement(&r, &o);
  if (!req) {
    fprintf(stderr, "nsconform shrink: %s lists no failed requirement; give --requirement ID\n",
            o.file);
    nsc_repro_free(&r);
    return EXIT_HARNESS;
  }
  if (r.c.kind == NSC_CASE_LIFECYCLE) {
    fprintf(stderr,
            "nsconform shrink: %s is a lifecycle case: its procedure is code and its "
            "config is fixed; nothing to shrink\n",
            r.c.id);
    nsc_repro_free(&r);
    return EXIT_HARNESS;
  }
  struct replayer p;
  struct shrink_ctx s = {.p = &p, .requirement = req, .tty = isatty(STDERR_FILENO)};
  int status = EXIT_HARNESS;
  json_t *min = NULL;
  if (replayer_open(&p, &o, &r, tree, &err) < 0) {
    print_err(o.file, &err);
    goto out;
  }
  printf("nsconform shrink: case %s, requirement %s, against %s %s\n", r.c.id, req, p.rt.path,
         p.rt.version);
  int first = still_fails(r.doc, &s, &err);
  if (first < 0) {
    print_err(o.file, &err);
    goto out;
  }
  if (first == 0) {
    if (s.tty)
      fputc('\n', stderr);
    printf("nothing to shrink: %s does not fail on replay\n", req);
    status = EXIT_STILL_FAILS;
    goto out;
  }
  struct nsc_shrink_stats st;
  if (nsc_shrink(r.doc, still_fails, &s, o.max_replays - 1, &min, &st, &err) < 0) {
    if (s.tty)
      fputc('\n', stderr);
    print_err(o.file, &err);
    goto out;
  }
  if (s.tty)
    fputc('\n', stderr);
  /* The minimal file says how the minimal case fails, not the original. */
  if (s.last_failed)
    json_object_set(min, "failed", s.last_failed);
  json_object_del(min, "leaks");
  json_object_del(min, "fault_result");
  if (s.last_stderr)
    json_object_set_new(min, "stderr", json_string(s.last_stderr) ?: json_null());
  else
    json_object_del(min, "stderr");
  char now[64];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_object_set_new(min, "created", json_string(now));
  if (nsc_repro_write(out, min, &err) < 0) {
    print_err(out, &err);
    goto out;
  }
  printf("size: %zu bytes, %zu fields -> %zu bytes, %zu fields (%zu replays%s)\n", st.bytes_before,
         st.fields_before, st.bytes_after, st.fields_after, st.replays + 1,
         st.budget_hit ? ", stopped at --max-replays" : "");
  printf("minimal case (still fails %s): %s\n", req, out);
  status = 0;
out:
  json_decref(min);
  json_decref(s.last_failed);
  json_decref(s.expected);
  free(s.last_stderr);
  replayer_close(&p, false);
  nsc_repro_free(&r);
  return status;
}
