/* The requirement catalog (specs/requirements.json): one entry per checkable
 * statement of the OCI runtime-spec, loaded and validated, plus the audit
 * that holds the REQ() ids linked into a binary against it.
 *
 * specs/README.md describes the file format and the rules enforced here. */
#ifndef NSC_CATALOG_H
#define NSC_CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "requirements.h"

#define NSC_CATALOG_SCHEMA   "nsconform-requirements/1"
#define NSC_CATALOG_SPEC     "1.3.0"
#define NSC_CATALOG_URL_BASE "https://github.com/opencontainers/runtime-spec/blob/v1.3.0/"
/* The project's own robustness contract (faults, stage boundaries): ids
 * "robust.<group>.<name>", documented in this repository's
 * docs/robustness.md; their url is "docs/robustness.md#<fragment>". */
#define NSC_CATALOG_OWN_PREFIX "robust."
#define NSC_CATALOG_OWN_DOC "docs/robustness.md"

struct nsc_requirement {
  char *id;           /* "config-linux.namespaces.new" */
  char *level;        /* MUST, MUST NOT, SHOULD, SHOULD NOT or MAY */
  char *group;        /* the first two components of id: "config-linux.namespaces" */
  char *url;          /* spec section, NSC_CATALOG_URL_BASE + "<file>.md#<fragment>" */
  char *statement;    /* one line, our words */
  char *check_reason; /* set with "check": "none" (why nothing can check it here) or
                       * "check": "planned" (a check not written yet, and what it needs) */
  bool planned;       /* "check": "planned" */
};

struct nsc_catalog {
  struct nsc_requirement *v;
  size_t n;
  char *spec_version; /* "1.3.0" */
};

/* Load and validate the catalog at path.  On error *c is left empty and err
 * names the JSON path and the offending value (stage "catalog"), e.g.
 *   catalog: requirements[17].level: "MUSTN'T" is not one of MUST, ...   */
int nsc_catalog_load(const char *path, struct nsc_catalog *c, struct nsrt_err *err);

/* The same from a parsed document (not stolen). */
int nsc_catalog_from_json(const json_t *doc, struct nsc_catalog *c, struct nsrt_err *err);

/* The entry with this id, or NULL.  A linear scan: the catalog is a few
 * hundred entries. */
const struct nsc_requirement *nsc_catalog_find(const struct nsc_catalog *c, const char *id);

/* True for MUST and MUST NOT. */
bool nsc_requirement_is_must(const struct nsc_requirement *r);

void nsc_catalog_free(struct nsc_catalog *c);

/* Where the catalog is, first match wins:
 *  1. $NSCONFORM_CATALOG when set and non-empty;
 *  2. <dir of /proc/self/exe>/../../specs/requirements.json when that file
 *     exists (build/bin/nsconform in a checkout);
 *  3. specs/requirements.json relative to the current directory.
 * Returns 0, or -1 with errno ENAMETOOLONG when buf is too small. */
int nsc_catalog_default_path(char *buf, size_t len);

/* ---- the consistency rule between REQ() uses and the catalog ---------------
 *
 * unknown_id   a REQ() id the catalog does not have                 always fatal
 * checked_none a REQ() of an entry that says "check": "none"         always fatal
 * uncovered    a MUST / MUST NOT entry with neither a REQ() nor a
 *              "check": "none" reason                              fatal when strict,
 *                          or when another entry of its group is used by a REQ() */
enum nsc_audit_kind { NSC_AUDIT_UNKNOWN_ID, NSC_AUDIT_CHECKED_NONE, NSC_AUDIT_UNCOVERED };

struct nsc_audit_item {
  enum nsc_audit_kind kind;
  bool fatal;
  const char *id; /* the requirement id concerned (points into the catalog or the REQ()) */
  char *text;     /* "harness/src/judge.c:120: config-linux.namespaces.nwe" or an id with detail */
};

struct nsc_audit {
  struct nsc_audit_item *v;
  size_t n, cap;
  size_t fatal;      /* items with fatal set */
  size_t must_total; /* MUST / MUST NOT entries in the catalog */
  size_t must_none;  /* ... of which marked "check": "none" */
  size_t must_planned; /* ... of which marked "check": "planned" */
  size_t must_ref;   /* ... of which used by at least one REQ() */
};

int nsc_catalog_audit(const struct nsc_catalog *c, const struct nsc_req_ref *const *begin,
                      const struct nsc_req_ref *const *end, bool strict, struct nsc_audit *out,
                      struct nsrt_err *err);
void nsc_audit_free(struct nsc_audit *a);
const char *nsc_audit_kind_name(enum nsc_audit_kind k); /* "unknown-id", ... */

#endif
