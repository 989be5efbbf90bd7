/* Judgement of the mounts: root.readonly, each mounts entry (where it is, its
 * type, the flags ro/rw/nosuid/nodev/noexec), maskedPaths and readonlyPaths.
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
#include <unistd.h>

#include "judge_int.h"
#include "requirements.h"

/* ---- helpers ------------------------------------------------------------------- */

/* Whether a comma-separated option list holds opt. */
static bool has_option(const char *csv, const char *opt)
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

static bool spec_has_option(const json_t *mount, const char *opt)
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
  return (type && strcmp(type, "bind") == 0) || spec_has_option(mount, "bind") ||
         spec_has_option(mount, "rbind");
}

/* An absolute path without trailing slashes; a relative destination is
 * relative to the container's / (config.md). */
static void normalize(const char *in, char *out, size_t len)
{
  snprintf(out, len, "%s%s", in[0] == '/' ? "" : "/", in);
  size_t n = strlen(out);
  while (n > 1 && out[n - 1] == '/')
    out[--n] = '\0';
}

static bool is_under(const char *path, const char *dir)
{
  size_t n = strlen(dir);
  if (strcmp(dir, "/") == 0)
    return true;
  return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static const char *mount_str(const json_t *m, const char *key)
{
  return json_string_value(json_object_get(m, key)) ?: "";
}

/* The topmost mount at point (the last one listed), of fstype when given. */
static const json_t *mount_at(const json_t *mounts, const char *point, const char *fstype)
{
  const json_t *found = NULL;
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m)
  {
    if (strcmp(mount_str(m, "mount_point"), point) == 0 &&
        (!fstype || strcmp(mount_str(m, "fstype"), fstype) == 0))
      found = m;
  }
  return found;
}

/* The mount that holds path: the topmost at the longest mount point above it. */
static const json_t *mount_holding(const json_t *mounts, const char *path)
{
  const json_t *found = NULL;
  size_t best = 0, i;
  json_t *m;
  json_array_foreach(mounts, i, m)
  {
    const char *point = mount_str(m, "mount_point");
    size_t n = strlen(point);
    if (*point && is_under(path, point) && (!found || n >= best)) {
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
    normalize(d, dest, sizeof(dest));
    if (is_under(path, dest) && strlen(dest) >= strlen(best)) {
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
    normalize(json_string_value(e), p, sizeof(p));
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
  const json_t *m = mount_at(value, "/", NULL);
  if (!m) {
    nsc_judge_text_add(actual, "no mount at /");
    return JUDGE_FAIL;
  }
  bool ro = has_option(mount_str(m, "options"), "ro");
  nsc_judge_text_add(actual, "%s (%s %s)", ro ? "ro" : "rw", mount_str(m, "fstype"),
                     mount_str(m, "options"));
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

struct mount_expect {
  char dest[PATH_MAX];
  const char *type; /* NULL for a bind mount: it shows its source's type */
  const char *flag; /* flags check: the mountinfo option, and whether it is wanted */
  bool want;
};

static const json_t *find_mount(const json_t *mounts, const struct mount_expect *e)
{
  return mount_at(mounts, e->dest, e->type);
}

static enum judge_eval eval_mount(const json_t *value, bool outside, const void *arg,
                                  struct judge_text *actual)
{
  const struct mount_expect *e = arg;
  const json_t *m = find_mount(value, e);
  if (m) {
    nsc_judge_text_add(actual, "%s at %s", mount_str(m, "fstype"), e->dest);
    return JUDGE_PASS;
  }
  m = mount_at(value, e->dest, NULL);
  if (m)
    nsc_judge_text_add(actual, "%s at %s", mount_str(m, "fstype"), e->dest);
  else
    nsc_judge_text_add(actual, "no mount at %s", e->dest);
  return JUDGE_FAIL;
}

static enum judge_eval eval_mount_flag(const json_t *value, bool outside, const void *arg,
                                       struct judge_text *actual)
{
  const struct mount_expect *e = arg;
  const json_t *m = find_mount(value, e);
  if (!m) {
    nsc_judge_text_add(actual, "no such mount at %s", e->dest);
    return JUDGE_NA;
  }
  nsc_judge_text_add(actual, "%s: %s", e->dest, mount_str(m, "options"));
  return has_option(mount_str(m, "options"), e->flag) == e->want ? JUDGE_PASS : JUDGE_FAIL;
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
    normalize(d, other, sizeof(other));
    if (strcmp(other, dest) == 0)
      return false;
  }
  return !list_has(json_object_get(j->lnx, "maskedPaths"), dest) &&
         !list_has(json_object_get(j->lnx, "readonlyPaths"), dest);
}

/* ---- option groups: propagation, access time, write, other flags ----------------------
 * In each group the last option of the entry decides, as when the flags are
 * gathered in order.  Each option says what the mountinfo line must (or must
 * not) show, in the per-mount options or, for superblock flags, the
 * super_options. */

enum opt_group { G_PROP, G_ATIME, G_DIRATIME, G_SYNC, G_DIRSYNC, G_LAZY, G_OTHER, G_COUNT };
enum opt_field { F_OPTIONS, F_SUPER, F_PROPAGATION, F_NONE };

static const struct option_rule {
  const char *option;
  enum opt_group group;
  enum opt_field field;
  const char *has;    /* the field holds this (a propagation field: this prefix) */
  const char *hasnt;  /* and not this */
  const char *hasnt2; /* nor this */
} option_rules[] = {
    {"shared", G_PROP, F_PROPAGATION, "shared:", NULL, NULL},
    {"rshared", G_PROP, F_PROPAGATION, "shared:", NULL, NULL},
    {"private", G_PROP, F_PROPAGATION, NULL, "shared:", "master:"},
    {"rprivate", G_PROP, F_PROPAGATION, NULL, "shared:", "master:"},
    /* a slave of a mount with no peers is private: only "not shared" is certain */
    {"slave", G_PROP, F_PROPAGATION, NULL, "shared:", "unbindable"},
    {"rslave", G_PROP, F_PROPAGATION, NULL, "shared:", "unbindable"},
    {"unbindable", G_PROP, F_PROPAGATION, "unbindable", NULL, NULL},
    {"runbindable", G_PROP, F_PROPAGATION, "unbindable", NULL, NULL},
    {"noatime", G_ATIME, F_OPTIONS, "noatime", NULL, NULL},
    {"atime", G_ATIME, F_OPTIONS, NULL, "noatime", NULL},
    {"relatime", G_ATIME, F_OPTIONS, "relatime", NULL, NULL},
    {"strictatime", G_ATIME, F_OPTIONS, NULL, "relatime", "noatime"},
    /* without MS_NOATIME or MS_STRICTATIME the kernel picks relatime anyway */
    {"norelatime", G_ATIME, F_NONE, NULL, NULL, NULL},
    {"nostrictatime", G_ATIME, F_NONE, NULL, NULL, NULL},
    {"nodiratime", G_DIRATIME, F_OPTIONS, "nodiratime", NULL, NULL},
    {"diratime", G_DIRATIME, F_OPTIONS, NULL, "nodiratime", NULL},
    {"sync", G_SYNC, F_SUPER, "sync", NULL, NULL},
    {"async", G_SYNC, F_SUPER, NULL, "sync", NULL},
    {"dirsync", G_DIRSYNC, F_SUPER, "dirsync", NULL, NULL},
    {"lazytime", G_LAZY, F_SUPER, "lazytime", NULL, NULL},
    {"nolazytime", G_LAZY, F_SUPER, NULL, "lazytime", NULL},
    /* no trace in mountinfo; handed to mount(2) as data, most file systems
     * would refuse them, so the mount being there is what shows */
    {"defaults", G_OTHER, F_NONE, NULL, NULL, NULL},
    {"iversion", G_OTHER, F_NONE, NULL, NULL, NULL},
    {"noiversion", G_OTHER, F_NONE, NULL, NULL, NULL},
    {"silent", G_OTHER, F_NONE, NULL, NULL, NULL},
    {"loud", G_OTHER, F_NONE, NULL, NULL, NULL},
};

static const char *group_req(enum opt_group g)
{
  switch (g) {
  case G_PROP:
    return REQ("config.mount-options.propagation");
  case G_ATIME:
  case G_DIRATIME:
    return REQ("config.mount-options.atime");
  case G_SYNC:
  case G_DIRSYNC:
    return REQ("config.mount-options.sync");
  default:
    return REQ("config.mount-options.other-flags");
  }
}

/* Whether a propagation string holds a field starting with prefix. */
static bool has_propagation(const char *prop, const char *prefix)
{
  size_t n = strlen(prefix);
  for (const char *p = prop; p && *p;) {
    while (*p == ' ')
      p++;
    if (strncmp(p, prefix, n) == 0)
      return true;
    p = strchr(p, ' ');
  }
  return false;
}

static bool field_has(enum opt_field f, const char *text, const char *what)
{
  return f == F_PROPAGATION ? has_propagation(text, what) : has_option(text, what);
}

struct option_expect {
  const struct mount_expect *m;
  const struct option_rule *rule;
};

static enum judge_eval eval_option(const json_t *value, bool outside, const void *arg,
                                   struct judge_text *actual)
{
  const struct option_expect *e = arg;
  const struct option_rule *r = e->rule;
  const json_t *m = find_mount(value, e->m);
  if (!m) {
    nsc_judge_text_add(actual, "no such mount at %s", e->m->dest);
    return JUDGE_NA;
  }
  static const char *const keys[] = {"options", "super_options", "propagation", NULL};
  static const char *const shown[] = {"options", "super options", "propagation", NULL};
  if (r->field == F_NONE) {
    nsc_judge_text_add(actual, "%s mounted (%s)", e->m->dest, mount_str(m, "options"));
    return JUDGE_PASS;
  }
  const json_t *field = json_object_get(m, keys[r->field]);
  if (!json_is_string(field)) {
    nsc_judge_text_add(actual, "the mount at %s has no %s", e->m->dest, shown[r->field]);
    return JUDGE_NA;
  }
  const char *text = json_string_value(field);
  nsc_judge_text_add(actual, "%s: %s \"%s\"", e->m->dest, shown[r->field], text);
  bool ok = (!r->has || field_has(r->field, text, r->has)) &&
            (!r->hasnt || !field_has(r->field, text, r->hasnt)) &&
            (!r->hasnt2 || !field_has(r->field, text, r->hasnt2));
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_option_groups(struct judge *j, const json_t *mount, const struct mount_expect *m)
{
  const struct option_rule *last[G_COUNT] = {NULL};
  size_t i;
  json_t *o;
  json_array_foreach(json_object_get(mount, "options"), i, o)
  {
    for (size_t k = 0; k < sizeof(option_rules) / sizeof(option_rules[0]); k++)
      if (json_is_string(o) && !strcmp(json_string_value(o), option_rules[k].option))
        last[option_rules[k].group] = &option_rules[k];
  }
  for (int g = 0; g < G_COUNT; g++) {
    const struct option_rule *r = last[g];
    if (!r)
      continue;
    struct option_expect e = {.m = m, .rule = r};
    struct judge_text expected = {.len = 0};
    nsc_judge_text_add(&expected, "%s with %s: ", m->dest, r->option);
    if (r->field == F_NONE)
      nsc_judge_text_add(&expected, "mounted, the option taken as a flag");
    if (r->has)
      nsc_judge_text_add(&expected, "%s", r->has);
    if (r->hasnt)
      nsc_judge_text_add(&expected, "%snot %s", r->has ? ", " : "", r->hasnt);
    if (r->hasnt2)
      nsc_judge_text_add(&expected, ", not %s", r->hasnt2);
    if (r->field == F_SUPER)
      nsc_judge_text_add(&expected, " in the super options");
    nsc_judge_fact(j, group_req(r->group), "mounts", NULL, true, expected.s, eval_option, &e);
  }
}

/* ---- bind and rbind ----------------------------------------------------------------------
 * Whether submounts of the source came along is told by the harness's own
 * view of the source: the mounts right below it (not those below another
 * submount, which an isolated runtime may not have). */

#define MAX_SUBMOUNTS 64

struct bind_expect {
  const struct mount_expect *m;
  bool recursive;
  const char *sub[MAX_SUBMOUNTS]; /* below the source, relative ("/fs/cgroup") */
  size_t n;
};

/* The part of path below dir ("/sys/fs/cgroup" below "/sys": "/fs/cgroup"). */
static const char *below(const char *path, const char *dir)
{
  return path + (strcmp(dir, "/") == 0 ? 0 : strlen(dir));
}

/* Mount points strictly below dir in mounts, with no other one between. */
static size_t direct_submounts(const json_t *mounts, const char *dir, const char **out, size_t max)
{
  size_t n = 0, i, k;
  json_t *m, *other;
  json_array_foreach(mounts, i, m)
  {
    const char *p = mount_str(m, "mount_point");
    if (!is_under(p, dir) || !strcmp(p, dir))
      continue;
    bool direct = true;
    json_array_foreach(mounts, k, other)
    {
      const char *q = mount_str(other, "mount_point");
      direct &= !(is_under(q, dir) && strcmp(q, dir) && is_under(p, q) && strcmp(p, q));
    }
    bool seen = false;
    for (size_t s = 0; s < n; s++)
      seen |= !strcmp(out[s], p);
    if (direct && !seen && n < max)
      out[n++] = p;
  }
  return n;
}

static enum judge_eval eval_bind(const json_t *value, bool outside, const void *arg,
                                 struct judge_text *actual)
{
  const struct bind_expect *e = arg;
  if (!mount_at(value, e->m->dest, NULL)) {
    nsc_judge_text_add(actual, "no mount at %s", e->m->dest);
    return JUDGE_NA;
  }
  size_t found = 0;
  for (size_t i = 0; i < e->n; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s%s", strcmp(e->m->dest, "/") ? e->m->dest : "", e->sub[i]);
    if (mount_at(value, path, NULL))
      found++;
    else if (e->recursive)
      nsc_judge_text_add(actual, "%s%s missing", actual->len ? ", " : "", path);
  }
  const char *under[1];
  size_t any = direct_submounts(value, e->m->dest, under, 1);
  if (e->recursive) {
    if (found == e->n)
      nsc_judge_text_add(actual, "all %zu submounts under %s", e->n, e->m->dest);
    return found == e->n ? JUDGE_PASS : JUDGE_FAIL;
  }
  if (any)
    nsc_judge_text_add(actual, "a mount at %s", under[0]);
  else
    nsc_judge_text_add(actual, "nothing mounted under %s", e->m->dest);
  return any ? JUDGE_FAIL : JUDGE_PASS;
}

/* The mount of the harness's own view that holds path. */
static const json_t *self_mount(const struct judge *j, const char *path)
{
  return mount_holding(json_object_get(j->v->self, "mounts"), path);
}

static void judge_bind(struct judge *j, const json_t *mount, const struct mount_expect *m)
{
  const char *source = json_string_value(json_object_get(mount, "source"));
  const char *type = json_string_value(json_object_get(mount, "type"));
  const json_t *self_mounts = json_object_get(j->v->self, "mounts");
  /* bind or rbind in the options makes it a bind mount whatever the type says */
  if (type && strcmp(type, "bind") != 0) {
    const char *req = REQ("config.mounts.bind-by-option");
    const json_t *src = source && source[0] == '/' ? self_mount(j, source) : NULL;
    if (!src) {
      nsc_judge_skip(j, req, "%s",
                     !self_mounts ? "no observation of the harness's mounts"
                                  : "the source is not an absolute path");
    } else {
      struct mount_expect e = *m;
      e.type = mount_str(src, "fstype");
      char expected[PATH_MAX + 128];
      snprintf(expected, sizeof(expected), "%s: a bind of %s (%s), not a %s mount", m->dest, source,
               e.type, type);
      nsc_judge_fact(j, req, "mounts", NULL, true, expected, eval_mount, &e);
    }
  }
  bool recursive = spec_has_option(mount, "rbind");
  const char *req =
      recursive ? REQ("config.mount-options.rbind") : REQ("config.mount-options.bind");
  if (!source || source[0] != '/' || !self_mounts) {
    nsc_judge_skip(j, req, "%s",
                   !self_mounts ? "no observation of the harness's mounts"
                                : "the source is not an absolute path");
    return;
  }
  /* Something the spec itself mounts under the destination would blur it. */
  const json_t *mounts = json_object_get(j->v->config, "mounts");
  size_t i;
  json_t *other;
  json_array_foreach(mounts, i, other)
  {
    char d[PATH_MAX];
    const char *od = json_string_value(json_object_get(other, "destination"));
    if (!od || other == mount)
      continue;
    normalize(od, d, sizeof(d));
    if (is_under(d, m->dest) && strcmp(d, m->dest)) {
      nsc_judge_skip(j, req, "the spec mounts %s under %s", d, m->dest);
      return;
    }
  }
  /* So would masked and read-only paths under it, for a non-recursive bind. */
  static const char *const lists[] = {"maskedPaths", "readonlyPaths"};
  for (size_t l = 0; l < 2 && !recursive; l++) {
    json_array_foreach(json_object_get(j->lnx, lists[l]), i, other)
    {
      char d[PATH_MAX];
      if (!json_is_string(other))
        continue;
      normalize(json_string_value(other), d, sizeof(d));
      if (is_under(d, m->dest) && strcmp(d, m->dest)) {
        nsc_judge_skip(j, req, "linux.%s has %s under %s", lists[l], d, m->dest);
        return;
      }
    }
  }
  struct bind_expect e = {.m = m, .recursive = recursive};
  char src[PATH_MAX];
  normalize(source, src, sizeof(src));
  e.n = direct_submounts(self_mounts, src, e.sub, MAX_SUBMOUNTS);
  for (size_t k = 0; k < e.n; k++)
    e.sub[k] = below(e.sub[k], src);
  if (e.n == 0) {
    nsc_judge_skip(j, req, "%s has no submounts here, so bind and rbind look alike", src);
    return;
  }
  char expected[PATH_MAX + 128];
  if (recursive)
    snprintf(expected, sizeof(expected), "%s: the %zu submounts of %s (%s...) under it too",
             m->dest, e.n, src, e.sub[0]);
  else
    snprintf(expected, sizeof(expected), "%s: nothing under it (%s has %zu submounts)", m->dest,
             src, e.n);
  nsc_judge_fact(j, req, "mounts", NULL, true, expected, eval_bind, &e);
}

/* ---- id-mapped mounts ---------------------------------------------------------------
 * mountinfo marks an id-mapped mount "idmapped".  Whether the mapping is the
 * one the entry gives shows in the owner of the mount point as the probe
 * sees it: the on-disk owner, through the entry's mappings (containerID ->
 * hostID), then through the container's user namespace (the probe's
 * uid_map/gid_map, inside <- outside); an id a map lacks is the overflow id. */

#define OVERFLOW_ID 65534

static enum judge_eval eval_idmapped(const json_t *value, bool outside, const void *arg,
                                     struct judge_text *actual)
{
  const char *dest = arg;
  const json_t *m = mount_at(value, dest, NULL);
  if (!m) {
    nsc_judge_text_add(actual, "no mount at %s", dest);
    return JUDGE_FAIL;
  }
  nsc_judge_text_add(actual, "%s: %s", dest, mount_str(m, "options"));
  return has_option(mount_str(m, "options"), "idmapped") ? JUDGE_PASS : JUDGE_FAIL;
}

/* id through a spec mapping list (containerID -> hostID); -1 when unmapped or
 * malformed. */
static long long spec_map(const json_t *list, long long id)
{
  size_t i;
  json_t *r;
  json_array_foreach(list, i, r)
  {
    long long c = json_integer_value(json_object_get(r, "containerID"));
    long long h = json_integer_value(json_object_get(r, "hostID"));
    long long n = json_integer_value(json_object_get(r, "size"));
    if (id >= c && id - c < n)
      return h + (id - c);
  }
  return -1;
}

/* A host id as the probe sees it through its [[inside, outside, count]]
 * map; -1 when unmapped. */
static long long probe_view(const json_t *map, long long id)
{
  size_t i;
  json_t *r;
  json_array_foreach(map, i, r)
  {
    long long in = json_integer_value(json_array_get(r, 0));
    long long out = json_integer_value(json_array_get(r, 1));
    long long n = json_integer_value(json_array_get(r, 2));
    if (id >= out && id - out < n)
      return in + (id - out);
  }
  return -1;
}

struct owner_expect {
  long long uid, gid;
};

static enum judge_eval eval_owner(const json_t *value, bool outside, const void *arg,
                                  struct judge_text *actual)
{
  const struct owner_expect *e = arg;
  const char *type = json_string_value(json_object_get(value, "type"));
  if (!type || !strcmp(type, "missing")) {
    nsc_judge_text_add(actual, "the mount point is missing");
    return JUDGE_FAIL;
  }
  long long uid = json_integer_value(json_object_get(value, "uid"));
  long long gid = json_integer_value(json_object_get(value, "gid"));
  nsc_judge_text_add(actual, "owner %lld:%lld", uid, gid);
  return uid == e->uid && gid == e->gid ? JUDGE_PASS : JUDGE_FAIL;
}

/* The on-disk owner of a bind source: a relative source is the bundle (or a
 * path in it), which the harness made as itself; an absolute one is looked
 * up on the host.  false when it cannot be told. */
static bool source_owner(const char *source, long long *uid, long long *gid)
{
  if (source[0] != '/') {
    if (strcmp(source, ".") != 0 && strcmp(source, "./") != 0)
      return false;
    *uid = geteuid();
    *gid = getegid();
    return true;
  }
  struct stat st;
  if (stat(source, &st) < 0)
    return false;
  *uid = st.st_uid;
  *gid = st.st_gid;
  return true;
}

static void judge_idmapped(struct judge *j, const json_t *mount, const struct mount_expect *m)
{
  const json_t *umap = json_object_get(mount, "uidMappings");
  const json_t *gmap = json_object_get(mount, "gidMappings");
  bool maps = json_array_size(umap) > 0 && json_array_size(gmap) > 0;
  bool option = spec_has_option(mount, "idmap") || spec_has_option(mount, "ridmap");
  if (!maps && !option)
    return;
  char expected[PATH_MAX + 160];
  snprintf(expected, sizeof(expected), "%s: an id-mapped mount (\"idmapped\")", m->dest);
  nsc_judge_fact(j, REQ("config.mount-options.idmap"), "mounts", NULL, true, expected,
                 eval_idmapped, m->dest);
  if (!maps)
    return;
  const char *req = REQ("config.mount-options.idmap-mappings");
  const char *source = json_string_value(json_object_get(mount, "source"));
  long long disk_uid, disk_gid;
  if (!source || !source_owner(source, &disk_uid, &disk_gid)) {
    nsc_judge_skip(j, req, "the owner of source %s on disk is not known", source ? source : "?");
    return;
  }
  const json_t *puid = json_object_get(j->v->probe, "uid_map");
  const json_t *pgid = json_object_get(j->v->probe, "gid_map");
  if (j->v->probe && (!json_is_array(puid) || !json_is_array(pgid))) {
    nsc_judge_skip(j, req, "the probe reported no uid_map/gid_map to see the ids through");
    return;
  }
  long long hu = spec_map(umap, disk_uid), hg = spec_map(gmap, disk_gid);
  long long iu = hu < 0 ? -1 : probe_view(puid, hu), ig = hg < 0 ? -1 : probe_view(pgid, hg);
  struct owner_expect e = {iu < 0 ? OVERFLOW_ID : iu, ig < 0 ? OVERFLOW_ID : ig};
  snprintf(expected, sizeof(expected),
           "%s owned by %lld:%lld (on disk %lld:%lld, host %lld:%lld through the mount's "
           "mappings)",
           m->dest, e.uid, e.gid, disk_uid, disk_gid, hu, hg);
  nsc_judge_fact(j, req, "stat", m->dest, false, expected, eval_owner, &e);
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
    n += strcmp(mount_str(m, "mount_point"), e->dest) == 0;
  }
  const json_t *top = mount_at(value, e->dest, NULL);
  nsc_judge_text_add(actual, "%zu mount%s at %s", n, n == 1 ? "" : "s", e->dest);
  if (top)
    nsc_judge_text_add(actual, ", the top one %s", mount_str(top, "options"));
  bool ok = n == e->count && top;
  if (ok && e->ro >= 0)
    ok = has_option(mount_str(top, "options"), "ro") == (e->ro == 1);
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
    if (!d || spec_has_option(o, "remount"))
      continue;
    normalize(d, other, sizeof(other));
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
  normalize(dest, e.dest, sizeof(e.dest));
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
  nsc_judge_fact(j, req, "mounts", NULL, true, expected, eval_mount, &e);

  if (!flags_are_its_own(j, mounts, i, e.dest))
    return;
  for (size_t k = 0; k < sizeof(flag_checks) / sizeof(flag_checks[0]); k++) {
    if (!spec_has_option(m, flag_checks[k].option))
      continue;
    e.flag = flag_checks[k].flag;
    e.want = flag_checks[k].want;
    snprintf(expected, sizeof(expected), "%s: %s%s", e.dest, e.want ? "" : "not ", e.flag);
    nsc_judge_fact(j, flag_req(flag_checks[k].option), "mounts", NULL, true, expected,
                   eval_mount_flag, &e);
  }
  judge_option_groups(j, m, &e);
  if (spec_has_option(m, "remount"))
    judge_remount(j, mounts, i, &e);
  else if (bind)
    judge_bind(j, m, &e);
  if (bind)
    judge_idmapped(j, m, &e);
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
  const json_t *m = mount_at(value, e->path, NULL);
  if (!m) {
    if (e->exists != 1)
      return path_na(e, actual);
    nsc_judge_text_add(actual, "no mount at %s: its content is visible", e->path);
    return JUDGE_FAIL;
  }
  const char *fstype = mount_str(m, "fstype");
  bool ok = strcmp(fstype, "tmpfs") == 0 || strcmp(fstype, "devtmpfs") == 0;
  nsc_judge_text_add(actual, "%s mount at %s (%s)%s", fstype, e->path, mount_str(m, "options"),
                     ok ? "" : ": the original content");
  return ok ? JUDGE_PASS : JUDGE_FAIL;
}

static enum judge_eval eval_readonly_path(const json_t *value, bool outside, const void *arg,
                                          struct judge_text *actual)
{
  const struct path_expect *e = arg;
  if (e->exists == 0)
    return path_na(e, actual);
  const json_t *m = mount_holding(value, e->path);
  if (!m) {
    nsc_judge_text_add(actual, "no mount holds %s", e->path);
    return JUDGE_FAIL;
  }
  bool ro = has_option(mount_str(m, "options"), "ro");
  if (!ro && e->exists < 0)
    return path_na(e, actual);
  nsc_judge_text_add(actual, "%s on the %s mount at %s (%s)", e->path, mount_str(m, "fstype"),
                     mount_str(m, "mount_point"), mount_str(m, "options"));
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
    normalize(path, e.path, sizeof(e.path));
    e.exists = path_exists(j, e.path);
    char expected[PATH_MAX + 64];
    snprintf(expected, sizeof(expected), "%s %s", e.path, what);
    nsc_judge_fact(j, req, "mounts", NULL, true, expected, eval, &e);
  }
}

/* ---- rootfsPropagation --------------------------------------------------------------- */

struct rootprop_expect {
  const char *value;
  bool host_shared; /* the harness's mount holding root.path is shared */
};

static enum judge_eval eval_rootprop(const json_t *value, bool outside, const void *arg,
                                     struct judge_text *actual)
{
  const struct rootprop_expect *e = arg;
  const json_t *m = mount_at(value, "/", NULL);
  const char *prop = json_string_value(json_object_get(m, "propagation"));
  if (!m || !prop) {
    nsc_judge_text_add(actual, !m ? "no mount at /" : "the mount at / has no propagation fields");
    return !m ? JUDGE_FAIL : JUDGE_NA;
  }
  nsc_judge_text_add(actual, "/: \"%s\"", prop);
  bool shared = has_propagation(prop, "shared:"), master = has_propagation(prop, "master:");
  bool unbindable = has_propagation(prop, "unbindable");
  if (!strcmp(e->value, "shared"))
    return shared ? JUDGE_PASS : JUDGE_FAIL;
  if (!strcmp(e->value, "slave"))
    return !shared && !unbindable && (master || !e->host_shared) ? JUDGE_PASS : JUDGE_FAIL;
  if (!strcmp(e->value, "private"))
    return !shared && !master && !unbindable ? JUDGE_PASS : JUDGE_FAIL;
  return unbindable ? JUDGE_PASS : JUDGE_FAIL;
}

static void judge_rootfs_propagation(struct judge *j)
{
  const char *value = json_string_value(json_object_get(j->lnx, "rootfsPropagation"));
  if (!value)
    return;
  const char *req = REQ("config-linux.rootfs-propagation.applied");
  static const char *const known[] = {"shared", "slave", "private", "unbindable"};
  bool valid = false;
  for (size_t i = 0; i < 4; i++)
    valid |= !strcmp(value, known[i]);
  if (!valid)
    return; /* another value is a negative case */
  struct rootprop_expect e = {.value = value};
  const char *root =
      json_string_value(json_object_get(json_object_get(j->v->config, "root"), "path"));
  const json_t *host = root && root[0] == '/' ? self_mount(j, root) : NULL;
  if (!strcmp(value, "slave") && !host) {
    nsc_judge_skip(j, req,
                   "no view of the harness's mount of root.path, to tell a slave from a "
                   "private mount");
    return;
  }
  e.host_shared = has_propagation(mount_str(host, "propagation"), "shared:");
  char expected[160];
  snprintf(expected, sizeof(expected), "/ %s%s", value,
           !strcmp(value, "shared")  ? " (shared:N)"
           : !strcmp(value, "slave") ? (e.host_shared ? " (master:N, not shared)" : " (not shared)")
           : !strcmp(value, "private") ? " (no shared, master or unbindable)"
                                       : " (unbindable)");
  nsc_judge_fact(j, req, "mounts", NULL, true, expected, eval_rootprop, &e);
}

void nsc_judge_mounts(struct judge *j)
{
  judge_root(j);
  judge_rootfs_propagation(j);
  const json_t *mounts = json_object_get(j->v->config, "mounts");
  for (size_t i = 0; i < json_array_size(mounts); i++)
    judge_mount_entry(j, mounts, i);
  judge_paths(j, "maskedPaths", REQ("config-linux.masked-paths.masked"), eval_masked,
              "masked (a tmpfs or /dev/null over it)");
  judge_paths(j, "readonlyPaths", REQ("config-linux.readonly-paths.readonly"), eval_readonly_path,
              "on a read-only mount");
}
