/* What the lifecycle procedure files share: lifecycle_cases.c (the table,
 * the shared steps, the wrong-state procedures), lifecycle_hooks.c and
 * lifecycle_hook_faults.c, lifecycle_cli.c and lifecycle_features.c.
 * Private to the harness library. */
#ifndef NSC_LIFECYCLE_INT_H
#define NSC_LIFECYCLE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct case_ctx;

/* ---- steps (lifecycle_cases.c) -------------------------------------------- */

/* Write x->config to <bundle>/config.json again after a procedure changed
 * it; false (with a verdict naming req) when it cannot be written. */
bool nsc_lc_write_config(struct case_ctx *x, const char *req);
/* Where the container sees <bundle>/rec (nsc_lc_record_mount). */
#define NSC_LC_RECORD_MOUNT "/run"

/* mkdir <bundle>/rec (its path into rec) and add its bind mount at
 * NSC_LC_RECORD_MOUNT to x->config; false with errno on failure. */
bool nsc_lc_record_mount(struct case_ctx *x, char *rec, size_t len);
/* Empty probe.out before another container of the same case starts. */
void nsc_lc_reset_probe(struct case_ctx *x);
/* Stop the container if it runs, then delete --force; x->pid becomes 0. */
void nsc_lc_destroy(struct case_ctx *x);
/* create, then x->pid from the state; false (with a verdict) on failure. */
bool nsc_lc_create(struct case_ctx *x);
/* start, then the probe's output; false (with a verdict) on failure. */
bool nsc_lc_start(struct case_ctx *x);
/* SIGKILL the container and wait (bounded) until its process is gone. */
void nsc_lc_stop(struct case_ctx *x);
/* create must fail with a message on stderr and leave no container: one
 * verdict naming req.  A container it made after all is recorded in x->pid
 * (the caller's cleanup deletes it). */
void nsc_lc_create_must_fail(struct case_ctx *x, const char *req, const char *what);

/* The problems of a state document against runtime.md "State" and
 * schema/state-schema.json (required fields, their types, status values,
 * pid while created or running, annotations a map of strings), plus id and
 * bundle when not NULL; "" when none.  Written into buf. */
const char *nsc_lc_state_problems(const json_t *st, const char *id, const char *bundle, char *buf,
                                  size_t len);

/* Append a line to a file (O_APPEND, so hooks appending to the same file
 * interleave by whole lines); false with errno on failure. */
bool nsc_lc_append(const char *path, const char *line);
/* "<dev>:<ino>" of path, following symlinks, or "" when it cannot be read. */
const char *nsc_lc_file_id(const char *path, char *buf, size_t len);

/* The path from directory from (absolute, no symlinks) to the absolute path
 * to, as "../" up to / and then to without its leading slash; false when it
 * does not fit in len (lifecycle_config.c). */
bool nsc_lc_relative_path(const char *from, const char *to, char *buf, size_t len);

/* The recording hook script (lifecycle_hooks.c): argv "<kind> <index>
 * [command...]", NSC_REC the directory it writes. */
extern const char nsc_lc_hook_script[];

/* SemVer 2.0.0 precedence of a and b into *cmp (<0, 0, >0); false when
 * either is not a SemVer string (lifecycle_features.c). */
bool nsc_lc_semver_compare(const char *a, const char *b, int *cmp);
/* The properties of a features document that runtime-spec 1.3.0 does not
 * define, as "linux.foo, bar", into buf ("" when none). */
void nsc_lc_features_unknown(const json_t *doc, char *buf, size_t len);

/* ---- procedures ------------------------------------------------------------ */

/* lifecycle_hooks.c */
void nsc_lc_hooks_record(struct case_ctx *x);
/* lifecycle_hook_faults.c */
void nsc_lc_hook_timeout(struct case_ctx *x);
void nsc_lc_prestart_fails(struct case_ctx *x);
void nsc_lc_createruntime_fails(struct case_ctx *x);
void nsc_lc_createcontainer_fails(struct case_ctx *x);
void nsc_lc_startcontainer_fails(struct case_ctx *x);
void nsc_lc_poststart_fails(struct case_ctx *x);
void nsc_lc_poststop_fails(struct case_ctx *x);
void nsc_lc_hook_relative_path(struct case_ctx *x);
void nsc_lc_hook_timeout_zero(struct case_ctx *x);
void nsc_lc_hook_timeout_negative(struct case_ctx *x);

/* lifecycle_cli.c */
void nsc_lc_no_id(struct case_ctx *x);
void nsc_lc_create_missing_args(struct case_ctx *x);
void nsc_lc_state_document(struct case_ctx *x);
void nsc_lc_annotations(struct case_ctx *x);
void nsc_lc_annotations_not_map(struct case_ctx *x);
void nsc_lc_annotations_non_string(struct case_ctx *x);
void nsc_lc_annotations_empty_key(struct case_ctx *x);
void nsc_lc_no_process(struct case_ctx *x);
void nsc_lc_create_error(struct case_ctx *x);
void nsc_lc_delete_scope(struct case_ctx *x);

/* lifecycle_features.c */
void nsc_lc_features_document(struct case_ctx *x);
void nsc_lc_features_versions(struct case_ctx *x);
void nsc_lc_features_hooks(struct case_ctx *x);
void nsc_lc_features_mount_options(struct case_ctx *x);
void nsc_lc_features_namespaces(struct case_ctx *x);
void nsc_lc_features_capabilities(struct case_ctx *x);
void nsc_lc_features_seccomp(struct case_ctx *x);

/* lifecycle_config.c */
void nsc_lc_args_lookup(struct case_ctx *x);
void nsc_lc_root_relative(struct case_ctx *x);
void nsc_lc_mounts_order(struct case_ctx *x);
void nsc_lc_mount_destination_relative(struct case_ctx *x);
void nsc_lc_bind_source_relative(struct case_ctx *x);
void nsc_lc_unknown_properties(struct case_ctx *x);
void nsc_lc_console_size_ignored(struct case_ctx *x);
void nsc_lc_seccomp_rule_kill(struct case_ctx *x);
void nsc_lc_seccomp_default_trace(struct case_ctx *x);
void nsc_lc_seccomp_args(struct case_ctx *x);
void nsc_lc_domainname_runtime_uts(struct case_ctx *x);
void nsc_lc_create_environment(struct case_ctx *x);

#endif
