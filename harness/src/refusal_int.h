/* What refusal.c and refusal_features.c share.  Private to the harness
 * library. */
#ifndef NSC_REFUSAL_INT_H
#define NSC_REFUSAL_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "refusal.h"

/* w is one of the space-separated words of list (" a b "). */
bool nsc_refusal_word_in(const char *list, const char *w);
/* The JSON array arr holds the string s. */
bool nsc_refusal_has_string(const json_t *arr, const char *s);
/* linux.namespaces of config, or NULL. */
json_t *nsc_refusal_namespaces(const json_t *config);
/* A namespace entry with a path (joined, not new). */
bool nsc_refusal_joined(const json_t *entry);
/* The next free item of r, cleared; NULL when all are used. */
struct nsc_refusal_item *nsc_refusal_add_item(struct nsc_refusal *r);
/* Step 1: the fields of config the features document does not list, as
 * items of r (mount options tentative, see refusal.h). */
void nsc_refusal_by_features(const json_t *config, const json_t *features, struct nsc_refusal *r);

#endif
