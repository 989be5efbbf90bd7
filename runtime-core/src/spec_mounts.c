/* The "mounts" of config.json: destinations, sources, and options into
 * mount(2) flags, propagation and data. */
#include "spec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "cleanup.h"
#include "idmap.h"

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
    } else if (strcmp(opt, "idmap") == 0 || strcmp(opt, "ridmap") == 0) {
      /* never handed to mount(2): rootfs_idmapped_trees acts on it */
      m->idmap = opt[0] == 'r' ? MOUNT_RIDMAP : MOUNT_IDMAP;
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

/* One of a mount's uidMappings/gidMappings: the same format as the user
 * namespace's (config-linux.md); absent and [] both mean none. */
static int parse_mount_map(const json_t *obj, const char *base, const char *key,
                           struct id_range **out, size_t *n_out, struct nsrt_err *err)
{
  json_path path;
  json_t *arr;
  spec_at_key(path, base, key);
  int ret = spec_get_array(json_object_get(obj, key), path, false, &arr, err);
  if (ret <= 0 || json_array_size(arr) == 0)
    return ret < 0 ? -1 : 0;
  *out = spec_alloc_array(json_array_size(arr), sizeof(**out));
  if (!*out)
    return spec_out_of_memory(path, err);
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_path item, field;
    json_t *o;
    struct id_range *r = &(*out)[i];
    spec_at_index(item, path, i);
    if (spec_get_object(json_array_get(arr, i), item, true, &o, err) < 0 ||
        spec_get_u32(json_object_get(o, "containerID"), spec_at_key(field, item, "containerID"),
                     true, &r->container_id, err) < 0 ||
        spec_get_u32(json_object_get(o, "hostID"), spec_at_key(field, item, "hostID"), true,
                     &r->host_id, err) < 0 ||
        spec_get_u32(json_object_get(o, "size"), spec_at_key(field, item, "size"), true, &r->size,
                     err) < 0)
      return -1;
    (*n_out)++;
  }
  return idmap_validate(*out, *n_out, path, err);
}

/* uidMappings and gidMappings come as a pair (config.md, POSIX-platform
 * Mounts). */
static int parse_mount_idmaps(const json_t *obj, const char *base, struct mount_plan *m,
                              struct nsrt_err *err)
{
  json_path path;
  if (parse_mount_map(obj, base, "uidMappings", &m->uid_map, &m->n_uid_map, err) < 0 ||
      parse_mount_map(obj, base, "gidMappings", &m->gid_map, &m->n_gid_map, err) < 0)
    return -1;
  if (m->n_uid_map && !m->n_gid_map)
    return SPEC_FAIL(err, spec_at_key(path, base, "uidMappings"), "given without gidMappings");
  if (m->n_gid_map && !m->n_uid_map)
    return SPEC_FAIL(err, spec_at_key(path, base, "gidMappings"), "given without uidMappings");
  return 0;
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
  if (parse_mount_idmaps(obj, base, m, err) < 0 || parse_mount_options(obj, base, m, err) < 0 ||
      spec_get_string(json_object_get(obj, "source"), spec_at_key(path, base, "source"), false,
                      &source, err) < 0)
    return -1;
  if (type && strcmp(type, "bind") == 0)
    m->flags |= MS_BIND;
  /* Mappings without idmap or ridmap are still applied (to the top mount). */
  if (m->n_uid_map && m->idmap == MOUNT_IDMAP_NONE)
    m->idmap = MOUNT_IDMAP;
  if (m->idmap && !(m->flags & MS_BIND))
    return SPEC_FAIL(err, spec_at_key(path, base, "options"),
                     "idmap and ridmap need a bind mount (bind or rbind)");
  if (m->idmap && (m->flags & MS_REMOUNT))
    return SPEC_FAIL(err, spec_at_key(path, base, "options"),
                     "a remount cannot change the id mapping of a mount");
  if ((m->flags & MS_BIND) && !(m->flags & MS_REMOUNT) && (!source || !source[0]))
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

int spec_check_mount_idmaps(const struct plan *p, struct nsrt_err *err)
{
  for (size_t i = 0; i < p->n_mounts; i++) {
    const struct mount_plan *m = &p->mounts[i];
    json_path base, path;
    spec_at_index(base, "mounts", i);
    if (!m->idmap || m->n_uid_map || p->ns[NS_USER].mode != NS_ABSENT)
      continue;
    return SPEC_FAIL(err, spec_at_key(path, base, "options"),
                     "\"%s\" without uidMappings and gidMappings needs a user namespace",
                     m->idmap == MOUNT_RIDMAP ? "ridmap" : "idmap");
  }
  return 0;
}
