/* config.json -> struct plan.  Every check happens here, before any process
 * exists; each error names the JSON path of the offending value (stage "spec",
 * step = the path) and quotes the value. */
#include "spec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "error.h"
#include "log.h"
#include "failpoint.h"
#include "hooks.h"
#include "idmap.h"
#include "seccomp_filter.h"

#define SPEC_FAIL(err, path, ...) nsrt_fail_at((err), "spec", 0, (path), __VA_ARGS__)

typedef char json_path[NSRT_ERR_STEP_MAX];

/* ---- JSON access helpers: each returns -1 on error, 0 when absent, 1 when present ---- */

static const char *at_key(char *buf, const char *base, const char *key)
{
  snprintf(buf, NSRT_ERR_STEP_MAX, "%s%s%s", base, base[0] ? "." : "", key);
  return buf;
}

static const char *at_index(char *buf, const char *base, size_t i)
{
  snprintf(buf, NSRT_ERR_STEP_MAX, "%s[%zu]", base, i);
  return buf;
}

/* JSON null counts as absent, as it does for the Go bindings of the spec. */
static bool absent(const json_t *v)
{
  return !v || json_is_null(v);
}

static const char *describe(const json_t *v, char *buf, size_t len)
{
  switch (json_typeof(v)) {
  case JSON_STRING:
    snprintf(buf, len, "\"%s\"", json_string_value(v));
    break;
  case JSON_INTEGER:
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    break;
  case JSON_REAL:
    snprintf(buf, len, "%g", json_real_value(v));
    break;
  case JSON_OBJECT:
    snprintf(buf, len, "an object");
    break;
  case JSON_ARRAY:
    snprintf(buf, len, "an array");
    break;
  case JSON_TRUE:
    snprintf(buf, len, "true");
    break;
  case JSON_FALSE:
    snprintf(buf, len, "false");
    break;
  default:
    snprintf(buf, len, "null");
    break;
  }
  return buf;
}

static int type_error(const json_t *v, const char *path, const char *expected, struct nsrt_err *err)
{
  char got[80];
  return SPEC_FAIL(err, path, "expected %s, got %s", expected, describe(v, got, sizeof(got)));
}

static int missing(const char *path, struct nsrt_err *err)
{
  return SPEC_FAIL(err, path, "required field is missing");
}

static int get_string(const json_t *v, const char *path, bool required, const char **out,
                      struct nsrt_err *err)
{
  *out = NULL;
  if (absent(v))
    return required ? missing(path, err) : 0;
  if (!json_is_string(v))
    return type_error(v, path, "a string", err);
  *out = json_string_value(v);
  return 1;
}

static int get_bool(const json_t *v, const char *path, bool *out, struct nsrt_err *err)
{
  if (absent(v))
    return 0;
  if (!json_is_boolean(v))
    return type_error(v, path, "a boolean", err);
  *out = json_is_true(v);
  return 1;
}

/* An integer in [min, max]; what names the expected type in errors. */
static int get_integer(const json_t *v, const char *path, bool required, long long min,
                       long long max, const char *what, long long *out, struct nsrt_err *err)
{
  if (absent(v))
    return required ? missing(path, err) : 0;
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
    return type_error(v, path, what, err);
  *out = json_integer_value(v);
  return 1;
}

static int get_u32(const json_t *v, const char *path, bool required, uint32_t *out,
                   struct nsrt_err *err)
{
  long long n = 0;
  int ret = get_integer(v, path, required, 0, UINT32_MAX, "an unsigned 32-bit integer", &n, err);
  if (ret > 0)
    *out = (uint32_t)n;
  return ret;
}

/* jansson integers are signed 64-bit, so values above INT64_MAX cannot reach here. */
static int get_u64(const json_t *v, const char *path, bool required, uint64_t *out,
                   struct nsrt_err *err)
{
  long long n = 0;
  int ret = get_integer(v, path, required, 0, LLONG_MAX, "an unsigned 64-bit integer", &n, err);
  if (ret > 0)
    *out = (uint64_t)n;
  return ret;
}

static int get_object(const json_t *v, const char *path, bool required, json_t **out,
                      struct nsrt_err *err)
{
  *out = NULL;
  if (absent(v))
    return required ? missing(path, err) : 0;
  if (!json_is_object(v))
    return type_error(v, path, "an object", err);
  *out = (json_t *)v;
  return 1;
}

static int get_array(const json_t *v, const char *path, bool required, json_t **out,
                     struct nsrt_err *err)
{
  *out = NULL;
  if (absent(v))
    return required ? missing(path, err) : 0;
  if (!json_is_array(v))
    return type_error(v, path, "an array", err);
  *out = (json_t *)v;
  return 1;
}

static int out_of_memory(const char *path, struct nsrt_err *err)
{
  return nsrt_fail_at(err, "spec", ENOMEM, path, "out of memory");
}

static int copy_string(const char *s, char **out, const char *path, struct nsrt_err *err)
{
  *out = strdup(s);
  return *out ? 0 : out_of_memory(path, err);
}

/* calloc that never asks for 0 bytes, so an empty array is still a valid pointer. */
static void *alloc_array(size_t n, size_t size)
{
  return calloc(n ? n : 1, size);
}

static void strv_free(char **v)
{
  if (!v)
    return;
  for (char **s = v; *s; s++)
    free(*s);
  free(v);
}

enum str_check { STR_ANY, STR_ABSOLUTE, STR_ENV };

static int check_string(const char *s, enum str_check check, const char *path, struct nsrt_err *err)
{
  if (check == STR_ABSOLUTE && s[0] != '/')
    return SPEC_FAIL(err, path, "\"%s\" is not an absolute path", s);
  if (check == STR_ENV && (s[0] == '=' || !strchr(s, '=')))
    return SPEC_FAIL(err, path, "\"%s\" is not of the form NAME=value", s);
  return 0;
}

/* An array of strings into a NULL-terminated vector.  *out is set before the
 * elements are filled, so the caller's plan owns the vector on every path. */
static int get_string_array(const json_t *v, const char *path, enum str_check check, char ***out,
                            struct nsrt_err *err)
{
  json_t *arr;
  int ret = get_array(v, path, false, &arr, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size(arr);
  *out = calloc(n + 1, sizeof(char *));
  if (!*out)
    return out_of_memory(path, err);
  for (size_t i = 0; i < n; i++) {
    json_path p;
    const char *s;
    at_index(p, path, i);
    if (get_string(json_array_get(arr, i), p, true, &s, err) < 0 ||
        check_string(s, check, p, err) < 0 || copy_string(s, &(*out)[i], p, err) < 0)
      return -1;
  }
  return 1;
}

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
  if (get_object(json_object_get(root, "root"), "root", true, &obj, err) < 0 ||
      get_string(json_object_get(obj, "path"), "root.path", true, &path, err) < 0 ||
      get_bool(json_object_get(obj, "readonly"), "root.readonly", &p->root_readonly, err) < 0)
    return -1;
  if (path[0] == '\0')
    return SPEC_FAIL(err, "root.path", "must not be empty");
  if (path[0] == '/') {
    if (copy_string(path, &p->root_path, "root.path", err) < 0)
      return -1;
  } else {
    if (!bundle)
      return SPEC_FAIL(err, "root.path", "\"%s\" is relative and there is no bundle", path);
    size_t blen = strlen(bundle);
    while (blen > 1 && bundle[blen - 1] == '/')
      blen--;
    if (asprintf(&p->root_path, "%.*s/%s", (int)blen, bundle, path) < 0) {
      p->root_path = NULL;
      return out_of_memory("root.path", err);
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
  int ret = get_object(json_object_get(proc, "user"), "process.user", false, &user, err);
  if (ret <= 0)
    return ret;
  if (get_u32(json_object_get(user, "uid"), "process.user.uid", true, &p->uid, err) < 0 ||
      get_u32(json_object_get(user, "gid"), "process.user.gid", true, &p->gid, err) < 0)
    return -1;
  ret = get_integer(json_object_get(user, "umask"), "process.user.umask", false, 0, 0777,
                    "a umask between 0 and 0777", &umask_value, err);
  if (ret < 0)
    return ret;
  p->has_umask = ret > 0;
  p->umask = ret > 0 ? (mode_t)umask_value : 0;
  ret = get_array(json_object_get(user, "additionalGids"), "process.user.additionalGids", false,
                  &gids, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size(gids);
  p->additional_gids = alloc_array(n, sizeof(gid_t));
  if (!p->additional_gids)
    return out_of_memory("process.user.additionalGids", err);
  for (size_t i = 0; i < n; i++) {
    json_path path;
    uint32_t gid = 0;
    at_index(path, "process.user.additionalGids", i);
    if (get_u32(json_array_get(gids, i), path, true, &gid, err) < 0)
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
  at_key(base, "process.capabilities", set_name);
  int ret = get_array(json_object_get(caps, set_name), base, false, &arr, err);
  if (ret <= 0)
    return ret;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_path path;
    const char *name;
    at_index(path, base, i);
    if (get_string(json_array_get(arr, i), path, true, &name, err) < 0)
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
  int ret =
      get_object(json_object_get(proc, "capabilities"), "process.capabilities", false, &caps, err);
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
  int ret = get_array(json_object_get(proc, "rlimits"), "process.rlimits", false, &arr, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size(arr);
  p->rlimits = alloc_array(n, sizeof(*p->rlimits));
  if (!p->rlimits)
    return out_of_memory("process.rlimits", err);
  for (size_t i = 0; i < n; i++) {
    json_path base, path;
    json_t *obj;
    const char *type;
    struct rlimit_plan *r = &p->rlimits[i];
    at_index(base, "process.rlimits", i);
    if (get_object(json_array_get(arr, i), base, true, &obj, err) < 0 ||
        get_string(json_object_get(obj, "type"), at_key(path, base, "type"), true, &type, err) < 0)
      return -1;
    r->resource = rlimit_from_name(type);
    if (r->resource < 0)
      return SPEC_FAIL(err, path, "unknown rlimit \"%s\"", type);
    for (size_t j = 0; j < i; j++)
      if (p->rlimits[j].resource == r->resource)
        return SPEC_FAIL(err, path,
                         "%s is given twice: process.rlimits[%zu] and process.rlimits[%zu]", type,
                         j, i);
    if (get_u64(json_object_get(obj, "soft"), at_key(path, base, "soft"), true, &r->soft, err) <
            0 ||
        get_u64(json_object_get(obj, "hard"), at_key(path, base, "hard"), true, &r->hard, err) < 0)
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
  if (get_bool(json_object_get(proc, "terminal"), "process.terminal", &terminal, err) < 0)
    return -1;
  if (terminal)
    return SPEC_FAIL(err, "process.terminal", "terminal mode is not supported");
  static const char *const labels[][2] = {{"apparmorProfile", "AppArmor profiles"},
                                          {"selinuxLabel", "SELinux labels"}};
  for (size_t i = 0; i < ARRAY_SIZE(labels); i++) {
    json_path path;
    const char *label = NULL;
    at_key(path, "process", labels[i][0]);
    if (get_string(json_object_get(proc, labels[i][0]), path, false, &label, err) < 0)
      return -1;
    if (label && label[0])
      return SPEC_FAIL(err, path, "\"%s\": %s are not supported", label, labels[i][1]);
  }
  static const char *const objects[] = {"ioPriority", "scheduler", "execCPUAffinity"};
  for (size_t i = 0; i < ARRAY_SIZE(objects); i++) {
    json_path path;
    if (!absent(json_object_get(proc, objects[i])))
      return SPEC_FAIL(err, at_key(path, "process", objects[i]), "is not supported");
  }
  return 0;
}

static int parse_process(const json_t *root, struct plan *p, struct nsrt_err *err)
{
  json_t *proc;
  const char *cwd;
  long long oom = 0;
  if (get_object(json_object_get(root, "process"), "process", true, &proc, err) < 0 ||
      reject_unsupported_process(proc, err) < 0)
    return -1;
  if (absent(json_object_get(proc, "args")))
    return missing("process.args", err);
  if (get_string_array(json_object_get(proc, "args"), "process.args", STR_ANY, &p->args, err) < 0)
    return -1;
  if (!p->args[0])
    return SPEC_FAIL(err, "process.args", "must contain at least one string");
  if (!p->args[0][0])
    return SPEC_FAIL(err, "process.args[0]", "the executable must not be empty");
  if (get_string_array(json_object_get(proc, "env"), "process.env", STR_ENV, &p->env, err) < 0)
    return -1;
  if (!p->env && !(p->env = calloc(1, sizeof(char *))))
    return out_of_memory("process.env", err);
  if (get_string(json_object_get(proc, "cwd"), "process.cwd", true, &cwd, err) < 0 ||
      check_string(cwd, STR_ABSOLUTE, "process.cwd", err) < 0 ||
      copy_string(cwd, &p->cwd, "process.cwd", err) < 0 || parse_user(proc, p, err) < 0 ||
      parse_capabilities(proc, &p->caps, err) < 0 || parse_rlimits(proc, p, err) < 0 ||
      get_bool(json_object_get(proc, "noNewPrivileges"), "process.noNewPrivileges",
               &p->no_new_privileges, err) < 0)
    return -1;
  int ret = get_integer(json_object_get(proc, "oomScoreAdj"), "process.oomScoreAdj", false, -1000,
                        1000, "an integer between -1000 and 1000", &oom, err);
  if (ret < 0)
    return ret;
  p->has_oom_score_adj = ret > 0;
  p->oom_score_adj = ret > 0 ? (int)oom : 0;
  return 0;
}

/* ---- hostname, mounts, annotations ---- */

/* An empty name is treated as not set, so the uts check below only fires for
 * a name that would really be written. */
static int parse_name(const json_t *root, const char *key, char **out, struct nsrt_err *err)
{
  const char *s;
  int ret = get_string(json_object_get(root, key), key, false, &s, err);
  if (ret <= 0 || s[0] == '\0')
    return ret < 0 ? -1 : 0;
  return copy_string(s, out, key, err);
}

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

static unsigned long propagation_from_name(const char *name)
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
  int ret =
      get_array(json_object_get(obj, "options"), at_key(path, base, "options"), false, &arr, err);
  if (ret <= 0)
    return ret;
  size_t data_len = 0;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_path opt_path;
    const char *opt;
    if (get_string(json_array_get(arr, i), at_index(opt_path, path, i), true, &opt, err) < 0)
      return -1;
    data_len += strlen(opt) + 1;
  }
  m->data = malloc(data_len + 1);
  if (!m->data)
    return out_of_memory(path, err);
  size_t used = 0;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const char *opt = json_string_value(json_array_get(arr, i));
    unsigned long prop = propagation_from_name(opt);
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
  if (get_object(v, base, true, &obj, err) < 0 ||
      get_string(json_object_get(obj, "destination"), at_key(path, base, "destination"), true,
                 &dest, err) < 0 ||
      check_string(dest, STR_ANY, path, err) < 0 || copy_destination(dest, &m->destination) < 0 ||
      get_string(json_object_get(obj, "type"), at_key(path, base, "type"), false, &type, err) < 0)
    return -1;
  if (type && (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0))
    return SPEC_FAIL(err, path, "\"%s\": cgroup mounts are not supported", type);
  if (type && type[0] && copy_string(type, &m->type, path, err) < 0)
    return -1;
  static const char *const idmaps[] = {"uidMappings", "gidMappings"};
  for (size_t i = 0; i < ARRAY_SIZE(idmaps); i++) {
    const json_t *maps = json_object_get(obj, idmaps[i]);
    if (!absent(maps) && !(json_is_array(maps) && json_array_size(maps) == 0))
      return SPEC_FAIL(err, at_key(path, base, idmaps[i]), "idmapped mounts are not supported");
  }
  if (parse_mount_options(obj, base, m, err) < 0 ||
      get_string(json_object_get(obj, "source"), at_key(path, base, "source"), false, &source,
                 err) < 0)
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
      return out_of_memory(path, err);
    }
    return 0;
  }
  return copy_string(source, &m->source, path, err);
}

static int parse_mounts(const json_t *root, const char *bundle, struct plan *p,
                        struct nsrt_err *err)
{
  json_t *arr;
  int ret = get_array(json_object_get(root, "mounts"), "mounts", false, &arr, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size(arr);
  p->mounts = alloc_array(n, sizeof(*p->mounts));
  if (!p->mounts)
    return out_of_memory("mounts", err);
  p->n_mounts = n;
  for (size_t i = 0; i < n; i++) {
    json_path base;
    if (parse_mount(json_array_get(arr, i), at_index(base, "mounts", i), bundle, &p->mounts[i],
                    err) < 0)
      return -1;
  }
  return 0;
}

static int parse_annotations(const json_t *root, struct plan *p, struct nsrt_err *err)
{
  json_t *obj, *value;
  const char *key;
  int ret = get_object(json_object_get(root, "annotations"), "annotations", false, &obj, err);
  if (ret <= 0)
    return ret;
  p->annotations = alloc_array(json_object_size(obj), sizeof(*p->annotations));
  if (!p->annotations)
    return out_of_memory("annotations", err);
  json_object_foreach(obj, key, value)
  {
    json_path path;
    const char *s;
    struct annotation *a = &p->annotations[p->n_annotations];
    at_key(path, "annotations", key);
    if (get_string(value, path, true, &s, err) < 0 || copy_string(key, &a->key, path, err) < 0)
      return -1;
    p->n_annotations++;
    if (copy_string(s, &a->value, path, err) < 0)
      return -1;
  }
  return 0;
}

/* ---- linux ---- */

static int parse_namespaces(const json_t *lnx, struct plan *p, struct nsrt_err *err)
{
  size_t index_of[NS_COUNT] = {0};
  json_t *arr = NULL;
  if (get_array(json_object_get(lnx, "namespaces"), "linux.namespaces", false, &arr, err) < 0)
    return -1;
  for (size_t i = 0; arr && i < json_array_size(arr); i++) {
    json_path base, path;
    json_t *obj;
    const char *type_name, *ns_path = NULL;
    at_index(base, "linux.namespaces", i);
    if (get_object(json_array_get(arr, i), base, true, &obj, err) < 0 ||
        get_string(json_object_get(obj, "type"), at_key(path, base, "type"), true, &type_name,
                   err) < 0)
      return -1;
    int t = ns_type_from_spec_name(type_name);
    if (t < 0)
      return SPEC_FAIL(err, path, "unknown namespace type \"%s\"", type_name);
    if (p->ns[t].mode != NS_ABSENT)
      return SPEC_FAIL(err, path,
                       "\"%s\" is given twice: linux.namespaces[%zu] and linux.namespaces[%zu]",
                       type_name, index_of[t], i);
    index_of[t] = i;
    if (get_string(json_object_get(obj, "path"), at_key(path, base, "path"), false, &ns_path, err) <
        0)
      return -1;
    if (!ns_path || !ns_path[0]) {
      p->ns[t].mode = NS_NEW;
      continue;
    }
    if (check_string(ns_path, STR_ABSOLUTE, path, err) < 0)
      return -1;
    int fd = ns_open_checked(ns_path, (enum ns_type)t, path, err);
    if (fd < 0)
      return -1;
    p->ns[t].mode = NS_JOIN;
    p->ns[t].fd = fd;
    if (copy_string(ns_path, &p->ns[t].path, path, err) < 0)
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
  at_key(base, "linux", key);
  int ret = get_array(json_object_get(lnx, key), base, false, &arr, err);
  if (ret <= 0)
    return ret;
  size_t n = json_array_size(arr);
  *out = alloc_array(n, sizeof(**out));
  if (!*out)
    return out_of_memory(base, err);
  for (size_t i = 0; i < n; i++) {
    json_path item, path;
    json_t *obj;
    struct id_range *r = &(*out)[i];
    at_index(item, base, i);
    if (get_object(json_array_get(arr, i), item, true, &obj, err) < 0 ||
        get_u32(json_object_get(obj, "containerID"), at_key(path, item, "containerID"), true,
                &r->container_id, err) < 0 ||
        get_u32(json_object_get(obj, "hostID"), at_key(path, item, "hostID"), true, &r->host_id,
                err) < 0 ||
        get_u32(json_object_get(obj, "size"), at_key(path, item, "size"), true, &r->size, err) < 0)
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
      return SPEC_FAIL(err, at_index(path, "process.user.additionalGids", i),
                       "gid %u is not mapped by linux.gidMappings",
                       (unsigned)p->additional_gids[i]);
  }
  return 0;
}

static int parse_time_offsets(const json_t *lnx, struct plan *p, struct nsrt_err *err)
{
  json_t *obj, *clock;
  const char *name;
  int ret = get_object(json_object_get(lnx, "timeOffsets"), "linux.timeOffsets", false, &obj, err);
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
    at_key(base, "linux.timeOffsets", name);
    if (!monotonic && strcmp(name, "boottime") != 0)
      return SPEC_FAIL(err, base, "unknown clock \"%s\" (monotonic or boottime)", name);
    if (get_object(clock, base, true, &o, err) < 0 ||
        get_integer(json_object_get(o, "secs"), at_key(path, base, "secs"), false, LLONG_MIN,
                    LLONG_MAX, "a 64-bit integer", &secs, err) < 0 ||
        get_u32(json_object_get(o, "nanosecs"), at_key(path, base, "nanosecs"), false, &nsecs,
                err) < 0)
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
  int ret = get_object(json_object_get(lnx, "sysctl"), "linux.sysctl", false, &obj, err);
  if (ret <= 0)
    return ret;
  p->sysctl = alloc_array(json_object_size(obj), sizeof(*p->sysctl));
  if (!p->sysctl)
    return out_of_memory("linux.sysctl", err);
  json_object_foreach(obj, key, value)
  {
    json_path path;
    const char *s;
    struct sysctl_plan *sc = &p->sysctl[p->n_sysctl];
    at_key(path, "linux.sysctl", key);
    if (get_string(value, path, true, &s, err) < 0)
      return -1;
    int ns = sysctl_namespace(key);
    if (ns < 0)
      return SPEC_FAIL(err, path, "\"%s\" is not a namespaced sysctl", key);
    if (p->ns[ns].mode == NS_ABSENT)
      return SPEC_FAIL(err, path, "\"%s\" needs a %s namespace", key, ns_table[ns].spec_name);
    if (copy_string(key, &sc->key, path, err) < 0)
      return -1;
    p->n_sysctl++;
    if (copy_string(s, &sc->value, path, err) < 0)
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
  if (get_string(json_object_get(obj, action_key), at_key(path, base, action_key), required, &name,
                 err) < 0)
    return -1;
  int a = seccomp_action_from_name(name);
  if (a < 0)
    return SPEC_FAIL(err, path, "unknown action \"%s\"", name);
  if (a == SECCOMP_ACT_NOTIFY)
    return SPEC_FAIL(err, path, "\"%s\" needs linux.seccomp.listenerPath, which is not supported",
                     name);
  *action = (enum seccomp_act)a;
  *errno_ret = EPERM;
  int ret = get_u32(json_object_get(obj, errno_key), at_key(path, base, errno_key), false,
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
  if (get_object(v, base, true, &obj, err) < 0)
    return -1;
  at_key(path, base, "names");
  if (absent(json_object_get(obj, "names")))
    return missing(path, err);
  if (get_string_array(json_object_get(obj, "names"), path, STR_ANY, &r->names, err) < 0)
    return -1;
  if (!r->names[0])
    return SPEC_FAIL(err, path, "must contain at least one name");
  if (parse_seccomp_action(obj, base, "action", "errnoRet", true, &r->action, &r->errno_ret, err) <
      0)
    return -1;
  int ret = get_array(json_object_get(obj, "args"), at_key(path, base, "args"), false, &args, err);
  if (ret <= 0)
    return ret;
  r->args = alloc_array(json_array_size(args), sizeof(*r->args));
  if (!r->args)
    return out_of_memory(path, err);
  for (size_t i = 0; i < json_array_size(args); i++) {
    json_path item, field;
    json_t *arg;
    const char *op_name;
    uint32_t index = 0;
    struct seccomp_arg_plan *a = &r->args[i];
    at_index(item, path, i);
    if (get_object(json_array_get(args, i), item, true, &arg, err) < 0 ||
        get_u32(json_object_get(arg, "index"), at_key(field, item, "index"), true, &index, err) < 0)
      return -1;
    if (index >= 6)
      return SPEC_FAIL(err, field, "%u is not a syscall argument index (0 to 5)", index);
    a->index = index;
    if (get_u64(json_object_get(arg, "value"), at_key(field, item, "value"), true, &a->value, err) <
            0 ||
        get_u64(json_object_get(arg, "valueTwo"), at_key(field, item, "valueTwo"), false,
                &a->value_two, err) < 0 ||
        get_string(json_object_get(arg, "op"), at_key(field, item, "op"), true, &op_name, err) < 0)
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
      return SPEC_FAIL(err, at_index(path, base, i), "unknown %s \"%s\"", what, names[i]);
  }
  return 0;
}

static int parse_seccomp(const json_t *lnx, struct seccomp_plan *s, struct nsrt_err *err)
{
  const char *base = "linux.seccomp";
  const char *listener = NULL;
  json_t *obj, *rules;
  int ret = get_object(json_object_get(lnx, "seccomp"), base, false, &obj, err);
  if (ret <= 0)
    return ret;
  s->present = true;
  if (parse_seccomp_action(obj, base, "defaultAction", "defaultErrnoRet", true, &s->default_action,
                           &s->default_errno_ret, err) < 0 ||
      get_string(json_object_get(obj, "listenerPath"), "linux.seccomp.listenerPath", false,
                 &listener, err) < 0)
    return -1;
  if (listener && listener[0])
    return SPEC_FAIL(err, "linux.seccomp.listenerPath",
                     "\"%s\": seccomp listeners are not supported", listener);
  if (get_string_array(json_object_get(obj, "architectures"), "linux.seccomp.architectures",
                       STR_ANY, &s->architectures, err) < 0 ||
      check_names(s->architectures, "linux.seccomp.architectures", seccomp_arch_check,
                  "architecture", err) < 0 ||
      get_string_array(json_object_get(obj, "flags"), "linux.seccomp.flags", STR_ANY, &s->flags,
                       err) < 0 ||
      check_names(s->flags, "linux.seccomp.flags", seccomp_flag_check, "seccomp flag", err) < 0)
    return -1;
  ret = get_array(json_object_get(obj, "syscalls"), "linux.seccomp.syscalls", false, &rules, err);
  if (ret <= 0)
    return ret;
  s->rules = alloc_array(json_array_size(rules), sizeof(*s->rules));
  if (!s->rules)
    return out_of_memory("linux.seccomp.syscalls", err);
  s->n_rules = json_array_size(rules);
  for (size_t i = 0; i < s->n_rules; i++) {
    json_path item;
    if (parse_seccomp_rule(json_array_get(rules, i), at_index(item, "linux.seccomp.syscalls", i),
                           &s->rules[i], err) < 0)
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
      {"devices", false, "extra devices are not supported"},
      {"intelRdt", true, "Intel RDT is not supported"},
      {"personality", true, "personality is not supported"},
      {"mountLabel", false, "mount labels are not supported"},
      {"memoryPolicy", true, "memory policies are not supported"},
      {"netDevices", false, "network devices are not supported"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
    const json_t *v = json_object_get(lnx, fields[i].key);
    if (absent(v))
      continue;
    bool empty = (json_is_string(v) && json_string_length(v) == 0) ||
                 (json_is_array(v) && json_array_size(v) == 0) ||
                 (json_is_object(v) && json_object_size(v) == 0);
    if (fields[i].when_present || !empty) {
      json_path path;
      return SPEC_FAIL(err, at_key(path, "linux", fields[i].key), "%s", fields[i].what);
    }
  }
  return 0;
}

static int parse_linux(const json_t *root, struct plan *p, struct nsrt_err *err)
{
  json_t *lnx = NULL;
  const char *prop;
  if (get_object(json_object_get(root, "linux"), "linux", false, &lnx, err) < 0)
    return -1;
  if (!lnx)
    return SPEC_FAIL(err, "linux.namespaces", "a mount namespace is required");
  if (reject_unsupported_linux(lnx, err) < 0 || parse_namespaces(lnx, p, err) < 0 ||
      parse_id_map(lnx, "uidMappings", &p->uid_map, &p->n_uid_map, err) < 0 ||
      parse_id_map(lnx, "gidMappings", &p->gid_map, &p->n_gid_map, err) < 0 ||
      check_id_maps(p, err) < 0 || parse_time_offsets(lnx, p, err) < 0 ||
      get_string_array(json_object_get(lnx, "maskedPaths"), "linux.maskedPaths", STR_ABSOLUTE,
                       &p->masked_paths, err) < 0 ||
      get_string_array(json_object_get(lnx, "readonlyPaths"), "linux.readonlyPaths", STR_ABSOLUTE,
                       &p->readonly_paths, err) < 0 ||
      parse_sysctl(lnx, p, err) < 0)
    return -1;
  int ret = get_string(json_object_get(lnx, "rootfsPropagation"), "linux.rootfsPropagation", false,
                       &prop, err);
  if (ret < 0)
    return ret;
  if (ret > 0 && !(p->rootfs_propagation = propagation_from_name(prop)))
    return SPEC_FAIL(err, "linux.rootfsPropagation", "unknown propagation \"%s\"", prop);
  return parse_seccomp(lnx, &p->seccomp, err);
}

static int build_plan(const json_t *root, const char *bundle, struct plan *p, struct nsrt_err *err)
{
  const char *version;
  if (!json_is_object(root))
    return type_error(root, "config.json", "an object", err);
  if (get_string(json_object_get(root, "ociVersion"), "ociVersion", true, &version, err) < 0 ||
      check_oci_version(version, err) < 0 ||
      copy_string(version, &p->oci_version, "ociVersion", err) < 0)
    return -1;
  if (bundle && copy_string(bundle, &p->bundle, "bundle", err) < 0)
    return -1;
  if (parse_root(root, bundle, p, err) < 0 || parse_process(root, p, err) < 0 ||
      parse_name(root, "hostname", &p->hostname, err) < 0 ||
      parse_name(root, "domainname", &p->domainname, err) < 0 ||
      parse_mounts(root, bundle, p, err) < 0 ||
      hooks_parse(json_object_get(root, "hooks"), &p->hooks, err) < 0 ||
      parse_annotations(root, p, err) < 0 || parse_linux(root, p, err) < 0)
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
    return out_of_memory("config.json", err);
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
  strv_free(p->args);
  strv_free(p->env);
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
  }
  free(p->mounts);
  /* A zeroed plan has fd 0 everywhere: only a joined entry owns its fd. */
  for (int i = 0; i < NS_COUNT; i++) {
    if (p->ns[i].mode == NS_JOIN && p->ns[i].fd >= 0)
      close(p->ns[i].fd);
    free(p->ns[i].path);
  }
  free(p->uid_map);
  free(p->gid_map);
  strv_free(p->masked_paths);
  strv_free(p->readonly_paths);
  for (size_t i = 0; p->sysctl && i < p->n_sysctl; i++) {
    free(p->sysctl[i].key);
    free(p->sysctl[i].value);
  }
  free(p->sysctl);
  strv_free(p->seccomp.architectures);
  strv_free(p->seccomp.flags);
  for (size_t i = 0; p->seccomp.rules && i < p->seccomp.n_rules; i++) {
    strv_free(p->seccomp.rules[i].names);
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
