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
    [D_NS_USER] = NSV_NEW,        [D_NS_PID] = NSV_NEW,          [D_NS_MOUNT] = NSV_NEW,
    [D_NS_UTS] = NSV_NEW,         [D_NS_IPC] = NSV_NEW,          [D_NS_NET] = NSV_NEW,
    [D_NS_CGROUP] = NSV_NEW,      [D_NS_TIME] = NSV_ABSENT,      [D_IDMAP] = MAP_SINGLE,
    [D_USER] = USER_ROOT,         [D_UMASK] = UMASK_ABSENT,      [D_RLIMITS] = RL_NOFILE_SOFT,
    [D_CAPS] = CAPS_DEFAULT,      [D_NNP] = FLAG_TRUE,           [D_HOSTNAME] = HOST_HOSTNAME,
    [D_OOM] = OOM_ABSENT,         [D_SECCOMP] = SC_ABSENT,       [D_READONLY] = FLAG_FALSE,
    [D_MASKED] = PATHS_DEFAULT,   [D_ROPATHS] = PATHS_DEFAULT,   [D_ENV] = ENV_DEFAULT,
    [D_CWD] = CWD_ROOT,           [D_SYSCTL] = SYSCTL_NONE,      [D_TIME_OFFSETS] = TOFF_NONE,
    [D_ROOT_PROP] = RPROP_ABSENT, [D_PERSONALITY] = PERS_ABSENT, [D_MNT_BIND] = MBIND_NONE,
    [D_MNT_PROP] = MPROP_NONE,    [D_MNT_FLAGS] = MFLAGS_NONE,
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
  case NEG_COUNT:
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
