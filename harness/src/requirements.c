/* The registry of REQ() uses: the linker bounds the "nsc_req" section with
 * __start_nsc_req / __stop_nsc_req.  Both are weak so that a binary without
 * any REQ() still links; they are then NULL and the registry is empty. */
#include "requirements.h"

#include <stddef.h>

extern const struct nsc_req_ref *const __start_nsc_req[] __attribute__((weak));
extern const struct nsc_req_ref *const __stop_nsc_req[] __attribute__((weak));

const struct nsc_req_ref *const *nsc_req_begin(void)
{
  return __start_nsc_req;
}

const struct nsc_req_ref *const *nsc_req_end(void)
{
  return __stop_nsc_req;
}
