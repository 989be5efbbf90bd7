/* Stage 0: main, the `nsrt create` process.
 *
 * Reads top to bottom in the order main acts: plan, state dir, start socket,
 * channels, clone the intermediate, serve its mapping request, learn the init's
 * pid, reap the intermediate, serve the init's hook request, wait for
 * INIT_READY, set the scheduler and I/O priority on the init, write state.json
 * and the pid file.  Any failure kills and reaps every stage already created
 * and removes the state dir, so a failed create leaves nothing behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bugs.h"
#include "cleanup.h"
#include "error.h"
#include "failpoint.h"
#include "hooks.h"
#include "idmap.h"
#include "log.h"
#include "procattr.h"
#include "process.h"
#include "runtime.h"
#include "rootfs.h"
#include "spec.h"
#include "stages.h"
#include "state.h"

struct pipeline {
  struct stage_ctx ctx; /* what the children get */
  struct plan plan;
  const char *config_text; /* config.json exactly as parsed */
  int dirfd;
  bool dir_created;
  struct channel inter; /* main's end towards the intermediate */
  struct channel init;  /* main's end towards the init */
  pid_t inter_pid;
  int inter_pidfd;
  pid_t init_pid;
  int init_pidfd;
};

static int read_config(const char *bundle, char **out, struct nsrt_err *err)
{
  char path[4096];
  snprintf(path, sizeof(path), "%s/config.json", bundle);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return nsrt_fail_at(err, "spec", errno, "config.json", "open %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return nsrt_fail_at(err, "spec", errno, "config.json", "stat %s", path);
  if (st.st_size > 16 * 1024 * 1024)
    return nsrt_fail_at(err, "spec", EFBIG, "config.json", "%s is %lld bytes", path,
                        (long long)st.st_size);
  cleanup_free char *buf = malloc((size_t)st.st_size + 1);
  if (!buf)
    return nsrt_fail_at(err, "spec", ENOMEM, "config.json", NULL);
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return nsrt_fail_at(err, "spec", errno, "config.json", "read %s", path);
    if (r == 0)
      break;
    got += (size_t)r;
  }
  buf[got] = '\0';
  *out = take_ptr(&buf);
  return 0;
}

/* Set before any clone so every stage inherits it (and before anything could
 * make the process non-dumpable, which would make the file root-owned). */
static int write_oom_score_adj(const struct plan *p, struct nsrt_err *err)
{
  if (!p->has_oom_score_adj)
    return 0;
  char buf[16];
  int n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
  cleanup_close int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (FP_FAILS("main.write_oom_score_adj") || fd < 0 || write(fd, buf, (size_t)n) != n)
    return nsrt_fail(err, errno, "write_oom_score_adj", "write %s to /proc/self/oom_score_adj",
                     buf);
  return 0;
}

/* The hooks of create time, kept in the state dir so start and delete run
 * them even if config.json is edited after create. */
static int save_hooks(struct pipeline *p, struct nsrt_err *err)
{
  /* Most configs have no hooks: spare the create path a second parse. */
  const struct hooks_plan *h = &p->plan.hooks;
  if (!h->prestart.n && !h->create_runtime.n && !h->create_container.n &&
      !h->start_container.n && !h->poststart.n && !h->poststop.n)
    return 0;
  json_error_t jerr;
  json_t *root = json_loads(p->config_text, 0, &jerr);
  if (!root)
    return nsrt_fail(err, EINVAL, "save_hooks", "config.json: %s", jerr.text);
  json_t *hooks = json_object_get(root, "hooks");
  int ret = 0;
  if (hooks) {
    cleanup_close int fd =
        openat(p->dirfd, STATE_HOOKS, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || json_dumpfd(hooks, fd, JSON_COMPACT) < 0)
      ret = nsrt_fail(err, errno, "save_hooks", "write %s", STATE_HOOKS);
  }
  json_decref(root);
  return ret;
}

/* The socket `start` connects to.  Bound now, by main, in the state dir: the
 * init may be in a user namespace that cannot create files there. */
static int create_start_socket(struct pipeline *p, struct nsrt_err *err)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (state_path(addr.sun_path, sizeof(addr.sun_path), p->ctx.opts->root, p->ctx.opts->id,
                 STATE_SOCKET) < 0)
    return nsrt_fail(err, ENAMETOOLONG, "start_socket", "state dir path too long");
  cleanup_close int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return nsrt_fail(err, errno, "start_socket", "socket");
  if (FP_FAILS("main.start_socket") || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
      listen(fd, 1) < 0)
    return nsrt_fail(err, errno, "start_socket", "bind %s", addr.sun_path);
  p->ctx.start_fd = take_fd(&fd);
  return 0;
}

static int count_listen_fds(void)
{
  const char *v = getenv("LISTEN_FDS");
  if (!v)
    return 0;
  char *end;
  long n = strtol(v, &end, 10);
  return (*end == '\0' && n > 0 && n < 1024) ? (int)n : 0;
}

static int clone_intermediate(struct pipeline *p, struct nsrt_err *err)
{
  int pidfd = -1;
  pid_t pid;
  if (FP_CLONE_FAILS("main.clone_intermediate"))
    pid = -1;
  else
    pid = clone_process(0, &pidfd);
  if (pid < 0)
    return nsrt_fail(err, errno, "clone_intermediate", NULL);
  if (pid == 0)
    intermediate_main(&p->ctx); /* does not return */
  p->inter_pid = pid;
  p->inter_pidfd = pidfd;
  p->inter.peer_pid = pid;
  nsrt_debug("cloned intermediate %d", pid);
  /* The children's ends and the start socket belong to the children now.
   * Known bug (opencontainers/runc#5087): a parent that keeps a copy of a
   * child's end never sees EOF when that child dies. */
  if (!NSRT_BUG("parent-keeps-child-end")) {
    chan_close(&p->ctx.inter);
    chan_close(&p->ctx.init);
  }
  close(take_fd(&p->ctx.start_fd));
  return 0;
}

static bool is_our_child(pid_t pid)
{
  char path[64], buf[512];
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  char *rp = strrchr(buf, ')');
  int ppid;
  return rp && sscanf(rp + 1, " %*c %d", &ppid) == 1 && ppid == getpid();
}

static int serve_intermediate(struct pipeline *p, struct nsrt_err *err)
{
  struct msg m;
  int ret;
  if (plan_new_userns(&p->plan)) {
    ret = chan_recv(&p->inter, FP_RECV("chan.main.recv.MAPPING_REQUEST"), MSG_MAPPING_REQUEST,
                    &m, err);
    if (ret < 0)
      return ret;
    ret = write_id_maps(p->inter_pid, &p->plan, err);
    if (ret < 0)
      return ret;
    ret = chan_send(&p->inter, FP_SEND("chan.main.send.MAPPING_DONE"), MSG_MAPPING_DONE, NULL, 0,
                    err);
    if (ret < 0)
      return ret;
  }
  ret = chan_recv(&p->inter, FP_RECV("chan.main.recv.INTERMEDIATE_READY"),
                  MSG_INTERMEDIATE_READY, &m, err);
  if (ret < 0)
    return ret;

  /* A pid that is not our child (a corrupted message) must never be killed
   * or waited for: the init was cloned with CLONE_PARENT, so it is ours. */
  pid_t init_pid = m.u.pid.pid;
  if (init_pid <= 0 || !is_our_child(init_pid))
    return nsrt_fail(err, EPROTO, "recv INTERMEDIATE_READY",
                     "intermediate named pid %d as the init, which is not a child of main",
                     init_pid);
  p->init_pid = init_pid;
  p->init_pidfd = (int)syscall(SYS_pidfd_open, init_pid, 0);
  p->init.peer_pid = init_pid;

  /* The intermediate's work is done; it exits right after its message. */
  int status = reap_child(p->inter_pid, p->inter_pidfd, p->inter.timeout_ms);
  if (status < 0 && errno != ECHILD)
    return nsrt_fail(err, errno, "reap_intermediate", "intermediate %d", p->inter_pid);
  close(take_fd(&p->inter_pidfd));
  p->inter_pid = 0;
  if (status > 0) {
    char how[64];
    describe_wait_status(status, how, sizeof(how));
    return nsrt_fail_at(err, "intermediate", 0, "exit", "intermediate %s after INTERMEDIATE_READY",
                        how);
  }
  nsrt_debug("init is %d; intermediate reaped", init_pid);
  return 0;
}

char *stage_hook_state(const struct stage_ctx *c, pid_t pid, const char *status)
{
  struct container_state st = {
      .oci_version = c->plan->oci_version,
      .id = (char *)c->opts->id,
      .bundle = (char *)c->opts->bundle,
      .pid = pid,
      .annotations = c->plan->annotations,
      .n_annotations = c->plan->n_annotations,
  };
  enum container_status s = strcmp(status, "creating") == 0 ? STATUS_CREATING : STATUS_CREATED;
  return state_to_json(&st, s);
}

static int run_runtime_hooks(struct pipeline *p, struct nsrt_err *err)
{
  cleanup_free char *state = stage_hook_state(&p->ctx, p->init_pid, "creating");
  if (!state)
    return nsrt_fail(err, ENOMEM, "hooks", NULL);
  int ret = hooks_run(&p->plan.hooks.prestart, "prestart", state, err);
  if (ret < 0)
    return ret;
  return hooks_run(&p->plan.hooks.create_runtime, "createRuntime", state, err);
}

static int serve_init(struct pipeline *p, struct nsrt_err *err)
{
  struct msg m;
  int ret;
  if (p->plan.hooks.prestart.n || p->plan.hooks.create_runtime.n) {
    ret = chan_recv(&p->init, FP_RECV("chan.main.recv.HOOKS_REQUEST"), MSG_HOOKS_REQUEST, &m, err);
    if (ret < 0)
      return ret;
    ret = run_runtime_hooks(p, err);
    if (ret < 0)
      return ret;
    ret = chan_send(&p->init, FP_SEND("chan.main.send.HOOKS_DONE"), MSG_HOOKS_DONE, NULL, 0, err);
    if (ret < 0)
      return ret;
  }
  return chan_recv(&p->init, FP_RECV("chan.main.recv.INIT_READY"), MSG_INIT_READY, &m, err);
}

static int write_state(struct pipeline *p, struct nsrt_err *err)
{
  char created[64];
  rfc3339_now(created, sizeof(created));
  struct container_state st = {
      .oci_version = p->plan.oci_version,
      .id = (char *)p->ctx.opts->id,
      .bundle = (char *)p->ctx.opts->bundle,
      .pid = p->init_pid,
      .created = created,
      .annotations = p->plan.annotations,
      .n_annotations = p->plan.n_annotations,
  };
  if (proc_start_time(p->init_pid, &st.pid_start) < 0)
    return nsrt_fail(err, ESRCH, "write_state", "init %d is gone", p->init_pid);
  if (FP_FAILS("main.write_state"))
    return nsrt_fail(err, errno, "write_state", NULL);
  return state_write(p->dirfd, &st, err);
}

static int write_pid_file(const char *path, pid_t pid, struct nsrt_err *err)
{
  if (!path)
    return 0;
  char tmp[4096], buf[32];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  int n = snprintf(buf, sizeof(buf), "%d", pid);
  cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (FP_FAILS("main.write_pid_file") || fd < 0 || write(fd, buf, (size_t)n) != n ||
      rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return nsrt_fail(err, e, "write_pid_file", "%s", path);
  }
  return 0;
}

/* Undo everything create did: every stage killed and reaped, the state dir
 * removed.  Keeps err as it is. */
static void abort_pipeline(struct pipeline *p)
{
  /* Deliberate defect for the fault sweep's own test: main leaves the
   * intermediate on its error path, neither killed nor reaped, so it
   * outlives the failed create (until its parent-death signal) and ends a
   * zombie of whoever inherits it. */
  bool leave_intermediate = p->inter_pid > 0 && NSRT_BUG("intermediate-no-reap");
  kill_and_reap(p->init_pid, p->init_pidfd);
  if (!leave_intermediate) {
    kill_and_reap(p->inter_pid, p->inter_pidfd);
    /* An init whose pid never reached us (its intermediate died or its
     * message was lost) is still our child through CLONE_PARENT. */
    kill_and_reap_all_children();
  }
  p->init_pid = p->inter_pid = 0;
  /* Known bug (youki-dev/youki#210): a failed create that leaves its state
   * directory behind, which `delete` then cannot load. */
  if (p->dir_created && !NSRT_BUG("state-dir-left")) {
    struct nsrt_err ignored;
    state_remove(p->ctx.opts->root, p->ctx.opts->id, &ignored);
  }
}

/* runtime.md lifecycle steps 3-5: when a prestart, createRuntime or
 * createContainer hook fails, the container is stopped and destroyed (done by
 * abort_pipeline) and the poststop hooks run, their failures only warnings. */
static void run_poststop_after_hook_failure(struct pipeline *p, const struct nsrt_err *err)
{
  if (strcmp(err->step, "hook") != 0 || !p->plan.hooks.poststop.n)
    return;
  struct container_state st = {
      .oci_version = p->plan.oci_version,
      .id = (char *)p->ctx.opts->id,
      .bundle = (char *)p->ctx.opts->bundle,
      .annotations = p->plan.annotations,
      .n_annotations = p->plan.n_annotations,
  };
  cleanup_free char *json = state_to_json(&st, STATUS_STOPPED);
  if (json)
    hooks_run_warn(&p->plan.hooks.poststop, "poststop", json);
}

static void release_pipeline(struct pipeline *p)
{
  chan_close(&p->inter);
  chan_close(&p->init);
  chan_close(&p->ctx.inter);
  chan_close(&p->ctx.init);
  if (p->ctx.start_fd >= 0)
    close(take_fd(&p->ctx.start_fd));
  if (p->inter_pidfd >= 0)
    close(take_fd(&p->inter_pidfd));
  if (p->init_pidfd >= 0)
    close(take_fd(&p->init_pidfd));
  if (p->dirfd >= 0)
    close(take_fd(&p->dirfd));
  plan_free(&p->plan);
  free((char *)p->config_text);
}

static int create_pipeline(struct pipeline *p, struct nsrt_err *err)
{
  int ret = state_check_id(p->ctx.opts->root, p->ctx.opts->id, err);
  if (ret < 0)
    return ret;
  char *text = NULL;
  ret = read_config(p->ctx.opts->bundle, &text, err);
  if (ret < 0)
    return ret;
  p->config_text = text;
  /* Every spec error is reported here, before any process or state exists. */
  ret = spec_parse_string(p->config_text, p->ctx.opts->bundle, &p->plan, err);
  if (ret < 0)
    return ret;

  p->dirfd = state_dir_create(p->ctx.opts->root, p->ctx.opts->id, err);
  if (p->dirfd < 0)
    return -1;
  p->dir_created = true;
  ret = save_hooks(p, err);
  if (ret < 0)
    return ret;
  ret = write_oom_score_adj(&p->plan, err);
  if (ret < 0)
    return ret;
  ret = create_start_socket(p, err);
  if (ret < 0)
    return ret;
  if (FP_FAILS("main.create_channels"))
    return nsrt_fail(err, errno, "create_channels", NULL);
  ret = chan_pair(&p->inter, &p->ctx.inter, err);
  if (ret < 0)
    return ret;
  ret = chan_pair(&p->init, &p->ctx.init, err);
  if (ret < 0)
    return ret;
  p->inter.peer = "intermediate";
  p->init.peer = "init";
  /* Main waits a little longer than the stages do, so that a stage that is
   * itself stuck waiting (for a message main lost) reports its own step. */
  p->inter.timeout_ms += p->inter.timeout_ms / 2;
  p->init.timeout_ms += p->init.timeout_ms / 2;
  p->ctx.inter.peer = p->ctx.init.peer = "main";
  p->ctx.main_fds[0] = p->inter.fd;
  p->ctx.main_fds[1] = p->init.fd;

  ret = rootfs_idmapped_trees(&p->plan, err);
  if (ret < 0)
    return ret;
  ret = clone_intermediate(p, err);
  if (ret < 0)
    return ret;
  ret = serve_intermediate(p, err);
  if (ret < 0)
    return ret;
  ret = serve_init(p, err);
  if (ret < 0)
    return ret;
  ret = procattr_apply_to_init(p->init_pid, &p->plan, err);
  if (ret < 0)
    return ret;
  ret = write_state(p, err);
  if (ret < 0)
    return ret;
  return write_pid_file(p->ctx.opts->pid_file, p->init_pid, err);
}

int nsrt_create(const struct create_opts *o, pid_t *init_pid, struct nsrt_err *err)
{
  struct pipeline p = {
      .ctx = {.opts = o, .main_pid = getpid(), .start_fd = -1,
              .preserve_fds = o->preserve_fds + count_listen_fds()},
      .dirfd = -1,
      .inter = {.fd = -1},
      .init = {.fd = -1},
      .inter_pidfd = -1,
      .init_pidfd = -1,
  };
  p.ctx.plan = &p.plan;
  p.ctx.inter.fd = p.ctx.init.fd = -1;
  for (int i = 0; i < NS_COUNT; i++)
    p.plan.ns[i].fd = -1;
  nsrt_set_stage("main");
  prctl(PR_SET_NAME, "nsrt:[0:MAIN]", 0, 0, 0);

  int ret = create_pipeline(&p, err);
  if (ret < 0) {
    abort_pipeline(&p);
    run_poststop_after_hook_failure(&p, err);
  }
  else
    *init_pid = p.init_pid;
  /* On success the init stays our child (CLONE_PARENT): `run` waits for it,
   * `create` exits and leaves it to our parent or subreaper. */
  p.init_pid = 0;
  release_pipeline(&p);
  return ret;
}
