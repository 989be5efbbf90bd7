/* nsc-inject: set up the supervisor, install the filter, become PROGRAM.
 *
 * Order matters.  The supervisor is cloned with CLONE_PARENT, a sibling of
 * this process and a child of whoever started nsc-inject (the program never
 * has it as a child: a runtime that reaps or kills "all its children" would
 * find it), before the filter exists, so it is never subject to it.  Then this
 * process loads a filter whose matching calls wait for the supervisor, puts
 * the listener's fd number into a shared page and wakes the supervisor, which
 * takes the listener with pidfd_getfd, while this process waits in its
 * execve of PROGRAM (always trapped).  That execve is the first call the
 * supervisor sees from it, and counting starts after it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inject.h"

/* Status in the shared page. */
enum { HS_WAIT = 0, HS_LOADED = 1, HS_FAILED = 2 };

struct handshake {
  _Atomic int state;
  int listener; /* fd number in the program's table */
  char mode[32];
};

static void usage(void)
{
  fprintf(stderr, "usage: nsc-inject [--plan TARGET@N=ACTION[(ARG)]]... [--log FILE] "
                  "[--log-calls] [--timeout-ms MS] [--cgroup DIR] [--all] -- PROGRAM ARGS...\n");
}

/* A message to stderr once the filter is loaded: write may be trapped, and
 * with no supervisor a trapped call would fail or wait; writev never is. */
static void late_error(const char *what, const char *detail)
{
  char line[512];
  int n = snprintf(line, sizeof(line), "nsc-inject: %s%s%s\n", what, detail ? ": " : "",
                   detail ? detail : "");
  struct iovec v = {.iov_base = line, .iov_len = n > 0 ? (size_t)n : 0};
  ssize_t w = writev(2, &v, 1);
  (void)w;
}

static void futex_wake(_Atomic int *addr)
{
  syscall(SYS_futex, addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Wait until *addr != seen or the deadline; returns the value. */
static int futex_wait_change(_Atomic int *addr, int seen, long timeout_ms)
{
  struct timespec end, now;
  clock_gettime(CLOCK_MONOTONIC, &end);
  end.tv_sec += timeout_ms / 1000;
  end.tv_nsec += (timeout_ms % 1000) * 1000000L;
  if (end.tv_nsec >= 1000000000L) {
    end.tv_sec++;
    end.tv_nsec -= 1000000000L;
  }
  for (;;) {
    int v = atomic_load(addr);
    if (v != seen)
      return v;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long left = (end.tv_sec - now.tv_sec) * 1000L + (end.tv_nsec - now.tv_nsec) / 1000000L;
    if (left <= 0)
      return v;
    struct timespec ts = {.tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000L};
    syscall(SYS_futex, addr, FUTEX_WAIT, seen, &ts, NULL, 0);
  }
}

/* ---- the supervisor's start ----------------------------------------------- */

/* The supervisor could not take over: say so on the program's stderr (still
 * ours until we let go of it) and end the program, which would otherwise
 * wait in its trapped execve for nobody. */
static void supervisor_failed(const struct inj_opts *o, pid_t program, const char *what, int e)
{
  dprintf(2, "nsc-inject: the supervisor could not take the listener: %s%s%s\n", what,
          e ? ": " : "", e ? strerror(e) : "");
  inj_log(o, json_pack("{s:s, s:s, s:s}", "event", "error", "what", what, "error",
                       e ? strerror(e) : ""));
  kill(program, SIGKILL);
  _exit(1);
}

static void supervisor(const struct inj_opts *o, struct handshake *hs, pid_t program)
{
  setsid();
  int pidfd = (int)syscall(SYS_pidfd_open, program, 0);
  if (pidfd < 0)
    supervisor_failed(o, program, "pidfd_open", errno);
  if (futex_wait_change(&hs->state, HS_WAIT, 10000) != HS_LOADED)
    _exit(1); /* the program could not load the filter and says why */
  /* The program waits in its execve (trapped) until we answer it, so its
   * listener fd is still open. */
  int listener = (int)syscall(SYS_pidfd_getfd, pidfd, hs->listener, 0);
  if (listener < 0)
    supervisor_failed(o, program, "pidfd_getfd", errno);
  close(pidfd);
  /* Die with the one who started us (the harness). */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  inj_stdio_null();
  int keep_lo = listener < o->log_fd ? listener : o->log_fd;
  int keep_hi = listener < o->log_fd ? o->log_fd : listener;
  if (keep_lo < 0) { /* no log */
    if (listener > 3)
      close_range(3, (unsigned)listener - 1, 0);
    close_range((unsigned)listener + 1, ~0U, 0);
  } else {
    if (keep_lo > 3)
      close_range(3, (unsigned)keep_lo - 1, 0);
    if (keep_hi > keep_lo + 1)
      close_range((unsigned)keep_lo + 1, (unsigned)keep_hi - 1, 0);
    close_range((unsigned)keep_hi + 1, ~0U, 0);
  }
  if (o->cgroup && o->cgroup[0]) {
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/cgroup.procs", o->cgroup);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1)
      inj_log(o, json_pack("{s:s, s:s, s:s}", "event", "warning", "what", "cgroup", "error",
                           strerror(errno)));
    if (fd >= 0)
      close(fd);
  }
  char mode[32];
  snprintf(mode, sizeof(mode), "%s", hs->mode);
  munmap(hs, sizeof(*hs));
  inj_supervise(o, listener, program, mode);
  _exit(0);
}

/* PROGRAM resolved like execvp, before the filter exists (a PATH search
 * would otherwise be several trapped execve calls). */
static int resolve(const char *name, char *out, size_t len)
{
  if (strchr(name, '/')) {
    snprintf(out, len, "%s", name);
    return 0;
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

int main(int argc, char **argv)
{
  static struct inj_opts o = {.log_fd = -1, .timeout_ms = 120000};
  const char *log_path = NULL;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    } else if (strcmp(a, "--plan") == 0 && v) {
      char msg[256];
      if (o.n_steps == INJ_MAX_STEPS) {
        fprintf(stderr, "nsc-inject: at most %d plan steps\n", INJ_MAX_STEPS);
        return 125;
      }
      if (inj_parse_step(v, &o.steps[o.n_steps], msg, sizeof(msg)) < 0) {
        fprintf(stderr, "nsc-inject: %s\n", msg);
        return 125;
      }
      o.n_steps++;
      i++;
    } else if (strcmp(a, "--log") == 0 && v) {
      log_path = v;
      i++;
    } else if (strcmp(a, "--timeout-ms") == 0 && v) {
      o.timeout_ms = strtol(v, NULL, 10);
      if (o.timeout_ms <= 0) {
        fprintf(stderr, "nsc-inject: --timeout-ms %s: not a positive number\n", v);
        return 125;
      }
      i++;
    } else if (strcmp(a, "--cgroup") == 0 && v) {
      o.cgroup = v;
      i++;
    } else if (strcmp(a, "--log-calls") == 0) {
      o.log_calls = true;
    } else if (strcmp(a, "--all") == 0) {
      o.all_targets = true;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage();
      return 0;
    } else {
      usage();
      return 125;
    }
  }
  if (i >= argc) {
    usage();
    return 125;
  }
  char program[PATH_MAX];
  if (resolve(argv[i], program, sizeof(program)) < 0) {
    fprintf(stderr, "nsc-inject: %s: %s\n", argv[i], strerror(errno));
    return 127;
  }
  if (log_path) {
    o.log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (o.log_fd < 0) {
      fprintf(stderr, "nsc-inject: --log %s: %s\n", log_path, strerror(errno));
      return 125;
    }
  }
  struct sock_fprog prog;
  if (inj_build_prog(&o, &prog) < 0) {
    fprintf(stderr, "nsc-inject: building the filter: %s\n", strerror(errno));
    return 125;
  }
  struct handshake *hs =
      mmap(NULL, sizeof(*hs), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (hs == MAP_FAILED) {
    fprintf(stderr, "nsc-inject: mmap: %s\n", strerror(errno));
    return 125;
  }
  pid_t self = getpid();
  /* Fork-like (no CLONE_VM): the child runs on a copy of our memory. */
  pid_t sup = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
  if (sup < 0) {
    fprintf(stderr, "nsc-inject: clone: %s\n", strerror(errno));
    return 125;
  }
  if (sup == 0)
    supervisor(&o, hs, self);
  bool killable;
  int listener = inj_load_prog(&prog, &killable);
  inj_free_prog(&prog);
  snprintf(hs->mode, sizeof(hs->mode), "%s", killable ? "wait-killable" : "plain");
  if (listener < 0) {
    int e = errno;
    atomic_store(&hs->state, HS_FAILED);
    futex_wake(&hs->state);
    late_error("loading the seccomp filter", strerror(e));
    return 125;
  }
  hs->listener = listener;
  atomic_store(&hs->state, HS_LOADED);
  futex_wake(&hs->state);
  /* No wait for the supervisor here: our execve is trapped, so it waits
   * until the supervisor has taken the listener and answers.  Should the
   * supervisor never come, this timer ends us; a successful exec deletes it. */
  timer_t timer;
  struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGKILL};
  struct itimerspec its = {.it_value = {.tv_sec = 10}};
  if (timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0)
    timer_settime(timer, 0, &its, NULL);
  if (o.log_fd >= 0)
    close(o.log_fd);
  execv(program, argv + i);
  int e = errno;
  late_error(program, strerror(e));
  _exit(e == ENOENT ? 127 : 126);
}
