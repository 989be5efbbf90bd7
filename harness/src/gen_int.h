/* What the generator's files share (gen.c: dimensions, constraints, profile,
 * covering array, suite; gen_config.c: a row of values -> config.json;
 * gen_negative.c: the negative cases; gen_bundles.c: writing them out).
 * Private to the generator. */
#ifndef NSC_GEN_INT_H
#define NSC_GEN_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "gen.h"
#include "prng.h"

#define GEN_FAIL(err, errnum, step, ...) nsrt_fail_at((err), "gen", (errnum), (step), __VA_ARGS__)

/* The oldest runtime-spec release with every field written here (the time
 * namespace, defaultErrnoRet, domainname), so runtimes that predate 1.2 (crun
 * 1.8.1 refuses "1.2.0" and later) take the bundles too. */
#define OCI_VERSION "1.1.0"

/* ---- dimensions and their values ---- */

// clang-format off
enum dim {
  /* the eight namespace dimensions first, in the order of gen_ns_types */
  D_NS_USER, D_NS_PID, D_NS_MOUNT, D_NS_UTS, D_NS_IPC, D_NS_NET, D_NS_CGROUP, D_NS_TIME,
  D_IDMAP, D_USER, D_UMASK, D_RLIMITS, D_CAPS, D_NNP, D_HOSTNAME, D_OOM, D_SECCOMP, D_READONLY,
  D_MASKED, D_ROPATHS, D_ENV, D_CWD, D_SYSCTL, D_TIME_OFFSETS, D_ROOT_PROP, D_PERSONALITY,
  D_MNT_BIND, D_MNT_PROP, D_MNT_FLAGS, D_SCHED, D_IOPRIO, D_MEMPOLICY, D_DEVICES,
  D_MNT_IDMAP, D_MNT_REMOUNT, D_COUNT
};
// clang-format on

enum { NSV_ABSENT, NSV_NEW, NSV_PATH };
enum { MAP_NONE, MAP_SINGLE, MAP_SEVERAL, MAP_ROOT_UNMAPPED, MAP_SPLIT_ROOT, MAP_LARGE };
enum { USER_ROOT, USER_PLAIN, USER_GROUPS };
enum { UMASK_ABSENT, UMASK_0027 };
enum { RL_NONE, RL_NOFILE_SOFT, RL_SUBSET, RL_RAISED_HARD };
enum { CAPS_ABSENT, CAPS_DEFAULT, CAPS_AMBIENT_KILL, CAPS_ALL_SETS };
enum { FLAG_FALSE, FLAG_TRUE };
enum { HOST_NONE, HOST_HOSTNAME, HOST_BOTH };
enum { OOM_ABSENT, OOM_ZERO, OOM_500 };
enum { SC_ABSENT, SC_ERRNO_MKDIR, SC_ALLOWLIST };
enum { PATHS_DEFAULT, PATHS_NONE, PATHS_EXTRA };
enum { ENV_DEFAULT, ENV_EXTRA };
enum { CWD_ROOT, CWD_TMP, CWD_PROC };
enum { SYSCTL_NONE, SYSCTL_IPC, SYSCTL_NET, SYSCTL_BOTH };
enum { TOFF_NONE, TOFF_MONOTONIC, TOFF_BOTH };
enum { RPROP_ABSENT, RPROP_SHARED, RPROP_SLAVE, RPROP_PRIVATE, RPROP_UNBINDABLE };
enum { PERS_ABSENT, PERS_LINUX, PERS_LINUX32 };
enum { MBIND_NONE, MBIND_BIND, MBIND_RBIND };
enum { MPROP_NONE, MPROP_PRIVATE, MPROP_SHARED, MPROP_SLAVE, MPROP_UNBINDABLE, MPROP_RSHARED };
enum {
  MFLAGS_NONE,
  MFLAGS_NOATIME,
  MFLAGS_STRICTATIME,
  MFLAGS_RELATIME,
  MFLAGS_NODIRATIME,
  MFLAGS_SYNC,
  MFLAGS_DIRSYNC,
  MFLAGS_OTHER
};

enum {
  SCHED_ABSENT,
  SCHED_OTHER_NICE,
  SCHED_BATCH_NEG,
  SCHED_IDLE_,
  SCHED_FIFO_10,
  SCHED_RR_RESET,
  SCHED_DEADLINE_
};
enum { IOPRIO_ABSENT, IOPRIO_BE_0, IOPRIO_BE_7, IOPRIO_IDLE, IOPRIO_RT_3 };
enum {
  MPOL_ABSENT,
  MPOL_DEFAULT_,
  MPOL_LOCAL_,
  MPOL_PREFERRED_,
  MPOL_PREFERRED_LOCAL,
  MPOL_BIND_,
  MPOL_INTERLEAVE_STATIC,
  MPOL_BIND_BALANCING
};

enum { DEV_NONE, DEV_CHAR, DEV_BLOCK, DEV_FIFO, DEV_ATTRS };
enum { MIDMAP_NONE, MIDMAP_IDMAP, MIDMAP_RIDMAP };
enum { MREMOUNT_NONE, MREMOUNT_BIND_RO, MREMOUNT_TMPFS_RO };

#define MAX_VALUES 8

/* The profile names dimensions and values with these strings; a dimension the
 * profile leaves out is fixed at fixed_value. */
struct gen_dim {
  const char *name;
  const char *values[MAX_VALUES];
  int fixed_value;
};
extern const struct gen_dim gen_dims[D_COUNT];

/* OCI namespace type of D_NS_USER + i. */
extern const char *const gen_ns_types[8];

/* A row holds one value id per dimension, -1 while unassigned. */
typedef int8_t row_t[D_COUNT];

/* Whether the container's user namespace owns its namespace of dimension d
 * (needed to mount a fresh sysfs for network, mqueue for ipc, and to write
 * their sysctls).  With no user namespace the runtime is root in the initial
 * one and owns everything. */
bool gen_userns_owns(const int8_t *a, int d);

/* ---- building JSON ----
 * Builders record an allocation failure in *ok and carry on; the caller checks
 * once.  jansson's *_new setters release the value when they fail. */

static inline void gen_put(bool *ok, json_t *obj, const char *key, json_t *v)
{
  if (json_object_set_new(obj, key, v) < 0)
    *ok = false;
}

static inline void gen_push(bool *ok, json_t *arr, json_t *v)
{
  if (json_array_append_new(arr, v) < 0)
    *ok = false;
}

json_t *gen_strings(bool *ok, const char *const *v, size_t n);

#define STRINGS(ok, ...)                                                                           \
  gen_strings((ok), (const char *const[]){__VA_ARGS__},                                            \
              sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

json_t *gen_rlimit(const char *type, json_int_t soft, json_int_t hard);

/* The syscalls a seccomp allow list must let through for nsprobe to run and
 * report (gen_config.c); chmod is not among them. */
extern const char *const gen_seccomp_allowed[];
extern const size_t gen_seccomp_allowed_count;

/* The config.json of a complete valid row (gen_config.c).  layout, when
 * given, draws the order of the namespace entries.  *probe is the syscall of
 * nsprobe's --seccomp-probe, or NULL.  NULL when out of memory. */
json_t *gen_build_config(const int8_t *a, const char *id, uint64_t seed, struct nsc_prng *layout,
                         const char **probe);

/* Fill one case (strings copied, config taken). */
int gen_fill_case(struct nsc_case *c, const char *id, uint64_t seed, enum nsc_case_kind kind,
                  json_t *config, const char *requirement, const char *title, const char *probe,
                  struct nsrt_err *err);

/* The negative cases (gen_negative.c): how many, and case index. */
size_t gen_negative_count(void);
int gen_negative_case(struct nsc_case *c, size_t index, uint64_t seed, struct nsrt_err *err);

#endif
