/* What the rootfs files share (rootfs.c, rootfs_path.c, rootfs_devices.c).
 * Private to them; the interface is rootfs.h. */
#ifndef NSRT_ROOTFS_INT_H
#define NSRT_ROOTFS_INT_H

#include <stdbool.h>

struct mount_plan;
struct nsrt_err;
struct plan;

#define PROC_FD_PATH_MAX 32

/* The fs type for mount(2) calls that ignore it (bind, remount, propagation):
 * "" rather than NULL, which memory checkers read as a string. */
#define NO_FSTYPE ""

/* rootfs.c */
/* "/proc/self/fd/<fd>", the path a mount is made on. */
void rootfs_proc_fd_path(char buf[PROC_FD_PATH_MAX], int fd);
/* Whether a mounts entry is a bind (type "bind" or the MS_BIND flag). */
bool rootfs_mount_is_bind(const struct mount_plan *m);

/* rootfs_path.c */
/* An O_PATH fd for path resolved inside the rootfs (rootfd) without leaving
 * it; flags: 0 or O_DIRECTORY.  -1 with errno set. */
int rootfs_open_in_root(int rootfd, const char *path, int flags);
/* The same, creating missing directories on the way and, when missing, the
 * last component (an empty file when want_file, else a directory).  -1 with
 * err (error step "step"). */
int rootfs_open_or_create(int rootfd, const char *path, bool want_file, const char *step,
                          struct nsrt_err *err);

/* rootfs_devices.c: step 4, in the rootfs (rootfd) of p. */
int rootfs_create_devices(const struct plan *p, int rootfd, struct nsrt_err *err);

#endif
