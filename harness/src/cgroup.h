/* Containment of a case: a cgroup v2 leaf per case, so that everything a
 * runtime starts can be listed and killed (cgroup.kill), whatever it
 * double-forks or reparents. */
#ifndef NSC_CGROUP_H
#define NSC_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct nsrt_err;

/* The harness's own cgroup v2 directory: <cgroup2 mount>/nsconform.<pid>.
 * Finds the cgroup2 mount (/sys/fs/cgroup on a pure v2 host,
 * /sys/fs/cgroup/unified on a hybrid one).  Returns 0 with *out = "" when
 * there is no usable cgroup2 (then cases are contained by process group
 * only, and the report says so). */
int nsc_cgroup_base(char *out, size_t len, struct nsrt_err *err);

/* mkdir <base>/<name>; returns its path in out. */
int nsc_cgroup_leaf(const char *base, const char *name, char *out, size_t len,
                    struct nsrt_err *err);

/* Move the calling process into leaf (used by a forked child before exec). */
int nsc_cgroup_enter(const char *leaf);

/* The pids in leaf; returns how many (at most max), -1 on error. */
int nsc_cgroup_pids(const char *leaf, pid_t *pids, int max);

/* cgroup.kill, then wait (bounded) until the leaf is empty.  Returns the
 * number of processes that were there. */
int nsc_cgroup_kill(const char *leaf, int timeout_ms);

/* rmdir the leaf (after nsc_cgroup_kill); ENOENT is fine. */
int nsc_cgroup_remove(const char *leaf);

/* "pid 123 (nsrt:[2:INIT]) state S wchan do_wait syscall 61 ..." for each
 * process of the leaf, appended to buf: why a case hung. */
void nsc_cgroup_describe(const char *leaf, char *buf, size_t len);

/* Describe one process the same way. */
void nsc_describe_pid(pid_t pid, char *buf, size_t len);

#endif
