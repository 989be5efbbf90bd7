/* hooks: parsing errors, and running real hooks (state on stdin, exit
 * status, signals, timeout with no zombie, missing or unrunnable paths). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "failpoint.h"
#include "hooks.h"

static char dir[64];

static void make_dir(void)
{
  strcpy(dir, "/tmp/nsrt-hooks-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  nsrt_set_stage("main");
}

static void remove_dir(void)
{
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d))) {
      char path[384];
      if (e->d_name[0] == '.')
        continue;
      snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(dir);
}

TestSuite(hooks, .init = make_dir, .fini = remove_dir);

/* ---- parsing ---- */

static void expect_parse_error(const char *json, const char *step, const char *text_part)
{
  json_error_t jerr;
  json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr);
  cr_assert_not_null(v, "bad test JSON: %s", jerr.text);
  struct hooks_plan h;
  struct nsrt_err err;
  nsrt_err_clear(&err);
  int ret = hooks_parse(v, &h, &err);
  json_decref(v);
  cr_assert_eq(ret, -1, "parse of %s succeeded", json);
  cr_expect_str_eq(err.stage, "spec");
  cr_expect_str_eq(err.step, step);
  cr_expect_not_null(strstr(err.text, text_part), "\"%s\" not in \"%s\"", text_part, err.text);
  cr_expect_eq(err.errnum, 0);
  /* the partial plan was freed and reset */
  cr_expect_null(h.create_runtime.v);
  cr_expect_eq(h.create_runtime.n, 0);
}

Test(hooks, parse_errors)
{
  expect_parse_error("[]", "hooks", "expected an object, got an array");
  expect_parse_error("{\"prestart\": {}}", "hooks.prestart", "expected an array, got an object");
  expect_parse_error("{\"createRuntime\": [{\"path\": \"/bin/true\"}, 3]}",
                     "hooks.createRuntime[1]", "expected an object, got an integer");
  expect_parse_error("{\"createRuntime\": [{\"args\": [\"x\"]}]}", "hooks.createRuntime[0].path",
                     "required field is missing");
  expect_parse_error("{\"createRuntime\": [{\"path\": \"bin/true\"}]}",
                     "hooks.createRuntime[0].path", "\"bin/true\" is not an absolute path");
  expect_parse_error("{\"poststop\": [{\"path\": 7}]}", "hooks.poststop[0].path",
                     "expected a string, got an integer");
  expect_parse_error("{\"poststart\": [{\"path\": \"/h\", \"args\": \"-x\"}]}",
                     "hooks.poststart[0].args", "expected an array of strings, got a string");
  expect_parse_error("{\"poststart\": [{\"path\": \"/h\", \"args\": [\"h\", 1]}]}",
                     "hooks.poststart[0].args[1]", "expected a string, got an integer");
  expect_parse_error("{\"startContainer\": [{\"path\": \"/h\", \"env\": [null]}]}",
                     "hooks.startContainer[0].env[0]", "expected a string, got null");
  expect_parse_error(
      "{\"createRuntime\": [{\"path\": \"/h\"}, {\"path\": \"/h\", \"timeout\": 0}]}",
      "hooks.createRuntime[1].timeout", "0 is not a number of seconds greater");
  expect_parse_error("{\"createContainer\": [{\"path\": \"/h\", \"timeout\": -5}]}",
                     "hooks.createContainer[0].timeout", "-5 is not a number of seconds");
  expect_parse_error("{\"createContainer\": [{\"path\": \"/h\", \"timeout\": 2147484}]}",
                     "hooks.createContainer[0].timeout", "2147484 seconds is above 2147483");
  expect_parse_error("{\"createContainer\": [{\"path\": \"/h\", \"timeout\": \"5\"}]}",
                     "hooks.createContainer[0].timeout", "expected an integer, got a string");
  expect_parse_error("{\"createContainer\": [{\"path\": \"/h\", \"timeout\": 1.5}]}",
                     "hooks.createContainer[0].timeout", "expected an integer, got a real");
}

Test(hooks, parse_all_kinds)
{
  json_error_t jerr;
  json_t *v = json_loads("{\"prestart\": [{\"path\": \"/a\"}],"
                         " \"createRuntime\": [{\"path\": \"/b\", \"args\": [\"b\", \"1\"],"
                         "                      \"env\": [\"X=1\"], \"timeout\": 7}],"
                         " \"createContainer\": [{\"path\": \"/c\", \"args\": []}],"
                         " \"startContainer\": [{\"path\": \"/d\"}, {\"path\": \"/e\"}],"
                         " \"poststart\": null, \"poststop\": [], \"unknownKind\": 1}",
                         0, &jerr);
  cr_assert_not_null(v);
  struct hooks_plan h;
  struct nsrt_err err;
  cr_assert_eq(hooks_parse(v, &h, &err), 0, "%s: %s", err.step, err.text);
  json_decref(v);
  cr_expect_eq(h.prestart.n, 1);
  cr_expect_str_eq(h.prestart.v[0].path, "/a");
  cr_expect_null(h.prestart.v[0].args);
  cr_expect_null(h.prestart.v[0].env);
  cr_expect_eq(h.prestart.v[0].timeout, 0);
  cr_expect_str_eq(h.create_runtime.v[0].args[0], "b");
  cr_expect_str_eq(h.create_runtime.v[0].args[1], "1");
  cr_expect_null(h.create_runtime.v[0].args[2]);
  cr_expect_str_eq(h.create_runtime.v[0].env[0], "X=1");
  cr_expect_eq(h.create_runtime.v[0].timeout, 7);
  cr_expect_null(h.create_container.v[0].args, "an empty args array means argv = {path}");
  cr_expect_eq(h.start_container.n, 2);
  cr_expect_str_eq(h.start_container.v[1].path, "/e");
  cr_expect_eq(h.poststart.n, 0);
  cr_expect_eq(h.poststop.n, 0);
  hooks_free(&h);
  cr_expect_eq(h.start_container.n, 0);
  hooks_free(&h);

  cr_assert_eq(hooks_parse(NULL, &h, &err), 0);
  cr_expect_eq(h.prestart.n, 0);
  hooks_free(&h);
}

/* ---- running ---- */

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

static void expect_no_children(void)
{
  errno = 0;
  cr_expect_eq(waitpid(-1, NULL, WNOHANG), -1, "a child is left");
  cr_expect_eq(errno, ECHILD, "a child is left: %s", strerror(errno));
}

static char *read_file(const char *path)
{
  static char buf[1 << 16];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  return buf;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  chmod(path, mode);
}

/* A /bin/sh -c hook running script. */
static struct hook_plan sh_hook(const char *script, char **env, int timeout)
{
  static char *argv_store[8][4];
  static int next;
  char **argv = argv_store[next++ % 8];
  argv[0] = "sh";
  argv[1] = "-c";
  argv[2] = (char *)script;
  argv[3] = NULL;
  return (struct hook_plan){.path = "/bin/sh", .args = argv, .env = env, .timeout = timeout};
}

static const char state[] = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"creating\","
                            "\"pid\":4242,\"bundle\":\"/b\"}";

Test(hooks, state_json_on_stdin_for_every_hook)
{
  char out1[128], out2[128], env1[160], env2[160];
  snprintf(out1, sizeof(out1), "%s/out1", dir);
  snprintf(out2, sizeof(out2), "%s/out2", dir);
  snprintf(env1, sizeof(env1), "OUT=%s", out1);
  snprintf(env2, sizeof(env2), "OUT=%s", out2);
  char *e1[] = {env1, NULL}, *e2[] = {env2, NULL};
  struct hook_plan v[] = {sh_hook("cat > \"$OUT\"", e1, 5), sh_hook("cat > \"$OUT\"", e2, 0)};
  struct hook_list l = {.v = v, .n = 2};
  struct nsrt_err err;
  int fds = count_fds();
  cr_assert_eq(hooks_run(&l, "createRuntime", state, &err), 0, "%s: %s", err.step, err.text);
  cr_expect_str_eq(read_file(out1), state);
  /* the second hook reads the state from the start too */
  cr_expect_str_eq(read_file(out2), state);
  cr_expect_eq(count_fds(), fds, "hooks_run leaked an fd");
  expect_no_children();
}

Test(hooks, env_and_argv)
{
  char out[128], env_out[160], script[256];
  snprintf(out, sizeof(out), "%s/env", dir);
  snprintf(env_out, sizeof(env_out), "OUT=%s", out);
  setenv("NSRT_TEST_PARENT_VAR", "leak", 1);
  char *env[] = {env_out, "A=1", NULL};
  struct hook_plan v[] = {sh_hook("echo \"A=$A P=$NSRT_TEST_PARENT_VAR\" > \"$OUT\"", env, 5)};
  struct hook_list l = {.v = v, .n = 1};
  struct nsrt_err err;
  cr_assert_eq(hooks_run(&l, "poststart", state, &err), 0, "%s", err.text);
  char *got = read_file(out);
  cr_expect_str_eq(got, "A=1 P=\n", "the hook gets exactly its env: %s", got);

  /* no args: argv is {path}; no env: an empty environment */
  snprintf(script, sizeof(script), "#!/bin/sh\necho \"$0 [$A]\" > %s\n", out);
  char hook_path[128];
  snprintf(hook_path, sizeof(hook_path), "%s/hook.sh", dir);
  write_file(hook_path, script, 0755);
  struct hook_plan bare = {.path = hook_path};
  l = (struct hook_list){.v = &bare, .n = 1};
  cr_assert_eq(hooks_run(&l, "poststart", state, &err), 0, "%s", err.text);
  char expect[256];
  snprintf(expect, sizeof(expect), "%s []\n", hook_path);
  cr_expect_str_eq(read_file(out), expect);
  expect_no_children();
}

Test(hooks, nonzero_exit_stops_the_list)
{
  char marker[128], env_m[160];
  snprintf(marker, sizeof(marker), "%s/second-ran", dir);
  snprintf(env_m, sizeof(env_m), "M=%s", marker);
  char *env[] = {env_m, NULL};
  struct hook_plan v[] = {sh_hook("exit 0", NULL, 0), sh_hook("exit 3", NULL, 0),
                          sh_hook("touch \"$M\"", env, 0)};
  struct hook_list l = {.v = v, .n = 3};
  struct nsrt_err err;
  nsrt_err_clear(&err);
  cr_assert_eq(hooks_run(&l, "prestart", state, &err), -1);
  cr_expect_str_eq(err.stage, "main");
  cr_expect_str_eq(err.step, "hook");
  cr_expect_str_eq(err.text, "hook prestart[1] /bin/sh exited with status 3");
  cr_expect_eq(err.errnum, 0);
  cr_expect_neq(access(marker, F_OK), 0, "the hook after the failing one ran");
  expect_no_children();
}

Test(hooks, killed_by_signal)
{
  struct hook_plan v[] = {sh_hook("kill -TERM $$", NULL, 0)};
  struct hook_list l = {.v = v, .n = 1};
  struct nsrt_err err;
  cr_assert_eq(hooks_run(&l, "poststop", state, &err), -1);
  cr_expect_str_eq(err.step, "hook");
  cr_expect_not_null(strstr(err.text, "hook poststop[0] /bin/sh killed by signal 15"), "%s",
                     err.text);
  expect_no_children();
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A process that is gone or a zombie waiting for its (new) parent. */
static int process_gone(pid_t pid)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  char *s = read_file(path);
  if (!s)
    return 1;
  char *close_paren = strrchr(s, ')');
  return close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

Test(hooks, timeout_kills_the_hook_and_what_it_started, .timeout = 20)
{
  char pidfile[128], env_p[160];
  snprintf(pidfile, sizeof(pidfile), "%s/bgpid", dir);
  snprintf(env_p, sizeof(env_p), "P=%s", pidfile);
  char *env[] = {env_p, "PATH=/bin:/usr/bin", NULL};
  /* the sleep is a grandchild: the hook's process group must be killed */
  struct hook_plan v[] = {sh_hook("sleep 10 & echo $! > \"$P\"; wait", env, 1)};
  struct hook_list l = {.v = v, .n = 1};
  struct nsrt_err err;
  int fds = count_fds();
  double start = now_s();
  cr_assert_eq(hooks_run(&l, "createRuntime", state, &err), -1);
  double elapsed = now_s() - start;
  cr_expect_geq(elapsed, 0.9, "returned after %.2f s", elapsed);
  cr_expect_lt(elapsed, 3.0, "returned after %.2f s", elapsed);
  cr_expect_str_eq(err.step, "hook");
  cr_expect_eq(err.errnum, ETIMEDOUT);
  cr_expect_str_eq(err.text, "hook createRuntime[0] /bin/sh timed out after 1 s");
  expect_no_children();
  cr_expect_eq(count_fds(), fds);

  char *pid_text = read_file(pidfile);
  cr_assert_not_null(pid_text, "the hook did not record its background pid");
  pid_t bg = (pid_t)atoi(pid_text);
  cr_assert_gt(bg, 0);
  int gone = 0;
  for (int i = 0; i < 100 && !gone; i++) {
    gone = process_gone(bg);
    if (!gone)
      usleep(10000);
  }
  cr_expect(gone, "the hook's background sleep %d survived the timeout", (int)bg);
  if (!gone)
    kill(bg, SIGKILL);
}

Test(hooks, hook_that_does_not_read_a_large_state)
{
  size_t len = 1 << 20;
  char *big = malloc(len + 1);
  cr_assert_not_null(big);
  memset(big, 'x', len);
  big[len] = '\0';
  struct hook_plan v[] = {{.path = "/bin/true", .timeout = 5}};
  struct hook_list l = {.v = v, .n = 1};
  struct nsrt_err err;
  cr_expect_eq(hooks_run(&l, "poststart", big, &err), 0, "%s", err.text);
  free(big);
  expect_no_children();
}

Test(hooks, missing_path_is_enoent)
{
  struct hook_plan v[] = {{.path = "/nonexistent/hook"}};
  struct hook_list l = {.v = v, .n = 1};
  struct nsrt_err err;
  cr_assert_eq(hooks_run(&l, "poststart", state, &err), -1);
  cr_expect_str_eq(err.stage, "main");
  cr_expect_str_eq(err.step, "hook");
  cr_expect_eq(err.errnum, ENOENT);
  cr_expect_str_eq(err.text, "hook poststart[0] /nonexistent/hook");
  char line[512];
  nsrt_err_format(&err, line, sizeof(line));
  cr_expect_str_eq(line, "main: hook: hook poststart[0] /nonexistent/hook: No such file or "
                         "directory");
  expect_no_children();
}

Test(hooks, unrunnable_paths)
{
  char path[128];
  struct nsrt_err err;
  struct hook_plan h = {.path = path};
  struct hook_list l = {.v = &h, .n = 1};

  snprintf(path, sizeof(path), "%s/noexec", dir);
  write_file(path, "#!/bin/sh\nexit 0\n", 0644);
  cr_assert_eq(hooks_run(&l, "prestart", state, &err), -1);
  cr_expect_eq(err.errnum, EACCES);
  cr_expect_not_null(strstr(err.text, "is not executable"), "%s", err.text);

  cr_assert_eq(hooks_run(&(struct hook_list){.v = &(struct hook_plan){.path = "/tmp"}, .n = 1},
                         "prestart", state, &err),
               -1);
  cr_expect_eq(err.errnum, EACCES);
  cr_expect_str_eq(err.text, "hook prestart[0] /tmp is not a regular file");

  /* executable but not a format the kernel runs: the exec errno comes back */
  snprintf(path, sizeof(path), "%s/garbage", dir);
  write_file(path, "\x01\x02\x03 not a program\n", 0755);
  cr_assert_eq(hooks_run(&l, "prestart", state, &err), -1);
  cr_expect_eq(err.errnum, ENOEXEC, "%s", strerror(err.errnum));
  cr_expect_not_null(strstr(err.text, "/garbage: exec failed"), "%s", err.text);
  expect_no_children();
}

Test(hooks, fork_failpoint_takes_the_real_error_path)
{
  struct nsrt_err err;
  cr_assert_eq(nsrt_fp_configure("hooks.fork=err(EAGAIN)", 0, NULL, &err), 0, "%s", err.text);
  struct hook_plan v[] = {{.path = "/bin/true"}};
  struct hook_list l = {.v = v, .n = 1};
  cr_assert_eq(hooks_run(&l, "poststop", state, &err), -1);
  nsrt_fp_reset();
  cr_expect_eq(err.errnum, EAGAIN);
  cr_expect_str_eq(err.step, "hook");
  cr_expect_str_eq(err.text, "fork for hook poststop[0] /bin/true");
  expect_no_children();
}

Test(hooks, empty_list_runs_nothing)
{
  struct nsrt_err err;
  struct hook_list l = {0};
  cr_expect_eq(hooks_run(&l, "prestart", state, &err), 0);
  cr_expect_eq(hooks_run(NULL, "prestart", state, &err), 0);
}

/* Without pidfds (ENOSYS on old kernels and under valgrind) waiting falls
 * back to polling waitpid, with the same results and the same bound. */
Test(hooks, works_without_pidfd, .timeout = 20)
{
  struct nsrt_err err;
  cr_assert_eq(nsrt_fp_configure("hooks.pidfd_open=err(ENOSYS)", 0, NULL, &err), 0, "%s", err.text);
  struct hook_plan ok[] = {sh_hook("exit 0", NULL, 0)};
  cr_expect_eq(hooks_run(&(struct hook_list){.v = ok, .n = 1}, "poststart", state, &err), 0, "%s",
               err.text);
  struct hook_plan fails[] = {sh_hook("exit 4", NULL, 0)};
  cr_expect_eq(hooks_run(&(struct hook_list){.v = fails, .n = 1}, "poststart", state, &err), -1);
  cr_expect_str_eq(err.text, "hook poststart[0] /bin/sh exited with status 4");
  struct hook_plan slow[] = {sh_hook("sleep 10", NULL, 1)};
  double start = now_s();
  cr_expect_eq(hooks_run(&(struct hook_list){.v = slow, .n = 1}, "poststart", state, &err), -1);
  cr_expect_lt(now_s() - start, 3.0);
  cr_expect_eq(err.errnum, ETIMEDOUT);
  nsrt_fp_reset();
  expect_no_children();
}

Test(hooks, pidfd_failure_kills_and_reaps_the_hook)
{
  struct nsrt_err err;
  cr_assert_eq(nsrt_fp_configure("hooks.pidfd_open=err(EMFILE)", 0, NULL, &err), 0, "%s", err.text);
  struct hook_plan v[] = {sh_hook("sleep 10", NULL, 0)};
  double start = now_s();
  cr_assert_eq(hooks_run(&(struct hook_list){.v = v, .n = 1}, "poststop", state, &err), -1);
  nsrt_fp_reset();
  cr_expect_lt(now_s() - start, 3.0);
  cr_expect_eq(err.errnum, EMFILE);
  cr_expect_str_eq(err.text, "pidfd_open for hook poststop[0] /bin/sh");
  expect_no_children();
}
