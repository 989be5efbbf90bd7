/* The seeded spec generator: a profile of dimensions and values -> cases.
 *
 * A case is one config.json.  The generated (valid) cases are an all-pairs
 * covering array over the profile's dimensions (every valid pair of values of
 * two different dimensions appears in at least one case), followed by seeded
 * random valid cases up to the requested count.  The negative cases (specs a
 * runtime MUST reject at create) come after, always all of them.
 *
 * Determinism: the same profile, seed and count give the same cases byte for
 * byte.  Nothing depends on time, pids, addresses or hash-table order.  Case
 * g<N> is the same for every count that includes it: the pairwise rows depend
 * only on profile and seed, and each random case has its own stream.
 *
 * Placeholders the driver fills in before running a case:
 *   root.path "rootfs"                      -> the fixture rootfs (only this exact value; a
 *                                              negative case may carry another on purpose)
 *   namespaces[].path "nsconform-holder:T"  -> /proc/<holder>/ns/<x> for OCI type T
 * What the generator assumes of the holder (the driver starts it): one holder
 * process per case holds every joined type; it has a new user namespace if and
 * only if the case joins the user type, created first so it owns the holder's
 * other namespaces, and that user namespace maps container ids 0-65535, so every
 * process.user the generator writes is mapped in it.
 */
#ifndef NSC_GEN_H
#define NSC_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nsconform.h"

struct nsrt_err;
struct gen_profile;

#define GEN_HOLDER_PREFIX    "nsconform-holder:"
#define GEN_ROOT_PLACEHOLDER "rootfs"

/* Load a profile (format: specs/profiles/README.md).  Unknown dimensions or
 * values, duplicates and empty value lists are errors naming the JSON path. */
int gen_profile_load(const char *path, struct gen_profile **out, struct nsrt_err *err);
/* Same from a parsed document (not stolen). */
int gen_profile_from_json(const json_t *doc, struct gen_profile **out, struct nsrt_err *err);
void gen_profile_free(struct gen_profile *p);

/* The profile's name ("default"), for reports. */
const char *gen_profile_name(const struct gen_profile *p);

struct gen_stats {
  size_t pairs_total;    /* valid pairs of values of two different dimensions */
  size_t pairs_covered;  /* of those, covered by the pairwise rows (all of them) */
  size_t pairs_excluded; /* pairs no valid case can contain (constraints) */
  size_t cases_pairwise; /* rows of the covering array */
  size_t cases_random;   /* seeded random cases after the rows */
  size_t cases_negative;
  size_t count_requested; /* the count asked for; < cases_pairwise when the rows needed more */
};

/* Generate the suite.  count = total generated cases: the pairwise rows first,
 * then seeded random cases up to count; when the covering array needs more rows
 * than count, all rows are kept (st->cases_pairwise > st->count_requested).
 * The negative cases follow.  seed must fit in a JSON integer (at most
 * INT64_MAX).  *cases is an array of *n cases; free with gen_cases_free. */
int gen_suite(const struct gen_profile *p, uint64_t seed, size_t count, struct nsc_case **cases,
              size_t *n, struct gen_stats *st, struct nsrt_err *err);

/* Write DIR/<id>/config.json for each case (keys sorted, 2-space indent,
 * trailing newline) and DIR/manifest.json:
 *   {"schema": "nsconform-manifest/1", "cases": [{"id", "kind", "seed", "title",
 *    "requirement" (negative only), "probe_syscall" (when set)}]}
 * DIR and the case directories are created when missing (mode 0755); files are
 * replaced.  Other entries of DIR are left alone. */
int gen_write_bundles(const struct nsc_case *cases, size_t n, const char *dir,
                      struct nsrt_err *err);

void gen_cases_free(struct nsc_case *cases, size_t n);

/* One line for humans: "pairs 1234/1234 (100.0%), 21 excluded; 47 pairwise +
 * 53 random + 14 negative cases" plus a note when the rows exceeded count. */
void gen_stats_format(const struct gen_stats *st, char *buf, size_t len);

/* The pairs the constraints exclude, one "dim=value & dim=value" string each,
 * in profile order; *out is NULL-terminated, free with gen_strv_free. */
int gen_excluded_pairs(const struct gen_profile *p, char ***out, size_t *n, struct nsrt_err *err);
void gen_strv_free(char **v);

/* The valid config every negative case is derived from (all of user, pid,
 * mount, uts, ipc, network, cgroup new; single id map; root process; no
 * placeholders but root.path).  Exposed so tests can compare against it. */
int gen_negative_base(json_t **out, struct nsrt_err *err);

#endif
