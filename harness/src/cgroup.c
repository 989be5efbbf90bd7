#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "cleanup.h"
#include "error.h"

static bool is_cgroup2(const char *path)
{
  struct statfs st;
  return statfs(path, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

int nsc_cgroup_base(char *out, size_t len, struct nsrt_err *err)
{
  out[0] = '\0';
  const char *mount = NULL;
  if (is_cgroup2("/sys/fs/cgroup"))
    mount = "/sys/fs/cgroup";
  else if (is_cgroup2("/sys/fs/cgroup/unified"))
    mount = "/sys/fs/cgroup/unified";
  if (!mount)
    return 0;
  /* Our own cgroup v2 path, so the leaves sit below where we are. */
  char self[512] = "";
  cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
  char line[1024];
  while (f && fgets(line, sizeof(line), f)) {
    if (strncmp(line, "0::", 3) == 0) {
      line[strcspn(line, "\n")] = '\0';
      snprintf(self, sizeof(self), "%s", line + 3);
    }
  }
  if (strcmp(self, "/") == 0)
    self[0] = '\0';
  snprintf(out, len, "%s%s/nsconform.%d", mount, self, getpid());
  if (mkdir(out, 0755) < 0 && errno != EEXIST) {
    int e = errno;
    /* Not allowed here (a delegated subtree we cannot write): no containment. */
    if (e == EACCES || e == EPERM || e == EROFS) {
      out[0] = '\0';
      return 0;
    }
    return nsrt_fail_at(err, "cgroup", e, "mkdir", "%s", out);
  }
  return 0;
}

int nsc_cgroup_leaf(const char *base, const char *name, char *out, size_t len,
                    struct nsrt_err *err)
{
  snprintf(out, len, "%s/%s", base, name);
  if (mkdir(out, 0755) < 0 && errno != EEXIST)
    return nsrt_fail_at(err, "cgroup", errno, "mkdir", "%s", out);
  return 0;
}

int nsc_cgroup_enter(const char *leaf)
{
  char path[4096];
  snprintf(path, sizeof(path), "%s/cgroup.procs", leaf);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t w = write(fd, "0", 1);
  int e = errno;
  close(fd);
  errno = e;
  return w == 1 ? 0 : -1;
}

int nsc_cgroup_pids(const char *leaf, pid_t *pids, int max)
{
  char path[4096];
  snprintf(path, sizeof(path), "%s/cgroup.procs", leaf);
  cleanup_fclose FILE *f = fopen(path, "re");
  if (!f)
    return -1;
  int n = 0, pid;
  while (n < max && fscanf(f, "%d", &pid) == 1)
    pids[n++] = pid;
  return n;
}

static long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int nsc_cgroup_kill(const char *leaf, int timeout_ms)
{
  pid_t pids[256];
  int n = nsc_cgroup_pids(leaf, pids, 256);
  if (n <= 0)
    return 0;
  char path[4096];
  snprintf(path, sizeof(path), "%s/cgroup.kill", leaf);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t w = write(fd, "1", 1);
    (void)w;
    close(fd);
  } else {
    for (int i = 0; i < n; i++)
      kill(pids[i], SIGKILL);
  }
  /* Zombies stay in cgroup.procs until reaped: the caller, a subreaper,
   * reaps them; here we only wait until no live process is left. */
  long deadline = now_ms() + timeout_ms;
  while (now_ms() < deadline) {
    pid_t left[256];
    int m = nsc_cgroup_pids(leaf, left, 256);
    if (m <= 0)
      break;
    usleep(10000);
  }
  return n;
}

int nsc_cgroup_remove(const char *leaf)
{
  if (rmdir(leaf) < 0 && errno != ENOENT)
    return -1;
  return 0;
}

static void read_small(const char *path, char *buf, size_t len)
{
  buf[0] = '\0';
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  ssize_t n = read(fd, buf, len - 1);
  close(fd);
  if (n < 0)
    n = 0;
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
}

void nsc_describe_pid(pid_t pid, char *buf, size_t len)
{
  char path[64], comm[64], wchan[64], sys[128], stat[512];
  snprintf(path, sizeof(path), "/proc/%d/comm", pid);
  read_small(path, comm, sizeof(comm));
  snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
  read_small(path, wchan, sizeof(wchan));
  snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
  read_small(path, sys, sizeof(sys));
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  read_small(path, stat, sizeof(stat));
  char state = '?';
  int ppid = 0;
  const char *rp = strrchr(stat, ')');
  if (rp)
    sscanf(rp + 1, " %c %d", &state, &ppid);
  size_t used = strlen(buf);
  snprintf(buf + used, len - used, "pid %d (%s) ppid %d state %c wchan %s syscall %s\n", pid,
           comm[0] ? comm : "?", ppid, state, wchan[0] ? wchan : "-", sys[0] ? sys : "-");
}

void nsc_cgroup_describe(const char *leaf, char *buf, size_t len)
{
  pid_t pids[64];
  int n = nsc_cgroup_pids(leaf, pids, 64);
  for (int i = 0; i < n; i++)
    nsc_describe_pid(pids[i], buf, len);
}
