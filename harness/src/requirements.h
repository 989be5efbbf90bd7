/* Requirement ids in code.  REQ("config-linux.namespaces.new") evaluates to
 * the id and records it in the linker section "nsc_req", so a test can list
 * every id the code checks and hold it against specs/requirements.json. */
#ifndef NSC_REQUIREMENTS_H
#define NSC_REQUIREMENTS_H

struct nsc_req_ref {
  const char *id;
  const char *file;
  int line;
};

#define REQ(id_)                                                                                   \
  __extension__({                                                                                  \
    static const struct nsc_req_ref req__ = {(id_), __FILE__, __LINE__};                           \
    static const struct nsc_req_ref *const req_reg__                                               \
        __attribute__((section("nsc_req"), used, aligned(sizeof(void *)))) = &req__;               \
    (void)req_reg__;                                                                               \
    req__.id;                                                                                      \
  })

/* The registry of REQ uses linked into this binary. */
const struct nsc_req_ref *const *nsc_req_begin(void);
const struct nsc_req_ref *const *nsc_req_end(void);

#endif
