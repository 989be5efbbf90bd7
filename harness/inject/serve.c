/* One supervisor for many listeners: a process that loads the filter sends
 * its listener here (with its log) before it execs, instead of starting a
 * supervisor of its own.  The harness keeps one per case, so a supervised
 * command costs a filter and its notifications, not another process. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "inject.h"

/* sendmmsg of one message: h with the listener and the log fd (if any). */
static int send_handoff(int sock, const struct inj_handoff *h, int listener, int log_fd)
{
  int fds[2] = {listener, log_fd};
  union {
    char buf[CMSG_SPACE(sizeof(fds))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof(u));
  size_t n_fds = log_fd >= 0 ? 2 : 1;
  struct iovec v = {.iov_base = (void *)h, .iov_len = sizeof(*h)};
  struct mmsghdr m = {.msg_hdr = {.msg_iov = &v,
                                  .msg_iovlen = 1,
                                  .msg_control = u.buf,
                                  .msg_controllen = CMSG_SPACE(n_fds * sizeof(int))}};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m.msg_hdr);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
  memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
  for (;;) {
    int r = sendmmsg(sock, &m, 1, MSG_NOSIGNAL);
    if (r == 1)
      return 0;
    if (r < 0 && errno == EINTR)
      continue;
    if (r == 0)
      errno = EIO;
    return -1;
  }
}

int inj_send_listener(int sock, int listener, int log_fd, bool killable, const struct inj_opts *o)
{
  /* On the stack and filled field by field: no allocation here. */
  struct inj_handoff h;
  memset(&h, 0, sizeof(h));
  h.program = (pid_t)syscall(SYS_getpid);
  h.has_log = log_fd >= 0;
  h.killable = killable;
  memcpy(&h.o, o, sizeof(h.o));
  return send_handoff(sock, &h, listener, log_fd);
}

int inj_forward_listener(int sock, const struct inj_handoff *h, int listener, int log_fd)
{
  return send_handoff(sock, h, listener, log_fd);
}

int inj_recv_listener(int ctl, struct inj_handoff *h, int *listener, int *log_fd, bool wait)
{
  int fds[2] = {-1, -1};
  union {
    char buf[CMSG_SPACE(sizeof(fds))];
    struct cmsghdr align;
  } u;
  struct iovec v = {.iov_base = h, .iov_len = sizeof(*h)};
  struct msghdr m = {
      .msg_iov = &v, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  ssize_t n;
  do
    n = recvmsg(ctl, &m, MSG_CMSG_CLOEXEC | (wait ? 0 : MSG_DONTWAIT));
  while (n < 0 && errno == EINTR);
  if (n == 0)
    return 0;
  if (n < 0)
    return errno == EAGAIN ? -1 : 0;
  size_t got = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      got = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      memcpy(fds, CMSG_DATA(c), (got > 2 ? 2 : got) * sizeof(int));
    }
  if ((size_t)n != sizeof(*h) || got != (h->has_log ? 2u : 1u) || (m.msg_flags & MSG_CTRUNC)) {
    for (size_t i = 0; i < 2; i++)
      if (fds[i] >= 0)
        close(fds[i]);
    return -1;
  }
  *listener = fds[0];
  *log_fd = h->has_log ? fds[1] : -1;
  return 1;
}

struct served {
  struct inj_sup *sup;
  int log_fd;
  long deadline; /* the listener's own bound (its plan's timeout_ms) */
};

static long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void end(struct served *s, const char *reason)
{
  inj_sup_end(s->sup, reason);
  if (s->log_fd >= 0)
    close(s->log_fd);
}

#define MAX_SERVED 64

void inj_serve(int ctl)
{
  signal(SIGPIPE, SIG_IGN);
  struct served list[MAX_SERVED];
  struct pollfd p[MAX_SERVED + 1];
  size_t n = 0;
  bool open_ = true;
  while (open_ || n > 0) {
    long wait = -1, now = now_ms();
    for (size_t i = n; i-- > 0;) {
      if (list[i].deadline <= now) {
        end(&list[i], "timeout");
        list[i] = list[--n];
        continue;
      }
      long w = inj_sup_delays(list[i].sup);
      long left = list[i].deadline - now;
      if (w < 0 || w > left)
        w = left;
      if (wait < 0 || w < wait)
        wait = w;
    }
    size_t np = 0;
    for (size_t i = 0; i < n; i++)
      p[np++] = (struct pollfd){.fd = inj_sup_fd(list[i].sup), .events = POLLIN};
    if (open_ && n < MAX_SERVED)
      p[np++] = (struct pollfd){.fd = ctl, .events = POLLIN};
    int r = poll(p, np, (int)wait);
    if (r < 0 && errno != EINTR)
      break;
    if (r <= 0)
      continue;
    /* Listeners first: a new one is appended behind them. */
    for (size_t i = n; i-- > 0;) {
      if (p[i].revents & POLLIN) {
        inj_sup_ready(list[i].sup);
      } else if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
        end(&list[i], "hangup");
        list[i] = list[--n];
      }
    }
    if (np > 0 && p[np - 1].fd == ctl && p[np - 1].revents) {
      int listener, log_fd;
      struct inj_handoff h;
      int got = inj_recv_listener(ctl, &h, &listener, &log_fd, true);
      if (got == 0) {
        open_ = false;
        continue;
      }
      if (got < 0)
        continue;
      struct inj_opts o = h.o;
      o.log_fd = log_fd;
      o.cgroup = NULL; /* a pointer of the sender's */
      struct inj_sup *s =
          inj_sup_new(&o, listener, h.program, h.killable ? "wait-killable" : "plain");
      if (!s) {
        close(listener);
        if (log_fd >= 0)
          close(log_fd);
        continue;
      }
      long bound = o.timeout_ms > 0 ? o.timeout_ms : 120000;
      list[n++] = (struct served){.sup = s, .log_fd = log_fd, .deadline = now_ms() + bound};
    }
  }
  for (size_t i = 0; i < n; i++)
    end(&list[i], "timeout");
}
