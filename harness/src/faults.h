/* Fault cases: a valid spec run with a fault plan, and the white-box sweep
 * that makes them from `nsrt failpoints`.
 *
 * A failpoint plan (nsc_case.fault; format in /work/notes/i4-design.md and
 * harness/repro-schema.md):
 *   {"kind": "failpoint",
 *    "steps": [{"point": "init.pivot_root", "action": "err", "arg": "EPERM", "times": 1}],
 *    "bugs": ["intermediate-no-reap"], "sync_timeout_ms": 200, "seed": 0,
 *    "commands": ["create"]}
 * The sweep adds "spec" (the base spec's name) and, for its discovery runs,
 * "discover": true (every point armed sleep(0) to list those reached; not
 * judged on robust.fault.fired).  A step with "role": "trigger" only opens
 * an error path for the step after it (a stage's error report is sent only
 * when one of its steps failed); the message is then judged on what the
 * second step did to the report.  A plan of kind "seccomp" goes to the
 * black-box runner (blackbox.h).
 * nsc_fault_run gives the plan's commands NSRT_FAILPOINTS (and every command
 * NSRT_SYNC_TIMEOUT_MS, NSRT_FAILPOINT_SEED, NSRT_BUGS), runs create, start,
 * kill and delete until one fails, and judges: the fault fired, the failed
 * command exited non-zero with one line naming the stage, the step and the
 * injected errno, it ended within its bound, and nothing was left right
 * after it nor after `delete --force`.  When every command succeeds the
 * runtime recovered, and the container must then be fully correct.
 *
 * The sweep: each base spec runs once with every point armed `sleep(0)`,
 * which lists the points it reaches and in which command; then every reached
 * point gets one case per action that applies to its kind.
 */
#ifndef NSC_FAULTS_H
#define NSC_FAULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "nsconform.h"

struct case_ctx;
struct nsrt_err;

/* The runtime commands a plan may name, in the order a case runs them. */
#define NSC_FAULT_COMMANDS                                                                         \
  {                                                                                                \
    "create", "start", "kill", "delete"                                                            \
  }

/* NSRT_FAILPOINTS of a plan's steps: steps on the same point chain with
 * "->" in plan order, points are separated by ";" in order of first
 * appearance.  "" for a plan without steps.  Errors name the step
 * ("steps[2].action"). */
int nsc_fault_failpoints(const json_t *plan, char **out, struct nsrt_err *err);

/* Does the plan carry its faults into this command?  (All commands when the
 * plan has no "commands".) */
bool nsc_fault_plan_has_command(const json_t *plan, const char *command);

/* The error line of a failed command: the last non-empty line of stderr,
 * into buf ("" when there is none). */
void nsc_fault_error_line(const char *stderr_text, char *buf, size_t len);

enum nsc_errno_check {
  NSC_ERRNO_NAMED,   /* the line ends with the injected errno's text (or names it) */
  NSC_ERRNO_STALE,   /* it ends with another errno's text: a stale errno */
  NSC_ERRNO_MISSING, /* it names no errno at all */
};

/* Does the error line name errnum?  found gets the errno text the line ends
 * with, when it ends with one. */
enum nsc_errno_check nsc_fault_check_errno(const char *line, int errnum, char *found, size_t len);

/* Does the error line name the stage and step?  nsrt's format is
 * "nsrt: <stage>: <step>: <text>"; step may be NULL (any step). */
bool nsc_fault_names_step(const char *line, const char *stage, const char *step);

/* Weaker: the line names the stage and mentions step as a word anywhere
 * after it ("nsrt: main: state_dir: mkdir /run/..." mentions mkdir).  For
 * points of a module (hooks.*, state.*) that runs within other stages. */
bool nsc_fault_mentions_step(const char *line, const char *stage, const char *step);

/* The stage and step a point's name stands for: "init.pivot_root" ->
 * ("init", "pivot_root"), "chan.main.recv.INIT_READY" -> ("main",
 * "recv INIT_READY"). */
void nsc_fault_point_step(const char *point, char *stage, size_t slen, char *step, size_t len);

/* Run one fault case (kind NSC_CASE_FAULT) in the driver. */
void nsc_fault_run(struct case_ctx *x);

/* The verdicts of a case whose commands all succeeded despite its fault
 * (white or black box): the program ran, kill ended it (gone: 1 ended, 0
 * still running, -1 no kill was sent), the status became stopped, and the
 * container is judged like a generated case from the three views. */
void nsc_fault_judge_container(struct case_ctx *x, json_t *created, json_t *running, json_t *probe,
                               int gone, int stopped_status, const char *stopped);

/* ---- the sweep ------------------------------------------------------------ */

/* `<runtime> failpoints --json`, parsed; -1 when the runtime has none. */
int nsc_fault_list_points(const char *runtime, json_t **out, struct nsrt_err *err);

/* The base specs of the sweep, as discovery cases: each is a fault case
 * "f-base-<name>" whose plan arms every point of points with sleep(0), so
 * that its result's fault record lists every point reached (hits carry the
 * command).  Returns how many cases are in *out (calloc'd). */
int nsc_fault_base_cases(const json_t *points, struct nsc_case **out, size_t *n,
                         struct nsrt_err *err);

struct nsc_sweep_opts {
  const char *points_glob; /* only points matching one of these comma-separated globs, or NULL */
  const char *actions;     /* comma list of actions, or NULL for all that apply */
  int sync_timeout_ms;     /* NSRT_SYNC_TIMEOUT_MS of the sleep cases */
  const char *bugs;        /* NSRT_BUGS for every case (comma list), or NULL */
};

/* The sweep's cases from the discovery results: for every point reached by
 * a base case (the first base spec that reaches it) and every action that
 * applies to its kind except off and pause: case "f-<point>-<action>" (a
 * suffix "-<command>" when the point is also reached in a later command).
 * results[i] is the result of bases[i]. */
int nsc_fault_sweep_cases(const json_t *points, const struct nsc_case *bases,
                          const struct nsc_result *results, size_t n_bases,
                          const struct nsc_sweep_opts *o, struct nsc_case **out, size_t *n_out,
                          struct nsrt_err *err);

/* The argument of an action in the sweep: err -> the errno fitting the
 * kind (clone EAGAIN, send EPIPE, recv ECONNRESET, step EIO), exit -> 3,
 * sleep -> past the deadline of sync_timeout_ms, short -> 3, corrupt -> 0;
 * NULL when the action takes none. */
json_t *nsc_fault_action_arg(const char *kind, const char *action, int sync_timeout_ms);

/* The table point x action -> PASS/FAIL of a results document's fault
 * cases: one row per point, one column per action, '-' where no case ran.
 * Returns how many cells failed. */
size_t nsc_fault_table(FILE *f, const json_t *results);

#endif
