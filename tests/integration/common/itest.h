/* Helpers for integration tests: they run the real nsrt binary, as root, in
 * real namespaces, each test with its own state root.
 *
 *   TestSuite(smoke, .init = itest_setup, .fini = itest_teardown, .timeout = 30);
 *
 *   Test(smoke, lifecycle) {
 *     struct itest_snap before;
 *     itest_snapshot(&before);
 *     json_t *cfg = itest_config();
 *     const char *bundle = itest_bundle(cfg);
 *     struct itest_result r;
 *     itest_nsrtv(&r, 10000, "create", "--bundle", bundle, itest_id(), NULL);
 *     ...
 *     itest_assert_no_leaks(&before);
 *   }
 *
 * Environment (set by `make integration`): NSRT_BIN (the nsrt binary),
 * NSRT_ROOTFS (the busybox rootfs), NSRT_SRCDIR (the source tree).  When
 * unset they default to <NSRT_SRCDIR or cwd>/build/bin/nsrt and build/rootfs.
 *
 * The test process is made a child subreaper: a container's init is a child
 * of `nsrt create`, which exits, so the init is reparented to the test and
 * the test must reap it (itest_wait_pid); a child left behind is a leak.
 */
#ifndef NSRT_ITEST_H
#define NSRT_ITEST_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Criterion .init / .fini of every integration suite. */
void itest_setup(void);
void itest_teardown(void);

/* The test's private state root (passed as --root) and its bundle dir
 * (<root>/bundle). */
const char *itest_root(void);
const char *itest_bundle_dir(void);
const char *itest_nsrt_bin(void);
const char *itest_rootfs(void);

/* A default config: the busybox rootfs read-only, args ["/bin/true"], pid ipc
 * uts mount network namespaces, the usual /proc /dev /sys mounts, a small
 * capability set, noNewPrivileges.  The caller owns the reference. */
json_t *itest_config(void);

/* Write <bundle>/config.json (does not steal the reference); returns the
 * bundle path. */
const char *itest_bundle(json_t *config);

/* A fresh container id "t<pid>-<counter>", valid until 16 more calls. */
const char *itest_id(void);

/* ---- running nsrt ------------------------------------------------------- */

#define ITEST_OUTPUT_MAX (1 << 20) /* bytes kept of each stream */
/* How long a SIGKILLed process may take to disappear before we give up on it. */
#define ITEST_KILL_WAIT_MS 5000

struct itest_result {
  int status;     /* exit code, or 128+signal; -1 when it could not be run */
  bool timed_out; /* killed (with its process group) after timeout_ms */
  char *out;      /* stdout, NUL-terminated, never NULL after a call */
  char *err;      /* stderr, same */
  size_t out_len;
  size_t err_len;
  char *cmdline; /* the command as run, for messages */
};

/* Run NSRT_BIN --root <itest_root()> ARGS in its own process group, stdin
 * /dev/null, capturing stdout and stderr until it exits (then what is
 * already in the pipes; a container's init may keep the pipes open) or
 * timeout_ms passes (then SIGKILL to the group).  Returns r->status.
 * r needs no initialisation; its buffers stay valid until itest_teardown. */
int itest_nsrt_argv(struct itest_result *r, int timeout_ms, char *const args[]);
/* Arguments as a NULL-terminated list. */
int itest_nsrtv(struct itest_result *r, int timeout_ms, ...) __attribute__((sentinel));
/* Arguments as a format, split on blanks after formatting (no quoting). */
int itest_nsrt(struct itest_result *r, int timeout_ms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Extra environment for every later nsrt call of this test (e.g.
 * NSRT_FAILPOINTS); value NULL removes the variable from nsrt's environment.
 * Reset by itest_setup. */
void itest_setenv(const char *name, const char *value);
void itest_clearenv(void);

/* `nsrt state ID` parsed; NULL (and r->status != 0) when it fails.  r may be
 * NULL. */
json_t *itest_state(const char *id, struct itest_result *r);

/* ---- processes and files ---------------------------------------------- */

/* Wait up to timeout_ms for pid to exit.  Returns 0 when it exited, with
 * *status = exit code or 128+signal when it was our child (it is reaped and
 * disowned), -1 when it was not our child; returns -1 with errno ETIMEDOUT
 * when it is still running (or another errno on error).  status may be
 * NULL. */
int itest_wait_pid(pid_t pid, int timeout_ms, int *status);

/* Run argv (NULL-terminated; argv[0] a path, no PATH search) with stdin
 * inherited and stdout and stderr to the file log (created or truncated), in
 * its own process group, owned by the test while it runs.  Waits up to
 * timeout_s; on time-out its group is killed (SIGKILL), it is reaped and the
 * test fails naming argv[0] and argv[1] and the log.  Returns the exit status
 * (128+N for signal N; 125 when the log could not be opened, 127 when argv[0]
 * could not be run). */
int itest_run_logged(int timeout_s, const char *log, const char *const argv[]);

/* nsconform ($NSCONFORM_BIN, else build/bin/nsconform) with the
 * NULL-terminated args, through itest_run_logged: output to log_path (the
 * _va form) or to log_name in the test's directory.  Its exit status. */
int itest_nsconform_va(int timeout_s, const char *log_path, va_list args);
int itest_nsconform(int timeout_s, const char *log_name, ...);
/* A file of the test's directory as text (malloc'd), "(no log)" if absent. */
char *itest_log_text(const char *name);
/* DIR/results.json, parsed; the test fails if it cannot be. */
json_t *itest_load_results(const char *dir);

/* A child the test keeps on purpose (not a leak) until it is reaped by
 * itest_wait_pid or disowned. */
void itest_own_pid(pid_t pid);
void itest_disown_pid(pid_t pid);
bool itest_owns_pid(pid_t pid);

/* The whole file, NUL-terminated, malloc'd; NULL with errno on error.  len
 * may be NULL. */
char *itest_read_file(const char *path, size_t *len);

/* ---- leak checks ------------------------------------------------------ */

#define ITEST_SNAP_FDS     1024
#define ITEST_SNAP_MOUNTS  1024
#define ITEST_SNAP_ENTRIES 128
#define ITEST_SNAP_NAME    64
#define ITEST_REPORT_MAX   16384

struct itest_snap {
  bool fd_open[ITEST_SNAP_FDS];     /* this process's fds */
  int mount_ids[ITEST_SNAP_MOUNTS]; /* /proc/self/mountinfo */
  size_t n_mounts;
  char entries[ITEST_SNAP_ENTRIES][ITEST_SNAP_NAME]; /* names in the state root */
  size_t n_entries;
};

void itest_snapshot(struct itest_snap *s);

/* Compare with before and fail the test (one message listing everything)
 * when there is a child process that is not owned (a zombie child is reaped
 * and counted too: nobody waited for it), an fd, a mount or a state root
 * entry that was not there before.  What leaked is killed and reaped,
 * closed, or lazily unmounted (only under the test root or the rootfs) first,
 * so one failing test does not disturb the next. */
void itest_assert_no_leaks(const struct itest_snap *before);

/* The same without failing: cleans up the same way, returns the number of
 * leaks and, when report is not NULL, their description. */
int itest_check_leaks(const struct itest_snap *before, char *report, size_t len);

/* Kill (SIGKILL) and reap this process's children that are not owned (all
 * of them with include_owned) and any process whose argv names the test's
 * state root; reap zombie children.  Returns how many, described in report
 * (may be NULL). */
int itest_kill_strays(bool include_owned, char *report, size_t len);

/* How many mounts are at or under dir, listed in report (may be NULL). */
int itest_mounts_under(const char *dir, char *report, size_t len);

#endif
