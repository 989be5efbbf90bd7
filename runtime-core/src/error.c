#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

const char *nsrt_stage = "nsrt";

void nsrt_set_stage(const char *stage)
{
  nsrt_stage = stage;
}

static void copy_str(char *dst, size_t len, const char *src)
{
  if (!src)
    src = "";
  size_t n = strnlen(src, len - 1);
  memcpy(dst, src, n);
  dst[n] = '\0';
}

static int fill(struct nsrt_err *err, const char *stage, int errnum, const char *step,
                const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static int fill(struct nsrt_err *err, const char *stage, int errnum, const char *step,
                const char *fmt, va_list ap)
{
  if (!err)
    return -1;
  err->errnum = errnum;
  copy_str(err->stage, sizeof(err->stage), stage);
  copy_str(err->step, sizeof(err->step), step);
  err->text[0] = '\0';
  if (fmt)
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
  return -1;
}

int nsrt_fail(struct nsrt_err *err, int errnum, const char *step, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fill(err, nsrt_stage, errnum, step, fmt, ap);
  va_end(ap);
  return -1;
}

int nsrt_fail_at(struct nsrt_err *err, const char *stage, int errnum, const char *step,
                 const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fill(err, stage, errnum, step, fmt, ap);
  va_end(ap);
  return -1;
}

int nsrt_err_context(struct nsrt_err *err, const char *fmt, ...)
{
  if (!err)
    return -1;
  char ctx[NSRT_ERR_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx, sizeof(ctx), fmt, ap);
  va_end(ap);
  char joined[NSRT_ERR_TEXT_MAX];
  if (err->text[0])
    snprintf(joined, sizeof(joined), "%s: %s", ctx, err->text);
  else
    snprintf(joined, sizeof(joined), "%s", ctx);
  copy_str(err->text, sizeof(err->text), joined);
  return -1;
}

void nsrt_err_format(const struct nsrt_err *err, char *buf, size_t len)
{
  if (len == 0)
    return;
  int n = snprintf(buf, len, "%s: %s", err->stage[0] ? err->stage : "nsrt",
                   err->step[0] ? err->step : "error");
  if (n < 0 || (size_t)n >= len)
    return;
  if (err->text[0]) {
    int m = snprintf(buf + n, len - n, ": %s", err->text);
    if (m < 0 || (size_t)(n + m) >= len)
      return;
    n += m;
  }
  if (err->errnum)
    snprintf(buf + n, len - n, ": %s", strerror(err->errnum));
}

void nsrt_err_print(const struct nsrt_err *err, FILE *f)
{
  char line[NSRT_ERR_STAGE_MAX + NSRT_ERR_STEP_MAX + NSRT_ERR_TEXT_MAX + 128];
  memcpy(line, "nsrt: ", 6);
  nsrt_err_format(err, line + 6, sizeof(line) - 7);
  size_t n = strlen(line);
  line[n++] = '\n';
  fflush(f);
  /* one write, so lines of concurrent stages never interleave */
  ssize_t w = write(fileno(f), line, n);
  (void)w;
}

void nsrt_err_clear(struct nsrt_err *err)
{
  memset(err, 0, sizeof(*err));
}
