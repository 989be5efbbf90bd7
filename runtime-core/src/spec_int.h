/* What the spec parser's files share (spec.c, spec_json.c, spec_mounts.c,
 * spec_linux.c).  Private to the parser.
 *
 * Errors have stage "spec" and, as the step, the JSON path of the offending
 * value ("linux.namespaces[2].type"); the message quotes the value. */
#ifndef NSRT_SPEC_INT_H
#define NSRT_SPEC_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "spec.h"

#define SPEC_FAIL(err, path, ...) nsrt_fail_at((err), "spec", 0, (path), __VA_ARGS__)

typedef char json_path[NSRT_ERR_STEP_MAX];

/* ---- JSON access (spec_json.c) ---- */

/* "base.key" and "base[i]" into buf (a json_path); they return buf. */
const char *spec_at_key(char *buf, const char *base, const char *key);
const char *spec_at_index(char *buf, const char *base, size_t i);

/* Not there, or JSON null. */
bool spec_absent(const json_t *v);

/* "expected <expected>, got <v>" at path; -1. */
int spec_type_error(const json_t *v, const char *path, const char *expected, struct nsrt_err *err);
/* "required field is missing" at path; -1. */
int spec_missing(const char *path, struct nsrt_err *err);
int spec_out_of_memory(const char *path, struct nsrt_err *err);

/* The getters return -1 on error, 0 when the value is absent (an error
 * instead when required), 1 when present. */
int spec_get_string(const json_t *v, const char *path, bool required, const char **out,
                    struct nsrt_err *err);
int spec_get_bool(const json_t *v, const char *path, bool *out, struct nsrt_err *err);
/* An integer in [min, max]; what names the expected type in errors. */
int spec_get_integer(const json_t *v, const char *path, bool required, long long min, long long max,
                     const char *what, long long *out, struct nsrt_err *err);
int spec_get_u32(const json_t *v, const char *path, bool required, uint32_t *out,
                 struct nsrt_err *err);
int spec_get_u64(const json_t *v, const char *path, bool required, uint64_t *out,
                 struct nsrt_err *err);
int spec_get_object(const json_t *v, const char *path, bool required, json_t **out,
                    struct nsrt_err *err);
int spec_get_array(const json_t *v, const char *path, bool required, json_t **out,
                   struct nsrt_err *err);

enum str_check { STR_ANY, STR_ABSOLUTE, STR_ENV };

/* 0, or -1 when s is not what check asks for. */
int spec_check_string(const char *s, enum str_check check, const char *path, struct nsrt_err *err);
/* An optional array of strings, each checked, into a NULL-terminated vector
 * that the caller owns (and frees with spec_strv_free) on every path. */
int spec_get_string_array(const json_t *v, const char *path, enum str_check check, char ***out,
                          struct nsrt_err *err);

/* strdup; 0 or -1 (out of memory, at path). */
int spec_copy_string(const char *s, char **out, const char *path, struct nsrt_err *err);
void *spec_alloc_array(size_t n, size_t size);
void spec_strv_free(char **v);

/* ---- parts of the document ---- */

/* "mounts" (spec_mounts.c). */
int spec_parse_mounts(const json_t *root, const char *bundle, struct plan *p, struct nsrt_err *err);
/* MS_* flags of a propagation name ("rslave"), 0 when unknown (spec_mounts.c). */
unsigned long spec_propagation_from_name(const char *name);

/* idmap/ridmap without mappings of their own need the container's user
 * namespace; run after the linux namespaces are parsed (spec_mounts.c). */
int spec_check_mount_idmaps(const struct plan *p, struct nsrt_err *err);

/* "linux.devices" (spec_devices.c); after the namespaces and id maps. */
int spec_parse_devices(const json_t *lnx, struct plan *p, struct nsrt_err *err);

/* "linux" (spec_linux.c); parse_process must have run (the id maps are
 * checked against process.user). */
int spec_parse_linux(const json_t *root, struct plan *p, struct nsrt_err *err);

/* process.scheduler, process.ioPriority (given config.process) and
 * linux.memoryPolicy (given config.linux); spec_procattr.c. */
int spec_parse_scheduler(const json_t *proc, struct plan *p, struct nsrt_err *err);
int spec_parse_io_priority(const json_t *proc, struct plan *p, struct nsrt_err *err);
int spec_parse_memory_policy(const json_t *lnx, struct plan *p, struct nsrt_err *err);

#endif
