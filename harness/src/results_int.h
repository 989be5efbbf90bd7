/* What results.c (build, write, load, merge) and results_check.c
 * (validation) share.  Private to the results module. */
#ifndef NSC_RESULTS_INT_H
#define NSC_RESULTS_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "results.h"

#define STAGE "results"
/* Seeds up to 2^53 - 1 are JSON integers (exact in every JSON reader);
 * larger ones are decimal strings. */
#define SEED_INT_MAX ((UINT64_C(1) << 53) - 1)
/* "1,3/4": the shard count is bounded so a merge can keep a set of them. */
#define SHARD_COUNT_MAX 4096

/* The "kind" names, indexed by enum nsc_case_kind (results.c). */
extern const char *const nsc_results_kinds[5];

/* Count the cases and verdicts of a "cases" array (results.c). */
void nsc_results_count_cases(const json_t *cases, struct nsc_summary *s);

/* "K/N" or "K1,K2,.../N" with 1 <= K1 < K2 < ... <= N <= SHARD_COUNT_MAX;
 * ks (may be NULL, else room for SHARD_COUNT_MAX) gets the indices, *nk
 * their number, *count N.  0, or -1 when malformed (results_check.c). */
int nsc_results_parse_shard(const char *s, unsigned *ks, size_t *nk, unsigned *count);

#endif
