#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "failpoint.h"
#include "idmap.h"
#include "spec.h"

static void teardown(void)
{
  nsrt_fp_reset();
}

TestSuite(idmap, .fini = teardown, .timeout = 60);

static void expect_spec_err(const struct nsrt_err *err, const char *step, const char *text_part)
{
  cr_expect_str_eq(err->stage, "spec");
  cr_expect_str_eq(err->step, step);
  cr_expect_eq(err->errnum, 0);
  cr_expect(strstr(err->text, text_part) != NULL, "text \"%s\" lacks \"%s\"", err->text, text_part);
}

/* ---- format ---- */

Test(idmap, format_single_range)
{
  struct id_range r[] = {{0, 100000, 65536}};
  char buf[64];
  int n = idmap_format(r, 1, buf, sizeof(buf));
  cr_expect_str_eq(buf, "0 100000 65536\n");
  cr_expect_eq(n, (int)strlen("0 100000 65536\n"));
}

Test(idmap, format_multi_range)
{
  struct id_range r[] = {{0, 1000, 1}, {1, 100000, 65535}, {4294967294u, 4294967294u, 1}};
  char buf[128];
  const char *want = "0 1000 1\n1 100000 65535\n4294967294 4294967294 1\n";
  cr_expect_eq(idmap_format(r, 3, buf, sizeof(buf)), (int)strlen(want));
  cr_expect_str_eq(buf, want);
}

Test(idmap, format_buffer_too_small)
{
  struct id_range r[] = {{0, 100000, 65536}, {65536, 200000, 10}};
  const char *want = "0 100000 65536\n65536 200000 10\n";
  char buf[64];
  size_t exact = strlen(want) + 1;
  cr_expect_eq(idmap_format(r, 2, buf, exact), (int)strlen(want));
  cr_expect_str_eq(buf, want);

  errno = 0;
  cr_expect_eq(idmap_format(r, 2, buf, exact - 1), -1);
  cr_expect_eq(errno, ENOSPC);
  errno = 0;
  cr_expect_eq(idmap_format(r, 1, buf, 10), -1);
  cr_expect_eq(errno, ENOSPC);
  errno = 0;
  cr_expect_eq(idmap_format(r, 1, buf, 0), -1);
  cr_expect_eq(errno, ENOSPC);
}

/* ---- validate ---- */

Test(idmap, validate_accepts_good_maps)
{
  struct nsrt_err err;
  struct id_range one[] = {{0, 100000, 65536}};
  cr_expect_eq(idmap_validate(one, 1, "linux.uidMappings", &err), 0, "%s", err.text);
  /* Adjacent ranges touch but do not overlap; the top id below 2^32-1 is usable. */
  struct id_range many[] = {{0, 1000, 10}, {10, 1010, 10}, {4294967285u, 20, 10}};
  cr_expect_eq(idmap_validate(many, 3, "linux.uidMappings", &err), 0, "%s", err.text);
}

Test(idmap, validate_empty_map)
{
  struct nsrt_err err;
  cr_assert_eq(idmap_validate(NULL, 0, "linux.uidMappings", &err), -1);
  expect_spec_err(&err, "linux.uidMappings", "");
  char line[1024];
  nsrt_err_format(&err, line, sizeof(line));
  cr_expect_str_eq(line,
                   "spec: linux.uidMappings: a new user namespace needs at least one mapping");
}

Test(idmap, validate_size_zero)
{
  struct nsrt_err err;
  struct id_range r[] = {{0, 100000, 10}, {10, 200000, 0}};
  cr_assert_eq(idmap_validate(r, 2, "linux.gidMappings", &err), -1);
  expect_spec_err(&err, "linux.gidMappings[1].size", "size 0");
}

Test(idmap, validate_container_overlap_names_both)
{
  struct nsrt_err err;
  struct id_range r[] = {{0, 100000, 100}, {500, 300000, 10}, {99, 200000, 2}};
  cr_assert_eq(idmap_validate(r, 3, "linux.uidMappings", &err), -1);
  expect_spec_err(&err, "linux.uidMappings[2]", "");
  cr_expect_str_eq(err.text,
                   "container ids 99-100 overlap linux.uidMappings[0] (container ids 0-99)");
}

Test(idmap, validate_host_overlap_names_both)
{
  struct nsrt_err err;
  struct id_range r[] = {{0, 100000, 100}, {100, 100050, 100}};
  cr_assert_eq(idmap_validate(r, 2, "linux.uidMappings", &err), -1);
  expect_spec_err(&err, "linux.uidMappings[1]", "");
  cr_expect_str_eq(err.text,
                   "host ids 100050-100149 overlap linux.uidMappings[0] (host ids 100000-100099)");
}

Test(idmap, validate_overflow)
{
  struct nsrt_err err;
  struct id_range c[] = {{4294967290u, 0, 10}};
  cr_assert_eq(idmap_validate(c, 1, "linux.uidMappings", &err), -1);
  expect_spec_err(&err, "linux.uidMappings[0].containerID", "containerID 4294967290 + size 10");

  struct id_range h[] = {{0, 0, 1}, {1, 4294967295u, 1}};
  cr_assert_eq(idmap_validate(h, 2, "linux.gidMappings", &err), -1);
  expect_spec_err(&err, "linux.gidMappings[1].hostID", "overflows 32 bits");

  /* A range ending exactly at 2^32 would map the invalid id 4294967295. */
  struct id_range edge[] = {{4294967286u, 0, 10}};
  cr_assert_eq(idmap_validate(edge, 1, "linux.uidMappings", &err), -1);
  expect_spec_err(&err, "linux.uidMappings[0].containerID", "overflows");
}

Test(idmap, validate_too_many_ranges)
{
  struct nsrt_err err;
  static struct id_range r[341];
  for (uint32_t i = 0; i < 341; i++)
    r[i] = (struct id_range){i * 10, 100000 + i * 10, 10};
  cr_expect_eq(idmap_validate(r, 340, "linux.uidMappings", &err), 0, "%s", err.text);
  cr_assert_eq(idmap_validate(r, 341, "linux.uidMappings", &err), -1);
  expect_spec_err(&err, "linux.uidMappings", "341 ranges, the kernel accepts at most 340");
}

/* ---- contains ---- */

Test(idmap, contains)
{
  struct id_range r[] = {{0, 100000, 10}, {1000, 200000, 1}, {4294967200u, 0, 50}, {50, 5, 0}};
  cr_expect(idmap_contains(r, 4, 0));
  cr_expect(idmap_contains(r, 4, 9));
  cr_expect_not(idmap_contains(r, 4, 10));
  cr_expect(idmap_contains(r, 4, 1000));
  cr_expect_not(idmap_contains(r, 4, 999));
  cr_expect_not(idmap_contains(r, 4, 1001));
  cr_expect(idmap_contains(r, 4, 4294967249u));
  cr_expect_not(idmap_contains(r, 4, 4294967250u));
  cr_expect_not(idmap_contains(r, 4, 50)); /* a size-0 range holds nothing */
  cr_expect_not(idmap_contains(r, 0, 0));
}

/* ---- write_id_maps against a real user namespace ---- */

struct target {
  pid_t pid;
  int go; /* closing it lets the target exit */
};

static struct target target = {.pid = -1, .go = -1};

/* A child in a new user namespace with no maps yet, waiting for us. */
static void start_target(void)
{
  int ready[2], go[2];
  cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
  cr_assert_eq(pipe2(go, O_CLOEXEC), 0);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(30);
    close(ready[0]);
    close(go[1]);
    if (unshare(CLONE_NEWUSER) < 0)
      _exit(2);
    char c = 'r';
    if (write(ready[1], &c, 1) != 1)
      _exit(3);
    while (read(go[0], &c, 1) < 0 && errno == EINTR)
      ;
    _exit(0);
  }
  target.pid = pid;
  target.go = go[1];
  close(ready[1]);
  close(go[0]);
  char c;
  ssize_t n;
  while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
    ;
  close(ready[0]);
  cr_assert_eq(n, 1, "the target did not get a user namespace");
}

static void stop_target(void)
{
  if (target.pid > 0) {
    if (target.go >= 0)
      close(target.go);
    kill(target.pid, SIGKILL);
    while (waitpid(target.pid, NULL, 0) < 0 && errno == EINTR)
      ;
  }
  target.pid = -1;
  target.go = -1;
}

static void target_teardown(void)
{
  stop_target();
  nsrt_fp_reset();
}

static bool privileged(void)
{
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) < 0)
    return false;
  uint32_t need = (1u << CAP_SETUID) | (1u << CAP_SETGID) | (1u << CAP_SYS_ADMIN);
  return (data[0].effective & need) == need;
}

static void target_setup(void)
{
  if (!privileged())
    cr_skip_test("needs CAP_SETUID, CAP_SETGID and CAP_SYS_ADMIN");
  start_target();
}

/* Read /proc/PID/<file> as numbers: the kernel pads the columns. */
static size_t read_map(pid_t pid, const char *file, struct id_range *out, size_t max)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
  FILE *f = fopen(path, "re");
  cr_assert(f, "open %s: %s", path, strerror(errno));
  size_t n = 0;
  unsigned c, h, s;
  while (n < max && fscanf(f, "%u %u %u", &c, &h, &s) == 3)
    out[n++] = (struct id_range){c, h, s};
  fclose(f);
  return n;
}

static void read_text(pid_t pid, const char *file, char *buf, size_t len)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
  ssize_t n = read(fd, buf, len - 1);
  close(fd);
  cr_assert_geq(n, 0);
  buf[n] = '\0';
}

static void expect_map(pid_t pid, const char *file, const struct id_range *want, size_t n)
{
  struct id_range got[16];
  size_t m = read_map(pid, file, got, 16);
  cr_assert_eq(m, n, "%s has %zu ranges, expected %zu", file, m, n);
  for (size_t i = 0; i < n; i++) {
    cr_expect_eq(got[i].container_id, want[i].container_id, "%s[%zu]", file, i);
    cr_expect_eq(got[i].host_id, want[i].host_id, "%s[%zu]", file, i);
    cr_expect_eq(got[i].size, want[i].size, "%s[%zu]", file, i);
  }
}

Test(idmap, write_single_range, .init = target_setup, .fini = target_teardown)
{
  struct id_range map[] = {{0, 100000, 65536}};
  struct plan p = {.uid_map = map, .n_uid_map = 1, .gid_map = map, .n_gid_map = 1};
  struct nsrt_err err;
  nsrt_set_stage("main");
  cr_assert_eq(write_id_maps(target.pid, &p, &err), 0, "%s: %s: %s", err.step, err.text,
               strerror(err.errnum));
  expect_map(target.pid, "uid_map", map, 1);
  expect_map(target.pid, "gid_map", map, 1);
  /* Privileged: setgroups is left alone. */
  char sg[16];
  read_text(target.pid, "setgroups", sg, sizeof(sg));
  cr_expect_str_eq(sg, "allow\n");
}

Test(idmap, write_multi_range, .init = target_setup, .fini = target_teardown)
{
  struct id_range uids[] = {{0, 100000, 1000}, {1000, 300000, 500}, {5000, 0, 1}};
  struct id_range gids[] = {{0, 200000, 10}, {10, 5, 1}};
  struct plan p = {.uid_map = uids, .n_uid_map = 3, .gid_map = gids, .n_gid_map = 2};
  struct nsrt_err err;
  cr_assert_eq(write_id_maps(target.pid, &p, &err), 0, "%s: %s: %s", err.step, err.text,
               strerror(err.errnum));
  expect_map(target.pid, "uid_map", uids, 3);
  expect_map(target.pid, "gid_map", gids, 2);
}

Test(idmap, fp_write_uid_map_err, .init = target_setup, .fini = target_teardown)
{
  struct nsrt_err err;
  cr_assert_eq(nsrt_fp_configure("main.write_uid_map=err(EPERM)", 0, NULL, &err), 0, "%s",
               err.text);
  struct id_range map[] = {{0, 100000, 65536}};
  struct plan p = {.uid_map = map, .n_uid_map = 1, .gid_map = map, .n_gid_map = 1};
  nsrt_set_stage("main");
  cr_assert_eq(write_id_maps(target.pid, &p, &err), -1);
  cr_expect_str_eq(err.stage, "main");
  cr_expect_str_eq(err.step, "write_uid_map");
  cr_expect_eq(err.errnum, EPERM);
  char want[128];
  snprintf(want, sizeof(want), "/proc/%d/uid_map, map \"0 100000 65536\"", target.pid);
  cr_expect_str_eq(err.text, want);
  struct id_range got[4];
  cr_expect_eq(read_map(target.pid, "uid_map", got, 4), 0, "nothing may have been written");
  cr_expect_eq(read_map(target.pid, "gid_map", got, 4), 0, "gid_map comes after uid_map");
}

Test(idmap, fp_write_gid_map_err, .init = target_setup, .fini = target_teardown)
{
  struct nsrt_err err;
  cr_assert_eq(nsrt_fp_configure("main.write_gid_map=err(EACCES)", 0, NULL, &err), 0);
  struct id_range map[] = {{0, 100000, 65536}};
  struct plan p = {.uid_map = map, .n_uid_map = 1, .gid_map = map, .n_gid_map = 1};
  nsrt_set_stage("main");
  cr_assert_eq(write_id_maps(target.pid, &p, &err), -1);
  cr_expect_str_eq(err.step, "write_gid_map");
  cr_expect_eq(err.errnum, EACCES);
  expect_map(target.pid, "uid_map", map, 1);
  struct id_range got[4];
  cr_expect_eq(read_map(target.pid, "gid_map", got, 4), 0);
}

Test(idmap, kernel_refusal_keeps_errno, .init = target_setup, .fini = target_teardown)
{
  /* Overlapping ranges (what validate would have caught) reach the kernel. */
  struct id_range bad[] = {{0, 100000, 100}, {50, 200000, 100}};
  struct id_range good[] = {{0, 100000, 65536}};
  struct plan p = {.uid_map = bad, .n_uid_map = 2, .gid_map = good, .n_gid_map = 1};
  struct nsrt_err err;
  nsrt_set_stage("main");
  cr_assert_eq(write_id_maps(target.pid, &p, &err), -1);
  cr_expect_str_eq(err.step, "write_uid_map");
  cr_expect_eq(err.errnum, EINVAL, "%s", strerror(err.errnum));
  cr_expect(strstr(err.text, "map \"0 100000 100, 50 200000 100\"") != NULL, "%s", err.text);
}

Test(idmap, map_text_over_a_page_is_named, .init = target_setup, .fini = target_teardown)
{
  static struct id_range big[300];
  for (uint32_t i = 0; i < 300; i++)
    big[i] = (struct id_range){1000000000u + i * 10, 1000000000u + i * 10, 10};
  struct plan p = {.uid_map = big, .n_uid_map = 300, .gid_map = big, .n_gid_map = 300};
  struct nsrt_err err;
  cr_assert_eq(write_id_maps(target.pid, &p, &err), -1);
  cr_expect_str_eq(err.step, "write_uid_map");
  cr_expect_eq(err.errnum, EINVAL, "%s", strerror(err.errnum));
  cr_expect(strstr(err.text, "(7500 bytes, over one page)") != NULL, "%s", err.text);
}

Test(idmap, missing_process_fails_at_open)
{
  struct id_range map[] = {{0, 100000, 65536}};
  struct plan p = {.uid_map = map, .n_uid_map = 1, .gid_map = map, .n_gid_map = 1};
  struct nsrt_err err;
  nsrt_set_stage("main");
  if (!privileged())
    cr_skip_test("needs CAP_SETUID and CAP_SETGID");
  /* A pid above pid_max cannot exist. */
  cr_assert_eq(write_id_maps(99999999, &p, &err), -1);
  cr_expect_str_eq(err.step, "write_uid_map");
  cr_expect_eq(err.errnum, ENOENT);
  cr_expect_str_eq(err.text, "open /proc/99999999/uid_map");
}

Test(idmap, empty_map_is_refused)
{
  struct id_range map[] = {{0, 100000, 65536}};
  struct plan p = {.uid_map = NULL, .n_uid_map = 0, .gid_map = map, .n_gid_map = 1};
  struct nsrt_err err;
  nsrt_set_stage("main");
  /* Refused before any file is opened, so the pid does not matter. */
  cr_assert_eq(write_id_maps(99999999, &p, &err), -1);
  cr_expect_str_eq(err.step, "write_uid_map");
  cr_expect_eq(err.errnum, EINVAL);
  cr_expect_str_eq(err.text, "no ranges to write to /proc/99999999/uid_map");
}

/* ---- the unprivileged paths, run in a child without CAP_SETUID/CAP_SETGID ---- */

static char tmpdir[64];

static void write_script(const char *name, const char *body)
{
  char path[128];
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "we");
  cr_assert(f);
  fprintf(f, "#!/bin/sh\n%s\n", body);
  fclose(f);
  cr_assert_eq(chmod(path, 0755), 0);
}

static void unpriv_setup(void)
{
  target_setup();
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/nsrt-idmap-XXXXXX");
  cr_assert(mkdtemp(tmpdir));
}

static void unpriv_teardown(void)
{
  target_teardown();
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  if (tmpdir[0] && system(cmd) != 0)
    cr_log_warn("could not remove %s", tmpdir);
}

static void drop_setid_caps(void)
{
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) < 0)
    _exit(90);
  data[0].effective &= ~((1u << CAP_SETUID) | (1u << CAP_SETGID));
  if (syscall(SYS_capset, &hdr, data) < 0)
    _exit(91);
}

/* Run write_id_maps in a child without CAP_SETUID/CAP_SETGID and PATH set to
 * the test directory; returns its result and error line. */
static int write_unprivileged(const struct plan *p, char *line, size_t len)
{
  int out[2];
  cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(30);
    close(out[0]);
    drop_setid_caps();
    setenv("PATH", tmpdir, 1);
    nsrt_set_stage("main");
    struct nsrt_err err;
    nsrt_err_clear(&err);
    char buf[1024];
    int ret = write_id_maps(target.pid, p, &err);
    if (ret < 0)
      nsrt_err_format(&err, buf, sizeof(buf));
    else
      snprintf(buf, sizeof(buf), "ok");
    ssize_t w = write(out[1], buf, strlen(buf));
    _exit(w < 0 ? 92 : ret < 0 ? 1 : 0);
  }
  close(out[1]);
  size_t got = 0;
  while (got < len - 1) {
    ssize_t n = read(out[0], line + got, len - 1 - got);
    if (n > 0)
      got += (size_t)n;
    else if (n == 0 || errno != EINTR)
      break;
  }
  line[got] = '\0';
  close(out[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) <= 1, "child status %#x", status);
  return WEXITSTATUS(status) == 0 ? 0 : -1;
}

Test(idmap, unprivileged_uses_newuidmap_and_newgidmap, .init = unpriv_setup,
     .fini = unpriv_teardown)
{
  char log[128], body[256];
  snprintf(log, sizeof(log), "%s/calls", tmpdir);
  snprintf(body, sizeof(body), "echo \"${0##*/} $*\" >> '%s'", log);
  write_script("newuidmap", body);
  write_script("newgidmap", body);
  struct id_range uids[] = {{0, 100000, 65536}, {65536, 5, 1}};
  struct id_range gids[] = {{0, 200000, 1000}};
  struct plan p = {.uid_map = uids, .n_uid_map = 2, .gid_map = gids, .n_gid_map = 1};
  char line[1024];
  cr_assert_eq(write_unprivileged(&p, line, sizeof(line)), 0, "%s", line);

  char calls[512] = "", want[512];
  FILE *f = fopen(log, "re");
  cr_assert(f, "the helpers were not run");
  size_t n = fread(calls, 1, sizeof(calls) - 1, f);
  calls[n] = '\0';
  fclose(f);
  snprintf(want, sizeof(want),
           "newuidmap %d 0 100000 65536 65536 5 1\nnewgidmap %d 0 200000 1000\n", target.pid,
           target.pid);
  cr_expect_str_eq(calls, want);
  /* newgidmap takes care of setgroups; we did not touch it. */
  char sg[16];
  read_text(target.pid, "setgroups", sg, sizeof(sg));
  cr_expect_str_eq(sg, "allow\n");
}

Test(idmap, helper_failure_names_its_status, .init = unpriv_setup, .fini = unpriv_teardown)
{
  write_script("newuidmap", "exit 3");
  write_script("newgidmap", "exit 0");
  struct id_range map[] = {{0, 100000, 65536}};
  struct plan p = {.uid_map = map, .n_uid_map = 1, .gid_map = map, .n_gid_map = 1};
  char line[1024], want[256];
  cr_assert_eq(write_unprivileged(&p, line, sizeof(line)), -1);
  snprintf(want, sizeof(want),
           "main: newuidmap: newuidmap exited with status 3 (pid %d, map \"0 100000 65536\")",
           target.pid);
  cr_expect_str_eq(line, want);
}

Test(idmap, helper_that_hangs_is_killed, .init = unpriv_setup, .fini = unpriv_teardown)
{
  write_script("newuidmap", "exit 0");
  write_script("newgidmap", "exec /bin/sleep 60");
  struct id_range map[] = {{0, 100000, 65536}};
  struct plan p = {.uid_map = map, .n_uid_map = 1, .gid_map = map, .n_gid_map = 1};
  char line[1024];
  cr_assert_eq(write_unprivileged(&p, line, sizeof(line)), -1);
  cr_expect(strstr(line, "main: newgidmap: ") == line, "%s", line);
  cr_expect(strstr(line, "did not finish within 5000 ms (killed)") != NULL, "%s", line);
  cr_expect(strstr(line, strerror(ETIMEDOUT)) != NULL, "%s", line);
}

Test(idmap, unprivileged_without_helpers_denies_setgroups, .init = unpriv_setup,
     .fini = unpriv_teardown)
{
  /* No helpers in PATH: the direct writes an unprivileged owner may make,
   * its own ids only, with setgroups denied before gid_map. */
  struct id_range uids[] = {{0, geteuid(), 1}};
  struct id_range gids[] = {{0, getegid(), 1}};
  struct plan p = {.uid_map = uids, .n_uid_map = 1, .gid_map = gids, .n_gid_map = 1};
  char line[1024];
  cr_assert_eq(write_unprivileged(&p, line, sizeof(line)), 0, "%s", line);
  char sg[16];
  read_text(target.pid, "setgroups", sg, sizeof(sg));
  cr_expect_str_eq(sg, "deny\n");
  expect_map(target.pid, "uid_map", uids, 1);
  expect_map(target.pid, "gid_map", gids, 1);
}

Test(idmap, unprivileged_without_helpers_cannot_map_a_range, .init = unpriv_setup,
     .fini = unpriv_teardown)
{
  struct id_range map[] = {{0, 100000, 65536}};
  struct plan p = {.uid_map = map, .n_uid_map = 1, .gid_map = map, .n_gid_map = 1};
  char line[1024], want[256];
  cr_assert_eq(write_unprivileged(&p, line, sizeof(line)), -1);
  snprintf(want, sizeof(want), "main: write_uid_map: /proc/%d/uid_map, map \"0 100000 65536\": %s",
           target.pid, strerror(EPERM));
  cr_expect_str_eq(line, want);
}

Test(idmap, fp_write_setgroups_err, .init = unpriv_setup, .fini = unpriv_teardown)
{
  struct nsrt_err err;
  cr_assert_eq(nsrt_fp_configure("main.write_setgroups=err(EROFS)", 0, NULL, &err), 0);
  struct id_range uids[] = {{0, geteuid(), 1}};
  struct plan p = {.uid_map = uids, .n_uid_map = 1, .gid_map = uids, .n_gid_map = 1};
  char line[1024], want[256];
  cr_assert_eq(write_unprivileged(&p, line, sizeof(line)), -1);
  snprintf(want, sizeof(want), "main: write_setgroups: /proc/%d/setgroups, \"deny\": %s",
           target.pid, strerror(EROFS));
  cr_expect_str_eq(line, want);
}
