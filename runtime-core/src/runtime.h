/* The operations of the OCI CLI, as a library. */
#ifndef NSRT_RUNTIME_H
#define NSRT_RUNTIME_H

#include <stdbool.h>
#include <sys/types.h>

struct nsrt_err;

struct create_opts {
  const char *root;     /* state root (default /run/nsrt) */
  const char *id;
  const char *bundle;   /* absolute */
  const char *pid_file; /* may be NULL */
  int preserve_fds;     /* fds 3 .. 3+N-1 reach the container (plus LISTEN_FDS) */
};

/* create: plan, pipeline, state.json, pid file.  On success the init waits
 * for start and is a child of the calling process; *init_pid is its pid.
 * On failure every stage is killed and reaped and the state dir removed. */
int nsrt_create(const struct create_opts *o, pid_t *init_pid, struct nsrt_err *err);

/* start: connect to the init's start socket; returns when the program has
 * been exec'd (or with the init's error if exec failed); runs poststart. */
int nsrt_start(const char *root, const char *id, struct nsrt_err *err);

/* kill: sig to the init (created or running only). */
int nsrt_kill(const char *root, const char *id, int sig, struct nsrt_err *err);

/* delete: stopped only, unless force (SIGKILL, bounded wait for it to die).
 * Removes the state dir, then runs poststop. */
int nsrt_delete(const char *root, const char *id, bool force, struct nsrt_err *err);

/* Signal names ("TERM", "SIGTERM", "15") -> number; -1 when unknown. */
int nsrt_signal_from_name(const char *s);

#endif
