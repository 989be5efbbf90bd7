/* Judgement: what the spec says a container must look like, against what
 * was observed.  Every verdict names a requirement id (REQ()). */
#ifndef NSC_JUDGE_H
#define NSC_JUDGE_H

#include <jansson.h>

#include "nsconform.h"

/* The views of one positive case (any may be NULL when it could not be
 * taken; checks that need it are then SKIP with the reason):
 *   config   the config.json the runtime was given (holder paths resolved)
 *   self     the harness's own observation (nsc_observe_self)
 *   targets  {"net": "net:[4026...]", ...} the namespaces joined by path
 *   created  the outside observation of the init while created
 *   running  the outside observation while running
 *   probe    nsprobe's JSON (the inside view while running)
 * Appends verdicts to out. */
struct nsc_views {
  const json_t *config;
  const json_t *self;
  const json_t *targets;
  const json_t *created;
  const json_t *running;
  const json_t *probe;
};

void nsc_judge_positive(const struct nsc_views *v, struct nsc_verdicts *out);

#endif
