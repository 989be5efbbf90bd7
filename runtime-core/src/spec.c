/* config.json -> struct plan.  Every check happens here, before any process
 * exists; each error names the JSON path of the offending value (stage "spec",
 * step = the path) and quotes the value.
 *
 * This file holds the entry points, the top level and the process; the mounts
 * are in spec_mounts.c, the linux object in spec_linux.c, the JSON getters in
 * spec_json.c. */
#include "spec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "error.h"
#include "failpoint.h"
#include "hooks.h"
#include "log.h"
#include "spec_int.h"

/* ---- rlimit names ---- */

static const struct {
  const char *name;
  int resource;
} rlimit_table[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int rlimit_from_name(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
    if (strcmp(rlimit_table[i].name, name) == 0)
      return rlimit_table[i].resource;
  return -1;
}

const char *rlimit_name(int resource)
{
  for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
    if (rlimit_table[i].resource == resource)
      return rlimit_table[i].name;
  return NULL;
}

/* ---- top level ---- */

static bool semver_number(const char **s, unsigned long *val)
{
  const char *c = *s;
  if (!isdigit((unsigned char)c[0]) || (c[0] == '0' && isdigit((unsigned char)c[1])))
    return false;
  char *end;
  *val = strtoul(c, &end, 10);
  *s = end;
  return true;
}

/* Dot-separated identifiers of [0-9A-Za-z-]; pre-release numbers have no leading zero. */
static bool semver_identifiers(const char **s, bool numeric_no_leading_zero)
{
  for (;;) {
    const char *start = *s;
    bool digits_only = true;
    while (isalnum((unsigned char)**s) || **s == '-') {
      if (!isdigit((unsigned char)**s))
        digits_only = false;
      (*s)++;
    }
    size_t len = (size_t)(*s - start);
    if (len == 0)
      return false;
    if (numeric_no_leading_zero && digits_only && len > 1 && start[0] == '0')
      return false;
    if (**s != '.')
      return true;
    (*s)++;
  }
}

static int check_oci_version(const char *v, struct nsrt_err *err)
{
  const char *s = v;
  unsigned long major = 0, minor, patch;
  bool ok = semver_number(&s, &major) && *s++ == '.' && semver_number(&s, &minor) && *s++ == '.' &&
            semver_number(&s, &patch);
  if (ok && *s == '-') {
    s++;
    ok = semver_identifiers(&s, true);
  }
  if (ok && *s == '+') {
    s++;
    ok = semver_identifiers(&s, false);
  }
  if (!ok || *s != '\0')
    return SPEC_FAIL(err, "ociVersion", "\"%s\" is not a SemVer 2.0.0 version", v);
  if (major != 1)
    return SPEC_FAIL(err, "ociVersion", "\"%s\": major version %lu is not supported (only 1.x)", v,
                     major);
  return 0;
}

static int parse_root(const json_t *root, const char *bundle, struct plan *p, struct nsrt_err *err)
{
  json_t *obj;
  const char *path;
  if (spec_get_object(json_object_get(root, "root"), "root", true, &obj, err) < 0 ||
      spec_get_string(json_object_get(obj, "path"), "root.path", true, &path, err) < 0 ||
      spec_get_bool(json_object_get(obj, "readonly"), "root.readonly", &p->root_readonly, err) < 0)
    return -1;
  if (path[0] == '\0')
    return SPEC_FAIL(err, "root.path", "must not be empty");
  if (path[0] == '/') {
    if (spec_copy_string(path, &p->root_path, "root.path", err) < 0)
      return -1;
  } else {
    if (!bundle)
      return SPEC_FAIL(err, "root.path", "\"%s\" is relative and there is no bundle", path);
    size_t blen = strlen(bundle);
    while (blen > 1 && bundle[blen - 1] == '/')
      blen--;
    if (asprintf(&p->root_path, "%.*s/%s", (int)blen, bundle, path) < 0) {
      p->root_path = NULL;
      return spec_out_of_memory("root.path", err);
    }
  }
  struct stat st;
  if (stat(p->root_path, &st) < 0)
    return nsrt_fail_at(err, "spec", errno, "root.path", "stat %s", p->root_path);
  if (!S_ISDIR(st.st_mode))
    return SPEC_FAIL(err, "root.path", "\"%s\" is not a directory", p->root_path);
  return 0;
}

/* ---- process ---- */

static int parse_user(const json_t *proc, struct plan *p, struct nsrt_err *err)
{
  json_t *user, *gids;
  long long umask_value = 0;
  int ret = spec_get_object(json_object_get(proc, "user"), "process.user", false, &user, err);
  if (ret <= 0)
    return ret;
  if (spec_get_u32(json_object_get(user, "uid"), "process.user.uid", true, &p->uid, err) < 0 ||
      spec_get_u32(json_object_get(user, "gid"), "process.user.gid", true, &p->gid, err) < 0)
    return -1;
  ret = spec_get_integer(json_object_get(user, "umask"), "process.user.umask", false, 0, 0777,
                         "a umask between 0 and 0777", &umask_value, err);
  if (ret < 0)
    return ret;
  p->has_umask = ret > 0;
  p->umask = ret > 0 ? (mode_t)umask_value : 0;
  ret = spec_get_array(json_object_get(user, "additionalGids"), "process.user.additionalGids",
                       false, &gids, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size(gids);
  p->additional_gids = spec_alloc_array(n, sizeof(gid_t));
  if (!p->additional_gids)
    return spec_out_of_memory("process.user.additionalGids", err);
  for (size_t i = 0; i < n; i++) {
    json_path path;
    uint32_t gid = 0;
    spec_at_index(path, "process.user.additionalGids", i);
    if (spec_get_u32(json_array_get(gids, i), path, true, &gid, err) < 0)
      return -1;
    p->additional_gids[p->n_additional_gids++] = gid;
  }
  return 0;
}

static int parse_cap_set(const json_t *caps, const char *set_name, uint64_t *set,
                         struct nsrt_err *err)
{
  json_path base;
  json_t *arr;
  spec_at_key(base, "process.capabilities", set_name);
  int ret = spec_get_array(json_object_get(caps, set_name), base, false, &arr, err);
  if (ret <= 0)
    return ret;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_path path;
    const char *name;
    spec_at_index(path, base, i);
    if (spec_get_string(json_array_get(arr, i), path, true, &name, err) < 0)
      return -1;
    /* config.md: a capability the runtime does not know is a warning, not
     * a failure; the container runs without it. */
    int cap = cap_from_name(name);
    if (cap < 0 || cap >= 64) {
      nsrt_log(NSRT_LOG_WARN, "%s: unknown capability \"%s\" ignored", path, name);
      continue;
    }
    *set |= UINT64_C(1) << cap;
  }
  return 0;
}

static int parse_capabilities(const json_t *proc, struct cap_plan *c, struct nsrt_err *err)
{
  json_t *caps;
  int ret = spec_get_object(json_object_get(proc, "capabilities"), "process.capabilities", false,
                            &caps, err);
  if (ret <= 0)
    return ret;
  c->present = true;
  if (parse_cap_set(caps, "bounding", &c->bounding, err) < 0 ||
      parse_cap_set(caps, "effective", &c->effective, err) < 0 ||
      parse_cap_set(caps, "inheritable", &c->inheritable, err) < 0 ||
      parse_cap_set(caps, "permitted", &c->permitted, err) < 0 ||
      parse_cap_set(caps, "ambient", &c->ambient, err) < 0)
    return -1;
  return 0;
}

static int parse_rlimits(const json_t *proc, struct plan *p, struct nsrt_err *err)
{
  json_t *arr;
  int ret = spec_get_array(json_object_get(proc, "rlimits"), "process.rlimits", false, &arr, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size(arr);
  p->rlimits = spec_alloc_array(n, sizeof(*p->rlimits));
  if (!p->rlimits)
    return spec_out_of_memory("process.rlimits", err);
  for (size_t i = 0; i < n; i++) {
    json_path base, path;
    json_t *obj;
    const char *type;
    struct rlimit_plan *r = &p->rlimits[i];
    spec_at_index(base, "process.rlimits", i);
    if (spec_get_object(json_array_get(arr, i), base, true, &obj, err) < 0 ||
        spec_get_string(json_object_get(obj, "type"), spec_at_key(path, base, "type"), true, &type,
                        err) < 0)
      return -1;
    r->resource = rlimit_from_name(type);
    if (r->resource < 0)
      return SPEC_FAIL(err, path, "unknown rlimit \"%s\"", type);
    for (size_t j = 0; j < i; j++)
      if (p->rlimits[j].resource == r->resource)
        return SPEC_FAIL(err, path,
                         "%s is given twice: process.rlimits[%zu] and process.rlimits[%zu]", type,
                         j, i);
    if (spec_get_u64(json_object_get(obj, "soft"), spec_at_key(path, base, "soft"), true, &r->soft,
                     err) < 0 ||
        spec_get_u64(json_object_get(obj, "hard"), spec_at_key(path, base, "hard"), true, &r->hard,
                     err) < 0)
      return -1;
    if (r->soft > r->hard)
      return SPEC_FAIL(err, base, "soft limit %llu of %s is above its hard limit %llu",
                       (unsigned long long)r->soft, type, (unsigned long long)r->hard);
    p->n_rlimits++;
  }
  return 0;
}

/* Process fields the core does not implement: an error naming the field
 * rather than a silent difference from what the bundle asked for. */
static int reject_unsupported_process(const json_t *proc, struct nsrt_err *err)
{
  bool terminal = false;
  if (spec_get_bool(json_object_get(proc, "terminal"), "process.terminal", &terminal, err) < 0)
    return -1;
  if (terminal)
    return SPEC_FAIL(err, "process.terminal", "terminal mode is not supported");
  static const char *const labels[][2] = {{"apparmorProfile", "AppArmor profiles"},
                                          {"selinuxLabel", "SELinux labels"}};
  for (size_t i = 0; i < ARRAY_SIZE(labels); i++) {
    json_path path;
    const char *label = NULL;
    spec_at_key(path, "process", labels[i][0]);
    if (spec_get_string(json_object_get(proc, labels[i][0]), path, false, &label, err) < 0)
      return -1;
    if (label && label[0])
      return SPEC_FAIL(err, path, "\"%s\": %s are not supported", label, labels[i][1]);
  }
  static const char *const objects[] = {"execCPUAffinity"};
  for (size_t i = 0; i < ARRAY_SIZE(objects); i++) {
    json_path path;
    if (!spec_absent(json_object_get(proc, objects[i])))
      return SPEC_FAIL(err, spec_at_key(path, "process", objects[i]), "is not supported");
  }
  return 0;
}

static int parse_process(const json_t *root, struct plan *p, struct nsrt_err *err)
{
  json_t *proc;
  const char *cwd;
  long long oom = 0;
  if (spec_get_object(json_object_get(root, "process"), "process", true, &proc, err) < 0 ||
      reject_unsupported_process(proc, err) < 0)
    return -1;
  if (spec_absent(json_object_get(proc, "args")))
    return spec_missing("process.args", err);
  if (spec_get_string_array(json_object_get(proc, "args"), "process.args", STR_ANY, &p->args, err) <
      0)
    return -1;
  if (!p->args[0])
    return SPEC_FAIL(err, "process.args", "must contain at least one string");
  if (!p->args[0][0])
    return SPEC_FAIL(err, "process.args[0]", "the executable must not be empty");
  if (spec_get_string_array(json_object_get(proc, "env"), "process.env", STR_ENV, &p->env, err) < 0)
    return -1;
  if (!p->env && !(p->env = calloc(1, sizeof(char *))))
    return spec_out_of_memory("process.env", err);
  if (spec_get_string(json_object_get(proc, "cwd"), "process.cwd", true, &cwd, err) < 0 ||
      spec_check_string(cwd, STR_ABSOLUTE, "process.cwd", err) < 0 ||
      spec_copy_string(cwd, &p->cwd, "process.cwd", err) < 0 || parse_user(proc, p, err) < 0 ||
      parse_capabilities(proc, &p->caps, err) < 0 || parse_rlimits(proc, p, err) < 0 ||
      spec_get_bool(json_object_get(proc, "noNewPrivileges"), "process.noNewPrivileges",
                    &p->no_new_privileges, err) < 0 ||
      spec_parse_scheduler(proc, p, err) < 0 || spec_parse_io_priority(proc, p, err) < 0)
    return -1;
  int ret = spec_get_integer(json_object_get(proc, "oomScoreAdj"), "process.oomScoreAdj", false,
                             -1000, 1000, "an integer between -1000 and 1000", &oom, err);
  if (ret < 0)
    return ret;
  p->has_oom_score_adj = ret > 0;
  p->oom_score_adj = ret > 0 ? (int)oom : 0;
  return 0;
}

/* ---- hostname, annotations ---- */

/* An empty name is treated as not set, so the uts check below only fires for
 * a name that would really be written. */
static int parse_name(const json_t *root, const char *key, char **out, struct nsrt_err *err)
{
  const char *s;
  int ret = spec_get_string(json_object_get(root, key), key, false, &s, err);
  if (ret <= 0 || s[0] == '\0')
    return ret < 0 ? -1 : 0;
  return spec_copy_string(s, out, key, err);
}

static int parse_annotations(const json_t *root, struct plan *p, struct nsrt_err *err)
{
  json_t *obj, *value;
  const char *key;
  int ret = spec_get_object(json_object_get(root, "annotations"), "annotations", false, &obj, err);
  if (ret <= 0)
    return ret;
  p->annotations = spec_alloc_array(json_object_size(obj), sizeof(*p->annotations));
  if (!p->annotations)
    return spec_out_of_memory("annotations", err);
  json_object_foreach(obj, key, value)
  {
    json_path path;
    const char *s;
    struct annotation *a = &p->annotations[p->n_annotations];
    spec_at_key(path, "annotations", key);
    if (key[0] == '\0')
      return SPEC_FAIL(err, "annotations", "a key is the empty string");
    if (spec_get_string(value, path, true, &s, err) < 0 ||
        spec_copy_string(key, &a->key, path, err) < 0)
      return -1;
    p->n_annotations++;
    if (spec_copy_string(s, &a->value, path, err) < 0)
      return -1;
  }
  return 0;
}

static int build_plan(const json_t *root, const char *bundle, struct plan *p, struct nsrt_err *err)
{
  const char *version;
  if (!json_is_object(root))
    return spec_type_error(root, "config.json", "an object", err);
  if (spec_get_string(json_object_get(root, "ociVersion"), "ociVersion", true, &version, err) < 0 ||
      check_oci_version(version, err) < 0 ||
      spec_copy_string(version, &p->oci_version, "ociVersion", err) < 0)
    return -1;
  if (bundle && spec_copy_string(bundle, &p->bundle, "bundle", err) < 0)
    return -1;
  if (parse_root(root, bundle, p, err) < 0 || parse_process(root, p, err) < 0 ||
      parse_name(root, "hostname", &p->hostname, err) < 0 ||
      parse_name(root, "domainname", &p->domainname, err) < 0 ||
      spec_parse_mounts(root, bundle, p, err) < 0 ||
      hooks_parse(json_object_get(root, "hooks"), &p->hooks, err) < 0 ||
      parse_annotations(root, p, err) < 0 || spec_parse_linux(root, p, err) < 0)
    return -1;
  if (p->ns[NS_UTS].mode == NS_ABSENT && p->hostname)
    return SPEC_FAIL(err, "hostname", "\"%s\": hostname requires a uts namespace", p->hostname);
  if (p->ns[NS_UTS].mode == NS_ABSENT && p->domainname)
    return SPEC_FAIL(err, "domainname", "\"%s\": domainname requires a uts namespace",
                     p->domainname);
  return 0;
}

static void plan_init(struct plan *p)
{
  memset(p, 0, sizeof(*p));
  for (int i = 0; i < NS_COUNT; i++)
    p->ns[i].fd = -1;
}

static int parse_document(json_t *root, const json_error_t *jerr, const char *bundle,
                          struct plan *out, struct nsrt_err *err)
{
  if (!root)
    return SPEC_FAIL(err, "config.json", "syntax error at %d:%d: %s", jerr->line, jerr->column,
                     jerr->text);
  int ret = build_plan(root, bundle, out, err);
  json_decref(root);
  if (ret < 0)
    plan_free(out);
  return ret;
}

int spec_parse_string(const char *json, const char *bundle, struct plan *out, struct nsrt_err *err)
{
  json_error_t jerr;
  plan_init(out);
  if (bundle && bundle[0] != '/')
    return SPEC_FAIL(err, "bundle", "\"%s\" is not an absolute path", bundle);
  return parse_document(json_loads(json, 0, &jerr), &jerr, bundle, out, err);
}

int spec_load(const char *bundle, struct plan *out, struct nsrt_err *err)
{
  json_error_t jerr;
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  plan_init(out);
  if (!bundle || bundle[0] != '/')
    return SPEC_FAIL(err, "bundle", "\"%s\" is not an absolute path", bundle ? bundle : "");
  if (asprintf(&path, "%s/config.json", bundle) < 0) {
    path = NULL;
    return spec_out_of_memory("config.json", err);
  }
  if (FP_FAILS("spec.open_config") || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
    return nsrt_fail_at(err, "spec", errno, "config.json", "open %s", path);
  return parse_document(json_loadfd(fd, 0, &jerr), &jerr, bundle, out, err);
}

void plan_free(struct plan *p)
{
  if (!p)
    return;
  free(p->oci_version);
  free(p->bundle);
  free(p->root_path);
  spec_strv_free(p->args);
  spec_strv_free(p->env);
  free(p->cwd);
  free(p->additional_gids);
  free(p->rlimits);
  free(p->hostname);
  free(p->domainname);
  for (size_t i = 0; p->mounts && i < p->n_mounts; i++) {
    free(p->mounts[i].destination);
    free(p->mounts[i].type);
    free(p->mounts[i].source);
    free(p->mounts[i].data);
    free(p->mounts[i].uid_map);
    free(p->mounts[i].gid_map);
    if (p->mounts[i].has_tree)
      close(p->mounts[i].tree_fd);
  }
  free(p->mounts);
  for (size_t i = 0; p->devices && i < p->n_devices; i++)
    free(p->devices[i].path);
  free(p->devices);
  /* A zeroed plan has fd 0 everywhere: only a joined entry owns its fd. */
  for (int i = 0; i < NS_COUNT; i++) {
    if (p->ns[i].mode == NS_JOIN && p->ns[i].fd >= 0)
      close(p->ns[i].fd);
    free(p->ns[i].path);
  }
  free(p->uid_map);
  free(p->gid_map);
  spec_strv_free(p->masked_paths);
  spec_strv_free(p->readonly_paths);
  for (size_t i = 0; p->sysctl && i < p->n_sysctl; i++) {
    free(p->sysctl[i].key);
    free(p->sysctl[i].value);
  }
  free(p->sysctl);
  spec_strv_free(p->seccomp.architectures);
  spec_strv_free(p->seccomp.flags);
  for (size_t i = 0; p->seccomp.rules && i < p->seccomp.n_rules; i++) {
    spec_strv_free(p->seccomp.rules[i].names);
    free(p->seccomp.rules[i].args);
  }
  free(p->seccomp.rules);
  hooks_free(&p->hooks);
  for (size_t i = 0; p->annotations && i < p->n_annotations; i++) {
    free(p->annotations[i].key);
    free(p->annotations[i].value);
  }
  free(p->annotations);
  plan_init(p);
}

bool plan_new_userns(const struct plan *p)
{
  return p->ns[NS_USER].mode == NS_NEW;
}
