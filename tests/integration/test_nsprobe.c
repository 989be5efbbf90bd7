/* nsprobe as the program of a real nsrt container (the rootfs holds it at
 * /nsprobe, installed by `make rootfs`): what it reports from inside must be
 * what the config asked for. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

TestSuite(nsprobe, .init = itest_setup, .fini = itest_teardown, .timeout = 60);

static json_t *probe_config(const char *const *probe_args)
{
  char path[4096];
  struct stat st;
  snprintf(path, sizeof(path), "%s/nsprobe", itest_rootfs());
  cr_assert(stat(path, &st) == 0 && (st.st_mode & 0111),
            "%s is missing: run `make rootfs` with nsprobe built", path);
  json_t *cfg = itest_config();
  json_t *args = json_pack("[s]", "/nsprobe");
  for (; probe_args && *probe_args; probe_args++)
    json_array_append_new(args, json_string(*probe_args));
  json_object_set_new(json_object_get(cfg, "process"), "args", args);
  return cfg;
}

/* `nsrt run` of cfg: asserts exit status `want` and returns the parsed JSON. */
static json_t *run_probe(json_t *cfg, int want)
{
  struct itest_result r;
  itest_nsrtv(&r, 20000, "run", "--bundle", itest_bundle(cfg), itest_id(), NULL);
  cr_assert_eq(r.status, want, "`%s` exited %d, not %d\nstdout: %s\nstderr: %s", r.cmdline,
               r.status, want, r.out, r.err);
  json_error_t jerr;
  json_t *j = json_loads(r.out, 0, &jerr);
  cr_assert(json_is_object(j), "nsprobe printed no JSON object (%s): %s\nstderr: %s", jerr.text,
            r.out, r.err);
  return j;
}

static json_t *get(json_t *obj, const char *key)
{
  json_t *v = json_object_get(obj, key);
  cr_assert_not_null(v, "no \"%s\" in the probe's output", key);
  return v;
}

static void assert_json(json_t *got, const char *want_text, const char *what)
{
  json_t *want = json_loads(want_text, JSON_DECODE_ANY, NULL);
  cr_assert_not_null(want);
  char *dump = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
  cr_assert(json_equal(got, want), "%s: %s, want %s", what, dump, want_text);
  free(dump);
  json_decref(want);
}

static char *own_ns(const char *name, char *buf, size_t len)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
  ssize_t n = readlink(path, buf, len - 1);
  cr_assert_gt(n, 0, "readlink %s", path);
  buf[n] = '\0';
  return buf;
}

Test(nsprobe, user_namespace_container)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = probe_config(NULL);
  json_t *linux_ = json_object_get(cfg, "linux");
  json_array_append_new(json_object_get(linux_, "namespaces"), json_pack("{s:s}", "type", "user"));
  json_object_set_new(
      linux_, "uidMappings",
      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", 100000, "size", 65536));
  json_object_set_new(
      linux_, "gidMappings",
      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", 100000, "size", 65536));
  json_object_set_new(cfg, "hostname", json_string("probe-box"));
  json_t *process = json_object_get(cfg, "process");
  json_object_set_new(process, "user",
                      json_pack("{s:i,s:i,s:i}", "uid", 0, "gid", 0, "umask", 027));
  json_object_set_new(process, "cwd", json_string("/tmp"));
  json_object_set_new(process, "env", json_pack("[ss]", "PATH=/bin", "PROBE=\"x\"\\y"));
  json_t *j = run_probe(cfg, 0);

  assert_json(get(j, "uid"), "[0,0,0,0]", "uid");
  assert_json(get(j, "gid"), "[0,0,0,0]", "gid");
  assert_json(get(j, "uid_map"), "[[0,100000,65536]]", "uid_map");
  assert_json(get(j, "gid_map"), "[[0,100000,65536]]", "gid_map");
  assert_json(get(j, "pid"), "1", "pid");
  assert_json(get(j, "nspid"), "[1]", "nspid (the container's own /proc)");
  assert_json(get(j, "hostname"), "\"probe-box\"", "hostname");
  assert_json(get(j, "umask"), "\"0027\"", "umask");
  assert_json(get(j, "cwd"), "\"/tmp\"", "cwd");
  assert_json(get(j, "env"), "[\"PATH=/bin\", \"PROBE=\\\"x\\\"\\\\y\"]", "env");

  /* Only the standard streams reach the program. */
  json_t *fds = get(j, "fds");
  char *dump = json_dumps(fds, JSON_COMPACT);
  cr_assert_eq(json_array_size(fds), 3, "fds: %s", dump);
  for (size_t i = 0; i < 3; i++)
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(fds, i), "fd")), (json_int_t)i,
                 "fds: %s", dump);
  free(dump);

  /* Asked-for namespaces are new; the others are the test's own. */
  static const char *const fresh[] = {"user", "pid", "pid_for_children", "mnt", "uts",
                                      "ipc",  "net"};
  static const char *const shared[] = {"cgroup", "time", "time_for_children"};
  json_t *ns = get(j, "ns");
  char mine[128];
  for (size_t i = 0; i < sizeof(fresh) / sizeof(fresh[0]); i++) {
    const char *theirs = json_string_value(get(ns, fresh[i]));
    cr_assert_not_null(theirs);
    cr_assert_str_neq(theirs, own_ns(fresh[i], mine, sizeof(mine)), "ns %s is the test's",
                      fresh[i]);
  }
  for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
    const char *theirs = json_string_value(get(ns, shared[i]));
    cr_assert_not_null(theirs);
    cr_assert_str_eq(theirs, own_ns(shared[i], mine, sizeof(mine)), "ns %s", shared[i]);
  }
  json_decref(j);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

Test(nsprobe, seccomp_errno_rule_seen_from_inside)
{
  struct itest_snap before;
  itest_snapshot(&before);
  static const char *const args[] = {"--seccomp-probe", "mkdir", NULL};
  json_t *cfg = probe_config(args);
  json_object_set_new(json_object_get(cfg, "linux"), "seccomp",
                      json_pack("{s:s,s:[{s:[ss],s:s,s:i}]}", "defaultAction", "SCMP_ACT_ALLOW",
                                "syscalls", "names", "mkdir", "mkdirat", "action", "SCMP_ACT_ERRNO",
                                "errnoRet", 38));
  json_t *j = run_probe(cfg, 0);
  assert_json(get(j, "seccomp_probe"), "{\"syscall\": \"mkdir\", \"ret\": -1, \"errno\": 38}",
              "seccomp_probe");
  assert_json(get(j, "seccomp"), "2", "seccomp");
  cr_assert_geq(json_integer_value(get(j, "seccomp_filters")), 1);
  assert_json(get(j, "no_new_privs"), "1", "no_new_privs");
  json_decref(j);

  /* Other syscalls pass the same filter; mkdirat is caught too. */
  json_array_set_new(json_object_get(json_object_get(cfg, "process"), "args"), 2,
                     json_string("getpid"));
  j = run_probe(cfg, 0);
  assert_json(get(j, "seccomp_probe"), "{\"syscall\": \"getpid\", \"ret\": 1, \"errno\": 0}",
              "seccomp_probe");
  json_decref(j);
  json_array_set_new(json_object_get(json_object_get(cfg, "process"), "args"), 2,
                     json_string("mkdirat"));
  j = run_probe(cfg, 0);
  assert_json(get(j, "seccomp_probe"), "{\"syscall\": \"mkdirat\", \"ret\": -1, \"errno\": 38}",
              "seccomp_probe");
  json_decref(j);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

Test(nsprobe, exit_code_passes_through)
{
  static const char *const args[] = {"--exit", "42", NULL};
  json_t *cfg = probe_config(args);
  json_t *j = run_probe(cfg, 42);
  cr_assert(json_is_object(get(j, "rlimits")));
  json_decref(j);
  json_decref(cfg);
}
