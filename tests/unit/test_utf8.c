#include <criterion/criterion.h>
#include <string.h>

#include "utf8.h"

static size_t dec(const char *s, uint32_t *cp)
{
  return utf8_decode((const unsigned char *)s, strlen(s), cp);
}

Test(utf8, valid_sequences)
{
  uint32_t cp = 0;
  cr_assert_eq(dec("A", &cp), 1);
  cr_assert_eq(cp, 'A');
  cr_assert_eq(dec("\xc3\xa9", &cp), 2);
  cr_assert_eq(cp, 0xe9);
  cr_assert_eq(dec("\xe2\x82\xac", &cp), 3);
  cr_assert_eq(cp, 0x20ac);
  cr_assert_eq(dec("\xf0\x9f\x98\x80", &cp), 4);
  cr_assert_eq(cp, 0x1f600);
  cr_assert_eq(dec("\xc3\xa9", NULL), 2);
}

Test(utf8, invalid_sequences)
{
  uint32_t cp = 7;
  cr_assert_eq(dec("\x80", &cp), 0, "lone continuation byte");
  cr_assert_eq(dec("\xc0\xaf", &cp), 0, "overlong /");
  cr_assert_eq(dec("\xed\xa0\x80", &cp), 0, "surrogate");
  cr_assert_eq(dec("\xf4\x90\x80\x80", &cp), 0, "above U+10FFFF");
  cr_assert_eq(dec("\xe2\x82", &cp), 0, "truncated");
  cr_assert_eq(dec("\xc3(", &cp), 0, "bad continuation");
  cr_assert_eq(dec("\xff", &cp), 0);
  cr_assert_eq(utf8_decode((const unsigned char *)"", 0, &cp), 0, "empty");
  cr_assert_eq(cp, 7, "cp changed on invalid input");
}

Test(utf8, sanitize_replaces_only_invalid_bytes)
{
  size_t len;
  char *s = utf8_sanitize("a\xc3\xa9" "b\xff" "c\xe2\x82", 8, &len);
  cr_assert_not_null(s);
  cr_assert_str_eq(s, "a\xc3\xa9" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd");
  cr_assert_eq(len, strlen(s));
  free(s);
  s = utf8_sanitize("", 0, NULL);
  cr_assert_str_eq(s, "");
  free(s);
}
