/* Why a runtime refused to create a valid config: the features document
 * first (refusal_features.c), then narrowing by removing one field at a
 * time, and the verdicts (refusal.h). */
#include "refusal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refusal_int.h"
#include "requirements.h"

/* idmap and ridmap go with a mount's mappings: one narrowing step of their
 * own takes the id-mapped mounts away. */
static bool idmap_option(const char *opt)
{
  return nsc_refusal_word_in(" idmap ridmap ", opt);
}

/* Options every container's standard mounts carry: removing them is not a
 * narrowing step (bind mounts are one of their own). */
static bool base_mount_option(const char *opt)
{
  return nsc_refusal_word_in(" ro rw nosuid nodev noexec bind rbind ", opt);
}

/* The entry of type in linux.namespaces, or NULL. */
static json_t *namespace_entry(const json_t *config, const char *type)
{
  size_t i;
  json_t *e;
  json_array_foreach(nsc_refusal_namespaces(config), i, e)
  {
    const char *t = json_string_value(json_object_get(e, "type"));
    if (t && strcmp(t, type) == 0)
      return e;
  }
  return NULL;
}

/* ---- 2: narrowing ------------------------------------------------------------------ */

/* One step: a change to a copy of the config that takes one field away. */
struct dimension {
  char what[160];
  const char *req;
  void (*drop)(json_t *cfg, const char *arg);
  char arg[256];
  char paths[512]; /* '|'-separated paths of the field (mounts, devices), as an error may quote */
};

static void drop_namespace(json_t *cfg, const char *type)
{
  json_t *ns = nsc_refusal_namespaces(cfg), *lx = json_object_get(cfg, "linux");
  for (size_t i = json_array_size(ns); i-- > 0;) {
    const char *t = json_string_value(json_object_get(json_array_get(ns, i), "type"));
    if (t && strcmp(t, type) == 0)
      json_array_remove(ns, i);
  }
  if (strcmp(type, "time") == 0)
    json_object_del(lx, "timeOffsets");
  if (strcmp(type, "user") == 0) {
    json_object_del(lx, "uidMappings");
    json_object_del(lx, "gidMappings");
  }
}

/* Entries other than user and time (steps of their own) with a path, or
 * without one (arg "new"), except mount: the rootfs needs it. */
static void drop_other_namespaces(json_t *cfg, const char *arg)
{
  bool want_joined = strcmp(arg, "joined") == 0;
  json_t *ns = nsc_refusal_namespaces(cfg);
  for (size_t i = json_array_size(ns); i-- > 0;) {
    json_t *e = json_array_get(ns, i);
    const char *t = json_string_value(json_object_get(e, "type")) ?: "";
    if (!strcmp(t, "user") || !strcmp(t, "time") || (!want_joined && !strcmp(t, "mount")))
      continue;
    if (nsc_refusal_joined(e) == want_joined)
      json_array_remove(ns, i);
  }
  /* what needs those namespaces goes with them, or the config would be
   * refused for that instead */
  json_object_del(json_object_get(cfg, "linux"), "sysctl");
  json_object_del(cfg, "hostname");
  json_object_del(cfg, "domainname");
}

static size_t count_other_namespaces(const json_t *cfg, bool want_joined)
{
  size_t n = 0, i;
  json_t *e;
  json_array_foreach(nsc_refusal_namespaces(cfg), i, e)
  {
    const char *t = json_string_value(json_object_get(e, "type")) ?: "";
    if (strcmp(t, "user") && strcmp(t, "time") && (want_joined || strcmp(t, "mount")) &&
        nsc_refusal_joined(e) == want_joined)
      n++;
  }
  return n;
}

static void drop_mount_option(json_t *cfg, const char *opt)
{
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(cfg, "mounts"), i, m)
  {
    json_t *opts = json_object_get(m, "options");
    for (size_t j = json_array_size(opts); j-- > 0;) {
      const char *o = json_string_value(json_array_get(opts, j));
      if (o && strcmp(o, opt) == 0)
        json_array_remove(opts, j);
    }
  }
}

static bool bind_mount(const json_t *m)
{
  const char *type = json_string_value(json_object_get(m, "type"));
  const json_t *opts = json_object_get(m, "options");
  return (type && strcmp(type, "bind") == 0) || nsc_refusal_has_string(opts, "bind") ||
         nsc_refusal_has_string(opts, "rbind");
}

static bool idmapped_mount(const json_t *m)
{
  const json_t *opts = json_object_get(m, "options");
  return json_object_get(m, "uidMappings") || json_object_get(m, "gidMappings") ||
         nsc_refusal_has_string(opts, "idmap") || nsc_refusal_has_string(opts, "ridmap");
}

/* Mounts with an id-mapped view: the options and the mappings go together. */
static void drop_idmapped_mounts(json_t *cfg, const char *arg)
{
  json_t *mounts = json_object_get(cfg, "mounts");
  for (size_t i = json_array_size(mounts); i-- > 0;)
    if (idmapped_mount(json_array_get(mounts, i)))
      json_array_remove(mounts, i);
}

/* arg: options separated by spaces */
static void drop_mount_options(json_t *cfg, const char *arg)
{
  char opt[64];
  for (const char *p = arg; *p; p += strspn(p, " ")) {
    size_t n = strcspn(p, " ");
    snprintf(opt, sizeof(opt), "%.*s", (int)n, p);
    drop_mount_option(cfg, opt);
    p += n;
  }
}

static void drop_nothing(json_t *cfg, const char *arg)
{
}

static bool plain_bind_mount(const json_t *m)
{
  return bind_mount(m) && !idmapped_mount(m);
}

static void drop_bind_mounts(json_t *cfg, const char *arg)
{
  json_t *mounts = json_object_get(cfg, "mounts");
  for (size_t i = json_array_size(mounts); i-- > 0;)
    if (bind_mount(json_array_get(mounts, i)) && !idmapped_mount(json_array_get(mounts, i)))
      json_array_remove(mounts, i);
}

/* arg: "<object>.<key>" with object "linux", "process" or "" (top level). */
static void drop_key(json_t *cfg, const char *arg)
{
  const char *dot = strchr(arg, '.');
  if (!dot) {
    json_object_del(cfg, arg);
    return;
  }
  char obj[32];
  snprintf(obj, sizeof(obj), "%.*s", (int)(dot - arg), arg);
  json_object_del(json_object_get(cfg, obj), dot + 1);
}

static void root_writable(json_t *cfg, const char *arg)
{
  json_object_set_new(json_object_get(cfg, "root"), "readonly", json_false());
}

static void older_version(json_t *cfg, const char *arg)
{
  json_object_set_new(cfg, "ociVersion", json_string("1.0.2"));
}

static bool has_key(const json_t *cfg, const char *arg)
{
  const char *dot = strchr(arg, '.');
  if (!dot)
    return json_object_get(cfg, arg) != NULL;
  char obj[32];
  snprintf(obj, sizeof(obj), "%.*s", (int)(dot - arg), arg);
  return json_object_get(json_object_get(cfg, obj), dot + 1) != NULL;
}

/* The requirement a top-level-ish field falls under. */
static const char *key_req(const char *key)
{
  if (strcmp(key, "linux.rootfsPropagation") == 0)
    return REQ("config-linux.rootfs-propagation.applied");
  if (strcmp(key, "linux.sysctl") == 0)
    return REQ("config-linux.sysctl.applied");
  if (strcmp(key, "linux.seccomp") == 0)
    return REQ("config-linux.seccomp.installed");
  if (strcmp(key, "process.rlimits") == 0)
    return REQ("config.rlimits.soft");
  if (strcmp(key, "process.oomScoreAdj") == 0)
    return REQ("config.linux-process.oom-score-adj");
  if (strcmp(key, "linux.maskedPaths") == 0)
    return REQ("config-linux.masked-paths.masked");
  if (strcmp(key, "linux.devices") == 0)
    return REQ("config-linux.devices.available");
  if (strcmp(key, "process.scheduler") == 0)
    return REQ("config.scheduler.applied");
  if (strcmp(key, "process.ioPriority") == 0)
    return REQ("config.io-priority.applied");
  if (strcmp(key, "linux.memoryPolicy") == 0)
    return REQ("config-linux.memory-policy.applied");
  return REQ("config-linux.readonly-paths.readonly");
}

static struct dimension *add_dim(struct dimension *d, size_t *n, size_t max, const char *req,
                                 void (*drop)(json_t *, const char *), const char *arg,
                                 const char *what)
{
  if (*n >= max)
    return NULL;
  struct dimension *x = &d[(*n)++];
  x->paths[0] = '\0';
  x->req = req;
  x->drop = drop;
  snprintf(x->arg, sizeof(x->arg), "%s", arg ?: "");
  snprintf(x->what, sizeof(x->what), "%s", what);
  return x;
}

/* Add path to d's paths: as it is when it is long enough to be telling,
 * else only quoted ("open `.`"). */
static void add_path(struct dimension *d, const char *path)
{
  size_t len = strlen(d->paths);
  if (!path || !*path || len + 3 * strlen(path) + 12 >= sizeof(d->paths))
    return;
  if (strlen(path) >= 4)
    snprintf(d->paths + len, sizeof(d->paths) - len, "%s|", path);
  else
    snprintf(d->paths + len, sizeof(d->paths) - len, "`%s`|\"%s\"|'%s'|", path, path, path);
}

/* The sources and destinations of the mounts for which pick() holds. */
static void add_mount_paths(struct dimension *d, const json_t *config,
                            bool (*pick)(const json_t *m))
{
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(config, "mounts"), i, m)
  {
    if (!pick(m))
      continue;
    add_path(d, json_string_value(json_object_get(m, "source")));
    add_path(d, json_string_value(json_object_get(m, "destination")));
  }
}

/* Every spec mount option beyond the standard ones (drop_mount_option
 * takes them one by one). */
static void drop_extra_mount_options(json_t *cfg, const char *arg)
{
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(cfg, "mounts"), i, m)
  {
    json_t *opts = json_object_get(m, "options");
    for (size_t j = json_array_size(opts); j-- > 0;) {
      const char *o = json_string_value(json_array_get(opts, j));
      if (nsc_refusal_mount_option_req(o) && !base_mount_option(o) && !idmap_option(o))
        json_array_remove(opts, j);
    }
  }
}

/* The distinct spec mount options beyond the standard ones, as dimensions
 * of their own. */
static size_t extra_mount_options(const json_t *config, struct dimension *d, size_t max)
{
  size_t n = 0, i, j;
  json_t *m, *o;
  json_array_foreach(json_object_get(config, "mounts"), i, m)
  {
    json_array_foreach(json_object_get(m, "options"), j, o)
    {
      const char *opt = json_string_value(o);
      const char *req = nsc_refusal_mount_option_req(opt);
      bool seen = false;
      for (size_t k = 0; req && k < n; k++)
        seen = seen || strcmp(d[k].arg, opt) == 0;
      if (req && !seen && !base_mount_option(opt) && !idmap_option(opt)) {
        char what[160];
        snprintf(what, sizeof(what), "mount option %s", opt);
        add_dim(d, &n, max, req, drop_mount_option, opt, what);
      }
    }
  }
  return n;
}

/* The steps that apply to config, most likely cause first.  The mount
 * options are one step (split up when it matters). */
static size_t dimensions(const json_t *config, struct dimension *d, size_t max)
{
  size_t n = 0;
  const json_t *e = namespace_entry(config, "time");
  if (e)
    add_dim(d, &n, max,
            nsc_refusal_joined(e) ? REQ("config-linux.namespaces.path-join")
                                  : REQ("config-linux.namespaces.new"),
            drop_namespace, "time", "linux.namespaces[type=time] and linux.timeOffsets");
  e = namespace_entry(config, "user");
  if (e)
    add_dim(d, &n, max,
            nsc_refusal_joined(e) ? REQ("config-linux.namespaces.path-join")
                                  : REQ("config-linux.namespaces.new"),
            drop_namespace, "user", "linux.namespaces[type=user] and its uidMappings/gidMappings");
  if (count_other_namespaces(config, true))
    add_dim(d, &n, max, REQ("config-linux.namespaces.path-join"), drop_other_namespaces, "joined",
            "the namespaces joined by path");
  bool idmapped = false, mapped = false;
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(config, "mounts"), i, m)
  {
    idmapped = idmapped || idmapped_mount(m);
    mapped = mapped || json_object_get(m, "uidMappings");
  }
  struct dimension *x;
  if (idmapped &&
      (x = add_dim(d, &n, max, REQ("config.mount-options.idmap"), drop_idmapped_mounts, NULL,
                   mapped ? "the id-mapped mounts (idmap/ridmap with uidMappings/gidMappings)"
                          : "the id-mapped mounts (idmap/ridmap)")))
    add_mount_paths(x, config, idmapped_mount);
  struct dimension opts[16];
  size_t nopts = extra_mount_options(config, opts, sizeof(opts) / sizeof(opts[0]));
  if (nopts == 1 && n < max)
    d[n++] = opts[0];
  else if (nopts > 1)
    add_dim(d, &n, max, NULL, drop_extra_mount_options, NULL, "the mount options");
  if (has_key(config, "linux.rootfsPropagation"))
    add_dim(d, &n, max, key_req("linux.rootfsPropagation"), drop_key, "linux.rootfsPropagation",
            "linux.rootfsPropagation");
  bool binds = false;
  const char *bind_req = REQ("config.mount-options.bind");
  json_array_foreach(json_object_get(config, "mounts"), i, m)
  {
    if (bind_mount(m) && !idmapped_mount(m)) {
      binds = true;
      if (nsc_refusal_has_string(json_object_get(m, "options"), "rbind"))
        bind_req = REQ("config.mount-options.rbind");
    }
  }
  if (binds && (x = add_dim(d, &n, max, bind_req, drop_bind_mounts, NULL, "the bind mounts")))
    add_mount_paths(x, config, plain_bind_mount);
  static const char *const keys[] = {
      "linux.devices",     "linux.seccomp",      "linux.sysctl",       "process.rlimits",
      "process.scheduler", "process.ioPriority", "linux.memoryPolicy", "process.oomScoreAdj",
      "linux.maskedPaths", "linux.readonlyPaths"};
  for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
    if (!has_key(config, keys[k]) ||
        !(x = add_dim(d, &n, max, key_req(keys[k]), drop_key, keys[k], keys[k])))
      continue;
    json_t *dev;
    json_array_foreach(strcmp(keys[k], "linux.devices") == 0
                           ? json_object_get(json_object_get(config, "linux"), "devices")
                           : NULL,
                       i, dev)
    {
      add_path(x, json_string_value(json_object_get(dev, "path")));
    }
  }
  if (count_other_namespaces(config, false))
    add_dim(d, &n, max, REQ("config-linux.namespaces.new"), drop_other_namespaces, "new",
            "the new namespaces (but mount)");
  if (json_is_true(json_object_get(json_object_get(config, "root"), "readonly")))
    add_dim(d, &n, max, REQ("config.root.readonly"), root_writable, NULL, "root.readonly");
  /* no requirement names the version a runtime must accept: the charge
   * stays with create, with the evidence */
  const char *v = json_string_value(json_object_get(config, "ociVersion"));
  char what[160];
  snprintf(what, sizeof(what), "ociVersion %s (with 1.0.2 instead)", v ?: "");
  if (v && strcmp(v, "1.0.2") != 0)
    add_dim(d, &n, max, REQ("runtime.create.new-container"), older_version, NULL, what);
  return n;
}

/* Two error lines say the same when they differ only in numbers (times,
 * pids, fds). */
static bool same_error(const char *a, const char *b)
{
  for (;;) {
    while (*a >= '0' && *a <= '9')
      a++;
    while (*b >= '0' && *b <= '9')
      b++;
    if (*a != *b)
      return false;
    if (!*a)
      return true;
    a++, b++;
  }
}

/* What create does without a field. */
enum outcome { SAME, MOVED, CREATED };

/* Try config without d: CREATED, MOVED when it fails with another error
 * (later holds it), SAME when it fails the same way. */
static enum outcome try_without(const json_t *config, const struct dimension *d,
                                nsc_create_ok_fn create_ok, void *ctx, struct nsc_refusal *r,
                                char *later, size_t len)
{
  json_t *cfg = json_deep_copy(config);
  d->drop(cfg, d->arg);
  char why[512] = "";
  r->tries++;
  bool ok = create_ok(ctx, cfg, why, sizeof(why));
  json_decref(cfg);
  later[0] = '\0';
  if (ok)
    return CREATED;
  if (same_error(why, r->stderr_line))
    return SAME;
  snprintf(later, len, "%s", why[0] ? why : "(nothing on stderr)");
  return MOVED;
}

static void charge(struct nsc_refusal *r, const struct dimension *d, const char *later)
{
  r->kind = NSC_REFUSAL_FIELD;
  struct nsc_refusal_item *it = nsc_refusal_add_item(r);
  snprintf(it->what, sizeof(it->what), "%s", d->what);
  it->requirement = d->req;
  snprintf(r->later, sizeof(r->later), "%s", later);
}

/* Try each of dims (while tries last): the first whose removal lets create
 * succeed, else the first that gets past the refused step (removing a
 * field can also make the config refused for another reason, so success
 * is the stronger evidence).  Returns its index, or -1. */
static int first_explaining(const json_t *config, const struct dimension *dims, size_t n,
                            nsc_create_ok_fn create_ok, void *ctx, struct nsc_refusal *r,
                            char *later, size_t len)
{
  int moved = -1;
  char text[512];
  for (size_t i = 0; i < n && r->tries < NSC_REFUSAL_MAX_TRIES; i++) {
    enum outcome o = try_without(config, &dims[i], create_ok, ctx, r, text, sizeof(text));
    if (o == CREATED) {
      later[0] = '\0';
      return (int)i;
    }
    if (o == MOVED && moved < 0) {
      moved = (int)i;
      snprintf(later, len, "%s", text);
    }
  }
  return moved;
}

/* Words of an error about the field d takes away ('|' between them). */
static const char *hints(const struct dimension *d)
{
  if (d->drop == drop_namespace)
    return strcmp(d->arg, "time") == 0
               ? "\"time\"|time namespace|timens|time_for_children|timeoffsets"
               : "user namespace|uid map|gid map|mapping|userns";
  if (d->drop == drop_other_namespaces)
    return strcmp(d->arg, "joined") == 0 ? "setns|join|/ns/" : "unshare|clone";
  if (d->drop == drop_mount_option)
    return d->arg;
  if (d->drop == drop_extra_mount_options)
    return "mount option";
  if (d->drop == drop_bind_mounts)
    return "bind";
  if (d->drop == drop_idmapped_mounts)
    return "idmap|id-mapped|mount_setattr";
  if (d->drop == root_writable)
    return "read-only|readonly";
  if (d->drop == older_version)
    return "version";
  static const char *const keys[][2] = {
      {"linux.rootfsPropagation", "propagation"},
      {"linux.devices", "device"},
      {"linux.seccomp", "seccomp"},
      {"linux.sysctl", "sysctl"},
      {"process.rlimits", "rlimit"},
      {"process.scheduler", "sched"},
      {"process.ioPriority", "ioprio|io priority|iopriority"},
      {"linux.memoryPolicy", "mempolicy|memory policy|memorypolicy"},
      {"process.oomScoreAdj", "oom"},
      {"linux.maskedPaths", "masked"},
      {"linux.readonlyPaths", "readonlypaths"},
  };
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    if (strcmp(d->arg, keys[i][0]) == 0)
      return keys[i][1];
  return "";
}

static bool any_in(const char *h, const char *line)
{
  char word[128];
  while (*h) {
    size_t n = strcspn(h, "|");
    snprintf(word, sizeof(word), "%.*s", (int)n, h);
    if (n && strcasestr(line, word))
      return true;
    h += n + (h[n] == '|');
  }
  return false;
}

static bool hinted(const struct dimension *d, const char *line)
{
  return any_in(hints(d), line) || any_in(d->paths, line);
}

/* The fields the error line names go first, in their order; the others
 * keep theirs. */
static void hinted_first(struct dimension *d, size_t n, const char *line)
{
  struct dimension tmp;
  size_t front = 0;
  for (size_t i = 0; i < n; i++) {
    if (!hinted(&d[i], line))
      continue;
    tmp = d[i];
    memmove(&d[front + 1], &d[front], (i - front) * sizeof(*d));
    d[front++] = tmp;
  }
}

static void narrow(const json_t *config, nsc_create_ok_fn create_ok, void *ctx,
                   struct nsc_refusal *r)
{
  struct dimension d[32];
  char later[512];
  size_t n = dimensions(config, d, sizeof(d) / sizeof(d[0]));
  hinted_first(d, n, r->stderr_line);
  int i = first_explaining(config, d, n, create_ok, ctx, r, later, sizeof(later));
  if (i < 0)
    return;
  if (d[i].req) {
    charge(r, &d[i], later);
    return;
  }
  /* the mount options as a whole: which one, by halves */
  struct dimension opts[16];
  size_t nopts = extra_mount_options(config, opts, sizeof(opts) / sizeof(opts[0]));
  size_t lo = 0, hi = nopts;
  while (hi - lo > 1 && r->tries < NSC_REFUSAL_MAX_TRIES) {
    size_t mid = lo + (hi - lo) / 2;
    struct dimension half = {.drop = drop_mount_options};
    for (size_t j = lo; j < mid; j++)
      snprintf(half.arg + strlen(half.arg), sizeof(half.arg) - strlen(half.arg), "%s ",
               opts[j].arg);
    char text[512];
    if (try_without(config, &half, create_ok, ctx, r, text, sizeof(text)) != SAME) {
      hi = mid;
      snprintf(later, sizeof(later), "%s", text);
    } else {
      lo = mid;
    }
  }
  if (hi - lo == 1) {
    charge(r, &opts[lo], later);
    return;
  }
  struct dimension all = {.req = REQ("config.mounts.applied")};
  snprintf(all.what, sizeof(all.what), "the mount options");
  for (size_t j = 0; j < nopts; j++)
    snprintf(all.what + strlen(all.what), sizeof(all.what) - strlen(all.what), "%s%s",
             j ? ", " : " ", opts[j].arg);
  charge(r, &all, later);
}

/* Does create get past the refusal without the unlisted mount options (the
 * items)?  One try. */
static bool confirm_options(const json_t *config, nsc_create_ok_fn create_ok, void *ctx,
                            struct nsc_refusal *r)
{
  json_t *cfg = json_deep_copy(config);
  for (size_t i = 0; i < r->n; i++) {
    const char *opt = r->items[i].what + strlen("mount option ");
    if (idmap_option(opt))
      drop_idmapped_mounts(cfg, NULL);
    else
      drop_mount_option(cfg, opt);
  }
  struct dimension d = {.drop = drop_nothing};
  enum outcome o = try_without(cfg, &d, create_ok, ctx, r, r->later, sizeof(r->later));
  json_decref(cfg);
  return o != SAME;
}

void nsc_refusal_explain(const json_t *config, const json_t *features, const char *status,
                         const char *err_line, nsc_create_ok_fn create_ok, void *ctx,
                         struct nsc_refusal *out)
{
  memset(out, 0, sizeof(*out));
  snprintf(out->status, sizeof(out->status), "%s", status ?: "create failed");
  snprintf(out->stderr_line, sizeof(out->stderr_line), "%s",
           err_line && *err_line ? err_line : "(nothing on stderr)");
  if (json_is_object(features))
    nsc_refusal_by_features(config, features, out);
  /* namespace types and seccomp values the document does not list are
   * refused for certain; with one of those, unlisted mount options are left
   * out */
  size_t certain = 0;
  for (size_t i = 0; i < out->n; i++)
    if (!out->items[i].tentative)
      out->items[certain++] = out->items[i];
  if (certain) {
    out->n = certain;
    out->kind = NSC_REFUSAL_FEATURES;
    return;
  }
  if (out->n && create_ok && confirm_options(config, create_ok, ctx, out)) {
    out->kind = NSC_REFUSAL_FEATURES;
    return;
  }
  out->n = 0;
  if (create_ok)
    narrow(config, create_ok, ctx, out);
}

/* ---- verdicts ---------------------------------------------------------------------- */

static bool listed_before(const struct nsc_verdicts *vs, size_t from, const char *req,
                          enum nsc_verdict_kind kind)
{
  for (size_t i = from; i < vs->n; i++)
    if (vs->v[i].verdict == kind && strcmp(vs->v[i].requirement, req) == 0)
      return true;
  return false;
}

static void add_note(char *actual, size_t len, const struct nsc_refusal *r)
{
  if (r->note[0])
    snprintf(actual + strlen(actual), len - strlen(actual), "; %s", r->note);
}

void nsc_refusal_verdicts(const struct nsc_refusal *r, struct nsc_verdicts *out)
{
  char actual[1200];
  size_t from = out->n;
  switch (r->kind) {
  case NSC_REFUSAL_UNEXPLAINED:
    if (r->tries)
      snprintf(actual, sizeof(actual), "%s: %s (still refused without each of %d fields)",
               r->status, r->stderr_line, r->tries);
    else
      snprintf(actual, sizeof(actual), "%s: %s", r->status, r->stderr_line);
    add_note(actual, sizeof(actual), r);
    nsc_verdict_add(out, REQ("runtime.create.new-container"), NSC_FAIL, "create exits 0", actual,
                    NULL);
    return;
  case NSC_REFUSAL_FIELD:
    if (r->later[0])
      snprintf(actual, sizeof(actual),
               "without %s create gets past this refusal (it fails later: %s); with it: %s: %s",
               r->items[0].what, r->later, r->status, r->stderr_line);
    else
      snprintf(actual, sizeof(actual), "create succeeds without %s; with it: %s: %s",
               r->items[0].what, r->status, r->stderr_line);
    add_note(actual, sizeof(actual), r);
    nsc_verdict_add(out, r->items[0].requirement, NSC_FAIL, "create of the (valid) config exits 0",
                    actual, NULL);
    return;
  case NSC_REFUSAL_FEATURES:
    break;
  }
  char whats[600] = "";
  for (size_t i = 0; i < r->n; i++)
    snprintf(whats + strlen(whats), sizeof(whats) - strlen(whats), "%s%s", i ? ", " : "",
             r->items[i].what);
  for (size_t i = 0; i < r->n; i++) {
    const struct nsc_refusal_item *it = &r->items[i];
    char reason[400];
    snprintf(reason, sizeof(reason), "runtime does not support %s (features)", it->what);
    if (it->requirement && !listed_before(out, from, it->requirement, NSC_FAIL)) {
      snprintf(actual, sizeof(actual), "%s is not in the features document%s%s%s; %s: %s", it->what,
               !it->tentative ? ""
               : r->later[0]  ? "; without it create gets past this refusal (it fails later: "
                              : "; without it create succeeds",
               it->tentative && r->later[0] ? r->later : "",
               it->tentative && r->later[0] ? ")" : "", r->status, r->stderr_line);
      char expected[256];
      snprintf(expected, sizeof(expected), "the runtime supports %s", it->what);
      add_note(actual, sizeof(actual), r);
      nsc_verdict_add(out, it->requirement, NSC_FAIL, expected, actual, NULL);
    }
    for (size_t k = 0; k < sizeof(it->skips) / sizeof(it->skips[0]) && it->skips[k]; k++)
      if (!listed_before(out, from, it->skips[k], NSC_SKIP))
        nsc_verdict_add(out, it->skips[k], NSC_SKIP, NULL, NULL, "%s", reason);
  }
  nsc_verdict_add(out, REQ("runtime.create.new-container"), NSC_SKIP, NULL, NULL,
                  "runtime does not support %s (features); %s: %s", whats, r->status,
                  r->stderr_line);
}
