/* rootfs.c: build a tiny busybox rootfs in a temporary directory, then in a
 * forked child with its own mount namespace (and in some tests its own user,
 * pid, ipc, net namespaces) run rootfs_prepare + rootfs_enter and look at the
 * result from inside.  The child reports the first failed check as text on a
 * pipe and exits 1; the parent asserts.  Every mount dies with the child's
 * namespace; the fixture checks that none reached the host before it removes
 * the directory.  Run as root. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "failpoint.h"
#include "rootfs.h"
#include "spec.h"

#define CHILD_TIMEOUT_MS 20000
#define HOST_FILE_TEXT   "from the host\n"
#define MARKER_TEXT      "this is the rootfs\n"

/* ---- the rootfs fixture ---------------------------------------------------- */

static struct {
  char dir[64];      /* mkdtemp base, on the host */
  char root[128];    /* dir/rootfs */
  char outside[128]; /* dir/outside: where rootfs/evil points */
  char host_file[128];
  char locked[128]; /* dir/locked: a nosuid,nodev,noexec tmpfs in the userns test */
} fx;

static void write_text(const char *path, const char *text, mode_t mode)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
  cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text), "write %s", path);
  close(fd);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
  int in = open(from, O_RDONLY | O_CLOEXEC);
  cr_assert_geq(in, 0, "open %s: %s", from, strerror(errno));
  int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  cr_assert_geq(out, 0, "open %s: %s", to, strerror(errno));
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof(buf))) > 0)
    cr_assert_eq(write(out, buf, n), n, "write %s", to);
  cr_assert_eq(n, 0, "read %s: %s", from, strerror(errno));
  close(in);
  close(out);
}

static void mkdir_in(const char *base, const char *rel)
{
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", base, rel);
  cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s: %s", path, strerror(errno));
}

static void setup_rootfs(void)
{
  snprintf(fx.dir, sizeof(fx.dir), "/tmp/nsrt-rootfs-XXXXXX");
  cr_assert_not_null(mkdtemp(fx.dir), "mkdtemp: %s", strerror(errno));
  snprintf(fx.root, sizeof(fx.root), "%s/rootfs", fx.dir);
  snprintf(fx.outside, sizeof(fx.outside), "%s/outside", fx.dir);
  snprintf(fx.host_file, sizeof(fx.host_file), "%s/host_file", fx.dir);
  snprintf(fx.locked, sizeof(fx.locked), "%s/locked", fx.dir);

  mkdir_in(fx.dir, "rootfs");
  mkdir_in(fx.dir, "outside");
  mkdir_in(fx.dir, "locked");
  write_text(fx.host_file, HOST_FILE_TEXT, 0644);
  const char *dirs[] = {"bin", "proc", "sys", "dev", "tmp", "etc", "etc/maskdir", "etc/ro", "mnt"};
  for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
    mkdir_in(fx.root, dirs[i]);

  char path[256];
  snprintf(path, sizeof(path), "%s/bin/busybox", fx.root);
  copy_file("/bin/busybox", path, 0755);
  const char *applets[] = {"sh", "cat", "ls"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof(path), "%s/bin/%s", fx.root, applets[i]);
    cr_assert_eq(symlink("busybox", path), 0, "symlink %s: %s", path, strerror(errno));
  }
  snprintf(path, sizeof(path), "%s/marker", fx.root);
  write_text(path, MARKER_TEXT, 0644);
  snprintf(path, sizeof(path), "%s/etc/secret", fx.root);
  write_text(path, "secret\n", 0644);
  snprintf(path, sizeof(path), "%s/etc/maskdir/inside", fx.root);
  write_text(path, "hidden\n", 0644);
  snprintf(path, sizeof(path), "%s/etc/ro/file", fx.root);
  write_text(path, "read only\n", 0644);
  /* an absolute symlink to a host directory: mounts through it must stay inside */
  snprintf(path, sizeof(path), "%s/evil", fx.root);
  cr_assert_eq(symlink(fx.outside, path), 0, "symlink %s: %s", path, strerror(errno));
  /* ".." from the rootfs's top would be fx.dir on the host */
  snprintf(path, sizeof(path), "%s/up", fx.root);
  cr_assert_eq(symlink("..", path), 0, "symlink %s: %s", path, strerror(errno));
  snprintf(path, sizeof(path), "%s/loop", fx.root);
  cr_assert_eq(symlink("loop", path), 0, "symlink %s: %s", path, strerror(errno));
}

/* Mounts in this process's mountinfo whose mount point is prefix (exact) or
 * is prefix or below it. */
static int count_mounts(const char *prefix, bool exact)
{
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f)
    return -1;
  char *line = NULL;
  size_t cap = 0;
  int n = 0;
  size_t plen = strlen(prefix);
  if (!exact && strcmp(prefix, "/") == 0)
    plen = 0; /* everything */
  while (getline(&line, &cap, f) > 0) {
    char mp[4096];
    if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
      continue;
    if (exact
            ? strcmp(mp, prefix) == 0
            : strncmp(mp, prefix, plen) == 0 && (plen == 0 || mp[plen] == '\0' || mp[plen] == '/'))
      n++;
  }
  free(line);
  fclose(f);
  return n;
}

static int count_mounts_under(const char *prefix)
{
  return count_mounts(prefix, false);
}

static int count_mounts_at(const char *mp)
{
  return count_mounts(mp, true);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  return remove(path);
}

static void teardown_rootfs(void)
{
  if (!fx.dir[0])
    return;
  int mounts = count_mounts_under(fx.dir);
  cr_expect_eq(mounts, 0, "%d mounts left under %s on the host", mounts, fx.dir);
  /* FTW_MOUNT: never walk into a mount that leaked */
  if (mounts == 0)
    cr_expect_eq(nftw(fx.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT), 0,
                 "remove %s: %s", fx.dir, strerror(errno));
  fx.dir[0] = '\0';
}

TestSuite(rootfs, .init = setup_rootfs, .fini = teardown_rootfs, .timeout = 60);

/* ---- running the rootfs code in a child ------------------------------------ */

struct child_opts {
  bool userns;      /* a user namespace mapping 0-65535 to itself */
  int flags;        /* more CLONE_NEW* to unshare with the mount namespace */
  int (*pre)(void); /* run as host root in a private mount namespace first */
};

static char child_msg[2048];

static int child_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int child_fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(child_msg, sizeof(child_msg), fmt, ap);
  va_end(ap);
  return 1;
}

#define CHECK(cond, fmt, ...)                                                                      \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      return child_fail("line %d: " fmt, __LINE__, ##__VA_ARGS__);                                 \
  } while (0)

#define CHECK_OK(ret, err)                                                                         \
  do {                                                                                             \
    if ((ret) < 0) {                                                                               \
      char line_[1024];                                                                            \
      nsrt_err_format((err), line_, sizeof(line_));                                                \
      return child_fail("line %d: %s", __LINE__, line_);                                           \
    }                                                                                              \
  } while (0)

static void child_exit(int msgfd, int code)
{
  if (code != 0) {
    ssize_t w = write(msgfd, child_msg, strlen(child_msg));
    (void)w;
  }
  _exit(code);
}

static bool wait_byte(int fd)
{
  struct pollfd pfd = {.fd = fd, .events = POLLIN};
  char c;
  return poll(&pfd, 1, CHILD_TIMEOUT_MS) == 1 && read(fd, &c, 1) == 1;
}

static int wait_child(pid_t pid, int timeout_ms)
{
  int status;
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return status;
    if (r < 0)
      return -1;
    usleep(10000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

static void child_main(const struct child_opts *o, int (*fn)(void), int msgfd, int to_parent,
                       int from_parent)
{
  if (o->pre) {
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", "", MS_REC | MS_PRIVATE, NULL) < 0)
      child_exit(msgfd, child_fail("private mount namespace: %s", strerror(errno)));
    if (o->pre())
      child_exit(msgfd, 1);
  }
  if (o->userns) {
    if (unshare(CLONE_NEWUSER) < 0)
      child_exit(msgfd, child_fail("unshare(CLONE_NEWUSER): %s", strerror(errno)));
    if (write(to_parent, "u", 1) != 1 || !wait_byte(from_parent))
      child_exit(msgfd, child_fail("no id maps from the parent"));
  }
  if (unshare(CLONE_NEWNS | o->flags) < 0)
    child_exit(msgfd, child_fail("unshare(%#x): %s", CLONE_NEWNS | o->flags, strerror(errno)));
  if (!(o->flags & CLONE_NEWPID))
    child_exit(msgfd, fn());

  /* a new pid namespace applies to children: run the checks in pid 1 */
  pid_t pid = fork();
  if (pid < 0)
    child_exit(msgfd, child_fail("fork: %s", strerror(errno)));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    child_exit(msgfd, fn());
  }
  int status = wait_child(pid, CHILD_TIMEOUT_MS);
  _exit(status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 99);
}

static bool write_map(pid_t pid, const char *file)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  bool ok = fd >= 0 && write(fd, "0 0 65536\n", 10) == 10;
  if (fd >= 0)
    close(fd);
  return ok;
}

/* Fork, run fn in the namespaces asked for, and assert that it passed. */
static void run_child(const struct child_opts *o, int (*fn)(void))
{
  int msg[2], up[2], down[2];
  cr_assert_eq(pipe2(msg, O_CLOEXEC), 0);
  cr_assert_eq(pipe2(up, O_CLOEXEC), 0);
  cr_assert_eq(pipe2(down, O_CLOEXEC), 0);
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    close(msg[0]);
    close(up[0]);
    close(down[1]);
    child_main(o, fn, msg[1], up[1], down[0]);
  }
  close(msg[1]);
  close(up[1]);
  close(down[0]);
  /* without maps the child gives up on its own and reports it */
  if (o->userns && wait_byte(up[0]) && write_map(pid, "uid_map") && write_map(pid, "gid_map")) {
    ssize_t w = write(down[1], "m", 1);
    (void)w;
  }
  close(up[0]);
  close(down[1]);

  char text[sizeof(child_msg)] = "";
  size_t len = 0;
  struct pollfd pfd = {.fd = msg[0], .events = POLLIN};
  while (len < sizeof(text) - 1 && poll(&pfd, 1, CHILD_TIMEOUT_MS) == 1) {
    ssize_t n = read(msg[0], text + len, sizeof(text) - 1 - len);
    if (n <= 0)
      break;
    len += n;
  }
  text[len] = '\0';
  close(msg[0]);
  int status = wait_child(pid, CHILD_TIMEOUT_MS);
  cr_assert_neq(status, -1, "child timed out; it said: %s", text);
  cr_assert(WIFEXITED(status), "child killed by signal %d; it said: %s", WTERMSIG(status), text);
  cr_assert_eq(WEXITSTATUS(status), 0, "child failed (exit %d): %s", WEXITSTATUS(status), text);
}

/* ---- plans ----------------------------------------------------------------- */

/* The mounts of a typical config.json. */
static const struct mount_plan std_mounts[] = {
    {.destination = "/proc",
     .type = "proc",
     .source = "proc",
     .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC},
    {.destination = "/dev",
     .type = "tmpfs",
     .source = "tmpfs",
     .flags = MS_NOSUID | MS_STRICTATIME,
     .data = "mode=755,size=65536k"},
    {.destination = "/dev/pts",
     .type = "devpts",
     .source = "devpts",
     .flags = MS_NOSUID | MS_NOEXEC,
     .data = "newinstance,ptmxmode=0666,mode=0620"},
    {.destination = "/dev/shm",
     .type = "tmpfs",
     .source = "shm",
     .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC,
     .data = "mode=1777,size=65536k"},
    {.destination = "/dev/mqueue",
     .type = "mqueue",
     .source = "mqueue",
     .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC},
    {.destination = "/sys",
     .type = "sysfs",
     .source = "sysfs",
     .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY},
};
#define N_STD_MOUNTS (sizeof(std_mounts) / sizeof(std_mounts[0]))

static char *masked[] = {"/etc/secret", "/etc/maskdir", "/no/such/path", NULL};
static char *readonly[] = {"/etc/ro", "/no/such/dir", NULL};

static void plan_init(struct plan *p, struct mount_plan *mounts, size_t n)
{
  memset(p, 0, sizeof(*p));
  p->root_path = fx.root;
  p->mounts = mounts;
  p->n_mounts = n;
  for (int i = 0; i < NS_COUNT; i++)
    p->ns[i].fd = -1;
  p->ns[NS_MOUNT].mode = NS_NEW;
}

/* ---- checks made inside the container -------------------------------------- */

static bool read_text(const char *path, char *buf, size_t len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read(fd, buf, len - 1);
  close(fd);
  if (n < 0)
    return false;
  buf[n] = '\0';
  return true;
}

/* The mountinfo line of the topmost mount at mp, or "". */
static const char *mount_line_at(const char *mp)
{
  static char found[4096];
  found[0] = '\0';
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f)
    return "(no mountinfo)";
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    char point[4096];
    if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 && strcmp(point, mp) == 0)
      snprintf(found, sizeof(found), "%s", line);
  }
  free(line);
  fclose(f);
  return found;
}

/* The fs type of the topmost mount at mp, or "" when nothing is mounted there. */
static const char *mount_type_at(const char *mp)
{
  static char type[64];
  type[0] = '\0';
  const char *sep = strstr(mount_line_at(mp), " - ");
  if (sep)
    sscanf(sep + 3, "%63s", type);
  return type;
}

static int errno_of_create(const char *path)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    close(fd);
    unlink(path);
    return 0;
  }
  return errno;
}

/* What every container with the standard mounts, a read-only root, the masked
 * and the read-only paths must look like. */
static int check_standard_container(void)
{
  char buf[256];
  struct stat st;

  CHECK(read_text("/marker", buf, sizeof(buf)) && strcmp(buf, MARKER_TEXT) == 0,
        "/ is not the rootfs: /marker: %s", strerror(errno));
  CHECK(stat("/bin/sh", &st) == 0 && S_ISREG(st.st_mode), "/bin/sh missing");
  CHECK(stat(fx.host_file, &st) < 0 && errno == ENOENT, "host file %s visible", fx.host_file);
  CHECK(stat(fx.root, &st) < 0 && errno == ENOENT, "host path %s visible", fx.root);
  CHECK(stat("/etc/hostname", &st) < 0 && errno == ENOENT, "host /etc/hostname visible");
  CHECK(count_mounts_under(fx.root) == 0, "the host path of the rootfs is still in mountinfo");
  /* the old root, if left attached, is stacked on / */
  CHECK(count_mounts_at("/") == 1, "%d mounts on /, want 1", count_mounts_at("/"));

  CHECK(strcmp(mount_type_at("/proc"), "proc") == 0, "/proc is \"%s\"", mount_type_at("/proc"));
  CHECK(strcmp(mount_type_at("/dev"), "tmpfs") == 0, "/dev is \"%s\"", mount_type_at("/dev"));
  CHECK(strcmp(mount_type_at("/dev/pts"), "devpts") == 0, "/dev/pts is \"%s\"",
        mount_type_at("/dev/pts"));
  CHECK(strcmp(mount_type_at("/dev/shm"), "tmpfs") == 0, "/dev/shm not mounted");
  CHECK(strcmp(mount_type_at("/dev/mqueue"), "mqueue") == 0, "/dev/mqueue not mounted");
  CHECK(strcmp(mount_type_at("/sys"), "sysfs") == 0, "/sys is \"%s\"", mount_type_at("/sys"));
  CHECK(stat("/sys/kernel", &st) == 0, "/sys/kernel: %s", strerror(errno));
  CHECK(mkdir("/sys/nsrt-test", 0755) < 0 && errno == EROFS, "/sys not read-only: %s",
        strerror(errno));

  CHECK(errno_of_create("/newfile") == EROFS, "/ writable: %s",
        strerror(errno_of_create("/newfile")));
  CHECK(errno_of_create("/tmp/x") == EROFS, "/tmp (on /) writable");
  CHECK(errno_of_create("/dev/shm/x") == 0, "/dev/shm not writable");

  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  CHECK(fd >= 0, "open /dev/null: %s", strerror(errno));
  CHECK(write(fd, "x", 1) == 1, "write /dev/null: %s", strerror(errno));
  close(fd);
  CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
        "/dev/null is not the null device");
  const char *devs[] = {"/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"};
  for (size_t i = 0; i < 5; i++)
    CHECK(stat(devs[i], &st) == 0 && S_ISCHR(st.st_mode), "%s not a char device", devs[i]);
  fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
  CHECK(fd >= 0 && read(fd, buf, 4) == 4 && buf[0] == 0 && buf[3] == 0, "/dev/zero unreadable");
  close(fd);
  const char *links[][2] = {{"/dev/fd", "/proc/self/fd"},
                            {"/dev/stdin", "/proc/self/fd/0"},
                            {"/dev/stdout", "/proc/self/fd/1"},
                            {"/dev/stderr", "/proc/self/fd/2"},
                            {"/dev/ptmx", "pts/ptmx"}};
  for (size_t i = 0; i < 5; i++) {
    ssize_t n = readlink(links[i][0], buf, sizeof(buf) - 1);
    CHECK(n > 0, "readlink %s: %s", links[i][0], strerror(errno));
    buf[n] = '\0';
    CHECK(strcmp(buf, links[i][1]) == 0, "%s -> %s, want %s", links[i][0], buf, links[i][1]);
  }
  CHECK(stat("/dev/fd/0", &st) == 0, "/dev/fd does not resolve");
  fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  CHECK(fd >= 0, "open /dev/ptmx: %s", strerror(errno));
  close(fd);

  CHECK(read_text("/etc/secret", buf, sizeof(buf)) && buf[0] == '\0',
        "masked /etc/secret reads \"%s\"", buf);
  CHECK(stat("/etc/maskdir/inside", &st) < 0 && errno == ENOENT, "masked dir shows its content");
  CHECK(errno_of_create("/etc/maskdir/x") == EROFS, "masked dir writable");
  CHECK(read_text("/etc/ro/file", buf, sizeof(buf)) && strcmp(buf, "read only\n") == 0,
        "/etc/ro/file unreadable");
  CHECK(errno_of_create("/etc/ro/file") == EROFS, "read-only path writable");
  return 0;
}

/* ---- tests ------------------------------------------------------------------ */

static int full_container_as_root(void)
{
  struct mount_plan mounts[N_STD_MOUNTS + 2];
  memcpy(mounts, std_mounts, sizeof(std_mounts));
  mounts[N_STD_MOUNTS] = (struct mount_plan){
      .destination = "/etc/bound", .source = fx.host_file, .flags = MS_BIND | MS_RDONLY};
  /* rootfs/evil -> the host's fx.outside: must land in rootfs/<fx.outside>/sub */
  mounts[N_STD_MOUNTS + 1] = (struct mount_plan){
      .destination = "/evil/sub", .type = "tmpfs", .source = "tmpfs", .propagation = MS_SHARED};
  struct plan p;
  plan_init(&p, mounts, sizeof(mounts) / sizeof(mounts[0]));
  p.root_readonly = true;
  p.masked_paths = masked;
  p.readonly_paths = readonly;
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  struct stat st;
  char host_sub[256];
  snprintf(host_sub, sizeof(host_sub), "%s/sub", fx.outside);
  CHECK(stat(host_sub, &st) < 0 && errno == ENOENT, "mount point created outside: %s", host_sub);
  CHECK_OK(rootfs_enter(&p, &err), &err);

  int ret = check_standard_container();
  if (ret)
    return ret;
  char buf[256];
  CHECK(read_text("/etc/bound", buf, sizeof(buf)) && strcmp(buf, HOST_FILE_TEXT) == 0,
        "bound file: \"%s\"", buf);
  CHECK(errno_of_create("/etc/bound") == EROFS, "ro bind writable");
  char inside_sub[256];
  snprintf(inside_sub, sizeof(inside_sub), "%s/sub", fx.outside);
  CHECK(strcmp(mount_type_at(inside_sub), "tmpfs") == 0,
        "tmpfs for /evil/sub not at %s inside the rootfs", inside_sub);
  CHECK(strstr(mount_line_at(inside_sub), " shared:") != NULL,
        "propagation of /evil/sub not applied: %s", mount_line_at(inside_sub));
  CHECK(strcmp(mount_type_at("/dev/null"), "devtmpfs") == 0,
        "/dev/null is not a bind of the host's");
  return 0;
}

Test(rootfs, full_container_as_root)
{
  struct child_opts o = {.flags = CLONE_NEWIPC};
  run_child(&o, full_container_as_root);
  /* nothing appeared in the host directory the symlink pointed at */
  char path[256];
  snprintf(path, sizeof(path), "%s/sub", fx.outside);
  struct stat st;
  cr_expect(stat(path, &st) < 0 && errno == ENOENT, "%s was created on the host", path);
}

/* A tmpfs mounted nosuid,nodev,noexec before the user namespace: those flags
 * are then locked, and a read-only bind of it must keep them. */
static int mount_locked_source(void)
{
  CHECK(mount("tmpfs", fx.locked, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k") == 0,
        "mount tmpfs on %s: %s", fx.locked, strerror(errno));
  char path[256];
  snprintf(path, sizeof(path), "%s/data", fx.locked);
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  CHECK(fd >= 0 && write(fd, "locked\n", 7) == 7, "write %s: %s", path, strerror(errno));
  close(fd);
  return 0;
}

static int container_in_userns(void)
{
  struct mount_plan mounts[N_STD_MOUNTS + 1];
  memcpy(mounts, std_mounts, sizeof(std_mounts));
  mounts[N_STD_MOUNTS] = (struct mount_plan){
      .destination = "/mnt/locked", .source = fx.locked, .flags = MS_BIND | MS_REC | MS_RDONLY};
  struct plan p;
  plan_init(&p, mounts, sizeof(mounts) / sizeof(mounts[0]));
  p.ns[NS_USER].mode = NS_NEW;
  p.root_readonly = true;
  p.masked_paths = masked;
  p.readonly_paths = readonly;
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  CHECK_OK(rootfs_enter(&p, &err), &err);

  int ret = check_standard_container();
  if (ret)
    return ret;
  CHECK(getpid() == 1, "not pid 1 of a new pid namespace");
  /* no network namespace of our own: sysfs must have been bound from the host,
   * submounts included */
  CHECK(strcmp(mount_type_at("/sys/fs/cgroup"), "") != 0, "/sys is not the host's /sys bound");
  char buf[64];
  CHECK(read_text("/mnt/locked/data", buf, sizeof(buf)) && strcmp(buf, "locked\n") == 0,
        "/mnt/locked/data unreadable");
  CHECK(errno_of_create("/mnt/locked/x") == EROFS, "ro bind of a locked mount writable");
  struct statvfs sv;
  CHECK(statvfs("/mnt/locked", &sv) == 0, "statvfs: %s", strerror(errno));
  unsigned long want = ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC;
  CHECK((sv.f_flag & want) == want, "/mnt/locked flags %#lx, want %#lx", sv.f_flag, want);
  return 0;
}

Test(rootfs, container_in_user_namespace)
{
  struct child_opts o = {
      .userns = true, .flags = CLONE_NEWPID | CLONE_NEWIPC, .pre = mount_locked_source};
  run_child(&o, container_in_userns);
}

/* The host's /dev bound in: no default devices or links are made in it. */
static int dev_bind_skips_defaults(void)
{
  struct mount_plan mounts[] = {
      {.destination = "/proc",
       .type = "proc",
       .source = "proc",
       .flags = 0,
       .propagation = 0,
       .data = NULL},
      {.destination = "/dev",
       .type = NULL,
       .source = "/dev",
       .flags = MS_BIND | MS_REC,
       .propagation = 0,
       .data = NULL},
  };
  struct plan p;
  plan_init(&p, mounts, 2);
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  CHECK_OK(rootfs_enter(&p, &err), &err);
  CHECK(strcmp(mount_type_at("/dev"), "devtmpfs") == 0, "/dev is \"%s\"", mount_type_at("/dev"));
  CHECK(strcmp(mount_type_at("/dev/null"), "") == 0, "a device was bound over the host's /dev");
  struct stat st;
  CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "/dev/null missing");
  CHECK(errno_of_create("/newfile") == 0, "/ not writable without readonly root");
  return 0;
}

Test(rootfs, dev_bind_skips_default_devices)
{
  struct child_opts o = {0};
  run_child(&o, dev_bind_skips_defaults);
}

/* A device the spec mounts itself is left alone. */
static int spec_device_wins(void)
{
  struct mount_plan mounts[] = {
      {.destination = "/dev",
       .type = "tmpfs",
       .source = "tmpfs",
       .flags = 0,
       .propagation = 0,
       .data = NULL},
      {.destination = "/dev/null",
       .type = NULL,
       .source = "/dev/zero",
       .flags = MS_BIND,
       .propagation = 0,
       .data = NULL},
  };
  struct plan p;
  plan_init(&p, mounts, 2);
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  CHECK_OK(rootfs_enter(&p, &err), &err);
  struct stat st;
  CHECK(stat("/dev/null", &st) == 0 && st.st_rdev == makedev(1, 5),
        "/dev/null is not the spec's bind of /dev/zero");
  CHECK(stat("/dev/urandom", &st) == 0 && st.st_rdev == makedev(1, 9), "/dev/urandom missing");
  /* no /dev/pts: no ptmx link */
  CHECK(lstat("/dev/ptmx", &st) < 0 && errno == ENOENT, "/dev/ptmx made without /dev/pts");
  return 0;
}

Test(rootfs, spec_mounted_device_is_not_replaced)
{
  struct child_opts o = {0};
  run_child(&o, spec_device_wins);
}

/* Sysctls are written through the runtime's own /proc, whose net and ipc
 * entries show the writer's namespaces: the container's values change, the
 * host's do not. */
static int sysctl_values(void)
{
  struct mount_plan mounts[] = {{.destination = "/proc",
                                 .type = "proc",
                                 .source = "proc",
                                 .flags = 0,
                                 .propagation = 0,
                                 .data = NULL}};
  struct sysctl_plan sysctl[] = {{"kernel.msgmax", "12345"}, {"net.ipv4.ip_default_ttl", "42"}};
  struct plan p;
  plan_init(&p, mounts, 1);
  p.sysctl = sysctl;
  p.n_sysctl = 2;
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  CHECK_OK(rootfs_enter(&p, &err), &err);
  char buf[64];
  CHECK(read_text("/proc/sys/kernel/msgmax", buf, sizeof(buf)) && atoi(buf) == 12345,
        "kernel.msgmax inside is %s", buf);
  CHECK(read_text("/proc/sys/net/ipv4/ip_default_ttl", buf, sizeof(buf)) && atoi(buf) == 42,
        "net.ipv4.ip_default_ttl inside is %s", buf);
  return 0;
}

static void read_host_value(const char *path, char *buf, size_t len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
  ssize_t n = read(fd, buf, len - 1);
  cr_assert_gt(n, 0, "read %s", path);
  buf[n] = '\0';
  close(fd);
}

Test(rootfs, sysctl_reaches_the_container_namespaces_only)
{
  const char *paths[] = {"/proc/sys/kernel/msgmax", "/proc/sys/net/ipv4/ip_default_ttl"};
  char before[2][64], after[2][64];
  for (int i = 0; i < 2; i++)
    read_host_value(paths[i], before[i], sizeof(before[i]));
  cr_assert(atoi(before[0]) != 12345 && atoi(before[1]) != 42, "host already has the test values");
  struct child_opts o = {.flags = CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS};
  run_child(&o, sysctl_values);
  for (int i = 0; i < 2; i++) {
    read_host_value(paths[i], after[i], sizeof(after[i]));
    if (strcmp(before[i], after[i]) != 0)
      write_text(paths[i], before[i], 0); /* put the host back before failing */
    cr_expect_str_eq(after[i], before[i], "host %s changed", paths[i]);
  }
}

static int sysctl_errors(void)
{
  struct sysctl_plan bad_key[] = {{"kernel..msgmax", "1"}};
  struct sysctl_plan missing[] = {{"kernel.nsrt_no_such_key", "1"}};
  struct plan p;
  plan_init(&p, NULL, 0);
  p.sysctl = bad_key;
  p.n_sysctl = 1;
  struct nsrt_err err = {0};
  CHECK(rootfs_prepare(&p, &err) < 0, "a key with \"..\" accepted");
  CHECK(strcmp(err.step, "sysctl") == 0 && err.errnum == EINVAL, "step %s errnum %d", err.step,
        err.errnum);
  CHECK(strstr(err.text, "kernel..msgmax") != NULL, "text \"%s\" does not name the key", err.text);

  p.sysctl = missing;
  CHECK(rootfs_prepare(&p, &err) < 0, "a missing key accepted");
  CHECK(strcmp(err.step, "sysctl") == 0 && err.errnum == ENOENT, "step %s errnum %d", err.step,
        err.errnum);
  CHECK(strcmp(err.text, "open /proc/sys/kernel/nsrt_no_such_key") == 0, "text \"%s\"", err.text);
  return 0;
}

Test(rootfs, sysctl_errors_name_the_key)
{
  struct child_opts o = {.flags = CLONE_NEWIPC};
  run_child(&o, sysctl_errors);
}

/* ---- errors and failpoints --------------------------------------------------- */

static int pivot_root_failpoint(void)
{
  nsrt_set_stage("init");
  struct nsrt_err err = {0};
  CHECK_OK(nsrt_fp_configure("init.pivot_root=err(EPERM)", 0, NULL, &err), &err);
  struct mount_plan mounts[] = {{.destination = "/proc",
                                 .type = "proc",
                                 .source = "proc",
                                 .flags = 0,
                                 .propagation = 0,
                                 .data = NULL}};
  struct plan p;
  plan_init(&p, mounts, 1);
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  CHECK(rootfs_enter(&p, &err) < 0, "rootfs_enter passed an armed init.pivot_root");
  CHECK(strcmp(err.stage, "init") == 0, "stage \"%s\"", err.stage);
  CHECK(strcmp(err.step, "pivot_root") == 0, "step \"%s\"", err.step);
  CHECK(err.errnum == EPERM, "errnum %d (%s)", err.errnum, strerror(err.errnum));
  CHECK(strstr(err.text, fx.root) != NULL, "text \"%s\" does not name the rootfs", err.text);
  /* nothing was pivoted: the host is still "/" */
  struct stat st;
  CHECK(stat(fx.dir, &st) == 0, "the root changed although pivot_root failed");
  nsrt_fp_reset();
  return 0;
}

Test(rootfs, pivot_root_failpoint_fails_enter)
{
  struct child_opts o = {0};
  run_child(&o, pivot_root_failpoint);
}

static int mount_failpoint(void)
{
  nsrt_set_stage("init");
  struct nsrt_err err = {0};
  CHECK_OK(nsrt_fp_configure("init.mount=1*off->err(EIO)", 0, NULL, &err), &err);
  struct mount_plan mounts[] = {
      {.destination = "/proc",
       .type = "proc",
       .source = "proc",
       .flags = 0,
       .propagation = 0,
       .data = NULL},
      {.destination = "/tmp",
       .type = "tmpfs",
       .source = "tmpfs",
       .flags = 0,
       .propagation = 0,
       .data = NULL},
  };
  struct plan p;
  plan_init(&p, mounts, 2);
  CHECK(rootfs_prepare(&p, &err) < 0, "rootfs_prepare passed an armed init.mount");
  CHECK(strcmp(err.step, "mount") == 0 && err.errnum == EIO, "step %s errnum %d", err.step,
        err.errnum);
  CHECK(strcmp(err.text, "mount tmpfs tmpfs on /tmp") == 0, "text \"%s\"", err.text);
  nsrt_fp_reset();
  return 0;
}

Test(rootfs, mount_failpoint_names_the_mount)
{
  struct child_opts o = {0};
  run_child(&o, mount_failpoint);
}

static int mount_error(void)
{
  struct mount_plan mounts[] = {{.destination = "/mnt/x",
                                 .type = "nsrtnosuchfs",
                                 .source = NULL,
                                 .flags = 0,
                                 .propagation = 0,
                                 .data = NULL}};
  struct plan p;
  plan_init(&p, mounts, 1);
  struct nsrt_err err = {0};
  CHECK(rootfs_prepare(&p, &err) < 0, "an unknown fs type mounted");
  CHECK(strcmp(err.step, "mount") == 0 && err.errnum == ENODEV, "step %s errnum %d (%s)", err.step,
        err.errnum, strerror(err.errnum));
  CHECK(strcmp(err.text, "mount nsrtnosuchfs none on /mnt/x") == 0, "text \"%s\"", err.text);
  return 0;
}

Test(rootfs, mount_error_names_type_source_destination)
{
  struct child_opts o = {0};
  run_child(&o, mount_error);
  /* the mount point was created inside the rootfs */
  char path[256];
  snprintf(path, sizeof(path), "%s/mnt/x", fx.root);
  struct stat st;
  cr_expect(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "%s not created", path);
}

/* ".." through a relative symlink stops at the top of the rootfs. */
static int relative_symlink(void)
{
  struct mount_plan mounts[] = {
      {.destination = "/proc",
       .type = "proc",
       .source = "proc",
       .flags = 0,
       .propagation = 0,
       .data = NULL},
      {.destination = "/up/relsub",
       .type = "tmpfs",
       .source = "tmpfs",
       .flags = 0,
       .propagation = 0,
       .data = NULL},
  };
  struct plan p;
  plan_init(&p, mounts, 2);
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  CHECK_OK(rootfs_enter(&p, &err), &err);
  CHECK(strcmp(mount_type_at("/relsub"), "tmpfs") == 0, "/up/relsub did not land on /relsub");
  return 0;
}

Test(rootfs, relative_symlink_stays_inside)
{
  struct child_opts o = {0};
  run_child(&o, relative_symlink);
  char path[256];
  snprintf(path, sizeof(path), "%s/relsub", fx.dir);
  struct stat st;
  cr_expect(stat(path, &st) < 0 && errno == ENOENT, "%s was created on the host", path);
}

static int symlink_loop(void)
{
  struct mount_plan mounts[] = {{.destination = "/loop/x",
                                 .type = "tmpfs",
                                 .source = "tmpfs",
                                 .flags = 0,
                                 .propagation = 0,
                                 .data = NULL}};
  struct plan p;
  plan_init(&p, mounts, 1);
  struct nsrt_err err = {0};
  CHECK(rootfs_prepare(&p, &err) < 0, "mounted through a symlink loop");
  CHECK(strcmp(err.step, "mount") == 0 && err.errnum == ELOOP, "step %s errnum %d (%s)", err.step,
        err.errnum, strerror(err.errnum));
  CHECK(strstr(err.text, "mount tmpfs tmpfs on /loop/x: ") == err.text, "text \"%s\"", err.text);
  return 0;
}

Test(rootfs, symlink_loop_is_an_error)
{
  struct child_opts o = {0};
  run_child(&o, symlink_loop);
}

/* A joined mount namespace: no mounts, no devices, just a chroot. */
static int joined_mount_ns(void)
{
  struct mount_plan mounts[] = {{.destination = "/proc",
                                 .type = "proc",
                                 .source = "proc",
                                 .flags = 0,
                                 .propagation = 0,
                                 .data = NULL}};
  struct plan p;
  plan_init(&p, mounts, 1);
  p.ns[NS_MOUNT].mode = NS_JOIN;
  p.root_readonly = true;
  int before = count_mounts_under("/");
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  char cwd[256];
  CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, fx.root) == 0, "cwd %s after prepare", cwd);
  CHECK(count_mounts_under("/") == before, "prepare mounted something");
  CHECK_OK(rootfs_enter(&p, &err), &err);
  char buf[64];
  CHECK(read_text("/marker", buf, sizeof(buf)), "/marker not visible after chroot");
  CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0, "cwd %s after enter", cwd);
  struct stat st;
  CHECK(stat("/proc/self", &st) < 0 && errno == ENOENT, "proc mounted in a joined mount ns");
  CHECK(stat("/dev/null", &st) < 0 && errno == ENOENT, "devices made in a joined mount ns");
  return 0;
}

Test(rootfs, joined_mount_namespace_chroots)
{
  struct child_opts o = {0};
  run_child(&o, joined_mount_ns);
}

/* A "host" whose mounts are all shared, as under systemd, with a shared
 * mount inside the rootfs (rootfs/mnt).  The container mounts a tmpfs on
 * /mnt/sub: with the default rslave it must not reach the host; with rshared
 * or a non-recursive private it does (rootfs/mnt stays a peer of the host's),
 * which is what those settings ask for.  pivot_root must work in all three. */
static unsigned long propagation_under_test;

static int container_for_shared_host(void)
{
  struct mount_plan mounts[] = {
      {.destination = "/proc",
       .type = "proc",
       .source = "proc",
       .flags = 0,
       .propagation = 0,
       .data = NULL},
      {.destination = "/mnt/sub",
       .type = "tmpfs",
       .source = "tmpfs",
       .flags = 0,
       .propagation = 0,
       .data = NULL},
  };
  struct plan p;
  plan_init(&p, mounts, 2);
  p.rootfs_propagation = propagation_under_test;
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  CHECK_OK(rootfs_enter(&p, &err), &err);
  char buf[64];
  CHECK(read_text("/marker", buf, sizeof(buf)), "/marker not visible");
  CHECK(strcmp(mount_type_at("/mnt/sub"), "tmpfs") == 0, "/mnt/sub not mounted");
  return 0;
}

static int shared_host(int want_host_mounts)
{
  char mnt[256];
  snprintf(mnt, sizeof(mnt), "%s/mnt", fx.root);
  CHECK(mount(NULL, "/", "", MS_REC | MS_SHARED, NULL) == 0, "make / rshared: %s", strerror(errno));
  CHECK(mount("tmpfs", mnt, "tmpfs", 0, NULL) == 0, "mount %s: %s", mnt, strerror(errno));
  pid_t pid = fork();
  CHECK(pid >= 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    if (unshare(CLONE_NEWNS) < 0)
      _exit(child_fail("unshare: %s", strerror(errno)));
    int ret = container_for_shared_host();
    if (ret) {
      /* this is another copy of child_msg: pass the text on */
      ssize_t w = write(2, child_msg, strlen(child_msg));
      (void)w;
    }
    _exit(ret);
  }
  int status = wait_child(pid, CHILD_TIMEOUT_MS);
  CHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "container failed with rootfs_propagation %#lx (status %#x, see stderr)",
        propagation_under_test, status);
  int seen = count_mounts_under(fx.root);
  CHECK(seen == want_host_mounts,
        "host sees %d mounts under the rootfs, want %d (propagation %#lx)", seen, want_host_mounts,
        propagation_under_test);
  return 0;
}

static int shared_host_keeps_container_mounts(void)
{
  return shared_host(1);
}

static int shared_host_receives_container_mounts(void)
{
  return shared_host(2);
}

Test(rootfs, default_propagation_keeps_container_mounts_from_the_host)
{
  propagation_under_test = 0;
  struct child_opts o = {0};
  run_child(&o, shared_host_keeps_container_mounts);
}

Test(rootfs, rshared_propagation_reaches_the_host_and_still_pivots)
{
  propagation_under_test = MS_SHARED | MS_REC;
  struct child_opts o = {0};
  run_child(&o, shared_host_receives_container_mounts);
}

Test(rootfs, nonrecursive_private_still_pivots)
{
  propagation_under_test = MS_PRIVATE;
  struct child_opts o = {0};
  run_child(&o, shared_host_receives_container_mounts);
}

/* rootfsPropagation is the propagation of the container's root mount itself,
 * as /proc/self/mountinfo shows it after the pivot. */
static int root_mount_propagation(void)
{
  struct mount_plan mounts[N_STD_MOUNTS];
  memcpy(mounts, std_mounts, sizeof(std_mounts));
  struct plan p;
  plan_init(&p, mounts, N_STD_MOUNTS);
  p.rootfs_propagation = propagation_under_test;
  p.readonly_paths = readonly; /* binds, which an unbindable / would refuse */
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  CHECK_OK(rootfs_enter(&p, &err), &err);
  CHECK(errno_of_create("/etc/ro/x") == EROFS, "/etc/ro is writable");
  const char *line = mount_line_at("/");
  if (propagation_under_test & MS_SHARED)
    CHECK(strstr(line, " shared:") != NULL, "/ is not shared: %s", line);
  if (propagation_under_test & MS_UNBINDABLE)
    CHECK(strstr(line, " unbindable") != NULL, "/ is not unbindable: %s", line);
  return 0;
}

Test(rootfs, shared_rootfs_propagation_reaches_the_new_root)
{
  propagation_under_test = MS_SHARED;
  struct child_opts o = {.flags = CLONE_NEWIPC};
  run_child(&o, root_mount_propagation);
}

Test(rootfs, unbindable_rootfs_propagation_reaches_the_new_root)
{
  propagation_under_test = MS_UNBINDABLE;
  struct child_opts o = {.flags = CLONE_NEWIPC};
  run_child(&o, root_mount_propagation);
}

/* ---- linux.devices ---------------------------------------------------------- */

/* Without a user namespace: mknod with the exact mode and owner, parents
 * created, a fifo, a block device. */
static int devices_by_mknod(void)
{
  struct mount_plan mounts[] = {{.destination = "/dev", .type = "tmpfs", .source = "tmpfs"}};
  struct device_plan devices[] = {
      {.path = "/dev/nsc/full",
       .type = 'c',
       .major = 1,
       .minor = 7,
       .has_mode = true,
       .mode = 0640,
       .has_uid = true,
       .uid = 1000,
       .has_gid = true,
       .gid = 1001},
      {.path = "/dev/blk", .type = 'b', .major = 7, .minor = 0},
      {.path = "/dev/fifo", .type = 'p', .has_mode = true, .mode = 0600},
      {.path = "/dev/unbuffered", .type = 'u', .major = 1, .minor = 3},
  };
  struct plan p;
  plan_init(&p, mounts, 1);
  p.devices = devices;
  p.n_devices = sizeof(devices) / sizeof(devices[0]);
  umask(022);
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  CHECK_OK(rootfs_enter(&p, &err), &err);
  struct stat st;
  CHECK(lstat("/dev/nsc/full", &st) == 0, "/dev/nsc/full: %s", strerror(errno));
  CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 7), "/dev/nsc/full not c 1:7");
  CHECK((st.st_mode & 07777) == 0640, "/dev/nsc/full mode %o", st.st_mode & 07777);
  CHECK(st.st_uid == 1000 && st.st_gid == 1001, "/dev/nsc/full owner %d:%d", st.st_uid, st.st_gid);
  CHECK(lstat("/dev/blk", &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == makedev(7, 0),
        "/dev/blk not b 7:0");
  CHECK((st.st_mode & 07777) == 0666 && st.st_uid == 0, "/dev/blk mode %o (umask applied?)",
        st.st_mode & 07777);
  CHECK(lstat("/dev/fifo", &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0600,
        "/dev/fifo not a 0600 fifo");
  CHECK(lstat("/dev/unbuffered", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
        "/dev/unbuffered (type u) not c 1:3");
  /* the default devices are still there */
  CHECK(stat("/dev/zero", &st) == 0 && st.st_rdev == makedev(1, 5), "/dev/zero missing");
  return 0;
}

Test(rootfs, devices_made_by_mknod)
{
  struct child_opts o = {0};
  run_child(&o, devices_by_mknod);
}

/* In a user namespace: the host's node bound at the same path; a fifo is
 * still made with mknod, and a listed default device is not made twice. */
static int devices_bound_in_userns(void)
{
  struct mount_plan mounts[] = {{.destination = "/proc", .type = "proc", .source = "proc"},
                                {.destination = "/dev", .type = "tmpfs", .source = "tmpfs"}};
  struct device_plan devices[] = {
      {.path = "/dev/full", .type = 'c', .major = 1, .minor = 7, .bind_host = true},
      {.path = "/dev/nsc/fifo", .type = 'p', .has_uid = true, .uid = 5},
  };
  struct plan p;
  plan_init(&p, mounts, 2);
  p.ns[NS_USER].mode = NS_NEW;
  p.devices = devices;
  p.n_devices = 2;
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  CHECK_OK(rootfs_enter(&p, &err), &err);
  struct stat st;
  CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 7),
        "/dev/full not c 1:7");
  CHECK(count_mounts_at("/dev/full") == 1, "/dev/full bound %d times",
        count_mounts_at("/dev/full"));
  int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
  CHECK(fd >= 0, "open /dev/full: %s", strerror(errno));
  CHECK(write(fd, "x", 1) < 0 && errno == ENOSPC, "/dev/full does not act as /dev/full");
  close(fd);
  CHECK(lstat("/dev/nsc/fifo", &st) == 0 && S_ISFIFO(st.st_mode) && st.st_uid == 5,
        "/dev/nsc/fifo not a fifo of uid 5");
  return 0;
}

Test(rootfs, devices_bound_from_the_host_in_a_user_namespace)
{
  struct child_opts o = {.userns = true, .flags = CLONE_NEWPID};
  run_child(&o, devices_bound_in_userns);
}

/* What exists at the path is used when it is the device, an error otherwise. */
static int device_over_existing_file(void)
{
  struct mount_plan mounts[] = {{.destination = "/dev", .type = "tmpfs", .source = "tmpfs"}};
  struct device_plan ok_dev[] = {
      {.path = "/dev/null", .type = 'c', .major = 1, .minor = 3},
      {.path = "/dev/null", .type = 'c', .major = 1, .minor = 3},
  };
  struct plan p;
  plan_init(&p, mounts, 1);
  p.devices = ok_dev;
  p.n_devices = 2;
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);

  struct device_plan bad[] = {{.path = "/marker", .type = 'c', .major = 1, .minor = 3}};
  plan_init(&p, NULL, 0);
  p.devices = bad;
  p.n_devices = 1;
  nsrt_err_clear(&err);
  CHECK(rootfs_prepare(&p, &err) < 0, "a device over the regular file /marker was accepted");
  CHECK(strcmp(err.step, "create_devices") == 0 && err.errnum == EEXIST &&
            strstr(err.text, "/marker exists and is not the c 1:3 device"),
        "error %s: %s (%d)", err.step, err.text, err.errnum);
  struct stat st;
  char path[256];
  snprintf(path, sizeof(path), "%s/marker", fx.root);
  CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode), "/marker was changed");
  struct device_plan dir[] = {{.path = "/etc", .type = 'p'}};
  p.devices = dir;
  nsrt_err_clear(&err);
  CHECK(rootfs_prepare(&p, &err) < 0 && strstr(err.text, "/etc exists and is not a fifo"),
        "a fifo over the directory /etc: %s", err.text);
  return 0;
}

Test(rootfs, device_over_an_existing_file_is_an_error)
{
  struct child_opts o = {0};
  run_child(&o, device_over_existing_file);
}

/* ---- remount ------------------------------------------------------------------ */

static int remounts(void)
{
  struct mount_plan mounts[] = {
      {.destination = "/proc", .type = "proc", .source = "proc"},
      {.destination = "/mnt", .source = fx.outside, .flags = MS_BIND | MS_REC},
      {.destination = "/mnt", .flags = MS_REMOUNT | MS_BIND | MS_RDONLY},
      {.destination = "/tmp", .type = "tmpfs", .source = "tmpfs", .data = "size=64k"},
      {.destination = "/tmp",
       .type = "tmpfs",
       .flags = MS_REMOUNT | MS_RDONLY,
       .data = "size=128k"},
  };
  struct plan p;
  plan_init(&p, mounts, sizeof(mounts) / sizeof(mounts[0]));
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&p, &err), &err);
  CHECK_OK(rootfs_enter(&p, &err), &err);
  CHECK(count_mounts_at("/mnt") == 1, "%d mounts at /mnt, not 1", count_mounts_at("/mnt"));
  CHECK(count_mounts_at("/tmp") == 1, "%d mounts at /tmp, not 1", count_mounts_at("/tmp"));
  struct statvfs sv;
  CHECK(statvfs("/mnt", &sv) == 0 && (sv.f_flag & ST_RDONLY), "/mnt not read-only");
  CHECK(errno_of_create("/mnt/x") == EROFS, "/mnt writable");
  CHECK(statvfs("/tmp", &sv) == 0 && (sv.f_flag & ST_RDONLY), "/tmp not read-only");
  CHECK(strstr(mount_line_at("/tmp"), "size=128k"), "tmpfs data not applied: %s",
        mount_line_at("/tmp"));
  /* the host's directory itself is untouched */
  char path[256];
  snprintf(path, sizeof(path), "%s/probe", fx.outside);
  CHECK(strstr(mount_line_at("/mnt"), " ro,") != NULL, "%s", mount_line_at("/mnt"));
  (void)path;
  return 0;
}

Test(rootfs, remount_changes_the_mount_already_there)
{
  struct child_opts o = {0};
  run_child(&o, remounts);
}

static int remount_of_nothing(void)
{
  struct mount_plan mounts[] = {{.destination = "/etc", .flags = MS_REMOUNT | MS_BIND | MS_RDONLY}};
  struct plan p;
  plan_init(&p, mounts, 1);
  struct nsrt_err err = {0};
  CHECK(rootfs_prepare(&p, &err) < 0, "a remount of /etc, which is no mount point, worked");
  CHECK(strcmp(err.step, "mount") == 0 && err.errnum == EINVAL && strstr(err.text, "remount /etc"),
        "error %s: %s (%d)", err.step, err.text, err.errnum);
  return 0;
}

Test(rootfs, remount_without_a_mount_is_an_error)
{
  struct child_opts o = {0};
  run_child(&o, remount_of_nothing);
}

/* ---- id-mapped mounts ----------------------------------------------------------- */

/* Made by "main" (here: the child as host root, before the user namespace),
 * attached by "init" inside it.  On-disk uid/gid 0 of fx.outside show as
 * 1000/1001 through the mount's mapping, which the test user namespace maps
 * to itself. */
static struct id_range idmap_u[] = {{.container_id = 0, .host_id = 1000, .size = 1}};
static struct id_range idmap_g[] = {{.container_id = 0, .host_id = 1001, .size = 1}};
static struct mount_plan idmap_mounts[] = {
    {.destination = "/proc", .type = "proc", .source = "proc"},
    {.destination = "/mnt",
     .source = NULL,
     .flags = MS_BIND,
     .idmap = MOUNT_IDMAP,
     .uid_map = idmap_u,
     .gid_map = idmap_g,
     .n_uid_map = 1,
     .n_gid_map = 1},
};
static struct plan idmap_plan;

static int make_idmapped_trees(void)
{
  idmap_mounts[1].source = fx.outside;
  plan_init(&idmap_plan, idmap_mounts, 2);
  idmap_plan.ns[NS_USER].mode = NS_NEW;
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_idmapped_trees(&idmap_plan, &err), &err);
  CHECK(idmap_mounts[1].has_tree && idmap_mounts[1].tree_fd >= 0, "no tree fd");
  CHECK(!idmap_mounts[0].has_tree, "a tree for a mount without idmap");
  /* the helper user namespace's process is gone */
  CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD, "a helper child is left");
  return 0;
}

static int idmapped_in_userns(void)
{
  struct nsrt_err err = {0};
  CHECK_OK(rootfs_prepare(&idmap_plan, &err), &err);
  CHECK_OK(rootfs_enter(&idmap_plan, &err), &err);
  struct stat st;
  CHECK(stat("/mnt", &st) == 0, "stat /mnt: %s", strerror(errno));
  CHECK(st.st_uid == 1000 && st.st_gid == 1001, "/mnt owned by %d:%d, not 1000:1001", st.st_uid,
        st.st_gid);
  CHECK(strstr(mount_line_at("/mnt"), "idmapped"), "not id-mapped: %s", mount_line_at("/mnt"));
  return 0;
}

Test(rootfs, idmapped_mount_attached_in_a_user_namespace)
{
  /* the kernel has open_tree; valgrind 3.19 does not know it (ENOSYS) */
  int probe = open_tree(AT_FDCWD, "/", OPEN_TREE_CLOEXEC);
  if (probe < 0 && errno == ENOSYS) {
    teardown_rootfs(); /* a skipped test does not get its fini */
    cr_skip_test("open_tree is not available here (ENOSYS)");
  }
  if (probe >= 0)
    close(probe);
  struct child_opts o = {.userns = true, .flags = CLONE_NEWPID, .pre = make_idmapped_trees};
  run_child(&o, idmapped_in_userns);
}
