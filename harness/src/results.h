/* results.json: the canonical record of a run (schema in harness/results-schema.md).
 *
 * The run writes it once (nsc_results_write); every other report (TAP, JUnit,
 * HTML: report.h) is made from a loaded document, so a report can be made
 * again later, from shards merged on another machine. */
#ifndef NSC_RESULTS_H
#define NSC_RESULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "error.h"
#include "nsconform.h"

#define NSC_RESULTS_SCHEMA "nsconform-results/1"

/* What the run was: the "runtime", "host", "seed", "shard", "started",
 * "finished" and "catalog" members.  Strings may be NULL where the schema
 * allows an empty value (they are written as ""); the arrays are
 * NULL-terminated, or NULL for none. */
struct nsc_run_info {
  const char *runtime_name;        /* "nsrt", "runc", "crun" */
  const char *runtime_path;        /* the binary that was run */
  const char *runtime_version;     /* first line of its --version */
  const char *const *runtime_args; /* global options given to every command */
  bool isolation;                  /* ran in a private mount ns with the cgroup2 mount hidden */
  const char *kernel;              /* uname -r */
  const char *cgroup;              /* "v1", "v2" or "hybrid" */
  const char *const *caps_missing; /* capabilities the harness lacks, "CAP_SYS_RESOURCE" */
  uint64_t seed;
  unsigned shard_index;        /* 1-based: shard K of N ... */
  unsigned shard_count;        /* ... N; an unsharded run is 1/1 (0/0 is taken as 1/1) */
  time_t started, finished;    /* written as RFC 3339 UTC */
  const char *catalog_version; /* spec_version of the requirement catalog, "1.3.0" */
};

/* Verdict counts of a document (summary member).  pass/fail/skip count
 * verdicts, not cases; must_fail counts the failing verdicts whose level is
 * MUST, MUST NOT or unknown (null). */
struct nsc_summary {
  size_t cases, pass, fail, skip, must_fail;
};

/* Build the document in memory (cases sorted by id; a duplicated case id is
 * an error) and validate it as nsc_results_validate does. */
int nsc_results_build(const struct nsc_run_info *info, const struct nsc_result *results, size_t n,
                      json_t **out, struct nsrt_err *err);

/* Build, then write atomically: PATH.tmp.XXXXXX in the same directory,
 * fsync, rename over PATH. */
int nsc_results_write(const char *path, const struct nsc_run_info *info,
                      const struct nsc_result *results, size_t n, struct nsrt_err *err);

/* Validate a document (a merge, say) and write it as nsc_results_write
 * does. */
int nsc_results_save(const char *path, const json_t *doc, struct nsrt_err *err);

/* Read and validate.  Errors have stage "results" and the JSON path of the
 * offending member as the step ("cases[3].verdicts[0].verdict"). */
int nsc_results_load(const char *path, json_t **out, struct nsrt_err *err);

/* Check a document against the schema, summary included. */
int nsc_results_validate(const json_t *doc, struct nsrt_err *err);

/* Merge shards of one run (same runtime, host, seed, catalog and shard
 * count; each shard at most once; each case id once) into a new document:
 * cases sorted by id, started/finished the earliest/latest, summary
 * recomputed, shard "K1,K2/N" for a partial set and "1/1" once all N are
 * there.  Documents of different runtimes are an error: the HTML report
 * takes one document per runtime instead. */
int nsc_results_merge(json_t *const *docs, size_t n, json_t **out, struct nsrt_err *err);

/* The summary member of a validated document. */
void nsc_results_summary(const json_t *doc, struct nsc_summary *out);

/* Fill the NULL levels of the verdicts from the catalog document
 * (specs/requirements.json as loaded by json_load_file).  Every verdict
 * whose requirement is in the catalog gets its level; for ids that are not
 * there the level stays NULL and the first such id is reported (-1). */
int nsc_results_fill_levels(struct nsc_result *results, size_t n, const json_t *catalog,
                            struct nsrt_err *err);

/* The catalog entry (object) with this id, or NULL. */
const json_t *nsc_results_catalog_entry(const json_t *catalog, const char *id);

/* true for MUST and MUST NOT, and for an unknown (NULL) level: a failure
 * that nothing says is optional counts as a MUST failure. */
bool nsc_level_is_must(const char *level);

/* The group of a requirement id: its first two dot components
 * ("config-linux.namespaces" of "config-linux.namespaces.new"). */
void nsc_requirement_group(const char *id, char *buf, size_t len);

/* RFC 3339 date-time ("2026-01-31T12:00:00Z"; fractions, which are
 * dropped, and offsets allowed) to seconds since the epoch; -1 if
 * malformed. */
int nsc_rfc3339_parse(const char *s, time_t *out);

/* Decode the character at s (not at its end): *cp gets the code point, the
 * return value is its length in bytes; an invalid byte is U+FFFD of length
 * 1.  For the report writers, which escape per character. */
size_t nsc_utf8_next(const char *s, uint32_t *cp);

/* Write a file so that readers see the old or the whole new content:
 * write_fn fills a temporary file next to PATH, which is fsynced and renamed
 * over PATH (mode 0644).  On failure the temporary file is removed.  Errors
 * have the given stage. */
typedef int (*nsc_write_fn)(FILE *f, const void *arg, struct nsrt_err *err);
int nsc_write_atomic(const char *path, const char *stage, nsc_write_fn write_fn, const void *arg,
                     struct nsrt_err *err);

#endif
