/* process.scheduler, process.ioPriority and linux.memoryPolicy: the names the
 * spec uses for their constants, and applying them.
 *
 * Where each is applied, and why:
 *   - the scheduler and the I/O priority are set by main on the init, by pid,
 *     once the init has sent INIT_READY.  Main is root in the initial user
 *     namespace, which the real-time policies, negative nice values and the
 *     real-time I/O class need (the kernel checks CAP_SYS_NICE/CAP_SYS_ADMIN
 *     there, not in the container's user namespace).  Set on the init itself,
 *     neither SCHED_FLAG_RESET_ON_FORK nor SCHED_DEADLINE (whose tasks cannot
 *     fork) stands in the way of the pipeline's own clones; both survive the
 *     init's execve.
 *   - the memory policy belongs to the calling thread only, so the init sets
 *     it on itself, before the seccomp filter can deny set_mempolicy.  No
 *     privilege is needed for any mode or flag.
 */
#ifndef NSRT_PROCATTR_H
#define NSRT_PROCATTR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nsrt_err;
struct plan;

struct procattr_name {
  const char *name;
  uint64_t value;
};

/* The constants as runtime-spec v1.3.0 lists them, each table ending with a
 * NULL name.  SCHED_ISO is listed by the spec but has no Linux
 * implementation; the parser refuses it. */
extern const struct procattr_name procattr_sched_policies[];
extern const struct procattr_name procattr_sched_flags[];
extern const struct procattr_name procattr_ioprio_classes[];
extern const struct procattr_name procattr_mempolicy_modes[];
extern const struct procattr_name procattr_mempolicy_flags[];

/* The value of name in table; -1 when it is not there. */
int procattr_lookup(const struct procattr_name *table, const char *name, uint64_t *out);
/* The name of value in table, or NULL. */
const char *procattr_name_of(const struct procattr_name *table, uint64_t value);

#define PROCATTR_SCHED_ISO 4

/* The kernel's numbers not every libc header has. */
#define PROCATTR_IOPRIO_CLASS_SHIFT 13
#define PROCATTR_IOPRIO_WHO_PROCESS 1

/* Main: the scheduler and I/O priority of the plan on the init (pid).  A
 * plan without them changes nothing. */
int procattr_apply_to_init(pid_t pid, const struct plan *p, struct nsrt_err *err);

/* The init: the plan's memory policy on the calling thread. */
int procattr_set_mempolicy(const struct plan *p, struct nsrt_err *err);

#endif
