/* Putting a refused create down to a field (refusal.c): a config, a
 * features document or none, and a stand-in for "does create succeed with
 * this config?" -> which requirement gets which verdict.  No runtime. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsconform.h"
#include "refusal.h"

/* JSON with ' for " so the literals below stay readable. */
static json_t *J(const char *text)
{
  char *s = strdup(text);
  cr_assert_not_null(s);
  for (char *p = s; *p; p++)
    if (*p == '\'')
      *p = '"';
  json_error_t e;
  json_t *v = json_loads(s, 0, &e);
  cr_assert_not_null(v, "bad test JSON at %d: %s\n%s", e.position, e.text, s);
  free(s);
  return v;
}

/* runc 1.1.5's document, cut down: no time namespace, no idmap option. */
#define RUNC_FEATURES                                                                              \
  "{'ociVersionMin': '1.0.0', 'ociVersionMax': '1.0.2-dev',"                                       \
  " 'mountOptions': ['bind', 'rbind', 'ro', 'rw', 'nosuid', 'nodev', 'noexec', 'noatime',"         \
  "                  'defaults', 'private', 'rprivate', 'shared'],"                                \
  " 'linux': {'namespaces': ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts'],"          \
  "           'seccomp': {'enabled': true, 'actions': ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO'],"       \
  "                       'archs': ['SCMP_ARCH_X86_64']}}}"

/* ---- the stand-in runtime --------------------------------------------------- */

/* What the fake runtime refuses, checked in this order; each refusal has its
 * own error line.  calls counts the tries. */
struct fake {
  bool refuse_time;     /* any time namespace entry */
  bool refuse_userjoin; /* a user namespace entry with a path */
  bool refuse_option;   /* the mount option in option */
  const char *option;
  bool refuse_propagation;  /* linux.rootfsPropagation set */
  bool refuse_version;      /* ociVersion other than 1.0.2 */
  bool refuse_without_user; /* no user namespace entry */
  bool refuse_ioprio;       /* process.ioPriority set */
  bool refuse_mapped_mount; /* a mount with uidMappings */
  bool refuse_all;          /* everything, with a time stamp that changes */
  int calls;
};

static bool has_ns(const json_t *cfg, const char *type, bool with_path)
{
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(json_object_get(cfg, "linux"), "namespaces"), i, e)
  {
    if (strcmp(json_string_value(json_object_get(e, "type")) ?: "", type) == 0 &&
        (!with_path || json_object_get(e, "path")))
      return true;
  }
  return false;
}

static bool has_option(const json_t *cfg, const char *opt)
{
  size_t i, j;
  json_t *m, *o;
  json_array_foreach(json_object_get(cfg, "mounts"), i, m)
  {
    json_array_foreach(json_object_get(m, "options"), j, o)
    {
      if (strcmp(json_string_value(o) ?: "", opt) == 0)
        return true;
    }
  }
  return false;
}

static bool fake_create(void *ctx, const json_t *cfg, char *why, size_t len)
{
  struct fake *f = ctx;
  f->calls++;
  if (f->refuse_all) {
    snprintf(why, len, "level=error time=%d msg=\"no\" pid %d", 1000 + f->calls, 40 + f->calls);
    return false;
  }
  if (f->refuse_ioprio && json_object_get(json_object_get(cfg, "process"), "ioPriority")) {
    snprintf(why, len, "nsrt: spec: process.ioPriority: is not supported");
    return false;
  }
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(cfg, "mounts"), i, m)
  {
    if (f->refuse_mapped_mount && json_object_get(m, "uidMappings")) {
      snprintf(why, len, "open `.`: Bad file descriptor");
      return false;
    }
  }
  if (f->refuse_without_user && !has_ns(cfg, "user", false)) {
    snprintf(why, len, "this runtime needs a user namespace");
    return false;
  }
  if (f->refuse_time && has_ns(cfg, "time", false)) {
    snprintf(why, len, "namespace time does not exist");
    return false;
  }
  if (f->refuse_userjoin && has_ns(cfg, "user", true)) {
    snprintf(why, len, "User namespaces enabled, but no uid mappings found.");
    return false;
  }
  if (f->refuse_option && has_option(cfg, f->option)) {
    snprintf(why, len, "mount tmpfs:/run, data: %s: invalid argument", f->option);
    return false;
  }
  if (f->refuse_propagation &&
      json_object_get(json_object_get(cfg, "linux"), "rootfsPropagation")) {
    snprintf(why, len, "mount rootfs, flags: 0x5000: invalid argument");
    return false;
  }
  if (f->refuse_version &&
      strcmp(json_string_value(json_object_get(cfg, "ociVersion")) ?: "", "1.0.2") != 0) {
    snprintf(why, len, "unknown version specified");
    return false;
  }
  return true;
}

/* The refusal of cfg as the fake sees it, explained, into vs. */
static void explain(const char *cfg_text, const char *features_text, struct fake *f,
                    struct nsc_refusal *r, struct nsc_verdicts *vs)
{
  json_t *cfg = J(cfg_text);
  json_t *features = features_text ? J(features_text) : NULL;
  char why[512] = "";
  struct fake probe = *f;
  cr_assert(!fake_create(&probe, cfg, why, sizeof(why)), "the fake accepts the full config");
  nsc_refusal_explain(cfg, features, "create exited 1", why, fake_create, f, r);
  nsc_refusal_verdicts(r, vs);
  json_decref(cfg);
  json_decref(features);
}

static const struct nsc_verdict *find(const struct nsc_verdicts *vs, const char *req)
{
  for (size_t i = 0; i < vs->n; i++)
    if (strcmp(vs->v[i].requirement, req) == 0)
      return &vs->v[i];
  return NULL;
}

static void expect(const struct nsc_verdicts *vs, const char *req, enum nsc_verdict_kind kind,
                   const char *text)
{
  const struct nsc_verdict *v = find(vs, req);
  cr_assert_not_null(v, "no verdict on %s", req);
  cr_assert_eq(v->verdict, kind, "%s: %s, not %s", req, nsc_verdict_name(v->verdict),
               nsc_verdict_name(kind));
  const char *where = kind == NSC_SKIP ? v->reason : v->actual;
  if (text)
    cr_assert(where && strstr(where, text), "%s: \"%s\" lacks \"%s\"", req, where ?: "(null)",
              text);
  if (kind == NSC_SKIP)
    cr_assert(v->reason && v->reason[0], "%s: a SKIP without a reason", req);
}

static size_t count(const struct nsc_verdicts *vs, enum nsc_verdict_kind kind)
{
  size_t n = 0;
  for (size_t i = 0; i < vs->n; i++)
    n += vs->v[i].verdict == kind;
  return n;
}

#define BASE_NS "{'type': 'mount'}, {'type': 'pid'}"

/* ---- 1: the features document ------------------------------------------------ */

Test(refusal, features_without_time_namespace_skips_and_fails_the_should)
{
  struct fake f = {.refuse_time = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS ", {'type': 'time'}],"
          " 'timeOffsets': {'monotonic': {'secs': 1}}}}",
          RUNC_FEATURES, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FEATURES);
  cr_assert_eq(f.calls, 0, "the document explains it: no create is tried (%d were)", f.calls);
  expect(&vs, "config-linux.namespaces.time-supported", NSC_FAIL, "the time namespace");
  expect(&vs, "config-linux.namespaces.new", NSC_SKIP,
         "runtime does not support the time namespace (features)");
  expect(&vs, "config-linux.time-offsets.applied", NSC_SKIP, "(features)");
  expect(&vs, "runtime.create.new-container", NSC_SKIP, "namespace time does not exist");
  cr_assert_eq(count(&vs, NSC_FAIL), 1, "only the SHOULD fails");
  nsc_verdicts_free(&vs);
}

Test(refusal, features_joined_time_namespace_skips_path_join)
{
  struct fake f = {.refuse_time = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS
          ", {'type': 'time', 'path': '/proc/7/ns/time'}]}}",
          RUNC_FEATURES, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FEATURES);
  expect(&vs, "config-linux.namespaces.path-join", NSC_SKIP, "(features)");
  cr_assert_null(find(&vs, "config-linux.namespaces.new"));
  cr_assert_null(find(&vs, "config-linux.time-offsets.applied"), "no timeOffsets, no skip");
  nsc_verdicts_free(&vs);
}

Test(refusal, features_unlisted_mount_option_fails_its_requirement)
{
  struct fake f = {.refuse_option = true, .option = "nosymfollow"};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS "]},"
          " 'mounts': [{'destination': '/run', 'type': 'tmpfs', 'source': 'tmpfs',"
          "             'options': ['nosuid', 'nosymfollow', 'size=1k', 'nosymfollow']}]}",
          RUNC_FEATURES, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FEATURES);
  cr_assert_eq(r.n, 1, "one field, named once (%zu)", r.n);
  cr_assert_eq(f.calls, 1, "an unlisted option is confirmed by one try (%d)", f.calls);
  expect(&vs, "config.mount-options.nosymfollow", NSC_FAIL,
         "mount option nosymfollow is not in the features document; without it create succeeds");
  expect(&vs, "config.mounts.applied", NSC_SKIP, "(features)");
  /* size=1k is filesystem data: never held against the document */
  cr_assert_null(strstr(find(&vs, "runtime.create.new-container")->reason, "size"));
  nsc_verdicts_free(&vs);
}

Test(refusal, features_unlisted_mount_option_that_is_not_the_cause)
{
  /* idmap is not listed, but the refusal is the joined user namespace's:
   * without idmap create fails just the same */
  struct fake f = {.refuse_userjoin = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS
          ", {'type': 'user', 'path': '/proc/9/ns/user'}]},"
          " 'mounts': [{'destination': '/mnt', 'type': 'bind', 'source': '/tmp',"
          "             'options': ['rbind', 'idmap']}]}",
          RUNC_FEATURES, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FIELD);
  expect(&vs, "config-linux.namespaces.path-join", NSC_FAIL,
         "create succeeds without linux.namespaces[type=user]");
  cr_assert_null(find(&vs, "config.mount-options.idmap"));
  cr_assert_null(find(&vs, "config.mounts.applied"));
  cr_assert_eq(f.calls, 2, "the option, then the user namespace (%d tries)", f.calls);
  nsc_verdicts_free(&vs);
}

Test(refusal, features_unlisted_namespace_wins_over_unlisted_option)
{
  struct fake f = {.refuse_time = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS ", {'type': 'time'}]},"
          " 'mounts': [{'destination': '/mnt', 'type': 'bind', 'source': '/tmp',"
          "             'options': ['rbind', 'idmap']}]}",
          RUNC_FEATURES, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FEATURES);
  cr_assert_eq(f.calls, 0);
  expect(&vs, "config-linux.namespaces.time-supported", NSC_FAIL, NULL);
  cr_assert_null(find(&vs, "config.mount-options.idmap"), "the option is not held against it");
  nsc_verdicts_free(&vs);
}

Test(refusal, features_unlisted_seccomp_action_skips_seccomp)
{
  struct fake f = {.refuse_all = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS "],"
          " 'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW',"
          "             'syscalls': [{'names': ['mkdir'], 'action': 'SCMP_ACT_KILL_PROCESS'}]}}}",
          RUNC_FEATURES, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FEATURES);
  expect(&vs, "config-linux.seccomp.installed", NSC_SKIP,
         "seccomp action SCMP_ACT_KILL_PROCESS (features)");
  cr_assert_eq(count(&vs, NSC_FAIL), 0, "no requirement says which actions to support");
  nsc_verdicts_free(&vs);
}

Test(refusal, features_listing_everything_leads_to_narrowing)
{
  struct fake f = {.refuse_userjoin = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS
          ", {'type': 'user', 'path': '/proc/9/ns/user'}]}}",
          RUNC_FEATURES, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FIELD);
  cr_assert_gt(f.calls, 0);
  expect(&vs, "config-linux.namespaces.path-join", NSC_FAIL,
         "create succeeds without linux.namespaces[type=user]");
  nsc_verdicts_free(&vs);
}

/* ---- 2: narrowing ------------------------------------------------------------------ */

Test(refusal, narrowing_charges_new_time_namespace)
{
  struct fake f = {.refuse_time = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS ", {'type': 'time'}],"
          " 'sysctl': {'kernel.shmmax': '1'}}}",
          NULL, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FIELD);
  cr_assert_eq(f.calls, 1, "the time namespace is tried first (%d tries)", f.calls);
  expect(&vs, "config-linux.namespaces.new", NSC_FAIL,
         "create succeeds without linux.namespaces[type=time] and linux.timeOffsets; with it: "
         "create exited 1: namespace time does not exist");
  cr_assert_null(find(&vs, "runtime.create.new-container"), "the charge moved");
  cr_assert_eq(vs.n, 1);
  nsc_verdicts_free(&vs);
}

Test(refusal, narrowing_finds_the_one_mount_option_of_several)
{
  struct fake f = {.refuse_option = true, .option = "defaults"};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS "]},"
          " 'mounts': [{'destination': '/run', 'type': 'tmpfs', 'source': 'tmpfs',"
          "             'options': ['nosuid', 'noatime', 'mode=755']},"
          "            {'destination': '/tmp', 'type': 'tmpfs', 'source': 'tmpfs',"
          "             'options': ['nodev', 'sync', 'defaults', 'shared']}]}",
          NULL, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FIELD);
  expect(&vs, "config.mount-options.other-flags", NSC_FAIL,
         "create succeeds without mount option defaults");
  /* the options as a whole, then by halves: without noatime and sync (same
   * refusal), without defaults (created) */
  cr_assert_eq(f.calls, 3, "%d tries", f.calls);
  nsc_verdicts_free(&vs);
}

Test(refusal, narrowing_single_mount_option_is_charged_directly)
{
  struct fake f = {.refuse_option = true, .option = "noatime"};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS "]},"
          " 'mounts': [{'destination': '/run', 'type': 'tmpfs', 'source': 'tmpfs',"
          "             'options': ['nosuid', 'noatime', 'ro']}]}",
          NULL, &f, &r, &vs);
  expect(&vs, "config.mount-options.atime", NSC_FAIL, "mount option noatime");
  cr_assert_eq(f.calls, 1, "%d tries", f.calls);
  nsc_verdicts_free(&vs);
}

Test(refusal, narrowing_a_field_that_gets_past_the_error_is_charged)
{
  /* two refusals: the joined user namespace first; without it create
   * gets further and stops at rootfsPropagation */
  struct fake f = {.refuse_userjoin = true, .refuse_propagation = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS
          ", {'type': 'user', 'path': '/proc/9/ns/user'}], 'rootfsPropagation': 'unbindable'}}",
          NULL, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FIELD);
  /* the user namespace, rootfsPropagation, the new pid namespace, the
   * version: none lets create succeed, so the first that got past counts */
  cr_assert_eq(f.calls, 4, "%d tries", f.calls);
  expect(&vs, "config-linux.namespaces.path-join", NSC_FAIL,
         "without linux.namespaces[type=user] and its uidMappings/gidMappings create gets past "
         "this refusal (it fails later: mount rootfs, flags: 0x5000: invalid argument)");
  nsc_verdicts_free(&vs);
}

Test(refusal, narrowing_prefers_success_to_another_error)
{
  /* without the user namespace the fake fails otherwise; without
   * rootfsPropagation it creates */
  struct fake f = {.refuse_propagation = true, .refuse_without_user = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS
          ", {'type': 'user'}], 'rootfsPropagation': 'slave'}}",
          NULL, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FIELD);
  cr_assert_eq(f.calls, 2, "%d tries", f.calls);
  expect(&vs, "config-linux.rootfs-propagation.applied", NSC_FAIL,
         "create succeeds without linux.rootfsPropagation");
  cr_assert_null(find(&vs, "config-linux.namespaces.new"));
  nsc_verdicts_free(&vs);
}

Test(refusal, narrowing_tries_the_field_the_error_names_first)
{
  /* nine fields come before ioPriority in the usual order */
  struct fake f = {.refuse_ioprio = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'root': {'path': '/r', 'readonly': true},"
          " 'process': {'rlimits': [], 'scheduler': {'policy': 'SCHED_IDLE'},"
          "             'ioPriority': {'class': 'IOPRIO_CLASS_IDLE'}},"
          " 'linux': {'namespaces': [" BASE_NS ", {'type': 'time'}, {'type': 'user'},"
          "            {'type': 'ipc', 'path': '/proc/1/ns/ipc'}],"
          "           'sysctl': {'a': '1'}, 'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW'},"
          "           'rootfsPropagation': 'slave', 'devices': []}}",
          NULL, &f, &r, &vs);
  cr_assert_eq(f.calls, 1, "%d tries", f.calls);
  expect(&vs, "config.io-priority.applied", NSC_FAIL,
         "create succeeds without process.ioPriority; with it: create exited 1: nsrt: spec: "
         "process.ioPriority: is not supported");
  nsc_verdicts_free(&vs);
}

Test(refusal, narrowing_an_id_mapped_mount_is_not_charged_to_bind)
{
  struct fake f = {.refuse_mapped_mount = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS "]},"
          " 'mounts': [{'destination': '/var', 'type': 'none', 'source': '/sys',"
          "             'options': ['rbind', 'ro', 'shared']},"
          "            {'destination': '/mnt', 'type': 'bind', 'source': '.',"
          "             'options': ['rbind', 'ridmap'],"
          "             'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],"
          "             'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}]}",
          NULL, &f, &r, &vs);
  cr_assert_eq(f.calls, 1, "%d tries", f.calls);
  expect(&vs, "config.mount-options.idmap", NSC_FAIL,
         "create succeeds without the id-mapped mounts (idmap/ridmap with "
         "uidMappings/gidMappings)");
  cr_assert_null(find(&vs, "config.mount-options.rbind"));
  nsc_verdicts_free(&vs);
}

Test(refusal, narrowing_tries_the_mount_whose_path_the_error_quotes_first)
{
  /* "open `.`" quotes the id-mapped mount's source: that step goes before
   * the namespaces */
  struct fake f = {.refuse_mapped_mount = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'linux': {'namespaces': [" BASE_NS ", {'type': 'time'},"
          "            {'type': 'user', 'path': '/proc/1/ns/user'},"
          "            {'type': 'ipc', 'path': '/proc/1/ns/ipc'}]},"
          " 'mounts': [{'destination': '/dev/nsc-idmap', 'type': 'bind', 'source': '.',"
          "             'options': ['rbind', 'idmap'],"
          "             'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}],"
          "             'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}]}",
          NULL, &f, &r, &vs);
  cr_assert_eq(f.calls, 1, "%d tries", f.calls);
  expect(&vs, "config.mount-options.idmap", NSC_FAIL, "create succeeds without the id-mapped");
  nsc_verdicts_free(&vs);
}

Test(refusal, narrowing_the_version)
{
  struct fake f = {.refuse_version = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.2.0', 'linux': {'namespaces': [{'type': 'mount'}]}}", NULL, &f, &r,
          &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_FIELD);
  expect(&vs, "runtime.create.new-container", NSC_FAIL,
         "create succeeds without ociVersion 1.2.0 (with 1.0.2 instead)");
  nsc_verdicts_free(&vs);
}

Test(refusal, unexplained_stays_with_create_and_is_bounded)
{
  /* the error differs only in numbers every time: not "got past" */
  struct fake f = {.refuse_all = true};
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  explain("{'ociVersion': '1.1.0', 'root': {'path': '/r', 'readonly': true},"
          " 'process': {'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 1}],"
          "             'oomScoreAdj': 0, 'scheduler': {'policy': 'SCHED_IDLE'}},"
          " 'linux': {'namespaces': [" BASE_NS ", {'type': 'time'}, {'type': 'user'},"
          "            {'type': 'ipc', 'path': '/proc/1/ns/ipc'}, {'type': 'uts'}],"
          "           'sysctl': {'a': '1'}, 'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW'},"
          "           'rootfsPropagation': 'slave', 'maskedPaths': [], 'readonlyPaths': []}}",
          NULL, &f, &r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_UNEXPLAINED);
  cr_assert_eq(f.calls, NSC_REFUSAL_MAX_TRIES, "%d tries", f.calls);
  expect(&vs, "runtime.create.new-container", NSC_FAIL, "still refused without each of 8 fields");
  cr_assert_eq(vs.n, 1);
  nsc_verdicts_free(&vs);
}

Test(refusal, no_callback_no_features_is_unexplained)
{
  json_t *cfg = J("{'ociVersion': '1.1.0', 'linux': {'namespaces': [{'type': 'time'}]}}");
  struct nsc_refusal r;
  struct nsc_verdicts vs = {0};
  nsc_refusal_explain(cfg, NULL, "create exited 137 (timed out)", NULL, NULL, NULL, &r);
  nsc_refusal_verdicts(&r, &vs);
  cr_assert_eq(r.kind, NSC_REFUSAL_UNEXPLAINED);
  expect(&vs, "runtime.create.new-container", NSC_FAIL,
         "create exited 137 (timed out): (nothing on stderr)");
  nsc_verdicts_free(&vs);
  json_decref(cfg);
}

Test(refusal, mount_option_requirements)
{
  cr_assert_str_eq(nsc_refusal_mount_option_req("relatime"), "config.mount-options.atime");
  cr_assert_str_eq(nsc_refusal_mount_option_req("rnosymfollow"), "config.mount-options.recursive");
  cr_assert_str_eq(nsc_refusal_mount_option_req("rshared"), "config.mount-options.propagation");
  cr_assert_str_eq(nsc_refusal_mount_option_req("silent"), "config.mount-options.other-flags");
  cr_assert_null(nsc_refusal_mount_option_req("size=64k"));
  cr_assert_null(nsc_refusal_mount_option_req("mode"));
  cr_assert_null(nsc_refusal_mount_option_req(NULL));
}
