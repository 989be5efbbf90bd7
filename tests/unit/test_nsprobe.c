/* nsprobe: run the built probe on the host (path in NSPROBE_BIN, else
 * build/bin/nsprobe under the cwd), parse its JSON and compare it with what
 * the test knows of the probe process: its own values, values it set in the
 * child before exec, and /proc/PID seen from outside while the probe waits. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define TIMEOUT_MS 10000
#define OUT_MAX    (4 << 20)

extern char **environ;

/* Paths a test created, removed (last first) after it, pass or fail. */
static char cleanup_paths[4][PATH_MAX];
static int n_cleanup;

static const char *remember(const char *path)
{
  cr_assert_lt(n_cleanup, 4);
  snprintf(cleanup_paths[n_cleanup++], PATH_MAX, "%s", path);
  return path;
}

static void remove_remembered(void)
{
  while (n_cleanup > 0)
    remove(cleanup_paths[--n_cleanup]);
}

TestSuite(nsprobe, .fini = remove_remembered, .timeout = 60);

/* ---- running the probe --------------------------------------------------- */

static const char *probe_bin(void)
{
  static char path[PATH_MAX];
  const char *env = getenv("NSPROBE_BIN");
  const char *given = env && *env ? env : "build/bin/nsprobe";
  /* Absolute: some children chdir before exec. */
  cr_assert(realpath(given, path) && access(path, X_OK) == 0,
            "nsprobe binary %s: %s (build it, or set NSPROBE_BIN; run from the repo root)", given,
            strerror(errno));
  return path;
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What a child does between fork and exec; on failure it writes why on
 * stderr and exits 127, which the test reports. */
typedef void (*child_setup)(void *ctx);

static void child_die(const char *what)
{
  dprintf(2, "test child: %s: %s\n", what, strerror(errno));
  _exit(127);
}

struct probe {
  pid_t pid;  /* our child: the probe, or with pid_ns the parent of the probe */
  int out_fd; /* read ends */
  int err_fd;
  int status; /* exit code or 128+signal after probe_finish */
  char *out;  /* stdout, NUL-terminated, malloc'd */
  char *err;  /* stderr */
  size_t out_len;
  size_t err_len;
};

struct spawn_opts {
  child_setup setup;
  void *ctx;
  char *const *envp; /* NULL: the test's environment */
  bool pid_ns;       /* run the probe as pid 1 of a new pid namespace */
};

static void exec_probe(const char *bin, char *const argv[], char *const envp[])
{
  execve(bin, argv, envp ? envp : environ);
  child_die("execve");
}

/* argv[0] is filled in; args is NULL-terminated. */
static void probe_spawn(struct probe *p, const char *const *args, const struct spawn_opts *o)
{
  const char *bin = probe_bin();
  char *argv[16];
  size_t n = 0;
  argv[n++] = (char *)bin;
  for (; args && *args && n < 15; args++)
    argv[n++] = (char *)*args;
  argv[n] = NULL;

  int out[2], err[2];
  cr_assert_eq(pipe2(out, O_CLOEXEC), 0, "pipe2: %s", strerror(errno));
  cr_assert_eq(pipe2(err, O_CLOEXEC), 0, "pipe2: %s", strerror(errno));
  memset(p, 0, sizeof(*p));
  p->pid = fork();
  cr_assert_geq(p->pid, 0, "fork: %s", strerror(errno));
  if (p->pid == 0) {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
      child_die("stdio");
    /* Nothing of the test runner may reach the probe: its fd list is checked. */
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
      child_die("close_range");
    if (o && o->setup)
      o->setup(o->ctx);
    if (o && o->pid_ns) {
      if (unshare(CLONE_NEWPID) < 0)
        child_die("unshare(CLONE_NEWPID)");
      pid_t init = fork();
      if (init < 0)
        child_die("fork");
      if (init == 0) {
        /* Should this parent be killed, the probe goes too. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
          child_die("PR_SET_PDEATHSIG");
        exec_probe(bin, argv, o->envp);
      }
      int st;
      while (waitpid(init, &st, 0) < 0)
        if (errno != EINTR)
          child_die("waitpid");
      _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    exec_probe(bin, argv, o ? o->envp : NULL);
  }
  close(out[1]);
  close(err[1]);
  p->out_fd = out[0];
  p->err_fd = err[0];
  /* One probe at a time per test; static, so a failed assertion leaks nothing. */
  static char out_buf[OUT_MAX], err_buf[OUT_MAX];
  p->out = out_buf;
  p->err = err_buf;
  out_buf[0] = err_buf[0] = '\0';
}

static void kill_and_reap(pid_t pid)
{
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0); /* SIGKILL cannot be ignored: bounded */
}

/* Read from the probe's stdout and stderr until stdout reaches EOF (or holds
 * a newline, with until_newline) or timeout_ms passes (then the probe is
 * killed and the test fails). */
static void probe_read(struct probe *p, bool until_newline, int timeout_ms)
{
  long long deadline = now_ms() + timeout_ms;
  bool out_open = p->out_fd >= 0, err_open = p->err_fd >= 0;
  while (out_open) {
    if (until_newline && memchr(p->out, '\n', p->out_len))
      return;
    long long left = deadline - now_ms();
    if (left <= 0) {
      kill_and_reap(p->pid);
      cr_assert_fail("nsprobe gave no complete output in %d ms; stdout: %s\nstderr: %s", timeout_ms,
                     p->out, p->err);
    }
    struct pollfd fds[2] = {{.fd = out_open ? p->out_fd : -1, .events = POLLIN},
                            {.fd = err_open ? p->err_fd : -1, .events = POLLIN}};
    int r = poll(fds, 2, (int)left);
    if (r < 0 && errno == EINTR)
      continue;
    cr_assert_geq(r, 0, "poll: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
      if (!fds[i].revents)
        continue;
      char *buf = i == 0 ? p->out : p->err;
      size_t *len = i == 0 ? &p->out_len : &p->err_len;
      ssize_t got = read(fds[i].fd, buf + *len, OUT_MAX - 1 - *len);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0) {
        if (i == 0)
          out_open = false;
        else
          err_open = false;
        continue;
      }
      *len += (size_t)got;
      buf[*len] = '\0';
    }
  }
}

/* Wait up to timeout_ms for our child; returns exit code or 128+signal, or
 * -1 after killing it when it did not exit in time. */
static int wait_child(pid_t pid, int timeout_ms)
{
  long long deadline = now_ms() + timeout_ms;
  for (;;) {
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid)
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    cr_assert_geq(r, 0, "waitpid: %s", strerror(errno));
    if (now_ms() >= deadline) {
      kill_and_reap(pid);
      return -1;
    }
    usleep(10000);
  }
}

/* Drain stderr (the probe has exited or closed it), reap, close the pipes. */
static void probe_finish(struct probe *p)
{
  p->status = wait_child(p->pid, TIMEOUT_MS);
  cr_assert_neq(p->status, -1, "nsprobe did not exit within %d ms; stdout: %s", TIMEOUT_MS, p->out);
  for (;;) {
    struct pollfd pfd = {.fd = p->err_fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) <= 0)
      break;
    ssize_t got = read(p->err_fd, p->err + p->err_len, OUT_MAX - 1 - p->err_len);
    if (got <= 0)
      break;
    p->err_len += (size_t)got;
    p->err[p->err_len] = '\0';
  }
  close(p->out_fd);
  close(p->err_fd);
  p->out_fd = p->err_fd = -1;
}

static json_t *parse(const struct probe *p)
{
  json_error_t jerr;
  json_t *j = json_loadb(p->out, p->out_len, 0, &jerr);
  cr_assert_not_null(j, "nsprobe printed invalid JSON (%s at %d): %s\nstderr: %s", jerr.text,
                     jerr.position, p->out, p->err);
  cr_assert(json_is_object(j), "nsprobe printed no object: %s", p->out);
  return j;
}

/* Run to completion; asserts the exit status and returns the parsed output. */
static json_t *run_probe(const char *const *args, const struct spawn_opts *o, int want_status)
{
  struct probe p;
  probe_spawn(&p, args, o);
  probe_read(&p, false, TIMEOUT_MS);
  probe_finish(&p);
  cr_assert_eq(p.status, want_status, "nsprobe exited %d, not %d; stderr: %s", p.status,
               want_status, p.err);
  cr_assert_eq(p.err_len, 0, "nsprobe wrote on stderr: %s", p.err);
  json_t *j = parse(&p);
  return j;
}

/* ---- JSON and /proc helpers ---------------------------------------------- */

static json_t *get(json_t *obj, const char *key)
{
  json_t *v = json_object_get(obj, key);
  cr_assert_not_null(v, "no \"%s\" in the probe's output", key);
  return v;
}

static long long get_int(json_t *obj, const char *key)
{
  json_t *v = get(obj, key);
  cr_assert(json_is_integer(v), "\"%s\" is not an integer", key);
  return json_integer_value(v);
}

static const char *get_str(json_t *obj, const char *key)
{
  json_t *v = get(obj, key);
  cr_assert(json_is_string(v), "\"%s\" is not a string", key);
  return json_string_value(v);
}

static void assert_int_array(json_t *arr, const long long *want, size_t n, const char *what)
{
  char *dump = json_dumps(arr, JSON_COMPACT);
  cr_assert(json_is_array(arr) && json_array_size(arr) == n, "%s: %s has not %zu values", what,
            dump, n);
  for (size_t i = 0; i < n; i++) {
    json_t *v = json_array_get(arr, i);
    cr_assert(json_is_integer(v) && json_integer_value(v) == want[i],
              "%s: %s, value %zu is not %lld", what, dump, i, want[i]);
  }
  free(dump);
}

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "re");
  cr_assert_not_null(f, "%s: %s", path, strerror(errno));
  char *buf = calloc(1, OUT_MAX);
  cr_assert_not_null(buf);
  size_t n = fread(buf, 1, OUT_MAX - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

/* The value of "Name:" in /proc/<pid>/status (pid 0: self), in buf. */
static const char *status_value(pid_t pid, const char *name, char *buf, size_t len)
{
  char path[64];
  if (pid)
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  else
    snprintf(path, sizeof(path), "/proc/self/status");
  char *text = slurp(path);
  size_t k = strlen(name);
  const char *found = NULL;
  for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    if (strncmp(l, name, k) == 0 && l[k] == ':') {
      l += k + 1;
      l += strspn(l, " \t");
      snprintf(buf, len, "%.*s", (int)strcspn(l, "\n"), l);
      found = buf;
      break;
    }
  }
  free(text);
  cr_assert_not_null(found, "no %s in %s", name, path);
  return found;
}

static char *trim_newlines(char *s)
{
  size_t n = strlen(s);
  while (n > 0 && s[n - 1] == '\n')
    s[--n] = '\0';
  return s;
}

/* The fds entry for fd, or NULL. */
static json_t *find_fd(json_t *fds, long long fd)
{
  size_t i;
  json_t *e;
  json_array_foreach(fds, i, e)
  {
    if (json_integer_value(json_object_get(e, "fd")) == fd)
      return e;
  }
  return NULL;
}

static const char *const ns_names[] = {
    "user", "pid", "pid_for_children", "mnt",  "uts",
    "ipc",  "net", "cgroup",           "time", "time_for_children",
};

/* ---- ids, groups, names, maps ---------------------------------------------- */

Test(nsprobe, ids_groups_and_host_files_match_the_test)
{
  static const char *const args[] = {NULL};
  json_t *j = run_probe(args, NULL, 0);

  uid_t r, e, s;
  gid_t rg, eg, sg;
  cr_assert_eq(getresuid(&r, &e, &s), 0);
  cr_assert_eq(getresgid(&rg, &eg, &sg), 0);
  /* No set-id bit on the probe: after exec saved = fs = effective. */
  long long want_uid[4] = {r, e, e, e}, want_gid[4] = {rg, eg, eg, eg};
  assert_int_array(get(j, "uid"), want_uid, 4, "uid");
  assert_int_array(get(j, "gid"), want_gid, 4, "gid");

  gid_t groups[256];
  int ng = getgroups(256, groups);
  cr_assert_geq(ng, 0);
  long long want_groups[256];
  for (int i = 0; i < ng; i++)
    want_groups[i] = groups[i];
  assert_int_array(get(j, "groups"), want_groups, (size_t)ng, "groups");

  struct utsname uts;
  cr_assert_eq(uname(&uts), 0);
  cr_assert_str_eq(get_str(j, "hostname"), uts.nodename);
  cr_assert_str_eq(get_str(j, "domainname"), uts.domainname);

  char *cg = trim_newlines(slurp("/proc/self/cgroup"));
  cr_assert_str_eq(get_str(j, "cgroup"), cg);
  free(cg);
  char *sgr = trim_newlines(slurp("/proc/self/setgroups"));
  cr_assert_str_eq(get_str(j, "setgroups"), sgr);
  free(sgr);

  /* The test is in the initial user namespace or in one with a map; either
   * way the probe shares it and reads the same lines. */
  const char *maps[] = {"uid_map", "gid_map"};
  for (int m = 0; m < 2; m++) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/%s", maps[m]);
    char *text = slurp(path);
    json_t *arr = get(j, maps[m]);
    size_t line = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save), line++) {
      long long v[3];
      cr_assert_eq(sscanf(l, "%lld %lld %lld", &v[0], &v[1], &v[2]), 3, "%s: %s", path, l);
      assert_int_array(json_array_get(arr, line), v, 3, maps[m]);
    }
    cr_assert_eq(json_array_size(arr), line, "%s: %zu lines, probe has %zu", path, line,
                 json_array_size(arr));
    free(text);
  }

  cr_assert_eq(get_int(j, "ppid"), getpid(), "the probe's parent is the test");
  cr_assert_gt(get_int(j, "pid"), 0);
  char *oom = slurp("/proc/self/oom_score_adj");
  cr_assert_eq(get_int(j, "oom_score_adj"), atoi(oom));
  free(oom);
  char buf[64];
  cr_assert_eq(get_int(j, "seccomp"), atoi(status_value(0, "Seccomp", buf, sizeof(buf))));
  json_decref(j);
}

struct id_change {
  gid_t groups[3];
};

static void drop_ids(void *ctx)
{
  struct id_change *c = ctx;
  if (setgroups(3, c->groups) < 0)
    child_die("setgroups");
  if (setresgid(1001, 1002, 1003) < 0)
    child_die("setresgid");
  if (setresuid(2001, 2002, 2003) < 0)
    child_die("setresuid");
}

/* Distinct real, effective and saved ids show which value lands where; exec
 * copies the effective id into saved (and fs follows effective). */
Test(nsprobe, distinct_ids_after_setresuid)
{
  struct id_change c = {{7, 1234, 99999}};
  static const char *const args[] = {NULL};
  struct spawn_opts o = {.setup = drop_ids, .ctx = &c};
  json_t *j = run_probe(args, &o, 0);
  long long want_uid[4] = {2001, 2002, 2002, 2002}, want_gid[4] = {1001, 1002, 1002, 1002};
  long long want_groups[3] = {7, 1234, 99999};
  assert_int_array(get(j, "uid"), want_uid, 4, "uid");
  assert_int_array(get(j, "gid"), want_gid, 4, "gid");
  assert_int_array(get(j, "groups"), want_groups, 3, "groups");
  /* A non-root exec without file capabilities keeps none. */
  json_t *caps = get(j, "caps");
  cr_assert_str_eq(get_str(caps, "effective"), "0x0000000000000000");
  cr_assert_str_eq(get_str(caps, "permitted"), "0x0000000000000000");
  json_decref(j);
}

/* ---- namespaces -------------------------------------------------------------- */

Test(nsprobe, ns_links_are_the_tests_own)
{
  static const char *const args[] = {NULL};
  json_t *j = run_probe(args, NULL, 0);
  json_t *ns = get(j, "ns");
  for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
    char path[64], mine[128];
    snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i]);
    ssize_t n = readlink(path, mine, sizeof(mine) - 1);
    if (n < 0) {
      cr_assert_null(json_object_get(ns, ns_names[i]), "%s: reported, but %s: %s", ns_names[i],
                     path, strerror(errno));
      continue;
    }
    mine[n] = '\0';
    cr_assert_str_eq(get_str(ns, ns_names[i]), mine, "ns %s", ns_names[i]);
  }
  cr_assert_eq(json_object_size(ns), sizeof(ns_names) / sizeof(ns_names[0]),
               "ns has %zu keys on a kernel with every type", json_object_size(ns));
  json_decref(j);
}

/* ---- umask, cwd, env ----------------------------------------------------------- */

static void umask_and_cwd(void *ctx)
{
  umask(027);
  if (chdir(ctx) < 0)
    child_die("chdir");
}

Test(nsprobe, umask_cwd_and_hostile_env)
{
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "/tmp/nsprobe-test-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  remember(dir);
  char cwd[PATH_MAX];
  snprintf(cwd, sizeof(cwd), "%s/a dir \xc3\xa9 \"q\"", dir);
  cr_assert_eq(mkdir(cwd, 0755), 0, "mkdir %s: %s", cwd, strerror(errno));
  remember(cwd);

  /* A value longer than the usual pipe buffer, so output is not cut short. */
  static char big[100001];
  memcpy(big, "BIG=", 4);
  memset(big + 4, 'x', sizeof(big) - 5);
  char *envp[] = {
      "PLAIN=1",
      "QUOTES=a\"b\\c\nd\te\rf\x01g\x1fh/",
      /* a lone lead byte, a lead byte before ASCII, an encoded surrogate,
       * an overlong slash, a byte that never starts a sequence */
      "BAD=\xff|\xc3(|\xed\xa0\x80|\xc0\xaf|\x80",
      "UTF8=\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
      big,
      NULL,
  };
  const char *want[] = {
      "PLAIN=1",
      "QUOTES=a\"b\\c\nd\te\rf\x01g\x1fh/",
      "BAD=\xef\xbf\xbd|\xef\xbf\xbd(|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
      "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd",
      "UTF8=\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
      big,
  };
  static const char *const args[] = {NULL};
  struct spawn_opts o = {.setup = umask_and_cwd, .ctx = cwd, .envp = envp};
  json_t *j = run_probe(args, &o, 0);

  cr_assert_str_eq(get_str(j, "umask"), "0027");
  cr_assert_str_eq(get_str(j, "cwd"), cwd);
  json_t *env = get(j, "env");
  cr_assert_eq(json_array_size(env), 5, "env has %zu entries", json_array_size(env));
  for (size_t i = 0; i < 5; i++) {
    const char *got = json_string_value(json_array_get(env, i));
    cr_assert_not_null(got, "env[%zu] is not a string", i);
    cr_assert(strcmp(got, want[i]) == 0, "env[%zu]: got \"%.80s\", want \"%.80s\"", i, got,
              want[i]);
  }
  json_decref(j);
}

/* ---- limits, no_new_privs, oom_score_adj --------------------------------------- */

#define CPU_SOFT 4321

static void lower_cpu(void *ctx)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_CPU, &rl) < 0)
    child_die("getrlimit");
  rl.rlim_cur = CPU_SOFT;
  if (setrlimit(RLIMIT_CPU, &rl) < 0)
    child_die("setrlimit");
}

/* "unlimited" or a number, as in /proc/PID/limits. */
static long long limit_value(const char *s)
{
  return strncmp(s, "unlimited", 9) == 0 ? -1 : atoll(s);
}

/* The expectation comes from the kernel's own table, /proc/self/limits (its
 * rows are in RLIMIT_* order), not from getrlimit, which a tool such as
 * valgrind may answer for the test.  RLIMIT_CPU's soft limit is lowered in
 * the child (CPU, not NOFILE, DATA or STACK: those valgrind emulates). */
Test(nsprobe, rlimits_every_resource)
{
  static const char *const names[] = {
      "RLIMIT_CPU",      "RLIMIT_FSIZE", "RLIMIT_DATA",   "RLIMIT_STACK",
      "RLIMIT_CORE",     "RLIMIT_RSS",   "RLIMIT_NPROC",  "RLIMIT_NOFILE",
      "RLIMIT_MEMLOCK",  "RLIMIT_AS",    "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
      "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
  };
  struct rlimit cpu;
  cr_assert_eq(getrlimit(RLIMIT_CPU, &cpu), 0);
  cr_assert_geq(cpu.rlim_max, CPU_SOFT, "hard RLIMIT_CPU below %d", CPU_SOFT);

  static const char *const args[] = {NULL};
  struct spawn_opts o = {.setup = lower_cpu};
  json_t *j = run_probe(args, &o, 0);
  json_t *rl = get(j, "rlimits");
  cr_assert_eq(json_object_size(rl), 16, "rlimits has %zu entries", json_object_size(rl));

  char *table = slurp("/proc/self/limits");
  char *save = NULL;
  strtok_r(table, "\n", &save); /* the header */
  for (size_t i = 0; i < 16; i++) {
    char *row = strtok_r(NULL, "\n", &save);
    cr_assert(row && strlen(row) > 47, "/proc/self/limits: row %zu missing", i);
    /* "Max cpu time              unlimited            unlimited            seconds" */
    long long want[2] = {limit_value(row + 26), limit_value(row + 47)};
    if (i == RLIMIT_CPU)
      want[0] = CPU_SOFT;
    assert_int_array(get(rl, names[i]), want, 2, names[i]);
  }
  free(table);
  json_decref(j);
}

static void set_nnp_and_oom(void *ctx)
{
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    child_die("PR_SET_NO_NEW_PRIVS");
  /* Raising the score needs no privilege. */
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, "500", 3) != 3)
    child_die("oom_score_adj");
  close(fd);
}

Test(nsprobe, no_new_privs_and_oom_score_adj)
{
  static const char *const args[] = {NULL};
  json_t *j = run_probe(args, NULL, 0);
  cr_assert_eq(get_int(j, "no_new_privs"), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  json_decref(j);

  struct spawn_opts o = {.setup = set_nnp_and_oom};
  j = run_probe(args, &o, 0);
  cr_assert_eq(get_int(j, "no_new_privs"), 1);
  cr_assert_eq(get_int(j, "oom_score_adj"), 500);
  json_decref(j);
}

/* ---- fds ------------------------------------------------------------------------ */

struct extra_fd {
  char path[PATH_MAX];
};

static void open_fd_42(void *ctx)
{
  struct extra_fd *x = ctx;
  int fd = open(x->path, O_RDWR | O_CLOEXEC);
  if (fd < 0 || dup2(fd, 42) < 0) /* dup2 clears FD_CLOEXEC: 42 survives exec */
    child_die("open fd 42");
  close(fd);
}

Test(nsprobe, fds_are_exactly_the_inherited_ones)
{
  struct extra_fd x;
  snprintf(x.path, sizeof(x.path), "/tmp/nsprobe-fd-XXXXXX");
  int tmp = mkstemp(x.path);
  cr_assert_geq(tmp, 0);
  remember(x.path);
  close(tmp);

  struct probe p;
  static const char *const args[] = {NULL};
  struct spawn_opts o = {.setup = open_fd_42, .ctx = &x};
  probe_spawn(&p, args, &o);
  char out_pipe[64], err_pipe[64], link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", p.out_fd);
  ssize_t n = readlink(link, out_pipe, sizeof(out_pipe) - 1);
  cr_assert_gt(n, 0);
  out_pipe[n] = '\0';
  snprintf(link, sizeof(link), "/proc/self/fd/%d", p.err_fd);
  n = readlink(link, err_pipe, sizeof(err_pipe) - 1);
  cr_assert_gt(n, 0);
  err_pipe[n] = '\0';
  probe_read(&p, false, TIMEOUT_MS);
  probe_finish(&p);
  cr_assert_eq(p.status, 0, "nsprobe exited %d: %s", p.status, p.err);
  json_t *j = parse(&p);

  json_t *fds = get(j, "fds");
  char *dump = json_dumps(fds, JSON_COMPACT);
  cr_assert_eq(json_array_size(fds), 4, "fds: %s", dump);
  const struct {
    int fd;
    const char *target;
  } want[] = {{0, "/dev/null"}, {1, out_pipe}, {2, err_pipe}, {42, x.path}};
  for (size_t i = 0; i < 4; i++) {
    json_t *e = find_fd(fds, want[i].fd);
    cr_assert_not_null(e, "fd %d missing: %s", want[i].fd, dump);
    cr_assert_str_eq(get_str(e, "target"), want[i].target, "fd %d: %s", want[i].fd, dump);
  }
  free(dump);
  json_decref(j);
}

/* ---- mounts ---------------------------------------------------------------------- */

static void private_tmpfs(void *ctx)
{
  if (unshare(CLONE_NEWNS) < 0)
    child_die("unshare(CLONE_NEWNS)");
  if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
    child_die("make / private");
  if (mount("nsprobe src", ctx, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=700") < 0)
    child_die("mount tmpfs");
}

static size_t count_lines(const char *path)
{
  char *text = slurp(path);
  size_t n = 0;
  for (char *c = text; *c; c++)
    n += *c == '\n';
  free(text);
  return n;
}

/* mountinfo's octal escapes (\040 ...), decoded in place. */
static char *unescape(char *s)
{
  char *w = s;
  for (char *r = s; *r; w++) {
    unsigned a, b, c;
    if (r[0] == '\\' && sscanf(r + 1, "%1o%1o%1o", &a, &b, &c) == 3) {
      *w = (char)(a << 6 | b << 3 | c);
      r += 4;
    } else {
      *w = *r++;
    }
  }
  *w = '\0';
  return s;
}

/* A mount whose point and source need the kernel's octal escapes, in a
 * private mount namespace that dies with the probe. */
Test(nsprobe, mounts_decoded_from_mountinfo)
{
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "/tmp/nsprobe-mnt-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  remember(dir);
  char point[PATH_MAX];
  snprintf(point, sizeof(point), "%s/m p\\q\tr", dir);
  cr_assert_eq(mkdir(point, 0755), 0);
  remember(point);

  static const char *const args[] = {NULL};
  struct spawn_opts o = {.setup = private_tmpfs, .ctx = point};
  json_t *j = run_probe(args, &o, 0);
  /* The mount died with the probe's namespace: the directory is empty and free. */
  cr_assert_eq(rmdir(point), 0, "rmdir %s: %s (the mount leaked?)", point, strerror(errno));

  json_t *mounts = get(j, "mounts");
  cr_assert_eq(json_array_size(mounts), count_lines("/proc/self/mountinfo") + 1,
               "the probe sees %zu mounts: the test's and one more", json_array_size(mounts));
  json_t *found = NULL;
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m)
  {
    cr_assert(json_is_string(json_object_get(m, "mount_point")) &&
                  json_is_string(json_object_get(m, "fstype")) &&
                  json_is_string(json_object_get(m, "source")) &&
                  json_is_string(json_object_get(m, "options")) &&
                  json_is_string(json_object_get(m, "super_options")),
              "mount %zu lacks a key", i);
    if (strcmp(get_str(m, "mount_point"), point) == 0)
      found = m;
  }
  char *dump = json_dumps(mounts, JSON_COMPACT);
  cr_assert_not_null(found, "no mount at \"%s\": %s", point, dump);
  free(dump);
  cr_assert_str_eq(get_str(found, "fstype"), "tmpfs");
  cr_assert_str_eq(get_str(found, "source"), "nsprobe src");
  const char *opts = get_str(found, "options");
  cr_assert(strstr(opts, "nosuid") && strstr(opts, "nodev"), "options: %s", opts);
  const char *sopts = get_str(found, "super_options");
  cr_assert(strstr(sopts, "size=1024k") && strstr(sopts, "mode=700"), "super_options: %s", sopts);

  /* Every mount point of the test's own table is there too (a copy). */
  char *info = slurp("/proc/self/mountinfo");
  char *save = NULL;
  for (char *l = strtok_r(info, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    char mp[PATH_MAX];
    cr_assert_eq(sscanf(l, "%*s %*s %*s %*s %4095s", mp), 1, "mountinfo line: %s", l);
    bool seen = false;
    json_array_foreach(mounts, i, m)
    {
      if (strcmp(get_str(m, "mount_point"), unescape(mp)) == 0)
        seen = true;
    }
    cr_assert(seen, "mount point %s missing", mp);
  }
  free(info);

  char mine[128];
  ssize_t n = readlink("/proc/self/ns/mnt", mine, sizeof(mine) - 1);
  cr_assert_gt(n, 0);
  mine[n] = '\0';
  cr_assert_str_neq(get_str(get(j, "ns"), "mnt"), mine, "the probe was in a new mount ns");
  json_decref(j);
}

/* ---- options ---------------------------------------------------------------------- */

Test(nsprobe, exit_code_after_printing)
{
  static const char *const args[] = {"--exit", "7", NULL};
  json_t *j = run_probe(args, NULL, 7);
  cr_assert(json_is_object(get(j, "rlimits")));
  json_decref(j);
  static const char *const args2[] = {"--exit=0", NULL};
  json_decref(run_probe(args2, NULL, 0));
}

Test(nsprobe, argv_as_executed)
{
  static const char *const args[] = {"--exit=3", "--sysctl", "kernel.ostype", NULL};
  json_t *j = run_probe(args, NULL, 3);
  json_t *argv = get(j, "argv");
  cr_assert(json_is_array(argv));
  cr_assert_eq(json_array_size(argv), 4);
  const char *bin = json_string_value(json_array_get(argv, 0));
  cr_assert_not_null(bin);
  cr_expect(strstr(bin, "nsprobe"), "argv[0] %s", bin);
  cr_expect_str_eq(json_string_value(json_array_get(argv, 1)), "--exit=3");
  cr_expect_str_eq(json_string_value(json_array_get(argv, 2)), "--sysctl");
  cr_expect_str_eq(json_string_value(json_array_get(argv, 3)), "kernel.ostype");
  json_decref(j);
}

Test(nsprobe, seccomp_probe_without_filter)
{
  static const char *const args[] = {"--seccomp-probe", "mkdir", NULL};
  json_t *j = run_probe(args, NULL, 0);
  json_t *sp = get(j, "seccomp_probe");
  cr_assert_str_eq(get_str(sp, "syscall"), "mkdir");
  cr_assert_eq(get_int(sp, "ret"), -1);
  cr_assert_eq(get_int(sp, "errno"), ENOENT);
  json_decref(j);
  struct stat st;
  cr_assert_neq(stat("/nonexistent-nsprobe", &st), 0, "the probe created something");

  static const char *const args2[] = {"--seccomp-probe=getpid", NULL};
  j = run_probe(args2, NULL, 0);
  sp = get(j, "seccomp_probe");
  cr_assert_eq(get_int(sp, "ret"), get_int(j, "pid"));
  cr_assert_eq(get_int(sp, "errno"), 0);
  json_decref(j);

  static const char *const args3[] = {"--seccomp-probe", "personality", NULL};
  j = run_probe(args3, NULL, 0);
  sp = get(j, "seccomp_probe");
  cr_assert_eq(get_int(sp, "ret"), personality(0xffffffff), "persona queried, not changed");
  json_decref(j);

  /* Without the option there is no such key. */
  static const char *const none[] = {NULL};
  j = run_probe(none, NULL, 0);
  cr_assert_null(json_object_get(j, "seccomp_probe"));
  json_decref(j);
}

static void expect_usage_error(const char *const *args, const char *mention)
{
  struct probe p;
  probe_spawn(&p, args, NULL);
  probe_read(&p, false, TIMEOUT_MS);
  probe_finish(&p);
  cr_assert_eq(p.status, 2, "%s: exit %d, not 2; stderr: %s", args[0], p.status, p.err);
  cr_assert_eq(p.out_len, 0, "%s: printed on stdout: %s", args[0], p.out);
  cr_assert(strstr(p.err, mention) != NULL, "%s: stderr does not mention %s: %s", args[0], mention,
            p.err);
}

Test(nsprobe, bad_options_exit_2_with_a_message)
{
  static const char *const unknown[] = {"--bogus", NULL};
  expect_usage_error(unknown, "--bogus");
  static const char *const stray[] = {"stray", NULL};
  expect_usage_error(stray, "stray");
  static const char *const nosys[] = {"--seccomp-probe", "sethostname", NULL};
  expect_usage_error(nosys, "sethostname");
  static const char *const noval[] = {"--seccomp-probe", NULL};
  expect_usage_error(noval, "--seccomp-probe");
  static const char *const badcode[] = {"--exit", "256", NULL};
  expect_usage_error(badcode, "256");

  static const char *const help[] = {"--help", NULL};
  struct probe p;
  probe_spawn(&p, help, NULL);
  probe_read(&p, false, TIMEOUT_MS);
  probe_finish(&p);
  cr_assert_eq(p.status, 0);
  cr_assert(strstr(p.out, "--seccomp-probe") != NULL, "help: %s", p.out);
}

/* ---- --wait ----------------------------------------------------------------------- */

static unsigned long long status_hex(pid_t pid, const char *name)
{
  char buf[64];
  return strtoull(status_value(pid, name, buf, sizeof(buf)), NULL, 16);
}

static void assert_cap(json_t *caps, const char *key, pid_t pid, const char *status_name)
{
  const char *v = get_str(caps, key);
  cr_assert(strncmp(v, "0x", 2) == 0 && strlen(v) == 18, "caps.%s: %s", key, v);
  cr_assert_eq(strtoull(v, NULL, 16), status_hex(pid, status_name), "caps.%s: %s, status %s %llx",
               key, v, status_name, status_hex(pid, status_name));
}

/* The probe stays after printing, its report agrees with /proc/PID from
 * outside, and each of the four signals ends it with status 0. */
Test(nsprobe, wait_agrees_with_proc_and_ends_on_signal)
{
  static const int sigs[] = {SIGTERM, SIGINT, SIGUSR1, SIGHUP};
  static const char *const args[] = {"--wait", NULL};
  for (size_t s = 0; s < 4; s++) {
    struct probe p;
    probe_spawn(&p, args, NULL);
    probe_read(&p, true, TIMEOUT_MS);
    json_t *j = parse(&p);
    usleep(100000);
    cr_assert_eq(waitpid(p.pid, NULL, WNOHANG), 0, "nsprobe --wait did not wait");
    cr_assert_eq(get_int(j, "pid"), p.pid);

    char buf[256];
    cr_assert_str_eq(get_str(j, "umask"), status_value(p.pid, "Umask", buf, sizeof(buf)));
    cr_assert_eq(get_int(j, "no_new_privs"), atoi(status_value(p.pid, "NoNewPrivs", buf, 256)));
    cr_assert_eq(get_int(j, "seccomp"), atoi(status_value(p.pid, "Seccomp", buf, 256)));
    cr_assert_eq(get_int(j, "seccomp_filters"),
                 atoi(status_value(p.pid, "Seccomp_filters", buf, 256)));
    json_t *caps = get(j, "caps");
    assert_cap(caps, "effective", p.pid, "CapEff");
    assert_cap(caps, "permitted", p.pid, "CapPrm");
    assert_cap(caps, "inheritable", p.pid, "CapInh");
    assert_cap(caps, "bounding", p.pid, "CapBnd");
    assert_cap(caps, "ambient", p.pid, "CapAmb");
    const char *ids[] = {"uid", "gid"}, *lines[] = {"Uid", "Gid"};
    for (int k = 0; k < 2; k++) {
      long long v[4];
      cr_assert_eq(sscanf(status_value(p.pid, lines[k], buf, sizeof(buf)), "%lld %lld %lld %lld",
                          &v[0], &v[1], &v[2], &v[3]),
                   4);
      assert_int_array(get(j, ids[k]), v, 4, ids[k]);
    }
    long long nspid = atoll(status_value(p.pid, "NSpid", buf, sizeof(buf)));
    assert_int_array(get(j, "nspid"), &nspid, 1, "nspid");
    json_decref(j);

    cr_assert_eq(kill(p.pid, sigs[s]), 0);
    probe_read(&p, false, TIMEOUT_MS);
    probe_finish(&p);
    cr_assert_eq(p.status, 0, "signal %d: nsprobe exited %d; stderr: %s", sigs[s], p.status, p.err);
  }
}

/* As pid 1 of a pid namespace a signal without a handler is ignored: the
 * probe must still end on SIGTERM. */
Test(nsprobe, wait_as_pid_1_ends_on_sigterm)
{
  static const char *const args[] = {"--wait", NULL};
  struct spawn_opts o = {.pid_ns = true};
  struct probe p;
  probe_spawn(&p, args, &o);
  probe_read(&p, true, TIMEOUT_MS);
  json_t *j = parse(&p);
  cr_assert_eq(get_int(j, "pid"), 1);
  cr_assert_eq(get_int(j, "ppid"), 0, "pid 1's parent is outside its namespace");
  json_t *nspid = get(j, "nspid");
  cr_assert_eq(json_array_size(nspid), 2);
  cr_assert_eq(json_integer_value(json_array_get(nspid, 1)), 1);
  pid_t host = (pid_t)json_integer_value(json_array_get(nspid, 0));
  cr_assert_gt(host, 1);
  json_decref(j);

  cr_assert_eq(kill(host, SIGTERM), 0, "kill %d: %s", (int)host, strerror(errno));
  probe_read(&p, false, TIMEOUT_MS);
  probe_finish(&p);
  cr_assert_eq(p.status, 0, "nsprobe as pid 1 exited %d; stderr: %s", p.status, p.err);
}

/* ---- /dev ------------------------------------------------------------------------- */

static const char *const dev_names[] = {"null",  "zero",    "full",  "random", "urandom",
                                        "tty",   "console", "ptmx",  "pts",    "fd",
                                        "stdin", "stdout",  "stderr"};

static const char *type_letter(mode_t m)
{
  return S_ISCHR(m)    ? "c"
         : S_ISBLK(m)  ? "b"
         : S_ISLNK(m)  ? "l"
         : S_ISDIR(m)  ? "d"
         : S_ISFIFO(m) ? "p"
         : S_ISSOCK(m) ? "s"
                       : "f";
}

/* Every entry as lstat and readlink show it to the test. */
Test(nsprobe, dev_entries_as_lstat_shows_them)
{
  static const char *const args[] = {NULL};
  json_t *j = run_probe(args, NULL, 0);
  json_t *dev = get(j, "dev");
  cr_assert_eq(json_object_size(dev), sizeof(dev_names) / sizeof(dev_names[0]));
  for (size_t i = 0; i < sizeof(dev_names) / sizeof(dev_names[0]); i++) {
    char path[64];
    snprintf(path, sizeof(path), "/dev/%s", dev_names[i]);
    json_t *e = get(dev, dev_names[i]);
    struct stat st;
    if (lstat(path, &st) < 0) {
      cr_assert_str_eq(get_str(e, "type"), "missing", "%s", path);
      continue;
    }
    cr_assert_str_eq(get_str(e, "type"), type_letter(st.st_mode), "%s", path);
    char mode[8];
    snprintf(mode, sizeof(mode), "%04o", (unsigned)(st.st_mode & 07777));
    cr_assert_str_eq(get_str(e, "mode"), mode, "%s", path);
    cr_assert_eq(get_int(e, "uid"), st.st_uid, "%s", path);
    cr_assert_eq(get_int(e, "gid"), st.st_gid, "%s", path);
    char fs[32];
    snprintf(fs, sizeof(fs), "%u:%u", major(st.st_dev), minor(st.st_dev));
    cr_assert_str_eq(get_str(e, "fs"), fs, "%s", path);
    if (S_ISCHR(st.st_mode)) {
      cr_assert_eq(get_int(e, "major"), major(st.st_rdev), "%s", path);
      cr_assert_eq(get_int(e, "minor"), minor(st.st_rdev), "%s", path);
    }
    if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t n = readlink(path, target, sizeof(target) - 1);
      cr_assert_gt(n, 0);
      target[n] = '\0';
      cr_assert_str_eq(get_str(e, "link"), target, "%s", path);
      cr_assert(json_is_object(get(e, "resolved")), "%s", path);
    }
  }
  /* the probe opened /dev/null read-write */
  cr_assert_eq(get_int(get(dev, "null"), "open"), 0);
  json_decref(j);
}

/* A /dev of the test's making, in a mount namespace that dies with the probe:
 * a regular file for null, a node for zero, a dangling ptmx link, fd a link
 * to a directory, the rest missing. */
static void private_dev(void *ctx)
{
  if (unshare(CLONE_NEWNS) < 0)
    child_die("unshare(CLONE_NEWNS)");
  if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
    child_die("make / private");
  if (mount("nsprobe dev", "/dev", "tmpfs", MS_NOSUID, "size=64k,mode=755") < 0)
    child_die("mount tmpfs on /dev");
  int fd = open("/dev/null", O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    child_die("create /dev/null");
  close(fd);
  if (mknod("/dev/zero", S_IFCHR | 0604, makedev(1, 5)) < 0)
    child_die("mknod /dev/zero");
  if (symlink("pts/ptmx", "/dev/ptmx") < 0 || symlink("/proc/self/fd", "/dev/fd") < 0)
    child_die("symlink");
}

Test(nsprobe, dev_entries_of_a_made_up_dev)
{
  static const char *const args[] = {NULL};
  struct spawn_opts o = {.setup = private_dev};
  json_t *j = run_probe(args, &o, 0);
  json_t *dev = get(j, "dev");
  json_t *null = get(dev, "null");
  cr_assert_str_eq(get_str(null, "type"), "f");
  cr_assert_str_eq(get_str(null, "mode"), "0640");
  cr_assert_null(json_object_get(null, "open"), "a regular file is not opened");
  json_t *zero = get(dev, "zero");
  cr_assert_str_eq(get_str(zero, "type"), "c");
  cr_assert_eq(get_int(zero, "major"), 1);
  cr_assert_eq(get_int(zero, "minor"), 5);
  cr_assert_str_eq(get_str(zero, "mode"), "0604");
  cr_assert_eq(get_int(zero, "open"), 0, "root opens a 0604 node read-write");
  json_t *ptmx = get(dev, "ptmx");
  cr_assert_str_eq(get_str(ptmx, "type"), "l");
  cr_assert_str_eq(get_str(ptmx, "link"), "pts/ptmx");
  cr_assert_str_eq(get_str(get(ptmx, "resolved"), "type"), "missing");
  json_t *fd = get(dev, "fd");
  cr_assert_str_eq(get_str(fd, "link"), "/proc/self/fd");
  cr_assert_str_eq(get_str(get(fd, "resolved"), "type"), "d");
  static const char *const missing[] = {"full", "random", "urandom", "tty",   "console",
                                        "pts",  "stdin",  "stdout",  "stderr"};
  for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
    cr_assert_str_eq(get_str(get(dev, missing[i]), "type"), "missing", "%s", missing[i]);
  json_decref(j);
}

/* ---- sysctl, time offsets, personality ------------------------------------------------ */

Test(nsprobe, sysctl_keys_read_back)
{
  static const char *const args[] = {"--sysctl",
                                     "kernel.ostype",
                                     "--sysctl=kernel.msgmax",
                                     "--sysctl",
                                     "kernel.nsprobe_no_such_key",
                                     NULL};
  json_t *j = run_probe(args, NULL, 0);
  json_t *sysctl = get(j, "sysctl");
  cr_assert_eq(json_object_size(sysctl), 3);
  cr_assert_str_eq(get_str(sysctl, "kernel.ostype"), "Linux");
  char *msgmax = slurp("/proc/sys/kernel/msgmax");
  cr_assert_str_eq(get_str(sysctl, "kernel.msgmax"), trim_newlines(msgmax));
  free(msgmax);
  cr_assert(json_is_null(get(sysctl, "kernel.nsprobe_no_such_key")));
  json_decref(j);
  /* without --sysctl there is no sysctl key */
  static const char *const none[] = {NULL};
  j = run_probe(none, NULL, 0);
  cr_assert_null(json_object_get(j, "sysctl"));
  json_decref(j);
}

Test(nsprobe, sysctl_keys_are_checked)
{
  static const char *const dots[] = {"--sysctl", "kernel..ostype", NULL};
  expect_usage_error(dots, "kernel..ostype");
  static const char *const slash[] = {"--sysctl", "../../etc/passwd", NULL};
  expect_usage_error(slash, "../../etc/passwd");
  static const char *const empty[] = {"--sysctl", NULL};
  expect_usage_error(empty, "--sysctl");
}

/* A new time namespace with offsets, entered at execve of the probe. */
static void time_offsets(void *ctx)
{
  if (unshare(CLONE_NEWTIME) < 0)
    child_die("unshare(CLONE_NEWTIME)");
  int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  static const char text[] = "monotonic 86400 5\nboottime 7 0\n";
  if (fd < 0 || write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1)
    child_die("write timens_offsets");
  close(fd);
}

Test(nsprobe, time_offsets_of_its_time_namespace)
{
  static const char *const args[] = {NULL};
  json_t *j = run_probe(args, NULL, 0);
  json_t *offsets = get(j, "timens_offsets");
  static const long long zero[] = {0, 0};
  assert_int_array(get(offsets, "monotonic"), zero, 2, "monotonic");
  assert_int_array(get(offsets, "boottime"), zero, 2, "boottime");
  json_decref(j);

  struct spawn_opts o = {.setup = time_offsets};
  j = run_probe(args, &o, 0);
  offsets = get(j, "timens_offsets");
  static const long long mono[] = {86400, 5}, boot[] = {7, 0};
  assert_int_array(get(offsets, "monotonic"), mono, 2, "monotonic");
  assert_int_array(get(offsets, "boottime"), boot, 2, "boottime");
  json_t *ns = get(j, "ns");
  cr_assert_str_eq(get_str(ns, "time"), get_str(ns, "time_for_children"));
  json_decref(j);
}

static void linux32(void *ctx)
{
  if (personality(PER_LINUX32) < 0)
    child_die("personality");
}

Test(nsprobe, personality_read_without_change)
{
  static const char *const args[] = {NULL};
  json_t *j = run_probe(args, NULL, 0);
  cr_assert_eq(get_int(j, "personality"), personality(0xffffffff));
  json_decref(j);
  struct spawn_opts o = {.setup = linux32};
  j = run_probe(args, &o, 0);
  cr_assert_eq(get_int(j, "personality") & 0xff, PER_LINUX32);
  json_decref(j);
}

/* ---- propagation of the mounts ---------------------------------------------------------- */

static void shared_and_unbindable(void *ctx)
{
  const char *dir = ctx;
  char a[PATH_MAX], b[PATH_MAX];
  snprintf(a, sizeof(a), "%s/a", dir);
  snprintf(b, sizeof(b), "%s/b", dir);
  if (unshare(CLONE_NEWNS) < 0)
    child_die("unshare(CLONE_NEWNS)");
  if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
    child_die("make / private");
  if (mount("nsprobe a", a, "tmpfs", 0, "size=64k") < 0 ||
      mount("nsprobe b", b, "tmpfs", 0, "size=64k") < 0)
    child_die("mount tmpfs");
  /* "" rather than NULL for the unused source and type: memcheck checks them */
  if (mount("", a, "", MS_SHARED, NULL) < 0 || mount("", b, "", MS_UNBINDABLE, NULL) < 0)
    child_die("set propagation");
}

static json_t *mount_with_source(json_t *mounts, const char *source)
{
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m)
  {
    if (strcmp(get_str(m, "source"), source) == 0)
      return m;
  }
  cr_assert_fail("no mount of %s", source);
  return NULL;
}

Test(nsprobe, mount_propagation_fields)
{
  char dir[PATH_MAX], a[PATH_MAX + 2], b[PATH_MAX + 2];
  snprintf(dir, sizeof(dir), "/tmp/nsprobe-prop-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  remember(dir);
  snprintf(a, sizeof(a), "%s/a", dir);
  snprintf(b, sizeof(b), "%s/b", dir);
  cr_assert_eq(mkdir(a, 0755), 0);
  remember(a);
  cr_assert_eq(mkdir(b, 0755), 0);
  remember(b);
  static const char *const args[] = {NULL};
  struct spawn_opts o = {.setup = shared_and_unbindable, .ctx = dir};
  json_t *j = run_probe(args, &o, 0);
  json_t *mounts = get(j, "mounts");
  const char *pa = get_str(mount_with_source(mounts, "nsprobe a"), "propagation");
  cr_assert(strncmp(pa, "shared:", 7) == 0 && !strchr(pa, ' '), "a: \"%s\"", pa);
  cr_assert_str_eq(get_str(mount_with_source(mounts, "nsprobe b"), "propagation"), "unbindable");
  /* the rest of the namespace was made private */
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m)
  {
    const char *src = get_str(m, "source");
    if (strcmp(src, "nsprobe a") && strcmp(src, "nsprobe b"))
      cr_assert_str_eq(get_str(m, "propagation"), "", "%s", get_str(m, "mount_point"));
  }
  json_decref(j);
}

/* ---- scheduler, I/O priority, memory policy ---------------------------------------------- */

struct t_sched_attr {
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
  uint32_t util_min, util_max;
};

/* SCHED_RR 5 with reset-on-fork, I/O class BE level 6, MPOL_BIND node 0 with
 * MPOL_F_STATIC_NODES: each set here, before exec, as a runtime would. */
static void set_sched_attrs(void *ctx)
{
  struct t_sched_attr a = {.size = sizeof(a), .policy = 2, .flags = 0x01, .priority = 5};
  if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
    child_die("sched_setattr");
  if (syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 6) < 0)
    child_die("ioprio_set");
  unsigned long node0 = 1;
  if (syscall(SYS_set_mempolicy, 2 | (1 << 15), &node0, 2UL) < 0)
    child_die("set_mempolicy");
}

Test(nsprobe, sched_ioprio_mempolicy_as_set)
{
  static const char *const args[] = {NULL};
  /* Unchanged: what this test process has. */
  json_t *j = run_probe(args, NULL, 0);
  struct t_sched_attr own = {0};
  cr_assert_eq(syscall(SYS_sched_getattr, 0, &own, sizeof(own), 0), 0);
  json_t *s = get(j, "sched");
  cr_assert_eq(get_int(s, "nice"), own.nice);
  cr_assert_eq(get_int(s, "priority"), own.priority);
  cr_assert_str_eq(get_str(s, "policy"), own.policy == 0 ? "SCHED_OTHER" : get_str(s, "policy"));
  long own_io = syscall(SYS_ioprio_get, 1, 0);
  cr_assert_geq(own_io, 0);
  cr_assert_eq(get_int(get(j, "ioprio"), "priority"), own_io & 7);
  int own_mode = -1;
  unsigned long mask[64] = {0};
  cr_assert_eq(syscall(SYS_get_mempolicy, &own_mode, mask, 64UL * 64, NULL, 0UL), 0);
  if (own_mode == 0)
    cr_assert_str_eq(get_str(get(j, "mempolicy"), "mode"), "MPOL_DEFAULT");
  json_decref(j);

  struct spawn_opts o = {.setup = set_sched_attrs};
  j = run_probe(args, &o, 0);
  s = get(j, "sched");
  cr_assert_str_eq(get_str(s, "policy"), "SCHED_RR");
  cr_assert_eq(get_int(s, "priority"), 5);
  json_t *flags = get(s, "flags");
  cr_assert_eq(json_array_size(flags), 1);
  cr_assert_str_eq(json_string_value(json_array_get(flags, 0)), "SCHED_FLAG_RESET_ON_FORK");
  json_t *io = get(j, "ioprio");
  cr_assert_str_eq(get_str(io, "class"), "IOPRIO_CLASS_BE");
  cr_assert_eq(get_int(io, "priority"), 6);
  json_t *mp = get(j, "mempolicy");
  cr_assert_str_eq(get_str(mp, "mode"), "MPOL_BIND");
  cr_assert_str_eq(get_str(mp, "nodes"), "0");
  flags = get(mp, "flags");
  cr_assert_eq(json_array_size(flags), 1);
  cr_assert_str_eq(json_string_value(json_array_get(flags, 0)), "MPOL_F_STATIC_NODES");
  json_decref(j);
}
