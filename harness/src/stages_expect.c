/* Stage probes, what a config asks for: the boundaries a config reaches
 * (nsc_stage_points) and what each must show (nsc_stage_expect_from). */
#include "stages.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "caps.h"
#include "error.h"
#include "spec.h"

/* Host ids the kernel shows for an id without a mapping. */
#define OVERFLOW_ID 65534

const char *const nsc_stage_link_names[NSC_LINK_COUNT] = {
    [NSC_LINK_USER] = "user",
    [NSC_LINK_PID] = "pid",
    [NSC_LINK_PID_FC] = "pid_for_children",
    [NSC_LINK_MNT] = "mnt",
    [NSC_LINK_UTS] = "uts",
    [NSC_LINK_IPC] = "ipc",
    [NSC_LINK_NET] = "net",
    [NSC_LINK_CGROUP] = "cgroup",
    [NSC_LINK_TIME] = "time",
    [NSC_LINK_TIME_FC] = "time_for_children",
};

/* ---- boundaries ----------------------------------------------------------- */

static enum nsc_stage_ns_mode ns_mode(const json_t *config, enum ns_type t)
{
  const json_t *list = json_object_get(json_object_get(config, "linux"), "namespaces");
  size_t i;
  const json_t *n;
  json_array_foreach(list, i, n)
  {
    const char *type = json_string_value(json_object_get(n, "type"));
    if (type && strcmp(type, ns_table[t].spec_name) == 0)
      return json_is_string(json_object_get(n, "path")) ? NSC_STAGE_NS_JOIN : NSC_STAGE_NS_NEW;
  }
  return NSC_STAGE_NS_ABSENT;
}

void nsc_stage_points(const json_t *config, struct nsc_stage_points *pts)
{
  /* intermediate.user_ready is reached right after the ids are switched in
   * a new (or joined) user namespace, before anything else of the
   * intermediate's; clone_init after its pid and time namespaces. */
  pts->user = ns_mode(config, NS_USER) == NSC_STAGE_NS_NEW ? "intermediate.user_ready" : NULL;
  pts->pidns = "intermediate.clone_init";
  pts->init = "init.execve";
}

/* ---- expectations --------------------------------------------------------- */

static int load_ranges(const json_t *list, struct nsc_stage_range *r, size_t *n, const char *what,
                       struct nsrt_err *err)
{
  *n = 0;
  size_t i;
  const json_t *m;
  json_array_foreach(list, i, m)
  {
    if (*n == NSC_STAGE_MAX_RANGES)
      return nsrt_fail_at(err, "stages", E2BIG, "expect", "more than %d %s", NSC_STAGE_MAX_RANGES,
                          what);
    r[*n].inside = json_integer_value(json_object_get(m, "containerID"));
    r[*n].outside = json_integer_value(json_object_get(m, "hostID"));
    r[*n].count = json_integer_value(json_object_get(m, "size"));
    (*n)++;
  }
  return 0;
}

/* A container id as the host sees it; OVERFLOW_ID when unmapped. */
static long long host_id(const struct nsc_stage_range *r, size_t n, bool userns, long long id)
{
  if (!userns)
    return id;
  for (size_t i = 0; i < n; i++)
    if (id >= r[i].inside && id < r[i].inside + r[i].count)
      return r[i].outside + (id - r[i].inside);
  return OVERFLOW_ID;
}

static bool maps_root(const struct nsc_stage_range *r, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (r[i].inside == 0 && r[i].count > 0)
      return true;
  return false;
}

static uint64_t caps_mask(const json_t *list)
{
  int last = cap_last_kernel();
  uint64_t valid = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
  uint64_t mask = 0;
  size_t i;
  const json_t *n;
  json_array_foreach(list, i, n)
  {
    int c = cap_from_name(json_string_value(n) ?: "");
    if (c >= 0 && c < 64)
      mask |= UINT64_C(1) << c;
  }
  return mask & valid;
}

static int cmp_ll(const void *a, const void *b)
{
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

static void add_mount_ok(struct nsc_stage_expect *e, const char *path, bool sub)
{
  if (!path || path[0] != '/' || e->n_mount_ok == NSC_STAGE_MAX_PATHS)
    return;
  struct nsc_stage_mount_ok *m = &e->mount_ok[e->n_mount_ok++];
  snprintf(m->path, sizeof(m->path), "%s", path);
  size_t len = strlen(m->path);
  while (len > 1 && m->path[len - 1] == '/')
    m->path[--len] = '\0';
  m->sub = sub;
}

static bool has_string(const json_t *list, const char *s)
{
  size_t i;
  const json_t *v;
  json_array_foreach(list, i,
                     v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return true;
  return false;
}

/* The mounts the config explains: its destinations (an rbind brings the
 * source's submounts along), masked and readonly paths, and the default
 * devices a runtime binds into a /dev of its own. */
static void expect_mounts(const json_t *config, struct nsc_stage_expect *e)
{
  add_mount_ok(e, "/", false);
  bool own_dev = false;
  size_t i;
  const json_t *m, *p;
  json_array_foreach(json_object_get(config, "mounts"), i, m)
  {
    const char *dest = json_string_value(json_object_get(m, "destination"));
    const json_t *opts = json_object_get(m, "options");
    add_mount_ok(e, dest, has_string(opts, "rbind"));
    if (dest && strcmp(dest, "/dev") == 0)
      own_dev = true;
  }
  const json_t *lx = json_object_get(config, "linux");
  json_array_foreach(json_object_get(lx, "maskedPaths"), i, p)
      add_mount_ok(e, json_string_value(p), false);
  json_array_foreach(json_object_get(lx, "readonlyPaths"), i, p)
      add_mount_ok(e, json_string_value(p), false);
  static const char *const devices[] = {"/dev/null",    "/dev/zero", "/dev/full",    "/dev/random",
                                        "/dev/urandom", "/dev/tty",  "/dev/console", "/dev/ptmx"};
  for (size_t d = 0; own_dev && d < sizeof(devices) / sizeof(devices[0]); d++)
    add_mount_ok(e, devices[d], false);
}

/* The mount (by destination) that holds path inside the container, or
 * NULL when it is on the root filesystem. */
static const char *mount_holding(const json_t *config, const char *path)
{
  const char *best = NULL;
  size_t best_len = 0, i;
  const json_t *m;
  json_array_foreach(json_object_get(config, "mounts"), i, m)
  {
    const char *dest = json_string_value(json_object_get(m, "destination"));
    size_t len = dest ? strlen(dest) : 0;
    while (len > 1 && dest[len - 1] == '/')
      len--;
    if (len > 1 && strncmp(path, dest, len) == 0 && (path[len] == '/' || path[len] == '\0') &&
        len > best_len) {
      best = dest;
      best_len = len;
    }
  }
  return best;
}

static void expect_paths(const json_t *config, struct nsc_stage_expect *e)
{
  const char *root = json_string_value(json_object_get(json_object_get(config, "root"), "path"));
  const char *cwd =
      json_string_value(json_object_get(json_object_get(config, "process"), "cwd")) ?: "/";
  snprintf(e->cwd, sizeof(e->cwd), "%s", cwd);
  struct stat st;
  if (root && root[0] == '/' && stat(root, &st) == 0) {
    e->root_known = true;
    e->root_dev = st.st_dev;
    e->root_ino = st.st_ino;
  }
  const char *holder = mount_holding(config, cwd);
  char path[PATH_MAX];
  if (!e->root_known)
    snprintf(e->cwd_skip, sizeof(e->cwd_skip), "root.path is not an existing absolute path");
  else if (holder)
    snprintf(e->cwd_skip, sizeof(e->cwd_skip), "cwd %.64s is on the mount at %.64s", cwd, holder);
  else if (snprintf(path, sizeof(path), "%s%s", root, cwd) >= (int)sizeof(path) ||
           stat(path, &st) < 0)
    snprintf(e->cwd_skip, sizeof(e->cwd_skip), "cwd %.64s is not a directory of the rootfs", cwd);
  else {
    e->cwd_known = true;
    e->cwd_dev = st.st_dev;
    e->cwd_ino = st.st_ino;
  }
}

static int expect_rlimits(const json_t *process, struct nsc_stage_expect *e, struct nsrt_err *err)
{
  size_t i;
  const json_t *r;
  json_array_foreach(json_object_get(process, "rlimits"), i, r)
  {
    const char *type = json_string_value(json_object_get(r, "type")) ?: "";
    int res = rlimit_from_name(type);
    if (res < 0)
      return nsrt_fail_at(err, "stages", EINVAL, "expect", "unknown rlimit %s", type);
    if (e->n_rlimits == NSC_STAGE_MAX_RLIMITS)
      return nsrt_fail_at(err, "stages", E2BIG, "expect", "more than %d rlimits",
                          NSC_STAGE_MAX_RLIMITS);
    struct nsc_stage_rlimit *l = &e->rlimits[e->n_rlimits++];
    l->resource = res;
    l->soft = (unsigned long long)json_integer_value(json_object_get(r, "soft"));
    l->hard = (unsigned long long)json_integer_value(json_object_get(r, "hard"));
  }
  return 0;
}

static void expect_time_offsets(const json_t *lx, struct nsc_stage_expect *e)
{
  const json_t *t = json_object_get(lx, "timeOffsets");
  if (!json_is_object(t))
    return;
  e->time_offsets = true;
  const json_t *mono = json_object_get(t, "monotonic"), *boot = json_object_get(t, "boottime");
  e->mono_s = json_integer_value(json_object_get(mono, "secs"));
  e->mono_ns = json_integer_value(json_object_get(mono, "nanosecs"));
  e->boot_s = json_integer_value(json_object_get(boot, "secs"));
  e->boot_ns = json_integer_value(json_object_get(boot, "nanosecs"));
}

int nsc_stage_expect_from(const json_t *config, const json_t *self, const json_t *targets,
                          struct nsc_stage_expect *e, struct nsrt_err *err)
{
  memset(e, 0, sizeof(*e));
  const json_t *process = json_object_get(config, "process");
  const json_t *lx = json_object_get(config, "linux");
  for (int t = 0; t < NS_COUNT; t++) {
    e->ns[t] = ns_mode(config, (enum ns_type)t);
    const char *target = json_string_value(json_object_get(targets, ns_table[t].spec_name));
    snprintf(e->target[t], sizeof(e->target[t]), "%s", target ? target : "");
  }
  const json_t *self_ns = json_object_get(self, "ns");
  for (int l = 0; l < NSC_LINK_COUNT; l++) {
    const char *s = json_string_value(json_object_get(self_ns, nsc_stage_link_names[l]));
    snprintf(e->self[l], sizeof(e->self[l]), "%s", s ? s : "");
  }

  bool userns = e->ns[NS_USER] == NSC_STAGE_NS_NEW;
  if (userns && (load_ranges(json_object_get(lx, "uidMappings"), e->uid_map, &e->n_uid_map,
                             "uid mappings", err) < 0 ||
                 load_ranges(json_object_get(lx, "gidMappings"), e->gid_map, &e->n_gid_map,
                             "gid mappings", err) < 0))
    return -1;
  /* A map writer with CAP_SETGID (nsrt run by root) leaves setgroups
   * allowed; without it the kernel takes a gid_map only after "deny", unless
   * a setuid helper writes it, which leaves either. */
  if (userns) {
    const char *eff =
        json_string_value(json_object_get(json_object_get(self, "caps"), "effective"));
    unsigned long long mask = eff ? strtoull(eff, NULL, 16) : 0;
    bool setgid_cap = (mask >> 6) & 1;
    e->setgroups = !eff ? NULL : setgid_cap ? "allow" : NULL;
  }

  const json_t *user = json_object_get(process, "user");
  long long uid = json_integer_value(json_object_get(user, "uid"));
  long long gid = json_integer_value(json_object_get(user, "gid"));
  e->uid = host_id(e->uid_map, e->n_uid_map, userns, uid);
  e->gid = host_id(e->gid_map, e->n_gid_map, userns, gid);
  /* The intermediate becomes the namespace's root when it has one, else the
   * container's user (stage_intermediate.c; pipeline.md 2.3). */
  e->inter_uid =
      host_id(e->uid_map, e->n_uid_map, userns, maps_root(e->uid_map, e->n_uid_map) ? 0 : uid);
  e->inter_gid =
      host_id(e->gid_map, e->n_gid_map, userns, maps_root(e->gid_map, e->n_gid_map) ? 0 : gid);
  size_t i;
  const json_t *g;
  json_array_foreach(json_object_get(user, "additionalGids"), i, g)
  {
    if (e->n_groups == NSC_STAGE_MAX_GROUPS)
      return nsrt_fail_at(err, "stages", E2BIG, "expect", "more than %d additionalGids",
                          NSC_STAGE_MAX_GROUPS);
    long long h = host_id(e->gid_map, e->n_gid_map, userns, json_integer_value(g));
    if (h == OVERFLOW_ID && userns)
      e->groups_unmapped = true;
    e->groups[e->n_groups++] = h;
  }
  qsort(e->groups, e->n_groups, sizeof(e->groups[0]), cmp_ll);

  const json_t *caps = json_object_get(process, "capabilities");
  e->have_caps = json_is_object(caps);
  static const char *const sets[5] = {"effective", "permitted", "inheritable", "bounding",
                                      "ambient"};
  for (int s = 0; s < 5; s++)
    e->caps[s] = caps_mask(json_object_get(caps, sets[s]));
  e->ambient_raisable = !(e->caps[4] & ~(e->caps[1] & e->caps[2]));

  e->nnp = json_is_true(json_object_get(process, "noNewPrivileges"));
  e->seccomp = json_is_object(json_object_get(lx, "seccomp"));
  if (expect_rlimits(process, e, err) < 0)
    return -1;
  expect_time_offsets(lx, e);
  expect_paths(config, e);
  expect_mounts(config, e);
  e->preserve_fds = 0; /* the harness never passes --preserve-fds */
  return 0;
}
