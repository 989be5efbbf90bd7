/* User namespace id maps: checked at plan time, written by main while the
 * intermediate waits in its new user namespace. */
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bugs.h"
#include "cleanup.h"
#include "error.h"
#include "failpoint.h"
#include "spec.h"

/* The kernel's limit on ranges per map (since 4.15). */
#define IDMAP_MAX_RANGES 340
/* "4294967295 4294967295 4294967295\n" */
#define IDMAP_LINE_MAX    33
#define HELPER_TIMEOUT_MS 5000
#define DEFAULT_PATH      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

NSRT_FP_DECLARE(fp_write_setgroups, "main.write_setgroups", FP_KIND_STEP);
NSRT_FP_DECLARE(fp_write_uid_map, "main.write_uid_map", FP_KIND_STEP);
NSRT_FP_DECLARE(fp_write_gid_map, "main.write_gid_map", FP_KIND_STEP);

/* FP_FAILS for a point declared once at file scope and shared by two paths. */
static bool fp_fails(struct nsrt_failpoint *fp)
{
  return __builtin_expect(fp->chain != NULL, 0) && nsrt_fp_inject(fp);
}

int idmap_format(const struct id_range *r, size_t n, char *buf, size_t len)
{
  size_t off = 0;
  if (len == 0) {
    errno = ENOSPC;
    return -1;
  }
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    int w =
        snprintf(buf + off, len - off, "%u %u %u\n", r[i].container_id, r[i].host_id, r[i].size);
    if (w < 0 || (size_t)w >= len - off) {
      buf[off] = '\0';
      errno = ENOSPC;
      return -1;
    }
    off += (size_t)w;
  }
  if (off > INT_MAX) {
    errno = ENOSPC;
    return -1;
  }
  return (int)off;
}

/* Last id of a range, 64-bit so that an overflowing range is still ordered. */
static uint64_t range_end(uint32_t first, uint32_t size)
{
  return (uint64_t)first + size - 1;
}

static bool ranges_overlap(uint32_t a, uint32_t a_size, uint32_t b, uint32_t b_size)
{
  return a <= range_end(b, b_size) && b <= range_end(a, a_size);
}

int idmap_validate(const struct id_range *r, size_t n, const char *json_path, struct nsrt_err *err)
{
  char step[NSRT_ERR_STEP_MAX];
  if (n == 0)
    return nsrt_fail_at(err, "spec", 0, json_path,
                        "a new user namespace needs at least one mapping");
  if (n > IDMAP_MAX_RANGES)
    return nsrt_fail_at(err, "spec", 0, json_path, "%zu ranges, the kernel accepts at most %d", n,
                        IDMAP_MAX_RANGES);
  for (size_t i = 0; i < n; i++) {
    if (r[i].size == 0) {
      snprintf(step, sizeof(step), "%s[%zu].size", json_path, i);
      return nsrt_fail_at(err, "spec", 0, step, "a range of size 0 maps nothing");
    }
    /* The kernel refuses a range whose end wraps past 2^32 - 1. */
    if (range_end(r[i].container_id, r[i].size) > UINT32_MAX - 1) {
      snprintf(step, sizeof(step), "%s[%zu].containerID", json_path, i);
      return nsrt_fail_at(err, "spec", 0, step, "containerID %u + size %u overflows 32 bits",
                          r[i].container_id, r[i].size);
    }
    if (range_end(r[i].host_id, r[i].size) > UINT32_MAX - 1) {
      snprintf(step, sizeof(step), "%s[%zu].hostID", json_path, i);
      return nsrt_fail_at(err, "spec", 0, step, "hostID %u + size %u overflows 32 bits",
                          r[i].host_id, r[i].size);
    }
    for (size_t j = 0; j < i; j++) {
      if (ranges_overlap(r[j].container_id, r[j].size, r[i].container_id, r[i].size)) {
        snprintf(step, sizeof(step), "%s[%zu]", json_path, i);
        return nsrt_fail_at(
            err, "spec", 0, step, "container ids %u-%u overlap %s[%zu] (container ids %u-%u)",
            r[i].container_id, (uint32_t)range_end(r[i].container_id, r[i].size), json_path, j,
            r[j].container_id, (uint32_t)range_end(r[j].container_id, r[j].size));
      }
      if (ranges_overlap(r[j].host_id, r[j].size, r[i].host_id, r[i].size)) {
        snprintf(step, sizeof(step), "%s[%zu]", json_path, i);
        return nsrt_fail_at(err, "spec", 0, step, "host ids %u-%u overlap %s[%zu] (host ids %u-%u)",
                            r[i].host_id, (uint32_t)range_end(r[i].host_id, r[i].size), json_path,
                            j, r[j].host_id, (uint32_t)range_end(r[j].host_id, r[j].size));
      }
    }
  }
  return 0;
}

int idmap_contains(const struct id_range *r, size_t n, uint32_t id)
{
  for (size_t i = 0; i < n; i++)
    if (r[i].size > 0 && id >= r[i].container_id && id <= range_end(r[i].container_id, r[i].size))
      return 1;
  return 0;
}

/* The map on one line for error texts: "0 100000 65536, 65536 0 1". */
static void map_display(const struct id_range *r, size_t n, char *buf, size_t len)
{
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    int w = snprintf(buf + off, len - off, "%s%u %u %u", i ? ", " : "", r[i].container_id,
                     r[i].host_id, r[i].size);
    if (w < 0 || (size_t)w >= len - off) {
      if (len >= 4)
        memcpy(buf + len - 4, "...", 4);
      return;
    }
    off += (size_t)w;
  }
}

/* CAP_SETUID and CAP_SETGID in our effective set: then the kernel lets us
 * write any map for a child user namespace of ours. */
static bool have_setid_caps(void)
{
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  if (syscall(SYS_capget, &hdr, data) < 0)
    return false;
  uint32_t need = (1u << CAP_SETUID) | (1u << CAP_SETGID);
  return (data[0].effective & need) == need;
}

/* Find an executable in PATH; false when there is none. */
static bool find_in_path(const char *name, char *out, size_t len)
{
  const char *path = getenv("PATH");
  if (!path || !*path)
    path = DEFAULT_PATH;
  while (*path) {
    const char *colon = strchrnul(path, ':');
    size_t dir_len = (size_t)(colon - path);
    /* An empty element means the cwd: not a place to take a setuid helper from. */
    if (dir_len > 0) {
      int w = snprintf(out, len, "%.*s/%s", (int)dir_len, path, name);
      if (w > 0 && (size_t)w < len && access(out, X_OK) == 0)
        return true;
    }
    path = *colon ? colon + 1 : colon;
  }
  return false;
}

/* Open /proc/PID/<file> and write buf in one write(): the kernel takes an id
 * map in a single write only. */
static int write_proc_file(pid_t pid, const char *file, const char *buf, size_t len,
                           struct nsrt_failpoint *fp, const char *step, const char *what,
                           struct nsrt_err *err)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return nsrt_fail(err, errno, step, "open %s", path);
  ssize_t w;
  if (fp_fails(fp) || (w = write(fd, buf, len)) < 0)
    return nsrt_fail(err, errno, step, "%s, %s", path, what);
  if ((size_t)w != len)
    return nsrt_fail(err, EIO, step, "%s, %s: short write (%zd of %zu bytes)", path, what, w, len);
  return 0;
}

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void kill_and_reap(pid_t child, int pidfd)
{
  if (pidfd < 0 || pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0)
    kill(child, SIGKILL);
  while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* 1 when our child has ended (still to be reaped) before deadline_ms, 0 when
 * not, -1 with errno on error. */
static int child_ended_by(pid_t child, int pidfd, int64_t deadline_ms)
{
  for (;;) {
    int64_t left = deadline_ms - now_ms();
    if (pidfd < 0) {
      /* No pidfd_open (old kernel, or valgrind): poll for the zombie. */
      siginfo_t si;
      memset(&si, 0, sizeof(si));
      if (waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT | WNOHANG) < 0) {
        if (errno == EINTR)
          continue;
        return -1;
      }
      if (si.si_pid != 0)
        return 1;
      if (left <= 0)
        return 0;
      struct timespec tick = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
      nanosleep(&tick, NULL);
      continue;
    }
    if (left <= 0)
      return 0;
    struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
    int ret = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (ret > 0)
      return 1;
    if (ret < 0 && errno != EINTR)
      return -1;
  }
}

/* Wait for our child to end within HELPER_TIMEOUT_MS; kill and reap it
 * otherwise (ETIMEDOUT).  Returns the wait status, or -1 with errno. */
static int wait_child_bounded(pid_t child)
{
  cleanup_close int pidfd = pidfd_open(child, 0);
  if (pidfd < 0 && errno != ENOSYS) {
    int e = errno;
    kill_and_reap(child, -1);
    errno = e;
    return -1;
  }
  int ended = child_ended_by(child, pidfd, now_ms() + HELPER_TIMEOUT_MS);
  if (ended <= 0) {
    int e = ended == 0 ? ETIMEDOUT : errno;
    kill_and_reap(child, pidfd);
    errno = e;
    return -1;
  }
  int status;
  for (;;) {
    if (waitpid(child, &status, 0) == child)
      return status;
    if (errno != EINTR)
      return -1;
  }
}

/* newuidmap/newgidmap PID c h s [c h s ...]: the setuid helpers of shadow
 * that write a map an unprivileged user may not write, as allowed by
 * /etc/subuid and /etc/subgid. */
static int run_map_helper(const char *helper, const char *name, pid_t pid, const struct id_range *r,
                          size_t n, const char *what, struct nsrt_err *err)
{
  size_t n_args = 2 + 3 * n + 1;
  cleanup_free char **argv = calloc(n_args, sizeof(*argv));
  cleanup_free char(*nums)[12] = calloc(1 + 3 * n, sizeof(*nums));
  if (!argv || !nums)
    return nsrt_fail(err, ENOMEM, name, "arguments for pid %d, %s", pid, what);
  size_t a = 0;
  argv[a++] = (char *)name;
  snprintf(nums[0], sizeof(nums[0]), "%d", pid);
  argv[a++] = nums[0];
  for (size_t i = 0; i < n; i++) {
    uint32_t v[3] = {r[i].container_id, r[i].host_id, r[i].size};
    for (size_t k = 0; k < 3; k++) {
      char *s = nums[1 + 3 * i + k];
      snprintf(s, sizeof(nums[0]), "%u", v[k]);
      argv[a++] = s;
    }
  }
  argv[a] = NULL;

  pid_t child = fork();
  if (child < 0)
    return nsrt_fail(err, errno, name, "fork for %s", helper);
  if (child == 0) {
    /* A signal mask of ours must not reach the helper. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(helper, argv);
    _exit(127);
  }
  int status = wait_child_bounded(child);
  if (status < 0) {
    int e = errno;
    if (e == ETIMEDOUT)
      return nsrt_fail(err, e, name, "%s did not finish within %d ms (killed); pid %d, %s", helper,
                       HELPER_TIMEOUT_MS, pid, what);
    return nsrt_fail(err, e, name, "wait for %s; pid %d, %s", helper, pid, what);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (WIFEXITED(status))
    return nsrt_fail(err, 0, name, "%s exited with status %d%s (pid %d, %s)", name,
                     WEXITSTATUS(status), WEXITSTATUS(status) == 127 ? ", could not be run" : "",
                     pid, what);
  return nsrt_fail(err, 0, name, "%s killed by signal %d (pid %d, %s)", name, WTERMSIG(status), pid,
                   what);
}

struct map_kind {
  const char *file;   /* uid_map, gid_map */
  const char *step;   /* write_uid_map, write_gid_map */
  const char *helper; /* newuidmap, newgidmap */
  struct nsrt_failpoint *fp;
};

static int write_map(pid_t pid, const struct map_kind *k, const struct id_range *r, size_t n,
                     const char *helper_path, struct nsrt_err *err)
{
  if (n == 0)
    return nsrt_fail(err, EINVAL, k->step, "no ranges to write to /proc/%d/%s", pid, k->file);
  char shown[150], what[200];
  map_display(r, n, shown, sizeof(shown));
  snprintf(what, sizeof(what), "map \"%s\"", shown);

  if (helper_path) {
    if (fp_fails(k->fp))
      return nsrt_fail(err, errno, k->helper, "%s for pid %d, %s", helper_path, pid, what);
    return run_map_helper(helper_path, k->helper, pid, r, n, what, err);
  }

  size_t cap = n * IDMAP_LINE_MAX + 1;
  cleanup_free char *text = malloc(cap);
  if (!text)
    return nsrt_fail(err, ENOMEM, k->step, "formatting %s", what);
  int len = idmap_format(r, n, text, cap);
  if (len < 0)
    return nsrt_fail(err, errno, k->step, "formatting %s", what);
  /* The kernel refuses a map text of a page or more with a bare EINVAL. */
  long page = sysconf(_SC_PAGESIZE);
  if (page > 0 && len >= page) {
    size_t used = strlen(what);
    snprintf(what + used, sizeof(what) - used, " (%d bytes, over one page)", len);
  }
  return write_proc_file(pid, k->file, text, (size_t)len, k->fp, k->step, what, err);
}

static const struct map_kind uid_kind = {"uid_map", "write_uid_map", "newuidmap",
                                         &fp_write_uid_map};
static const struct map_kind gid_kind = {"gid_map", "write_gid_map", "newgidmap",
                                         &fp_write_gid_map};

int write_id_maps(pid_t pid, const struct plan *p, struct nsrt_err *err)
{
  char newuidmap[PATH_MAX], newgidmap[PATH_MAX];
  bool privileged = have_setid_caps();
  bool use_newuidmap = !privileged && find_in_path("newuidmap", newuidmap, sizeof(newuidmap));
  bool use_newgidmap = !privileged && find_in_path("newgidmap", newgidmap, sizeof(newgidmap));

  /* Without CAP_SETGID the kernel takes a gid_map written directly only
   * once setgroups is denied for the namespace (user_namespaces(7)). */
  if (!privileged && !use_newgidmap) {
    int ret = write_proc_file(pid, "setgroups", "deny", 4, &fp_write_setgroups, "write_setgroups",
                              "\"deny\"", err);
    if (ret < 0)
      return ret;
  }
  /* Known bug (containers/crun#632): a failed map write (or map helper) is
   * let go, and the failure surfaces later as an unrelated error. */
  bool ignore = NSRT_BUG("idmap-error-ignored");
  int ret =
      write_map(pid, &uid_kind, p->uid_map, p->n_uid_map, use_newuidmap ? newuidmap : NULL, err);
  if (ret < 0 && !ignore)
    return ret;
  ret = write_map(pid, &gid_kind, p->gid_map, p->n_gid_map, use_newgidmap ? newgidmap : NULL, err);
  if (ret < 0 && !ignore)
    return ret;
  /* Known bug (containers/crun#1088): setgroups written after gid_map; the
   * kernel only takes it before. */
  if (NSRT_BUG("setgroups-after-gid-map"))
    return write_proc_file(pid, "setgroups", "deny", 4, &fp_write_setgroups, "write_setgroups",
                           "\"deny\"", err);
  return 0;
}
