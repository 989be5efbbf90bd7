/* The probe's scheduling keys: the scheduler attributes (sched_getattr), the
 * I/O priority (ioprio_get) and the NUMA memory policy (get_mempolicy) of the
 * probe itself.  All three calls only read.  Constants are written with the
 * names runtime-spec uses; a value without a name is written as a number. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "json_out.h"
#include "probe.h"

struct name {
  const char *name;
  unsigned long long value;
};

static const struct name sched_policies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6}, {NULL, 0},
};
static const struct name sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}, {NULL, 0},
};
static const struct name ioprio_classes[] = {
    {"IOPRIO_CLASS_NONE", 0}, {"IOPRIO_CLASS_RT", 1},      {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3}, {"IOPRIO_CLASS_INVALID", 7}, {NULL, 0},
};
static const struct name mempolicy_modes[] = {
    {"MPOL_DEFAULT", 0},
    {"MPOL_PREFERRED", 1},
    {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3},
    {"MPOL_LOCAL", 4},
    {"MPOL_PREFERRED_MANY", 5},
    {"MPOL_WEIGHTED_INTERLEAVE", 6},
    {NULL, 0},
};
static const struct name mempolicy_flags[] = {
    {"MPOL_F_NUMA_BALANCING", 1u << 13},
    {"MPOL_F_RELATIVE_NODES", 1u << 14},
    {"MPOL_F_STATIC_NODES", 1u << 15},
    {NULL, 0},
};

/* The name of value, or the number itself. */
static void emit_constant(const struct name *t, unsigned long long value)
{
  for (size_t i = 0; t[i].name; i++)
    if (t[i].value == value) {
      json_str(t[i].name);
      return;
    }
  json_int((long long)value);
}

/* An array of the names of the bits set in mask; bits without a name are
 * written as hex strings. */
static void emit_flag_names(const struct name *t, unsigned long long mask)
{
  json_arr_begin();
  for (size_t i = 0; t[i].name; i++)
    if (mask & t[i].value) {
      json_str(t[i].name);
      mask &= ~t[i].value;
    }
  for (int bit = 0; bit < 64; bit++)
    if (mask & (1ULL << bit)) {
      char hex[24];
      snprintf(hex, sizeof(hex), "0x%llx", 1ULL << bit);
      json_str(hex);
    }
  json_arr_end();
}

/* struct sched_attr of <linux/sched/types.h>, version 1 (with the
 * utilization clamps), spelled out so the probe needs no kernel headers. */
struct probe_sched_attr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

static void emit_scheduler(void)
{
  struct probe_sched_attr a;
  memset(&a, 0, sizeof(a));
  if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) < 0) {
    warn("sched_getattr", NULL, errno);
    return;
  }
  json_key("sched");
  json_obj_begin();
  json_key("policy");
  emit_constant(sched_policies, a.sched_policy);
  json_key("flags");
  emit_flag_names(sched_flags, a.sched_flags);
  json_key("nice");
  json_int(a.sched_nice);
  json_key("priority");
  json_int(a.sched_priority);
  json_key("runtime");
  json_int((long long)a.sched_runtime);
  json_key("deadline");
  json_int((long long)a.sched_deadline);
  json_key("period");
  json_int((long long)a.sched_period);
  if (a.size >= sizeof(a)) {
    json_key("util_min");
    json_int(a.sched_util_min);
    json_key("util_max");
    json_int(a.sched_util_max);
  }
  json_obj_end();
}

#define IOPRIO_WHO_PROCESS 1

static void emit_ioprio(void)
{
  long v = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
  if (v < 0) {
    warn("ioprio_get", NULL, errno);
    return;
  }
  json_key("ioprio");
  json_obj_begin();
  json_key("class");
  emit_constant(ioprio_classes, (unsigned long long)(v >> 13) & 0x7);
  json_key("priority");
  json_int(v & 0x7);
  json_obj_end();
}

/* Enough bits for every node a kernel may have (get_mempolicy wants at
 * least the kernel's node count). */
#define PROBE_MAX_NODES 4096
static unsigned long node_mask[PROBE_MAX_NODES / (8 * sizeof(unsigned long))];

/* The set nodes as "0-3,7". */
static void emit_nodes(void)
{
  const size_t bits = 8 * sizeof(node_mask[0]);
  char text[512];
  size_t len = 0;
  text[0] = '\0';
  for (size_t n = 0; n < PROBE_MAX_NODES; n++) {
    if (!(node_mask[n / bits] & (1UL << (n % bits))))
      continue;
    size_t end = n;
    while (end + 1 < PROBE_MAX_NODES && (node_mask[(end + 1) / bits] & (1UL << ((end + 1) % bits))))
      end++;
    int w = end == n
                ? snprintf(text + len, sizeof(text) - len, "%s%zu", len ? "," : "", n)
                : snprintf(text + len, sizeof(text) - len, "%s%zu-%zu", len ? "," : "", n, end);
    if (w < 0 || (size_t)w >= sizeof(text) - len) {
      text[len] = '\0'; /* more ranges than fit: the text stops at the last whole one */
      break;
    }
    len += (size_t)w;
    n = end;
  }
  json_str(text);
}

static void emit_mempolicy(void)
{
  int mode = 0;
  if (syscall(SYS_get_mempolicy, &mode, node_mask, (unsigned long)PROBE_MAX_NODES, NULL, 0UL) < 0) {
    warn("get_mempolicy", NULL, errno);
    return;
  }
  const unsigned mode_flags = (1u << 13) | (1u << 14) | (1u << 15);
  json_key("mempolicy");
  json_obj_begin();
  json_key("mode");
  emit_constant(mempolicy_modes, (unsigned)mode & ~mode_flags);
  json_key("flags");
  emit_flag_names(mempolicy_flags, (unsigned)mode & mode_flags);
  json_key("nodes");
  emit_nodes();
  json_obj_end();
}

void emit_sched(void)
{
  emit_scheduler();
  emit_ioprio();
  emit_mempolicy();
}
