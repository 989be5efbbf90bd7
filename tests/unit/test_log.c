#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "log.h"

static char dir[] = "/tmp/test_log.XXXXXX";
static char log_path[128];
static char err_path[128];
static int saved_stderr = -1;

static void setup(void)
{
  cr_assert_not_null(mkdtemp(dir));
  snprintf(log_path, sizeof(log_path), "%s/nsrt.log", dir);
  snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
  nsrt_set_stage("tester");
}

static void restore_stderr(void)
{
  if (saved_stderr >= 0) {
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    saved_stderr = -1;
  }
}

static void teardown(void)
{
  nsrt_log_close();
  restore_stderr();
  unlink(log_path);
  unlink(err_path);
  rmdir(dir);
}

TestSuite(log, .init = setup, .fini = teardown, .timeout = 20);

/* Send fd 2 to err_path so the test can read what went to stderr. */
static void capture_stderr(void)
{
  fflush(stderr);
  saved_stderr = dup(STDERR_FILENO);
  cr_assert_geq(saved_stderr, 0);
  int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  cr_assert_geq(fd, 0);
  cr_assert_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
  close(fd);
}

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "re");
  if (!f)
    return strdup("");
  struct stat sb;
  cr_assert_eq(fstat(fileno(f), &sb), 0);
  char *buf = malloc((size_t)sb.st_size + 1);
  cr_assert_not_null(buf);
  size_t n = fread(buf, 1, (size_t)sb.st_size, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

static void open_log(const char *path, enum nsrt_log_format format, bool debug)
{
  struct nsrt_err err = {0};
  cr_assert_eq(nsrt_log_open(path, format, debug, &err), 0, "%s", err.text);
}

static json_t *parse_line(const char *line, size_t len)
{
  json_error_t jerr;
  json_t *j = json_loadb(line, len, 0, &jerr);
  cr_assert_not_null(j, "not JSON: %.*s (%s)", (int)len, line, jerr.text);
  return j;
}

/* The only record in text, which must be exactly one line. */
static json_t *only_record(const char *text)
{
  const char *nl = strchr(text, '\n');
  cr_assert_not_null(nl, "no newline in \"%s\"", text);
  cr_assert_eq(nl[1], '\0', "more than one line: %s", text);
  return parse_line(text, (size_t)(nl - text));
}

static const char *str_field(json_t *j, const char *key)
{
  json_t *v = json_object_get(j, key);
  cr_assert(json_is_string(v), "field %s missing or not a string", key);
  return json_string_value(v);
}

static json_int_t int_field(json_t *j, const char *key)
{
  json_t *v = json_object_get(j, key);
  cr_assert(json_is_integer(v), "field %s missing or not an integer", key);
  return json_integer_value(v);
}

/* RFC 3339 UTC with milliseconds, and close to now. */
static void check_time(const char *t)
{
  struct tm tm = {0};
  const char *rest = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
  cr_assert_not_null(rest, "time \"%s\"", t);
  cr_assert(rest[0] == '.' && rest[1] >= '0' && rest[1] <= '9' && rest[2] >= '0' &&
                rest[2] <= '9' && rest[3] >= '0' && rest[3] <= '9' && rest[4] == 'Z' &&
                rest[5] == '\0',
            "time \"%s\" is not ...SS.mmmZ", t);
  cr_assert_eq(strlen(t), 24);
  time_t when = timegm(&tm);
  cr_assert(labs((long)(when - time(NULL))) <= 5, "time \"%s\" is not now (UTC)", t);
}

Test(log, json_record_has_the_fields)
{
  open_log(log_path, NSRT_LOG_JSON, false);
  nsrt_log(NSRT_LOG_INFO, "cloned intermediate %d", 4243);
  char *text = slurp(log_path);
  json_t *j = only_record(text);
  check_time(str_field(j, "time"));
  cr_assert_str_eq(str_field(j, "level"), "info");
  cr_assert_str_eq(str_field(j, "stage"), "tester");
  cr_assert_eq(int_field(j, "pid"), getpid());
  cr_assert_str_eq(str_field(j, "msg"), "cloned intermediate 4243");
  cr_assert_eq(json_object_size(j), 5, "%s", text);
  json_decref(j);
  free(text);
}

Test(log, json_escapes_quotes_backslashes_and_control_characters)
{
  const char *msg = "q\"b\\n\nt\tc\x01r\rd\x7f e\xc3\xa9 z";
  open_log(log_path, NSRT_LOG_JSON, false);
  nsrt_log(NSRT_LOG_WARN, "%s", msg);
  char *text = slurp(log_path);
  cr_assert_not_null(strstr(text, "\"msg\":\"q\\\"b\\\\n\\nt\\tc\\u0001r\\rd\\u007f e\xc3\xa9 z\""),
                     "%s", text);
  json_t *j = only_record(text);
  cr_assert_str_eq(str_field(j, "msg"), msg);
  cr_assert_str_eq(str_field(j, "level"), "warn");
  json_decref(j);
  free(text);
}

Test(log, json_replaces_invalid_utf8)
{
  /* a lone continuation byte, a truncated sequence, an overlong '/', a surrogate */
  open_log(log_path, NSRT_LOG_JSON, false);
  nsrt_log(NSRT_LOG_INFO, "a\200b\342\202c\300\257d\355\240\200e");
  char *text = slurp(log_path);
  json_t *j = only_record(text);
  const char *r = "\xef\xbf\xbd";
  char want[64];
  snprintf(want, sizeof(want), "a%sb%s%sc%s%sd%s%s%se", r, r, r, r, r, r, r, r);
  cr_assert_str_eq(str_field(j, "msg"), want);
  json_decref(j);
  free(text);
}

Test(log, json_truncates_long_messages_without_breaking_the_record)
{
  static char big[20000];
  /* every byte escapes to 6, so the cut falls on escape boundaries */
  memset(big, '\x01', 3000);
  big[3000] = '\0';
  open_log(log_path, NSRT_LOG_JSON, false);
  nsrt_log(NSRT_LOG_INFO, "%s", big);
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  nsrt_log(NSRT_LOG_INFO, "%s", big);
  char *text = slurp(log_path);
  char *line = text;
  for (int i = 0; i < 2; i++) {
    char *nl = strchr(line, '\n');
    cr_assert_not_null(nl);
    cr_assert_leq(nl - line + 1, 8192);
    json_t *j = parse_line(line, (size_t)(nl - line));
    const char *msg = str_field(j, "msg");
    cr_assert_gt(strlen(msg), 1000, "the message is kept up to the limit");
    cr_assert_eq(msg[0], i == 0 ? '\x01' : 'x');
    json_decref(j);
    line = nl + 1;
  }
  free(text);
}

Test(log, text_record_shape)
{
  open_log(log_path, NSRT_LOG_TEXT, false);
  nsrt_log(NSRT_LOG_WARN, "two\nlines \"quoted\"");
  char *text = slurp(log_path);
  regex_t re;
  char pattern[256];
  snprintf(pattern, sizeof(pattern),
           "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
           "warn tester\\[%d\\]: two\\\\nlines \"quoted\"\n$",
           (int)getpid());
  cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
  int m = regexec(&re, text, 0, NULL, 0);
  regfree(&re);
  cr_assert_eq(m, 0, "unexpected text record: \"%s\"", text);
  char stamp[25];
  memcpy(stamp, text, 24);
  stamp[24] = '\0';
  check_time(stamp);
  free(text);
}

Test(log, debug_off_suppresses_debug_records)
{
  open_log(log_path, NSRT_LOG_TEXT, false);
  nsrt_debug("hidden %d", 1);
  nsrt_log(NSRT_LOG_INFO, "shown");
  char *text = slurp(log_path);
  cr_assert_null(strstr(text, "hidden"), "%s", text);
  cr_assert_not_null(strstr(text, " info tester["), "%s", text);
  cr_assert_not_null(strstr(text, "]: shown\n"), "%s", text);
  free(text);
}

Test(log, debug_on_writes_debug_records)
{
  open_log(log_path, NSRT_LOG_JSON, true);
  nsrt_debug("visible %d", 2);
  char *text = slurp(log_path);
  json_t *j = only_record(text);
  cr_assert_str_eq(str_field(j, "level"), "debug");
  cr_assert_str_eq(str_field(j, "msg"), "visible 2");
  json_decref(j);
  free(text);
}

Test(log, no_path_writes_to_stderr)
{
  capture_stderr();
  open_log(NULL, NSRT_LOG_TEXT, false);
  cr_assert_eq(nsrt_log_fd(), -1);
  nsrt_log(NSRT_LOG_ERROR, "to stderr");
  restore_stderr();
  char *text = slurp(err_path);
  cr_assert_not_null(strstr(text, " error tester["), "%s", text);
  cr_assert_not_null(strstr(text, "]: to stderr\n"), "%s", text);
  free(text);
}

Test(log, log_file_is_cloexec_and_closed)
{
  open_log(log_path, NSRT_LOG_TEXT, false);
  int fd = nsrt_log_fd();
  cr_assert_geq(fd, 0);
  cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  struct stat sb;
  cr_assert_eq(stat(log_path, &sb), 0);
  cr_assert_eq(sb.st_mode & 0777, 0600);
  nsrt_log_close();
  cr_assert_eq(nsrt_log_fd(), -1);
  cr_assert_eq(fcntl(fd, F_GETFD), -1, "the fd is closed");
}

Test(log, open_failure_names_the_path)
{
  struct nsrt_err err = {0};
  cr_assert_eq(nsrt_log_open("/nonexistent-dir/nsrt.log", NSRT_LOG_JSON, false, &err), -1);
  cr_assert_eq(err.errnum, ENOENT);
  cr_assert_str_eq(err.step, "open_log");
  cr_assert_str_eq(err.text, "open log file \"/nonexistent-dir/nsrt.log\"");
}

Test(log, logging_keeps_errno)
{
  open_log(log_path, NSRT_LOG_JSON, true);
  errno = EXDEV;
  nsrt_debug("x");
  nsrt_log(NSRT_LOG_INFO, "y");
  cr_assert_eq(errno, EXDEV);
}

static void fill_failure(struct nsrt_err *err)
{
  nsrt_fail_at(err, "init", EPERM, "pivot_root", "in \"%s\"", "/run/x");
}

Test(log, failure_with_json_file)
{
  capture_stderr();
  open_log(log_path, NSRT_LOG_JSON, false);
  struct nsrt_err err;
  fill_failure(&err);
  nsrt_log_failure(&err);
  restore_stderr();
  char *errs = slurp(err_path);
  char line[256];
  snprintf(line, sizeof(line), "nsrt: init: pivot_root: in \"/run/x\": %s\n", strerror(EPERM));
  cr_assert_str_eq(errs, line, "stderr gets only the one line");
  char *text = slurp(log_path);
  json_t *j = only_record(text);
  cr_assert_str_eq(str_field(j, "level"), "error");
  cr_assert_str_eq(str_field(j, "stage"), "init");
  cr_assert_str_eq(str_field(j, "step"), "pivot_root");
  cr_assert_eq(int_field(j, "errno"), EPERM);
  line[strlen(line) - 1] = '\0';
  cr_assert_str_eq(str_field(j, "msg"), line + strlen("nsrt: "));
  check_time(str_field(j, "time"));
  cr_assert_eq(int_field(j, "pid"), getpid());
  json_decref(j);
  free(text);
  free(errs);
}

Test(log, failure_with_text_file)
{
  capture_stderr();
  open_log(log_path, NSRT_LOG_TEXT, false);
  struct nsrt_err err;
  fill_failure(&err);
  nsrt_log_failure(&err);
  restore_stderr();
  char *errs = slurp(err_path);
  cr_assert_not_null(strstr(errs, "nsrt: init: pivot_root: in \"/run/x\": "), "%s", errs);
  char *text = slurp(log_path);
  char want[256];
  snprintf(want, sizeof(want), " error tester[%d]: init: pivot_root: in \"/run/x\": %s\n",
           (int)getpid(), strerror(EPERM));
  cr_assert_str_eq(text + 24, want, "%s", text);
  free(text);
  free(errs);
}

Test(log, failure_json_without_file_goes_to_stderr)
{
  capture_stderr();
  open_log(NULL, NSRT_LOG_JSON, false);
  struct nsrt_err err;
  nsrt_fail_at(&err, "spec", 0, "process.args", "must not be empty");
  nsrt_log_failure(&err);
  restore_stderr();
  char *errs = slurp(err_path);
  const char *first = "nsrt: spec: process.args: must not be empty\n";
  cr_assert_eq(strncmp(errs, first, strlen(first)), 0, "%s", errs);
  json_t *j = only_record(errs + strlen(first));
  cr_assert_str_eq(str_field(j, "stage"), "spec");
  cr_assert_str_eq(str_field(j, "step"), "process.args");
  cr_assert_eq(int_field(j, "errno"), 0);
  cr_assert_str_eq(str_field(j, "msg"), "spec: process.args: must not be empty");
  json_decref(j);
  free(errs);
}

Test(log, failure_text_without_file_is_one_line)
{
  capture_stderr();
  open_log(NULL, NSRT_LOG_TEXT, false);
  struct nsrt_err err;
  nsrt_fail_at(&err, "main", 0, "state_dir", "exists");
  nsrt_log_failure(&err);
  restore_stderr();
  char *errs = slurp(err_path);
  cr_assert_str_eq(errs, "nsrt: main: state_dir: exists\n");
  free(errs);
}

Test(log, concurrent_records_never_interleave)
{
  open_log(log_path, NSRT_LOG_JSON, false);
  static char msg[3000];
  pid_t kids[4];
  for (int k = 0; k < 4; k++) {
    kids[k] = fork();
    cr_assert_neq(kids[k], -1);
    if (kids[k] == 0) {
      memset(msg, 'a' + k, sizeof(msg) - 1);
      for (int i = 0; i < 200; i++)
        nsrt_log(NSRT_LOG_INFO, "%d %s", i, msg);
      _exit(0);
    }
  }
  for (int k = 0; k < 4; k++) {
    int st = -1;
    for (int i = 0; i < 1000 && waitpid(kids[k], &st, WNOHANG) == 0; i++)
      usleep(10000);
    if (st == -1) {
      kill(kids[k], SIGKILL);
      waitpid(kids[k], &st, 0);
    }
    cr_assert_eq(st, 0, "child %d status %#x", k, st);
  }
  char *text = slurp(log_path);
  int lines = 0;
  for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1, lines++)
    json_decref(parse_line(line, (size_t)(nl - line)));
  cr_assert_eq(lines, 800);
  free(text);
}
