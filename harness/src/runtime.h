/* Driving an OCI runtime through its runc-style CLI. */
#ifndef NSC_RUNTIME_H
#define NSC_RUNTIME_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct nsrt_err;
struct sock_fprog;
struct inj_opts;

struct nsc_runtime {
  char path[PATH_MAX]; /* absolute */
  char name[64];       /* basename, for reports */
  char version[256];   /* first line of `--version` */
  char root[PATH_MAX]; /* the --root state dir; the harness owns it */
  char **global_args;  /* extra global flags (--runtime-arg), NULL-terminated; may be NULL */
  bool isolate;        /* private mount namespace, cgroup2 hidden (see nsc_runtime_exec) */
  int timeout_ms;      /* bound of every command */
  /* Run every command under this program (NULL-terminated argv, [0] an
   * absolute path, e.g. strace -f -tt -o F.{n}); "{n}" in an entry becomes
   * the command's number (1, 2, ...).  NULL: none.  Set after
   * nsc_runtime_open, which clears it. */
  char **wrapper;
};

struct nsc_exec {
  int status;      /* exit code, 128+N for signal N, -1 when not run */
  bool timed_out;  /* killed after timeout_ms */
  char *out;       /* stdout when captured, else NULL */
  char *err;       /* stderr (always captured), NUL-terminated */
  double ms;       /* wall time */
  char hang[2048]; /* when timed out: the survivors, described */
};

/* A seccomp notification filter the command loads just before its exec
 * (black-box faults, blackbox_sup.c): the listener goes out on sock with
 * the plan and the log fd (to the supervisor, or to the harness, which
 * passes it on when needed), so the command's first trapped call is one of
 * the runtime's own. */
struct nsc_notify {
  const struct sock_fprog *prog;
  const struct inj_opts *plan; /* harness/inject/inject.h */
  int sock;                    /* SOCK_SEQPACKET (inj_send_listener) */
  int log_fd;                  /* the command's supervisor log, or -1 */
};

struct nsc_exec_opts {
  int stdout_fd;      /* the command's stdout (a container created by it keeps it); -1: capture */
  const char *cgroup; /* leaf to run in, or NULL */
  const char *const *env;          /* extra NAME=VALUE entries, NULL-terminated; may be NULL */
  const struct nsc_notify *notify; /* NULL: none */
};

/* Resolve path (a name is looked up in PATH), check it runs, read its
 * version, and set the state root (created, 0700). */
int nsc_runtime_open(struct nsc_runtime *rt, const char *path, const char *root, bool isolate,
                     int timeout_ms, struct nsrt_err *err);

/* Run `<path> --root <root> [global args] argv...` with stdin /dev/null.
 * The child moves into the cgroup leaf first; with rt->isolate it then
 * enters a private mount namespace where the hybrid host's cgroup2 mount is
 * detached, so a runtime that refuses hybrid hosts sees a plain v1 host (the
 * host's mounts are never changed).  Output goes to files, never pipes: a
 * container keeps the create command's stdio open for as long as it runs.
 * On timeout the leaf (or the process group) is described into r->hang and
 * killed.  The child is started like vfork (it shares the harness's memory
 * until it execs, which spares copying the harness's page tables for every
 * command); its argv and environment are prepared before.  Returns
 * r->status. */
int nsc_runtime_exec(const struct nsc_runtime *rt, const struct nsc_exec_opts *o,
                     struct nsc_exec *r, const char *const argv[]);

/* A command started by nsc_runtime_spawn, not yet waited for. */
struct nsc_pending {
  pid_t pid; /* -1 when it could not be started */
  int pidfd;
  int err_fd;
  int cap_fd;
  double start;
  struct nsc_exec_opts o; /* a copy; what it points to must outlive the command */
  const char *failure;    /* why it was not started */
};

/* nsc_runtime_exec in two halves, so the harness can do other work while
 * the command runs.  Every spawn must be followed by one wait, which fills
 * r as nsc_runtime_exec does and returns r->status. */
int nsc_runtime_spawn(const struct nsc_runtime *rt, const struct nsc_exec_opts *o,
                      struct nsc_pending *p, const char *const argv[]);
int nsc_runtime_wait(const struct nsc_runtime *rt, struct nsc_pending *p, struct nsc_exec *r);

/* The command line as text (for repro commands and messages), malloc'd. */
char *nsc_runtime_cmdline(const struct nsc_runtime *rt, const char *const argv[]);

void nsc_exec_free(struct nsc_exec *r);

#endif
