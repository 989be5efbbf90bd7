/* The harness's own supervisor of black-box cases: one process per harness
 * process (a sweep worker has its own), forked on first use and kept for the
 * run.  A supervised runtime command loads the filter in the harness's spawn
 * path, just before its exec (runtime.c), and sends its listener with the
 * case's plan and the command's log: to the supervisor when the exec itself
 * is trapped (it waits for an answer before the harness runs again), else to
 * the harness, which passes it on at the tree's first trapped call or when
 * the tree outlives the command, and otherwise logs the command's start and
 * summary itself.  The supervisor serves every listener until its tree is
 * gone (inj_serve).  No process is started per command, which is what made
 * nsc-inject's wrapping cost more than the runtime's own work on a fast
 * runtime. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../inject/inject.h"
#include "blackbox.h"
#include "blackbox_int.h"
#include "cgroup.h"
#include "driver.h"
#include "error.h"
#include "observe.h"
#include "process.h"
#include "runtime.h"

static struct {
  pid_t owner; /* the harness process that forked it */
  pid_t pid;
  int ctl;
  /* A socket pair of the harness's own: a command whose filter does not
   * trap its exec sends its listener here, and the harness passes it on
   * only when the tree makes a trapped call or outlives the command. */
  int self[2];
  char leaf[PATH_MAX];
} sup = {.ctl = -1, .self = {-1, -1}};

static void close_self(void)
{
  for (int i = 0; i < 2; i++)
    if (sup.self[i] >= 0) {
      close(sup.self[i]);
      sup.self[i] = -1;
    }
}

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void serve(int ctl, pid_t owner, const char *leaf)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != owner)
    _exit(0);
  /* Out of the harness's process group and terminal: a command's group
   * kill never reaches it. */
  setsid();
  if (leaf[0])
    nsc_cgroup_enter(leaf);
  inj_stdio_null();
  if (ctl > 3)
    close_range(3, (unsigned)ctl - 1, 0);
  close_range((unsigned)ctl + 1, ~0U, 0);
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction(sig, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  /* SCHED_BATCH: waking up never preempts a runtime's process (a listener
   * arriving, a tree ending); when a trapped call waits for us, the caller
   * sleeps and we run at once anyway. */
  struct sched_param sp = {0};
  sched_setscheduler(0, SCHED_BATCH, &sp);
  inj_serve(ctl);
  _exit(0);
}

int nsc_bb_sup_socket(const char *cgroup_base, struct nsrt_err *err)
{
  if (sup.owner == getpid() && sup.pid > 0) {
    if (kill(sup.pid, 0) == 0 && waitpid(sup.pid, NULL, WNOHANG) == 0)
      return sup.ctl;
    /* It died: say so in the logs of what comes next by starting anew. */
    nsc_bb_sup_stop(0);
  }
  if (sup.owner != getpid()) {
    /* Inherited from the harness process that forked us: its, not ours. */
    if (sup.ctl >= 0)
      close(sup.ctl);
    close_self();
    sup.ctl = -1;
    sup.pid = 0;
    sup.leaf[0] = '\0';
  }
  sup.owner = getpid();
  if (cgroup_base && cgroup_base[0] &&
      nsc_cgroup_leaf(cgroup_base, "inject", sup.leaf, sizeof(sup.leaf), err) < 0)
    sup.leaf[0] = '\0';
  int sv[2];
  if (sup.self[0] < 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sup.self) < 0)
    return nsrt_fail_at(err, "inject", errno, "socketpair", NULL);
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return nsrt_fail_at(err, "inject", errno, "socketpair", NULL);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    return nsrt_fail_at(err, "inject", e, "fork", "the supervisor");
  }
  if (pid == 0) {
    close(sv[0]);
    serve(sv[1], sup.owner, sup.leaf);
  }
  close(sv[1]);
  sup.pid = pid;
  sup.ctl = sv[0];
  return sup.ctl;
}

void nsc_bb_sup_stop(int timeout_ms)
{
  close_self();
  if (sup.owner != getpid()) {
    if (sup.ctl >= 0)
      close(sup.ctl);
    memset(&sup, 0, sizeof(sup));
    sup.ctl = -1;
    sup.self[0] = sup.self[1] = -1;
    return;
  }
  if (sup.ctl >= 0) {
    close(sup.ctl);
    sup.ctl = -1;
  }
  /* With ctl closed it ends once the listeners it still has hang up; every
   * case has been cleaned up by now, so they have. */
  if (sup.pid > 0)
    nsc_bb_wait_supervisor(sup.pid, timeout_ms);
  sup.pid = 0;
  if (sup.leaf[0]) {
    nsc_cgroup_kill(sup.leaf, 2000);
    nsc_cgroup_remove(sup.leaf);
    sup.leaf[0] = '\0';
  }
}

struct nsc_bb_plan {
  struct inj_opts opts;
  struct sock_fprog prog;
};

struct nsc_bb_plan *nsc_bb_plan_new(const char *const *steps, size_t n, long timeout_ms,
                                    struct nsrt_err *err)
{
  if (n > INJ_MAX_STEPS) {
    nsrt_fail_at(err, "inject", EINVAL, "plan", "more than %d steps", INJ_MAX_STEPS);
    return NULL;
  }
  struct nsc_bb_plan *p = calloc(1, sizeof(*p));
  if (!p) {
    nsrt_fail_at(err, "inject", ENOMEM, "plan", NULL);
    return NULL;
  }
  p->opts.log_fd = -1;
  p->opts.all_targets = n == 0;
  p->opts.no_exec_marker = true; /* loaded in the spawn path, just before the exec */
  p->opts.timeout_ms = timeout_ms;
  for (size_t k = 0; k < n; k++) {
    char msg[256];
    if (inj_parse_step(steps[k], &p->opts.steps[k], msg, sizeof(msg)) < 0) {
      nsrt_fail_at(err, "inject", EINVAL, "plan", "%s", msg);
      free(p);
      return NULL;
    }
    p->opts.n_steps = k + 1;
  }
  if (inj_build_prog(&p->opts, &p->prog) < 0) {
    nsrt_fail_at(err, "inject", errno, "filter", NULL);
    free(p);
    return NULL;
  }
  return p;
}

void nsc_bb_plan_free(struct nsc_bb_plan *p)
{
  if (!p)
    return;
  inj_free_prog(&p->prog);
  free(p);
}

/* A listener the harness holds while its command runs. */
struct held {
  struct inj_handoff h;
  int listener, log_fd;
};

static void held_close(struct held *k)
{
  if (k->listener >= 0)
    close(k->listener);
  if (k->log_fd >= 0)
    close(k->log_fd);
  k->listener = k->log_fd = -1;
}

/* To the supervisor (the listener is then its only). */
static void held_pass_on(struct held *k)
{
  if (k->listener >= 0 && inj_forward_listener(sup.ctl, &k->h, k->listener, k->log_fd) < 0) {
    /* The tree's trapped calls now fail (ENOSYS): the case will show it. */
  }
  held_close(k);
}

/* The tree is gone and made no trapped call: its start and summary, logged
 * here as the supervisor would have. */
static void held_finish(struct held *k)
{
  struct inj_opts o = k->h.o;
  o.log_fd = k->log_fd;
  o.cgroup = NULL;
  struct inj_sup *s =
      inj_sup_new(&o, k->listener, k->h.program, k->h.killable ? "wait-killable" : "plain");
  if (s) {
    inj_sup_end(s, "hangup"); /* closes the listener */
    k->listener = -1;
  }
  held_close(k);
}

/* Wait for the command with the listener in hand: passed on at the tree's
 * first trapped call; kept while none comes, which spares the supervisor a
 * wake-up for every command that makes none. */
static void wait_holding(const struct nsc_runtime *rt, struct nsc_pending *p, struct held *k)
{
  double deadline = now_ms() + rt->timeout_ms;
  while (k->listener >= 0) {
    struct pollfd fds[2] = {{.fd = p->pidfd, .events = POLLIN},
                            {.fd = k->listener, .events = POLLIN}};
    double left = deadline - now_ms();
    if (left <= 0)
      break;
    int r = poll(fds, 2, (int)left + 1);
    if (r < 0 && errno != EINTR)
      break;
    if (r <= 0)
      continue;
    if (fds[1].revents & POLLIN) {
      held_pass_on(k);
      return;
    }
    if (fds[0].revents)
      break; /* the command ended */
    if (fds[1].revents & (POLLHUP | POLLERR))
      break;
  }
}

/* After the command was reaped (a task stops using its filter only once
 * reaped): a tree without users is finished here, one that lives on (a
 * container) goes to the supervisor. */
static void release_held(struct held *k)
{
  if (k->listener < 0)
    return;
  struct pollfd l = {.fd = k->listener, .events = POLLIN};
  if (poll(&l, 1, 0) == 1 && !(l.revents & POLLIN) && (l.revents & POLLHUP))
    held_finish(k);
  else
    held_pass_on(k);
}

int nsc_bb_exec(const struct nsc_bb_plan *p, const struct nsc_runtime *rt, const char *cgroup_base,
                const struct nsc_exec_opts *o, const char *log, struct nsc_exec *r,
                const char *const argv[], struct nsrt_err *err)
{
  int ctl = nsc_bb_sup_socket(cgroup_base, err);
  if (ctl < 0)
    return -1;
  int log_fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644) : -1;
  if (log && log_fd < 0)
    return nsrt_fail_at(err, "inject", errno, "log", "%s", log);
  /* A trapped exec waits for an answer before the harness (vfork) gets
   * control back: its listener must go straight to the supervisor. */
  bool exec_trapped = !p->opts.no_exec_marker || inj_traps(&p->opts, T_EXECVE);
  struct nsc_notify notify = {.prog = &p->prog,
                              .plan = &p->opts,
                              .sock = exec_trapped ? ctl : sup.self[0],
                              .log_fd = log_fd};
  struct nsc_exec_opts with = *o;
  with.notify = &notify;
  struct nsc_pending pend;
  nsc_runtime_spawn(rt, &with, &pend, argv);
  if (log_fd >= 0)
    close(log_fd);
  struct held k = {.listener = -1, .log_fd = -1};
  if (!exec_trapped && pend.pid > 0) {
    /* The child sent before its exec, and we resumed after it. */
    while (inj_recv_listener(sup.self[1], &k.h, &k.listener, &k.log_fd, false) == 1 &&
           k.h.program != pend.pid)
      held_close(&k); /* a sender that died before its exec */
    if (k.listener >= 0)
      wait_holding(rt, &pend, &k);
  }
  nsc_runtime_wait(rt, &pend, r);
  release_held(&k);
  return 0;
}

void nsc_blackbox_prepare(const struct nsc_driver *d, const struct nsc_case *c)
{
  const char *kind = json_string_value(json_object_get(c->fault, "kind"));
  if (c->kind != NSC_CASE_FAULT || !kind || strcmp(kind, "seccomp") != 0 || d->rt->wrapper)
    return;
  struct nsrt_err err;
  nsc_bb_sup_socket(d->cgroup_base, &err); /* on failure, the case says so */
}

pid_t nsc_bb_sup_pid(void)
{
  return sup.owner == getpid() ? sup.pid : 0;
}

/* Does the log hold an event of this kind? */
static bool log_has(const char *log, const char *event)
{
  char *text = NULL;
  if (nsc_read_file(log, &text, NULL) < 0)
    return false;
  char needle[64];
  snprintf(needle, sizeof(needle), "\"event\":\"%s\"", event);
  bool has = strstr(text, needle) != NULL;
  free(text);
  return has;
}

bool nsc_bb_log_wait(const char *log, const char *event, int timeout_ms)
{
  double deadline = now_ms() + timeout_ms;
  for (;;) {
    if (log_has(log, event))
      return true;
    if (now_ms() > deadline)
      return false;
    sleep_ms(5);
  }
}
