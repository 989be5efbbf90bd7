/* The "mounts" of config.json: destinations, sources, and options into
 * mount(2) flags, propagation and data. */
#include "spec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "cleanup.h"

struct mount_option {
  const char *name;
  bool clear; /* the option removes the flag instead of setting it */
  unsigned long flag;
};

static const struct mount_option mount_options[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"iversion", false, MS_I_VERSION},
    {"noiversion", true, MS_I_VERSION},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
    {"remount", false, MS_REMOUNT},
};

static const struct {
  const char *name;
  unsigned long flags;
} propagations[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

unsigned long spec_propagation_from_name(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(propagations); i++)
    if (strcmp(propagations[i].name, name) == 0)
      return propagations[i].flags;
  return 0;
}

/* Options -> flags, propagation, and the rest comma-joined into data. */
static int parse_mount_options(const json_t *obj, const char *base, struct mount_plan *m,
                               struct nsrt_err *err)
{
  json_path path;
  json_t *arr;
  int ret = spec_get_array(json_object_get(obj, "options"), spec_at_key(path, base, "options"),
                           false, &arr, err);
  if (ret <= 0)
    return ret;
  size_t data_len = 0;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_path opt_path;
    const char *opt;
    if (spec_get_string(json_array_get(arr, i), spec_at_index(opt_path, path, i), true, &opt, err) <
        0)
      return -1;
    data_len += strlen(opt) + 1;
  }
  m->data = malloc(data_len + 1);
  if (!m->data)
    return spec_out_of_memory(path, err);
  size_t used = 0;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const char *opt = json_string_value(json_array_get(arr, i));
    unsigned long prop = spec_propagation_from_name(opt);
    size_t k = 0;
    while (k < ARRAY_SIZE(mount_options) && strcmp(mount_options[k].name, opt) != 0)
      k++;
    if (prop) {
      m->propagation = prop;
    } else if (k < ARRAY_SIZE(mount_options)) {
      if (mount_options[k].clear)
        m->flags &= ~mount_options[k].flag;
      else
        m->flags |= mount_options[k].flag;
    } else if (opt[0]) {
      used += (size_t)sprintf(m->data + used, "%s%s", used ? "," : "", opt);
    }
  }
  if (used == 0) {
    free(m->data);
    m->data = NULL;
  }
  return 0;
}

/* A relative destination (deprecated but valid on Linux) is relative to
 * the container's root. */
static int copy_destination(const char *dest, char **out)
{
  if (dest[0] == '/')
    *out = strdup(dest);
  else if (asprintf(out, "/%s", dest) < 0)
    *out = NULL;
  return *out ? 0 : -1;
}

static int parse_mount(const json_t *v, const char *base, const char *bundle, struct mount_plan *m,
                       struct nsrt_err *err)
{
  json_path path;
  json_t *obj;
  const char *dest, *type = NULL, *source = NULL;
  if (spec_get_object(v, base, true, &obj, err) < 0 ||
      spec_get_string(json_object_get(obj, "destination"), spec_at_key(path, base, "destination"),
                      true, &dest, err) < 0 ||
      spec_check_string(dest, STR_ANY, path, err) < 0 ||
      copy_destination(dest, &m->destination) < 0 ||
      spec_get_string(json_object_get(obj, "type"), spec_at_key(path, base, "type"), false, &type,
                      err) < 0)
    return -1;
  if (type && (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0))
    return SPEC_FAIL(err, path, "\"%s\": cgroup mounts are not supported", type);
  if (type && type[0] && spec_copy_string(type, &m->type, path, err) < 0)
    return -1;
  static const char *const idmaps[] = {"uidMappings", "gidMappings"};
  for (size_t i = 0; i < ARRAY_SIZE(idmaps); i++) {
    const json_t *maps = json_object_get(obj, idmaps[i]);
    if (!spec_absent(maps) && !(json_is_array(maps) && json_array_size(maps) == 0))
      return SPEC_FAIL(err, spec_at_key(path, base, idmaps[i]),
                       "idmapped mounts are not supported");
  }
  if (parse_mount_options(obj, base, m, err) < 0 ||
      spec_get_string(json_object_get(obj, "source"), spec_at_key(path, base, "source"), false,
                      &source, err) < 0)
    return -1;
  if (type && strcmp(type, "bind") == 0)
    m->flags |= MS_BIND;
  if ((m->flags & MS_BIND) && (!source || !source[0]))
    return SPEC_FAIL(err, path, "a bind mount needs a source");
  if (!source || !source[0])
    return 0;
  /* A relative bind source is relative to the bundle (config.md, Mounts). */
  if ((m->flags & MS_BIND) && source[0] != '/' && bundle) {
    if (asprintf(&m->source, "%s/%s", bundle, source) < 0) {
      m->source = NULL;
      return spec_out_of_memory(path, err);
    }
    return 0;
  }
  return spec_copy_string(source, &m->source, path, err);
}

int spec_parse_mounts(const json_t *root, const char *bundle, struct plan *p, struct nsrt_err *err)
{
  json_t *arr;
  int ret = spec_get_array(json_object_get(root, "mounts"), "mounts", false, &arr, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size(arr);
  p->mounts = spec_alloc_array(n, sizeof(*p->mounts));
  if (!p->mounts)
    return spec_out_of_memory("mounts", err);
  p->n_mounts = n;
  for (size_t i = 0; i < n; i++) {
    json_path base;
    if (parse_mount(json_array_get(arr, i), spec_at_index(base, "mounts", i), bundle, &p->mounts[i],
                    err) < 0)
      return -1;
  }
  return 0;
}
