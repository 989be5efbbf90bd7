/* OCI hooks: parsed from config.json "hooks", run with the state JSON on stdin. */
#ifndef NSRT_HOOKS_H
#define NSRT_HOOKS_H

#include "spec.h"

struct nsrt_err;

/* Parse the "hooks" object (a json_t *, passed as void * to keep jansson out
 * of this header).  NULL: no hooks.  Errors name hooks.<kind>[i].<field>. */
int hooks_parse(const void *json_hooks, struct hooks_plan *out, struct nsrt_err *err);
void hooks_free(struct hooks_plan *h);

/* Run each hook of the list in order: fork, state JSON to its stdin, execve
 * path with args and env, wait with its timeout (none given: 30 s), killed on
 * timeout.  A hook that fails (exit status non-zero, signal, timeout, exec
 * failure) stops the list and returns -1 with step "hook <which>[i]".  The
 * children _exit; no zombie is left on any path. */
int hooks_run(const struct hook_list *l, const char *which, const char *state_json,
              struct nsrt_err *err);

/* For the hooks whose failure is only a warning (poststop): run each hook
 * of the list, log a warning for each one that fails, go on with the next. */
void hooks_run_warn(const struct hook_list *l, const char *which, const char *state_json);

#endif
