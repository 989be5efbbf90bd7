#include "utf8.h"

#include <stdlib.h>
#include <string.h>

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp_out)
{
  size_t len;
  uint32_t min, cp;
  if (n == 0)
    return 0;
  if (s[0] < 0x80) {
    len = 1, min = 0, cp = s[0];
  } else if ((s[0] & 0xe0) == 0xc0) {
    len = 2, min = 0x80, cp = s[0] & 0x1f;
  } else if ((s[0] & 0xf0) == 0xe0) {
    len = 3, min = 0x800, cp = s[0] & 0x0f;
  } else if ((s[0] & 0xf8) == 0xf0) {
    len = 4, min = 0x10000, cp = s[0] & 0x07;
  } else {
    return 0;
  }
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  if (cp_out)
    *cp_out = cp;
  return len;
}

char *utf8_sanitize(const char *s, size_t n, size_t *out_len)
{
  /* at most 3 output bytes per input byte */
  char *out = malloc(n * 3 + 1);
  if (!out)
    return NULL;
  const unsigned char *u = (const unsigned char *)s;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    size_t l = utf8_decode(u + i, n - i, NULL);
    if (l) {
      memcpy(out + o, s + i, l);
      o += l;
      i += l;
    } else {
      memcpy(out + o, "\xef\xbf\xbd", 3);
      o += 3;
      i++;
    }
  }
  out[o] = '\0';
  if (out_len)
    *out_len = o;
  return out;
}
