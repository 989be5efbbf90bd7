/* Judgement of what the probe sees of the Linux environment beyond ids and
 * mounts: the default devices and /dev symlinks every container has, the
 * sysctls, the time namespace offsets and the personality.  All of it is
 * the inside view: /proc/PID from outside does not show it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge_int.h"
#include "requirements.h"

/* ---- default devices --------------------------------------------------------- */

struct device_expect {
  const char *name;
  long long major, minor;
  int no_tty_errno; /* an errno open may give that still shows the device (tty: ENXIO) */
};

/* The node a program opening the path finds: the entry, or what its link
 * leads to. */
static const json_t *followed(const json_t *entry)
{
  const char *type = json_string_value(json_object_get(entry, "type"));
  if (type && strcmp(type, "l") == 0)
    return json_object_get(entry, "resolved");
  return entry;
}

static void describe_node(const json_t *node, struct judge_text *t)
{
  const char *type = json_string_value(json_object_get(node, "type")) ?: "?";
  if (!strcmp(type, "c") || !strcmp(type, "b"))
    nsc_judge_text_add(t, "%s %lld:%lld mode %s", type,
                       (long long)json_integer_value(json_object_get(node, "major")),
                       (long long)json_integer_value(json_object_get(node, "minor")),
                       json_string_value(json_object_get(node, "mode")) ?: "?");
  else if (!strcmp(type, "missing"))
    nsc_judge_text_add(t, "missing");
  else
    nsc_judge_text_add(t, "type %s", type);
}

static enum judge_eval eval_device(const json_t *value, bool outside, const void *arg,
                                   struct judge_text *actual)
{
  const struct device_expect *e = arg;
  if (!json_is_object(value)) {
    nsc_judge_text_add(actual, "the /dev/%s entry is not an object", e->name);
    return JUDGE_NA;
  }
  const char *link = json_string_value(json_object_get(value, "link"));
  const json_t *node = followed(value);
  nsc_judge_text_add(actual, "/dev/%s: ", e->name);
  if (link)
    nsc_judge_text_add(actual, "a link to %s, ", link);
  describe_node(node, actual);
  const char *type = json_string_value(json_object_get(node, "type"));
  bool ok = type && strcmp(type, "c") == 0 &&
            json_integer_value(json_object_get(node, "major")) == e->major &&
            json_integer_value(json_object_get(node, "minor")) == e->minor;
  const json_t *open_errno = json_object_get(value, "open");
  if (ok && !json_is_integer(open_errno)) {
    nsc_judge_text_add(actual, ", not opened");
    return JUDGE_NA;
  }
  if (ok) {
    long long n = json_integer_value(open_errno);
    const char *name = n > 0 && n < 4096 ? strerrorname_np((int)n) : NULL;
    if (n)
      nsc_judge_text_add(actual, ", open fails with %s", name ? name : "?");
    else
      nsc_judge_text_add(actual, ", opens");
    ok = n == 0 || (e->no_tty_errno && n == e->no_tty_errno);
  }
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_default_devices(struct judge *j)
{
  static const struct device_expect devices[] = {
      {"null", 1, 3, 0},   {"zero", 1, 5, 0},    {"full", 1, 7, 0},
      {"random", 1, 8, 0}, {"urandom", 1, 9, 0}, {"tty", 5, 0, ENXIO},
  };
  const char *reqs[] = {
      REQ("config-linux.default-devices.null"),    REQ("config-linux.default-devices.zero"),
      REQ("config-linux.default-devices.full"),    REQ("config-linux.default-devices.random"),
      REQ("config-linux.default-devices.urandom"), REQ("config-linux.default-devices.tty"),
  };
  for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
    char expected[160];
    snprintf(expected, sizeof(expected), "/dev/%s: c %lld:%lld that opens read-write%s",
             devices[i].name, devices[i].major, devices[i].minor,
             devices[i].no_tty_errno ? " (or ENXIO: no controlling terminal)" : "");
    nsc_judge_fact(j, reqs[i], "dev", devices[i].name, false, expected, eval_device, &devices[i]);
  }
}

/* A link target as an absolute path: relative ones are relative to dir;
 * ".", ".." and repeated slashes resolved lexically. */
static void link_path(const char *dir, const char *target, char *out, size_t len)
{
  char joined[PATH_MAX];
  snprintf(joined, sizeof(joined), "%s/%s", target[0] == '/' ? "" : dir, target);
  size_t n = 0;
  out[0] = '\0';
  char *save = NULL;
  for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    if (!strcmp(c, "."))
      continue;
    if (!strcmp(c, "..")) {
      while (n > 0 && out[n - 1] != '/')
        n--;
      if (n > 0)
        n--;
      out[n] = '\0';
      continue;
    }
    int w = snprintf(out + n, len - n, "/%s", c);
    if (w < 0 || (size_t)w >= len - n)
      break;
    n += (size_t)w;
  }
  if (n == 0)
    snprintf(out, len, "/");
}

/* /dev/ptmx: a link to pts/ptmx, or a bind mount of it (a c 5:2 node on the
 * file system mounted at /dev/pts). */
static enum judge_eval eval_ptmx(const json_t *value, bool outside, const void *arg,
                                 struct judge_text *actual)
{
  const json_t *pts = arg;
  const char *type = json_string_value(json_object_get(value, "type"));
  const char *link = json_string_value(json_object_get(value, "link"));
  if (!type) {
    nsc_judge_text_add(actual, "the /dev/ptmx entry has no type");
    return JUDGE_NA;
  }
  if (!strcmp(type, "l")) {
    char path[PATH_MAX];
    link_path("/dev", link ?: "", path, sizeof(path));
    nsc_judge_text_add(actual, "a link to %s", link ?: "?");
    return !strcmp(path, "/dev/pts/ptmx") ? JUDGE_PASS : JUDGE_FAIL;
  }
  describe_node(value, actual);
  const char *fs = json_string_value(json_object_get(value, "fs"));
  const char *pts_fs = json_string_value(json_object_get(pts, "fs"));
  bool node = !strcmp(type, "c") && json_integer_value(json_object_get(value, "major")) == 5 &&
              json_integer_value(json_object_get(value, "minor")) == 2;
  if (!node)
    return JUDGE_FAIL;
  if (!fs || !pts_fs) {
    nsc_judge_text_add(actual, ", no file system of it or of /dev/pts to compare");
    return JUDGE_NA;
  }
  nsc_judge_text_add(actual, " on file system %s, /dev/pts on %s", fs, pts_fs);
  return !strcmp(fs, pts_fs) ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_ptmx(struct judge *j)
{
  const json_t *pts = json_object_get(json_object_get(j->v->probe, "dev"), "pts");
  nsc_judge_fact(j, REQ("config-linux.default-devices.ptmx"), "dev", "ptmx", false,
                 "/dev/ptmx a link to pts/ptmx or a bind mount of the container's /dev/pts/ptmx",
                 eval_ptmx, pts);
}

/* ---- /dev symlinks ----------------------------------------------------------------
 * Required only when the source exists after the mounts: the probe's fd
 * listing (of /proc/self/fd) tells both whether /proc/self/fd exists and
 * which of 0, 1, 2 are open. */

static enum judge_eval eval_dev_link(const json_t *value, bool outside, const void *arg,
                                     struct judge_text *actual)
{
  const char *want = arg;
  const char *type = json_string_value(json_object_get(value, "type"));
  const char *link = json_string_value(json_object_get(value, "link"));
  if (!type) {
    nsc_judge_text_add(actual, "the entry has no type");
    return JUDGE_NA;
  }
  if (strcmp(type, "l") != 0 || !link) {
    nsc_judge_text_add(actual, "not a symlink: ");
    describe_node(value, actual);
    return JUDGE_FAIL;
  }
  char path[PATH_MAX];
  link_path("/dev", link, path, sizeof(path));
  nsc_judge_text_add(actual, "a link to %s", link);
  return !strcmp(path, want) ? JUDGE_PASS : JUDGE_FAIL;
}

static bool fd_listed(const json_t *fds, long long fd)
{
  size_t i;
  json_t *f;
  json_array_foreach(fds, i, f)
  {
    if (json_integer_value(json_object_get(f, "fd")) == fd)
      return true;
  }
  return false;
}

static void judge_dev_symlinks(struct judge *j)
{
  static const struct {
    const char *name, *source;
    int fd; /* -1: the directory itself */
  } links[] = {
      {"fd", "/proc/self/fd", -1},
      {"stdin", "/proc/self/fd/0", 0},
      {"stdout", "/proc/self/fd/1", 1},
      {"stderr", "/proc/self/fd/2", 2},
  };
  const char *reqs[] = {
      REQ("runtime-linux.dev-symlinks.fd"),
      REQ("runtime-linux.dev-symlinks.stdin"),
      REQ("runtime-linux.dev-symlinks.stdout"),
      REQ("runtime-linux.dev-symlinks.stderr"),
  };
  const json_t *fds = json_object_get(j->v->probe, "fds");
  for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
    if (j->v->probe && !json_is_array(fds)) {
      nsc_judge_skip(j, reqs[i], "the probe listed no fds, so whether %s exists is unknown",
                     links[i].source);
      continue;
    }
    if (j->v->probe && links[i].fd >= 0 && !fd_listed(fds, links[i].fd)) {
      nsc_judge_skip(j, reqs[i], "fd %d is not open in the program, so %s does not exist",
                     links[i].fd, links[i].source);
      continue;
    }
    char expected[96];
    snprintf(expected, sizeof(expected), "/dev/%s a symlink to %s", links[i].name, links[i].source);
    nsc_judge_fact(j, reqs[i], "dev", links[i].name, false, expected, eval_dev_link,
                   links[i].source);
  }
}

/* ---- linux.devices ------------------------------------------------------------------
 * The probe's --stat entry of each path (lstat: a node, never what a link
 * leads to).  available: a node of the requested kind is there; attributes:
 * also its numbers and the fileMode, uid and gid the entry gives (ids as the
 * container sees them, which is what the spec gives). */

struct devnode_expect {
  const char *type; /* the probe's letter: c (for c and u), b, p */
  long long major, minor;
  long long mode, uid, gid; /* -1 when not given */
  bool attributes;          /* judge numbers and attributes, not only the kind */
};

static enum judge_eval eval_devnode(const json_t *value, bool outside, const void *arg,
                                    struct judge_text *actual)
{
  const struct devnode_expect *e = arg;
  const char *type = json_string_value(json_object_get(value, "type"));
  if (!type) {
    nsc_judge_text_add(actual, "the entry has no type");
    return JUDGE_NA;
  }
  const char *mode = json_string_value(json_object_get(value, "mode"));
  long long uid = json_integer_value(json_object_get(value, "uid"));
  long long gid = json_integer_value(json_object_get(value, "gid"));
  if (!strcmp(type, "missing")) {
    long long n = json_integer_value(json_object_get(value, "errno"));
    const char *name = n > 0 && n < 4096 ? strerrorname_np((int)n) : NULL;
    nsc_judge_text_add(actual, "missing (%s)", name ? name : "?");
    return JUDGE_FAIL;
  }
  if (!strcmp(type, "c") || !strcmp(type, "b"))
    describe_node(value, actual);
  else
    nsc_judge_text_add(actual, "type %s mode %s", type, mode ? mode : "?");
  nsc_judge_text_add(actual, " owner %lld:%lld", uid, gid);
  bool ok = strcmp(type, e->type) == 0;
  if (!e->attributes || !ok)
    return ok ? JUDGE_PASS : JUDGE_FAIL;
  if (strcmp(e->type, "p") != 0)
    ok = json_integer_value(json_object_get(value, "major")) == e->major &&
         json_integer_value(json_object_get(value, "minor")) == e->minor;
  if (ok && e->mode >= 0)
    ok = mode && strtoll(mode, NULL, 8) == e->mode;
  if (ok && e->uid >= 0)
    ok = uid == e->uid;
  if (ok && e->gid >= 0)
    ok = gid == e->gid;
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

/* An optional unsigned field of a device entry: -1 when absent, -2 when it
 * is not a non-negative integer. */
static long long device_number(const json_t *dev, const char *key)
{
  const json_t *v = json_object_get(dev, key);
  if (!v)
    return -1;
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return -2;
  return json_integer_value(v);
}

static void judge_devices(struct judge *j)
{
  size_t i;
  json_t *dev;
  json_array_foreach(json_object_get(j->lnx, "devices"), i, dev)
  {
    const char *available = REQ("config-linux.devices.available");
    const char *attributes = REQ("config-linux.devices.attributes");
    const char *path = json_string_value(json_object_get(dev, "path"));
    const char *type = json_string_value(json_object_get(dev, "type"));
    if (!path || !type || strlen(type) != 1 || !strchr("cbup", type[0])) {
      nsc_judge_skip(j, available, "linux.devices[%zu] has no valid path or type", i);
      nsc_judge_skip(j, attributes, "linux.devices[%zu] has no valid path or type", i);
      continue;
    }
    struct devnode_expect e = {
        .type = type[0] == 'u'   ? "c"
                : type[0] == 'b' ? "b"
                : type[0] == 'p' ? "p"
                                 : "c",
        .major = device_number(dev, "major"),
        .minor = device_number(dev, "minor"),
        .mode = device_number(dev, "fileMode"),
        .uid = device_number(dev, "uid"),
        .gid = device_number(dev, "gid"),
    };
    if (e.mode >= 0)
      e.mode &= 07777;
    char expected[PATH_MAX + 160];
    snprintf(expected, sizeof(expected), "%s: a node of type %s", path, e.type);
    nsc_judge_fact(j, available, "stat", path, false, expected, eval_devnode, &e);
    if (e.mode < -1 || e.uid < -1 || e.gid < -1 ||
        (type[0] != 'p' && (e.major < 0 || e.minor < 0))) {
      nsc_judge_skip(j, attributes, "linux.devices[%zu] has a malformed number", i);
      continue;
    }
    e.attributes = true;
    struct judge_text t = {.len = 0};
    nsc_judge_text_add(&t, "%s: %s", path, e.type);
    if (type[0] != 'p')
      nsc_judge_text_add(&t, " %lld:%lld", e.major, e.minor);
    if (e.mode >= 0)
      nsc_judge_text_add(&t, " mode %04llo", e.mode);
    if (e.uid >= 0)
      nsc_judge_text_add(&t, " uid %lld", e.uid);
    if (e.gid >= 0)
      nsc_judge_text_add(&t, " gid %lld", e.gid);
    nsc_judge_fact(j, attributes, "stat", path, false, t.s, eval_devnode, &e);
  }
}

void nsc_judge_dev(struct judge *j)
{
  judge_default_devices(j);
  judge_ptmx(j);
  judge_dev_symlinks(j);
  judge_devices(j);
}

/* ---- sysctl ---------------------------------------------------------------------- */

/* Whitespace runs as one space, none at the ends: /proc/sys writes tabs
 * between the numbers of a multi-valued key. */
static void squeeze(const char *in, char *out, size_t len)
{
  size_t n = 0;
  bool space = false;
  for (const char *c = in; *c && n + 1 < len; c++) {
    if (*c == ' ' || *c == '\t' || *c == '\n') {
      space = n > 0;
      continue;
    }
    if (space && n + 2 < len)
      out[n++] = ' ';
    space = false;
    out[n++] = *c;
  }
  out[n] = '\0';
}

static enum judge_eval eval_sysctl(const json_t *value, bool outside, const void *arg,
                                   struct judge_text *actual)
{
  const char *want = arg;
  if (json_is_null(value)) {
    nsc_judge_text_add(actual, "no such /proc/sys entry in the container");
    return JUDGE_FAIL;
  }
  const char *s = json_string_value(value);
  if (!s) {
    nsc_judge_text_add(actual, "the value is not a string");
    return JUDGE_NA;
  }
  char got[256], exp[256];
  squeeze(s, got, sizeof(got));
  squeeze(want, exp, sizeof(exp));
  nsc_judge_text_add(actual, "\"%s\"", got);
  return strcmp(got, exp) == 0 ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_sysctl(struct judge *j)
{
  const char *key;
  json_t *value;
  json_object_foreach(json_object_get(j->lnx, "sysctl"), key, value)
  {
    const char *req = REQ("config-linux.sysctl.applied");
    if (!json_is_string(value)) {
      nsc_judge_skip(j, req, "linux.sysctl[\"%s\"] is not a string", key);
      continue;
    }
    char expected[320];
    snprintf(expected, sizeof(expected), "/proc/sys for %s reads \"%s\"", key,
             json_string_value(value));
    nsc_judge_fact(j, req, "sysctl", key, false, expected, eval_sysctl, json_string_value(value));
  }
}

/* ---- time offsets ------------------------------------------------------------------- */

struct offset_expect {
  long long secs, nanosecs;
};

static enum judge_eval eval_offset(const json_t *value, bool outside, const void *arg,
                                   struct judge_text *actual)
{
  const struct offset_expect *e = arg;
  const json_t *secs = json_array_get(value, 0), *nsecs = json_array_get(value, 1);
  if (!json_is_integer(secs) || !json_is_integer(nsecs)) {
    nsc_judge_text_add(actual, "the offset is not [secs, nanosecs]");
    return JUDGE_NA;
  }
  nsc_judge_text_add(actual, "%lld s %lld ns", (long long)json_integer_value(secs),
                     (long long)json_integer_value(nsecs));
  return json_integer_value(secs) == e->secs && json_integer_value(nsecs) == e->nanosecs
             ? JUDGE_PASS
             : JUDGE_FAIL;
}

static void judge_time_offsets(struct judge *j)
{
  const json_t *offsets = json_object_get(j->lnx, "timeOffsets");
  const json_t *time = nsc_judge_ns_entry(j, "time");
  const char *path = json_string_value(json_object_get(time, "path"));
  if (!json_is_object(offsets) || !time || (path && *path))
    return; /* offsets belong to a time namespace the runtime creates */
  static const char *const clocks[] = {"monotonic", "boottime"};
  for (size_t i = 0; i < 2; i++) {
    const char *req = REQ("config-linux.time-offsets.applied");
    const json_t *o = json_object_get(offsets, clocks[i]);
    if (!o)
      continue;
    const json_t *secs = json_object_get(o, "secs"), *nsecs = json_object_get(o, "nanosecs");
    if ((secs && !json_is_integer(secs)) || (nsecs && !json_is_integer(nsecs))) {
      nsc_judge_skip(j, req, "linux.timeOffsets.%s has non-integer values", clocks[i]);
      continue;
    }
    struct offset_expect e = {.secs = json_integer_value(secs),
                              .nanosecs = json_integer_value(nsecs)};
    char expected[128];
    snprintf(expected, sizeof(expected), "%s offset %lld s %lld ns", clocks[i], e.secs, e.nanosecs);
    nsc_judge_fact(j, req, "timens_offsets", clocks[i], false, expected, eval_offset, &e);
  }
}

/* ---- personality -------------------------------------------------------------------- */

#define PERSONA_MASK 0xff
#define PER_LINUX_   0x0000
#define PER_LINUX32_ 0x0008

static enum judge_eval eval_persona(const json_t *value, bool outside, const void *arg,
                                    struct judge_text *actual)
{
  const long long *want = arg;
  if (!json_is_integer(value)) {
    nsc_judge_text_add(actual, "the persona is not an integer");
    return JUDGE_NA;
  }
  long long p = json_integer_value(value);
  nsc_judge_text_add(actual, "persona 0x%llx (domain 0x%llx)", p, p & PERSONA_MASK);
  return (p & PERSONA_MASK) == *want ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_personality(struct judge *j)
{
  static const long long linux_ = PER_LINUX_, linux32 = PER_LINUX32_;
  const char *domain =
      json_string_value(json_object_get(json_object_get(j->lnx, "personality"), "domain"));
  if (!domain)
    return;
  const long long *want = !strcmp(domain, "LINUX")     ? &linux_
                          : !strcmp(domain, "LINUX32") ? &linux32
                                                       : NULL;
  if (!want)
    return; /* another domain is a negative case */
  char expected[96];
  snprintf(expected, sizeof(expected), "execution domain %s (0x%llx)", domain, *want);
  nsc_judge_fact(j, REQ("config-linux.personality.domain"), "personality", NULL, false, expected,
                 eval_persona, want);
}

void nsc_judge_linux_misc(struct judge *j)
{
  judge_sysctl(j);
  judge_time_offsets(j);
  judge_personality(j);
}
