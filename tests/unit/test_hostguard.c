/* The host-integrity guard on files of its own: a temp directory's regular
 * files and fifos stand in for device nodes (no host node is changed), the
 * names are changed in a uts namespace of the test's own process, the umask
 * and rlimits are the test process's. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "driver_int.h"
#include "hostguard.h"
#include "nsconform.h"

static char dir[64];

static void setup(void)
{
  snprintf(dir, sizeof(dir), "/tmp/nsc-hostguard-XXXXXX");
  cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

static void teardown(void)
{
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (dir[0] && system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
}

TestSuite(hostguard, .init = setup, .fini = teardown);

static void path_in(char *buf, size_t len, const char *name)
{
  snprintf(buf, len, "%s/%s", dir, name);
}

static void make_file(const char *path, mode_t mode)
{
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f, "create %s: %s", path, strerror(errno));
  fclose(f);
  cr_assert_eq(chmod(path, mode), 0);
}

static size_t count(char **v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

static void assert_owner(const char *path, uid_t uid, gid_t gid, mode_t perm)
{
  struct stat st;
  cr_assert_eq(lstat(path, &st), 0, "lstat %s: %s", path, strerror(errno));
  cr_assert_eq(st.st_uid, uid, "%s uid %u, expected %u", path, st.st_uid, uid);
  cr_assert_eq(st.st_gid, gid, "%s gid %u, expected %u", path, st.st_gid, gid);
  cr_assert_eq(st.st_mode & 07777, perm, "%s mode 0%o, expected 0%o", path, st.st_mode & 07777,
               perm);
}

/* A fresh guard on the one node at path. */
static void guard_node(struct nsc_hostguard *g, const char *path)
{
  nsc_hostguard_init(g);
  cr_assert_eq(nsc_hostguard_add_node(g, path), 0, "add %s", path);
}

/* Check the guard (restoring when restore): it must report exactly one
 * change, the line "<path> <what>". */
static void assert_one_change(struct nsc_hostguard *g, bool restore, const char *path,
                              const char *what)
{
  char want[256];
  snprintf(want, sizeof(want), "%s %s", path, what);
  char **c = nsc_hostguard_check(g, restore);
  cr_assert_eq(count(c), 1, "%zu changes reported, expected only: %s", count(c), want);
  cr_assert_str_eq(c[0], want);
  nsc_hostguard_free(c);
}

Test(hostguard, unchanged_reports_nothing)
{
  char a[128], b[128];
  path_in(a, sizeof(a), "null");
  path_in(b, sizeof(b), "absent");
  make_file(a, 0666);
  struct nsc_hostguard g;
  nsc_hostguard_init(&g);
  cr_assert_eq(nsc_hostguard_add_node(&g, a), 0);
  cr_assert_eq(nsc_hostguard_add_node(&g, b), 0);
  cr_assert_eq(nsc_hostguard_add_node(&g, a), 0, "a duplicate is ignored");
  cr_assert_eq(g.n_nodes, 2);
  nsc_hostguard_add_names(&g);
  nsc_hostguard_add_process(&g);
  cr_assert(g.names && g.process);
  char **c = nsc_hostguard_check(&g, true);
  cr_assert_null(c, "nothing changed, yet: %s", c ? c[0] : "");
}

Test(hostguard, owner_change_found_then_restored)
{
  char a[128];
  path_in(a, sizeof(a), "null");
  make_file(a, 0666);
  struct nsc_hostguard g;
  guard_node(&g, a);
  cr_assert_eq(chown(a, 100000, 100000), 0);

  assert_one_change(&g, false, a, "owner 0:0 -> 100000:100000");
  assert_owner(a, 100000, 100000, 0666); /* without restore, left alone */

  assert_one_change(&g, true, a, "owner 0:0 -> 100000:100000, restored");
  assert_owner(a, 0, 0, 0666);
  cr_assert_null(nsc_hostguard_check(&g, true), "restored, so nothing left to report");
}

Test(hostguard, mode_change_found_then_restored)
{
  char a[128], b[128];
  path_in(a, sizeof(a), "zero");
  path_in(b, sizeof(b), "full");
  make_file(a, 0666);
  make_file(b, 0666);
  struct nsc_hostguard g;
  nsc_hostguard_init(&g);
  nsc_hostguard_add_node(&g, a);
  nsc_hostguard_add_node(&g, b);
  cr_assert_eq(chmod(b, 04600), 0);
  assert_one_change(&g, true, b, "mode 0666 -> 04600, restored"); /* only the changed one */
  assert_owner(b, 0, 0, 0666);
}

Test(hostguard, owner_and_mode_in_one_line)
{
  char a[128];
  path_in(a, sizeof(a), "tty");
  make_file(a, 0666);
  struct nsc_hostguard g;
  guard_node(&g, a);
  cr_assert_eq(chown(a, 1000, 1001), 0);
  cr_assert_eq(chmod(a, 0660), 0);
  assert_one_change(&g, true, a, "owner 0:0 -> 1000:1001, mode 0666 -> 0660, restored");
  assert_owner(a, 0, 0, 0666);
}

Test(hostguard, removed_fifo_is_made_again)
{
  char a[128];
  path_in(a, sizeof(a), "fifo");
  cr_assert_eq(mkfifo(a, 0640), 0);
  cr_assert_eq(chmod(a, 0640), 0);
  cr_assert_eq(chown(a, 7, 8), 0);
  struct nsc_hostguard g;
  guard_node(&g, a);
  cr_assert_eq(unlink(a), 0);
  assert_one_change(&g, true, a, "is gone (was p owned 7:8 mode 0640), made again");
  struct stat st;
  cr_assert_eq(lstat(a, &st), 0);
  cr_assert(S_ISFIFO(st.st_mode));
  assert_owner(a, 7, 8, 0640);
}

Test(hostguard, removed_regular_file_is_not_made)
{
  char a[128];
  path_in(a, sizeof(a), "plain");
  make_file(a, 0644);
  struct nsc_hostguard g;
  guard_node(&g, a);
  cr_assert_eq(unlink(a), 0);
  assert_one_change(&g, true, a,
                    "is gone (was f owned 0:0 mode 0644), not restored: not a device node");
  cr_assert_eq(access(a, F_OK), -1, "nothing made in its place");
}

Test(hostguard, replaced_node_is_reported_and_left)
{
  char a[128];
  path_in(a, sizeof(a), "null");
  make_file(a, 0666);
  struct nsc_hostguard g;
  guard_node(&g, a);
  /* a fifo where the file was: another type (and inode) */
  cr_assert_eq(unlink(a), 0);
  cr_assert_eq(mkfifo(a, 0666), 0);
  char **c = nsc_hostguard_check(&g, true);
  cr_assert_eq(count(c), 1);
  cr_assert(strstr(c[0], "was replaced: f owned 0:0 mode 0666") &&
                strstr(c[0], "-> p owned 0:0 mode "),
            "%s", c[0]);
  cr_assert(strstr(c[0], "not restored"), "%s", c[0]);
  nsc_hostguard_free(c);
  struct stat st;
  cr_assert_eq(lstat(a, &st), 0);
  cr_assert(S_ISFIFO(st.st_mode), "left as found");
}

Test(hostguard, appearing_node_is_reported)
{
  char a[128];
  path_in(a, sizeof(a), "nsc-full");
  struct nsc_hostguard g;
  guard_node(&g, a);
  cr_assert_null(nsc_hostguard_check(&g, false), "absent before and after: nothing");
  make_file(a, 0600);
  assert_one_change(&g, true, a, "appeared (f owned 0:0 mode 0600), not removed");
  cr_assert_eq(access(a, F_OK), 0, "not removed");
}

Test(hostguard, bad_paths_and_limit)
{
  struct nsc_hostguard g;
  nsc_hostguard_init(&g);
  cr_assert_eq(nsc_hostguard_add_node(&g, "dev/null"), -1, "relative");
  cr_assert_eq(nsc_hostguard_add_node(&g, NULL), -1);
  char longp[NSC_HOSTGUARD_PATH + 8];
  memset(longp, 'a', sizeof(longp) - 1);
  longp[0] = '/';
  longp[sizeof(longp) - 1] = '\0';
  cr_assert_eq(nsc_hostguard_add_node(&g, longp), -1, "too long");
  for (int i = 0; i < NSC_HOSTGUARD_NODES; i++) {
    char p[128];
    snprintf(p, sizeof(p), "%s/n%d", dir, i);
    cr_assert_eq(nsc_hostguard_add_node(&g, p), 0);
  }
  cr_assert_eq(nsc_hostguard_add_node(&g, "/tmp/one-too-many"), -1);
  cr_assert_eq(g.n_nodes, NSC_HOSTGUARD_NODES);
}

Test(hostguard, config_nodes)
{
  json_error_t jerr;
  json_t *cfg = json_loads(
      "{\"linux\": {\"devices\": ["
      "  {\"path\": \"/dev/loop-control\", \"type\": \"c\", \"major\": 10, \"minor\": 237},"
      "  {\"path\": \"/dev/nsc/fifo\", \"type\": \"p\"},"
      "  {\"path\": \"/dev/../etc/passwd\", \"type\": \"c\", \"major\": 1, \"minor\": 3},"
      "  {\"path\": \"/dev/null\", \"type\": \"c\", \"major\": 1, \"minor\": 3}]},"
      " \"mounts\": ["
      "  {\"destination\": \"/dev/sda\", \"type\": \"bind\", \"source\": \"/dev/loop0\"},"
      "  {\"destination\": \"/x\", \"type\": \"bind\", \"source\": \"/tmp\"},"
      "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
      "  {\"destination\": \"/y\", \"type\": \"bind\", \"source\": \"/dev/..\"}]}",
      0, &jerr);
  cr_assert_not_null(cfg, "%s", jerr.text);
  struct nsc_hostguard g;
  nsc_hostguard_snapshot(&g, cfg);
  json_decref(cfg);
  size_t n_default = 0;
  while (nsc_hostguard_default_nodes[n_default])
    n_default++;
  cr_assert_eq(n_default, 6);
  /* the six defaults (/dev/null once), then the config's in order */
  const char *want[] = {"/dev/null",         "/dev/zero",     "/dev/full",
                        "/dev/random",       "/dev/urandom",  "/dev/tty",
                        "/dev/loop-control", "/dev/nsc/fifo", "/dev/loop0"};
  cr_assert_eq(g.n_nodes, sizeof(want) / sizeof(want[0]));
  for (size_t i = 0; i < g.n_nodes; i++)
    cr_assert_str_eq(g.nodes[i].path, want[i]);
  struct stat st;
  cr_assert_eq(g.nodes[0].present, lstat("/dev/null", &st) == 0);
  cr_assert(g.names && g.process);
  /* read only: the host stays as it is, so nothing to report */
  char **c = nsc_hostguard_check(&g, false);
  cr_assert_null(c, "the host changed during the test: %s", c ? c[0] : "");
}

Test(hostguard, names_in_own_uts_namespace)
{
  if (unshare(CLONE_NEWUTS) < 0)
    cr_skip_test("no uts namespace: %s", strerror(errno));
  struct utsname before;
  cr_assert_eq(uname(&before), 0);
  struct nsc_hostguard g;
  nsc_hostguard_init(&g);
  nsc_hostguard_add_names(&g);
  cr_assert_eq(sethostname("hg-changed", 10), 0);
  if (setdomainname("hg.test", 7) < 0 && errno == ENOSYS)
    cr_skip_test("setdomainname is not available (valgrind 3.19 does not know it)");
  char dn[65] = "";
  cr_assert_eq(getdomainname(dn, sizeof(dn) - 1), 0);
  cr_assert_str_eq(dn, "hg.test");
  char **c = nsc_hostguard_check(&g, true);
  cr_assert_eq(count(c), 2);
  char want[160];
  snprintf(want, sizeof(want), "hostname \"%s\" -> \"hg-changed\", restored", before.nodename);
  cr_assert_str_eq(c[0], want);
  snprintf(want, sizeof(want), "domainname \"%s\" -> \"hg.test\", restored", before.domainname);
  cr_assert_str_eq(c[1], want);
  nsc_hostguard_free(c);
  struct utsname after;
  cr_assert_eq(uname(&after), 0);
  cr_assert_str_eq(after.nodename, before.nodename);
  cr_assert_str_eq(after.domainname, before.domainname);
}

Test(hostguard, umask_and_rlimits)
{
  mode_t old = umask(022);
  struct rlimit nofile;
  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &nofile), 0);
  cr_assert(nofile.rlim_cur > 16, "RLIMIT_NOFILE soft %ju", (uintmax_t)nofile.rlim_cur);
  struct nsc_hostguard g;
  nsc_hostguard_init(&g);
  nsc_hostguard_add_process(&g);
  cr_assert(g.process);
  cr_assert_eq(g.umask, 022);
  umask(077);
  struct rlimit lower = {.rlim_cur = 16, .rlim_max = nofile.rlim_max};
  cr_assert_eq(setrlimit(RLIMIT_NOFILE, &lower), 0);
  char **c = nsc_hostguard_check(&g, true);
  cr_assert_eq(count(c), 2, "%s", c ? c[0] : "none");
  cr_assert_str_eq(c[0], "the harness's umask 0022 -> 0077, restored");
  char want[160];
  snprintf(want, sizeof(want), "the harness's RLIMIT_NOFILE %ju/%ju -> 16/%ju, restored",
           (uintmax_t)nofile.rlim_cur, (uintmax_t)nofile.rlim_max, (uintmax_t)nofile.rlim_max);
  cr_assert_str_eq(c[1], want);
  nsc_hostguard_free(c);
  mode_t now = umask(old);
  cr_assert_eq(now, 022);
  struct rlimit back;
  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &back), 0);
  cr_assert_eq(back.rlim_cur, nofile.rlim_cur);
}

/* A lowered hard limit cannot be raised again without CAP_SYS_RESOURCE (as
 * on this host): the change is still reported, with the reason. */
Test(hostguard, rlimit_not_restorable_says_why)
{
  struct rlimit core;
  cr_assert_eq(getrlimit(RLIMIT_CORE, &core), 0);
  if (core.rlim_max == 0)
    cr_skip_test("RLIMIT_CORE hard limit 0: nothing to lower");
  struct nsc_hostguard g;
  nsc_hostguard_init(&g);
  nsc_hostguard_add_process(&g);
  struct rlimit lower = {.rlim_cur = 0, .rlim_max = 0};
  cr_assert_eq(setrlimit(RLIMIT_CORE, &lower), 0);
  char **c = nsc_hostguard_check(&g, true);
  cr_assert_eq(count(c), 1);
  cr_assert(strstr(c[0], "RLIMIT_CORE") && strstr(c[0], "-> 0/0"), "%s", c[0]);
  struct rlimit now;
  cr_assert_eq(getrlimit(RLIMIT_CORE, &now), 0);
  if (now.rlim_max == core.rlim_max)
    cr_assert(strstr(c[0], ", restored"), "%s", c[0]);
  else
    cr_assert(strstr(c[0], "not restored: Operation not permitted"), "%s", c[0]);
  nsc_hostguard_free(c);
}

Test(hostguard, case_verdicts)
{
  char a[128];
  path_in(a, sizeof(a), "null");
  make_file(a, 0666);
  struct nsc_result out;
  memset(&out, 0, sizeof(out));
  struct case_ctx x = {.out = &out, .probe_fd = -1};
  struct nsc_hostguard g;
  nsc_hostguard_init(&g);
  nsc_hostguard_add_node(&g, a);

  nsc_hostguard_case(&x, &g);
  cr_assert_eq(out.verdicts.n, 1);
  cr_assert_str_eq(out.verdicts.v[0].requirement, "robust.host.unchanged");
  cr_assert_eq(out.verdicts.v[0].verdict, NSC_PASS, "%s", out.verdicts.v[0].actual);

  cr_assert_eq(chown(a, 100000, 100000), 0);
  nsc_hostguard_case(&x, &g);
  cr_assert_eq(out.verdicts.n, 2);
  const struct nsc_verdict *v = &out.verdicts.v[1];
  cr_assert_str_eq(v->requirement, "robust.host.unchanged");
  cr_assert_eq(v->verdict, NSC_FAIL);
  cr_assert(strstr(v->actual, "owner 0:0 -> 100000:100000, restored"), "%s", v->actual);
  assert_owner(a, 0, 0, 0666);
  nsc_verdicts_free(&out.verdicts);
}
