/* Paths inside the rootfs, before pivot_root, while the host's root is still
 * visible: rootfs_open_in_root resolves a path the way
 * openat2(RESOLVE_IN_ROOT) would, rootfs_open_or_create also creates what is
 * missing on the way, both without ever leaving the rootfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "rootfs_int.h"

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
int rootfs_open_in_root(int rootfd, const char *path, int flags)
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
  cleanup_close int dirfd = rootfs_open_in_root(rootfd, "/", O_DIRECTORY);
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
    int fd = rootfs_open_in_root(rootfd, buf, open_flags);
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
      fd = rootfs_open_in_root(rootfd, buf, open_flags);
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

int rootfs_open_or_create(int rootfd, const char *path, bool want_file, const char *step,
                          struct nsrt_err *err)
{
  return open_or_create_at(rootfd, path, want_file, step, 0, err);
}
