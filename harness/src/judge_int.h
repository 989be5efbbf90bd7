/* What the judge's files share (judge.c, judge_process.c, judge_mounts.c,
 * judge_mount_options.c, judge_linux.c, judge_sched.c).
 * Private to the judge. */
#ifndef NSC_JUDGE_INT_H
#define NSC_JUDGE_INT_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "judge.h"
#include "requirements.h"

/* One judgement in progress. */
struct judge {
  const struct nsc_views *v;
  struct nsc_verdicts *out;
  const json_t *process; /* config.process, or NULL */
  const json_t *lnx;     /* config.linux, or NULL */
};

/* A bounded string for expected/actual: text past the end is cut and marked
 * with "...", never an error. */
struct judge_text {
  char s[640];
  size_t len;
};

void nsc_judge_text_add(struct judge_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void nsc_judge_verdict(struct judge *j, const char *req, bool ok, const char *expected,
                       const char *actual);
void nsc_judge_skip(struct judge *j, const char *req, const char *reason_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A fact seen from inside (the probe) and, when outside is set, also from
 * outside (the running view).  eval judges one view's value and writes what
 * it saw into actual; it may answer JUDGE_NA for a view it cannot judge.
 * The verdict: FAIL when any view fails, PASS when at least one passes and
 * none fails, SKIP (naming the missing views) otherwise.  key is a top-level
 * observation key; sub, when not NULL, a key inside it. */
enum judge_eval { JUDGE_PASS, JUDGE_FAIL, JUDGE_NA };
typedef enum judge_eval (*judge_eval_fn)(const json_t *value, bool outside, const void *arg,
                                         struct judge_text *actual);
void nsc_judge_fact(struct judge *j, const char *req, const char *key, const char *sub,
                    bool outside, const char *expected, judge_eval_fn eval, const void *arg);

/* The linux.namespaces entry of a spec type ("network"), or NULL. */
const json_t *nsc_judge_ns_entry(const struct judge *j, const char *spec_type);

/* A container id as the outside view sees it, through that view's uid_map or
 * gid_map ("uid_map"): the host id, 65534 when unmapped, -1 when the running
 * view has no such map. */
long long nsc_judge_host_id(const struct judge *j, const char *map_key, long long id);

/* ---- the mounts: helpers of judge_mounts.c that judge_mount_options.c uses ---- */

/* A mounts entry as it should show in mountinfo. */
struct mount_expect {
  char dest[PATH_MAX];
  const char *type; /* NULL for a bind mount: it shows its source's type */
  const char *flag; /* flags check: the mountinfo option, and whether it is wanted */
  bool want;
};

/* Whether a comma-separated option list (mountinfo) holds opt. */
bool nsc_judge_has_option(const char *csv, const char *opt);
/* Whether a spec mounts entry lists opt in its options. */
bool nsc_judge_spec_has_option(const json_t *mount, const char *opt);
/* An absolute path without trailing slashes (a relative destination is
 * relative to the container's /). */
void nsc_judge_normalize(const char *in, char *out, size_t len);
/* Whether path is dir or below it. */
bool nsc_judge_is_under(const char *path, const char *dir);
/* A string field of an observed mount, "" when absent. */
const char *nsc_judge_mount_str(const json_t *m, const char *key);
/* The topmost observed mount at point, of fstype when given; NULL if none. */
const json_t *nsc_judge_mount_at(const json_t *mounts, const char *point, const char *fstype);
/* The observed mount that holds path, or NULL. */
const json_t *nsc_judge_mount_holding(const json_t *mounts, const char *path);
/* The observed mount an entry should have made, or NULL. */
const json_t *nsc_judge_find_mount(const json_t *mounts, const struct mount_expect *e);
/* eval for "the entry's mount is there" (arg: a struct mount_expect). */
enum judge_eval nsc_judge_eval_mount(const json_t *value, bool outside, const void *arg,
                                     struct judge_text *actual);

/* The checks of judge_mount_options.c that judge_mounts.c runs: per mounts
 * entry (m as judged there), and for linux.rootfsPropagation. */
void nsc_judge_option_groups(struct judge *j, const json_t *mount, const struct mount_expect *m);
void nsc_judge_bind(struct judge *j, const json_t *mount, const struct mount_expect *m);
void nsc_judge_idmapped(struct judge *j, const json_t *mount, const struct mount_expect *m);
void nsc_judge_rootfs_propagation(struct judge *j);

/* The checks, by file. */
void nsc_judge_namespaces(struct judge *j);   /* judge.c */
void nsc_judge_id_maps(struct judge *j);      /* judge.c */
void nsc_judge_created(struct judge *j);      /* judge.c */
void nsc_judge_user(struct judge *j);         /* judge_process.c */
void nsc_judge_caps(struct judge *j);         /* judge_process.c */
void nsc_judge_process_misc(struct judge *j); /* judge_process.c */
void nsc_judge_seccomp(struct judge *j);      /* judge_process.c */
void nsc_judge_fds(struct judge *j);          /* judge_process.c */
void nsc_judge_mounts(struct judge *j);       /* judge_mounts.c */
void nsc_judge_dev(struct judge *j);          /* judge_linux.c */
void nsc_judge_linux_misc(struct judge *j);   /* judge_linux.c */
void nsc_judge_sched(struct judge *j);        /* judge_sched.c */

#endif
