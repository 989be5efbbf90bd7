#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../inject/inject.h" /* the filter and the listener hand-over */
#include "cgroup.h"
#include "cleanup.h"
#include "error.h"
#include "process.h"

#define OUTPUT_MAX (1 << 20)

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int find_in_path(const char *name, char *out, size_t len)
{
  if (strchr(name, '/')) {
    if (!realpath(name, out))
      return -1;
    return access(out, X_OK);
  }
  const char *path = getenv("PATH");
  if (!path)
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  while (*path) {
    const char *colon = strchrnul(path, ':');
    snprintf(out, len, "%.*s/%s", (int)(colon - path), path, name);
    if (access(out, X_OK) == 0)
      return 0;
    path = *colon ? colon + 1 : colon;
  }
  errno = ENOENT;
  return -1;
}

/* Whole small file, NUL-terminated, at most OUTPUT_MAX bytes. */
static char *slurp_fd(int fd)
{
  struct stat st;
  size_t cap = fstat(fd, &st) == 0 && st.st_size < OUTPUT_MAX ? (size_t)st.st_size : OUTPUT_MAX;
  char *buf = malloc(cap + 1);
  if (!buf)
    return NULL;
  size_t got = 0;
  lseek(fd, 0, SEEK_SET);
  while (got < cap) {
    ssize_t n = read(fd, buf + got, cap - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  buf[got] = '\0';
  return buf;
}

char *nsc_runtime_cmdline(const struct nsc_runtime *rt, const char *const argv[])
{
  size_t len = strlen(rt->path) + strlen(rt->root) + 16;
  for (char **g = rt->global_args; g && *g; g++)
    len += strlen(*g) + 3;
  for (const char *const *a = argv; *a; a++)
    len += strlen(*a) + 3;
  char *s = malloc(len);
  if (!s)
    return NULL;
  int n = snprintf(s, len, "%s --root %s", rt->path, rt->root);
  for (char **g = rt->global_args; g && *g; g++)
    n += snprintf(s + n, len - n, " %s", *g);
  for (const char *const *a = argv; *a; a++)
    n += snprintf(s + n, len - n, " %s", *a);
  return s;
}

/* What the child needs, all prepared by the parent: the child shares the
 * parent's memory until it execs, so it must not allocate or write to
 * anything the parent owns. */
struct child_args {
  const struct nsc_runtime *rt;
  const struct nsc_exec_opts *o;
  int out_fd;
  int err_fd;
  const char **argv;
  char **envp;
};

/* A message from the child once a filter may trap write: writev never is. */
static void child_error(const char *what, int e)
{
  char line[160];
  int n = snprintf(line, sizeof(line), "nsconform: %s: %s\n", what, strerrorname_np(e) ?: "?");
  struct iovec v = {.iov_base = line, .iov_len = n > 0 ? (size_t)n : 0};
  ssize_t w = writev(2, &v, 1);
  (void)w;
}

/* In the child, last before the exec: load the filter and hand its listener
 * to the supervisor.  The exec then waits for the supervisor's answer; a
 * kernel timer (deleted by a successful exec) ends the child should that
 * answer never come. */
static void load_notify(const struct nsc_notify *n)
{
  struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGKILL};
  struct itimerspec its = {.it_value = {.tv_sec = 10}};
  int timer;
  if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &timer) == 0)
    syscall(SYS_timer_settime, timer, 0, &its, NULL);
  bool killable;
  int listener = inj_load_prog(n->prog, &killable);
  if (listener < 0) {
    child_error("loading the seccomp filter", errno);
    _exit(125);
  }
  if (inj_send_listener(n->sock, listener, n->log_fd, killable, n->plan) < 0) {
    child_error("handing the listener to the supervisor", errno);
    _exit(125);
  }
  close(listener);
}

/* In the child, on its own stack: never returns. */
static int exec_child(void *arg)
{
  const struct child_args *a = arg;
  /* Caught signals would run the parent's handlers on shared memory. */
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  for (int sig = 1; sig < NSIG; sig++) {
    struct sigaction cur;
    if (sigaction(sig, NULL, &cur) == 0 && cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN)
      sigaction(sig, &dfl, NULL);
  }
  setpgid(0, 0);
  if (a->o->cgroup && a->o->cgroup[0] && nsc_cgroup_enter(a->o->cgroup) < 0)
    _exit(125);
  if (a->rt->isolate) {
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
      _exit(125);
    /* Only the private copy goes; ENOENT/EINVAL: not a hybrid host. */
    umount2("/sys/fs/cgroup/unified", MNT_DETACH);
  }
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (in < 0 || dup2(in, 0) < 0 || dup2(a->out_fd, 1) < 0 || dup2(a->err_fd, 2) < 0)
    _exit(125);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (a->o->notify)
    load_notify(a->o->notify);
  execve(a->argv[0], (char *const *)a->argv, a->envp);
  _exit(127);
}

/* The environment with o->env added (an entry replaces one of the same
 * name), malloc'd array of borrowed strings. */
static char **command_env(const struct nsc_exec_opts *o)
{
  size_t n = 0, extra = 0;
  for (char **e = environ; e && *e; e++)
    n++;
  for (const char *const *e = o->env; e && *e; e++)
    extra++;
  char **v = calloc(n + extra + 1, sizeof(char *));
  if (!v)
    return NULL;
  size_t i = 0;
  for (char **e = environ; e && *e; e++) {
    bool replaced = false;
    size_t len = strcspn(*e, "=");
    for (const char *const *x = o->env; x && *x && !replaced; x++)
      replaced = strncmp(*x, *e, len) == 0 && (*x)[len] == '=';
    if (!replaced)
      v[i++] = *e;
  }
  for (const char *const *x = o->env; x && *x; x++)
    v[i++] = (char *)*x;
  v[i] = NULL;
  return v;
}

#define WRAPPER_MAX 16

/* rt->wrapper with "{n}" replaced by the command's number, into buf. */
static void wrapper_args(const struct nsc_runtime *rt, char buf[][PATH_MAX])
{
  static unsigned seq;
  seq++;
  size_t i = 0;
  for (char **w = rt->wrapper; w && *w && i < WRAPPER_MAX; w++, i++) {
    const char *at = strstr(*w, "{n}");
    if (at)
      snprintf(buf[i], PATH_MAX, "%.*s%u%s", (int)(at - *w), *w, seq, at + 3);
    else
      snprintf(buf[i], PATH_MAX, "%s", *w);
  }
}

static const char **command_argv(const struct nsc_runtime *rt, char wrap[][PATH_MAX],
                                 const char *const argv[])
{
  size_t n = 0;
  for (char **w = rt->wrapper; w && *w && n < WRAPPER_MAX; w++)
    n++;
  size_t n_wrap = n;
  for (char **g = rt->global_args; g && *g; g++)
    n++;
  for (const char *const *a = argv; *a; a++)
    n++;
  const char **args = calloc(n + 4, sizeof(char *));
  if (!args)
    return NULL;
  size_t i = 0;
  for (; i < n_wrap; i++)
    args[i] = wrap[i];
  args[i++] = rt->path;
  args[i++] = "--root";
  args[i++] = rt->root;
  for (char **g = rt->global_args; g && *g; g++)
    args[i++] = *g;
  for (const char *const *a = argv; *a; a++)
    args[i++] = *a;
  args[i] = NULL;
  return args;
}

static void kill_command(const struct nsc_exec_opts *o, pid_t pid, struct nsc_exec *r)
{
  r->hang[0] = '\0';
  if (o->cgroup && o->cgroup[0]) {
    nsc_cgroup_describe(o->cgroup, r->hang, sizeof(r->hang));
    nsc_cgroup_kill(o->cgroup, 5000);
  } else {
    nsc_describe_pid(pid, r->hang, sizeof(r->hang));
    kill(-pid, SIGKILL);
  }
}

#define CHILD_STACK (64 * 1024)

int nsc_runtime_spawn(const struct nsc_runtime *rt, const struct nsc_exec_opts *o,
                      struct nsc_pending *p, const char *const argv[])
{
  memset(p, 0, sizeof(*p));
  p->pid = -1;
  p->pidfd = p->err_fd = p->cap_fd = -1;
  p->o = *o;
  p->err_fd = memfd_create("nsconform-stderr", MFD_CLOEXEC);
  int out_fd = o->stdout_fd;
  if (out_fd < 0) {
    p->cap_fd = memfd_create("nsconform-stdout", MFD_CLOEXEC);
    out_fd = p->cap_fd;
  }
  if (p->err_fd < 0 || out_fd < 0) {
    p->failure = "nsconform: memfd_create failed";
    return -1;
  }
  cleanup_free char(*wrap)[PATH_MAX] = rt->wrapper ? calloc(WRAPPER_MAX, PATH_MAX) : NULL;
  if (wrap)
    wrapper_args(rt, wrap);
  cleanup_free const char **args = rt->wrapper && !wrap ? NULL : command_argv(rt, wrap, argv);
  cleanup_free char **envp = command_env(o);
  cleanup_free char *stack = malloc(CHILD_STACK);
  if (!args || !envp || !stack) {
    p->failure = "nsconform: out of memory";
    return -1;
  }
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  struct child_args a = {
      .rt = rt, .o = o, .out_fd = out_fd, .err_fd = p->err_fd, .argv = args, .envp = envp};
  p->start = now_ms();
  /* Like vfork: no copy of the harness's memory; we resume once the
   * command has exec'd (or exited). */
  int pidfd = -1;
  pid_t pid = clone(exec_child, stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD,
                    &a, &pidfd);
  int e = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (pid < 0) {
    errno = e;
    p->failure = "nsconform: fork failed";
    return -1;
  }
  p->pid = pid;
  p->pidfd = pidfd;
  return 0;
}

int nsc_runtime_wait(const struct nsc_runtime *rt, struct nsc_pending *p, struct nsc_exec *r)
{
  memset(r, 0, sizeof(*r));
  r->status = -1;
  if (p->pid < 0) {
    r->err = strdup(p->failure ? p->failure : "nsconform: not run");
  } else {
    int status = reap_child(p->pid, p->pidfd, rt->timeout_ms);
    if (status < 0 && errno == ETIMEDOUT) {
      r->timed_out = true;
      kill_command(&p->o, p->pid, r);
      status = reap_child(p->pid, p->pidfd, 5000);
    }
    r->ms = now_ms() - p->start;
    if (status >= 0)
      r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->err = p->err_fd >= 0 ? slurp_fd(p->err_fd) : NULL;
    if (p->cap_fd >= 0)
      r->out = slurp_fd(p->cap_fd);
  }
  if (p->pidfd >= 0)
    close(take_fd(&p->pidfd));
  if (p->err_fd >= 0)
    close(take_fd(&p->err_fd));
  if (p->cap_fd >= 0)
    close(take_fd(&p->cap_fd));
  p->pid = -1;
  return r->status;
}

int nsc_runtime_exec(const struct nsc_runtime *rt, const struct nsc_exec_opts *o,
                     struct nsc_exec *r, const char *const argv[])
{
  struct nsc_pending p;
  nsc_runtime_spawn(rt, o, &p, argv);
  return nsc_runtime_wait(rt, &p, r);
}

void nsc_exec_free(struct nsc_exec *r)
{
  free(r->out);
  free(r->err);
  r->out = r->err = NULL;
}

int nsc_runtime_open(struct nsc_runtime *rt, const char *path, const char *root, bool isolate,
                     int timeout_ms, struct nsrt_err *err)
{
  char **keep_args = rt->global_args;
  memset(rt, 0, sizeof(*rt));
  rt->global_args = keep_args;
  if (find_in_path(path, rt->path, sizeof(rt->path)) < 0)
    return nsrt_fail_at(err, "runtime", errno, "open", "runtime %s", path);
  const char *base = strrchr(rt->path, '/');
  snprintf(rt->name, sizeof(rt->name), "%s", base ? base + 1 : rt->path);
  snprintf(rt->root, sizeof(rt->root), "%s", root);
  rt->isolate = isolate;
  rt->timeout_ms = timeout_ms;
  if (mkdir(root, 0700) < 0 && errno != EEXIST)
    return nsrt_fail_at(err, "runtime", errno, "open", "state root %s", root);

  struct nsc_exec r;
  struct nsc_exec_opts o = {.stdout_fd = -1};
  const char *argv[] = {"--version", NULL};
  nsc_runtime_exec(rt, &o, &r, argv);
  if (r.status != 0) {
    nsrt_fail_at(err, "runtime", 0, "open", "`%s --version` exited %d: %.200s", rt->path, r.status,
                 r.err ? r.err : "");
    nsc_exec_free(&r);
    return -1;
  }
  size_t n = strcspn(r.out, "\n");
  snprintf(rt->version, sizeof(rt->version), "%.*s", (int)n, r.out);
  nsc_exec_free(&r);
  return 0;
}
