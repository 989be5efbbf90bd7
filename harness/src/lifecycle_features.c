/* The features document (features.md, features-linux.md): `<runtime>
 * features`, the document itself, then containers that use what it lists.
 * The document is optional ("a runtime MAY provide"), so a runtime without
 * the command gets SKIP, never FAIL.
 *
 * "Recognised" is checked as "accepted": a config using the listed value is
 * created and started.  Values are tried together first; when that fails,
 * one by one, so the verdict names the values that were refused. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "driver_int.h"
#include "lifecycle_int.h"
#include "requirements.h"

/* The spec version the catalog follows; a document naming a later one may
 * hold properties this harness does not know. */
#define SPEC_VERSION "1.3.0"

/* ---- the document ----------------------------------------------------------- */

/* `features` parsed; NULL after SKIP (no command) or FAIL (not a JSON
 * object) verdicts for each of reqs. */
static json_t *load_features(struct case_ctx *x, const char *const *reqs, size_t n)
{
  struct nsc_exec r;
  char line[512];
  int rc = nsc_case_run(x, &r, -1, "features", NULL);
  json_t *doc = rc == 0 && r.out ? json_loads(r.out, 0, NULL) : NULL;
  for (size_t i = 0; i < n && !json_is_object(doc); i++) {
    if (rc != 0)
      nsc_case_skip(x, reqs[i],
                    "the runtime has no features command (features.md: a runtime MAY "
                    "provide the document)");
    else
      nsc_case_verdict(x, reqs[i], false, "`features` prints a JSON object", "%s",
                       nsc_first_line(r.out, line, sizeof(line)));
  }
  nsc_exec_free(&r);
  if (!json_is_object(doc)) {
    json_decref(doc);
    return NULL;
  }
  return doc;
}

/* SemVer 2.0.0: MAJOR.MINOR.PATCH[-PRE][+BUILD].  Returns false when s is
 * not one. */
struct semver {
  unsigned long long v[3];
  char pre[128];
};

static bool numeric_id(const char *s, size_t n)
{
  if (n == 0 || (n > 1 && s[0] == '0'))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return false;
  return true;
}

/* Dot-separated identifiers of a pre-release or build: each non-empty, of
 * [0-9A-Za-z-]; numeric ones without leading zeros when numeric_rule. */
static bool valid_identifiers(const char *s, size_t n, bool numeric_rule)
{
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] != '.') {
      if (!isalnum((unsigned char)s[i]) && s[i] != '-')
        return false;
      continue;
    }
    size_t len = i - start;
    if (len == 0)
      return false;
    bool digits = strspn(s + start, "0123456789") >= len;
    if (numeric_rule && digits && !numeric_id(s + start, len))
      return false;
    start = i + 1;
  }
  return true;
}

static bool parse_semver(const char *s, struct semver *out)
{
  memset(out, 0, sizeof(*out));
  const char *p = s;
  for (int i = 0; i < 3; i++) {
    size_t n = strspn(p, "0123456789");
    if (!numeric_id(p, n))
      return false;
    out->v[i] = strtoull(p, NULL, 10);
    p += n;
    if (i < 2 && *p++ != '.')
      return false;
  }
  if (*p == '-') {
    size_t n = strcspn(++p, "+");
    if (n >= sizeof(out->pre) || !valid_identifiers(p, n, true))
      return false;
    snprintf(out->pre, sizeof(out->pre), "%.*s", (int)n, p);
    p += n;
  }
  if (*p == '+') {
    p++;
    if (!valid_identifiers(p, strlen(p), false))
      return false;
    p += strlen(p);
  }
  return *p == '\0';
}

/* Precedence of two pre-release strings ("" is a release: highest). */
static int compare_pre(const char *a, const char *b)
{
  if (!*a || !*b)
    return !*a - !*b;
  while (*a || *b) {
    if (!*a || !*b)
      return *a ? 1 : -1; /* more identifiers: higher */
    size_t na = strcspn(a, "."), nb = strcspn(b, ".");
    bool da = numeric_id(a, na), db = numeric_id(b, nb);
    int c;
    if (da && db)
      c = na != nb ? (na < nb ? -1 : 1) : strncmp(a, b, na);
    else if (da || db)
      c = da ? -1 : 1;
    else {
      c = strncmp(a, b, na < nb ? na : nb);
      if (c == 0 && na != nb)
        c = na < nb ? -1 : 1;
    }
    if (c)
      return c < 0 ? -1 : 1;
    a += na + (a[na] == '.');
    b += nb + (b[nb] == '.');
  }
  return 0;
}

static int compare_semver(const struct semver *a, const struct semver *b)
{
  for (int i = 0; i < 3; i++)
    if (a->v[i] != b->v[i])
      return a->v[i] < b->v[i] ? -1 : 1;
  return compare_pre(a->pre, b->pre);
}

bool nsc_lc_semver_compare(const char *a, const char *b, int *cmp)
{
  struct semver x, y;
  if (!a || !b || !parse_semver(a, &x) || !parse_semver(b, &y))
    return false;
  *cmp = compare_semver(&x, &y);
  return true;
}

/* The properties features.md and features-linux.md of SPEC_VERSION define,
 * by the path of the object that holds them. */
static const struct {
  const char *object;
  const char *keys;
} known_properties[] = {
    {"", " ociVersionMin ociVersionMax hooks mountOptions annotations "
         "potentiallyUnsafeConfigAnnotations linux "},
    {"linux", " namespaces capabilities cgroup seccomp apparmor selinux intelRdt "
              "memoryPolicy mountExtensions netDevices "},
    {"linux.cgroup", " v1 v2 systemd systemdUser rdma "},
    {"linux.seccomp", " enabled actions operators archs knownFlags supportedFlags "},
    {"linux.apparmor", " enabled "},
    {"linux.selinux", " enabled "},
    {"linux.intelRdt", " enabled "},
    {"linux.netDevices", " enabled "},
    {"linux.memoryPolicy", " modes flags "},
    {"linux.mountExtensions", " idmap "},
    {"linux.mountExtensions.idmap", " enabled "},
};

static void unknown_properties(const json_t *obj, const char *path, char *buf, size_t len)
{
  const char *keys = NULL;
  for (size_t i = 0; i < sizeof(known_properties) / sizeof(known_properties[0]); i++)
    if (strcmp(known_properties[i].object, path) == 0)
      keys = known_properties[i].keys;
  if (!keys || !json_is_object(obj))
    return; /* a map (annotations) or a leaf */
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)obj, key, v)
  {
    char word[256], sub[256];
    snprintf(word, sizeof(word), " %s ", key);
    snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", key);
    if (!strstr(keys, word))
      snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "", sub);
    else
      unknown_properties(v, sub, buf, len);
  }
}

void nsc_lc_features_unknown(const json_t *doc, char *buf, size_t len)
{
  buf[0] = '\0';
  unknown_properties(doc, "", buf, len);
}

void nsc_lc_features_document(struct case_ctx *x)
{
  const char *reqs[] = {REQ("features.version.max-not-below-min"),
                        REQ("features.version.no-unknown-properties")};
  json_t *doc = load_features(x, reqs, 2);
  if (!doc)
    return;
  const char *min = json_string_value(json_object_get(doc, "ociVersionMin"));
  const char *max = json_string_value(json_object_get(doc, "ociVersionMax"));
  int order = 0, newer = 0;
  bool valid = nsc_lc_semver_compare(max, min, &order);
  nsc_case_verdict(x, reqs[0], valid && order >= 0,
                   "ociVersionMin and ociVersionMax are SemVer strings, max >= min",
                   "ociVersionMin %s, ociVersionMax %s%s", min ?: "(none)", max ?: "(none)",
                   valid ? "" : " (not both SemVer strings)");
  if (valid && nsc_lc_semver_compare(max, SPEC_VERSION, &newer) && newer > 0) {
    nsc_case_skip(x, reqs[1],
                  "the document names a spec version after " SPEC_VERSION
                  ", whose properties this harness does not know");
  } else {
    char unknown[1024];
    nsc_lc_features_unknown(doc, unknown, sizeof(unknown));
    nsc_case_verdict(x, reqs[1], !unknown[0],
                     "only properties runtime-spec " SPEC_VERSION " defines", "%s%s",
                     unknown[0] ? "unknown: " : "none unknown", unknown);
  }
  json_decref(doc);
}

/* ---- running a config ------------------------------------------------------------ */

/* create (and start, then wait for the probe) with x->config; the
 * container is destroyed again.  On failure the runtime's first stderr line
 * goes into why. */
static bool config_runs(struct case_ctx *x, bool start, char *why, size_t len)
{
  struct nsc_exec r;
  why[0] = '\0';
  nsc_lc_reset_probe(x);
  if (!nsc_lc_write_config(x, REQ("runtime.create.new-container")))
    return snprintf(why, len, "config.json not written"), false;
  int rc = nsc_case_create(x, &r);
  if (rc != 0)
    nsc_first_line(r.err, why, len);
  nsc_exec_free(&r);
  int status;
  json_t *st = nsc_case_state(x, &status);
  x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  if (rc == 0 && start) {
    rc = nsc_case_run(x, &r, -1, "start", x->id, NULL);
    if (rc != 0)
      nsc_first_line(r.err, why, len);
    nsc_exec_free(&r);
    json_t *probe = rc == 0 ? nsc_case_wait_probe(x) : NULL;
    if (rc == 0 && !probe) {
      rc = -1;
      snprintf(why, len, "the program printed nothing");
    }
    json_decref(probe);
  }
  nsc_lc_destroy(x);
  return rc == 0;
}

/* The strings of a JSON array; those for which known() is false go into
 * skipped instead of the result.  Returns the count. */
static size_t listed(const json_t *arr, bool (*known)(const char *), const char **out, size_t max,
                     char *skipped, size_t len)
{
  size_t n = 0, i;
  json_t *e;
  json_array_foreach(arr, i, e)
  {
    const char *s = json_string_value(e);
    if (!s)
      continue;
    if (known && !known(s))
      snprintf(skipped + strlen(skipped), len - strlen(skipped), "%s%s", skipped[0] ? ", " : "", s);
    else if (n < max)
      out[n++] = s;
  }
  return n;
}

/* Apply each of the n values with apply(x, value) to a fresh copy of the
 * case's config; all together first, then one by one when that fails.
 * The refused ones (with the first reason) go into bad. */
typedef void (*apply_fn)(struct case_ctx *x, const char *value, size_t index);

static bool try_values(struct case_ctx *x, const char **values, size_t n, apply_fn apply,
                       bool start, char *bad, size_t len)
{
  json_t *base = json_deep_copy(x->config);
  char why[512];
  bad[0] = '\0';
  for (size_t i = 0; i < n; i++)
    apply(x, values[i], i);
  bool all = config_runs(x, start, why, sizeof(why));
  for (size_t i = 0; !all && i < n; i++) {
    json_decref(x->config);
    x->config = json_deep_copy(base);
    apply(x, values[i], i);
    if (!config_runs(x, start, why, sizeof(why)))
      snprintf(bad + strlen(bad), len - strlen(bad), "%s%s (%s)", bad[0] ? "; " : "", values[i],
               why);
  }
  json_decref(x->config);
  x->config = base;
  if (!all && !bad[0])
    snprintf(bad, len, "refused together, accepted one by one: %s", why);
  return all || !bad[0];
}

/* The verdict on the listed values: SKIP when none is listed (the
 * property is optional). */
static void check_listed(struct case_ctx *x, const char *req, const char *what, const char **values,
                         size_t n, apply_fn apply, bool start, const char *skipped)
{
  char bad[2048], expected[160];
  if (n == 0) {
    char reason[384];
    snprintf(reason, sizeof(reason), "the document lists no %s%s%s", what,
             skipped[0] ? "; not tried: " : "", skipped);
    nsc_case_skip(x, req, reason);
    return;
  }
  bool ok = try_values(x, values, n, apply, start, bad, sizeof(bad));
  snprintf(expected, sizeof(expected), "a container using each of the %zu listed %s runs", n, what);
  nsc_case_verdict(x, req, ok, expected, "%s%s%s%s",
                   ok ? "all accepted" : "refused: ", ok ? "" : bad,
                   skipped[0] ? "; not tried: " : "", skipped);
}

/* ---- versions ------------------------------------------------------------------------ */

void nsc_lc_features_versions(struct case_ctx *x)
{
  const char *reqs[] = {REQ("features.version.min-accepted"), REQ("features.version.max-accepted")};
  static const char *const keys[] = {"ociVersionMin", "ociVersionMax"};
  json_t *doc = load_features(x, reqs, 2);
  if (!doc)
    return;
  for (int i = 0; i < 2; i++) {
    const char *v = json_string_value(json_object_get(doc, keys[i]));
    char why[512], expected[128];
    if (!v) {
      nsc_case_verdict(x, reqs[i], false, "the document has the version", "no %s", keys[i]);
      continue;
    }
    json_object_set_new(x->config, "ociVersion", json_string(v));
    snprintf(expected, sizeof(expected), "a config with ociVersion %s (%s) is created", v, keys[i]);
    bool ok = config_runs(x, false, why, sizeof(why));
    nsc_case_verdict(x, reqs[i], ok, expected, "%s", ok ? "created" : why);
  }
  json_decref(doc);
}

/* ---- hooks ----------------------------------------------------------------------------- */

static const char *const hook_kinds[] = {"prestart",       "createRuntime", "createContainer",
                                         "startContainer", "poststart",     "poststop"};

static bool known_hook(const char *s)
{
  for (size_t i = 0; i < sizeof(hook_kinds) / sizeof(hook_kinds[0]); i++)
    if (strcmp(s, hook_kinds[i]) == 0)
      return true;
  return false;
}

/* One hook of each listed kind, each leaving <rec>/<kind>; startContainer
 * runs after pivot_root and writes through the record mount. */
void nsc_lc_features_hooks(struct case_ctx *x)
{
  const char *req = REQ("features.hooks.supported");
  json_t *doc = load_features(x, &req, 1);
  if (!doc)
    return;
  const char *kinds[16];
  char skipped[512] = "", rec[PATH_MAX], missing[256] = "";
  size_t n = listed(json_object_get(doc, "hooks"), known_hook, kinds, 16, skipped, sizeof(skipped));
  if (!nsc_lc_record_mount(x, rec, sizeof(rec))) {
    nsc_case_verdict(x, req, false, "the record directory is made", "%s", strerror(errno));
    json_decref(doc);
    return;
  }
  json_t *hooks = json_object();
  for (size_t i = 0; i < n; i++) {
    char cmd[PATH_MAX + 64];
    bool inside = strcmp(kinds[i], "startContainer") == 0;
    snprintf(cmd, sizeof(cmd), "cat >/dev/null; : >'%s/%s'", inside ? NSC_LC_RECORD_MOUNT : rec,
             kinds[i]);
    json_object_set_new(hooks, kinds[i],
                        json_pack("[{s:s, s:[s,s,s], s:[s]}]", "path", "/bin/sh", "args", "sh",
                                  "-c", cmd, "env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
  }
  json_object_set_new(x->config, "hooks", hooks);
  char why[512];
  bool ran = config_runs(x, true, why, sizeof(why));
  for (size_t i = 0; i < n; i++) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", rec, kinds[i]);
    if (access(path, F_OK) < 0)
      snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
               missing[0] ? ", " : "", kinds[i]);
  }
  nsc_case_verdict(x, req, ran && !missing[0], "a container with each listed hook kind runs them",
                   "%s%s%s%s%s", ran ? "the container ran" : why,
                   missing[0] ? "; did not run: " : "", missing,
                   skipped[0] ? "; not kinds of config.md: " : "", skipped);
  json_decref(doc);
}

/* ---- mount options ----------------------------------------------------------------------- */

/* Each option gets a mount of its own under a tmpfs at /tmp, so the
 * runtime makes the mount points there and not in the shared rootfs.  Bind
 * options mount <bundle>/rec; "remount" goes over a mount made just before
 * at the same place; the rest are tmpfs options. */
static void apply_mount_option(struct case_ctx *x, const char *opt, size_t index)
{
  json_t *mounts = json_object_get(x->config, "mounts");
  char dest[64], rec[PATH_MAX + 8];
  snprintf(dest, sizeof(dest), "/tmp/o%zu", index);
  snprintf(rec, sizeof(rec), "%s/rec", x->dir);
  bool has_tmp = false;
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m)
  {
    has_tmp |= !strcmp(json_string_value(json_object_get(m, "destination")) ?: "", "/tmp");
  }
  if (!has_tmp)
    json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s]}", "destination", "/tmp", "type",
                                            "tmpfs", "source", "tmpfs", "options", "size=1024k"));
  if (!strcmp(opt, "bind") || !strcmp(opt, "rbind")) {
    json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s]}", "destination", dest, "type",
                                            "bind", "source", rec, "options", opt));
    return;
  }
  if (!strcmp(opt, "remount"))
    json_array_append_new(mounts, json_pack("{s:s, s:s, s:s}", "destination", dest, "type", "tmpfs",
                                            "source", "tmpfs"));
  json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s]}", "destination", dest, "type",
                                          "tmpfs", "source", "tmpfs", "options", opt));
}

/* idmap and ridmap need a user namespace with mappings of the mount's
 * own: a setup of their own, not tried here. */
static bool plain_mount_option(const char *s)
{
  return strcmp(s, "idmap") != 0 && strcmp(s, "ridmap") != 0;
}

void nsc_lc_features_mount_options(struct case_ctx *x)
{
  const char *req = REQ("features.mount-options.recognized");
  json_t *doc = load_features(x, &req, 1);
  if (!doc)
    return;
  const char *opts[128];
  char skipped[256] = "", rec[PATH_MAX];
  size_t n = listed(json_object_get(doc, "mountOptions"), plain_mount_option, opts, 128, skipped,
                    sizeof(skipped));
  snprintf(rec, sizeof(rec), "%s/rec", x->dir);
  mkdir(rec, 0755);
  check_listed(x, req, "mount options", opts, n, apply_mount_option, false, skipped);
  json_decref(doc);
}

/* ---- namespaces ------------------------------------------------------------------------------ */

static const char *const ns_types[] = {"mount", "pid",  "network", "uts",
                                       "ipc",   "user", "cgroup",  "time"};

static bool known_ns(const char *s)
{
  for (size_t i = 0; i < sizeof(ns_types) / sizeof(ns_types[0]); i++)
    if (strcmp(s, ns_types[i]) == 0)
      return true;
  return false;
}

/* A new namespace of the type; a user namespace gets mappings of 65536 ids
 * from 100000 (root may map any range). */
static void apply_namespace(struct case_ctx *x, const char *type, size_t index)
{
  json_t *lx = json_object_get(x->config, "linux");
  json_t *nss = json_object_get(lx, "namespaces");
  size_t i;
  json_t *e;
  json_array_foreach(nss, i, e)
  {
    if (!strcmp(json_string_value(json_object_get(e, "type")) ?: "", type))
      return;
  }
  json_array_append_new(nss, json_pack("{s:s}", "type", type));
  if (!strcmp(type, "user")) {
    json_object_set_new(
        lx, "uidMappings",
        json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 100000, "size", 65536));
    json_object_set_new(
        lx, "gidMappings",
        json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 100000, "size", 65536));
  }
}

void nsc_lc_features_namespaces(struct case_ctx *x)
{
  const char *req = REQ("features-linux.namespaces.recognized");
  json_t *doc = load_features(x, &req, 1);
  if (!doc)
    return;
  const char *types[16];
  char skipped[256] = "";
  size_t n = listed(json_object_get(json_object_get(doc, "linux"), "namespaces"), known_ns, types,
                    16, skipped, sizeof(skipped));
  check_listed(x, req, "namespace types", types, n, apply_namespace, true, skipped);
  json_decref(doc);
}

/* ---- capabilities ------------------------------------------------------------------------------
 */

static void apply_capability(struct case_ctx *x, const char *cap, size_t index)
{
  static const char *const sets[] = {"bounding", "effective", "permitted"};
  json_t *proc = json_object_get(x->config, "process");
  json_t *caps = json_object_get(proc, "capabilities");
  if (!caps) {
    caps = json_object();
    json_object_set_new(proc, "capabilities", caps);
  }
  for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
    json_t *set = json_object_get(caps, sets[i]);
    if (!set) {
      set = json_array();
      json_object_set_new(caps, sets[i], set);
    }
    json_array_append_new(set, json_string(cap));
  }
}

/* A capability the harness does not hold cannot be granted by a runtime it
 * starts (on this host: CAP_SYS_RESOURCE); that says nothing about whether
 * the name is recognised. */
static void held_capabilities(struct case_ctx *x, const char **caps, size_t *n, char *skipped,
                              size_t len)
{
  const char *hex =
      json_string_value(json_object_get(json_object_get(x->d->self, "caps"), "permitted"));
  unsigned long long held = hex ? strtoull(hex, NULL, 16) : ~0ULL;
  size_t kept = 0;
  for (size_t i = 0; i < *n; i++) {
    int c = cap_from_name(caps[i]);
    if (c >= 0 && c < 64 && !((held >> c) & 1))
      snprintf(skipped + strlen(skipped), len - strlen(skipped), "%s%s (the harness lacks it)",
               skipped[0] ? ", " : "", caps[i]);
    else
      caps[kept++] = caps[i];
  }
  *n = kept;
}

void nsc_lc_features_capabilities(struct case_ctx *x)
{
  const char *req = REQ("features-linux.capabilities.recognized");
  json_t *doc = load_features(x, &req, 1);
  if (!doc)
    return;
  const char *caps[128];
  char skipped[256] = "";
  size_t n = listed(json_object_get(json_object_get(doc, "linux"), "capabilities"), NULL, caps, 128,
                    skipped, sizeof(skipped));
  held_capabilities(x, caps, &n, skipped, sizeof(skipped));
  check_listed(x, req, "capabilities", caps, n, apply_capability, true, skipped);
  json_decref(doc);
}

/* ---- seccomp
 * --------------------------------------------------------------------------------------- */

/* Syscalls neither the runtime (after loading the filter) nor the probe
 * makes: rules on them never fire, whatever their action. */
static const char *const idle_syscalls[] = {
    "acct",     "swapon",  "swapoff", "kexec_load", "init_module", "finit_module", "delete_module",
    "quotactl", "vhangup", "iopl",    "ioperm",     "uselib",      "ustat",        "sysfs",
};
#define N_IDLE (sizeof(idle_syscalls) / sizeof(idle_syscalls[0]))

static json_t *seccomp_of(struct case_ctx *x)
{
  json_t *lx = json_object_get(x->config, "linux");
  json_t *sc = json_object_get(lx, "seccomp");
  if (!sc) {
    sc = json_pack("{s:s, s:[], s:[]}", "defaultAction", "SCMP_ACT_ALLOW", "architectures",
                   "syscalls");
    json_object_set_new(lx, "seccomp", sc);
  }
  return sc;
}

static void apply_action(struct case_ctx *x, const char *action, size_t index)
{
  json_t *rule =
      json_pack("{s:[s], s:s}", "names", idle_syscalls[index % N_IDLE], "action", action);
  if (!strcmp(action, "SCMP_ACT_ERRNO") || !strcmp(action, "SCMP_ACT_TRACE"))
    json_object_set_new(rule, "errnoRet", json_integer(EPERM));
  json_array_append_new(json_object_get(seccomp_of(x), "syscalls"), rule);
}

static void apply_operator(struct case_ctx *x, const char *op, size_t index)
{
  json_t *arg = json_pack("{s:i, s:i, s:s}", "index", 0, "value", 1, "op", op);
  if (!strcmp(op, "SCMP_CMP_MASKED_EQ"))
    json_object_set_new(arg, "valueTwo", json_integer(1));
  json_array_append_new(json_object_get(seccomp_of(x), "syscalls"),
                        json_pack("{s:[s], s:s, s:i, s:[o]}", "names",
                                  idle_syscalls[(N_IDLE - 1 - index) % N_IDLE], "action",
                                  "SCMP_ACT_ERRNO", "errnoRet", EPERM, "args", arg));
}

/* The native architecture is always in the filter; a listed one is added. */
static void apply_arch(struct case_ctx *x, const char *arch, size_t index)
{
  json_t *archs = json_object_get(seccomp_of(x), "architectures");
  if (json_array_size(archs) == 0)
    json_array_append_new(archs, json_string("SCMP_ARCH_X86_64"));
  if (strcmp(arch, "SCMP_ARCH_X86_64") != 0)
    json_array_append_new(archs, json_string(arch));
  if (json_array_size(json_object_get(seccomp_of(x), "syscalls")) == 0)
    apply_action(x, "SCMP_ACT_ERRNO", 0);
}

static void apply_flag(struct case_ctx *x, const char *flag, size_t index)
{
  json_t *sc = seccomp_of(x);
  json_t *flags = json_object_get(sc, "flags");
  if (!flags) {
    flags = json_array();
    json_object_set_new(sc, "flags", flags);
  }
  json_array_append_new(flags, json_string(flag));
  if (json_array_size(json_object_get(sc, "syscalls")) == 0)
    apply_action(x, "SCMP_ACT_ERRNO", 0);
}

/* knownFlags that are not in supportedFlags: this kernel or libseccomp
 * cannot apply them, and a refusal would not show whether the runtime
 * recognised them. */
static void known_only_flags(const json_t *sc, char *skipped, size_t len)
{
  size_t i, j;
  json_t *k, *s;
  json_array_foreach(json_object_get(sc, "knownFlags"), i, k)
  {
    bool supported = false;
    json_array_foreach(json_object_get(sc, "supportedFlags"), j, s)
    {
      supported |= json_equal(k, s);
    }
    if (!supported && json_is_string(k))
      snprintf(skipped + strlen(skipped), len - strlen(skipped), "%s%s (known, not supported)",
               skipped[0] ? ", " : "", json_string_value(k));
  }
}

/* SCMP_ACT_NOTIFY needs a seccomp agent listening at listenerPath. */
static bool plain_action(const char *s)
{
  return strcmp(s, "SCMP_ACT_NOTIFY") != 0;
}

/* libseccomp builds one filter for architectures of one byte order: a
 * big-endian one cannot join the x86_64 filter (EDOM), whatever the
 * runtime recognises. */
static bool same_byte_order_arch(const char *s)
{
  static const char *const big_endian[] = {
      "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_PPC",
      "SCMP_ARCH_PPC64",    "SCMP_ARCH_S390",   "SCMP_ARCH_S390X",     "SCMP_ARCH_PARISC",
      "SCMP_ARCH_PARISC64", "SCMP_ARCH_M68K",   "SCMP_ARCH_SH",
  };
  for (size_t i = 0; i < sizeof(big_endian) / sizeof(big_endian[0]); i++)
    if (strcmp(s, big_endian[i]) == 0)
      return false;
  return true;
}

static bool native_arch_known(void)
{
#if defined(__x86_64__)
  return true;
#else
  return false;
#endif
}

void nsc_lc_features_seccomp(struct case_ctx *x)
{
  const char *req = REQ("features-linux.seccomp.recognized");
  json_t *doc = load_features(x, &req, 1);
  if (!doc)
    return;
  json_t *sc = json_object_get(json_object_get(doc, "linux"), "seccomp");
  if (!sc || json_is_false(json_object_get(sc, "enabled"))) {
    nsc_case_skip(x, req, "the document lists no seccomp support");
    json_decref(doc);
    return;
  }
  if (!native_arch_known()) {
    nsc_case_skip(x, req, "the harness knows the native seccomp architecture of x86_64 only");
    json_decref(doc);
    return;
  }
  static const struct {
    const char *key, *what;
    bool (*known)(const char *);
    apply_fn apply;
  } parts[] = {
      {"actions", "seccomp actions", plain_action, apply_action},
      {"operators", "seccomp operators", NULL, apply_operator},
      {"archs", "seccomp architectures of x86_64's byte order", same_byte_order_arch, apply_arch},
      {"supportedFlags", "supported seccomp flags", NULL, apply_flag},
  };
  for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++) {
    const char *values[64];
    char skipped[256] = "";
    size_t n = listed(json_object_get(sc, parts[p].key), parts[p].known, values, 64, skipped,
                      sizeof(skipped));
    if (parts[p].apply == apply_flag)
      known_only_flags(sc, skipped, sizeof(skipped));
    check_listed(x, req, parts[p].what, values, n, parts[p].apply, true, skipped);
  }
  json_decref(doc);
}
