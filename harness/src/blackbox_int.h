/* What the black-box files share: blackbox.c (targets, plans, the sweep),
 * blackbox_run.c (one case under nsc-inject) and blackbox_judge.c (its
 * verdicts).  Private to the harness library. */
#ifndef NSC_BLACKBOX_INT_H
#define NSC_BLACKBOX_INT_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "blackbox.h"
#include "faults.h"

struct case_ctx;
struct nsc_snap;

/* How many runtime commands a case runs (NSC_FAULT_COMMANDS). */
#define NSC_BB_N_COMMANDS (sizeof((const char *[])NSC_FAULT_COMMANDS) / sizeof(const char *))

/* What one command of a case did. */
struct bb_cmd {
  const char *name;
  bool ran, wrapped;
  int status;
  bool timed_out;
  double ms;
  double start, end; /* monotonic ms */
  char *err;
  char hang[2048];
  char log[PATH_MAX];
  pid_t supervisor; /* from the log's start event, 0 when unknown */
  pid_t program;    /* the command's own process (the runtime's main) */
  bool shared;      /* served by the harness's supervisor (blackbox_sup.c), not nsc-inject */
};

/* One case: its plan, the steps as nsc-inject --plan text, and its commands. */
struct bb_run {
  struct case_ctx *x;
  const json_t *plan;
  bool record;
  char steps[16][64];
  size_t n_steps;
  char sibling[PATH_MAX];     /* nsc-inject's supervisors' cgroup leaf, "" when none */
  struct nsc_bb_plan *shared; /* the plan for the harness's supervisor, NULL until needed */
  struct bb_cmd cmd[NSC_BB_N_COMMANDS];
  int failed;
};

/* ---- blackbox.c ------------------------------------------------------------ */

/* The line names the target's step (one of its words, in any case). */
bool nsc_bb_names_step(const char *line, const char *target);

/* ---- blackbox_run.c -------------------------------------------------------- */

/* Wait (bounded) for a supervisor to end, and reap it; killed when it
 * outlives the bound.  False when it had to be killed. */
bool nsc_bb_wait_supervisor(pid_t pid, int timeout_ms);
/* Wait (bounded) until the supervision of a command has ended (its tree is
 * gone): nsc-inject's process exits (killed past the bound), or the
 * harness's supervisor logs the command's summary. */
void nsc_bb_wait_command(const struct bb_cmd *c, int timeout_ms);

/* ---- blackbox_sup.c -------------------------------------------------------- */

/* The socket to this process's supervisor, forked on first use (in the
 * leaf "inject" under cgroup_base when there is one).  -1 with err. */
int nsc_bb_sup_socket(const char *cgroup_base, struct nsrt_err *err);
/* Its pid, 0 when none. */
pid_t nsc_bb_sup_pid(void);
/* Wait (bounded) until a command's log holds an event of this kind
 * ("start", "fault", "summary"). */
bool nsc_bb_log_wait(const char *log, const char *event, int timeout_ms);

/* ---- blackbox_judge.c ------------------------------------------------------ */

/* robust.fault.fired for each step of the plan, from the supervisors'
 * events and counts; true when any step fired. */
bool nsc_bb_judge_fired(struct bb_run *b, const json_t *events, const json_t *counts);
/* A command failed (b->failed): its exit, bound, message and, after a
 * failed create, what was left.  fired is the first fault event that
 * applied, or NULL. */
void nsc_bb_judge_failure(struct bb_run *b, const struct nsc_snap *before, const json_t *fired);
/* `delete --force` without faults: nothing may be left. */
void nsc_bb_judge_cleanup(struct bb_run *b, const struct nsc_snap *before);
/* Every command exited 0: the container must be fully correct. */
void nsc_bb_judge_recovered(struct bb_run *b, json_t *created, json_t *running, json_t *probe,
                            bool gone, int stopped_status, const char *stopped);

#endif
