/* The seeded spec generator.  Reads top to bottom: the dimensions and their
 * values, the constraints between them, the profile, how a row of values
 * becomes a config.json, the all-pairs covering array, the negative cases,
 * and writing the bundles. */
#include "gen.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "prng.h"
#include "requirements.h"

#define GEN_FAIL(err, errnum, step, ...) nsrt_fail_at((err), "gen", (errnum), (step), __VA_ARGS__)

/* The oldest runtime-spec release with every field written here (the time
 * namespace, defaultErrnoRet, domainname), so runtimes that predate 1.2 (crun
 * 1.8.1 refuses "1.2.0" and later) take the bundles too. */
#define OCI_VERSION "1.1.0"

/* ---- dimensions ---------------------------------------------------------- */

// clang-format off
enum dim {
  /* the eight namespace dimensions first, in the order of ns_types */
  D_NS_USER, D_NS_PID, D_NS_MOUNT, D_NS_UTS, D_NS_IPC, D_NS_NET, D_NS_CGROUP, D_NS_TIME,
  D_IDMAP, D_USER, D_UMASK, D_RLIMITS, D_CAPS, D_NNP, D_HOSTNAME, D_OOM, D_SECCOMP, D_READONLY,
  D_MASKED, D_ROPATHS, D_ENV, D_CWD, D_COUNT
};
// clang-format on

enum { NSV_ABSENT, NSV_NEW, NSV_PATH };
enum { MAP_NONE, MAP_SINGLE, MAP_SEVERAL, MAP_ROOT_UNMAPPED, MAP_SPLIT_ROOT, MAP_LARGE };
enum { USER_ROOT, USER_PLAIN, USER_GROUPS };
enum { UMASK_ABSENT, UMASK_0027 };
enum { RL_NONE, RL_NOFILE_SOFT, RL_SUBSET, RL_RAISED_HARD };
enum { CAPS_ABSENT, CAPS_DEFAULT, CAPS_AMBIENT_KILL, CAPS_ALL_SETS };
enum { FLAG_FALSE, FLAG_TRUE };
enum { HOST_NONE, HOST_HOSTNAME, HOST_BOTH };
enum { OOM_ABSENT, OOM_ZERO, OOM_500 };
enum { SC_ABSENT, SC_ERRNO_MKDIR, SC_ALLOWLIST };
enum { PATHS_DEFAULT, PATHS_NONE, PATHS_EXTRA };
enum { ENV_DEFAULT, ENV_EXTRA };
enum { CWD_ROOT, CWD_TMP, CWD_PROC };

#define MAX_VALUES 6

/* The profile names dimensions and values with these strings; a dimension the
 * profile leaves out is fixed at fixed_value. */
static const struct {
  const char *name;
  const char *values[MAX_VALUES];
  int fixed_value;
} dims[D_COUNT] = {
    [D_NS_USER] = {"ns.user", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_PID] = {"ns.pid", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_MOUNT] = {"ns.mount", {"absent", "new", "path"}, NSV_NEW},
    [D_NS_UTS] = {"ns.uts", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_IPC] = {"ns.ipc", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_NET] = {"ns.network", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_CGROUP] = {"ns.cgroup", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_TIME] = {"ns.time", {"absent", "new", "path"}, NSV_ABSENT},
    [D_IDMAP] = {"idmap",
                 {"none", "single", "several", "root-unmapped", "split-root", "large"},
                 MAP_NONE},
    [D_USER] = {"process.user", {"root", "user", "user-groups"}, USER_ROOT},
    [D_UMASK] = {"process.umask", {"absent", "0027"}, UMASK_ABSENT},
    [D_RLIMITS] = {"process.rlimits", {"none", "nofile-soft", "subset", "raised-hard"}, RL_NONE},
    [D_CAPS] = {"process.capabilities",
                {"absent", "default", "ambient-kill", "all-sets"},
                CAPS_DEFAULT},
    [D_NNP] = {"process.noNewPrivileges", {"false", "true"}, FLAG_TRUE},
    [D_HOSTNAME] = {"hostname", {"none", "hostname", "both"}, HOST_NONE},
    [D_OOM] = {"process.oomScoreAdj", {"absent", "0", "500"}, OOM_ABSENT},
    [D_SECCOMP] = {"linux.seccomp", {"absent", "errno-mkdir", "allowlist"}, SC_ABSENT},
    [D_READONLY] = {"root.readonly", {"false", "true"}, FLAG_FALSE},
    [D_MASKED] = {"linux.maskedPaths", {"default", "none", "extra"}, PATHS_DEFAULT},
    [D_ROPATHS] = {"linux.readonlyPaths", {"default", "none", "extra"}, PATHS_DEFAULT},
    [D_ENV] = {"process.env", {"default", "extra"}, ENV_DEFAULT},
    [D_CWD] = {"process.cwd", {"/", "/tmp", "/proc"}, CWD_ROOT},
};

/* OCI namespace type of D_NS_USER + i, and its /proc/PID/ns name. */
static const char *const ns_types[8] = {"user", "pid",     "mount",  "uts",
                                        "ipc",  "network", "cgroup", "time"};

static int dim_value_count(int d)
{
  int n = 0;
  while (n < MAX_VALUES && dims[d].values[n])
    n++;
  return n;
}

/* ---- constraints ----------------------------------------------------------
 * A row holds one value id per dimension, -1 while unassigned.  consistent()
 * is false only when the assigned values already break a rule, so it prunes
 * partial rows; a complete row is valid when it is consistent. */

typedef int8_t row_t[D_COUNT];

static bool consistent(const int8_t *a)
{
#define HAS(d) (a[d] >= 0)
  /* The rootfs needs a mount namespace of its own. */
  if (HAS(D_NS_MOUNT) && a[D_NS_MOUNT] != NSV_NEW)
    return false;
  /* Id maps are written exactly when a user namespace is created. */
  if (HAS(D_NS_USER) && HAS(D_IDMAP) && (a[D_NS_USER] == NSV_NEW) != (a[D_IDMAP] != MAP_NONE))
    return false;
  /* root-unmapped maps container ids 1000-1999 only, so the process must be
   * 1000/1000 with no additional groups. */
  if (HAS(D_IDMAP) && HAS(D_USER) && a[D_IDMAP] == MAP_ROOT_UNMAPPED && a[D_USER] != USER_PLAIN)
    return false;
  /* Setting a hostname or domainname needs the container's own uts namespace
   * (in the runtime's it would rename the host), owned by its user namespace:
   * a joined one belongs to the holder, whose user ns a new one is not. */
  if (HAS(D_HOSTNAME) && HAS(D_NS_UTS) && a[D_HOSTNAME] != HOST_NONE &&
      (a[D_NS_UTS] == NSV_ABSENT ||
       (a[D_NS_UTS] == NSV_PATH && HAS(D_NS_USER) && a[D_NS_USER] == NSV_NEW)))
    return false;
  /* Ambient CAP_KILL is about a non-root process keeping a capability across exec. */
  if (HAS(D_CAPS) && HAS(D_USER) && a[D_CAPS] == CAPS_AMBIENT_KILL && a[D_USER] == USER_ROOT)
    return false;
  /* A fresh /proc can only be mounted from the user namespace that owns the
   * pid namespace: a new user ns needs a new pid ns; a joined one (the holder's,
   * which owns the holder's pid ns) needs a pid ns that is not the host's. */
  if (HAS(D_NS_USER) && HAS(D_NS_PID)) {
    if (a[D_NS_USER] == NSV_NEW && a[D_NS_PID] != NSV_NEW)
      return false;
    if (a[D_NS_USER] == NSV_PATH && a[D_NS_PID] == NSV_ABSENT)
      return false;
  }
  return true;
#undef HAS
}

/* ---- profile ------------------------------------------------------------- */

struct gen_profile {
  char *name;
  int nv[D_COUNT];                 /* values in the profile, >= 1 */
  int8_t val[D_COUNT][MAX_VALUES]; /* value ids in profile order */
  int8_t pos[D_COUNT][MAX_VALUES]; /* value id -> index in val, -1 when not listed */
};

/* Depth-first completion of row a from dimension d on, over the profile's
 * values (in a seeded order when rng is given).  Fills a on success. */
static bool complete_row(const struct gen_profile *p, int8_t *a, int d, struct nsc_prng *rng)
{
  while (d < D_COUNT && a[d] >= 0)
    d++;
  if (d == D_COUNT)
    return true;
  int order[MAX_VALUES];
  for (int k = 0; k < p->nv[d]; k++)
    order[k] = k;
  if (rng)
    nsc_prng_shuffle(rng, order, (size_t)p->nv[d]);
  for (int k = 0; k < p->nv[d]; k++) {
    a[d] = p->val[d][order[k]];
    if (consistent(a) && complete_row(p, a, d + 1, rng))
      return true;
  }
  a[d] = -1;
  return false;
}

/* Whether some valid row contains the assigned values of a (a is not changed). */
static bool extendable(const struct gen_profile *p, const int8_t *a)
{
  row_t copy;
  memcpy(copy, a, sizeof(copy));
  return consistent(copy) && complete_row(p, copy, 0, NULL);
}

static int profile_dimension(struct gen_profile *p, int d, const json_t *list, struct nsrt_err *err)
{
  char path[NSRT_ERR_STEP_MAX];
  snprintf(path, sizeof(path), "dimensions.%s", dims[d].name);
  memset(p->pos[d], -1, sizeof(p->pos[d]));
  if (!list) {
    p->nv[d] = 1;
    p->val[d][0] = (int8_t)dims[d].fixed_value;
    p->pos[d][dims[d].fixed_value] = 0;
    return 0;
  }
  if (!json_is_array(list) || json_array_size(list) == 0)
    return GEN_FAIL(err, 0, path, "expected a non-empty array of value names");
  if (json_array_size(list) > (size_t)dim_value_count(d))
    return GEN_FAIL(err, 0, path, "more values than the %d this dimension has", dim_value_count(d));
  for (size_t i = 0; i < json_array_size(list); i++) {
    const char *s = json_string_value(json_array_get(list, i));
    int v = 0;
    while (v < dim_value_count(d) && (!s || strcmp(dims[d].values[v], s) != 0))
      v++;
    snprintf(path, sizeof(path), "dimensions.%s[%zu]", dims[d].name, i);
    if (v == dim_value_count(d))
      return GEN_FAIL(err, 0, path, "unknown value \"%s\" (known: %s, %s, ...)", s ? s : "",
                      dims[d].values[0], dims[d].values[1]);
    if (p->pos[d][v] >= 0)
      return GEN_FAIL(err, 0, path, "\"%s\" is listed twice", s);
    p->pos[d][v] = (int8_t)p->nv[d];
    p->val[d][p->nv[d]++] = (int8_t)v;
  }
  return 0;
}

int gen_profile_from_json(const json_t *doc, struct gen_profile **out, struct nsrt_err *err)
{
  *out = NULL;
  const json_t *dimensions = json_object_get(doc, "dimensions");
  const char *name = json_string_value(json_object_get(doc, "name"));
  const char *schema = json_string_value(json_object_get(doc, "schema"));
  if (!json_is_object(doc))
    return GEN_FAIL(err, 0, "profile", "expected a JSON object");
  if (!schema || strcmp(schema, "nsconform-gen-profile/1") != 0)
    return GEN_FAIL(err, 0, "schema", "expected \"nsconform-gen-profile/1\"");
  if (!json_is_object(dimensions))
    return GEN_FAIL(err, 0, "dimensions", "expected an object of dimension: [values]");
  const char *key;
  json_t *value;
  json_object_foreach((json_t *)dimensions, key, value)
  {
    int d = 0;
    while (d < D_COUNT && strcmp(dims[d].name, key) != 0)
      d++;
    if (d == D_COUNT)
      return GEN_FAIL(err, 0, "dimensions", "unknown dimension \"%s\"", key);
  }
  struct gen_profile *p = calloc(1, sizeof(*p));
  if (!p || !(p->name = strdup(name ? name : "unnamed"))) {
    free(p);
    return GEN_FAIL(err, ENOMEM, "profile", "out of memory");
  }
  for (int d = 0; d < D_COUNT; d++)
    if (profile_dimension(p, d, json_object_get(dimensions, dims[d].name), err) < 0) {
      gen_profile_free(p);
      return -1;
    }
  /* Every listed value must fit some valid case, or it could never be tested. */
  for (int d = 0; d < D_COUNT; d++)
    for (int k = 0; k < p->nv[d]; k++) {
      row_t a;
      memset(a, -1, sizeof(a));
      a[d] = p->val[d][k];
      if (!extendable(p, a)) {
        char path[NSRT_ERR_STEP_MAX];
        snprintf(path, sizeof(path), "dimensions.%s[%d]", dims[d].name, k);
        GEN_FAIL(err, 0, path, "\"%s\" fits no valid case under the constraints",
                 dims[d].values[a[d]]);
        gen_profile_free(p);
        return -1;
      }
    }
  *out = p;
  return 0;
}

int gen_profile_load(const char *path, struct gen_profile **out, struct nsrt_err *err)
{
  json_error_t jerr;
  *out = NULL;
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return GEN_FAIL(err, errno, "profile", "open %s", path);
  json_t *doc = json_loadfd(fd, 0, &jerr);
  if (!doc)
    return GEN_FAIL(err, 0, "profile", "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
  int ret = gen_profile_from_json(doc, out, err);
  json_decref(doc);
  if (ret < 0)
    nsrt_err_context(err, "profile %s", path);
  return ret;
}

void gen_profile_free(struct gen_profile *p)
{
  if (!p)
    return;
  free(p->name);
  free(p);
}

const char *gen_profile_name(const struct gen_profile *p)
{
  return p->name;
}

/* ---- row -> config.json ---------------------------------------------------
 * Builders record an allocation failure in *ok and carry on; the caller checks
 * once.  jansson's *_new setters release the value when they fail. */

static void put(bool *ok, json_t *obj, const char *key, json_t *v)
{
  if (json_object_set_new(obj, key, v) < 0)
    *ok = false;
}

static void push(bool *ok, json_t *arr, json_t *v)
{
  if (json_array_append_new(arr, v) < 0)
    *ok = false;
}

static json_t *strings(bool *ok, const char *const *v, size_t n)
{
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    push(ok, a, json_string(v[i]));
  if (!a)
    *ok = false;
  return a;
}

#define STRINGS(ok, ...)                                                                           \
  strings((ok), (const char *const[]){__VA_ARGS__},                                                \
          sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

struct id_range {
  uint32_t container, host, size;
};

/* Each map is used for both uid and gid mappings.  "several" is given out of
 * order on purpose: the spec does not ask for sorted ranges. */
static const struct {
  struct id_range r[3];
  int n;
} idmaps[] = {
    [MAP_SINGLE] = {{{0, 100000, 65536}}, 1},
    [MAP_SEVERAL] = {{{1000, 300000, 64536}, {0, 100000, 1}, {1, 200001, 999}}, 3},
    [MAP_ROOT_UNMAPPED] = {{{1000, 101000, 1000}}, 1},
    [MAP_SPLIT_ROOT] = {{{0, 100000, 1}, {1, 200000, 65535}}, 2},
    [MAP_LARGE] = {{{0, 100000, 1000000}}, 1},
};

static json_t *id_mappings(bool *ok, int map)
{
  json_t *a = json_array();
  for (int i = 0; i < idmaps[map].n; i++) {
    const struct id_range *r = &idmaps[map].r[i];
    push(ok, a,
         json_pack("{s:I, s:I, s:I}", "containerID", (json_int_t)r->container, "hostID",
                   (json_int_t)r->host, "size", (json_int_t)r->size));
  }
  if (!a)
    *ok = false;
  return a;
}

/* Whether gid 5 (devpts gid=5) is mapped in the container's user namespace. */
static bool gid5_mapped(const int8_t *a)
{
  if (a[D_NS_USER] != NSV_NEW)
    return true; /* the host's, or the holder's 0-65535 */
  for (int i = 0; i < idmaps[a[D_IDMAP]].n; i++) {
    const struct id_range *r = &idmaps[a[D_IDMAP]].r[i];
    if (r->container <= 5 && 5 - r->container < r->size)
      return true;
  }
  return false;
}

/* Whether the container's user namespace owns its namespace of dimension d
 * (needed to mount a fresh sysfs for network, mqueue for ipc).  With no user
 * namespace the runtime is root in the initial one and owns everything. */
static bool userns_owns(const int8_t *a, int d)
{
  switch (a[D_NS_USER]) {
  case NSV_NEW:
    return a[d] == NSV_NEW;
  case NSV_PATH:
    return a[d] != NSV_ABSENT; /* the holder's user ns owns the holder's others */
  default:
    return true;
  }
}

static json_t *mount_entry(bool *ok, const char *dest, const char *type, const char *source,
                           json_t *options)
{
  json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", source);
  if (options)
    put(ok, m, "options", options);
  if (!m)
    *ok = false;
  return m;
}

/* The fixture's mounts, as runc's default spec has them, adjusted to what the
 * user namespace allows. */
static json_t *mounts(bool *ok, const int8_t *a)
{
  json_t *ms = json_array();
  push(ok, ms, mount_entry(ok, "/proc", "proc", "proc", NULL));
  push(ok, ms,
       mount_entry(ok, "/dev", "tmpfs", "tmpfs",
                   STRINGS(ok, "nosuid", "strictatime", "mode=755", "size=65536k")));
  json_t *pts = STRINGS(ok, "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620");
  if (gid5_mapped(a))
    push(ok, pts, json_string("gid=5"));
  push(ok, ms, mount_entry(ok, "/dev/pts", "devpts", "devpts", pts));
  push(ok, ms,
       mount_entry(ok, "/dev/shm", "tmpfs", "shm",
                   STRINGS(ok, "nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
  /* mqueue can only be mounted for an ipc namespace the user ns owns; the
   * host has no /dev/mqueue to bind instead, so the mount is left out. */
  if (userns_owns(a, D_NS_IPC))
    push(ok, ms,
         mount_entry(ok, "/dev/mqueue", "mqueue", "mqueue",
                     STRINGS(ok, "nosuid", "noexec", "nodev")));
  /* Likewise sysfs and the network namespace: bind the host's /sys instead. */
  if (userns_owns(a, D_NS_NET))
    push(ok, ms,
         mount_entry(ok, "/sys", "sysfs", "sysfs", STRINGS(ok, "nosuid", "noexec", "nodev", "ro")));
  else
    push(ok, ms,
         mount_entry(ok, "/sys", "bind", "/sys",
                     STRINGS(ok, "rbind", "nosuid", "noexec", "nodev", "ro")));
  if (a[D_CWD] == CWD_TMP)
    push(ok, ms,
         mount_entry(ok, "/tmp", "tmpfs", "tmpfs",
                     STRINGS(ok, "nosuid", "nodev", "mode=1777", "size=65536k")));
  return ms;
}

static json_t *capabilities(bool *ok, int caps)
{
  switch (caps) {
  case CAPS_DEFAULT: {
    json_t *trio = STRINGS(ok, "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
    return json_pack("{s:O, s:O, s:o}", "bounding", trio, "effective", trio, "permitted", trio);
  }
  case CAPS_AMBIENT_KILL: {
    json_t *kill = STRINGS(ok, "CAP_KILL");
    return json_pack("{s:O, s:O, s:O, s:O, s:o}", "bounding", kill, "effective", kill,
                     "inheritable", kill, "permitted", kill, "ambient", kill);
  }
  default: { /* all five sets; the usual container set less CAP_NET_RAW */
    json_t *set =
        STRINGS(ok, "CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
                "CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID",
                "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT");
    return json_pack("{s:O, s:O, s:o, s:o, s:o}", "bounding", set, "effective", set, "permitted",
                     set, "inheritable", STRINGS(ok, "CAP_CHOWN", "CAP_KILL"), "ambient",
                     STRINGS(ok, "CAP_CHOWN"));
  }
  }
}

static json_t *rlimit(const char *type, json_int_t soft, json_int_t hard)
{
  return json_pack("{s:s, s:I, s:I}", "type", type, "soft", soft, "hard", hard);
}

static json_t *rlimits(bool *ok, int value)
{
  json_t *rl = json_array();
  switch (value) {
  case RL_NOFILE_SOFT:
    push(ok, rl, rlimit("RLIMIT_NOFILE", 512, 1024));
    break;
  case RL_SUBSET:
    push(ok, rl, rlimit("RLIMIT_NOFILE", 1024, 1024));
    push(ok, rl, rlimit("RLIMIT_NPROC", 1024, 2048));
    push(ok, rl, rlimit("RLIMIT_CORE", 0, 0));
    break;
  default: /* above any usual hard limit, at the kernel's default nr_open: the
            * runtime needs CAP_SYS_RESOURCE for it */
    push(ok, rl, rlimit("RLIMIT_NOFILE", 65536, 1048576));
    break;
  }
  return rl;
}

/* What a static nsprobe and the runtimes' last steps before exec call (with
 * noNewPrivileges false the filter goes in before the ids and capabilities
 * are set and before waiting for start: runc opens its exec fifo, nsrt
 * accepts on its socket); everything else fails with EPERM. */
// clang-format off
static const char *const seccomp_allowed[] = {
    "accept", "accept4", "access", "arch_prctl", "brk", "capget", "capset", "chdir",
    "clock_gettime", "clock_nanosleep", "clone", "clone3", "close", "close_range", "dup", "dup2",
    "dup3", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_wait", "execve", "execveat",
    "exit", "exit_group", "faccessat", "faccessat2", "fchdir", "fcntl", "fstat", "fstatfs",
    "futex", "getcwd", "getdents64", "getegid", "geteuid", "getgid", "getgroups", "getpid",
    "getppid", "getrandom", "getresgid", "getresuid", "getrlimit", "gettid", "gettimeofday",
    "getuid", "ioctl", "kill", "lseek", "lstat", "madvise", "mmap", "mprotect", "munmap",
    "nanosleep", "newfstatat", "open", "openat", "pipe2", "poll", "ppoll", "prctl", "pread64",
    "prlimit64", "pselect6", "read", "readlink", "readlinkat", "recvfrom", "recvmsg",
    "restart_syscall", "rseq", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend",
    "sched_getaffinity", "sched_yield", "select", "sendmsg", "sendto", "set_robust_list",
    "set_tid_address", "setgid", "setgroups", "setresgid", "setresuid", "setrlimit", "setsid",
    "setuid", "sigaltstack", "stat", "statfs", "statx", "tgkill", "tkill", "umask", "uname",
    "wait4", "waitid", "write", "writev",
};
// clang-format on

/* The syscall nsprobe calls to see the filter act (--seccomp-probe). */
static const char *seccomp_probe(int value)
{
  /* chmod is not in the allow list: the probe expects EPERM, not ENOENT. */
  return value == SC_ERRNO_MKDIR ? "mkdir" : value == SC_ALLOWLIST ? "chmod" : NULL;
}

static json_t *seccomp(bool *ok, int value)
{
  if (value == SC_ERRNO_MKDIR) {
    return json_pack("{s:s, s:[{s:o, s:s, s:i}]}", "defaultAction", "SCMP_ACT_ALLOW", "syscalls",
                     "names", STRINGS(ok, "mkdir", "mkdirat"), "action", "SCMP_ACT_ERRNO",
                     "errnoRet", 38);
  }
  return json_pack("{s:s, s:i, s:[{s:o, s:s}]}", "defaultAction", "SCMP_ACT_ERRNO",
                   "defaultErrnoRet", 1, "syscalls", "names",
                   strings(ok, seccomp_allowed, ARRAY_SIZE(seccomp_allowed)), "action",
                   "SCMP_ACT_ALLOW");
}

static json_t *masked_paths(bool *ok, int value)
{
  json_t *l = STRINGS(ok, "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                      "/proc/sched_debug", "/sys/firmware", "/proc/scsi");
  if (value == PATHS_EXTRA) {
    push(ok, l, json_string("/proc/version"));
    push(ok, l, json_string("/proc/cmdline"));
  }
  return l;
}

static json_t *readonly_paths(bool *ok, int value)
{
  json_t *l = STRINGS(ok, "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
  if (value == PATHS_EXTRA) {
    push(ok, l, json_string("/etc"));
    push(ok, l, json_string("/proc/sysvipc"));
  }
  return l;
}

static json_t *process(bool *ok, const int8_t *a, const char **probe)
{
  static const char *const cwds[] = {"/", "/tmp", "/proc"};
  json_int_t id = a[D_USER] == USER_ROOT ? 0 : 1000;
  json_t *user = json_pack("{s:I, s:I}", "uid", id, "gid", id);
  if (a[D_UMASK] == UMASK_0027)
    put(ok, user, "umask", json_integer(027));
  if (a[D_USER] == USER_GROUPS)
    put(ok, user, "additionalGids", json_pack("[i, i]", 10, 20));

  json_t *env = STRINGS(ok, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  if (a[D_ENV] == ENV_EXTRA) {
    static const char *const extra[] = {
        "NSC_QUOTED=say \"hi\" and 'bye'",
        "NSC_EQUALS=a=b==c=",
        "NSC_EMPTY=",
        "NSC_SPACES=  two  spaces ",
        "NSC_BACKSLASH=C:\\dir\\",
        "NSC_UTF8=gr\xc3\xbc\xc3\x9f"
        "e",
    };
    for (size_t i = 0; i < ARRAY_SIZE(extra); i++)
      push(ok, env, json_string(extra[i]));
  }

  json_t *args = STRINGS(ok, "/nsprobe", "--wait");
  *probe = seccomp_probe(a[D_SECCOMP]);
  if (*probe) {
    push(ok, args, json_string("--seccomp-probe"));
    push(ok, args, json_string(*probe));
  }

  json_t *proc =
      json_pack("{s:b, s:o, s:o, s:o, s:s, s:b}", "terminal", 0, "user", user, "args", args, "env",
                env, "cwd", cwds[a[D_CWD]], "noNewPrivileges", a[D_NNP] == FLAG_TRUE);
  if (a[D_CAPS] != CAPS_ABSENT)
    put(ok, proc, "capabilities", capabilities(ok, a[D_CAPS]));
  if (a[D_RLIMITS] != RL_NONE)
    put(ok, proc, "rlimits", rlimits(ok, a[D_RLIMITS]));
  if (a[D_OOM] != OOM_ABSENT)
    put(ok, proc, "oomScoreAdj", json_integer(a[D_OOM] == OOM_ZERO ? 0 : 500));
  if (!proc)
    *ok = false;
  return proc;
}

/* Namespace entries in an order drawn from layout (when given), so runtimes
 * meet the user entry anywhere in the list. */
static json_t *namespaces(bool *ok, const int8_t *a, struct nsc_prng *layout)
{
  int order[8];
  for (int i = 0; i < 8; i++)
    order[i] = i;
  if (layout)
    nsc_prng_shuffle(layout, order, 8);
  json_t *list = json_array();
  for (int i = 0; i < 8; i++) {
    int t = order[i];
    if (a[D_NS_USER + t] == NSV_ABSENT)
      continue;
    json_t *e = json_pack("{s:s}", "type", ns_types[t]);
    if (a[D_NS_USER + t] == NSV_PATH) {
      char holder[64];
      snprintf(holder, sizeof(holder), GEN_HOLDER_PREFIX "%s", ns_types[t]);
      put(ok, e, "path", json_string(holder));
    }
    push(ok, list, e);
  }
  return list;
}

/* "ns.user=new ns.pid=new ..." for the annotation. */
static void describe_row(const int8_t *a, char *buf, size_t len)
{
  size_t used = 0;
  buf[0] = '\0';
  for (int d = 0; d < D_COUNT && used < len; d++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", d ? " " : "", dims[d].name,
                             dims[d].values[a[d]]);
}

/* The config.json of a complete valid row.  NULL when out of memory. */
static json_t *build_config(const int8_t *a, const char *id, uint64_t seed, struct nsc_prng *layout,
                            const char **probe)
{
  bool ok = true;
  char seed_text[24], values[1024];
  snprintf(seed_text, sizeof(seed_text), "%" PRIu64, seed);
  describe_row(a, values, sizeof(values));

  json_t *lnx = json_object();
  put(&ok, lnx, "namespaces", namespaces(&ok, a, layout));
  if (a[D_NS_USER] == NSV_NEW) {
    put(&ok, lnx, "uidMappings", id_mappings(&ok, a[D_IDMAP]));
    put(&ok, lnx, "gidMappings", id_mappings(&ok, a[D_IDMAP]));
  }
  if (a[D_MASKED] != PATHS_NONE)
    put(&ok, lnx, "maskedPaths", masked_paths(&ok, a[D_MASKED]));
  if (a[D_ROPATHS] != PATHS_NONE)
    put(&ok, lnx, "readonlyPaths", readonly_paths(&ok, a[D_ROPATHS]));
  if (a[D_SECCOMP] != SC_ABSENT)
    put(&ok, lnx, "seccomp", seccomp(&ok, a[D_SECCOMP]));

  json_t *cfg = json_pack("{s:s, s:{s:s, s:b}, s:o, s:o, s:o, s:{s:s, s:s, s:s}}", "ociVersion",
                          OCI_VERSION, "root", "path", GEN_ROOT_PLACEHOLDER, "readonly",
                          a[D_READONLY] == FLAG_TRUE, "process", process(&ok, a, probe), "mounts",
                          mounts(&ok, a), "linux", lnx, "annotations", "io.nsconform.case", id,
                          "io.nsconform.seed", seed_text, "io.nsconform.values", values);
  if (a[D_HOSTNAME] != HOST_NONE)
    put(&ok, cfg, "hostname", json_string("nsconform-host"));
  if (a[D_HOSTNAME] == HOST_BOTH)
    put(&ok, cfg, "domainname", json_string("nsconform.test"));
  if (!ok || !cfg) {
    json_decref(cfg);
    return NULL;
  }
  return cfg;
}

/* ---- the covering array ---------------------------------------------------
 * Pairs are indexed by (d1 < d2, profile index i1, profile index i2). */

struct pairs {
  const struct gen_profile *p;
  size_t base[D_COUNT][D_COUNT];
  size_t n;
  uint8_t *valid, *covered;
  size_t n_valid, n_uncovered;
};

static size_t pair_index(const struct pairs *ps, int d1, int i1, int d2, int i2)
{
  if (d1 > d2)
    return pair_index(ps, d2, i2, d1, i1);
  return ps->base[d1][d2] + (size_t)i1 * (size_t)ps->p->nv[d2] + (size_t)i2;
}

static int pairs_init(struct pairs *ps, const struct gen_profile *p, struct nsrt_err *err)
{
  memset(ps, 0, sizeof(*ps));
  ps->p = p;
  for (int d1 = 0; d1 < D_COUNT; d1++)
    for (int d2 = d1 + 1; d2 < D_COUNT; d2++) {
      ps->base[d1][d2] = ps->n;
      ps->n += (size_t)p->nv[d1] * (size_t)p->nv[d2];
    }
  ps->valid = calloc(ps->n, 1);
  ps->covered = calloc(ps->n, 1);
  if (!ps->valid || !ps->covered)
    return GEN_FAIL(err, ENOMEM, "pairs", "out of memory for %zu pairs", ps->n);
  for (int d1 = 0; d1 < D_COUNT; d1++)
    for (int d2 = d1 + 1; d2 < D_COUNT; d2++)
      for (int i1 = 0; i1 < p->nv[d1]; i1++)
        for (int i2 = 0; i2 < p->nv[d2]; i2++) {
          row_t a;
          memset(a, -1, sizeof(a));
          a[d1] = p->val[d1][i1];
          a[d2] = p->val[d2][i2];
          if (extendable(p, a)) {
            ps->valid[pair_index(ps, d1, i1, d2, i2)] = 1;
            ps->n_valid++;
          }
        }
  ps->n_uncovered = ps->n_valid;
  return 0;
}

static void pairs_free(struct pairs *ps)
{
  free(ps->valid);
  free(ps->covered);
}

/* Uncovered valid pairs between (d, value) and the assigned dimensions of a. */
static size_t new_pairs(const struct pairs *ps, const int8_t *a, int d, int8_t value)
{
  size_t gain = 0;
  int i = ps->p->pos[d][value];
  for (int e = 0; e < D_COUNT; e++) {
    if (e == d || a[e] < 0)
      continue;
    size_t k = pair_index(ps, d, i, e, ps->p->pos[e][a[e]]);
    gain += ps->valid[k] && !ps->covered[k];
  }
  return gain;
}

static size_t row_gain(const struct pairs *ps, const int8_t *a)
{
  size_t gain = 0;
  for (int d = 0; d < D_COUNT; d++)
    for (int e = d + 1; e < D_COUNT; e++) {
      size_t k = pair_index(ps, d, ps->p->pos[d][a[d]], e, ps->p->pos[e][a[e]]);
      gain += ps->valid[k] && !ps->covered[k];
    }
  return gain;
}

static void cover_row(struct pairs *ps, const int8_t *a)
{
  for (int d = 0; d < D_COUNT; d++)
    for (int e = d + 1; e < D_COUNT; e++) {
      size_t k = pair_index(ps, d, ps->p->pos[d][a[d]], e, ps->p->pos[e][a[e]]);
      if (ps->valid[k] && !ps->covered[k]) {
        ps->covered[k] = 1;
        ps->n_uncovered--;
      }
    }
}

/* One AETG candidate: start from a random uncovered pair, then give each other
 * dimension (in random order) the value that covers the most new pairs with
 * those already set, among values that keep the row completable. */
static void candidate_row(const struct pairs *ps, struct nsc_prng *rng, int8_t *a)
{
  const struct gen_profile *p = ps->p;
  size_t pick = nsc_prng_below(rng, ps->n_uncovered), k = 0;
  for (;; k++)
    if (ps->valid[k] && !ps->covered[k] && pick-- == 0)
      break;
  memset(a, -1, sizeof(row_t));
  for (int d1 = 0; d1 < D_COUNT; d1++)
    for (int d2 = d1 + 1; d2 < D_COUNT; d2++)
      if (k >= ps->base[d1][d2] && k < ps->base[d1][d2] + (size_t)p->nv[d1] * (size_t)p->nv[d2]) {
        size_t off = k - ps->base[d1][d2];
        a[d1] = p->val[d1][off / (size_t)p->nv[d2]];
        a[d2] = p->val[d2][off % (size_t)p->nv[d2]];
      }
  int order[D_COUNT], n = 0;
  for (int d = 0; d < D_COUNT; d++)
    if (a[d] < 0)
      order[n++] = d;
  nsc_prng_shuffle(rng, order, (size_t)n);
  for (int j = 0; j < n; j++) {
    int d = order[j], ties = 0;
    int8_t best = -1;
    size_t best_gain = 0;
    for (int i = 0; i < p->nv[d]; i++) {
      a[d] = p->val[d][i];
      if (!extendable(p, a))
        continue;
      size_t gain = new_pairs(ps, a, d, a[d]);
      if (best < 0 || gain > best_gain) {
        best = a[d];
        best_gain = gain;
        ties = 1;
      } else if (gain == best_gain && nsc_prng_below(rng, (size_t)++ties) == 0) {
        best = a[d]; /* reservoir choice among equals */
      }
    }
    a[d] = best; /* the seed pair is valid, so some value always fits */
  }
}

#define CANDIDATES 16
enum { STREAM_ROWS = 1, STREAM_RANDOM, STREAM_LAYOUT };

/* Rows until every valid pair is covered; *rows is malloc'd. */
static int covering_array(struct pairs *ps, uint64_t seed, int8_t (**rows)[D_COUNT], size_t *n_rows,
                          struct nsrt_err *err)
{
  struct nsc_prng rng = nsc_prng_stream(seed, STREAM_ROWS, 0);
  size_t cap = 0;
  *rows = NULL;
  *n_rows = 0;
  while (ps->n_uncovered > 0) {
    row_t best, cand;
    size_t best_gain = 0;
    for (int c = 0; c < CANDIDATES; c++) {
      candidate_row(ps, &rng, cand);
      size_t gain = row_gain(ps, cand);
      if (c == 0 || gain > best_gain) {
        best_gain = gain;
        memcpy(best, cand, sizeof(best));
      }
    }
    if (*n_rows == cap) {
      cap = cap ? cap * 2 : 64;
      void *grown = realloc(*rows, cap * sizeof(row_t));
      if (!grown)
        return GEN_FAIL(err, ENOMEM, "pairs", "out of memory for %zu rows", cap);
      *rows = grown;
    }
    memcpy((*rows)[(*n_rows)++], best, sizeof(best));
    cover_row(ps, best);
  }
  return 0;
}

/* ---- negative cases -------------------------------------------------------
 * Each starts from the valid base config and breaks one thing. */

static const row_t negative_base_row = {
    [D_NS_USER] = NSV_NEW,      [D_NS_PID] = NSV_NEW,        [D_NS_MOUNT] = NSV_NEW,
    [D_NS_UTS] = NSV_NEW,       [D_NS_IPC] = NSV_NEW,        [D_NS_NET] = NSV_NEW,
    [D_NS_CGROUP] = NSV_NEW,    [D_NS_TIME] = NSV_ABSENT,    [D_IDMAP] = MAP_SINGLE,
    [D_USER] = USER_ROOT,       [D_UMASK] = UMASK_ABSENT,    [D_RLIMITS] = RL_NOFILE_SOFT,
    [D_CAPS] = CAPS_DEFAULT,    [D_NNP] = FLAG_TRUE,         [D_HOSTNAME] = HOST_HOSTNAME,
    [D_OOM] = OOM_ABSENT,       [D_SECCOMP] = SC_ABSENT,     [D_READONLY] = FLAG_FALSE,
    [D_MASKED] = PATHS_DEFAULT, [D_ROPATHS] = PATHS_DEFAULT, [D_ENV] = ENV_DEFAULT,
    [D_CWD] = CWD_ROOT,
};

enum neg {
  NEG_NS_WRONG_TYPE,
  NEG_NS_DUPLICATE,
  NEG_NS_UNKNOWN,
  NEG_NS_RELATIVE,
  NEG_RLIMIT_DUPLICATE,
  NEG_RLIMIT_UNKNOWN,
  NEG_RLIMIT_SOFT_ABOVE_HARD,
  NEG_UIDMAP_OVERLAP,
  NEG_UIDMAP_EMPTY,
  NEG_USER_UNMAPPED,
  NEG_VERSION_BANANA,
  NEG_VERSION_SHORT,
  NEG_HOSTNAME_NO_UTS,
  NEG_CWD_RELATIVE,
  NEG_ARGS_EMPTY,
  NEG_ROOT_PATH_MISSING,
  NEG_ROOT_PATH_NONEXISTENT,
  NEG_COUNT
};

static const struct {
  const char *slug, *title;
} negatives[NEG_COUNT] = {
    [NEG_NS_WRONG_TYPE] = {"ns-path-wrong-type",
                           "an ipc namespace entry whose path is a network namespace"},
    [NEG_NS_DUPLICATE] = {"ns-duplicate", "the pid namespace type listed twice"},
    [NEG_NS_UNKNOWN] = {"ns-unknown-type", "a namespace entry of unknown type \"banana\""},
    [NEG_NS_RELATIVE] = {"ns-path-relative", "a uts namespace path that is not absolute"},
    [NEG_RLIMIT_DUPLICATE] = {"rlimit-duplicate", "RLIMIT_NOFILE given twice in process.rlimits"},
    [NEG_RLIMIT_UNKNOWN] = {"rlimit-unknown", "an rlimit of unknown type RLIMIT_BANANA"},
    [NEG_RLIMIT_SOFT_ABOVE_HARD] = {"rlimit-soft-above-hard",
                                    "an RLIMIT_NOFILE soft limit above its hard limit"},
    [NEG_UIDMAP_OVERLAP] = {"uidmap-overlap", "a new user namespace with overlapping uid ranges"},
    [NEG_UIDMAP_EMPTY] = {"uidmap-empty", "a new user namespace with empty uidMappings"},
    [NEG_USER_UNMAPPED] = {"user-unmapped",
                           "process.user.uid not mapped in the new user namespace"},
    [NEG_VERSION_BANANA] = {"oci-version-banana", "ociVersion \"banana\" is not SemVer"},
    [NEG_VERSION_SHORT] = {"oci-version-short", "ociVersion \"1.0\" is not SemVer (no patch)"},
    [NEG_HOSTNAME_NO_UTS] = {"hostname-without-uts", "a hostname with no uts namespace"},
    [NEG_CWD_RELATIVE] = {"cwd-relative", "a relative process.cwd"},
    [NEG_ARGS_EMPTY] = {"args-empty", "an empty process.args"},
    [NEG_ROOT_PATH_MISSING] = {"root-path-missing", "root without a path"},
    [NEG_ROOT_PATH_NONEXISTENT] = {"root-path-nonexistent", "a root.path with no directory"},
};

/* The namespace entry of this type, and its index in the list. */
static json_t *ns_entry(json_t *list, const char *type, size_t *index)
{
  for (*index = 0; *index < json_array_size(list); (*index)++) {
    json_t *e = json_array_get(list, *index);
    if (strcmp(json_string_value(json_object_get(e, "type")), type) == 0)
      return e;
  }
  return NULL;
}

/* Break cfg the way negative `which` says; returns the requirement under test,
 * or NULL when out of memory. */
static const char *break_config(enum neg which, json_t *cfg)
{
  json_t *proc = json_object_get(cfg, "process"), *lnx = json_object_get(cfg, "linux");
  json_t *ns = json_object_get(lnx, "namespaces"), *rl = json_object_get(proc, "rlimits");
  size_t i;
  int ret = -1;
  switch (which) {
  case NEG_NS_WRONG_TYPE: /* resolved by the runtime: its own network ns, as ipc */
    ret = json_object_set_new(ns_entry(ns, "ipc", &i), "path", json_string("/proc/self/ns/net"));
    return ret ? NULL : REQ("config-linux.namespaces.path-type-mismatch");
  case NEG_NS_DUPLICATE:
    ret = json_array_append_new(ns, json_pack("{s:s}", "type", "pid"));
    return ret ? NULL : REQ("config-linux.namespaces.duplicate");
  case NEG_NS_UNKNOWN:
    ret = json_array_append_new(ns, json_pack("{s:s}", "type", "banana"));
    return ret ? NULL : REQ("config-linux.namespaces.unknown-type");
  case NEG_NS_RELATIVE:
    ret = json_object_set_new(ns_entry(ns, "uts", &i), "path", json_string("proc/self/ns/uts"));
    return ret ? NULL : REQ("config-linux.namespaces.path-absolute");
  case NEG_RLIMIT_DUPLICATE:
    ret = json_array_append_new(rl, rlimit("RLIMIT_NOFILE", 256, 512));
    return ret ? NULL : REQ("config.rlimits.duplicate");
  case NEG_RLIMIT_UNKNOWN:
    ret = json_array_append_new(rl, rlimit("RLIMIT_BANANA", 1, 1));
    return ret ? NULL : REQ("config.rlimits.unknown-type");
  case NEG_RLIMIT_SOFT_ABOVE_HARD:
    ret =
        json_object_set_new(proc, "rlimits", json_pack("[o]", rlimit("RLIMIT_NOFILE", 1024, 512)));
    return ret ? NULL : REQ("runtime.create.cannot-apply");
  case NEG_UIDMAP_OVERLAP:
    ret = json_object_set_new(lnx, "uidMappings",
                              json_pack("[{s:i, s:i, s:i}, {s:i, s:i, s:i}]", "containerID", 0,
                                        "hostID", 100000, "size", 1000, "containerID", 500,
                                        "hostID", 200000, "size", 1000));
    return ret ? NULL : REQ("config-linux.user-namespace-mappings.kernel-refused");
  case NEG_UIDMAP_EMPTY: /* leaves the root process unmapped */
    ret = json_object_set_new(lnx, "uidMappings", json_array());
    return ret ? NULL : REQ("config.user.unmapped");
  case NEG_USER_UNMAPPED: /* the base maps container ids 0-65535 */
    ret = json_object_set_new(json_object_get(proc, "user"), "uid", json_integer(70000));
    return ret ? NULL : REQ("config.user.unmapped");
  case NEG_VERSION_BANANA:
    ret = json_object_set_new(cfg, "ociVersion", json_string("banana"));
    return ret ? NULL : REQ("config.oci-version.semver");
  case NEG_VERSION_SHORT:
    ret = json_object_set_new(cfg, "ociVersion", json_string("1.0"));
    return ret ? NULL : REQ("config.oci-version.semver");
  case NEG_HOSTNAME_NO_UTS:
    ret = ns_entry(ns, "uts", &i) ? json_array_remove(ns, i) : -1;
    return ret ? NULL : REQ("config.hostname.runtime-uts");
  case NEG_CWD_RELATIVE:
    ret = json_object_set_new(proc, "cwd", json_string("tmp"));
    return ret ? NULL : REQ("config.process.cwd-absolute");
  case NEG_ARGS_EMPTY:
    ret = json_object_set_new(proc, "args", json_array());
    return ret ? NULL : REQ("config.process.args-required");
  case NEG_ROOT_PATH_MISSING:
    ret = json_object_del(json_object_get(cfg, "root"), "path");
    return ret ? NULL : REQ("config.root.path-exists");
  case NEG_ROOT_PATH_NONEXISTENT:
    ret = json_object_set_new(json_object_get(cfg, "root"), "path",
                              json_string("nsconform-no-such-rootfs"));
    return ret ? NULL : REQ("config.root.path-exists");
  case NEG_COUNT:
    break;
  }
  return NULL;
}

int gen_negative_base(json_t **out, struct nsrt_err *err)
{
  const char *probe;
  *out = build_config(negative_base_row, "n000-base", 0, NULL, &probe);
  return *out ? 0 : GEN_FAIL(err, ENOMEM, "negative", "out of memory");
}

/* ---- the suite ------------------------------------------------------------ */

static int fill_case(struct nsc_case *c, const char *id, uint64_t seed, enum nsc_case_kind kind,
                     json_t *config, const char *requirement, const char *title, const char *probe,
                     struct nsrt_err *err)
{
  snprintf(c->id, sizeof(c->id), "%s", id);
  c->seed = seed;
  c->kind = kind;
  c->config = config;
  c->requirement = requirement ? strdup(requirement) : NULL;
  c->title = strdup(title);
  c->probe_syscall = probe ? strdup(probe) : NULL;
  if (!config || !c->title || (requirement && !c->requirement) || (probe && !c->probe_syscall))
    return GEN_FAIL(err, ENOMEM, id, "out of memory");
  return 0;
}

static int generated_case(struct nsc_case *c, const int8_t *a, size_t index, uint64_t seed,
                          const char *title, struct nsrt_err *err)
{
  char id[16];
  const char *probe = NULL;
  snprintf(id, sizeof(id), "g%04zu", index + 1);
  struct nsc_prng layout = nsc_prng_stream(seed, STREAM_LAYOUT, index);
  json_t *cfg = build_config(a, id, seed, &layout, &probe);
  return fill_case(c, id, seed, NSC_CASE_GENERATED, cfg, NULL, title, probe, err);
}

static int negative_case(struct nsc_case *c, size_t index, uint64_t seed, struct nsrt_err *err)
{
  char id[64];
  const char *probe, *req = NULL;
  snprintf(id, sizeof(id), "n%03zu-%s", index + 1, negatives[index].slug);
  json_t *cfg = build_config(negative_base_row, id, seed, NULL, &probe);
  json_t *notes = json_object_get(cfg, "annotations");
  if (cfg && (json_object_del(notes, "io.nsconform.values") < 0 ||
              !(req = break_config((enum neg)index, cfg)))) {
    json_decref(cfg);
    cfg = NULL;
  }
  return fill_case(c, id, seed, NSC_CASE_NEGATIVE, cfg, req, negatives[index].title, NULL, err);
}

static bool same_row(const int8_t *a, const int8_t *b)
{
  return memcmp(a, b, sizeof(row_t)) == 0;
}

/* A random valid row, different from the earlier ones when a few tries allow. */
static void random_row(const struct gen_profile *p, uint64_t seed, size_t index,
                       int8_t (*earlier)[D_COUNT], size_t n_earlier, int8_t *a)
{
  struct nsc_prng rng = nsc_prng_stream(seed, STREAM_RANDOM, index);
  for (int attempt = 0; attempt < 32; attempt++) {
    memset(a, -1, sizeof(row_t));
    complete_row(p, a, 0, &rng); /* the profile loader made sure a valid row exists */
    bool seen = false;
    for (size_t i = 0; i < n_earlier && !seen; i++)
      seen = same_row(a, earlier[i]);
    if (!seen)
      return;
  }
}

int gen_suite(const struct gen_profile *p, uint64_t seed, size_t count, struct nsc_case **cases,
              size_t *n, struct gen_stats *st, struct nsrt_err *err)
{
  struct pairs ps;
  int8_t(*rows)[D_COUNT] = NULL;
  size_t n_rows = 0;
  *cases = NULL;
  *n = 0;
  memset(st, 0, sizeof(*st));
  if (seed > INT64_MAX)
    return GEN_FAIL(err, 0, "seed", "%" PRIu64 " is above %" PRId64 " (seeds are JSON integers)",
                    seed, INT64_MAX);
  if (pairs_init(&ps, p, err) < 0 || covering_array(&ps, seed, &rows, &n_rows, err) < 0) {
    pairs_free(&ps);
    free(rows);
    return -1;
  }
  st->pairs_total = ps.n_valid;
  st->pairs_covered = ps.n_valid - ps.n_uncovered;
  st->pairs_excluded = ps.n - ps.n_valid;
  st->count_requested = count;
  st->cases_pairwise = n_rows;
  st->cases_random = count > n_rows ? count - n_rows : 0;
  st->cases_negative = NEG_COUNT;
  pairs_free(&ps);

  size_t total = n_rows + st->cases_random + st->cases_negative;
  int8_t(*all)[D_COUNT] = realloc(rows, (n_rows + st->cases_random + 1) * sizeof(row_t));
  struct nsc_case *cs = calloc(total, sizeof(*cs));
  if (!all || !cs) {
    free(all ? all : rows);
    free(cs);
    return GEN_FAIL(err, ENOMEM, "suite", "out of memory for %zu cases", total);
  }
  int ret = 0;
  for (size_t i = 0; i < total && ret == 0; i++) {
    char title[96];
    if (i < n_rows) {
      snprintf(title, sizeof(title), "pairwise row %zu of %zu", i + 1, n_rows);
      ret = generated_case(&cs[i], all[i], i, seed, title, err);
    } else if (i < n_rows + st->cases_random) {
      random_row(p, seed, i - n_rows, all, i, all[i]);
      snprintf(title, sizeof(title), "seeded random case %zu", i - n_rows + 1);
      ret = generated_case(&cs[i], all[i], i, seed, title, err);
    } else {
      ret = negative_case(&cs[i], i - n_rows - st->cases_random, seed, err);
    }
  }
  free(all);
  if (ret < 0) {
    gen_cases_free(cs, total);
    return -1;
  }
  *cases = cs;
  *n = total;
  return 0;
}

void gen_cases_free(struct nsc_case *cases, size_t n)
{
  for (size_t i = 0; cases && i < n; i++)
    nsc_case_free(&cases[i]);
  free(cases);
}

void gen_stats_format(const struct gen_stats *st, char *buf, size_t len)
{
  double pct = st->pairs_total ? 100.0 * (double)st->pairs_covered / (double)st->pairs_total : 100;
  int used = snprintf(buf, len,
                      "pairs %zu/%zu (%.1f%%), %zu excluded by constraints; %zu pairwise + %zu "
                      "random + %zu negative cases",
                      st->pairs_covered, st->pairs_total, pct, st->pairs_excluded,
                      st->cases_pairwise, st->cases_random, st->cases_negative);
  if (used >= 0 && (size_t)used < len && st->cases_pairwise > st->count_requested)
    snprintf(buf + used, len - (size_t)used, " (the covering array needs %zu rows, count was %zu)",
             st->cases_pairwise, st->count_requested);
}

int gen_excluded_pairs(const struct gen_profile *p, char ***out, size_t *n, struct nsrt_err *err)
{
  struct pairs ps;
  *out = NULL;
  *n = 0;
  if (pairs_init(&ps, p, err) < 0) {
    pairs_free(&ps);
    return -1;
  }
  char **v = calloc(ps.n - ps.n_valid + 1, sizeof(char *));
  for (int d1 = 0; v && d1 < D_COUNT; d1++)
    for (int d2 = d1 + 1; d2 < D_COUNT; d2++)
      for (int i1 = 0; i1 < p->nv[d1]; i1++)
        for (int i2 = 0; i2 < p->nv[d2]; i2++) {
          if (ps.valid[pair_index(&ps, d1, i1, d2, i2)])
            continue;
          if (asprintf(&v[*n], "%s=%s & %s=%s", dims[d1].name, dims[d1].values[p->val[d1][i1]],
                       dims[d2].name, dims[d2].values[p->val[d2][i2]]) < 0) {
            v[*n] = NULL;
            gen_strv_free(v);
            v = NULL;
            break;
          }
          (*n)++;
        }
  pairs_free(&ps);
  if (!v) {
    *n = 0;
    return GEN_FAIL(err, ENOMEM, "pairs", "out of memory");
  }
  *out = v;
  return 0;
}

void gen_strv_free(char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}

/* ---- bundles -------------------------------------------------------------- */

static int mkdir_exist_ok(int dirfd, const char *path, struct nsrt_err *err)
{
  struct stat st;
  if (mkdirat(dirfd, path, 0755) == 0 ||
      (errno == EEXIST && fstatat(dirfd, path, &st, 0) == 0 && S_ISDIR(st.st_mode)))
    return 0;
  return GEN_FAIL(err, errno == EEXIST ? ENOTDIR : errno, "bundles", "mkdir %s", path);
}

static int write_all(int fd, const char *buf, size_t len)
{
  for (size_t done = 0; done < len;) {
    ssize_t w = write(fd, buf + done, len - done);
    if (w < 0 && errno != EINTR)
      return -1;
    done += w > 0 ? (size_t)w : 0;
  }
  return 0;
}

/* name in dirfd, via a temporary file and rename so no reader sees half a file. */
static int write_json(int dirfd, const char *shown, const char *name, const json_t *doc,
                      struct nsrt_err *err)
{
  cleanup_free char *text = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(2));
  char tmp[64];
  snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
  if (!text)
    return GEN_FAIL(err, ENOMEM, "bundles", "encode %s/%s", shown, name);
  cleanup_close int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return GEN_FAIL(err, errno, "bundles", "create %s/%s", shown, tmp);
  if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0)
    return GEN_FAIL(err, errno, "bundles", "write %s/%s", shown, tmp);
  if (renameat(dirfd, tmp, dirfd, name) < 0)
    return GEN_FAIL(err, errno, "bundles", "rename %s/%s", shown, name);
  return 0;
}

static const char *kind_name(enum nsc_case_kind k)
{
  return k == NSC_CASE_GENERATED ? "generated" : k == NSC_CASE_NEGATIVE ? "negative" : "lifecycle";
}

int gen_write_bundles(const struct nsc_case *cases, size_t n, const char *dir, struct nsrt_err *err)
{
  if (mkdir_exist_ok(AT_FDCWD, dir, err) < 0)
    return -1;
  cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return GEN_FAIL(err, errno, "bundles", "open %s", dir);
  json_t *manifest = json_pack("{s:s, s:[]}", "schema", "nsconform-manifest/1", "cases");
  json_t *list = json_object_get(manifest, "cases");
  int ret = manifest ? 0 : GEN_FAIL(err, ENOMEM, "bundles", "out of memory");
  for (size_t i = 0; i < n && ret == 0; i++) {
    const struct nsc_case *c = &cases[i];
    char shown[4096];
    snprintf(shown, sizeof(shown), "%s/%s", dir, c->id);
    if (!c->id[0] || strchr(c->id, '/') || c->id[0] == '.') {
      ret = GEN_FAIL(err, EINVAL, "bundles", "case id \"%s\" is not a directory name", c->id);
      break;
    }
    ret = mkdir_exist_ok(dfd, c->id, err);
    cleanup_close int cfd = ret < 0 ? -1 : openat(dfd, c->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ret == 0 && cfd < 0)
      ret = GEN_FAIL(err, errno, "bundles", "open %s", shown);
    if (ret == 0)
      ret = write_json(cfd, shown, "config.json", c->config, err);
    json_t *entry = json_pack("{s:s, s:s, s:I, s:s}", "id", c->id, "kind", kind_name(c->kind),
                              "seed", (json_int_t)c->seed, "title", c->title ? c->title : "");
    if (entry && c->requirement &&
        json_object_set_new(entry, "requirement", json_string(c->requirement)) < 0) {
      json_decref(entry);
      entry = NULL;
    }
    if (entry && c->probe_syscall &&
        json_object_set_new(entry, "probe_syscall", json_string(c->probe_syscall)) < 0) {
      json_decref(entry);
      entry = NULL;
    }
    if (ret == 0 && json_array_append_new(list, entry) < 0)
      ret = GEN_FAIL(err, ENOMEM, "bundles", "out of memory");
    else if (ret < 0)
      json_decref(entry);
  }
  if (ret == 0)
    ret = write_json(dfd, dir, "manifest.json", manifest, err);
  json_decref(manifest);
  return ret;
}
