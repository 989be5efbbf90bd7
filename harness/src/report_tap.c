/* TAP version 13 of a results document.
 *
 *   TAP version 13
 *   1..N
 *   ok 1 - g0001 config-linux.namespaces.new
 *   not ok 2 - g0001 config.process.user.uid
 *     ---
 *     requirement: config.process.user.uid
 *     ...
 *   not ok 3 - g0002 config.process.oom-score-adj # TODO SHOULD-level
 *   ok 4 - g0002 config-linux.time # SKIP no time namespace here
 *
 * The YAML blocks are written for two readers: YAML 1.1 parsers and the
 * YAMLish subset TAP::Parser (prove) reads, which knows only plain, quoted,
 * single-line double-quoted ("\n", "\t", "\xHH" escapes) and bare "|" / ">"
 * block scalars, and ends a block at a line indented less than its first.
 * So a multi-line value is a "|" block only when its first character is not
 * blank and it has no control character but newline and inner tabs; any
 * other value is double-quoted on one line.  A block scalar always reads back
 * with one final newline: the exact text is in results.json. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "report.h"
#include "results.h"

#define STAGE        "report"
#define YAML_INDENT  "  "
#define BLOCK_INDENT "    "

static void put_utf8(FILE *f, uint32_t cp)
{
  if (cp < 0x80) {
    fputc((int)cp, f);
  } else if (cp < 0x800) {
    fputc((int)(0xc0 | cp >> 6), f);
    fputc((int)(0x80 | (cp & 0x3f)), f);
  } else if (cp < 0x10000) {
    fputc((int)(0xe0 | cp >> 12), f);
    fputc((int)(0x80 | (cp >> 6 & 0x3f)), f);
    fputc((int)(0x80 | (cp & 0x3f)), f);
  } else {
    fputc((int)(0xf0 | cp >> 18), f);
    fputc((int)(0x80 | (cp >> 12 & 0x3f)), f);
    fputc((int)(0x80 | (cp >> 6 & 0x3f)), f);
    fputc((int)(0x80 | (cp & 0x3f)), f);
  }
}

/* Printable in the YAML 1.1 sense (which rejects C1 controls and U+FFFE/F
 * anywhere in a stream), not counting the ASCII controls. */
static bool printable(uint32_t cp)
{
  return (cp >= 0x20 && cp < 0x7f) || cp == 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) ||
         (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

/* Text on a TAP line: no line breaks or controls (spaces instead); in a
 * description '#' would start a directive, so it is escaped. */
static void line_text(FILE *f, const char *s, bool description)
{
  while (s && *s) {
    uint32_t cp;
    s += nsc_utf8_next(s, &cp);
    if (cp < 0x20 || cp == 0x7f)
      fputc(' ', f);
    else if (cp == '#' && description)
      fputs("\\#", f);
    else if (cp == '\\' && description)
      fputs("\\\\", f);
    else
      put_utf8(f, printable(cp) ? cp : 0xfffd);
  }
}

/* A plain scalar that every YAML reader takes as this very string. */
static bool plain_ok(const char *s)
{
  static const char *const typed[] = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"};
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
    return false;
  for (const char *p = s; *p; p++) {
    bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("._/-", *p);
    if (!ok)
      return false;
  }
  for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++)
    if (strcasecmp(s, typed[i]) == 0)
      return false;
  return true;
}

/* Length of s without its final newlines. */
static size_t trimmed_len(const char *s)
{
  size_t n = strlen(s);
  while (n && s[n - 1] == '\n')
    n--;
  return n;
}

static bool block_ok(const char *s)
{
  size_t n = trimmed_len(s);
  if (!memchr(s, '\n', n) || s[0] == ' ' || s[0] == '\t')
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
      return false;
    if (c == '\t' && (i == 0 || s[i - 1] == '\n'))
      return false;
  }
  return true;
}

static void yaml_quoted(FILE *f, const char *s)
{
  fputc('"', f);
  while (*s) {
    uint32_t cp;
    s += nsc_utf8_next(s, &cp);
    switch (cp) {
    case '"':
      fputs("\\\"", f);
      break;
    case '\\':
      fputs("\\\\", f);
      break;
    case '\n':
      fputs("\\n", f);
      break;
    case '\t':
      fputs("\\t", f);
      break;
    case '\r':
      fputs("\\r", f);
      break;
    default:
      if (cp < 0x20 || cp == 0x7f)
        fprintf(f, "\\x%02x", (unsigned)cp);
      else
        put_utf8(f, printable(cp) ? cp : 0xfffd);
    }
  }
  fputc('"', f);
}

static void yaml_block(FILE *f, const char *s)
{
  size_t n = trimmed_len(s);
  fputs("|\n" BLOCK_INDENT, f);
  const char *end = s + n;
  while (s < end) {
    uint32_t cp;
    s += nsc_utf8_next(s, &cp);
    if (cp == '\n')
      fputs("\n" BLOCK_INDENT, f);
    else
      put_utf8(f, printable(cp) || cp == '\t' ? cp : 0xfffd);
  }
  fputc('\n', f);
}

static void yaml_scalar(FILE *f, const char *s)
{
  if (plain_ok(s))
    fputs(s, f);
  else
    yaml_quoted(f, s);
}

/* "  key: value" for a string, integer or null (null members are left out
 * unless always is set). */
static void yaml_field(FILE *f, const char *key, const json_t *v, bool always)
{
  if (!v || json_is_null(v)) {
    if (always)
      fprintf(f, YAML_INDENT "%s: ~\n", key);
    return;
  }
  fprintf(f, YAML_INDENT "%s: ", key);
  if (json_is_integer(v)) {
    fprintf(f, "%" JSON_INTEGER_FORMAT "\n", json_integer_value(v));
    return;
  }
  const char *s = json_string_value(v);
  if (block_ok(s)) {
    yaml_block(f, s);
    return;
  }
  yaml_scalar(f, s);
  fputc('\n', f);
}

static void yaml_diagnostic(FILE *f, const json_t *c, const json_t *v)
{
  fputs(YAML_INDENT "---\n", f);
  yaml_field(f, "requirement", json_object_get(v, "requirement"), true);
  yaml_field(f, "level", json_object_get(v, "level"), true);
  yaml_field(f, "case", json_object_get(c, "id"), true);
  yaml_field(f, "kind", json_object_get(c, "kind"), true);
  yaml_field(f, "seed", json_object_get(c, "seed"), true);
  yaml_field(f, "title", json_object_get(c, "title"), false);
  yaml_field(f, "expected", json_object_get(v, "expected"), false);
  yaml_field(f, "actual", json_object_get(v, "actual"), false);
  yaml_field(f, "reason", json_object_get(v, "reason"), false);
  const json_t *leaks = json_object_get(c, "leaks");
  if (json_array_size(leaks)) {
    fputs(YAML_INDENT "leaks:\n", f);
    size_t i;
    const json_t *l;
    json_array_foreach(leaks, i, l)
    {
      fputs(YAML_INDENT "  - ", f);
      yaml_scalar(f, json_string_value(l));
      fputc('\n', f);
    }
  }
  yaml_field(f, "stderr", json_object_get(c, "stderr"), false);
  yaml_field(f, "repro", json_object_get(c, "repro"), false);
  fputs(YAML_INDENT "...\n", f);
}

static void test_point(FILE *f, size_t num, const json_t *c, const json_t *v)
{
  const char *verdict = json_string_value(json_object_get(v, "verdict"));
  const char *level = json_string_value(json_object_get(v, "level"));
  bool fail = strcmp(verdict, "FAIL") == 0;
  fprintf(f, "%sok %zu - ", fail ? "not " : "", num);
  line_text(f, json_string_value(json_object_get(c, "id")), true);
  fputc(' ', f);
  line_text(f, json_string_value(json_object_get(v, "requirement")), true);
  if (strcmp(verdict, "SKIP") == 0) {
    fputs(" # SKIP ", f);
    line_text(f, json_string_value(json_object_get(v, "reason")), false);
  } else if (fail && !nsc_level_is_must(level)) {
    fprintf(f, " # TODO %s-level", level);
  }
  fputc('\n', f);
  if (fail)
    yaml_diagnostic(f, c, v);
}

static void header(FILE *f, const json_t *doc)
{
  const json_t *rt = json_object_get(doc, "runtime"), *host = json_object_get(doc, "host");
  fputs("# runtime: ", f);
  line_text(f, json_string_value(json_object_get(rt, "name")), false);
  fputs(" ", f);
  line_text(f, json_string_value(json_object_get(rt, "version")), false);
  fputs(" (", f);
  line_text(f, json_string_value(json_object_get(rt, "path")), false);
  fputs(")", f);
  if (json_is_true(json_object_get(rt, "isolation")))
    fputs(", isolated mount namespace", f);
  fputs("\n# host: kernel ", f);
  line_text(f, json_string_value(json_object_get(host, "kernel")), false);
  fputs(", cgroup ", f);
  line_text(f, json_string_value(json_object_get(host, "cgroup")), false);
  fputs("\n# seed ", f);
  const json_t *seed = json_object_get(doc, "seed");
  if (json_is_integer(seed))
    fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(seed));
  else
    line_text(f, json_string_value(seed), false);
  fputs(", shard ", f);
  line_text(f, json_string_value(json_object_get(doc, "shard")), false);
  fputs(", catalog ", f);
  line_text(f, json_string_value(json_object_get(doc, "catalog")), false);
  fputs(", started ", f);
  line_text(f, json_string_value(json_object_get(doc, "started")), false);
  fputc('\n', f);
}

int nsc_report_tap(FILE *f, const json_t *results, struct nsrt_err *err)
{
  if (nsc_results_validate(results, err) < 0)
    return nsrt_err_context(err, "TAP report");
  const json_t *cases = json_object_get(results, "cases");
  size_t points = 0, i, j;
  const json_t *c, *v;
  json_array_foreach(cases, i, c)
  {
    size_t nv = json_array_size(json_object_get(c, "verdicts"));
    points += nv ? nv : 1;
  }

  fputs("TAP version 13\n", f);
  if (points)
    fprintf(f, "1..%zu\n", points);
  else
    fputs("1..0 # SKIP no cases\n", f);
  header(f, results);

  size_t num = 0;
  json_array_foreach(cases, i, c)
  {
    const json_t *verdicts = json_object_get(c, "verdicts");
    if (json_array_size(verdicts) == 0) {
      fprintf(f, "ok %zu - ", ++num);
      line_text(f, json_string_value(json_object_get(c, "id")), true);
      fputs(" # SKIP the case recorded no verdict\n", f);
      continue;
    }
    json_array_foreach(verdicts, j, v) test_point(f, ++num, c, v);
  }

  struct nsc_summary s;
  nsc_results_summary(results, &s);
  fprintf(f, "# %zu cases; verdicts: %zu pass, %zu fail (%zu at MUST level), %zu skip\n", s.cases,
          s.pass, s.fail, s.must_fail, s.skip);
  if (fflush(f) != 0 || ferror(f))
    return nsrt_fail_at(err, STAGE, errno ? errno : EIO, "tap", "write error");
  return 0;
}
