/* The lifecycle procedures' pure parts: the case table, the state document
 * check, SemVer precedence, unknown features properties, and the recording
 * hook script run on the host against a process of the test. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#else
#define UNDER_VALGRIND() 0
#endif

#include "lifecycle_cases.h"
#include "lifecycle_int.h"
#include "nsconform.h"

/* ---- the case table ------------------------------------------------------------ */

Test(lifecycle_table, ids_are_unique_numbered_and_complete)
{
  struct nsc_case *v;
  size_t n = nsc_lifecycle_cases(&v);
  cr_assert_geq(n, 30, "only %zu lifecycle cases", n);
  bool hooks = false, features = false, scope = false;
  for (size_t i = 0; i < n; i++) {
    char prefix[8];
    snprintf(prefix, sizeof(prefix), "l%03zu-", i + 1);
    cr_expect_eq(strncmp(v[i].id, prefix, 5), 0, "%s does not start with %s", v[i].id, prefix);
    cr_expect_eq(v[i].kind, NSC_CASE_LIFECYCLE);
    cr_expect_not_null(v[i].config, "%s has no config", v[i].id);
    cr_expect(v[i].title && v[i].title[0], "%s has no title", v[i].id);
    for (size_t k = 0; k < i; k++)
      cr_expect_str_neq(v[i].id + 5, v[k].id + 5, "slug %s twice", v[i].id + 5);
    hooks |= strcmp(v[i].id + 5, "hooks-record") == 0;
    features |= strcmp(v[i].id + 5, "features-seccomp") == 0;
    if (strcmp(v[i].id + 5, "delete-scope") == 0) {
      scope = true;
      char *text = json_dumps(v[i].config, JSON_COMPACT);
      cr_expect(strstr(text, "\"nsconform-holder:network\""), "delete-scope joins no holder: %s",
                text);
      free(text);
    }
  }
  cr_expect(hooks && features && scope);
  /* The first nine keep their ids: reports compare across versions. */
  cr_expect_str_eq(v[0].id, "l001-start-twice");
  cr_expect_str_eq(v[8].id, "l009-kill-by-number");
  for (size_t i = 0; i < n; i++)
    nsc_case_free(&v[i]);
  free(v);
}

Test(lifecycle_table, config_procedures_follow_the_features_ones)
{
  static const char *const slugs[] = {
      "args-lookup",           "root-relative",
      "mounts-order",          "mount-destination-relative",
      "bind-source-relative",  "unknown-properties",
      "console-size-ignored",  "seccomp-rule-kill",
      "seccomp-default-trace", "seccomp-args",
      "domainname-runtime-uts", "create-environment",
  };
  struct nsc_case *v;
  size_t n = nsc_lifecycle_cases(&v), first = n;
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].id + 5, "features-seccomp") == 0)
      first = i + 1;
  cr_assert_geq(n, first + sizeof(slugs) / sizeof(slugs[0]));
  for (size_t k = 0; k < sizeof(slugs) / sizeof(slugs[0]); k++)
    cr_expect_str_eq(v[first + k].id + 5, slugs[k]);
  for (size_t i = 0; i < n; i++)
    nsc_case_free(&v[i]);
  free(v);
}

Test(lifecycle_paths, relative_path_climbs_to_the_root)
{
  char buf[PATH_MAX];
  cr_assert(nsc_lc_relative_path("/tmp/a/b", "/work/x", buf, sizeof(buf)));
  cr_expect_str_eq(buf, "../../../work/x");
  cr_assert(nsc_lc_relative_path("/tmp", "/work/x", buf, sizeof(buf)));
  cr_expect_str_eq(buf, "../work/x");
  cr_assert(nsc_lc_relative_path("/", "/work", buf, sizeof(buf)));
  cr_expect_str_eq(buf, "work");
  cr_assert(nsc_lc_relative_path("/tmp/a/", "/w", buf, sizeof(buf)));
  cr_expect_str_eq(buf, "../../w");
  cr_expect_not(nsc_lc_relative_path("/tmp/a/b", "/work/x", buf, 8));
  cr_expect_not(nsc_lc_relative_path("/tmp/a/b", "/", buf, 8));
  /* resolved from its base, it reaches the target */
  char base[] = "/tmp/nsc-relpath-XXXXXX", real[PATH_MAX], full[PATH_MAX * 2];
  cr_assert_not_null(mkdtemp(base));
  cr_assert(nsc_lc_relative_path(base, "/proc/self", buf, sizeof(buf)));
  snprintf(full, sizeof(full), "%s/%s", base, buf);
  cr_expect_not_null(realpath(full, real));
  char self[PATH_MAX];
  cr_expect_not_null(realpath("/proc/self", self));
  cr_expect_str_eq(real, self);
  rmdir(base);
}

/* ---- the state document -------------------------------------------------------- */

static const char *problems_of(const char *text, const char *id, const char *bundle)
{
  static char buf[512];
  json_t *st = json_loads(text, 0, NULL);
  cr_assert(st || strcmp(text, "[]") == 0, "bad test JSON: %s", text);
  nsc_lc_state_problems(st, id, bundle, buf, sizeof(buf));
  json_decref(st);
  return buf;
}

#define STATE(status, extra)                                                                       \
  "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"" status "\",\"bundle\":\"/b\"" extra "}"

Test(state_problems, valid_documents_have_none)
{
  cr_expect_str_empty(problems_of(STATE("created", ",\"pid\":42"), "c1", "/b"));
  cr_expect_str_empty(
      problems_of(STATE("running", ",\"pid\":42,\"annotations\":{\"a\":\"\"}"), "c1", "/b"));
  cr_expect_str_empty(problems_of(STATE("stopped", ""), NULL, NULL));
  cr_expect_str_empty(problems_of(STATE("creating", ""), "c1", "/b"), "pid is optional");
  cr_expect_str_empty(problems_of(STATE("stopped", ",\"extra\":{\"x\":1}"), "c1", "/b"),
                      "extra properties are allowed");
}

Test(state_problems, each_rule_reports)
{
  cr_expect(strstr(problems_of("[]", NULL, NULL), "not a JSON object"));
  cr_expect(
      strstr(problems_of("{\"id\":\"c1\",\"status\":\"stopped\",\"bundle\":\"/b\"}", NULL, NULL),
             "no ociVersion"));
  cr_expect(strstr(problems_of("{\"ociVersion\":1,\"id\":\"c1\",\"status\":\"stopped\","
                               "\"bundle\":\"/b\"}",
                               NULL, NULL),
                   "ociVersion is not a string"));
  cr_expect(strstr(problems_of(STATE("paused", ",\"pid\":3"), NULL, NULL), "\"paused\" is none"));
  cr_expect(strstr(problems_of(STATE("created", ""), NULL, NULL), "no pid while created"));
  cr_expect(strstr(problems_of(STATE("running", ",\"pid\":0"), NULL, NULL), "pid 0"));
  cr_expect(strstr(problems_of(STATE("stopped", ",\"pid\":-1"), NULL, NULL), "pid is not"));
  cr_expect(strstr(problems_of(STATE("stopped", ",\"pid\":\"7\""), NULL, NULL), "pid is not"));
  cr_expect(strstr(problems_of(STATE("stopped", ",\"annotations\":{\"k\":1}"), NULL, NULL),
                   "annotation \"k\" is not a string"));
  cr_expect(strstr(problems_of(STATE("stopped", ",\"annotations\":[]"), NULL, NULL),
                   "annotations is not a map"));
  cr_expect(strstr(problems_of(STATE("stopped", ""), "c2", NULL), "id \"c1\", not \"c2\""));
  cr_expect(strstr(problems_of(STATE("stopped", ""), NULL, "/other"), "bundle \"/b\", not"));
  cr_expect(strstr(problems_of("{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"stopped\","
                               "\"bundle\":\"rel\"}",
                               NULL, NULL),
                   "not absolute"));
}

/* ---- SemVer ------------------------------------------------------------------------ */

Test(semver, precedence_follows_semver_2)
{
  /* The ordered example of semver.org, then runtime versions. */
  static const char *const ordered[] = {
      "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
      "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
      "1.0.2-dev",    "1.0.2",         "1.1.0-rc.2",       "1.1.0",
      "1.3.0",        "2.0.0",
  };
  size_t n = sizeof(ordered) / sizeof(ordered[0]);
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < n; k++) {
      int cmp = 99;
      cr_assert(nsc_lc_semver_compare(ordered[i], ordered[k], &cmp), "%s vs %s", ordered[i],
                ordered[k]);
      int want = i < k ? -1 : i > k ? 1 : 0;
      cr_expect_eq(cmp < 0 ? -1 : cmp > 0, want, "%s vs %s: %d", ordered[i], ordered[k], cmp);
    }
  int cmp;
  cr_expect(nsc_lc_semver_compare("1.0.0+build.7", "1.0.0", &cmp) && cmp == 0,
            "build metadata has no precedence");
}

Test(semver, invalid_strings_are_refused)
{
  static const char *const bad[] = {"1.0",    "banana",    "01.0.0",     "1.0.0-",
                                    "1.0.0+", "1.0.0-01",  "1.0.0-a..b", "1.0.0 ",
                                    "v1.0.0", "1.0.0-a_b", "",           "1.0.0.0"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int cmp;
    cr_expect_not(nsc_lc_semver_compare(bad[i], "1.0.0", &cmp), "\"%s\" accepted", bad[i]);
  }
  int cmp;
  cr_expect_not(nsc_lc_semver_compare(NULL, "1.0.0", &cmp));
}

/* ---- features properties ------------------------------------------------------------ */

Test(features_unknown, names_only_what_1_3_0_does_not_define)
{
  json_t *doc = json_loads(
      "{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"1.3.0\",\"hooks\":[],"
      "\"mountOptions\":[],\"annotations\":{\"any.key\":\"v\"},"
      "\"potentiallyUnsafeConfigAnnotations\":[],"
      "\"linux\":{\"namespaces\":[],\"capabilities\":[],\"cgroup\":{\"v1\":true,\"rdma\":false},"
      "\"seccomp\":{\"enabled\":true,\"knownFlags\":[]},\"apparmor\":{\"enabled\":false},"
      "\"mountExtensions\":{\"idmap\":{\"enabled\":true}},\"netDevices\":{\"enabled\":true}}}",
      0, NULL);
  cr_assert_not_null(doc);
  char buf[512];
  nsc_lc_features_unknown(doc, buf, sizeof(buf));
  cr_expect_str_empty(buf);
  json_object_set_new(doc, "extra", json_true());
  json_object_set_new(json_object_get(json_object_get(doc, "linux"), "seccomp"), "listener",
                      json_true());
  json_object_set_new(
      json_object_get(json_object_get(json_object_get(doc, "linux"), "mountExtensions"), "idmap"),
      "recursive", json_true());
  nsc_lc_features_unknown(doc, buf, sizeof(buf));
  cr_expect(strstr(buf, "extra"), "%s", buf);
  cr_expect(strstr(buf, "linux.seccomp.listener"), "%s", buf);
  cr_expect(strstr(buf, "linux.mountExtensions.idmap.recursive"), "%s", buf);
  cr_expect_not(strstr(buf, "any.key"), "annotations are a map: %s", buf);
  json_decref(doc);
}

/* ---- the recording hook script ------------------------------------------------------- */

static char dir[PATH_MAX], script[PATH_MAX + 16];

static void make_dir(void)
{
  /* Under memcheck these tests skip themselves, and a skipped test does not
   * run its .fini: make nothing to leave behind. */
  dir[0] = '\0';
  if (UNDER_VALGRIND())
    return;
  snprintf(dir, sizeof(dir), "/tmp/nsc-lc-test-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  snprintf(script, sizeof(script), "%s/hook.sh", dir);
  FILE *f = fopen(script, "we");
  cr_assert_not_null(f);
  fputs(nsc_lc_hook_script, f);
  fclose(f);
  cr_assert_eq(chmod(script, 0755), 0);
}

static void remove_dir(void)
{
  if (!dir[0])
    return;
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  cr_expect_eq(system(cmd), 0);
}

/* These tests exercise shell, not C: memcheck, which traces every command
 * the script runs, only makes them slow. */
#define SKIP_UNDER_VALGRIND()                                                                      \
  do {                                                                                             \
    if (UNDER_VALGRIND())                                                                          \
      cr_skip_test("runs a shell script; memcheck would trace each of its commands");              \
  } while (0)

/* Wait (bounded) for a child of ours; its wait status, or -1 after killing it. */
static int wait_bounded(pid_t pid, int ms)
{
  int status;
  for (int waited = 0; waited < ms; waited += 10) {
    if (waitpid(pid, &status, WNOHANG) == pid)
      return status;
    struct timespec t = {0, 10 * 1000 * 1000};
    nanosleep(&t, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

/* A sleeping child of the test, optionally in a mount namespace of its own;
 * 0 when that namespace cannot be made. */
static pid_t sleeper(bool own_mount_ns)
{
  int p[2];
  cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    char ok = own_mount_ns && unshare(CLONE_NEWNS) < 0 ? 'n' : 'y';
    if (write(p[1], &ok, 1) != 1 || ok != 'y')
      _exit(1);
    execl("/bin/sleep", "sleep", "30", (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  char ok = 0;
  ssize_t n = read(p[0], &ok, 1);
  close(p[0]);
  if (n != 1 || ok != 'y') {
    wait_bounded(pid, 2000);
    return 0;
  }
  /* Until the exec is done /proc/PID/exe is the test binary. */
  char exe[64], target[PATH_MAX];
  snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
  for (int i = 0; i < 200; i++) {
    ssize_t l = readlink(exe, target, sizeof(target) - 1);
    if (l > 0 && (target[l] = '\0', strstr(target, "sleep")))
      break;
    struct timespec t = {0, 5 * 1000 * 1000};
    nanosleep(&t, NULL);
  }
  return pid;
}

/* Run the script as a hook of the given kind with state text on stdin;
 * returns its wait status. */
static int run_hook(const char *kind, const char *state, const char *const *extra)
{
  char state_path[PATH_MAX + 16], rec_env[PATH_MAX + 16];
  snprintf(state_path, sizeof(state_path), "%s/in.json", dir);
  FILE *f = fopen(state_path, "we");
  cr_assert_not_null(f);
  fputs(state, f);
  fclose(f);
  snprintf(rec_env, sizeof(rec_env), "NSC_REC=%s", dir);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    int fd = open(state_path, O_RDONLY);
    if (fd < 0 || dup2(fd, 0) < 0)
      _exit(126);
    const char *argv[16] = {script, kind, "1"};
    for (int i = 0; extra && extra[i] && i < 12; i++)
      argv[3 + i] = extra[i];
    char *envp[] = {rec_env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    execve(script, (char **)argv, envp);
    _exit(127);
  }
  return wait_bounded(pid, 20000);
}

static char *slurp(const char *name, size_t *len)
{
  char path[PATH_MAX + 64];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "re");
  if (!f)
    return NULL;
  char *buf = calloc(1, 65536);
  size_t n = fread(buf, 1, 65535, f);
  fclose(f);
  if (len)
    *len = n;
  return buf;
}

/* "key value" of the .info file. */
static char *info_value(const char *kind, const char *key)
{
  char name[64];
  snprintf(name, sizeof(name), "%s.1.info", kind);
  char *text = slurp(name, NULL);
  cr_assert_not_null(text, "no %s", name);
  char *out = NULL;
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
    if (strncmp(l, key, strlen(key)) == 0 && l[strlen(key)] == ' ')
      out = strdup(l + strlen(key) + 1);
  free(text);
  return out ? out : strdup("");
}

static void dev_ino(const char *path, char *buf, size_t len)
{
  struct stat st;
  cr_assert_eq(stat(path, &st), 0, "stat %s: %s", path, strerror(errno));
  snprintf(buf, len, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
}

static void link_of(const char *path, char *buf, size_t len)
{
  ssize_t l = readlink(path, buf, len - 1);
  cr_assert_gt(l, 0, "readlink %s", path);
  buf[l] = '\0';
}

Test(hook_script, records_the_state_its_process_and_the_target, .init = make_dir,
     .fini = remove_dir)
{
  SKIP_UNDER_VALGRIND();
  pid_t target = sleeper(false);
  cr_assert_gt(target, 0);
  char state[256];
  snprintf(state, sizeof(state),
           "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\": %d,"
           "\"bundle\":\"/b\"}",
           target);
  int status = run_hook("prestart", state, NULL);
  cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "hook status %#x", status);

  char *log = slurp("log", NULL), *in = slurp("prestart.1.state", NULL);
  cr_expect_str_eq(log, "prestart.1 begin\nprestart.1 end\n");
  cr_expect_str_eq(in, state, "the state is kept as read");
  free(log);
  free(in);

  /* argv as the kernel passes it to a #! script, and exactly the env. */
  size_t len;
  char want[PATH_MAX + 64];
  char *argv = slurp("prestart.1.argv", &len);
  int wl = snprintf(want, sizeof(want), "/bin/sh%c%s%cprestart%c1%c", 0, script, 0, 0, 0);
  cr_expect(len == (size_t)wl && memcmp(argv, want, len) == 0, "argv differs");
  free(argv);
  char *env = slurp("prestart.1.env", &len);
  wl = snprintf(want, sizeof(want), "NSC_REC=%s%cPATH=/usr/sbin:/usr/bin:/sbin:/bin%c", dir, 0, 0);
  cr_expect(len == (size_t)wl && memcmp(env, want, len) == 0, "environ differs");
  free(env);

  char mine[96], exe[64], path[64];
  link_of("/proc/self/ns/mnt", mine, sizeof(mine));
  char *v = info_value("prestart", "ns.mnt");
  cr_expect_str_eq(v, mine);
  free(v);
  v = info_value("prestart", "parent.mnt");
  cr_expect_str_eq(v, mine, "the hook's parent is this test");
  free(v);
  v = info_value("prestart", "target.how");
  cr_expect_str_eq(v, "state");
  free(v);
  snprintf(path, sizeof(path), "/proc/%d/exe", target);
  dev_ino(path, exe, sizeof(exe));
  v = info_value("prestart", "target.exe");
  cr_expect_str_eq(v, exe);
  free(v);
  v = info_value("prestart", "target.cmdline");
  cr_expect_str_eq(v, "sleep 30 ");
  free(v);
  dev_ino("/", exe, sizeof(exe));
  v = info_value("prestart", "root");
  cr_expect_str_eq(v, exe);
  free(v);
  kill(target, SIGKILL);
  wait_bounded(target, 2000);
}

/* Without a pid in the state the target is the parent's other child in
 * another mount namespace. */
Test(hook_script, finds_the_other_child_without_a_pid, .init = make_dir, .fini = remove_dir)
{
  SKIP_UNDER_VALGRIND();
  pid_t target = sleeper(true);
  if (target == 0)
    cr_skip_test("cannot make a mount namespace here");
  int status = run_hook("createRuntime",
                        "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"creating\","
                        "\"bundle\":\"/b\"}",
                        NULL);
  cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "hook status %#x", status);
  char want[96], path[64];
  snprintf(path, sizeof(path), "/proc/%d/ns/mnt", target);
  link_of(path, want, sizeof(want));
  char *v = info_value("createRuntime", "target.how");
  cr_expect_str_eq(v, "children");
  free(v);
  v = info_value("createRuntime", "target.ns.mnt");
  cr_expect_str_eq(v, want);
  free(v);
  kill(target, SIGKILL);
  wait_bounded(target, 2000);
}

/* Further arguments are a command; its exit status is kept (poststop). */
Test(hook_script, keeps_the_query_status, .init = make_dir, .fini = remove_dir)
{
  SKIP_UNDER_VALGRIND();
  static const char *const fails[] = {"/bin/false", NULL};
  run_hook("poststop", "{}", fails);
  char *q = slurp("poststop.1.query", NULL);
  cr_expect_str_eq(q, "1\n");
  free(q);
  static const char *const works[] = {"/bin/sh", "-c", "exit 0", NULL};
  run_hook("poststop", "{}", works);
  q = slurp("poststop.1.query", NULL);
  cr_expect_str_eq(q, "0\n");
  free(q);
  char *none = slurp("poststop.1.info", NULL);
  cr_expect(none && !strstr(none, "target."), "no pid, no other child: no target");
  free(none);
}
