/* Judgement of the further options of a mounts entry: the option groups
 * (propagation, access time, sync, lazytime and other flags), bind and rbind
 * (whether the source's submounts came along), id-mapped mounts (the
 * "idmapped" mark and the owner the mappings give); and of
 * linux.rootfsPropagation.  judge_mounts.c judges each entry and calls the
 * checks here; the mount helpers are its own. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "judge_int.h"
#include "requirements.h"

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
  return f == F_PROPAGATION ? has_propagation(text, what) : nsc_judge_has_option(text, what);
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
  const json_t *m = nsc_judge_find_mount(value, e->m);
  if (!m) {
    nsc_judge_text_add(actual, "no such mount at %s", e->m->dest);
    return JUDGE_NA;
  }
  static const char *const keys[] = {"options", "super_options", "propagation", NULL};
  static const char *const shown[] = {"options", "super options", "propagation", NULL};
  if (r->field == F_NONE) {
    nsc_judge_text_add(actual, "%s mounted (%s)", e->m->dest, nsc_judge_mount_str(m, "options"));
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

void nsc_judge_option_groups(struct judge *j, const json_t *mount, const struct mount_expect *m)
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
    const char *p = nsc_judge_mount_str(m, "mount_point");
    if (!nsc_judge_is_under(p, dir) || !strcmp(p, dir))
      continue;
    bool direct = true;
    json_array_foreach(mounts, k, other)
    {
      const char *q = nsc_judge_mount_str(other, "mount_point");
      direct &= !(nsc_judge_is_under(q, dir) && strcmp(q, dir) && nsc_judge_is_under(p, q) &&
                  strcmp(p, q));
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
  if (!nsc_judge_mount_at(value, e->m->dest, NULL)) {
    nsc_judge_text_add(actual, "no mount at %s", e->m->dest);
    return JUDGE_NA;
  }
  size_t found = 0;
  for (size_t i = 0; i < e->n; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s%s", strcmp(e->m->dest, "/") ? e->m->dest : "", e->sub[i]);
    if (nsc_judge_mount_at(value, path, NULL))
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
  return nsc_judge_mount_holding(json_object_get(j->v->self, "mounts"), path);
}

void nsc_judge_bind(struct judge *j, const json_t *mount, const struct mount_expect *m)
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
      e.type = nsc_judge_mount_str(src, "fstype");
      char expected[PATH_MAX + 128];
      snprintf(expected, sizeof(expected), "%s: a bind of %s (%s), not a %s mount", m->dest, source,
               e.type, type);
      nsc_judge_fact(j, req, "mounts", NULL, true, expected, nsc_judge_eval_mount, &e);
    }
  }
  bool recursive = nsc_judge_spec_has_option(mount, "rbind");
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
    nsc_judge_normalize(od, d, sizeof(d));
    if (nsc_judge_is_under(d, m->dest) && strcmp(d, m->dest)) {
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
      nsc_judge_normalize(json_string_value(other), d, sizeof(d));
      if (nsc_judge_is_under(d, m->dest) && strcmp(d, m->dest)) {
        nsc_judge_skip(j, req, "linux.%s has %s under %s", lists[l], d, m->dest);
        return;
      }
    }
  }
  struct bind_expect e = {.m = m, .recursive = recursive};
  char src[PATH_MAX];
  nsc_judge_normalize(source, src, sizeof(src));
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
  const json_t *m = nsc_judge_mount_at(value, dest, NULL);
  if (!m) {
    nsc_judge_text_add(actual, "no mount at %s", dest);
    return JUDGE_FAIL;
  }
  nsc_judge_text_add(actual, "%s: %s", dest, nsc_judge_mount_str(m, "options"));
  return nsc_judge_has_option(nsc_judge_mount_str(m, "options"), "idmapped") ? JUDGE_PASS
                                                                             : JUDGE_FAIL;
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

void nsc_judge_idmapped(struct judge *j, const json_t *mount, const struct mount_expect *m)
{
  const json_t *umap = json_object_get(mount, "uidMappings");
  const json_t *gmap = json_object_get(mount, "gidMappings");
  bool maps = json_array_size(umap) > 0 && json_array_size(gmap) > 0;
  bool option =
      nsc_judge_spec_has_option(mount, "idmap") || nsc_judge_spec_has_option(mount, "ridmap");
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

/* ---- rootfsPropagation --------------------------------------------------------------- */

struct rootprop_expect {
  const char *value;
  bool host_shared; /* the harness's mount holding root.path is shared */
};

static enum judge_eval eval_rootprop(const json_t *value, bool outside, const void *arg,
                                     struct judge_text *actual)
{
  const struct rootprop_expect *e = arg;
  const json_t *m = nsc_judge_mount_at(value, "/", NULL);
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

void nsc_judge_rootfs_propagation(struct judge *j)
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
  e.host_shared = has_propagation(nsc_judge_mount_str(host, "propagation"), "shared:");
  char expected[160];
  snprintf(expected, sizeof(expected), "/ %s%s", value,
           !strcmp(value, "shared")  ? " (shared:N)"
           : !strcmp(value, "slave") ? (e.host_shared ? " (master:N, not shared)" : " (not shared)")
           : !strcmp(value, "private") ? " (no shared, master or unbindable)"
                                       : " (unbindable)");
  nsc_judge_fact(j, req, "mounts", NULL, true, expected, eval_rootprop, &e);
}
