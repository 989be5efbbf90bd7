/* Integration test helpers: see itest.h. */
#include "itest.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

#define MAX_EXTRA_ENV 32
#define MAX_OWNED     64
#define MAX_ARGS      64

struct env_var {
  char *name;
  char *value; /* NULL: remove from nsrt's environment */
};

/* Per test: criterion runs every test in a fresh worker process, so these
 * start zeroed and itest_setup fills them. */
static char g_root[PATH_MAX];
static char g_bundle[PATH_MAX];
static char g_bin[PATH_MAX];
static char g_rootfs[PATH_MAX];
static struct env_var g_env[MAX_EXTRA_ENV];
static size_t g_n_env;
static pid_t g_owned[MAX_OWNED];
static size_t g_n_owned;
static unsigned g_id_counter;
/* Output buffers of itest_nsrt*: kept until teardown so a result can be read
 * at any point of the test without the test freeing it. */
static void **g_allocs;
static size_t g_n_allocs;

static void *keep(void *p)
{
  cr_assert_not_null(p, "out of memory");
  void **n = realloc(g_allocs, (g_n_allocs + 1) * sizeof(*n));
  cr_assert_not_null(n, "out of memory");
  g_allocs = n;
  g_allocs[g_n_allocs++] = p;
  return p;
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int pidfd_open_pid(pid_t pid)
{
  return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int decode_status(int st)
{
  if (WIFEXITED(st))
    return WEXITSTATUS(st);
  if (WIFSIGNALED(st))
    return 128 + WTERMSIG(st);
  return -1;
}

/* ---- setup and paths ---------------------------------------------------- */

static void resolve_paths(void)
{
  char srcdir[PATH_MAX];
  const char *env_src = getenv("NSRT_SRCDIR");
  if (env_src && *env_src)
    snprintf(srcdir, sizeof(srcdir), "%s", env_src);
  else if (!getcwd(srcdir, sizeof(srcdir)))
    snprintf(srcdir, sizeof(srcdir), ".");

  const char *bin = getenv("NSRT_BIN");
  if (bin && *bin)
    snprintf(g_bin, sizeof(g_bin), "%s", bin);
  else
    snprintf(g_bin, sizeof(g_bin), "%s/build/bin/nsrt", srcdir);

  char rootfs[PATH_MAX];
  const char *env_rootfs = getenv("NSRT_ROOTFS");
  if (env_rootfs && *env_rootfs)
    snprintf(rootfs, sizeof(rootfs), "%s", env_rootfs);
  else
    snprintf(rootfs, sizeof(rootfs), "%s/build/rootfs", srcdir);
  /* The config needs an absolute root.path; keep the name if it does not
   * exist yet, itest_config reports that. */
  if (!realpath(rootfs, g_rootfs))
    snprintf(g_rootfs, sizeof(g_rootfs), "%s", rootfs);
}

void itest_setup(void)
{
  /* Container inits outlive `nsrt create`; they must come back to us. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    cr_log_error("itest: PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
  resolve_paths();
  snprintf(g_root, sizeof(g_root), "/tmp/nsrt-itest-XXXXXX");
  if (!mkdtemp(g_root)) {
    cr_log_error("itest: mkdtemp %s: %s", g_root, strerror(errno));
    g_root[0] = '\0';
    return;
  }
  snprintf(g_bundle, sizeof(g_bundle), "%s/bundle", g_root);
  if (mkdir(g_bundle, 0755) < 0)
    cr_log_error("itest: mkdir %s: %s", g_bundle, strerror(errno));
  itest_clearenv();
  g_n_owned = 0;
}

const char *itest_root(void)
{
  return g_root;
}

const char *itest_bundle_dir(void)
{
  return g_bundle;
}

const char *itest_nsrt_bin(void)
{
  return g_bin;
}

const char *itest_rootfs(void)
{
  return g_rootfs;
}

const char *itest_id(void)
{
  static char ids[16][32];
  char *id = ids[g_id_counter % 16];
  snprintf(id, sizeof(ids[0]), "t%d-%u", (int)getpid(), g_id_counter++);
  return id;
}

/* ---- config and bundle ---------------------------------------------------- */

json_t *itest_config(void)
{
  struct stat st;
  cr_assert(stat(g_rootfs, &st) == 0 && S_ISDIR(st.st_mode),
            "rootfs %s is missing: run `make rootfs` (or set NSRT_ROOTFS)", g_rootfs);
  json_error_t jerr;
  json_t *caps = json_pack("[sss]", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
  json_t *config = json_pack_ex(
      &jerr, 0,
      "{s:s, s:{s:s, s:b}, s:{s:b, s:{s:i, s:i}, s:[s], s:[s], s:s,"
      " s:{s:O, s:O, s:O}, s:b},"
      " s:[{s:s, s:s, s:s},"
      "    {s:s, s:s, s:s, s:[ssss]},"
      "    {s:s, s:s, s:s, s:[ssssss]},"
      "    {s:s, s:s, s:s, s:[sssss]},"
      "    {s:s, s:s, s:s, s:[sss]},"
      "    {s:s, s:s, s:s, s:[ssss]}],"
      " s:{s:[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}]}}",
      "ociVersion", "1.3.0", "root", "path", g_rootfs, "readonly", 1, "process", "terminal", 0,
      "user", "uid", 0, "gid", 0, "args", "/bin/true", "env",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "cwd", "/",
      "capabilities", "bounding", caps, "effective", caps, "permitted", caps, "noNewPrivileges", 1,
      "mounts", "destination", "/proc", "type", "proc", "source", "proc", "destination", "/dev",
      "type", "tmpfs", "source", "tmpfs", "options", "nosuid", "strictatime", "mode=755",
      "size=65536k", "destination", "/dev/pts", "type", "devpts", "source", "devpts", "options",
      "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", "destination",
      "/dev/shm", "type", "tmpfs", "source", "shm", "options", "nosuid", "noexec", "nodev",
      "mode=1777", "size=65536k", "destination", "/dev/mqueue", "type", "mqueue", "source",
      "mqueue", "options", "nosuid", "noexec", "nodev", "destination", "/sys", "type", "sysfs",
      "source", "sysfs", "options", "nosuid", "noexec", "nodev", "ro", "linux", "namespaces",
      "type", "pid", "type", "ipc", "type", "uts", "type", "mount", "type", "network");
  json_decref(caps);
  cr_assert_not_null(config, "itest_config: json_pack: %s", jerr.text);
  return config;
}

const char *itest_bundle(json_t *config)
{
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/config.json", g_bundle);
  cr_assert_eq(json_dump_file(config, path, JSON_INDENT(2)), 0, "cannot write %s: %s", path,
               strerror(errno));
  return g_bundle;
}

/* ---- environment for nsrt ------------------------------------------------- */

void itest_setenv(const char *name, const char *value)
{
  for (size_t i = 0; i < g_n_env; i++) {
    if (strcmp(g_env[i].name, name) == 0) {
      free(g_env[i].value);
      g_env[i].value = value ? strdup(value) : NULL;
      return;
    }
  }
  cr_assert_lt(g_n_env, (size_t)MAX_EXTRA_ENV, "itest_setenv: more than %d variables",
               MAX_EXTRA_ENV);
  g_env[g_n_env].name = strdup(name);
  g_env[g_n_env].value = value ? strdup(value) : NULL;
  g_n_env++;
}

void itest_clearenv(void)
{
  for (size_t i = 0; i < g_n_env; i++) {
    free(g_env[i].name);
    free(g_env[i].value);
  }
  g_n_env = 0;
}

static bool env_overridden(const char *entry)
{
  for (size_t i = 0; i < g_n_env; i++) {
    size_t n = strlen(g_env[i].name);
    if (strncmp(entry, g_env[i].name, n) == 0 && entry[n] == '=')
      return true;
  }
  return false;
}

/* The environment nsrt gets: ours, with the test's additions.  Built before
 * fork: the test process has threads, so the child may only exec. */
static char **build_envp(void)
{
  size_t n = 0;
  while (environ[n])
    n++;
  char **envp = keep(calloc(n + g_n_env + 1, sizeof(char *)));
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!env_overridden(environ[i]))
      envp[k++] = environ[i];
  for (size_t i = 0; i < g_n_env; i++) {
    if (!g_env[i].value)
      continue;
    char *e = NULL;
    cr_assert_geq(asprintf(&e, "%s=%s", g_env[i].name, g_env[i].value), 0, "out of memory");
    envp[k++] = keep(e);
  }
  envp[k] = NULL;
  return envp;
}

/* ---- running nsrt ------------------------------------------------------- */

struct capture {
  int fd;
  char *buf;
  size_t len;
  bool eof;
};

/* Read what is available; returns false on EOF or error. */
static bool capture_read(struct capture *c)
{
  char chunk[8192];
  for (;;) {
    ssize_t n = read(c->fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return true;
    if (n <= 0) {
      c->eof = true;
      return false;
    }
    size_t room = ITEST_OUTPUT_MAX - c->len;
    size_t take = (size_t)n < room ? (size_t)n : room;
    memcpy(c->buf + c->len, chunk, take); /* past the cap the rest is dropped */
    c->len += take;
  }
}

static void kill_group_and_reap(pid_t pid, int pidfd)
{
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
  struct pollfd p = {.fd = pidfd, .events = POLLIN};
  while (poll(&p, 1, ITEST_KILL_WAIT_MS) < 0 && errno == EINTR)
    ;
}

int itest_nsrt_argv(struct itest_result *r, int timeout_ms, char *const args[])
{
  memset(r, 0, sizeof(*r));
  r->status = -1;
  r->out = keep(calloc(1, ITEST_OUTPUT_MAX + 1));
  r->err = keep(calloc(1, ITEST_OUTPUT_MAX + 1));
  cr_assert(r->out && r->err, "out of memory");
  cr_assert(g_root[0], "itest_setup did not create a state root");
  cr_assert_eq(access(g_bin, X_OK), 0, "nsrt binary %s: %s (run make, or set NSRT_BIN)", g_bin,
               strerror(errno));

  char *argv[MAX_ARGS + 4];
  size_t argc = 0;
  argv[argc++] = g_bin;
  argv[argc++] = "--root";
  argv[argc++] = g_root;
  for (size_t i = 0; args[i]; i++) {
    cr_assert_lt(i, (size_t)MAX_ARGS, "itest_nsrt: more than %d arguments", MAX_ARGS);
    argv[argc++] = args[i];
  }
  argv[argc] = NULL;
  char **envp = build_envp();

  size_t cmd_len = 1;
  for (size_t i = 0; i < argc; i++)
    cmd_len += strlen(argv[i]) + 1;
  r->cmdline = keep(calloc(1, cmd_len));
  for (size_t i = 0; i < argc; i++) {
    strcat(r->cmdline, argv[i]);
    if (i + 1 < argc)
      strcat(r->cmdline, " ");
  }

  int out_pipe[2], err_pipe[2];
  cr_assert_eq(pipe2(out_pipe, O_CLOEXEC), 0, "pipe2: %s", strerror(errno));
  cr_assert_eq(pipe2(err_pipe, O_CLOEXEC), 0, "pipe2: %s", strerror(errno));
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  cr_assert_geq(devnull, 0, "open /dev/null: %s", strerror(errno));
  pid_t parent = getpid();

  pid_t pid = fork();
  if (pid == 0) {
    /* Own process group, so a time-out kills nsrt and all its stages. */
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
      _exit(127);
    if (dup2(devnull, 0) < 0 || dup2(out_pipe[1], 1) < 0 || dup2(err_pipe[1], 2) < 0)
      _exit(127);
    /* The test runner's own fds are not all CLOEXEC; nsrt must not get them. */
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(g_bin, argv, envp);
    static const char msg[] = "itest: execve of nsrt failed\n";
    ssize_t ignored = write(2, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(127);
  }
  int fork_errno = errno;
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(devnull);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    cr_assert_fail("fork: %s", strerror(fork_errno));
  }
  setpgid(pid, pid); /* also here: no window where a kill(-pid) misses */
  int pidfd = pidfd_open_pid(pid);
  cr_assert_geq(pidfd, 0, "pidfd_open %d: %s", (int)pid, strerror(errno));

  struct capture cap[2] = {{.fd = out_pipe[0], .buf = r->out}, {.fd = err_pipe[0], .buf = r->err}};
  for (int i = 0; i < 2; i++)
    fcntl(cap[i].fd, F_SETFL, fcntl(cap[i].fd, F_GETFL) | O_NONBLOCK);

  long long deadline = now_ms() + timeout_ms;
  bool exited = false;
  while (!exited) {
    long long left = deadline - now_ms();
    if (left <= 0) {
      r->timed_out = true;
      break;
    }
    struct pollfd p[3] = {{.fd = pidfd, .events = POLLIN},
                          {.fd = cap[0].eof ? -1 : cap[0].fd, .events = POLLIN},
                          {.fd = cap[1].eof ? -1 : cap[1].fd, .events = POLLIN}};
    int n = poll(p, 3, (int)left);
    if (n < 0 && errno == EINTR)
      continue;
    cr_assert_geq(n, 0, "poll: %s", strerror(errno));
    for (int i = 0; i < 2; i++)
      if (p[i + 1].revents)
        capture_read(&cap[i]);
    if (p[0].revents)
      exited = true;
  }
  if (r->timed_out)
    kill_group_and_reap(pid, pidfd);
  /* nsrt has exited: what it wrote is in the pipes.  Do not wait for EOF:
   * a container's init may hold the write ends. */
  for (int i = 0; i < 2; i++) {
    if (!cap[i].eof)
      capture_read(&cap[i]);
    close(cap[i].fd);
  }
  r->out_len = cap[0].len;
  r->err_len = cap[1].len;
  r->out[r->out_len] = '\0';
  r->err[r->err_len] = '\0';

  int st;
  pid_t w;
  while ((w = waitpid(pid, &st, WNOHANG)) < 0 && errno == EINTR)
    ;
  close(pidfd);
  if (w == pid)
    r->status = decode_status(st);
  else
    cr_log_error("itest: %s: pid %d did not exit after SIGKILL", r->cmdline, (int)pid);
  if (r->timed_out)
    cr_log_warn("itest: `%s` timed out after %d ms; killed its process group", r->cmdline,
                timeout_ms);
  return r->status;
}

int itest_nsrtv(struct itest_result *r, int timeout_ms, ...)
{
  char *args[MAX_ARGS + 1];
  size_t n = 0;
  va_list ap;
  va_start(ap, timeout_ms);
  for (char *a; (a = va_arg(ap, char *));) {
    if (n == MAX_ARGS) {
      va_end(ap);
      cr_assert_fail("itest_nsrtv: more than %d arguments", MAX_ARGS);
    }
    args[n++] = a;
  }
  va_end(ap);
  args[n] = NULL;
  return itest_nsrt_argv(r, timeout_ms, args);
}

int itest_nsrt(struct itest_result *r, int timeout_ms, const char *fmt, ...)
{
  char *line = NULL;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&line, fmt, ap);
  va_end(ap);
  cr_assert_geq(n, 0, "out of memory");
  keep(line);
  char *args[MAX_ARGS + 1];
  size_t k = 0;
  char *save = NULL;
  for (char *tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
    cr_assert_lt(k, (size_t)MAX_ARGS, "itest_nsrt: more than %d arguments", MAX_ARGS);
    args[k++] = tok;
  }
  args[k] = NULL;
  return itest_nsrt_argv(r, timeout_ms, args);
}

json_t *itest_state(const char *id, struct itest_result *r)
{
  struct itest_result local;
  if (!r)
    r = &local;
  if (itest_nsrtv(r, 10000, "state", id, NULL) != 0)
    return NULL;
  json_error_t jerr;
  json_t *state = json_loads(r->out, 0, &jerr);
  cr_assert_not_null(state, "`%s` printed invalid JSON (%s): %s", r->cmdline, jerr.text, r->out);
  return state;
}

/* ---- processes and files ---------------------------------------------- */

void itest_own_pid(pid_t pid)
{
  cr_assert_lt(g_n_owned, (size_t)MAX_OWNED, "itest_own_pid: too many");
  g_owned[g_n_owned++] = pid;
}

void itest_disown_pid(pid_t pid)
{
  for (size_t i = 0; i < g_n_owned; i++) {
    if (g_owned[i] == pid) {
      g_owned[i] = g_owned[--g_n_owned];
      return;
    }
  }
}

bool itest_owns_pid(pid_t pid)
{
  for (size_t i = 0; i < g_n_owned; i++)
    if (g_owned[i] == pid)
      return true;
  return false;
}

int itest_wait_pid(pid_t pid, int timeout_ms, int *status)
{
  if (status)
    *status = -1;
  int pidfd = pidfd_open_pid(pid);
  if (pidfd < 0 && errno != ESRCH)
    return -1;
  if (pidfd >= 0) {
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
      long long left = deadline - now_ms();
      struct pollfd p = {.fd = pidfd, .events = POLLIN};
      int n = poll(&p, 1, left > 0 ? (int)left : 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        int e = n == 0 ? ETIMEDOUT : errno;
        close(pidfd);
        errno = e;
        return -1;
      }
      break;
    }
    close(pidfd);
  }
  int st;
  pid_t w;
  while ((w = waitpid(pid, &st, WNOHANG)) < 0 && errno == EINTR)
    ;
  if (w == pid) {
    itest_disown_pid(pid);
    if (status)
      *status = decode_status(st);
  }
  return 0;
}

int itest_run_logged(int timeout_s, const char *log, const char *const argv[])
{
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
      _exit(125);
    setpgid(0, 0);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  setpgid(pid, pid); /* also here: no window where a kill(-pid) misses */
  itest_own_pid(pid);
  int status = 0;
  if (itest_wait_pid(pid, timeout_s * 1000, &status) < 0) {
    kill(-pid, SIGKILL);
    itest_wait_pid(pid, ITEST_KILL_WAIT_MS, &status);
    cr_assert_fail("%s%s%s did not finish in %d s; log %s", argv[0], argv[1] ? " " : "",
                   argv[1] ? argv[1] : "", timeout_s, log);
  }
  return status;
}

char *itest_read_file(const char *path, size_t *len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap + 1);
  while (buf) {
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      int e = errno;
      free(buf);
      close(fd);
      errno = e;
      return NULL;
    }
    if (got == 0)
      break;
    n += (size_t)got;
    if (n == cap) {
      cap *= 2;
      char *bigger = realloc(buf, cap + 1);
      if (!bigger)
        free(buf);
      buf = bigger;
    }
  }
  close(fd);
  if (!buf) {
    errno = ENOMEM;
    return NULL;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}
/* ---- teardown ------------------------------------------------------------ */

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
  int ret = (type == FTW_DP || type == FTW_D || type == FTW_DNR) ? rmdir(path) : unlink(path);
  if (ret < 0)
    cr_log_error("itest: remove %s: %s", path, strerror(errno));
  return 0;
}

void itest_teardown(void)
{
  static char report[ITEST_REPORT_MAX];
  /* The test is over: whatever it still owns goes too. */
  int n = itest_kill_strays(true, report, sizeof(report));
  if (n > 0)
    cr_log_warn("itest: teardown killed or reaped %d process(es):\n%s", n, report);
  g_n_owned = 0;

  if (g_root[0]) {
    n = itest_mounts_under(g_root, report, sizeof(report));
    if (n > 0) {
      cr_log_error("itest: not removing %s: mounted under it:\n%s", g_root, report);
    } else {
      /* FTW_MOUNT: never cross into a file system mounted meanwhile. */
      nftw(g_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    }
    g_root[0] = '\0';
  }

  itest_clearenv();
  for (size_t i = 0; i < g_n_allocs; i++)
    free(g_allocs[i]);
  free(g_allocs);
  g_allocs = NULL;
  g_n_allocs = 0;
}

int itest_nsconform_va(int timeout_s, const char *log_path, va_list args)
{
  const char *argv[40];
  int n = 0;
  const char *bin = getenv("NSCONFORM_BIN");
  argv[n++] = bin ? bin : "build/bin/nsconform";
  const char *a;
  while ((a = va_arg(args, const char *)) && n < 39)
    argv[n++] = a;
  argv[n] = NULL;
  return itest_run_logged(timeout_s, log_path, argv);
}

int itest_nsconform(int timeout_s, const char *log_name, ...)
{
  char log[PATH_MAX];
  snprintf(log, sizeof(log), "%s/%s", itest_bundle_dir(), log_name);
  va_list ap;
  va_start(ap, log_name);
  int status = itest_nsconform_va(timeout_s, log, ap);
  va_end(ap);
  return status;
}

char *itest_log_text(const char *name)
{
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/%s", itest_bundle_dir(), name);
  char *t = itest_read_file(path, NULL);
  return t ? t : strdup("(no log)");
}

json_t *itest_load_results(const char *dir)
{
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/results.json", dir);
  json_error_t jerr;
  json_t *doc = json_load_file(path, 0, &jerr);
  cr_assert_not_null(doc, "%s: %s", path, jerr.text);
  return doc;
}
