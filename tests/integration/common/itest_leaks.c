/* Integration test helpers, part two: finding what a test left behind
 * (processes, fds, mounts, state) and cleaning it up.  See itest.h. */
#include "itest.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* ---- /proc scanning ------------------------------------------------------ */

struct proc_info {
  pid_t pid;
  pid_t ppid;
  char state;
  char comm[64];
};

static bool read_proc_info(pid_t pid, struct proc_info *pi)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  char *text = itest_read_file(path, NULL);
  if (!text)
    return false;
  /* comm may contain spaces and parentheses: it ends at the last ')'. */
  char *lparen = strchr(text, '(');
  char *rparen = strrchr(text, ')');
  bool ok = lparen && rparen && rparen > lparen;
  if (ok) {
    size_t n = (size_t)(rparen - lparen - 1);
    if (n >= sizeof(pi->comm))
      n = sizeof(pi->comm) - 1;
    memcpy(pi->comm, lparen + 1, n);
    pi->comm[n] = '\0';
    int ppid = 0;
    ok = sscanf(rparen + 1, " %c %d", &pi->state, &ppid) == 2;
    pi->ppid = ppid;
    pi->pid = pid;
  }
  free(text);
  return ok;
}

/* Whether one of the process's arguments is exactly arg (nsrt and the
 * stages cloned from it carry "--root <our root>" in their argv). */
static bool cmdline_has_arg(pid_t pid, const char *arg)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
  size_t len = 0;
  char *cmd = itest_read_file(path, &len);
  if (!cmd)
    return false;
  bool found = false;
  for (size_t off = 0; off < len && !found; off += strlen(cmd + off) + 1)
    found = strcmp(cmd + off, arg) == 0;
  free(cmd);
  return found;
}

static void describe_proc(const struct proc_info *pi, char *buf, size_t len)
{
  char path[64], wchan[64] = "?";
  snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pi->pid);
  char *w = itest_read_file(path, NULL);
  if (w) {
    snprintf(wchan, sizeof(wchan), "%s", w[0] ? w : "0");
    free(w);
  }
  snprintf(buf, len, "pid %d (%s) state %c wchan %s ppid %d", (int)pi->pid, pi->comm, pi->state,
           wchan, (int)pi->ppid);
}

struct report {
  char text[ITEST_REPORT_MAX];
  size_t len;
  int count;
};

static void report_add(struct report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void report_add(struct report *rep, const char *fmt, ...)
{
  rep->count++;
  if (rep->len >= sizeof(rep->text) - 1)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(rep->text + rep->len, sizeof(rep->text) - rep->len, fmt, ap);
  va_end(ap);
  if (n > 0)
    rep->len += (size_t)n;
  if (rep->len > sizeof(rep->text) - 1)
    rep->len = sizeof(rep->text) - 1;
}

/* SIGKILL and, when it is our child, reap it (bounded). */
static void kill_and_reap(pid_t pid)
{
  kill(pid, SIGKILL);
  if (itest_wait_pid(pid, ITEST_KILL_WAIT_MS, NULL) < 0)
    cr_log_error("itest: pid %d survived SIGKILL for %d ms", (int)pid, ITEST_KILL_WAIT_MS);
  itest_disown_pid(pid);
}

/* Children of this process that are not owned, and any process still
 * running with our state root in its argv.  Zombies are reaped, live ones
 * killed; each goes into the report. */
static void collect_stray_processes(struct report *rep, bool include_owned)
{
  pid_t self = getpid();
  DIR *d = opendir("/proc");
  if (!d) {
    report_add(rep, "  cannot scan /proc: %s\n", strerror(errno));
    return;
  }
  pid_t strays[256];
  size_t n = 0;
  for (struct dirent *de; (de = readdir(d)) && n < sizeof(strays) / sizeof(strays[0]);) {
    if (!isdigit((unsigned char)de->d_name[0]))
      continue;
    pid_t pid = (pid_t)atoi(de->d_name);
    struct proc_info pi;
    if (pid == self || !read_proc_info(pid, &pi))
      continue;
    if (!include_owned && itest_owns_pid(pid))
      continue;
    if (pi.ppid == self ||
        (itest_root()[0] && pi.state != 'Z' && cmdline_has_arg(pid, itest_root())))
      strays[n++] = pid;
  }
  closedir(d);

  for (size_t i = 0; i < n; i++) {
    struct proc_info pi;
    if (!read_proc_info(strays[i], &pi))
      continue;
    char desc[256];
    describe_proc(&pi, desc, sizeof(desc));
    if (pi.state == 'Z') {
      int status = -1;
      itest_wait_pid(pi.pid, 0, &status);
      report_add(rep, "  unreaped child: %s, exit status %d\n", desc, status);
    } else {
      report_add(rep, "  live process: %s%s\n", desc,
                 pi.ppid == self ? "" : " (not our child; argv names our state root)");
      kill_and_reap(pi.pid);
    }
  }
}

struct mount_entry {
  int id;
  char path[PATH_MAX];
  char fstype[64];
};

/* Mount points in mountinfo escape blanks and backslashes as \ooo. */
static void unescape_octal(char *s)
{
  char *out = s;
  for (char *in = s; *in;) {
    if (in[0] == '\\' && in[1] >= '0' && in[1] <= '7' && in[2] >= '0' && in[2] <= '7' &&
        in[3] >= '0' && in[3] <= '7') {
      *out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
      in += 4;
    } else {
      *out++ = *in++;
    }
  }
  *out = '\0';
}

/* Calls fn for each mount; returns the count, or -1 when mountinfo cannot be
 * read. */
static int for_each_mount(void (*fn)(const struct mount_entry *, void *), void *arg)
{
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f)
    return -1;
  char *line = NULL;
  size_t cap = 0;
  int count = 0;
  while (getline(&line, &cap, f) > 0) {
    struct mount_entry m = {0};
    char path[PATH_MAX];
    if (sscanf(line, "%d %*d %*s %*s %4095s", &m.id, path) != 2)
      continue;
    unescape_octal(path);
    snprintf(m.path, sizeof(m.path), "%s", path);
    const char *sep = strstr(line, " - ");
    if (sep)
      sscanf(sep + 3, "%63s", m.fstype);
    fn(&m, arg);
    count++;
  }
  free(line);
  fclose(f);
  return count;
}

static bool path_under(const char *path, const char *dir)
{
  size_t n = strlen(dir);
  return n > 0 && strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void snap_mount(const struct mount_entry *m, void *arg)
{
  struct itest_snap *s = arg;
  cr_assert_lt(s->n_mounts, (size_t)ITEST_SNAP_MOUNTS, "itest_snapshot: too many mounts");
  s->mount_ids[s->n_mounts++] = m->id;
}

struct mount_check {
  const struct itest_snap *before;
  struct report *rep;
};

static void check_mount(const struct mount_entry *m, void *arg)
{
  struct mount_check *mc = arg;
  for (size_t i = 0; i < mc->before->n_mounts; i++)
    if (mc->before->mount_ids[i] == m->id)
      return;
  /* Tests run in parallel in one mount namespace: another test's root is
   * its business. */
  if (strncmp(m->path, "/tmp/nsrt-itest-", 16) == 0 && !path_under(m->path, itest_root()))
    return;
  bool ours = path_under(m->path, itest_root()) || path_under(m->path, itest_rootfs());
  report_add(mc->rep, "  new mount: id %d %s on %s%s\n", m->id, m->fstype, m->path,
             ours ? " (lazily unmounted)" : " (left alone: not under the test root or rootfs)");
  if (ours && umount2(m->path, MNT_DETACH) < 0)
    cr_log_error("itest: umount2 %s: %s", m->path, strerror(errno));
}

static void snap_fds(struct itest_snap *s)
{
  DIR *d = opendir("/proc/self/fd");
  cr_assert_not_null(d, "opendir /proc/self/fd: %s", strerror(errno));
  for (struct dirent *de; (de = readdir(d));) {
    if (!isdigit((unsigned char)de->d_name[0]))
      continue;
    int fd = atoi(de->d_name);
    if (fd != dirfd(d) && fd < ITEST_SNAP_FDS)
      s->fd_open[fd] = true;
  }
  closedir(d);
}

static void snap_entries(struct itest_snap *s)
{
  DIR *d = opendir(itest_root());
  if (!d)
    return;
  for (struct dirent *de; (de = readdir(d));) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    cr_assert_lt(s->n_entries, (size_t)ITEST_SNAP_ENTRIES, "itest_snapshot: too many entries");
    snprintf(s->entries[s->n_entries++], ITEST_SNAP_NAME, "%s", de->d_name);
  }
  closedir(d);
}

void itest_snapshot(struct itest_snap *s)
{
  memset(s, 0, sizeof(*s));
  snap_fds(s);
  cr_assert_geq(for_each_mount(snap_mount, s), 0, "cannot read /proc/self/mountinfo: %s",
                strerror(errno));
  snap_entries(s);
}

int itest_check_leaks(const struct itest_snap *before, char *report, size_t len)
{
  static struct report rep; /* large: keep it off the test's stack */
  memset(&rep, 0, sizeof(rep));

  collect_stray_processes(&rep, false);

  struct itest_snap now;
  memset(&now, 0, sizeof(now));
  snap_fds(&now);
  for (int fd = 0; fd < ITEST_SNAP_FDS; fd++) {
    if (!now.fd_open[fd] || before->fd_open[fd])
      continue;
    char fdpath[64], target[PATH_MAX] = "?";
    snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(fdpath, target, sizeof(target) - 1);
    if (n >= 0)
      target[n] = '\0';
    report_add(&rep, "  open fd %d -> %s (closed)\n", fd, target);
    close(fd);
  }

  struct mount_check mc = {.before = before, .rep = &rep};
  if (for_each_mount(check_mount, &mc) < 0)
    report_add(&rep, "  cannot read /proc/self/mountinfo: %s\n", strerror(errno));

  snap_entries(&now);
  for (size_t i = 0; i < now.n_entries; i++) {
    bool known = false;
    for (size_t j = 0; j < before->n_entries && !known; j++)
      known = strcmp(now.entries[i], before->entries[j]) == 0;
    if (!known)
      report_add(&rep, "  left in the state root %s: %s\n", itest_root(), now.entries[i]);
  }

  if (report && len > 0)
    snprintf(report, len, "%s", rep.text);
  return rep.count;
}

void itest_assert_no_leaks(const struct itest_snap *before)
{
  static char report[ITEST_REPORT_MAX];
  int leaks = itest_check_leaks(before, report, sizeof(report));
  if (leaks > 0)
    cr_assert_fail("%d leak(s) after the test:\n%s", leaks, report);
}

int itest_kill_strays(bool include_owned, char *report, size_t len)
{
  static struct report rep;
  memset(&rep, 0, sizeof(rep));
  collect_stray_processes(&rep, include_owned);
  if (report && len > 0)
    snprintf(report, len, "%s", rep.text);
  return rep.count;
}

struct mounts_under {
  const char *dir;
  struct report *rep;
};

static void find_mount_under(const struct mount_entry *m, void *arg)
{
  struct mounts_under *mu = arg;
  if (path_under(m->path, mu->dir))
    report_add(mu->rep, "  %s (%s, mount id %d)\n", m->path, m->fstype, m->id);
}

int itest_mounts_under(const char *dir, char *report, size_t len)
{
  static struct report rep;
  memset(&rep, 0, sizeof(rep));
  struct mounts_under mu = {.dir = dir, .rep = &rep};
  if (for_each_mount(find_mount_under, &mu) < 0)
    report_add(&rep, "  cannot read /proc/self/mountinfo: %s\n", strerror(errno));
  if (report && len > 0)
    snprintf(report, len, "%s", rep.text);
  return rep.count;
}
