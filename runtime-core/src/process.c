#include "process.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sched.h>

#include "cleanup.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* How long a SIGKILLed process may take to become a zombie before we give up
 * waiting for it (a process stuck in an uninterruptible sleep). */
#define KILL_REAP_TIMEOUT_MS 5000

static int pidfd_open_fd(pid_t pid)
{
  return (int)syscall(SYS_pidfd_open, pid, 0);
}

pid_t clone_process(unsigned long flags, int *pidfd)
{
  int fd = -1;
  struct clone_args args;
  memset(&args, 0, sizeof(args));
  args.flags = flags | (pidfd ? CLONE_PIDFD : 0);
  /* With CLONE_PARENT the child inherits our exit signal (the kernel rejects
   * one given explicitly), so main, its parent, still gets SIGCHLD. */
  args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
  args.pidfd = (uint64_t)(uintptr_t)&fd;
  long ret = syscall(SYS_clone3, &args, sizeof(args));
  if (ret < 0 && errno == ENOSYS) {
    /* Old kernel: the raw clone syscall with no new stack behaves like fork. */
    ret = syscall(SYS_clone, flags | ((flags & CLONE_PARENT) ? 0 : SIGCHLD), NULL, NULL, NULL, NULL);
    if (ret > 0 && pidfd) {
      fd = pidfd_open_fd((pid_t)ret);
      if (fd < 0)
        fd = -1; /* still usable through the pid */
    }
  }
  if (ret > 0 && pidfd)
    *pidfd = fd;
  return (pid_t)ret;
}

static long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int reap_child(pid_t pid, int pidfd, int timeout_ms)
{
  cleanup_close int own = -1;
  if (pidfd < 0) {
    own = pidfd_open_fd(pid);
    pidfd = own;
  }
  if (pidfd >= 0) {
    long deadline = now_ms() + timeout_ms;
    for (;;) {
      struct pollfd p = {.fd = pidfd, .events = POLLIN};
      long left = deadline - now_ms();
      if (left < 0)
        left = 0;
      int r = poll(&p, 1, (int)left);
      if (r > 0)
        break;
      if (r == 0) {
        errno = ETIMEDOUT;
        return -1;
      }
      if (errno != EINTR)
        return -1;
    }
  }
  int status;
  for (;;) {
    pid_t r = waitpid(pid, &status, pidfd >= 0 ? WNOHANG : 0);
    if (r == pid)
      return status;
    if (r == 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    if (errno != EINTR)
      return -1;
  }
}

void kill_and_reap(pid_t pid, int pidfd)
{
  if (pid <= 0)
    return;
  int saved = errno;
  if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
    kill(pid, SIGKILL);
  reap_child(pid, pidfd, KILL_REAP_TIMEOUT_MS);
  errno = saved;
}

static int read_children(pid_t *out, int max)
{
  int n = 0;
  DIR *d = opendir("/proc/self/task");
  if (!d)
    return 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < max) {
    if (de->d_name[0] == '.')
      continue;
    char p[64];
    snprintf(p, sizeof(p), "/proc/self/task/%s/children", de->d_name);
    FILE *f = fopen(p, "re");
    if (!f)
      continue;
    int v;
    while (n < max && fscanf(f, "%d", &v) == 1)
      out[n++] = v;
    fclose(f);
  }
  closedir(d);
  return n;
}

void kill_and_reap_all_children(void)
{
  int saved = errno;
  /* Loop: a child may have been forked between two reads. Bounded rounds. */
  for (int round = 0; round < 4; round++) {
    pid_t kids[64];
    int n = read_children(kids, (int)ARRAY_SIZE(kids));
    if (n == 0)
      break;
    for (int i = 0; i < n; i++)
      kill_and_reap(kids[i], -1);
  }
  errno = saved;
}

void describe_wait_status(int status, char *buf, size_t len)
{
  if (WIFEXITED(status))
    snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
  else if (WIFSIGNALED(status)) {
    const char *abbrev = sigabbrev_np(WTERMSIG(status));
    snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), abbrev ? abbrev : "?");
  } else
    snprintf(buf, len, "changed state (wait status 0x%x)", status);
}

void sleep_ms(long ms)
{
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}
