/* The OCI operations behind the CLI: start/kill/delete against a fake init
 * (lifecycle.c), signal names, the features document, the default spec;
 * then the nsrt binary itself when it has been built. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "channel.h"
#include "error.h"
#include "failpoint.h"
#include "log.h"
#include "nsrt_features.h"
#include "runtime.h"
#include "spec.h"
#include "state.h"

static char tmpdir[64];
static char root[128];
static pid_t fakes[8];
static size_t n_fakes;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  return remove(path);
}

static void setup(void)
{
  strcpy(tmpdir, "/tmp/nsrt-cli-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
  snprintf(root, sizeof(root), "%s/root", tmpdir);
  unsetenv("NSRT_START_TIMEOUT_MS");
}

static void teardown(void)
{
  for (size_t i = 0; i < n_fakes; i++) {
    kill(fakes[i], SIGKILL);
    waitpid(fakes[i], NULL, 0);
  }
  n_fakes = 0;
  nsrt_log_close();
  nsrt_fp_reset();
  nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(lifecycle, .init = setup, .fini = teardown);
TestSuite(binary, .init = setup, .fini = teardown);

/* How the fake init behaves once `start` has connected. */
enum fake_mode {
  FAKE_EXEC_OK,   /* closes the connection, as a successful execve does, and keeps running */
  FAKE_EXEC_FAIL, /* answers with a struct msg_error and exits */
  FAKE_HANG,      /* never answers */
  FAKE_GONE,      /* closed its listening socket before start came */
  FAKE_DROP,      /* accepts, then closes without reading the request */
};

static void fake_init_main(int listen_fd, enum fake_mode mode)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (mode == FAKE_GONE) {
    for (;;)
      pause();
  }
  int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (mode == FAKE_DROP) {
    usleep(100 * 1000); /* let the request arrive, so closing discards it */
    close(conn);
    close(listen_fd);
    for (;;)
      pause();
  }
  char byte = 0;
  if (conn < 0 || recv(conn, &byte, 1, 0) != 1)
    _exit(2);
  close(listen_fd);
  if (byte != 's' || mode == FAKE_EXEC_FAIL) {
    struct msg_error m = {.errnum = ENOENT};
    strcpy(m.stage, "init");
    strcpy(m.step, "execve");
    snprintf(m.text, sizeof(m.text), byte == 's' ? "/bin/nope" : "wrong start byte %d", byte);
    if (send(conn, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
      _exit(3);
    _exit(1);
  }
  if (mode == FAKE_EXEC_OK)
    close(conn);
  for (;;)
    pause();
}

/* A container in <root>/<id>: state dir, start socket, state.json, and a
 * child process as its init.  Returns the init's pid. */
static pid_t make_container(const char *id, enum fake_mode mode, bool started,
                            const char *hooks_json)
{
  struct nsrt_err err;
  int dirfd = state_dir_create(root, id, &err);
  cr_assert_geq(dirfd, 0, "%s", err.text);
  if (hooks_json) {
    int fd = openat(dirfd, STATE_HOOKS, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, hooks_json, strlen(hooks_json)), (ssize_t)strlen(hooks_json));
    close(fd);
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  cr_assert_eq(state_path(addr.sun_path, sizeof(addr.sun_path), root, id, STATE_SOCKET), 0);
  int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  cr_assert_geq(lfd, 0);
  cr_assert_eq(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0, "%s", strerror(errno));
  cr_assert_eq(listen(lfd, 1), 0);

  if (mode == FAKE_GONE) {
    close(lfd); /* before the fork, so no start can find it still open */
    lfd = -1;
  }
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0)
    fake_init_main(lfd, mode);
  if (lfd >= 0)
    close(lfd);
  fakes[n_fakes++] = pid;

  struct container_state st = {
      .oci_version = "1.3.0",
      .id = (char *)id,
      .bundle = "/srv/bundle",
      .pid = pid,
      .started = started,
      .created = "2026-01-01T00:00:00.000000000Z",
  };
  cr_assert_eq(proc_start_time(pid, &st.pid_start), 0);
  cr_assert_eq(state_write(dirfd, &st, &err), 0, "%s", err.text);
  close(dirfd);
  return pid;
}

static char *slurp(const char *path)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  ssize_t n;
  while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
    len += (size_t)n;
    if (len + 1 == cap)
      buf = realloc(buf, cap *= 2);
  }
  close(fd);
  buf[len] = '\0';
  return buf;
}

static char *container_file(const char *id, const char *name)
{
  char path[256];
  state_path(path, sizeof(path), root, id, name);
  return slurp(path);
}

static bool container_dir_exists(const char *id)
{
  char path[256];
  state_path(path, sizeof(path), root, id, NULL);
  return access(path, F_OK) == 0;
}

static enum container_status status_of(const char *id)
{
  struct container_state st;
  struct nsrt_err err;
  cr_assert_eq(state_load(root, id, &st, &err), 0, "%s", err.text);
  enum container_status s = state_status(&st);
  state_free(&st);
  return s;
}

/* ---- start ---- */

Test(lifecycle, start_succeeds_when_the_init_execs)
{
  make_container("c1", FAKE_EXEC_OK, false, NULL);
  cr_expect_eq(status_of("c1"), STATUS_CREATED);
  struct nsrt_err err;
  nsrt_err_clear(&err);
  cr_assert_eq(nsrt_start(root, "c1", &err), 0, "%s: %s: %s", err.stage, err.step, err.text);
  cr_expect_eq(status_of("c1"), STATUS_RUNNING);
  cr_expect_null(container_file("c1", STATE_SOCKET), "start.sock is removed");

  /* A second start must fail and change nothing (runtime.md). */
  char *before = container_file("c1", STATE_JSON);
  cr_expect_eq(nsrt_start(root, "c1", &err), -1);
  cr_expect_str_eq(err.stage, "start");
  cr_expect_str_eq(err.step, "status");
  cr_expect_eq(err.errnum, 0);
  cr_expect_str_eq(err.text, "container c1 is running, not created");
  char *after = container_file("c1", STATE_JSON);
  cr_expect_str_eq(after, before);
  free(before);
  free(after);
}

Test(lifecycle, start_reports_the_init_error)
{
  make_container("c1", FAKE_EXEC_FAIL, false, NULL);
  struct nsrt_err err;
  nsrt_err_clear(&err);
  cr_assert_eq(nsrt_start(root, "c1", &err), -1);
  cr_expect_str_eq(err.stage, "init");
  cr_expect_str_eq(err.step, "execve");
  cr_expect_str_eq(err.text, "/bin/nope");
  cr_expect_eq(err.errnum, ENOENT);
  char line[1024];
  nsrt_err_format(&err, line, sizeof(line));
  cr_expect_str_eq(line, "init: execve: /bin/nope: No such file or directory");
  char *st = container_file("c1", STATE_JSON);
  cr_assert_not_null(st);
  cr_expect(strstr(st, "\"started\": false") != NULL, "state not marked started: %s", st);
  free(st);
}

Test(lifecycle, start_times_out)
{
  make_container("c1", FAKE_HANG, false, NULL);
  setenv("NSRT_START_TIMEOUT_MS", "300", 1);
  struct nsrt_err err;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  cr_assert_eq(nsrt_start(root, "c1", &err), -1);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  cr_expect_eq(err.errnum, ETIMEDOUT);
  cr_expect_str_eq(err.step, "wait_exec");
  cr_expect(strstr(err.text, "after 300 ms") != NULL, "%s", err.text);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  cr_expect(ms >= 290 && ms < 5000, "waited %ld ms", ms);
  cr_expect_eq(status_of("c1"), STATUS_CREATED);
}

Test(lifecycle, start_when_the_init_is_not_listening)
{
  make_container("c1", FAKE_GONE, false, NULL);
  struct nsrt_err err;
  cr_assert_eq(nsrt_start(root, "c1", &err), -1);
  cr_expect_eq(err.errnum, ECONNREFUSED);
  cr_expect_str_eq(err.text, "container c1 is not waiting for start");
}

Test(lifecycle, start_when_the_init_drops_the_request)
{
  make_container("c1", FAKE_DROP, false, NULL);
  struct nsrt_err err;
  nsrt_err_clear(&err);
  cr_assert_eq(nsrt_start(root, "c1", &err), -1);
  cr_expect(err.errnum == ECONNRESET || err.errnum == EPIPE, "errnum %d", err.errnum);
  cr_expect_str_eq(err.text, "container c1 is not waiting for start");
  cr_expect_eq(status_of("c1"), STATUS_CREATED);
}

Test(lifecycle, start_of_stopped_or_missing_container)
{
  pid_t pid = make_container("c1", FAKE_EXEC_OK, false, NULL);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  struct nsrt_err err;
  cr_assert_eq(nsrt_start(root, "c1", &err), -1);
  cr_expect_str_eq(err.text, "container c1 is stopped, not created");
  cr_assert_eq(nsrt_start(root, "nosuch", &err), -1);
  cr_expect_eq(err.errnum, ENOENT);
  cr_expect_str_eq(err.text, "container nosuch does not exist");
}

Test(lifecycle, start_connect_failpoint)
{
  make_container("c1", FAKE_EXEC_OK, false, NULL);
  struct nsrt_err err;
  cr_assert_eq(nsrt_fp_configure("start.connect=err(EACCES)", 0, NULL, &err), 0, "%s", err.text);
  cr_assert_eq(nsrt_start(root, "c1", &err), -1);
  cr_expect_eq(err.errnum, EACCES);
  cr_expect_str_eq(err.step, "connect");
  cr_expect_eq(status_of("c1"), STATUS_CREATED);
}

Test(lifecycle, poststart_hooks_run_and_failures_only_warn)
{
  char out[256], log[256], hooks[1024];
  snprintf(out, sizeof(out), "%s/poststart.out", tmpdir);
  snprintf(log, sizeof(log), "%s/log", tmpdir);
  snprintf(hooks, sizeof(hooks),
           "{\"poststart\":[{\"path\":\"/bin/false\"},"
           "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > %s\"]}]}",
           out);
  make_container("c1", FAKE_EXEC_OK, false, hooks);
  struct nsrt_err err;
  cr_assert_eq(nsrt_log_open(log, NSRT_LOG_TEXT, false, &err), 0);
  cr_assert_eq(nsrt_start(root, "c1", &err), 0, "%s: %s", err.step, err.text);
  nsrt_log_close();

  char *seen = slurp(out);
  cr_assert_not_null(seen, "the second hook ran after the first failed");
  json_t *j = json_loads(seen, 0, NULL);
  cr_assert_not_null(j, "hook stdin is the state JSON: %s", seen);
  cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "running");
  cr_expect_str_eq(json_string_value(json_object_get(j, "id")), "c1");
  json_decref(j);
  free(seen);
  char *logged = slurp(log);
  cr_assert_not_null(logged);
  cr_expect(strstr(logged, "warn") && strstr(logged, "poststart hook 0 (/bin/false) of c1 failed"),
            "warning logged: %s", logged);
  free(logged);
}

Test(lifecycle, broken_hooks_file_fails_start_before_exec)
{
  make_container("c1", FAKE_EXEC_OK, false, "{\"poststart\": 3}");
  struct nsrt_err err;
  cr_assert_eq(nsrt_start(root, "c1", &err), -1);
  cr_expect(strstr(err.text, "hooks.json") != NULL, "%s", err.text);
  cr_expect_eq(status_of("c1"), STATUS_CREATED, "the init was not told to exec");
}

/* ---- kill ---- */

Test(lifecycle, kill_sends_the_signal)
{
  pid_t pid = make_container("c1", FAKE_EXEC_OK, true, NULL);
  struct nsrt_err err;
  cr_assert_eq(nsrt_kill(root, "c1", SIGTERM, &err), 0, "%s", err.text);
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "status %#x", status);
  cr_expect_eq(status_of("c1"), STATUS_STOPPED);
}

Test(lifecycle, kill_of_stopped_container_fails_and_changes_nothing)
{
  pid_t pid = make_container("c1", FAKE_EXEC_OK, true, NULL);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  char *before = container_file("c1", STATE_JSON);
  struct nsrt_err err;
  nsrt_err_clear(&err);
  cr_assert_eq(nsrt_kill(root, "c1", SIGTERM, &err), -1);
  cr_expect_str_eq(err.stage, "kill");
  cr_expect_str_eq(err.step, "status");
  cr_expect_str_eq(err.text, "container c1 is stopped, not created or running");
  char *after = container_file("c1", STATE_JSON);
  cr_expect_str_eq(after, before);
  cr_expect(container_dir_exists("c1"));
  free(before);
  free(after);
}

Test(lifecycle, kill_of_reused_pid_is_refused)
{
  pid_t pid = make_container("c1", FAKE_EXEC_OK, true, NULL);
  /* Rewrite the record with another start time: the pid now names a stranger. */
  struct container_state st;
  struct nsrt_err err;
  cr_assert_eq(state_load(root, "c1", &st, &err), 0);
  st.pid_start -= 1;
  char dir[256];
  state_path(dir, sizeof(dir), root, "c1", NULL);
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cr_assert_eq(state_write(dirfd, &st, &err), 0);
  close(dirfd);
  state_free(&st);
  cr_expect_eq(nsrt_kill(root, "c1", SIGKILL, &err), -1);
  cr_expect_eq(kill(pid, 0), 0, "the stranger is alive");
}

/* ---- delete ---- */

Test(lifecycle, delete_of_running_container_fails_without_force)
{
  pid_t pid = make_container("c1", FAKE_EXEC_OK, true, NULL);
  char *before = container_file("c1", STATE_JSON);
  struct nsrt_err err;
  cr_assert_eq(nsrt_delete(root, "c1", false, &err), -1);
  cr_expect_str_eq(err.stage, "delete");
  cr_expect_str_eq(err.text, "container c1 is running: stop it first or use --force");
  cr_expect_eq(kill(pid, 0), 0, "the init is untouched");
  char *after = container_file("c1", STATE_JSON);
  cr_assert_not_null(after);
  cr_expect_str_eq(after, before);
  free(before);
  free(after);
}

Test(lifecycle, delete_force_kills_reaps_and_removes)
{
  char out[256], hooks[512];
  snprintf(out, sizeof(out), "%s/poststop.out", tmpdir);
  snprintf(hooks, sizeof(hooks),
           "{\"poststop\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > %s\"]}]}", out);
  pid_t pid = make_container("c1", FAKE_EXEC_OK, false, hooks);
  struct nsrt_err err;
  cr_assert_eq(nsrt_delete(root, "c1", true, &err), 0, "%s: %s", err.step, err.text);
  cr_expect(!container_dir_exists("c1"));
  errno = 0;
  cr_expect_eq(waitpid(pid, NULL, WNOHANG), -1, "our child was reaped by delete");
  cr_expect_eq(errno, ECHILD);
  n_fakes = 0;
  char *seen = slurp(out);
  cr_assert_not_null(seen, "poststop ran");
  json_t *j = json_loads(seen, 0, NULL);
  cr_assert_not_null(j, "%s", seen);
  cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "stopped");
  cr_expect_null(json_object_get(j, "pid"));
  json_decref(j);
  free(seen);
}

Test(lifecycle, delete_of_stopped_container_removes_it)
{
  pid_t pid = make_container("c1", FAKE_EXEC_OK, true, NULL);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  struct nsrt_err err;
  cr_assert_eq(nsrt_delete(root, "c1", false, &err), 0, "%s", err.text);
  cr_expect(!container_dir_exists("c1"));
  cr_expect_eq(nsrt_delete(root, "c1", false, &err), -1, "a deleted container does not exist");
  cr_expect_eq(err.errnum, ENOENT);
  cr_expect_eq(nsrt_delete(root, "c1", true, &err), -1, "not even with --force");
}

Test(lifecycle, delete_of_directory_without_state)
{
  struct nsrt_err err;
  int fd = state_dir_create(root, "half", &err);
  cr_assert_geq(fd, 0);
  close(fd);
  cr_expect_eq(nsrt_delete(root, "half", false, &err), -1);
  cr_expect_str_eq(err.text, "container half does not exist");
  cr_expect(container_dir_exists("half"), "left alone without --force");
  cr_expect_eq(nsrt_delete(root, "half", true, &err), 0, "%s", err.text);
  cr_expect(!container_dir_exists("half"));
}

/* ---- signal names ---- */

Test(lifecycle, signal_names)
{
  cr_expect_eq(nsrt_signal_from_name("TERM"), SIGTERM);
  cr_expect_eq(nsrt_signal_from_name("SIGTERM"), SIGTERM);
  cr_expect_eq(nsrt_signal_from_name("sigterm"), SIGTERM);
  cr_expect_eq(nsrt_signal_from_name("15"), SIGTERM);
  cr_expect_eq(nsrt_signal_from_name("KILL"), SIGKILL);
  cr_expect_eq(nsrt_signal_from_name("9"), SIGKILL);
  cr_expect_eq(nsrt_signal_from_name("SIGWINCH"), SIGWINCH);
  cr_expect_eq(nsrt_signal_from_name("CHLD"), SIGCHLD);
  cr_expect_eq(nsrt_signal_from_name("SIGSYS"), SIGSYS);
  cr_expect_eq(nsrt_signal_from_name("RTMIN"), SIGRTMIN);
  cr_expect_eq(nsrt_signal_from_name("RTMIN+3"), SIGRTMIN + 3);
  cr_expect_eq(nsrt_signal_from_name("SIGRTMAX-1"), SIGRTMAX - 1);
  cr_expect_eq(nsrt_signal_from_name("RTMAX"), SIGRTMAX);
  char max[16];
  snprintf(max, sizeof(max), "%d", SIGRTMAX);
  cr_expect_eq(nsrt_signal_from_name(max), SIGRTMAX);
  const char *bad[] = {"", "FOO", "SIG", "-1", "1x", "99", "RTMIN+", "RTMIN+99", "RTMAX+1",
                       "RTMIN-1", " 9", "TERM "};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    cr_expect_eq(nsrt_signal_from_name(bad[i]), -1, "accepted \"%s\"", bad[i]);
}

/* ---- documents ---- */

static bool array_has(json_t *a, const char *s)
{
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
      return true;
  return false;
}

Test(lifecycle, features_document)
{
  char *text = nsrt_features_json();
  cr_assert_not_null(text);
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
  cr_assert_not_null(j, "%s", text);
  cr_expect_str_eq(json_string_value(json_object_get(j, "ociVersionMin")), "1.0.0");
  cr_expect_str_eq(json_string_value(json_object_get(j, "ociVersionMax")), "1.3.0");
  json_t *hooks = json_object_get(j, "hooks");
  cr_expect_eq(json_array_size(hooks), 6);
  cr_expect(array_has(hooks, "createContainer") && array_has(hooks, "poststop"));
  json_t *mo = json_object_get(j, "mountOptions");
  cr_expect_eq(json_array_size(mo), 31);
  cr_expect(array_has(mo, "rbind") && array_has(mo, "runbindable") && array_has(mo, "nostrictatime"));
  json_t *lx = json_object_get(j, "linux");
  json_t *ns = json_object_get(lx, "namespaces");
  cr_expect_eq(json_array_size(ns), 8);
  cr_expect(array_has(ns, "network") && array_has(ns, "mount") && array_has(ns, "time"));
  json_t *caps = json_object_get(lx, "capabilities");
  cr_expect_eq(json_array_size(caps), (size_t)cap_last_known() + 1);
  cr_expect_str_eq(json_string_value(json_array_get(caps, 0)), "CAP_CHOWN");
  cr_expect(array_has(caps, "CAP_SYS_ADMIN") && array_has(caps, "CAP_CHECKPOINT_RESTORE"));
  json_t *cg = json_object_get(lx, "cgroup");
  cr_expect(json_is_false(json_object_get(cg, "v1")) && json_is_false(json_object_get(cg, "v2")));
  cr_expect(json_is_false(json_object_get(cg, "systemd")));
  cr_expect(json_is_false(json_object_get(cg, "systemdUser")));
  json_t *sc = json_object_get(lx, "seccomp");
  cr_expect(json_is_true(json_object_get(sc, "enabled")));
  cr_expect(array_has(json_object_get(sc, "actions"), "SCMP_ACT_ERRNO"));
  cr_expect(array_has(json_object_get(sc, "actions"), "SCMP_ACT_KILL_PROCESS"));
  cr_expect(array_has(json_object_get(sc, "operators"), "SCMP_CMP_MASKED_EQ"));
  cr_expect_eq(json_array_size(json_object_get(sc, "operators")), 7);
  cr_expect(array_has(json_object_get(sc, "archs"), "SCMP_ARCH_X86_64"));
  cr_expect(array_has(json_object_get(sc, "knownFlags"), "SECCOMP_FILTER_FLAG_LOG"));
  cr_expect(json_is_array(json_object_get(sc, "supportedFlags")));
  cr_expect(json_is_false(json_object_get(json_object_get(lx, "apparmor"), "enabled")));
  cr_expect(json_is_false(json_object_get(json_object_get(lx, "selinux"), "enabled")));
  cr_expect(json_is_false(json_object_get(json_object_get(lx, "intelRdt"), "enabled")));
  cr_expect(json_is_false(json_object_get(
      json_object_get(json_object_get(lx, "mountExtensions"), "idmap"), "enabled")));
  cr_expect_str_eq(
      json_string_value(json_object_get(json_object_get(j, "annotations"),
                                        "io.nsconform.nsrt.version")),
      NSRT_VERSION);
  json_decref(j);
  free(text);
}

Test(lifecycle, default_spec_is_valid)
{
  char *text = spec_default_json();
  cr_assert_not_null(text);
  cr_expect(strncmp(text, "{\n  \"ociVersion\": \"1.3.0\"", 25) == 0, "pretty-printed: %.40s",
            text);
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
  cr_assert_not_null(j);
  json_t *proc = json_object_get(j, "process");
  cr_expect_str_eq(json_string_value(json_array_get(json_object_get(proc, "args"), 0)), "sh");
  cr_expect(json_is_true(json_object_get(proc, "noNewPrivileges")));
  cr_expect_eq(json_array_size(json_object_get(json_object_get(proc, "capabilities"),
                                               "permitted")),
               3);
  cr_expect_eq(json_array_size(json_object_get(j, "mounts")), 6);
  cr_expect_str_eq(json_string_value(json_object_get(j, "hostname")), "nsrt");
  cr_expect(json_is_true(json_object_get(json_object_get(j, "root"), "readonly")));
  json_t *lx = json_object_get(j, "linux");
  cr_expect_eq(json_array_size(json_object_get(lx, "namespaces")), 6);
  cr_expect_eq(json_array_size(json_object_get(lx, "maskedPaths")), 10);
  cr_expect_eq(json_array_size(json_object_get(lx, "readonlyPaths")), 5);
  cr_expect_null(json_object_get(lx, "resources"));
  json_decref(j);

  /* The runtime's own parser accepts it. */
  char rootfs[256];
  snprintf(rootfs, sizeof(rootfs), "%s/rootfs", tmpdir);
  cr_assert_eq(mkdir(rootfs, 0755), 0);
  struct plan p;
  memset(&p, 0, sizeof(p));
  struct nsrt_err err;
  nsrt_err_clear(&err);
  cr_expect_eq(spec_parse_string(text, tmpdir, &p, &err), 0, "%s: %s: %s", err.stage, err.step,
               err.text);
  cr_expect_eq(p.ns[NS_NET].mode, NS_NEW);
  cr_expect_eq(p.ns[NS_USER].mode, NS_ABSENT);
  cr_expect_eq(p.n_mounts, 6);
  plan_free(&p);
  free(text);
}

/* ---- the binary ---- */

static char nsrt_bin[PATH_MAX];

/* NSRT_BIN, else the nsrt built next to this test (<O>/tests/unit/ -> <O>/bin/). */
static bool find_binary(void)
{
  const char *env = getenv("NSRT_BIN");
  if (env) {
    snprintf(nsrt_bin, sizeof(nsrt_bin), "%s", env);
    return access(nsrt_bin, X_OK) == 0;
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0)
    return false;
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (!slash)
    return false;
  *slash = '\0';
  snprintf(nsrt_bin, sizeof(nsrt_bin), "%s/../../bin/nsrt", self);
  return access(nsrt_bin, X_OK) == 0;
}

struct result {
  int code;
  char out[65536];
  char err[16384];
};

static void drain(int *fd, char *buf, size_t cap, size_t *len)
{
  ssize_t n = read(*fd, buf + *len, cap - 1 - *len);
  if (n > 0) {
    *len += (size_t)n;
    buf[*len] = '\0';
  } else if (n == 0 || errno != EINTR) {
    close(*fd);
    *fd = -1;
  }
}

/* Run nsrt with the arguments (NULL-terminated), bounded to 20 s. */
static void run_nsrt(struct result *r, ...)
{
  if (!find_binary())
    cr_skip_test("nsrt is not built (make all, or set NSRT_BIN)");
  char *argv[32] = {nsrt_bin};
  int argc = 1;
  va_list ap;
  va_start(ap, r);
  while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
    argc++;
  va_end(ap);
  argv[argc] = NULL;
  int out[2], err[2];
  cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
  cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    execv(nsrt_bin, argv);
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  memset(r, 0, sizeof(*r));
  size_t lo = 0, le = 0;
  int fo = out[0], fe = err[0];
  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (fo >= 0 || fe >= 0) {
    struct pollfd p[2] = {{.fd = fo, .events = POLLIN}, {.fd = fe, .events = POLLIN}};
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - t0.tv_sec > 20) {
      kill(pid, SIGKILL);
      break;
    }
    if (poll(p, 2, 1000) <= 0)
      continue;
    if (fo >= 0 && p[0].revents)
      drain(&fo, r->out, sizeof(r->out), &lo);
    if (fe >= 0 && p[1].revents)
      drain(&fe, r->err, sizeof(r->err), &le);
  }
  if (fo >= 0)
    close(fo);
  if (fe >= 0)
    close(fe);
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(binary, version_and_help)
{
  struct result r;
  run_nsrt(&r, "--version", NULL);
  cr_expect_eq(r.code, 0);
  cr_expect_str_eq(r.out, "nsrt version 0.1.0\nspec: 1.3.0\n");
  run_nsrt(&r, "--help", NULL);
  cr_expect_eq(r.code, 0);
  cr_expect(strstr(r.out, "failpoints") && strstr(r.out, "--root"), "%s", r.out);
  run_nsrt(&r, "delete", "--help", NULL);
  cr_expect_eq(r.code, 0);
  cr_expect(strstr(r.out, "usage: nsrt delete [OPTIONS] ID") && strstr(r.out, "--force"), "%s",
            r.out);
}

Test(binary, usage_errors)
{
  struct result r;
  run_nsrt(&r, "bogus", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "nsrt: cli: usage: unknown command 'bogus'"), "%s", r.err);
  run_nsrt(&r, NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "no command given"), "%s", r.err);
  run_nsrt(&r, "--systemd-cgroup", "list", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "cgroups are not supported"), "%s", r.err);
  run_nsrt(&r, "--log-format", "xml", "list", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "--log-format must be text or json, not 'xml'"), "%s", r.err);
  run_nsrt(&r, "kill", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "nsrt: kill: usage: a container id is required"), "%s", r.err);
  cr_expect(strstr(r.err, "usage: nsrt kill [OPTIONS] ID [SIGNAL]"), "%s", r.err);
  run_nsrt(&r, "--root", root, "kill", "c1", "NOPE", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "unknown signal 'NOPE'"), "%s", r.err);
  run_nsrt(&r, "delete", "--frce", "c1", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "unknown option '--frce'"), "%s", r.err);
  run_nsrt(&r, "create", "--bundle", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "option '--bundle' needs an argument"), "%s", r.err);
  run_nsrt(&r, "create", "--console-socket", "/tmp/x.sock", "c1", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "terminal mode is not supported"), "%s", r.err);
  run_nsrt(&r, "--root", root, "create", "bad/id", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "nsrt: cli: id: container id \"bad/id\""), "%s", r.err);
  run_nsrt(&r, "--root", root, "state", "nosuch", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "container nosuch does not exist"), "%s", r.err);
}

Test(binary, spec_writes_config_once)
{
  struct result r;
  run_nsrt(&r, "spec", "--bundle", tmpdir, NULL);
  cr_expect_eq(r.code, 0, "%s", r.err);
  char path[256];
  snprintf(path, sizeof(path), "%s/config.json", tmpdir);
  char *text = slurp(path);
  cr_assert_not_null(text);
  json_t *j = json_loads(text, 0, NULL);
  cr_expect_not_null(j);
  json_decref(j);
  run_nsrt(&r, "spec", "-b", tmpdir, NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "config.json already exists"), "%s", r.err);
  char *again = slurp(path);
  cr_expect_str_eq(again, text, "the existing file is untouched");
  free(text);
  free(again);
}

Test(binary, features_and_failpoints)
{
  struct result r;
  run_nsrt(&r, "features", NULL);
  cr_expect_eq(r.code, 0);
  json_t *j = json_loads(r.out, 0, NULL);
  cr_expect_not_null(j, "%s", r.out);
  cr_expect_str_eq(json_string_value(json_object_get(j, "ociVersionMax")), "1.3.0");
  json_decref(j);

  run_nsrt(&r, "failpoints", "--json", NULL);
  cr_expect_eq(r.code, 0, "%s", r.err);
  j = json_loads(r.out, 0, NULL);
  cr_assert(json_is_array(j), "%s", r.out);
  cr_expect_gt(json_array_size(j), 10);
  const char *prev = "";
  bool found = false;
  size_t i;
  json_t *v;
  json_array_foreach(j, i, v)
  {
    const char *name = json_string_value(json_object_get(v, "name"));
    cr_assert_not_null(name);
    cr_expect_leq(strcmp(prev, name), 0, "sorted: %s before %s", prev, name);
    prev = name;
    if (strcmp(name, "start.connect") == 0) {
      found = true;
      cr_expect_str_eq(json_string_value(json_object_get(v, "kind")), "step");
      cr_expect(strstr(json_string_value(json_object_get(v, "file")), "lifecycle.c"));
      cr_expect_gt(json_integer_value(json_object_get(v, "line")), 0);
      cr_expect(array_has(json_object_get(v, "actions"), "err"));
    }
  }
  cr_expect(found, "start.connect is listed");
  json_decref(j);

  run_nsrt(&r, "failpoints", NULL);
  cr_expect_eq(r.code, 0);
  cr_expect(strncmp(r.out, "NAME", 4) == 0 && strstr(r.out, "lifecycle.c:"), "%s", r.out);
}

Test(binary, lifecycle_through_the_cli)
{
  struct result r;
  pid_t pid = make_container("c1", FAKE_EXEC_OK, false, NULL);
  run_nsrt(&r, "--root", root, "list", "-q", NULL);
  cr_expect_eq(r.code, 0);
  cr_expect_str_eq(r.out, "c1\n");
  run_nsrt(&r, "--root", root, "state", "c1", NULL);
  cr_expect_eq(r.code, 0, "%s", r.err);
  json_t *j = json_loads(r.out, 0, NULL);
  cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "created");
  cr_expect_eq(json_integer_value(json_object_get(j, "pid")), pid);
  json_decref(j);

  run_nsrt(&r, "--root", root, "start", "c1", NULL);
  cr_expect_eq(r.code, 0, "%s", r.err);
  run_nsrt(&r, "--root", root, "list", "--format", "json", NULL);
  j = json_loads(r.out, 0, NULL);
  cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "status")),
                   "running");
  json_decref(j);
  run_nsrt(&r, "--root", root, "list", NULL);
  cr_expect(strstr(r.out, "c1") && strstr(r.out, "running") && strstr(r.out, "/srv/bundle"),
            "%s", r.out);

  run_nsrt(&r, "--root", root, "delete", "c1", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "stop it first or use --force"), "%s", r.err);

  run_nsrt(&r, "--root", root, "kill", "c1", "KILL", NULL);
  cr_expect_eq(r.code, 0, "%s", r.err);
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  n_fakes = 0;
  cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  run_nsrt(&r, "--root", root, "state", "c1", NULL);
  j = json_loads(r.out, 0, NULL);
  cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "stopped");
  json_decref(j);
  run_nsrt(&r, "--root", root, "kill", "c1", NULL);
  cr_expect_eq(r.code, 1);
  run_nsrt(&r, "--root", root, "delete", "c1", NULL);
  cr_expect_eq(r.code, 0, "%s", r.err);
  cr_expect(!container_dir_exists("c1"));
  run_nsrt(&r, "--root", root, "list", "-q", NULL);
  cr_expect_str_eq(r.out, "");
}

Test(binary, json_log_records_failures)
{
  char log[256];
  snprintf(log, sizeof(log), "%s/nsrt.log", tmpdir);
  struct result r;
  run_nsrt(&r, "--root", root, "--log", log, "--log-format", "json", "state", "nosuch", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "nsrt: state: load_state: container nosuch does not exist"), "%s",
            r.err);
  char *logged = slurp(log);
  cr_assert_not_null(logged);
  json_t *j = json_loads(logged, JSON_DISABLE_EOF_CHECK, NULL);
  cr_expect_not_null(j, "%s", logged);
  cr_expect_str_eq(json_string_value(json_object_get(j, "level")), "error");
  json_decref(j);
  free(logged);
}
