/* Running one case against a runtime: bundle, lifecycle, observation,
 * judgement, leak verdict. */
#ifndef NSC_DRIVER_H
#define NSC_DRIVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "nsconform.h"
#include "runtime.h"

struct nsrt_err;

struct nsc_driver {
  struct nsc_runtime *rt;
  char rootfs[4096];      /* absolute; holds /nsprobe */
  char work[4096];        /* bundles go to <work>/<case id>/ */
  char cgroup_base[4096]; /* "" when cases cannot be put in cgroup leaves */
  json_t *self;           /* the harness's own observation */
  bool cap_sys_resource;  /* the harness (and so the runtime) may raise hard rlimits */
  bool keep;              /* keep bundles of passing cases too */
  char id_prefix[32];     /* container ids are <prefix><case id>, unique per run */
  uint64_t seed;          /* the run's generator seed, for repro commands */
};

/* Prepare: the harness becomes a child subreaper (every orphan of a case is
 * reparented to it and reaped, so none is left), observes itself and finds
 * its cgroup v2 base. */
int nsc_driver_init(struct nsc_driver *d, struct nsc_runtime *rt, const char *rootfs,
                    const char *work, struct nsrt_err *err);
void nsc_driver_fini(struct nsc_driver *d);

/* Run one case; fills *out (verdicts, leaks, duration, repro).  Returns -1
 * only for harness errors (the case then has none of its verdicts). */
int nsc_driver_run(struct nsc_driver *d, const struct nsc_case *c, struct nsc_result *out,
                   struct nsrt_err *err);

#endif
