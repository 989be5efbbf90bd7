/* The negative cases: specs a runtime MUST reject at create.  Each starts
 * from the same valid base config and breaks it in one way, naming the
 * requirement that says create must fail. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "gen_int.h"
#include "requirements.h"

static const row_t negative_base_row = {
    [D_NS_USER] = NSV_NEW,        [D_NS_PID] = NSV_NEW,
    [D_NS_MOUNT] = NSV_NEW,       [D_NS_UTS] = NSV_NEW,
    [D_NS_IPC] = NSV_NEW,         [D_NS_NET] = NSV_NEW,
    [D_NS_CGROUP] = NSV_NEW,      [D_NS_TIME] = NSV_ABSENT,
    [D_IDMAP] = MAP_SINGLE,       [D_USER] = USER_ROOT,
    [D_UMASK] = UMASK_ABSENT,     [D_RLIMITS] = RL_NOFILE_SOFT,
    [D_CAPS] = CAPS_DEFAULT,      [D_NNP] = FLAG_TRUE,
    [D_HOSTNAME] = HOST_HOSTNAME, [D_OOM] = OOM_ABSENT,
    [D_SECCOMP] = SC_ABSENT,      [D_READONLY] = FLAG_FALSE,
    [D_MASKED] = PATHS_DEFAULT,   [D_ROPATHS] = PATHS_DEFAULT,
    [D_ENV] = ENV_DEFAULT,        [D_CWD] = CWD_ROOT,
    [D_SYSCTL] = SYSCTL_NONE,     [D_TIME_OFFSETS] = TOFF_NONE,
    [D_ROOT_PROP] = RPROP_ABSENT, [D_PERSONALITY] = PERS_ABSENT,
    [D_MNT_BIND] = MBIND_NONE,    [D_MNT_PROP] = MPROP_NONE,
    [D_MNT_FLAGS] = MFLAGS_NONE,  [D_DEVICES] = DEV_NONE,
    [D_MNT_IDMAP] = MIDMAP_NONE,  [D_MNT_REMOUNT] = MREMOUNT_NONE,
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
  NEG_VERSION_MISSING,
  NEG_SYSCTL_UNKNOWN,
  NEG_TIME_OFFSETS_CLOCK,
  NEG_ROOTFS_PROPAGATION,
  NEG_PERSONALITY_DOMAIN,
  NEG_PERSONALITY_FLAGS,
  NEG_MASKED_RELATIVE,
  NEG_READONLY_RELATIVE,
  NEG_ROOT_MISSING,
  NEG_SECCOMP_ACTION,
  NEG_SECCOMP_ARCH,
  NEG_SECCOMP_FLAG,
  NEG_SECCOMP_NAMES_EMPTY,
  NEG_SECCOMP_ERRNO_KILL,
  NEG_SECCOMP_METADATA,
  NEG_SECCOMP_OPERATOR,
  NEG_DEVICE_TYPE,
  NEG_SCHEDULER_POLICY,
  NEG_IO_PRIORITY_CLASS,
  NEG_MEMORY_POLICY_MODE,
  NEG_IDMAP_UID_ONLY,
  NEG_IDMAP_NO_USERNS,
  NEG_DEVICE_OVER_FILE,
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
    [NEG_VERSION_MISSING] = {"oci-version-missing", "no ociVersion"},
    [NEG_SYSCTL_UNKNOWN] = {"sysctl-unknown", "a sysctl key with no /proc/sys entry"},
    [NEG_TIME_OFFSETS_CLOCK] = {"time-offsets-realtime",
                                "a new time namespace with an offset for the realtime clock"},
    [NEG_ROOTFS_PROPAGATION] = {"rootfs-propagation-unknown",
                                "rootfsPropagation \"banana\" is not a propagation type"},
    [NEG_PERSONALITY_DOMAIN] = {"personality-domain-unknown",
                                "a personality domain other than LINUX and LINUX32"},
    [NEG_PERSONALITY_FLAGS] = {"personality-flags", "a personality flag (none are supported)"},
    [NEG_MASKED_RELATIVE] = {"masked-path-relative", "a maskedPaths entry that is not absolute"},
    [NEG_READONLY_RELATIVE] = {"readonly-path-relative",
                               "a readonlyPaths entry that is not absolute"},
    [NEG_ROOT_MISSING] = {"root-missing", "no root at all"},
    [NEG_SECCOMP_ACTION] = {"seccomp-action-unknown", "a seccomp rule action SCMP_ACT_BANANA"},
    [NEG_SECCOMP_ARCH] = {"seccomp-arch-unknown", "a seccomp architecture SCMP_ARCH_BANANA"},
    [NEG_SECCOMP_FLAG] = {"seccomp-flag-unknown", "a seccomp flag SECCOMP_FILTER_FLAG_BANANA"},
    [NEG_SECCOMP_NAMES_EMPTY] = {"seccomp-names-empty", "a seccomp rule with no syscall names"},
    [NEG_SECCOMP_ERRNO_KILL] = {"seccomp-errno-kill",
                                "errnoRet on a seccomp rule whose action is SCMP_ACT_KILL"},
    [NEG_SECCOMP_METADATA] = {"seccomp-metadata-no-listener",
                              "seccomp listenerMetadata without listenerPath"},
    [NEG_SECCOMP_OPERATOR] = {"seccomp-operator-unknown",
                              "a seccomp argument comparison with operator SCMP_CMP_BANANA"},
    [NEG_DEVICE_TYPE] = {"device-type-unknown", "a linux.devices entry of type \"x\""},
    [NEG_SCHEDULER_POLICY] = {"scheduler-policy-unknown",
                              "a 1.3.0 config with scheduler policy SCHED_BANANA"},
    [NEG_IO_PRIORITY_CLASS] = {"io-priority-class-unknown",
                               "a 1.3.0 config with ioPriority class IOPRIO_CLASS_BANANA"},
    [NEG_MEMORY_POLICY_MODE] = {"memory-policy-mode-unknown",
                                "a 1.3.0 config with memoryPolicy mode MPOL_BANANA"},
    [NEG_IDMAP_UID_ONLY] = {"idmap-uid-without-gid",
                            "an idmap bind mount with uidMappings and no gidMappings"},
    [NEG_IDMAP_NO_USERNS] = {"idmap-no-mappings-no-userns",
                             "an idmap bind mount without mappings in a container without a user "
                             "namespace"},
    [NEG_DEVICE_OVER_FILE] = {"device-over-regular-file",
                              "a linux.devices entry c 1:3 at /etc/passwd, a regular file of the "
                              "rootfs (no user namespace)"},
};

/* The release that defines scheduler, ioPriority and memoryPolicy: a config
 * of an older one may carry them as unknown properties, to be ignored. */
#define NEWER_VERSION "1.3.0"

/* A valid filter the seccomp negatives break: mkdir and mkdirat fail with
 * EPERM, and chmod when its mode argument is 0700. */
static json_t *seccomp_base(void)
{
  return json_pack("{s:s, s:[s], s:[], s:[{s:[s,s], s:s, s:i}, {s:[s], s:s, s:[{s:i, s:i, s:s}]}]}",
                   "defaultAction", "SCMP_ACT_ALLOW", "architectures", "SCMP_ARCH_X86_64", "flags",
                   "syscalls", "names", "mkdir", "mkdirat", "action", "SCMP_ACT_ERRNO", "errnoRet",
                   1, "names", "chmod", "action", "SCMP_ACT_ERRNO", "args", "index", 1, "value",
                   0700, "op", "SCMP_CMP_EQ");
}

/* Add the valid filter to cfg and return it, or NULL when out of memory. */
static json_t *add_seccomp(json_t *lnx)
{
  json_t *sc = seccomp_base();
  if (!sc || json_object_set_new(lnx, "seccomp", sc) < 0)
    return NULL;
  return sc;
}

static json_t *seccomp_rule(json_t *sc, size_t i)
{
  return json_array_get(json_object_get(sc, "syscalls"), i);
}

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

/* The base without its user namespace: no user entry and no id maps (the
 * base's mounts suit a container without one as well). */
static int drop_userns(json_t *lnx)
{
  size_t i;
  json_t *ns = json_object_get(lnx, "namespaces");
  if (!ns_entry(ns, "user", &i) || json_array_remove(ns, i) < 0)
    return -1;
  json_object_del(lnx, "uidMappings");
  json_object_del(lnx, "gidMappings");
  return 0;
}

/* A bind of the bundle directory with idmap and, when uid_map, uidMappings
 * only. */
static int add_idmap_mount(json_t *cfg, bool uid_map)
{
  json_t *m = json_pack("{s:s, s:s, s:s, s:[s,s]}", "destination", "/dev/nsc-idmap", "type", "bind",
                        "source", ".", "options", "bind", "idmap");
  if (m && uid_map &&
      json_object_set_new(
          m, "uidMappings",
          json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 101000, "size", 1)) < 0) {
    json_decref(m);
    return -1;
  }
  return json_array_append_new(json_object_get(cfg, "mounts"), m);
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
    ret = json_array_append_new(rl, gen_rlimit("RLIMIT_NOFILE", 256, 512));
    return ret ? NULL : REQ("config.rlimits.duplicate");
  case NEG_RLIMIT_UNKNOWN:
    ret = json_array_append_new(rl, gen_rlimit("RLIMIT_BANANA", 1, 1));
    return ret ? NULL : REQ("config.rlimits.unknown-type");
  case NEG_RLIMIT_SOFT_ABOVE_HARD:
    ret = json_object_set_new(proc, "rlimits",
                              json_pack("[o]", gen_rlimit("RLIMIT_NOFILE", 1024, 512)));
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
  case NEG_VERSION_MISSING:
    ret = json_object_del(cfg, "ociVersion");
    return ret ? NULL : REQ("config.oci-version.missing");
  case NEG_SYSCTL_UNKNOWN: /* in the container's own ipc namespace, should it be there */
    ret =
        json_object_set_new(lnx, "sysctl", json_pack("{s:s}", "kernel.nsconform_no_such_key", "1"));
    return ret ? NULL : REQ("config-linux.sysctl.invalid");
  case NEG_TIME_OFFSETS_CLOCK: /* realtime has no time-namespace offset */
    ret = json_array_append_new(ns, json_pack("{s:s}", "type", "time"));
    ret = ret ? ret
              : json_object_set_new(lnx, "timeOffsets",
                                    json_pack("{s:{s:i}}", "realtime", "secs", 3600));
    return ret ? NULL : REQ("config-linux.time-offsets.invalid-clock");
  case NEG_ROOTFS_PROPAGATION:
    ret = json_object_set_new(lnx, "rootfsPropagation", json_string("banana"));
    return ret ? NULL : REQ("config-linux.rootfs-propagation.invalid");
  case NEG_PERSONALITY_DOMAIN:
    ret = json_object_set_new(lnx, "personality", json_pack("{s:s}", "domain", "BANANA"));
    return ret ? NULL : REQ("config-linux.personality.invalid-domain");
  case NEG_PERSONALITY_FLAGS:
    ret = json_object_set_new(
        lnx, "personality",
        json_pack("{s:s, s:[s]}", "domain", "LINUX", "flags", "ADDR_NO_RANDOMIZE"));
    return ret ? NULL : REQ("config-linux.personality.flags-unsupported");
  case NEG_MASKED_RELATIVE:
    ret = json_array_append_new(json_object_get(lnx, "maskedPaths"), json_string("proc/kcore"));
    return ret ? NULL : REQ("config-linux.masked-paths.relative");
  case NEG_READONLY_RELATIVE:
    ret = json_array_append_new(json_object_get(lnx, "readonlyPaths"), json_string("proc/sys"));
    return ret ? NULL : REQ("config-linux.readonly-paths.relative");
  case NEG_ROOT_MISSING:
    ret = json_object_del(cfg, "root");
    return ret ? NULL : REQ("config.root.required");
  case NEG_DEVICE_TYPE:
    ret = json_object_set_new(lnx, "devices",
                              json_pack("[{s:s, s:s, s:i, s:i}]", "path", "/dev/nsconform0", "type",
                                        "x", "major", 1, "minor", 3));
    return ret ? NULL : REQ("config-linux.devices.invalid-type");
  case NEG_SCHEDULER_POLICY:
    ret = json_object_set_new(cfg, "ociVersion", json_string(NEWER_VERSION));
    ret =
        ret ? ret
            : json_object_set_new(proc, "scheduler", json_pack("{s:s}", "policy", "SCHED_BANANA"));
    return ret ? NULL : REQ("config.scheduler.invalid");
  case NEG_IO_PRIORITY_CLASS:
    ret = json_object_set_new(cfg, "ociVersion", json_string(NEWER_VERSION));
    ret = ret ? ret
              : json_object_set_new(
                    proc, "ioPriority",
                    json_pack("{s:s, s:i}", "class", "IOPRIO_CLASS_BANANA", "priority", 0));
    return ret ? NULL : REQ("config.io-priority.invalid");
  case NEG_MEMORY_POLICY_MODE:
    ret = json_object_set_new(cfg, "ociVersion", json_string(NEWER_VERSION));
    ret = ret ? ret
              : json_object_set_new(lnx, "memoryPolicy", json_pack("{s:s}", "mode", "MPOL_BANANA"));
    return ret ? NULL : REQ("config-linux.memory-policy.invalid");
  case NEG_IDMAP_UID_ONLY:
    ret = add_idmap_mount(cfg, true);
    return ret ? NULL : REQ("config.mounts.idmap-pair");
  case NEG_IDMAP_NO_USERNS:
    ret = drop_userns(lnx);
    ret = ret ? ret : add_idmap_mount(cfg, false);
    return ret ? NULL : REQ("config.mount-options.idmap-no-userns");
  case NEG_DEVICE_OVER_FILE: /* without a user namespace, so the node would be made by mknod */
    ret = drop_userns(lnx);
    ret = ret ? ret
              : json_object_set_new(lnx, "devices",
                                    json_pack("[{s:s, s:s, s:i, s:i}]", "path", "/etc/passwd",
                                              "type", "c", "major", 1, "minor", 3));
    return ret ? NULL : REQ("config-linux.devices.existing-mismatch");
  default:
    break;
  }
  json_t *sc = add_seccomp(lnx);
  if (!sc)
    return NULL;
  switch (which) {
  case NEG_SECCOMP_ACTION:
    ret = json_object_set_new(seccomp_rule(sc, 0), "action", json_string("SCMP_ACT_BANANA"));
    return ret ? NULL : REQ("config-linux.seccomp.unknown-action");
  case NEG_SECCOMP_ARCH:
    ret = json_array_append_new(json_object_get(sc, "architectures"),
                                json_string("SCMP_ARCH_BANANA"));
    return ret ? NULL : REQ("config-linux.seccomp.unknown-arch");
  case NEG_SECCOMP_FLAG:
    ret = json_array_append_new(json_object_get(sc, "flags"),
                                json_string("SECCOMP_FILTER_FLAG_BANANA"));
    return ret ? NULL : REQ("config-linux.seccomp.unknown-flag");
  case NEG_SECCOMP_NAMES_EMPTY:
    ret = json_object_set_new(seccomp_rule(sc, 0), "names", json_array());
    return ret ? NULL : REQ("config-linux.seccomp.names-nonempty");
  case NEG_SECCOMP_ERRNO_KILL:
    ret = json_object_set_new(seccomp_rule(sc, 0), "action", json_string("SCMP_ACT_KILL"));
    return ret ? NULL : REQ("config-linux.seccomp.errno-unsupported");
  case NEG_SECCOMP_METADATA:
    ret = json_object_set_new(sc, "listenerMetadata", json_string("nsconform"));
    return ret ? NULL : REQ("config-linux.seccomp.metadata-without-listener");
  case NEG_SECCOMP_OPERATOR:
    ret = json_object_set_new(json_array_get(json_object_get(seccomp_rule(sc, 1), "args"), 0), "op",
                              json_string("SCMP_CMP_BANANA"));
    return ret ? NULL : REQ("config.valid-values.invalid");
  default:
    break;
  }
  return NULL;
}

int gen_negative_base(json_t **out, struct nsrt_err *err)
{
  const char *probe;
  *out = gen_build_config(negative_base_row, "n000-base", 0, NULL, &probe);
  return *out ? 0 : GEN_FAIL(err, ENOMEM, "negative", "out of memory");
}

size_t gen_negative_count(void)
{
  return NEG_COUNT;
}

int gen_negative_case(struct nsc_case *c, size_t index, uint64_t seed, struct nsrt_err *err)
{
  char id[64];
  const char *probe, *req = NULL;
  snprintf(id, sizeof(id), "n%03zu-%s", index + 1, negatives[index].slug);
  json_t *cfg = gen_build_config(negative_base_row, id, seed, NULL, &probe);
  json_t *notes = json_object_get(cfg, "annotations");
  if (cfg && (json_object_del(notes, "io.nsconform.values") < 0 ||
              !(req = break_config((enum neg)index, cfg)))) {
    json_decref(cfg);
    cfg = NULL;
  }
  return gen_fill_case(c, id, seed, NSC_CASE_NEGATIVE, cfg, req, negatives[index].title, NULL, err);
}
