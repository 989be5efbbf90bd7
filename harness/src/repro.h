/* Repro files: one self-contained JSON file per failing case (schema in
 * harness/repro-schema.md), loaded back into a case for `nsconform repro`
 * and reduced by `nsconform shrink`.
 *
 * Errors have stage "repro" and, for a bad file, the JSON path of the
 * offending member as the step: `repro: case.kind: "foo" is not one of
 * generated, negative, lifecycle, fault, stage`. */
#ifndef NSC_REPRO_H
#define NSC_REPRO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nsconform.h"

struct nsrt_err;
struct nsc_runtime;

#define NSC_REPRO_SCHEMA "nsconform-repro/1"

/* The run a case came from (the file's "run" member). */
struct nsc_repro_run {
  uint64_t seed;       /* the run's generator seed */
  uint64_t count;      /* the run's --count */
  const char *profile; /* the generator profile's path, or NULL */
};

/* One failed verdict of the saved run (the file's "failed" entries). */
struct nsc_repro_failed {
  char *requirement;
  char *level; /* MUST / SHOULD / MAY, or NULL when unknown */
  char *expected;
  char *actual;
};

/* A loaded repro file. */
struct nsc_repro {
  struct nsc_case c; /* id, seed, kind, config, title, requirement, probe_syscall, fault */
  struct {
    char *path; /* the runtime binary the case failed with */
    char *name;
    char *version;
    bool isolate;
    char **args; /* global args, NULL-terminated (never NULL) */
    char **env;  /* "NAME=VALUE" entries, NULL-terminated (never NULL) */
  } runtime;
  struct nsc_repro_failed *failed;
  size_t n_failed;
  uint64_t run_seed, run_count;
  char *run_profile; /* or NULL */
  char *kernel;      /* host.kernel of the saved run, or NULL */
  char *created;     /* RFC 3339, or NULL */
  char *upstream;    /* known bugs: "opencontainers/runc#NNNN", else NULL */
  json_t *expect;    /* known bugs: what nsconform must report, else NULL */
  json_t *doc;       /* the whole document as loaded */
};

/* The file name of a case's repro: "<dir>/<case id>.json" into buf. */
void nsc_repro_path(const char *dir, const char *case_id, char *buf, size_t len);

/* Whether a case's result calls for a repro file: a FAIL verdict of any
 * level, or a leak. */
bool nsc_repro_wanted(const struct nsc_result *r);

/* Build the repro document of a case and its result (r's FAIL verdicts go to
 * "failed"; rt gives the runtime member, its env included; run may be NULL). */
int nsc_repro_build(const struct nsc_case *c, const struct nsc_result *r,
                    const struct nsc_runtime *rt, const struct nsc_repro_run *run, json_t **out,
                    struct nsrt_err *err);

/* Build and write <dir>/<case id>.json atomically (dir is created, mode
 * 0755, when missing). */
int nsc_repro_save(const char *dir, const struct nsc_case *c, const struct nsc_result *r,
                   const struct nsc_runtime *rt, const struct nsc_repro_run *run,
                   struct nsrt_err *err);

/* Write an already built (or edited) document atomically to path, after
 * validating it. */
int nsc_repro_write(const char *path, const json_t *doc, struct nsrt_err *err);

/* Read and validate a file; fills *out (free with nsc_repro_free). */
int nsc_repro_load(const char *path, struct nsc_repro *out, struct nsrt_err *err);
/* Same from a parsed document (not stolen: a reference is taken). */
int nsc_repro_from_json(json_t *doc, struct nsc_repro *out, struct nsrt_err *err);
void nsc_repro_free(struct nsc_repro *r);

/* Remove the *.json files of dir (a stale repro/ of an earlier run); other
 * entries are left alone.  A missing dir is not an error. */
int nsc_repro_clean(const char *dir, struct nsrt_err *err);

/* ---- shrinking ------------------------------------------------------------ */

/* The predicate of the reduction: does this candidate document (a whole
 * repro document) still fail the way we are after?  1 yes, 0 no, -1 a
 * harness error (stops the reduction). */
typedef int (*nsc_shrink_pred)(const json_t *doc, void *arg, struct nsrt_err *err);

struct nsc_shrink_stats {
  size_t bytes_before, bytes_after;   /* compact JSON of the config + fault */
  size_t fields_before, fields_after; /* leaf values of the config + fault */
  size_t replays;                     /* predicate calls */
  bool budget_hit;                    /* stopped at max_replays */
};

/* Delta debugging over the document's "config" and "fault": removes whole
 * optional members (top level, process, linux, ...) and array entries
 * (namespaces, mappings, mounts, rlimits, env, capabilities, seccomp
 * syscalls, hooks, maskedPaths, fault steps...) and members of free-form
 * objects (annotations, sysctl), first in chunks then one at a time
 * (ddmin), until no removal keeps pred true or max_replays predicate calls
 * were made.  Members a runtime needs to run anything (ociVersion,
 * root.path, process.args, process.cwd, process.user's uid/gid...) are kept.
 * *out is the smallest document found (a new reference; doc itself when
 * nothing could be removed).  The caller checks that doc itself satisfies
 * pred first. */
int nsc_shrink(const json_t *doc, nsc_shrink_pred pred, void *arg, size_t max_replays, json_t **out,
               struct nsc_shrink_stats *st, struct nsrt_err *err);

/* Size of a document's config + fault: compact JSON bytes and leaf count. */
void nsc_shrink_measure(const json_t *doc, size_t *bytes, size_t *fields);

/* ---- the CLI (harness/cli/cmd_repro.c) ---------------------------------- */

/* `nsconform repro FILE ...` and `nsconform shrink FILE ...`: argv[0] is the
 * subcommand; tree is the source tree (specs/, build/rootfs).  Return the
 * exit status. */
int nsc_cmd_repro(int argc, char **argv, const char *tree);
int nsc_cmd_shrink(int argc, char **argv, const char *tree);

#endif
