#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "observe.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#else
#define UNDER_VALGRIND() 0
#endif

/* ---- children under observation ----
 *
 * A child normalises its fds (the block pipe at fd 10, the ready pipe at 11,
 * nothing else above 2), runs a setup function, reports the result on the
 * ready pipe, closes it and blocks reading the block pipe until the test
 * closes its end (or dies: PDEATHSIG and EOF both end the child). */

#define CHILD_BLOCK_FD 10
#define CHILD_READY_FD 11

struct child_report {
  int err;
  char what[64];
};

/* Returns 0, or an errno with what filled. */
typedef int (*child_setup_fn)(void *arg, char *what, size_t len);

struct child {
  pid_t pid;
  int block_wr;
};

static struct child children[4];
static char mount_dir[PATH_MAX];

/* Wait up to timeout_ms for pid to exit and reap it: its wait status, or -1.
 * (Polling waitpid, not pidfds: memcheck does not know pidfd_open.) */
static int wait_child(pid_t pid, int timeout_ms)
{
  for (int waited = 0; waited <= timeout_ms; waited++) {
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid)
      return st;
    if (r < 0 && errno != EINTR)
      return -1;
    usleep(1000);
  }
  return -1;
}

static void kill_child(pid_t pid)
{
  if (pid > 0 && kill(pid, SIGKILL) == 0)
    wait_child(pid, 5000);
}

static void teardown(void)
{
  for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++) {
    if (children[i].block_wr >= 0)
      close(children[i].block_wr);
    kill_child(children[i].pid);
  }
  if (mount_dir[0])
    rmdir(mount_dir);
}

static void setup(void)
{
  for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++)
    children[i] = (struct child){.pid = 0, .block_wr = -1};
  mount_dir[0] = '\0';
}

TestSuite(observe, .init = setup, .fini = teardown, .timeout = 60);

static __attribute__((noreturn)) void child_main(int block_rd, int ready_wr, child_setup_fn fn,
                                                 void *arg)
{
  struct child_report rep = {0};
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int b = fcntl(block_rd, F_DUPFD_CLOEXEC, 50);
  int r = fcntl(ready_wr, F_DUPFD_CLOEXEC, 51);
  if (b < 0 || r < 0 || dup2(b, CHILD_BLOCK_FD) < 0 || dup2(r, CHILD_READY_FD) < 0)
    _exit(120);
  close_range(3, CHILD_BLOCK_FD - 1, 0);
  close_range(CHILD_READY_FD + 1, ~0U, 0);
  if (fn)
    rep.err = fn(arg, rep.what, sizeof(rep.what));
  if (write(CHILD_READY_FD, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
    _exit(121);
  close(CHILD_READY_FD);
  char c;
  while (read(CHILD_BLOCK_FD, &c, 1) < 0 && errno == EINTR)
    ;
  _exit(0);
}

/* Start child slot i and wait (bounded) until its setup is done. */
static struct child *start_child(size_t i, child_setup_fn fn, void *arg)
{
  int block[2], ready[2];
  cr_assert_eq(pipe2(block, O_CLOEXEC), 0);
  cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    close(block[1]);
    close(ready[0]);
    child_main(block[0], ready[1], fn, arg);
  }
  close(block[0]);
  close(ready[1]);
  children[i].pid = pid;
  children[i].block_wr = block[1];

  struct pollfd p = {.fd = ready[0], .events = POLLIN};
  int pr = poll(&p, 1, 10000);
  struct child_report rep;
  ssize_t n = pr > 0 ? read(ready[0], &rep, sizeof(rep)) : -1;
  close(ready[0]);
  cr_assert_eq(n, (ssize_t)sizeof(rep), "child %d did not report its setup", pid);
  cr_assert_eq(rep.err, 0, "child setup: %s: %s", rep.what, strerror(rep.err));
  return &children[i];
}

static void stop_child(struct child *c)
{
  close(c->block_wr);
  c->block_wr = -1;
  int st = wait_child(c->pid, 5000);
  cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d status %d", c->pid, st);
  if (st < 0)
    kill_child(c->pid);
  c->pid = 0;
}

static json_t *observe_ok(pid_t pid)
{
  json_t *obs = NULL;
  struct nsrt_err err = {0};
  int r = nsc_observe_pid(pid, &obs, &err);
  char msg[1024];
  nsrt_err_format(&err, msg, sizeof(msg));
  cr_assert_eq(r, 0, "observe %d: %s", pid, msg);
  cr_assert_not_null(obs);
  return obs;
}

static json_t *observe_self_ok(void)
{
  json_t *obs = NULL;
  struct nsrt_err err = {0};
  int r = nsc_observe_self(&obs, &err);
  char msg[1024];
  nsrt_err_format(&err, msg, sizeof(msg));
  cr_assert_eq(r, 0, "observe self: %s", msg);
  cr_assert_not_null(obs);
  return obs;
}

/* Observe until the process is in state `state` (it may still be on its way
 * into the blocking read), at most 5 s. */
static json_t *observe_in_state(pid_t pid, const char *state)
{
  for (int i = 0; i < 500; i++) {
    json_t *obs = observe_ok(pid);
    const char *s = json_string_value(json_object_get(obs, "state"));
    if (s && strcmp(s, state) == 0)
      return obs;
    json_decref(obs);
    usleep(10000);
  }
  cr_assert_fail("process %d never reached state %s", pid, state);
  return NULL;
}

static const char *str_at(json_t *obj, const char *key)
{
  const char *s = json_string_value(json_object_get(obj, key));
  cr_assert_not_null(s, "key %s missing or not a string", key);
  return s;
}

static long long int_at(json_t *obj, const char *key)
{
  json_t *v = json_object_get(obj, key);
  cr_assert(json_is_integer(v), "key %s missing or not an integer", key);
  return json_integer_value(v);
}

static void expect_json_eq(json_t *a, json_t *b, const char *what)
{
  char *sa = json_dumps(a, JSON_SORT_KEYS | JSON_ENCODE_ANY);
  char *sb = json_dumps(b, JSON_SORT_KEYS | JSON_ENCODE_ANY);
  cr_expect(a && b && json_equal(a, b), "%s: %s != %s", what, sa ? sa : "(null)",
            sb ? sb : "(null)");
  free(sa);
  free(sb);
}

static json_t *parse(const char *text)
{
  json_error_t e;
  json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
  cr_assert_not_null(v, "bad test JSON %s: %s", text, e.text);
  return v;
}

static const char *const all_ns[] = {
    "user", "pid", "pid_for_children", "mnt",  "uts",
    "ipc",  "net", "cgroup",           "time", "time_for_children"};

static bool in_list(const char *s, const char *const *list)
{
  for (; *list; list++)
    if (strcmp(s, *list) == 0)
      return true;
  return false;
}

/* Namespaces in `differ` are different from ours, all others the same. */
static void expect_ns(json_t *obs, json_t *self, const char *const *differ)
{
  json_t *ns = json_object_get(obs, "ns"), *own = json_object_get(self, "ns");
  cr_assert(json_is_object(ns) && json_is_object(own));
  for (size_t i = 0; i < sizeof(all_ns) / sizeof(all_ns[0]); i++) {
    const char *a = json_string_value(json_object_get(ns, all_ns[i]));
    const char *b = json_string_value(json_object_get(own, all_ns[i]));
    cr_assert(a && b, "ns %s missing", all_ns[i]);
    unsigned long long ia, ib;
    cr_assert_eq(nsc_ns_inode(a, &ia), 0, "ns %s: %s", all_ns[i], a);
    cr_assert_eq(nsc_ns_inode(b, &ib), 0, "ns %s: %s", all_ns[i], b);
    if (in_list(all_ns[i], differ))
      cr_expect_neq(ia, ib, "ns %s should differ: %s", all_ns[i], a);
    else
      cr_expect_eq(ia, ib, "ns %s should be ours: %s vs %s", all_ns[i], a, b);
  }
}

static void list_own_fds(int *fds, size_t *n, size_t max)
{
  DIR *d = opendir("/proc/self/fd");
  cr_assert_not_null(d);
  *n = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    int fd = atoi(de->d_name);
    if (fd == dirfd(d))
      continue;
    cr_assert_lt(*n, max);
    fds[(*n)++] = fd;
  }
  closedir(d);
}

/* ---- the plain child: uts+ipc namespaces, umask, rlimit, fd, nnp ---- */

/* In a child's setup: a failing call names itself and returns its errno. */
#define STEP(name, call)                                                                           \
  do {                                                                                             \
    if ((call) < 0) {                                                                              \
      snprintf(what, len, "%s", name);                                                             \
      return errno;                                                                                \
    }                                                                                              \
  } while (0)

static int plain_setup(void *arg, char *what, size_t len)
{
  STEP("unshare", unshare(CLONE_NEWUTS | CLONE_NEWIPC));
  umask(027);
  int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: it is what is observed */
  STEP("open /dev/null", fd);
  if (fd != 3) {
    snprintf(what, len, "/dev/null is fd %d, not 3", fd);
    return EBADF;
  }
  STEP("no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
  STEP("chdir", chdir("/tmp"));
  int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  STEP("open oom_score_adj", oom);
  STEP("write oom_score_adj", write(oom, "500", 3));
  close(oom);
  STEP("set name", prctl(PR_SET_NAME, "obs-child", 0, 0, 0));
  return 0;
}

Test(observe, plain_child)
{
  cr_assert_eq(getuid(), 0, "the observer tests run as root");
  struct child *c = start_child(0, plain_setup, NULL);
  /* set from outside: memcheck refuses a process a change of its own hard
   * NOFILE limit, and the observer cannot tell who set it */
  struct rlimit nofile_limit = {.rlim_cur = 100, .rlim_max = 200};
  cr_assert_eq(prlimit(c->pid, RLIMIT_NOFILE, &nofile_limit, NULL), 0, "prlimit: %s",
               strerror(errno));
  json_t *obs = observe_in_state(c->pid, "S");
  json_t *self = observe_self_ok();

  cr_expect_eq(int_at(obs, "pid"), c->pid);
  cr_expect_eq(int_at(obs, "ppid"), getpid());
  json_t *nspid = json_object_get(obs, "nspid");
  cr_assert(json_is_array(nspid) && json_array_size(nspid) >= 1);
  cr_expect_eq(json_integer_value(json_array_get(nspid, 0)), c->pid);
  cr_expect_eq(json_array_size(nspid), json_array_size(json_object_get(self, "nspid")));

  json_t *zeros = parse("[0,0,0,0]");
  expect_json_eq(json_object_get(obs, "uid"), zeros, "uid");
  expect_json_eq(json_object_get(obs, "gid"), zeros, "gid");
  json_decref(zeros);
  expect_json_eq(json_object_get(obs, "groups"), json_object_get(self, "groups"), "groups");

  json_t *caps = json_object_get(obs, "caps");
  cr_assert_eq(json_object_size(caps), 5);
  const char *set_name;
  json_t *mask;
  json_object_foreach(caps, set_name, mask)
  {
    const char *m = json_string_value(mask);
    cr_assert_not_null(m);
    cr_expect_eq(strlen(m), 18, "caps.%s = %s", set_name, m);
    cr_expect_eq(strncmp(m, "0x", 2), 0);
    cr_expect_eq(strspn(m + 2, "0123456789abcdef"), 16, "caps.%s = %s", set_name, m);
  }
  expect_json_eq(caps, json_object_get(self, "caps"), "caps");
  cr_expect_str_neq(str_at(caps, "bounding"), "0x0000000000000000");

  cr_expect_eq(int_at(obs, "no_new_privs"), 1);
  cr_expect_eq(int_at(self, "no_new_privs"), 0);
  cr_expect_eq(int_at(obs, "seccomp"), 0);
  cr_expect_eq(int_at(obs, "seccomp_filters"), 0);

  json_t *rl = json_object_get(obs, "rlimits"), *own_rl = json_object_get(self, "rlimits");
  cr_assert_eq(json_object_size(rl), 16);
  json_t *nofile = parse("[100,200]");
  expect_json_eq(json_object_get(rl, "RLIMIT_NOFILE"), nofile, "RLIMIT_NOFILE");
  json_decref(nofile);
  const char *rname;
  json_t *rv;
  json_object_foreach(own_rl, rname, rv)
  {
    if (strcmp(rname, "RLIMIT_NOFILE") != 0)
      expect_json_eq(json_object_get(rl, rname), rv, rname);
  }

  cr_expect_str_eq(str_at(obs, "umask"), "0027");
  cr_expect_str_eq(str_at(obs, "cwd"), "/tmp");
  cr_expect_eq(int_at(obs, "oom_score_adj"), 500);
  cr_expect_str_eq(str_at(obs, "comm"), "obs-child");
  cr_expect_str_eq(str_at(obs, "state"), "S");
  cr_expect_str_eq(str_at(obs, "cgroup"), str_at(self, "cgroup"));
  cr_expect_str_eq(str_at(obs, "setgroups"), "allow");
  expect_json_eq(json_object_get(obs, "uid_map"), json_object_get(self, "uid_map"), "uid_map");
  expect_json_eq(json_object_get(obs, "gid_map"), json_object_get(self, "gid_map"), "gid_map");

  const char *const differ[] = {"uts", "ipc", NULL};
  expect_ns(obs, self, differ);

  /* fds above 2: exactly the /dev/null at 3 and the block pipe at 10 (and
   * under memcheck, its own fds, above the NOFILE limit it reports to us) */
  struct rlimit own_nofile;
  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &own_nofile), 0);
  json_t *fds = json_object_get(obs, "fds");
  cr_assert(json_is_array(fds));
  size_t above2 = 0;
  long long prev = -1;
  size_t i;
  json_t *e;
  json_array_foreach(fds, i, e)
  {
    long long fd = int_at(e, "fd");
    const char *target = str_at(e, "target");
    cr_expect_gt(fd, prev, "fds are sorted");
    prev = fd;
    if (fd < 3 || (UNDER_VALGRIND() && (rlim_t)fd >= own_nofile.rlim_cur))
      continue;
    above2++;
    if (fd == 3)
      cr_expect_str_eq(target, "/dev/null");
    else if (fd == CHILD_BLOCK_FD)
      cr_expect_eq(strncmp(target, "pipe:[", 6), 0, "fd 10 -> %s", target);
    else
      cr_expect_fail("unexpected fd %lld -> %s", fd, target);
  }
  cr_expect_eq(above2, 2);

  /* the mounts are ours (same mount namespace): / and /proc are there */
  json_t *mounts = json_object_get(obs, "mounts");
  cr_assert(json_is_array(mounts) && json_array_size(mounts) > 1);
  bool root = false, proc = false;
  json_array_foreach(mounts, i, e)
  {
    const char *mp = str_at(e, "mount_point");
    str_at(e, "source");
    str_at(e, "options");
    str_at(e, "super_options");
    if (strcmp(mp, "/") == 0)
      root = true;
    if (strcmp(mp, "/proc") == 0 && strcmp(str_at(e, "fstype"), "proc") == 0)
      proc = true;
  }
  cr_expect(root && proc, "/ and /proc among the mounts");

  json_decref(obs);
  json_decref(self);
  stop_child(c);
}

/* ---- a user namespace whose maps the test writes ---- */

static int userns_setup(void *arg, char *what, size_t len)
{
  STEP("unshare", unshare(CLONE_NEWUSER));
  return 0;
}

static void write_proc(pid_t pid, const char *file, const char *text)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
  ssize_t n = write(fd, text, strlen(text));
  int e = errno;
  close(fd);
  cr_assert_eq(n, (ssize_t)strlen(text), "write %s: %s", path, strerror(e));
}

Test(observe, user_namespace_maps)
{
  struct child *c = start_child(0, userns_setup, NULL);

  /* before the maps are written: empty maps, never guessed */
  json_t *obs = observe_ok(c->pid);
  cr_expect_eq(json_array_size(json_object_get(obs, "uid_map")), 0);
  cr_expect(json_is_array(json_object_get(obs, "uid_map")));
  json_decref(obs);

  write_proc(c->pid, "uid_map", "0 100000 65536\n");
  write_proc(c->pid, "setgroups", "deny");
  write_proc(c->pid, "gid_map", "0 100000 65536\n65536 300000 10\n");

  obs = observe_ok(c->pid);
  json_t *self = observe_self_ok();
  json_t *want = parse("[[0,100000,65536]]");
  expect_json_eq(json_object_get(obs, "uid_map"), want, "uid_map");
  json_decref(want);
  want = parse("[[0,100000,65536],[65536,300000,10]]");
  expect_json_eq(json_object_get(obs, "gid_map"), want, "gid_map");
  json_decref(want);
  want = parse("[[0,0,4294967295]]");
  expect_json_eq(json_object_get(self, "uid_map"), want, "our uid_map");
  json_decref(want);
  cr_expect_str_eq(str_at(obs, "setgroups"), "deny");
  cr_expect_str_eq(str_at(self, "setgroups"), "allow");
  /* its credentials are still host root, seen from here */
  want = parse("[0,0,0,0]");
  expect_json_eq(json_object_get(obs, "uid"), want, "uid");
  json_decref(want);

  const char *const differ[] = {"user", NULL};
  expect_ns(obs, self, differ);
  json_decref(obs);
  json_decref(self);
  stop_child(c);
}

/* ---- gone and dying processes ---- */

static void expect_gone(pid_t pid)
{
  json_t *obs = (json_t *)1;
  struct nsrt_err err = {0};
  cr_assert_eq(nsc_observe_pid(pid, &obs, &err), -1);
  cr_expect_null(obs);
  cr_expect(err.errnum == ESRCH || err.errnum == ENOENT, "errnum %d", err.errnum);
  cr_expect_str_eq(err.stage, "observe");
  char pidstr[32], msg[1024];
  snprintf(pidstr, sizeof(pidstr), "%d", pid);
  nsrt_err_format(&err, msg, sizeof(msg));
  cr_expect(strstr(err.text, pidstr) != NULL, "the message names pid %s: %s", pidstr, msg);
  cr_expect(strstr(err.text, "gone") != NULL, "the message says it is gone: %s", msg);
}

Test(observe, gone_pid)
{
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0)
    _exit(0);
  int st = wait_child(pid, 5000);
  cr_assert(st >= 0 && WIFEXITED(st));
  expect_gone(pid);

  struct nsrt_err err = {0};
  json_t *obs = NULL;
  cr_expect_eq(nsc_observe_pid(0, &obs, &err), -1);
  cr_expect_eq(err.errnum, EINVAL);
  cr_expect_null(obs);
}

Test(observe, zombie_then_reaped)
{
  struct child *c = start_child(0, NULL, NULL);
  pid_t pid = c->pid;
  close(c->block_wr); /* the child exits; not reaped yet */
  c->block_wr = -1;
  json_t *obs = observe_in_state(pid, "Z");
  /* what a zombie no longer has is left out, not guessed */
  cr_expect_null(json_object_get(obs, "mounts"));
  cr_expect_null(json_object_get(obs, "cwd"));
  cr_expect_null(json_object_get(json_object_get(obs, "ns"), "mnt"));
  cr_expect_eq(json_array_size(json_object_get(obs, "fds")), 0);
  cr_expect_eq(int_at(obs, "pid"), pid);
  cr_expect(json_is_object(json_object_get(obs, "rlimits")));
  json_decref(obs);

  int st = wait_child(pid, 5000);
  cr_assert(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  c->pid = 0;
  expect_gone(pid);
}

/* A process reaped while it is being observed: the observation that was
 * under way fails as "gone" too, never returns a half-read process. */
Test(observe, reaped_during_observation)
{
  /* children are reaped by the kernel the moment they exit */
  cr_assert_neq(signal(SIGCHLD, SIG_IGN), SIG_ERR);
  int before[256], after[256];
  size_t nb, na;
  list_own_fds(before, &nb, 256);
  int midway = 0;
  for (int trial = 0; trial < 20; trial++) {
    struct child *c = start_child(0, NULL, NULL);
    pid_t pid = c->pid;
    c->pid = 0;
    close(c->block_wr);
    c->block_wr = -1;
    for (int i = 0;; i++) {
      cr_assert_lt(i, 10000, "process %d still observable", pid);
      json_t *obs = NULL;
      struct nsrt_err err = {0};
      if (nsc_observe_pid(pid, &obs, &err) == 0) {
        json_decref(obs);
        continue;
      }
      char pidstr[32];
      snprintf(pidstr, sizeof(pidstr), "%d", pid);
      cr_expect_eq(err.errnum, ESRCH, "step %s: %s", err.step, err.text);
      cr_expect(strstr(err.text, pidstr) && strstr(err.text, "gone"), "%s", err.text);
      cr_expect_null(obs);
      if (strcmp(err.step, "open") != 0)
        midway++;
      break;
    }
  }
  /* most trials end in an observation that had opened /proc/PID already */
  cr_expect_gt(midway, 0, "no observation was under way when its process was reaped");
  /* the failed observations closed what they had opened */
  list_own_fds(after, &na, 256);
  cr_expect_eq(na, nb, "fd count %zu before, %zu after", nb, na);
}

/* ---- mount points with escaped characters ---- */

static int mount_setup(void *arg, char *what, size_t len)
{
  const char *dir = arg;
  STEP("unshare", unshare(CLONE_NEWNS));
  STEP("make / private", mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL));
  STEP("mount tmpfs", mount("nsc src\\1", dir, "tmpfs", 0, "size=64k"));
  return 0;
}

static bool has_mount(json_t *obs, const char *mount_point, json_t **found)
{
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(obs, "mounts"), i, e)
  {
    const char *mp = json_string_value(json_object_get(e, "mount_point"));
    if (mp && strcmp(mp, mount_point) == 0) {
      if (found)
        *found = e;
      return true;
    }
  }
  return false;
}

Test(observe, mount_point_escapes)
{
  snprintf(mount_dir, sizeof(mount_dir), "/tmp/nsc obs\\dir\tx.XXXXXX");
  cr_assert_not_null(mkdtemp(mount_dir), "mkdtemp: %s", strerror(errno));
  struct child *c = start_child(0, mount_setup, mount_dir);

  /* the kernel escapes the space, tab and backslash... */
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/mountinfo", c->pid);
  char *raw = NULL;
  cr_assert_eq(nsc_read_file(path, &raw, NULL), 0);
  cr_expect(strstr(raw, "/tmp/nsc\\040obs\\134dir\\011x.") != NULL, "raw mountinfo escapes");
  free(raw);

  /* ...and the observation decodes them */
  json_t *obs = observe_ok(c->pid);
  json_t *self = observe_self_ok();
  json_t *m = NULL;
  cr_assert(has_mount(obs, mount_dir, &m), "mount point \"%s\" not observed", mount_dir);
  cr_expect_str_eq(str_at(m, "fstype"), "tmpfs");
  cr_expect_str_eq(str_at(m, "source"), "nsc src\\1");
  cr_expect(strstr(str_at(m, "super_options"), "size=64k") != NULL, "super_options %s",
            str_at(m, "super_options"));
  cr_expect(strncmp(str_at(m, "options"), "rw", 2) == 0, "options %s", str_at(m, "options"));
  cr_expect(!has_mount(self, mount_dir, NULL), "the mount is the child's, not ours");
  const char *const differ[] = {"mnt", NULL};
  expect_ns(obs, self, differ);
  json_decref(obs);
  json_decref(self);
  stop_child(c);
  cr_expect_eq(rmdir(mount_dir), 0, "rmdir: %s", strerror(errno));
  mount_dir[0] = '\0';
}

/* ---- names that are not UTF-8 ---- */

static int bad_name_setup(void *arg, char *what, size_t len)
{
  STEP("set name", prctl(PR_SET_NAME, "bad\xff\xfe", 0, 0, 0));
  return 0;
}

Test(observe, invalid_utf8_replaced)
{
  struct child *c = start_child(0, bad_name_setup, NULL);
  json_t *obs = observe_ok(c->pid);
  cr_expect_str_eq(str_at(obs, "comm"), "bad\xef\xbf\xbd\xef\xbf\xbd");
  char *dump = json_dumps(obs, 0);
  cr_expect_not_null(dump, "the observation serialises");
  free(dump);
  json_decref(obs);
  stop_child(c);
}

/* ---- our own view ---- */

static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

Test(observe, self_view)
{
  /* distinct soft and hard values, so a swapped column would show */
  struct rlimit core = {.rlim_cur = 4096, .rlim_max = 8192};
  cr_assert_eq(setrlimit(RLIMIT_CORE, &core), 0);
  mode_t old = umask(0035);

  int fds_before[256];
  size_t n_before;
  list_own_fds(fds_before, &n_before, 256);
  json_t *self = observe_self_ok();
  umask(old);

  cr_expect_eq(int_at(self, "pid"), getpid());
  cr_expect_eq(int_at(self, "ppid"), getppid());
  cr_expect_str_eq(str_at(self, "umask"), "0035");
  cr_expect_str_eq(str_at(self, "state"), "R");
  char cwd[PATH_MAX];
  cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
  cr_expect_str_eq(str_at(self, "cwd"), cwd);
  char comm[17] = {0};
  prctl(PR_GET_NAME, comm, 0, 0, 0);
  cr_expect_str_eq(str_at(self, "comm"), comm);

  json_t *rl = json_object_get(self, "rlimits");
  for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++) {
    /* memcheck reports a NOFILE limit lowered by the fds it keeps */
    if (UNDER_VALGRIND() && rlimit_names[i].resource == RLIMIT_NOFILE)
      continue;
    struct rlimit r;
    cr_assert_eq(getrlimit(rlimit_names[i].resource, &r), 0);
    long long soft = r.rlim_cur == RLIM_INFINITY ? -1 : (long long)r.rlim_cur;
    long long hard = r.rlim_max == RLIM_INFINITY ? -1 : (long long)r.rlim_max;
    json_t *v = json_object_get(rl, rlimit_names[i].name);
    cr_assert(json_is_array(v) && json_array_size(v) == 2, "%s", rlimit_names[i].name);
    cr_expect_eq(json_integer_value(json_array_get(v, 0)), soft, "%s soft", rlimit_names[i].name);
    cr_expect_eq(json_integer_value(json_array_get(v, 1)), hard, "%s hard", rlimit_names[i].name);
  }

  /* our fds, less those the observation held while it listed them */
  json_t *fds = json_object_get(self, "fds");
  cr_expect_eq(json_array_size(fds), n_before);
  for (size_t i = 0; i < n_before; i++) {
    bool seen = false;
    size_t j;
    json_t *e;
    json_array_foreach(fds, j, e) seen = seen || int_at(e, "fd") == fds_before[i];
    cr_expect(seen, "fd %d missing from our own view", fds_before[i]);
  }

  unsigned long long ino;
  size_t n_ns = 0;
  const char *key;
  json_t *v;
  json_object_foreach(json_object_get(self, "ns"), key, v)
  {
    cr_expect_eq(nsc_ns_inode(json_string_value(v), &ino), 0, "ns %s", key);
    n_ns++;
  }
  cr_expect_eq(n_ns, 10);
  json_decref(self);
}

/* ---- no fd leaks ---- */

Test(observe, no_fd_leak)
{
  struct child *c = start_child(0, plain_setup, NULL);
  int before[256], after[256];
  size_t nb, na;
  list_own_fds(before, &nb, 256);

  pid_t gone = fork();
  cr_assert_geq(gone, 0);
  if (gone == 0)
    _exit(0);
  cr_assert_geq(wait_child(gone, 5000), 0);

  for (int i = 0; i < 200; i++) {
    json_t *obs = observe_ok(c->pid);
    json_decref(obs);
  }
  for (int i = 0; i < 50; i++) {
    json_decref(observe_self_ok());
    json_t *obs = NULL;
    struct nsrt_err err;
    cr_assert_eq(nsc_observe_pid(gone, &obs, &err), -1);
    char *text = NULL;
    cr_assert_eq(nsc_read_file("/nonexistent/nsc", &text, NULL), -1);
    cr_assert_eq(nsc_read_file("/proc/self/status", &text, NULL), 0);
    free(text);
  }
  list_own_fds(after, &na, 256);
  cr_expect_eq(na, nb, "fd count %zu before, %zu after", nb, na);
  for (size_t i = 0; i < nb && i < na; i++)
    cr_expect_eq(after[i], before[i]);
  stop_child(c);
}

/* ---- helpers ---- */

static void write_file(const char *path, size_t size)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  cr_assert_geq(fd, 0);
  char block[4096];
  for (size_t i = 0; i < sizeof(block); i++)
    block[i] = (char)('a' + i % 26);
  for (size_t done = 0; done < size;) {
    size_t n = size - done < sizeof(block) ? size - done : sizeof(block);
    cr_assert_eq(write(fd, block, n), (ssize_t)n);
    done += n;
  }
  close(fd);
}

Test(observe, read_file_bounds)
{
  char path[] = "/tmp/nsc-observe-read.XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  close(fd);

  char *text = NULL;
  size_t len = 0;
  write_file(path, 5);
  cr_assert_eq(nsc_read_file(path, &text, &len), 0);
  cr_expect_eq(len, 5);
  cr_expect_str_eq(text, "abcde");
  free(text);

  write_file(path, 0);
  cr_assert_eq(nsc_read_file(path, &text, NULL), 0);
  cr_expect_str_eq(text, "");
  free(text);

  write_file(path, NSC_READ_FILE_MAX);
  cr_assert_eq(nsc_read_file(path, &text, &len), 0);
  cr_expect_eq(len, NSC_READ_FILE_MAX);
  cr_expect_eq(text[len], '\0');
  cr_expect_eq(strlen(text), (size_t)NSC_READ_FILE_MAX);
  free(text);

  write_file(path, NSC_READ_FILE_MAX + 1);
  text = NULL;
  errno = 0;
  cr_expect_eq(nsc_read_file(path, &text, &len), -1);
  cr_expect_eq(errno, EFBIG);
  cr_expect_null(text);
  unlink(path);

  errno = 0;
  cr_expect_eq(nsc_read_file("/nonexistent/nsc", &text, NULL), -1);
  cr_expect_eq(errno, ENOENT);

  /* /proc files say size 0: read to the end anyway */
  cr_assert_eq(nsc_read_file("/proc/self/status", &text, &len), 0);
  cr_expect(len > 100 && strstr(text, "NSpid:") != NULL);
  cr_expect_eq(strlen(text), len);
  free(text);
}

Test(observe, ns_inode)
{
  unsigned long long ino = 0;
  cr_expect_eq(nsc_ns_inode("net:[4026531840]", &ino), 0);
  cr_expect_eq(ino, 4026531840ULL);
  cr_expect_eq(nsc_ns_inode("pid_for_children:[1]", &ino), 0);
  cr_expect_eq(ino, 1);
  const char *bad[] = {"",
                       "net",
                       "net:[]",
                       "net:[12",
                       "net:[12]x",
                       ":[12]",
                       "net:[-1]",
                       "net:[a]",
                       "net:[ 12]",
                       "net:12",
                       "net:[99999999999999999999999]"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ino = 7;
    errno = 0;
    cr_expect_eq(nsc_ns_inode(bad[i], &ino), -1, "\"%s\" accepted", bad[i]);
    cr_expect_eq(errno, EINVAL, "\"%s\"", bad[i]);
    cr_expect_eq(ino, 7, "\"%s\" wrote the result", bad[i]);
  }
  errno = 0;
  cr_expect_eq(nsc_ns_inode(NULL, &ino), -1);
  cr_expect_eq(errno, EINVAL);
}
