/* The probe's JSON emitter: one document built in a static buffer (no
 * allocation), written out with one call at the end.  Commas are placed by
 * the emitter; a value that does not fit marks the document as overflowed
 * instead of cutting it. */
#ifndef NSPROBE_JSON_OUT_H
#define NSPROBE_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_OUT_MAX (2 << 20) /* the whole document */

void json_obj_begin(void);
void json_obj_end(void);
void json_arr_begin(void);
void json_arr_end(void);

/* The key of the next value in the current object. */
void json_key(const char *name);

void json_int(long long v);
void json_null(void);
/* A string: escaped, valid UTF-8 passed through, each byte of an invalid
 * sequence replaced by U+FFFD. */
void json_str(const char *s);
void json_strn(const char *s, size_t n);
/* "0x%016llx", as the capability sets are written. */
void json_hex(unsigned long long v);

/* The text after the document, as is (the final newline). */
void json_raw(const char *s, size_t n);

/* Whether some part did not fit (the document is then not to be printed). */
bool json_overflowed(void);

/* Write the document to fd; -1 with errno on a write error. */
int json_write(int fd);

#endif
