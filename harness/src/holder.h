/* Holders: processes that keep namespaces alive for a case that joins them
 * by path.  A generated config names "nsconform-holder:<type>"; the driver
 * starts one holder with all the types a case needs and writes
 * /proc/<holder>/ns/<x> in their place. */
#ifndef NSC_HOLDER_H
#define NSC_HOLDER_H

#include <jansson.h>
#include <sys/types.h>

struct nsrt_err;

#define NSC_HOLDER_PREFIX "nsconform-holder:"

struct nsc_holder {
  pid_t pid; /* 0 when none was needed */
  int pidfd;
  pid_t ns_init; /* the first process of the holder's new pid namespace, or 0 */
};

/* Replace every holder placeholder in config's linux.namespaces, starting a
 * holder when there is one.  *targets receives {"<spec type>": "<link
 * target>", ...} of the joined namespaces (new reference, or NULL). */
int nsc_holder_resolve(json_t *config, struct nsc_holder *h, json_t **targets,
                       struct nsrt_err *err);

/* Kill and reap the holder. */
void nsc_holder_stop(struct nsc_holder *h);

#endif
