/* config.json -> plan: a full valid config, and every validation error with
 * its stage, step (the JSON path) and text. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "spec.h"

static char bundle[64];

static void make_bundle(void)
{
  char path[128];
  strcpy(bundle, "/tmp/nsrt-spec-XXXXXX");
  cr_assert_not_null(mkdtemp(bundle));
  snprintf(path, sizeof(path), "%s/rootfs", bundle);
  cr_assert_eq(mkdir(path, 0755), 0);
  snprintf(path, sizeof(path), "%s/plainfile", bundle);
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  cr_assert_geq(fd, 0);
  close(fd);
}

static void remove_bundle(void)
{
  char path[128];
  /* what devices_over_existing_file puts in the rootfs, if it stopped early */
  snprintf(path, sizeof(path), "%s/rootfs/regular", bundle);
  unlink(path);
  static const char *const entries[] = {"rootfs", "plainfile", "config.json"};
  for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", bundle, entries[i]);
    if (i == 0)
      rmdir(path);
    else
      unlink(path);
  }
  rmdir(bundle);
}

TestSuite(spec, .init = make_bundle, .fini = remove_bundle);

static int count_fds(void)
{
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  cr_assert_not_null(d);
  while (readdir(d))
    n++;
  closedir(d);
  return n;
}

/* The smallest valid config; tests change one thing in it. */
static json_t *base_config(void)
{
  json_error_t jerr;
  json_t *c = json_loads("{\"ociVersion\": \"1.3.0\","
                         " \"root\": {\"path\": \"rootfs\"},"
                         " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\","
                         "               \"user\": {\"uid\": 0, \"gid\": 0}},"
                         " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}",
                         0, &jerr);
  cr_assert_not_null(c, "base config: %s", jerr.text);
  return c;
}

/* The object at a dotted path, created when missing. */
static json_t *obj_at(json_t *root, const char *dotted)
{
  char buf[128];
  snprintf(buf, sizeof(buf), "%s", dotted);
  json_t *o = root;
  for (char *save, *key = strtok_r(buf, ".", &save); key; key = strtok_r(NULL, ".", &save)) {
    json_t *next = json_object_get(o, key);
    if (!next) {
      next = json_object();
      json_object_set_new(o, key, next);
    }
    o = next;
  }
  return o;
}

/* Set "a.b.key" to a value given as JSON text. */
static void set(json_t *root, const char *parent, const char *key, const char *json)
{
  json_error_t jerr;
  json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr);
  cr_assert_not_null(v, "bad test JSON %s: %s", json, jerr.text);
  json_object_set_new(parent ? obj_at(root, parent) : root, key, v);
}

static int parse(json_t *cfg, struct plan *p, struct nsrt_err *err)
{
  char *text = json_dumps(cfg, 0);
  cr_assert_not_null(text);
  nsrt_err_clear(err);
  int ret = spec_parse_string(text, bundle, p, err);
  free(text);
  return ret;
}

/* Parse cfg (consumed), expect a spec error at step whose text contains
 * text_part, and check that the failing parse left no fd open. */
static void expect_error(json_t *cfg, const char *step, const char *text_part, int errnum)
{
  struct plan p;
  struct nsrt_err err;
  int before = count_fds();
  int ret = parse(cfg, &p, &err);
  json_decref(cfg);
  char line[1024];
  nsrt_err_format(&err, line, sizeof(line));
  cr_assert_eq(ret, -1, "expected an error at %s, parse succeeded", step);
  cr_expect_str_eq(err.stage, "spec", "%s", line);
  cr_expect_str_eq(err.step, step, "%s", line);
  cr_expect_not_null(strstr(err.text, text_part), "\"%s\" not in: %s", text_part, line);
  cr_expect_eq(err.errnum, errnum, "%s", line);
  cr_expect_eq(count_fds(), before, "fds leaked by a failing parse: %s", line);
  /* The plan is reset on error: freeing it again is harmless. */
  plan_free(&p);
}

static void expect_ok(json_t *cfg, struct plan *p)
{
  struct nsrt_err err;
  int ret = parse(cfg, p, &err);
  json_decref(cfg);
  char line[1024];
  nsrt_err_format(&err, line, sizeof(line));
  cr_assert_eq(ret, 0, "%s", line);
}

static const char full_config[] =
    "{\"ociVersion\": \"1.3.0-rc.1+build.5\","
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"process\": {\"terminal\": false, \"consoleSize\": {\"height\": 1, \"width\": 2},"
    "   \"args\": [\"/bin/sh\", \"-c\", \"echo hi\"],"
    "   \"env\": [\"PATH=/bin\", \"EMPTY=\"], \"cwd\": \"/work\","
    "   \"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 18, \"additionalGids\": [5, 6]},"
    "   \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"],"
    "     \"effective\": [\"CAP_KILL\"], \"permitted\": [\"CAP_KILL\"],"
    "     \"ambient\": [\"CAP_NET_BIND_SERVICE\"]},"
    "   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 4096},"
    "                 {\"type\": \"RLIMIT_RTTIME\", \"soft\": 0, \"hard\": 9223372036854775807}],"
    "   \"noNewPrivileges\": true, \"oomScoreAdj\": -500, \"apparmorProfile\": \"\"},"
    " \"hostname\": \"box\", \"domainname\": \"example.test\","
    " \"mounts\": ["
    "   {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "   {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "    \"options\": [\"nosuid\", \"nodev\", \"strictatime\", \"mode=755\", \"size=64k\"]},"
    "   {\"destination\": \"/data\", \"type\": \"none\", \"source\": \"vol\","
    "    \"options\": [\"rbind\", \"ro\", \"rw\", \"noexec\", \"exec\", \"rslave\"]},"
    "   {\"destination\": \"/etc/hosts\", \"type\": \"bind\", \"source\": \"/etc/hosts\","
    "    \"options\": [\"ro\", \"private\"]}],"
    " \"hooks\": {\"createRuntime\": [{\"path\": \"/bin/true\", \"args\": [\"true\", \"x\"],"
    "                                 \"env\": [\"A=1\"], \"timeout\": 5}],"
    "            \"poststop\": [{\"path\": \"/bin/false\"}]},"
    " \"annotations\": {\"org.example.key\": \"value\", \"k2\": \"\"},"
    " \"futureField\": {\"ignored\": true},"
    " \"linux\": {"
    "   \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"user\"},"
    "     {\"type\": \"uts\"}, {\"type\": \"ipc\"}, {\"type\": \"time\"}, {\"type\": \"cgroup\"},"
    "     {\"type\": \"network\", \"path\": \"/proc/self/ns/net\"}],"
    "   \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
    "   \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 1000},"
    "                     {\"containerID\": 1000, \"hostID\": 200000, \"size\": 10}],"
    "   \"timeOffsets\": {\"monotonic\": {\"secs\": -3600, \"nanosecs\": 5},"
    "                     \"boottime\": {\"secs\": 86400}},"
    "   \"maskedPaths\": [\"/proc/kcore\", \"/sys/firmware\"],"
    "   \"readonlyPaths\": [\"/proc/sys\"],"
    "   \"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmax\": \"65536\","
    "              \"fs.mqueue.msg_max\": \"20\", \"kernel.domainname\": \"d\"},"
    "   \"rootfsPropagation\": \"rslave\","
    "   \"cgroupsPath\": \"\", \"resources\": {}, \"devices\": [], \"mountLabel\": \"\","
    "   \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
    "     \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],"
    "     \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],"
    "     \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
    "       {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1,"
    "        \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"},"
    "                   {\"index\": 5, \"value\": 255, \"valueTwo\": 4,"
    "                    \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
    "       {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}]}}}";

Test(spec, full_config)
{
  json_error_t jerr;
  json_t *cfg = json_loads(full_config, 0, &jerr);
  cr_assert_not_null(cfg, "full config: %s at %d", jerr.text, jerr.column);
  struct plan p;
  int fds = count_fds();
  expect_ok(cfg, &p);

  cr_expect_str_eq(p.oci_version, "1.3.0-rc.1+build.5");
  cr_expect_str_eq(p.bundle, bundle);
  char root[128];
  snprintf(root, sizeof(root), "%s/rootfs", bundle);
  cr_expect_str_eq(p.root_path, root);
  cr_expect(p.root_readonly);

  cr_expect_str_eq(p.args[0], "/bin/sh");
  cr_expect_str_eq(p.args[2], "echo hi");
  cr_expect_null(p.args[3]);
  cr_expect_str_eq(p.env[1], "EMPTY=");
  cr_expect_null(p.env[2]);
  cr_expect_str_eq(p.cwd, "/work");
  cr_expect_eq(p.uid, 1000);
  cr_expect_eq(p.gid, 100);
  cr_expect(p.has_umask);
  cr_expect_eq(p.umask, 022);
  cr_expect_eq(p.n_additional_gids, 2);
  cr_expect_eq(p.additional_gids[1], 6);
  cr_expect(p.caps.present);
  cr_expect_eq(p.caps.bounding, (1ULL << CAP_CHOWN) | (1ULL << CAP_KILL));
  cr_expect_eq(p.caps.effective, 1ULL << CAP_KILL);
  cr_expect_eq(p.caps.inheritable, 0);
  cr_expect_eq(p.caps.ambient, 1ULL << CAP_NET_BIND_SERVICE);
  cr_expect_eq(p.n_rlimits, 2);
  cr_expect_eq(p.rlimits[0].resource, RLIMIT_NOFILE);
  cr_expect_eq(p.rlimits[0].soft, 1024);
  cr_expect_eq(p.rlimits[0].hard, 4096);
  cr_expect_eq(p.rlimits[1].resource, RLIMIT_RTTIME);
  cr_expect_eq(p.rlimits[1].hard, 9223372036854775807ULL);
  cr_expect(p.no_new_privileges);
  cr_expect(p.has_oom_score_adj);
  cr_expect_eq(p.oom_score_adj, -500);
  cr_expect_str_eq(p.hostname, "box");
  cr_expect_str_eq(p.domainname, "example.test");

  cr_assert_eq(p.n_mounts, 4);
  cr_expect_str_eq(p.mounts[0].type, "proc");
  cr_expect_eq(p.mounts[0].flags, 0);
  cr_expect_null(p.mounts[0].data);
  cr_expect_eq(p.mounts[1].flags, MS_NOSUID | MS_NODEV | MS_STRICTATIME);
  cr_expect_str_eq(p.mounts[1].data, "mode=755,size=64k");
  cr_expect_eq(p.mounts[1].propagation, 0);
  /* later options override earlier ones; a relative bind source is under the bundle */
  cr_expect_eq(p.mounts[2].flags, MS_BIND | MS_REC);
  cr_expect_eq(p.mounts[2].propagation, MS_SLAVE | MS_REC);
  char vol[128];
  snprintf(vol, sizeof(vol), "%s/vol", bundle);
  cr_expect_str_eq(p.mounts[2].source, vol);
  cr_expect_eq(p.mounts[3].flags, MS_BIND | MS_RDONLY);
  cr_expect_eq(p.mounts[3].propagation, MS_PRIVATE);
  cr_expect_str_eq(p.mounts[3].source, "/etc/hosts");

  cr_assert_eq(p.hooks.create_runtime.n, 1);
  cr_expect_str_eq(p.hooks.create_runtime.v[0].path, "/bin/true");
  cr_expect_str_eq(p.hooks.create_runtime.v[0].args[1], "x");
  cr_expect_str_eq(p.hooks.create_runtime.v[0].env[0], "A=1");
  cr_expect_eq(p.hooks.create_runtime.v[0].timeout, 5);
  cr_assert_eq(p.hooks.poststop.n, 1);
  cr_expect_null(p.hooks.poststop.v[0].args);
  cr_expect_eq(p.hooks.poststop.v[0].timeout, 0);
  cr_expect_eq(p.hooks.prestart.n, 0);
  cr_expect_eq(p.n_annotations, 2);
  cr_expect_str_eq(p.annotations[0].key, "org.example.key");
  cr_expect_str_eq(p.annotations[0].value, "value");

  for (int t = 0; t < NS_COUNT; t++)
    cr_expect_eq(p.ns[t].mode, t == NS_NET ? NS_JOIN : NS_NEW, "ns %s", ns_table[t].spec_name);
  cr_expect(plan_new_userns(&p));
  cr_expect_str_eq(p.ns[NS_NET].path, "/proc/self/ns/net");
  cr_assert_geq(p.ns[NS_NET].fd, 0);
  cr_expect_eq(fcntl(p.ns[NS_NET].fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  cr_expect_eq(p.ns[NS_PID].fd, -1);
  cr_expect_eq(count_fds(), fds + 1);
  cr_expect_eq(p.n_uid_map, 1);
  cr_expect_eq(p.uid_map[0].host_id, 100000);
  cr_expect_eq(p.n_gid_map, 2);
  cr_expect_eq(p.gid_map[1].container_id, 1000);
  cr_expect_eq(p.gid_map[1].size, 10);
  cr_expect(p.has_time_offsets);
  cr_expect_eq(p.monotonic_secs, -3600);
  cr_expect_eq(p.monotonic_nanosecs, 5);
  cr_expect_eq(p.boottime_secs, 86400);
  cr_expect_str_eq(p.masked_paths[1], "/sys/firmware");
  cr_expect_null(p.masked_paths[2]);
  cr_expect_str_eq(p.readonly_paths[0], "/proc/sys");
  cr_expect_eq(p.n_sysctl, 4);
  cr_expect_str_eq(p.sysctl[0].key, "net.ipv4.ip_forward");
  cr_expect_str_eq(p.sysctl[0].value, "1");
  cr_expect_eq(p.rootfs_propagation, MS_SLAVE | MS_REC);

  cr_expect(p.seccomp.present);
  cr_expect_eq(p.seccomp.default_action, SECCOMP_ACT_ERRNO);
  cr_expect_eq(p.seccomp.default_errno_ret, 38);
  cr_expect_str_eq(p.seccomp.architectures[1], "SCMP_ARCH_X86");
  cr_expect_str_eq(p.seccomp.flags[0], "SECCOMP_FILTER_FLAG_LOG");
  cr_assert_eq(p.seccomp.n_rules, 3);
  cr_expect_str_eq(p.seccomp.rules[0].names[1], "write");
  cr_expect_eq(p.seccomp.rules[0].action, SECCOMP_ACT_ALLOW);
  cr_expect_eq(p.seccomp.rules[0].errno_ret, EPERM);
  cr_expect_eq(p.seccomp.rules[1].errno_ret, 1);
  cr_assert_eq(p.seccomp.rules[1].n_args, 2);
  cr_expect_eq(p.seccomp.rules[1].args[1].index, 5);
  cr_expect_eq(p.seccomp.rules[1].args[1].value, 255);
  cr_expect_eq(p.seccomp.rules[1].args[1].value_two, 4);
  cr_expect_eq(p.seccomp.rules[1].args[1].op, SECCOMP_OP_MASKED_EQ);
  cr_expect_eq(p.seccomp.rules[2].action, SECCOMP_ACT_KILL_PROCESS);

  plan_free(&p);
  cr_expect_eq(count_fds(), fds, "plan_free must close the namespace fds");
  cr_expect_null(p.args);
  cr_expect_eq(p.ns[NS_NET].fd, -1);
  plan_free(&p);
}

Test(spec, minimal_config_defaults)
{
  struct plan p;
  json_t *cfg = base_config();
  json_object_del(obj_at(cfg, "process"), "user");
  expect_ok(cfg, &p);
  cr_expect_eq(p.uid, 0);
  cr_expect(!p.has_umask);
  cr_expect(!p.has_oom_score_adj);
  cr_expect(!p.caps.present);
  cr_expect_not_null(p.env);
  cr_expect_null(p.env[0]);
  cr_expect_null(p.hostname);
  cr_expect_null(p.masked_paths);
  cr_expect(!p.seccomp.present);
  cr_expect(!plan_new_userns(&p));
  cr_expect_eq(p.ns[NS_MOUNT].mode, NS_NEW);
  cr_expect_eq(p.ns[NS_USER].mode, NS_ABSENT);
  for (int t = 0; t < NS_COUNT; t++)
    cr_expect_eq(p.ns[t].fd, -1);
  cr_expect_eq(p.rootfs_propagation, 0);
  plan_free(&p);
}

Test(spec, plan_free_on_zeroed_plan)
{
  struct plan p;
  memset(&p, 0, sizeof(p));
  plan_free(&p);
  /* a zeroed plan has fd 0 in every entry: stdin must survive */
  cr_expect_neq(fcntl(0, F_GETFD), -1);
}

Test(spec, load_from_bundle)
{
  char path[128];
  snprintf(path, sizeof(path), "%s/config.json", bundle);
  json_t *cfg = base_config();
  cr_assert_eq(json_dump_file(cfg, path, JSON_INDENT(2)), 0);
  json_decref(cfg);
  struct plan p;
  struct nsrt_err err;
  cr_assert_eq(spec_load(bundle, &p, &err), 0, "%s: %s", err.step, err.text);
  cr_expect_str_eq(p.args[0], "sh");
  plan_free(&p);
}

Test(spec, load_errors)
{
  struct plan p;
  struct nsrt_err err;
  cr_expect_eq(spec_load(bundle, &p, &err), -1);
  cr_expect_str_eq(err.stage, "spec");
  cr_expect_str_eq(err.step, "config.json");
  cr_expect_eq(err.errnum, ENOENT);
  cr_expect_not_null(strstr(err.text, "/config.json"), "%s", err.text);

  cr_expect_eq(spec_load("relative/bundle", &p, &err), -1);
  cr_expect_str_eq(err.step, "bundle");
  cr_expect_not_null(strstr(err.text, "\"relative/bundle\" is not an absolute path"), "%s",
                     err.text);
}

Test(spec, syntax_error_names_line_and_column)
{
  char path[128];
  snprintf(path, sizeof(path), "%s/config.json", bundle);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs("{\n  \"ociVersion\": \"1.0.0\",\n  \"root\": {\"path\": rootfs}\n}\n", f);
  fclose(f);
  struct plan p;
  struct nsrt_err err;
  int fds = count_fds();
  cr_assert_eq(spec_load(bundle, &p, &err), -1);
  cr_expect_str_eq(err.stage, "spec");
  cr_expect_str_eq(err.step, "config.json");
  cr_expect_not_null(strstr(err.text, "syntax error at 3:"), "%s", err.text);
  cr_expect_eq(count_fds(), fds);

  cr_assert_eq(spec_parse_string("[1, 2", bundle, &p, &err), -1);
  cr_expect_not_null(strstr(err.text, "syntax error at 1:"), "%s", err.text);
  cr_assert_eq(spec_parse_string("[1, 2]", bundle, &p, &err), -1);
  cr_expect_str_eq(err.step, "config.json");
  cr_expect_not_null(strstr(err.text, "expected an object, got an array"), "%s", err.text);
}

/* ---- top level ---- */

Test(spec, oci_version)
{
  static const char *const good[] = {"\"1.0.0\"", "\"1.2.1\"", "\"1.3.0-rc.1\"", "\"1.0.2-dev\"",
                                     "\"1.1.0+abc.7\""};
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    struct plan p;
    json_t *cfg = base_config();
    set(cfg, NULL, "ociVersion", good[i]);
    expect_ok(cfg, &p);
    plan_free(&p);
  }
  json_t *cfg = base_config();
  set(cfg, NULL, "ociVersion", "\"2.0.0\"");
  expect_error(cfg, "ociVersion", "\"2.0.0\": major version 2 is not supported", 0);
  cfg = base_config();
  set(cfg, NULL, "ociVersion", "\"banana\"");
  expect_error(cfg, "ociVersion", "\"banana\" is not a SemVer 2.0.0 version", 0);
  static const char *const bad[] = {"\"1.0\"",    "\"01.0.0\"", "\"1.0.0-\"",     "\"1.0.0-01\"",
                                    "\"1.0.0 \"", "\"v1.0.0\"", "\"1.0.0-rc..1\""};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cfg = base_config();
    set(cfg, NULL, "ociVersion", bad[i]);
    expect_error(cfg, "ociVersion", "is not a SemVer 2.0.0 version", 0);
  }
  cfg = base_config();
  json_object_del(cfg, "ociVersion");
  expect_error(cfg, "ociVersion", "required field is missing", 0);
  cfg = base_config();
  set(cfg, NULL, "ociVersion", "1");
  expect_error(cfg, "ociVersion", "expected a string, got 1", 0);
}

Test(spec, root)
{
  json_t *cfg = base_config();
  set(cfg, "root", "path", "\"missing\"");
  char text[160];
  snprintf(text, sizeof(text), "stat %s/missing", bundle);
  expect_error(cfg, "root.path", text, ENOENT);

  cfg = base_config();
  set(cfg, "root", "path", "\"plainfile\"");
  expect_error(cfg, "root.path", "/plainfile\" is not a directory", 0);

  cfg = base_config();
  json_object_del(cfg, "root");
  expect_error(cfg, "root", "required field is missing", 0);

  cfg = base_config();
  set(cfg, "root", "readonly", "\"yes\"");
  expect_error(cfg, "root.readonly", "expected a boolean, got \"yes\"", 0);

  /* an absolute root is kept as is */
  struct plan p;
  cfg = base_config();
  char abs[160];
  snprintf(abs, sizeof(abs), "\"%s/rootfs\"", bundle);
  set(cfg, "root", "path", abs);
  expect_ok(cfg, &p);
  cr_expect_eq(strncmp(p.root_path, bundle, strlen(bundle)), 0);
  plan_free(&p);
}

/* ---- process ---- */

Test(spec, process_required_fields)
{
  json_t *cfg = base_config();
  json_object_del(cfg, "process");
  expect_error(cfg, "process", "required field is missing", 0);
  cfg = base_config();
  set(cfg, "process", "args", "[]");
  expect_error(cfg, "process.args", "must contain at least one string", 0);
  cfg = base_config();
  json_object_del(obj_at(cfg, "process"), "args");
  expect_error(cfg, "process.args", "required field is missing", 0);
  cfg = base_config();
  set(cfg, "process", "args", "[\"\", \"x\"]");
  expect_error(cfg, "process.args[0]", "the executable must not be empty", 0);
  cfg = base_config();
  set(cfg, "process", "args", "[\"sh\", 3]");
  expect_error(cfg, "process.args[1]", "expected a string, got 3", 0);
  cfg = base_config();
  set(cfg, "process", "cwd", "\"work\"");
  expect_error(cfg, "process.cwd", "\"work\" is not an absolute path", 0);
  cfg = base_config();
  json_object_del(obj_at(cfg, "process"), "cwd");
  expect_error(cfg, "process.cwd", "required field is missing", 0);
  cfg = base_config();
  set(cfg, "process", "env", "[\"A=1\", \"NOEQUALS\"]");
  expect_error(cfg, "process.env[1]", "\"NOEQUALS\" is not of the form NAME=value", 0);
}

Test(spec, process_user)
{
  json_t *cfg = base_config();
  set(cfg, "process.user", "uid", "-1");
  expect_error(cfg, "process.user.uid", "expected an unsigned 32-bit integer, got -1", 0);
  cfg = base_config();
  set(cfg, "process.user", "gid", "4294967296");
  expect_error(cfg, "process.user.gid", "expected an unsigned 32-bit integer, got 4294967296", 0);
  cfg = base_config();
  json_object_del(obj_at(cfg, "process.user"), "uid");
  expect_error(cfg, "process.user.uid", "required field is missing", 0);
  cfg = base_config();
  set(cfg, "process.user", "umask", "512");
  expect_error(cfg, "process.user.umask", "got 512", 0);
  cfg = base_config();
  set(cfg, "process.user", "additionalGids", "[1, \"2\"]");
  expect_error(cfg, "process.user.additionalGids[1]", "got \"2\"", 0);
}

Test(spec, process_capabilities)
{
  json_t *cfg = base_config();
  /* config.md: unknown capabilities are a warning and are left out; create
   * does not fail because of them. */
  set(cfg, "process.capabilities", "bounding",
      "[\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_SETUID\", \"CAP_BOGUS\"]");
  set(cfg, "process.capabilities", "ambient", "[\"chown\"]");
  struct plan p;
  expect_ok(cfg, &p);
  cr_assert_eq(p.caps.bounding, (1ULL << 0) | (1ULL << 5) | (1ULL << 7));
  cr_assert_eq(p.caps.ambient, 0);
  plan_free(&p);
  cfg = base_config();
  set(cfg, "process.capabilities", "ambient", "[7]");
  expect_error(cfg, "process.capabilities.ambient[0]", "expected a string", 0);
  cfg = base_config();
  set(cfg, "process", "capabilities", "[\"CAP_CHOWN\"]");
  expect_error(cfg, "process.capabilities", "expected an object, got an array", 0);
}

Test(spec, process_rlimits)
{
  json_t *cfg = base_config();
  set(cfg, "process", "rlimits",
      "[{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 2},"
      " {\"type\": \"RLIMIT_CORE\", \"soft\": 1, \"hard\": 2},"
      " {\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 2}]");
  expect_error(cfg, "process.rlimits[2].type",
               "RLIMIT_NOFILE is given twice: process.rlimits[0] and process.rlimits[2]", 0);
  cfg = base_config();
  set(cfg, "process", "rlimits",
      "[{\"type\": \"RLIMIT_CORE\", \"soft\": 1, \"hard\": 2},"
      " {\"type\": \"RLIMIT_BOGUS\", \"soft\": 1, \"hard\": 2}]");
  expect_error(cfg, "process.rlimits[1].type", "unknown rlimit \"RLIMIT_BOGUS\"", 0);
  cfg = base_config();
  set(cfg, "process", "rlimits", "[{\"type\": \"RLIMIT_CORE\", \"soft\": 10, \"hard\": 5}]");
  expect_error(cfg, "process.rlimits[0]", "soft limit 10 of RLIMIT_CORE is above its hard limit 5",
               0);
  cfg = base_config();
  set(cfg, "process", "rlimits", "[{\"type\": \"RLIMIT_CORE\", \"soft\": 1}]");
  expect_error(cfg, "process.rlimits[0].hard", "required field is missing", 0);
  cfg = base_config();
  set(cfg, "process", "rlimits", "[{\"type\": \"RLIMIT_CORE\", \"soft\": -1, \"hard\": 1}]");
  expect_error(cfg, "process.rlimits[0].soft", "expected an unsigned 64-bit integer, got -1", 0);
}

Test(spec, rlimit_names)
{
  static const struct {
    const char *name;
    int resource;
  } all[] = {{"RLIMIT_AS", RLIMIT_AS},
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
             {"RLIMIT_STACK", RLIMIT_STACK}};
  cr_expect_eq(sizeof(all) / sizeof(all[0]), RLIM_NLIMITS, "every kernel rlimit is named");
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
    cr_expect_eq(rlimit_from_name(all[i].name), all[i].resource, "%s", all[i].name);
    cr_expect_str_eq(rlimit_name(all[i].resource), all[i].name);
  }
  cr_expect_eq(rlimit_from_name("RLIMIT_nofile"), -1);
  cr_expect_eq(rlimit_from_name("NOFILE"), -1);
  cr_expect_null(rlimit_name(RLIM_NLIMITS));
}

Test(spec, process_other_fields)
{
  json_t *cfg = base_config();
  set(cfg, "process", "terminal", "true");
  expect_error(cfg, "process.terminal", "terminal mode is not supported", 0);
  cfg = base_config();
  set(cfg, "process", "oomScoreAdj", "1001");
  expect_error(cfg, "process.oomScoreAdj", "expected an integer between -1000 and 1000, got 1001",
               0);
  cfg = base_config();
  set(cfg, "process", "noNewPrivileges", "1");
  expect_error(cfg, "process.noNewPrivileges", "expected a boolean, got 1", 0);
  cfg = base_config();
  set(cfg, "process", "apparmorProfile", "\"docker-default\"");
  expect_error(cfg, "process.apparmorProfile", "\"docker-default\": AppArmor profiles are not", 0);
  cfg = base_config();
  set(cfg, "process", "selinuxLabel", "\"system_u:system_r:container_t:s0\"");
  expect_error(cfg, "process.selinuxLabel", "SELinux labels are not supported", 0);
  cfg = base_config();
  set(cfg, "process", "execCPUAffinity", "{}");
  expect_error(cfg, "process.execCPUAffinity", "is not supported", 0);
}

/* ---- hostname, mounts, hooks, annotations ---- */

Test(spec, hostname_needs_uts_namespace)
{
  json_t *cfg = base_config();
  set(cfg, NULL, "hostname", "\"box\"");
  expect_error(cfg, "hostname", "\"box\": hostname requires a uts namespace", 0);
  cfg = base_config();
  set(cfg, NULL, "domainname", "\"example.test\"");
  expect_error(cfg, "domainname", "domainname requires a uts namespace", 0);
  cfg = base_config();
  set(cfg, NULL, "hostname", "42");
  expect_error(cfg, "hostname", "expected a string, got 42", 0);
  /* an empty name is no name */
  struct plan p;
  cfg = base_config();
  set(cfg, NULL, "hostname", "\"\"");
  expect_ok(cfg, &p);
  cr_expect_null(p.hostname);
  plan_free(&p);
}

Test(spec, mounts)
{
  json_t *cfg = base_config();
  set(cfg, NULL, "mounts",
      "[{\"destination\": \"/a\", \"type\": \"tmpfs\"},"
      " {\"destination\": \"b\", \"type\": \"tmpfs\"}]");
  /* A relative destination is valid (deprecated) and relative to the
   * container's root. */
  struct plan p;
  expect_ok(cfg, &p);
  cr_assert_str_eq(p.mounts[1].destination, "/b");
  plan_free(&p);
  cfg = base_config();
  set(cfg, NULL, "mounts", "[{\"type\": \"tmpfs\"}]");
  expect_error(cfg, "mounts[0].destination", "required field is missing", 0);
  cfg = base_config();
  set(cfg, NULL, "mounts", "[{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup2\"}]");
  expect_error(cfg, "mounts[0].type", "cgroup mounts are not supported", 0);
  cfg = base_config();
  set(cfg, NULL, "mounts", "[{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\"}]");
  expect_error(cfg, "mounts[0].type", "cgroup mounts are not supported", 0);
  cfg = base_config();
  set(cfg, NULL, "mounts", "[{\"destination\": \"/data\", \"type\": \"bind\"}]");
  expect_error(cfg, "mounts[0].source", "a bind mount needs a source", 0);
  cfg = base_config();
  set(cfg, NULL, "mounts", "[{\"destination\": \"/data\", \"options\": [\"rbind\"]}]");
  expect_error(cfg, "mounts[0].source", "a bind mount needs a source", 0);
  cfg = base_config();
  set(cfg, NULL, "mounts", "[{\"destination\": \"/data\", \"options\": [\"ro\", 1]}]");
  expect_error(cfg, "mounts[0].options[1]", "expected a string, got 1", 0);
  cfg = base_config();
  set(cfg, NULL, "mounts",
      "[{\"destination\": \"/d\", \"type\": \"bind\", \"source\": \"/s\","
      "  \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}]");
  expect_error(cfg, "mounts[0].uidMappings", "given without gidMappings", 0);
  cfg = base_config();
  set(cfg, NULL, "mounts", "{}");
  expect_error(cfg, "mounts", "expected an array, got an object", 0);
}

Test(spec, mount_option_table)
{
  static const struct {
    const char *options;
    unsigned long flags;
  } cases[] = {
      {"[\"ro\", \"nosuid\", \"nodev\", \"noexec\"]", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC},
      {"[\"ro\", \"rw\", \"suid\", \"dev\", \"exec\"]", 0},
      {"[\"sync\", \"dirsync\", \"mand\"]", MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK},
      {"[\"sync\", \"async\", \"mand\", \"nomand\"]", 0},
      {"[\"noatime\", \"nodiratime\", \"relatime\"]", MS_NOATIME | MS_NODIRATIME | MS_RELATIME},
      {"[\"noatime\", \"atime\", \"nodiratime\", \"diratime\", \"relatime\", \"norelatime\"]", 0},
      {"[\"strictatime\", \"silent\"]", MS_STRICTATIME | MS_SILENT},
      {"[\"strictatime\", \"nostrictatime\", \"silent\", \"loud\", \"defaults\"]", 0},
      {"[\"bind\"]", MS_BIND},
      {"[\"rbind\", \"remount\"]", MS_BIND | MS_REC | MS_REMOUNT},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char mount[256];
    struct plan p;
    json_t *cfg = base_config();
    snprintf(mount, sizeof(mount),
             "[{\"destination\": \"/m\", \"source\": \"/s\", \"options\": %s}]", cases[i].options);
    set(cfg, NULL, "mounts", mount);
    expect_ok(cfg, &p);
    cr_expect_eq(p.mounts[0].flags, cases[i].flags, "%s", cases[i].options);
    cr_expect_null(p.mounts[0].data, "%s", cases[i].options);
    plan_free(&p);
  }
  static const struct {
    const char *name;
    unsigned long flags;
  } props[] = {{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
               {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
               {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
               {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC}};
  for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
    char mount[256], prop[64];
    struct plan p;
    json_t *cfg = base_config();
    snprintf(mount, sizeof(mount),
             "[{\"destination\": \"/m\", \"source\": \"/s\", \"options\": [\"%s\", \"x=1\"]}]",
             props[i].name);
    set(cfg, NULL, "mounts", mount);
    snprintf(prop, sizeof(prop), "\"%s\"", props[i].name);
    set(cfg, "linux", "rootfsPropagation", prop);
    expect_ok(cfg, &p);
    cr_expect_eq(p.mounts[0].propagation, props[i].flags, "%s", props[i].name);
    cr_expect_eq(p.rootfs_propagation, props[i].flags, "%s", props[i].name);
    cr_expect_str_eq(p.mounts[0].data, "x=1");
    plan_free(&p);
  }
}

Test(spec, hooks_and_annotations)
{
  json_t *cfg = base_config();
  set(cfg, "hooks", "createRuntime",
      "[{\"path\": \"/bin/true\"}, {\"path\": \"/bin/true\", "
      "\"timeout\": 0}]");
  expect_error(cfg, "hooks.createRuntime[1].timeout", "0 is not a number of seconds", 0);
  cfg = base_config();
  set(cfg, NULL, "annotations", "{\"a\": \"b\", \"c\": 1}");
  expect_error(cfg, "annotations.c", "expected a string, got 1", 0);
}

/* ---- linux ---- */

Test(spec, namespaces)
{
  json_t *cfg = base_config();
  set(cfg, "linux", "namespaces",
      "[{\"type\": \"mount\"}, {\"type\": \"pid\"}, {\"type\": \"ipc\", \"path\": "
      "\"/proc/self/ns/net\"}]");
  expect_error(cfg, "linux.namespaces[2].path", "/proc/self/ns/net is a network namespace, not ipc",
               0);
  cfg = base_config();
  set(cfg, "linux", "namespaces",
      "[{\"type\": \"mount\"}, {\"type\": \"pid\"}, {\"type\": \"uts\"}, {\"type\": \"pid\"}]");
  expect_error(cfg, "linux.namespaces[3].type",
               "\"pid\" is given twice: linux.namespaces[1] and linux.namespaces[3]", 0);
  cfg = base_config();
  set(cfg, "linux", "namespaces", "[{\"type\": \"mount\"}, {\"type\": \"net\"}]");
  expect_error(cfg, "linux.namespaces[1].type", "unknown namespace type \"net\"", 0);
  cfg = base_config();
  set(cfg, "linux", "namespaces", "[{\"type\": \"pid\"}]");
  expect_error(cfg, "linux.namespaces", "a mount namespace is required", 0);
  cfg = base_config();
  json_object_del(cfg, "linux");
  expect_error(cfg, "linux.namespaces", "a mount namespace is required", 0);
  cfg = base_config();
  set(cfg, "linux", "namespaces",
      "[{\"type\": \"mount\"}, {\"type\": \"network\", \"path\": \"proc/self/ns/net\"}]");
  expect_error(cfg, "linux.namespaces[1].path", "\"proc/self/ns/net\" is not an absolute path", 0);
  cfg = base_config();
  set(cfg, "linux", "namespaces",
      "[{\"type\": \"mount\"}, {\"type\": \"network\", \"path\": \"/nonexistent/ns\"}]");
  expect_error(cfg, "linux.namespaces[1].path", "/nonexistent/ns", ENOENT);
  cfg = base_config();
  set(cfg, "linux", "namespaces",
      "[{\"type\": \"mount\"}, {\"type\": \"network\", \"path\": \"/etc/hostname\"}]");
  expect_error(cfg, "linux.namespaces[1].path", "/etc/hostname is not a namespace", 0);
  /* an error after a namespace was joined still closes its fd (checked in expect_error) */
  cfg = base_config();
  set(cfg, "linux", "namespaces",
      "[{\"type\": \"ipc\", \"path\": \"/proc/self/ns/ipc\"},"
      " {\"type\": \"network\", \"path\": \"/proc/self/ns/net\"}, {\"type\": \"mount\"}]");
  set(cfg, "linux", "sysctl", "{\"kernel.panic\": \"1\"}");
  expect_error(cfg, "linux.sysctl.kernel.panic", "\"kernel.panic\" is not a namespaced sysctl", 0);
}

static void add_userns(json_t *cfg)
{
  set(cfg, "linux", "namespaces", "[{\"type\": \"mount\"}, {\"type\": \"user\"}]");
  set(cfg, "linux", "uidMappings", "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 1000}]");
  set(cfg, "linux", "gidMappings", "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 1000}]");
}

Test(spec, id_mappings)
{
  struct plan p;
  json_t *cfg = base_config();
  add_userns(cfg);
  expect_ok(cfg, &p);
  cr_expect(plan_new_userns(&p));
  plan_free(&p);

  cfg = base_config();
  add_userns(cfg);
  set(cfg, "linux", "uidMappings",
      "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 1000},"
      " {\"containerID\": 500, \"hostID\": 300000, \"size\": 10}]");
  expect_error(cfg, "linux.uidMappings[1]", "overlap linux.uidMappings[0]", 0);
  cfg = base_config();
  add_userns(cfg);
  set(cfg, "linux", "gidMappings", "[]");
  expect_error(cfg, "linux.gidMappings", "a new user namespace needs at least one mapping", 0);
  cfg = base_config();
  add_userns(cfg);
  json_object_del(obj_at(cfg, "linux"), "uidMappings");
  expect_error(cfg, "linux.uidMappings", "a new user namespace needs at least one mapping", 0);
  cfg = base_config();
  add_userns(cfg);
  set(cfg, "process.user", "uid", "1000");
  expect_error(cfg, "process.user.uid", "uid 1000 is not mapped by linux.uidMappings", 0);
  cfg = base_config();
  add_userns(cfg);
  set(cfg, "process.user", "gid", "5000");
  expect_error(cfg, "process.user.gid", "gid 5000 is not mapped by linux.gidMappings", 0);
  cfg = base_config();
  add_userns(cfg);
  set(cfg, "process.user", "additionalGids", "[1, 999, 1000]");
  expect_error(cfg, "process.user.additionalGids[2]", "gid 1000 is not mapped", 0);
  cfg = base_config();
  add_userns(cfg);
  set(cfg, "linux", "uidMappings", "[{\"containerID\": 0, \"hostID\": 1}]");
  expect_error(cfg, "linux.uidMappings[0].size", "required field is missing", 0);

  /* maps without a new user namespace */
  cfg = base_config();
  set(cfg, "linux", "uidMappings", "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 1}]");
  expect_error(cfg, "linux.uidMappings", "there is no user namespace", 0);
  cfg = base_config();
  add_userns(cfg);
  set(cfg, "linux", "namespaces",
      "[{\"type\": \"mount\"}, {\"type\": \"user\", \"path\": \"/proc/self/ns/user\"}]");
  expect_error(cfg, "linux.uidMappings", "the user namespace is joined, not created", 0);
  cfg = base_config();
  set(cfg, "linux", "gidMappings", "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 1}]");
  expect_error(cfg, "linux.gidMappings", "mappings need a new user namespace", 0);
}

Test(spec, time_offsets)
{
  json_t *cfg = base_config();
  set(cfg, "linux.timeOffsets", "monotonic", "{\"secs\": 1}");
  expect_error(cfg, "linux.timeOffsets", "time offsets need a new time namespace", 0);
  cfg = base_config();
  set(cfg, "linux", "namespaces",
      "[{\"type\": \"mount\"}, {\"type\": \"time\", \"path\": \"/proc/self/ns/time\"}]");
  set(cfg, "linux.timeOffsets", "boottime", "{\"secs\": 1}");
  expect_error(cfg, "linux.timeOffsets", "time offsets need a new time namespace", 0);
  cfg = base_config();
  set(cfg, "linux", "namespaces", "[{\"type\": \"mount\"}, {\"type\": \"time\"}]");
  set(cfg, "linux.timeOffsets", "realtime", "{\"secs\": 1}");
  expect_error(cfg, "linux.timeOffsets.realtime", "unknown clock \"realtime\"", 0);
  cfg = base_config();
  set(cfg, "linux", "namespaces", "[{\"type\": \"mount\"}, {\"type\": \"time\"}]");
  set(cfg, "linux.timeOffsets", "monotonic", "{\"nanosecs\": 1000000000}");
  expect_error(cfg, "linux.timeOffsets.monotonic.nanosecs", "1000000000 is not below 1000000000",
               0);
}

Test(spec, paths_and_propagation)
{
  json_t *cfg = base_config();
  set(cfg, "linux", "maskedPaths", "[\"/proc/kcore\", \"proc/keys\"]");
  expect_error(cfg, "linux.maskedPaths[1]", "\"proc/keys\" is not an absolute path", 0);
  cfg = base_config();
  set(cfg, "linux", "readonlyPaths", "[\"sys\"]");
  expect_error(cfg, "linux.readonlyPaths[0]", "\"sys\" is not an absolute path", 0);
  cfg = base_config();
  set(cfg, "linux", "rootfsPropagation", "\"sideways\"");
  expect_error(cfg, "linux.rootfsPropagation", "unknown propagation \"sideways\"", 0);
}

Test(spec, sysctl)
{
  static const struct {
    const char *key;
    const char *ns;
  } cases[] = {{"kernel.shmmax", "ipc"},        {"kernel.msgmax", "ipc"},
               {"kernel.sem", "ipc"},           {"kernel.shm_rmid_forced", "ipc"},
               {"fs.mqueue.queues_max", "ipc"}, {"net.ipv4.ip_forward", "network"},
               {"kernel.hostname", "uts"},      {"kernel.domainname", "uts"}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char obj[128], step[128], text[128], nss[128];
    snprintf(obj, sizeof(obj), "{\"%s\": \"1\"}", cases[i].key);
    snprintf(step, sizeof(step), "linux.sysctl.%s", cases[i].key);
    snprintf(text, sizeof(text), "\"%s\" needs a %s namespace", cases[i].key, cases[i].ns);
    json_t *cfg = base_config();
    set(cfg, "linux", "sysctl", obj);
    expect_error(cfg, step, text, 0);
    /* fine with the namespace, new or joined */
    snprintf(nss, sizeof(nss), "[{\"type\": \"mount\"}, {\"type\": \"%s\"}]", cases[i].ns);
    struct plan p;
    cfg = base_config();
    set(cfg, "linux", "sysctl", obj);
    set(cfg, "linux", "namespaces", nss);
    expect_ok(cfg, &p);
    cr_expect_str_eq(p.sysctl[0].key, cases[i].key);
    plan_free(&p);
  }
  json_t *cfg = base_config();
  set(cfg, "linux", "sysctl", "{\"vm.swappiness\": \"1\"}");
  expect_error(cfg, "linux.sysctl.vm.swappiness", "not a namespaced sysctl", 0);
  cfg = base_config();
  set(cfg, "linux", "sysctl", "{\"fs.mqueue.\": \"1\"}");
  expect_error(cfg, "linux.sysctl.fs.mqueue.", "not a namespaced sysctl", 0);
  cfg = base_config();
  set(cfg, "linux", "namespaces", "[{\"type\": \"mount\"}, {\"type\": \"network\"}]");
  set(cfg, "linux", "sysctl", "{\"net.core.somaxconn\": 256}");
  expect_error(cfg, "linux.sysctl.net.core.somaxconn", "expected a string, got 256", 0);
}

Test(spec, seccomp)
{
  json_t *cfg = base_config();
  set(cfg, "linux.seccomp", "architectures", "[]");
  expect_error(cfg, "linux.seccomp.defaultAction", "required field is missing", 0);
  cfg = base_config();
  set(cfg, "linux.seccomp", "defaultAction", "\"SCMP_ACT_MAYBE\"");
  expect_error(cfg, "linux.seccomp.defaultAction", "unknown action \"SCMP_ACT_MAYBE\"", 0);
  cfg = base_config();
  set(cfg, "linux.seccomp", "defaultAction", "\"SCMP_ACT_ALLOW\"");
  set(cfg, "linux.seccomp", "defaultErrnoRet", "1");
  expect_error(cfg, "linux.seccomp.defaultErrnoRet", "\"SCMP_ACT_ALLOW\" does not return an errno",
               0);
  cfg = base_config();
  set(cfg, "linux.seccomp", "defaultAction", "\"SCMP_ACT_ALLOW\"");
  set(cfg, "linux.seccomp", "architectures", "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_Z80\"]");
  expect_error(cfg, "linux.seccomp.architectures[1]", "unknown architecture \"SCMP_ARCH_Z80\"", 0);
  cfg = base_config();
  set(cfg, "linux.seccomp", "defaultAction", "\"SCMP_ACT_ALLOW\"");
  set(cfg, "linux.seccomp", "flags", "[\"SECCOMP_FILTER_FLAG_BOGUS\"]");
  expect_error(cfg, "linux.seccomp.flags[0]", "unknown seccomp flag \"SECCOMP_FILTER_FLAG_BOGUS\"",
               0);
  cfg = base_config();
  set(cfg, "linux.seccomp", "defaultAction", "\"SCMP_ACT_ALLOW\"");
  set(cfg, "linux.seccomp", "listenerPath", "\"/run/listener.sock\"");
  expect_error(cfg, "linux.seccomp.listenerPath", "seccomp listeners are not supported", 0);
  cfg = base_config();
  set(cfg, "linux.seccomp", "defaultAction", "\"SCMP_ACT_ALLOW\"");
  set(cfg, "linux.seccomp", "listenerMetadata", "\"meta\"");
  expect_error(cfg, "linux.seccomp.listenerMetadata", "given without listenerPath", 0);

  static const struct {
    const char *syscalls, *step, *text;
  } rules[] = {
      {"[{\"names\": [], \"action\": \"SCMP_ACT_ERRNO\"}]", "linux.seccomp.syscalls[0].names",
       "must contain at least one name"},
      {"[{\"action\": \"SCMP_ACT_ERRNO\"}]", "linux.seccomp.syscalls[0].names",
       "required field is missing"},
      {"[{\"names\": [\"read\"]}]", "linux.seccomp.syscalls[0].action",
       "required field is missing"},
      {"[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOTIFY\"}]",
       "linux.seccomp.syscalls[0].action", "needs linux.seccomp.listenerPath"},
      {"[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 5}]",
       "linux.seccomp.syscalls[0].errnoRet", "\"SCMP_ACT_KILL\" does not return an errno"},
      {"[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, "
       "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]",
       "linux.seccomp.syscalls[0].args[0].index", "6 is not a syscall argument index"},
      {"[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\"}, {\"names\": [\"write\"], "
       "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, \"value\": 1, \"op\": "
       "\"SCMP_CMP_ABOUT\"}]}]",
       "linux.seccomp.syscalls[1].args[0].op", "unknown operator \"SCMP_CMP_ABOUT\""},
      {"[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, "
       "\"op\": \"SCMP_CMP_EQ\"}]}]",
       "linux.seccomp.syscalls[0].args[0].value", "required field is missing"},
  };
  for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
    cfg = base_config();
    set(cfg, "linux.seccomp", "defaultAction", "\"SCMP_ACT_ALLOW\"");
    set(cfg, "linux.seccomp", "syscalls", rules[i].syscalls);
    expect_error(cfg, rules[i].step, rules[i].text, 0);
  }
}

Test(spec, unsupported_linux_features)
{
  static const struct {
    const char *key, *value, *text;
  } cases[] = {
      {"cgroupsPath", "\"/nsrt/c1\"", "cgroups are not supported"},
      {"resources", "{\"pids\": {\"limit\": 10}}", "cgroup resources are not supported"},
      {"intelRdt", "{}", "Intel RDT is not supported"},
      {"personality", "{\"domain\": \"LINUX32\"}", "personality is not supported"},
      {"mountLabel", "\"system_u:object_r:container_file_t:s0\"", "mount labels are not"},
      {"netDevices", "{\"eth1\": {}}", "network devices are not supported"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char step[64];
    json_t *cfg = base_config();
    set(cfg, "linux", cases[i].key, cases[i].value);
    snprintf(step, sizeof(step), "linux.%s", cases[i].key);
    expect_error(cfg, step, cases[i].text, 0);
  }
}

/* ---- process.scheduler, process.ioPriority, linux.memoryPolicy ---- */

Test(spec, scheduler)
{
  struct plan p;
  json_t *cfg = base_config();
  expect_ok(cfg, &p);
  cr_assert_not(p.sched.present);
  cr_assert_not(p.ioprio.present);
  cr_assert_not(p.mempolicy.present);
  plan_free(&p);

  cfg = base_config();
  set(cfg, "process", "scheduler",
      "{\"policy\": \"SCHED_RR\", \"priority\": 5, \"flags\": [\"SCHED_FLAG_RESET_ON_FORK\", "
      "\"SCHED_FLAG_KEEP_PARAMS\"]}");
  expect_ok(cfg, &p);
  cr_assert(p.sched.present);
  cr_assert_eq(p.sched.policy, SCHED_RR);
  cr_assert_eq(p.sched.priority, 5);
  cr_assert_eq(p.sched.nice, 0);
  cr_assert_eq(p.sched.flags, 0x01 | 0x10);
  plan_free(&p);

  /* Unset numbers are 0. */
  cfg = base_config();
  set(cfg, "process", "scheduler",
      "{\"policy\": \"SCHED_DEADLINE\", \"runtime\": 1000000, \"deadline\": 2000000}");
  expect_ok(cfg, &p);
  cr_assert_eq(p.sched.policy, 6);
  cr_assert_eq(p.sched.runtime, 1000000);
  cr_assert_eq(p.sched.deadline, 2000000);
  cr_assert_eq(p.sched.period, 0);
  plan_free(&p);

  cfg = base_config();
  set(cfg, "process", "scheduler", "{\"policy\": \"SCHED_BATCH\", \"nice\": -20}");
  expect_ok(cfg, &p);
  cr_assert_eq(p.sched.policy, SCHED_BATCH);
  cr_assert_eq(p.sched.nice, -20);
  plan_free(&p);

  static const struct {
    const char *value, *step, *text;
  } bad[] = {
      {"{}", "process.scheduler.policy", "required field is missing"},
      {"[]", "process.scheduler", "expected an object"},
      {"{\"policy\": \"SCHED_BANANA\"}", "process.scheduler.policy",
       "unknown scheduling policy \"SCHED_BANANA\""},
      {"{\"policy\": \"SCHED_ISO\"}", "process.scheduler.policy",
       "Linux does not implement this policy"},
      {"{\"policy\": \"SCHED_OTHER\", \"nice\": 20}", "process.scheduler.nice",
       "a nice value between -20 and 19, got 20"},
      {"{\"policy\": \"SCHED_FIFO\"}", "process.scheduler.priority",
       "0: SCHED_FIFO and SCHED_RR need a priority between 1 and 99"},
      {"{\"policy\": \"SCHED_RR\", \"priority\": 100}", "process.scheduler.priority",
       "100: SCHED_FIFO and SCHED_RR need"},
      {"{\"policy\": \"SCHED_OTHER\", \"priority\": 3}", "process.scheduler.priority",
       "3: only SCHED_FIFO and SCHED_RR take a priority"},
      {"{\"policy\": \"SCHED_OTHER\", \"flags\": [\"SCHED_FLAG_BANANA\"]}",
       "process.scheduler.flags[0]", "unknown scheduler flag \"SCHED_FLAG_BANANA\""},
      {"{\"policy\": \"SCHED_OTHER\", \"flags\": \"SCHED_FLAG_RECLAIM\"}",
       "process.scheduler.flags", "expected an array"},
      {"{\"policy\": \"SCHED_DEADLINE\", \"runtime\": -1}", "process.scheduler.runtime", "got -1"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cfg = base_config();
    set(cfg, "process", "scheduler", bad[i].value);
    expect_error(cfg, bad[i].step, bad[i].text, 0);
  }
}

Test(spec, io_priority)
{
  struct plan p;
  json_t *cfg = base_config();
  set(cfg, "process", "ioPriority", "{\"class\": \"IOPRIO_CLASS_IDLE\", \"priority\": 7}");
  expect_ok(cfg, &p);
  cr_assert(p.ioprio.present);
  cr_assert_eq(p.ioprio.klass, 3);
  cr_assert_eq(p.ioprio.level, 7);
  plan_free(&p);

  static const struct {
    const char *value, *step, *text;
  } bad[] = {
      {"{\"priority\": 1}", "process.ioPriority.class", "required field is missing"},
      {"{\"class\": \"IOPRIO_CLASS_BE\"}", "process.ioPriority.priority",
       "required field is missing"},
      {"{\"class\": \"IOPRIO_CLASS_NONE\", \"priority\": 0}", "process.ioPriority.class",
       "unknown I/O priority class \"IOPRIO_CLASS_NONE\""},
      {"{\"class\": \"IOPRIO_CLASS_RT\", \"priority\": 8}", "process.ioPriority.priority",
       "a level between 0 and 7, got 8"},
      {"{\"class\": \"IOPRIO_CLASS_RT\", \"priority\": -1}", "process.ioPriority.priority",
       "got -1"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cfg = base_config();
    set(cfg, "process", "ioPriority", bad[i].value);
    expect_error(cfg, bad[i].step, bad[i].text, 0);
  }
}

Test(spec, memory_policy)
{
  struct plan p;
  json_t *cfg = base_config();
  set(cfg, "linux", "memoryPolicy",
      "{\"mode\": \"MPOL_INTERLEAVE\", \"nodes\": \"0-2,7,65\", \"flags\": "
      "[\"MPOL_F_STATIC_NODES\"]}");
  expect_ok(cfg, &p);
  cr_assert(p.mempolicy.present);
  cr_assert_eq(p.mempolicy.mode, 3);
  cr_assert_eq(p.mempolicy.flags, 1u << 15);
  cr_assert_eq(p.mempolicy.n_nodes, 5);
  cr_assert_eq(p.mempolicy.max_node, 66);
  cr_assert_eq(p.mempolicy.nodes[0], 0x87UL);
  cr_assert_eq(p.mempolicy.nodes[1], 0x2UL);
  plan_free(&p);

  cfg = base_config();
  set(cfg, "linux", "memoryPolicy", "{\"mode\": \"MPOL_PREFERRED\", \"nodes\": \"\"}");
  expect_ok(cfg, &p);
  cr_assert_eq(p.mempolicy.mode, 1);
  cr_assert_eq(p.mempolicy.n_nodes, 0);
  plan_free(&p);

  static const struct {
    const char *value, *step, *text;
  } bad[] = {
      {"{}", "linux.memoryPolicy.mode", "required field is missing"},
      {"{\"mode\": \"MPOL_BANANA\"}", "linux.memoryPolicy.mode",
       "unknown memory policy mode \"MPOL_BANANA\""},
      {"{\"mode\": \"MPOL_BIND\"}", "linux.memoryPolicy.nodes", "MPOL_BIND needs at least one"},
      {"{\"mode\": \"MPOL_DEFAULT\", \"nodes\": \"0\"}", "linux.memoryPolicy.nodes",
       "MPOL_DEFAULT takes no nodes"},
      {"{\"mode\": \"MPOL_LOCAL\", \"nodes\": \"1\"}", "linux.memoryPolicy.nodes",
       "MPOL_LOCAL takes no nodes"},
      {"{\"mode\": \"MPOL_BIND\", \"nodes\": \"3-1\"}", "linux.memoryPolicy.nodes",
       "\"3-1\": expected node numbers and ranges"},
      {"{\"mode\": \"MPOL_BIND\", \"nodes\": \"0,\"}", "linux.memoryPolicy.nodes",
       "\"0,\": expected node numbers"},
      {"{\"mode\": \"MPOL_BIND\", \"nodes\": \" 0\"}", "linux.memoryPolicy.nodes",
       "expected node numbers"},
      {"{\"mode\": \"MPOL_BIND\", \"nodes\": \"0-x\"}", "linux.memoryPolicy.nodes",
       "expected node numbers"},
      {"{\"mode\": \"MPOL_BIND\", \"nodes\": \"1024\"}", "linux.memoryPolicy.nodes",
       "node 1024 is above the highest node 1023"},
      {"{\"mode\": \"MPOL_BIND\", \"nodes\": 0}", "linux.memoryPolicy.nodes", "expected a string"},
      {"{\"mode\": \"MPOL_BIND\", \"nodes\": \"0\", \"flags\": [\"MPOL_F_BANANA\"]}",
       "linux.memoryPolicy.flags[0]", "unknown memory policy flag \"MPOL_F_BANANA\""},
      {"{\"mode\": \"MPOL_BIND\", \"nodes\": \"0\", \"flags\": [\"MPOL_F_STATIC_NODES\", "
       "\"MPOL_F_RELATIVE_NODES\"]}",
       "linux.memoryPolicy.flags", "exclude each other"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cfg = base_config();
    set(cfg, "linux", "memoryPolicy", bad[i].value);
    expect_error(cfg, bad[i].step, bad[i].text, 0);
  }
}

Test(spec, fd_count_unchanged_after_many_failures)
{
  int before = count_fds();
  for (int i = 0; i < 50; i++) {
    struct plan p;
    struct nsrt_err err;
    json_t *cfg = base_config();
    set(cfg, "linux", "namespaces",
        "[{\"type\": \"mount\"}, {\"type\": \"user\", \"path\": \"/proc/self/ns/user\"},"
        " {\"type\": \"network\", \"path\": \"/proc/self/ns/net\"},"
        " {\"type\": \"uts\", \"path\": \"/proc/self/ns/uts\"},"
        " {\"type\": \"ipc\", \"path\": \"/proc/self/ns/pid\"}]");
    cr_assert_eq(parse(cfg, &p, &err), -1);
    json_decref(cfg);
  }
  cr_expect_eq(count_fds(), before);
}

/* ---- linux.devices and id-mapped / remount mounts ---- */

static void set_devices(json_t *cfg, const char *json)
{
  set(cfg, "linux", "devices", json);
}

Test(spec, devices)
{
  json_t *cfg = base_config();
  set_devices(cfg, "[{\"path\": \"/dev/a\", \"type\": \"c\", \"major\": 1, \"minor\": 7,"
                   "  \"fileMode\": 8630, \"uid\": 1000, \"gid\": 1001},"
                   " {\"path\": \"/x/b\", \"type\": \"b\", \"major\": 7, \"minor\": 0},"
                   " {\"path\": \"/dev/u\", \"type\": \"u\", \"major\": 4095, \"minor\": 1048575},"
                   " {\"path\": \"/dev/p\", \"type\": \"p\"}]");
  struct plan p;
  expect_ok(cfg, &p);
  cr_assert_eq(p.n_devices, 4);
  cr_assert_str_eq(p.devices[0].path, "/dev/a");
  cr_assert_eq(p.devices[0].type, 'c');
  cr_assert_eq(p.devices[0].major, 1);
  cr_assert_eq(p.devices[0].minor, 7);
  /* decimal 8630 is 020666: the type bits are dropped, the permissions kept */
  cr_assert(p.devices[0].has_mode && p.devices[0].mode == 0666);
  cr_assert(p.devices[0].has_uid && p.devices[0].uid == 1000);
  cr_assert(p.devices[0].has_gid && p.devices[0].gid == 1001);
  cr_assert_not(p.devices[0].bind_host, "no user namespace: made with mknod");
  cr_assert_eq(p.devices[1].type, 'b');
  cr_assert_not(p.devices[1].has_mode || p.devices[1].has_uid || p.devices[1].has_gid);
  cr_assert_eq(p.devices[2].type, 'u');
  cr_assert_eq(p.devices[3].type, 'p');
  plan_free(&p);

  static const struct {
    const char *json, *step, *text;
  } bad[] = {
      {"[{\"type\": \"c\", \"major\": 1, \"minor\": 3}]", "linux.devices[0].path",
       "required field is missing"},
      {"[{\"path\": \"dev/a\", \"type\": \"c\", \"major\": 1, \"minor\": 3}]",
       "linux.devices[0].path", "dev/a"},
      {"[{\"path\": \"/\", \"type\": \"c\", \"major\": 1, \"minor\": 3}]", "linux.devices[0].path",
       "cannot be a device"},
      {"[{\"path\": \"/dev/a\", \"major\": 1, \"minor\": 3}]", "linux.devices[0].type",
       "required field is missing"},
      {"[{\"path\": \"/dev/a\", \"type\": \"x\", \"major\": 1, \"minor\": 3}]",
       "linux.devices[0].type", "\"x\" is not a device type"},
      {"[{\"path\": \"/dev/a\", \"type\": \"cb\", \"major\": 1, \"minor\": 3}]",
       "linux.devices[0].type", "\"cb\" is not a device type"},
      {"[{\"path\": \"/dev/a\", \"type\": \"c\", \"minor\": 3}]", "linux.devices[0].major",
       "required field is missing"},
      {"[{\"path\": \"/dev/a\", \"type\": \"b\", \"major\": 1}]", "linux.devices[0].minor",
       "required field is missing"},
      {"[{\"path\": \"/dev/a\", \"type\": \"c\", \"major\": 1, \"minor\": -3}]",
       "linux.devices[0].minor", "-3"},
      {"[{\"path\": \"/dev/a\", \"type\": \"c\", \"major\": 4096, \"minor\": 0}]",
       "linux.devices[0].major", "not a device number the kernel can hold"},
      {"[{\"path\": \"/dev/a\", \"type\": \"c\", \"major\": 1, \"minor\": 1048576}]",
       "linux.devices[0].minor", "not a device number the kernel can hold"},
      {"[{\"path\": \"/dev/a\", \"type\": \"c\", \"major\": 1, \"minor\": 3, \"fileMode\": "
       "\"0666\"}]",
       "linux.devices[0].fileMode", "\"0666\""},
      {"[{\"path\": \"/dev/a\", \"type\": \"p\", \"uid\": -1}]", "linux.devices[0].uid", "-1"},
      {"[{\"path\": \"/dev/p\", \"type\": \"p\"}, \"/dev/x\"]", "linux.devices[1]",
       "expected an object"},
      {"{\"path\": \"/dev/a\"}", "linux.devices", "expected an array"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cfg = base_config();
    set_devices(cfg, bad[i].json);
    expect_error(cfg, bad[i].step, bad[i].text, 0);
  }
  /* devices go into a mount namespace the runtime makes */
  cfg = base_config();
  set(cfg, "linux", "namespaces", "[{\"type\": \"mount\", \"path\": \"/proc/self/ns/mnt\"}]");
  set_devices(cfg, "[{\"path\": \"/dev/p\", \"type\": \"p\"}]");
  expect_error(cfg, "linux.devices", "new mount namespace", 0);
}

/* In a user namespace a device is the host's node bound in: checked here. */
Test(spec, devices_in_user_namespace)
{
  struct stat null_st;
  cr_assert_eq(stat("/dev/null", &null_st), 0);
  json_t *cfg = base_config();
  add_userns(cfg);
  set_devices(cfg, "[{\"path\": \"/dev/null\", \"type\": \"c\", \"major\": 1, \"minor\": 3},"
                   " {\"path\": \"/dev/nsc-test-fifo\", \"type\": \"p\", \"uid\": 5}]");
  struct plan p;
  expect_ok(cfg, &p);
  cr_assert(p.devices[0].bind_host);
  cr_assert_not(p.devices[1].bind_host, "a fifo is made with mknod in any namespace");
  plan_free(&p);

  cfg = base_config();
  add_userns(cfg);
  set_devices(cfg, "[{\"path\": \"/dev/null\", \"type\": \"c\", \"major\": 1, \"minor\": 5}]");
  expect_error(cfg, "linux.devices[0].path", "is not the c 1:5 device", 0);
  cfg = base_config();
  add_userns(cfg);
  set_devices(cfg, "[{\"path\": \"/dev/null\", \"type\": \"b\", \"major\": 1, \"minor\": 3}]");
  expect_error(cfg, "linux.devices[0].path", "is not the b 1:3 device", 0);
  cfg = base_config();
  add_userns(cfg);
  set_devices(cfg, "[{\"path\": \"/dev/nsc-no-such-node\", \"type\": \"c\", \"major\": 1,"
                   "  \"minor\": 3}]");
  expect_error(cfg, "linux.devices[0].path", "bound from the host's node", ENOENT);
  /* a mode or owner the host's node does not have cannot be given to it */
  char json[256];
  snprintf(json, sizeof(json),
           "[{\"path\": \"/dev/null\", \"type\": \"c\", \"major\": 1, \"minor\": 3,"
           "  \"fileMode\": %u}]",
           (unsigned)((null_st.st_mode & 0777) ^ 0400));
  cfg = base_config();
  add_userns(cfg);
  set_devices(cfg, json);
  expect_error(cfg, "linux.devices[0].fileMode", "has mode", 0);
  /* add_userns maps host 100000-100999: the owner as the container sees it */
  long long seen = null_st.st_uid >= 100000 && null_st.st_uid < 101000
                       ? (long long)null_st.st_uid - 100000
                       : 65534;
  snprintf(json, sizeof(json),
           "[{\"path\": \"/dev/null\", \"type\": \"c\", \"major\": 1, \"minor\": 3,"
           "  \"fileMode\": %u, \"uid\": %lld}]",
           (unsigned)(null_st.st_mode & 07777), seen);
  cfg = base_config();
  add_userns(cfg);
  set_devices(cfg, json);
  expect_ok(cfg, &p);
  plan_free(&p);
  snprintf(json, sizeof(json),
           "[{\"path\": \"/dev/null\", \"type\": \"c\", \"major\": 1, \"minor\": 3,"
           "  \"uid\": %lld}]",
           seen + 1);
  cfg = base_config();
  add_userns(cfg);
  set_devices(cfg, json);
  expect_error(cfg, "linux.devices[0].uid", "owned by host uid", 0);
}

/* A file of the rootfs at a device's path that is not that device. */
Test(spec, devices_over_existing_file)
{
  char path[128];
  snprintf(path, sizeof(path), "%s/rootfs/regular", bundle);
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  cr_assert_geq(fd, 0);
  close(fd);
  json_t *cfg = base_config();
  set_devices(cfg, "[{\"path\": \"/regular\", \"type\": \"c\", \"major\": 1, \"minor\": 3}]");
  expect_error(cfg, "linux.devices[0].path", "/regular exists in the rootfs and is not the c 1:3",
               0);
  cfg = base_config();
  set_devices(cfg, "[{\"path\": \"/regular\", \"type\": \"p\"}]");
  expect_error(cfg, "linux.devices[0].path", "is not a fifo", 0);
  /* under a mount the rootfs's file is not what the container sees: init decides */
  cfg = base_config();
  set(cfg, NULL, "mounts", "[{\"destination\": \"/\", \"type\": \"tmpfs\"}]");
  set_devices(cfg, "[{\"path\": \"/regular\", \"type\": \"p\"}]");
  struct plan p;
  expect_ok(cfg, &p);
  plan_free(&p);
  unlink(path);
}

Test(spec, idmapped_mounts)
{
  static const char maps[] =
      "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 101000, \"size\": 10}],"
      "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 102000, \"size\": 10}]";
  char json[512];
  snprintf(json, sizeof(json),
           "[{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/s\","
           "  \"options\": [\"rbind\", \"ridmap\", \"ro\"], %s},"
           " {\"destination\": \"/b\", \"type\": \"bind\", \"source\": \"/s\", %s}]",
           maps, maps);
  json_t *cfg = base_config();
  set(cfg, NULL, "mounts", json);
  struct plan p;
  expect_ok(cfg, &p);
  cr_assert_eq(p.mounts[0].idmap, MOUNT_RIDMAP);
  cr_assert_null(p.mounts[0].data, "ridmap is never mount data");
  cr_assert_eq(p.mounts[0].n_uid_map, 1);
  cr_assert_eq(p.mounts[0].uid_map[0].host_id, 101000);
  cr_assert_eq(p.mounts[0].gid_map[0].host_id, 102000);
  cr_assert_eq(p.mounts[0].flags & (MS_BIND | MS_REC | MS_RDONLY), MS_BIND | MS_REC | MS_RDONLY);
  cr_assert_eq(p.mounts[1].idmap, MOUNT_IDMAP, "mappings alone id-map the mount");
  cr_assert_not(p.mounts[0].has_tree || p.mounts[1].has_tree, "trees are made by main, later");
  plan_free(&p);

  /* idmap without mappings uses the container's user namespace */
  cfg = base_config();
  add_userns(cfg);
  set(cfg, NULL, "mounts",
      "[{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/s\", \"options\": "
      "[\"idmap\"]}]");
  expect_ok(cfg, &p);
  cr_assert_eq(p.mounts[0].idmap, MOUNT_IDMAP);
  cr_assert_eq(p.mounts[0].n_uid_map, 0);
  plan_free(&p);

  static const struct {
    const char *json, *step, *text;
  } bad[] = {
      {"[{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/s\", \"options\": "
       "[\"idmap\"],"
       "  \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}]",
       "mounts[0].gidMappings", "given without uidMappings"},
      {"[{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/s\", \"options\": "
       "[\"idmap\"],"
       "  \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}], \"gidMappings\": "
       "[]}]",
       "mounts[0].uidMappings", "given without gidMappings"},
      {"[{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/s\", \"options\": "
       "[\"idmap\"]}]",
       "mounts[0].options", "\"idmap\" without uidMappings and gidMappings needs a user namespace"},
      {"[{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/s\", \"options\": "
       "[\"ridmap\"]}]",
       "mounts[0].options", "\"ridmap\" without uidMappings"},
      {"[{\"destination\": \"/a\", \"type\": \"tmpfs\", \"options\": [\"idmap\"]}]",
       "mounts[0].options", "need a bind mount"},
      {"[{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/s\", \"options\": "
       "[\"idmap\"],"
       "  \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 0}],"
       "  \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}]",
       "mounts[0].uidMappings[0].size", "size 0"},
      {"[{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/s\","
       "  \"uidMappings\": [{\"containerID\": 0, \"size\": 1}],"
       "  \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}]",
       "mounts[0].uidMappings[0].hostID", "required field is missing"},
      {"[{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/s\","
       "  \"options\": [\"remount\", \"idmap\"]}]",
       "mounts[0].options", "cannot change the id mapping"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cfg = base_config();
    set(cfg, NULL, "mounts", bad[i].json);
    expect_error(cfg, bad[i].step, bad[i].text, 0);
  }
}

Test(spec, remount)
{
  json_t *cfg = base_config();
  set(cfg, NULL, "mounts",
      "[{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/s\", \"options\": "
      "[\"rbind\"]},"
      " {\"destination\": \"/a\", \"options\": [\"remount\", \"bind\", \"ro\"]},"
      " {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"options\": [\"remount\", \"ro\","
      "   \"size=1m\"]}]");
  struct plan p;
  expect_ok(cfg, &p);
  cr_assert_eq(p.mounts[1].flags, MS_REMOUNT | MS_BIND | MS_RDONLY);
  cr_assert_null(p.mounts[1].source, "a bind remount needs no source");
  cr_assert_eq(p.mounts[2].flags, MS_REMOUNT | MS_RDONLY);
  cr_assert_str_eq(p.mounts[2].data, "size=1m");
  plan_free(&p);
}
