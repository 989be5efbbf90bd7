/* Stage probes: nsrt stopped at its stage boundaries and inspected from
 * outside.
 *
 * A stage case arms `pause` failpoints (runtime-core/src/failpoint.h) at the
 * boundaries its config reaches:
 *   user  the intermediate right after its new user namespace is set up
 *         (maps written, ids switched), before rlimits could be set late or
 *         namespaces joined late: intermediate.user_ready;
 *   pidns the intermediate after its pid and time namespaces, just before it
 *         forks the init: intermediate.clone_init;
 *   init  the init right before execve (after start): init.execve.
 * A paused stage process stops itself with SIGSTOP after writing its hit line
 * (which names its host pid).  The harness reads /proc/PID while it is
 * stopped, judges what it read against expectations derived from the config,
 * sends SIGCONT, and the case then runs to its normal end and is judged like
 * a generated case.
 *
 * The pieces are separate so each can be tested alone: expectations from a
 * config (nsc_stage_expect_from), /proc as read (nsc_stage_proc_read), and
 * the checks of each boundary on those two (nsc_stage_check_*).
 */
#ifndef NSC_STAGES_H
#define NSC_STAGES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "namespaces.h"
#include "nsconform.h"

struct case_ctx;
struct nsrt_err;

/* The stage cases ("s001-<slug>", kind NSC_CASE_STAGE, each with a failpoint
 * plan of pause steps).  *out is an array of the returned count; free each
 * with nsc_case_free and the array with free(). */
size_t nsc_stage_cases(struct nsc_case **out);

/* Run one stage case (the driver's dispatch for NSC_CASE_STAGE). */
void nsc_stage_run(struct case_ctx *x);

/* ---- boundaries ----------------------------------------------------------- */

/* The failpoint of each boundary for a config; NULL when the config does not
 * reach that boundary (no new user namespace: no user boundary). */
struct nsc_stage_points {
  const char *user;
  const char *pidns;
  const char *init;
};
void nsc_stage_points(const json_t *config, struct nsc_stage_points *pts);

/* ---- expectations --------------------------------------------------------- */

/* The namespace links of /proc/PID/ns. */
enum nsc_stage_link {
  NSC_LINK_USER,
  NSC_LINK_PID,
  NSC_LINK_PID_FC,
  NSC_LINK_MNT,
  NSC_LINK_UTS,
  NSC_LINK_IPC,
  NSC_LINK_NET,
  NSC_LINK_CGROUP,
  NSC_LINK_TIME,
  NSC_LINK_TIME_FC,
  NSC_LINK_COUNT
};
extern const char *const nsc_stage_link_names[NSC_LINK_COUNT];

enum nsc_stage_ns_mode { NSC_STAGE_NS_ABSENT, NSC_STAGE_NS_NEW, NSC_STAGE_NS_JOIN };

#define NSC_STAGE_MAX_RANGES  16
#define NSC_STAGE_MAX_GROUPS  32
#define NSC_STAGE_MAX_RLIMITS 16
#define NSC_STAGE_MAX_PATHS   64
#define NSC_STAGE_LINK_MAX    64

struct nsc_stage_range {
  long long inside, outside, count;
};

struct nsc_stage_rlimit {
  int resource;
  unsigned long long soft, hard; /* RLIM_INFINITY for unlimited */
};

/* A path the config explains a mount at (a mount destination, a masked or
 * readonly path, a default device); sub: mounts below it are explained too
 * (an rbind brings the source's submounts). */
struct nsc_stage_mount_ok {
  char path[256];
  bool sub;
};

struct nsc_stage_expect {
  enum nsc_stage_ns_mode ns[NS_COUNT];           /* by runtime-core's enum ns_type */
  char target[NS_COUNT][NSC_STAGE_LINK_MAX];     /* joined: "net:[4026...]" */
  char self[NSC_LINK_COUNT][NSC_STAGE_LINK_MAX]; /* the harness's own links; "" unknown */

  struct nsc_stage_range uid_map[NSC_STAGE_MAX_RANGES], gid_map[NSC_STAGE_MAX_RANGES];
  size_t n_uid_map, n_gid_map;
  const char *setgroups; /* "allow", "deny", or NULL when either is right */

  /* Host ids (as the harness sees them through the maps; -1 unknown). */
  long long inter_uid, inter_gid; /* the intermediate after the user namespace step */
  long long uid, gid;             /* process.user */
  long long groups[NSC_STAGE_MAX_GROUPS];
  size_t n_groups;
  bool groups_unmapped; /* an additional gid has no mapping */

  bool have_caps;   /* process.capabilities given */
  uint64_t caps[5]; /* effective, permitted, inheritable, bounding, ambient */
  bool ambient_raisable;

  bool nnp;
  bool seccomp;

  struct nsc_stage_rlimit rlimits[NSC_STAGE_MAX_RLIMITS];
  size_t n_rlimits;

  bool time_offsets;
  long long mono_s, mono_ns, boot_s, boot_ns;

  bool root_known, cwd_known;
  dev_t root_dev, cwd_dev;
  ino_t root_ino, cwd_ino;
  char cwd[256];
  char cwd_skip[160]; /* why cwd cannot be compared, when !cwd_known */

  struct nsc_stage_mount_ok mount_ok[NSC_STAGE_MAX_PATHS];
  size_t n_mount_ok;

  int preserve_fds;
};

/* Derive what each boundary must show from config (root.path resolved, the
 * holder's paths in place), the harness's own observation (self, for its
 * namespace links and capabilities; may be NULL) and the joined targets
 * ({"network": "net:[...]"}, may be NULL).  Returns 0, or -1 with err when
 * the config is one the stage checks cannot handle. */
int nsc_stage_expect_from(const json_t *config, const json_t *self, const json_t *targets,
                          struct nsc_stage_expect *e, struct nsrt_err *err);

/* ---- /proc as read -------------------------------------------------------- */

struct nsc_stage_fd {
  int fd;
  char target[256];
  char *fdinfo; /* the whole /proc/PID/fdinfo/N text, or NULL */
};

/* One stopped stage process as /proc shows it; NULL texts were unreadable. */
struct nsc_stage_proc {
  pid_t pid;
  char comm[32];
  char *status, *uid_map, *gid_map, *setgroups, *limits, *mountinfo, *timens_offsets;
  char ns[NSC_LINK_COUNT][NSC_STAGE_LINK_MAX]; /* "" when absent */
  bool owner_known;
  uid_t owner_uid; /* of /proc/PID/status: the euid when dumpable, else root */
  gid_t owner_gid;
  bool root_known, cwd_known;
  dev_t root_dev, cwd_dev;
  ino_t root_ino, cwd_ino;
  struct nsc_stage_fd *fds;
  size_t n_fds;
};

int nsc_stage_proc_read(pid_t pid, struct nsc_stage_proc *p, struct nsrt_err *err);
void nsc_stage_proc_free(struct nsc_stage_proc *p);

/* ---- checks --------------------------------------------------------------- */

/* The intermediate right after its user namespace: maps, setgroups, ids,
 * rlimits already applied, not dumpable, only the user namespace new. */
void nsc_stage_check_user(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                          struct nsc_verdicts *out);
/* The intermediate after its pid and time namespaces: pid_for_children (and
 * time_for_children) are the container's, its own pid namespace unchanged. */
void nsc_stage_check_pidns(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                           struct nsc_verdicts *out);
/* The init right before execve: namespaces, ids, groups, capabilities,
 * NoNewPrivs, seccomp, fds, cwd, root, mounts. */
void nsc_stage_check_init(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                          struct nsc_verdicts *out);

#endif
