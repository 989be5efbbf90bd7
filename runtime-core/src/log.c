/* The one logging function: text or JSON records, one write() each, to the
 * --log file or stderr. */
#include "log.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

/* A record is cut to this size; the message is truncated, never the framing. */
#define LOG_RECORD_MAX 8192
#define LOG_MSG_MAX    4096

static int log_fd = -1; /* -1: stderr */
static enum nsrt_log_format log_format = NSRT_LOG_TEXT;
static bool log_debug;

static const char *const level_names[] = {
    [NSRT_LOG_DEBUG] = "debug",
    [NSRT_LOG_INFO] = "info",
    [NSRT_LOG_WARN] = "warn",
    [NSRT_LOG_ERROR] = "error",
};

int nsrt_log_open(const char *path, enum nsrt_log_format format, bool debug, struct nsrt_err *err)
{
  nsrt_log_close();
  if (path) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
      return nsrt_fail(err, errno, "open_log", "open log file \"%s\"", path);
    log_fd = fd;
  }
  log_format = format;
  log_debug = debug;
  return 0;
}

void nsrt_log_close(void)
{
  if (log_fd >= 0)
    close(log_fd);
  log_fd = -1;
  log_format = NSRT_LOG_TEXT;
  log_debug = false;
}

int nsrt_log_fd(void)
{
  return log_fd;
}

/* A bounded output buffer.  cap is lowered while the body is written so the
 * record's closing characters always fit. */
struct outbuf {
  char *p;
  size_t len, cap;
};

/* All or nothing, so an escape sequence is never cut in half. */
static bool put(struct outbuf *b, const char *s, size_t n)
{
  if (n > b->cap - b->len)
    return false;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  return true;
}

static void putf(struct outbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct outbuf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  /* vsnprintf needs room for its NUL, which the next put overwrites */
  int n = vsnprintf(b->p + b->len, b->cap - b->len + 1, fmt, ap);
  va_end(ap);
  if (n > 0)
    b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - b->len;
}

/* Append s so it cannot break the record: control characters always become
 * escapes (a message must not start a new line); in JSON, quotes and
 * backslashes are escaped too and invalid UTF-8 becomes U+FFFD, which
 * strict parsers would otherwise reject. */
static void put_escaped(struct outbuf *b, const char *s, bool json)
{
  const unsigned char *u = (const unsigned char *)s;
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    unsigned char c = u[i];
    bool ok;
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      ok = json ? put(b, esc, 2) : put(b, esc + 1, 1);
      i++;
    } else if (c < 0x20 || c == 0x7f) {
      static const char short_esc[] = {
          ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};
      char esc[8];
      if (c < sizeof(short_esc) && short_esc[c])
        snprintf(esc, sizeof(esc), "\\%c", short_esc[c]);
      else
        snprintf(esc, sizeof(esc), "\\u%04x", c);
      ok = put(b, esc, strlen(esc));
      i++;
    } else if (c < 0x80 || !json) {
      ok = put(b, (const char *)&u[i++], 1);
    } else {
      size_t len = utf8_decode(u + i, n - i, NULL);
      if (len == 0) {
        ok = put(b, "\\ufffd", 6);
        i++;
      } else {
        ok = put(b, (const char *)&u[i], len);
        i += len;
      }
    }
    if (!ok)
      return;
  }
}

static void put_time(struct outbuf *b)
{
  struct timespec ts;
  struct tm tm;
  char stamp[32];
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  putf(b, "%s.%03ldZ", stamp, ts.tv_nsec / 1000000);
}

/* Fields of a failure record, in JSON only. */
struct err_fields {
  const char *stage;
  const char *step;
  int errnum;
};

static void write_record(int fd, enum nsrt_log_format format, enum nsrt_log_level level,
                         const char *msg, const struct err_fields *ef)
{
  char buf[LOG_RECORD_MAX];
  /* keep 2 bytes back for the closing brace and newline */
  struct outbuf b = {buf, 0, sizeof(buf) - 2};
  const char *stage = ef ? ef->stage : nsrt_stage;
  if (!stage)
    stage = "";
  if (format == NSRT_LOG_JSON) {
    put(&b, "{\"time\":\"", 9);
    put_time(&b);
    putf(&b, "\",\"level\":\"%s\",\"stage\":\"", level_names[level]);
    put_escaped(&b, stage, true);
    putf(&b, "\",\"pid\":%d,", (int)getpid());
    if (ef) {
      put(&b, "\"step\":\"", 8);
      put_escaped(&b, ef->step, true);
      putf(&b, "\",\"errno\":%d,", ef->errnum);
    }
    put(&b, "\"msg\":\"", 7);
    /* the message is last so that truncation only shortens it */
    b.cap -= 1;
    put_escaped(&b, msg, true);
    b.cap += 1;
    put(&b, "\"", 1);
    b.cap += 1;
    put(&b, "}", 1);
  } else {
    put_time(&b);
    putf(&b, " %s ", level_names[level]);
    put_escaped(&b, stage, false);
    putf(&b, "[%d]: ", (int)getpid());
    put_escaped(&b, msg, false);
  }
  b.cap = sizeof(buf);
  put(&b, "\n", 1);
  /* one write, so records of concurrent stages never interleave */
  ssize_t w = write(fd, buf, b.len);
  (void)w;
}

void nsrt_log(enum nsrt_log_level level, const char *fmt, ...)
{
  if (level == NSRT_LOG_DEBUG && !log_debug)
    return;
  if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
    level = NSRT_LOG_ERROR;
  int saved = errno;
  char msg[LOG_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  write_record(log_fd >= 0 ? log_fd : STDERR_FILENO, log_format, level, msg, NULL);
  errno = saved;
}

void nsrt_log_failure(const struct nsrt_err *err)
{
  int saved = errno;
  nsrt_err_print(err, stderr);
  if (log_fd >= 0 || log_format == NSRT_LOG_JSON) {
    char msg[NSRT_ERR_STAGE_MAX + NSRT_ERR_STEP_MAX + NSRT_ERR_TEXT_MAX + 128];
    nsrt_err_format(err, msg, sizeof(msg));
    struct err_fields ef = {err->stage, err->step, err->errnum};
    write_record(log_fd >= 0 ? log_fd : STDERR_FILENO, log_format, NSRT_LOG_ERROR, msg,
                 log_format == NSRT_LOG_JSON ? &ef : NULL);
  }
  errno = saved;
}
