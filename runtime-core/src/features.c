/* The features document (runtime-spec features.md, features-linux.md).
 * Lists come from the tables the parser itself uses where one exists
 * (namespaces, capabilities, seccomp names), so the document cannot claim
 * what config.json would reject. */
#include "nsrt_features.h"

#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>

#include "caps.h"
#include "namespaces.h"
#include "procattr.h"
#include "seccomp_filter.h"

/* The options spec.c turns into mount flags or propagation. */
static const char *const mount_options[] = {
    "ro",          "rw",       "bind",       "rbind",       "nosuid",        "suid",
    "nodev",       "dev",      "noexec",     "exec",        "sync",          "async",
    "dirsync",     "mand",     "nomand",     "atime",       "noatime",       "diratime",
    "nodiratime",  "relatime", "norelatime", "strictatime", "nostrictatime", "private",
    "rprivate",    "shared",   "rshared",    "slave",       "rslave",        "unbindable",
    "runbindable", "remount",  "idmap",      "ridmap",
};

static const char *const hook_names[] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* Candidates, kept if seccomp_filter.c accepts them. */
static const char *const seccomp_actions[] = {
    "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",       "SCMP_ACT_TRACE",       "SCMP_ACT_TRAP",
};
static const char *const seccomp_operators[] = {
    "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
    "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};
static const char *const seccomp_archs[] = {
    "SCMP_ARCH_AARCH64",     "SCMP_ARCH_ARM",       "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",      "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64",    "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",       "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_RISCV64",     "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",       "SCMP_ARCH_X32",       "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",
};
/* Each flag with the libseccomp API level that can set it. */
static const struct {
  const char *name;
  unsigned int api_level;
} seccomp_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", 2},
    {"SECCOMP_FILTER_FLAG_LOG", 3},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 7},
};

static int append_string(json_t *a, const char *s)
{
  return json_array_append_new(a, json_string(s));
}

static json_t *strings(const char *const *v, size_t n, int (*keep)(const char *))
{
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++) {
    if (keep && keep(v[i]) < 0)
      continue;
    if (append_string(a, v[i]) < 0) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

static int keep_action(const char *name)
{
  return seccomp_action_from_name(name) < 0 ? -1 : 0;
}

static int keep_operator(const char *name)
{
  return seccomp_op_from_name(name) < 0 ? -1 : 0;
}

static json_t *namespace_names(void)
{
  json_t *a = json_array();
  for (int i = 0; a && i < NS_COUNT; i++)
    if (append_string(a, ns_table[i].spec_name) < 0) {
      json_decref(a);
      return NULL;
    }
  return a;
}

static json_t *capability_names(void)
{
  json_t *a = json_array();
  for (int cap = 0; a && cap <= cap_last_known(); cap++) {
    const char *name = cap_name(cap);
    if (name && append_string(a, name) < 0) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

static json_t *seccomp_features(void)
{
  json_t *known = json_array(), *supported = json_array();
  unsigned int api = seccomp_api_get();
  for (size_t i = 0; known && supported && i < sizeof(seccomp_flags) / sizeof(seccomp_flags[0]);
       i++) {
    if (seccomp_flag_check(seccomp_flags[i].name) < 0)
      continue;
    if (append_string(known, seccomp_flags[i].name) < 0 ||
        (api >= seccomp_flags[i].api_level &&
         append_string(supported, seccomp_flags[i].name) < 0)) {
      json_decref(known);
      known = NULL;
    }
  }
  return json_pack(
      "{s:b, s:o, s:o, s:o, s:o, s:o}", "enabled", 1, "actions",
      strings(seccomp_actions, sizeof(seccomp_actions) / sizeof(char *), keep_action), "operators",
      strings(seccomp_operators, sizeof(seccomp_operators) / sizeof(char *), keep_operator),
      "archs", strings(seccomp_archs, sizeof(seccomp_archs) / sizeof(char *), seccomp_arch_check),
      "knownFlags", known, "supportedFlags", supported);
}

/* The names of a procattr.h table ("memoryPolicy": modes and flags). */
static json_t *table_names(const struct procattr_name *t)
{
  json_t *a = json_array();
  for (size_t i = 0; a && t[i].name; i++)
    if (append_string(a, t[i].name) < 0) {
      json_decref(a);
      return NULL;
    }
  return a;
}

static json_t *linux_features(void)
{
  return json_pack("{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:o, s:{s:b}, s:{s:b}, s:{s:b}, "
                   "s:{s:{s:b}}, s:{s:o, s:o}}",
                   "namespaces", namespace_names(), "capabilities", capability_names(), "cgroup",
                   "v1", 0, "v2", 0, "systemd", 0, "systemdUser", 0, "rdma", 0, "seccomp",
                   seccomp_features(), "apparmor", "enabled", 0, "selinux", "enabled", 0,
                   "intelRdt", "enabled", 0, "mountExtensions", "idmap", "enabled", 1,
                   "memoryPolicy", "modes", table_names(procattr_mempolicy_modes), "flags",
                   table_names(procattr_mempolicy_flags));
}

char *nsrt_features_json(void)
{
  const struct scmp_version *v = seccomp_version();
  char libseccomp[32];
  snprintf(libseccomp, sizeof(libseccomp), "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0,
           v ? v->micro : 0);
  json_t *root =
      json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s, s:s}}", "ociVersionMin", NSRT_SPEC_VERSION_MIN,
                "ociVersionMax", NSRT_SPEC_VERSION, "hooks",
                strings(hook_names, sizeof(hook_names) / sizeof(char *), NULL), "mountOptions",
                strings(mount_options, sizeof(mount_options) / sizeof(char *), NULL), "linux",
                linux_features(), "annotations", "io.nsconform.nsrt.version", NSRT_VERSION,
                "io.github.seccomp.libseccomp.version", libseccomp);
  if (!root)
    return NULL;
  char *text = json_dumps(root, JSON_INDENT(2));
  json_decref(root);
  return text;
}
