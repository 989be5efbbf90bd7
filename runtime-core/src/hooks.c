/* OCI hooks: parsed with the rest of config.json (stage "spec"), run by the
 * lifecycle with the state JSON on stdin. */
#include "hooks.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "failpoint.h"

#define HOOK_DEFAULT_TIMEOUT_S 30

static const struct {
  const char *name;
  size_t offset; /* of the struct hook_list in struct hooks_plan */
} hook_kinds[] = {
    {"prestart", offsetof(struct hooks_plan, prestart)},
    {"createRuntime", offsetof(struct hooks_plan, create_runtime)},
    {"createContainer", offsetof(struct hooks_plan, create_container)},
    {"startContainer", offsetof(struct hooks_plan, start_container)},
    {"poststart", offsetof(struct hooks_plan, poststart)},
    {"poststop", offsetof(struct hooks_plan, poststop)},
};

static struct hook_list *list_of(struct hooks_plan *h, size_t kind)
{
  return (struct hook_list *)((char *)h + hook_kinds[kind].offset);
}

/* ---- parsing ---- */

static int type_error(const json_t *v, const char *path, const char *expected, struct nsrt_err *err)
{
  const char *got = json_is_object(v)    ? "an object"
                    : json_is_array(v)   ? "an array"
                    : json_is_string(v)  ? "a string"
                    : json_is_integer(v) ? "an integer"
                    : json_is_real(v)    ? "a real number"
                    : json_is_boolean(v) ? "a boolean"
                                         : "null";
  return nsrt_fail_at(err, "spec", 0, path, "expected %s, got %s", expected, got);
}

static int out_of_memory(const char *path, struct nsrt_err *err)
{
  return nsrt_fail_at(err, "spec", ENOMEM, path, "out of memory");
}

static void strv_free(char **v)
{
  if (!v)
    return;
  for (char **s = v; *s; s++)
    free(*s);
  free(v);
}

/* An optional array of strings into a NULL-terminated vector; an empty array
 * is the same as none. */
static int parse_strings(const json_t *obj, const char *base, const char *key, char ***out,
                         struct nsrt_err *err)
{
  char path[NSRT_ERR_STEP_MAX];
  const json_t *arr = json_object_get(obj, key);
  snprintf(path, sizeof(path), "%s.%s", base, key);
  if (!arr || json_is_null(arr))
    return 0;
  if (!json_is_array(arr))
    return type_error(arr, path, "an array of strings", err);
  size_t n = json_array_size(arr);
  if (n == 0)
    return 0;
  *out = calloc(n + 1, sizeof(char *));
  if (!*out)
    return out_of_memory(path, err);
  for (size_t i = 0; i < n; i++) {
    const json_t *s = json_array_get(arr, i);
    char item[NSRT_ERR_STEP_MAX];
    snprintf(item, sizeof(item), "%s[%zu]", path, i);
    if (!json_is_string(s))
      return type_error(s, item, "a string", err);
    (*out)[i] = strdup(json_string_value(s));
    if (!(*out)[i])
      return out_of_memory(item, err);
  }
  return 0;
}

static int parse_hook(const json_t *v, const char *base, struct hook_plan *h, struct nsrt_err *err)
{
  char path[NSRT_ERR_STEP_MAX];
  if (!json_is_object(v))
    return type_error(v, base, "an object", err);
  const json_t *p = json_object_get(v, "path");
  snprintf(path, sizeof(path), "%s.path", base);
  if (!p || json_is_null(p))
    return nsrt_fail_at(err, "spec", 0, path, "required field is missing");
  if (!json_is_string(p))
    return type_error(p, path, "a string", err);
  if (json_string_value(p)[0] != '/')
    return nsrt_fail_at(err, "spec", 0, path, "\"%s\" is not an absolute path",
                        json_string_value(p));
  h->path = strdup(json_string_value(p));
  if (!h->path)
    return out_of_memory(path, err);
  if (parse_strings(v, base, "args", &h->args, err) < 0 ||
      parse_strings(v, base, "env", &h->env, err) < 0)
    return -1;
  const json_t *t = json_object_get(v, "timeout");
  snprintf(path, sizeof(path), "%s.timeout", base);
  if (!t || json_is_null(t))
    return 0;
  if (!json_is_integer(t))
    return type_error(t, path, "an integer", err);
  if (json_integer_value(t) <= 0)
    return nsrt_fail_at(err, "spec", 0, path,
                        "%" JSON_INTEGER_FORMAT " is not a number of seconds greater than zero",
                        json_integer_value(t));
  /* The deadline is computed in milliseconds. */
  if (json_integer_value(t) > INT_MAX / 1000)
    return nsrt_fail_at(err, "spec", 0, path, "%" JSON_INTEGER_FORMAT " seconds is above %d",
                        json_integer_value(t), INT_MAX / 1000);
  h->timeout = (int)json_integer_value(t);
  return 0;
}

int hooks_parse(const void *json_hooks, struct hooks_plan *out, struct nsrt_err *err)
{
  const json_t *hooks = json_hooks;
  memset(out, 0, sizeof(*out));
  if (!hooks || json_is_null(hooks))
    return 0;
  if (!json_is_object(hooks))
    return type_error(hooks, "hooks", "an object", err);
  for (size_t k = 0; k < ARRAY_SIZE(hook_kinds); k++) {
    char base[NSRT_ERR_STEP_MAX];
    const json_t *arr = json_object_get(hooks, hook_kinds[k].name);
    struct hook_list *l = list_of(out, k);
    snprintf(base, sizeof(base), "hooks.%s", hook_kinds[k].name);
    if (!arr || json_is_null(arr))
      continue;
    if (!json_is_array(arr)) {
      type_error(arr, base, "an array", err);
      goto fail;
    }
    l->v = calloc(json_array_size(arr) + 1, sizeof(*l->v));
    if (!l->v) {
      out_of_memory(base, err);
      goto fail;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
      char item[NSRT_ERR_STEP_MAX];
      snprintf(item, sizeof(item), "%s[%zu]", base, i);
      l->n++;
      if (parse_hook(json_array_get(arr, i), item, &l->v[i], err) < 0)
        goto fail;
    }
  }
  return 0;
fail:
  hooks_free(out);
  return -1;
}

void hooks_free(struct hooks_plan *h)
{
  if (!h)
    return;
  for (size_t k = 0; k < ARRAY_SIZE(hook_kinds); k++) {
    struct hook_list *l = list_of(h, k);
    for (size_t i = 0; l->v && i < l->n; i++) {
      free(l->v[i].path);
      strv_free(l->v[i].args);
      strv_free(l->v[i].env);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
  }
}

/* ---- running ---- */

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when fd is readable (or hung up) before the deadline, 0 at the deadline,
 * -1 with errno on a poll error. */
static int wait_readable(int fd, int64_t deadline)
{
  for (;;) {
    int64_t left = deadline - now_ms();
    if (left <= 0)
      return 0;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (r < 0 && errno == EINTR)
      continue;
    if (r != 0)
      return r < 0 ? -1 : 1;
  }
}

static int reap(pid_t pid, int *status)
{
  pid_t r;
  do
    r = waitpid(pid, status, 0);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

/* Wait until pid exits (1, reaped, status filled) or the deadline (0); -1 on
 * error.  Without a pidfd (ENOSYS: old kernels, valgrind) poll waitpid. */
static int wait_exit(pid_t pid, int pidfd, int64_t deadline, int *status)
{
  if (pidfd >= 0) {
    int r = wait_readable(pidfd, deadline);
    if (r <= 0)
      return r;
    return reap(pid, status) < 0 ? -1 : 1;
  }
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid)
      return 1;
    if (r < 0 && errno != EINTR)
      return -1;
    if (now_ms() >= deadline)
      return 0;
    struct timespec tick = {.tv_nsec = 10 * 1000000};
    nanosleep(&tick, NULL);
  }
}

/* The hook leads its own process group, so what it started dies with it. */
static void kill_and_reap(pid_t pid)
{
  int status;
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
  reap(pid, &status);
}

/* In the forked child: the state on stdin, default signal handling (the
 * runtime may ignore SIGPIPE or block signals; a hook should not inherit
 * that), then exec.  On failure the errno goes to the parent through the
 * close-on-exec report pipe; nothing is written to stdout or stderr. */
static void __attribute__((noreturn))
exec_hook(const struct hook_plan *h, int state_fd, int report_fd)
{
  sigset_t none;
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  char *default_argv[] = {h->path, NULL};
  char *empty_env[] = {NULL};
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction(sig, &dfl, NULL);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  setpgid(0, 0);
  int ok = state_fd == 0 ? fcntl(0, F_SETFD, 0) : dup2(state_fd, 0);
  if (ok >= 0)
    execve(h->path, h->args ? h->args : default_argv, h->env ? h->env : empty_env);
  int e = errno;
  ssize_t w = write(report_fd, &e, sizeof(e));
  (void)w;
  _exit(127);
}

static int describe_status(int status, const char *name, const char *path, struct nsrt_err *err)
{
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (WIFEXITED(status))
    return nsrt_fail(err, 0, "hook", "hook %s %s exited with status %d", name, path,
                     WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return nsrt_fail(err, 0, "hook", "hook %s %s killed by signal %d (SIG%s)", name, path,
                     WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ?: "?");
  return nsrt_fail(err, 0, "hook", "hook %s %s ended with wait status %#x", name, path, status);
}

static int run_hook(const struct hook_plan *h, const char *name, int state_fd, struct nsrt_err *err)
{
  struct stat st;
  int report[2], status;
  int timeout = h->timeout > 0 ? h->timeout : HOOK_DEFAULT_TIMEOUT_S;
  /* Checked before forking so "not found" is reported with its errno
   * instead of an exit status. */
  if (stat(h->path, &st) < 0)
    return nsrt_fail(err, errno, "hook", "hook %s %s", name, h->path);
  if (!S_ISREG(st.st_mode))
    return nsrt_fail(err, EACCES, "hook", "hook %s %s is not a regular file", name, h->path);
  if (access(h->path, X_OK) < 0)
    return nsrt_fail(err, errno, "hook", "hook %s %s is not executable", name, h->path);
  if (lseek(state_fd, 0, SEEK_SET) < 0)
    return nsrt_fail(err, errno, "hook", "rewind the state for hook %s", name);
  if (pipe2(report, O_CLOEXEC) < 0)
    return nsrt_fail(err, errno, "hook", "pipe for hook %s", name);
  cleanup_close int report_rd = report[0];
  cleanup_close int report_wr = report[1];

  int64_t deadline = now_ms() + (int64_t)timeout * 1000;
  pid_t pid = -1;
  if (FP_CLONE_FAILS("hooks.fork") || (pid = fork()) < 0)
    return nsrt_fail(err, errno, "hook", "fork for hook %s %s", name, h->path);
  if (pid == 0)
    exec_hook(h, state_fd, report_wr);
  close(take_fd(&report_wr));
  /* Also from this side, so a kill of the group cannot miss a child that has
   * not run setpgid yet. */
  setpgid(pid, pid);

  cleanup_close int pidfd = -1;
  if (FP_FAILS("hooks.pidfd_open") || (pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
    int e = errno;
    if (e != ENOSYS) {
      kill_and_reap(pid);
      return nsrt_fail(err, e, "hook", "pidfd_open for hook %s %s", name, h->path);
    }
  }

  /* The report pipe reaches EOF at a successful exec, or carries its errno. */
  int r = wait_readable(report_rd, deadline);
  if (r > 0) {
    int exec_errno = 0;
    ssize_t n;
    do
      n = read(report_rd, &exec_errno, sizeof(exec_errno));
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof(exec_errno)) {
      reap(pid, &status);
      return nsrt_fail(err, exec_errno, "hook", "hook %s %s: exec failed", name, h->path);
    }
    r = wait_exit(pid, pidfd, deadline, &status);
  }
  if (r < 0) {
    int e = errno;
    kill_and_reap(pid);
    return nsrt_fail(err, e, "hook", "wait for hook %s %s", name, h->path);
  }
  if (r == 0) {
    kill_and_reap(pid);
    return nsrt_fail(err, ETIMEDOUT, "hook", "hook %s %s timed out after %d s", name, h->path,
                     timeout);
  }
  return describe_status(status, name, h->path, err);
}

static int write_all(int fd, const char *buf, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

int hooks_run(const struct hook_list *l, const char *which, const char *state_json,
              struct nsrt_err *err)
{
  if (!l || l->n == 0)
    return 0;
  /* The state goes through a memfd rather than a pipe: the writer cannot
   * block on, or get SIGPIPE from, a hook that never reads its stdin. */
  cleanup_close int state_fd = -1;
  if (FP_FAILS("hooks.memfd") || (state_fd = memfd_create("nsrt-hook-state", MFD_CLOEXEC)) < 0)
    return nsrt_fail(err, errno, "hook", "memfd for the state of the %s hooks", which);
  if (state_json && write_all(state_fd, state_json, strlen(state_json)) < 0)
    return nsrt_fail(err, errno, "hook", "write the state for the %s hooks", which);
  for (size_t i = 0; i < l->n; i++) {
    char name[64];
    snprintf(name, sizeof(name), "%s[%zu]", which, i);
    if (run_hook(&l->v[i], name, state_fd, err) < 0)
      return -1;
  }
  return 0;
}

void hooks_run_warn(const struct hook_list *l, const char *which, const char *state_json)
{
  for (size_t i = 0; i < l->n; i++) {
    struct hook_list one = {.v = &l->v[i], .n = 1};
    struct nsrt_err herr;
    nsrt_err_clear(&herr);
    if (hooks_run(&one, which, state_json, &herr) < 0) {
      char line[NSRT_ERR_STAGE_MAX + NSRT_ERR_STEP_MAX + NSRT_ERR_TEXT_MAX + 64];
      nsrt_err_format(&herr, line, sizeof(line));
      nsrt_log(NSRT_LOG_WARN, "%s hook %zu (%s) failed: %s", which, i, l->v[i].path, line);
    }
  }
}
