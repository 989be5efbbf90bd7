/* caps.c: the name table, and the three init steps run in forked children
 * (the tests run as root; each child changes only its own credentials). */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "error.h"
#include "failpoint.h"
#include "spec.h"

#define BIT(cap)         (UINT64_C(1) << (cap))
#define CHILD_TIMEOUT_MS 10000

/* ---- running a check in a child -------------------------------------- */

struct child_result {
  int status;
  char msg[1024];
};

/* The child reports a failure as text on the pipe and exits 1. */
static char child_msg[1024];

static int child_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int child_fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(child_msg, sizeof(child_msg), fmt, ap);
  va_end(ap);
  return 1;
}

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      return child_fail(__VA_ARGS__);                                                              \
  } while (0)

static void run_in_child(int (*fn)(void), struct child_result *res)
{
  int pfd[2];
  cr_assert_eq(pipe2(pfd, O_CLOEXEC), 0, "pipe2: %s", strerror(errno));
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    close(pfd[0]);
    child_msg[0] = '\0';
    int rc = fn();
    if (rc) {
      ssize_t w = write(pfd[1], child_msg, strlen(child_msg));
      (void)w;
    }
    _exit(rc ? 1 : 0);
  }
  close(pfd[1]);
  size_t got = 0;
  res->msg[0] = '\0';
  for (;;) {
    struct pollfd p = {.fd = pfd[0], .events = POLLIN};
    int n = poll(&p, 1, CHILD_TIMEOUT_MS);
    if (n <= 0) {
      kill(pid, SIGKILL);
      snprintf(res->msg, sizeof(res->msg), "child timed out");
      break;
    }
    ssize_t r = read(pfd[0], res->msg + got, sizeof(res->msg) - 1 - got);
    if (r <= 0)
      break;
    got += (size_t)r;
    res->msg[got] = '\0';
  }
  close(pfd[0]);
  /* The pipe closed: the child has exited or was killed above. */
  cr_assert_eq(waitpid(pid, &res->status, 0), pid);
}

static void expect_child_ok(int (*fn)(void))
{
  struct child_result res;
  run_in_child(fn, &res);
  cr_assert(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0, "child failed (status 0x%x): %s",
            res.status, res.msg);
}

/* A capability set line of /proc/self/status ("CapBnd:" ...). */
static int status_caps(const char *key, uint64_t *out)
{
  FILE *f = fopen("/proc/self/status", "re");
  if (!f)
    return -1;
  char line[256];
  size_t klen = strlen(key);
  int ret = -1;
  while (fgets(line, sizeof(line), f)) {
    if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
      *out = strtoull(line + klen + 1, NULL, 16);
      ret = 0;
      break;
    }
  }
  fclose(f);
  return ret;
}

/* The sets the test process started with: it may lack some capabilities
 * (a container or a restricted service), so compare against these. */
#define START_CAPS(key, var)                                                                       \
  uint64_t var = 0;                                                                                \
  CHECK(status_caps(key, &var) == 0, "no %s line", key)

/* ---- names ------------------------------------------------------------ */

Test(caps, table_has_41_names)
{
  cr_assert_eq(cap_last_known(), 40);
  cr_assert_eq(cap_last_known(), CAP_LAST_CAP, "the table and linux/capability.h disagree");
  cr_assert_str_eq(cap_name(0), "CAP_CHOWN");
  cr_assert_str_eq(cap_name(5), "CAP_KILL");
  cr_assert_str_eq(cap_name(21), "CAP_SYS_ADMIN");
  cr_assert_str_eq(cap_name(31), "CAP_SETFCAP");
  cr_assert_str_eq(cap_name(37), "CAP_AUDIT_READ");
  cr_assert_str_eq(cap_name(40), "CAP_CHECKPOINT_RESTORE");
  cr_assert_eq(cap_from_name("CAP_NET_RAW"), CAP_NET_RAW);
  cr_assert_eq(cap_from_name("CAP_MAC_ADMIN"), CAP_MAC_ADMIN);
  cr_assert_eq(cap_from_name("CAP_BPF"), CAP_BPF);
  cr_assert_null(cap_name(41));
  cr_assert_null(cap_name(-1));
}

Test(caps, every_name_round_trips)
{
  int count = 0;
  for (int cap = 0; cap <= cap_last_known(); cap++) {
    const char *name = cap_name(cap);
    cr_assert_not_null(name, "no name for %d", cap);
    cr_assert_eq(strncmp(name, "CAP_", 4), 0, "%s", name);
    cr_assert_eq(cap_from_name(name), cap, "%s", name);
    count++;
  }
  cr_assert_eq(count, 41);
}

Test(caps, unknown_names)
{
  cr_assert_eq(cap_from_name("CAP_NOPE"), -1);
  cr_assert_eq(cap_from_name("cap_chown"), -1);
  cr_assert_eq(cap_from_name("CHOWN"), -1);
  cr_assert_eq(cap_from_name("CAP_CHOWN "), -1);
  cr_assert_eq(cap_from_name(""), -1);
  cr_assert_eq(cap_from_name(NULL), -1);
}

Test(caps, last_kernel_matches_proc)
{
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  cr_assert_not_null(f);
  int v = -1;
  cr_assert_eq(fscanf(f, "%d", &v), 1);
  fclose(f);
  cr_assert_eq(cap_last_kernel(), v);
  cr_assert_eq(cap_last_kernel(), v, "the cached value must not change");
}

/* ---- bounding set ----------------------------------------------------- */

static int drop_bounding_keeps_two(void)
{
  START_CAPS("CapBnd", start_bnd);
  CHECK((start_bnd & BIT(CAP_KILL)) && (start_bnd & BIT(CAP_CHOWN)), "CAP_KILL/CAP_CHOWN missing");
  struct cap_plan p = {.present = true, .bounding = BIT(CAP_KILL) | BIT(CAP_CHOWN)};
  struct nsrt_err err = {0};
  char line[600];
  if (caps_drop_bounding(&p, &err) < 0) {
    nsrt_err_format(&err, line, sizeof(line));
    return child_fail("caps_drop_bounding: %s", line);
  }
  uint64_t bnd = 0;
  CHECK(status_caps("CapBnd", &bnd) == 0, "no CapBnd line");
  uint64_t want = p.bounding & start_bnd;
  CHECK(bnd == want, "CapBnd %#" PRIx64 ", want %#" PRIx64, bnd, want);
  /* A second run, now without CAP_SETPCAP (which every drop needs), finds
   * nothing left to drop and succeeds. */
  START_CAPS("CapPrm", prm);
  struct cap_plan no_setpcap = {
      .present = true, .effective = prm & ~BIT(CAP_SETPCAP), .permitted = prm};
  CHECK(caps_set(&no_setpcap, &err) == 0, "capset: %s", err.text);
  CHECK(caps_drop_bounding(&p, &err) == 0, "second drop failed: %s", err.text);
  return 0;
}

Test(caps, drop_bounding_keeps_only_the_plan)
{
  expect_child_ok(drop_bounding_keeps_two);
}

/* Set the process capabilities directly, so a test can start reduced. */
static int raw_capset(uint64_t eff, uint64_t prm, uint64_t inh, struct nsrt_err *err)
{
  struct cap_plan p = {.present = true, .effective = eff, .permitted = prm, .inheritable = inh};
  return caps_set(&p, err);
}

static int drop_bounding_without_setpcap(void)
{
  START_CAPS("CapPrm", all);
  CHECK(all & BIT(CAP_CHOWN), "CAP_CHOWN missing");
  struct nsrt_err err = {0};
  CHECK(raw_capset(all & ~BIT(CAP_SETPCAP), all, 0, &err) == 0, "capset: %s", err.text);
  /* CAP_CHOWN is the first capability the plan does not keep. */
  struct cap_plan p = {.present = true, .bounding = all & ~BIT(CAP_CHOWN)};
  nsrt_set_stage("init");
  CHECK(caps_drop_bounding(&p, &err) < 0, "drop without CAP_SETPCAP succeeded");
  CHECK(err.errnum == EPERM, "errnum %d", err.errnum);
  CHECK(strcmp(err.stage, "init") == 0, "stage '%s'", err.stage);
  CHECK(strcmp(err.step, "drop_bounding") == 0, "step '%s'", err.step);
  CHECK(strcmp(err.text, "drop CAP_CHOWN from the bounding set") == 0, "text '%s'", err.text);
  char line[600];
  nsrt_err_format(&err, line, sizeof(line));
  CHECK(strcmp(line, "init: drop_bounding: drop CAP_CHOWN from the bounding set: "
                     "Operation not permitted") == 0,
        "line '%s'", line);
  return 0;
}

Test(caps, drop_bounding_error_names_the_capability)
{
  expect_child_ok(drop_bounding_without_setpcap);
}

static int drop_bounding_failpoint(void)
{
  START_CAPS("CapBnd", start_bnd);
  struct nsrt_err err = {0};
  CHECK(nsrt_fp_configure("init.drop_bounding=err(EIO)", 0, NULL, &err) == 0, "configure: %s: %s",
        err.step, err.text);
  struct cap_plan p = {.present = true, .bounding = start_bnd & ~BIT(CAP_KILL)};
  CHECK(caps_drop_bounding(&p, &err) < 0, "failpoint did not fire");
  CHECK(err.errnum == EIO, "errnum %d", err.errnum);
  CHECK(strcmp(err.step, "drop_bounding") == 0, "step '%s'", err.step);
  CHECK(strcmp(err.text, "drop CAP_KILL from the bounding set") == 0, "text '%s'", err.text);
  uint64_t bnd = 0;
  CHECK(status_caps("CapBnd", &bnd) == 0, "no CapBnd line");
  CHECK(bnd == start_bnd, "bounding set changed to %#" PRIx64 " by a failed step", bnd);
  nsrt_fp_reset();
  return 0;
}

Test(caps, drop_bounding_failpoint)
{
  expect_child_ok(drop_bounding_failpoint);
}

/* ---- capset ----------------------------------------------------------- */

static int capset_kill_only(void)
{
  struct cap_plan p = {.present = true, .effective = BIT(CAP_KILL), .permitted = BIT(CAP_KILL)};
  struct nsrt_err err = {0};
  CHECK(caps_set(&p, &err) == 0, "caps_set: %s: %s", err.text, strerror(err.errnum));
  uint64_t eff = 0, prm = 0, inh = 1;
  CHECK(status_caps("CapEff", &eff) == 0 && status_caps("CapPrm", &prm) == 0 &&
            status_caps("CapInh", &inh) == 0,
        "status lines missing");
  CHECK(eff == BIT(CAP_KILL), "CapEff %#" PRIx64, eff);
  CHECK(prm == BIT(CAP_KILL), "CapPrm %#" PRIx64, prm);
  CHECK(inh == 0, "CapInh %#" PRIx64, inh);
  return 0;
}

Test(caps, capset_sets_effective_and_permitted)
{
  expect_child_ok(capset_kill_only);
}

static int capset_effective_not_in_permitted(void)
{
  START_CAPS("CapEff", start_eff);
  struct cap_plan p = {
      .present = true, .effective = BIT(CAP_KILL) | BIT(CAP_CHOWN), .permitted = BIT(CAP_KILL)};
  struct nsrt_err err = {0};
  CHECK(caps_set(&p, &err) < 0, "capset with effective outside permitted succeeded");
  CHECK(err.errnum == EPERM, "errnum %d", err.errnum);
  CHECK(strcmp(err.step, "capset") == 0, "step '%s'", err.step);
  CHECK(strcmp(err.text, "capset effective=0x21 permitted=0x20 inheritable=0x0") == 0, "text '%s'",
        err.text);
  /* Nothing changed. */
  uint64_t eff = 0;
  CHECK(status_caps("CapEff", &eff) == 0 && eff == start_eff, "CapEff %#" PRIx64, eff);
  return 0;
}

Test(caps, capset_rejects_effective_outside_permitted)
{
  expect_child_ok(capset_effective_not_in_permitted);
}

static int capset_failpoint(void)
{
  START_CAPS("CapEff", start_eff);
  struct nsrt_err err = {0};
  CHECK(nsrt_fp_configure("init.capset=err(EPERM)", 0, NULL, &err) == 0, "configure: %s: %s",
        err.step, err.text);
  struct cap_plan p = {.present = true, .effective = BIT(CAP_KILL), .permitted = BIT(CAP_KILL)};
  CHECK(caps_set(&p, &err) < 0, "failpoint did not fire");
  CHECK(err.errnum == EPERM, "errnum %d", err.errnum);
  CHECK(strcmp(err.step, "capset") == 0, "step '%s'", err.step);
  CHECK(strcmp(err.text, "capset effective=0x20 permitted=0x20 inheritable=0x0") == 0, "text '%s'",
        err.text);
  uint64_t eff = 0;
  CHECK(status_caps("CapEff", &eff) == 0 && eff == start_eff,
        "the injected failure changed CapEff to %#" PRIx64, eff);
  /* Disarmed, the same call works. */
  nsrt_fp_reset();
  CHECK(caps_set(&p, &err) == 0, "caps_set after reset: %s", err.text);
  CHECK(status_caps("CapEff", &eff) == 0 && eff == BIT(CAP_KILL), "CapEff %#" PRIx64, eff);
  return 0;
}

Test(caps, capset_failpoint)
{
  expect_child_ok(capset_failpoint);
}

/* ---- ambient ---------------------------------------------------------- */

static int ambient_kill(void)
{
  /* Bit 63 is above any kernel's last capability: skipped, not an error. */
  struct cap_plan p = {.present = true,
                       .effective = BIT(CAP_KILL),
                       .permitted = BIT(CAP_KILL),
                       .inheritable = BIT(CAP_KILL),
                       .ambient = BIT(CAP_KILL) | BIT(63)};
  struct nsrt_err err = {0};
  CHECK(caps_set(&p, &err) == 0, "caps_set: %s", err.text);
  CHECK(caps_set_ambient(&p, &err) == 0, "caps_set_ambient: %s: %s", err.text,
        strerror(err.errnum));
  uint64_t amb = 0;
  CHECK(status_caps("CapAmb", &amb) == 0, "no CapAmb line");
  CHECK(amb == BIT(CAP_KILL), "CapAmb %#" PRIx64, amb);
  /* The set is cleared first: an empty plan leaves nothing behind. */
  struct cap_plan none = {.present = true};
  CHECK(caps_set_ambient(&none, &err) == 0, "clear: %s", err.text);
  CHECK(status_caps("CapAmb", &amb) == 0 && amb == 0, "CapAmb after clear %#" PRIx64, amb);
  return 0;
}

Test(caps, ambient_raises_the_plan)
{
  expect_child_ok(ambient_kill);
}

static int ambient_not_inheritable(void)
{
  struct cap_plan p = {.present = true,
                       .effective = BIT(CAP_KILL),
                       .permitted = BIT(CAP_KILL),
                       .ambient = BIT(CAP_KILL)};
  struct nsrt_err err = {0};
  CHECK(caps_set(&p, &err) == 0, "caps_set: %s", err.text);
  CHECK(caps_set_ambient(&p, &err) < 0, "ambient raise without inheritable succeeded");
  CHECK(err.errnum == EPERM, "errnum %d", err.errnum);
  CHECK(strcmp(err.step, "ambient") == 0, "step '%s'", err.step);
  CHECK(strcmp(err.text, "raise CAP_KILL in the ambient set") == 0, "text '%s'", err.text);
  return 0;
}

Test(caps, ambient_error_names_the_capability)
{
  expect_child_ok(ambient_not_inheritable);
}

static int ambient_failpoint(void)
{
  struct nsrt_err err = {0};
  CHECK(nsrt_fp_configure("init.ambient=err(ENOMEM)", 0, NULL, &err) == 0, "configure: %s",
        err.text);
  struct cap_plan p = {.present = true};
  CHECK(caps_set_ambient(&p, &err) < 0, "failpoint did not fire");
  CHECK(err.errnum == ENOMEM, "errnum %d", err.errnum);
  CHECK(strcmp(err.step, "ambient") == 0, "step '%s'", err.step);
  CHECK(strcmp(err.text, "clear the ambient set") == 0, "text '%s'", err.text);
  nsrt_fp_reset();
  return 0;
}

Test(caps, ambient_failpoint)
{
  expect_child_ok(ambient_failpoint);
}
