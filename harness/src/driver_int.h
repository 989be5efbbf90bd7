/* What driver.c shares with the lifecycle procedures (lifecycle_cases.c).
 * Private to the harness library. */
#ifndef NSC_DRIVER_INT_H
#define NSC_DRIVER_INT_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "driver.h"
#include "holder.h"

/* How long a container may take to die after a signal. */
#define EXIT_TIMEOUT_MS 5000

struct case_ctx {
  struct nsc_driver *d;
  const struct nsc_case *c;
  struct nsc_result *out;
  char dir[PATH_MAX];
  char id[128];
  char leaf[PATH_MAX];
  struct nsc_holder holder;
  json_t *config;
  json_t *targets;
  int probe_fd;
  pid_t pid;    /* the container's init, once known */
  bool deleted; /* the case's own delete removed the container */
  /* Extra NAME=VALUE entries for every runtime command of the case (a fault
   * plan's NSRT_FAILPOINTS...), NULL-terminated; NULL when none. */
  const char *const *env;
};

/* A verdict of this case; actual is formatted. */
void nsc_case_verdict(struct case_ctx *x, const char *req, bool ok, const char *expected,
                      const char *actual_fmt, ...) __attribute__((format(printf, 5, 6)));
void nsc_case_skip(struct case_ctx *x, const char *req, const char *reason);
/* Keep the runtime's stderr of the first failing command for the report. */
void nsc_case_note_stderr(struct case_ctx *x, const struct nsc_exec *r);
const char *nsc_first_line(const char *s, char *buf, size_t len);
/* Run the runtime with a NULL-terminated argument list, in the case's leaf. */
int nsc_case_run(struct case_ctx *x, struct nsc_exec *r, int stdout_fd, ...);
/* `create --bundle <dir> <id>` with the probe file as stdout. */
int nsc_case_create(struct case_ctx *x, struct nsc_exec *r);
/* `state <id>` parsed; NULL when it fails (*status = its exit status). */
json_t *nsc_case_state(struct case_ctx *x, int *status);
const char *nsc_state_status(const json_t *st);
bool nsc_case_probe_empty(struct case_ctx *x);
/* The probe's JSON once complete (bounded wait), or NULL. */
json_t *nsc_case_wait_probe(struct case_ctx *x);
/* The probe's JSON, or NULL once the container's init (x->pid) is gone or
 * timeout_ms passed: for cases where a fault may have killed the program. */
json_t *nsc_case_probe_unless_gone(struct case_ctx *x, int timeout_ms);
/* The outside view of x->pid into *view (NULL when there is no pid or it
 * cannot be observed). */
void nsc_case_observe(struct case_ctx *x, json_t **view);
/* After `kill` (TERM): wait (bounded) for x->pid to end, KILL it past the
 * bound so the case can end, let the namespaces' holder go, and put the
 * status `state` now reports into stopped (its exit code into *status).
 * True when TERM ended the program. */
bool nsc_case_after_kill(struct case_ctx *x, int *status, char *stopped, size_t len);
/* Wait (bounded) for pid to be gone, reaping it when it is our child. */
bool nsc_wait_gone(pid_t pid, int timeout_ms);

#endif
