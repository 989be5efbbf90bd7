/* Stage probes without a runtime: the cases and their plans, the
 * expectations derived from known configs, and the checks of each boundary
 * on canned /proc text (a good view passes; each deviation fails the
 * requirement it belongs to). */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
/* harness/src by path: runtime-core has a stages.h of its own */
#include "../../harness/src/stages.h"

/* ---- helpers -------------------------------------------------------------- */

static struct nsc_case *cases;
static size_t n_cases;
static char tmp_root[PATH_MAX];

static void setup(void)
{
  n_cases = nsc_stage_cases(&cases);
  snprintf(tmp_root, sizeof(tmp_root), "/tmp/nsc-stages-XXXXXX");
  cr_assert_not_null(mkdtemp(tmp_root));
  char path[PATH_MAX + 8];
  snprintf(path, sizeof(path), "%s/bin", tmp_root);
  cr_assert_eq(mkdir(path, 0755), 0);
}

static void teardown(void)
{
  for (size_t i = 0; i < n_cases; i++)
    nsc_case_free(&cases[i]);
  free(cases);
  char path[PATH_MAX + 8];
  snprintf(path, sizeof(path), "%s/bin", tmp_root);
  rmdir(path);
  rmdir(tmp_root);
}

TestSuite(stages, .init = setup, .fini = teardown);

static json_t *case_config(const char *prefix)
{
  for (size_t i = 0; i < n_cases; i++)
    if (!strncmp(cases[i].id, prefix, strlen(prefix))) {
      json_t *c = json_deep_copy(cases[i].config);
      json_object_set_new(json_object_get(c, "root"), "path", json_string(tmp_root));
      return c;
    }
  cr_assert_fail("no case %s", prefix);
  return NULL;
}

/* The harness's own view: root with CAP_SETGID, the initial namespaces. */
static json_t *self_view(const char *cap_eff)
{
  return json_pack("{s:{s:s}, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}", "caps",
                   "effective", cap_eff, "ns", "user", "user:[4026531837]", "pid",
                   "pid:[4026531836]", "pid_for_children", "pid:[4026531836]", "mnt",
                   "mnt:[4026531832]", "uts", "uts:[4026531838]", "ipc", "ipc:[4026531839]", "net",
                   "net:[4026531833]", "cgroup", "cgroup:[4026531835]", "time", "time:[4026531834]",
                   "time_for_children", "time:[4026531834]");
}

static void expect_of(const char *prefix, const json_t *targets, struct nsc_stage_expect *e)
{
  json_t *cfg = case_config(prefix);
  json_t *self = self_view("0x000001fffeffffff");
  struct nsrt_err err;
  cr_assert_eq(nsc_stage_expect_from(cfg, self, targets, e, &err), 0, "%s", err.text);
  json_decref(cfg);
  json_decref(self);
}

static size_t count(const struct nsc_verdicts *vs, const char *req, enum nsc_verdict_kind k)
{
  size_t n = 0;
  for (size_t i = 0; i < vs->n; i++)
    n += (!req || !strcmp(vs->v[i].requirement, req)) && vs->v[i].verdict == k;
  return n;
}

static void dump(const struct nsc_verdicts *vs)
{
  for (size_t i = 0; i < vs->n; i++)
    if (vs->v[i].verdict == NSC_FAIL)
      cr_log_error("%s: expected %s, actual %s", vs->v[i].requirement, vs->v[i].expected,
                   vs->v[i].actual);
}

static void set_text(char **field, const char *text)
{
  free(*field);
  *field = text ? strdup(text) : NULL;
}

static void set_link(struct nsc_stage_proc *p, enum nsc_stage_link l, const char *target)
{
  snprintf(p->ns[l], sizeof(p->ns[l]), "%s", target);
}

static const char limits_txt[] =
    "Limit                     Soft Limit           Hard Limit           Units     \n"
    "Max cpu time              unlimited            unlimited            seconds   \n"
    "Max processes             1024                 2048                 processes \n"
    "Max open files            256                  512                  files     \n"
    "Max locked memory         8388608              8388608              bytes     \n";

/* The intermediate of s001 as /proc shows it at its user boundary. */
static void user_view(struct nsc_stage_proc *p)
{
  memset(p, 0, sizeof(*p));
  p->pid = 4242;
  snprintf(p->comm, sizeof(p->comm), "nsrt:[1:INTER]");
  set_text(&p->status,
           "Name:\tnsrt:[1:INTER]\nState:\tT (stopped)\nTgid:\t4242\nPid:\t4242\n"
           "Uid:\t100000\t100000\t100000\t100000\nGid:\t100000\t100000\t100000\t100000\n"
           "Groups:\t\nNSpid:\t4242\nNoNewPrivs:\t0\nSeccomp:\t0\n");
  set_text(&p->uid_map, "         0     100000      65536\n");
  set_text(&p->gid_map, "         0     100000      65536\n");
  set_text(&p->setgroups, "allow\n");
  set_text(&p->limits, limits_txt);
  set_link(p, NSC_LINK_USER, "user:[4026532500]");
  set_link(p, NSC_LINK_PID, "pid:[4026531836]");
  set_link(p, NSC_LINK_PID_FC, "pid:[4026531836]");
  set_link(p, NSC_LINK_MNT, "mnt:[4026531832]");
  set_link(p, NSC_LINK_UTS, "uts:[4026531838]");
  set_link(p, NSC_LINK_IPC, "ipc:[4026531839]");
  set_link(p, NSC_LINK_NET, "net:[4026531833]");
  set_link(p, NSC_LINK_CGROUP, "cgroup:[4026531835]");
  set_link(p, NSC_LINK_TIME, "time:[4026531834]");
  set_link(p, NSC_LINK_TIME_FC, "time:[4026531834]");
  p->owner_known = true; /* not dumpable: owned by root */
}

/* ---- cases and plans ------------------------------------------------------ */

Test(stages, cases_and_plans)
{
  cr_assert_geq(n_cases, 3);
  for (size_t i = 0; i < n_cases; i++) {
    struct nsc_case *c = &cases[i];
    char want[8];
    snprintf(want, sizeof(want), "s%03zu-", i + 1);
    cr_expect_eq(strncmp(c->id, want, 5), 0, "id %s", c->id);
    cr_expect_eq(c->kind, NSC_CASE_STAGE);
    cr_expect(json_is_object(c->config), "%s: config", c->id);
    cr_expect_str_eq(json_string_value(json_object_get(c->fault, "kind")), "failpoint");
    struct nsc_stage_points pts;
    nsc_stage_points(c->config, &pts);
    const json_t *steps = json_object_get(c->fault, "steps");
    size_t want_steps = pts.user ? 3 : 2;
    cr_expect_eq(json_array_size(steps), want_steps, "%s: %zu steps", c->id,
                 json_array_size(steps));
    size_t k;
    const json_t *s;
    json_array_foreach(steps, k, s)
    {
      cr_expect_str_eq(json_string_value(json_object_get(s, "action")), "pause");
      cr_expect_eq(json_integer_value(json_object_get(s, "times")), 1);
    }
    cr_expect_str_eq(
        json_string_value(json_object_get(json_array_get(steps, want_steps - 1), "point")),
        "init.execve");
    cr_expect_gt(json_integer_value(json_object_get(c->fault, "sync_timeout_ms")), 10000,
                 "the peers must outwait an inspection");
    /* the probe named by the case is the one its args ask for */
    if (c->probe_syscall) {
      char *args =
          json_dumps(json_object_get(json_object_get(c->config, "process"), "args"), JSON_COMPACT);
      cr_expect(args && strstr(args, c->probe_syscall), "%s: args %s", c->id, args);
      free(args);
    }
  }
}

Test(stages, points_follow_the_config)
{
  struct nsc_stage_points pts;
  json_t *cfg = json_pack("{s:{s:[{s:s},{s:s},{s:s}]}}", "linux", "namespaces", "type", "user",
                          "type", "pid", "type", "time");
  nsc_stage_points(cfg, &pts);
  cr_expect_str_eq(pts.user, "intermediate.user_ready");
  cr_expect_str_eq(pts.pidns, "intermediate.clone_init");
  cr_expect_str_eq(pts.init, "init.execve");
  json_decref(cfg);
  /* a joined user namespace is not set up by the runtime: no user boundary */
  cfg = json_pack("{s:{s:[{s:s, s:s},{s:s}]}}", "linux", "namespaces", "type", "user", "path",
                  "/proc/1/ns/user", "type", "pid");
  nsc_stage_points(cfg, &pts);
  cr_expect_null(pts.user);
  cr_expect_str_eq(pts.pidns, "intermediate.clone_init");
  json_decref(cfg);
}

/* ---- expectations --------------------------------------------------------- */

Test(stages, expect_userns_user)
{
  struct nsc_stage_expect e;
  expect_of("s001", NULL, &e);
  cr_expect_eq(e.ns[NS_USER], NSC_STAGE_NS_NEW);
  cr_expect_eq(e.ns[NS_TIME], NSC_STAGE_NS_ABSENT);
  cr_expect_eq(e.n_uid_map, 1);
  cr_expect_eq(e.uid_map[0].outside, 100000);
  cr_expect_eq(e.uid_map[0].count, 65536);
  cr_expect_str_eq(e.setgroups, "allow");
  cr_expect_eq(e.inter_uid, 100000, "root is mapped: the intermediate is its root");
  cr_expect_eq(e.inter_gid, 100000);
  cr_expect_eq(e.uid, 101000);
  cr_expect_eq(e.gid, 101000);
  cr_expect_eq(e.n_groups, 2);
  cr_expect_eq(e.groups[0], 100010);
  cr_expect_eq(e.groups[1], 100020);
  cr_expect(e.have_caps);
  cr_expect_eq(e.caps[0], (1u << 5) | (1u << 10)); /* CAP_KILL, CAP_NET_BIND_SERVICE */
  cr_expect_eq(e.caps[1], (1u << 0) | (1u << 5) | (1u << 10));
  cr_expect_eq(e.caps[2], 1u << 10);
  cr_expect_eq(e.caps[4], 1u << 10);
  cr_expect(e.ambient_raisable);
  cr_expect(e.nnp);
  cr_expect(e.seccomp);
  cr_expect_eq(e.n_rlimits, 2);
  cr_expect_eq(e.rlimits[0].resource, RLIMIT_NOFILE);
  cr_expect_eq(e.rlimits[0].soft, 256);
  cr_expect_eq(e.rlimits[0].hard, 512);
  cr_expect(e.root_known);
  cr_expect(e.cwd_known, "cwd /bin exists in the root: %s", e.cwd_skip);
  cr_expect_str_eq(e.self[NSC_LINK_NET], "net:[4026531833]");
  bool dev_null = false, kcore = false, proc = false;
  for (size_t i = 0; i < e.n_mount_ok; i++) {
    dev_null = dev_null || !strcmp(e.mount_ok[i].path, "/dev/null");
    kcore = kcore || !strcmp(e.mount_ok[i].path, "/proc/kcore");
    proc = proc || !strcmp(e.mount_ok[i].path, "/proc");
  }
  cr_expect(dev_null && kcore && proc);
}

Test(stages, expect_setgroups_without_setgid)
{
  json_t *cfg = case_config("s001");
  json_t *self = self_view("0x0000000000000000");
  struct nsc_stage_expect e;
  struct nsrt_err err;
  cr_assert_eq(nsc_stage_expect_from(cfg, self, NULL, &e, &err), 0);
  cr_expect_null(e.setgroups, "a writer without CAP_SETGID may leave either");
  json_decref(cfg);
  json_decref(self);
}

Test(stages, expect_several_ranges_and_time)
{
  struct nsc_stage_expect e;
  expect_of("s002", NULL, &e);
  cr_expect_eq(e.n_uid_map, 2);
  cr_expect_eq(e.inter_uid, 200000);
  cr_expect_eq(e.uid, 200000);
  cr_expect_eq(e.ns[NS_TIME], NSC_STAGE_NS_NEW);
  cr_expect(e.time_offsets);
  cr_expect_eq(e.mono_s, 86400);
  cr_expect_eq(e.boot_s, 7200);
  cr_expect_eq(e.boot_ns, 500000000);
  cr_expect(!e.nnp);
  cr_expect(!e.seccomp);
}

Test(stages, expect_root_unmapped)
{
  /* no container root: the intermediate takes process.user's ids */
  json_t *cfg = json_pack(
      "{s:{s:s}, s:{s:s, s:{s:i, s:i}}, s:{s:[{s:s}], s:[{s:i, s:i, s:i}], s:[{s:i, s:i, s:i}]}}",
      "root", "path", "/nonexistent", "process", "cwd", "/", "user", "uid", 1000, "gid", 1000,
      "linux", "namespaces", "type", "user", "uidMappings", "containerID", 1000, "hostID", 5000,
      "size", 1, "gidMappings", "containerID", 1000, "hostID", 6000, "size", 1);
  struct nsc_stage_expect e;
  struct nsrt_err err;
  cr_assert_eq(nsc_stage_expect_from(cfg, NULL, NULL, &e, &err), 0);
  cr_expect_eq(e.inter_uid, 5000);
  cr_expect_eq(e.inter_gid, 6000);
  cr_expect(!e.root_known);
  cr_expect(!e.cwd_known);
  json_decref(cfg);
}

Test(stages, expect_joined)
{
  json_t *targets = json_pack("{s:s}", "network", "net:[4026539999]");
  struct nsc_stage_expect e;
  expect_of("s003", targets, &e);
  cr_expect_eq(e.ns[NS_USER], NSC_STAGE_NS_ABSENT);
  cr_expect_eq(e.ns[NS_NET], NSC_STAGE_NS_JOIN);
  cr_expect_str_eq(e.target[NS_NET], "net:[4026539999]");
  cr_expect_eq(e.uid, 0, "no user namespace: ids are the host's");
  cr_expect_eq(e.groups[0], 5);
  json_decref(targets);
}

Test(stages, expect_rejects_unknown_rlimit)
{
  json_t *cfg = json_pack("{s:{s:[{s:s, s:i, s:i}]}}", "process", "rlimits", "type",
                          "RLIMIT_BANANA", "soft", 1, "hard", 1);
  struct nsc_stage_expect e;
  struct nsrt_err err;
  cr_expect_eq(nsc_stage_expect_from(cfg, NULL, NULL, &e, &err), -1);
  json_decref(cfg);
}

/* ---- the user boundary ---------------------------------------------------- */

Test(stages, user_boundary_good_view_passes)
{
  struct nsc_stage_expect e;
  expect_of("s001", NULL, &e);
  struct nsc_stage_proc p;
  user_view(&p);
  struct nsc_verdicts vs = {0};
  nsc_stage_check_user(&e, &p, &vs);
  dump(&vs);
  cr_expect_eq(count(&vs, NULL, NSC_FAIL), 0);
  cr_expect_eq(count(&vs, "config-linux.user-namespace-mappings.uid-applied", NSC_PASS), 1);
  cr_expect_eq(count(&vs, "robust.stage.userns-root", NSC_PASS), 2);
  cr_expect_eq(count(&vs, "robust.stage.rlimits-early", NSC_PASS), 1);
  cr_expect_eq(count(&vs, "robust.stage.not-dumpable", NSC_PASS), 1);
  cr_expect_eq(count(&vs, "robust.stage.setgroups", NSC_PASS), 1);
  cr_expect_eq(count(&vs, "robust.stage.ns-order", NSC_PASS), 2);
  nsc_verdicts_free(&vs);
  nsc_stage_proc_free(&p);
}

struct deviation {
  const char *what, *req;
  void (*apply)(struct nsc_stage_proc *p);
};

static void wrong_map(struct nsc_stage_proc *p)
{
  set_text(&p->uid_map, "0 100000 1000\n");
}
static void no_map(struct nsc_stage_proc *p)
{
  set_text(&p->gid_map, "");
}
static void denied(struct nsc_stage_proc *p)
{
  set_text(&p->setgroups, "deny\n");
}
static void host_root(struct nsc_stage_proc *p)
{
  set_text(&p->status, "Uid:\t0\t0\t0\t0\nGid:\t100000\t100000\t100000\t100000\nNSpid:\t4242\n");
}
static void late_rlimits(struct nsc_stage_proc *p)
{
  set_text(&p->limits, "Max processes             96365                96365                "
                       "processes \nMax open files            20000                20000       "
                       "         files     \n");
}
static void dumpable(struct nsc_stage_proc *p)
{
  p->owner_uid = 100000;
  p->owner_gid = 100000;
}
static void mount_early(struct nsc_stage_proc *p)
{
  set_link(p, NSC_LINK_MNT, "mnt:[4026532999]");
}
static void user_shared(struct nsc_stage_proc *p)
{
  set_link(p, NSC_LINK_USER, "user:[4026531837]");
}
static void in_child_pidns(struct nsc_stage_proc *p)
{
  set_text(&p->status,
           "Uid:\t100000\t100000\t100000\t100000\nGid:\t100000\t100000\t100000\t100000\n"
           "NSpid:\t4242\t1\n");
}

Test(stages, user_boundary_deviations_fail)
{
  static const struct deviation devs[] = {
      {"a uid_map other than the config's", "config-linux.user-namespace-mappings.uid-applied",
       wrong_map},
      {"an empty gid_map", "config-linux.user-namespace-mappings.gid-applied", no_map},
      {"setgroups denied with additionalGids to apply", "robust.stage.setgroups", denied},
      {"still host root", "robust.stage.userns-root", host_root},
      {"rlimits not yet applied", "robust.stage.rlimits-early", late_rlimits},
      {"dumpable", "robust.stage.not-dumpable", dumpable},
      {"a mount namespace already made", "robust.stage.ns-order", mount_early},
      {"the user namespace not new", "config-linux.namespaces.new", user_shared},
      {"moved into a pid namespace itself", "robust.stage.ns-order", in_child_pidns},
  };
  struct nsc_stage_expect e;
  expect_of("s001", NULL, &e);
  for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
    struct nsc_stage_proc p;
    user_view(&p);
    devs[i].apply(&p);
    struct nsc_verdicts vs = {0};
    nsc_stage_check_user(&e, &p, &vs);
    cr_expect_geq(count(&vs, devs[i].req, NSC_FAIL), 1, "%s: no FAIL of %s", devs[i].what,
                  devs[i].req);
    nsc_verdicts_free(&vs);
    nsc_stage_proc_free(&p);
  }
}

Test(stages, dumpable_unobservable_for_host_root_is_skip)
{
  json_t *cfg = case_config("s001");
  json_t *lx = json_object_get(cfg, "linux");
  json_object_set_new(lx, "uidMappings",
                      json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 0, "size", 65536));
  json_t *self = self_view("0x000001fffeffffff");
  struct nsc_stage_expect e;
  struct nsrt_err err;
  cr_assert_eq(nsc_stage_expect_from(cfg, self, NULL, &e, &err), 0);
  struct nsc_stage_proc p;
  user_view(&p);
  set_text(&p.uid_map, "0 0 65536\n");
  set_text(&p.status, "Uid:\t0\t0\t0\t0\nGid:\t100000\t100000\t100000\t100000\nNSpid:\t4242\n");
  struct nsc_verdicts vs = {0};
  nsc_stage_check_user(&e, &p, &vs);
  cr_expect_eq(count(&vs, "robust.stage.not-dumpable", NSC_SKIP), 1);
  cr_expect_eq(count(&vs, "robust.stage.not-dumpable", NSC_PASS), 0);
  nsc_verdicts_free(&vs);
  nsc_stage_proc_free(&p);
  json_decref(cfg);
  json_decref(self);
}

/* ---- the pid/time boundary ------------------------------------------------ */

Test(stages, pidns_boundary)
{
  struct nsc_stage_expect e;
  expect_of("s002", NULL, &e);
  struct nsc_stage_proc p;
  user_view(&p);
  /* a new pid namespace without a process has no pid_for_children link */
  set_link(&p, NSC_LINK_PID_FC, "");
  set_link(&p, NSC_LINK_TIME_FC, "time:[4026532777]");
  set_text(&p.timens_offsets, "monotonic      86400         0\nboottime        7200 500000000\n");
  struct nsc_verdicts vs = {0};
  nsc_stage_check_pidns(&e, &p, &vs);
  dump(&vs);
  cr_expect_eq(count(&vs, NULL, NSC_FAIL), 0);
  cr_expect_eq(count(&vs, "config-linux.namespaces.new", NSC_PASS), 2);
  cr_expect_eq(count(&vs, "config-linux.time-offsets.applied", NSC_PASS), 1);
  nsc_verdicts_free(&vs);

  /* no new pid namespace for the children; wrong offsets; moved itself */
  set_link(&p, NSC_LINK_PID_FC, "pid:[4026531836]");
  set_text(&p.timens_offsets, "monotonic 0 0\nboottime 0 0\n");
  set_link(&p, NSC_LINK_TIME, "time:[4026532777]");
  nsc_stage_check_pidns(&e, &p, &vs);
  cr_expect_eq(count(&vs, "config-linux.namespaces.new", NSC_FAIL), 1);
  cr_expect_eq(count(&vs, "config-linux.time-offsets.applied", NSC_FAIL), 1);
  cr_expect_eq(count(&vs, "robust.stage.ns-order", NSC_FAIL), 1);
  nsc_verdicts_free(&vs);
  nsc_stage_proc_free(&p);
}

/* ---- the init before execve ----------------------------------------------- */

static const char mountinfo_txt[] =
    "500 400 254:0 /work/main/build/rootfs / ro,relatime master:1 - ext4 /dev/vda1 rw\n"
    "501 500 0:60 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
    "502 500 0:61 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
    "503 502 0:62 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw\n"
    "504 500 0:63 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
    "505 502 0:5 /null /dev/null rw,nosuid - devtmpfs udev rw\n"
    "506 501 0:5 /null /proc/kcore ro - devtmpfs udev rw\n"
    "507 501 0:60 /sys /proc/sys ro,relatime - proc proc rw\n";

static void init_view(struct nsc_stage_proc *p, const struct nsc_stage_expect *e)
{
  user_view(p);
  p->pid = 4300;
  snprintf(p->comm, sizeof(p->comm), "nsrt:[2:INIT]");
  set_text(&p->status,
           "Name:\tnsrt:[2:INIT]\nState:\tT (stopped)\n"
           "Uid:\t101000\t101000\t101000\t101000\nGid:\t101000\t101000\t101000\t101000\n"
           "Groups:\t100010 100020 \nNSpid:\t4300\t1\n"
           "CapInh:\t0000000000000400\nCapPrm:\t0000000000000421\n"
           "CapEff:\t0000000000000420\nCapBnd:\t0000000000000421\n"
           "CapAmb:\t0000000000000400\nNoNewPrivs:\t1\nSeccomp:\t2\n"
           "Seccomp_filters:\t1\n");
  set_link(p, NSC_LINK_PID, "pid:[4026532600]");
  set_link(p, NSC_LINK_PID_FC, "pid:[4026532600]");
  set_link(p, NSC_LINK_MNT, "mnt:[4026532601]");
  set_link(p, NSC_LINK_UTS, "uts:[4026532602]");
  set_link(p, NSC_LINK_IPC, "ipc:[4026532603]");
  set_link(p, NSC_LINK_NET, "net:[4026532604]");
  set_link(p, NSC_LINK_CGROUP, "cgroup:[4026532605]");
  set_text(&p->mountinfo, mountinfo_txt);
  p->root_known = p->cwd_known = true;
  p->root_dev = e->root_dev;
  p->root_ino = e->root_ino;
  p->cwd_dev = e->cwd_dev;
  p->cwd_ino = e->cwd_ino;
  static const struct {
    int fd;
    const char *target, *flags;
  } fds[] = {{0, "/dev/null", "0100000"},
             {1, "/work/out", "0100001"},
             {2, "/work/err", "0100001"},
             {4, "socket:[123]", "02000002"},
             {7, "/tmp/fp.log", "02102001"}};
  p->n_fds = sizeof(fds) / sizeof(fds[0]);
  p->fds = calloc(p->n_fds, sizeof(*p->fds));
  for (size_t i = 0; i < p->n_fds; i++) {
    p->fds[i].fd = fds[i].fd;
    snprintf(p->fds[i].target, sizeof(p->fds[i].target), "%s", fds[i].target);
    char info[128];
    snprintf(info, sizeof(info), "pos:\t0\nflags:\t%s\nmnt_id:\t15\nino:\t1\n", fds[i].flags);
    p->fds[i].fdinfo = strdup(info);
  }
}

Test(stages, init_boundary_good_view_passes)
{
  struct nsc_stage_expect e;
  expect_of("s001", NULL, &e);
  struct nsc_stage_proc p;
  init_view(&p, &e);
  struct nsc_verdicts vs = {0};
  nsc_stage_check_init(&e, &p, &vs);
  dump(&vs);
  cr_expect_eq(count(&vs, NULL, NSC_FAIL), 0);
  static const char *const reqs[] = {
      "config-linux.namespaces.new",
      "config-linux.namespaces.absent-inherit",
      "config.user.uid",
      "config.user.gid",
      "config.user.additional-gids",
      "config.capabilities.effective",
      "config.capabilities.permitted",
      "config.capabilities.inheritable",
      "config.capabilities.bounding",
      "config.capabilities.ambient",
      "config.linux-process.no-new-privileges",
      "config-linux.seccomp.installed",
      "runtime-linux.file-descriptors.default",
      "config.process.cwd-applied",
      "robust.stage.root",
      "robust.stage.no-host-mounts",
      "robust.stage.not-dumpable",
  };
  for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
    cr_expect_geq(count(&vs, reqs[i], NSC_PASS), 1, "no PASS of %s", reqs[i]);
  nsc_verdicts_free(&vs);
  nsc_stage_proc_free(&p);
}

static void leaked_fd(struct nsc_stage_proc *p)
{
  free(p->fds[3].fdinfo);
  p->fds[3].fdinfo = strdup("pos:\t0\nflags:\t02\nmnt_id:\t8\n"); /* no O_CLOEXEC */
}
static void host_mount(struct nsc_stage_proc *p)
{
  char *m = malloc(sizeof(mountinfo_txt) + 200);
  snprintf(m, sizeof(mountinfo_txt) + 200, "%s%s", mountinfo_txt,
           "508 504 0:30 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
  free(p->mountinfo);
  p->mountinfo = m;
}
static void escaped_host_mount(struct nsc_stage_proc *p)
{
  char *m = malloc(sizeof(mountinfo_txt) + 200);
  snprintf(m, sizeof(mountinfo_txt) + 200, "%s%s", mountinfo_txt,
           "508 500 254:0 /work /work\\040dir rw - ext4 /dev/vda1 rw\n");
  free(p->mountinfo);
  p->mountinfo = m;
}
static void wrong_caps(struct nsc_stage_proc *p)
{
  char *s = p->status;
  char *eff = strstr(s, "CapEff:\t0000000000000420");
  memcpy(eff + strlen("CapEff:\t"), "00000000000004a0", 16); /* CAP_SETGID too */
}
static void no_nnp(struct nsc_stage_proc *p)
{
  char *nnp = strstr(p->status, "NoNewPrivs:\t1");
  nnp[strlen("NoNewPrivs:\t")] = '0';
}
static void no_seccomp(struct nsc_stage_proc *p)
{
  char *sc = strstr(p->status, "Seccomp:\t2");
  sc[strlen("Seccomp:\t")] = '0';
}
static void no_groups(struct nsc_stage_proc *p)
{
  char *g = strstr(p->status, "Groups:\t100010 100020 ");
  memcpy(g + strlen("Groups:\t"), "100010       ", 13);
}
static void other_root(struct nsc_stage_proc *p)
{
  p->root_ino++;
}
static void other_cwd(struct nsc_stage_proc *p)
{
  p->cwd_ino++;
}
static void host_uts(struct nsc_stage_proc *p)
{
  set_link(p, NSC_LINK_UTS, "uts:[4026531838]");
}
static void host_time(struct nsc_stage_proc *p)
{
  set_link(p, NSC_LINK_TIME, "time:[4026532700]");
}
static void init_dumpable(struct nsc_stage_proc *p)
{
  p->owner_uid = 101000;
}

Test(stages, init_boundary_deviations_fail)
{
  static const struct deviation devs[] = {
      {"an fd without FD_CLOEXEC", "runtime-linux.file-descriptors.default", leaked_fd},
      {"the host's cgroup2 mount", "robust.stage.no-host-mounts", host_mount},
      {"an escaped host path", "robust.stage.no-host-mounts", escaped_host_mount},
      {"an extra effective capability", "config.capabilities.effective", wrong_caps},
      {"NoNewPrivs not set", "config.linux-process.no-new-privileges", no_nnp},
      {"no seccomp filter", "config-linux.seccomp.installed", no_seccomp},
      {"an additional gid missing", "config.user.additional-gids", no_groups},
      {"another root", "robust.stage.root", other_root},
      {"another cwd", "config.process.cwd-applied", other_cwd},
      {"the host's uts namespace", "config-linux.namespaces.new", host_uts},
      {"a time namespace not asked for", "config-linux.namespaces.absent-inherit", host_time},
      {"dumpable before exec", "robust.stage.not-dumpable", init_dumpable},
  };
  struct nsc_stage_expect e;
  expect_of("s001", NULL, &e);
  for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
    struct nsc_stage_proc p;
    init_view(&p, &e);
    devs[i].apply(&p);
    struct nsc_verdicts vs = {0};
    nsc_stage_check_init(&e, &p, &vs);
    cr_expect_geq(count(&vs, devs[i].req, NSC_FAIL), 1, "%s: no FAIL of %s", devs[i].what,
                  devs[i].req);
    cr_expect_eq(count(&vs, NULL, NSC_FAIL), count(&vs, devs[i].req, NSC_FAIL),
                 "%s: other requirements failed too", devs[i].what);
    nsc_verdicts_free(&vs);
    nsc_stage_proc_free(&p);
  }
}

Test(stages, joined_namespaces_at_init)
{
  json_t *targets = json_pack("{s:s, s:s, s:s}", "network", "net:[4026539001]", "ipc",
                              "ipc:[4026539002]", "uts", "uts:[4026539003]");
  struct nsc_stage_expect e;
  expect_of("s003", targets, &e);
  struct nsc_stage_proc p;
  init_view(&p, &e);
  set_link(&p, NSC_LINK_USER, "user:[4026531837]");
  set_link(&p, NSC_LINK_CGROUP, "cgroup:[4026531835]");
  set_link(&p, NSC_LINK_NET, "net:[4026539001]");
  set_link(&p, NSC_LINK_IPC, "ipc:[4026539002]");
  set_link(&p, NSC_LINK_UTS, "uts:[4026539099]"); /* not the target */
  struct nsc_verdicts vs = {0};
  nsc_stage_check_init(&e, &p, &vs);
  cr_expect_eq(count(&vs, "config-linux.namespaces.path-join", NSC_PASS), 2);
  cr_expect_eq(count(&vs, "config-linux.namespaces.path-join", NSC_FAIL), 1);
  cr_expect_eq(count(&vs, "config-linux.namespaces.absent-inherit", NSC_FAIL), 0);
  nsc_verdicts_free(&vs);
  nsc_stage_proc_free(&p);
  json_decref(targets);
}

/* ---- /proc as read -------------------------------------------------------- */

Test(stages, proc_read_of_self)
{
  /* our own process: status, links, fds with their fdinfo */
  int fd = open("/dev/null", O_RDONLY); /* without O_CLOEXEC on purpose */
  cr_assert_geq(fd, 0);
  struct nsc_stage_proc p;
  struct nsrt_err err;
  cr_assert_eq(nsc_stage_proc_read(getpid(), &p, &err), 0, "%s", err.text);
  cr_expect_not_null(p.status);
  cr_expect_not_null(p.mountinfo);
  cr_expect(p.owner_known && p.root_known && p.cwd_known);
  cr_expect(strncmp(p.ns[NSC_LINK_USER], "user:[", 6) == 0);
  bool found = false;
  for (size_t i = 0; i < p.n_fds; i++)
    if (p.fds[i].fd == fd) {
      found = true;
      cr_expect_str_eq(p.fds[i].target, "/dev/null");
      cr_expect_not_null(p.fds[i].fdinfo);
    }
  cr_expect(found);
  nsc_stage_proc_free(&p);
  close(fd);
  cr_expect_eq(nsc_stage_proc_read(999999999, &p, &err), -1);
}
