/* The config.json that `nsrt spec` writes: a busybox-style shell in a rootfs
 * next to it, with the usual namespaces and a minimal set of capabilities. */
#include <jansson.h>
#include <stddef.h>

#include "nsrt_features.h"
#include "spec.h"

static json_t *string_array(const char *const *v, size_t n)
{
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    if (json_array_append_new(a, json_string(v[i])) < 0) {
      json_decref(a);
      return NULL;
    }
  return a;
}

#define STRINGS(...)                                                                               \
  string_array((const char *const[]){__VA_ARGS__},                                                 \
               sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static json_t *mount_entry(const char *dest, const char *type, json_t *options)
{
  json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", type);
  if (m && options && json_object_set_new(m, "options", options) < 0) {
    json_decref(m);
    return NULL;
  }
  if (!m)
    json_decref(options);
  return m;
}

static json_t *default_process(void)
{
  json_t *caps = STRINGS("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
  if (!caps)
    return NULL;
  /* The three sets are the same list; each needs its own reference. */
  return json_pack(
      "{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:O, s:O, s:o}, s:[{s:s, s:i, s:i}], s:b}", "terminal",
      0, "user", "uid", 0, "gid", 0, "args", STRINGS("sh"), "env",
      STRINGS("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
      "cwd", "/", "capabilities", "bounding", caps, "effective", caps, "permitted", caps, "rlimits",
      "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
}

static json_t *default_mounts(void)
{
  return json_pack(
      "[o, o, o, o, o, o]", mount_entry("/proc", "proc", NULL),
      mount_entry("/dev", "tmpfs", STRINGS("nosuid", "strictatime", "mode=755", "size=65536k")),
      mount_entry(
          "/dev/pts", "devpts",
          STRINGS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
      mount_entry("/dev/shm", "tmpfs",
                  STRINGS("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
      mount_entry("/dev/mqueue", "mqueue", STRINGS("nosuid", "noexec", "nodev")),
      mount_entry("/sys", "sysfs", STRINGS("nosuid", "noexec", "nodev", "ro")));
}

static json_t *default_linux(void)
{
  static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
  json_t *namespaces = json_array();
  for (size_t i = 0; namespaces && i < sizeof(ns) / sizeof(ns[0]); i++)
    if (json_array_append_new(namespaces, json_pack("{s:s}", "type", ns[i])) < 0) {
      json_decref(namespaces);
      namespaces = NULL;
    }
  return json_pack(
      "{s:o, s:o, s:o}", "namespaces", namespaces, "maskedPaths",
      STRINGS("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
              "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
              "/proc/scsi"),
      "readonlyPaths",
      STRINGS("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"));
}

char *spec_default_json(void)
{
  json_t *root =
      json_pack("{s:s, s:{s:s, s:b}, s:o, s:s, s:o, s:o}", "ociVersion", NSRT_SPEC_VERSION, "root",
                "path", "rootfs", "readonly", 1, "process", default_process(), "hostname", "nsrt",
                "mounts", default_mounts(), "linux", default_linux());
  if (!root)
    return NULL;
  char *text = json_dumps(root, JSON_INDENT(2));
  json_decref(root);
  return text;
}
