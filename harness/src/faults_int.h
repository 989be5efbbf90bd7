/* What the fault-case files share: faults.c (running one case) and
 * faults_judge.c (judging how it failed or recovered).  Private to the
 * harness library. */
#ifndef NSC_FAULTS_INT_H
#define NSC_FAULTS_INT_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>

#include "faults.h"

struct case_ctx;
struct nsc_snap;

/* How many runtime commands a case runs (NSC_FAULT_COMMANDS). */
#define NSC_FAULT_N_COMMANDS (sizeof((const char *[])NSC_FAULT_COMMANDS) / sizeof(const char *))

/* What one command of the case did. */
struct cmd_record {
  const char *name;
  bool ran, faulted;
  int status;
  bool timed_out;
  double ms;
  char *err;
  char hang[2048];
  char log[PATH_MAX];
};

/* One case: its plan, the environments of its commands, what each did. */
struct fault_run {
  struct case_ctx *x;
  const json_t *plan;
  char *failpoints;
  /* NAME=VALUE entries: the base ones then per-command extras */
  char sync[64], seed[64], bugs[512], fp_env[8192], log_env[PATH_MAX + 32];
  const char *env_plain[8];
  const char *env_fault[8];
  struct cmd_record cmd[NSC_FAULT_N_COMMANDS];
  int failed; /* index into cmd, or -1 */
  json_t *hits;
};

/* ---- faults_judge.c -------------------------------------------------------- */

/* Every command succeeded: the runtime recovered, and the container must be
 * fully correct.  gone < 0: no kill ran (the case ended with delete
 * --force). */
void nsc_fault_judge_recovered(struct fault_run *f, json_t *created, json_t *running, json_t *probe,
                               int gone, int stopped_status, const char *stopped);
/* The command's own process died of the injected exit or kill. */
bool nsc_fault_self_killed(const json_t *hit);
/* The error line of the failed command c, given the step that fired and
 * its hit (both NULL when none did). */
void nsc_fault_judge_message(struct fault_run *f, const struct cmd_record *c, const json_t *step,
                             const json_t *hit);
/* Nothing may be left right after a failed create, nor after `delete
 * --force`; self_kill: the fault killed the command's own process. */
void nsc_fault_judge_cleanup(struct fault_run *f, const struct nsc_snap *before, bool self_kill);

#endif
