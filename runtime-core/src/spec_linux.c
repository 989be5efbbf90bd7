/* The "linux" object of config.json: namespaces, id mappings, time offsets,
 * masked and read-only paths, sysctl, rootfs propagation, seccomp, and the
 * fields the core rejects. */
#include "spec_int.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "cleanup.h"
#include "idmap.h"
#include "seccomp_filter.h"

static int parse_namespaces(const json_t *lnx, struct plan *p, struct nsrt_err *err)
{
  size_t index_of[NS_COUNT] = {0};
  json_t *arr = NULL;
  if (spec_get_array(json_object_get(lnx, "namespaces"), "linux.namespaces", false, &arr, err) < 0)
    return -1;
  for (size_t i = 0; arr && i < json_array_size(arr); i++) {
    json_path base, path;
    json_t *obj;
    const char *type_name, *ns_path = NULL;
    spec_at_index(base, "linux.namespaces", i);
    if (spec_get_object(json_array_get(arr, i), base, true, &obj, err) < 0 ||
        spec_get_string(json_object_get(obj, "type"), spec_at_key(path, base, "type"), true,
                        &type_name, err) < 0)
      return -1;
    int t = ns_type_from_spec_name(type_name);
    if (t < 0)
      return SPEC_FAIL(err, path, "unknown namespace type \"%s\"", type_name);
    if (p->ns[t].mode != NS_ABSENT)
      return SPEC_FAIL(err, path,
                       "\"%s\" is given twice: linux.namespaces[%zu] and linux.namespaces[%zu]",
                       type_name, index_of[t], i);
    index_of[t] = i;
    if (spec_get_string(json_object_get(obj, "path"), spec_at_key(path, base, "path"), false,
                        &ns_path, err) < 0)
      return -1;
    if (!ns_path || !ns_path[0]) {
      p->ns[t].mode = NS_NEW;
      continue;
    }
    if (spec_check_string(ns_path, STR_ABSOLUTE, path, err) < 0)
      return -1;
    int fd = ns_open_checked(ns_path, (enum ns_type)t, path, err);
    if (fd < 0)
      return -1;
    p->ns[t].mode = NS_JOIN;
    p->ns[t].fd = fd;
    if (spec_copy_string(ns_path, &p->ns[t].path, path, err) < 0)
      return -1;
  }
  if (p->ns[NS_MOUNT].mode == NS_ABSENT)
    return SPEC_FAIL(err, "linux.namespaces", "a mount namespace is required");
  return 0;
}

static int parse_id_map(const json_t *lnx, const char *key, struct id_range **out, size_t *n_out,
                        struct nsrt_err *err)
{
  json_path base;
  json_t *arr;
  spec_at_key(base, "linux", key);
  int ret = spec_get_array(json_object_get(lnx, key), base, false, &arr, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size(arr);
  *out = spec_alloc_array(n, sizeof(**out));
  if (!*out)
    return spec_out_of_memory(base, err);
  for (size_t i = 0; i < n; i++) {
    json_path item, path;
    json_t *obj;
    struct id_range *r = &(*out)[i];
    spec_at_index(item, base, i);
    if (spec_get_object(json_array_get(arr, i), item, true, &obj, err) < 0 ||
        spec_get_u32(json_object_get(obj, "containerID"), spec_at_key(path, item, "containerID"),
                     true, &r->container_id, err) < 0 ||
        spec_get_u32(json_object_get(obj, "hostID"), spec_at_key(path, item, "hostID"), true,
                     &r->host_id, err) < 0 ||
        spec_get_u32(json_object_get(obj, "size"), spec_at_key(path, item, "size"), true, &r->size,
                     err) < 0)
      return -1;
    (*n_out)++;
  }
  return 0;
}

static int check_id_maps(struct plan *p, struct nsrt_err *err)
{
  if (p->ns[NS_USER].mode != NS_NEW) {
    const char *why = p->ns[NS_USER].mode == NS_JOIN ? "the user namespace is joined, not created"
                                                     : "there is no user namespace";
    if (p->n_uid_map)
      return SPEC_FAIL(err, "linux.uidMappings", "mappings need a new user namespace; %s", why);
    if (p->n_gid_map)
      return SPEC_FAIL(err, "linux.gidMappings", "mappings need a new user namespace; %s", why);
    return 0;
  }
  if (p->n_uid_map == 0)
    return SPEC_FAIL(err, "linux.uidMappings", "a new user namespace needs at least one mapping");
  if (p->n_gid_map == 0)
    return SPEC_FAIL(err, "linux.gidMappings", "a new user namespace needs at least one mapping");
  if (idmap_validate(p->uid_map, p->n_uid_map, "linux.uidMappings", err) < 0 ||
      idmap_validate(p->gid_map, p->n_gid_map, "linux.gidMappings", err) < 0)
    return -1;
  if (!idmap_contains(p->uid_map, p->n_uid_map, p->uid))
    return SPEC_FAIL(err, "process.user.uid", "uid %u is not mapped by linux.uidMappings", p->uid);
  if (!idmap_contains(p->gid_map, p->n_gid_map, p->gid))
    return SPEC_FAIL(err, "process.user.gid", "gid %u is not mapped by linux.gidMappings", p->gid);
  for (size_t i = 0; i < p->n_additional_gids; i++) {
    json_path path;
    if (!idmap_contains(p->gid_map, p->n_gid_map, p->additional_gids[i]))
      return SPEC_FAIL(err, spec_at_index(path, "process.user.additionalGids", i),
                       "gid %u is not mapped by linux.gidMappings",
                       (unsigned)p->additional_gids[i]);
  }
  return 0;
}

static int parse_time_offsets(const json_t *lnx, struct plan *p, struct nsrt_err *err)
{
  json_t *obj, *clock;
  const char *name;
  int ret =
      spec_get_object(json_object_get(lnx, "timeOffsets"), "linux.timeOffsets", false, &obj, err);
  if (ret <= 0 || json_object_size(obj) == 0)
    return ret < 0 ? -1 : 0;
  if (p->ns[NS_TIME].mode != NS_NEW)
    return SPEC_FAIL(err, "linux.timeOffsets", "time offsets need a new time namespace");
  json_object_foreach(obj, name, clock)
  {
    json_path base, path;
    json_t *o;
    long long secs = 0;
    uint32_t nsecs = 0;
    bool monotonic = strcmp(name, "monotonic") == 0;
    spec_at_key(base, "linux.timeOffsets", name);
    if (!monotonic && strcmp(name, "boottime") != 0)
      return SPEC_FAIL(err, base, "unknown clock \"%s\" (monotonic or boottime)", name);
    if (spec_get_object(clock, base, true, &o, err) < 0 ||
        spec_get_integer(json_object_get(o, "secs"), spec_at_key(path, base, "secs"), false,
                         LLONG_MIN, LLONG_MAX, "a 64-bit integer", &secs, err) < 0 ||
        spec_get_u32(json_object_get(o, "nanosecs"), spec_at_key(path, base, "nanosecs"), false,
                     &nsecs, err) < 0)
      return -1;
    if (nsecs >= 1000000000u)
      return SPEC_FAIL(err, path, "%u is not below 1000000000", nsecs);
    *(monotonic ? &p->monotonic_secs : &p->boottime_secs) = secs;
    *(monotonic ? &p->monotonic_nanosecs : &p->boottime_nanosecs) = nsecs;
  }
  p->has_time_offsets = true;
  return 0;
}

/* Which namespace a sysctl belongs to; -1 when it is not namespaced. */
static int sysctl_namespace(const char *key)
{
  static const char *const ipc_keys[] = {
      "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",          "kernel.sem",
      "kernel.shmall", "kernel.shmmax", "kernel.shm_rmid_forced", "kernel.shmmni",
  };
  for (size_t i = 0; i < ARRAY_SIZE(ipc_keys); i++)
    if (strcmp(key, ipc_keys[i]) == 0)
      return NS_IPC;
  if (strncmp(key, "fs.mqueue.", 10) == 0 && key[10])
    return NS_IPC;
  if (strncmp(key, "net.", 4) == 0 && key[4])
    return NS_NET;
  if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
    return NS_UTS;
  return -1;
}

static int parse_sysctl(const json_t *lnx, struct plan *p, struct nsrt_err *err)
{
  json_t *obj, *value;
  const char *key;
  int ret = spec_get_object(json_object_get(lnx, "sysctl"), "linux.sysctl", false, &obj, err);
  if (ret <= 0)
    return ret;
  p->sysctl = spec_alloc_array(json_object_size(obj), sizeof(*p->sysctl));
  if (!p->sysctl)
    return spec_out_of_memory("linux.sysctl", err);
  json_object_foreach(obj, key, value)
  {
    json_path path;
    const char *s;
    struct sysctl_plan *sc = &p->sysctl[p->n_sysctl];
    spec_at_key(path, "linux.sysctl", key);
    if (spec_get_string(value, path, true, &s, err) < 0)
      return -1;
    int ns = sysctl_namespace(key);
    if (ns < 0)
      return SPEC_FAIL(err, path, "\"%s\" is not a namespaced sysctl", key);
    if (p->ns[ns].mode == NS_ABSENT)
      return SPEC_FAIL(err, path, "\"%s\" needs a %s namespace", key, ns_table[ns].spec_name);
    if (spec_copy_string(key, &sc->key, path, err) < 0)
      return -1;
    p->n_sysctl++;
    if (spec_copy_string(s, &sc->value, path, err) < 0)
      return -1;
  }
  return 0;
}

static bool action_takes_errno(enum seccomp_act a)
{
  return a == SECCOMP_ACT_ERRNO || a == SECCOMP_ACT_TRACE;
}

/* action and errnoRet of a rule or of the default (keys differ). */
static int parse_seccomp_action(const json_t *obj, const char *base, const char *action_key,
                                const char *errno_key, bool required, enum seccomp_act *action,
                                uint32_t *errno_ret, struct nsrt_err *err)
{
  json_path path;
  const char *name;
  if (spec_get_string(json_object_get(obj, action_key), spec_at_key(path, base, action_key),
                      required, &name, err) < 0)
    return -1;
  int a = seccomp_action_from_name(name);
  if (a < 0)
    return SPEC_FAIL(err, path, "unknown action \"%s\"", name);
  if (a == SECCOMP_ACT_NOTIFY)
    return SPEC_FAIL(err, path, "\"%s\" needs linux.seccomp.listenerPath, which is not supported",
                     name);
  *action = (enum seccomp_act)a;
  *errno_ret = EPERM;
  int ret = spec_get_u32(json_object_get(obj, errno_key), spec_at_key(path, base, errno_key), false,
                         errno_ret, err);
  if (ret < 0)
    return -1;
  if (ret > 0 && !action_takes_errno(*action))
    return SPEC_FAIL(err, path, "\"%s\" does not return an errno", name);
  return 0;
}

static int parse_seccomp_rule(const json_t *v, const char *base, struct seccomp_rule_plan *r,
                              struct nsrt_err *err)
{
  json_path path;
  json_t *obj, *args;
  if (spec_get_object(v, base, true, &obj, err) < 0)
    return -1;
  spec_at_key(path, base, "names");
  if (spec_absent(json_object_get(obj, "names")))
    return spec_missing(path, err);
  if (spec_get_string_array(json_object_get(obj, "names"), path, STR_ANY, &r->names, err) < 0)
    return -1;
  if (!r->names[0])
    return SPEC_FAIL(err, path, "must contain at least one name");
  if (parse_seccomp_action(obj, base, "action", "errnoRet", true, &r->action, &r->errno_ret, err) <
      0)
    return -1;
  int ret = spec_get_array(json_object_get(obj, "args"), spec_at_key(path, base, "args"), false,
                           &args, err);
  if (ret <= 0)
    return ret;
  r->args = spec_alloc_array(json_array_size(args), sizeof(*r->args));
  if (!r->args)
    return spec_out_of_memory(path, err);
  for (size_t i = 0; i < json_array_size(args); i++) {
    json_path item, field;
    json_t *arg;
    const char *op_name;
    uint32_t index = 0;
    struct seccomp_arg_plan *a = &r->args[i];
    spec_at_index(item, path, i);
    if (spec_get_object(json_array_get(args, i), item, true, &arg, err) < 0 ||
        spec_get_u32(json_object_get(arg, "index"), spec_at_key(field, item, "index"), true, &index,
                     err) < 0)
      return -1;
    if (index >= 6)
      return SPEC_FAIL(err, field, "%u is not a syscall argument index (0 to 5)", index);
    a->index = index;
    if (spec_get_u64(json_object_get(arg, "value"), spec_at_key(field, item, "value"), true,
                     &a->value, err) < 0 ||
        spec_get_u64(json_object_get(arg, "valueTwo"), spec_at_key(field, item, "valueTwo"), false,
                     &a->value_two, err) < 0 ||
        spec_get_string(json_object_get(arg, "op"), spec_at_key(field, item, "op"), true, &op_name,
                        err) < 0)
      return -1;
    int op = seccomp_op_from_name(op_name);
    if (op < 0)
      return SPEC_FAIL(err, field, "unknown operator \"%s\"", op_name);
    a->op = (enum seccomp_op)op;
    r->n_args++;
  }
  return 0;
}

static int check_names(char **names, const char *base, int (*known)(const char *), const char *what,
                       struct nsrt_err *err)
{
  for (size_t i = 0; names && names[i]; i++) {
    json_path path;
    if (known(names[i]) < 0)
      return SPEC_FAIL(err, spec_at_index(path, base, i), "unknown %s \"%s\"", what, names[i]);
  }
  return 0;
}

static int parse_seccomp(const json_t *lnx, struct seccomp_plan *s, struct nsrt_err *err)
{
  const char *base = "linux.seccomp";
  const char *listener = NULL;
  json_t *obj, *rules;
  int ret = spec_get_object(json_object_get(lnx, "seccomp"), base, false, &obj, err);
  if (ret <= 0)
    return ret;
  s->present = true;
  if (parse_seccomp_action(obj, base, "defaultAction", "defaultErrnoRet", true, &s->default_action,
                           &s->default_errno_ret, err) < 0 ||
      spec_get_string(json_object_get(obj, "listenerPath"), "linux.seccomp.listenerPath", false,
                      &listener, err) < 0)
    return -1;
  if (listener && listener[0])
    return SPEC_FAIL(err, "linux.seccomp.listenerPath",
                     "\"%s\": seccomp listeners are not supported", listener);
  const char *metadata = NULL;
  if (spec_get_string(json_object_get(obj, "listenerMetadata"), "linux.seccomp.listenerMetadata",
                      false, &metadata, err) < 0)
    return -1;
  if (metadata && (!listener || !listener[0]))
    return SPEC_FAIL(err, "linux.seccomp.listenerMetadata", "given without listenerPath");
  if (spec_get_string_array(json_object_get(obj, "architectures"), "linux.seccomp.architectures",
                            STR_ANY, &s->architectures, err) < 0 ||
      check_names(s->architectures, "linux.seccomp.architectures", seccomp_arch_check,
                  "architecture", err) < 0 ||
      spec_get_string_array(json_object_get(obj, "flags"), "linux.seccomp.flags", STR_ANY,
                            &s->flags, err) < 0 ||
      check_names(s->flags, "linux.seccomp.flags", seccomp_flag_check, "seccomp flag", err) < 0)
    return -1;
  ret = spec_get_array(json_object_get(obj, "syscalls"), "linux.seccomp.syscalls", false, &rules,
                       err);
  if (ret <= 0)
    return ret;
  s->rules = spec_alloc_array(json_array_size(rules), sizeof(*s->rules));
  if (!s->rules)
    return spec_out_of_memory("linux.seccomp.syscalls", err);
  s->n_rules = json_array_size(rules);
  for (size_t i = 0; i < s->n_rules; i++) {
    json_path item;
    if (parse_seccomp_rule(json_array_get(rules, i),
                           spec_at_index(item, "linux.seccomp.syscalls", i), &s->rules[i], err) < 0)
      return -1;
  }
  return 0;
}

/* Linux features outside the core's scope: an error naming the field, since
 * ignoring them would run a container other than the one asked for. */
static int reject_unsupported_linux(const json_t *lnx, struct nsrt_err *err)
{
  static const struct {
    const char *key;
    bool when_present; /* any value is an error, not only a non-empty one */
    const char *what;
  } fields[] = {
      {"cgroupsPath", false, "cgroups are not supported"},
      {"resources", false, "cgroup resources are not supported"},
      {"intelRdt", true, "Intel RDT is not supported"},
      {"personality", true, "personality is not supported"},
      {"mountLabel", false, "mount labels are not supported"},
      {"netDevices", false, "network devices are not supported"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
    const json_t *v = json_object_get(lnx, fields[i].key);
    if (spec_absent(v))
      continue;
    bool empty = (json_is_string(v) && json_string_length(v) == 0) ||
                 (json_is_array(v) && json_array_size(v) == 0) ||
                 (json_is_object(v) && json_object_size(v) == 0);
    if (fields[i].when_present || !empty) {
      json_path path;
      return SPEC_FAIL(err, spec_at_key(path, "linux", fields[i].key), "%s", fields[i].what);
    }
  }
  return 0;
}

int spec_parse_linux(const json_t *root, struct plan *p, struct nsrt_err *err)
{
  json_t *lnx = NULL;
  const char *prop;
  if (spec_get_object(json_object_get(root, "linux"), "linux", false, &lnx, err) < 0)
    return -1;
  if (!lnx)
    return SPEC_FAIL(err, "linux.namespaces", "a mount namespace is required");
  if (reject_unsupported_linux(lnx, err) < 0 || parse_namespaces(lnx, p, err) < 0 ||
      parse_id_map(lnx, "uidMappings", &p->uid_map, &p->n_uid_map, err) < 0 ||
      parse_id_map(lnx, "gidMappings", &p->gid_map, &p->n_gid_map, err) < 0 ||
      check_id_maps(p, err) < 0 || parse_time_offsets(lnx, p, err) < 0 ||
      spec_get_string_array(json_object_get(lnx, "maskedPaths"), "linux.maskedPaths", STR_ABSOLUTE,
                            &p->masked_paths, err) < 0 ||
      spec_get_string_array(json_object_get(lnx, "readonlyPaths"), "linux.readonlyPaths",
                            STR_ABSOLUTE, &p->readonly_paths, err) < 0 ||
      parse_sysctl(lnx, p, err) < 0 || spec_parse_memory_policy(lnx, p, err) < 0)
    return -1;
  int ret = spec_get_string(json_object_get(lnx, "rootfsPropagation"), "linux.rootfsPropagation",
                            false, &prop, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && !(p->rootfs_propagation = spec_propagation_from_name(prop)))
    return SPEC_FAIL(err, "linux.rootfsPropagation", "unknown propagation \"%s\"", prop);
  if (spec_parse_devices(lnx, p, err) < 0 || spec_check_mount_idmaps(p, err) < 0)
    return -1;
  return parse_seccomp(lnx, &p->seccomp, err);
}
