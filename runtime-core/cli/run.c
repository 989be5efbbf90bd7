/* run: create, start, wait for the container's init while forwarding
 * signals to it, then delete.  The init is our child: nsrt_create clones it
 * with CLONE_PARENT into this process. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "error.h"
#include "failpoint.h"
#include "log.h"
#include "runtime.h"

static const int forwarded_signals[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
                                        SIGUSR1, SIGUSR2, SIGWINCH};

/* The write end of the self-pipe the handler reports signals on. */
static volatile int signal_pipe_w = -1;

static void record_signal(int sig)
{
  int saved = errno;
  unsigned char b = (unsigned char)sig;
  ssize_t w = write(signal_pipe_w, &b, 1);
  (void)w; /* a full pipe loses a repeat of a signal already pending */
  errno = saved;
}

/* Handlers, not a blocked mask plus signalfd: a blocked mask would be
 * inherited by the hooks start forks, while handlers reset at their exec. */
static int install_forwarding(int pipe_w, struct nsrt_err *err)
{
  signal_pipe_w = pipe_w;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = record_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
    if (sigaction(forwarded_signals[i], &sa, NULL) < 0)
      return nsrt_fail(err, errno, "signals", "install the handler of signal %d",
                       forwarded_signals[i]);
  return 0;
}

static void remove_forwarding(void)
{
  for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
    signal(forwarded_signals[i], SIG_DFL);
  signal_pipe_w = -1;
}

/* pidfd -1: no pidfd support; the pid is still safe to signal, as it
 * stays ours until we reap it. */
static void forward_pending(int pipe_r, int pidfd, pid_t pid)
{
  unsigned char buf[64];
  ssize_t n;
  while ((n = read(pipe_r, buf, sizeof(buf))) > 0)
    for (ssize_t i = 0; i < n; i++) {
      int r = pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, pidfd, (int)buf[i], NULL, 0)
                         : kill(pid, buf[i]);
      if (r < 0 && errno != ESRCH)
        nsrt_log(NSRT_LOG_WARN, "forward signal %d to %d: %s", buf[i], (int)pid, strerror(errno));
      else
        nsrt_debug("forwarded signal %d to %d", buf[i], (int)pid);
    }
}

/* Wait for the init to exit, forwarding signals meanwhile.  No deadline: a
 * container runs as long as it runs.  Returns the wait status or -1. */
static int wait_container(pid_t pid, int pipe_r, struct nsrt_err *err)
{
  cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0 && errno != ENOSYS)
    return nsrt_fail(err, errno, "wait", "pidfd_open %d", (int)pid);
  for (;;) {
    struct pollfd pfd[2] = {{.fd = pipe_r, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
    /* Without a pidfd, look for the exit every 100 ms. */
    int n = poll(pfd, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 100);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return nsrt_fail(err, errno, "wait", "poll");
    }
    if (pfd[0].revents)
      forward_pending(pipe_r, pidfd, pid);
    if (pidfd < 0 || pfd[1].revents) {
      int status;
      pid_t r;
      do
        r = waitpid(pid, &status, WNOHANG);
      while (r < 0 && errno == EINTR);
      if (r < 0)
        return nsrt_fail(err, errno, "wait", "waitpid %d", (int)pid);
      if (r == pid)
        return status;
    }
  }
}

static int exit_code_of(int status)
{
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 1;
}

/* After a failed start: kill and remove what create made. */
static void undo_create(const char *root, const char *id)
{
  struct nsrt_err err;
  nsrt_err_clear(&err);
  if (nsrt_delete(root, id, true, &err) < 0)
    nsrt_log_failure(&err);
}

int cmd_run(struct cli *c, int argc, char **argv)
{
  struct create_args a;
  int code;
  if (cli_parse_create_args(c, argc, argv, true, &a, &code) < 0)
    return code;
  struct nsrt_err err;
  pid_t pid;
  int ret = cli_create(c, &a, &pid, &err);
  if (ret < 0)
    return cli_fail(&err);

  if (a.detach) {
    if (nsrt_start(c->root, a.id, &err) < 0) {
      cli_fail(&err);
      undo_create(c->root, a.id);
      return 1;
    }
    return 0;
  }

  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
    nsrt_fail(&err, errno, "signals", "pipe");
    cli_fail(&err);
    undo_create(c->root, a.id);
    return 1;
  }
  cleanup_close int pipe_r = fds[0];
  cleanup_close int pipe_w = fds[1];
  /* Installed before start so a signal that arrives while the program is
   * starting is forwarded once it runs, not lost. */
  if (install_forwarding(pipe_w, &err) < 0 || nsrt_start(c->root, a.id, &err) < 0) {
    remove_forwarding();
    cli_fail(&err);
    undo_create(c->root, a.id);
    return 1;
  }
  int status = wait_container(pid, pipe_r, &err);
  remove_forwarding();
  if (status < 0) {
    cli_fail(&err);
    undo_create(c->root, a.id);
    return 1;
  }
  nsrt_debug("container %s: init %d %s %d", a.id, (int)pid,
             WIFSIGNALED(status) ? "killed by signal" : "exited with status",
             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  /* The container's own exit code wins; a failed cleanup is still reported. */
  if (nsrt_delete(c->root, a.id, false, &err) < 0)
    nsrt_log_failure(&err);
  return exit_code_of(status);
}
