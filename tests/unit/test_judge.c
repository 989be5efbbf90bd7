/* The judge: hand-written views of one case against its config.json.  A
 * matching case passes every check; each kind of mismatch fails the right
 * requirement with expected and actual saying what differs; missing views
 * give SKIPs with reasons; and every requirement id the judge uses is in
 * specs/requirements.json. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "judge.h"
#include "nsconform.h"
#include "requirements.h"

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

/* ---- a matching case ------------------------------------------------------ */

static char rootdir[] = "/tmp/test_judge.XXXXXX";

static void make_root(void)
{
  cr_assert_not_null(mkdtemp(rootdir));
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s/etc", rootdir);
  cr_assert_eq(mkdir(p, 0755), 0);
}

static void remove_root(void)
{
  char p[PATH_MAX];
  snprintf(p, sizeof(p), "%s/etc", rootdir);
  rmdir(p);
  rmdir(rootdir);
}

/* root with a new user (0 -> 100000), pid and mount namespace, the network
 * joined by path, everything else the harness's. */
static json_t *base_config(void)
{
  json_t *c =
      J("{'ociVersion': '1.3.0', 'root': {'readonly': false}, 'hostname': 'h1', 'domainname': 'd1',"
        " 'process': {'cwd': '/tmp/', 'env': ['PATH=/bin', 'A=b=c'],"
        "   'args': ['/nsprobe', '--wait', '--seccomp-probe', 'mkdir'],"
        "   'user': {'uid': 0, 'gid': 0, 'umask': 23, 'additionalGids': [10, 20]},"
        "   'capabilities': {'bounding': ['CAP_CHOWN', 'CAP_KILL'], 'effective': ['CAP_CHOWN', "
        "'CAP_KILL'], 'permitted': ['CAP_KILL', 'CAP_CHOWN'], 'inheritable': ['CAP_KILL'], "
        "'ambient': ['CAP_KILL']},"
        "   'noNewPrivileges': true,"
        "   'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 512, 'hard': 1024}],"
        "   'oomScoreAdj': 500},"
        " 'mounts': [{'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
        "   {'destination': '/dev', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid', "
        "'mode=755']},"
        "   {'destination': '/sys', 'type': 'bind', 'source': '/sys', 'options': ['rbind', 'ro']}],"
        " 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'mount'}, {'type': 'user'},"
        "   {'type': 'network', 'path': '/proc/99/ns/net'}],"
        "   'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
        "   'gidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
        "   'maskedPaths': ['/proc/version'], 'readonlyPaths': ['/proc/sys', '/etc'],"
        "   'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mkdirat', "
        "'mkdir'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38}]}}}");
  json_object_set_new(json_object_get(c, "root"), "path", json_string(rootdir));
  return c;
}

static json_t *base_self(void)
{
  return J("{'pid': 50, 'ns': {'user': 'user:[1]', 'pid': 'pid:[2]', 'pid_for_children': "
           "'pid:[2]', 'mnt': 'mnt:[3]', 'uts': 'uts:[4]', 'ipc': 'ipc:[5]', 'net': 'net:[6]', "
           "'cgroup': 'cgroup:[7]', 'time': 'time:[8]', 'time_for_children': 'time:[8]'},"
           " 'umask': '0022', 'oom_score_adj': 0,"
           " 'mounts': [{'mount_point': '/', 'fstype': 'ext4', 'source': '/dev/vda1', 'options': "
           "'rw,relatime', 'propagation': ''},"
           "   {'mount_point': '/sys', 'fstype': 'sysfs', 'source': 'sysfs', 'options': 'rw'},"
           "   {'mount_point': '/sys/fs/cgroup', 'fstype': 'tmpfs', 'source': 'tmpfs', 'options': "
           "'rw'},"
           "   {'mount_point': '/sys/fs/cgroup/cpu', 'fstype': 'cgroup', 'source': 'cgroup', "
           "'options': 'rw'}]}");
}

static const char mounts_json[] =
    "[{'mount_point': '/', 'fstype': 'ext4', 'source': '/dev/vda1', 'options': 'rw,relatime'},"
    " {'mount_point': '/proc', 'fstype': 'proc', 'source': 'proc', 'options': 'rw,nosuid'},"
    " {'mount_point': '/dev', 'fstype': 'tmpfs', 'source': 'tmpfs', 'options': 'rw,nosuid'},"
    " {'mount_point': '/sys', 'fstype': 'sysfs', 'source': 'sysfs', 'options': "
    "'ro,nosuid,nodev'},"
    " {'mount_point': '/sys/fs/cgroup', 'fstype': 'tmpfs', 'source': 'tmpfs', 'options': 'rw'},"
    " {'mount_point': '/proc/version', 'fstype': 'tmpfs', 'source': 'tmpfs', 'options': "
    "'rw,nosuid'},"
    " {'mount_point': '/proc/sys', 'fstype': 'proc', 'source': 'proc', 'options': 'ro,nosuid'},"
    " {'mount_point': '/etc', 'fstype': 'ext4', 'source': '/dev/vda1', 'options': 'ro'}]";

/* What the container looks like from outside (/proc/PID, host ids). */
static json_t *base_running(void)
{
  json_t *r =
      J("{'pid': 4242, 'nspid': [4242, 1], 'ns': {'user': 'user:[11]', 'pid': 'pid:[12]', "
        "'pid_for_children': "
        "'pid:[12]', 'mnt': 'mnt:[13]', 'uts': 'uts:[4]', 'ipc': 'ipc:[5]', 'net': 'net:[60]', "
        "'cgroup': 'cgroup:[7]', 'time': 'time:[8]', 'time_for_children': 'time:[8]'},"
        " 'uid': [100000, 100000, 100000, 100000], 'gid': [100000, 100000, 100000, 100000],"
        " 'groups': [100010, 100020],"
        " 'caps': {'effective': '0x0000000000000021', 'permitted': '0x0000000000000021',"
        "   'inheritable': '0x0000000000000020', 'bounding': '0x0000000000000021',"
        "   'ambient': '0x0000000000000020'},"
        " 'no_new_privs': 1, 'seccomp': 2, 'seccomp_filters': 1,"
        " 'rlimits': {'RLIMIT_NOFILE': [512, 1024], 'RLIMIT_CORE': [0, -1]},"
        " 'umask': '0027', 'oom_score_adj': 500,"
        " 'uid_map': [[0, 100000, 65536]], 'gid_map': [[0, 100000, 65536]],"
        " 'fds': [{'fd': 0, 'target': '/dev/null'}, {'fd': 1, 'target': 'pipe:[9]'},"
        "   {'fd': 2, 'target': 'pipe:[10]'}]}");
  json_object_set_new(r, "mounts", J(mounts_json));
  return r;
}

/* The init while created: in its namespaces; a new time namespace would show
 * as time_for_children only. */
static json_t *base_created(void)
{
  json_t *c = base_running();
  json_object_del(c, "fds");
  return c;
}

/* /dev as nsprobe reports it: runc's way, devices bound from the host (on
 * its devtmpfs, 0:6), ptmx a link into the devpts at /dev/pts (0:30). */
static json_t *base_dev(void)
{
  return J("{'null': {'type': 'c', 'major': 1, 'minor': 3, 'mode': '0666', 'fs': '0:6', 'open': 0},"
           " 'zero': {'type': 'c', 'major': 1, 'minor': 5, 'mode': '0666', 'fs': '0:6', 'open': 0},"
           " 'full': {'type': 'c', 'major': 1, 'minor': 7, 'mode': '0666', 'fs': '0:6', 'open': 0},"
           " 'random': {'type': 'c', 'major': 1, 'minor': 8, 'mode': '0666', 'fs': '0:6', 'open': "
           "0},"
           " 'urandom': {'type': 'c', 'major': 1, 'minor': 9, 'mode': '0666', 'fs': '0:6', 'open': "
           "0},"
           " 'tty': {'type': 'c', 'major': 5, 'minor': 0, 'mode': '0666', 'fs': '0:6', 'open': 6},"
           " 'console': {'type': 'missing'},"
           " 'ptmx': {'type': 'l', 'link': 'pts/ptmx', 'fs': '0:40', 'resolved': {'type': 'c', "
           "'major': 5, 'minor': 2, 'fs': '0:30'}},"
           " 'pts': {'type': 'd', 'mode': '0755', 'fs': '0:30'},"
           " 'fd': {'type': 'l', 'link': '/proc/self/fd', 'resolved': {'type': 'd'}},"
           " 'stdin': {'type': 'l', 'link': '/proc/self/fd/0', 'resolved': {'type': 'c'}},"
           " 'stdout': {'type': 'l', 'link': '/proc/self/fd/1', 'resolved': {'type': 'p'}},"
           " 'stderr': {'type': 'l', 'link': '/proc/self/fd/2', 'resolved': {'type': 'p'}}}");
}

/* What nsprobe prints: ids as the container sees them. */
static json_t *base_probe(void)
{
  json_t *p = base_running();
  json_object_set_new(p, "pid", json_integer(1));
  json_object_set_new(p, "nspid", J("[1]"));
  json_object_set_new(p, "uid", J("[0, 0, 0, 0]"));
  json_object_set_new(p, "gid", J("[0, 0, 0, 0]"));
  json_object_set_new(p, "groups", J("[10, 20]"));
  json_object_set_new(p, "hostname", json_string("h1"));
  json_object_set_new(p, "domainname", json_string("d1"));
  json_object_set_new(p, "cwd", json_string("/tmp"));
  json_object_set_new(p, "env", J("['HOME=/', 'A=b=c', 'PATH=/bin']"));
  json_object_set_new(p, "argv", J("['/nsprobe', '--wait', '--seccomp-probe', 'mkdir']"));
  json_object_set_new(p, "seccomp_probe", J("{'syscall': 'mkdir', 'ret': -1, 'errno': 38}"));
  json_object_set_new(p, "dev", base_dev());
  return p;
}

struct fixture {
  json_t *config, *self, *targets, *created, *running, *probe;
  struct nsc_verdicts out;
};

static struct fixture fx;

static void setup(void)
{
  make_root();
  fx.config = base_config();
  fx.self = base_self();
  fx.targets = J("{'network': 'net:[60]'}");
  fx.created = base_created();
  fx.running = base_running();
  fx.probe = base_probe();
  memset(&fx.out, 0, sizeof(fx.out));
}

static void teardown(void)
{
  json_decref(fx.config);
  json_decref(fx.self);
  json_decref(fx.targets);
  json_decref(fx.created);
  json_decref(fx.running);
  json_decref(fx.probe);
  nsc_verdicts_free(&fx.out);
  remove_root();
}

static void judge(void)
{
  nsc_verdicts_free(&fx.out);
  struct nsc_views v = {fx.config, fx.self, fx.targets, fx.created, fx.running, fx.probe};
  nsc_judge_positive(&v, &fx.out);
}

static void dump(void)
{
  for (size_t i = 0; i < fx.out.n; i++) {
    const struct nsc_verdict *v = &fx.out.v[i];
    fprintf(stderr, "  %s %s | expected %s | actual %s | %s\n", nsc_verdict_name(v->verdict),
            v->requirement, v->expected ?: "-", v->actual ?: "-", v->reason ?: "");
  }
}

static size_t count(const char *req, enum nsc_verdict_kind kind)
{
  size_t n = 0;
  for (size_t i = 0; i < fx.out.n; i++)
    n += strcmp(fx.out.v[i].requirement, req) == 0 && fx.out.v[i].verdict == kind;
  return n;
}

static size_t count_all(const char *req)
{
  return count(req, NSC_PASS) + count(req, NSC_FAIL) + count(req, NSC_SKIP);
}

/* The one verdict of req of that kind whose text (expected, actual or reason)
 * holds needle; fails the test when there is not exactly one. */
static const struct nsc_verdict *find(const char *req, enum nsc_verdict_kind kind,
                                      const char *needle)
{
  const struct nsc_verdict *found = NULL;
  size_t n = 0;
  for (size_t i = 0; i < fx.out.n; i++) {
    const struct nsc_verdict *v = &fx.out.v[i];
    if (strcmp(v->requirement, req) != 0 || v->verdict != kind)
      continue;
    bool has = !needle || (v->expected && strstr(v->expected, needle)) ||
               (v->actual && strstr(v->actual, needle)) || (v->reason && strstr(v->reason, needle));
    if (has) {
      found = v;
      n++;
    }
  }
  if (n != 1)
    dump();
  cr_assert_eq(n, 1, "%zu %s verdicts of %s with \"%s\"", n, nsc_verdict_name(kind), req,
               needle ?: "");
  return found;
}

#define expect_fail(req, needle) find((req), NSC_FAIL, (needle))
#define expect_skip(req, needle) find((req), NSC_SKIP, (needle))
#define expect_pass(req, needle) find((req), NSC_PASS, (needle))

static size_t count_kind(enum nsc_verdict_kind kind)
{
  size_t n = 0;
  for (size_t i = 0; i < fx.out.n; i++)
    n += fx.out.v[i].verdict == kind;
  return n;
}

TestSuite(judge, .init = setup, .fini = teardown);

Test(judge, matching_case_all_pass)
{
  judge();
  if (count_kind(NSC_FAIL) || count_kind(NSC_SKIP))
    dump();
  cr_expect_eq(count_kind(NSC_FAIL), 0);
  cr_expect_eq(count_kind(NSC_SKIP), 0);
  static const struct {
    const char *req;
    size_t n;
  } want[] = {
      {"config-linux.namespaces.new", 3},
      {"config-linux.namespaces.path-join", 1},
      {"config-linux.namespaces.absent-inherit", 4},
      {"config-linux.user-namespace-mappings.uid-applied", 1},
      {"config-linux.user-namespace-mappings.gid-applied", 1},
      {"runtime.create.apply-config", 1},
      {"config.user.uid", 1},
      {"config.user.gid", 1},
      {"config.user.additional-gids", 1},
      {"config.user.umask", 1},
      {"config.capabilities.bounding", 1},
      {"config.capabilities.inheritable", 1},
      {"config.capabilities.ambient", 1},
      {"config.capabilities.permitted", 1},
      {"config.capabilities.effective", 1},
      {"config.linux-process.no-new-privileges", 1},
      {"config.rlimits.soft", 1},
      {"config.rlimits.hard", 1},
      {"config.linux-process.oom-score-adj", 1},
      {"config.hostname.applied", 1},
      {"config.domainname.applied", 1},
      {"config.process.cwd-applied", 1},
      {"config.process.env-applied", 1},
      {"config.process.args-applied", 1},
      {"config-linux.seccomp.installed", 1},
      {"config-linux.seccomp.errno-ret", 1},
      {"runtime-linux.file-descriptors.default", 1},
      {"config.root.readonly-default", 1},
      {"config.mounts.applied", 3},
      {"config.mount-options.nosuid", 1},
      {"config.mount-options.ro-rw", 1},
      {"config-linux.masked-paths.masked", 1},
      {"config-linux.readonly-paths.readonly", 2},
      {"config.mount-options.rbind", 1},
      {"config-linux.default-devices.null", 1},
      {"config-linux.default-devices.zero", 1},
      {"config-linux.default-devices.full", 1},
      {"config-linux.default-devices.random", 1},
      {"config-linux.default-devices.urandom", 1},
      {"config-linux.default-devices.tty", 1},
      {"config-linux.default-devices.ptmx", 1},
      {"runtime-linux.dev-symlinks.fd", 1},
      {"runtime-linux.dev-symlinks.stdin", 1},
      {"runtime-linux.dev-symlinks.stdout", 1},
      {"runtime-linux.dev-symlinks.stderr", 1},
  };
  size_t total = 0;
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    cr_expect_eq(count(want[i].req, NSC_PASS), want[i].n, "%s: %zu PASS, want %zu", want[i].req,
                 count(want[i].req, NSC_PASS), want[i].n);
    total += want[i].n;
  }
  cr_expect_eq(fx.out.n, total, "%zu verdicts, want %zu", fx.out.n, total);
  /* PASS verdicts say what was seen. */
  for (size_t i = 0; i < fx.out.n; i++) {
    cr_expect(fx.out.v[i].expected && *fx.out.v[i].expected, "%s", fx.out.v[i].requirement);
    cr_expect(fx.out.v[i].actual && *fx.out.v[i].actual, "%s", fx.out.v[i].requirement);
  }
  expect_pass("config-linux.namespaces.path-join", "net:[60]");
  expect_pass("config-linux.namespaces.new", "pid 1");
}

/* ---- namespaces ------------------------------------------------------------ */

Test(judge, absent_namespace_must_be_the_harnesss)
{
  json_object_set_new(json_object_get(fx.running, "ns"), "uts", json_string("uts:[99]"));
  judge();
  const struct nsc_verdict *v = expect_fail("config-linux.namespaces.absent-inherit", "uts:[99]");
  cr_expect(strstr(v->expected, "uts:[4]"), "%s", v->expected);
  cr_expect(strstr(v->actual, "outside: uts:[99]"), "%s", v->actual);
  cr_expect(strstr(v->actual, "inside: uts:[4]"), "%s", v->actual);
  cr_expect_eq(count("config-linux.namespaces.absent-inherit", NSC_PASS), 3);
}

Test(judge, new_namespace_must_differ_from_the_harnesss)
{
  json_object_set_new(json_object_get(fx.probe, "ns"), "mnt", json_string("mnt:[3]"));
  json_object_set_new(json_object_get(fx.running, "ns"), "mnt", json_string("mnt:[3]"));
  judge();
  const struct nsc_verdict *v = expect_fail("config-linux.namespaces.new", "mnt:[3]");
  cr_expect(strstr(v->expected, "a new mount namespace"), "%s", v->expected);
  cr_expect(strstr(v->actual, "the harness's own"), "%s", v->actual);
}

Test(judge, new_pid_namespace_makes_the_program_pid_1)
{
  json_object_set_new(fx.probe, "pid", json_integer(7));
  judge();
  const struct nsc_verdict *v =
      expect_fail("config-linux.namespaces.new", "inside: pid:[12], pid 7");
  cr_expect(strstr(v->expected, "pid 1"), "%s", v->expected);
  /* from outside, the innermost NSpid */
  json_object_set_new(fx.probe, "pid", json_integer(1));
  json_object_set_new(fx.running, "nspid", J("[4242, 3]"));
  judge();
  expect_fail("config-linux.namespaces.new", "outside: pid:[12], pid 3");
}

Test(judge, joined_namespace_must_be_the_target)
{
  json_object_set_new(json_object_get(fx.probe, "ns"), "net", json_string("net:[6]"));
  json_object_set_new(json_object_get(fx.running, "ns"), "net", json_string("net:[6]"));
  judge();
  const struct nsc_verdict *v = expect_fail("config-linux.namespaces.path-join", "net:[6]");
  cr_expect(strstr(v->expected, "net:[60]"), "%s", v->expected);
  cr_expect(strstr(v->expected, "/proc/99/ns/net"), "%s", v->expected);
}

Test(judge, joined_namespace_without_target_is_skipped)
{
  json_object_del(fx.targets, "network");
  judge();
  expect_skip("config-linux.namespaces.path-join", "no link target");
}

Test(judge, new_time_namespace_and_kernel_without_one)
{
  /* new: the program is in it, the harness is not */
  json_array_append_new(json_object_get(json_object_get(fx.config, "linux"), "namespaces"),
                        J("{'type': 'time'}"));
  json_object_set_new(json_object_get(fx.probe, "ns"), "time", json_string("time:[88]"));
  json_object_set_new(json_object_get(fx.running, "ns"), "time", json_string("time:[88]"));
  json_object_set_new(json_object_get(fx.created, "ns"), "time_for_children",
                      json_string("time:[88]"));
  judge();
  expect_pass("config-linux.namespaces.new", "time:[88]");
  expect_pass("runtime.create.apply-config", NULL);

  /* A kernel without time namespaces: no link in our own view. */
  json_object_del(json_object_get(fx.self, "ns"), "time");
  json_object_del(json_object_get(fx.self, "ns"), "time_for_children");
  judge();
  expect_skip("config-linux.namespaces.new", "no time namespaces");
  cr_expect_eq(count("config-linux.namespaces.new", NSC_PASS), 3);
}

/* ---- id maps, ids ------------------------------------------------------------- */

Test(judge, uid_map_must_equal_the_mappings)
{
  json_object_set_new(fx.probe, "uid_map", J("[[0, 100000, 1000]]"));
  judge();
  const struct nsc_verdict *v =
      expect_fail("config-linux.user-namespace-mappings.uid-applied", NULL);
  cr_expect_str_eq(v->expected, "0 100000 65536");
  cr_expect(strstr(v->actual, "inside: 0 100000 1000"), "%s", v->actual);
  expect_pass("config-linux.user-namespace-mappings.gid-applied", NULL);
}

Test(judge, id_maps_compare_as_sets)
{
  json_t *lnx = json_object_get(fx.config, "linux");
  json_object_set_new(lnx, "uidMappings",
                      J("[{'containerID': 1000, 'hostID': 5000, 'size': 10},"
                        " {'containerID': 0, 'hostID': 100000, 'size': 1000}]"));
  json_object_set_new(fx.probe, "uid_map", J("[[0, 100000, 1000], [1000, 5000, 10]]"));
  json_object_set_new(fx.running, "uid_map", J("[[0, 100000, 1000], [1000, 5000, 10]]"));
  judge();
  expect_pass("config-linux.user-namespace-mappings.uid-applied", "0 100000 1000, 1000 5000 10");
  /* one range too many */
  json_object_set_new(fx.running, "uid_map",
                      J("[[0, 100000, 1000], [1000, 5000, 10], [2000, 7000, 1]]"));
  judge();
  expect_fail("config-linux.user-namespace-mappings.uid-applied",
              "outside: 0 100000 1000, 1000 5000 10, "
              "2000 7000 1");
}

Test(judge, no_maps_judged_without_a_new_user_namespace)
{
  json_t *ns = json_object_get(json_object_get(fx.config, "linux"), "namespaces");
  json_array_remove(ns, 2); /* the user entry */
  judge();
  cr_expect_eq(count_all("config-linux.user-namespace-mappings.uid-applied"), 0);
  /* ... and the user namespace must then be the harness's */
  expect_fail("config-linux.namespaces.absent-inherit", "user:[11]");
}

Test(judge, uid_must_be_the_configured_one)
{
  json_object_set_new(fx.probe, "uid", J("[0, 0, 0, 5]"));
  judge();
  const struct nsc_verdict *v = expect_fail("config.user.uid", "0 0 0 5");
  cr_expect(strstr(v->expected, "uid 0"), "%s", v->expected);
  expect_pass("config.user.gid", NULL);
}

Test(judge, outside_ids_are_translated_through_the_map)
{
  /* the host sees container root as 100000; plain 0 outside is wrong */
  json_object_set_new(fx.running, "gid", J("[0, 0, 0, 0]"));
  judge();
  const struct nsc_verdict *v = expect_fail("config.user.gid", "outside: 0 0 0 0");
  cr_expect(strstr(v->actual, "inside: 0 0 0 0"), "%s", v->actual);
}

Test(judge, additional_gids_must_be_present)
{
  json_object_set_new(fx.probe, "groups", J("[10]"));
  judge();
  const struct nsc_verdict *v = expect_fail("config.user.additional-gids", "missing 20");
  cr_expect(strstr(v->expected, "10 20"), "%s", v->expected);
}

Test(judge, umask_given_and_unset)
{
  json_object_set_new(fx.probe, "umask", json_string("0022"));
  judge();
  const struct nsc_verdict *v = expect_fail("config.user.umask", "inside: 0022");
  cr_expect_str_eq(v->expected, "0027");

  /* unset: the harness's own umask (0022) */
  json_object_del(json_object_get(json_object_get(fx.config, "process"), "user"), "umask");
  judge();
  cr_expect_eq(count_all("config.user.umask"), 0);
  v = expect_fail("config.user.umask-unset", "outside: 0027");
  cr_expect(strstr(v->expected, "0022"), "%s", v->expected);
}

/* ---- capabilities -------------------------------------------------------------- */

static void set_caps(json_t *view, const char *set, const char *hex)
{
  json_object_set_new(json_object_get(view, "caps"), set, json_string(hex));
}

static void set_user(long long uid)
{
  json_t *user = json_object_get(json_object_get(fx.config, "process"), "user");
  json_object_set_new(user, "uid", json_integer(uid));
}

Test(judge, bounding_must_be_exact)
{
  set_caps(fx.probe, "bounding", "0x0000000000200021"); /* + CAP_SYS_ADMIN (21) */
  judge();
  const struct nsc_verdict *v = expect_fail("config.capabilities.bounding", "extra CAP_SYS_ADMIN");
  cr_expect_str_eq(v->expected, "CAP_CHOWN,CAP_KILL");
  set_caps(fx.probe, "bounding", "0x0000000000000001");
  judge();
  expect_fail("config.capabilities.bounding", "missing CAP_KILL");
}

Test(judge, root_permitted_and_effective)
{
  /* uid 0: execve gives permitted = bounding | inheritable */
  set_caps(fx.running, "permitted", "0x0000000000000020");
  judge();
  expect_fail("config.capabilities.permitted", "missing CAP_CHOWN");
  expect_pass("config.capabilities.effective", NULL);
}

Test(judge, root_with_undetermined_sets_is_skipped)
{
  json_t *caps = json_object_get(json_object_get(fx.config, "process"), "capabilities");
  json_object_set_new(caps, "permitted", J("['CAP_KILL']"));
  json_object_set_new(caps, "effective", J("['CAP_KILL']"));
  judge();
  expect_skip("config.capabilities.permitted", "post-exec value not determined");
  expect_skip("config.capabilities.effective", "post-exec value not determined");
  expect_pass("config.capabilities.bounding", NULL);

  /* bounding == permitted but effective smaller: only effective is open */
  json_object_set_new(caps, "permitted", J("['CAP_KILL', 'CAP_CHOWN']"));
  judge();
  expect_pass("config.capabilities.permitted", NULL);
  expect_skip("config.capabilities.effective", "uid 0 gets effective = permitted");
}

Test(judge, non_root_keeps_only_ambient)
{
  set_user(1000);
  json_object_set_new(fx.probe, "uid", J("[1000, 1000, 1000, 1000]"));
  json_object_set_new(fx.running, "uid", J("[101000, 101000, 101000, 101000]"));
  set_caps(fx.probe, "permitted", "0x0000000000000020");
  set_caps(fx.probe, "effective", "0x0000000000000020");
  set_caps(fx.running, "permitted", "0x0000000000000020");
  set_caps(fx.running, "effective", "0x0000000000000020");
  judge();
  expect_pass("config.user.uid", NULL);
  const struct nsc_verdict *v = expect_pass("config.capabilities.permitted", "CAP_KILL");
  cr_expect(strstr(v->expected, "ambient"), "%s", v->expected);
  expect_pass("config.capabilities.effective", "CAP_KILL");

  /* the root rule would pass this; as uid 1000 it is wrong */
  set_caps(fx.probe, "effective", "0x0000000000000021");
  judge();
  expect_fail("config.capabilities.effective", "extra CAP_CHOWN");
}

Test(judge, ambient_that_cannot_be_raised_is_skipped)
{
  json_t *caps = json_object_get(json_object_get(fx.config, "process"), "capabilities");
  json_object_set_new(caps, "ambient", J("['CAP_CHOWN']")); /* not inheritable */
  judge();
  expect_skip("config.capabilities.ambient", "cannot be raised");
  set_user(1000);
  judge();
  expect_skip("config.capabilities.permitted", "not determined");
}

Test(judge, no_capabilities_no_verdicts)
{
  json_object_del(json_object_get(fx.config, "process"), "capabilities");
  judge();
  cr_expect_eq(count_all("config.capabilities.bounding"), 0);
  cr_expect_eq(count_all("config.capabilities.effective"), 0);
}

/* ---- other process attributes ---------------------------------------------------- */

Test(judge, no_new_privileges)
{
  json_object_set_new(fx.probe, "no_new_privs", json_integer(0));
  judge();
  expect_fail("config.linux-process.no-new-privileges", "inside: 0");
  /* false: the spec asks nothing */
  json_object_set_new(json_object_get(fx.config, "process"), "noNewPrivileges", json_false());
  judge();
  cr_expect_eq(count_all("config.linux-process.no-new-privileges"), 0);
}

Test(judge, rlimits_soft_and_hard)
{
  json_object_set_new(json_object_get(fx.probe, "rlimits"), "RLIMIT_NOFILE", J("[1024, 1024]"));
  judge();
  const struct nsc_verdict *v = expect_fail("config.rlimits.soft", "inside: 1024");
  cr_expect_str_eq(v->expected, "RLIMIT_NOFILE soft 512");
  expect_pass("config.rlimits.hard", NULL);
  json_object_set_new(json_object_get(fx.running, "rlimits"), "RLIMIT_NOFILE", J("[512, -1]"));
  judge();
  expect_fail("config.rlimits.hard", "outside: unlimited");
}

Test(judge, oom_score_adj_given_and_unset)
{
  json_object_set_new(fx.running, "oom_score_adj", json_integer(0));
  judge();
  expect_fail("config.linux-process.oom-score-adj", "outside: 0");
  json_object_del(json_object_get(fx.config, "process"), "oomScoreAdj");
  judge();
  /* the probe still says 500: not what the runtime inherited */
  expect_fail("config.linux-process.oom-score-adj-unset", "inside: 500");
}

Test(judge, names_cwd_env)
{
  json_object_set_new(fx.probe, "hostname", json_string("other"));
  json_object_set_new(fx.probe, "cwd", json_string("/"));
  json_object_set_new(fx.probe, "env", J("['PATH=/bin', 'A=b']"));
  judge();
  const struct nsc_verdict *v = expect_fail("config.hostname.applied", "\"other\"");
  cr_expect_str_eq(v->expected, "\"h1\"");
  expect_pass("config.domainname.applied", NULL);
  v = expect_fail("config.process.cwd-applied", "\"/\"");
  cr_expect_str_eq(v->expected, "\"/tmp\"");
  expect_fail("config.process.env-applied", "missing \"A=b=c\"");
}

Test(judge, argv_must_be_process_args)
{
  json_object_set_new(fx.probe, "argv", J("['nsprobe', '--wait', '--seccomp-probe', 'mkdir']"));
  judge();
  const struct nsc_verdict *v = expect_fail("config.process.args-applied", "[\"nsprobe\", ");
  cr_expect(strstr(v->expected, "4 process.args"), "%s", v->expected);
  /* an argv in another order fails too */
  json_object_set_new(fx.probe, "argv", J("['/nsprobe', '--seccomp-probe', '--wait', 'mkdir']"));
  judge();
  expect_fail("config.process.args-applied", "\"/nsprobe\", \"--seccomp-probe\"");
}

Test(judge, argv_of_another_program_is_not_judged)
{
  json_object_set_new(json_object_get(fx.config, "process"), "args", J("['/bin/sh', '-c', 'x']"));
  json_object_set_new(fx.probe, "argv", J("['/bin/sh']"));
  judge();
  cr_expect_eq(count_all("config.process.args-applied"), 0);
}

Test(judge, probe_without_argv_skips)
{
  json_object_del(fx.probe, "argv");
  judge();
  cr_expect_eq(count("config.process.args-applied", NSC_SKIP), 1);
}

Test(judge, fds_beyond_stdio_fail)
{
  json_array_append_new(json_object_get(fx.running, "fds"),
                        J("{'fd': 5, 'target': '/run/runc/x/exec.fifo'}"));
  judge();
  const struct nsc_verdict *v =
      expect_fail("runtime-linux.file-descriptors.default", "5 (/run/runc/x/exec.fifo)");
  cr_expect(strstr(v->actual, "outside:"), "%s", v->actual);
}

/* ---- seccomp ------------------------------------------------------------------------- */

Test(judge, seccomp_filter_and_rule_errno)
{
  json_object_set_new(fx.running, "seccomp", json_integer(0));
  json_object_set_new(fx.probe, "seccomp_probe", J("{'syscall': 'mkdir', 'ret': -1, 'errno': 2}"));
  judge();
  expect_fail("config-linux.seccomp.installed", "outside: 0");
  const struct nsc_verdict *v = expect_fail("config-linux.seccomp.errno-ret", "ENOENT");
  cr_expect(strstr(v->expected, "38 (ENOSYS)"), "%s", v->expected);
}

Test(judge, seccomp_default_errno_and_eperm_default)
{
  json_t *lnx = json_object_get(fx.config, "linux");
  json_object_set_new(lnx, "seccomp",
                      J("{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 13,"
                        " 'syscalls': [{'names': ['getpid'], 'action': 'SCMP_ACT_ALLOW'}]}"));
  json_object_set_new(fx.probe, "seccomp_probe", J("{'syscall': 'mkdir', 'ret': -1, 'errno': 13}"));
  judge();
  expect_pass("config-linux.seccomp.default-errno", "EACCES");
  cr_expect_eq(count_all("config-linux.seccomp.errno-ret"), 0);

  /* no errnoRet anywhere: EPERM */
  json_object_set_new(lnx, "seccomp",
                      J("{'defaultAction': 'SCMP_ACT_ALLOW',"
                        " 'syscalls': [{'names': ['mkdir'], 'action': 'SCMP_ACT_ERRNO'}]}"));
  judge();
  const struct nsc_verdict *v = expect_fail("config-linux.seccomp.errno-default", "EACCES");
  cr_expect(strstr(v->expected, "errno 1 (EPERM)"), "%s", v->expected);
}

Test(judge, seccomp_rule_with_args_or_allow_is_not_judged)
{
  json_t *lnx = json_object_get(fx.config, "linux");
  json_object_set_new(lnx, "seccomp",
                      J("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mkdir'],"
                        " 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 1, 'value': 0, 'op': "
                        "'SCMP_CMP_EQ'}]}]}"));
  judge();
  expect_pass("config-linux.seccomp.installed", NULL);
  cr_expect_eq(count_all("config-linux.seccomp.errno-default"), 0);
  cr_expect_eq(count_all("config-linux.seccomp.errno-ret"), 0);
  /* no seccomp in the config: no verdict about it at all */
  json_object_del(lnx, "seccomp");
  judge();
  cr_expect_eq(count_all("config-linux.seccomp.installed"), 0);
}

/* ---- mounts ---------------------------------------------------------------------------- */

static void drop_mount(json_t *view, const char *point)
{
  json_t *mounts = json_object_get(view, "mounts");
  for (size_t i = json_array_size(mounts); i-- > 0;) {
    const char *p = json_string_value(json_object_get(json_array_get(mounts, i), "mount_point"));
    if (p && strcmp(p, point) == 0)
      json_array_remove(mounts, i);
  }
}

static void set_mount_options(json_t *view, const char *point, const char *options)
{
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(view, "mounts"), i, m)
  {
    if (strcmp(json_string_value(json_object_get(m, "mount_point")), point) == 0)
      json_object_set_new(m, "options", json_string(options));
  }
}

Test(judge, readonly_root)
{
  json_object_set_new(json_object_get(fx.config, "root"), "readonly", json_true());
  judge();
  const struct nsc_verdict *v = expect_fail("config.root.readonly", "rw (ext4 rw,relatime)");
  cr_expect_str_eq(v->expected, "/ mounted ro");
  set_mount_options(fx.probe, "/", "ro,relatime");
  set_mount_options(fx.running, "/", "ro,relatime");
  judge();
  expect_pass("config.root.readonly", NULL);
}

Test(judge, mounts_must_appear_with_their_type)
{
  drop_mount(fx.probe, "/dev");
  drop_mount(fx.running, "/dev");
  json_object_set_new(json_array_get(json_object_get(fx.probe, "mounts"), 1), "fstype",
                      json_string("tmpfs")); /* /proc */
  judge();
  expect_fail("config.mounts.applied", "no mount at /dev");
  expect_fail("config.mounts.applied", "inside: tmpfs at /proc");
  expect_skip("config.mount-options.nosuid", "no such mount at /dev");
  /* bind mounts show their source's type */
  expect_pass("config.mounts.applied", "sysfs at /sys");
}

Test(judge, mount_flags)
{
  set_mount_options(fx.probe, "/dev", "rw");
  set_mount_options(fx.running, "/sys", "rw,nosuid");
  judge();
  const struct nsc_verdict *v = expect_fail("config.mount-options.nosuid", "/dev: rw");
  cr_expect_str_eq(v->expected, "/dev: nosuid");
  expect_fail("config.mount-options.ro-rw", "outside: /sys: rw,nosuid");
}

Test(judge, masked_paths)
{
  json_t *lnx = json_object_get(fx.config, "linux");
  json_array_append_new(json_object_get(lnx, "maskedPaths"), json_string("/no-such-dir"));
  drop_mount(fx.probe, "/proc/version");
  drop_mount(fx.running, "/proc/version");
  judge();
  /* /proc/version exists in every procfs: with nothing over it, it is visible */
  expect_fail("config-linux.masked-paths.masked", "no mount at /proc/version");
  expect_skip("config-linux.masked-paths.masked", "/no-such-dir does not exist");

  /* a mount of the original filesystem does not mask */
  const char *proc_over = "{'mount_point': '/proc/version', 'fstype': 'proc', 'source': 'proc',"
                          " 'options': 'ro'}";
  json_array_append_new(json_object_get(fx.probe, "mounts"), J(proc_over));
  json_array_append_new(json_object_get(fx.running, "mounts"), J(proc_over));
  judge();
  const struct nsc_verdict *v =
      expect_fail("config-linux.masked-paths.masked", "proc mount at /proc/version");
  cr_expect(!strstr(v->actual, "no mount"), "%s", v->actual);
}

Test(judge, readonly_paths)
{
  set_mount_options(fx.probe, "/proc/sys", "rw,nosuid");
  drop_mount(fx.running, "/etc");
  drop_mount(fx.probe, "/etc");
  judge();
  expect_fail("config-linux.readonly-paths.readonly", "/proc/sys on the proc mount");
  /* /etc exists in the root (make_root) and sits on the rw root mount */
  expect_fail("config-linux.readonly-paths.readonly", "/etc on the ext4 mount at /");
  /* ... unless the root itself is read-only */
  set_mount_options(fx.probe, "/", "ro");
  set_mount_options(fx.running, "/", "ro");
  judge();
  expect_pass("config-linux.readonly-paths.readonly", "/etc on the ext4 mount at / (ro)");
}

/* ---- mount options, bind, rootfsPropagation -------------------------------------------- */

static void set_mount_key(json_t *view, const char *point, const char *key, const char *value)
{
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(view, "mounts"), i, m)
  {
    if (strcmp(json_string_value(json_object_get(m, "mount_point")), point) == 0)
      json_object_set_new(m, key, json_string(value));
  }
}

/* Both views get the same extra mount. */
static void add_mount(const char *point, const char *fstype, const char *options, const char *super,
                      const char *propagation)
{
  json_t *views[] = {fx.probe, fx.running};
  for (int i = 0; i < 2; i++)
    json_array_append_new(json_object_get(views[i], "mounts"),
                          json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "mount_point", point,
                                    "fstype", fstype, "source", fstype, "options", options,
                                    "super_options", super, "propagation", propagation));
}

static void add_spec_mount(const char *text)
{
  json_array_append_new(json_object_get(fx.config, "mounts"), J(text));
}

Test(judge, access_time_options)
{
  add_spec_mount("{'destination': '/run', 'type': 'tmpfs', 'source': 'tmpfs', 'options': "
                 "['relatime', 'noatime']}");
  add_mount("/run", "tmpfs", "rw,noatime", "rw", "");
  add_spec_mount("{'destination': '/mnt', 'type': 'tmpfs', 'source': 'tmpfs', 'options': "
                 "['strictatime', 'nodiratime']}");
  add_mount("/mnt", "tmpfs", "rw,relatime,nodiratime", "rw", "");
  judge();
  /* the last access-time option decides */
  expect_pass("config.mount-options.atime", "/run: options \"rw,noatime\"");
  const struct nsc_verdict *v =
      expect_fail("config.mount-options.atime", "/mnt: options \"rw,relatime,nodiratime\"");
  cr_expect(strstr(v->expected, "strictatime: not relatime, not noatime"), "%s", v->expected);
  expect_pass("config.mount-options.atime", "nodiratime");
  cr_expect_eq(count_all("config.mount-options.atime"), 3);
}

Test(judge, write_and_other_flags_in_the_super_options)
{
  add_spec_mount("{'destination': '/run', 'type': 'tmpfs', 'source': 'tmpfs', 'options': "
                 "['sync', 'lazytime', 'defaults', 'silent']}");
  add_mount("/run", "tmpfs", "rw", "rw,sync,lazytime", "");
  add_spec_mount("{'destination': '/mnt', 'type': 'tmpfs', 'source': 'tmpfs', 'options': "
                 "['dirsync']}");
  add_mount("/mnt", "tmpfs", "rw", "rw", "");
  judge();
  expect_pass("config.mount-options.sync", "/run");
  expect_fail("config.mount-options.sync", "/mnt: super options \"rw\"");
  expect_pass("config.mount-options.other-flags", "lazytime");
  /* defaults and silent leave no trace: the mount being there is the check */
  cr_expect_eq(count("config.mount-options.other-flags", NSC_PASS), 2);
  drop_mount(fx.probe, "/run");
  drop_mount(fx.running, "/run");
  judge();
  cr_expect_eq(count("config.mount-options.other-flags", NSC_SKIP), 2);
}

Test(judge, propagation_options)
{
  add_spec_mount("{'destination': '/root', 'type': 'tmpfs', 'source': 'tmpfs', 'options': "
                 "['shared', 'private']}");
  add_mount("/root", "tmpfs", "rw", "rw", "shared:7");
  add_spec_mount("{'destination': '/mnt', 'type': 'tmpfs', 'source': 'tmpfs', 'options': "
                 "['runbindable']}");
  add_mount("/mnt", "tmpfs", "rw", "rw", "unbindable");
  add_spec_mount("{'destination': '/run', 'type': 'tmpfs', 'source': 'tmpfs', 'options': "
                 "['slave']}");
  add_mount("/run", "tmpfs", "rw", "rw", "");
  judge();
  expect_fail("config.mount-options.propagation", "/root: propagation \"shared:7\"");
  expect_pass("config.mount-options.propagation", "/mnt");
  /* a slave of a mount without peers is private */
  expect_pass("config.mount-options.propagation", "/run");
  set_mount_key(fx.probe, "/run", "propagation", "shared:3 master:1");
  judge();
  expect_fail("config.mount-options.propagation", "inside: /run");
}

Test(judge, bind_leaves_submounts_behind_rbind_brings_them)
{
  /* the base has /sys rbind; the host has /sys/fs/cgroup under /sys */
  drop_mount(fx.running, "/sys/fs/cgroup");
  judge();
  expect_fail("config.mount-options.rbind", "/sys/fs/cgroup missing");

  add_spec_mount("{'destination': '/var', 'type': 'bind', 'source': '/sys', 'options': ['bind']}");
  add_mount("/var", "sysfs", "rw", "rw", "");
  judge();
  expect_pass("config.mount-options.bind", "nothing mounted under /var");
  add_mount("/var/fs/cgroup", "tmpfs", "rw", "rw", "");
  judge();
  const struct nsc_verdict *v =
      expect_fail("config.mount-options.bind", "a mount at /var/fs/cgroup");
  cr_expect(strstr(v->expected, "nothing under it"), "%s", v->expected);
}

Test(judge, bind_by_option_whatever_the_type)
{
  add_spec_mount("{'destination': '/var', 'type': 'none', 'source': '/sys', 'options': ['rbind']}");
  add_mount("/var", "sysfs", "rw", "rw", "");
  add_mount("/var/fs/cgroup", "tmpfs", "rw", "rw", "");
  judge();
  expect_pass("config.mounts.bind-by-option", "sysfs at /var");
  cr_expect_eq(count("config.mount-options.rbind", NSC_PASS), 2);
  set_mount_key(fx.probe, "/var", "fstype", "none");
  judge();
  expect_fail("config.mounts.bind-by-option", "none at /var");
  /* without the harness's own mounts nothing tells what the source is */
  json_object_del(fx.self, "mounts");
  judge();
  expect_skip("config.mounts.bind-by-option", "harness's mounts");
}

Test(judge, rootfs_propagation)
{
  static const struct {
    const char *value, *prop;
    bool ok;
  } cases[] = {
      {"shared", "shared:5", true},
      {"shared", "", false},
      {"private", "", true},
      {"private", "master:2", false},
      {"unbindable", "unbindable", true},
      {"unbindable", "", false},
      {"slave", "master:2", true},
      {"slave", "", true},
      {"slave", "shared:4 master:2", false},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    json_object_set_new(json_object_get(fx.config, "linux"), "rootfsPropagation",
                        json_string(cases[i].value));
    set_mount_key(fx.probe, "/", "propagation", cases[i].prop);
    set_mount_key(fx.running, "/", "propagation", cases[i].prop);
    judge();
    cr_expect_eq(
        count("config-linux.rootfs-propagation.applied", cases[i].ok ? NSC_PASS : NSC_FAIL), 1,
        "%s with \"%s\"", cases[i].value, cases[i].prop);
  }
  /* on a shared host a slave must show its master */
  set_mount_key(fx.self, "/", "propagation", "shared:1");
  set_mount_key(fx.probe, "/", "propagation", "");
  set_mount_key(fx.running, "/", "propagation", "");
  judge();
  expect_fail("config-linux.rootfs-propagation.applied", "/: \"\"");
  /* an older producer without propagation fields */
  json_object_set_new(json_object_get(fx.config, "linux"), "rootfsPropagation",
                      json_string("shared"));
  json_decref(fx.running);
  fx.running = NULL;
  json_t *root = json_array_get(json_object_get(fx.probe, "mounts"), 0);
  json_object_del(root, "propagation");
  judge();
  expect_skip("config-linux.rootfs-propagation.applied", "no propagation fields");
}

/* ---- /dev, sysctl, time offsets, personality -------------------------------------------- */

static void set_dev(const char *name, const char *text)
{
  json_object_set_new(json_object_get(fx.probe, "dev"), name, J(text));
}

Test(judge, default_devices)
{
  set_dev("null", "{'type': 'f', 'mode': '0644'}");
  set_dev("zero", "{'type': 'c', 'major': 1, 'minor': 3, 'mode': '0666', 'open': 0}");
  set_dev("full", "{'type': 'c', 'major': 1, 'minor': 7, 'mode': '0000', 'open': 13}");
  set_dev("random", "{'type': 'missing'}");
  /* a link to the device is the device, as a program opening it finds it */
  set_dev("urandom", "{'type': 'l', 'link': '/dev/.host/urandom', 'open': 0, 'resolved': "
                     "{'type': 'c', 'major': 1, 'minor': 9}}");
  judge();
  expect_fail("config-linux.default-devices.null", "type f");
  expect_fail("config-linux.default-devices.zero", "c 1:3");
  expect_fail("config-linux.default-devices.full", "EACCES");
  expect_fail("config-linux.default-devices.random", "missing");
  expect_pass("config-linux.default-devices.urandom", "a link to /dev/.host/urandom");
  /* /dev/tty without a controlling terminal: ENXIO is the device answering */
  expect_pass("config-linux.default-devices.tty", "ENXIO");
  set_dev("tty", "{'type': 'c', 'major': 5, 'minor': 0, 'open': 2}");
  judge();
  expect_fail("config-linux.default-devices.tty", "ENOENT");
}

Test(judge, ptmx_is_the_containers_own)
{
  set_dev("ptmx", "{'type': 'l', 'link': '../dev/pts/./ptmx'}");
  judge();
  expect_pass("config-linux.default-devices.ptmx", "a link to ../dev/pts/./ptmx");
  set_dev("ptmx", "{'type': 'c', 'major': 5, 'minor': 2, 'mode': '0666', 'fs': '0:30'}");
  judge();
  expect_pass("config-linux.default-devices.ptmx", "on file system 0:30");
  /* the host's /dev/ptmx bound in: another devpts */
  set_dev("ptmx", "{'type': 'c', 'major': 5, 'minor': 2, 'mode': '0666', 'fs': '0:6'}");
  judge();
  expect_fail("config-linux.default-devices.ptmx", "/dev/pts on 0:30");
  set_dev("ptmx", "{'type': 'l', 'link': '/dev/pts/0'}");
  judge();
  expect_fail("config-linux.default-devices.ptmx", "a link to /dev/pts/0");
}

Test(judge, dev_symlinks)
{
  set_dev("fd", "{'type': 'l', 'link': '../proc/self/fd'}");
  set_dev("stdout", "{'type': 'c', 'major': 1, 'minor': 3}");
  set_dev("stderr", "{'type': 'l', 'link': '/proc/self/fd/1'}");
  judge();
  expect_pass("runtime-linux.dev-symlinks.fd", "../proc/self/fd");
  expect_fail("runtime-linux.dev-symlinks.stdout", "not a symlink");
  expect_fail("runtime-linux.dev-symlinks.stderr", "/proc/self/fd/1");
  /* a closed fd 0 has no /proc/self/fd/0 to link to */
  json_array_remove(json_object_get(fx.probe, "fds"), 0);
  judge();
  expect_skip("runtime-linux.dev-symlinks.stdin", "fd 0 is not open");
  json_object_del(fx.probe, "fds");
  judge();
  cr_expect_eq(count("runtime-linux.dev-symlinks.fd", NSC_SKIP), 1);
}

Test(judge, sysctl)
{
  json_object_set_new(json_object_get(fx.config, "linux"), "sysctl",
                      J("{'kernel.msgmax': '12345', 'kernel.sem': '250 32000 32 128', "
                        "'net.ipv4.ip_forward': '1', 'kernel.shmmni': '100'}"));
  json_object_set_new(fx.probe, "sysctl",
                      J("{'kernel.msgmax': '12345', 'kernel.sem': '250\\t32000\\t32\\t128', "
                        "'net.ipv4.ip_forward': '0', 'kernel.shmmni': null}"));
  judge();
  expect_pass("config-linux.sysctl.applied", "\"12345\"");
  expect_pass("config-linux.sysctl.applied", "\"250 32000 32 128\"");
  expect_fail("config-linux.sysctl.applied", "\"0\"");
  expect_fail("config-linux.sysctl.applied", "no such /proc/sys entry");
  json_object_del(fx.probe, "sysctl");
  judge();
  cr_expect_eq(count("config-linux.sysctl.applied", NSC_SKIP), 4);
}

Test(judge, time_offsets_of_a_new_time_namespace)
{
  json_t *lnx = json_object_get(fx.config, "linux");
  json_object_set_new(lnx, "timeOffsets",
                      J("{'monotonic': {'secs': 100}, 'boottime': {'secs': 5, 'nanosecs': 7}}"));
  json_object_set_new(fx.probe, "timens_offsets", J("{'monotonic': [100, 0], 'boottime': [5, 0]}"));
  judge();
  cr_expect_eq(count_all("config-linux.time-offsets.applied"), 0, "no time namespace, no check");
  json_array_append_new(json_object_get(lnx, "namespaces"), J("{'type': 'time'}"));
  judge();
  expect_pass("config-linux.time-offsets.applied", "100 s 0 ns");
  const struct nsc_verdict *v = expect_fail("config-linux.time-offsets.applied", "5 s 0 ns");
  cr_expect_str_eq(v->expected, "boottime offset 5 s 7 ns");
}

Test(judge, personality_domain)
{
  json_t *lnx = json_object_get(fx.config, "linux");
  json_object_set_new(lnx, "personality", J("{'domain': 'LINUX32'}"));
  json_object_set_new(fx.probe, "personality", json_integer(0x0008));
  judge();
  expect_pass("config-linux.personality.domain", "domain 0x8");
  json_object_set_new(fx.probe, "personality", json_integer(0x0400000));
  judge();
  expect_fail("config-linux.personality.domain", "domain 0x0");
  json_object_set_new(lnx, "personality", J("{'domain': 'LINUX'}"));
  judge();
  expect_pass("config-linux.personality.domain", "persona 0x400000");
}

/* ---- the created view ------------------------------------------------------------------ */

Test(judge, created_view_must_have_the_namespaces)
{
  json_object_set_new(json_object_get(fx.created, "ns"), "net", json_string("net:[6]"));
  json_object_set_new(fx.created, "uid_map", J("[]"));
  judge();
  const struct nsc_verdict *v =
      expect_fail("runtime.create.apply-config", "net net:[6] while created, net:[60]");
  cr_expect(strstr(v->actual, "uid_map empty while created"), "%s", v->actual);
}

/* ---- missing views ------------------------------------------------------------------------ */

Test(judge, missing_probe_skips_inside_facts)
{
  json_decref(fx.probe);
  fx.probe = NULL;
  judge();
  expect_skip("config.hostname.applied", "no probe output");
  expect_skip("config.process.cwd-applied", "no probe output");
  expect_skip("config.process.env-applied", "no probe output");
  expect_skip("config-linux.seccomp.errno-ret", "no probe output");
  /* facts /proc shows from outside are still judged there */
  expect_pass("config.user.uid", "100000 100000 100000 100000 (host ids)");
  expect_pass("config-linux.namespaces.path-join", NULL);
  /* a new pid namespace: pid 1 by the innermost NSpid */
  expect_pass("config-linux.namespaces.new", "pid:[12], pid 1");
  /* without NSpid the pid-1 half is unknown: not passed */
  json_object_del(fx.running, "nspid");
  judge();
  expect_skip("config-linux.namespaces.new", "pid not reported");
}

Test(judge, nothing_observed_nothing_passes)
{
  json_decref(fx.probe);
  json_decref(fx.running);
  json_decref(fx.created);
  fx.probe = fx.running = fx.created = NULL;
  judge();
  cr_expect_gt(fx.out.n, 20);
  if (count_kind(NSC_PASS) || count_kind(NSC_FAIL))
    dump();
  cr_expect_eq(count_kind(NSC_PASS), 0);
  cr_expect_eq(count_kind(NSC_FAIL), 0);
  for (size_t i = 0; i < fx.out.n; i++)
    cr_expect(fx.out.v[i].reason && *fx.out.v[i].reason, "%s without a reason",
              fx.out.v[i].requirement);
  expect_skip("config.user.uid", "no probe output; no observation while running");
  expect_skip("runtime.create.apply-config", "no observation while created");
}

Test(judge, missing_self_skips_the_comparisons_with_it)
{
  json_decref(fx.self);
  fx.self = NULL;
  judge();
  cr_expect_eq(count("config-linux.namespaces.absent-inherit", NSC_SKIP), 4);
  cr_expect_eq(count("config-linux.namespaces.new", NSC_SKIP), 3);
  expect_pass("config-linux.namespaces.path-join", NULL);
}

/* ---- ids against the catalog ---------------------------------------------------------------- */

static json_t *load_catalog(void)
{
  char path[PATH_MAX];
  cr_assert_eq(nsc_catalog_default_path(path, sizeof(path)), 0);
  json_error_t e;
  json_t *c = json_load_file(path, 0, &e);
  cr_assert_not_null(c, "%s: %s", path, e.text);
  return c;
}

static bool catalog_has(const json_t *catalog, const char *id)
{
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(catalog, "requirements"), i, r)
  {
    if (strcmp(json_string_value(json_object_get(r, "id")) ?: "", id) == 0)
      return json_object_get(r, "check") == NULL; /* "check": "none" is never checked */
  }
  return false;
}

Test(judge_catalog, every_judge_id_is_in_the_catalog)
{
  json_t *catalog = load_catalog();
  size_t n = 0;
  for (const struct nsc_req_ref *const *p = nsc_req_begin(); p < nsc_req_end(); p++) {
    if (!strstr((*p)->file, "harness/src/judge"))
      continue;
    n++;
    cr_expect(catalog_has(catalog, (*p)->id), "%s:%d: %s is not a checkable catalog entry",
              (*p)->file, (*p)->line, (*p)->id);
  }
  cr_expect_gt(n, 40, "only %zu REQ() uses in the judge", n);
  json_decref(catalog);
}

Test(judge_catalog, every_emitted_id_is_in_the_catalog, .init = setup, .fini = teardown)
{
  json_t *catalog = load_catalog();
  /* the matching case, and a case with every view missing */
  for (int round = 0; round < 2; round++) {
    judge();
    for (size_t i = 0; i < fx.out.n; i++)
      cr_expect(catalog_has(catalog, fx.out.v[i].requirement), "%s", fx.out.v[i].requirement);
    json_decref(fx.probe);
    json_decref(fx.running);
    fx.probe = fx.running = NULL;
  }
  json_decref(catalog);
}

/* ---- scheduler, I/O priority, memory policy ----------------------------------------- */

static void set_sched_config(void)
{
  json_t *proc = json_object_get(fx.config, "process");
  json_object_set_new(proc, "scheduler",
                      J("{'policy': 'SCHED_RR', 'priority': 5, 'flags': "
                        "['SCHED_FLAG_RESET_ON_FORK']}"));
  json_object_set_new(proc, "ioPriority", J("{'class': 'IOPRIO_CLASS_RT', 'priority': 3}"));
  json_object_set_new(json_object_get(fx.config, "linux"), "memoryPolicy",
                      J("{'mode': 'MPOL_INTERLEAVE', 'nodes': '2,0-1', 'flags': "
                        "['MPOL_F_STATIC_NODES']}"));
  json_object_set_new(fx.probe, "sched",
                      J("{'policy': 'SCHED_RR', 'flags': ['SCHED_FLAG_RESET_ON_FORK'], 'nice': 0,"
                        " 'priority': 5, 'runtime': 0, 'deadline': 0, 'period': 0}"));
  json_object_set_new(fx.probe, "ioprio", J("{'class': 'IOPRIO_CLASS_RT', 'priority': 3}"));
  json_object_set_new(fx.probe, "mempolicy",
                      J("{'mode': 'MPOL_INTERLEAVE', 'flags': ['MPOL_F_STATIC_NODES'], "
                        "'nodes': '0-2'}"));
}

Test(judge, scheduler_io_priority_memory_policy_applied)
{
  judge();
  cr_assert_eq(count_all("config.scheduler.applied"), 0, "no scheduler in the config");
  cr_assert_eq(count_all("config.io-priority.applied"), 0);
  cr_assert_eq(count_all("config-linux.memory-policy.applied"), 0);

  set_sched_config();
  judge();
  expect_pass("config.scheduler.applied", "SCHED_RR");
  expect_pass("config.io-priority.applied", "IOPRIO_CLASS_RT level 3");
  expect_pass("config-linux.memory-policy.applied", "nodes \"0-2\"");

  /* Each mismatch fails its own requirement. */
  json_object_set_new(json_object_get(fx.probe, "sched"), "flags", J("[]"));
  json_object_set_new(json_object_get(fx.probe, "ioprio"), "class",
                      json_string("IOPRIO_CLASS_NONE"));
  json_object_set_new(json_object_get(fx.probe, "mempolicy"), "nodes", json_string("0"));
  judge();
  expect_fail("config.scheduler.applied", "SCHED_RR, nice 0 priority 5, no flags");
  expect_fail("config.io-priority.applied", "IOPRIO_CLASS_NONE level 3");
  expect_fail("config-linux.memory-policy.applied", "nodes \"0\"");
}

Test(judge, scheduler_defaults_and_deadline)
{
  set_sched_config();
  /* A runtime that ignored the field: the probe shows the inherited policy. */
  json_object_set_new(fx.probe, "sched",
                      J("{'policy': 'SCHED_OTHER', 'flags': [], 'nice': 0, 'priority': 0,"
                        " 'runtime': 2800000, 'deadline': 0, 'period': 0}"));
  judge();
  expect_fail("config.scheduler.applied", "SCHED_OTHER");

  /* Unset nice is 0; the time slice other policies report is not judged. */
  json_object_set_new(json_object_get(fx.config, "process"), "scheduler",
                      J("{'policy': 'SCHED_OTHER'}"));
  judge();
  expect_pass("config.scheduler.applied", NULL);
  json_object_set_new(json_object_get(fx.probe, "sched"), "nice", json_integer(5));
  judge();
  expect_fail("config.scheduler.applied", "nice 5");

  /* SCHED_DEADLINE: an unset period reads back as the deadline. */
  json_object_set_new(json_object_get(fx.config, "process"), "scheduler",
                      J("{'policy': 'SCHED_DEADLINE', 'runtime': 1000, 'deadline': 5000}"));
  json_object_set_new(fx.probe, "sched",
                      J("{'policy': 'SCHED_DEADLINE', 'flags': [], 'nice': 0, 'priority': 0,"
                        " 'runtime': 1000, 'deadline': 5000, 'period': 5000}"));
  judge();
  expect_pass("config.scheduler.applied", "runtime 1000 deadline 5000 period 5000");
  json_object_set_new(json_object_get(fx.probe, "sched"), "runtime", json_integer(2000));
  judge();
  expect_fail("config.scheduler.applied", "runtime 2000");
}

Test(judge, memory_policy_preferred_without_nodes_is_local)
{
  set_sched_config();
  json_object_set_new(json_object_get(fx.config, "linux"), "memoryPolicy",
                      J("{'mode': 'MPOL_PREFERRED'}"));
  json_object_set_new(fx.probe, "mempolicy", J("{'mode': 'MPOL_LOCAL', 'flags': [], 'nodes': ''}"));
  judge();
  expect_pass("config-linux.memory-policy.applied", "MPOL_LOCAL");
  json_object_set_new(fx.probe, "mempolicy",
                      J("{'mode': 'MPOL_DEFAULT', 'flags': [], 'nodes': ''}"));
  judge();
  expect_fail("config-linux.memory-policy.applied", "MPOL_DEFAULT");
  /* No probe key at all: skipped, with the reason. */
  json_object_del(fx.probe, "mempolicy");
  judge();
  expect_skip("config-linux.memory-policy.applied", "did not report mempolicy");
}

/* ---- linux.devices, id-mapped mounts, remount -------------------------------------- */

static void add_device(const char *entry, const char *stat_entry)
{
  json_t *lnx = json_object_get(fx.config, "linux");
  if (!json_object_get(lnx, "devices"))
    json_object_set_new(lnx, "devices", json_array());
  json_array_append_new(json_object_get(lnx, "devices"), J(entry));
  json_t *st = json_object_get(fx.probe, "stat");
  if (!st) {
    st = json_object();
    json_object_set_new(fx.probe, "stat", st);
  }
  json_t *e = J(entry), *s = J(stat_entry);
  json_object_set_new(st, json_string_value(json_object_get(e, "path")), s);
  json_decref(e);
}

Test(judge, devices_available_with_their_attributes)
{
  add_device("{'path': '/dev/nsc-full', 'type': 'c', 'major': 1, 'minor': 7, 'fileMode': 432,"
             " 'uid': 1000, 'gid': 1001}",
             "{'type': 'c', 'major': 1, 'minor': 7, 'mode': '0660', 'uid': 1000, 'gid': 1001}");
  add_device("{'path': '/dev/nsc/fifo', 'type': 'p'}",
             "{'type': 'p', 'mode': '0666', 'uid': 0, 'gid': 0}");
  add_device("{'path': '/dev/u0', 'type': 'u', 'major': 1, 'minor': 3}",
             "{'type': 'c', 'major': 1, 'minor': 3, 'mode': '0666', 'uid': 65534, 'gid': 65534}");
  judge();
  expect_pass("config-linux.devices.available", "/dev/nsc-full");
  expect_pass("config-linux.devices.attributes",
              "/dev/nsc-full: c 1:7 mode 0660 uid 1000 gid 1001");
  expect_pass("config-linux.devices.available", "/dev/nsc/fifo");
  expect_pass("config-linux.devices.attributes", "/dev/nsc/fifo: p");
  /* u is an unbuffered character device; no owner given: any owner will do */
  expect_pass("config-linux.devices.attributes", "/dev/u0: c 1:3");
  cr_expect_eq(count("config-linux.devices.available", NSC_PASS), 3);
}

Test(judge, devices_wrong_or_missing_fail)
{
  add_device("{'path': '/dev/a', 'type': 'c', 'major': 1, 'minor': 7, 'fileMode': 432}",
             "{'type': 'c', 'major': 1, 'minor': 7, 'mode': '0666', 'uid': 0, 'gid': 0}");
  add_device("{'path': '/dev/b', 'type': 'b', 'major': 7, 'minor': 0}",
             "{'type': 'missing', 'errno': 2}");
  add_device("{'path': '/dev/c', 'type': 'c', 'major': 10, 'minor': 237, 'uid': 5}",
             "{'type': 'c', 'major': 10, 'minor': 200, 'mode': '0660', 'uid': 5, 'gid': 0}");
  add_device("{'path': '/dev/d', 'type': 'p', 'gid': 7}",
             "{'type': 'f', 'mode': '0644', 'uid': 0, 'gid': 7}");
  judge();
  expect_pass("config-linux.devices.available", "/dev/a");
  expect_fail("config-linux.devices.attributes", "mode 0666");
  expect_fail("config-linux.devices.available", "missing (ENOENT)");
  expect_fail("config-linux.devices.attributes", "/dev/b: b 7:0");
  expect_pass("config-linux.devices.available", "/dev/c");
  expect_fail("config-linux.devices.attributes", "c 10:200");
  expect_fail("config-linux.devices.available", "type f");
  /* a probe that did not stat the path: skipped, not guessed */
  json_object_del(fx.probe, "stat");
  judge();
  expect_skip("config-linux.devices.available", "/dev/a");
  cr_expect_eq(count("config-linux.devices.available", NSC_SKIP), 4);
}

/* The bundle (source ".") bound with uid 0 -> 101000, gid 0 -> 102000; the
 * container maps host 100000+ from 0, so the harness's root files show as
 * 1000:2000. */
static void add_idmap_mount(const char *options)
{
  char text[512];
  snprintf(text, sizeof(text),
           "{'destination': '/dev/nsc-idmap', 'type': 'bind', 'source': '.', 'options': %s,"
           " 'uidMappings': [{'containerID': 0, 'hostID': 101000, 'size': 1}],"
           " 'gidMappings': [{'containerID': 0, 'hostID': 102000, 'size': 1}]}",
           options);
  json_array_append_new(json_object_get(fx.config, "mounts"), J(text));
  json_t *m = J("{'mount_point': '/dev/nsc-idmap', 'fstype': 'ext4', 'source': '/dev/vda',"
                " 'options': 'rw,relatime,idmapped'}");
  json_array_append(json_object_get(fx.probe, "mounts"), m);
  json_array_append_new(json_object_get(fx.running, "mounts"), m);
  long long uid = 1000, gid = 2000;
  if (geteuid() != 0)
    uid = gid = 65534; /* on-disk ids other than 0 are unmapped by the mount */
  snprintf(text, sizeof(text),
           "{'/dev/nsc-idmap': {'type': 'd', 'mode': '0755', 'uid': %lld,"
           " 'gid': %lld}}",
           uid, gid);
  json_object_set_new(fx.probe, "stat", J(text));
}

Test(judge, idmapped_mount_with_its_mappings)
{
  add_idmap_mount("['bind', 'idmap']");
  judge();
  expect_pass("config.mount-options.idmap", "idmapped");
  expect_pass("config.mount-options.idmap-mappings", "/dev/nsc-idmap owned by");
  /* not id-mapped at all: the harness's root shows as the overflow id */
  set_mount_options(fx.probe, "/dev/nsc-idmap", "rw,relatime");
  set_mount_options(fx.running, "/dev/nsc-idmap", "rw,relatime");
  json_object_set_new(fx.probe, "stat",
                      J("{'/dev/nsc-idmap': {'type': 'd', 'uid': 65534, 'gid': 65534}}"));
  judge();
  expect_fail("config.mount-options.idmap", "rw,relatime");
  const struct nsc_verdict *v =
      expect_fail("config.mount-options.idmap-mappings", "owner 65534:65534");
  cr_expect(strstr(v->expected, "host 101000:102000") || geteuid() != 0, "%s", v->expected);
}

Test(judge, idmapped_mount_seen_through_the_probes_maps)
{
  /* a probe in the initial user namespace sees the host ids themselves */
  json_object_set_new(fx.probe, "uid_map", J("[[0, 0, 4294967295]]"));
  json_object_set_new(fx.probe, "gid_map", J("[[0, 0, 4294967295]]"));
  add_idmap_mount("['rbind', 'ridmap']");
  json_object_set_new(fx.probe, "stat",
                      J("{'/dev/nsc-idmap': {'type': 'd', 'uid': 101000, 'gid': 102000}}"));
  judge();
  if (geteuid() == 0)
    expect_pass("config.mount-options.idmap-mappings", "owner 101000:102000");
  /* a source whose on-disk owner the harness cannot know is skipped */
  json_t *m = json_array_get(json_object_get(fx.config, "mounts"),
                             json_array_size(json_object_get(fx.config, "mounts")) - 1);
  json_object_set_new(m, "source", json_string("some/dir"));
  judge();
  expect_skip("config.mount-options.idmap-mappings", "some/dir");
}

Test(judge, remount_changes_the_mount_already_there)
{
  json_t *mounts = json_object_get(fx.config, "mounts");
  json_array_append_new(mounts, J("{'destination': '/dev/nsc-remount', 'type': 'bind',"
                                  " 'source': '.', 'options': ['rbind']}"));
  json_array_append_new(mounts, J("{'destination': '/dev/nsc-remount', 'type': 'bind',"
                                  " 'source': '.', 'options': ['remount', 'bind', 'ro']}"));
  json_t *m = J("{'mount_point': '/dev/nsc-remount', 'fstype': 'ext4', 'source': '/dev/vda',"
                " 'options': 'ro,relatime'}");
  json_array_append(json_object_get(fx.probe, "mounts"), m);
  json_array_append_new(json_object_get(fx.running, "mounts"), m);
  judge();
  expect_pass("config.mount-options.remount", "1 mount at /dev/nsc-remount, the top one ro");
  /* a runtime that mounts anew stacks a second mount */
  json_array_append_new(json_object_get(fx.probe, "mounts"),
                        J("{'mount_point': '/dev/nsc-remount', 'fstype': 'ext4', 'source': "
                          "'/dev/vda', 'options': 'ro,relatime'}"));
  judge();
  const struct nsc_verdict *v =
      expect_fail("config.mount-options.remount", "2 mounts at /dev/nsc-remount");
  cr_expect_str_eq(v->expected, "1 mount at /dev/nsc-remount (none added), the top one ro");
  /* one that ignores the remount leaves the mount writable */
  drop_mount(fx.probe, "/dev/nsc-remount");
  drop_mount(fx.running, "/dev/nsc-remount");
  json_array_append_new(json_object_get(fx.probe, "mounts"),
                        J("{'mount_point': '/dev/nsc-remount', 'fstype': 'ext4', 'source': "
                          "'/dev/vda', 'options': 'rw,relatime'}"));
  judge();
  expect_fail("config.mount-options.remount", "the top one rw,relatime");
}

Test(judge, remount_without_an_earlier_mount_is_skipped)
{
  json_array_append_new(json_object_get(fx.config, "mounts"),
                        J("{'destination': '/mnt', 'type': 'bind', 'source': '.', 'options': "
                          "['remount', 'bind', 'ro']}"));
  judge();
  expect_skip("config.mount-options.remount", "no earlier mounts entry at /mnt");
}
