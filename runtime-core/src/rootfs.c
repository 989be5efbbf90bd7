/* The container's filesystem view, built by init (see rootfs.h for the steps).
 *
 * Everything up to pivot_root runs with the host's root still visible, so every
 * path inside the rootfs is resolved component by component from an fd of the
 * rootfs (open_in_root): a symlink in the image resolves against the rootfs,
 * never against the host, and the mount is made on /proc/self/fd/N of what was
 * opened, so nothing can swap the path between the check and the mount.
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
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "failpoint.h"
#include "idmap.h"
#include "process.h"
#include "spec.h"

/* Per-mount flags a bind remount can change. */
#define BIND_REMOUNT_FLAGS                                                                         \
  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME |       \
   MS_STRICTATIME | MS_NOSYMFOLLOW)

#define PROC_FD_PATH_MAX 32

/* The fs type for mount(2) calls that ignore it (bind, remount, propagation):
 * "" rather than NULL, which memory checkers read as a string. */
#define NO_FSTYPE ""

static const char *const default_devices[] = {"null", "zero", "full", "random", "urandom", "tty"};

static const struct {
  const char *name, *target;
} default_dev_links[] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
};

/* ---- helpers ------------------------------------------------------------ */

static void proc_fd_path(char buf[PROC_FD_PATH_MAX], int fd)
{
  snprintf(buf, PROC_FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

static bool mount_is_bind(const struct mount_plan *m)
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
  return mount_is_bind(m) ? "bind" : "none";
}

/* Symlinks followed in one lookup, as the kernel allows. */
#define MAX_LINKS 40

static bool same_inode(int a, int b)
{
  struct stat sa, sb;
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

/* An O_PATH fd for path resolved inside the rootfs, the way
 * openat2(RESOLVE_IN_ROOT) would (done by hand so that it also works where
 * openat2 is missing, valgrind included): each component is opened
 * O_NOFOLLOW from the directory fd reached so far, a symlink's text is
 * resolved again from rootfd (absolute) or from that directory (relative),
 * and ".." stops at rootfd.  Magic links (/proc/self/...) are never
 * followed, only their text.  flags: 0 or O_DIRECTORY. */
static int open_in_root(int rootfd, const char *path, int flags)
{
  cleanup_free char *rest = strdup(path);
  cleanup_close int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (!rest || cur < 0)
    return -1;
  int links = 0;
  const char *p = rest;
  for (;;) {
    while (*p == '/')
      p++;
    if (!*p)
      break;
    const char *end = strchrnul(p, '/');
    char name[NAME_MAX + 1];
    if ((size_t)(end - p) > NAME_MAX) {
      errno = ENAMETOOLONG;
      return -1;
    }
    memcpy(name, p, end - p);
    name[end - p] = '\0';
    p = end;
    if (strcmp(name, ".") == 0 || (strcmp(name, "..") == 0 && same_inode(cur, rootfd)))
      continue;
    int next = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0)
      return -1;
    struct stat st;
    if (fstat(next, &st) < 0 || !S_ISLNK(st.st_mode)) {
      close(cur);
      cur = next;
      continue;
    }
    char target[PATH_MAX];
    ssize_t n = readlinkat(next, "", target, sizeof(target) - 1);
    close(next);
    if (n < 0)
      return -1;
    if (++links > MAX_LINKS) {
      errno = ELOOP;
      return -1;
    }
    target[n] = '\0';
    char *expanded;
    if (asprintf(&expanded, "%s%s", target, p) < 0)
      return -1;
    free(rest);
    rest = expanded;
    p = rest;
    if (target[0] == '/') {
      close(cur);
      cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (cur < 0)
        return -1;
    }
  }
  struct stat st;
  if (fstat(cur, &st) < 0)
    return -1;
  if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return take_fd(&cur);
}

/* The path to create instead of one that runs into a dangling symlink: the
 * link's target (resolved later inside the rootfs like any path) followed by
 * the rest of the original path.  prefix_len is where the link's name starts,
 * rest the part after it.  NULL with errno set on failure. */
static char *path_through_link(int dirfd, const char *name, const char *path, size_t prefix_len,
                               const char *rest)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
  if (n < 0)
    return NULL;
  target[n] = '\0';
  char *out = NULL;
  int len = target[0] == '/' ? asprintf(&out, "%s%s", target, rest)
                             : asprintf(&out, "%.*s/%s%s", (int)prefix_len, path, target, rest);
  if (len < 0) {
    errno = ENOMEM;
    return NULL;
  }
  return out;
}

/* Open path inside the rootfs, creating missing directories (0755) on the way
 * and, when missing, the last component: an empty file when want_file, else a
 * directory.  Each prefix is resolved again from the rootfs, so a symlink met
 * on the way is followed inside it; new entries are created in a directory fd
 * obtained that way, and a dangling symlink gets its target created, inside
 * the rootfs too.  Returns an O_PATH fd or -1 with err (step given). */
static int open_or_create_at(int rootfd, const char *path, bool want_file, const char *step,
                             int links, struct nsrt_err *err)
{
  cleanup_free char *buf = strdup(path);
  if (!buf)
    return nsrt_fail(err, ENOMEM, step, "create %s in the rootfs", path);
  cleanup_close int dirfd = open_in_root(rootfd, "/", O_DIRECTORY);
  if (dirfd < 0)
    return nsrt_fail(err, errno, step, "open the rootfs");

  size_t i = 0;
  for (;;) {
    while (buf[i] == '/')
      i++;
    if (buf[i] == '\0')
      break;
    size_t end = i;
    while (buf[end] && buf[end] != '/')
      end++;
    size_t next = end;
    while (buf[next] == '/')
      next++;
    bool as_file = want_file && buf[next] == '\0';
    int open_flags = as_file ? 0 : O_DIRECTORY;

    char saved = buf[end];
    buf[end] = '\0';
    int fd = open_in_root(rootfd, buf, open_flags);
    if (fd < 0 && errno == ENOENT) {
      const char *name = buf + i;
      int rc;
      if (as_file) {
        rc = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (rc >= 0)
          close(rc);
      } else {
        rc = mkdirat(dirfd, name, 0755);
      }
      if (rc < 0 && errno != EEXIST)
        return nsrt_fail(err, errno, step, "create %s in the rootfs", buf);
      fd = open_in_root(rootfd, buf, open_flags);
      if (fd < 0 && errno == ENOENT && rc < 0) {
        /* it exists but does not resolve: a dangling symlink; create its target */
        if (links >= MAX_LINKS)
          return nsrt_fail(err, ELOOP, step, "create %s in the rootfs", path);
        cleanup_free char *via = path_through_link(dirfd, name, path, i, path + end);
        if (!via)
          return nsrt_fail(err, errno, step, "follow %s in the rootfs", buf);
        return open_or_create_at(rootfd, via, want_file, step, links + 1, err);
      }
    }
    if (fd < 0)
      return nsrt_fail(err, errno, step, "open %s in the rootfs", buf);
    close(dirfd);
    dirfd = fd;
    buf[end] = saved;
    i = end;
  }
  return take_fd(&dirfd);
}

static int open_or_create(int rootfd, const char *path, bool want_file, const char *step,
                          struct nsrt_err *err)
{
  return open_or_create_at(rootfd, path, want_file, step, 0, err);
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
  *bound = mount_is_bind(m);
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
  cleanup_close int fd = open_in_root(rootfd, m->destination, 0);
  if (fd < 0)
    return nsrt_fail(err, errno, "mount", "remount %s: open it", m->destination);
  char target[PROC_FD_PATH_MAX];
  proc_fd_path(target, fd);
  if (FP_FAILS("init.mount") ||
      (mount_is_bind(m)
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
  if (mount_is_bind(m) && m->source) {
    struct stat st;
    /* a failing stat is left for the mount to report */
    want_file = stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode);
  }
  cleanup_close int fd = open_or_create(rootfd, m->destination, want_file, "mount", err);
  if (fd < 0)
    return nsrt_err_context(err, "mount %s %s on %s", type, source, m->destination);

  char target[PROC_FD_PATH_MAX];
  proc_fd_path(target, fd);
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
  fd = open_in_root(rootfd, m->destination, 0);
  if (fd < 0)
    return nsrt_fail(err, errno, "mount", "open %s after mounting it", m->destination);
  proc_fd_path(target, fd);
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
    if (strcmp(p->mounts[i].destination, "/dev") == 0 && mount_is_bind(&p->mounts[i]))
      return true;
  return false;
}

/* mknod is refused in a user namespace, so bind the host's nodes instead */
static int bind_default_device(int rootfd, const char *name, struct nsrt_err *err)
{
  char dest[64];
  snprintf(dest, sizeof(dest), "/dev/%s", name);
  cleanup_close int fd = open_or_create(rootfd, dest, true, "create_devices", err);
  if (fd < 0)
    return -1;
  char target[PROC_FD_PATH_MAX];
  proc_fd_path(target, fd);
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
    proc_fd_path(target, node);
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
  cleanup_close int fd = open_in_root(rootfd, d->path, 0);
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
  cleanup_close int dirfd = open_or_create(rootfd, dir, false, "create_devices", err);
  if (dirfd < 0)
    return nsrt_err_context(err, "the directory of device %s", d->path);
  /* open_or_create gives an O_PATH fd; mknodat and the rest need a real one */
  cleanup_close int realdir = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (realdir < 0)
    return nsrt_fail(err, errno, "create_devices", "open %s", dir);
  return new_device(realdir, name, d, err);
}

static int create_devices(const struct plan *p, int rootfd, struct nsrt_err *err)
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

  cleanup_close int devfd = open_or_create(rootfd, "/dev", false, "create_devices", err);
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
    ret = create_devices(p, rootfd, err);
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
