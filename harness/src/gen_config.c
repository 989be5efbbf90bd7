/* A row of dimension values -> config.json.  Reads top to bottom: id maps,
 * mounts, the process (capabilities, rlimits, seccomp, args), the linux
 * object, and the whole config. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "gen_int.h"

json_t *gen_strings(bool *ok, const char *const *v, size_t n)
{
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    gen_push(ok, a, json_string(v[i]));
  if (!a)
    *ok = false;
  return a;
}

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
    gen_push(ok, a,
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

static json_t *mount_entry(bool *ok, const char *dest, const char *type, const char *source,
                           json_t *options)
{
  json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", source);
  if (options)
    gen_put(ok, m, "options", options);
  if (!m)
    *ok = false;
  return m;
}

/* The mounts of the mounts.* dimensions, each on a directory the fixture
 * rootfs has (so no runtime needs to create one in the shared rootfs):
 *   mounts.bind         the host's /sys at /var, whose submounts (the cgroup
 *                       tmpfs and hierarchies) tell bind from rbind; rbind is
 *                       written with type "none" so the option alone makes it
 *                       a bind mount
 *   mounts.propagation  a tmpfs at /root with one propagation option
 *   mounts.flags        a tmpfs at /run with access-time or write options, or
 *                       flags that are neither (other) */
static void extra_mounts(bool *ok, json_t *ms, const int8_t *a)
{
  static const char *const prop[] = {
      [MPROP_PRIVATE] = "private",       [MPROP_SHARED] = "shared",   [MPROP_SLAVE] = "slave",
      [MPROP_UNBINDABLE] = "unbindable", [MPROP_RSHARED] = "rshared",
  };
  static const char *const flags[] = {
      [MFLAGS_NOATIME] = "noatime",   [MFLAGS_STRICTATIME] = "strictatime",
      [MFLAGS_RELATIME] = "relatime", [MFLAGS_NODIRATIME] = "nodiratime",
      [MFLAGS_SYNC] = "sync",         [MFLAGS_DIRSYNC] = "dirsync",
  };
  if (a[D_MNT_BIND] == MBIND_BIND)
    gen_push(ok, ms,
             mount_entry(ok, "/var", "bind", "/sys",
                         STRINGS(ok, "bind", "nosuid", "noexec", "nodev", "ro")));
  else if (a[D_MNT_BIND] == MBIND_RBIND)
    gen_push(ok, ms,
             mount_entry(ok, "/var", "none", "/sys",
                         STRINGS(ok, "rbind", "nosuid", "noexec", "nodev", "ro")));
  if (a[D_MNT_PROP] != MPROP_NONE)
    gen_push(
        ok, ms,
        mount_entry(ok, "/root", "tmpfs", "tmpfs",
                    STRINGS(ok, "nosuid", "nodev", "mode=700", "size=1024k", prop[a[D_MNT_PROP]])));
  if (a[D_MNT_FLAGS] != MFLAGS_NONE) {
    json_t *opts = STRINGS(ok, "nosuid", "nodev", "mode=755", "size=1024k");
    if (a[D_MNT_FLAGS] == MFLAGS_OTHER) {
      static const char *const other[] = {"defaults", "iversion", "lazytime", "silent", "loud"};
      for (size_t i = 0; i < ARRAY_SIZE(other); i++)
        gen_push(ok, opts, json_string(other[i]));
    } else {
      gen_push(ok, opts, json_string(flags[a[D_MNT_FLAGS]]));
    }
    gen_push(ok, ms, mount_entry(ok, "/run", "tmpfs", "tmpfs", opts));
  }
}

/* linux.devices (gen_dims[D_DEVICES]).  char and block name nodes this host
 * has at the same path (a runtime in a user namespace binds the host's node),
 * fifo one in a directory to create, attrs a /dev/full under another name
 * with fileMode 0660 (432) and owner 1000:1001 (made with mknod, so only
 * without a user namespace). */
static const struct {
  const char *path, *type;
  int major, minor;
  bool attrs;
} devices[] = {
    [DEV_CHAR] = {"/dev/loop-control", "c", 10, 237, false},
    [DEV_BLOCK] = {"/dev/loop0", "b", 7, 0, false},
    [DEV_FIFO] = {"/dev/nsc/fifo", "p", 0, 0, false},
    [DEV_ATTRS] = {"/dev/nsc-full", "c", 1, 7, true},
};

static json_t *device_list(bool *ok, int value)
{
  json_t *d = json_pack("{s:s, s:s}", "path", devices[value].path, "type", devices[value].type);
  if (devices[value].type[0] != 'p') {
    gen_put(ok, d, "major", json_integer(devices[value].major));
    gen_put(ok, d, "minor", json_integer(devices[value].minor));
  }
  if (devices[value].attrs) {
    gen_put(ok, d, "fileMode", json_integer(0660));
    gen_put(ok, d, "uid", json_integer(1000));
    gen_put(ok, d, "gid", json_integer(1001));
  }
  json_t *list = json_array();
  gen_push(ok, list, d);
  if (!list)
    *ok = false;
  return list;
}

/* mounts.idmap: the bundle directory (source ".") bound at GEN_IDMAP_DEST
 * with a mapping of its own: on-disk id 0 is host uid 101000 and gid
 * 102000, which the container's user namespace (if any) maps on. */
#define GEN_IDMAP_DEST   "/dev/nsc-idmap"
#define GEN_REMOUNT_DEST "/dev/nsc-remount"

static json_t *idmap_mount(bool *ok, int value)
{
  json_t *m = mount_entry(ok, GEN_IDMAP_DEST, "bind", ".",
                          value == MIDMAP_RIDMAP ? STRINGS(ok, "rbind", "ridmap")
                                                 : STRINGS(ok, "bind", "idmap"));
  gen_put(ok, m, "uidMappings",
          json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 101000, "size", 1));
  gen_put(ok, m, "gidMappings",
          json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 102000, "size", 1));
  return m;
}

/* mounts.remount: bind-ro binds the bundle directory at GEN_REMOUNT_DEST and
 * a second entry remounts that bind read-only; tmpfs-ro remounts the
 * /dev/shm tmpfs read-only.  Both mount points are in the /dev tmpfs, so
 * nothing is created in the shared rootfs. */
static void remount_mounts(bool *ok, json_t *ms, int value)
{
  if (value == MREMOUNT_BIND_RO) {
    gen_push(ok, ms, mount_entry(ok, GEN_REMOUNT_DEST, "bind", ".", STRINGS(ok, "rbind")));
    gen_push(ok, ms,
             mount_entry(ok, GEN_REMOUNT_DEST, "bind", ".", STRINGS(ok, "remount", "bind", "ro")));
  } else if (value == MREMOUNT_TMPFS_RO) {
    gen_push(ok, ms,
             mount_entry(ok, "/dev/shm", "tmpfs", "shm",
                         STRINGS(ok, "remount", "ro", "nosuid", "noexec", "nodev")));
  }
}

/* The fixture's mounts, as runc's default spec has them, adjusted to what the
 * user namespace allows. */
static json_t *mounts(bool *ok, const int8_t *a)
{
  json_t *ms = json_array();
  gen_push(ok, ms, mount_entry(ok, "/proc", "proc", "proc", NULL));
  gen_push(ok, ms,
           mount_entry(ok, "/dev", "tmpfs", "tmpfs",
                       STRINGS(ok, "nosuid", "strictatime", "mode=755", "size=65536k")));
  json_t *pts = STRINGS(ok, "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620");
  if (gid5_mapped(a))
    gen_push(ok, pts, json_string("gid=5"));
  gen_push(ok, ms, mount_entry(ok, "/dev/pts", "devpts", "devpts", pts));
  gen_push(ok, ms,
           mount_entry(ok, "/dev/shm", "tmpfs", "shm",
                       STRINGS(ok, "nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
  /* mqueue can only be mounted for an ipc namespace the user ns owns; the
   * host has no /dev/mqueue to bind instead, so the mount is left out. */
  if (gen_userns_owns(a, D_NS_IPC))
    gen_push(ok, ms,
             mount_entry(ok, "/dev/mqueue", "mqueue", "mqueue",
                         STRINGS(ok, "nosuid", "noexec", "nodev")));
  /* Likewise sysfs and the network namespace: bind the host's /sys instead. */
  if (gen_userns_owns(a, D_NS_NET))
    gen_push(
        ok, ms,
        mount_entry(ok, "/sys", "sysfs", "sysfs", STRINGS(ok, "nosuid", "noexec", "nodev", "ro")));
  else
    gen_push(ok, ms,
             mount_entry(ok, "/sys", "bind", "/sys",
                         STRINGS(ok, "rbind", "nosuid", "noexec", "nodev", "ro")));
  if (a[D_CWD] == CWD_TMP)
    gen_push(ok, ms,
             mount_entry(ok, "/tmp", "tmpfs", "tmpfs",
                         STRINGS(ok, "nosuid", "nodev", "mode=1777", "size=65536k")));
  extra_mounts(ok, ms, a);
  if (a[D_MNT_IDMAP] != MIDMAP_NONE)
    gen_push(ok, ms, idmap_mount(ok, a[D_MNT_IDMAP]));
  remount_mounts(ok, ms, a[D_MNT_REMOUNT]);
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

json_t *gen_rlimit(const char *type, json_int_t soft, json_int_t hard)
{
  return json_pack("{s:s, s:I, s:I}", "type", type, "soft", soft, "hard", hard);
}

static json_t *rlimits(bool *ok, int value)
{
  json_t *rl = json_array();
  switch (value) {
  case RL_NOFILE_SOFT:
    gen_push(ok, rl, gen_rlimit("RLIMIT_NOFILE", 512, 1024));
    break;
  case RL_SUBSET:
    gen_push(ok, rl, gen_rlimit("RLIMIT_NOFILE", 1024, 1024));
    gen_push(ok, rl, gen_rlimit("RLIMIT_NPROC", 1024, 2048));
    gen_push(ok, rl, gen_rlimit("RLIMIT_CORE", 0, 0));
    break;
  default: /* above any usual hard limit, at the kernel's default nr_open: the
            * runtime needs CAP_SYS_RESOURCE for it */
    gen_push(ok, rl, gen_rlimit("RLIMIT_NOFILE", 65536, 1048576));
    break;
  }
  return rl;
}

/* What a static nsprobe and the runtimes' last steps before exec call (with
 * noNewPrivileges false the filter goes in before the ids and capabilities
 * are set and before waiting for start: runc opens its exec fifo, nsrt
 * accepts on its socket); everything else fails with EPERM. */
// clang-format off
const char *const gen_seccomp_allowed[] = {
    "accept", "accept4", "access", "arch_prctl", "brk", "capget", "capset", "chdir",
    "clock_gettime", "clock_nanosleep", "clone", "clone3", "close", "close_range", "dup", "dup2",
    "dup3", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_wait", "execve", "execveat",
    "exit", "exit_group", "faccessat", "faccessat2", "fchdir", "fcntl", "fstat", "fstatfs",
    "futex", "get_mempolicy", "getcwd", "getdents64", "getegid", "geteuid", "getgid", "getgroups", "getpid",
    "getppid", "getrandom", "getresgid", "getresuid", "getrlimit", "gettid", "gettimeofday",
    "getuid", "ioctl", "ioprio_get", "kill", "lseek", "lstat", "madvise", "mmap", "mprotect", "munmap",
    "nanosleep", "newfstatat", "open", "openat", "personality", "pipe2", "poll", "ppoll", "prctl",
    "pread64",
    "prlimit64", "pselect6", "read", "readlink", "readlinkat", "recvfrom", "recvmsg",
    "restart_syscall", "rseq", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend",
    "sched_getaffinity", "sched_getattr", "sched_yield", "select", "sendmsg", "sendto", "set_robust_list",
    "set_tid_address", "setgid", "setgroups", "setresgid", "setresuid", "setrlimit", "setsid",
    "setuid", "sigaltstack", "stat", "statfs", "statx", "tgkill", "tkill", "umask", "uname",
    "wait4", "waitid", "write", "writev",
};
// clang-format on
const size_t gen_seccomp_allowed_count = ARRAY_SIZE(gen_seccomp_allowed);

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
                   gen_strings(ok, gen_seccomp_allowed, gen_seccomp_allowed_count), "action",
                   "SCMP_ACT_ALLOW");
}

static json_t *masked_paths(bool *ok, int value)
{
  json_t *l = STRINGS(ok, "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                      "/proc/sched_debug", "/sys/firmware", "/proc/scsi");
  if (value == PATHS_EXTRA) {
    gen_push(ok, l, json_string("/proc/version"));
    gen_push(ok, l, json_string("/proc/cmdline"));
  }
  return l;
}

static json_t *readonly_paths(bool *ok, int value)
{
  json_t *l = STRINGS(ok, "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
  if (value == PATHS_EXTRA) {
    gen_push(ok, l, json_string("/etc"));
    gen_push(ok, l, json_string("/proc/sysvipc"));
  }
  return l;
}

/* linux.sysctl: one key of the ipc namespace and one of the network
 * namespace, each set to a value other than its default. */
static const struct {
  const char *key, *value;
  int dim_value; /* SYSCTL_IPC or SYSCTL_NET; SYSCTL_BOTH has both */
} sysctls[] = {
    {"kernel.msgmax", "12345", SYSCTL_IPC},
    {"net.ipv4.ip_forward", "1", SYSCTL_NET},
};

static bool sysctl_wanted(const int8_t *a, const __typeof__(sysctls[0]) *s)
{
  return a[D_SYSCTL] == SYSCTL_BOTH || a[D_SYSCTL] == s->dim_value;
}

static json_t *sysctl(bool *ok, const int8_t *a)
{
  json_t *o = json_object();
  for (size_t i = 0; i < ARRAY_SIZE(sysctls); i++)
    if (sysctl_wanted(a, &sysctls[i]))
      gen_put(ok, o, sysctls[i].key, json_string(sysctls[i].value));
  if (!o)
    *ok = false;
  return o;
}

/* linux.timeOffsets: a year ahead on the monotonic clock; with both, also two
 * and a half hours on the boot clock. */
static json_t *time_offsets(int value)
{
  if (value == TOFF_MONOTONIC)
    return json_pack("{s:{s:I}}", "monotonic", "secs", (json_int_t)31536000);
  return json_pack("{s:{s:I, s:i}, s:{s:I, s:i}}", "monotonic", "secs", (json_int_t)31536000,
                   "nanosecs", 0, "boottime", "secs", (json_int_t)9000, "nanosecs", 500000000);
}

/* process.scheduler: one object per value (gen_dims[D_SCHED]). */
static json_t *scheduler(int value)
{
  switch (value) {
  case SCHED_OTHER_NICE:
    return json_pack("{s:s, s:i}", "policy", "SCHED_OTHER", "nice", 5);
  case SCHED_BATCH_NEG:
    /* A negative nice needs CAP_SYS_NICE in the initial user namespace. */
    return json_pack("{s:s, s:i}", "policy", "SCHED_BATCH", "nice", -3);
  case SCHED_IDLE_:
    return json_pack("{s:s}", "policy", "SCHED_IDLE");
  case SCHED_FIFO_10:
    return json_pack("{s:s, s:i}", "policy", "SCHED_FIFO", "priority", 10);
  case SCHED_RR_RESET:
    return json_pack("{s:s, s:i, s:[s]}", "policy", "SCHED_RR", "priority", 5, "flags",
                     "SCHED_FLAG_RESET_ON_FORK");
  default:
    /* 1 ms of every 100 ms, within 10 ms of each period's start. */
    return json_pack("{s:s, s:I, s:I, s:I}", "policy", "SCHED_DEADLINE", "runtime",
                     (json_int_t)1000000, "deadline", (json_int_t)10000000, "period",
                     (json_int_t)100000000);
  }
}

static json_t *io_priority(int value)
{
  static const struct {
    const char *klass;
    int level;
  } v[] = {[IOPRIO_BE_0] = {"IOPRIO_CLASS_BE", 0},
           [IOPRIO_BE_7] = {"IOPRIO_CLASS_BE", 7},
           [IOPRIO_IDLE] = {"IOPRIO_CLASS_IDLE", 0},
           [IOPRIO_RT_3] = {"IOPRIO_CLASS_RT", 3}};
  return json_pack("{s:s, s:i}", "class", v[value].klass, "priority", v[value].level);
}

/* linux.memoryPolicy: node 0 is the one node every NUMA kernel has. */
static json_t *memory_policy(int value)
{
  switch (value) {
  case MPOL_DEFAULT_:
    return json_pack("{s:s}", "mode", "MPOL_DEFAULT");
  case MPOL_LOCAL_:
    return json_pack("{s:s}", "mode", "MPOL_LOCAL");
  case MPOL_PREFERRED_:
    return json_pack("{s:s, s:s}", "mode", "MPOL_PREFERRED", "nodes", "0");
  case MPOL_PREFERRED_LOCAL:
    return json_pack("{s:s}", "mode", "MPOL_PREFERRED");
  case MPOL_BIND_:
    return json_pack("{s:s, s:s}", "mode", "MPOL_BIND", "nodes", "0");
  case MPOL_INTERLEAVE_STATIC:
    return json_pack("{s:s, s:s, s:[s]}", "mode", "MPOL_INTERLEAVE", "nodes", "0", "flags",
                     "MPOL_F_STATIC_NODES");
  default:
    return json_pack("{s:s, s:s, s:[s]}", "mode", "MPOL_BIND", "nodes", "0", "flags",
                     "MPOL_F_NUMA_BALANCING");
  }
}

static json_t *process(bool *ok, const int8_t *a, const char **probe)
{
  static const char *const cwds[] = {"/", "/tmp", "/proc"};
  json_int_t id = a[D_USER] == USER_ROOT ? 0 : 1000;
  json_t *user = json_pack("{s:I, s:I}", "uid", id, "gid", id);
  if (a[D_UMASK] == UMASK_0027)
    gen_put(ok, user, "umask", json_integer(027));
  if (a[D_USER] == USER_GROUPS)
    gen_put(ok, user, "additionalGids", json_pack("[i, i]", 10, 20));

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
      gen_push(ok, env, json_string(extra[i]));
  }

  json_t *args = STRINGS(ok, "/nsprobe", "--wait");
  *probe = seccomp_probe(a[D_SECCOMP]);
  if (*probe) {
    gen_push(ok, args, json_string("--seccomp-probe"));
    gen_push(ok, args, json_string(*probe));
  }
  for (size_t i = 0; i < ARRAY_SIZE(sysctls); i++) {
    if (!sysctl_wanted(a, &sysctls[i]))
      continue;
    gen_push(ok, args, json_string("--sysctl"));
    gen_push(ok, args, json_string(sysctls[i].key));
  }
  /* the nodes of linux.devices and the id-mapped mount point, looked at */
  const char *stat_paths[] = {
      a[D_DEVICES] != DEV_NONE ? devices[a[D_DEVICES]].path : NULL,
      a[D_MNT_IDMAP] != MIDMAP_NONE ? GEN_IDMAP_DEST : NULL,
  };
  for (size_t i = 0; i < ARRAY_SIZE(stat_paths); i++) {
    if (!stat_paths[i])
      continue;
    gen_push(ok, args, json_string("--stat"));
    gen_push(ok, args, json_string(stat_paths[i]));
  }

  json_t *proc =
      json_pack("{s:b, s:o, s:o, s:o, s:s, s:b}", "terminal", 0, "user", user, "args", args, "env",
                env, "cwd", cwds[a[D_CWD]], "noNewPrivileges", a[D_NNP] == FLAG_TRUE);
  if (a[D_CAPS] != CAPS_ABSENT)
    gen_put(ok, proc, "capabilities", capabilities(ok, a[D_CAPS]));
  if (a[D_RLIMITS] != RL_NONE)
    gen_put(ok, proc, "rlimits", rlimits(ok, a[D_RLIMITS]));
  if (a[D_OOM] != OOM_ABSENT)
    gen_put(ok, proc, "oomScoreAdj", json_integer(a[D_OOM] == OOM_ZERO ? 0 : 500));
  if (a[D_SCHED] != SCHED_ABSENT)
    gen_put(ok, proc, "scheduler", scheduler(a[D_SCHED]));
  if (a[D_IOPRIO] != IOPRIO_ABSENT)
    gen_put(ok, proc, "ioPriority", io_priority(a[D_IOPRIO]));
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
    json_t *e = json_pack("{s:s}", "type", gen_ns_types[t]);
    if (a[D_NS_USER + t] == NSV_PATH) {
      char holder[64];
      snprintf(holder, sizeof(holder), GEN_HOLDER_PREFIX "%s", gen_ns_types[t]);
      gen_put(ok, e, "path", json_string(holder));
    }
    gen_push(ok, list, e);
  }
  return list;
}

/* "ns.user=new ns.pid=new ..." for the annotation. */
static void describe_row(const int8_t *a, char *buf, size_t len)
{
  size_t used = 0;
  buf[0] = '\0';
  for (int d = 0; d < D_COUNT && used < len; d++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", d ? " " : "", gen_dims[d].name,
                             gen_dims[d].values[a[d]]);
}

/* The config.json of a complete valid row.  NULL when out of memory. */
json_t *gen_build_config(const int8_t *a, const char *id, uint64_t seed, struct nsc_prng *layout,
                         const char **probe)
{
  bool ok = true;
  char seed_text[24], values[2048];
  snprintf(seed_text, sizeof(seed_text), "%" PRIu64, seed);
  describe_row(a, values, sizeof(values));

  json_t *lnx = json_object();
  gen_put(&ok, lnx, "namespaces", namespaces(&ok, a, layout));
  if (a[D_NS_USER] == NSV_NEW) {
    gen_put(&ok, lnx, "uidMappings", id_mappings(&ok, a[D_IDMAP]));
    gen_put(&ok, lnx, "gidMappings", id_mappings(&ok, a[D_IDMAP]));
  }
  if (a[D_MASKED] != PATHS_NONE)
    gen_put(&ok, lnx, "maskedPaths", masked_paths(&ok, a[D_MASKED]));
  if (a[D_ROPATHS] != PATHS_NONE)
    gen_put(&ok, lnx, "readonlyPaths", readonly_paths(&ok, a[D_ROPATHS]));
  if (a[D_SECCOMP] != SC_ABSENT)
    gen_put(&ok, lnx, "seccomp", seccomp(&ok, a[D_SECCOMP]));
  if (a[D_SYSCTL] != SYSCTL_NONE)
    gen_put(&ok, lnx, "sysctl", sysctl(&ok, a));
  if (a[D_TIME_OFFSETS] != TOFF_NONE)
    gen_put(&ok, lnx, "timeOffsets", time_offsets(a[D_TIME_OFFSETS]));
  if (a[D_ROOT_PROP] != RPROP_ABSENT)
    gen_put(&ok, lnx, "rootfsPropagation",
            json_string(gen_dims[D_ROOT_PROP].values[a[D_ROOT_PROP]]));
  if (a[D_PERSONALITY] != PERS_ABSENT)
    gen_put(&ok, lnx, "personality",
            json_pack("{s:s}", "domain", gen_dims[D_PERSONALITY].values[a[D_PERSONALITY]]));
  if (a[D_MEMPOLICY] != MPOL_ABSENT)
    gen_put(&ok, lnx, "memoryPolicy", memory_policy(a[D_MEMPOLICY]));
  if (a[D_DEVICES] != DEV_NONE)
    gen_put(&ok, lnx, "devices", device_list(&ok, a[D_DEVICES]));

  json_t *cfg = json_pack("{s:s, s:{s:s, s:b}, s:o, s:o, s:o, s:{s:s, s:s, s:s}}", "ociVersion",
                          OCI_VERSION, "root", "path", GEN_ROOT_PLACEHOLDER, "readonly",
                          a[D_READONLY] == FLAG_TRUE, "process", process(&ok, a, probe), "mounts",
                          mounts(&ok, a), "linux", lnx, "annotations", "io.nsconform.case", id,
                          "io.nsconform.seed", seed_text, "io.nsconform.values", values);
  if (a[D_HOSTNAME] != HOST_NONE)
    gen_put(&ok, cfg, "hostname", json_string("nsconform-host"));
  if (a[D_HOSTNAME] == HOST_BOTH)
    gen_put(&ok, cfg, "domainname", json_string("nsconform.test"));
  if (!ok || !cfg) {
    json_decref(cfg);
    return NULL;
  }
  return cfg;
}
