/* The probe's JSON emitter (json_out.h). */
#include "json_out.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define JSON_DEPTH 16

static struct {
  char buf[JSON_OUT_MAX];
  size_t len;
  bool overflow;
  int depth;
  bool nonempty[JSON_DEPTH];
  bool after_key;
} out;

static void put(const char *s, size_t n)
{
  if (out.overflow || n > sizeof(out.buf) - out.len) {
    out.overflow = true;
    return;
  }
  memcpy(out.buf + out.len, s, n);
  out.len += n;
}

static void put_char(char c)
{
  put(&c, 1);
}

/* The comma before a value or key, unless it follows a key or opens a container. */
static void separate(void)
{
  if (out.after_key) {
    out.after_key = false;
    return;
  }
  if (out.depth > 0) {
    if (out.nonempty[out.depth])
      put_char(',');
    out.nonempty[out.depth] = true;
  }
}

static void open_(char c)
{
  separate();
  put_char(c);
  if (out.depth + 1 >= JSON_DEPTH) {
    out.overflow = true;
    return;
  }
  out.depth++;
  out.nonempty[out.depth] = false;
}

static void close_(char c)
{
  put_char(c);
  if (out.depth > 0)
    out.depth--;
}

void json_obj_begin(void)
{
  open_('{');
}

void json_obj_end(void)
{
  close_('}');
}

void json_arr_begin(void)
{
  open_('[');
}

void json_arr_end(void)
{
  close_(']');
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid
 * (bad lead or continuation byte, overlong form, surrogate, above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
  unsigned c = s[0];
  size_t len;
  uint32_t cp, min;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2, cp = c & 0x1f, min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3, cp = c & 0x0f, min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

/* A JSON string: quotes, backslash and control characters escaped, valid
 * UTF-8 passed through, each byte of an invalid sequence replaced by U+FFFD. */
static void put_string(const char *str, size_t n)
{
  const unsigned char *s = (const unsigned char *)str;
  put_char('"');
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\', esc[1] = (char)c;
      put(esc, 2);
      i++;
    } else if (c < 0x20) {
      const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
      if (named) {
        put(named, 2);
      } else {
        snprintf(esc, sizeof(esc), "\\u%04x", c);
        put(esc, 6);
      }
      i++;
    } else {
      size_t len = utf8_len(s + i, n - i);
      if (len == 0) {
        put("\\ufffd", 6);
        i++;
      } else {
        put(str + i, len);
        i += len;
      }
    }
  }
  put_char('"');
}

void json_key(const char *name)
{
  separate();
  put_string(name, strlen(name));
  put_char(':');
  out.after_key = true;
}

void json_int(long long v)
{
  char num[32];
  int n = snprintf(num, sizeof(num), "%lld", v);
  separate();
  put(num, (size_t)n);
}

void json_null(void)
{
  separate();
  put("null", 4);
}

void json_strn(const char *s, size_t n)
{
  separate();
  put_string(s, n);
}

void json_str(const char *s)
{
  json_strn(s, strlen(s));
}

void json_hex(unsigned long long v)
{
  char num[32];
  snprintf(num, sizeof(num), "0x%016llx", v);
  json_str(num);
}

void json_raw(const char *s, size_t n)
{
  put(s, n);
}

bool json_overflowed(void)
{
  return out.overflow;
}

int json_write(int fd)
{
  const char *buf = out.buf;
  size_t len = out.len;
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}
