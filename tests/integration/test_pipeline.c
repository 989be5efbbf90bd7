/* The pipeline as seen from inside the container: namespaces, ids, rlimits,
 * capabilities, no_new_privs, seccomp, exit codes.  Each test runs the real
 * nsrt on the busybox rootfs and reads what the container printed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "itest.h"

TestSuite(pipeline, .init = itest_setup, .fini = itest_teardown, .timeout = 60);

static void set_script(json_t *cfg, const char *script)
{
  json_object_set_new(json_object_get(cfg, "process"), "args",
                      json_pack("[sss]", "/bin/sh", "-c", script));
}

static void set_namespaces(json_t *cfg, json_t *namespaces)
{
  json_object_set_new(json_object_get(cfg, "linux"), "namespaces", namespaces);
}

static void map_user(json_t *cfg, unsigned host, unsigned size)
{
  json_t *linux_ = json_object_get(cfg, "linux");
  json_object_set_new(linux_, "uidMappings",
                      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", host, "size", size));
  json_object_set_new(linux_, "gidMappings",
                      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", host, "size", size));
}

/* `nsrt run` of cfg; asserts exit status `want` and returns stdout. */
static const char *run_container(json_t *cfg, int want)
{
  const char *bundle = itest_bundle(cfg);
  static struct itest_result r;
  itest_nsrtv(&r, 20000, "run", "--bundle", bundle, itest_id(), NULL);
  cr_assert_eq(r.status, want, "`%s` exited %d, not %d\nstdout: %s\nstderr: %s", r.cmdline,
               r.status, want, r.out, r.err);
  return r.out;
}

/* The value after "key" on its own line of text ("key value"); NULL when absent. */
static const char *field(const char *text, const char *key, char *buf, size_t len)
{
  size_t k = strlen(key);
  for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    if (strncmp(l, key, k) == 0 && (l[k] == ' ' || l[k] == '\t' || l[k] == ':')) {
      l += k + 1;
      while (*l == ' ' || *l == '\t')
        l++;
      size_t n = strcspn(l, "\n");
      snprintf(buf, len, "%.*s", (int)n, l);
      return buf;
    }
  }
  return NULL;
}

static const char *const all_ns[] = {"user", "pid", "mnt", "uts", "ipc", "net", "cgroup", "time"};

Test(pipeline, all_eight_namespaces_with_user_mapping)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = itest_config();
  set_namespaces(cfg, json_pack("[{s:s},{s:s},{s:s},{s:s},{s:s},{s:s},{s:s},{s:s}]", "type", "user",
                                "type", "pid", "type", "mount", "type", "uts", "type", "ipc",
                                "type", "network", "type", "cgroup", "type", "time"));
  map_user(cfg, 100000, 65536);
  set_script(cfg, "echo uid $(id -u) gid $(id -g); echo map $(cat /proc/self/uid_map); "
                  "echo gmap $(cat /proc/self/gid_map); "
                  "for n in user pid mnt uts ipc net cgroup time; do "
                  "echo ns_$n $(readlink /proc/self/ns/$n); done");
  const char *out = run_container(cfg, 0);
  char buf[256];
  cr_assert_str_eq(field(out, "uid", buf, sizeof(buf)), "0 gid 0", "output: %s", out);
  cr_assert_str_eq(field(out, "map", buf, sizeof(buf)), "0 100000 65536", "output: %s", out);
  cr_assert_str_eq(field(out, "gmap", buf, sizeof(buf)), "0 100000 65536", "output: %s", out);
  for (size_t i = 0; i < sizeof(all_ns) / sizeof(all_ns[0]); i++) {
    char key[32], mine[128], path[64];
    snprintf(key, sizeof(key), "ns_%s", all_ns[i]);
    snprintf(path, sizeof(path), "/proc/self/ns/%s", all_ns[i]);
    ssize_t n = readlink(path, mine, sizeof(mine) - 1);
    cr_assert_gt(n, 0);
    mine[n] = '\0';
    const char *theirs = field(out, key, buf, sizeof(buf));
    cr_assert_not_null(theirs, "no %s in output: %s", key, out);
    cr_assert_str_neq(theirs, mine, "%s namespace is the test's own (%s)", all_ns[i], mine);
  }
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

/* A process holding new net, ipc and uts namespaces that a container joins. */
static pid_t spawn_ns_holder(void)
{
  int p[2];
  cr_assert_eq(pipe(p), 0);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    close(p[0]);
    if (unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
      _exit(1);
    if (write(p[1], "x", 1) != 1)
      _exit(1);
    close(p[1]);
    pause();
    _exit(0);
  }
  close(p[1]);
  char c;
  cr_assert_eq(read(p[0], &c, 1), 1, "namespace holder failed");
  close(p[0]);
  itest_own_pid(pid);
  return pid;
}

Test(pipeline, joined_namespaces_equal_their_target)
{
  struct itest_snap before;
  itest_snapshot(&before);
  pid_t holder = spawn_ns_holder();
  char net[64], ipc[64], uts[64];
  snprintf(net, sizeof(net), "/proc/%d/ns/net", holder);
  snprintf(ipc, sizeof(ipc), "/proc/%d/ns/ipc", holder);
  snprintf(uts, sizeof(uts), "/proc/%d/ns/uts", holder);
  json_t *cfg = itest_config();
  set_namespaces(cfg, json_pack("[{s:s},{s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "type", "pid",
                                "type", "mount", "type", "network", "path", net, "type", "ipc",
                                "path", ipc, "type", "uts", "path", uts));
  /* The default mounts need no namespace of their own but mqueue, which needs
   * the ipc namespace to belong to the container's user namespace: drop it so
   * the joined host-owned ipc namespace also works with a new user namespace. */
  json_t *mounts = json_object_get(cfg, "mounts");
  for (size_t i = 0; i < json_array_size(mounts); i++)
    if (strcmp(json_string_value(json_object_get(json_array_get(mounts, i), "destination")),
               "/dev/mqueue") == 0)
      json_array_remove(mounts, i--);
  set_script(cfg, "for n in net ipc uts; do echo ns_$n $(readlink /proc/self/ns/$n); done");
  const char *out = run_container(cfg, 0);
  const char *names[] = {"net", "ipc", "uts"};
  const char *paths[] = {net, ipc, uts};
  for (int i = 0; i < 3; i++) {
    char key[16], want[128], buf[128];
    ssize_t n = readlink(paths[i], want, sizeof(want) - 1);
    cr_assert_gt(n, 0);
    want[n] = '\0';
    snprintf(key, sizeof(key), "ns_%s", names[i]);
    const char *got = field(out, key, buf, sizeof(buf));
    cr_assert_not_null(got, "no %s in output: %s", key, out);
    cr_assert_str_eq(got, want, "joined %s namespace differs from %s", names[i], paths[i]);
  }
  /* Again from a new user namespace: the joins must happen before it exists,
   * since namespaces owned by the initial one cannot be joined from inside. */
  json_array_append_new(json_object_get(json_object_get(cfg, "linux"), "namespaces"),
                        json_pack("{s:s}", "type", "user"));
  map_user(cfg, 100000, 65536);
  const char *out2 = run_container(cfg, 0);
  for (int i = 0; i < 3; i++) {
    char key[16], want[128], buf[128];
    ssize_t n = readlink(paths[i], want, sizeof(want) - 1);
    cr_assert_gt(n, 0);
    want[n] = '\0';
    snprintf(key, sizeof(key), "ns_%s", names[i]);
    const char *got = field(out2, key, buf, sizeof(buf));
    cr_assert_not_null(got, "no %s in output: %s", key, out2);
    cr_assert_str_eq(got, want, "with a user namespace, joined %s differs from %s", names[i],
                     paths[i]);
  }
  kill(holder, SIGKILL);
  cr_assert_eq(itest_wait_pid(holder, 5000, NULL), 0);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

static bool have_cap(int cap)
{
  char *status = itest_read_file("/proc/self/status", NULL);
  cr_assert_not_null(status);
  char *eff = strstr(status, "CapEff:");
  cr_assert_not_null(eff);
  unsigned long long mask = strtoull(eff + 7, NULL, 16);
  free(status);
  return (mask >> cap) & 1;
}

/* Limits come from the spec, in a user namespace.  The hard limit is raised
 * above the caller's: that needs CAP_SYS_RESOURCE in the initial user
 * namespace, so it works only when rlimits are set before the user namespace
 * exists -- and where the runtime itself lacks the capability, create must
 * fail cleanly naming the step and EPERM. */
Test(pipeline, rlimits_with_user_namespace)
{
  struct rlimit low = {.rlim_cur = 512, .rlim_max = 1024};
  cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
  json_t *cfg = itest_config();
  set_namespaces(cfg, json_pack("[{s:s},{s:s},{s:s},{s:s},{s:s}]", "type", "user", "type", "pid",
                                "type", "mount", "type", "ipc", "type", "uts"));
  map_user(cfg, 200000, 65536);
  set_script(cfg, "grep -E 'Max (open files|core file size)' /proc/self/limits");

  /* Within the caller's hard limit: always possible. */
  json_object_set_new(json_object_get(cfg, "process"), "rlimits",
                      json_pack("[{s:s,s:i,s:i},{s:s,s:i,s:i}]", "type", "RLIMIT_NOFILE", "soft",
                                1000, "hard", 1000, "type", "RLIMIT_CORE", "soft", 0, "hard", 0));
  const char *out = run_container(cfg, 0);
  cr_assert(strstr(out, "Max open files            1000                 1000") != NULL,
            "limits: %s", out);
  cr_assert(strstr(out, "Max core file size        0                    0") != NULL, "limits: %s",
            out);

  /* Above it. */
  json_object_set_new(
      json_object_get(cfg, "process"), "rlimits",
      json_pack("[{s:s,s:i,s:i}]", "type", "RLIMIT_NOFILE", "soft", 4096, "hard", 8192));
  if (have_cap(CAP_SYS_RESOURCE)) {
    out = run_container(cfg, 0);
    cr_assert(strstr(out, "Max open files            4096                 8192") != NULL,
              "limits: %s", out);
  } else {
    struct itest_snap before;
    itest_snapshot(&before);
    struct itest_result r;
    itest_nsrtv(&r, 20000, "run", "--bundle", itest_bundle(cfg), itest_id(), NULL);
    cr_assert_eq(r.status, 1, "`%s` exited %d: %s", r.cmdline, r.status, r.err);
    cr_assert_str_eq(r.err, "nsrt: intermediate: set_rlimits: RLIMIT_NOFILE soft 4096 hard 8192: "
                            "Operation not permitted\n");
    itest_assert_no_leaks(&before);
  }
  json_decref(cfg);
}

static unsigned long long status_hex(const char *out, const char *key)
{
  char buf[64];
  const char *v = field(out, key, buf, sizeof(buf));
  cr_assert_not_null(v, "no %s in %s", key, out);
  return strtoull(v, NULL, 16);
}

Test(pipeline, capabilities_and_no_new_privs)
{
  json_t *cfg = itest_config();
  json_t *caps = json_pack("{s:[ss],s:[ss],s:[s],s:[s],s:[s]}", "bounding", "CAP_KILL", "CAP_CHOWN",
                           "permitted", "CAP_KILL", "CAP_CHOWN", "effective", "CAP_KILL",
                           "inheritable", "CAP_KILL", "ambient", "CAP_KILL");
  json_object_set_new(json_object_get(cfg, "process"), "capabilities", caps);
  json_object_set_new(json_object_get(cfg, "process"), "user",
                      json_pack("{s:i,s:i}", "uid", 1000, "gid", 1000));
  set_script(cfg, "grep -E '^(Cap|NoNewPrivs)' /proc/self/status");
  const char *out = run_container(cfg, 0);
  /* CAP_CHOWN is bit 0, CAP_KILL bit 5.  A non-root exec keeps only what the
   * ambient set carries: CAP_KILL in permitted and effective. */
  cr_assert_eq(status_hex(out, "CapBnd"), 0x21ULL, "%s", out);
  cr_assert_eq(status_hex(out, "CapAmb"), 0x20ULL, "%s", out);
  cr_assert_eq(status_hex(out, "CapPrm"), 0x20ULL, "%s", out);
  cr_assert_eq(status_hex(out, "CapEff"), 0x20ULL, "%s", out);
  cr_assert_eq(status_hex(out, "CapInh"), 0x20ULL, "%s", out);
  char buf[16];
  cr_assert_str_eq(field(out, "NoNewPrivs", buf, sizeof(buf)), "1", "%s", out);

  json_object_set_new(json_object_get(cfg, "process"), "noNewPrivileges", json_false());
  out = run_container(cfg, 0);
  cr_assert_str_eq(field(out, "NoNewPrivs", buf, sizeof(buf)), "0", "%s", out);
  json_decref(cfg);
}

Test(pipeline, user_groups_umask)
{
  json_t *cfg = itest_config();
  json_object_set_new(json_object_get(cfg, "process"), "user",
                      json_pack("{s:i,s:i,s:[ii],s:i}", "uid", 1234, "gid", 2345, "additionalGids",
                                10, 20, "umask", 027));
  set_script(cfg, "echo ids $(id -u) $(id -g); echo groups $(id -G); grep Umask /proc/self/status");
  const char *out = run_container(cfg, 0);
  char buf[64];
  cr_assert_str_eq(field(out, "ids", buf, sizeof(buf)), "1234 2345", "%s", out);
  cr_assert_str_eq(field(out, "groups", buf, sizeof(buf)), "2345 10 20", "%s", out);
  cr_assert_str_eq(field(out, "Umask", buf, sizeof(buf)), "0027", "%s", out);
  json_decref(cfg);
}

Test(pipeline, seccomp_errno_rule_fires)
{
  json_t *cfg = itest_config();
  json_array_append_new(
      json_object_get(cfg, "mounts"),
      json_pack("{s:s,s:s,s:s}", "destination", "/tmp", "type", "tmpfs", "source", "tmpfs"));
  json_object_set_new(json_object_get(cfg, "linux"), "seccomp",
                      json_pack("{s:s,s:[{s:[ss],s:s,s:i}]}", "defaultAction", "SCMP_ACT_ALLOW",
                                "syscalls", "names", "mkdir", "mkdirat", "action", "SCMP_ACT_ERRNO",
                                "errnoRet", 38));
  set_script(cfg, "grep '^Seccomp:' /proc/self/status; mkdir /tmp/d 2>&1; "
                  "touch /tmp/f && echo touch ok");
  const char *out = run_container(cfg, 0);
  char buf[128];
  cr_assert_str_eq(field(out, "Seccomp", buf, sizeof(buf)), "2", "%s", out);
  cr_assert(strstr(out, "Function not implemented") != NULL, "mkdir was not denied: %s", out);
  cr_assert(strstr(out, "touch ok") != NULL, "other syscalls were denied: %s", out);
  json_decref(cfg);
}

Test(pipeline, exit_codes_pass_through)
{
  json_t *cfg = itest_config();
  set_script(cfg, "exit 42");
  run_container(cfg, 42);
  /* Not as pid 1 of a pid namespace, which signals cannot kill. */
  set_namespaces(cfg, json_pack("[{s:s},{s:s}]", "type", "mount", "type", "ipc"));
  set_script(cfg, "kill -9 $$");
  run_container(cfg, 128 + 9);
  json_decref(cfg);
}

Test(pipeline, hostname_masked_and_readonly_paths)
{
  json_t *cfg = itest_config();
  json_object_set_new(cfg, "hostname", json_string("box1"));
  json_object_set_new(cfg, "domainname", json_string("example.test"));
  json_t *linux_ = json_object_get(cfg, "linux");
  json_object_set_new(linux_, "maskedPaths",
                      json_pack("[sss]", "/proc/keys", "/proc/timer_list", "/sys/firmware"));
  json_object_set_new(linux_, "readonlyPaths", json_pack("[s]", "/proc/sys"));
  set_script(cfg, "echo host $(hostname) $(cat /proc/sys/kernel/domainname); "
                  "echo masked $(cat /proc/keys /proc/timer_list | wc -c); echo fw $(ls "
                  "/sys/firmware | wc -l); "
                  "echo 1 2>/dev/null > /proc/sys/kernel/domainname && echo sysw yes || "
                  "echo sysw no");
  const char *out = run_container(cfg, 0);
  char buf[128];
  cr_assert_str_eq(field(out, "host", buf, sizeof(buf)), "box1 example.test", "%s", out);
  cr_assert_str_eq(field(out, "masked", buf, sizeof(buf)), "0", "%s", out);
  cr_assert_str_eq(field(out, "fw", buf, sizeof(buf)), "0", "%s", out);
  cr_assert_str_eq(field(out, "sysw", buf, sizeof(buf)), "no", "%s", out);
  json_decref(cfg);
}

/* Only 0-2 reach the container: nothing of the runtime's (channels, the
 * start socket, the state dir, log files). */
Test(pipeline, only_stdio_fds_reach_the_container)
{
  json_t *cfg = itest_config();
  /* ls runs as a child of the shell (not the last command, so the shell does
   * not exec it), so its own directory fd is not in the listing. */
  set_script(cfg, "ls /proc/$$/fd; true");
  const char *out = run_container(cfg, 0);
  char *copy = strdup(out);
  int n = 0;
  for (char *tok = strtok(copy, " \n"); tok; tok = strtok(NULL, " \n")) {
    int fd = atoi(tok);
    cr_assert(fd >= 0 && fd <= 2, "fd %s reached the container: %s", tok, out);
    n++;
  }
  cr_assert_eq(n, 3, "expected fds 0 1 2, got: %s", out);
  free(copy);
  json_decref(cfg);
}

/* --preserve-fds 1: fd 3 of the caller reaches the container as fd 3, and
 * nothing else above 2 does. */
Test(pipeline, preserved_fd_reaches_the_container)
{
  struct itest_snap before;
  itest_snapshot(&before);
  json_t *cfg = itest_config();
  set_script(cfg, "echo through-fd-3 >&3; ls /proc/$$/fd; true");
  const char *bundle = itest_bundle(cfg);
  int p[2];
  cr_assert_eq(pipe(p), 0);
  int out[2];
  cr_assert_eq(pipe(out), 0);
  const char *id = itest_id();
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    /* fd 3 = the pipe's write end, nothing else above 2 */
    if (dup2(p[1], 3) < 0 || dup2(out[1], 1) < 0)
      _exit(125);
    for (int fd = 4; fd < 1024; fd++)
      close(fd);
    execl(itest_nsrt_bin(), "nsrt", "--root", itest_root(), "run", "--preserve-fds", "1",
          "--bundle", bundle, id, (char *)NULL);
    _exit(127);
  }
  itest_own_pid(pid);
  close(p[1]);
  close(out[1]);
  int status;
  cr_assert_eq(itest_wait_pid(pid, 20000, &status), 0);
  cr_assert_eq(status, 0, "nsrt run exited %d", status);
  char buf[256] = "", listing[256] = "";
  ssize_t n = read(p[0], buf, sizeof(buf) - 1);
  buf[n > 0 ? n : 0] = '\0';
  n = read(out[0], listing, sizeof(listing) - 1);
  listing[n > 0 ? n : 0] = '\0';
  close(p[0]);
  close(out[0]);
  cr_assert_str_eq(buf, "through-fd-3\n");
  /* the shell's own fds: 0 1 2 and the preserved 3 */
  char *copy = strdup(listing);
  int count = 0;
  for (char *tok = strtok(copy, " \n"); tok; tok = strtok(NULL, " \n"), count++)
    cr_assert(atoi(tok) <= 3, "fd %s reached the container: %s", tok, listing);
  cr_assert_eq(count, 4, "expected fds 0-3, got: %s", listing);
  free(copy);
  json_decref(cfg);
  itest_assert_no_leaks(&before);
}

/* ---- process.scheduler, process.ioPriority, linux.memoryPolicy ---------------------------
 * Observed from inside by the probe built next to nsrt (bind-mounted over the
 * rootfs's /nsprobe, so these tests see the probe of this build). */

static json_t *probe_in(json_t *cfg)
{
  char probe[PATH_MAX];
  snprintf(probe, sizeof(probe), "%s", itest_nsrt_bin());
  char *slash = strrchr(probe, '/');
  cr_assert_not_null(slash);
  snprintf(slash + 1, sizeof(probe) - (size_t)(slash + 1 - probe), "nsprobe");
  cr_assert_eq(access(probe, X_OK), 0, "%s is missing: build nsprobe", probe);
  json_array_append_new(json_object_get(cfg, "mounts"),
                        json_pack("{s:s,s:s,s:s,s:[ss]}", "destination", "/nsprobe", "type", "bind",
                                  "source", probe, "options", "bind", "ro"));
  json_object_set_new(json_object_get(cfg, "process"), "args", json_pack("[s]", "/nsprobe"));
  const char *out = run_container(cfg, 0);
  json_error_t jerr;
  json_t *j = json_loads(out, 0, &jerr);
  cr_assert_not_null(j, "probe output is not JSON (%s): %s", jerr.text, out);
  return j;
}

static void add_userns(json_t *cfg)
{
  json_array_append_new(json_object_get(json_object_get(cfg, "linux"), "namespaces"),
                        json_pack("{s:s}", "type", "user"));
  map_user(cfg, 200000, 65536);
  /* A new user namespace does not own the host's sysfs: bind it instead. */
  json_t *mounts = json_object_get(cfg, "mounts"), *m;
  size_t i;
  json_array_foreach(mounts, i, m)
  {
    if (strcmp(json_string_value(json_object_get(m, "destination")), "/sys") == 0) {
      json_array_set_new(mounts, i,
                         json_pack("{s:s,s:s,s:s,s:[sss]}", "destination", "/sys", "type", "bind",
                                   "source", "/sys", "options", "rbind", "nosuid", "ro"));
      break;
    }
  }
}

static const char *jget_str(json_t *o, const char *key)
{
  const char *s = json_string_value(json_object_get(o, key));
  cr_assert_not_null(s, "no string %s", key);
  return s;
}

static long long jget_int(json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);
  cr_assert(json_is_integer(v), "no integer %s", key);
  return json_integer_value(v);
}

/* A create that must fail with exactly this first part of the message and
 * leave nothing behind. */
static void expect_create_error(json_t *cfg, const char *prefix, const char *suffix)
{
  struct itest_snap before;
  itest_snapshot(&before);
  struct itest_result r;
  itest_nsrtv(&r, 20000, "run", "--bundle", itest_bundle(cfg), itest_id(), NULL);
  cr_assert_eq(r.status, 1, "`%s` exited %d: %s", r.cmdline, r.status, r.err);
  cr_assert_eq(strncmp(r.err, prefix, strlen(prefix)), 0, "stderr: %s", r.err);
  size_t n = strlen(r.err), k = strlen(suffix);
  cr_assert(n >= k && strcmp(r.err + n - k, suffix) == 0, "stderr: %s", r.err);
  itest_assert_no_leaks(&before);
}

Test(pipeline, scheduler_applied_also_in_a_user_namespace)
{
  /* SCHED_FIFO needs CAP_SYS_NICE in the initial user namespace: applied by
   * main, it works for a container in its own user namespace. */
  json_t *cfg = itest_config();
  add_userns(cfg);
  json_object_set_new(json_object_get(cfg, "process"), "scheduler",
                      json_pack("{s:s,s:i}", "policy", "SCHED_FIFO", "priority", 10));
  json_t *j = probe_in(cfg);
  json_t *s = json_object_get(j, "sched");
  cr_assert_str_eq(jget_str(s, "policy"), "SCHED_FIFO");
  cr_assert_eq(jget_int(s, "priority"), 10);
  cr_assert_eq(json_array_size(json_object_get(s, "flags")), 0);
  json_decref(j);
  json_decref(cfg);

  cfg = itest_config();
  json_object_set_new(json_object_get(cfg, "process"), "scheduler",
                      json_pack("{s:s,s:i,s:[s]}", "policy", "SCHED_RR", "priority", 5, "flags",
                                "SCHED_FLAG_RESET_ON_FORK"));
  j = probe_in(cfg);
  s = json_object_get(j, "sched");
  cr_assert_str_eq(jget_str(s, "policy"), "SCHED_RR");
  cr_assert_eq(jget_int(s, "priority"), 5);
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(s, "flags"), 0)),
                   "SCHED_FLAG_RESET_ON_FORK");
  json_decref(j);

  /* A deadline task cannot fork: set on the init, after the pipeline's clones. */
  json_object_set_new(json_object_get(cfg, "process"), "scheduler",
                      json_pack("{s:s,s:I,s:I}", "policy", "SCHED_DEADLINE", "runtime",
                                (json_int_t)1000000, "deadline", (json_int_t)10000000));
  j = probe_in(cfg);
  s = json_object_get(j, "sched");
  cr_assert_str_eq(jget_str(s, "policy"), "SCHED_DEADLINE");
  cr_assert_eq(jget_int(s, "runtime"), 1000000);
  cr_assert_eq(jget_int(s, "deadline"), 10000000);
  cr_assert_eq(jget_int(s, "period"), 10000000, "an unset period is the deadline");
  json_decref(j);

  /* The kernel's refusal (runtime above the deadline) fails create cleanly. */
  json_object_set_new(json_object_get(cfg, "process"), "scheduler",
                      json_pack("{s:s,s:I,s:I}", "policy", "SCHED_DEADLINE", "runtime",
                                (json_int_t)20000000, "deadline", (json_int_t)10000000));
  expect_create_error(cfg, "nsrt: main: set_scheduler: SCHED_DEADLINE nice 0 priority 0",
                      ": Invalid argument\n");
  json_decref(cfg);
}

Test(pipeline, io_priority_applied_also_in_a_user_namespace)
{
  json_t *cfg = itest_config();
  add_userns(cfg);
  /* The real-time class needs CAP_SYS_NICE or CAP_SYS_ADMIN in the initial
   * user namespace. */
  json_object_set_new(json_object_get(cfg, "process"), "ioPriority",
                      json_pack("{s:s,s:i}", "class", "IOPRIO_CLASS_RT", "priority", 3));
  json_t *j = probe_in(cfg);
  json_t *io = json_object_get(j, "ioprio");
  cr_assert_str_eq(jget_str(io, "class"), "IOPRIO_CLASS_RT");
  cr_assert_eq(jget_int(io, "priority"), 3);
  json_decref(j);
  json_decref(cfg);

  cfg = itest_config();
  json_object_set_new(json_object_get(cfg, "process"), "ioPriority",
                      json_pack("{s:s,s:i}", "class", "IOPRIO_CLASS_BE", "priority", 7));
  j = probe_in(cfg);
  io = json_object_get(j, "ioprio");
  cr_assert_str_eq(jget_str(io, "class"), "IOPRIO_CLASS_BE");
  cr_assert_eq(jget_int(io, "priority"), 7);
  json_decref(j);
  json_decref(cfg);
}

Test(pipeline, memory_policy_applied_before_the_seccomp_filter)
{
  /* The filter denies set_mempolicy: the policy must be in place before it is
   * loaded, both when it is loaded early (noNewPrivileges false) and last. */
  for (int nnp = 0; nnp < 2; nnp++) {
    json_t *cfg = itest_config();
    add_userns(cfg);
    json_object_set_new(json_object_get(cfg, "process"), "noNewPrivileges", json_boolean(nnp));
    json_t *lnx = json_object_get(cfg, "linux");
    json_object_set_new(lnx, "memoryPolicy",
                        json_pack("{s:s,s:s,s:[s]}", "mode", "MPOL_BIND", "nodes", "0", "flags",
                                  "MPOL_F_STATIC_NODES"));
    json_object_set_new(lnx, "seccomp",
                        json_pack("{s:s,s:[{s:[s],s:s,s:i}]}", "defaultAction", "SCMP_ACT_ALLOW",
                                  "syscalls", "names", "set_mempolicy", "action", "SCMP_ACT_ERRNO",
                                  "errnoRet", 1));
    json_t *j = probe_in(cfg);
    json_t *mp = json_object_get(j, "mempolicy");
    cr_assert_str_eq(jget_str(mp, "mode"), "MPOL_BIND", "noNewPrivileges %d", nnp);
    cr_assert_str_eq(jget_str(mp, "nodes"), "0");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(mp, "flags"), 0)),
                     "MPOL_F_STATIC_NODES");
    json_decref(j);
    json_decref(cfg);
  }

  json_t *cfg = itest_config();
  json_object_set_new(json_object_get(cfg, "linux"), "memoryPolicy",
                      json_pack("{s:s}", "mode", "MPOL_PREFERRED"));
  json_t *j = probe_in(cfg);
  cr_assert_str_eq(jget_str(json_object_get(j, "mempolicy"), "mode"), "MPOL_LOCAL",
                   "MPOL_PREFERRED without nodes is local allocation");
  json_decref(j);

  /* A node the machine does not have: the kernel refuses, create fails cleanly. */
  if (access("/sys/devices/system/node/node1000", F_OK) != 0) {
    json_object_set_new(json_object_get(cfg, "linux"), "memoryPolicy",
                        json_pack("{s:s,s:s}", "mode", "MPOL_BIND", "nodes", "1000"));
    expect_create_error(cfg,
                        "nsrt: init: set_mempolicy: MPOL_BIND flags 0x0, 1 nodes up to node "
                        "1000",
                        "\n");
  }
  json_decref(cfg);
}

/* ---- linux.devices, id-mapped mounts, remount ----------------------------------------------
 * Observed from inside with the probe of this build and its --stat PATH. */

/* The probe's JSON for cfg, run as `/nsprobe --stat PATH...`. */
static json_t *probe_stat(json_t *cfg, const char *const *paths, size_t n)
{
  json_t *args = json_pack("[s]", "/nsprobe");
  for (size_t i = 0; i < n; i++) {
    json_array_append_new(args, json_string("--stat"));
    json_array_append_new(args, json_string(paths[i]));
  }
  char probe[PATH_MAX];
  snprintf(probe, sizeof(probe), "%s", itest_nsrt_bin());
  char *slash = strrchr(probe, '/');
  cr_assert_not_null(slash);
  snprintf(slash + 1, sizeof(probe) - (size_t)(slash + 1 - probe), "nsprobe");
  cr_assert_eq(access(probe, X_OK), 0, "%s is missing: build nsprobe", probe);
  json_array_append_new(json_object_get(cfg, "mounts"),
                        json_pack("{s:s,s:s,s:s,s:[ss]}", "destination", "/nsprobe", "type", "bind",
                                  "source", probe, "options", "bind", "ro"));
  json_object_set_new(json_object_get(cfg, "process"), "args", args);
  const char *out = run_container(cfg, 0);
  json_error_t jerr;
  json_t *j = json_loads(out, 0, &jerr);
  cr_assert_not_null(j, "probe output is not JSON (%s): %s", jerr.text, out);
  return j;
}

static json_t *stat_of(json_t *probe, const char *path)
{
  json_t *s = json_object_get(json_object_get(probe, "stat"), path);
  cr_assert(json_is_object(s), "the probe has no stat of %s", path);
  return s;
}

/* The mountinfo options of the topmost mount at point, and how many there are. */
static const char *mount_options_at(json_t *probe, const char *point, size_t *count)
{
  const char *opts = NULL;
  size_t i;
  json_t *m;
  *count = 0;
  json_array_foreach(json_object_get(probe, "mounts"), i, m)
  {
    if (strcmp(jget_str(m, "mount_point"), point) == 0) {
      opts = jget_str(m, "options");
      (*count)++;
    }
  }
  return opts;
}

static bool has_mount_option(const char *csv, const char *opt)
{
  size_t n = strlen(opt);
  for (const char *p = csv; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
    if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
      return true;
  return false;
}

Test(pipeline, devices_made_or_bound_with_their_attributes)
{
  /* no user namespace: mknod, with fileMode 0660 and owner 1000:1001 */
  json_t *cfg = itest_config();
  json_object_set_new(json_object_get(cfg, "linux"), "devices",
                      json_pack("[{s:s,s:s,s:i,s:i,s:i,s:i,s:i}, {s:s,s:s}]", "path",
                                "/dev/nsc-full", "type", "c", "major", 1, "minor", 7, "fileMode",
                                0660, "uid", 1000, "gid", 1001, "path", "/dev/nsc/fifo", "type",
                                "p"));
  static const char *const paths[] = {"/dev/nsc-full", "/dev/nsc/fifo"};
  json_t *j = probe_stat(cfg, paths, 2);
  json_t *s = stat_of(j, "/dev/nsc-full");
  cr_assert_str_eq(jget_str(s, "type"), "c");
  cr_assert_eq(jget_int(s, "major"), 1);
  cr_assert_eq(jget_int(s, "minor"), 7);
  cr_assert_str_eq(jget_str(s, "mode"), "0660");
  cr_assert_eq(jget_int(s, "uid"), 1000);
  cr_assert_eq(jget_int(s, "gid"), 1001);
  cr_assert_str_eq(jget_str(stat_of(j, "/dev/nsc/fifo"), "type"), "p");
  json_decref(j);
  json_decref(cfg);

  /* a user namespace: the host's node at the same path, bound */
  struct stat host;
  if (stat("/dev/full", &host) == 0 && S_ISCHR(host.st_mode)) {
    cfg = itest_config();
    add_userns(cfg);
    json_object_set_new(json_object_get(cfg, "linux"), "devices",
                        json_pack("[{s:s,s:s,s:i,s:i}, {s:s,s:s}]", "path", "/dev/full", "type",
                                  "c", "major", 1, "minor", 7, "path", "/dev/nsc/fifo", "type",
                                  "p"));
    j = probe_stat(cfg, paths + 1, 1);
    json_t *full = json_object_get(json_object_get(j, "dev"), "full");
    cr_assert_str_eq(jget_str(full, "type"), "c");
    cr_assert_eq(jget_int(full, "minor"), 7);
    cr_assert_eq(jget_int(full, "open"), 0, "/dev/full does not open in the container");
    cr_assert_str_eq(jget_str(stat_of(j, "/dev/nsc/fifo"), "type"), "p");
    json_decref(j);
    /* a mode the host's node does not have cannot be given in a user namespace */
    json_object_set_new(
        json_array_get(json_object_get(json_object_get(cfg, "linux"), "devices"), 0), "fileMode",
        json_integer((host.st_mode & 0777) ^ 0400));
    json_object_set_new(json_object_get(cfg, "process"), "args", json_pack("[s]", "/bin/true"));
    expect_create_error(cfg, "nsrt: spec: linux.devices[0].fileMode: ", "\n");
    json_decref(cfg);
  }

  /* a regular file of the rootfs at the path: an error, nothing created */
  cfg = itest_config();
  json_object_set_new(
      json_object_get(cfg, "linux"), "devices",
      json_pack("[{s:s,s:s,s:i,s:i}]", "path", "/etc/passwd", "type", "c", "major", 1, "minor", 3));
  expect_create_error(cfg,
                      "nsrt: spec: linux.devices[0].path: /etc/passwd exists in the rootfs and is "
                      "not the c 1:3 device",
                      "\n");
  /* under a mount it is init that finds it */
  json_object_set_new(json_array_get(json_object_get(json_object_get(cfg, "linux"), "devices"), 0),
                      "path", json_string("/dev/pts/ptmx"));
  expect_create_error(cfg,
                      "nsrt: init: create_devices: /dev/pts/ptmx exists and is not the c 1:3 "
                      "device",
                      ": File exists\n");
  json_decref(cfg);
}

/* The bundle directory (made by this test as root) bound with its own
 * mapping: uid 0 -> 101000, gid 0 -> 102000. */
static json_t *idmap_mount(const char *bind, const char *idmap, bool uid_only)
{
  json_t *m = json_pack("{s:s,s:s,s:s,s:[ss],s:[{s:i,s:i,s:i}]}", "destination", "/dev/nsc-idmap",
                        "type", "bind", "source", ".", "options", bind, idmap, "uidMappings",
                        "containerID", 0, "hostID", 101000, "size", 1);
  if (!uid_only)
    json_object_set_new(
        m, "gidMappings",
        json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", 102000, "size", 1));
  return m;
}

Test(pipeline, idmapped_mounts_get_their_mappings)
{
  static const char *const paths[] = {"/dev/nsc-idmap"};
  cr_assert_eq(geteuid(), 0, "the bundle must be root's for the expected owners");
  /* without a user namespace the container sees the mapped host ids */
  json_t *cfg = itest_config();
  json_array_append_new(json_object_get(cfg, "mounts"), idmap_mount("bind", "idmap", false));
  json_t *j = probe_stat(cfg, paths, 1);
  json_t *s = stat_of(j, "/dev/nsc-idmap");
  cr_assert_eq(jget_int(s, "uid"), 101000);
  cr_assert_eq(jget_int(s, "gid"), 102000);
  size_t n;
  const char *opts = mount_options_at(j, "/dev/nsc-idmap", &n);
  cr_assert_eq(n, 1);
  cr_assert(has_mount_option(opts, "idmapped"), "options %s", opts);
  json_decref(j);
  json_decref(cfg);

  /* in a user namespace (host 200000 is container 0) the same host ids are unmapped, and a
   * mapping onto 200000+ shows the container's own ids */
  cfg = itest_config();
  add_userns(cfg);
  json_t *m = idmap_mount("rbind", "ridmap", false);
  json_object_set_new(m, "uidMappings",
                      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", 201000, "size", 1));
  json_object_set_new(m, "gidMappings",
                      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", 202000, "size", 1));
  json_array_append_new(json_object_get(cfg, "mounts"), m);
  j = probe_stat(cfg, paths, 1);
  s = stat_of(j, "/dev/nsc-idmap");
  cr_assert_eq(jget_int(s, "uid"), 1000);
  cr_assert_eq(jget_int(s, "gid"), 2000);
  opts = mount_options_at(j, "/dev/nsc-idmap", &n);
  cr_assert(has_mount_option(opts, "idmapped"), "options %s", opts);
  json_decref(j);
  json_decref(cfg);

  /* idmap without mappings uses the container's user namespace: root is root */
  cfg = itest_config();
  add_userns(cfg);
  json_array_append_new(json_object_get(cfg, "mounts"),
                        json_pack("{s:s,s:s,s:s,s:[ss]}", "destination", "/dev/nsc-idmap", "type",
                                  "bind", "source", ".", "options", "bind", "idmap"));
  j = probe_stat(cfg, paths, 1);
  s = stat_of(j, "/dev/nsc-idmap");
  cr_assert_eq(jget_int(s, "uid"), 0);
  cr_assert_eq(jget_int(s, "gid"), 0);
  json_decref(j);
  json_decref(cfg);

  /* the errors: a lone uidMappings, and idmap with neither mappings nor user namespace */
  cfg = itest_config();
  json_array_append_new(json_object_get(cfg, "mounts"), idmap_mount("bind", "idmap", true));
  size_t last = json_array_size(json_object_get(cfg, "mounts")) - 1;
  char prefix[128];
  snprintf(prefix, sizeof(prefix), "nsrt: spec: mounts[%zu].uidMappings: given without gidMappings",
           last);
  expect_create_error(cfg, prefix, "\n");
  json_object_del(json_array_get(json_object_get(cfg, "mounts"), last), "uidMappings");
  snprintf(prefix, sizeof(prefix),
           "nsrt: spec: mounts[%zu].options: \"idmap\" without uidMappings and gidMappings needs "
           "a user namespace",
           last);
  expect_create_error(cfg, prefix, "\n");
  json_decref(cfg);
}

Test(pipeline, remount_changes_the_mount_at_the_destination)
{
  static const char *const none[] = {"/"};
  /* the rootfs's /etc: unlike the test's bundle (mode 0700) the container's
   * root, host uid 200000, may look it up */
  char etc[PATH_MAX];
  snprintf(etc, sizeof(etc), "%s/etc", itest_rootfs());
  json_t *cfg = itest_config();
  add_userns(cfg);
  json_t *mounts = json_object_get(cfg, "mounts");
  json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:[s]}", "destination", "/dev/nsc-remount",
                                          "type", "bind", "source", etc, "options", "rbind"));
  json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:[sss]}", "destination",
                                          "/dev/nsc-remount", "type", "bind", "source", etc,
                                          "options", "remount", "bind", "ro"));
  json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:[sssss]}", "destination", "/dev/shm",
                                          "type", "tmpfs", "source", "shm", "options", "remount",
                                          "ro", "nosuid", "nodev", "noexec"));
  json_t *j = probe_stat(cfg, none, 1);
  size_t n;
  const char *opts = mount_options_at(j, "/dev/nsc-remount", &n);
  cr_assert_eq(n, 1, "%zu mounts at /dev/nsc-remount: a remount must not add one", n);
  cr_assert(has_mount_option(opts, "ro"), "/dev/nsc-remount: %s", opts);
  opts = mount_options_at(j, "/dev/shm", &n);
  cr_assert_eq(n, 1, "%zu mounts at /dev/shm", n);
  cr_assert(has_mount_option(opts, "ro"), "/dev/shm: %s", opts);
  json_decref(j);
  json_decref(cfg);

  /* nothing at the destination to remount: an error naming it */
  cfg = itest_config();
  json_array_append_new(json_object_get(cfg, "mounts"),
                        json_pack("{s:s,s:s,s:s,s:[sss]}", "destination", "/dev/nsc-remount",
                                  "type", "bind", "source", ".", "options", "remount", "bind",
                                  "ro"));
  expect_create_error(cfg, "nsrt: init: mount: remount /dev/nsc-remount: open it",
                      ": No such file or directory\n");
  json_decref(cfg);
}

/* ---- a user namespace given by path, with other namespaces given by path ------------------
 * A namespace the joined user namespace does not own can only be joined before it, with the
 * host's privileges; one it owns, by a runtime without CAP_SYS_ADMIN in the initial user
 * namespace, only after it.  Both must work: a two-stage join (opencontainers/runc#4390). */

#define JOIN_TARGET_HOST_ID 300000

static void write_id_map(pid_t pid, const char *file)
{
  char path[64], line[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
  int len = snprintf(line, sizeof(line), "0 %d 65536\n", JOIN_TARGET_HOST_ID);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
  cr_assert_eq(write(fd, line, (size_t)len), len, "write %s: %s", path, strerror(errno));
  close(fd);
}

/* A process (owned by the test) holding new namespaces (CLONE_NEW* flags) for containers to
 * join; in a new user namespace its root is mapped to host JOIN_TARGET_HOST_ID, 65536 ids. */
static pid_t spawn_join_target(int flags)
{
  int p[2];
  cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    close(p[0]);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || unshare(flags) < 0)
      _exit(1);
    if (write(p[1], "x", 1) != 1)
      _exit(1);
    close(p[1]);
    for (;;)
      pause();
  }
  itest_own_pid(pid);
  close(p[1]);
  char c;
  /* EOF when the child failed: bounded. */
  cr_assert_eq(read(p[0], &c, 1), 1, "namespace holder (flags %#x) failed", flags);
  close(p[0]);
  if (flags & CLONE_NEWUSER) {
    write_id_map(pid, "uid_map");
    write_id_map(pid, "gid_map");
  }
  return pid;
}

static const char *ns_link(pid_t pid, const char *name, char *buf, size_t len)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, name);
  ssize_t n = readlink(path, buf, len - 1);
  cr_assert_gt(n, 0, "readlink %s: %s", path, strerror(errno));
  buf[n] = '\0';
  return buf;
}

/* A config joining the user namespace of user_pid and the ipc namespace of ipc_pid, with new
 * pid, mount, uts and network namespaces; /dev/mqueue only when ipc_pid's ipc namespace belongs
 * to the joined user namespace (mqueue needs that). */
static json_t *join_config(pid_t user_pid, pid_t ipc_pid)
{
  char user[64], ipc[64];
  snprintf(user, sizeof(user), "/proc/%d/ns/user", user_pid);
  snprintf(ipc, sizeof(ipc), "/proc/%d/ns/ipc", ipc_pid);
  json_t *cfg = itest_config();
  set_namespaces(cfg, json_pack("[{s:s,s:s},{s:s,s:s},{s:s},{s:s},{s:s},{s:s}]", "type", "user",
                                "path", user, "type", "ipc", "path", ipc, "type", "pid", "type",
                                "mount", "type", "uts", "type", "network"));
  if (user_pid != ipc_pid) {
    json_t *mounts = json_object_get(cfg, "mounts");
    for (size_t i = 0; i < json_array_size(mounts); i++)
      if (strcmp(json_string_value(json_object_get(json_array_get(mounts, i), "destination")),
                 "/dev/mqueue") == 0)
        json_array_remove(mounts, i--);
  }
  set_script(cfg, "for n in user ipc; do echo ns_$n $(readlink /proc/self/ns/$n); done; "
                  "echo map $(cat /proc/self/uid_map); echo gmap $(cat /proc/self/gid_map); "
                  "echo uid $(id -u) gid $(id -g)");
  return cfg;
}

/* The container's user and ipc namespaces are those of the targets, with their maps. */
static void expect_joined(json_t *cfg, pid_t user_pid, pid_t ipc_pid, const char *what)
{
  const char *out = run_container(cfg, 0);
  char want[128], buf[128], map[64];
  const char *got = field(out, "ns_user", buf, sizeof(buf));
  cr_assert_not_null(got, "%s: no ns_user in output: %s", what, out);
  cr_assert_str_eq(got, ns_link(user_pid, "user", want, sizeof(want)), "%s: user namespace", what);
  got = field(out, "ns_ipc", buf, sizeof(buf));
  cr_assert_not_null(got, "%s: no ns_ipc in output: %s", what, out);
  cr_assert_str_eq(got, ns_link(ipc_pid, "ipc", want, sizeof(want)), "%s: ipc namespace", what);
  snprintf(map, sizeof(map), "0 %d 65536", JOIN_TARGET_HOST_ID);
  cr_assert_str_eq(field(out, "map", buf, sizeof(buf)), map, "%s: output: %s", what, out);
  cr_assert_str_eq(field(out, "gmap", buf, sizeof(buf)), map, "%s: output: %s", what, out);
  cr_assert_str_eq(field(out, "uid", buf, sizeof(buf)), "0 gid 0", "%s: output: %s", what, out);
}

Test(pipeline, user_namespace_joined_with_namespaces_it_does_not_own)
{
  struct itest_snap before;
  itest_snapshot(&before);
  pid_t user = spawn_join_target(CLONE_NEWUSER);
  pid_t ipc = spawn_join_target(CLONE_NEWIPC); /* owned by the initial user namespace */
  pid_t both = spawn_join_target(CLONE_NEWUSER | CLONE_NEWIPC); /* ipc owned by its userns */

  json_t *foreign = join_config(user, ipc);
  expect_joined(foreign, user, ipc, "ipc not owned by the joined user namespace");
  json_t *owned = join_config(both, both);
  expect_joined(owned, both, both, "ipc owned by the joined user namespace");

  /* nsrt without CAP_SYS_ADMIN (the bounding set is per thread and inherited by the nsrt we
   * fork; root's execve keeps no more than it).  The foreign ipc namespace can then not be
   * joined at all, and the error names the step: this also proves the drop took effect. */
  cr_assert_eq(prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0), 0, "PR_CAPBSET_DROP: %s",
               strerror(errno));
  char prefix[96];
  snprintf(prefix, sizeof(prefix), "nsrt: intermediate: setns_ipc: join /proc/%d/ns/ipc", ipc);
  expect_create_error(foreign, prefix, ": Operation not permitted\n");
  /* The owned one is refused before the user namespace is joined and granted after it. */
  expect_joined(owned, both, both, "ipc owned by the joined user namespace, no CAP_SYS_ADMIN");

  pid_t holders[] = {user, ipc, both};
  for (size_t i = 0; i < sizeof(holders) / sizeof(holders[0]); i++) {
    kill(holders[i], SIGKILL);
    cr_assert_eq(itest_wait_pid(holders[i], 5000, NULL), 0);
  }
  json_decref(foreign);
  json_decref(owned);
  itest_assert_no_leaks(&before);
}
