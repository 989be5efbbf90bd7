/* runtime.md lifecycle procedures: operations in the wrong state fail and
 * change nothing; config edits after create have no effect; ids are unique;
 * kill delivers a chosen signal. */
#ifndef NSC_LIFECYCLE_CASES_H
#define NSC_LIFECYCLE_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "nsconform.h"

struct case_ctx;

/* The lifecycle cases (kind NSC_CASE_LIFECYCLE, ids "l001-<slug>"), each on
 * a plain config running nsprobe --wait.  Returns the count; *out is
 * malloc'd (free each with nsc_case_free, then the array). */
size_t nsc_lifecycle_cases(struct nsc_case **out);

/* Run the procedure the case id names. */
void nsc_lifecycle_run(struct case_ctx *x);

#endif
