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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
  char *buf = malloc(OUTPUT_MAX + 1);
  if (!buf)
    return NULL;
  size_t got = 0;
  lseek(fd, 0, SEEK_SET);
  while (got < OUTPUT_MAX) {
    ssize_t n = read(fd, buf + got, OUTPUT_MAX - got);
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

/* In the forked child: never returns. */
static void exec_child(const struct nsc_runtime *rt, const struct nsc_exec_opts *o, int out_fd,
                       int err_fd, const char *const argv[])
{
  setpgid(0, 0);
  if (o->cgroup && o->cgroup[0] && nsc_cgroup_enter(o->cgroup) < 0)
    _exit(125);
  if (rt->isolate) {
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
      _exit(125);
    /* Only the private copy goes; ENOENT/EINVAL: not a hybrid host. */
    umount2("/sys/fs/cgroup/unified", MNT_DETACH);
  }
  int in = open("/dev/null", O_RDONLY);
  if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
    _exit(125);
  size_t n = 0;
  for (char **g = rt->global_args; g && *g; g++)
    n++;
  for (const char *const *a = argv; *a; a++)
    n++;
  const char **args = calloc(n + 4, sizeof(char *));
  if (!args)
    _exit(125);
  size_t i = 0;
  args[i++] = rt->path;
  args[i++] = "--root";
  args[i++] = rt->root;
  for (char **g = rt->global_args; g && *g; g++)
    args[i++] = *g;
  for (const char *const *a = argv; *a; a++)
    args[i++] = *a;
  args[i] = NULL;
  for (const char *const *e = o->env; e && *e; e++)
    putenv((char *)*e);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execv(rt->path, (char *const *)args);
  _exit(127);
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

int nsc_runtime_exec(const struct nsc_runtime *rt, const struct nsc_exec_opts *o,
                     struct nsc_exec *r, const char *const argv[])
{
  memset(r, 0, sizeof(*r));
  r->status = -1;
  cleanup_close int err_fd = memfd_create("nsconform-stderr", MFD_CLOEXEC);
  cleanup_close int cap_fd = -1;
  int out_fd = o->stdout_fd;
  if (out_fd < 0) {
    cap_fd = memfd_create("nsconform-stdout", MFD_CLOEXEC);
    out_fd = cap_fd;
  }
  if (err_fd < 0 || out_fd < 0) {
    r->err = strdup("nsconform: memfd_create failed");
    return -1;
  }
  double start = now_ms();
  int pidfd = -1;
  pid_t pid = clone_process(0, &pidfd);
  if (pid < 0) {
    r->err = strdup("nsconform: fork failed");
    return -1;
  }
  if (pid == 0)
    exec_child(rt, o, out_fd, err_fd, argv);
  cleanup_close int own_pidfd = pidfd;

  int status = reap_child(pid, pidfd, rt->timeout_ms);
  if (status < 0 && errno == ETIMEDOUT) {
    r->timed_out = true;
    kill_command(o, pid, r);
    status = reap_child(pid, pidfd, 5000);
  }
  r->ms = now_ms() - start;
  if (status >= 0)
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r->err = slurp_fd(err_fd);
  if (cap_fd >= 0)
    r->out = slurp_fd(cap_fd);
  return r->status;
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
    nsrt_fail_at(err, "runtime", 0, "open", "`%s --version` exited %d: %.200s", rt->path,
                 r.status, r.err ? r.err : "");
    nsc_exec_free(&r);
    return -1;
  }
  size_t n = strcspn(r.out, "\n");
  snprintf(rt->version, sizeof(rt->version), "%.*s", (int)n, r.out);
  nsc_exec_free(&r);
  return 0;
}
