/* One error type for the whole runtime core.
 *
 * A function that can fail returns a negative value and fills a struct nsrt_err;
 * every caller does `if (ret < 0) return ret;`, optionally adding context with
 * nsrt_err_context().  The error is printed once, at the top, as one line:
 *
 *   nsrt: <stage>: <step>: <text>: <strerror(errnum)>
 *
 * where ": <text>" is left out when text is empty and ": <strerror>" when
 * errnum is 0 (spec errors, which name the JSON path as the step).
 */
#ifndef NSRT_ERROR_H
#define NSRT_ERROR_H

#include <stddef.h>
#include <stdio.h>

#define NSRT_ERR_STAGE_MAX 16
#define NSRT_ERR_STEP_MAX 96
#define NSRT_ERR_TEXT_MAX 512

struct nsrt_err {
  int errnum;                      /* errno of the failing call, 0 if none */
  char stage[NSRT_ERR_STAGE_MAX];  /* main, intermediate, init, spec, cli, start, ... */
  char step[NSRT_ERR_STEP_MAX];    /* the failing step, or the JSON path for spec errors */
  char text[NSRT_ERR_TEXT_MAX];    /* what and where; no strerror */
};

/* The stage of the current process ("main", "intermediate", "init", or a
 * CLI command name).  Set once after each fork, read by nsrt_fail() and the
 * logger. */
extern const char *nsrt_stage;
void nsrt_set_stage(const char *stage);

/* Fill err (stage = nsrt_stage) and return -1.  fmt may be NULL. */
int nsrt_fail(struct nsrt_err *err, int errnum, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Same, with an explicit stage (spec errors use "spec"). */
int nsrt_fail_at(struct nsrt_err *err, const char *stage, int errnum, const char *step,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Prepend "<context>: " to err->text.  Returns -1 so it can end a return. */
int nsrt_err_context(struct nsrt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Format the one-line message (without the leading "nsrt: " and newline). */
void nsrt_err_format(const struct nsrt_err *err, char *buf, size_t len);

/* Print "nsrt: <formatted>\n" to f with a single write. */
void nsrt_err_print(const struct nsrt_err *err, FILE *f);

void nsrt_err_clear(struct nsrt_err *err);

#endif
