#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "failpoint.h"

/* ---- the points of this binary ---------------------------------------- */

/* Each helper records the line of its point so the registry test can check
 * file:line; the assignment and the macro must stay on one line. */
static int step_a_line, step_b_line, clone_c_line, send_line, recv_line, shared_line;

static bool step_a(void)
{
  return (step_a_line = __LINE__, FP_FAILS("test.step_a"));
}

static bool step_b(void)
{
  return (step_b_line = __LINE__, FP_FAILS("test.step_b"));
}

static bool clone_c(void)
{
  return (clone_c_line = __LINE__, FP_CLONE_FAILS("test.clone_c"));
}

static struct nsrt_failpoint *send_point(void)
{
  return (send_line = __LINE__, FP_SEND("test.chan.send"));
}

static struct nsrt_failpoint *recv_point(void)
{
  return (recv_line = __LINE__, FP_RECV("test.chan.recv"));
}

/* Called from two places: still one point. */
static inline bool shared_step(void)
{
  return (shared_line = __LINE__, FP_FAILS("test.shared"));
}

static struct nsrt_failpoint *point(const char *name)
{
  struct nsrt_failpoint *fp = nsrt_fp_find(name);
  cr_assert_not_null(fp, "point %s not registered", name);
  return fp;
}

static void configure_ok(const char *spec, uint64_t seed, const char *log)
{
  struct nsrt_err err = {0};
  int ret = nsrt_fp_configure(spec, seed, log, &err);
  char msg[1024];
  nsrt_err_format(&err, msg, sizeof(msg));
  cr_assert_eq(ret, 0, "configure \"%s\" failed: %s", spec, msg);
}

static void teardown(void)
{
  nsrt_fp_reset();
}

TestSuite(failpoint, .fini = teardown, .timeout = 20);

/* ---- grammar ----------------------------------------------------------- */

Test(failpoint, unarmed_points_do_nothing_and_count_nothing)
{
  errno = 1234;
  cr_assert(!step_a());
  cr_assert(!clone_c());
  cr_assert_eq(errno, 1234);
  cr_assert_null(point("test.step_a")->chain);
  cr_assert_eq(point("test.step_a")->hits, 0);
}

Test(failpoint, grammar_accepts_whitespace_and_arms_only_named_points)
{
  configure_ok("  test.step_a = 2*off -> err( EIO ) ;test.clone_c=12.5%3*exit(3);;"
               " test.chan.send = short(4)->corrupt(0)->drop->dup ; test.chan.recv=sleep(0) ;",
               0, NULL);
  cr_assert_not_null(point("test.step_a")->chain);
  cr_assert_not_null(point("test.clone_c")->chain);
  cr_assert_not_null(point("test.chan.send")->chain);
  cr_assert_not_null(point("test.chan.recv")->chain);
  cr_assert_null(point("test.step_b")->chain);
  cr_assert_null(point("test.shared")->chain);
}

Test(failpoint, empty_spec_arms_nothing_and_resets)
{
  configure_ok("test.step_a=err(EIO)", 0, NULL);
  cr_assert(step_a());
  configure_ok("", 0, NULL);
  cr_assert_null(point("test.step_a")->chain);
  cr_assert_eq(point("test.step_a")->hits, 0, "configure resets the hit counters");
  cr_assert(!step_a());
  configure_ok("  ;  ; ", 0, NULL);
  cr_assert_null(point("test.step_a")->chain);
}

struct bad_case {
  const char *spec;
  const char *text;
};

static const struct bad_case bad_cases[] = {
    {"test.nope=err(EIO)", "unknown failpoint \"test.nope\""},
    {"test.step_a=short(3)", "action short does not apply to step point test.step_a"},
    {"test.clone_c=drop", "action drop does not apply to clone point test.clone_c"},
    {"test.chan.recv=dup", "action dup does not apply to recv point test.chan.recv"},
    {"test.chan.recv=short(1)", "action short does not apply to recv point test.chan.recv"},
    {"test.step_a=5x*err(EPERM)", "bad term \"5x*err(EPERM)\""},
    {"test.step_a=0*err(EPERM)", "bad term \"0*err(EPERM)\""},
    {"test.step_a=101%err(EPERM)", "bad term \"101%err(EPERM)\""},
    {"test.step_a=%err(EPERM)", "bad term \"%err(EPERM)\""},
    {"test.step_a=err(EIO", "bad term \"err(EIO\""},
    {"test.step_a=Err(EIO)", "bad term \"Err(EIO)\""},
    {"test.step_a=boom(1)", "unknown action \"boom\" in term \"boom(1)\""},
    {"test.step_a=err(EFOO)", "bad errno \"EFOO\" in term \"err(EFOO)\""},
    {"test.step_a=err(0)", "bad errno \"0\" in term \"err(0)\""},
    {"test.step_a=err", "action err needs an argument in term \"err\""},
    {"test.step_a=sleep()", "action sleep needs an argument in term \"sleep()\""},
    {"test.step_a=kill(9)", "action kill takes no argument in term \"kill(9)\""},
    {"test.step_a=exit(256)", "exit code \"256\" is not 0-255 in term \"exit(256)\""},
    {"test.step_a=sleep(-1)", "bad number \"-1\" in term \"sleep(-1)\""},
    {"test.chan.send=short(99999999999)",
     "bad number \"99999999999\" in term \"short(99999999999)\""},
    {"test.step_a", "missing \"=\" in \"test.step_a\""},
    {" = err(EIO)", "missing failpoint name in \"= err(EIO)\""},
    {"test.step_a = ", "missing actions for failpoint \"test.step_a\""},
    {"test.step_a=err(EIO)->", "empty term in \"err(EIO)->\""},
    {"test.step_a=off;test.step_a=err(EIO)", "failpoint \"test.step_a\" given twice"},
};

Test(failpoint, grammar_rejects_with_exact_messages)
{
  for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
    struct nsrt_err err = {0};
    int ret = nsrt_fp_configure(bad_cases[i].spec, 0, NULL, &err);
    cr_assert_eq(ret, -1, "\"%s\" was accepted", bad_cases[i].spec);
    cr_expect_str_eq(err.text, bad_cases[i].text, "spec \"%s\"", bad_cases[i].spec);
    cr_expect_str_eq(err.stage, "failpoint");
    cr_expect_str_eq(err.step, "NSRT_FAILPOINTS");
    cr_expect_eq(err.errnum, 0);
  }
}

Test(failpoint, error_line_names_the_variable)
{
  struct nsrt_err err = {0};
  cr_assert_eq(nsrt_fp_configure("init.pivot_rot=err(EPERM)", 0, NULL, &err), -1);
  char line[1024];
  nsrt_err_format(&err, line, sizeof(line));
  cr_assert_str_eq(line, "failpoint: NSRT_FAILPOINTS: unknown failpoint \"init.pivot_rot\"");
}

Test(failpoint, failed_configure_leaves_everything_disarmed)
{
  struct nsrt_err err = {0};
  cr_assert_eq(nsrt_fp_configure("test.step_b=err(EIO);test.nope=off", 0, NULL, &err), -1);
  cr_assert_null(point("test.step_b")->chain);
  cr_assert(!step_b());
}

/* ---- applicability ----------------------------------------------------- */

Test(failpoint, actions_apply_by_kind)
{
  static const char *const terms[] = {"off",   "err(EIO)", "exit(1)",    "kill", "sleep(1)",
                                      "pause", "short(1)", "corrupt(0)", "drop", "dup"};
  static const char *const names[] = {"test.step_a", "test.clone_c", "test.chan.send",
                                      "test.chan.recv"};
  /* rows: step, clone, send, recv; columns in the order of terms[] */
  static const bool applies[4][10] = {
      {1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
      {1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
      {1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
      {1, 1, 1, 1, 1, 1, 0, 1, 1, 0},
  };
  for (int k = 0; k < 4; k++) {
    for (int a = 0; a < 10; a++) {
      char spec[128];
      snprintf(spec, sizeof(spec), "%s=%s", names[k], terms[a]);
      struct nsrt_err err = {0};
      int ret = nsrt_fp_configure(spec, 0, NULL, &err);
      cr_expect_eq(ret == 0, applies[k][a], "%s: %s", spec, err.text);
      if (ret < 0) {
        char want[256];
        snprintf(want, sizeof(want), "action %.*s does not apply to %s point %s",
                 (int)strcspn(terms[a], "("), terms[a], nsrt_fp_kind_name(point(names[k])->kind),
                 names[k]);
        cr_expect_str_eq(err.text, want);
      }
    }
  }
  cr_assert_str_eq(nsrt_fp_kind_actions(FP_KIND_STEP), "off,err,exit,kill,sleep,pause");
  cr_assert_str_eq(nsrt_fp_kind_actions(FP_KIND_CLONE), "off,err,exit,kill,sleep,pause");
  cr_assert_str_eq(nsrt_fp_kind_actions(FP_KIND_SEND),
                   "off,err,exit,kill,sleep,pause,short,corrupt,drop,dup");
  cr_assert_str_eq(nsrt_fp_kind_actions(FP_KIND_RECV),
                   "off,err,exit,kill,sleep,pause,corrupt,drop");
}

Test(failpoint, kind_and_action_names)
{
  cr_assert_str_eq(nsrt_fp_kind_name(FP_KIND_STEP), "step");
  cr_assert_str_eq(nsrt_fp_kind_name(FP_KIND_CLONE), "clone");
  cr_assert_str_eq(nsrt_fp_kind_name(FP_KIND_SEND), "send");
  cr_assert_str_eq(nsrt_fp_kind_name(FP_KIND_RECV), "recv");
  static const char *const want[] = {"off",   "err",   "exit",    "kill", "sleep",
                                     "pause", "short", "corrupt", "drop", "dup"};
  for (int a = FP_OFF; a <= FP_DUP; a++)
    cr_expect_str_eq(nsrt_fp_act_name((enum fp_act)a), want[a]);
}

/* ---- counts and chains ------------------------------------------------- */

/* Hit the step n times; record the injected errno, or 0, per hit. */
static void hit_pattern(bool (*step)(void), int n, int *errnos)
{
  for (int i = 0; i < n; i++) {
    errno = 0;
    errnos[i] = step() ? errno : 0;
    if (!errnos[i])
      cr_assert_eq(errno, 0, "a hit that injects nothing must leave errno alone");
  }
}

Test(failpoint, count_then_term_without_count_applies_forever)
{
  configure_ok("test.step_a=2*off->err(EIO)", 0, NULL);
  int got[6];
  hit_pattern(step_a, 6, got);
  int want[6] = {0, 0, EIO, EIO, EIO, EIO};
  cr_assert_arr_eq(got, want, sizeof(want));
  cr_assert_eq(point("test.step_a")->hits, 6);
}

Test(failpoint, exhausted_chain_is_off_but_hits_still_count)
{
  configure_ok("test.step_a=1*err(EPERM)->1*off->2*err(5)", 0, NULL);
  int got[7];
  hit_pattern(step_a, 7, got);
  int want[7] = {EPERM, 0, EIO, EIO, 0, 0, 0};
  cr_assert_arr_eq(got, want, sizeof(want));
  cr_assert_eq(point("test.step_a")->hits, 7);
}

Test(failpoint, errno_aliases_inject_their_number)
{
  configure_ok("test.step_a=err(EWOULDBLOCK);test.step_b=err(ENOTSUP)", 0, NULL);
  cr_assert(step_a());
  cr_assert_eq(errno, EAGAIN);
  cr_assert(step_b());
  cr_assert_eq(errno, EOPNOTSUPP);
}

Test(failpoint, clone_point_injects_like_a_step)
{
  configure_ok("test.clone_c=1*err(EAGAIN)", 0, NULL);
  cr_assert(clone_c());
  cr_assert_eq(errno, EAGAIN);
  cr_assert(!clone_c());
}

Test(failpoint, channel_actions_are_returned_to_the_caller)
{
  configure_ok("test.chan.send=short(3)->1*corrupt(7)->drop;test.chan.recv=1*drop->err(EPIPE)", 0,
               NULL);
  struct fp_action a = {0};
  /* short has no count: it stays; the corrupt after it is never reached */
  cr_assert(nsrt_fp_fire(send_point(), &a));
  cr_assert_eq(a.act, FP_SHORT);
  cr_assert_eq(a.arg, 3);
  cr_assert(nsrt_fp_fire(send_point(), &a));
  cr_assert_eq(a.act, FP_SHORT);
  cr_assert(nsrt_fp_fire(recv_point(), &a));
  cr_assert_eq(a.act, FP_DROP);
  cr_assert(nsrt_fp_fire(recv_point(), &a));
  cr_assert_eq(a.act, FP_ERR);
  cr_assert_eq(a.arg, EPIPE);
  /* inject only reports err; the step macros never see channel actions */
  configure_ok("test.chan.send=drop", 0, NULL);
  cr_assert(!nsrt_fp_inject(send_point()));
  cr_assert_eq(send_point()->hits, 1);
}

Test(failpoint, same_point_from_two_call_sites_counts_once_per_hit)
{
  configure_ok("test.shared=2*off->err(EIO)", 0, NULL);
  cr_assert(!shared_step());
  cr_assert(!shared_step());
  cr_assert(shared_step(), "third hit of the one point fires");
  cr_assert_eq(point("test.shared")->hits, 3);
}

/* ---- probabilities ----------------------------------------------------- */

static void fire_sequence(const char *spec, uint64_t seed, int n, char *out)
{
  configure_ok(spec, seed, NULL);
  for (int i = 0; i < n; i++)
    out[i] = step_a() ? '1' : '0';
  out[n] = '\0';
}

Test(failpoint, known_values_of_the_hash_primitives)
{
  cr_assert_eq(nsrt_splitmix64(0), 0xe220a8397b1dcdafULL);
  cr_assert_eq(nsrt_fnv1a(""), 0xcbf29ce484222325ULL);
  cr_assert_eq(nsrt_fnv1a("a"), 0xaf63dc4c8601ec8cULL);
}

Test(failpoint, probability_is_deterministic_per_seed)
{
  char a[201], b[201], c[201];
  fire_sequence("test.step_a=50%err(EIO)", 42, 200, a);
  fire_sequence("test.step_a=50%err(EIO)", 42, 200, b);
  fire_sequence("test.step_a=50%err(EIO)", 43, 200, c);
  cr_assert_str_eq(a, b, "same seed, same sequence");
  cr_assert_str_neq(a, c, "another seed, another sequence");
  /* the documented formula, computed here independently */
  for (int i = 0; i < 200; i++) {
    uint64_t r = nsrt_splitmix64(42 ^ nsrt_fnv1a("test.step_a") ^ (uint64_t)(i + 1));
    bool fires = (double)(r >> 11) / 9007199254740992.0 < 0.5;
    cr_expect_eq(a[i] == '1', fires, "hit %d", i + 1);
  }
}

Test(failpoint, fifty_percent_lands_near_half)
{
  char s[1001];
  fire_sequence("test.step_a=50%err(EIO)", 7, 1000, s);
  int n = 0;
  for (int i = 0; i < 1000; i++)
    n += s[i] == '1';
  cr_assert(n >= 400 && n <= 600, "%d of 1000 fired", n);
}

Test(failpoint, zero_and_hundred_percent)
{
  char s[101];
  fire_sequence("test.step_a=0%err(EIO)", 1, 100, s);
  cr_assert_eq(strchr(s, '1'), NULL);
  fire_sequence("test.step_a=100%err(EIO)", 1, 100, s);
  cr_assert_eq(strchr(s, '0'), NULL);
}

Test(failpoint, hits_that_do_not_fire_still_use_up_the_count)
{
  char s[101];
  fire_sequence("test.step_a=50%10*err(EIO)", 3, 100, s);
  cr_assert_eq(strchr(s + 10, '1'), NULL, "nothing after the 10 counted hits: %s", s);
  cr_assert_neq(strchr(s, '1'), NULL, "some of the first 10 fire: %s", s);
}

/* ---- exit, kill, pause, sleep ------------------------------------------ */

/* waitpid with a bound; kills and reaps the child on timeout. */
static int wait_child(pid_t pid, int flags)
{
  int status;
  for (int i = 0; i < 500; i++) {
    pid_t r = waitpid(pid, &status, flags | WNOHANG);
    cr_assert_neq(r, -1, "waitpid: %s", strerror(errno));
    if (r == pid)
      return status;
    usleep(10000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  cr_assert_fail("child %d did not change state in 5 s", (int)pid);
  return -1;
}

/* The child hits test.step_a once, then exits 0 (or 1 if it was injected). */
static pid_t fork_hitter(void)
{
  pid_t pid = fork();
  cr_assert_neq(pid, -1);
  if (pid == 0)
    _exit(step_a() ? 1 : 0);
  return pid;
}

Test(failpoint, exit_action_exits_with_the_code)
{
  configure_ok("test.step_a=exit(42)", 0, NULL);
  int st = wait_child(fork_hitter(), 0);
  cr_assert(WIFEXITED(st));
  cr_assert_eq(WEXITSTATUS(st), 42);
}

Test(failpoint, kill_action_dies_by_sigkill)
{
  configure_ok("test.step_a=kill", 0, NULL);
  int st = wait_child(fork_hitter(), 0);
  cr_assert(WIFSIGNALED(st), "status %#x", st);
  cr_assert_eq(WTERMSIG(st), SIGKILL);
}

static char proc_state(pid_t pid)
{
  char path[64], buf[512];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "re");
  cr_assert_not_null(f);
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  cr_assert_not_null(p);
  return p[2];
}

static void check_pause(pid_t pid)
{
  int st = wait_child(pid, WUNTRACED);
  cr_assert(WIFSTOPPED(st), "status %#x", st);
  cr_assert_eq(WSTOPSIG(st), SIGSTOP);
  cr_assert_eq(proc_state(pid), 'T');
  cr_assert_eq(kill(pid, SIGCONT), 0);
  st = wait_child(pid, 0);
  cr_assert(WIFEXITED(st), "status %#x", st);
  cr_assert_eq(WEXITSTATUS(st), 0, "the child continues normally after SIGCONT");
}

Test(failpoint, pause_action_stops_until_sigcont)
{
  configure_ok("test.step_a=pause", 0, NULL);
  check_pause(fork_hitter());
}

/* The init of a new pid namespace ignores SIGKILL/SIGSTOP it sends itself
 * with kill(); the points must still work there (the container's init is
 * such a process).  A fork-like clone puts only the child in the new
 * namespace, so this process can still fork afterwards. */
Test(failpoint, kill_and_pause_work_in_a_pid_namespace_init)
{
  configure_ok("test.step_a=1*pause->kill", 0, NULL);
  pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0 && (errno == EPERM || errno == EINVAL))
    cr_skip_test("cannot create a pid namespace: %s", strerror(errno));
  cr_assert_neq(pid, -1, "clone: %s", strerror(errno));
  if (pid == 0) {
    if (getpid() != 1)
      _exit(3);
    step_a();
    step_a();
    _exit(0);
  }
  int st = wait_child(pid, WUNTRACED);
  cr_assert(WIFSTOPPED(st), "status %#x", st);
  cr_assert_eq(kill(pid, SIGCONT), 0);
  st = wait_child(pid, 0);
  cr_assert(WIFSIGNALED(st), "status %#x", st);
  cr_assert_eq(WTERMSIG(st), SIGKILL);
}

static void on_alarm(int sig)
{
  (void)sig;
}

Test(failpoint, sleep_lasts_its_time_despite_signals)
{
  struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
  cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
  struct itimerval it = {.it_value = {.tv_usec = 20000}, .it_interval = {.tv_usec = 20000}};
  cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
  configure_ok("test.step_a=sleep(150)", 0, NULL);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  errno = 0;
  cr_assert(!step_a());
  cr_assert_eq(errno, 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  struct itimerval off = {0};
  setitimer(ITIMER_REAL, &off, NULL);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  cr_assert(ms >= 150 && ms < 2000, "slept %ld ms", ms);
}

/* ---- hit log ----------------------------------------------------------- */

static char *read_file(const char *path)
{
  FILE *f = fopen(path, "re");
  cr_assert_not_null(f, "%s: %s", path, strerror(errno));
  struct stat sb;
  cr_assert_eq(fstat(fileno(f), &sb), 0);
  char *buf = malloc((size_t)sb.st_size + 1);
  cr_assert_not_null(buf);
  size_t n = fread(buf, 1, (size_t)sb.st_size, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

static json_t *parse_line(const char *line, size_t len)
{
  json_error_t jerr;
  json_t *j = json_loadb(line, len, 0, &jerr);
  cr_assert_not_null(j, "not JSON: %.*s (%s)", (int)len, line, jerr.text);
  return j;
}

static void check_field_str(json_t *j, const char *key, const char *want)
{
  json_t *v = json_object_get(j, key);
  cr_assert(json_is_string(v), "field %s missing or not a string", key);
  cr_assert_str_eq(json_string_value(v), want, "field %s", key);
}

static void check_field_int(json_t *j, const char *key, json_int_t want)
{
  json_t *v = json_object_get(j, key);
  cr_assert(json_is_integer(v), "field %s missing or not an integer", key);
  cr_assert_eq(json_integer_value(v), want, "field %s", key);
}

Test(failpoint, hit_log_lines_are_json_with_the_right_fields)
{
  char dir[] = "/tmp/test_failpoint.XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char log[128];
  snprintf(log, sizeof(log), "%s/hits.log", dir);
  nsrt_set_stage("tester");
  configure_ok("test.step_a=1*off->1*err(EWOULDBLOCK)->0%1*err(EIO)->err(4000);"
               "test.chan.send=corrupt(5)",
               0, log);
  int fd = nsrt_fp_log_fd();
  cr_assert_geq(fd, 0);
  cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC, "the log fd is close-on-exec");
  struct stat sb;
  cr_assert_eq(stat(log, &sb), 0);
  cr_assert_eq(sb.st_mode & 0777, 0600);

  for (int i = 0; i < 4; i++)
    step_a(); /* off, EAGAIN, not fired, 4000 (no name) */
  struct fp_action a;
  cr_assert(nsrt_fp_fire(send_point(), &a));
  nsrt_fp_reset();
  cr_assert_eq(nsrt_fp_log_fd(), -1);
  cr_assert_eq(fcntl(fd, F_GETFD), -1, "a log opened from a path is closed on reset");

  char *text = read_file(log);
  unlink(log);
  rmdir(dir);
  struct {
    const char *point, *action;
    long arg;
    const char *errname;
    int hit;
  } want[] = {
      {"test.step_a", "err", EAGAIN, "EAGAIN", 2},
      {"test.step_a", "err", 4000, NULL, 4},
      {"test.chan.send", "corrupt", 5, NULL, 1},
  };
  char *line = text;
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    char *nl = strchr(line, '\n');
    cr_assert_not_null(nl, "line %zu missing in:\n%s", i + 1, text);
    json_t *j = parse_line(line, (size_t)(nl - line));
    check_field_str(j, "point", want[i].point);
    check_field_str(j, "action", want[i].action);
    check_field_int(j, "arg", want[i].arg);
    check_field_int(j, "hit", want[i].hit);
    check_field_int(j, "pid", getpid());
    check_field_str(j, "stage", "tester");
    if (want[i].errname)
      check_field_str(j, "errno", want[i].errname);
    else
      cr_assert_null(json_object_get(j, "errno"), "no errno field on line %zu", i + 1);
    json_decref(j);
    line = nl + 1;
  }
  cr_assert_str_eq(line, "", "no line for off or unfired hits");
  free(text);
}

Test(failpoint, hit_log_to_an_fd_number_is_left_open)
{
  int p[2];
  cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
  char num[16];
  snprintf(num, sizeof(num), "%d", p[1]);
  configure_ok("test.step_b=exit(0)", 0, num);
  cr_assert_eq(nsrt_fp_log_fd(), p[1]);
  pid_t pid = fork();
  cr_assert_neq(pid, -1);
  if (pid == 0)
    _exit(step_b() ? 1 : 2);
  int st = wait_child(pid, 0);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
  nsrt_fp_reset();
  cr_assert_neq(fcntl(p[1], F_GETFD), -1, "an fd given by number is not ours to close");
  close(p[1]);
  char buf[512];
  ssize_t n = read(p[0], buf, sizeof(buf));
  close(p[0]);
  cr_assert_gt(n, 0);
  cr_assert_eq(buf[n - 1], '\n', "the line is written before exiting");
  json_t *j = parse_line(buf, (size_t)n - 1);
  check_field_str(j, "action", "exit");
  check_field_int(j, "arg", 0);
  check_field_int(j, "pid", pid);
  json_decref(j);
}

Test(failpoint, concurrent_writers_never_interleave_lines)
{
  char dir[] = "/tmp/test_failpoint.XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char log[128];
  snprintf(log, sizeof(log), "%s/hits.log", dir);
  configure_ok("test.step_a=err(EIO)", 0, log);
  pid_t kids[4];
  for (int k = 0; k < 4; k++) {
    kids[k] = fork();
    cr_assert_neq(kids[k], -1);
    if (kids[k] == 0) {
      for (int i = 0; i < 300; i++)
        step_a();
      _exit(0);
    }
  }
  for (int k = 0; k < 4; k++)
    cr_assert_eq(wait_child(kids[k], 0), 0);
  nsrt_fp_reset();
  char *text = read_file(log);
  unlink(log);
  rmdir(dir);
  int lines = 0;
  for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1, lines++)
    json_decref(parse_line(line, (size_t)(nl - line)));
  cr_assert_eq(lines, 1200);
  free(text);
}

/* ---- environment ------------------------------------------------------- */

static void clear_env(void)
{
  unsetenv("NSRT_FAILPOINTS");
  unsetenv("NSRT_FAILPOINT_SEED");
  unsetenv("NSRT_FAILPOINT_LOG");
}

static void env_fails(const char *step, int errnum, const char *text)
{
  struct nsrt_err err = {0};
  cr_assert_eq(nsrt_fp_init_from_env(&err), -1);
  cr_expect_str_eq(err.stage, "failpoint");
  cr_expect_str_eq(err.step, step);
  cr_expect_eq(err.errnum, errnum, "errnum %d", err.errnum);
  cr_expect_str_eq(err.text, text);
  cr_assert_null(point("test.step_a")->chain, "nothing stays armed after an error");
}

Test(failpoint, env_unset_arms_nothing)
{
  clear_env();
  configure_ok("test.step_a=err(EIO)", 0, NULL);
  struct nsrt_err err = {0};
  cr_assert_eq(nsrt_fp_init_from_env(&err), 0);
  cr_assert_null(point("test.step_a")->chain);
}

Test(failpoint, env_arms_with_seed_and_log)
{
  clear_env();
  setenv("NSRT_FAILPOINTS", "test.step_a=50%err(EIO)", 1);
  setenv("NSRT_FAILPOINT_SEED", "0x1F", 1);
  setenv("NSRT_FAILPOINT_LOG", "/dev/null", 1);
  struct nsrt_err err = {0};
  cr_assert_eq(nsrt_fp_init_from_env(&err), 0, "%s", err.text);
  cr_assert_geq(nsrt_fp_log_fd(), 0);
  char from_env[65], direct[65];
  for (int i = 0; i < 64; i++)
    from_env[i] = step_a() ? '1' : '0';
  from_env[64] = '\0';
  fire_sequence("test.step_a=50%err(EIO)", 31, 64, direct);
  cr_assert_str_eq(from_env, direct, "seed 0x1F is 31");
  setenv("NSRT_FAILPOINT_SEED", "31", 1);
  cr_assert_eq(nsrt_fp_init_from_env(&err), 0, "%s", err.text);
  for (int i = 0; i < 64; i++)
    from_env[i] = step_a() ? '1' : '0';
  cr_assert_str_eq(from_env, direct, "decimal seed 31");
  clear_env();
}

Test(failpoint, env_bad_seed_is_an_error)
{
  static const char *const bad[] = {"12ab", "-1", "0x", "", " 5", "+5", "99999999999999999999"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    clear_env();
    setenv("NSRT_FAILPOINTS", "test.step_a=err(EIO)", 1);
    setenv("NSRT_FAILPOINT_SEED", bad[i], 1);
    char text[128];
    snprintf(text, sizeof(text), "bad seed \"%s\"", bad[i]);
    env_fails("NSRT_FAILPOINT_SEED", 0, text);
  }
  clear_env();
}

Test(failpoint, env_unknown_point_and_bad_log)
{
  clear_env();
  setenv("NSRT_FAILPOINTS", "init.pivot_rot=err(EPERM)", 1);
  env_fails("NSRT_FAILPOINTS", 0, "unknown failpoint \"init.pivot_rot\"");
  setenv("NSRT_FAILPOINTS", "test.step_a=err(EPERM)", 1);
  setenv("NSRT_FAILPOINT_LOG", "/nonexistent-dir/hits.log", 1);
  env_fails("NSRT_FAILPOINT_LOG", ENOENT, "open \"/nonexistent-dir/hits.log\"");
  setenv("NSRT_FAILPOINT_LOG", "999", 1);
  env_fails("NSRT_FAILPOINT_LOG", EBADF, "fd 999");
  clear_env();
}

/* ---- registry ---------------------------------------------------------- */

Test(failpoint, registry_lists_this_files_points_with_file_line_and_kind)
{
  /* run each helper once so it records its line */
  step_a();
  step_b();
  clone_c();
  send_point();
  recv_point();
  shared_step();
  shared_step();
  struct {
    const char *name;
    int line;
    enum fp_kind kind;
  } want[] = {
      {"test.step_a", step_a_line, FP_KIND_STEP},    {"test.step_b", step_b_line, FP_KIND_STEP},
      {"test.clone_c", clone_c_line, FP_KIND_CLONE}, {"test.chan.send", send_line, FP_KIND_SEND},
      {"test.chan.recv", recv_line, FP_KIND_RECV},   {"test.shared", shared_line, FP_KIND_STEP},
  };
  /* other objects linked in may add points; this file adds exactly these */
  size_t mine = 0;
  for (struct nsrt_failpoint *const *p = nsrt_fp_begin(); p < nsrt_fp_end(); p++) {
    cr_assert_not_null(*p, "the section holds only point pointers");
    mine += strstr((*p)->file, "test_failpoint.c") != NULL;
  }
  cr_assert_eq(mine, sizeof(want) / sizeof(want[0]), "exactly this file's points");
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    int found = 0;
    for (struct nsrt_failpoint *const *p = nsrt_fp_begin(); p < nsrt_fp_end(); p++) {
      if (strcmp((*p)->name, want[i].name) != 0)
        continue;
      found++;
      const char *file = (*p)->file;
      size_t len = strlen(file);
      cr_expect(len >= 16 && strcmp(file + len - 16, "test_failpoint.c") == 0, "%s", file);
      cr_expect_eq((*p)->line, want[i].line, "%s at line %d", want[i].name, (*p)->line);
      cr_expect_eq((*p)->kind, want[i].kind, "%s", want[i].name);
      cr_expect_eq(nsrt_fp_find(want[i].name), *p);
    }
    cr_expect_eq(found, 1, "%s registered %d times", want[i].name, found);
  }
  cr_assert_null(nsrt_fp_find("test.nope"));
  struct nsrt_err err = {0};
  cr_assert_eq(nsrt_fp_check_names(nsrt_fp_begin(), nsrt_fp_end(), &err), 0, "%s", err.text);
}

Test(failpoint, check_names_reports_duplicates)
{
  struct nsrt_failpoint a = {.name = "x.y", .file = "a.c", .line = 10};
  struct nsrt_failpoint b = {.name = "x.z", .file = "b.c", .line = 20};
  struct nsrt_failpoint c = {.name = "x.y", .file = "c.c", .line = 30};
  struct nsrt_failpoint *const list[] = {&a, &b, &c};
  struct nsrt_err err = {0};
  cr_assert_eq(nsrt_fp_check_names(list, list + 2, &err), 0);
  cr_assert_eq(nsrt_fp_check_names(list, list + 3, &err), -1);
  cr_assert_str_eq(err.text, "failpoint \"x.y\" declared twice: a.c:10 and c.c:30");
  cr_assert_str_eq(err.stage, "failpoint");
}

/* ---- errno table ------------------------------------------------------- */

Test(failpoint, errno_names_match_the_c_library)
{
  for (int e = 1; e <= EHWPOISON; e++) {
    const char *name = nsrt_errno_name(e);
    const char *libc = strerrorname_np(e);
    if (!libc) {
      cr_expect_null(name, "%d", e);
      continue;
    }
    cr_assert_not_null(name, "no name for %d (%s)", e, libc);
    cr_expect_str_eq(name, libc, "errno %d", e);
    cr_expect_eq(nsrt_errno_from_name(name), e, "%s", name);
  }
  cr_assert_eq(nsrt_errno_from_name("EWOULDBLOCK"), EAGAIN);
  cr_assert_eq(nsrt_errno_from_name("EDEADLOCK"), EDEADLK);
  cr_assert_eq(nsrt_errno_from_name("ENOTSUP"), EOPNOTSUPP);
  cr_assert_str_eq(nsrt_errno_name(EAGAIN), "EAGAIN");
  cr_assert_str_eq(nsrt_errno_name(EDEADLK), "EDEADLK");
  cr_assert_str_eq(nsrt_errno_name(EOPNOTSUPP), "EOPNOTSUPP");
  cr_assert_eq(nsrt_errno_from_name("EFOO"), -1);
  cr_assert_eq(nsrt_errno_from_name("eperm"), -1);
  cr_assert_null(nsrt_errno_name(0));
  cr_assert_null(nsrt_errno_name(EHWPOISON + 1));
}
