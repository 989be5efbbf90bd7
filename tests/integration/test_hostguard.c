/* The host-integrity guard in the driver, against real runtimes: crun 1.8.1
 * with a user namespace changes the owner of the host's /dev/null (its stdin,
 * docs/findings.md F1) to the container user's host ids; the case must fail robust.host.unchanged
 * and the node must be back as it was afterwards.  nsrt with the same config passes. The crun case
 * changes the host's /dev/null for the length of one case. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "itest.h"
/* harness/src by path: runtime-core has headers of the same names */
#include "../../harness/src/driver.h"
#include "../../harness/src/gen.h"

TestSuite(hostguard, .init = itest_setup, .fini = itest_teardown, .timeout = 120);

/* The tests of this file change or watch the same host node, so they must not
 * overlap (criterion runs tests in parallel): each holds an exclusive lock on
 * the test binary itself until its process ends. */
static void one_at_a_time(void)
{
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  cr_assert_geq(fd, 0, "open /proc/self/exe: %s", strerror(errno));
  cr_assert_eq(flock(fd, LOCK_EX), 0, "flock: %s", strerror(errno));
  /* fd stays open: the lock goes with the test's process */
}

#define CRUN "/usr/bin/crun"

/* A user namespace mapping container 0 to host 100000, the probe as 1234:1234
 * (host 101234:101234: an owner no other run gives the node). */
static const char userns_config[] =
    "{\"ociVersion\": \"1.0.2\","
    " \"root\": {\"path\": \"" GEN_ROOT_PLACEHOLDER "\", \"readonly\": true},"
    " \"process\": {\"args\": [\"/nsprobe\", \"--wait\"], \"cwd\": \"/\","
    "  \"env\": [\"PATH=/usr/bin:/bin\"], \"user\": {\"uid\": 1234, \"gid\": 1234}},"
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]}],"
    " \"linux\": {\"namespaces\": [{\"type\": \"user\"}, {\"type\": \"pid\"},"
    "   {\"type\": \"mount\"}, {\"type\": \"ipc\"}, {\"type\": \"network\"}],"
    "  \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
    "  \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]}}";

struct harness {
  struct nsc_runtime rt;
  struct nsc_driver d;
};

static void harness_open(struct harness *h, const char *bin, bool isolate)
{
  struct nsrt_err err;
  char root[PATH_MAX], work[PATH_MAX];
  snprintf(root, sizeof(root), "%s/nsc-root", itest_root());
  snprintf(work, sizeof(work), "%s/work", itest_bundle_dir());
  memset(h, 0, sizeof(*h));
  cr_assert_eq(nsc_runtime_open(&h->rt, bin, root, isolate, 10000, &err), 0, "runtime %s: %s", bin,
               err.text);
  cr_assert_eq(nsc_driver_init(&h->d, &h->rt, itest_rootfs(), work, &err), 0, "driver: %s",
               err.text);
}

static void harness_close(struct harness *h)
{
  nsc_driver_fini(&h->d);
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "rm -rf '%s/work' '%s'", itest_bundle_dir(), h->rt.root);
  if (system(path) != 0)
    fprintf(stderr, "could not remove the work dirs\n");
}

static const struct nsc_verdict *find_verdict(const struct nsc_result *r, const char *req)
{
  for (size_t i = 0; i < r->verdicts.n; i++)
    if (strcmp(r->verdicts.v[i].requirement, req) == 0)
      return &r->verdicts.v[i];
  return NULL;
}

static void run_case(struct harness *h, const char *id, struct nsc_result *r)
{
  json_error_t jerr;
  struct nsc_case c = {.kind = NSC_CASE_GENERATED, .title = (char *)"host guard"};
  snprintf(c.id, sizeof(c.id), "%s", id);
  c.config = json_loads(userns_config, 0, &jerr);
  cr_assert_not_null(c.config, "%s", jerr.text);
  struct nsrt_err err;
  cr_assert_eq(nsc_driver_run(&h->d, &c, r, &err), 0, "%s: %s", id, err.text);
  json_decref(c.config);
}

Test(hostguard, crun_userns_changes_dev_null_and_is_restored)
{
  one_at_a_time();
  /* a skipped test gets no .fini: clean up first */
  if (access(CRUN, X_OK) != 0) {
    itest_teardown();
    cr_skip_test("%s not installed", CRUN);
  }
  struct stat before, after;
  cr_assert_eq(stat("/dev/null", &before), 0);
  cr_assert(S_ISCHR(before.st_mode));
  if (before.st_uid == 101234) {
    itest_teardown();
    cr_skip_test("/dev/null is already owned by 101234: the host is not clean");
  }
  struct harness h;
  harness_open(&h, CRUN, true);
  struct nsc_result r;
  run_case(&h, "hg-crun", &r);
  harness_close(&h);
  cr_assert_eq(stat("/dev/null", &after), 0);

  const struct nsc_verdict *v = find_verdict(&r, "robust.host.unchanged");
  cr_assert_not_null(v, "no robust.host.unchanged verdict");
  char want[128];
  snprintf(want, sizeof(want), "/dev/null owner %u:%u -> 101234:101234, restored", before.st_uid,
           before.st_gid);
  const struct nsc_verdict *c = find_verdict(&r, "runtime.create.new-container");
  cr_assert(c && c->verdict == NSC_PASS, "the case ran: %s", c ? c->actual : "no create verdict");
  cr_assert_eq(v->verdict, NSC_FAIL,
               "expected FAIL, got %s: %s (another run changing /dev/null at the same time "
               "hides the change)",
               nsc_verdict_name(v->verdict), v->actual);
  cr_assert(strstr(v->actual, want), "actual: %s", v->actual);
  cr_assert_eq(after.st_uid, before.st_uid, "/dev/null uid %u after the case", after.st_uid);
  cr_assert_eq(after.st_gid, before.st_gid);
  cr_assert_eq(after.st_mode, before.st_mode);
  cr_assert_eq(after.st_rdev, before.st_rdev);
  nsc_result_free(&r);
}

Test(hostguard, nsrt_userns_leaves_host_alone)
{
  one_at_a_time();
  struct harness h;
  harness_open(&h, itest_nsrt_bin(), false);
  struct nsc_result r;
  run_case(&h, "hg-nsrt", &r);
  harness_close(&h);
  const struct nsc_verdict *v = find_verdict(&r, "robust.host.unchanged");
  cr_assert_not_null(v, "no robust.host.unchanged verdict");
  cr_assert_eq(v->verdict, NSC_PASS, "%s", v->actual);
  cr_assert(strstr(v->actual, "unchanged (6 nodes"), "%s", v->actual);
  const struct nsc_verdict *c = find_verdict(&r, "runtime.create.new-container");
  cr_assert(c && c->verdict == NSC_PASS, "the case ran: %s", c ? c->actual : "no create verdict");
  nsc_result_free(&r);
}
