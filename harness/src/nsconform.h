/* Core types of the nsconform harness: a case, a verdict, a case's result. */
#ifndef NSCONFORM_H
#define NSCONFORM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nsc_case_kind {
  NSC_CASE_GENERATED, /* a valid spec: run it, observe, judge */
  NSC_CASE_NEGATIVE,  /* a spec the runtime MUST reject at create */
  NSC_CASE_LIFECYCLE, /* a runtime.md lifecycle procedure (driver.c names them) */
  NSC_CASE_FAULT,     /* a valid spec run with a fault plan (faults.c) */
  NSC_CASE_STAGE,     /* nsrt stopped at a stage boundary and inspected (stages.c) */
};

struct nsc_case {
  char id[64];              /* "g0042", "n007-dup-ns", "l003-start-twice" */
  uint64_t seed;            /* the generator seed this case came from */
  enum nsc_case_kind kind;
  json_t *config;           /* config.json; root.path is filled in by the driver */
  char *requirement;        /* negative/lifecycle: the requirement id under test */
  char *title;              /* one line: what the case is about */
  char *probe_syscall;      /* nsprobe --seccomp-probe NAME, or NULL */
  json_t *fault;            /* fault/stage cases: the fault plan (harness/repro-schema.md); else NULL */
};

enum nsc_verdict_kind { NSC_PASS, NSC_FAIL, NSC_SKIP };

struct nsc_verdict {
  char *requirement; /* catalog id */
  char *level;       /* MUST / SHOULD / MAY, from the catalog */
  enum nsc_verdict_kind verdict;
  char *expected;
  char *actual;
  char *reason; /* always set for SKIP; optional detail otherwise */
};

struct nsc_verdicts {
  struct nsc_verdict *v;
  size_t n, cap;
};

/* Append a verdict (strings are copied; NULL allowed except requirement).
 * The level is filled in later from the catalog (results.c). */
void nsc_verdict_add(struct nsc_verdicts *vs, const char *requirement,
                     enum nsc_verdict_kind verdict, const char *expected, const char *actual,
                     const char *reason_fmt, ...) __attribute__((format(printf, 6, 7)));
void nsc_verdicts_free(struct nsc_verdicts *vs);
const char *nsc_verdict_name(enum nsc_verdict_kind v); /* "PASS" "FAIL" "SKIP" */

struct nsc_result {
  char case_id[64];
  uint64_t seed;
  enum nsc_case_kind kind;
  char *title;
  struct nsc_verdicts verdicts;
  char **leaks; /* NULL-terminated descriptions; NULL when none */
  double duration_ms;
  char *runtime_stderr; /* an excerpt, for failures */
  char *repro;          /* the command that replays the case */
  json_t *fault;        /* fault/stage cases: the plan and what happened (fired, hits); else NULL */
};

void nsc_case_free(struct nsc_case *c);
void nsc_result_free(struct nsc_result *r);

#endif
