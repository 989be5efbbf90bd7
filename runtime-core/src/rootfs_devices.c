/* Step 4 of the rootfs (see rootfs.h): linux.devices, the default devices
 * (bound from the host's nodes) and the /dev symlinks, in the rootfs before
 * pivot_root.  Failpoint "init.create_devices", error step "create_devices".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "failpoint.h"
#include "rootfs_int.h"
#include "spec.h"

static const char *const default_devices[] = {"null", "zero", "full", "random", "urandom", "tty"};

static const struct {
  const char *name, *target;
} default_dev_links[] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
};

/* ---- 4. default devices and /dev symlinks --------------------------------- */

static bool plan_mounts_at(const struct plan *p, const char *dest)
{
  for (size_t i = 0; i < p->n_mounts; i++)
    if (strcmp(p->mounts[i].destination, dest) == 0)
      return true;
  return false;
}

static bool dev_is_bind(const struct plan *p)
{
  for (size_t i = 0; i < p->n_mounts; i++)
    if (strcmp(p->mounts[i].destination, "/dev") == 0 && rootfs_mount_is_bind(&p->mounts[i]))
      return true;
  return false;
}

/* mknod is refused in a user namespace, so bind the host's nodes instead */
static int bind_default_device(int rootfd, const char *name, struct nsrt_err *err)
{
  char dest[64];
  snprintf(dest, sizeof(dest), "/dev/%s", name);
  cleanup_close int fd = rootfs_open_or_create(rootfd, dest, true, "create_devices", err);
  if (fd < 0)
    return -1;
  char target[PROC_FD_PATH_MAX];
  rootfs_proc_fd_path(target, fd);
  if (mount(dest, target, NO_FSTYPE, MS_BIND, NULL) < 0)
    return nsrt_fail(err, errno, "create_devices", "bind the host's %s on %s", dest, dest);
  return 0;
}

static bool plan_device_at(const struct plan *p, const char *path)
{
  for (size_t i = 0; i < p->n_devices; i++)
    if (strcmp(p->devices[i].path, path) == 0)
      return true;
  return false;
}

static mode_t device_type_bits(char type)
{
  return type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
}

static bool is_device(const struct device_plan *d, const struct stat *st)
{
  if ((st->st_mode & S_IFMT) != device_type_bits(d->type))
    return false;
  return d->type == 'p' ||
         ((int64_t)major(st->st_rdev) == d->major && (int64_t)minor(st->st_rdev) == d->minor);
}

static void describe_device(const struct device_plan *d, char *buf, size_t len)
{
  if (d->type == 'p')
    snprintf(buf, len, "a fifo");
  else
    snprintf(buf, len, "the %c %lld:%lld device", d->type, (long long)d->major,
             (long long)d->minor);
}

/* A new node for d in dirfd: mknod with the exact mode and owner (ids of the
 * container's namespace, which init is in), or in a user namespace an empty
 * file with the host's node bound on it. */
static int new_device(int dirfd, const char *name, const struct device_plan *d,
                      struct nsrt_err *err)
{
  if (d->bind_host) {
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
      return nsrt_fail(err, errno, "create_devices", "create %s to bind the host's node on",
                       d->path);
    close(fd);
    cleanup_close int node = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    char target[PROC_FD_PATH_MAX];
    rootfs_proc_fd_path(target, node);
    if (node < 0 || mount(d->path, target, NO_FSTYPE, MS_BIND, NULL) < 0)
      return nsrt_fail(err, errno, "create_devices", "bind the host's %s on %s", d->path, d->path);
    return 0;
  }
  mode_t perm = d->has_mode ? d->mode : 0666;
  if (mknodat(dirfd, name, device_type_bits(d->type) | perm,
              makedev((unsigned)d->major, (unsigned)d->minor)) < 0)
    return nsrt_fail(err, errno, "create_devices", "mknod %s %c %lld:%lld", d->path, d->type,
                     (long long)d->major, (long long)d->minor);
  /* the umask took its share of the mode */
  if (fchmodat(dirfd, name, perm, 0) < 0)
    return nsrt_fail(err, errno, "create_devices", "chmod %s to 0%o", d->path, (unsigned)perm);
  if ((d->has_uid || d->has_gid) &&
      fchownat(dirfd, name, d->has_uid ? d->uid : (uid_t)-1, d->has_gid ? d->gid : (gid_t)-1,
               AT_SYMLINK_NOFOLLOW) < 0)
    return nsrt_fail(err, errno, "create_devices", "chown %s to %d:%d", d->path,
                     d->has_uid ? (int)d->uid : -1, d->has_gid ? (int)d->gid : -1);
  return 0;
}

/* One linux.devices entry.  What already exists at the path is used as it is
 * when it is the requested device, and an error otherwise (config-linux.md). */
static int make_device(int rootfd, const struct device_plan *d, struct nsrt_err *err)
{
  char what[64];
  describe_device(d, what, sizeof(what));
  cleanup_close int fd = rootfs_open_in_root(rootfd, d->path, 0);
  if (fd >= 0) {
    struct stat st;
    if (fstat(fd, &st) < 0)
      return nsrt_fail(err, errno, "create_devices", "stat %s", d->path);
    if (!is_device(d, &st))
      return nsrt_fail(err, EEXIST, "create_devices", "%s exists and is not %s", d->path, what);
    return 0;
  }
  if (errno != ENOENT)
    return nsrt_fail(err, errno, "create_devices", "open %s in the rootfs", d->path);
  cleanup_free char *dir = strdup(d->path);
  if (!dir)
    return nsrt_fail(err, ENOMEM, "create_devices", "%s", d->path);
  char *slash = strrchr(dir, '/');
  const char *name = d->path + (slash - dir) + 1;
  slash[slash == dir ? 1 : 0] = '\0';
  cleanup_close int dirfd = rootfs_open_or_create(rootfd, dir, false, "create_devices", err);
  if (dirfd < 0)
    return nsrt_err_context(err, "the directory of device %s", d->path);
  /* rootfs_open_or_create gives an O_PATH fd; mknodat and the rest need a real one */
  cleanup_close int realdir = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (realdir < 0)
    return nsrt_fail(err, errno, "create_devices", "open %s", dir);
  return new_device(realdir, name, d, err);
}

int rootfs_create_devices(const struct plan *p, int rootfd, struct nsrt_err *err)
{
  if (dev_is_bind(p) && p->n_devices == 0)
    return 0;
  if (FP_FAILS("init.create_devices"))
    return nsrt_fail(err, errno, "create_devices", "default devices in %s/dev", p->root_path);
  for (size_t i = 0; i < p->n_devices; i++) {
    int ret = make_device(rootfd, &p->devices[i], err);
    if (ret < 0)
      return ret;
  }
  /* with the host's /dev bound in, everything is there, and writing into it
   * would change the host */
  if (dev_is_bind(p))
    return 0;

  for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
    char dest[64];
    snprintf(dest, sizeof(dest), "/dev/%s", default_devices[i]);
    if (plan_mounts_at(p, dest) || plan_device_at(p, dest))
      continue;
    int ret = bind_default_device(rootfd, default_devices[i], err);
    if (ret < 0)
      return ret;
  }

  cleanup_close int devfd = rootfs_open_or_create(rootfd, "/dev", false, "create_devices", err);
  if (devfd < 0)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE(default_dev_links); i++)
    if (symlinkat(default_dev_links[i].target, devfd, default_dev_links[i].name) < 0 &&
        errno != EEXIST)
      return nsrt_fail(err, errno, "create_devices", "symlink /dev/%s -> %s",
                       default_dev_links[i].name, default_dev_links[i].target);
  struct stat st;
  if (fstatat(devfd, "pts", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
      symlinkat("pts/ptmx", devfd, "ptmx") < 0 && errno != EEXIST)
    return nsrt_fail(err, errno, "create_devices", "symlink /dev/ptmx -> pts/ptmx");
  return 0;
}
