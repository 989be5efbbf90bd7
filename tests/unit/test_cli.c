/* The OCI operations behind the CLI: start/kill/delete against a fake init
 * (lifecycle.c), signal names, the features document, the default spec;
 * then the nsrt binary itself when it has been built. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
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
  FILE *f = fopen(path, "re");
  if (!f)
    return NULL;
  char *buf = calloc(1, 1 << 16);
  size_t n = fread(buf, 1, (1 << 16) - 1, f);
  (void)n;
  fclose(f);
  return buf;
}

static bool array_has(json_t *a, const char *s)
{
  for (size_t i = 0; i < json_array_size(a); i++)
    if (strcmp(json_string_value(json_array_get(a, i)) ?: "", s) == 0)
      return true;
  return false;
}

/* The value at a dotted path of object keys and array indexes. */
static json_t *jget(json_t *j, const char *path)
{
  char buf[256], *save = NULL;
  snprintf(buf, sizeof(buf), "%s", path);
  for (char *k = strtok_r(buf, ".", &save); j && k; k = strtok_r(NULL, ".", &save))
    j = json_is_array(j) ? json_array_get(j, strtoul(k, NULL, 10)) : json_object_get(j, k);
  return j;
}

/* The string at a path ("0.status") of a JSON text; "" when absent. */
static const char *jstr(const char *text, const char *path)
{
  static char buf[256];
  json_t *j = json_loads(text, JSON_DISABLE_EOF_CHECK, NULL);
  snprintf(buf, sizeof(buf), "%s", json_string_value(jget(j, path)) ?: "");
  json_decref(j);
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
  /* runtime.md: a failed start stops and destroys the container */
  cr_expect_not(container_dir_exists("c1"), "the container was not destroyed");
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
  cr_expect_not(container_dir_exists("c1"), "the container was not destroyed");
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
  cr_expect_not(container_dir_exists("c1"), "the container was not destroyed");
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

/* runtime.md (v1.3.0) lifecycle step 9: a failing poststart hook makes start
 * fail; the container is stopped and destroyed, and the poststop hooks run. */
Test(lifecycle, poststart_failure_fails_start_and_destroys)
{
  char out[256], hooks[1024];
  snprintf(out, sizeof(out), "%s/poststop.out", tmpdir);
  snprintf(hooks, sizeof(hooks),
           "{\"poststart\":[{\"path\":\"/bin/false\"}],"
           "\"poststop\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > %s\"]}]}",
           out);
  make_container("c1", FAKE_EXEC_OK, false, hooks);
  struct nsrt_err err;
  nsrt_err_clear(&err);
  cr_assert_eq(nsrt_start(root, "c1", &err), -1, "start succeeded despite the poststart failure");
  cr_expect_str_eq(err.step, "hook");
  cr_expect(strstr(err.text, "poststart[0] /bin/false") != NULL, "%s", err.text);
  cr_expect_not(container_dir_exists("c1"), "the container was not destroyed");
  char *seen = slurp(out);
  cr_assert_not_null(seen, "the poststop hook did not run");
  cr_expect_str_eq(jstr(seen, "status"), "stopped", "poststop stdin: %s", seen);
  cr_expect_str_eq(jstr(seen, "id"), "c1");
  free(seen);
}

/* Poststop failures stay warnings: covered by delete's tests. */
Test(lifecycle, poststart_hooks_get_the_running_state)
{
  char out[256], hooks[1024];
  snprintf(out, sizeof(out), "%s/poststart.out", tmpdir);
  snprintf(hooks, sizeof(hooks),
           "{\"poststart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > %s\"]}]}",
           out);
  make_container("c1", FAKE_EXEC_OK, false, hooks);
  struct nsrt_err err;
  cr_assert_eq(nsrt_start(root, "c1", &err), 0, "%s: %s", err.step, err.text);
  char *seen = slurp(out);
  cr_assert_not_null(seen, "the poststart hook did not run");
  cr_expect_str_eq(jstr(seen, "status"), "running", "hook stdin is the state JSON: %s", seen);
  cr_expect_str_eq(jstr(seen, "id"), "c1");
  free(seen);
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
  cr_expect_str_eq(jstr(seen, "status"), "stopped", "%s", seen);
  cr_expect(!strstr(seen, "\"pid\""), "no pid once stopped: %s", seen);
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
  const struct {
    const char *name;
    int sig;
  } good[] = {{"TERM", SIGTERM},         {"SIGTERM", SIGTERM},
              {"sigterm", SIGTERM},      {"15", SIGTERM},
              {"KILL", SIGKILL},         {"9", SIGKILL},
              {"SIGWINCH", SIGWINCH},    {"CHLD", SIGCHLD},
              {"SIGSYS", SIGSYS},        {"RTMIN", SIGRTMIN},
              {"RTMIN+3", SIGRTMIN + 3}, {"SIGRTMAX-1", SIGRTMAX - 1},
              {"RTMAX", SIGRTMAX},       {"64", 64}};
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
    cr_expect_eq(nsrt_signal_from_name(good[i].name), good[i].sig, "%s", good[i].name);
  const char *bad[] = {"",       "FOO",      "SIG",     "-1",      "1x", "99",
                       "RTMIN+", "RTMIN+99", "RTMAX+1", "RTMIN-1", " 9", "TERM "};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    cr_expect_eq(nsrt_signal_from_name(bad[i]), -1, "accepted \"%s\"", bad[i]);
}

/* ---- documents ---- */

Test(lifecycle, features_document)
{
  char *text = nsrt_features_json();
  cr_assert_not_null(text);
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
  cr_assert_not_null(j, "%s", text);
  cr_expect_str_eq(json_string_value(jget(j, "ociVersionMin")), "1.0.0");
  cr_expect_str_eq(json_string_value(jget(j, "ociVersionMax")), "1.3.0");
  cr_expect_eq(json_array_size(jget(j, "hooks")), 6);
  cr_expect(array_has(jget(j, "hooks"), "createContainer") &&
            array_has(jget(j, "hooks"), "poststop"));
  json_t *mo = jget(j, "mountOptions");
  cr_expect_eq(json_array_size(mo), 34);
  cr_expect(array_has(mo, "rbind") && array_has(mo, "runbindable") &&
            array_has(mo, "nostrictatime"));
  cr_expect(array_has(mo, "remount") && array_has(mo, "idmap") && array_has(mo, "ridmap"));
  cr_expect(json_is_true(jget(j, "linux.mountExtensions.idmap.enabled")));
  json_t *ns = jget(j, "linux.namespaces");
  cr_expect_eq(json_array_size(ns), 8);
  cr_expect(array_has(ns, "network") && array_has(ns, "mount") && array_has(ns, "time"));
  json_t *caps = jget(j, "linux.capabilities");
  cr_expect_eq(json_array_size(caps), (size_t)cap_last_known() + 1);
  cr_expect_str_eq(json_string_value(json_array_get(caps, 0)), "CAP_CHOWN");
  cr_expect(array_has(caps, "CAP_SYS_ADMIN") && array_has(caps, "CAP_CHECKPOINT_RESTORE"));
  const char *disabled[] = {"linux.cgroup.v1",        "linux.cgroup.v2",
                            "linux.cgroup.systemd",   "linux.cgroup.systemdUser",
                            "linux.apparmor.enabled", "linux.selinux.enabled",
                            "linux.intelRdt.enabled"};
  for (size_t i = 0; i < sizeof(disabled) / sizeof(disabled[0]); i++)
    cr_expect(json_is_false(jget(j, disabled[i])), "%s is false", disabled[i]);
  cr_expect(json_is_true(jget(j, "linux.seccomp.enabled")));
  cr_expect(array_has(jget(j, "linux.seccomp.actions"), "SCMP_ACT_ERRNO"));
  cr_expect(array_has(jget(j, "linux.seccomp.actions"), "SCMP_ACT_KILL_PROCESS"));
  cr_expect(array_has(jget(j, "linux.seccomp.operators"), "SCMP_CMP_MASKED_EQ"));
  cr_expect_eq(json_array_size(jget(j, "linux.seccomp.operators")), 7);
  cr_expect(array_has(jget(j, "linux.seccomp.archs"), "SCMP_ARCH_X86_64"));
  cr_expect(array_has(jget(j, "linux.seccomp.knownFlags"), "SECCOMP_FILTER_FLAG_LOG"));
  cr_expect(json_is_array(jget(j, "linux.seccomp.supportedFlags")));
  json_t *version = json_object_get(jget(j, "annotations"), "io.nsconform.nsrt.version");
  cr_expect_str_eq(json_string_value(version), NSRT_VERSION);
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
  cr_expect_str_eq(json_string_value(json_array_get(jget(j, "process.args"), 0)), "sh");
  cr_expect(json_is_true(jget(j, "process.noNewPrivileges")));
  cr_expect_eq(json_array_size(jget(j, "process.capabilities.permitted")), 3);
  cr_expect_eq(json_array_size(jget(j, "mounts")), 6);
  cr_expect_str_eq(json_string_value(jget(j, "hostname")), "nsrt");
  cr_expect(json_is_true(jget(j, "root.readonly")));
  cr_expect_eq(json_array_size(jget(j, "linux.namespaces")), 6);
  cr_expect_eq(json_array_size(jget(j, "linux.maskedPaths")), 10);
  cr_expect_eq(json_array_size(jget(j, "linux.readonlyPaths")), 5);
  cr_expect_null(jget(j, "linux.resources"));
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
  char *out, *err; /* owned by the test: freed at the next run */
};

static void result_free(struct result *r)
{
  free(r->out);
  free(r->err);
}
#define RESULT(r) struct result r __attribute__((cleanup(result_free))) = {0}

/* Run nsrt with the arguments (NULL-terminated), output to files in tmpdir,
 * bounded to 20 s. */
static void run_nsrt(struct result *r, ...)
{
  if (!find_binary()) {
    teardown(); /* a skipped test does not reach .fini */
    cr_skip_test("nsrt is not built (make all, or set NSRT_BIN)");
  }
  char *argv[32] = {nsrt_bin}, out[256], err[256];
  int argc = 1;
  va_list ap;
  va_start(ap, r);
  while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
    argc++;
  va_end(ap);
  snprintf(out, sizeof(out), "%s/stdout", tmpdir);
  snprintf(err, sizeof(err), "%s/stderr", tmpdir);
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600),
        e = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
      _exit(126);
    execv(nsrt_bin, argv);
    _exit(127);
  }
  int status, waited = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (++waited == 2000)
      kill(pid, SIGKILL);
    usleep(10 * 1000);
  }
  free(r->out);
  free(r->err);
  r->out = slurp(out);
  r->err = slurp(err);
  cr_assert(r->out && r->err);
  r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(binary, version_and_help)
{
  RESULT(r);
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
  /* Each: the arguments ("@" stands for the state root) and a part of stderr. */
  static const char *cases[][8] = {
      {"bogus", NULL, "nsrt: cli: usage: unknown command 'bogus'"},
      {NULL, "no command given"},
      {"--systemd-cgroup", "list", NULL, "cgroups are not supported"},
      {"--log-format", "xml", "list", NULL, "--log-format must be text or json, not 'xml'"},
      {"kill", NULL,
       "nsrt: kill: usage: a container id is required\nusage: nsrt kill [OPTIONS] ID [SIGNAL]"},
      {"--root", "@", "kill", "c1", "NOPE", NULL, "unknown signal 'NOPE'"},
      {"delete", "--frce", "c1", NULL, "unknown option '--frce'"},
      {"create", "--bundle", NULL, "option '--bundle' needs an argument"},
      {"create", "--console-socket", "/tmp/x.sock", "c1", NULL, "terminal mode is not supported"},
      {"--root", "@", "create", "bad/id", NULL, "nsrt: cli: id: container id \"bad/id\""},
      {"--root", "@", "state", "nosuch", NULL, "container nosuch does not exist"},
  };
  RESULT(r);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *a[8] = {0};
    size_t n = 0;
    for (; cases[i][n]; n++)
      a[n] = strcmp(cases[i][n], "@") ? cases[i][n] : root;
    a[n] = NULL;
    run_nsrt(&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], NULL);
    cr_expect_eq(r.code, 1, "case %zu", i);
    cr_expect(strstr(r.err, cases[i][n + 1]), "case %zu: %s", i, r.err);
  }
}

Test(binary, spec_writes_config_once)
{
  RESULT(r);
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
  RESULT(r);
  run_nsrt(&r, "features", NULL);
  cr_expect_eq(r.code, 0);
  cr_expect_str_eq(jstr(r.out, "ociVersionMax"), "1.3.0");

  run_nsrt(&r, "failpoints", "--json", NULL);
  cr_expect_eq(r.code, 0, "%s", r.err);
  json_t *j = json_loads(r.out, 0, NULL);
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
  RESULT(r);
  pid_t pid = make_container("c1", FAKE_EXEC_OK, false, NULL);
  run_nsrt(&r, "--root", root, "list", "-q", NULL);
  cr_expect_eq(r.code, 0);
  cr_expect_str_eq(r.out, "c1\n");
  run_nsrt(&r, "--root", root, "state", "c1", NULL);
  cr_expect_eq(r.code, 0, "%s", r.err);
  cr_expect_str_eq(jstr(r.out, "status"), "created");
  char pid_field[32];
  snprintf(pid_field, sizeof(pid_field), "\"pid\": %d,", (int)pid);
  cr_expect(strstr(r.out, pid_field), "%s", r.out);

  run_nsrt(&r, "--root", root, "start", "c1", NULL);
  cr_expect_eq(r.code, 0, "%s", r.err);
  run_nsrt(&r, "--root", root, "list", "--format", "json", NULL);
  cr_expect_str_eq(jstr(r.out, "0.status"), "running");
  run_nsrt(&r, "--root", root, "list", NULL);
  cr_expect(strstr(r.out, "c1") && strstr(r.out, "running") && strstr(r.out, "/srv/bundle"), "%s",
            r.out);

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
  cr_expect_str_eq(jstr(r.out, "status"), "stopped");
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
  RESULT(r);
  run_nsrt(&r, "--root", root, "--log", log, "--log-format", "json", "state", "nosuch", NULL);
  cr_expect_eq(r.code, 1);
  cr_expect(strstr(r.err, "nsrt: state: load_state: container nosuch does not exist"), "%s", r.err);
  char *logged = slurp(log);
  cr_assert_not_null(logged);
  cr_expect_str_eq(jstr(logged, "level"), "error", "%s", logged);
  cr_expect_str_eq(jstr(logged, "stage"), "state", "%s", logged);
  free(logged);
}
