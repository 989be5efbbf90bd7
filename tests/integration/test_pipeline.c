/* The pipeline as seen from inside the container: namespaces, ids, rlimits,
 * capabilities, no_new_privs, seccomp, exit codes.  Each test runs the real
 * nsrt on the busybox rootfs and reads what the container printed. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
  set_namespaces(cfg, json_pack("[{s:s},{s:s},{s:s},{s:s},{s:s},{s:s},{s:s},{s:s}]", "type",
                                "user", "type", "pid", "type", "mount", "type", "uts", "type",
                                "ipc", "type", "network", "type", "cgroup", "type", "time"));
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
  json_object_set_new(json_object_get(cfg, "process"), "rlimits",
                      json_pack("[{s:s,s:i,s:i}]", "type", "RLIMIT_NOFILE", "soft", 4096, "hard",
                                8192));
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
    cr_assert_str_eq(r.err,
                     "nsrt: intermediate: set_rlimits: RLIMIT_NOFILE soft 4096 hard 8192: "
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
  json_t *caps = json_pack("{s:[ss],s:[ss],s:[s],s:[s],s:[s]}", "bounding", "CAP_KILL",
                           "CAP_CHOWN", "permitted", "CAP_KILL", "CAP_CHOWN", "effective",
                           "CAP_KILL", "inheritable", "CAP_KILL", "ambient", "CAP_KILL");
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
                      json_pack("{s:i,s:i,s:[ii],s:i}", "uid", 1234, "gid", 2345,
                                "additionalGids", 10, 20, "umask", 027));
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
  json_array_append_new(json_object_get(cfg, "mounts"),
                        json_pack("{s:s,s:s,s:s}", "destination", "/tmp", "type", "tmpfs",
                                  "source", "tmpfs"));
  json_object_set_new(json_object_get(cfg, "linux"), "seccomp",
                      json_pack("{s:s,s:[{s:[ss],s:s,s:i}]}", "defaultAction", "SCMP_ACT_ALLOW",
                                "syscalls", "names", "mkdir", "mkdirat", "action",
                                "SCMP_ACT_ERRNO", "errnoRet", 38));
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
  json_object_set_new(linux_, "maskedPaths", json_pack("[sss]", "/proc/keys", "/proc/timer_list", "/sys/firmware"));
  json_object_set_new(linux_, "readonlyPaths", json_pack("[s]", "/proc/sys"));
  set_script(cfg, "echo host $(hostname) $(cat /proc/sys/kernel/domainname); "
                  "echo masked $(cat /proc/keys /proc/timer_list | wc -c); echo fw $(ls /sys/firmware | wc -l); "
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
