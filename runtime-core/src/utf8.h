/* One UTF-8 decoder for the project (logs, observations, reports). */
#ifndef NSRT_UTF8_H
#define NSRT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode the sequence at s (n bytes available).  Returns its length and the
 * code point in *cp (may be NULL), or 0 when it is not valid UTF-8
 * (overlong, surrogate, above U+10FFFF, truncated). */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* A copy of the n bytes at s in which every byte that is not part of valid
 * UTF-8 is replaced by U+FFFD; NUL-terminated, malloc'd, its length in
 * *out_len (may be NULL).  NULL when out of memory. */
char *utf8_sanitize(const char *s, size_t n, size_t *out_len);

#endif
