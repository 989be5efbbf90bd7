/* seccomp_filter.c: name tables, and filters loaded in forked children (a
 * filter cannot be removed, so each one lives and dies with its child). */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "error.h"
#include "failpoint.h"
#include "seccomp_filter.h"
#include "spec.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#else
#define UNDER_VALGRIND() 0
#endif

#define CHILD_TIMEOUT_MS 10000

/* Filters cannot be tested under valgrind: memcheck does not implement
 * seccomp(2), so libseccomp's probe of it (on the first action check) makes
 * it log a warning that the valgrind run counts as an error, and a
 * deny-by-default filter blocks the syscalls memcheck itself makes. */
static void skip_filters_under_valgrind(void)
{
  if (UNDER_VALGRIND())
    cr_skip_test("builds a seccomp filter, which memcheck does not support");
}

/* ---- running a check in a child -------------------------------------- */

struct child_result {
  int status;
  char msg[1024];
};

static char child_msg[1024];

static int child_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int child_fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(child_msg, sizeof(child_msg), fmt, ap);
  va_end(ap);
  return 1;
}

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      return child_fail(__VA_ARGS__);                                                              \
  } while (0)

/* Whether a child sets no_new_privs before loading, or stays root with
 * CAP_SYS_ADMIN (which the kernel accepts instead). */
static bool child_sets_nnp;

static void run_in_child(int (*fn)(void), struct child_result *res)
{
  int pfd[2];
  cr_assert_eq(pipe2(pfd, O_CLOEXEC), 0, "pipe2: %s", strerror(errno));
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    close(pfd[0]);
    child_msg[0] = '\0';
    /* A child killed by SIGSYS must not leave a core file behind. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L);
    int rc = 0;
    if (child_sets_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
      rc = child_fail("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
    if (rc == 0)
      rc = fn();
    if (rc) {
      ssize_t w = write(pfd[1], child_msg, strlen(child_msg));
      (void)w;
    }
    _exit(rc ? 1 : 0);
  }
  close(pfd[1]);
  size_t got = 0;
  res->msg[0] = '\0';
  for (;;) {
    struct pollfd p = {.fd = pfd[0], .events = POLLIN};
    int n = poll(&p, 1, CHILD_TIMEOUT_MS);
    if (n <= 0) {
      kill(pid, SIGKILL);
      snprintf(res->msg, sizeof(res->msg), "child timed out");
      break;
    }
    ssize_t r = read(pfd[0], res->msg + got, sizeof(res->msg) - 1 - got);
    if (r <= 0)
      break;
    got += (size_t)r;
    res->msg[got] = '\0';
  }
  close(pfd[0]);
  /* The pipe closed: the child has exited or was killed above. */
  cr_assert_eq(waitpid(pid, &res->status, 0), pid);
}

static void expect_child_ok(int (*fn)(void))
{
  struct child_result res;
  run_in_child(fn, &res);
  cr_assert(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0,
            "child (nnp=%d) failed (status 0x%x): %s", child_sets_nnp, res.status, res.msg);
}

/* Each test that loads a filter runs twice: with no_new_privs and as root. */
static void expect_child_ok_both_ways(int (*fn)(void))
{
  child_sets_nnp = true;
  expect_child_ok(fn);
  child_sets_nnp = false;
  expect_child_ok(fn);
}

static long status_field(const char *key)
{
  FILE *f = fopen("/proc/self/status", "re");
  if (!f)
    return -1;
  char line[256];
  size_t klen = strlen(key);
  long v = -1;
  while (fgets(line, sizeof(line), f)) {
    if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
      v = strtol(line + klen + 1, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

static int load_or_report(const struct seccomp_plan *p)
{
  struct nsrt_err err = {0};
  if (seccomp_load_plan(p, &err) < 0) {
    char line[700];
    nsrt_err_format(&err, line, sizeof(line));
    return child_fail("seccomp_load_plan: %s", line);
  }
  return 0;
}

/* ---- names ------------------------------------------------------------ */

Test(seccomp, action_names)
{
  cr_assert_eq(seccomp_action_from_name("SCMP_ACT_KILL"), SECCOMP_ACT_KILL_THREAD);
  cr_assert_eq(seccomp_action_from_name("SCMP_ACT_KILL_THREAD"), SECCOMP_ACT_KILL_THREAD);
  cr_assert_eq(seccomp_action_from_name("SCMP_ACT_KILL_PROCESS"), SECCOMP_ACT_KILL_PROCESS);
  cr_assert_eq(seccomp_action_from_name("SCMP_ACT_TRAP"), SECCOMP_ACT_TRAP);
  cr_assert_eq(seccomp_action_from_name("SCMP_ACT_ERRNO"), SECCOMP_ACT_ERRNO);
  cr_assert_eq(seccomp_action_from_name("SCMP_ACT_TRACE"), SECCOMP_ACT_TRACE);
  cr_assert_eq(seccomp_action_from_name("SCMP_ACT_ALLOW"), SECCOMP_ACT_ALLOW);
  cr_assert_eq(seccomp_action_from_name("SCMP_ACT_LOG"), SECCOMP_ACT_LOG);
  cr_assert_eq(seccomp_action_from_name("SCMP_ACT_NOTIFY"), SECCOMP_ACT_NOTIFY);
  cr_assert_eq(seccomp_action_from_name("SCMP_ACT_allow"), -1);
  cr_assert_eq(seccomp_action_from_name("ALLOW"), -1);
  cr_assert_eq(seccomp_action_from_name(""), -1);
  cr_assert_eq(seccomp_action_from_name(NULL), -1);
}

Test(seccomp, operator_names)
{
  cr_assert_eq(seccomp_op_from_name("SCMP_CMP_NE"), SECCOMP_OP_NE);
  cr_assert_eq(seccomp_op_from_name("SCMP_CMP_LT"), SECCOMP_OP_LT);
  cr_assert_eq(seccomp_op_from_name("SCMP_CMP_LE"), SECCOMP_OP_LE);
  cr_assert_eq(seccomp_op_from_name("SCMP_CMP_EQ"), SECCOMP_OP_EQ);
  cr_assert_eq(seccomp_op_from_name("SCMP_CMP_GE"), SECCOMP_OP_GE);
  cr_assert_eq(seccomp_op_from_name("SCMP_CMP_GT"), SECCOMP_OP_GT);
  cr_assert_eq(seccomp_op_from_name("SCMP_CMP_MASKED_EQ"), SECCOMP_OP_MASKED_EQ);
  cr_assert_eq(seccomp_op_from_name("SCMP_CMP_EQUAL"), -1);
  cr_assert_eq(seccomp_op_from_name("EQ"), -1);
  cr_assert_eq(seccomp_op_from_name(NULL), -1);
}

Test(seccomp, architecture_names)
{
  static const char *const known[] = {
      "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
      "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
      "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
      "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
      "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
  };
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
    cr_assert_eq(seccomp_arch_check(known[i]), 0, "%s", known[i]);
  cr_assert_eq(seccomp_arch_check("SCMP_ARCH_x86_64"), -1);
  cr_assert_eq(seccomp_arch_check("x86_64"), -1);
  cr_assert_eq(seccomp_arch_check("SCMP_ARCH_"), -1);
  cr_assert_eq(seccomp_arch_check("SCMP_ARCH_VAX"), -1);
  cr_assert_eq(seccomp_arch_check(NULL), -1);
}

Test(seccomp, flag_names)
{
  cr_assert_eq(seccomp_flag_check("SECCOMP_FILTER_FLAG_TSYNC"), 0);
  cr_assert_eq(seccomp_flag_check("SECCOMP_FILTER_FLAG_LOG"), 0);
  cr_assert_eq(seccomp_flag_check("SECCOMP_FILTER_FLAG_SPEC_ALLOW"), 0);
  cr_assert_eq(seccomp_flag_check("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"), 0);
  cr_assert_eq(seccomp_flag_check("SECCOMP_FILTER_FLAG_NEW_LISTENER"), -1);
  cr_assert_eq(seccomp_flag_check("TSYNC"), -1);
  cr_assert_eq(seccomp_flag_check(NULL), -1);
}

/* ---- plans that are refused before anything is loaded ---------------- */

static char *getcwd_names[] = {"getcwd", NULL};

Test(seccomp, notify_is_refused)
{
  struct seccomp_rule_plan rule = {
      .names = getcwd_names, .action = SECCOMP_ACT_NOTIFY, .errno_ret = EPERM};
  struct seccomp_plan p = {
      .present = true, .default_action = SECCOMP_ACT_ALLOW, .rules = &rule, .n_rules = 1};
  struct nsrt_err err = {0};
  cr_assert_eq(seccomp_load_plan(&p, &err), -1);
  cr_assert_str_eq(err.step, "seccomp");
  cr_assert_str_eq(err.text,
                   "syscalls[0]: SCMP_ACT_NOTIFY needs a listener, which is not supported");
  cr_assert_eq(status_field("Seccomp"), 0, "a refused plan must load nothing");

  struct seccomp_plan d = {.present = true, .default_action = SECCOMP_ACT_NOTIFY};
  cr_assert_eq(seccomp_load_plan(&d, &err), -1);
  cr_assert_str_eq(err.text, "default action: SCMP_ACT_NOTIFY needs a listener, which is not "
                             "supported");
}

/* ---- loaded filters --------------------------------------------------- */

static char *unknown_and_getcwd[] = {"no_such_syscall_nsrt", "getcwd", NULL};

static int errno_rule_for_getcwd(void)
{
  struct seccomp_rule_plan rule = {
      .names = unknown_and_getcwd, .action = SECCOMP_ACT_ERRNO, .errno_ret = 38};
  struct seccomp_plan p = {
      .present = true, .default_action = SECCOMP_ACT_ALLOW, .rules = &rule, .n_rules = 1};
  CHECK(status_field("Seccomp") == 0, "a filter before the test");
  if (load_or_report(&p))
    return 1;
  char buf[256];
  errno = 0;
  CHECK(getcwd(buf, sizeof(buf)) == NULL && errno == 38, "getcwd: errno %d", errno);
  CHECK(syscall(SYS_getpid) == getpid() && getpid() > 0, "getpid failed");
  long mode = status_field("Seccomp");
  CHECK(mode == 2, "Seccomp: %ld after load", mode);
  long nnp = status_field("NoNewPrivs");
  CHECK(nnp == (child_sets_nnp ? 1 : 0), "NoNewPrivs: %ld (the filter must not set it)", nnp);
  return 0;
}

/* The unknown name is skipped and the rest of the rule still applies. */
Test(seccomp, errno_rule_and_unknown_name)
{
  skip_filters_under_valgrind();
  expect_child_ok_both_ways(errno_rule_for_getcwd);
}

/* What the child calls after the filter is loaded; under a sanitizer its
 * runtime also sets up signal stacks and reads its own maps at exit. */
static char *child_needs[] = {"write", "exit_group", "exit", "brk", "munmap", "madvise", "mmap",
                              "rt_sigreturn", "rt_sigprocmask", "sigaltstack", "rt_sigaction",
                              "openat", "read", "close", "mprotect", "prctl", "getpid", "gettid",
                              "sched_yield", "futex", NULL};

static int default_errno_with_allow_list(void)
{
  struct seccomp_rule_plan rule = {.names = child_needs, .action = SECCOMP_ACT_ALLOW};
  struct seccomp_plan p = {.present = true,
                           .default_action = SECCOMP_ACT_ERRNO,
                           .default_errno_ret = EPERM,
                           .rules = &rule,
                           .n_rules = 1};
  if (load_or_report(&p))
    return 1;
  errno = 0;
  CHECK(syscall(SYS_getppid) == -1 && errno == EPERM, "getppid: errno %d", errno);
  errno = 0;
  CHECK(syscall(SYS_getuid) == -1 && errno == EPERM, "getuid: errno %d", errno);
  return 0;
}

Test(seccomp, default_errno_blocks_the_rest)
{
  skip_filters_under_valgrind();
  expect_child_ok_both_ways(default_errno_with_allow_list);
}

static int default_errno_without_errno_ret(void)
{
  /* No defaultErrnoRet: EPERM.  A rule equal to the default is skipped
   * instead of making libseccomp refuse the filter. */
  static char *getppid_names[] = {"getppid", NULL};
  struct seccomp_rule_plan rules[] = {
      {.names = child_needs, .action = SECCOMP_ACT_ALLOW},
      {.names = getppid_names, .action = SECCOMP_ACT_ERRNO, .errno_ret = EPERM},
  };
  struct seccomp_plan p = {
      .present = true, .default_action = SECCOMP_ACT_ERRNO, .rules = rules, .n_rules = 2};
  if (load_or_report(&p))
    return 1;
  errno = 0;
  CHECK(syscall(SYS_getppid) == -1 && errno == EPERM, "getppid: errno %d", errno);
  errno = 0;
  CHECK(syscall(SYS_getgid) == -1 && errno == EPERM, "getgid (default action): errno %d", errno);
  return 0;
}

Test(seccomp, default_errno_ret_and_rule_equal_to_default)
{
  skip_filters_under_valgrind();
  expect_child_ok(default_errno_without_errno_ret);
}

static char *personality_names[] = {"personality", NULL};
static char *umask_names[] = {"umask", NULL};

static int argument_rules(void)
{
  struct seccomp_arg_plan persona_query = {.index = 0, .value = 0xffffffff, .op = SECCOMP_OP_EQ};
  /* value is the mask, value_two what the masked argument must equal. */
  struct seccomp_arg_plan group_write = {
      .index = 0, .value = 0070, .value_two = 0020, .op = SECCOMP_OP_MASKED_EQ};
  struct seccomp_rule_plan rules[] = {
      {.names = personality_names,
       .action = SECCOMP_ACT_ERRNO,
       .errno_ret = EINVAL,
       .args = &persona_query,
       .n_args = 1},
      {.names = umask_names,
       .action = SECCOMP_ACT_ERRNO,
       .errno_ret = EACCES,
       .args = &group_write,
       .n_args = 1},
  };
  struct seccomp_plan p = {
      .present = true, .default_action = SECCOMP_ACT_ALLOW, .rules = rules, .n_rules = 2};
  if (load_or_report(&p))
    return 1;
  errno = 0;
  CHECK(syscall(SYS_personality, 0xffffffffUL) == -1 && errno == EINVAL,
        "personality(0xffffffff): errno %d", errno);
  errno = 0;
  CHECK(syscall(SYS_personality, (unsigned long)PER_LINUX) >= 0,
        "personality(PER_LINUX) blocked: errno %d", errno);
  errno = 0;
  CHECK(syscall(SYS_umask, 0027) == -1 && errno == EACCES, "umask(027): errno %d", errno);
  errno = 0;
  CHECK(syscall(SYS_umask, 0007) >= 0, "umask(007) blocked: errno %d", errno);
  errno = 0;
  CHECK(syscall(SYS_umask, 0050) >= 0, "umask(050) blocked: errno %d", errno);
  return 0;
}

Test(seccomp, argument_conditions)
{
  skip_filters_under_valgrind();
  expect_child_ok_both_ways(argument_rules);
}

static int flags_and_architectures(void)
{
  static char *archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
  static char *flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                          "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                          "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL};
  struct seccomp_rule_plan rule = {
      .names = getcwd_names, .action = SECCOMP_ACT_ERRNO, .errno_ret = ENOTSUP};
  struct seccomp_plan p = {.present = true,
                           .default_action = SECCOMP_ACT_ALLOW,
                           .architectures = archs,
                           .flags = flags,
                           .rules = &rule,
                           .n_rules = 1};
  if (load_or_report(&p))
    return 1;
  char buf[64];
  errno = 0;
  CHECK(getcwd(buf, sizeof(buf)) == NULL && errno == ENOTSUP, "getcwd: errno %d", errno);
  CHECK(status_field("Seccomp") == 2, "Seccomp not 2");
  return 0;
}

Test(seccomp, flags_and_architectures)
{
  skip_filters_under_valgrind();
  expect_child_ok(flags_and_architectures);
}

static int kill_process_default(void)
{
  struct seccomp_rule_plan rule = {.names = child_needs, .action = SECCOMP_ACT_ALLOW};
  struct seccomp_plan p = {
      .present = true, .default_action = SECCOMP_ACT_KILL_PROCESS, .rules = &rule, .n_rules = 1};
  if (load_or_report(&p))
    return 1;
  syscall(SYS_getppid);
  return child_fail("still alive after a forbidden syscall");
}

Test(seccomp, kill_process_default_kills_with_sigsys)
{
  skip_filters_under_valgrind();
  for (int nnp = 0; nnp < 2; nnp++) {
    child_sets_nnp = nnp;
    struct child_result res;
    run_in_child(kill_process_default, &res);
    cr_assert(WIFSIGNALED(res.status) && WTERMSIG(res.status) == SIGSYS,
              "nnp=%d: status 0x%x, message: %s", nnp, res.status, res.msg);
  }
}

/* Without no_new_privs and without CAP_SYS_ADMIN the kernel refuses the
 * filter: proof that the library did not set no_new_privs by itself. */
static int load_without_nnp_or_sys_admin(void)
{
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
  struct __user_cap_data_struct data[2];
  CHECK(syscall(SYS_capget, &hdr, data) == 0, "capget: %s", strerror(errno));
  data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
  CHECK(syscall(SYS_capset, &hdr, data) == 0, "capset: %s", strerror(errno));

  struct seccomp_rule_plan rule = {
      .names = getcwd_names, .action = SECCOMP_ACT_ERRNO, .errno_ret = 38};
  struct seccomp_plan p = {
      .present = true, .default_action = SECCOMP_ACT_ALLOW, .rules = &rule, .n_rules = 1};
  struct nsrt_err err = {0};
  nsrt_set_stage("init");
  CHECK(seccomp_load_plan(&p, &err) < 0, "loaded without no_new_privs or CAP_SYS_ADMIN");
  char line[700];
  nsrt_err_format(&err, line, sizeof(line));
  CHECK(strcmp(line, "init: seccomp: load the filter: Permission denied") == 0, "'%s'", line);
  CHECK(status_field("Seccomp") == 0, "Seccomp not 0");
  CHECK(status_field("NoNewPrivs") == 0, "NoNewPrivs was set");
  return 0;
}

Test(seccomp, no_implicit_no_new_privs)
{
  skip_filters_under_valgrind();
  child_sets_nnp = false;
  expect_child_ok(load_without_nnp_or_sys_admin);
}

static int failpoint_on_load(void)
{
  struct nsrt_err err = {0};
  CHECK(nsrt_fp_configure("init.seccomp=err(EFAULT)", 0, NULL, &err) == 0, "configure: %s",
        err.text);
  struct seccomp_rule_plan rule = {
      .names = getcwd_names, .action = SECCOMP_ACT_ERRNO, .errno_ret = 38};
  struct seccomp_plan p = {
      .present = true, .default_action = SECCOMP_ACT_ALLOW, .rules = &rule, .n_rules = 1};
  CHECK(seccomp_load_plan(&p, &err) < 0, "failpoint did not fire");
  CHECK(err.errnum == EFAULT, "errnum %d", err.errnum);
  CHECK(strcmp(err.step, "seccomp") == 0 && strcmp(err.text, "load the filter") == 0,
        "step '%s' text '%s'", err.step, err.text);
  CHECK(status_field("Seccomp") == 0, "a filter was loaded despite the failpoint");
  nsrt_fp_reset();
  return load_or_report(&p);
}

Test(seccomp, failpoint_on_load)
{
  skip_filters_under_valgrind();
  child_sets_nnp = true;
  expect_child_ok(failpoint_on_load);
}

static int rule_refused_by_libseccomp(void)
{
  /* libseccomp allows one condition per argument in a rule. */
  struct seccomp_arg_plan two_on_arg0[] = {
      {.index = 0, .value = 1, .op = SECCOMP_OP_GE},
      {.index = 0, .value = 5, .op = SECCOMP_OP_LE},
  };
  struct seccomp_rule_plan rules[] = {
      {.names = getcwd_names, .action = SECCOMP_ACT_ERRNO, .errno_ret = 38},
      {.names = personality_names,
       .action = SECCOMP_ACT_ERRNO,
       .errno_ret = EPERM,
       .args = two_on_arg0,
       .n_args = 2},
  };
  struct seccomp_plan p = {
      .present = true, .default_action = SECCOMP_ACT_ALLOW, .rules = rules, .n_rules = 2};
  struct nsrt_err err = {0};
  CHECK(seccomp_load_plan(&p, &err) < 0, "rule with two conditions on arg 0 was accepted");
  CHECK(err.errnum == EINVAL, "errnum %d", err.errnum);
  CHECK(strcmp(err.text, "add rule for personality") == 0, "text '%s'", err.text);
  CHECK(status_field("Seccomp") == 0, "a filter was loaded");
  char buf[64];
  CHECK(getcwd(buf, sizeof(buf)) != NULL, "the first rule was loaded");
  return 0;
}

Test(seccomp, rule_error_names_the_syscall)
{
  skip_filters_under_valgrind();
  child_sets_nnp = true;
  expect_child_ok(rule_refused_by_libseccomp);
}
