/* process.scheduler, process.ioPriority and linux.memoryPolicy -> the plan.
 * The constants are those runtime-spec v1.3.0 lists (procattr.c); a value
 * outside them, or a combination the kernel is sure to refuse, is an error
 * naming the JSON path and the value. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "procattr.h"
#include "spec_int.h"

/* One string of a table at path: its value, or an error listing what was
 * expected. */
static int get_constant(const json_t *v, const char *path, bool required,
                        const struct procattr_name *table, const char *what, uint64_t *out,
                        struct nsrt_err *err)
{
  const char *s;
  int ret = spec_get_string(v, path, required, &s, err);
  if (ret <= 0)
    return ret;
  if (procattr_lookup(table, s, out) < 0)
    return SPEC_FAIL(err, path, "unknown %s \"%s\"", what, s);
  return 1;
}

/* An optional array of constants, OR-ed together. */
static int get_flags(const json_t *obj, const char *base, const struct procattr_name *table,
                     const char *what, uint64_t *out, struct nsrt_err *err)
{
  json_path path;
  json_t *arr;
  *out = 0;
  int ret = spec_get_array(json_object_get(obj, "flags"), spec_at_key(path, base, "flags"), false,
                           &arr, err);
  if (ret <= 0)
    return ret;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_path item;
    uint64_t bit;
    if (get_constant(json_array_get(arr, i), spec_at_index(item, path, i), true, table, what, &bit,
                     err) < 0)
      return -1;
    *out |= bit;
  }
  return 0;
}

int spec_parse_scheduler(const json_t *proc, struct plan *p, struct nsrt_err *err)
{
  static const char base[] = "process.scheduler";
  json_t *obj;
  json_path path;
  struct sched_plan *s = &p->sched;
  long long nice = 0, prio = 0;
  uint64_t policy;
  int ret = spec_get_object(json_object_get(proc, "scheduler"), base, false, &obj, err);
  if (ret <= 0)
    return ret;
  if (get_constant(json_object_get(obj, "policy"), spec_at_key(path, base, "policy"), true,
                   procattr_sched_policies, "scheduling policy", &policy, err) < 0)
    return -1;
  if (policy == PROCATTR_SCHED_ISO)
    return SPEC_FAIL(err, path, "\"SCHED_ISO\": Linux does not implement this policy");
  if (spec_get_integer(json_object_get(obj, "nice"), spec_at_key(path, base, "nice"), false, -20,
                       19, "a nice value between -20 and 19", &nice, err) < 0 ||
      spec_get_integer(json_object_get(obj, "priority"), spec_at_key(path, base, "priority"), false,
                       INT32_MIN, INT32_MAX, "an int32", &prio, err) < 0)
    return -1;
  /* The real-time policies take a static priority of 1-99, the others 0. */
  bool realtime = policy == 1 || policy == 2;
  if (realtime && (prio < 1 || prio > 99))
    return SPEC_FAIL(err, path, "%lld: SCHED_FIFO and SCHED_RR need a priority between 1 and 99",
                     prio);
  if (!realtime && prio != 0)
    return SPEC_FAIL(err, path, "%lld: only SCHED_FIFO and SCHED_RR take a priority other than 0",
                     prio);
  if (get_flags(obj, base, procattr_sched_flags, "scheduler flag", &s->flags, err) < 0 ||
      spec_get_u64(json_object_get(obj, "runtime"), spec_at_key(path, base, "runtime"), false,
                   &s->runtime, err) < 0 ||
      spec_get_u64(json_object_get(obj, "deadline"), spec_at_key(path, base, "deadline"), false,
                   &s->deadline, err) < 0 ||
      spec_get_u64(json_object_get(obj, "period"), spec_at_key(path, base, "period"), false,
                   &s->period, err) < 0)
    return -1;
  s->policy = (uint32_t)policy;
  s->nice = (int32_t)nice;
  s->priority = (uint32_t)prio;
  s->present = true;
  return 0;
}

int spec_parse_io_priority(const json_t *proc, struct plan *p, struct nsrt_err *err)
{
  static const char base[] = "process.ioPriority";
  json_t *obj;
  json_path path;
  uint64_t klass;
  long long level;
  int ret = spec_get_object(json_object_get(proc, "ioPriority"), base, false, &obj, err);
  if (ret <= 0)
    return ret;
  if (get_constant(json_object_get(obj, "class"), spec_at_key(path, base, "class"), true,
                   procattr_ioprio_classes, "I/O priority class", &klass, err) < 0 ||
      spec_get_integer(json_object_get(obj, "priority"), spec_at_key(path, base, "priority"), true,
                       0, 7, "a level between 0 and 7", &level, err) < 0)
    return -1;
  p->ioprio.klass = (int)klass;
  p->ioprio.level = (int)level;
  p->ioprio.present = true;
  return 0;
}

/* "0-3,7" into the node mask; an empty string is no node. */
static int parse_nodes(const char *s, const char *path, struct mempolicy_plan *m,
                       struct nsrt_err *err)
{
  const size_t bits = 8 * sizeof(m->nodes[0]);
  const char *c = s;
  while (*c) {
    unsigned long lo, hi;
    char *end;
    if (*c < '0' || *c > '9')
      goto bad;
    errno = 0;
    lo = strtoul(c, &end, 10);
    hi = lo;
    if (*end == '-') {
      c = end + 1;
      if (*c < '0' || *c > '9')
        goto bad;
      hi = strtoul(c, &end, 10);
    }
    if (errno || hi < lo)
      goto bad;
    if (hi >= MEMPOLICY_MAX_NODES)
      return SPEC_FAIL(err, path, "\"%s\": node %lu is above the highest node %d", s, hi,
                       MEMPOLICY_MAX_NODES - 1);
    for (unsigned long n = lo; n <= hi; n++) {
      unsigned long bit = 1UL << (n % bits);
      if (!(m->nodes[n / bits] & bit)) {
        m->nodes[n / bits] |= bit;
        m->n_nodes++;
      }
      if (n + 1 > m->max_node)
        m->max_node = (unsigned)n + 1;
    }
    c = end;
    if (*c == ',') {
      c++;
      if (!*c)
        goto bad;
    } else if (*c) {
      goto bad;
    }
  }
  return 0;
bad:
  return SPEC_FAIL(err, path, "\"%s\": expected node numbers and ranges such as \"0-3,7\"", s);
}

int spec_parse_memory_policy(const json_t *lnx, struct plan *p, struct nsrt_err *err)
{
  static const char base[] = "linux.memoryPolicy";
  struct mempolicy_plan *m = &p->mempolicy;
  json_t *obj;
  json_path path;
  uint64_t mode, flags;
  const char *nodes;
  int ret = spec_get_object(json_object_get(lnx, "memoryPolicy"), base, false, &obj, err);
  if (ret <= 0)
    return ret;
  if (get_constant(json_object_get(obj, "mode"), spec_at_key(path, base, "mode"), true,
                   procattr_mempolicy_modes, "memory policy mode", &mode, err) < 0)
    return -1;
  const char *mode_name = procattr_name_of(procattr_mempolicy_modes, mode);
  ret = spec_get_string(json_object_get(obj, "nodes"), spec_at_key(path, base, "nodes"), false,
                        &nodes, err);
  if (ret < 0 || (ret > 0 && parse_nodes(nodes, path, m, err) < 0))
    return -1;
  /* MPOL_DEFAULT and MPOL_LOCAL take no node; the modes that choose among
   * nodes need one (MPOL_PREFERRED without one means local allocation). */
  if ((mode == 0 || mode == 4) && m->n_nodes)
    return SPEC_FAIL(err, path, "\"%s\": %s takes no nodes", nodes, mode_name);
  if ((mode == 2 || mode == 3 || mode == 5 || mode == 6) && !m->n_nodes)
    return SPEC_FAIL(err, spec_at_key(path, base, "nodes"), "%s needs at least one node",
                     mode_name);
  if (get_flags(obj, base, procattr_mempolicy_flags, "memory policy flag", &flags, err) < 0)
    return -1;
  if ((flags & (1u << 14)) && (flags & (1u << 15)))
    return SPEC_FAIL(err, spec_at_key(path, base, "flags"),
                     "MPOL_F_RELATIVE_NODES and MPOL_F_STATIC_NODES exclude each other");
  m->mode = (int)mode;
  m->flags = (unsigned)flags;
  m->present = true;
  return 0;
}
