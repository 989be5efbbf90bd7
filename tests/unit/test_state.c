/* state.c: ids, the state directory, state.json, derived status. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "failpoint.h"
#include "state.h"

static char tmpdir[64];
static char root[128];
static pid_t child = -1;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  return remove(path);
}

static void setup(void)
{
  strcpy(tmpdir, "/tmp/nsrt-state-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
  snprintf(root, sizeof(root), "%s/run/nsrt", tmpdir);
}

static void teardown(void)
{
  if (child > 0) {
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    child = -1;
  }
  nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  nsrt_fp_reset();
}

TestSuite(state, .init = setup, .fini = teardown);

/* A child that just waits to be killed, standing in for a container init. */
static pid_t spawn_sleeper(void)
{
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    for (;;)
      pause();
  }
  return pid;
}

static void fill_state(struct container_state *st, pid_t pid)
{
  memset(st, 0, sizeof(*st));
  st->oci_version = "1.3.0";
  st->id = "c1";
  st->bundle = "/srv/bundle";
  st->pid = pid;
  st->created = "2026-01-02T03:04:05.000000006Z";
  if (pid > 0)
    cr_assert_eq(proc_start_time(pid, &st->pid_start), 0);
}

static char *read_file(const char *path)
{
  FILE *f = fopen(path, "re");
  if (!f)
    return NULL;
  static char buf[65536];
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strdup(buf);
}

Test(state, id_accepts_valid_ids)
{
  struct nsrt_err err;
  const char *ok[] = {"a", "0", "abc_1.2+3-4", "Z.z",
                      "0123456789012345678901234567890123456789012345678901234567890123"};
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
    cr_expect_eq(state_check_id("/run/nsrt", ok[i], &err), 0, "rejected %s: %s", ok[i], err.text);
}

Test(state, id_rejects_invalid_ids)
{
  const char *bad[] = {"",     "-a",
                       ".x",   "_x",
                       "a/b",  "a b",
                       "a\nb", "..",
                       "a:b",  "01234567890123456789012345678901234567890123456789012345678901234"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct nsrt_err err;
    nsrt_err_clear(&err);
    cr_expect_eq(state_check_id("/run/nsrt", bad[i], &err), -1, "accepted \"%s\"", bad[i]);
    cr_expect_str_eq(err.stage, "cli");
    cr_expect_str_eq(err.step, "id");
    cr_expect(strstr(err.text, "container id \"") != NULL, "text: %s", err.text);
  }
  struct nsrt_err err;
  state_check_id("/run/nsrt", "a/b", &err);
  cr_expect(strstr(err.text, "\"a/b\"") != NULL, "the id is quoted: %s", err.text);
  state_check_id("/run/nsrt", "a\nb", &err);
  cr_expect(strchr(err.text, '\n') == NULL, "no raw newline in the text: %s", err.text);
}

Test(state, id_rejects_socket_path_too_long)
{
  char long_root[128];
  memset(long_root, 'r', sizeof(long_root));
  long_root[0] = '/';
  /* 107 bytes of sun_path are usable: root + "/" + "ab" + "/" + "start.sock". */
  long_root[107 - 1 - 2 - 1 - 10] = '\0';
  struct nsrt_err err;
  nsrt_err_clear(&err);
  cr_expect_eq(state_check_id(long_root, "ab", &err), 0, "%s", err.text);
  long_root[107 - 1 - 2 - 1 - 10] = 'r';
  long_root[107 - 1 - 2 - 1 - 10 + 1] = '\0';
  cr_assert_eq(state_check_id(long_root, "ab", &err), -1);
  cr_expect_eq(err.errnum, ENAMETOOLONG);
  cr_expect_str_eq(err.step, "id");
  cr_expect(strstr(err.text, "\"ab\"") != NULL, "%s", err.text);
}

Test(state, dir_create_makes_parents_and_refuses_duplicates)
{
  struct nsrt_err err;
  nsrt_err_clear(&err);
  int fd = state_dir_create(root, "c1", &err);
  cr_assert_geq(fd, 0, "%s: %s", err.step, err.text);
  cr_expect_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  close(fd);
  struct stat sb;
  char path[256];
  snprintf(path, sizeof(path), "%s/c1", root);
  cr_assert_eq(stat(path, &sb), 0);
  cr_expect(S_ISDIR(sb.st_mode));
  cr_expect_eq(sb.st_mode & 07777, 0700);
  cr_assert_eq(stat(root, &sb), 0);
  cr_expect_eq(sb.st_mode & 07777, 0700);

  cr_expect_eq(state_dir_create(root, "c1", &err), -1);
  cr_expect_eq(err.errnum, EEXIST);
  cr_expect_str_eq(err.text, "container c1 already exists");
}

Test(state, dir_create_reports_root_that_is_a_file)
{
  char file[256];
  snprintf(file, sizeof(file), "%s/file", tmpdir);
  close(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  struct nsrt_err err;
  cr_expect_eq(state_dir_create(file, "c1", &err), -1);
  cr_expect_eq(err.errnum, ENOTDIR, "errnum %d: %s", err.errnum, err.text);
}

Test(state, write_then_load_round_trips)
{
  struct nsrt_err err;
  int dirfd = state_dir_create(root, "c1", &err);
  cr_assert_geq(dirfd, 0);
  child = spawn_sleeper();
  struct container_state st;
  fill_state(&st, child);
  struct annotation ann[] = {{"org.example.key", "value"}, {"second", ""}};
  st.annotations = ann;
  st.n_annotations = 2;
  cr_assert_eq(state_write(dirfd, &st, &err), 0, "%s", err.text);

  char path[256];
  snprintf(path, sizeof(path), "%s/c1/state.json.tmp", root);
  cr_expect_neq(access(path, F_OK), 0, "no temporary file is left behind");
  snprintf(path, sizeof(path), "%s/c1/state.json", root);
  char *text = read_file(path);
  cr_assert_not_null(text);
  json_t *j = json_loads(text, 0, NULL);
  cr_assert_not_null(j, "state.json is JSON: %s", text);
  cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "created");
  cr_expect_eq(json_integer_value(json_object_get(j, "pid")), child);
  cr_expect(json_is_false(json_object_get(j, "started")));
  json_decref(j);
  free(text);

  struct container_state got;
  cr_assert_eq(state_load(root, "c1", &got, &err), 0, "%s", err.text);
  cr_expect_str_eq(got.oci_version, "1.3.0");
  cr_expect_str_eq(got.id, "c1");
  cr_expect_str_eq(got.bundle, "/srv/bundle");
  cr_expect_str_eq(got.created, st.created);
  cr_expect_eq(got.pid, child);
  cr_expect_eq(got.pid_start, st.pid_start);
  cr_expect_eq(got.started, false);
  cr_assert_eq(got.n_annotations, 2);
  cr_expect_str_eq(got.annotations[0].key, "org.example.key");
  cr_expect_str_eq(got.annotations[0].value, "value");
  cr_expect_str_eq(got.annotations[1].key, "second");
  state_free(&got);
  cr_expect_null(got.id, "state_free leaves a zeroed struct");

  /* The rewrite of start replaces the file as a whole. */
  st.started = true;
  cr_assert_eq(state_write(dirfd, &st, &err), 0);
  cr_assert_eq(state_load(root, "c1", &got, &err), 0);
  cr_expect(got.started);
  cr_expect_eq(state_status(&got), STATUS_RUNNING);
  state_free(&got);
  close(dirfd);
}

Test(state, load_missing_container)
{
  struct nsrt_err err;
  struct container_state st;
  nsrt_err_clear(&err);
  cr_expect_eq(state_load(root, "nosuch", &st, &err), -1);
  cr_expect_eq(err.errnum, ENOENT);
  cr_expect_str_eq(err.text, "container nosuch does not exist");
  cr_expect_eq(state_load(root, "../etc", &st, &err), -1, "ids are checked before any path");
  cr_expect_str_eq(err.step, "id");
}

static void write_raw_state(const char *id, const char *text)
{
  struct nsrt_err err;
  int dirfd = state_dir_create(root, id, &err);
  cr_assert_geq(dirfd, 0);
  int fd = openat(dirfd, "state.json", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  close(dirfd);
}

Test(state, load_rejects_corrupt_files)
{
  struct nsrt_err err;
  struct container_state st;
  write_raw_state("c1", "{\"id\": \"c1\",");
  cr_expect_eq(state_load(root, "c1", &st, &err), -1);
  cr_expect_str_eq(err.step, "load_state");
  cr_expect(strstr(err.text, "/c1/state.json") != NULL, "names the file: %s", err.text);

  write_raw_state("c2", "{\"ociVersion\":\"1.3.0\",\"id\":\"c2\",\"bundle\":\"/b\","
                        "\"created\":\"x\",\"pid\":\"12\",\"pid_start\":1,\"started\":false}");
  cr_expect_eq(state_load(root, "c2", &st, &err), -1);
  cr_expect(strstr(err.text, "\"pid\"") != NULL, "names the field: %s", err.text);

  write_raw_state("c3", "{\"ociVersion\":\"1.3.0\",\"id\":\"other\",\"bundle\":\"/b\","
                        "\"created\":\"x\",\"pid\":12,\"pid_start\":1,\"started\":false}");
  cr_expect_eq(state_load(root, "c3", &st, &err), -1);
  cr_expect(strstr(err.text, "\"other\"") != NULL, "%s", err.text);
  cr_expect_null(st.id, "nothing is left allocated");
}

Test(state, status_follows_the_process)
{
  child = spawn_sleeper();
  struct container_state st;
  fill_state(&st, child);
  cr_expect_eq(state_status(&st), STATUS_CREATED);
  st.started = true;
  cr_expect_eq(state_status(&st), STATUS_RUNNING);

  cr_assert_eq(kill(child, SIGKILL), 0);
  /* Dead but not reaped: a zombie is stopped. */
  siginfo_t info;
  cr_assert_eq(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT), 0);
  cr_expect_eq(state_status(&st), STATUS_STOPPED);
  waitpid(child, NULL, 0);
  child = -1;
  cr_expect_eq(state_status(&st), STATUS_STOPPED);
}

Test(state, status_detects_reused_pid)
{
  child = spawn_sleeper();
  struct container_state st;
  fill_state(&st, child);
  st.pid_start += 1; /* the recorded process started at another time */
  cr_expect_eq(state_status(&st), STATUS_STOPPED);
  st.pid = 0;
  cr_expect_eq(state_status(&st), STATUS_STOPPED);
}

Test(state, state_json_follows_runtime_md)
{
  struct container_state st;
  fill_state(&st, 0);
  st.pid = 4242;
  char *text = state_to_json(&st, STATUS_CREATED);
  cr_assert_not_null(text);
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
  cr_assert_not_null(j, "%s", text);
  cr_expect_str_eq(json_string_value(json_object_get(j, "ociVersion")), "1.3.0");
  cr_expect_str_eq(json_string_value(json_object_get(j, "id")), "c1");
  cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "created");
  cr_expect_eq(json_integer_value(json_object_get(j, "pid")), 4242);
  cr_expect_str_eq(json_string_value(json_object_get(j, "bundle")), "/srv/bundle");
  cr_expect(json_is_object(json_object_get(j, "annotations")), "annotations is always an object");
  cr_expect_eq(json_object_size(json_object_get(j, "annotations")), 0);
  cr_expect_null(json_object_get(j, "pid_start"), "internal fields stay internal");
  json_decref(j);
  free(text);

  const char *names[] = {"creating", "created", "running", "stopped"};
  enum container_status all[] = {STATUS_CREATING, STATUS_CREATED, STATUS_RUNNING, STATUS_STOPPED};
  for (int i = 0; i < 4; i++) {
    text = state_to_json(&st, all[i]);
    j = json_loads(text, 0, NULL);
    cr_expect_str_eq(json_string_value(json_object_get(j, "status")), names[i]);
    bool has_pid = json_object_get(j, "pid") != NULL;
    cr_expect_eq(has_pid, all[i] != STATUS_STOPPED,
                 "pid present while creating (for the hooks), created or running (%s)",
                 names[i]);
    json_decref(j);
    free(text);
  }

  struct annotation ann[] = {{"k", "v"}};
  st.annotations = ann;
  st.n_annotations = 1;
  text = state_to_json(&st, STATUS_RUNNING);
  j = json_loads(text, 0, NULL);
  cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "annotations"), "k")), "v");
  json_decref(j);
  free(text);
}

Test(state, remove_deletes_the_directory)
{
  struct nsrt_err err;
  int dirfd = state_dir_create(root, "c1", &err);
  cr_assert_geq(dirfd, 0);
  const char *files[] = {"state.json", "hooks.json", "start.sock"};
  for (int i = 0; i < 3; i++)
    close(openat(dirfd, files[i], O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  close(dirfd);
  cr_assert_eq(state_remove(root, "c1", &err), 0, "%s", err.text);
  char path[256];
  snprintf(path, sizeof(path), "%s/c1", root);
  cr_expect_neq(access(path, F_OK), 0);
  cr_expect_eq(access(root, F_OK), 0, "the root stays");
  cr_expect_eq(state_remove(root, "c1", &err), 0, "a missing directory is not an error");
}

Test(state, remove_failure_is_reported)
{
  struct nsrt_err err;
  int dirfd = state_dir_create(root, "c1", &err);
  cr_assert_geq(dirfd, 0);
  close(dirfd);
  cr_assert_eq(nsrt_fp_configure("state.remove=err(EBUSY)", 0, NULL, &err), 0, "%s", err.text);
  cr_expect_eq(state_remove(root, "c1", &err), -1);
  cr_expect_eq(err.errnum, EBUSY);
  cr_expect_str_eq(err.step, "remove_state");
}

Test(state, write_failure_leaves_old_state)
{
  struct nsrt_err err;
  int dirfd = state_dir_create(root, "c1", &err);
  cr_assert_geq(dirfd, 0);
  child = spawn_sleeper();
  struct container_state st;
  fill_state(&st, child);
  cr_assert_eq(state_write(dirfd, &st, &err), 0);
  cr_assert_eq(nsrt_fp_configure("state.write=err(EROFS)", 0, NULL, &err), 0, "%s", err.text);
  st.started = true;
  nsrt_err_clear(&err);
  cr_expect_eq(state_write(dirfd, &st, &err), -1);
  cr_expect_eq(err.errnum, EROFS);
  cr_expect_str_eq(err.step, "write_state");
  struct container_state got;
  cr_assert_eq(state_load(root, "c1", &got, &err), 0);
  cr_expect_eq(got.started, false, "the old state is intact");
  state_free(&got);
  close(dirfd);
}

Test(state, start_time_parses_odd_process_names)
{
  int pfd[2];
  cr_assert_eq(pipe(pfd), 0);
  child = fork();
  cr_assert_geq(child, 0);
  if (child == 0) {
    prctl(PR_SET_NAME, "a) b (c) 1 2", 0, 0, 0);
    close(pfd[0]);
    if (write(pfd[1], "x", 1) != 1)
      _exit(1);
    for (;;)
      pause();
  }
  close(pfd[1]);
  char b;
  cr_assert_eq(read(pfd[0], &b, 1), 1);
  close(pfd[0]);
  unsigned long long start = 0, self = 0;
  cr_assert_eq(proc_start_time(child, &start), 0);
  cr_assert_eq(proc_start_time(getpid(), &self), 0);
  cr_expect_geq(start, self, "the child started after us");
  cr_expect_lt(start - self, 100000ULL, "a plausible start time, not another field");
  struct container_state st;
  fill_state(&st, child);
  cr_expect_eq(state_status(&st), STATUS_CREATED);
  cr_expect_eq(proc_start_time(0, &start), -1);
}

Test(state, rfc3339_timestamp)
{
  char buf[64];
  rfc3339_now(buf, sizeof(buf));
  regex_t re;
  cr_assert_eq(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$",
                       REG_EXTENDED | REG_NOSUB),
               0);
  cr_expect_eq(regexec(&re, buf, 0, NULL, 0), 0, "%s", buf);
  regfree(&re);
}

Test(state, status_names)
{
  cr_expect_str_eq(state_status_name(STATUS_CREATING), "creating");
  cr_expect_str_eq(state_status_name(STATUS_CREATED), "created");
  cr_expect_str_eq(state_status_name(STATUS_RUNNING), "running");
  cr_expect_str_eq(state_status_name(STATUS_STOPPED), "stopped");
}

Test(state, path_is_bounded)
{
  char buf[16];
  cr_expect_eq(state_path(buf, sizeof(buf), "/r", "id", "x"), 0);
  cr_expect_str_eq(buf, "/r/id/x");
  cr_expect_eq(state_path(buf, sizeof(buf), "/run/nsrt", "id", "state.json"), -1);
  cr_expect_eq(errno, ENAMETOOLONG);
}
