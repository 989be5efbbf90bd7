/* Judgement of the mounts: root.readonly, each mounts entry (where it is, its
 * type, the flags ro/rw/nosuid/nodev/noexec, a remount), maskedPaths and
 * readonlyPaths, and the mount helpers the other mounts file shares.  The
 * further options of an entry (propagation, atime, sync and other flags,
 * bind and rbind, id-mapped mounts) and linux.rootfsPropagation are in
 * judge_mount_options.c.
 * Both the probe's /proc/self/mountinfo and the outside /proc/PID/mountinfo
 * name mount points relative to the container's root, so both views are
 * judged alike.
 *
 * Whether a masked or read-only path exists in the container decides whether
 * the spec asks anything of it.  The container is gone when the judge runs,
 * so the answer comes from the host: the path in root.path, or for paths
 * under a proc, sysfs or bind mount of the spec, the same path under the
 * host's /proc, /sys or the bind source.  Where neither tells, the path is
 * "unknown" and only a positive observation can pass. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "judge_int.h"
#include "requirements.h"

/* ---- helpers ------------------------------------------------------------------- */

/* Whether a comma-separated option list holds opt. */
bool nsc_judge_has_option(const char *csv, const char *opt)
{
  size_t n = strlen(opt);
  for (const char *p = csv; p && *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, opt, n) == 0)
      return true;
    p = end ? end + 1 : NULL;
  }
  return false;
}

bool nsc_judge_spec_has_option(const json_t *mount, const char *opt)
{
  size_t i;
  json_t *o;
  json_array_foreach(json_object_get(mount, "options"), i, o)
  {
    if (json_is_string(o) && strcmp(json_string_value(o), opt) == 0)
      return true;
  }
  return false;
}

static bool spec_is_bind(const json_t *mount)
{
  const char *type = json_string_value(json_object_get(mount, "type"));
  return (type && strcmp(type, "bind") == 0) || nsc_judge_spec_has_option(mount, "bind") ||
         nsc_judge_spec_has_option(mount, "rbind");
}

/* An absolute path without trailing slashes; a relative destination is
 * relative to the container's / (config.md). */
void nsc_judge_normalize(const char *in, char *out, size_t len)
{
  snprintf(out, len, "%s%s", in[0] == '/' ? "" : "/", in);
  size_t n = strlen(out);
  while (n > 1 && out[n - 1] == '/')
    out[--n] = '\0';
}

bool nsc_judge_is_under(const char *path, const char *dir)
{
  size_t n = strlen(dir);
  if (strcmp(dir, "/") == 0)
    return true;
  return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

const char *nsc_judge_mount_str(const json_t *m, const char *key)
{
  return json_string_value(json_object_get(m, key)) ?: "";
}

/* The topmost mount at point (the last one listed), of fstype when given. */
const json_t *nsc_judge_mount_at(const json_t *mounts, const char *point, const char *fstype)
{
  const json_t *found = NULL;
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m)
  {
    if (strcmp(nsc_judge_mount_str(m, "mount_point"), point) == 0 &&
        (!fstype || strcmp(nsc_judge_mount_str(m, "fstype"), fstype) == 0))
      found = m;
  }
  return found;
}

/* The mount that holds path: the topmost at the longest mount point above it. */
const json_t *nsc_judge_mount_holding(const json_t *mounts, const char *path)
{
  const json_t *found = NULL;
  size_t best = 0, i;
  json_t *m;
  json_array_foreach(mounts, i, m)
  {
    const char *point = nsc_judge_mount_str(m, "mount_point");
    size_t n = strlen(point);
    if (*point && nsc_judge_is_under(path, point) && (!found || n >= best)) {
      found = m;
      best = n;
    }
  }
  return found;
}

/* Whether path exists in the container: 1, 0, or -1 when the host cannot tell. */
static int path_exists(const struct judge *j, const char *path)
{
  const json_t *cover = NULL;
  char dest[PATH_MAX], best[PATH_MAX] = "";
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(j->v->config, "mounts"), i, m)
  {
    const char *d = json_string_value(json_object_get(m, "destination"));
    if (!d)
      continue;
    nsc_judge_normalize(d, dest, sizeof(dest));
    if (nsc_judge_is_under(path, dest) && strlen(dest) >= strlen(best)) {
      cover = m;
      snprintf(best, sizeof(best), "%s", dest);
    }
  }
  char host[PATH_MAX];
  if (cover) {
    const char *type = json_string_value(json_object_get(cover, "type")) ?: "";
    const char *source = json_string_value(json_object_get(cover, "source")) ?: "";
    const char *base = spec_is_bind(cover) && source[0] == '/' ? source
                       : strcmp(type, "proc") == 0             ? "/proc"
                       : strcmp(type, "sysfs") == 0            ? "/sys"
                                                               : NULL;
    if (!base)
      return -1;
    snprintf(host, sizeof(host), "%s%s", base, path + strlen(best));
  } else {
    const char *root =
        json_string_value(json_object_get(json_object_get(j->v->config, "root"), "path"));
    if (!root || root[0] != '/')
      return -1;
    snprintf(host, sizeof(host), "%s%s", root, path);
  }
  struct stat st;
  if (lstat(host, &st) == 0)
    return 1;
  return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

static bool list_has(const json_t *list, const char *path)
{
  char p[PATH_MAX];
  size_t i;
  json_t *e;
  json_array_foreach(list, i, e)
  {
    if (!json_is_string(e))
      continue;
    nsc_judge_normalize(json_string_value(e), p, sizeof(p));
    if (strcmp(p, path) == 0)
      return true;
  }
  return false;
}

/* ---- root.readonly ----------------------------------------------------------------- */

static enum judge_eval eval_root(const json_t *value, bool outside, const void *arg,
                                 struct judge_text *actual)
{
  const bool *want_ro = arg;
  const json_t *m = nsc_judge_mount_at(value, "/", NULL);
  if (!m) {
    nsc_judge_text_add(actual, "no mount at /");
    return JUDGE_FAIL;
  }
  bool ro = nsc_judge_has_option(nsc_judge_mount_str(m, "options"), "ro");
  nsc_judge_text_add(actual, "%s (%s %s)", ro ? "ro" : "rw", nsc_judge_mount_str(m, "fstype"),
                     nsc_judge_mount_str(m, "options"));
  return ro == *want_ro ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_root(struct judge *j)
{
  static const bool yes = true, no = false;
  if (json_is_true(json_object_get(json_object_get(j->v->config, "root"), "readonly")))
    nsc_judge_fact(j, REQ("config.root.readonly"), "mounts", NULL, true, "/ mounted ro", eval_root,
                   &yes);
  else
    nsc_judge_fact(j, REQ("config.root.readonly-default"), "mounts", NULL, true, "/ mounted rw",
                   eval_root, &no);
}

/* ---- mounts entries ------------------------------------------------------------------ */

const json_t *nsc_judge_find_mount(const json_t *mounts, const struct mount_expect *e)
{
  return nsc_judge_mount_at(mounts, e->dest, e->type);
}

enum judge_eval nsc_judge_eval_mount(const json_t *value, bool outside, const void *arg,
                                     struct judge_text *actual)
{
  const struct mount_expect *e = arg;
  const json_t *m = nsc_judge_find_mount(value, e);
  if (m) {
    nsc_judge_text_add(actual, "%s at %s", nsc_judge_mount_str(m, "fstype"), e->dest);
    return JUDGE_PASS;
  }
  m = nsc_judge_mount_at(value, e->dest, NULL);
  if (m)
    nsc_judge_text_add(actual, "%s at %s", nsc_judge_mount_str(m, "fstype"), e->dest);
  else
    nsc_judge_text_add(actual, "no mount at %s", e->dest);
  return JUDGE_FAIL;
}

static enum judge_eval eval_mount_flag(const json_t *value, bool outside, const void *arg,
                                       struct judge_text *actual)
{
  const struct mount_expect *e = arg;
  const json_t *m = nsc_judge_find_mount(value, e);
  if (!m) {
    nsc_judge_text_add(actual, "no such mount at %s", e->dest);
    return JUDGE_NA;
  }
  nsc_judge_text_add(actual, "%s: %s", e->dest, nsc_judge_mount_str(m, "options"));
  return nsc_judge_has_option(nsc_judge_mount_str(m, "options"), e->flag) == e->want ? JUDGE_PASS
                                                                                     : JUDGE_FAIL;
}

/* The spec options whose effect a mountinfo line shows; the opposite forms
 * (suid, dev, exec) are left out: a user namespace may lock them. */
static const struct {
  const char *option, *flag;
  bool want;
} flag_checks[] = {
    {"ro", "ro", true},       {"rw", "ro", false},        {"nosuid", "nosuid", true},
    {"nodev", "nodev", true}, {"noexec", "noexec", true},
};

static const char *flag_req(const char *option)
{
  if (!strcmp(option, "nosuid"))
    return REQ("config.mount-options.nosuid");
  if (!strcmp(option, "nodev"))
    return REQ("config.mount-options.nodev");
  if (!strcmp(option, "noexec"))
    return REQ("config.mount-options.noexec");
  return REQ("config.mount-options.ro-rw");
}

/* Whether the flags of mount i are its own: no later entry stacks on the same
 * destination and no maskedPaths/readonlyPaths entry changes it. */
static bool flags_are_its_own(const struct judge *j, const json_t *mounts, size_t i,
                              const char *dest)
{
  char other[PATH_MAX];
  for (size_t k = i + 1; k < json_array_size(mounts); k++) {
    const char *d = json_string_value(json_object_get(json_array_get(mounts, k), "destination"));
    if (!d)
      continue;
    nsc_judge_normalize(d, other, sizeof(other));
    if (strcmp(other, dest) == 0)
      return false;
  }
  return !list_has(json_object_get(j->lnx, "maskedPaths"), dest) &&
         !list_has(json_object_get(j->lnx, "readonlyPaths"), dest);
}

/* ---- remount ---------------------------------------------------------------------------
 * A remount entry changes the mount already at its destination: as many
 * mounts there as the entries before it stacked, and the top one read-only
 * or not as its last ro/rw option says. */

struct remount_expect {
  const char *dest;
  size_t count;
  int ro; /* 1, 0, -1 not given */
};

static enum judge_eval eval_remount(const json_t *value, bool outside, const void *arg,
                                    struct judge_text *actual)
{
  const struct remount_expect *e = arg;
  size_t n = 0, i;
  json_t *m;
  json_array_foreach(value, i, m)
  {
    n += strcmp(nsc_judge_mount_str(m, "mount_point"), e->dest) == 0;
  }
  const json_t *top = nsc_judge_mount_at(value, e->dest, NULL);
  nsc_judge_text_add(actual, "%zu mount%s at %s", n, n == 1 ? "" : "s", e->dest);
  if (top)
    nsc_judge_text_add(actual, ", the top one %s", nsc_judge_mount_str(top, "options"));
  bool ok = n == e->count && top;
  if (ok && e->ro >= 0)
    ok = nsc_judge_has_option(nsc_judge_mount_str(top, "options"), "ro") == (e->ro == 1);
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_remount(struct judge *j, const json_t *mounts, size_t i,
                          const struct mount_expect *m)
{
  const char *req = REQ("config.mount-options.remount");
  struct remount_expect e = {.dest = m->dest, .ro = -1};
  for (size_t k = 0; k < i; k++) {
    const json_t *o = json_array_get(mounts, k);
    const char *d = json_string_value(json_object_get(o, "destination"));
    char other[PATH_MAX];
    if (!d || nsc_judge_spec_has_option(o, "remount"))
      continue;
    nsc_judge_normalize(d, other, sizeof(other));
    e.count += strcmp(other, m->dest) == 0;
  }
  if (e.count == 0) {
    nsc_judge_skip(j, req, "no earlier mounts entry at %s to remount", m->dest);
    return;
  }
  size_t k;
  json_t *o;
  json_array_foreach(json_object_get(json_array_get(mounts, i), "options"), k, o)
  {
    const char *opt = json_string_value(o);
    if (opt && (!strcmp(opt, "ro") || !strcmp(opt, "rw")))
      e.ro = opt[1] == 'o';
  }
  char expected[PATH_MAX + 96];
  snprintf(expected, sizeof(expected), "%zu mount%s at %s (none added)%s", e.count,
           e.count == 1 ? "" : "s", m->dest,
           e.ro < 0 ? ""
           : e.ro   ? ", the top one ro"
                    : ", the top one not ro");
  nsc_judge_fact(j, req, "mounts", NULL, true, expected, eval_remount, &e);
}

static void judge_mount_entry(struct judge *j, const json_t *mounts, size_t i)
{
  static const char *const checked_types[] = {"proc", "tmpfs", "sysfs", "devpts", "mqueue"};
  const char *req = REQ("config.mounts.applied");
  const json_t *m = json_array_get(mounts, i);
  const char *dest = json_string_value(json_object_get(m, "destination"));
  const char *type = json_string_value(json_object_get(m, "type"));
  bool bind = spec_is_bind(m);
  if (!dest || (!type && !bind)) {
    nsc_judge_skip(j, req, "mounts[%zu] has no destination or type", i);
    return;
  }
  struct mount_expect e = {.type = bind ? NULL : type};
  nsc_judge_normalize(dest, e.dest, sizeof(e.dest));
  bool known = bind;
  for (size_t k = 0; k < sizeof(checked_types) / sizeof(checked_types[0]); k++)
    known |= type && strcmp(type, checked_types[k]) == 0;
  if (!known) {
    nsc_judge_skip(j, req, "mounts of type %s at %s are not checked", type, e.dest);
    return;
  }
  char expected[PATH_MAX + 64];
  if (bind)
    snprintf(expected, sizeof(expected), "a bind mount at %s", e.dest);
  else
    snprintf(expected, sizeof(expected), "%s at %s", type, e.dest);
  nsc_judge_fact(j, req, "mounts", NULL, true, expected, nsc_judge_eval_mount, &e);

  if (!flags_are_its_own(j, mounts, i, e.dest))
    return;
  for (size_t k = 0; k < sizeof(flag_checks) / sizeof(flag_checks[0]); k++) {
    if (!nsc_judge_spec_has_option(m, flag_checks[k].option))
      continue;
    e.flag = flag_checks[k].flag;
    e.want = flag_checks[k].want;
    snprintf(expected, sizeof(expected), "%s: %s%s", e.dest, e.want ? "" : "not ", e.flag);
    nsc_judge_fact(j, flag_req(flag_checks[k].option), "mounts", NULL, true, expected,
                   eval_mount_flag, &e);
  }
  nsc_judge_option_groups(j, m, &e);
  if (nsc_judge_spec_has_option(m, "remount"))
    judge_remount(j, mounts, i, &e);
  else if (bind)
    nsc_judge_bind(j, m, &e);
  if (bind)
    nsc_judge_idmapped(j, m, &e);
}

/* ---- maskedPaths, readonlyPaths --------------------------------------------------------- */

struct path_expect {
  char path[PATH_MAX];
  int exists; /* 1, 0, -1 unknown */
};

static enum judge_eval path_na(const struct path_expect *e, struct judge_text *actual)
{
  nsc_judge_text_add(actual,
                     e->exists == 0 ? "%s does not exist in the container"
                                    : "cannot tell whether %s exists in the container",
                     e->path);
  return JUDGE_NA;
}

/* Masked: something covers the path, a tmpfs (directories) or a bind of
 * /dev/null (files, whose mount shows the fstype of the container's /dev). */
static enum judge_eval eval_masked(const json_t *value, bool outside, const void *arg,
                                   struct judge_text *actual)
{
  const struct path_expect *e = arg;
  const json_t *m = nsc_judge_mount_at(value, e->path, NULL);
  if (!m) {
    if (e->exists != 1)
      return path_na(e, actual);
    nsc_judge_text_add(actual, "no mount at %s: its content is visible", e->path);
    return JUDGE_FAIL;
  }
  const char *fstype = nsc_judge_mount_str(m, "fstype");
  bool ok = strcmp(fstype, "tmpfs") == 0 || strcmp(fstype, "devtmpfs") == 0;
  nsc_judge_text_add(actual, "%s mount at %s (%s)%s", fstype, e->path,
                     nsc_judge_mount_str(m, "options"), ok ? "" : ": the original content");
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

static enum judge_eval eval_readonly_path(const json_t *value, bool outside, const void *arg,
                                          struct judge_text *actual)
{
  const struct path_expect *e = arg;
  if (e->exists == 0)
    return path_na(e, actual);
  const json_t *m = nsc_judge_mount_holding(value, e->path);
  if (!m) {
    nsc_judge_text_add(actual, "no mount holds %s", e->path);
    return JUDGE_FAIL;
  }
  bool ro = nsc_judge_has_option(nsc_judge_mount_str(m, "options"), "ro");
  if (!ro && e->exists < 0)
    return path_na(e, actual);
  nsc_judge_text_add(actual, "%s on the %s mount at %s (%s)", e->path,
                     nsc_judge_mount_str(m, "fstype"), nsc_judge_mount_str(m, "mount_point"),
                     nsc_judge_mount_str(m, "options"));
  return ro ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_paths(struct judge *j, const char *key, const char *req, judge_eval_fn eval,
                        const char *what)
{
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(j->lnx, key), i, p)
  {
    const char *path = json_string_value(p);
    if (!path || path[0] != '/')
      continue; /* a relative entry is a negative case */
    struct path_expect e;
    nsc_judge_normalize(path, e.path, sizeof(e.path));
    e.exists = path_exists(j, e.path);
    char expected[PATH_MAX + 64];
    snprintf(expected, sizeof(expected), "%s %s", e.path, what);
    nsc_judge_fact(j, req, "mounts", NULL, true, expected, eval, &e);
  }
}

void nsc_judge_mounts(struct judge *j)
{
  judge_root(j);
  nsc_judge_rootfs_propagation(j);
  const json_t *mounts = json_object_get(j->v->config, "mounts");
  for (size_t i = 0; i < json_array_size(mounts); i++)
    judge_mount_entry(j, mounts, i);
  judge_paths(j, "maskedPaths", REQ("config-linux.masked-paths.masked"), eval_masked,
              "masked (a tmpfs or /dev/null over it)");
  judge_paths(j, "readonlyPaths", REQ("config-linux.readonly-paths.readonly"), eval_readonly_path,
              "on a read-only mount");
}
