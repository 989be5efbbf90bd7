/* nsprobe: the inside observer.  Run as a container's program, it prints one
 * JSON object describing its own state (the "inside" column of
 * harness/observation.md) and exits, or with --wait stays until a signal.
 *
 * It must not change what it measures: the umask is read back from
 * /proc/self/status (umask() would set it), no id, capability or limit is
 * touched, and the fd listing leaves out the probe's own directory fd (every
 * other file the probe reads or opens is closed again before the listing).
 *
 * Static, libc only, no allocation: files are read into static buffers, the
 * JSON is built in a static buffer (json_out.c) and written with one write
 * loop.  A key whose source cannot be read is left out, never guessed.  This
 * file has the process keys and main; probe_fs.c the file system keys
 * (mounts, /dev, sysctl, time offsets).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/capability.h>

#include "json_out.h"
#include "probe.h"

#define STATUS_MAX (16 << 10)
#define DENTS_MAX  (32 << 10)

/* A path whose parent does not exist: a probed syscall cannot create or
 * change anything there. */
#define PROBE_PATH "/nonexistent-nsprobe"

extern char **environ;

void warn(const char *what, const char *path, int err)
{
  fprintf(stderr, "nsprobe: %s%s%s: %s\n", what, path ? " " : "", path ? path : "", strerror(err));
}

/* ---- files -------------------------------------------------------------- */

char file_buf[FILE_MAX];
static char status_buf[STATUS_MAX];

int read_file(const char *path, char *buf, size_t size, size_t *len_out)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno != ENOENT)
      warn("open", path, errno);
    return -1;
  }
  size_t len = 0;
  for (;;) {
    if (len == size - 1) {
      warn("read", path, EFBIG);
      close(fd);
      return -1;
    }
    ssize_t n = read(fd, buf + len, size - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      warn("read", path, errno);
      close(fd);
      return -1;
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = '\0';
  if (len_out)
    *len_out = len;
  return 0;
}

static bool have_status;

/* The value of "Name:\t..." in /proc/self/status, up to the end of its line
 * (not terminated; *len is its length), or NULL. */
static const char *status_field(const char *name, size_t *len)
{
  if (!have_status)
    return NULL;
  size_t k = strlen(name);
  for (const char *l = status_buf; *l;) {
    const char *eol = strchr(l, '\n');
    if (!eol)
      eol = l + strlen(l);
    if (strncmp(l, name, k) == 0 && l[k] == ':') {
      const char *v = l + k + 1;
      while (v < eol && (*v == ' ' || *v == '\t'))
        v++;
      *len = (size_t)(eol - v);
      return v;
    }
    l = *eol ? eol + 1 : eol;
  }
  return NULL;
}

/* Up to max unsigned numbers of a status field ("Uid:\t0\t0\t0\t0"); returns how many. */
static size_t status_numbers(const char *name, int base, unsigned long long *vals, size_t max)
{
  size_t len;
  const char *v = status_field(name, &len);
  if (!v)
    return 0;
  const char *end = v + len;
  size_t n = 0;
  while (n < max && v < end) {
    while (v < end && (*v == ' ' || *v == '\t'))
      v++;
    if (v >= end)
      break;
    char *next;
    errno = 0;
    unsigned long long x = strtoull(v, &next, base);
    if (next == v || errno)
      break;
    vals[n++] = x;
    v = next;
  }
  return n;
}

/* ---- the keys, in the order of observation.md --------------------------- */

static void emit_pids(void)
{
  json_key("pid");
  json_int(getpid());
  json_key("ppid");
  json_int(getppid());

  unsigned long long nspid[32];
  size_t n = status_numbers("NSpid", 10, nspid, 32);
  if (n > 0) {
    json_key("nspid");
    json_arr_begin();
    for (size_t i = 0; i < n; i++)
      json_int((long long)nspid[i]);
    json_arr_end();
  }
}

/* The probe's own argv, as the runtime passed it to execve. */
static void emit_argv(int argc, char **argv)
{
  json_key("argv");
  json_arr_begin();
  for (int i = 0; i < argc; i++)
    json_str(argv[i]);
  json_arr_end();
}

/* real, effective, saved from the syscall; fs only from status (the 4th value). */
static void emit_ids(const char *name, const char *status_name, const unsigned ids[3])
{
  unsigned long long st[4];
  if (status_numbers(status_name, 10, st, 4) != 4)
    return;
  json_key(name);
  json_arr_begin();
  for (int i = 0; i < 3; i++)
    json_int(ids[i]);
  json_int((long long)st[3]);
  json_arr_end();
}

static gid_t groups_buf[NGROUPS_MAX];

static void emit_creds(void)
{
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (getresuid(&ruid, &euid, &suid) == 0) {
    unsigned ids[3] = {ruid, euid, suid};
    emit_ids("uid", "Uid", ids);
  }
  if (getresgid(&rgid, &egid, &sgid) == 0) {
    unsigned ids[3] = {rgid, egid, sgid};
    emit_ids("gid", "Gid", ids);
  }
  int n = getgroups(NGROUPS_MAX, groups_buf);
  if (n >= 0) {
    json_key("groups");
    json_arr_begin();
    for (int i = 0; i < n; i++)
      json_int(groups_buf[i]);
    json_arr_end();
  }
}

static void emit_caps(void)
{
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof(data));
  if (syscall(SYS_capget, &hdr, data) < 0) {
    warn("capget", NULL, errno);
    return;
  }
  unsigned long long bnd, amb;
  bool have_bnd = status_numbers("CapBnd", 16, &bnd, 1) == 1;
  bool have_amb = status_numbers("CapAmb", 16, &amb, 1) == 1;

  json_key("caps");
  json_obj_begin();
  json_key("effective");
  json_hex((unsigned long long)data[1].effective << 32 | data[0].effective);
  json_key("permitted");
  json_hex((unsigned long long)data[1].permitted << 32 | data[0].permitted);
  json_key("inheritable");
  json_hex((unsigned long long)data[1].inheritable << 32 | data[0].inheritable);
  if (have_bnd) {
    json_key("bounding");
    json_hex(bnd);
  }
  if (have_amb) {
    json_key("ambient");
    json_hex(amb);
  }
  json_obj_end();
}

static void emit_status_int(const char *name, const char *status_name)
{
  unsigned long long v;
  if (status_numbers(status_name, 10, &v, 1) == 1) {
    json_key(name);
    json_int((long long)v);
  }
}

static void emit_security(void)
{
  int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  if (nnp >= 0) {
    json_key("no_new_privs");
    json_int(nnp);
  }
  emit_status_int("seccomp", "Seccomp");
  emit_status_int("seccomp_filters", "Seccomp_filters");
}

/* ---- --seccomp-probe: one syscall with arguments that change nothing ---- */

/* Arguments are constants or static buffers; paths lie under PROBE_PATH. */
static char probe_buf[PATH_MAX];
static struct utsname probe_uts;

#define ARG(x) ((const void *)(intptr_t)(x))

static const struct probe_call {
  const char *name;
  long nr;
  const void *args[3];
  bool returns_fd; /* closed at once, should the path ever open */
} probe_calls[] = {
#ifdef SYS_mkdir
    {"mkdir", SYS_mkdir, {PROBE_PATH "/d", ARG(0700)}, false},
#endif
    {"mkdirat", SYS_mkdirat, {ARG(AT_FDCWD), PROBE_PATH "/d", ARG(0700)}, false},
#ifdef SYS_rmdir
    {"rmdir", SYS_rmdir, {PROBE_PATH "/d"}, false},
#endif
#ifdef SYS_chmod
    {"chmod", SYS_chmod, {PROBE_PATH "/f", ARG(0700)}, false},
#endif
    {"fchmodat", SYS_fchmodat, {ARG(AT_FDCWD), PROBE_PATH "/f", ARG(0700)}, false},
#ifdef SYS_open
    {"open", SYS_open, {PROBE_PATH "/f", ARG(O_RDONLY | O_CLOEXEC)}, true},
#endif
    {"openat", SYS_openat, {ARG(AT_FDCWD), PROBE_PATH "/f", ARG(O_RDONLY | O_CLOEXEC)}, true},
    {"getcwd", SYS_getcwd, {probe_buf, ARG(sizeof(probe_buf))}, false},
    {"uname", SYS_uname, {&probe_uts}, false},
    {"getpid", SYS_getpid, {NULL}, false},
    {"getppid", SYS_getppid, {NULL}, false},
    {"getuid", SYS_getuid, {NULL}, false},
    {"getgid", SYS_getgid, {NULL}, false},
    /* 0xffffffff queries the persona without setting it. */
    {"personality", SYS_personality, {ARG(0xffffffffUL)}, false},
    {"sched_yield", SYS_sched_yield, {NULL}, false},
};

static const struct probe_call *find_probe_call(const char *name)
{
  for (size_t i = 0; i < sizeof(probe_calls) / sizeof(probe_calls[0]); i++)
    if (strcmp(probe_calls[i].name, name) == 0)
      return &probe_calls[i];
  return NULL;
}

static void emit_seccomp_probe(const struct probe_call *pc)
{
  errno = 0;
  long ret = syscall(pc->nr, pc->args[0], pc->args[1], pc->args[2]);
  int err = ret < 0 ? errno : 0;
  if (pc->returns_fd && ret >= 0)
    close((int)ret);
  json_key("seccomp_probe");
  json_obj_begin();
  json_key("syscall");
  json_str(pc->name);
  json_key("ret");
  json_int(ret);
  json_key("errno");
  json_int(err);
  json_obj_end();
}

/* ---- limits, names, process attributes ---------------------------------- */

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

static long long rlim_value(rlim_t v)
{
  return v == RLIM_INFINITY ? -1 : (long long)v;
}

static void emit_rlimits(void)
{
  json_key("rlimits");
  json_obj_begin();
  for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++) {
    struct rlimit rl;
    if (getrlimit(rlimit_names[i].resource, &rl) < 0)
      continue;
    json_key(rlimit_names[i].name);
    json_arr_begin();
    json_int(rlim_value(rl.rlim_cur));
    json_int(rlim_value(rl.rlim_max));
    json_arr_end();
  }
  json_obj_end();
}

static void emit_names(void)
{
  struct utsname uts;
  if (uname(&uts) < 0)
    return;
  json_key("hostname");
  json_str(uts.nodename);
  json_key("domainname");
  json_str(uts.domainname);
}

static char cwd_buf[PATH_MAX];

static void emit_process(void)
{
  /* 0xffffffff reads the persona without changing it. */
  int persona = personality(0xffffffff);
  if (persona >= 0) {
    json_key("personality");
    json_int(persona);
  }
  size_t len;
  const char *umask_str = status_field("Umask", &len);
  if (umask_str && len > 0) {
    json_key("umask");
    json_strn(umask_str, len);
  }
  /* glibc fails with ENOENT when the cwd is outside the root ("(unreachable)"). */
  if (getcwd(cwd_buf, sizeof(cwd_buf))) {
    json_key("cwd");
    json_str(cwd_buf);
  }
  json_key("env");
  json_arr_begin();
  for (char **e = environ; e && *e; e++)
    json_str(*e);
  json_arr_end();
}

/* ---- user namespace files ----------------------------------------------- */

/* /proc/self/{uid,gid}_map: lines of three numbers. */
static void emit_map(const char *name, const char *path)
{
  if (read_file(path, file_buf, sizeof(file_buf), NULL) < 0)
    return;
  json_key(name);
  json_arr_begin();
  for (char *l = file_buf; *l;) {
    char *eol = strchr(l, '\n');
    if (eol)
      *eol = '\0';
    unsigned long long v[3];
    char *p = l;
    int n = 0;
    for (; n < 3; n++) {
      char *next;
      errno = 0;
      v[n] = strtoull(p, &next, 10);
      if (next == p || errno)
        break;
      p = next;
    }
    if (n == 3) {
      json_arr_begin();
      for (int i = 0; i < 3; i++)
        json_int((long long)v[i]);
      json_arr_end();
    }
    if (!eol)
      break;
    l = eol + 1;
  }
  json_arr_end();
}

static void emit_userns(void)
{
  emit_map("uid_map", "/proc/self/uid_map");
  emit_map("gid_map", "/proc/self/gid_map");
  size_t len;
  if (read_file("/proc/self/setgroups", file_buf, sizeof(file_buf), &len) == 0) {
    while (len > 0 && (file_buf[len - 1] == '\n' || file_buf[len - 1] == ' '))
      len--;
    json_key("setgroups");
    json_strn(file_buf, len);
  }
}

/* ---- namespaces ----------------------------------------------------------- */

static const char *const ns_names[] = {
    "user", "pid", "pid_for_children", "mnt",  "uts",
    "ipc",  "net", "cgroup",           "time", "time_for_children",
};

static void emit_ns(void)
{
  json_key("ns");
  json_obj_begin();
  for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
    char path[64], target[256];
    snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i]);
    ssize_t n = readlink(path, target, sizeof(target));
    if (n < 0 || (size_t)n >= sizeof(target))
      continue; /* a type this kernel lacks, or no /proc */
    json_key(ns_names[i]);
    json_strn(target, (size_t)n);
  }
  json_obj_end();
}

/* ---- fds -------------------------------------------------------------------- */

struct dirent64_raw {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

static char dents_buf[DENTS_MAX] __attribute__((aligned(8)));

/* Every other file of the probe is closed by now, so the listing shows the
 * fds the probe was started with, less its own directory fd. */
static void emit_fds(void)
{
  int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    if (errno != ENOENT)
      warn("open", "/proc/self/fd", errno);
    return;
  }
  json_key("fds");
  json_arr_begin();
  for (;;) {
    long n = syscall(SYS_getdents64, dir, dents_buf, sizeof(dents_buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      warn("getdents64", "/proc/self/fd", errno);
    if (n <= 0)
      break;
    for (long off = 0; off < n;) {
      struct dirent64_raw *d = (struct dirent64_raw *)(dents_buf + off);
      off += d->reclen;
      char *end;
      long fd = strtol(d->name, &end, 10);
      if (end == d->name || *end || fd == dir)
        continue;
      char path[64], target[PATH_MAX];
      snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
      ssize_t len = readlink(path, target, sizeof(target));
      json_obj_begin();
      json_key("fd");
      json_int(fd);
      if (len >= 0 && (size_t)len < sizeof(target)) {
        json_key("target");
        json_strn(target, (size_t)len);
      }
      json_obj_end();
    }
  }
  json_arr_end();
  close(dir);
}

/* ---- oom and cgroup ------------------------------------------------------- */

static void emit_oom_cgroup(void)
{
  size_t len;
  if (read_file("/proc/self/oom_score_adj", file_buf, sizeof(file_buf), NULL) == 0) {
    char *end;
    long v = strtol(file_buf, &end, 10);
    if (end != file_buf) {
      json_key("oom_score_adj");
      json_int(v);
    }
  }
  if (read_file("/proc/self/cgroup", file_buf, sizeof(file_buf), &len) == 0) {
    while (len > 0 && file_buf[len - 1] == '\n')
      len--;
    json_key("cgroup");
    json_strn(file_buf, len);
  }
}

/* ---- output and signals ------------------------------------------------- */

static const int wait_signals[] = {SIGTERM, SIGINT, SIGUSR1, SIGHUP};
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
  got_signal = sig;
}

/* Handlers are needed: as pid 1 of a pid namespace, a signal without one is
 * ignored.  The signals stay blocked until sigsuspend, so one that comes
 * while the probe is still printing is not lost. */
static int install_wait_handlers(sigset_t *old)
{
  sigset_t block;
  sigemptyset(&block);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof(wait_signals) / sizeof(wait_signals[0]); i++) {
    if (sigaction(wait_signals[i], &sa, NULL) < 0)
      return -1;
    sigaddset(&block, wait_signals[i]);
  }
  return sigprocmask(SIG_BLOCK, &block, old);
}

static void wait_for_signal(const sigset_t *old)
{
  sigset_t during = *old;
  for (size_t i = 0; i < sizeof(wait_signals) / sizeof(wait_signals[0]); i++)
    sigdelset(&during, wait_signals[i]);
  while (!got_signal)
    sigsuspend(&during);
}

/* ---- main ------------------------------------------------------------------- */

static void usage(FILE *f)
{
  fprintf(f, "usage: nsprobe [--wait] [--seccomp-probe NAME] [--sysctl KEY]... [--stat PATH]...\n"
             "               [--exit CODE]\n"
             "\n"
             "Print this process's namespaces, ids, capabilities, limits, mounts, fds and\n"
             "more as one JSON object on stdout (keys as in harness/observation.md).\n"
             "\n"
             "  --wait                after printing, wait for SIGTERM, SIGINT, SIGUSR1 or\n"
             "                        SIGHUP, then exit\n"
             "  --seccomp-probe NAME  call syscall NAME with harmless arguments and report\n"
             "                        its return value and errno as \"seccomp_probe\"\n"
             "  --sysctl KEY          report /proc/sys/KEY (dots for slashes) under \"sysctl\";\n"
             "                        up to 16 keys\n"
             "  --stat PATH           report lstat of PATH (type, mode, uid, gid, device\n"
             "                        numbers) under \"stat\"; up to 16 paths\n"
             "  --exit CODE           exit with CODE (0-255) instead of 0\n"
             "  --help                show this help\n"
             "\n"
             "seccomp probe syscalls:");
  for (size_t i = 0; i < sizeof(probe_calls) / sizeof(probe_calls[0]); i++)
    fprintf(f, " %s", probe_calls[i].name);
  fprintf(f, "\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "nsprobe: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, " (see nsprobe --help)\n");
  return 2;
}

struct options {
  bool wait;
  const struct probe_call *probe;
  int exit_code;
  const char *sysctl[SYSCTL_MAX];
  size_t n_sysctl;
  const char *stat_paths[STAT_MAX];
  size_t n_stat;
};

static const char missing_value[] = "";

/* --opt VALUE or --opt=VALUE; *i is advanced past a separate value.  Returns
 * missing_value when VALUE is missing, NULL when the argument is not --opt. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
  size_t k = strlen(name);
  const char *a = argv[*i];
  if (strncmp(a, name, k) != 0)
    return NULL;
  if (a[k] == '=')
    return a + k + 1;
  if (a[k] != '\0')
    return NULL;
  if (*i + 1 >= argc)
    return missing_value;
  return argv[++*i];
}

static int parse_options(int argc, char **argv, struct options *o)
{
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--wait") == 0) {
      o->wait = true;
    } else if ((v = option_value(argc, argv, &i, "--seccomp-probe"))) {
      if (v == missing_value)
        return usage_error("%s needs a syscall name", a);
      o->probe = find_probe_call(v);
      if (!o->probe)
        return usage_error("--seccomp-probe: unknown syscall '%s'", v);
    } else if ((v = option_value(argc, argv, &i, "--sysctl"))) {
      if (v == missing_value)
        return usage_error("%s needs a key", a);
      if (!sysctl_key_valid(v))
        return usage_error("--sysctl: '%s' is not a dotted sysctl name", v);
      if (o->n_sysctl == SYSCTL_MAX)
        return usage_error("--sysctl: more than %d keys", SYSCTL_MAX);
      o->sysctl[o->n_sysctl++] = v;
    } else if ((v = option_value(argc, argv, &i, "--stat"))) {
      if (v == missing_value || v[0] != '/')
        return usage_error("%s needs an absolute path", a);
      if (o->n_stat == STAT_MAX)
        return usage_error("--stat: more than %d paths", STAT_MAX);
      o->stat_paths[o->n_stat++] = v;
    } else if ((v = option_value(argc, argv, &i, "--exit"))) {
      if (v == missing_value)
        return usage_error("%s needs an exit code", a);
      char *end;
      errno = 0;
      long code = strtol(v, &end, 10);
      if (!*v || *end || errno || code < 0 || code > 255)
        return usage_error("--exit: '%s' is not a code from 0 to 255", v);
      o->exit_code = (int)code;
    } else {
      return usage_error(a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", a);
    }
  }
  return -1; /* go on */
}

int main(int argc, char **argv)
{
  struct options opts = {0};
  int ret = parse_options(argc, argv, &opts);
  if (ret >= 0)
    return ret;

  sigset_t old_mask;
  if (opts.wait && install_wait_handlers(&old_mask) < 0) {
    warn("sigaction", NULL, errno);
    return 1;
  }

  have_status = read_file("/proc/self/status", status_buf, sizeof(status_buf), NULL) == 0;

  json_obj_begin();
  emit_pids();
  emit_argv(argc, argv);
  emit_creds();
  emit_caps();
  emit_security();
  if (opts.probe)
    emit_seccomp_probe(opts.probe);
  emit_rlimits();
  emit_names();
  emit_process();
  emit_userns();
  emit_ns();
  emit_timens_offsets();
  emit_mounts();
  emit_dev();
  emit_sysctl(opts.sysctl, opts.n_sysctl);
  emit_stat_paths(opts.stat_paths, opts.n_stat);
  emit_fds();
  emit_oom_cgroup();
  emit_sched();
  json_obj_end();
  json_raw("\n", 1);

  if (json_overflowed()) {
    fprintf(stderr, "nsprobe: output larger than %d bytes\n", JSON_OUT_MAX);
    return 1;
  }
  if (json_write(STDOUT_FILENO) < 0) {
    warn("write", "stdout", errno);
    return 1;
  }
  if (opts.wait)
    wait_for_signal(&old_mask);
  return opts.exit_code;
}
