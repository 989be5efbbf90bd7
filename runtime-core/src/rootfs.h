/* The container's filesystem view, built by init inside its new mount
 * namespace (plan->ns[NS_MOUNT].mode == NS_NEW):
 *   1. make / recursively slave (or plan->rootfs_propagation),
 *   2. bind the rootfs onto itself (so it is a mount point for pivot_root),
 *   3. apply plan->mounts in order (proc, sysfs, tmpfs, devpts, mqueue, bind,
 *      id-mapped binds prepared by main, remounts of what is there...;
 *      sysfs falls back to an rbind of /sys where the kernel refuses a new one),
 *      creating mount points as needed and refusing destinations that escape
 *      the rootfs through symlinks,
 *   4. linux.devices (mknod, or in a user namespace a bind of the host's
 *      node), default devices (null zero full random urandom tty, bind-mounted
 *      from the host so it also works in a user namespace) and the symlinks
 *      /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, /dev/ptmx,
 *   5. sysctl (writes under /proc/sys, before anything is made read-only),
 *   6. pivot_root(".", ".") and detach the old root,
 *   7. root readonly, masked paths, readonly paths.
 * Each step is a failpoint "init.<step>" and an error step of that name:
 * rootfs_propagation, bind_rootfs, mount (text names the destination),
 * create_devices, sysctl, pivot_root, readonly_root, masked_paths,
 * readonly_paths.
 *
 * With a joined mount namespace (NS_JOIN), no mounts are made: the rootfs is
 * entered with chroot.
 */
#ifndef NSRT_ROOTFS_H
#define NSRT_ROOTFS_H

struct plan;
struct nsrt_err;

/* In main, before the stages fork: the detached id-mapped copy of the
 * source of each idmap/ridmap mount (mount_plan.tree_fd, owned by the plan),
 * which init attaches in step 3.  Error step "idmap_mount". */
int rootfs_idmapped_trees(struct plan *p, struct nsrt_err *err);

/* Steps 1-5: everything before pivot_root, run before the createContainer hooks. */
int rootfs_prepare(const struct plan *p, struct nsrt_err *err);
/* Steps 6-7. */
int rootfs_enter(const struct plan *p, struct nsrt_err *err);

#endif
