/* config.json -> struct plan.
 *
 * Everything the pipeline will do is decided here, before any fork: the
 * forked stages read the plan and make no decisions of their own.  Namespace
 * paths are opened now (O_CLOEXEC) and checked with NS_GET_NSTYPE.  Every
 * error names the JSON path and the bad value, e.g.
 *   nsrt: spec: linux.namespaces[2].path: /proc/1/ns/net is a net namespace, not ipc
 * Unknown fields are ignored.  Fields the core does not implement
 * (linux.cgroupsPath, linux.resources, process.terminal=true, ...) are errors
 * naming the field.
 */
#ifndef NSRT_SPEC_H
#define NSRT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "namespaces.h"

struct nsrt_err;

struct id_range {
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct rlimit_plan {
  int resource; /* RLIMIT_* */
  uint64_t soft;
  uint64_t hard;
};

/* One namespace entry.  mode NS_ABSENT: share the runtime's; NS_NEW: create;
 * NS_JOIN: setns(fd), fd opened and type-checked at plan time. */
enum ns_mode { NS_ABSENT = 0, NS_NEW, NS_JOIN };
struct ns_plan {
  enum ns_mode mode;
  char *path; /* NS_JOIN only */
  int fd;     /* NS_JOIN only; owned by the plan; -1 otherwise */
};

/* Capability sets as bitmasks of CAP_* numbers.  A set absent from the spec is
 * empty (the spec gives no default). */
struct cap_plan {
  bool present; /* process.capabilities given at all */
  uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct mount_plan {
  char *destination; /* absolute path inside the container */
  char *type;        /* may be NULL (bind) */
  char *source;      /* may be NULL */
  unsigned long flags;       /* MS_* from options (MS_BIND, MS_RDONLY, MS_REC, ...) */
  unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC), 0 if none */
  char *data;                /* options that are not flags, comma-joined; may be NULL */
  /* idmap/ridmap (config.md, Linux mount options) and the mount's own
   * uidMappings/gidMappings (empty: the container's user namespace). */
  enum { MOUNT_IDMAP_NONE = 0, MOUNT_IDMAP, MOUNT_RIDMAP } idmap;
  struct id_range *uid_map, *gid_map;
  size_t n_uid_map, n_gid_map;
  /* The detached, id-mapped copy of the source that main makes before the
   * stages fork (rootfs_idmapped_trees); init moves it to the destination.
   * Owned by the plan when has_tree. */
  bool has_tree;
  int tree_fd;
};

/* One linux.devices entry.  type: 'c', 'b', 'u' (unbuffered character, made
 * as 'c') or 'p'; major/minor unused for 'p'.  mode holds only permission
 * bits (fileMode & 07777). */
struct device_plan {
  char *path; /* absolute, inside the container */
  char type;
  int64_t major, minor;
  bool has_mode, has_uid, has_gid;
  mode_t mode;
  uint32_t uid, gid;
  /* In a user namespace mknod of a device is refused: the host's node at
   * the same path (checked at parse time) is bind-mounted instead. */
  bool bind_host;
};

/* Seccomp, in the runtime's own terms; seccomp.c maps these to libseccomp. */
enum seccomp_act {
  SECCOMP_ACT_KILL_THREAD, /* SCMP_ACT_KILL and SCMP_ACT_KILL_THREAD */
  SECCOMP_ACT_KILL_PROCESS,
  SECCOMP_ACT_TRAP,
  SECCOMP_ACT_ERRNO,
  SECCOMP_ACT_TRACE,
  SECCOMP_ACT_ALLOW,
  SECCOMP_ACT_LOG,
  SECCOMP_ACT_NOTIFY,
};
enum seccomp_op {
  SECCOMP_OP_NE,
  SECCOMP_OP_LT,
  SECCOMP_OP_LE,
  SECCOMP_OP_EQ,
  SECCOMP_OP_GE,
  SECCOMP_OP_GT,
  SECCOMP_OP_MASKED_EQ,
};
struct seccomp_arg_plan {
  unsigned index;
  uint64_t value, value_two;
  enum seccomp_op op;
};
struct seccomp_rule_plan {
  char **names; /* NULL-terminated */
  enum seccomp_act action;
  uint32_t errno_ret; /* ERRNO/TRACE; EPERM when the spec leaves it out */
  struct seccomp_arg_plan *args;
  size_t n_args;
};
struct seccomp_plan {
  bool present;
  enum seccomp_act default_action;
  uint32_t default_errno_ret;
  char **architectures; /* NULL-terminated, SCMP_ARCH_* names; may be NULL */
  char **flags;         /* NULL-terminated SECCOMP_FILTER_FLAG_* names; may be NULL */
  struct seccomp_rule_plan *rules;
  size_t n_rules;
};

struct hook_plan {
  char *path;
  char **args; /* NULL-terminated; may be NULL (then argv = {path}) */
  char **env;  /* NULL-terminated; may be NULL */
  int timeout; /* seconds, 0 = none given */
};
struct hook_list {
  struct hook_plan *v;
  size_t n;
};
struct hooks_plan {
  struct hook_list prestart, create_runtime, create_container, start_container, poststart,
      poststop;
};

struct sysctl_plan {
  char *key, *value;
};

struct annotation {
  char *key, *value;
};

/* process.scheduler, as sched_setattr(2) takes it (unset numbers are 0). */
struct sched_plan {
  bool present;
  uint32_t policy; /* SCHED_* */
  int32_t nice;
  uint32_t priority;
  uint64_t flags; /* SCHED_FLAG_* */
  uint64_t runtime, deadline, period;
};

/* process.ioPriority: an IOPRIO_CLASS_* and a level 0-7. */
struct ioprio_plan {
  bool present;
  int klass;
  int level;
};

/* linux.memoryPolicy, as set_mempolicy(2) takes it. */
#define MEMPOLICY_MAX_NODES 1024
struct mempolicy_plan {
  bool present;
  int mode;       /* MPOL_* */
  unsigned flags; /* MPOL_F_* mode flags */
  unsigned long nodes[MEMPOLICY_MAX_NODES / (8 * sizeof(unsigned long))];
  unsigned n_nodes;  /* how many bits are set */
  unsigned max_node; /* one past the highest node set, 0 when none */
};

struct plan {
  char *oci_version;
  char *bundle;    /* absolute, as given to create */
  char *root_path; /* absolute (relative root.path is resolved against the bundle) */
  bool root_readonly;

  /* process */
  char **args; /* NULL-terminated, at least one */
  char **env;  /* NULL-terminated; may be empty */
  char *cwd;   /* absolute */
  uint32_t uid, gid;
  bool has_umask;
  mode_t umask;
  gid_t *additional_gids;
  size_t n_additional_gids;
  struct cap_plan caps;
  struct rlimit_plan *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  struct sched_plan sched;
  struct ioprio_plan ioprio;

  char *hostname;   /* NULL if not set */
  char *domainname; /* NULL if not set */

  struct mount_plan *mounts;
  size_t n_mounts;
  struct device_plan *devices; /* linux.devices */
  size_t n_devices;

  /* linux */
  struct ns_plan ns[NS_COUNT];
  struct id_range *uid_map;
  size_t n_uid_map;
  struct id_range *gid_map;
  size_t n_gid_map;
  bool has_time_offsets;
  int64_t monotonic_secs, boottime_secs;
  uint32_t monotonic_nanosecs, boottime_nanosecs;
  char **masked_paths; /* NULL-terminated; may be NULL */
  char **readonly_paths;
  struct sysctl_plan *sysctl;
  size_t n_sysctl;
  unsigned long rootfs_propagation; /* MS_* | MS_REC; 0 = default (rslave) */
  struct seccomp_plan seccomp;
  struct mempolicy_plan mempolicy;

  struct hooks_plan hooks;
  struct annotation *annotations;
  size_t n_annotations;
};

/* Read <bundle>/config.json and build the plan.  bundle must be absolute.
 * On error nothing is left open or allocated. */
int spec_load(const char *bundle, struct plan *out, struct nsrt_err *err);

/* Same from a JSON text (bundle is used to resolve root.path). */
int spec_parse_string(const char *json, const char *bundle, struct plan *out,
                      struct nsrt_err *err);

/* Free everything and close the namespace fds. Safe on a zeroed plan. */
void plan_free(struct plan *p);

/* True when the plan creates a user namespace (and so maps must be written). */
bool plan_new_userns(const struct plan *p);

/* rlimit names (RLIMIT_NOFILE) <-> numbers; -1 / NULL when unknown. */
int rlimit_from_name(const char *name);
const char *rlimit_name(int resource);

/* The default config.json that `nsrt spec` writes (a malloc'd string). */
char *spec_default_json(void);

#endif
