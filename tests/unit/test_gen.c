/* The spec generator: determinism, pair coverage recomputed here from the
 * configs themselves, constraints, count, negative cases, bundles, and nsrt's
 * parser as an independent judge of validity.  Run from the repository root
 * (the default profile is read from specs/profiles/default.json). */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "gen.h"
#include "spec.h"

#define PROFILE "specs/profiles/default.json"

/* ---- running the generator ---- */

struct suite {
  struct nsc_case *c;
  size_t n;
  struct gen_stats st;
};

static struct gen_profile *load_default(void)
{
  struct nsrt_err err = {0};
  struct gen_profile *p = NULL;
  cr_assert_eq(gen_profile_load(PROFILE, &p, &err), 0, "%s: %s: %s", PROFILE, err.step, err.text);
  return p;
}

static struct suite generate(uint64_t seed, size_t count)
{
  struct nsrt_err err = {0};
  struct suite s = {0};
  struct gen_profile *p = load_default();
  cr_assert_eq(gen_suite(p, seed, count, &s.c, &s.n, &s.st, &err), 0, "%s: %s", err.step, err.text);
  gen_profile_free(p);
  return s;
}

static void suite_free(struct suite *s)
{
  gen_cases_free(s->c, s->n);
}

static char *dump(const json_t *j)
{
  char *text = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2));
  cr_assert_not_null(text);
  return text;
}

/* ---- this test's own reading of a config: dimension values ----
 * Written from the profile README, not from gen.c's tables. */

enum { T_NS = 8 };
static const char *const t_ns_types[T_NS] = {"user", "pid",     "mount",  "uts",
                                             "ipc",  "network", "cgroup", "time"};

/* Dimension names in the README, in the order used here. */
static const char *const t_dims[] = {
    "ns.user",
    "ns.pid",
    "ns.mount",
    "ns.uts",
    "ns.ipc",
    "ns.network",
    "ns.cgroup",
    "ns.time",
    "idmap",
    "process.user",
    "process.umask",
    "process.rlimits",
    "process.capabilities",
    "process.noNewPrivileges",
    "hostname",
    "process.oomScoreAdj",
    "linux.seccomp",
    "root.readonly",
    "linux.maskedPaths",
    "linux.readonlyPaths",
    "process.env",
    "process.cwd",
    "linux.sysctl",
    "linux.timeOffsets",
    "linux.rootfsPropagation",
    "linux.personality",
    "mounts.bind",
    "mounts.propagation",
    "mounts.flags",
    "process.scheduler",
    "process.ioPriority",
    "linux.memoryPolicy",
    "linux.devices",
    "mounts.idmap",
    "mounts.remount",
};
#define T_DIMS (sizeof(t_dims) / sizeof(t_dims[0]))

static int t_dim(const char *name)
{
  for (size_t i = 0; i < T_DIMS; i++)
    if (strcmp(t_dims[i], name) == 0)
      return (int)i;
  cr_assert_fail("unknown dimension %s", name);
  return -1;
}

/* A decoded case: a value name per dimension. */
struct decoded {
  const char *v[T_DIMS];
};

static const char *jstr(const json_t *o, const char *key)
{
  return json_string_value(json_object_get(o, key));
}

static json_int_t jint(const json_t *o, const char *key)
{
  return json_integer_value(json_object_get(o, key));
}

struct t_range {
  json_int_t c, h, s;
};
static const struct {
  const char *name;
  struct t_range r[3];
  size_t n;
} t_maps[] = {
    {"single", {{0, 100000, 65536}}, 1},
    {"several", {{1000, 300000, 64536}, {0, 100000, 1}, {1, 200001, 999}}, 3},
    {"root-unmapped", {{1000, 101000, 1000}}, 1},
    {"split-root", {{0, 100000, 1}, {1, 200000, 65535}}, 2},
    {"large", {{0, 100000, 1000000}}, 1},
};

static const char *decode_map(const json_t *maps)
{
  for (size_t m = 0; m < sizeof(t_maps) / sizeof(t_maps[0]); m++) {
    if (json_array_size(maps) != t_maps[m].n)
      continue;
    bool same = true;
    for (size_t i = 0; i < t_maps[m].n; i++) {
      const json_t *e = json_array_get(maps, i);
      same = same && jint(e, "containerID") == t_maps[m].r[i].c &&
             jint(e, "hostID") == t_maps[m].r[i].h && jint(e, "size") == t_maps[m].r[i].s;
    }
    if (same)
      return t_maps[m].name;
  }
  return "?";
}

/* The one option of names that the mount at dest carries ("none" without
 * such a mount). */
static const char *decode_extra_mount(const json_t *cfg, const char *dest, const char *const *names)
{
  const json_t *found = NULL, *m;
  size_t i, k;
  json_array_foreach(json_object_get(cfg, "mounts"), i, m)
  {
    if (strcmp(jstr(m, "destination"), dest) == 0) {
      cr_assert_null(found, "two mounts at %s", dest);
      found = m;
    }
  }
  if (!found)
    return "none";
  const char *value = NULL;
  const json_t *o;
  json_array_foreach(json_object_get(found, "options"), k, o)
  {
    for (const char *const *n = names; *n; n++)
      if (strcmp(json_string_value(o), *n) == 0) {
        cr_assert_null(value, "%s has %s and %s", dest, value, *n);
        value = *n;
      }
  }
  cr_assert_not_null(value, "the mount at %s has none of the dimension's options", dest);
  return value;
}

/* process.scheduler, process.ioPriority, linux.memoryPolicy as the README
 * describes their values; anything else fails the test. */
static const char *decode_scheduler(const json_t *s)
{
  if (!s)
    return "absent";
  const char *policy = jstr(s, "policy");
  const json_t *flags = json_object_get(s, "flags");
  cr_assert_not_null(policy);
  if (strcmp(policy, "SCHED_OTHER") == 0 && jint(s, "nice") == 5 && !flags)
    return "other-nice";
  if (strcmp(policy, "SCHED_BATCH") == 0 && jint(s, "nice") == -3 && !flags)
    return "batch-negative";
  if (strcmp(policy, "SCHED_IDLE") == 0 && json_object_size(s) == 1)
    return "idle";
  if (strcmp(policy, "SCHED_FIFO") == 0 && jint(s, "priority") == 10 && !flags)
    return "fifo";
  if (strcmp(policy, "SCHED_RR") == 0 && jint(s, "priority") == 5 && json_array_size(flags) == 1 &&
      strcmp(json_string_value(json_array_get(flags, 0)), "SCHED_FLAG_RESET_ON_FORK") == 0)
    return "rr-reset";
  if (strcmp(policy, "SCHED_DEADLINE") == 0 && jint(s, "runtime") == 1000000 &&
      jint(s, "deadline") == 10000000 && jint(s, "period") == 100000000)
    return "deadline";
  cr_assert_fail("a scheduler the README does not describe (policy %s)", policy);
  return NULL;
}

static const char *decode_io_priority(const json_t *io)
{
  if (!io)
    return "absent";
  const char *klass = jstr(io, "class");
  json_int_t level = jint(io, "priority");
  cr_assert_not_null(klass);
  cr_assert_eq(json_object_size(io), 2);
  if (strcmp(klass, "IOPRIO_CLASS_BE") == 0 && (level == 0 || level == 7))
    return level ? "be-7" : "be-0";
  if (strcmp(klass, "IOPRIO_CLASS_IDLE") == 0 && level == 0)
    return "idle";
  if (strcmp(klass, "IOPRIO_CLASS_RT") == 0 && level == 3)
    return "rt-3";
  cr_assert_fail("an ioPriority the README does not describe (%s %lld)", klass, (long long)level);
  return NULL;
}

static const char *decode_memory_policy(const json_t *mp)
{
  if (!mp)
    return "absent";
  const char *mode = jstr(mp, "mode"), *nodes = jstr(mp, "nodes");
  const json_t *flags = json_object_get(mp, "flags");
  const char *flag = json_string_value(json_array_get(flags, 0));
  cr_assert_not_null(mode);
  cr_assert(!flags || json_array_size(flags) == 1);
  cr_assert(!nodes || strcmp(nodes, "0") == 0, "node list %s", nodes);
  if (strcmp(mode, "MPOL_DEFAULT") == 0 && !nodes && !flags)
    return "default";
  if (strcmp(mode, "MPOL_LOCAL") == 0 && !nodes && !flags)
    return "local";
  if (strcmp(mode, "MPOL_PREFERRED") == 0 && !flags)
    return nodes ? "preferred" : "preferred-local";
  if (strcmp(mode, "MPOL_BIND") == 0 && nodes && !flags)
    return "bind";
  if (strcmp(mode, "MPOL_INTERLEAVE") == 0 && nodes && flag &&
      strcmp(flag, "MPOL_F_STATIC_NODES") == 0)
    return "interleave-static";
  if (strcmp(mode, "MPOL_BIND") == 0 && nodes && flag && strcmp(flag, "MPOL_F_NUMA_BALANCING") == 0)
    return "bind-balancing";
  cr_assert_fail("a memoryPolicy the README does not describe (mode %s)", mode);
  return NULL;
}

/* linux.devices, mounts.idmap and mounts.remount as the README describes
 * them; anything else fails the test. */
static const char *decode_devices(const json_t *list)
{
  if (!list)
    return "none";
  cr_assert_eq(json_array_size(list), 1);
  const json_t *d = json_array_get(list, 0);
  const char *path = jstr(d, "path"), *type = jstr(d, "type");
  cr_assert(path && type);
  if (!strcmp(path, "/dev/loop-control") && !strcmp(type, "c") && jint(d, "major") == 10 &&
      jint(d, "minor") == 237 && json_object_size(d) == 4)
    return "char";
  if (!strcmp(path, "/dev/loop0") && !strcmp(type, "b") && jint(d, "major") == 7 &&
      jint(d, "minor") == 0 && json_object_size(d) == 4)
    return "block";
  if (!strcmp(path, "/dev/nsc/fifo") && !strcmp(type, "p") && json_object_size(d) == 2)
    return "fifo";
  if (!strcmp(path, "/dev/nsc-full") && !strcmp(type, "c") && jint(d, "major") == 1 &&
      jint(d, "minor") == 7 && jint(d, "fileMode") == 0660 && jint(d, "uid") == 1000 &&
      jint(d, "gid") == 1001)
    return "attrs";
  cr_assert_fail("a device the README does not describe (%s)", path);
  return NULL;
}

static const json_t *mount_at_dest(const json_t *cfg, const char *dest, size_t nth)
{
  size_t i;
  const json_t *m;
  json_array_foreach(json_object_get(cfg, "mounts"), i, m)
  {
    if (strcmp(jstr(m, "destination"), dest) == 0 && nth-- == 0)
      return m;
  }
  return NULL;
}

static const char *decode_idmap_mount(const json_t *cfg)
{
  const json_t *m = mount_at_dest(cfg, "/dev/nsc-idmap", 0);
  if (!m)
    return "none";
  cr_assert_null(mount_at_dest(cfg, "/dev/nsc-idmap", 1));
  json_t *u = json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 101000, "size", 1);
  json_t *g = json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 102000, "size", 1);
  cr_assert(json_equal(json_object_get(m, "uidMappings"), u));
  cr_assert(json_equal(json_object_get(m, "gidMappings"), g));
  json_decref(u);
  json_decref(g);
  cr_assert_str_eq(jstr(m, "source"), ".");
  json_t *idmap = json_pack("[s, s]", "bind", "idmap"),
         *ridmap = json_pack("[s, s]", "rbind", "ridmap");
  const char *v = json_equal(json_object_get(m, "options"), idmap)    ? "idmap"
                  : json_equal(json_object_get(m, "options"), ridmap) ? "ridmap"
                                                                      : NULL;
  json_decref(idmap);
  json_decref(ridmap);
  cr_assert_not_null(v, "the idmap mount has other options");
  return v;
}

static const char *decode_remount(const json_t *cfg)
{
  const json_t *first = mount_at_dest(cfg, "/dev/nsc-remount", 0);
  const json_t *shm = mount_at_dest(cfg, "/dev/shm", 1);
  cr_assert(!first || !shm, "both remount values at once");
  if (first) {
    const json_t *second = mount_at_dest(cfg, "/dev/nsc-remount", 1);
    cr_assert_not_null(second);
    cr_assert_null(mount_at_dest(cfg, "/dev/nsc-remount", 2));
    json_t *a = json_pack("[s]", "rbind"), *b = json_pack("[s, s, s]", "remount", "bind", "ro");
    cr_assert(json_equal(json_object_get(first, "options"), a));
    cr_assert(json_equal(json_object_get(second, "options"), b));
    json_decref(a);
    json_decref(b);
    return "bind-ro";
  }
  if (!shm)
    return "none";
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(shm, "options"), 0)),
                   "remount");
  cr_assert_null(mount_at_dest(cfg, "/dev/shm", 2));
  return "tmpfs-ro";
}

static struct decoded decode(const json_t *cfg)
{
  struct decoded d;
  const json_t *lnx = json_object_get(cfg, "linux"), *proc = json_object_get(cfg, "process");
  const json_t *user = json_object_get(proc, "user"), *e;
  size_t i;
  for (int t = 0; t < T_NS; t++)
    d.v[t] = "absent";
  json_array_foreach(json_object_get(lnx, "namespaces"), i, e)
  {
    for (int t = 0; t < T_NS; t++) {
      if (strcmp(jstr(e, "type"), t_ns_types[t]) != 0)
        continue;
      cr_assert_str_eq(d.v[t], "absent", "namespace %s given twice", t_ns_types[t]);
      const char *path = jstr(e, "path");
      char holder[64];
      snprintf(holder, sizeof(holder), "nsconform-holder:%s", t_ns_types[t]);
      if (path)
        cr_assert_str_eq(path, holder);
      d.v[t] = path ? "path" : "new";
    }
  }
  json_t *uid_map = json_object_get(lnx, "uidMappings");
  d.v[t_dim("idmap")] = uid_map ? decode_map(uid_map) : "none";
  cr_assert(json_equal(uid_map, json_object_get(lnx, "gidMappings")) ||
            (!uid_map && !json_object_get(lnx, "gidMappings")));

  json_t *groups = json_object_get(user, "additionalGids");
  d.v[t_dim("process.user")] = jint(user, "uid") == 0 ? "root" : groups ? "user-groups" : "user";
  cr_assert_eq(jint(user, "uid"), jint(user, "gid"));
  if (groups) {
    json_t *want = json_pack("[i, i]", 10, 20);
    cr_assert(json_equal(groups, want));
    json_decref(want);
  }
  json_t *umask = json_object_get(user, "umask");
  cr_assert(!umask || json_integer_value(umask) == 027);
  d.v[t_dim("process.umask")] = umask ? "0027" : "absent";

  json_t *rl = json_object_get(proc, "rlimits");
  const char *rlv = "none";
  if (json_array_size(rl) == 3)
    rlv = "subset";
  else if (rl && jint(json_array_get(rl, 0), "hard") == 1024)
    rlv = "nofile-soft";
  else if (rl)
    rlv = "raised-hard";
  d.v[t_dim("process.rlimits")] = rlv;

  json_t *caps = json_object_get(proc, "capabilities");
  const char *cv = "absent";
  if (caps && json_object_get(caps, "ambient"))
    cv = json_array_size(json_object_get(caps, "bounding")) == 1 ? "ambient-kill" : "all-sets";
  else if (caps)
    cv = "default";
  d.v[t_dim("process.capabilities")] = cv;
  d.v[t_dim("process.noNewPrivileges")] =
      json_is_true(json_object_get(proc, "noNewPrivileges")) ? "true" : "false";
  d.v[t_dim("hostname")] = json_object_get(cfg, "domainname") ? "both"
                           : json_object_get(cfg, "hostname") ? "hostname"
                                                              : "none";
  json_t *oom = json_object_get(proc, "oomScoreAdj");
  d.v[t_dim("process.oomScoreAdj")] = !oom ? "absent" : json_integer_value(oom) ? "500" : "0";
  json_t *sc = json_object_get(lnx, "seccomp");
  d.v[t_dim("linux.seccomp")] = !sc ? "absent"
                                : strcmp(jstr(sc, "defaultAction"), "SCMP_ACT_ALLOW") == 0
                                    ? "errno-mkdir"
                                    : "allowlist";
  d.v[t_dim("root.readonly")] =
      json_is_true(json_object_get(json_object_get(cfg, "root"), "readonly")) ? "true" : "false";
  json_t *mp = json_object_get(lnx, "maskedPaths"), *rp = json_object_get(lnx, "readonlyPaths");
  d.v[t_dim("linux.maskedPaths")] = !mp ? "none" : json_array_size(mp) > 10 ? "extra" : "default";
  d.v[t_dim("linux.readonlyPaths")] = !rp ? "none" : json_array_size(rp) > 5 ? "extra" : "default";
  d.v[t_dim("process.env")] =
      json_array_size(json_object_get(proc, "env")) > 1 ? "extra" : "default";
  d.v[t_dim("process.cwd")] = jstr(proc, "cwd");

  json_t *sysctl = json_object_get(lnx, "sysctl");
  bool ipc_key = json_object_get(sysctl, "kernel.msgmax") != NULL;
  bool net_key = json_object_get(sysctl, "net.ipv4.ip_forward") != NULL;
  cr_assert(!sysctl || json_object_size(sysctl) == (size_t)ipc_key + net_key);
  d.v[t_dim("linux.sysctl")] = ipc_key && net_key ? "both"
                               : ipc_key          ? "ipc"
                               : net_key          ? "net"
                                                  : "none";
  json_t *toff = json_object_get(lnx, "timeOffsets");
  d.v[t_dim("linux.timeOffsets")] = !toff                               ? "none"
                                    : json_object_get(toff, "boottime") ? "both"
                                                                        : "monotonic";
  d.v[t_dim("linux.rootfsPropagation")] = jstr(lnx, "rootfsPropagation") ?: "absent";
  d.v[t_dim("linux.personality")] = jstr(json_object_get(lnx, "personality"), "domain") ?: "absent";
  d.v[t_dim("mounts.bind")] =
      decode_extra_mount(cfg, "/var", (const char *const[]){"bind", "rbind", NULL});
  d.v[t_dim("mounts.propagation")] = decode_extra_mount(
      cfg, "/root",
      (const char *const[]){"private", "shared", "slave", "unbindable", "rshared", NULL});
  d.v[t_dim("mounts.flags")] =
      decode_extra_mount(cfg, "/run",
                         (const char *const[]){"noatime", "strictatime", "relatime", "nodiratime",
                                               "sync", "dirsync", "defaults", NULL});
  if (strcmp(d.v[t_dim("mounts.flags")], "defaults") == 0)
    d.v[t_dim("mounts.flags")] = "other";
  d.v[t_dim("process.scheduler")] = decode_scheduler(json_object_get(proc, "scheduler"));
  d.v[t_dim("process.ioPriority")] = decode_io_priority(json_object_get(proc, "ioPriority"));
  d.v[t_dim("linux.memoryPolicy")] = decode_memory_policy(json_object_get(lnx, "memoryPolicy"));
  d.v[t_dim("linux.devices")] = decode_devices(json_object_get(lnx, "devices"));
  d.v[t_dim("mounts.idmap")] = decode_idmap_mount(cfg);
  d.v[t_dim("mounts.remount")] = decode_remount(cfg);
  return d;
}

/* The annotation io.nsconform.values must say what decode() read. */
static void check_annotation(const json_t *cfg, const struct decoded *d)
{
  const char *values = jstr(json_object_get(cfg, "annotations"), "io.nsconform.values");
  cr_assert_not_null(values);
  char *copy = strdup(values), *save = NULL;
  size_t seen = 0;
  for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    char *eq = strchr(tok, '=');
    cr_assert_not_null(eq);
    *eq = '\0';
    cr_assert_str_eq(d->v[t_dim(tok)], eq + 1, "%s: config says %s, annotation %s",
                     jstr(json_object_get(cfg, "annotations"), "io.nsconform.case"),
                     d->v[t_dim(tok)], eq + 1);
    seen++;
  }
  cr_assert_eq(seen, T_DIMS);
  free(copy);
}

/* ---- this test's own constraints (the README's nine rules) ---- */

static bool is(const struct decoded *d, const char *dim, const char *value)
{
  const char *v = d->v[t_dim(dim)];
  return v && strcmp(v, value) == 0;
}

static bool set(const struct decoded *d, const char *dim)
{
  return d->v[t_dim(dim)] != NULL;
}

/* False only when assigned values break a rule (so it works on partial rows). */
static bool t_consistent(const struct decoded *d)
{
  if (set(d, "ns.mount") && !is(d, "ns.mount", "new"))
    return false;
  if (set(d, "ns.user") && set(d, "idmap") && is(d, "ns.user", "new") == is(d, "idmap", "none"))
    return false;
  if (is(d, "idmap", "root-unmapped") && set(d, "process.user") && !is(d, "process.user", "user"))
    return false;
  if (set(d, "hostname") && !is(d, "hostname", "none") &&
      (is(d, "ns.uts", "absent") || (is(d, "ns.uts", "path") && is(d, "ns.user", "new"))))
    return false;
  if (is(d, "process.capabilities", "ambient-kill") && is(d, "process.user", "root"))
    return false;
  if (is(d, "ns.user", "new") && set(d, "ns.pid") && !is(d, "ns.pid", "new"))
    return false;
  if (is(d, "ns.user", "path") && is(d, "ns.pid", "absent"))
    return false;
  /* rule 7: sysctls only in the container's own namespaces, owned by its user
   * namespace, with root mapped */
  bool ipc = is(d, "linux.sysctl", "ipc") || is(d, "linux.sysctl", "both");
  bool net = is(d, "linux.sysctl", "net") || is(d, "linux.sysctl", "both");
  if ((ipc || net) && is(d, "idmap", "root-unmapped"))
    return false;
  if (ipc && (is(d, "ns.ipc", "absent") || (is(d, "ns.user", "new") && is(d, "ns.ipc", "path"))))
    return false;
  if (net &&
      (is(d, "ns.network", "absent") || (is(d, "ns.user", "new") && is(d, "ns.network", "path"))))
    return false;
  /* rule 8: offsets only for a new time namespace */
  if (set(d, "linux.timeOffsets") && !is(d, "linux.timeOffsets", "none") && set(d, "ns.time") &&
      !is(d, "ns.time", "new"))
    return false;
  /* rule 9: a non-recursive bind of /sys only without a user namespace */
  if (is(d, "mounts.bind", "bind") && set(d, "ns.user") && !is(d, "ns.user", "absent"))
    return false;
  /* rule 10: device fileMode/uid/gid only without a user namespace */
  if (is(d, "linux.devices", "attrs") && set(d, "ns.user") && !is(d, "ns.user", "absent"))
    return false;
  return true;
}

/* The profile as this test reads it: values per dimension. */
struct t_profile {
  const char *values[T_DIMS][8];
  size_t n[T_DIMS];
  json_t *doc;
};

static void t_profile_load(struct t_profile *tp)
{
  json_error_t jerr;
  memset(tp, 0, sizeof(*tp));
  tp->doc = json_load_file(PROFILE, 0, &jerr);
  cr_assert_not_null(tp->doc, "%s", jerr.text);
  const json_t *dims = json_object_get(tp->doc, "dimensions");
  cr_assert_eq(json_object_size(dims), T_DIMS, "the default profile lists every dimension");
  for (size_t d = 0; d < T_DIMS; d++) {
    const json_t *list = json_object_get(dims, t_dims[d]);
    cr_assert(json_is_array(list), "%s", t_dims[d]);
    for (size_t i = 0; i < json_array_size(list); i++)
      tp->values[d][tp->n[d]++] = json_string_value(json_array_get(list, i));
  }
}

static bool t_extendable(const struct t_profile *tp, struct decoded *d, size_t dim)
{
  if (!t_consistent(d))
    return false;
  while (dim < T_DIMS && d->v[dim])
    dim++;
  if (dim == T_DIMS)
    return true;
  for (size_t i = 0; i < tp->n[dim]; i++) {
    d->v[dim] = tp->values[dim][i];
    if (t_extendable(tp, d, dim + 1)) {
      d->v[dim] = NULL;
      return true;
    }
  }
  d->v[dim] = NULL;
  return false;
}

static bool t_pair_valid(const struct t_profile *tp, size_t d1, size_t i1, size_t d2, size_t i2)
{
  struct decoded d = {{0}};
  d.v[d1] = tp->values[d1][i1];
  d.v[d2] = tp->values[d2][i2];
  return t_extendable(tp, &d, 0);
}

static size_t value_index(const struct t_profile *tp, size_t d, const char *v)
{
  for (size_t i = 0; i < tp->n[d]; i++)
    if (strcmp(tp->values[d][i], v) == 0)
      return i;
  cr_assert_fail("%s=%s is not in the profile", t_dims[d], v);
  return 0;
}

/* ---- determinism ---- */

Test(gen, same_seed_same_bytes)
{
  struct suite a = generate(42, 80), b = generate(42, 80);
  cr_assert_eq(a.n, b.n);
  for (size_t i = 0; i < a.n; i++) {
    char *ta = dump(a.c[i].config), *tb = dump(b.c[i].config);
    cr_assert_str_eq(a.c[i].id, b.c[i].id);
    cr_assert_str_eq(ta, tb, "case %s differs between two runs", a.c[i].id);
    cr_assert_str_eq(a.c[i].title, b.c[i].title);
    cr_assert_eq(a.c[i].probe_syscall == NULL, b.c[i].probe_syscall == NULL);
    if (a.c[i].probe_syscall)
      cr_assert_str_eq(a.c[i].probe_syscall, b.c[i].probe_syscall);
    free(ta);
    free(tb);
  }
  suite_free(&a);
  suite_free(&b);
}

Test(gen, other_seed_other_cases)
{
  struct suite a = generate(42, 80), b = generate(43, 80);
  size_t differ = 0, rows_differ = 0;
  for (size_t i = 0; i < a.n && i < b.n; i++) {
    char *ta = dump(a.c[i].config), *tb = dump(b.c[i].config);
    differ += strcmp(ta, tb) != 0;
    free(ta);
    free(tb);
  }
  /* the covering array itself depends on the seed, not only the random cases */
  for (size_t i = 0; i < a.st.cases_pairwise && i < b.st.cases_pairwise; i++)
    rows_differ +=
        strcmp(jstr(json_object_get(a.c[i].config, "annotations"), "io.nsconform.values"),
               jstr(json_object_get(b.c[i].config, "annotations"), "io.nsconform.values")) != 0;
  cr_assert_gt(differ, 0);
  cr_assert_gt(rows_differ, 0);
  suite_free(&a);
  suite_free(&b);
}

/* Case gN does not depend on how many cases were asked for. */
Test(gen, cases_stable_across_counts)
{
  struct suite a = generate(7, 60), b = generate(7, 90);
  for (size_t i = 0; i < 60; i++) {
    char *ta = dump(a.c[i].config), *tb = dump(b.c[i].config);
    cr_assert_str_eq(a.c[i].id, b.c[i].id);
    cr_assert_str_eq(ta, tb, "%s", a.c[i].id);
    free(ta);
    free(tb);
  }
  suite_free(&a);
  suite_free(&b);
}

/* ---- coverage ---- */

Test(gen, pairwise_covers_every_valid_pair)
{
  struct t_profile tp;
  t_profile_load(&tp);
  struct suite s = generate(1234, 10);
  cr_assert_gt(s.st.cases_pairwise, 0);
  /* covered[d1][d2][i1][i2], recomputed from the configs of the pairwise rows */
  static bool covered[T_DIMS][T_DIMS][8][8];
  memset(covered, 0, sizeof(covered));
  for (size_t k = 0; k < s.st.cases_pairwise; k++) {
    cr_assert_eq(s.c[k].kind, NSC_CASE_GENERATED);
    cr_assert(strncmp(s.c[k].title, "pairwise", 8) == 0, "%s", s.c[k].title);
    struct decoded d = decode(s.c[k].config);
    size_t idx[T_DIMS];
    for (size_t dim = 0; dim < T_DIMS; dim++)
      idx[dim] = value_index(&tp, dim, d.v[dim]);
    for (size_t d1 = 0; d1 < T_DIMS; d1++)
      for (size_t d2 = d1 + 1; d2 < T_DIMS; d2++)
        covered[d1][d2][idx[d1]][idx[d2]] = true;
  }
  size_t valid = 0, excluded = 0, hit = 0;
  for (size_t d1 = 0; d1 < T_DIMS; d1++)
    for (size_t d2 = d1 + 1; d2 < T_DIMS; d2++)
      for (size_t i1 = 0; i1 < tp.n[d1]; i1++)
        for (size_t i2 = 0; i2 < tp.n[d2]; i2++) {
          bool ok = t_pair_valid(&tp, d1, i1, d2, i2);
          valid += ok;
          excluded += !ok;
          if (ok)
            cr_expect(covered[d1][d2][i1][i2], "valid pair %s=%s & %s=%s is not covered",
                      t_dims[d1], tp.values[d1][i1], t_dims[d2], tp.values[d2][i2]);
          else
            cr_expect(!covered[d1][d2][i1][i2], "invalid pair %s=%s & %s=%s was generated",
                      t_dims[d1], tp.values[d1][i1], t_dims[d2], tp.values[d2][i2]);
          hit += ok && covered[d1][d2][i1][i2];
        }
  cr_assert_eq(hit, valid);
  cr_assert_eq(s.st.pairs_total, valid);
  cr_assert_eq(s.st.pairs_covered, valid);
  cr_assert_eq(s.st.pairs_excluded, excluded);
  cr_assert_gt(excluded, 0);
  char line[256];
  gen_stats_format(&s.st, line, sizeof(line));
  cr_assert(strstr(line, "(100.0%)"), "%s", line);
  suite_free(&s);
  json_decref(tp.doc);
}

Test(gen, excluded_pairs_are_really_invalid)
{
  struct t_profile tp;
  t_profile_load(&tp);
  struct gen_profile *p = load_default();
  struct nsrt_err err = {0};
  char **ex = NULL;
  size_t n = 0;
  cr_assert_eq(gen_excluded_pairs(p, &ex, &n, &err), 0);
  cr_assert_gt(n, 0);
  bool found_proc_rule = false;
  for (size_t i = 0; i < n; i++) {
    char d1[64], v1[64], d2[64], v2[64];
    cr_assert_eq(sscanf(ex[i], "%63[^=]=%63s & %63[^=]=%63s", d1, v1, d2, v2), 4, "%s", ex[i]);
    size_t a = (size_t)t_dim(d1), b = (size_t)t_dim(d2);
    cr_assert_not(t_pair_valid(&tp, a, value_index(&tp, a, v1), b, value_index(&tp, b, v2)),
                  "%s is reported as excluded but is valid", ex[i]);
    found_proc_rule |= strcmp(ex[i], "ns.user=new & ns.pid=absent") == 0;
  }
  cr_assert_null(ex[n]);
  cr_assert(found_proc_rule);
  struct suite s = generate(5, 10);
  cr_assert_eq(s.st.pairs_excluded, n);
  suite_free(&s);
  gen_strv_free(ex);
  gen_profile_free(p);
  json_decref(tp.doc);
}

/* ---- every generated config is valid ---- */

static bool id_mapped(const json_t *maps, json_int_t id)
{
  size_t i;
  const json_t *e;
  json_array_foreach(maps, i, e)
  {
    if (id >= jint(e, "containerID") && id < jint(e, "containerID") + jint(e, "size"))
      return true;
  }
  return false;
}

static const json_t *find_mount(const json_t *cfg, const char *dest)
{
  size_t i;
  const json_t *m;
  json_array_foreach(json_object_get(cfg, "mounts"), i, m)
  {
    if (strcmp(jstr(m, "destination"), dest) == 0)
      return m;
  }
  return NULL;
}

Test(gen, generated_configs_satisfy_constraints)
{
  struct suite s = generate(99, 150);
  size_t generated = 0;
  for (size_t k = 0; k < s.n; k++) {
    const struct nsc_case *c = &s.c[k];
    if (c->kind != NSC_CASE_GENERATED)
      continue;
    generated++;
    const json_t *cfg = c->config, *lnx = json_object_get(cfg, "linux");
    const json_t *proc = json_object_get(cfg, "process"), *user = json_object_get(proc, "user");
    struct decoded d = decode(cfg);
    check_annotation(cfg, &d);
    cr_assert(t_consistent(&d), "%s breaks a constraint", c->id);
    cr_assert_str_eq(jstr(json_object_get(cfg, "annotations"), "io.nsconform.case"), c->id);
    cr_assert_str_eq(jstr(json_object_get(cfg, "annotations"), "io.nsconform.seed"), "99");
    cr_assert_str_eq(jstr(json_object_get(cfg, "root"), "path"), "rootfs");
    /* hostname and domainname only with a uts namespace of the container's own */
    if (json_object_get(cfg, "hostname") || json_object_get(cfg, "domainname")) {
      cr_assert_str_neq(d.v[t_dim("ns.uts")], "absent", "%s", c->id);
      cr_assert(!is(&d, "ns.uts", "path") || !is(&d, "ns.user", "new"), "%s", c->id);
    }
    /* maps exactly with a new user namespace, and then the process ids are mapped */
    bool new_user = is(&d, "ns.user", "new");
    cr_assert_eq(json_object_get(lnx, "uidMappings") != NULL, new_user, "%s", c->id);
    if (new_user) {
      const json_t *um = json_object_get(lnx, "uidMappings"),
                   *gm = json_object_get(lnx, "gidMappings");
      cr_assert(id_mapped(um, jint(user, "uid")), "%s: uid unmapped", c->id);
      cr_assert(id_mapped(gm, jint(user, "gid")), "%s: gid unmapped", c->id);
      size_t i;
      const json_t *g;
      json_array_foreach(json_object_get(user, "additionalGids"), i, g)
      {
        cr_assert(id_mapped(gm, json_integer_value(g)), "%s: additional gid unmapped", c->id);
      }
      cr_assert(is(&d, "ns.pid", "new"), "%s: /proc needs the pid ns owned", c->id);
    }
    cr_assert_str_eq(d.v[t_dim("ns.mount")], "new");
    /* args: the probe, waiting, with the seccomp probe when there is one */
    const json_t *args = json_object_get(proc, "args");
    cr_assert_str_eq(json_string_value(json_array_get(args, 0)), "/nsprobe");
    cr_assert_str_eq(json_string_value(json_array_get(args, 1)), "--wait");
    size_t next = 2;
    if (c->probe_syscall) {
      cr_assert_str_eq(json_string_value(json_array_get(args, 2)), "--seccomp-probe");
      cr_assert_str_eq(json_string_value(json_array_get(args, 3)), c->probe_syscall);
      cr_assert_str_neq(d.v[t_dim("linux.seccomp")], "absent");
      next = 4;
    } else {
      cr_assert_str_eq(d.v[t_dim("linux.seccomp")], "absent");
    }
    /* then --sysctl KEY for each linux.sysctl key, so the probe reads them */
    const json_t *sysctl = json_object_get(lnx, "sysctl");
    /* and --stat PATH for the device node and the id-mapped mount point */
    const json_t *dev = json_array_get(json_object_get(lnx, "devices"), 0);
    bool idmapped = !is(&d, "mounts.idmap", "none");
    size_t n_stat = (dev != NULL) + idmapped;
    cr_assert_eq(json_array_size(args), next + 2 * json_object_size(sysctl) + 2 * n_stat, "%s",
                 c->id);
    for (size_t ks = 0; ks < json_object_size(sysctl); ks++, next += 2) {
      cr_assert_str_eq(json_string_value(json_array_get(args, next)), "--sysctl");
      cr_assert_not_null(
          json_object_get(sysctl, json_string_value(json_array_get(args, next + 1))));
    }
    for (; next < json_array_size(args); next += 2) {
      const char *path = json_string_value(json_array_get(args, next + 1));
      cr_assert_str_eq(json_string_value(json_array_get(args, next)), "--stat");
      cr_assert((dev && !strcmp(path, jstr(dev, "path"))) ||
                    (idmapped && !strcmp(path, "/dev/nsc-idmap")),
                "%s: --stat %s", c->id, path);
    }
    /* the probe's own syscalls pass an allow-list filter */
    if (is(&d, "linux.seccomp", "allowlist")) {
      const json_t *names = json_object_get(
          json_array_get(json_object_get(json_object_get(lnx, "seccomp"), "syscalls"), 0), "names");
      bool personality = false;
      size_t ni;
      const json_t *nm;
      json_array_foreach(names, ni, nm)
      {
        personality |= strcmp(json_string_value(nm), "personality") == 0;
      }
      cr_assert(personality, "%s: the allow list lacks personality", c->id);
    }
    /* a tmpfs at /tmp exactly when cwd is /tmp */
    cr_assert_eq(find_mount(cfg, "/tmp") != NULL, strcmp(jstr(proc, "cwd"), "/tmp") == 0);
    /* a fresh sysfs only where the user namespace owns the network namespace */
    const json_t *sys = find_mount(cfg, "/sys");
    cr_assert_not_null(sys);
    bool owns_net = is(&d, "ns.user", "absent") || is(&d, "ns.network", "new") ||
                    (is(&d, "ns.user", "path") && is(&d, "ns.network", "path"));
    cr_assert_str_eq(jstr(sys, "type"), owns_net ? "sysfs" : "bind", "%s", c->id);
    /* devpts gid=5 only where gid 5 is mapped; mqueue only where the user ns owns ipc */
    bool gid5 = !new_user || id_mapped(json_object_get(lnx, "gidMappings"), 5);
    const json_t *pts = find_mount(cfg, "/dev/pts");
    cr_assert_not_null(pts);
    bool has_gid5 = false;
    size_t oi;
    const json_t *opt;
    json_array_foreach(json_object_get(pts, "options"), oi, opt)
    {
      has_gid5 |= strcmp(json_string_value(opt), "gid=5") == 0;
    }
    cr_assert_eq(has_gid5, gid5, "%s: devpts gid=5", c->id);
    bool owns_ipc = is(&d, "ns.user", "absent") || is(&d, "ns.ipc", "new") ||
                    (is(&d, "ns.user", "path") && is(&d, "ns.ipc", "path"));
    cr_assert_eq(find_mount(cfg, "/dev/mqueue") != NULL, owns_ipc, "%s: mqueue", c->id);
    /* ambient capabilities only for a non-root process */
    if (is(&d, "process.capabilities", "ambient-kill"))
      cr_assert_neq(jint(user, "uid"), 0);
    /* never a negative oomScoreAdj (the host lacks CAP_SYS_RESOURCE) */
    cr_assert_geq(jint(proc, "oomScoreAdj"), 0);
  }
  cr_assert_eq(generated, 150);
  suite_free(&s);
}

/* ---- count ---- */

Test(gen, count_is_honoured)
{
  struct suite s = generate(3, 120);
  size_t gen = 0, neg = 0;
  for (size_t i = 0; i < s.n; i++) {
    if (s.c[i].kind == NSC_CASE_GENERATED) {
      cr_assert_eq(neg, 0, "negatives come after the generated cases");
      char id[16];
      snprintf(id, sizeof(id), "g%04zu", gen + 1);
      cr_assert_str_eq(s.c[i].id, id);
      gen++;
    } else {
      cr_assert_eq(s.c[i].kind, NSC_CASE_NEGATIVE);
      neg++;
    }
  }
  cr_assert_eq(gen, 120);
  cr_assert_eq(s.st.cases_pairwise + s.st.cases_random, 120);
  cr_assert_eq(s.st.cases_negative, neg);
  cr_assert_eq(s.st.count_requested, 120);
  size_t rows = s.st.cases_pairwise;
  suite_free(&s);

  /* fewer than the covering array needs: all rows, no random case, and said so */
  s = generate(3, 5);
  cr_assert_eq(s.st.cases_pairwise, rows);
  cr_assert_eq(s.st.cases_random, 0);
  cr_assert_eq(s.n, rows + neg);
  char line[256];
  gen_stats_format(&s.st, line, sizeof(line));
  cr_assert(strstr(line, "count was 5"), "%s", line);
  suite_free(&s);
}

Test(gen, seed_must_fit_json)
{
  struct nsrt_err err = {0};
  struct gen_profile *p = load_default();
  struct nsc_case *c = NULL;
  size_t n = 7;
  struct gen_stats st;
  cr_assert_eq(gen_suite(p, UINT64_MAX, 10, &c, &n, &st, &err), -1);
  cr_assert_str_eq(err.step, "seed");
  cr_assert_null(c);
  cr_assert_eq(n, 0);
  gen_profile_free(p);
}

/* ---- negative cases ---- */

static json_t *ns_list(json_t *cfg)
{
  return json_object_get(json_object_get(cfg, "linux"), "namespaces");
}

static json_t *ns_of(json_t *cfg, const char *type, size_t *count)
{
  size_t i;
  json_t *e, *found = NULL;
  *count = 0;
  json_array_foreach(ns_list(cfg), i, e)
  {
    if (strcmp(jstr(e, "type"), type) == 0) {
      found = found ? found : e;
      (*count)++;
    }
  }
  return found;
}

/* Check that the negative case breaks what its slug says, then undo that one
 * change: the result must be the base config. */
static void repair(const char *slug, json_t *cfg, const json_t *base)
{
  json_t *proc = json_object_get(cfg, "process"), *lnx = json_object_get(cfg, "linux");
  json_t *bproc = json_object_get(base, "process"), *blnx = json_object_get(base, "linux");
  json_t *rl = json_object_get(proc, "rlimits");
  size_t count;
  if (strcmp(slug, "ns-path-wrong-type") == 0) {
    json_t *ipc = ns_of(cfg, "ipc", &count);
    cr_assert_str_eq(jstr(ipc, "path"), "/proc/self/ns/net");
    json_object_del(ipc, "path");
  } else if (strcmp(slug, "ns-duplicate") == 0) {
    ns_of(cfg, "pid", &count);
    cr_assert_eq(count, 2);
    json_array_remove(ns_list(cfg), json_array_size(ns_list(cfg)) - 1);
  } else if (strcmp(slug, "ns-unknown-type") == 0) {
    json_t *last = json_array_get(ns_list(cfg), json_array_size(ns_list(cfg)) - 1);
    for (int t = 0; t < T_NS; t++)
      cr_assert_str_neq(jstr(last, "type"), t_ns_types[t]);
    json_array_remove(ns_list(cfg), json_array_size(ns_list(cfg)) - 1);
  } else if (strcmp(slug, "ns-path-relative") == 0) {
    json_t *uts = ns_of(cfg, "uts", &count);
    cr_assert_neq(jstr(uts, "path")[0], '/');
    json_object_del(uts, "path");
  } else if (strcmp(slug, "rlimit-duplicate") == 0) {
    cr_assert_str_eq(jstr(json_array_get(rl, 0), "type"), jstr(json_array_get(rl, 1), "type"));
    json_array_remove(rl, 1);
  } else if (strcmp(slug, "rlimit-unknown") == 0) {
    cr_assert_str_eq(jstr(json_array_get(rl, json_array_size(rl) - 1), "type"), "RLIMIT_BANANA");
    json_array_remove(rl, json_array_size(rl) - 1);
  } else if (strcmp(slug, "rlimit-soft-above-hard") == 0) {
    cr_assert_gt(jint(json_array_get(rl, 0), "soft"), jint(json_array_get(rl, 0), "hard"));
    json_object_set(proc, "rlimits", json_object_get(bproc, "rlimits"));
  } else if (strcmp(slug, "uidmap-overlap") == 0) {
    json_t *m = json_object_get(lnx, "uidMappings");
    json_int_t c0 = jint(json_array_get(m, 0), "containerID"),
               s0 = jint(json_array_get(m, 0), "size"),
               c1 = jint(json_array_get(m, 1), "containerID");
    cr_assert(c1 >= c0 && c1 < c0 + s0, "the ranges overlap");
    json_object_set(lnx, "uidMappings", json_object_get(blnx, "uidMappings"));
  } else if (strcmp(slug, "uidmap-empty") == 0) {
    cr_assert_eq(json_array_size(json_object_get(lnx, "uidMappings")), 0);
    cr_assert_not_null(ns_of(cfg, "user", &count));
    json_object_set(lnx, "uidMappings", json_object_get(blnx, "uidMappings"));
  } else if (strcmp(slug, "user-unmapped") == 0) {
    json_t *user = json_object_get(proc, "user");
    cr_assert_not(id_mapped(json_object_get(lnx, "uidMappings"), jint(user, "uid")));
    json_object_set(proc, "user", json_object_get(bproc, "user"));
  } else if (strcmp(slug, "oci-version-missing") == 0) {
    cr_assert_null(json_object_get(cfg, "ociVersion"));
    json_object_set(cfg, "ociVersion", json_object_get(base, "ociVersion"));
  } else if (strcmp(slug, "sysctl-unknown") == 0) {
    cr_assert_null(json_object_get(blnx, "sysctl"));
    cr_assert_eq(json_object_size(json_object_get(lnx, "sysctl")), 1);
    json_object_del(lnx, "sysctl");
  } else if (strcmp(slug, "time-offsets-realtime") == 0) {
    cr_assert_not_null(json_object_get(json_object_get(lnx, "timeOffsets"), "realtime"));
    cr_assert_not_null(ns_of(cfg, "time", &count));
    cr_assert_null(ns_of((json_t *)base, "time", &count));
    json_object_del(lnx, "timeOffsets");
    json_array_remove(ns_list(cfg), json_array_size(ns_list(cfg)) - 1);
  } else if (strcmp(slug, "rootfs-propagation-unknown") == 0) {
    cr_assert_str_eq(jstr(lnx, "rootfsPropagation"), "banana");
    json_object_del(lnx, "rootfsPropagation");
  } else if (strncmp(slug, "personality-", 12) == 0) {
    const json_t *pers = json_object_get(lnx, "personality");
    const char *domain = jstr(pers, "domain");
    cr_assert(strcmp(domain, "BANANA") == 0 || json_array_size(json_object_get(pers, "flags")),
              "%s", slug);
    json_object_del(lnx, "personality");
  } else if (strcmp(slug, "masked-path-relative") == 0 ||
             strcmp(slug, "readonly-path-relative") == 0) {
    json_t *list = json_object_get(lnx, slug[0] == 'm' ? "maskedPaths" : "readonlyPaths");
    cr_assert_neq(json_string_value(json_array_get(list, json_array_size(list) - 1))[0], '/');
    json_array_remove(list, json_array_size(list) - 1);
  } else if (strncmp(slug, "oci-version-", 12) == 0) {
    const char *v = jstr(cfg, "ociVersion");
    cr_assert(strcmp(v, "banana") == 0 || strcmp(v, "1.0") == 0, "%s", v);
    json_object_set(cfg, "ociVersion", json_object_get(base, "ociVersion"));
  } else if (strcmp(slug, "hostname-without-uts") == 0) {
    cr_assert_null(ns_of(cfg, "uts", &count));
    cr_assert_not_null(json_object_get(cfg, "hostname"));
    json_object_set(lnx, "namespaces", json_object_get(blnx, "namespaces"));
  } else if (strcmp(slug, "cwd-relative") == 0) {
    cr_assert_neq(jstr(proc, "cwd")[0], '/');
    json_object_set_new(proc, "cwd", json_string("/"));
  } else if (strcmp(slug, "args-empty") == 0) {
    cr_assert_eq(json_array_size(json_object_get(proc, "args")), 0);
    json_object_set(proc, "args", json_object_get(bproc, "args"));
  } else if (strcmp(slug, "root-path-missing") == 0) {
    cr_assert_null(json_object_get(json_object_get(cfg, "root"), "path"));
    json_object_set_new(json_object_get(cfg, "root"), "path", json_string("rootfs"));
  } else if (strcmp(slug, "root-path-nonexistent") == 0) {
    const char *path = jstr(json_object_get(cfg, "root"), "path");
    cr_assert_str_neq(path, "rootfs");
    cr_assert_neq(access(path, F_OK), 0);
    json_object_set_new(json_object_get(cfg, "root"), "path", json_string("rootfs"));
  } else if (strcmp(slug, "device-type-unknown") == 0) {
    cr_assert_null(json_object_get(blnx, "devices"));
    cr_assert_str_eq(jstr(json_array_get(json_object_get(lnx, "devices"), 0), "type"), "x");
    json_object_del(lnx, "devices");
  } else if (strcmp(slug, "scheduler-policy-unknown") == 0 ||
             strcmp(slug, "io-priority-class-unknown") == 0 ||
             strcmp(slug, "memory-policy-mode-unknown") == 0) {
    /* the fields are of 1.2.0 and later: the case says so */
    cr_assert_str_eq(jstr(cfg, "ociVersion"), "1.3.0");
    cr_assert_str_neq(jstr(base, "ociVersion"), "1.3.0");
    json_object_set(cfg, "ociVersion", json_object_get(base, "ociVersion"));
    if (slug[0] == 's') {
      cr_assert_str_eq(jstr(json_object_get(proc, "scheduler"), "policy"), "SCHED_BANANA");
      json_object_del(proc, "scheduler");
    } else if (slug[0] == 'i') {
      cr_assert_str_eq(jstr(json_object_get(proc, "ioPriority"), "class"), "IOPRIO_CLASS_BANANA");
      json_object_del(proc, "ioPriority");
    } else {
      cr_assert_str_eq(jstr(json_object_get(lnx, "memoryPolicy"), "mode"), "MPOL_BANANA");
      json_object_del(lnx, "memoryPolicy");
    }
  } else if (strcmp(slug, "idmap-uid-without-gid") == 0 ||
             strcmp(slug, "idmap-no-mappings-no-userns") == 0) {
    json_t *ms = json_object_get(cfg, "mounts");
    const json_t *last = json_array_get(ms, json_array_size(ms) - 1);
    cr_assert_str_eq(jstr(last, "destination"), "/dev/nsc-idmap");
    cr_assert_not_null(json_object_get(last, "options"));
    cr_assert_null(json_object_get(last, "gidMappings"));
    bool uid_only = slug[6] == 'u';
    cr_assert_eq(json_object_get(last, "uidMappings") != NULL, uid_only);
    cr_assert_eq(ns_of(cfg, "user", &count) != NULL, uid_only);
    json_array_remove(ms, json_array_size(ms) - 1);
    if (!uid_only) {
      cr_assert_null(json_object_get(lnx, "uidMappings"));
      json_object_set(lnx, "namespaces", json_object_get(blnx, "namespaces"));
      json_object_set(lnx, "uidMappings", json_object_get(blnx, "uidMappings"));
      json_object_set(lnx, "gidMappings", json_object_get(blnx, "gidMappings"));
    }
  } else if (strcmp(slug, "device-over-regular-file") == 0) {
    const json_t *dev = json_array_get(json_object_get(lnx, "devices"), 0);
    cr_assert_str_eq(jstr(dev, "path"), "/etc/passwd");
    cr_assert_null(ns_of(cfg, "user", &count));
    cr_assert_null(json_object_get(lnx, "uidMappings"));
    json_object_del(lnx, "devices");
    json_object_set(lnx, "namespaces", json_object_get(blnx, "namespaces"));
    json_object_set(lnx, "uidMappings", json_object_get(blnx, "uidMappings"));
    json_object_set(lnx, "gidMappings", json_object_get(blnx, "gidMappings"));
  } else if (strcmp(slug, "root-missing") == 0) {
    cr_assert_null(json_object_get(cfg, "root"));
    json_object_set(cfg, "root", json_object_get(base, "root"));
  } else if (strncmp(slug, "seccomp-", 8) == 0) {
    const json_t *sc = json_object_get(lnx, "seccomp");
    const json_t *rules = json_object_get(sc, "syscalls");
    const json_t *r0 = json_array_get(rules, 0), *r1 = json_array_get(rules, 1);
    const json_t *archs = json_object_get(sc, "architectures"),
                 *flags = json_object_get(sc, "flags");
    cr_assert_null(json_object_get(blnx, "seccomp"));
    if (strcmp(slug, "seccomp-action-unknown") == 0)
      cr_assert_str_eq(jstr(r0, "action"), "SCMP_ACT_BANANA");
    else if (strcmp(slug, "seccomp-arch-unknown") == 0)
      cr_assert_str_eq(json_string_value(json_array_get(archs, json_array_size(archs) - 1)),
                       "SCMP_ARCH_BANANA");
    else if (strcmp(slug, "seccomp-flag-unknown") == 0)
      cr_assert_str_eq(json_string_value(json_array_get(flags, 0)), "SECCOMP_FILTER_FLAG_BANANA");
    else if (strcmp(slug, "seccomp-names-empty") == 0)
      cr_assert_eq(json_array_size(json_object_get(r0, "names")), 0);
    else if (strcmp(slug, "seccomp-errno-kill") == 0)
      cr_assert(!strcmp(jstr(r0, "action"), "SCMP_ACT_KILL") && json_object_get(r0, "errnoRet"));
    else if (strcmp(slug, "seccomp-metadata-no-listener") == 0)
      cr_assert(json_object_get(sc, "listenerMetadata") && !json_object_get(sc, "listenerPath"));
    else if (strcmp(slug, "seccomp-operator-unknown") == 0)
      cr_assert_str_eq(jstr(json_array_get(json_object_get(r1, "args"), 0), "op"),
                       "SCMP_CMP_BANANA");
    else
      cr_assert_fail("negative %s has no check in this test", slug);
    json_object_del(lnx, "seccomp");
  } else {
    cr_assert_fail("negative %s has no check in this test", slug);
  }
}

Test(gen, negatives_break_the_base_in_one_way)
{
  static const char *const expected[] = {
      "ns-path-wrong-type",
      "ns-duplicate",
      "ns-unknown-type",
      "ns-path-relative",
      "rlimit-duplicate",
      "rlimit-unknown",
      "rlimit-soft-above-hard",
      "uidmap-overlap",
      "uidmap-empty",
      "user-unmapped",
      "oci-version-banana",
      "oci-version-short",
      "hostname-without-uts",
      "cwd-relative",
      "args-empty",
      "root-path-missing",
      "root-path-nonexistent",
      "oci-version-missing",
      "sysctl-unknown",
      "time-offsets-realtime",
      "rootfs-propagation-unknown",
      "personality-domain-unknown",
      "personality-flags",
      "masked-path-relative",
      "readonly-path-relative",
      "root-missing",
      "seccomp-action-unknown",
      "seccomp-arch-unknown",
      "seccomp-flag-unknown",
      "seccomp-names-empty",
      "seccomp-errno-kill",
      "seccomp-metadata-no-listener",
      "seccomp-operator-unknown",
      "device-type-unknown",
      "scheduler-policy-unknown",
      "io-priority-class-unknown",
      "memory-policy-mode-unknown",
      "idmap-uid-without-gid",
      "idmap-no-mappings-no-userns",
      "device-over-regular-file",
  };
  struct nsrt_err err = {0};
  json_t *base = NULL;
  cr_assert_eq(gen_negative_base(&base, &err), 0);
  json_object_del(base, "annotations");
  struct suite s = generate(11, 40);
  size_t negatives = 0;
  for (size_t i = 0; i < s.n; i++) {
    const struct nsc_case *c = &s.c[i];
    if (c->kind != NSC_CASE_NEGATIVE)
      continue;
    char id[64];
    const char *slug = expected[negatives];
    snprintf(id, sizeof(id), "n%03zu-%s", ++negatives, slug);
    cr_assert_str_eq(c->id, id);
    cr_assert_not_null(c->requirement);
    cr_assert(strchr(c->requirement, '.'), "%s: %s", c->id, c->requirement);
    cr_assert_not_null(c->title);
    cr_assert_gt(strlen(c->title), 5);
    cr_assert_null(c->probe_syscall);
    cr_assert_str_eq(jstr(json_object_get(c->config, "annotations"), "io.nsconform.case"), c->id);
    json_t *cfg = json_deep_copy(c->config);
    json_object_del(cfg, "annotations");
    cr_assert_not(json_equal(cfg, base), "%s equals the base", c->id);
    repair(slug, cfg, base);
    char *got = dump(cfg), *want = dump(base);
    cr_assert_str_eq(got, want, "%s differs from the base in more than its one change", c->id);
    free(got);
    free(want);
    json_decref(cfg);
  }
  cr_assert_eq(negatives, sizeof(expected) / sizeof(expected[0]));
  cr_assert_eq(s.st.cases_negative, negatives);
  json_decref(base);
  suite_free(&s);
}

/* ---- bundles ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

static void remove_tree(const char *dir)
{
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Each test that writes files gets its own directory, removed by the
 * fixture's teardown even when an assertion ends the test early. */
static char tmpdir[64];

static void make_tmpdir(void)
{
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/nsc-test-gen.XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
  if (tmpdir[0])
    remove_tree(tmpdir);
}

static char *read_text(const char *path)
{
  FILE *f = fopen(path, "re");
  cr_assert_not_null(f, "%s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    fwrite(chunk, 1, n, mem);
  fclose(f);
  fclose(mem);
  return buf;
}

Test(gen, bundles_and_manifest, .init = make_tmpdir, .fini = remove_tmpdir)
{
  const char *dir = tmpdir;
  char out[sizeof(tmpdir) + 16];
  snprintf(out, sizeof(out), "%s/out", dir); /* created by gen_write_bundles */
  struct suite s = generate(21, 45);
  struct nsrt_err err = {0};
  cr_assert_eq(gen_write_bundles(s.c, s.n, out, &err), 0, "%s: %s", err.step, err.text);
  /* twice: existing directories and files are fine */
  cr_assert_eq(gen_write_bundles(s.c, s.n, out, &err), 0, "%s: %s", err.step, err.text);
  for (size_t i = 0; i < s.n; i++) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s/config.json", out, s.c[i].id);
    char *text = read_text(path), *want = dump(s.c[i].config);
    size_t len = strlen(want);
    cr_assert_eq(strlen(text), len + 1);
    cr_assert_eq(strncmp(text, want, len), 0, "%s", path);
    cr_assert_eq(text[len], '\n');
    free(text);
    free(want);
  }
  char path[256];
  snprintf(path, sizeof(path), "%s/manifest.json", out);
  json_error_t jerr;
  json_t *m = json_load_file(path, 0, &jerr);
  cr_assert_not_null(m, "%s", jerr.text);
  cr_assert_str_eq(jstr(m, "schema"), "nsconform-manifest/1");
  json_t *list = json_object_get(m, "cases");
  cr_assert_eq(json_array_size(list), s.n);
  for (size_t i = 0; i < s.n; i++) {
    json_t *e = json_array_get(list, i);
    cr_assert_str_eq(jstr(e, "id"), s.c[i].id);
    cr_assert_str_eq(jstr(e, "kind"), s.c[i].kind == NSC_CASE_NEGATIVE ? "negative" : "generated");
    cr_assert_eq(jint(e, "seed"), 21);
    cr_assert_str_eq(jstr(e, "title"), s.c[i].title);
    if (s.c[i].requirement)
      cr_assert_str_eq(jstr(e, "requirement"), s.c[i].requirement);
    else
      cr_assert_null(json_object_get(e, "requirement"));
    if (s.c[i].probe_syscall)
      cr_assert_str_eq(jstr(e, "probe_syscall"), s.c[i].probe_syscall);
  }
  json_decref(m);
  /* no temporary files left behind */
  snprintf(path, sizeof(path), "%s/.manifest.json.tmp", out);
  cr_assert_neq(access(path, F_OK), 0);

  /* a file where the directory should be is an error */
  snprintf(path, sizeof(path), "%s/file", dir);
  int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  cr_assert_geq(fd, 0);
  close(fd);
  cr_assert_eq(gen_write_bundles(s.c, s.n, path, &err), -1);
  cr_assert_eq(err.errnum, ENOTDIR);
  suite_free(&s);
}

/* ---- nsrt's parser as an independent judge ---- */

static const char *proc_ns_name(const char *type)
{
  if (strcmp(type, "network") == 0)
    return "net";
  if (strcmp(type, "mount") == 0)
    return "mnt";
  return type;
}

/* Fill the placeholders as the driver would: root.path "rootfs" -> rootfs,
 * holders -> this process's own namespaces of the right type. */
static char *fill_placeholders(const json_t *config, const char *rootfs)
{
  json_t *cfg = json_deep_copy(config);
  json_t *root = json_object_get(cfg, "root");
  const char *path = jstr(root, "path");
  if (path && strcmp(path, GEN_ROOT_PLACEHOLDER) == 0)
    json_object_set_new(root, "path", json_string(rootfs));
  size_t i;
  json_t *e;
  json_array_foreach(ns_list(cfg), i, e)
  {
    const char *p = jstr(e, "path");
    if (p && strncmp(p, GEN_HOLDER_PREFIX, strlen(GEN_HOLDER_PREFIX)) == 0) {
      char self[64];
      snprintf(self, sizeof(self), "/proc/self/ns/%s", proc_ns_name(jstr(e, "type")));
      json_object_set_new(e, "path", json_string(self));
    }
  }
  char *text = dump(cfg);
  json_decref(cfg);
  return text;
}

Test(gen, nsrt_parser_accepts_generated_and_rejects_negatives, .init = make_tmpdir,
     .fini = remove_tmpdir)
{
  const char *bundle = tmpdir;
  char rootfs[sizeof(tmpdir) + 8];
  snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
  cr_assert_eq(mkdir(rootfs, 0755), 0);
  /* the regular file the device-over-regular-file negative names */
  char etc[sizeof(rootfs) + 16];
  snprintf(etc, sizeof(etc), "%s/etc", rootfs);
  cr_assert_eq(mkdir(etc, 0755), 0);
  snprintf(etc, sizeof(etc), "%s/etc/passwd", rootfs);
  FILE *passwd = fopen(etc, "we");
  cr_assert_not_null(passwd);
  fclose(passwd);
  struct suite s = generate(2024, 120);
  size_t accepted = 0, rejected = 0;
  for (size_t i = 0; i < s.n; i++) {
    const struct nsc_case *c = &s.c[i];
    char *text = fill_placeholders(c->config, rootfs);
    struct plan plan;
    struct nsrt_err err = {0};
    int ret = spec_parse_string(text, bundle, &plan, &err);
    if (c->kind == NSC_CASE_GENERATED) {
      cr_expect_eq(ret, 0, "%s rejected: %s: %s", c->id, err.step, err.text);
      accepted += ret == 0;
    } else {
      cr_expect_eq(ret, -1, "negative %s (%s) accepted", c->id, c->title);
      rejected += ret < 0;
    }
    if (ret == 0)
      plan_free(&plan);
    free(text);
  }
  cr_assert_eq(accepted, 120);
  cr_assert_eq(rejected, s.st.cases_negative);

  /* and the base of the negatives is itself accepted */
  json_t *base = NULL;
  struct nsrt_err err = {0};
  cr_assert_eq(gen_negative_base(&base, &err), 0);
  char *text = fill_placeholders(base, rootfs);
  struct plan plan;
  cr_assert_eq(spec_parse_string(text, bundle, &plan, &err), 0, "%s: %s", err.step, err.text);
  plan_free(&plan);
  free(text);
  json_decref(base);
  suite_free(&s);
}

/* ---- profiles ---- */

static void expect_profile_error(const char *doc_text, const char *step_part)
{
  json_error_t jerr;
  json_t *doc = json_loads(doc_text, 0, &jerr);
  cr_assert_not_null(doc, "%s", jerr.text);
  struct gen_profile *p = (struct gen_profile *)1;
  struct nsrt_err err = {0};
  cr_assert_eq(gen_profile_from_json(doc, &p, &err), -1, "accepted: %s", doc_text);
  cr_assert_null(p);
  cr_assert(strstr(err.step, step_part) || strstr(err.text, step_part), "%s: %s (wanted %s)",
            err.step, err.text, step_part);
  json_decref(doc);
}

#define HEAD "{\"schema\": \"nsconform-gen-profile/1\", \"name\": \"t\", \"dimensions\": "

Test(gen, profile_errors_name_the_path)
{
  expect_profile_error(HEAD "{\"ns.banana\": [\"new\"]}}", "ns.banana");
  expect_profile_error(HEAD "{\"ns.user\": [\"new\", \"sideways\"]}}", "dimensions.ns.user[1]");
  expect_profile_error(HEAD "{\"ns.user\": [\"new\", \"new\"]}}", "dimensions.ns.user[1]");
  expect_profile_error(HEAD "{\"ns.user\": []}}", "dimensions.ns.user");
  expect_profile_error(HEAD "{\"ns.mount\": [\"new\", \"absent\"]}}", "dimensions.ns.mount[1]");
  /* idmap fixed at none: a new user namespace can never be valid */
  expect_profile_error(HEAD "{\"ns.user\": [\"absent\", \"new\"]}}", "dimensions.ns.user[1]");
  expect_profile_error("{\"schema\": \"other/1\", \"dimensions\": {}}", "schema");
  expect_profile_error("{\"schema\": \"nsconform-gen-profile/1\"}", "dimensions");

  struct gen_profile *p = NULL;
  struct nsrt_err err = {0};
  cr_assert_eq(gen_profile_load("/nonexistent/profile.json", &p, &err), -1);
  cr_assert_eq(err.errnum, ENOENT);
}

/* A profile with few dimensions: everything else is fixed, and the rows cover
 * exactly the pairs of the listed values. */
Test(gen, small_profile)
{
  json_error_t jerr;
  json_t *doc = json_loads(HEAD "{\"process.user\": [\"root\", \"user\", \"user-groups\"], "
                                "\"process.capabilities\": [\"default\", \"ambient-kill\"], "
                                "\"process.cwd\": [\"/\", \"/tmp\"]}}",
                           0, &jerr);
  cr_assert_not_null(doc);
  struct gen_profile *p = NULL;
  struct nsrt_err err = {0};
  cr_assert_eq(gen_profile_from_json(doc, &p, &err), 0, "%s: %s", err.step, err.text);
  cr_assert_str_eq(gen_profile_name(p), "t");
  struct nsc_case *c = NULL;
  size_t n = 0;
  struct gen_stats st;
  cr_assert_eq(gen_suite(p, 1, 0, &c, &n, &st, &err), 0);
  /* user x caps: 6 pairs, 1 excluded (root, ambient-kill); user x cwd 6; caps x cwd 4; and the
   * pairs with the 32 fixed dimensions */
  cr_assert_geq(st.cases_pairwise, 6);
  cr_assert_eq(st.pairs_covered, st.pairs_total);
  char **ex = NULL;
  size_t nex = 0;
  cr_assert_eq(gen_excluded_pairs(p, &ex, &nex, &err), 0);
  cr_assert_eq(nex, st.pairs_excluded);
  bool found = false;
  for (size_t i = 0; i < nex; i++)
    found |= strcmp(ex[i], "process.user=root & process.capabilities=ambient-kill") == 0;
  cr_assert(found);
  for (size_t i = 0; i < st.cases_pairwise; i++) {
    struct decoded d = decode(c[i].config);
    cr_assert_str_eq(d.v[t_dim("ns.user")], "absent");
    cr_assert_str_eq(d.v[t_dim("process.noNewPrivileges")], "true");
    cr_assert(t_consistent(&d));
  }
  gen_strv_free(ex);
  gen_cases_free(c, n);
  gen_profile_free(p);
  json_decref(doc);
}
