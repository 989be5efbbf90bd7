/* nsc-inject: black-box fault injection into any program's process tree
 * through a seccomp user-notification supervisor.
 *
 *   nsc-inject [--plan STEP]... [--log FILE] [--log-calls] [--timeout-ms MS]
 *              [--cgroup DIR] [--all] -- PROGRAM ARGS...
 *
 * STEP is TARGET@N=ACTION[(ARG)]: on the Nth call of TARGET counted across
 * the whole tree (after PROGRAM's own execve), do ACTION.  The process that
 * runs nsc-inject becomes PROGRAM (same pid, stdio, exit status); the
 * supervisor is its sibling (a child of whoever started nsc-inject, never of
 * PROGRAM), which lives as long as some task of the tree still uses the
 * filter, or until the timeout.  --cgroup moves it to a cgroup v2 directory
 * of its own (the case's leaf counts only the runtime's processes).
 *
 * --log FILE gets one JSON object per line: {"event":"start","supervisor",
 * "pid","mode"}, {"event":"call","target","n","pid","syscall"} (--log-calls),
 * {"event":"fault","target","n","action","arg","pid","tgid","syscall","ok",
 * "detail","mono_ms"}, warnings and errors, and at the end {"event":"summary",
 * "counts":{target:n},"fired","reason":"hangup"|"timeout"}. */
#ifndef NSC_INJECT_H
#define NSC_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

struct sock_fprog;

enum inj_target {
  T_CLONE,
  T_CLONE3,
  T_FORK,
  T_VFORK,
  T_UNSHARE,
  T_SETNS,
  T_UID_MAP,
  T_GID_MAP,
  T_SETGROUPS,
  T_SYNC,
  T_SETRESUID,
  T_SETRESGID,
  T_EXECVE,
  T_COUNT
};

enum inj_action { A_ERRNO, A_KILL, A_DELAY, A_SHORT, A_CORRUPT };

struct inj_step {
  enum inj_target target;
  unsigned nth;
  enum inj_action action;
  long arg;         /* errno, delay ms, short byte count, corrupt byte index */
  char argtext[32]; /* the argument as written ("EAGAIN", "500"), for the log */
};

#define INJ_MAX_STEPS 32

struct inj_opts {
  struct inj_step steps[INJ_MAX_STEPS];
  size_t n_steps;
  int log_fd;         /* -1: no log */
  bool log_calls;     /* a "call" event for every counted call */
  bool all_targets;   /* trap every target, not only the planned ones */
  long timeout_ms;    /* the supervisor's own bound */
  const char *cgroup; /* cgroup v2 directory the supervisor moves to, or NULL */
  /* The filter is loaded right before PROGRAM's execve, by the process that
   * execs it (the harness's spawn path), so counting starts at once: the
   * execve is trapped only when a step targets it (then the first one is
   * PROGRAM's own and not counted).  false (nsc-inject): always trapped,
   * the supervisor takes the listener while PROGRAM waits in it. */
  bool no_exec_marker;
};

/* Names of targets and actions ("clone3", "errno"). */
const char *inj_target_name(enum inj_target t);
const char *inj_action_name(enum inj_action a);
int inj_target_from_name(const char *name); /* -1 if unknown */

/* Parse one STEP; on error returns -1 with a message in msg. */
int inj_parse_step(const char *text, struct inj_step *out, char *msg, size_t len);

/* Whether the filter must trap target t for these options. */
bool inj_traps(const struct inj_opts *o, enum inj_target t);

/* ---- the filter (filter.c) ------------------------------------------------ */

/* The filter for these options as a BPF program (prog->filter malloc'd;
 * inj_free_prog frees it).  Returns 0, or -1 with errno. */
int inj_build_prog(const struct inj_opts *o, struct sock_fprog *prog);
void inj_free_prog(struct sock_fprog *prog);
/* Load prog on the calling thread with a new listener; no allocation, so a
 * vfork-style child may call it.  *killable says whether the kernel took
 * SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV.  Returns the listener, or -1. */
int inj_load_prog(const struct sock_fprog *prog, bool *killable);

/* ---- one listener (supervise.c) ------------------------------------------ */

/* The supervisor of one listener: counts and acts on the calls of the tree
 * that loaded it.  program is the process that loaded the filter and execs
 * PROGRAM (calls before its first execve are not counted).  o is copied;
 * o->log_fd stays the caller's.  Logs the start event. */
struct inj_sup;
struct inj_sup *inj_sup_new(const struct inj_opts *o, int listener, pid_t program,
                            const char *mode);
int inj_sup_fd(const struct inj_sup *s);
/* The listener is readable: take one notification and act on it. */
void inj_sup_ready(struct inj_sup *s);
/* Release the delayed calls that are due; ms to the next one, -1: none. */
long inj_sup_delays(struct inj_sup *s);
/* Log the summary (reason "hangup" or "timeout"), close the listener, free. */
void inj_sup_end(struct inj_sup *s, const char *reason);

/* One listener until every task using its filter is gone or o->timeout_ms
 * passes. */
void inj_supervise(const struct inj_opts *o, int listener, pid_t program, const char *mode);

/* ---- many listeners over a socket (serve.c) -------------------------------- */

/* Hand a listener over: send it with its plan o (o->log_fd and o->cgroup
 * are ignored) and the command's log fd (or -1) on sock, a SOCK_SEQPACKET
 * socket whose peer runs inj_serve.  Uses sendmmsg, which the filter never
 * traps, and no allocation: safe in a vfork-style child after
 * inj_load_prog.  Returns 0, or -1 with errno. */
int inj_send_listener(int sock, int listener, int log_fd, bool killable, const struct inj_opts *o);

/* What travels with a listener (and its log fd). */
struct inj_handoff {
  pid_t program; /* the process that loaded the filter and execs PROGRAM */
  int has_log;
  int killable;      /* loaded with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV */
  struct inj_opts o; /* its log_fd and cgroup are the receiver's to set */
};

/* Receive one hand-over: 1 (fds close-on-exec), 0 when the other side has
 * closed the socket (or an error), -1 for nothing (wait false) or a bad
 * message. */
int inj_recv_listener(int sock, struct inj_handoff *h, int *listener, int *log_fd, bool wait);
/* Pass a received listener on to a supervisor (sendmmsg, as above). */
int inj_forward_listener(int sock, const struct inj_handoff *h, int listener, int log_fd);

/* Serve every listener sent on ctl (inj_send_listener), each with its own
 * plan, counts and log, and each for at most its plan's timeout_ms, until
 * the other side has closed ctl and every listener has hung up (its tree is
 * gone) or timed out. */
void inj_serve(int ctl);

/* A supervisor holds nothing of the program's: its stdio may be a pipe
 * someone waits on for EOF.  0, 1 and 2 become /dev/null. */
void inj_stdio_null(void);

/* Append one JSON line to the log (no-op without a log). */
void inj_log(const struct inj_opts *o, json_t *event);

#endif
