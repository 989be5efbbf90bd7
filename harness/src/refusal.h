/* Why a runtime refused to create a valid config.
 *
 * A generated case is valid, so a refusal at create is a finding; this
 * module finds the field responsible.  First the runtime's `features`
 * document: a namespace type, mount option or seccomp action/architecture
 * the config uses and the document does not list explains the refusal (the
 * field's requirements are skipped; a "should support X" requirement, if the
 * spec has one, gets the verdict).  Otherwise the config is narrowed down:
 * create is tried again without one field at a time (a bounded number of
 * tries) and the refusal is charged to the requirement of the first field
 * whose removal lets create succeed, or get past the refused step (it fails
 * later, with another error: numbers aside, a different first error line).
 * Only when neither explains it does it stay with
 * runtime.create.new-container.
 *
 * The logic is pure: "does create succeed with this config?" is a callback,
 * so it is tested without a runtime. */
#ifndef NSC_REFUSAL_H
#define NSC_REFUSAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "nsconform.h"

/* Tries of the narrowing, at most. */
#define NSC_REFUSAL_MAX_TRIES 8
/* Fields the features document can explain at once, at most. */
#define NSC_REFUSAL_MAX_ITEMS 8

/* Does create succeed with config?  On failure the runtime's error line
 * (as err_line below) goes into why. */
typedef bool (*nsc_create_ok_fn)(void *ctx, const json_t *config, char *why, size_t len);

enum nsc_refusal_kind {
  NSC_REFUSAL_UNEXPLAINED, /* charged to runtime.create.new-container */
  NSC_REFUSAL_FEATURES,    /* fields the features document does not list */
  NSC_REFUSAL_FIELD,       /* create succeeds without one field */
};

/* One field the refusal is put down to. */
struct nsc_refusal_item {
  char what[160];          /* "the time namespace", "mount option nosymfollow" */
  const char *requirement; /* FEATURES: the "supports X" requirement, or NULL;
                            * FIELD: the requirement charged */
  const char *skips[4];    /* FEATURES: requirements of the field, skipped */
  /* FEATURES: a mount option.  A runtime passes an option it does not know
   * to mount(2) as data (config.md), which may well work, so an unlisted
   * option explains a refusal only once create gets past it without. */
  bool tentative;
};

struct nsc_refusal {
  enum nsc_refusal_kind kind;
  struct nsc_refusal_item items[NSC_REFUSAL_MAX_ITEMS];
  size_t n;
  char stderr_line[512]; /* the refused create's error line */
  char status[64];       /* "create exited 1" */
  char later[512];       /* FIELD: without the field create failed later, with this */
  int tries;             /* creates tried while narrowing */
  char note[256];        /* set by the caller after nsc_refusal_explain: added to each verdict */
};

/* Explain the refusal of config.  features is the runtime's document or
 * NULL (none); err_line the refused create's error line, status a
 * short "create exited N".  create_ok is called at most
 * NSC_REFUSAL_MAX_TRIES times, never when an unlisted namespace type or
 * seccomp value explains the refusal. */
void nsc_refusal_explain(const json_t *config, const json_t *features, const char *status,
                         const char *err_line, nsc_create_ok_fn create_ok, void *ctx,
                         struct nsc_refusal *out);

/* The verdicts of an explained (or unexplained) refusal. */
void nsc_refusal_verdicts(const struct nsc_refusal *r, struct nsc_verdicts *out);

/* The requirement a spec mount option's support and effect fall under
 * (config.mount-options.*), or NULL for a filesystem data option. */
const char *nsc_refusal_mount_option_req(const char *opt);

#endif
