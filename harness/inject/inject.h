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
};

/* Names of targets and actions ("clone3", "errno"). */
const char *inj_target_name(enum inj_target t);
const char *inj_action_name(enum inj_action a);
int inj_target_from_name(const char *name); /* -1 if unknown */

/* Parse one STEP; on error returns -1 with a message in msg. */
int inj_parse_step(const char *text, struct inj_step *out, char *msg, size_t len);

/* Whether the filter must trap target t for these options. */
bool inj_traps(const struct inj_opts *o, enum inj_target t);

/* The supervisor: serve the listener until every task using the filter is
 * gone or the timeout passes; program_pid is the process that execs PROGRAM
 * (calls before its first execve are not counted).  Writes the summary. */
void inj_supervise(const struct inj_opts *o, int listener, pid_t program_pid, const char *mode);

/* Append one JSON line to the log (no-op without a log). */
void inj_log(const struct inj_opts *o, json_t *event);

#endif
