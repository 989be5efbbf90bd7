/* Black-box faults: any runtime, no cooperation needed.  Each runtime
 * command of a case loads a seccomp user-notification filter just before
 * its exec and is served by the harness's supervisor (blackbox_sup.c, built
 * on harness/inject/; under a wrapper such as repro --trace's, by the
 * standalone nsc-inject), which counts the calls of the command's whole
 * process tree per target (clone, clone3, fork, vfork, unshare, setns,
 * writes to /proc/<pid>/uid_map, gid_map and setgroups, writes and sends on
 * sockets ("sync"), setresuid, setresgid, execve) and acts on the Nth one:
 * errno(E), kill, delay(MS), short(N), corrupt(BYTE).
 *
 * A seccomp plan (nsc_case.fault):
 *   {"kind": "seccomp",
 *    "steps": [{"target": "clone3", "nth": 2, "action": "errno", "arg": "EAGAIN"}],
 *    "commands": ["create"],
 *    "bugs": ["intermediate-no-reap"]}      (optional: NSRT_BUGS for nsrt-bugs)
 * A plan without steps records: every command runs supervised with every
 * target trapped and nothing done, and the result's fault record gets
 * "counts": {"create": {"clone3": 2, ...}, "start": {...}, ...}, which is
 * what the sweep needs to know the range of N.
 *
 * The sweep (`nsconform faults --runtime runc|crun|PATH`): record the base
 * specs once, then one case per command x target x N (1..count, capped) x
 * action that applies.  Verdicts are those of white-box faults:
 * robust.fault.fired (the supervisor's fault event), robust.fault.error-exit,
 * robust.fault.error-errno, robust.fault.error-step (best effort),
 * robust.fault.bounded, runtime.errors.no-change (right after a failed
 * create) and runtime.delete.removes-resources (after `delete --force`); a
 * runtime that recovers (every command exits 0) must leave a fully correct
 * container. */
#ifndef NSC_BLACKBOX_H
#define NSC_BLACKBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "nsconform.h"

struct case_ctx;
struct nsrt_err;

/* The nsc-inject program: set explicitly, else $NSC_INJECT_BIN, else
 * nsc-inject next to the running program.  NULL when none is found. */
void nsc_blackbox_set_inject(const char *path);
const char *nsc_blackbox_inject(void);

/* End this process's black-box supervisor (blackbox_sup.c), if it has one:
 * it goes once the listeners it still serves hang up, or is killed after
 * timeout_ms.  The driver calls it when it is done. */
void nsc_bb_sup_stop(int timeout_ms);

/* Before a case's leak snapshot: start the supervisor a black-box case will
 * use, so its socket is the harness's before the case, not a leak of it. */
struct nsc_driver;
void nsc_blackbox_prepare(const struct nsc_driver *d, const struct nsc_case *c);

/* Runtime commands under the harness's supervisor outside a case (what a
 * case does per command; `nsconform overhead` measures it).  steps are
 * nsc-inject plan texts ("clone3@2=errno(EAGAIN)"); none: every target
 * trapped and counted.  timeout_ms bounds each command's supervision. */
struct nsc_bb_plan;
struct nsc_runtime;
struct nsc_exec_opts;
struct nsc_exec;
struct nsc_bb_plan *nsc_bb_plan_new(const char *const *steps, size_t n, long timeout_ms,
                                    struct nsrt_err *err);
void nsc_bb_plan_free(struct nsc_bb_plan *p);
/* Run one command with the plan's filter (nsc_runtime_exec), its events
 * going to the file log (may be NULL).  -1 with err when the supervision
 * could not be set up (nothing ran); else 0 and r as nsc_runtime_exec. */
int nsc_bb_exec(const struct nsc_bb_plan *p, const struct nsc_runtime *rt, const char *cgroup_base,
                const struct nsc_exec_opts *o, const char *log, struct nsc_exec *r,
                const char *const argv[], struct nsrt_err *err);

/* "clone3@2=errno(EAGAIN)" for a plan step; -1 with the step's JSON path in
 * err when it is not valid ("steps[1].target: \"foo\" is not a target"). */
int nsc_blackbox_step_text(const json_t *step, size_t index, char *out, size_t len,
                           struct nsrt_err *err);

/* A one-step plan (arg may be NULL). */
json_t *nsc_blackbox_plan(const char *command, const char *target, unsigned nth, const char *action,
                          const char *arg);

/* The actions that apply to a target, as a comma list ("errno,kill,delay"
 * or, for writes, also "short,corrupt"); NULL for an unknown target. */
const char *nsc_blackbox_target_actions(const char *target);

/* The argument the sweep uses for an action on a target: errno -> a fitting
 * errno name (clone EAGAIN, unshare ENOSPC, setns EPERM, maps EPERM, sync
 * EPIPE, set*id EPERM, execve EACCES), delay -> "300", short -> "3"
 * (uid_map, gid_map: "12"), corrupt -> "0"; NULL for kill. */
const char *nsc_blackbox_action_arg(const char *target, const char *action);

/* The base specs of the sweep as recording cases "b-base-<name>": a user
 * namespace spec (every namespace new) and a plain one (no user namespace). */
int nsc_blackbox_base_cases(struct nsc_case **out, size_t *n, struct nsrt_err *err);

struct nsc_blackbox_opts {
  const char *targets;  /* comma list, NULL: every target */
  const char *actions;  /* comma list, NULL: every action that applies */
  const char *commands; /* comma list, NULL: create,start,kill,delete */
  unsigned max_n;       /* at most this many N per command and target; 0: 8 */
};

/* The sweep's cases from the recording results (results[i] of bases[i]):
 * "b-<base>-<command>-<target>-<n>-<action>".  Counts that differ between
 * bases are each swept.  *out is calloc'd (free each with nsc_case_free). */
int nsc_blackbox_sweep_cases(const struct nsc_case *bases, const struct nsc_result *results,
                             size_t n_bases, const struct nsc_blackbox_opts *o,
                             struct nsc_case **out, size_t *n_out, struct nsrt_err *err);

/* Run one case whose plan kind is "seccomp" (called by nsc_fault_run). */
void nsc_blackbox_run(struct case_ctx *x);

#endif
