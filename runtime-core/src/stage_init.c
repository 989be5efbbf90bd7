/* Stage 2: the init ("nsrt:[2:INIT]"), the process that becomes the
 * container.  Born in the user, pid and time namespaces the intermediate
 * prepared, as main's child (CLONE_PARENT).
 *
 * Order, and why:
 *   - new uts, ipc, net, cgroup, then mount namespaces (those given by path
 *     were joined by the intermediate, before the user namespace existed);
 *   - the rootfs, with the createRuntime hooks (main) and createContainer hooks
 *     (here) run before pivot_root, as runtime.md places them;
 *   - the memory policy (linux.memoryPolicy) on the init itself before the
 *     seccomp filter can deny set_mempolicy (procattr.h; main sets the
 *     scheduler and I/O priority on us after INIT_READY);
 *   - seccomp before the uid change when noNewPrivileges is false (loading a
 *     filter then needs CAP_SYS_ADMIN), and as the very last step before
 *     execve when it is true (fewest of our own syscalls under the filter);
 *   - the executable is looked up before INIT_READY, so `create` reports a
 *     missing program rather than `start`;
 *   - every fd >= 3 that is not preserved is closed before INIT_READY, so no
 *     host fd can reach the container (a leaked directory fd lets a container
 *     escape through /proc/self/fd).
 * Until INIT_READY, errors go to main over the channel; afterwards to the
 * `start` command over its connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <grp.h>

#include "bugs.h"
#include "caps.h"
#include "cleanup.h"
#include "error.h"
#include "failpoint.h"
#include "hooks.h"
#include "log.h"
#include "procattr.h"
#include "rootfs.h"
#include "seccomp_filter.h"
#include "stages.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

/* How long `start` may take between connecting and sending its byte. */
#define START_REQUEST_TIMEOUT_MS 5000
/* The default timeout of a hook that gives none (hooks.h). */
#define HOOK_DEFAULT_TIMEOUT_S 30

struct init_state {
  struct stage_ctx *c;
  char exec_path[PATH_MAX];
  int conn;                /* the `start` connection, once accepted */
};

static int create_ns(const struct plan *p, enum ns_type t, bool injected, const char *step,
                     struct nsrt_err *err)
{
  if (p->ns[t].mode == NS_NEW && (injected || unshare(ns_table[t].clone_flag) < 0))
    return nsrt_fail(err, errno, step, NULL);
  return 0;
}

/* One failpoint and error step per namespace type. */
#define CREATE_NS(p, t, name, err)                                                                 \
  create_ns((p), (t), (p)->ns[t].mode == NS_NEW && FP_FAILS("init.unshare_" name),               \
            "unshare_" name, (err))

/* The namespaces given by path were joined by the intermediate; the new
 * ones are created here, inside the container's user namespace, which so
 * owns them.  Mount last: everything before may still read the host's view. */
static int create_namespaces(const struct plan *p, struct nsrt_err *err)
{
  int ret = CREATE_NS(p, NS_UTS, "uts", err);
  if (ret == 0)
    ret = CREATE_NS(p, NS_IPC, "ipc", err);
  if (ret == 0)
    ret = CREATE_NS(p, NS_NET, "net", err);
  if (ret == 0)
    ret = CREATE_NS(p, NS_CGROUP, "cgroup", err);
  if (ret == 0)
    ret = CREATE_NS(p, NS_MOUNT, "mnt", err);
  return ret;
}

static int set_names(const struct plan *p, struct nsrt_err *err)
{
  if (p->hostname &&
      (FP_FAILS("init.sethostname") || sethostname(p->hostname, strlen(p->hostname)) < 0))
    return nsrt_fail(err, errno, "sethostname", "%s", p->hostname);
  if (p->domainname &&
      (FP_FAILS("init.setdomainname") || setdomainname(p->domainname, strlen(p->domainname)) < 0))
    return nsrt_fail(err, errno, "setdomainname", "%s", p->domainname);
  return 0;
}

/* NSpid's first field is our pid in the pid namespace of the procfs we read,
 * which is the host's until pivot_root. */
static pid_t read_host_pid(void)
{
  cleanup_fclose FILE *f = fopen("/proc/self/status", "re");
  char line[256];
  while (f && fgets(line, sizeof(line), f)) {
    int pid;
    if (sscanf(line, "NSpid: %d", &pid) == 1)
      return pid;
  }
  return getpid();
}

static int hook_timeout_ms(const struct hook_list *l)
{
  int total = 0;
  for (size_t i = 0; i < l->n; i++)
    total += (l->v[i].timeout > 0 ? l->v[i].timeout : HOOK_DEFAULT_TIMEOUT_S) * 1000;
  return total;
}

/* prestart and createRuntime run in the runtime's namespaces: main runs them
 * while we wait. */
static int request_runtime_hooks(struct init_state *s, struct nsrt_err *err)
{
  const struct hooks_plan *h = &s->c->plan->hooks;
  if (!h->prestart.n && !h->create_runtime.n)
    return 0;
  int ret = chan_send(&s->c->init, FP_SEND("chan.init.send.HOOKS_REQUEST"), MSG_HOOKS_REQUEST,
                      NULL, 0, err);
  if (ret < 0)
    return ret;
  struct channel wait = s->c->init;
  wait.timeout_ms += hook_timeout_ms(&h->prestart) + hook_timeout_ms(&h->create_runtime);
  struct msg m;
  return chan_recv(&wait, FP_RECV("chan.init.recv.HOOKS_DONE"), MSG_HOOKS_DONE, &m, err);
}

static int run_hooks_here(struct init_state *s, const struct hook_list *l, const char *which,
                          const char *status, struct nsrt_err *err)
{
  if (!l->n)
    return 0;
  /* These hooks run in the container's namespaces: the pid they are given
   * is the init's as seen there (1 in a new pid namespace). */
  cleanup_free char *state = stage_hook_state(s->c, getpid(), status);
  if (!state)
    return nsrt_fail(err, ENOMEM, "hooks", NULL);
  return hooks_run(l, which, state, err);
}

static int switch_user(const struct plan *p, struct nsrt_err *err)
{
  /* Clears the groups inherited from the runtime when none are asked for.
   * Where setgroups is denied in our user namespace only that empty request
   * can fail, and then there is nothing to clear. */
  if (FP_FAILS("init.setgroups") || setgroups(p->n_additional_gids, p->additional_gids) < 0) {
    if (!(errno == EPERM && p->n_additional_gids == 0))
      return nsrt_fail(err, errno, "setgroups", "%zu additional gids", p->n_additional_gids);
  }
  int ret = caps_drop_bounding(&p->caps, err);
  if (ret < 0)
    return ret;
  /* Keep the permitted set across the uid change; capset decides it next. */
  if (FP_FAILS("init.keepcaps") || prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return nsrt_fail(err, errno, "keepcaps", NULL);
  if (FP_FAILS("init.setresgid") || syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
    return nsrt_fail(err, errno, "setresgid", "gid %u", p->gid);
  if (FP_FAILS("init.setresuid") || syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
    return nsrt_fail(err, errno, "setresuid", "uid %u", p->uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return nsrt_fail(err, errno, "keepcaps", NULL);
  ret = caps_set(&p->caps, err);
  if (ret < 0)
    return ret;
  return caps_set_ambient(&p->caps, err);
}

static const char *env_path(char **env)
{
  for (char **e = env; e && *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0)
      return *e + 5;
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* Resolve args[0] as execvpe would, with the container's PATH. */
static int find_executable(const struct plan *p, char *out, size_t len, struct nsrt_err *err)
{
  const char *arg0 = p->args[0];
  int e = ENOENT;
  if (FP_FAILS("init.check_exec"))
    return nsrt_fail(err, errno, "check_exec", "%s", arg0);
  if (strchr(arg0, '/')) {
    snprintf(out, len, "%s", arg0);
    if (access(out, X_OK) == 0)
      return 0;
    return nsrt_fail(err, errno, "check_exec", "%s", arg0);
  }
  const char *path = env_path(p->env);
  while (*path) {
    const char *colon = strchrnul(path, ':');
    int dirlen = (int)(colon - path);
    snprintf(out, len, "%.*s%s%s", dirlen, path, dirlen ? "/" : "", arg0);
    struct stat st;
    if (access(out, X_OK) == 0 && stat(out, &st) == 0 && S_ISREG(st.st_mode))
      return 0;
    if (errno == EACCES)
      e = EACCES;
    path = *colon ? colon + 1 : colon;
  }
  return nsrt_fail(err, e, "check_exec", "%s not found in PATH", arg0);
}

static int cmp_int(const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

/* Close every fd >= 3 except the preserved ones and our own few, which are
 * O_CLOEXEC and so end at execve. */
static int close_fds(struct init_state *s, struct nsrt_err *err)
{
  struct stage_ctx *c = s->c;
  int keep[4] = {c->init.fd, c->start_fd, nsrt_fp_log_fd(), nsrt_log_fd()};
  qsort(keep, ARRAY_SIZE(keep), sizeof(keep[0]), cmp_int);
  if (FP_FAILS("init.close_fds"))
    return nsrt_fail(err, errno, "close_fds", NULL);
  unsigned lo = 3 + (unsigned)c->preserve_fds;
  /* Known bug (youki-dev/youki#2663): fds left for O_CLOEXEC to close, so
   * one opened without it reaches the container. */
  if (NSRT_BUG("host-dirfd-leak"))
    lo = ~0U;
  for (size_t i = 0; lo != ~0U && i < ARRAY_SIZE(keep); i++) {
    if (keep[i] < 0 || (unsigned)keep[i] < lo)
      continue;
    if ((unsigned)keep[i] > lo && syscall(SYS_close_range, lo, keep[i] - 1, 0) < 0)
      return nsrt_fail(err, errno, "close_fds", "close_range(%u, %d)", lo, keep[i] - 1);
    lo = (unsigned)keep[i] + 1;
  }
  if (lo != ~0U && syscall(SYS_close_range, lo, ~0U, 0) < 0)
    return nsrt_fail(err, errno, "close_fds", "close_range(%u, ~0)", lo);
  /* Preserved fds must survive execve. */
  for (int fd = 3; fd < 3 + c->preserve_fds; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
      return nsrt_fail(err, errno, "close_fds", "preserved fd %d", fd);
  }
  return 0;
}

static int send_ready(struct init_state *s, struct nsrt_err *err)
{
  /* From here the container outlives main, which exits after create. */
  if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
    return nsrt_fail(err, errno, "pdeathsig", NULL);
  int ret = chan_send(&s->c->init, FP_SEND("chan.init.send.INIT_READY"), MSG_INIT_READY, NULL, 0,
                      err);
  if (ret < 0)
    return ret;
  chan_close(&s->c->init);
  return 0;
}

/* Block until `start` connects and asks; no deadline, since a container may
 * stay created for as long as its user wants. */
static int wait_for_start(struct init_state *s, struct nsrt_err *err)
{
  if (FP_FAILS("init.wait_start"))
    return nsrt_fail(err, errno, "wait_start", NULL);
  for (;;) {
    /* Known bug (containers/crun#110): a runtime socket without
     * close-on-exec stays open in the container process. */
    int conn =
        accept4(s->c->start_fd, NULL, NULL, NSRT_BUG("start-conn-no-cloexec") ? 0 : SOCK_CLOEXEC);
    if (conn < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      return nsrt_fail(err, errno, "wait_start", "accept");
    }
    struct pollfd pfd = {.fd = conn, .events = POLLIN};
    char byte = 0;
    if (poll(&pfd, 1, START_REQUEST_TIMEOUT_MS) == 1 && recv(conn, &byte, 1, 0) == 1 &&
        byte == 's') {
      s->conn = conn;
      break;
    }
    /* Not a start request (garbled, or nothing within the bound): say so to
     * the sender, so its start fails instead of reading our close as a
     * successful exec, and wait for the next request. */
    struct msg_error m = {.errnum = EPROTO};
    snprintf(m.stage, sizeof(m.stage), "init");
    snprintf(m.step, sizeof(m.step), START_REJECTED_STEP);
    snprintf(m.text, sizeof(m.text), "start request %s, not a start byte",
             byte ? "had a wrong byte" : "was empty or late");
    ssize_t w = send(conn, &m, sizeof(m), MSG_NOSIGNAL);
    (void)w;
    close(conn);
  }
  close(take_fd(&s->c->start_fd));
  return 0;
}

static int run_init(struct init_state *s, struct nsrt_err *err)
{
  struct stage_ctx *c = s->c;
  const struct plan *p = c->plan;
  nsrt_fp_set_host_pid(read_host_pid());
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return nsrt_fail(err, errno, "pdeathsig", NULL);
  /* Our parent is main (CLONE_PARENT).  In a new pid namespace it is outside
   * and getppid() says 0; then a dead main shows as EPIPE on our next send. */
  pid_t ppid = getppid();
  if (ppid != 0 && ppid != c->main_pid)
    return nsrt_fail(err, ESRCH, "pdeathsig", "main %d is gone", c->main_pid);
  if (FP_FAILS("init.setsid") || setsid() < 0)
    return nsrt_fail(err, errno, "setsid", NULL);

  int ret = create_namespaces(p, err);
  if (ret == 0)
    ret = set_names(p, err);
  if (ret == 0)
    ret = rootfs_prepare(p, err);
  if (ret == 0)
    ret = request_runtime_hooks(s, err);
  if (ret == 0)
    ret = run_hooks_here(s, &p->hooks.create_container, "createContainer", "creating", err);
  if (ret == 0)
    ret = rootfs_enter(p, err);
  if (ret == 0)
    ret = procattr_set_mempolicy(p, err);
  if (ret == 0 && p->seccomp.present && !p->no_new_privileges)
    ret = seccomp_load_plan(&p->seccomp, err);
  if (ret == 0)
    ret = switch_user(p, err);
  if (ret < 0)
    return ret;
  if (FP_FAILS("init.chdir") || chdir(p->cwd) < 0)
    return nsrt_fail(err, errno, "chdir", "%s", p->cwd);
  umask(p->has_umask ? p->umask : 0022);
  if (p->no_new_privileges &&
      (FP_FAILS("init.no_new_privs") || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0))
    return nsrt_fail(err, errno, "no_new_privs", NULL);
  ret = find_executable(p, s->exec_path, sizeof(s->exec_path), err);
  if (ret == 0)
    ret = close_fds(s, err);
  if (ret == 0)
    ret = send_ready(s, err);
  if (ret == 0)
    ret = wait_for_start(s, err);
  if (ret == 0)
    ret = run_hooks_here(s, &p->hooks.start_container, "startContainer", "created", err);
  if (ret == 0 && p->seccomp.present && p->no_new_privileges)
    ret = seccomp_load_plan(&p->seccomp, err);
  if (ret < 0)
    return ret;
  if (FP_FAILS("init.execve") || execve(s->exec_path, p->args, p->env) < 0)
    return nsrt_fail(err, errno, "execve", "%s", s->exec_path);
  return 0; /* not reached */
}

void init_main(struct stage_ctx *c)
{
  nsrt_set_stage("init");
  prctl(PR_SET_NAME, "nsrt:[2:INIT]", 0, 0, 0);
  close(c->main_fds[0]);
  close(c->main_fds[1]);
  chan_close(&c->inter);

  struct init_state s = {.c = c, .conn = -1};
  struct nsrt_err err;
  nsrt_err_clear(&err);
  run_init(&s, &err);
  /* Only failures get here. */
  if (s.conn >= 0) {
    struct msg_error m = {.errnum = err.errnum};
    memcpy(m.stage, err.stage, sizeof(m.stage));
    memcpy(m.step, err.step, sizeof(m.step));
    memcpy(m.text, err.text, sizeof(m.text));
    ssize_t w = send(s.conn, &m, sizeof(m), MSG_NOSIGNAL);
    (void)w;
  } else if (c->init.fd >= 0) {
    chan_send_error(&c->init, FP_SEND("chan.init.send.ERROR"), &err);
  }
  _exit(1);
}
