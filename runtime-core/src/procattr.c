/* process.scheduler, process.ioPriority, linux.memoryPolicy (procattr.h). */
#include "procattr.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/sched/types.h>

#include "error.h"
#include "failpoint.h"
#include "spec.h"

const struct procattr_name procattr_sched_policies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6}, {NULL, 0},
};

const struct procattr_name procattr_sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}, {NULL, 0},
};

const struct procattr_name procattr_ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
    {NULL, 0},
};

const struct procattr_name procattr_mempolicy_modes[] = {
    {"MPOL_DEFAULT", 0},
    {"MPOL_PREFERRED", 1},
    {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3},
    {"MPOL_LOCAL", 4},
    {"MPOL_PREFERRED_MANY", 5},
    {"MPOL_WEIGHTED_INTERLEAVE", 6},
    {NULL, 0},
};

const struct procattr_name procattr_mempolicy_flags[] = {
    {"MPOL_F_NUMA_BALANCING", 1u << 13},
    {"MPOL_F_RELATIVE_NODES", 1u << 14},
    {"MPOL_F_STATIC_NODES", 1u << 15},
    {NULL, 0},
};

int procattr_lookup(const struct procattr_name *table, const char *name, uint64_t *out)
{
  for (size_t i = 0; table[i].name; i++)
    if (strcmp(table[i].name, name) == 0) {
      *out = table[i].value;
      return 0;
    }
  return -1;
}

const char *procattr_name_of(const struct procattr_name *table, uint64_t value)
{
  for (size_t i = 0; table[i].name; i++)
    if (table[i].value == value)
      return table[i].name;
  return NULL;
}

static int set_scheduler(pid_t pid, const struct sched_plan *s, struct nsrt_err *err)
{
  struct sched_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.sched_policy = s->policy;
  attr.sched_flags = s->flags;
  attr.sched_nice = s->nice;
  attr.sched_priority = s->priority;
  attr.sched_runtime = s->runtime;
  attr.sched_deadline = s->deadline;
  attr.sched_period = s->period;
  /* The spec has no utilization values: with the clamp flags they are 0. */
  if (FP_FAILS("main.set_scheduler") || syscall(SYS_sched_setattr, pid, &attr, 0) < 0) {
    const char *policy = procattr_name_of(procattr_sched_policies, s->policy);
    return nsrt_fail(err, errno, "set_scheduler",
                     "%s nice %d priority %u flags 0x%llx runtime %llu deadline %llu period %llu "
                     "for init %d",
                     policy ? policy : "?", s->nice, s->priority, (unsigned long long)s->flags,
                     (unsigned long long)s->runtime, (unsigned long long)s->deadline,
                     (unsigned long long)s->period, pid);
  }
  return 0;
}

static int set_io_priority(pid_t pid, const struct ioprio_plan *io, struct nsrt_err *err)
{
  int value = (io->klass << PROCATTR_IOPRIO_CLASS_SHIFT) | io->level;
  if (FP_FAILS("main.set_io_priority") ||
      syscall(SYS_ioprio_set, PROCATTR_IOPRIO_WHO_PROCESS, pid, value) < 0) {
    const char *klass = procattr_name_of(procattr_ioprio_classes, (uint64_t)io->klass);
    return nsrt_fail(err, errno, "set_io_priority", "%s level %d for init %d", klass ? klass : "?",
                     io->level, pid);
  }
  return 0;
}

int procattr_apply_to_init(pid_t pid, const struct plan *p, struct nsrt_err *err)
{
  if (p->sched.present && set_scheduler(pid, &p->sched, err) < 0)
    return -1;
  if (p->ioprio.present && set_io_priority(pid, &p->ioprio, err) < 0)
    return -1;
  return 0;
}

int procattr_set_mempolicy(const struct plan *p, struct nsrt_err *err)
{
  const struct mempolicy_plan *m = &p->mempolicy;
  if (!m->present)
    return 0;
  /* maxnode counts one more bit than the highest node the kernel reads. */
  const unsigned long *nodes = m->n_nodes ? m->nodes : NULL;
  unsigned long maxnode = m->n_nodes ? (unsigned long)m->max_node + 1 : 0;
  if (FP_FAILS("init.set_mempolicy") ||
      syscall(SYS_set_mempolicy, m->mode | (int)m->flags, nodes, maxnode) < 0) {
    const char *mode = procattr_name_of(procattr_mempolicy_modes, (uint64_t)m->mode);
    return nsrt_fail(err, errno, "set_mempolicy", "%s flags 0x%x, %u nodes up to node %u",
                     mode ? mode : "?", m->flags, m->n_nodes, m->max_node ? m->max_node - 1 : 0);
  }
  return 0;
}
