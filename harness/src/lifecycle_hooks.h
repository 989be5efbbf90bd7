/* What the hook procedure files share: lifecycle_hooks.c (the recording
 * hook and the recording case) and lifecycle_hook_faults.c (timeouts,
 * failing hooks, hook configs create must refuse).  Private to them. */
#ifndef NSC_LIFECYCLE_HOOKS_H
#define NSC_LIFECYCLE_HOOKS_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct case_ctx;

/* The timeout of the harness's own hooks: sh, cat, stat, readlink, sed and
 * sleep run well inside it. */
#define NSC_HOOK_TIMEOUT_S 20

/* The hook kinds in config.md's order. */
enum nsc_hook_kind {
  NSC_PRESTART,
  NSC_CREATE_RUNTIME,
  NSC_CREATE_CONTAINER,
  NSC_START_CONTAINER,
  NSC_POSTSTART,
  NSC_POSTSTOP,
};
#define NSC_HOOK_KINDS 6

/* "prestart", "createRuntime", ... */
const char *nsc_hook_kind_name(enum nsc_hook_kind k);

struct nsc_hook_case {
  struct case_ctx *x;
  char rec[PATH_MAX];         /* <bundle>/rec, the container's /run */
  char host_script[PATH_MAX]; /* <bundle>/nsc-hook.sh: only outside */
  char ctr_script[PATH_MAX];  /* /run/nsc-hook.sh: only inside */
  char log[PATH_MAX];         /* rec/log: one line per event */
};

/* The record directory, its mount at /run in x->config, both copies of the
 * recording script; false (with a verdict naming req) on failure. */
bool nsc_hook_setup(struct case_ctx *x, struct nsc_hook_case *h, const char *req);
/* A recording hook of kind k, numbered index; extra (NULL-terminated, may
 * be NULL) follows kind and index in its args. */
json_t *nsc_hook_recorder(const struct nsc_hook_case *h, enum nsc_hook_kind k, int index,
                          const char *const *extra);
/* /bin/sh -c cmd with PATH set (timeout 0: none given). */
json_t *nsc_hook_shell(const char *cmd, int timeout);
/* A hook that reads its stdin and exits 3. */
json_t *nsc_hook_failing(void);
/* x->config's "hooks" becomes hooks (the reference is taken). */
void nsc_hook_set(struct case_ctx *x, json_t *hooks);

/* The lines of rec/log. */
struct nsc_hook_records {
  char **lines;
  size_t n;
};
void nsc_hook_records_load(const struct nsc_hook_case *h, struct nsc_hook_records *r);
void nsc_hook_records_free(struct nsc_hook_records *r);
/* The recording hook <kind>.<index> ran to its end. */
bool nsc_hook_ran(const struct nsc_hook_records *r, enum nsc_hook_kind k, int index);

#endif
