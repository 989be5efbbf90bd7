/* One logging function.  Text lines look like
 *   2026-11-29T13:40:01.123Z debug main[4242]: cloned intermediate 4243
 * JSON lines like
 *   {"time":"...","level":"debug","stage":"main","pid":4242,"msg":"..."}
 * Destination: the --log file, else stderr.  Debug lines only with --debug. */
#ifndef NSRT_LOG_H
#define NSRT_LOG_H

#include <stdbool.h>

enum nsrt_log_level { NSRT_LOG_DEBUG, NSRT_LOG_INFO, NSRT_LOG_WARN, NSRT_LOG_ERROR };
enum nsrt_log_format { NSRT_LOG_TEXT, NSRT_LOG_JSON };

struct nsrt_err;

/* path NULL: stderr.  Opens the file O_APPEND|O_CLOEXEC. Returns -1 on error. */
int nsrt_log_open(const char *path, enum nsrt_log_format format, bool debug,
                  struct nsrt_err *err);
void nsrt_log(enum nsrt_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Emit a failure: the text line "nsrt: ..." on stderr, and, when a log file
 * is set or the format is json, a log record at level error. */
void nsrt_log_failure(const struct nsrt_err *err);
/* The log fd (for closing-exceptions); -1 when logging to stderr. */
int nsrt_log_fd(void);
void nsrt_log_close(void);

#define nsrt_debug(...) nsrt_log(NSRT_LOG_DEBUG, __VA_ARGS__)

#endif
