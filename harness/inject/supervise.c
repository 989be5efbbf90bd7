/* The supervisor's loop: receive each notification of the tree, decide which
 * target it is, count it, and on the planned call act instead of letting it
 * run.  Delayed calls wait in a timer list, so one delay never holds up the
 * others. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "inject.h"

/* Linux 6.6: a reply switches straight to the woken caller on this CPU
 * (older headers lack the names; older kernels refuse the ioctl). */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define MAX_DELAYS 64
#define MAX_DATA   (1 << 20)

struct delayed {
  uint64_t id;
  long due;
  pid_t pid, tgid;
  int nr;
  const struct inj_step *step;
  unsigned n;
};

struct inj_sup {
  struct inj_opts o; /* a copy: each listener has its own log */
  int fd;
  pid_t program;
  bool started; /* the program's own execve went by */
  unsigned counts[T_COUNT];
  struct delayed delays[MAX_DELAYS];
  size_t n_delays;
  unsigned fired;
  pid_t tgid; /* the process of the call being acted on */
  char mode[32];
  struct seccomp_notif *req;
  size_t req_size;
};

static long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* 0, or -errno (ENOENT: the call is no longer waiting: its task died, or a
 * signal interrupted it and it will be issued again). */
static int reply(struct inj_sup *s, uint64_t id, int64_t val, int error, bool cont)
{
  struct seccomp_notif_resp resp = {
      .id = id, .val = val, .error = error, .flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0};
  while (ioctl(s->fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) {
    if (errno != EINTR)
      return -errno;
  }
  return 0;
}

static bool id_valid(struct inj_sup *s, uint64_t id)
{
  return ioctl(s->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static char *syscall_name(int nr)
{
  char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
  if (name)
    return name;
  char *num;
  return asprintf(&num, "%d", nr) < 0 ? NULL : num;
}

static int read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
  struct iovec local = {.iov_base = buf, .iov_len = len};
  struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
  ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (n < 0)
    return -1;
  if ((size_t)n != len) {
    errno = EFAULT;
    return -1;
  }
  return 0;
}

/* The file behind the caller's fd: "socket:[123]", "/proc/42/uid_map". */
static int fd_target(pid_t tid, uint64_t fd, char *buf, size_t len)
{
  char link[64];
  snprintf(link, sizeof(link), "/proc/%d/fd/%llu", tid, (unsigned long long)fd);
  ssize_t n = readlink(link, buf, len - 1);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  return 0;
}

static bool proc_file(const char *path, const char *name)
{
  size_t pl = strlen(path), nl = strlen(name);
  return strncmp(path, "/proc/", 6) == 0 && pl > nl + 1 && path[pl - nl - 1] == '/' &&
         strcmp(path + pl - nl, name) == 0;
}

/* Which target a notification is, or -1 for one that is not counted. */
static int classify(const struct seccomp_notif *req)
{
  int nr = req->data.nr;
  pid_t pid = (pid_t)req->pid;
  if (nr == SYS_clone)
    return (req->data.args[0] & CLONE_THREAD) ? -1 : T_CLONE;
  if (nr == SYS_clone3) {
    uint64_t flags = 0;
    if (req->data.args[1] < sizeof(flags) || read_mem(pid, req->data.args[0], &flags, 8) < 0)
      return T_CLONE3; /* let the kernel judge it; still a clone3 call */
    return (flags & CLONE_THREAD) ? -1 : T_CLONE3;
  }
#ifdef SYS_fork
  if (nr == SYS_fork)
    return T_FORK;
#endif
#ifdef SYS_vfork
  if (nr == SYS_vfork)
    return T_VFORK;
#endif
  if (nr == SYS_unshare)
    return T_UNSHARE;
  if (nr == SYS_setns)
    return T_SETNS;
  if (nr == SYS_setresuid)
    return T_SETRESUID;
  if (nr == SYS_setresgid)
    return T_SETRESGID;
  if (nr == SYS_execve || nr == SYS_execveat)
    return T_EXECVE;
  if (nr == SYS_write || nr == SYS_pwrite64 || nr == SYS_sendto || nr == SYS_sendmsg) {
    char path[PATH_MAX];
    if (fd_target(pid, req->data.args[0], path, sizeof(path)) < 0)
      return -1;
    if (strncmp(path, "socket:", 7) == 0)
      return nr == SYS_pwrite64 ? -1 : T_SYNC;
    if (nr == SYS_sendto || nr == SYS_sendmsg)
      return -1;
    if (proc_file(path, "uid_map"))
      return T_UID_MAP;
    if (proc_file(path, "gid_map"))
      return T_GID_MAP;
    if (proc_file(path, "setgroups"))
      return T_SETGROUPS;
  }
  return -1;
}

static const struct inj_step *find_step(const struct inj_sup *s, enum inj_target t, unsigned n)
{
  for (size_t i = 0; i < s->o.n_steps; i++)
    if (s->o.steps[i].target == t && s->o.steps[i].nth == n)
      return &s->o.steps[i];
  return NULL;
}

static pid_t tgid_of(pid_t tid)
{
  char path[64], line[256];
  snprintf(path, sizeof(path), "/proc/%d/status", tid);
  FILE *f = fopen(path, "re");
  pid_t tgid = -1;
  while (f && fgets(line, sizeof(line), f))
    if (sscanf(line, "Tgid: %d", &tgid) == 1)
      break;
  if (f)
    fclose(f);
  return tgid;
}

static void log_fault(struct inj_sup *s, const struct inj_step *st, unsigned n, pid_t pid, int nr,
                      bool ok, const char *detail)
{
  char *name = syscall_name(nr);
  json_t *e = json_pack("{s:s, s:s, s:I, s:s, s:s, s:i, s:s?, s:b}", "event", "fault", "target",
                        inj_target_name(st->target), "n", (json_int_t)n, "action",
                        inj_action_name(st->action), "arg", st->argtext, "pid", (int)pid, "syscall",
                        name, "ok", ok);
  free(name);
  if (e && detail)
    json_object_set_new(e, "detail", json_string(detail));
  if (e && s->tgid > 0)
    json_object_set_new(e, "tgid", json_integer(s->tgid));
  /* When, on the system's monotonic clock: the harness tells by it which
   * of its commands was running (a container's calls count in the tree of
   * the command that created it, but happen during later ones). */
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  if (e)
    json_object_set_new(e, "mono_ms", json_real(ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6));
  if (ok)
    s->fired++;
  inj_log(&s->o, e);
}

/* ---- writes done on the caller's behalf ------------------------------------ */

struct write_call {
  int nr;
  uint64_t fd;
  char *data;
  size_t len;
  uint64_t offset; /* pwrite64 */
  int flags;       /* sendto, sendmsg */
  char addr[128];  /* sendto, sendmsg destination */
  socklen_t addrlen;
};

/* Read what the call would write.  Returns 0, or -1 with a reason. */
static int read_write_call(const struct seccomp_notif *req, struct write_call *w, const char **why)
{
  pid_t pid = (pid_t)req->pid;
  const __u64 *a = req->data.args;
  memset(w, 0, sizeof(*w));
  w->nr = req->data.nr;
  w->fd = a[0];
  uint64_t buf = 0;
  if (w->nr == SYS_sendmsg) {
    struct msghdr m;
    if (read_mem(pid, a[1], &m, sizeof(m)) < 0) {
      *why = "reading the msghdr";
      return -1;
    }
    if (m.msg_controllen > 0) {
      *why = "sendmsg with ancillary data (fds cannot be passed on the caller's behalf)";
      return -1;
    }
    if (m.msg_iovlen > 64) {
      *why = "too many iovecs";
      return -1;
    }
    struct iovec iov[64];
    if (m.msg_iovlen && read_mem(pid, (uintptr_t)m.msg_iov, iov, m.msg_iovlen * sizeof(*iov)) < 0) {
      *why = "reading the iovecs";
      return -1;
    }
    size_t total = 0;
    for (size_t i = 0; i < m.msg_iovlen; i++)
      total += iov[i].iov_len;
    if (total > MAX_DATA) {
      *why = "message too large";
      return -1;
    }
    w->data = malloc(total + 1);
    if (!w->data) {
      *why = "out of memory";
      return -1;
    }
    for (size_t i = 0; i < m.msg_iovlen; i++) {
      if (iov[i].iov_len &&
          read_mem(pid, (uintptr_t)iov[i].iov_base, w->data + w->len, iov[i].iov_len) < 0) {
        *why = "reading the message";
        return -1;
      }
      w->len += iov[i].iov_len;
    }
    if (m.msg_name && m.msg_namelen) {
      w->addrlen = m.msg_namelen < sizeof(w->addr) ? m.msg_namelen : sizeof(w->addr);
      if (read_mem(pid, (uintptr_t)m.msg_name, w->addr, w->addrlen) < 0) {
        *why = "reading the address";
        return -1;
      }
    }
    w->flags = (int)a[2];
    return 0;
  }
  buf = a[1];
  w->len = a[2];
  if (w->len > MAX_DATA) {
    *why = "write too large";
    return -1;
  }
  if (w->nr == SYS_pwrite64)
    w->offset = a[3];
  if (w->nr == SYS_sendto) {
    w->flags = (int)a[3];
    if (a[4] && a[5]) {
      w->addrlen = a[5] < sizeof(w->addr) ? (socklen_t)a[5] : sizeof(w->addr);
      if (read_mem(pid, a[4], w->addr, w->addrlen) < 0) {
        *why = "reading the address";
        return -1;
      }
    }
  }
  w->data = malloc(w->len + 1);
  if (!w->data) {
    *why = "out of memory";
    return -1;
  }
  if (w->len && read_mem(pid, buf, w->data, w->len) < 0) {
    *why = "reading the buffer";
    return -1;
  }
  return 0;
}

/* The caller's fd in our table (pidfd_getfd), or -1. */
static int take_caller_fd(pid_t tid, uint64_t fd)
{
  pid_t tgid = tgid_of(tid);
  if (tgid <= 0)
    return -1;
  int pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
  if (pidfd < 0)
    return -1;
  int local = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
  int e = errno;
  close(pidfd);
  errno = e;
  return local;
}

static ssize_t do_write(int fd, const struct write_call *w, size_t len)
{
  switch (w->nr) {
  case SYS_pwrite64:
    return pwrite(fd, w->data, len, (off_t)w->offset);
  case SYS_sendto:
    return sendto(fd, w->data, len, w->flags, w->addrlen ? (struct sockaddr *)w->addr : NULL,
                  w->addrlen);
  case SYS_sendmsg: {
    struct iovec v = {.iov_base = w->data, .iov_len = len};
    struct msghdr m = {.msg_name = w->addrlen ? (void *)w->addr : NULL,
                       .msg_namelen = w->addrlen,
                       .msg_iov = &v,
                       .msg_iovlen = 1};
    return sendmsg(fd, &m, w->flags);
  }
  default:
    return write(fd, w->data, len);
  }
}

/* short(N) and corrupt(BYTE): write on the caller's behalf, through its own
 * open file, and answer for the call. */
static void act_write(struct inj_sup *s, const struct seccomp_notif *req, const struct inj_step *st,
                      unsigned n)
{
  pid_t pid = (pid_t)req->pid;
  struct write_call w;
  const char *why = NULL;
  char detail[256];
  int ret = read_write_call(req, &w, &why);
  size_t len = w.len;
  if (ret == 0 && st->action == A_SHORT && (size_t)st->arg >= w.len) {
    ret = -1;
    snprintf(detail, sizeof(detail), "the call writes %zu bytes, not more than short(%ld)", w.len,
             st->arg);
    why = detail;
  }
  if (ret == 0 && st->action == A_CORRUPT && w.len == 0) {
    ret = -1;
    why = "nothing to corrupt";
  }
  if (ret < 0 || !id_valid(s, req->id)) {
    /* Not applicable to this call: it runs as it would have. */
    free(w.data);
    if (reply(s, req->id, 0, 0, true) == -ENOENT) {
      s->counts[st->target]--;
      return;
    }
    log_fault(s, st, n, pid, req->data.nr, false, why ? why : "the call went away");
    return;
  }
  if (st->action == A_SHORT)
    len = (size_t)st->arg;
  else
    w.data[(size_t)st->arg % w.len] ^= 0xff;
  int fd = take_caller_fd(pid, w.fd);
  if (fd < 0 || !id_valid(s, req->id)) {
    snprintf(detail, sizeof(detail), "pidfd_getfd: %s", fd < 0 ? strerror(errno) : "call gone");
    if (fd >= 0)
      close(fd);
    free(w.data);
    if (reply(s, req->id, 0, 0, true) == -ENOENT) {
      s->counts[st->target]--;
      return;
    }
    log_fault(s, st, n, pid, req->data.nr, false, detail);
    return;
  }
  ssize_t wrote = do_write(fd, &w, len);
  int e = errno;
  close(fd);
  free(w.data);
  if (wrote < 0) {
    /* What the kernel said to the data as it was written: the caller sees
     * the same error it would have seen writing it. */
    reply(s, req->id, 0, -e, false);
    snprintf(detail, sizeof(detail), "writing %zu bytes failed: %s", len, strerror(e));
    log_fault(s, st, n, pid, req->data.nr, false, detail);
    return;
  }
  int r = reply(s, req->id, wrote, 0, false);
  snprintf(detail, sizeof(detail), "wrote %zd of %zu bytes%s", wrote, w.len,
           r < 0 ? " (the caller was gone before the reply)" : "");
  log_fault(s, st, n, pid, req->data.nr, true, detail);
}

/* ---- one notification ------------------------------------------------------ */

static void handle(struct inj_sup *s, const struct seccomp_notif *req)
{
  pid_t pid = (pid_t)req->pid;
  int nr = req->data.nr;
  if (!s->started) {
    /* Only the program exists yet; its first execve is PROGRAM's. */
    if (pid == s->program && (nr == SYS_execve || nr == SYS_execveat))
      s->started = true;
    reply(s, req->id, 0, 0, true);
    return;
  }
  int t = classify(req);
  if (t < 0 || !inj_traps(&s->o, (enum inj_target)t) || !id_valid(s, req->id)) {
    reply(s, req->id, 0, 0, true);
    return;
  }
  unsigned n = ++s->counts[t];
  const struct inj_step *st = find_step(s, (enum inj_target)t, n);
  s->tgid = st ? tgid_of(pid) : 0;
  if (s->o.log_calls) {
    char *name = syscall_name(nr);
    inj_log(&s->o, json_pack("{s:s, s:s, s:i, s:i, s:s?}", "event", "call", "target",
                             inj_target_name(t), "n", (int)n, "pid", (int)pid, "syscall", name));
    free(name);
  }
  if (!st) {
    /* Interrupted before the reply (a signal): it will come again and must
     * get the same number. */
    if (reply(s, req->id, 0, 0, true) == -ENOENT)
      s->counts[t]--;
    return;
  }
  switch (st->action) {
  case A_ERRNO:
    if (reply(s, req->id, 0, -(int)st->arg, false) == -ENOENT) {
      s->counts[t]--;
      return;
    }
    log_fault(s, st, n, pid, nr, true, NULL);
    return;
  case A_KILL: {
    /* Killed first, then answered with an error: the call never runs, even
     * if the reply were to reach it before the signal. */
    int k = kill(pid, SIGKILL);
    int e = errno;
    reply(s, req->id, 0, -EINTR, false);
    log_fault(s, st, n, pid, nr, k == 0, k == 0 ? NULL : strerror(e));
    return;
  }
  case A_DELAY:
    if (s->n_delays == MAX_DELAYS) {
      reply(s, req->id, 0, 0, true);
      log_fault(s, st, n, pid, nr, false, "too many delayed calls");
      return;
    }
    s->delays[s->n_delays++] = (struct delayed){.id = req->id,
                                                .due = now_ms() + st->arg,
                                                .pid = pid,
                                                .tgid = s->tgid,
                                                .nr = nr,
                                                .step = st,
                                                .n = n};
    return;
  case A_SHORT:
  case A_CORRUPT:
    act_write(s, req, st, n);
    return;
  }
}

/* Release every delayed call that is due; returns ms to the next one (-1:
 * none). */
static long run_delays(struct inj_sup *s)
{
  long next = -1, now = now_ms();
  for (size_t i = 0; i < s->n_delays;) {
    struct delayed *d = &s->delays[i];
    if (d->due <= now) {
      /* A delay is never armed again: a call interrupted during it comes
       * back with the next number and runs. */
      int r = reply(s, d->id, 0, 0, true);
      s->tgid = d->tgid;
      log_fault(s, d->step, d->n, d->pid, d->nr, true,
                r < 0 ? "interrupted during the delay" : NULL);
      s->delays[i] = s->delays[--s->n_delays];
      continue;
    }
    if (next < 0 || d->due - now < next)
      next = d->due - now;
    i++;
  }
  return next;
}

struct inj_sup *inj_sup_new(const struct inj_opts *o, int listener, pid_t program, const char *mode)
{
  struct inj_sup *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  s->o = *o;
  s->fd = listener;
  s->program = program;
  /* Every notification is a round trip between the caller and us: with
   * synchronous wake-ups the kernel hands the CPU over each way instead of
   * waking the other side wherever it sleeps. */
  ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
  /* Without the marker nothing ran between the filter and PROGRAM. */
  s->started = o->no_exec_marker && !inj_traps(o, T_EXECVE);
  snprintf(s->mode, sizeof(s->mode), "%s", mode);
  struct seccomp_notif_sizes sizes = {0};
  s->req_size = sizeof(struct seccomp_notif);
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0 &&
      sizes.seccomp_notif > s->req_size)
    s->req_size = sizes.seccomp_notif;
  s->req = calloc(1, s->req_size);
  if (!s->req) {
    free(s);
    return NULL;
  }
  inj_log(&s->o, json_pack("{s:s, s:i, s:i, s:s}", "event", "start", "supervisor", (int)getpid(),
                           "pid", (int)program, "mode", mode));
  return s;
}

int inj_sup_fd(const struct inj_sup *s)
{
  return s->fd;
}

void inj_sup_ready(struct inj_sup *s)
{
  memset(s->req, 0, s->req_size);
  if (ioctl(s->fd, SECCOMP_IOCTL_NOTIF_RECV, s->req) == 0)
    handle(s, s->req);
}

long inj_sup_delays(struct inj_sup *s)
{
  return run_delays(s);
}

void inj_sup_end(struct inj_sup *s, const char *reason)
{
  json_t *counts = json_object();
  for (int t = 0; t < T_COUNT; t++)
    if (inj_traps(&s->o, (enum inj_target)t))
      json_object_set_new(counts, inj_target_name((enum inj_target)t), json_integer(s->counts[t]));
  inj_log(&s->o,
          json_pack("{s:s, s:o, s:i, s:s, s:s, s:b}", "event", "summary", "counts", counts, "fired",
                    (int)s->fired, "reason", reason, "mode", s->mode, "started", s->started));
  /* Calls still waiting (a delay not yet due) fail with ENOSYS once the
   * listener is closed. */
  close(s->fd);
  free(s->req);
  free(s);
}

void inj_supervise(const struct inj_opts *o, int listener, pid_t program, const char *mode)
{
  signal(SIGPIPE, SIG_IGN);
  struct inj_sup *s = inj_sup_new(o, listener, program, mode);
  if (!s) {
    close(listener);
    return;
  }
  long deadline = now_ms() + o->timeout_ms;
  const char *reason = "timeout";
  for (;;) {
    long wait = inj_sup_delays(s);
    long left = deadline - now_ms();
    if (left <= 0)
      break;
    if (wait < 0 || wait > left)
      wait = left;
    struct pollfd p = {.fd = listener, .events = POLLIN};
    int r = poll(&p, 1, (int)wait);
    if (r < 0 && errno != EINTR)
      break;
    if (r <= 0)
      continue;
    if (p.revents & POLLIN) {
      inj_sup_ready(s);
      continue;
    }
    if (p.revents & (POLLHUP | POLLERR)) {
      reason = "hangup";
      break;
    }
  }
  inj_sup_end(s, reason);
}
