/* What the stage probe files share: the parsers of the /proc texts
 * (stages_proc.c) that the checks (stages_check.c) use.  Private to the
 * harness library. */
#ifndef NSC_STAGES_INT_H
#define NSC_STAGES_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "stages.h"

/* The value of "Key:\t..." in a status-like text into out, blanks trimmed
 * and tabs shown as blanks; false when there is no such line. */
bool nsc_stage_text_field(const char *text, const char *key, char *out, size_t len);
/* Up to max blank-separated numbers (in base) of a field into v; their
 * count, or -1 when the field is absent or holds something else. */
int nsc_stage_field_numbers(const char *text, const char *key, int base, long long *v, int max);
/* qsort order of struct nsc_stage_range: by inside id. */
int nsc_stage_cmp_range(const void *a, const void *b);
/* uid_map/gid_map text -> up to max ranges sorted by inside id; their count,
 * or -1 when malformed or longer. */
int nsc_stage_parse_map(const char *text, struct nsc_stage_range *r, size_t max);
/* n ranges as "inside outside count, ..." ("(empty)" for none). */
void nsc_stage_map_text(const struct nsc_stage_range *r, size_t n, char *buf, size_t len);
/* The soft and hard limit of resource res in a /proc/PID/limits text
 * (RLIM_INFINITY for unlimited); false when absent or unreadable. */
bool nsc_stage_parse_limit(const char *text, int res, unsigned long long *soft,
                           unsigned long long *hard);
/* A limit as /proc shows it: a number or "unlimited". */
void nsc_stage_limit_text(unsigned long long v, char *buf, size_t len);
/* The flags of an fdinfo text (octal); false when absent. */
bool nsc_stage_fdinfo_flags(const char *text, unsigned long *flags);
/* In place: the kernel's \ooo escapes of a mountinfo path. */
void nsc_stage_unescape(char *s);

#endif
