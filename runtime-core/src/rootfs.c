/* The container's filesystem view, built by init (see rootfs.h for the steps).
 * This file holds the steps that mount (1-3, with the id-mapped copies main
 * prepares for step 3), sysctl (5), pivot_root (6) and the read-only and
 * masked paths (7); step 4, the devices, is in rootfs_devices.c, and the
 * lookup and creation of paths inside the rootfs in rootfs_path.c.
 *
 * Everything up to pivot_root runs with the host's root still visible, so every
 * path inside the rootfs is resolved component by component from an fd of the
 * rootfs (rootfs_open_in_root): a symlink in the image resolves against the
 * rootfs, never against the host, and the mount is made on /proc/self/fd/N of
 * what was opened, so nothing can swap the path between the check and the mount.
 */
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "failpoint.h"
#include "idmap.h"
#include "process.h"
#include "rootfs_int.h"
#include "spec.h"

/* Per-mount flags a bind remount can change. */
#define BIND_REMOUNT_FLAGS                                                                         \
  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME |       \
   MS_STRICTATIME | MS_NOSYMFOLLOW)

/* ---- helpers ------------------------------------------------------------ */

void rootfs_proc_fd_path(char buf[PROC_FD_PATH_MAX], int fd)
{
  snprintf(buf, PROC_FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

bool rootfs_mount_is_bind(const struct mount_plan *m)
{
  return (m->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
}

static const char *or_none(const char *s)
{
  return s ? s : "none";
}

static const char *mount_type_name(const struct mount_plan *m)
{
  if (m->type)
    return m->type;
  return rootfs_mount_is_bind(m) ? "bind" : "none";
}

/* Change per-mount flags of a bind mount.  In a user namespace the flags the
 * mount had when its namespace was copied are locked, and a remount that
 * would clear one fails with EPERM; then retry keeping those that are set
 * (atime flags need no help: a remount that names none keeps them). */
static int remount_bind(const char *target, unsigned long flags)
{
  unsigned long want = MS_REMOUNT | MS_BIND | (flags & BIND_REMOUNT_FLAGS);
  if (mount(NULL, target, NO_FSTYPE, want, NULL) == 0)
    return 0;
  if (errno != EPERM)
    return -1;
  struct statvfs sv;
  if (statvfs(target, &sv) < 0) {
    errno = EPERM;
    return -1;
  }
  unsigned long locked = 0;
  if (sv.f_flag & ST_RDONLY)
    locked |= MS_RDONLY;
  if (sv.f_flag & ST_NOSUID)
    locked |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    locked |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    locked |= MS_NOEXEC;
  if ((want | locked) == want) {
    errno = EPERM;
    return -1;
  }
  return mount(NULL, target, NO_FSTYPE, want | locked, NULL);
}

/* ---- 1. propagation of / ------------------------------------------------- */

static const char *propagation_name(unsigned long prop, char buf[32])
{
  const char *kind = (prop & MS_SHARED)       ? "shared"
                     : (prop & MS_SLAVE)      ? "slave"
                     : (prop & MS_PRIVATE)    ? "private"
                     : (prop & MS_UNBINDABLE) ? "unbindable"
                                              : NULL;
  if (kind)
    snprintf(buf, 32, "%s%s", (prop & MS_REC) ? "r" : "", kind);
  else
    snprintf(buf, 32, "%#lx", prop);
  return buf;
}

static int set_root_propagation(const struct plan *p, struct nsrt_err *err)
{
  /* slave by default: host mounts still reach us, ours never reach the host */
  unsigned long prop = p->rootfs_propagation ? p->rootfs_propagation : MS_SLAVE | MS_REC;
  char name[32];
  if (FP_FAILS("init.rootfs_propagation") || mount(NULL, "/", NO_FSTYPE, prop, NULL) < 0)
    return nsrt_fail(err, errno, "rootfs_propagation", "make / %s", propagation_name(prop, name));
  return 0;
}

/* ---- 2. bind the rootfs onto itself ------------------------------------- */

static int mount_id_of(const char *path, uint64_t *id)
{
  struct statx stx;
  if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT, STATX_MNT_ID, &stx) < 0)
    return -1;
  if (!(stx.stx_mask & STATX_MNT_ID)) {
    errno = ENOSYS;
    return -1;
  }
  *id = stx.stx_mnt_id;
  return 0;
}

/* pivot_root refuses a new root whose parent mount is shared, which it is when
 * rootfs_propagation asks for shared or is not recursive on a shared host.
 * The parent is the mount containing root: walk up while the mount id stays
 * the same to find where it is mounted, and make that mount private. */
static int make_parent_mount_private(const char *root, struct nsrt_err *err)
{
  cleanup_free char *mp = realpath(root, NULL);
  if (!mp)
    return nsrt_fail(err, errno, "bind_rootfs", "resolve %s", root);
  uint64_t id, up_id;
  if (mount_id_of(mp, &id) < 0)
    return nsrt_fail(err, errno, "bind_rootfs", "find the mount of %s", mp);
  while (strcmp(mp, "/") != 0) {
    /* cut mp to its parent directory, keeping what is needed to undo the cut */
    char *slash = strrchr(mp, '/');
    char *cut = slash == mp ? slash + 1 : slash;
    char saved = *cut;
    *cut = '\0';
    if (mount_id_of(mp, &up_id) < 0)
      return nsrt_fail(err, errno, "bind_rootfs", "find the mount of %s", mp);
    if (up_id != id) {
      *cut = saved;
      break;
    }
  }
  if (mount(NULL, mp, NO_FSTYPE, MS_PRIVATE, NULL) < 0)
    return nsrt_fail(err, errno, "bind_rootfs", "make %s (the mount holding %s) private", mp, root);
  return 0;
}

/* With a joined mount namespace this only enters the directory; rootfs_enter
 * then chroots into it. */
static int bind_rootfs(const struct plan *p, bool new_mountns, struct nsrt_err *err)
{
  if (FP_FAILS("init.bind_rootfs"))
    return nsrt_fail(err, errno, "bind_rootfs", "bind %s onto itself", p->root_path);
  if (new_mountns) {
    int ret = make_parent_mount_private(p->root_path, err);
    if (ret < 0)
      return ret;
    /* pivot_root needs the new root to be a mount point */
    if (mount(p->root_path, p->root_path, NO_FSTYPE, MS_BIND | MS_REC, NULL) < 0)
      return nsrt_fail(err, errno, "bind_rootfs", "bind %s onto itself", p->root_path);
  }
  if (chdir(p->root_path) < 0)
    return nsrt_fail(err, errno, "bind_rootfs", "chdir to %s", p->root_path);
  return 0;
}

/* ---- 3. the spec's mounts ------------------------------------------------- */

static int mount_new_or_bind(const struct mount_plan *m, const char *target, bool *bound)
{
  *bound = rootfs_mount_is_bind(m);
  if (*bound)
    return mount(m->source, target, NO_FSTYPE, MS_BIND | (m->flags & MS_REC), NULL);
  if (mount(m->source, target, m->type, m->flags, m->data) == 0)
    return 0;
  /* a new sysfs needs a network namespace owned by our user namespace */
  if (errno == EPERM && m->type && strcmp(m->type, "sysfs") == 0) {
    *bound = true;
    return mount("/sys", target, NO_FSTYPE, MS_BIND | MS_REC, NULL);
  }
  return -1;
}

/* The remount option: change the mount already at the destination (its
 * per-mount flags for a bind, else the file system's flags and data) rather
 * than mounting anew.  Nothing mounted there is an error (EINVAL). */
static int remount_one(int rootfd, const struct mount_plan *m, struct nsrt_err *err)
{
  cleanup_close int fd = rootfs_open_in_root(rootfd, m->destination, 0);
  if (fd < 0)
    return nsrt_fail(err, errno, "mount", "remount %s: open it", m->destination);
  char target[PROC_FD_PATH_MAX];
  rootfs_proc_fd_path(target, fd);
  if (FP_FAILS("init.mount") ||
      (rootfs_mount_is_bind(m)
           ? remount_bind(target, m->flags)
           : mount(m->source, target, m->type ? m->type : NO_FSTYPE, m->flags, m->data)) < 0)
    return nsrt_fail(err, errno, "mount", "remount %s with flags %#lx%s%s", m->destination,
                     m->flags & ~MS_REMOUNT, m->data ? " and " : "", m->data ? m->data : "");
  char name[32];
  if (m->propagation && mount(NULL, target, NO_FSTYPE, m->propagation, NULL) < 0)
    return nsrt_fail(err, errno, "mount", "make %s %s", m->destination,
                     propagation_name(m->propagation, name));
  return 0;
}

/* Attach the id-mapped copy of the source that main prepared. */
static int attach_tree(const struct mount_plan *m, int dest_fd)
{
  return move_mount(m->tree_fd, "", dest_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static int mount_one(int rootfd, const struct mount_plan *m, struct nsrt_err *err)
{
  if (m->flags & MS_REMOUNT)
    return remount_one(rootfd, m, err);
  const char *type = mount_type_name(m), *source = or_none(m->source);
  bool want_file = false;
  if (rootfs_mount_is_bind(m) && m->source) {
    struct stat st;
    /* a failing stat is left for the mount to report */
    want_file = stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode);
  }
  cleanup_close int fd = rootfs_open_or_create(rootfd, m->destination, want_file, "mount", err);
  if (fd < 0)
    return nsrt_err_context(err, "mount %s %s on %s", type, source, m->destination);

  char target[PROC_FD_PATH_MAX];
  rootfs_proc_fd_path(target, fd);
  bool bound = m->has_tree;
  if (FP_FAILS("init.mount") ||
      (m->has_tree ? attach_tree(m, fd) : mount_new_or_bind(m, target, &bound)) < 0)
    return nsrt_fail(err, errno, "mount", "mount %s %s on %s%s", type, source, m->destination,
                     m->has_tree ? " (id-mapped)" : "");

  unsigned long remount = bound ? m->flags & BIND_REMOUNT_FLAGS : 0;
  if (!remount && !m->propagation)
    return 0;
  /* fd is the directory under the new mount; the rest must act on the mount */
  close(take_fd(&fd));
  fd = rootfs_open_in_root(rootfd, m->destination, 0);
  if (fd < 0)
    return nsrt_fail(err, errno, "mount", "open %s after mounting it", m->destination);
  rootfs_proc_fd_path(target, fd);
  if (remount && remount_bind(target, remount) < 0)
    return nsrt_fail(err, errno, "mount", "remount %s %s on %s with flags %#lx", type, source,
                     m->destination, remount);
  char name[32];
  if (m->propagation && mount(NULL, target, NO_FSTYPE, m->propagation, NULL) < 0)
    return nsrt_fail(err, errno, "mount", "make %s %s", m->destination,
                     propagation_name(m->propagation, name));
  return 0;
}

/* ---- 3a. id-mapped bind mounts, prepared by main ----------------------------
 * mount_setattr(MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN over the source's file
 * system, which init in a user namespace lacks: main (in the runtime's
 * namespaces) clones the source with open_tree(OPEN_TREE_CLONE), gives the
 * copy the mapping, and the stages inherit the fd; init attaches it with
 * move_mount.  The mapping is a user namespace: the container's own (joined,
 * or the maps of a new one) or one made for the mount's uidMappings and
 * gidMappings by a helper child that main reaps at once. */

#define HELPER_REAP_TIMEOUT_MS 2000

static int write_helper_map(pid_t pid, const char *file, const struct id_range *r, size_t n,
                            struct nsrt_err *err)
{
  char path[64], text[4096];
  int len = idmap_format(r, n, text, sizeof(text));
  if (len < 0)
    return nsrt_fail(err, errno, "idmap_mount", "format the %s", file);
  snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, text, (size_t)len) != len)
    return nsrt_fail(err, errno, "idmap_mount", "write %s", path);
  return 0;
}

/* An fd of a new user namespace with these maps: a child is cloned into it,
 * waits for the maps to be written and the namespace opened, and exits when
 * its pipe closes. */
static int helper_userns(const struct id_range *u, size_t nu, const struct id_range *g, size_t ng,
                         struct nsrt_err *err)
{
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return nsrt_fail(err, errno, "idmap_mount", "pipe for the helper");
  int pidfd = -1;
  pid_t pid = clone_process(CLONE_NEWUSER, &pidfd);
  if (pid == 0) {
    char c;
    close(pipefd[1]);
    while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
      ;
    _exit(0);
  }
  int saved = errno;
  close(pipefd[0]);
  if (pid < 0) {
    close(pipefd[1]);
    return nsrt_fail(err, saved, "idmap_mount", "clone a user namespace for an id-mapped mount");
  }
  int nsfd = -1;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
  if (write_helper_map(pid, "uid_map", u, nu, err) == 0 &&
      write_helper_map(pid, "gid_map", g, ng, err) == 0) {
    nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0)
      nsrt_fail(err, errno, "idmap_mount", "open %s", path);
  }
  close(pipefd[1]); /* the helper's cue to exit */
  if (reap_child(pid, pidfd, HELPER_REAP_TIMEOUT_MS) < 0)
    kill_and_reap(pid, pidfd);
  if (pidfd >= 0)
    close(pidfd);
  return nsfd;
}

static int idmapped_tree(const struct plan *p, struct mount_plan *m, struct nsrt_err *err)
{
  cleanup_close int own_ns = -1;
  int userns;
  if (m->n_uid_map)
    userns = own_ns = helper_userns(m->uid_map, m->n_uid_map, m->gid_map, m->n_gid_map, err);
  else if (p->ns[NS_USER].mode == NS_JOIN)
    userns = p->ns[NS_USER].fd;
  else
    userns = own_ns = helper_userns(p->uid_map, p->n_uid_map, p->gid_map, p->n_gid_map, err);
  if (userns < 0)
    return nsrt_err_context(err, "id-mapped mount on %s", m->destination);
  unsigned tree_flags =
      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0);
  cleanup_close int tree = open_tree(AT_FDCWD, m->source, tree_flags);
  if (tree < 0)
    return nsrt_fail(err, errno, "idmap_mount", "clone %s for %s", m->source, m->destination);
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  unsigned at = AT_EMPTY_PATH | (m->idmap == MOUNT_RIDMAP ? AT_RECURSIVE : 0);
  if (mount_setattr(tree, "", at, &attr, sizeof(attr)) < 0)
    return nsrt_fail(err, errno, "idmap_mount", "id-map %s%s for %s", m->source,
                     m->idmap == MOUNT_RIDMAP ? " recursively" : "", m->destination);
  m->tree_fd = take_fd(&tree);
  m->has_tree = true;
  return 0;
}

int rootfs_idmapped_trees(struct plan *p, struct nsrt_err *err)
{
  if (p->ns[NS_MOUNT].mode != NS_NEW)
    return 0;
  for (size_t i = 0; i < p->n_mounts; i++) {
    if (!p->mounts[i].idmap || p->mounts[i].has_tree)
      continue;
    int ret = idmapped_tree(p, &p->mounts[i], err);
    if (ret < 0)
      return ret;
  }
  return 0;
}

/* ---- 5. sysctl ------------------------------------------------------------ */

/* Each key becomes a path under /proc/sys; a key that could name anything else
 * (a '/', an empty component, so no "..") is refused. */
static bool sysctl_key_ok(const char *key)
{
  if (!key[0] || key[0] == '.' || strchr(key, '/') || strstr(key, ".."))
    return false;
  return key[strlen(key) - 1] != '.';
}

/* Written through the runtime's /proc: net and ipc entries there show the
 * namespaces of the writer, which by now are the container's. */
static int write_sysctl(const struct sysctl_plan *s, struct nsrt_err *err)
{
  char path[PATH_MAX];
  if (!sysctl_key_ok(s->key) ||
      (size_t)snprintf(path, sizeof(path), "/proc/sys/%s", s->key) >= sizeof(path))
    return nsrt_fail(err, EINVAL, "sysctl", "bad sysctl key \"%s\"", s->key);
  for (char *c = path + strlen("/proc/sys/"); *c; c++)
    if (*c == '.')
      *c = '/';

  if (FP_FAILS("init.sysctl"))
    return nsrt_fail(err, errno, "sysctl", "write %s to %s", s->value, path);
  cleanup_close int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return nsrt_fail(err, errno, "sysctl", "open %s", path);
  size_t len = strlen(s->value);
  ssize_t n = write(fd, s->value, len);
  if (n < 0)
    return nsrt_fail(err, errno, "sysctl", "write %s to %s", s->value, path);
  if ((size_t)n != len)
    return nsrt_fail(err, EIO, "sysctl", "short write of %s to %s (%zd of %zu bytes)", s->value,
                     path, n, len);
  return 0;
}

int rootfs_prepare(const struct plan *p, struct nsrt_err *err)
{
  bool new_mountns = p->ns[NS_MOUNT].mode == NS_NEW;
  int ret;
  if (new_mountns) {
    ret = set_root_propagation(p, err);
    if (ret < 0)
      return ret;
  }
  ret = bind_rootfs(p, new_mountns, err);
  if (ret < 0)
    return ret;

  if (new_mountns) {
    cleanup_close int rootfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
      return nsrt_fail(err, errno, "bind_rootfs", "open %s", p->root_path);
    for (size_t i = 0; i < p->n_mounts; i++) {
      ret = mount_one(rootfd, &p->mounts[i], err);
      if (ret < 0)
        return ret;
    }
    ret = rootfs_create_devices(p, rootfd, err);
    if (ret < 0)
      return ret;
  }

  for (size_t i = 0; i < p->n_sysctl; i++) {
    ret = write_sysctl(&p->sysctl[i], err);
    if (ret < 0)
      return ret;
  }
  return 0;
}

/* ---- 6. pivot_root -------------------------------------------------------- */

/* pivot_root(".", ".") stacks the old root on top of the new one.  The old
 * root is made a slave before it is detached, or the detach would propagate
 * to its peers and unmount their copies of shared mounts, the container's
 * included.  It is reached through an fd taken before the pivot: after it,
 * "." in mount(2) names the new root underneath, and making that a slave
 * would drop the propagation the spec asked for. */
static int pivot_into(const struct plan *p, struct nsrt_err *err)
{
  cleanup_close int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (oldroot < 0)
    return nsrt_fail(err, errno, "pivot_root", "open the old root");
  cleanup_close int newroot = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (newroot < 0)
    return nsrt_fail(err, errno, "pivot_root", "open %s", p->root_path);
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return nsrt_fail(err, errno, "pivot_root", "pivot_root into %s", p->root_path);
  if (fchdir(oldroot) < 0)
    return nsrt_fail(err, errno, "pivot_root", "enter the old root");
  if (mount(NULL, ".", NO_FSTYPE, MS_SLAVE | MS_REC, NULL) < 0)
    return nsrt_fail(err, errno, "pivot_root", "make the old root a slave");
  if (umount2(".", MNT_DETACH) < 0)
    return nsrt_fail(err, errno, "pivot_root", "detach the old root");
  if (fchdir(newroot) < 0)
    return nsrt_fail(err, errno, "pivot_root", "enter %s", p->root_path);
  return 0;
}

static int enter_root(const struct plan *p, bool new_mountns, struct nsrt_err *err)
{
  if (FP_FAILS("init.pivot_root"))
    return nsrt_fail(err, errno, "pivot_root", "%s into %s", new_mountns ? "pivot_root" : "chroot",
                     p->root_path);
  if (new_mountns) {
    int ret = pivot_into(p, err);
    if (ret < 0)
      return ret;
  } else if (chroot(".") < 0) {
    return nsrt_fail(err, errno, "pivot_root", "chroot into %s", p->root_path);
  }
  if (chdir("/") < 0)
    return nsrt_fail(err, errno, "pivot_root", "chdir to / in %s", p->root_path);
  return 0;
}

/* ---- 7. read-only root, masked paths, read-only paths ----------------------- */

static int readonly_root(struct nsrt_err *err)
{
  if (FP_FAILS("init.readonly_root") || remount_bind("/", MS_RDONLY) < 0)
    return nsrt_fail(err, errno, "readonly_root", "remount / read-only");
  return 0;
}

/* A directory is hidden under an empty read-only tmpfs, anything else under
 * /dev/null.  A path that does not exist needs no hiding. */
static int mask_path(const char *path, struct nsrt_err *err)
{
  if (FP_FAILS("init.masked_paths"))
    return nsrt_fail(err, errno, "masked_paths", "mask %s", path);
  struct stat st;
  if (stat(path, &st) < 0) {
    if (errno == ENOENT)
      return 0;
    return nsrt_fail(err, errno, "masked_paths", "stat %s", path);
  }
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0)
      return nsrt_fail(err, errno, "masked_paths", "mount a read-only tmpfs on %s", path);
  } else if (mount("/dev/null", path, NO_FSTYPE, MS_BIND, NULL) < 0) {
    return nsrt_fail(err, errno, "masked_paths", "bind /dev/null on %s", path);
  }
  return 0;
}

static int readonly_path(const char *path, struct nsrt_err *err)
{
  if (FP_FAILS("init.readonly_paths"))
    return nsrt_fail(err, errno, "readonly_paths", "make %s read-only", path);
  if (mount(path, path, NO_FSTYPE, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == ENOENT)
      return 0;
    return nsrt_fail(err, errno, "readonly_paths", "bind %s onto itself", path);
  }
  if (remount_bind(path, MS_RDONLY) < 0)
    return nsrt_fail(err, errno, "readonly_paths", "remount %s read-only", path);
  return 0;
}

int rootfs_enter(const struct plan *p, struct nsrt_err *err)
{
  bool new_mountns = p->ns[NS_MOUNT].mode == NS_NEW;
  int ret = enter_root(p, new_mountns, err);
  if (ret < 0 || !new_mountns)
    return ret;

  if (p->root_readonly) {
    ret = readonly_root(err);
    if (ret < 0)
      return ret;
  }
  for (char **m = p->masked_paths; m && *m; m++) {
    ret = mask_path(*m, err);
    if (ret < 0)
      return ret;
  }
  for (char **r = p->readonly_paths; r && *r; r++) {
    ret = readonly_path(*r, err);
    if (ret < 0)
      return ret;
  }
  /* rootfsPropagation is the propagation of the container's root mount:
   * set_root_propagation gave it to the runtime's / before the bind, which
   * the bind and the pivot do not carry over to the new root.  Last, since
   * an unbindable / refuses the binds of the read-only paths. */
  char name[32];
  if (p->rootfs_propagation && mount(NULL, "/", NO_FSTYPE, p->rootfs_propagation, NULL) < 0)
    return nsrt_fail(err, errno, "rootfs_propagation", "make the new / %s",
                     propagation_name(p->rootfs_propagation, name));
  return 0;
}
