/* start, kill and delete: the operations on an existing container (runtime.md). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "cleanup.h"
#include "error.h"
#include "failpoint.h"
#include "hooks.h"
#include "log.h"
#include "runtime.h"
#include "state.h"

#define START_TIMEOUT_DEFAULT_MS 60000
#define DELETE_KILL_TIMEOUT_MS   10000

static int sys_pidfd_open(pid_t pid)
{
  return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int sys_pidfd_send_signal(int pidfd, int sig)
{
  return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static long long monotonic_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int start_timeout_ms(void)
{
  const char *s = getenv("NSRT_START_TIMEOUT_MS");
  if (!s || !*s)
    return START_TIMEOUT_DEFAULT_MS;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v <= 0 || v > 24L * 3600 * 1000)
    return START_TIMEOUT_DEFAULT_MS;
  return (int)v;
}

/* The container's init, pinned.  With a pidfd the pid cannot be reused
 * under us once the start time has been checked.  Without pidfd_open
 * (kernels before 5.3, valgrind) pidfd is -1 and each use re-checks the
 * start time first: a small race instead of no operation at all. */
struct init_ref {
  const struct container_state *st;
  int pidfd;
};

static bool init_is_recorded_process(const struct container_state *st)
{
  unsigned long long start;
  return proc_start_time(st->pid, &start) == 0 && start == st->pid_start;
}

/* 0, or -1 with errno (ESRCH: the recorded process is gone). */
static int init_open(const struct container_state *st, struct init_ref *ref)
{
  ref->st = st;
  ref->pidfd = sys_pidfd_open(st->pid);
  if (ref->pidfd < 0 && errno != ENOSYS)
    return -1;
  if (!init_is_recorded_process(st)) {
    if (ref->pidfd >= 0)
      close(ref->pidfd);
    ref->pidfd = -1;
    errno = ESRCH;
    return -1;
  }
  return 0;
}

static void init_close(struct init_ref *ref)
{
  if (ref->pidfd >= 0)
    close(ref->pidfd);
  ref->pidfd = -1;
}

static int init_signal(const struct init_ref *ref, int sig)
{
  if (ref->pidfd >= 0)
    return sys_pidfd_send_signal(ref->pidfd, sig);
  if (!init_is_recorded_process(ref->st)) {
    errno = ESRCH;
    return -1;
  }
  return kill(ref->st->pid, sig);
}

/* Wait until the init has died (a zombie counts), up to timeout_ms.  0, or
 * -1 with errno (ETIMEDOUT). */
static int init_wait_dead(const struct init_ref *ref, int timeout_ms)
{
  long long deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    long long left = deadline - monotonic_ms();
    if (left <= 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    if (ref->pidfd >= 0) {
      /* A pidfd becomes readable when the process exits, reaped or not. */
      struct pollfd pfd = {.fd = ref->pidfd, .events = POLLIN};
      int n = poll(&pfd, 1, (int)left);
      if (n < 0 && errno != EINTR)
        return -1;
      if (n > 0)
        return 0;
    } else {
      if (state_status(ref->st) == STATUS_STOPPED)
        return 0;
      struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
}

/* Reap the dead init when it is our child (run, tests); otherwise its
 * parent does, and ECHILD is expected. */
static void init_reap_if_child(const struct init_ref *ref)
{
  siginfo_t info = {0};
  if (ref->pidfd >= 0)
    waitid(P_PIDFD, (id_t)ref->pidfd, &info, WEXITED | WNOHANG);
  else
    waitid(P_PID, (id_t)ref->st->pid, &info, WEXITED | WNOHANG);
}

/* The hooks of create time, from hooks.json in the state dir (absent: none). */
static int load_hooks(const char *root, const char *id, struct hooks_plan *out,
                      struct nsrt_err *err)
{
  memset(out, 0, sizeof(*out));
  char path[4096];
  if (state_path(path, sizeof(path), root, id, STATE_HOOKS) < 0)
    return nsrt_fail(err, errno, "load_hooks", "hooks of %s under %s", id, root);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return 0;
    return nsrt_fail(err, errno, "load_hooks", "open %s", path);
  }
  json_error_t jerr;
  json_t *json = json_loadfd(fd, 0, &jerr);
  if (!json)
    return nsrt_fail(err, 0, "load_hooks", "%s:%d: %s", path, jerr.line, jerr.text);
  int ret = hooks_parse(json, out, err);
  json_decref(json);
  if (ret < 0)
    nsrt_err_context(err, "%s", path);
  return ret;
}

/* poststop: a failing hook is a warning, and the hooks after it still run
 * (runtime.md lifecycle step 13). */
static void run_hooks_warn(const struct hook_list *l, const char *which,
                           const struct container_state *st, enum container_status status)
{
  if (l->n == 0)
    return;
  cleanup_free char *json = state_to_json(st, status);
  if (!json) {
    nsrt_log(NSRT_LOG_WARN, "%s hooks of %s not run: cannot build the state JSON", which, st->id);
    return;
  }
  hooks_run_warn(l, which, json);
}

static int open_state_dir(const char *root, const char *id, struct nsrt_err *err)
{
  char path[4096];
  if (state_path(path, sizeof(path), root, id, NULL) < 0)
    return nsrt_fail(err, errno, "state_dir", "state directory of %s under %s", id, root);
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return nsrt_fail(err, errno, "state_dir", "open %s", path);
  return fd;
}

static int connect_start_socket(const char *root, const char *id, struct nsrt_err *err)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (state_path(addr.sun_path, sizeof(addr.sun_path), root, id, STATE_SOCKET) < 0)
    return nsrt_fail_at(err, "start", ENAMETOOLONG, "connect", "%s/%s/%s", root, id, STATE_SOCKET);
  cleanup_close int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return nsrt_fail_at(err, "start", errno, "socket", "start socket of %s", id);
  if (FP_FAILS("start.connect") || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    int saved = errno;
    /* Nobody listening: the init has already exec'd, or died. */
    if (saved == ECONNREFUSED || saved == ENOENT)
      return nsrt_fail_at(err, "start", saved, "connect", "container %s is not waiting for start",
                          id);
    return nsrt_fail_at(err, "start", saved, "connect", "%s", addr.sun_path);
  }
  return take_fd(&fd);
}

/* Wait for the init's answer: EOF when its exec succeeded (the CLOEXEC socket
 * closes), or one struct msg_error. */
static int wait_exec_result(int fd, const char *id, struct nsrt_err *err)
{
  int timeout = start_timeout_ms();
  long long deadline = monotonic_ms() + timeout;
  for (;;) {
    long long left = deadline - monotonic_ms();
    if (left <= 0)
      return nsrt_fail_at(err, "start", ETIMEDOUT, "wait_exec",
                          "no answer from the init of container %s after %d ms", id, timeout);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int n = poll(&pfd, 1, (int)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return nsrt_fail_at(err, "start", errno, "wait_exec", "poll the start socket of %s", id);
    if (n == 0)
      continue;
    /* One byte more than a full error packet, so a longer packet shows as one. */
    union {
      struct msg_error error;
      char raw[sizeof(struct msg_error) + 1];
    } reply;
    ssize_t got = recv(fd, &reply, sizeof(reply), 0);
    if (got < 0 && errno == EINTR)
      continue;
    /* Reset: the init closed without taking our request (it died, or its
     * listening socket went away with our connection still queued). */
    if (got < 0 && errno == ECONNRESET)
      return nsrt_fail_at(err, "start", ECONNRESET, "wait_exec",
                          "container %s is not waiting for start", id);
    if (got < 0)
      return nsrt_fail_at(err, "start", errno, "wait_exec", "read the start socket of %s", id);
    if (got == 0)
      return 0;
    if ((size_t)got != sizeof(struct msg_error))
      return nsrt_fail_at(err, "start", EBADMSG, "wait_exec",
                          "reply of %zd bytes from the init of container %s", got, id);
    struct msg_error *m = &reply.error;
    m->stage[sizeof(m->stage) - 1] = '\0';
    m->step[sizeof(m->step) - 1] = '\0';
    m->text[sizeof(m->text) - 1] = '\0';
    return nsrt_fail_at(err, m->stage, m->errnum, m->step, "%s", m->text);
  }
}

/* start on a loaded state; hooks are filled here and freed by the caller. */
static int kill_and_wait(const struct container_state *st, struct nsrt_err *err);

/* runtime.md lifecycle steps 7-9: when a startContainer or poststart hook
 * fails (or the program cannot be run), start generates an error, stops the
 * container and goes on to destroy it (step 12: what create made is removed)
 * and to the poststop hooks (step 13). */
static void destroy_after_failed_start(const char *root, struct container_state *st,
                                       const struct hooks_plan *hooks)
{
  struct nsrt_err derr;
  nsrt_err_clear(&derr);
  if (kill_and_wait(st, &derr) < 0 || state_remove(root, st->id, &derr) < 0) {
    char line[NSRT_ERR_STAGE_MAX + NSRT_ERR_STEP_MAX + NSRT_ERR_TEXT_MAX + 64];
    nsrt_err_format(&derr, line, sizeof(line));
    nsrt_log(NSRT_LOG_WARN, "destroy %s after its failed start: %s", st->id, line);
  }
  run_hooks_warn(&hooks->poststop, "poststop", st, STATUS_STOPPED);
}

static int start_loaded(const char *root, struct container_state *st, struct hooks_plan *hooks,
                        struct nsrt_err *err)
{
  const char *id = st->id;
  enum container_status s = state_status(st);
  if (s != STATUS_CREATED)
    return nsrt_fail_at(err, "start", 0, "status", "container %s is %s, not created", id,
                        state_status_name(s));
  /* Read the hooks before exec so a broken hooks.json fails before the
   * program runs rather than after. */
  if (load_hooks(root, id, hooks, err) < 0)
    return -1;
  {
    cleanup_close int sock = connect_start_socket(root, id, err);
    if (sock < 0)
      return -1;
    if (FP_FAILS("start.send") || send(sock, "s", 1, MSG_NOSIGNAL) != 1) {
      int saved = errno;
      if (saved == EPIPE || saved == ECONNRESET)
        return nsrt_fail_at(err, "start", saved, "send", "container %s is not waiting for start",
                            id);
      return nsrt_fail_at(err, "start", saved, "send", "start socket of %s", id);
    }
    if (wait_exec_result(sock, id, err) < 0) {
      /* A rejected request changed nothing: the container stays created. */
      if (strcmp(err->step, START_REJECTED_STEP) != 0)
        destroy_after_failed_start(root, st, hooks);
      return -1;
    }
  }
  nsrt_debug("container %s: init %d exec'd", id, (int)st->pid);

  st->started = true;
  cleanup_close int dirfd = open_state_dir(root, id, err);
  if (dirfd < 0 || state_write(dirfd, st, err) < 0)
    return nsrt_err_context(err, "container %s started but its state was not updated", id);
  if (unlinkat(dirfd, STATE_SOCKET, 0) < 0 && errno != ENOENT)
    nsrt_log(NSRT_LOG_WARN, "remove the start socket of %s: %s", id, strerror(errno));
  if (hooks->poststart.n) {
    cleanup_free char *json = state_to_json(st, STATUS_RUNNING);
    if (!json || hooks_run(&hooks->poststart, "poststart", json, err) < 0) {
      if (!json)
        nsrt_fail_at(err, "start", ENOMEM, "poststart", "state JSON of %s", id);
      destroy_after_failed_start(root, st, hooks);
      return -1;
    }
  }
  return 0;
}

int nsrt_start(const char *root, const char *id, struct nsrt_err *err)
{
  struct container_state st;
  if (state_load(root, id, &st, err) < 0)
    return -1;
  struct hooks_plan hooks = {0};
  int ret = start_loaded(root, &st, &hooks, err);
  hooks_free(&hooks);
  state_free(&st);
  return ret;
}

static int kill_loaded(const struct container_state *st, int sig, struct nsrt_err *err)
{
  enum container_status s = state_status(st);
  if (s != STATUS_CREATED && s != STATUS_RUNNING)
    return nsrt_fail_at(err, "kill", 0, "status", "container %s is %s, not created or running",
                        st->id, state_status_name(s));
  struct init_ref init;
  if (FP_FAILS("kill.pidfd_open") || init_open(st, &init) < 0) {
    if (errno == ESRCH)
      return nsrt_fail_at(err, "kill", 0, "status",
                          "container %s is stopped, not created or running", st->id);
    return nsrt_fail_at(err, "kill", errno, "pidfd_open", "init %d of container %s", (int)st->pid,
                        st->id);
  }
  int ret = 0;
  if (FP_FAILS("kill.send_signal") || init_signal(&init, sig) < 0)
    ret = nsrt_fail_at(err, "kill", errno, "send_signal", "signal %d to init %d of container %s",
                       sig, (int)st->pid, st->id);
  else
    nsrt_debug("container %s: sent signal %d to %d", st->id, sig, (int)st->pid);
  init_close(&init);
  return ret;
}

int nsrt_kill(const char *root, const char *id, int sig, struct nsrt_err *err)
{
  struct container_state st;
  if (state_load(root, id, &st, err) < 0)
    return -1;
  int ret = kill_loaded(&st, sig, err);
  state_free(&st);
  return ret;
}

/* SIGKILL the init and wait, bounded, until it has died. */
static int kill_and_wait(const struct container_state *st, struct nsrt_err *err)
{
  struct init_ref init;
  if (init_open(st, &init) < 0) {
    if (errno == ESRCH)
      return 0; /* died on its own meanwhile */
    return nsrt_fail_at(err, "delete", errno, "pidfd_open", "init %d of container %s", (int)st->pid,
                        st->id);
  }
  int ret = 0;
  if ((FP_FAILS("delete.kill") || init_signal(&init, SIGKILL) < 0) && errno != ESRCH)
    ret = nsrt_fail_at(err, "delete", errno, "kill", "SIGKILL to init %d of container %s",
                       (int)st->pid, st->id);
  else if (init_wait_dead(&init, DELETE_KILL_TIMEOUT_MS) < 0)
    ret = nsrt_fail_at(err, "delete", errno, "wait_dead",
                       "init %d of container %s still alive %d ms after SIGKILL", (int)st->pid,
                       st->id, DELETE_KILL_TIMEOUT_MS);
  else
    init_reap_if_child(&init);
  init_close(&init);
  return ret;
}

/* A directory without state.json is a create that was interrupted hard, or
 * one still running: only --force removes it. */
static int delete_orphan_dir(const char *root, const char *id, bool force, struct nsrt_err *err)
{
  char path[4096];
  if (!force || state_path(path, sizeof(path), root, id, NULL) < 0 || access(path, F_OK) < 0)
    return -1; /* err still says the container does not exist */
  if (state_remove(root, id, err) < 0)
    return -1;
  nsrt_log(NSRT_LOG_WARN, "removed the state directory %s, which had no %s", path, STATE_JSON);
  return 0;
}

static int delete_loaded(const char *root, const struct container_state *st, bool force,
                         struct hooks_plan *hooks, struct nsrt_err *err)
{
  enum container_status s = state_status(st);
  if (s != STATUS_STOPPED && !force)
    return nsrt_fail_at(err, "delete", 0, "status",
                        "container %s is %s: stop it first or use --force", st->id,
                        state_status_name(s));
  /* Read the poststop hooks before their file goes with the directory.  A
   * broken hooks file must not make the container undeletable. */
  struct nsrt_err herr;
  nsrt_err_clear(&herr);
  if (load_hooks(root, st->id, hooks, &herr) < 0) {
    char line[NSRT_ERR_STAGE_MAX + NSRT_ERR_STEP_MAX + NSRT_ERR_TEXT_MAX + 64];
    nsrt_err_format(&herr, line, sizeof(line));
    nsrt_log(NSRT_LOG_WARN, "poststop hooks of %s not run: %s", st->id, line);
  }
  if (s != STATUS_STOPPED && kill_and_wait(st, err) < 0)
    return -1;
  if (state_remove(root, st->id, err) < 0)
    return -1;
  nsrt_debug("container %s deleted", st->id);
  run_hooks_warn(&hooks->poststop, "poststop", st, STATUS_STOPPED);
  return 0;
}

int nsrt_delete(const char *root, const char *id, bool force, struct nsrt_err *err)
{
  struct container_state st;
  if (state_load(root, id, &st, err) < 0)
    return err->errnum == ENOENT ? delete_orphan_dir(root, id, force, err) : -1;
  struct hooks_plan hooks = {0};
  int ret = delete_loaded(root, &st, force, &hooks, err);
  hooks_free(&hooks);
  state_free(&st);
  return ret;
}

static const struct {
  const char *name;
  int sig;
} signal_names[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},   {"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},     {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"POLL", SIGPOLL},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

/* A decimal in [lo, hi], the whole string; -1 otherwise. */
static int parse_small_int(const char *s, int lo, int hi)
{
  if (!isdigit((unsigned char)*s))
    return -1;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < lo || v > hi)
    return -1;
  return (int)v;
}

int nsrt_signal_from_name(const char *s)
{
  if (!s || !*s)
    return -1;
  if (isdigit((unsigned char)*s))
    return parse_small_int(s, 0, SIGRTMAX);
  if (strncasecmp(s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < ARRAY_SIZE(signal_names); i++)
    if (strcasecmp(s, signal_names[i].name) == 0)
      return signal_names[i].sig;
  /* Real-time signals: RTMIN, RTMIN+N, RTMAX, RTMAX-N. */
  int range = SIGRTMAX - SIGRTMIN;
  if (strncasecmp(s, "RTMIN", 5) == 0) {
    if (!s[5])
      return SIGRTMIN;
    int n = s[5] == '+' ? parse_small_int(s + 6, 0, range) : -1;
    return n < 0 ? -1 : SIGRTMIN + n;
  }
  if (strncasecmp(s, "RTMAX", 5) == 0) {
    if (!s[5])
      return SIGRTMAX;
    int n = s[5] == '-' ? parse_small_int(s + 6, 0, range) : -1;
    return n < 0 ? -1 : SIGRTMAX - n;
  }
  return -1;
}
