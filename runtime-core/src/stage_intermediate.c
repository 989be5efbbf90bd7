/* Stage 1: the intermediate ("nsrt:[1:INTER]").
 *
 * Joins every namespace given by path (a user namespace given by path between
 * two passes over the others: join_namespaces), creates the user namespace,
 * then the time and pid namespaces, and forks the init into them.
 *
 * It exists because two namespaces only take effect for children: a new pid
 * namespace (and time namespace) applies to the next process forked, not to
 * the caller.  So the intermediate enters them and forks the init into them.
 * It also creates the user namespace first of all, since every other
 * namespace created afterwards is owned by it, and asks main (still in the
 * initial user namespace) to write the id maps.
 *
 * Errors are sent to main as MSG_ERROR; the process then _exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bugs.h"
#include "cleanup.h"
#include "error.h"
#include "failpoint.h"
#include "log.h"
#include "process.h"
#include "stages.h"

/* Raising a hard limit needs CAP_SYS_RESOURCE in the initial user namespace,
 * so rlimits are set here, before the user namespace exists; the init
 * inherits them across clone and execve. */
static int set_rlimits(const struct plan *p, struct nsrt_err *err)
{
  for (size_t i = 0; i < p->n_rlimits; i++) {
    const struct rlimit_plan *r = &p->rlimits[i];
    struct rlimit64 lim = {.rlim_cur = r->soft, .rlim_max = r->hard};
    if (FP_FAILS("intermediate.set_rlimits") || setrlimit64(r->resource, &lim) < 0)
      return nsrt_fail(err, errno, "set_rlimits", "%s soft %llu hard %llu",
                       rlimit_name(r->resource), (unsigned long long)r->soft,
                       (unsigned long long)r->hard);
  }
  return 0;
}

static int request_id_maps(struct stage_ctx *c, struct nsrt_err *err)
{
  /* main writes /proc/<us>/uid_map; that file is only writable while we are
   * dumpable. Restore whatever we were afterwards. */
  int was_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (was_dumpable != 1 && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    return nsrt_fail(err, errno, "set_dumpable", NULL);
  int ret = chan_send(&c->inter, FP_SEND("chan.intermediate.send.MAPPING_REQUEST"),
                      MSG_MAPPING_REQUEST, NULL, 0, err);
  if (ret < 0)
    return ret;
  struct msg m;
  ret = chan_recv(&c->inter, FP_RECV("chan.intermediate.recv.MAPPING_DONE"), MSG_MAPPING_DONE, &m,
                  err);
  if (ret < 0)
    return ret;
  if (was_dumpable != 1 && prctl(PR_SET_DUMPABLE, was_dumpable, 0, 0, 0) < 0)
    return nsrt_fail(err, errno, "set_dumpable", NULL);
  return 0;
}

static bool root_is_mapped(const struct id_range *r, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (r[i].container_id == 0)
      return true;
  return false;
}

static int enter_user_namespace(struct stage_ctx *c, struct nsrt_err *err)
{
  const struct ns_plan *ns = &c->plan->ns[NS_USER];
  if (ns->mode == NS_ABSENT)
    return 0;
  if (ns->mode == NS_NEW) {
    if (FP_FAILS("intermediate.unshare_user") || unshare(CLONE_NEWUSER) < 0)
      return nsrt_fail(err, errno, "unshare_user", NULL);
    int ret = request_id_maps(c, err);
    if (ret < 0)
      return ret;
  }
  /* Become root of the new namespace when it has one, so that what the
   * init creates is owned by the container's root.  Without a mapped root,
   * become the container's user instead: our ids would otherwise be the
   * unmapped host root, and files we create could not be owned by anyone
   * (EOVERFLOW).  Leaving an unmapped uid keeps our capabilities here.  Raw
   * syscalls: the libc wrappers signal other threads, needless after clone. */
  bool joined = ns->mode == NS_JOIN;
  const struct plan *p = c->plan;
  uid_t uid = joined || root_is_mapped(p->uid_map, p->n_uid_map) ? 0 : p->uid;
  gid_t gid = joined || root_is_mapped(p->gid_map, p->n_gid_map) ? 0 : p->gid;
  if (FP_FAILS("intermediate.setresgid") || syscall(SYS_setresgid, gid, gid, gid) < 0)
    return nsrt_fail(err, errno, "setresgid", "setresgid(%u) in the user namespace", gid);
  if (FP_FAILS("intermediate.setresuid") || syscall(SYS_setresuid, uid, uid, uid) < 0)
    return nsrt_fail(err, errno, "setresuid", "setresuid(%u) in the user namespace", uid);
  /* Known bug (opencontainers/runc#1274, CVE-2016-9962): a stage made
   * dumpable again after the id switch, so the container's user may ptrace
   * it while it still holds the runtime's descriptors. */
  if (NSRT_BUG("stage-dumpable") && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    return nsrt_fail(err, errno, "set_dumpable", NULL);
  /* The user namespace is complete (maps written, ids switched): a stage
   * boundary a harness can pause at and inspect. */
  if (FP_FAILS("intermediate.user_ready"))
    return nsrt_fail(err, errno, "user_ready", NULL);
  return 0;
}

static int write_time_offsets(const struct plan *p, struct nsrt_err *err)
{
  if (!p->has_time_offsets)
    return 0;
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n",
                   (long long)p->monotonic_secs, p->monotonic_nanosecs,
                   (long long)p->boottime_secs, p->boottime_nanosecs);
  /* Changing ids in the user namespace made us non-dumpable, which makes our
   * /proc files the host root's, out of reach from inside: be dumpable just
   * for the open. */
  int was_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (was_dumpable != 1 && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    return nsrt_fail(err, errno, "set_dumpable", NULL);
  cleanup_close int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  int open_errno = errno;
  if (was_dumpable != 1 && prctl(PR_SET_DUMPABLE, was_dumpable, 0, 0, 0) < 0)
    return nsrt_fail(err, errno, "set_dumpable", NULL);
  errno = open_errno;
  if (FP_FAILS("intermediate.write_time_offsets") || fd < 0 || write(fd, buf, (size_t)n) != n)
    /* Known bug (containers/crun#1652): an errno saved from another call
     * (here the open, which succeeded) reported for the failing write. */
    return nsrt_fail(err, NSRT_BUG("stale-errno") && fd >= 0 ? open_errno : errno,
                     "write_time_offsets", "/proc/self/timens_offsets");
  return 0;
}

/* New time and pid namespaces apply to the children we fork from now on. */
static int create_child_namespaces(struct stage_ctx *c, struct nsrt_err *err)
{
  if (c->plan->ns[NS_TIME].mode == NS_NEW) {
    if (FP_FAILS("intermediate.unshare_time") || unshare(CLONE_NEWTIME) < 0)
      return nsrt_fail(err, errno, "unshare_time", NULL);
    int ret = write_time_offsets(c->plan, err);
    if (ret < 0)
      return ret;
  }
  if (c->plan->ns[NS_PID].mode == NS_NEW &&
      (FP_FAILS("intermediate.unshare_pid") || unshare(CLONE_NEWPID) < 0))
    return nsrt_fail(err, errno, "unshare_pid", NULL);
  return 0;
}

/* The failpoint of joining a namespace type (one per type, each name once). */
static bool join_point_fails(enum ns_type t)
{
  switch (t) {
  case NS_USER:
    return FP_FAILS("intermediate.setns_user");
  case NS_PID:
    return FP_FAILS("intermediate.setns_pid");
  case NS_TIME:
    return FP_FAILS("intermediate.setns_time");
  case NS_UTS:
    return FP_FAILS("intermediate.setns_uts");
  case NS_IPC:
    return FP_FAILS("intermediate.setns_ipc");
  case NS_NET:
    return FP_FAILS("intermediate.setns_net");
  case NS_CGROUP:
    return FP_FAILS("intermediate.setns_cgroup");
  case NS_MOUNT:
    return FP_FAILS("intermediate.setns_mnt");
  case NS_COUNT:
    break;
  }
  return false;
}

static int join_failed(const struct plan *p, enum ns_type t, struct nsrt_err *err)
{
  int saved = errno;
  char step[32];
  snprintf(step, sizeof(step), "setns_%s", ns_table[t].proc_name);
  return nsrt_fail(err, saved, step, "join %s", p->ns[t].path);
}

/* The order the other types are joined in: that of the init's creations,
 * with pid and time before mount, and mount last. */
static const enum ns_type join_order[] = {NS_UTS, NS_IPC,  NS_NET,  NS_CGROUP,
                                          NS_PID, NS_TIME, NS_MOUNT};
#define N_JOIN_ORDER (sizeof(join_order) / sizeof(join_order[0]))

/* Known bug (opencontainers/runc#4390), the order before its fix: a joined
 * user namespace entered first and every other namespace after it, with only
 * that user namespace's privileges, so one it does not own is refused (with
 * the bug on, run_intermediate also calls this only after creating a new
 * user namespace, which owns none of them). */
static int join_user_first(const struct plan *p, struct nsrt_err *err)
{
  if (p->ns[NS_USER].mode == NS_JOIN &&
      (join_point_fails(NS_USER) || setns(p->ns[NS_USER].fd, CLONE_NEWUSER) < 0))
    return join_failed(p, NS_USER, err);
  for (size_t i = 0; i < N_JOIN_ORDER; i++) {
    enum ns_type t = join_order[i];
    const struct ns_plan *ns = &p->ns[t];
    if (ns->mode == NS_JOIN && (join_point_fails(t) || setns(ns->fd, ns_table[t].clone_flag) < 0))
      return join_failed(p, t, err);
  }
  return 0;
}

/* Namespaces given by path are joined here, before any user namespace is
 * created, while we hold the initial user namespace's capabilities: from
 * inside a new user namespace, which owns none of them, setns is refused.
 *
 * With a user namespace given by path too, in two passes: first every other
 * namespace we can join with the host's privileges (any owned by the initial
 * user namespace must be joined now: the joined user namespace grants nothing
 * over them), then the user namespace, then those refused with EPERM in the
 * first pass, now with the joined user namespace's capabilities (a caller
 * without the host's privileges can only join what that user namespace
 * owns).  An injected failure is reported at once, never retried: each
 * failpoint is consulted once per namespace, at its first attempt. */
static int join_namespaces(const struct plan *p, struct nsrt_err *err)
{
  if (NSRT_BUG("join-after-userns"))
    return join_user_first(p, err);
  bool join_user = p->ns[NS_USER].mode == NS_JOIN;
  enum ns_type retry[N_JOIN_ORDER];
  size_t n_retry = 0;
  for (size_t i = 0; i < N_JOIN_ORDER; i++) {
    enum ns_type t = join_order[i];
    const struct ns_plan *ns = &p->ns[t];
    if (ns->mode != NS_JOIN)
      continue;
    if (join_point_fails(t))
      return join_failed(p, t, err);
    if (setns(ns->fd, ns_table[t].clone_flag) == 0)
      continue;
    if (errno != EPERM || !join_user)
      return join_failed(p, t, err);
    retry[n_retry++] = t;
  }
  if (join_user && (join_point_fails(NS_USER) || setns(p->ns[NS_USER].fd, CLONE_NEWUSER) < 0))
    return join_failed(p, NS_USER, err);
  for (size_t i = 0; i < n_retry; i++) {
    enum ns_type t = retry[i];
    if (setns(p->ns[t].fd, ns_table[t].clone_flag) < 0)
      return join_failed(p, t, err);
  }
  return 0;
}

/* CLONE_PARENT makes the init main's child, not ours: we exit next, and an
 * init reparented away from main could neither be reaped nor killed by it. */
static int clone_init(struct stage_ctx *c, pid_t *pid_out, struct nsrt_err *err)
{
  pid_t pid;
  /* Known bug (youki-dev/youki#1601): without CLONE_PARENT the init is our
   * child, reparented away from main when we exit, and nobody reaps it. */
  unsigned long flags = NSRT_BUG("init-no-clone-parent") ? 0 : CLONE_PARENT;
  if (FP_CLONE_FAILS("intermediate.clone_init"))
    pid = -1;
  else
    pid = clone_process(flags, NULL);
  if (pid < 0)
    return nsrt_fail(err, errno, "clone_init", NULL);
  if (pid == 0)
    init_main(c); /* does not return */
  *pid_out = pid;
  return 0;
}

static int run_intermediate(struct stage_ctx *c, struct nsrt_err *err)
{
  /* If main died between clone and here, no one would read our messages. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return nsrt_fail(err, errno, "pdeathsig", NULL);
  if (getppid() != c->main_pid)
    return nsrt_fail(err, ESRCH, "pdeathsig", "main %d is gone", c->main_pid);

  /* Known bugs: rlimits set inside the new user namespace, where raising a
   * hard limit is refused (opencontainers/runc#680); namespaces given by
   * path joined from inside the new user namespace, which owns none of
   * them (opencontainers/runc#4390); the pid and time namespaces created
   * before the user namespace, which then does not own them
   * (opencontainers/runc#977). */
  bool late_rlimits = NSRT_BUG("rlimits-after-userns");
  bool late_join = NSRT_BUG("join-after-userns");
  bool early_pidns = NSRT_BUG("pidns-before-userns");
  int ret = late_rlimits ? 0 : set_rlimits(c->plan, err);
  if (ret < 0)
    return ret;
  ret = late_join ? 0 : join_namespaces(c->plan, err);
  if (ret < 0)
    return ret;
  ret = early_pidns ? create_child_namespaces(c, err) : 0;
  if (ret < 0)
    return ret;
  ret = enter_user_namespace(c, err);
  if (ret < 0)
    return ret;
  ret = late_join ? join_namespaces(c->plan, err) : 0;
  if (ret < 0)
    return ret;
  ret = late_rlimits ? set_rlimits(c->plan, err) : 0;
  if (ret < 0)
    return ret;
  ret = early_pidns ? 0 : create_child_namespaces(c, err);
  if (ret < 0)
    return ret;
  pid_t init_pid = 0;
  ret = clone_init(c, &init_pid, err);
  if (ret < 0)
    return ret;
  /* The init holds its own copy; ours would keep main's EOF detection from
   * working if the init died. */
  chan_close(&c->init);
  struct msg_pid m = {.pid = init_pid};
  return chan_send(&c->inter, FP_SEND("chan.intermediate.send.INTERMEDIATE_READY"),
                   MSG_INTERMEDIATE_READY, &m, sizeof(m), err);
}

void intermediate_main(struct stage_ctx *c)
{
  nsrt_set_stage("intermediate");
  prctl(PR_SET_NAME, "nsrt:[1:INTER]", 0, 0, 0);
  close(c->main_fds[0]);
  close(c->main_fds[1]);

  struct nsrt_err err;
  nsrt_err_clear(&err);
  if (run_intermediate(c, &err) < 0) {
    chan_send_error(&c->inter, FP_SEND("chan.intermediate.send.ERROR"), &err);
    _exit(1);
  }
  _exit(0);
}
