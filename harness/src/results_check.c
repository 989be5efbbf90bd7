/* results.json validation: every member of the schema
 * (harness/results-schema.md), the summary against the cases, unique case
 * ids.  Errors name the JSON path of the offending member. */
#include "results.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "results_int.h"

static const char *const levels[] = {"MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY"};

static int bad(struct nsrt_err *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(struct nsrt_err *err, const char *path, const char *fmt, ...)
{
  char msg[NSRT_ERR_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return nsrt_fail_at(err, STAGE, 0, path[0] ? path : "(document)", "%s", msg);
}

static const char *type_name(const json_t *v)
{
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
  case JSON_REAL:
    return "a number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "a boolean";
  case JSON_NULL:
    return "null";
  }
  return "?";
}

struct path {
  char s[NSRT_ERR_STEP_MAX];
};

static struct path member(const char *parent, const char *key)
{
  struct path p;
  snprintf(p.s, sizeof(p.s), "%s%s%s", parent, parent[0] ? "." : "", key);
  return p;
}

static struct path element(const char *parent, size_t i)
{
  struct path p;
  snprintf(p.s, sizeof(p.s), "%s[%zu]", parent, i);
  return p;
}

enum { OPT_NULL = 1, OPT_NONEMPTY = 2 };

/* obj[key] must be a string (or null with OPT_NULL); *out is NULL for null. */
static int get_string(const json_t *obj, const char *path, const char *key, int flags,
                      const char **out, struct nsrt_err *err)
{
  struct path p = member(path, key);
  const json_t *v = json_object_get(obj, key);
  if (!v)
    return bad(err, p.s, "missing");
  if (json_is_null(v) && (flags & OPT_NULL)) {
    *out = NULL;
    return 0;
  }
  if (!json_is_string(v))
    return bad(err, p.s, "%s, expected a string%s", type_name(v),
               flags & OPT_NULL ? " or null" : "");
  *out = json_string_value(v);
  if ((flags & OPT_NONEMPTY) && !**out)
    return bad(err, p.s, "empty");
  return 0;
}

static int get_typed(const json_t *obj, const char *path, const char *key, json_type type,
                     const char *what, const json_t **out, struct nsrt_err *err)
{
  struct path p = member(path, key);
  const json_t *v = json_object_get(obj, key);
  if (!v)
    return bad(err, p.s, "missing");
  /* JSON_TRUE stands for either boolean. */
  if (json_typeof(v) != type && !(type == JSON_TRUE && json_is_boolean(v)))
    return bad(err, p.s, "%s, expected %s", type_name(v), what);
  *out = v;
  return 0;
}

static int check_string_array(const json_t *obj, const char *path, const char *key,
                              struct nsrt_err *err)
{
  const json_t *arr;
  if (get_typed(obj, path, key, JSON_ARRAY, "an array of strings", &arr, err) < 0)
    return -1;
  struct path p = member(path, key);
  size_t i;
  const json_t *v;
  json_array_foreach(arr, i, v)
  {
    if (!json_is_string(v))
      return bad(err, element(p.s, i).s, "%s, expected a string", type_name(v));
  }
  return 0;
}

static bool one_of(const char *s, const char *const *set, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, set[i]) == 0)
      return true;
  return false;
}

static int check_seed(const json_t *obj, const char *path, struct nsrt_err *err)
{
  struct path p = member(path, "seed");
  const json_t *v = json_object_get(obj, "seed");
  if (!v)
    return bad(err, p.s, "missing");
  if (json_is_integer(v)) {
    if (json_integer_value(v) < 0)
      return bad(err, p.s, "%" JSON_INTEGER_FORMAT " is negative", json_integer_value(v));
    return 0;
  }
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end || errno == ERANGE || x <= SEED_INT_MAX)
      return bad(err, p.s, "\"%s\" is not a decimal seed above 2^53 (smaller ones are numbers)", s);
    return 0;
  }
  return bad(err, p.s, "%s, expected a non-negative integer or a decimal string", type_name(v));
}

static int digits(const char **s, int n, int *out)
{
  int v = 0;
  for (int i = 0; i < n; i++, (*s)++) {
    if (**s < '0' || **s > '9')
      return -1;
    v = v * 10 + (**s - '0');
  }
  *out = v;
  return 0;
}

int nsc_rfc3339_parse(const char *s, time_t *out)
{
  struct tm tm = {0};
  int y, mo, d, h, mi, sec;
  if (digits(&s, 4, &y) < 0 || *s++ != '-' || digits(&s, 2, &mo) < 0 || *s++ != '-' ||
      digits(&s, 2, &d) < 0 || (*s != 'T' && *s != 't') || !*s++ || digits(&s, 2, &h) < 0 ||
      *s++ != ':' || digits(&s, 2, &mi) < 0 || *s++ != ':' || digits(&s, 2, &sec) < 0)
    return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
    return -1;
  if (*s == '.') {
    s++;
    if (*s < '0' || *s > '9')
      return -1;
    while (*s >= '0' && *s <= '9')
      s++;
  }
  long off = 0;
  if (*s == 'Z' || *s == 'z') {
    s++;
  } else if (*s == '+' || *s == '-') {
    int sign = *s++ == '-' ? -1 : 1, oh, om;
    if (digits(&s, 2, &oh) < 0 || *s++ != ':' || digits(&s, 2, &om) < 0 || oh > 23 || om > 59)
      return -1;
    off = sign * (oh * 3600L + om * 60L);
  } else {
    return -1;
  }
  if (*s)
    return -1;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  *out = timegm(&tm) - off;
  return 0;
}

/* "K/N" or "K1,K2,.../N" with 1 <= K1 < K2 < ... <= N <= SHARD_COUNT_MAX.
 * ks (may be NULL) gets the indices, *nk their number. */
int nsc_results_parse_shard(const char *s, unsigned *ks, size_t *nk, unsigned *count)
{
  size_t k = 0;
  unsigned prev = 0;
  for (;;) {
    char *end;
    if (*s < '0' || *s > '9')
      return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (v <= prev || v > SHARD_COUNT_MAX)
      return -1;
    if (ks)
      ks[k] = (unsigned)v;
    k++;
    prev = (unsigned)v;
    s = end;
    if (*s == ',') {
      s++;
      continue;
    }
    if (*s++ != '/')
      return -1;
    break;
  }
  char *end;
  if (*s < '0' || *s > '9')
    return -1;
  unsigned long n = strtoul(s, &end, 10);
  if (*end || n < prev || n > SHARD_COUNT_MAX)
    return -1;
  *nk = k;
  *count = (unsigned)n;
  return 0;
}

static int check_verdict(const json_t *v, const char *path, struct nsrt_err *err)
{
  if (!json_is_object(v))
    return bad(err, path, "%s, expected an object", type_name(v));
  const char *s, *verdict, *reason;
  if (get_string(v, path, "requirement", OPT_NONEMPTY, &s, err) < 0)
    return -1;
  if (get_string(v, path, "level", OPT_NULL, &s, err) < 0)
    return -1;
  if (s && !one_of(s, levels, ARRAY_SIZE(levels)))
    return bad(err, member(path, "level").s,
               "\"%s\" is not MUST, MUST NOT, SHOULD, SHOULD NOT or MAY", s);
  if (get_string(v, path, "verdict", 0, &verdict, err) < 0)
    return -1;
  if (strcmp(verdict, "PASS") && strcmp(verdict, "FAIL") && strcmp(verdict, "SKIP"))
    return bad(err, member(path, "verdict").s, "\"%s\" is not PASS, FAIL or SKIP", verdict);
  if (get_string(v, path, "expected", OPT_NULL, &s, err) < 0 ||
      get_string(v, path, "actual", OPT_NULL, &s, err) < 0 ||
      get_string(v, path, "reason", OPT_NULL, &reason, err) < 0)
    return -1;
  if (strcmp(verdict, "SKIP") == 0 && (!reason || !*reason))
    return bad(err, member(path, "reason").s, "a SKIP verdict needs a reason");
  return 0;
}

static int check_case(const json_t *c, const char *path, struct nsrt_err *err)
{
  if (!json_is_object(c))
    return bad(err, path, "%s, expected an object", type_name(c));
  const char *s;
  const json_t *v;
  if (get_string(c, path, "id", OPT_NONEMPTY, &s, err) < 0)
    return -1;
  if (get_string(c, path, "kind", 0, &s, err) < 0)
    return -1;
  if (!one_of(s, nsc_results_kinds, ARRAY_SIZE(nsc_results_kinds)))
    return bad(err, member(path, "kind").s,
               "\"%s\" is not generated, negative, lifecycle, fault or stage", s);
  if (check_seed(c, path, err) < 0 || get_string(c, path, "title", 0, &s, err) < 0)
    return -1;
  v = json_object_get(c, "duration_ms");
  if (!v)
    return bad(err, member(path, "duration_ms").s, "missing");
  if (!json_is_number(v) || json_number_value(v) < 0)
    return bad(err, member(path, "duration_ms").s, "%s, expected a non-negative number",
               json_is_number(v) ? "negative" : type_name(v));
  if (get_typed(c, path, "verdicts", JSON_ARRAY, "an array", &v, err) < 0)
    return -1;
  struct path vp = member(path, "verdicts");
  size_t i;
  const json_t *verdict;
  json_array_foreach(v, i, verdict)
  {
    if (check_verdict(verdict, element(vp.s, i).s, err) < 0)
      return -1;
  }
  if (check_string_array(c, path, "leaks", err) < 0 ||
      get_string(c, path, "stderr", OPT_NULL, &s, err) < 0 ||
      get_string(c, path, "repro", OPT_NULL, &s, err) < 0)
    return -1;
  v = json_object_get(c, "fault");
  if (v && !json_is_object(v) && !json_is_null(v))
    return bad(err, member(path, "fault").s, "%s, expected an object", type_name(v));
  return 0;
}

struct id_ref {
  const char *id;
  size_t index;
};

static int cmp_id_ref(const void *a, const void *b)
{
  const struct id_ref *x = a, *y = b;
  int c = strcmp(x->id, y->id);
  return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int check_unique_ids(const json_t *cases, struct nsrt_err *err)
{
  size_t n = json_array_size(cases);
  cleanup_free struct id_ref *refs = calloc(n ? n : 1, sizeof(*refs));
  if (!refs)
    return nsrt_fail_at(err, STAGE, ENOMEM, "cases", NULL);
  for (size_t i = 0; i < n; i++) {
    refs[i].id = json_string_value(json_object_get(json_array_get(cases, i), "id"));
    refs[i].index = i;
  }
  qsort(refs, n, sizeof(*refs), cmp_id_ref);
  for (size_t i = 1; i < n; i++)
    if (strcmp(refs[i - 1].id, refs[i].id) == 0)
      return bad(err, member(element("cases", refs[i].index).s, "id").s,
                 "\"%s\" is also the id of cases[%zu]", refs[i].id, refs[i - 1].index);
  return 0;
}

static int check_summary(const json_t *doc, struct nsrt_err *err)
{
  const json_t *sum;
  if (get_typed(doc, "", "summary", JSON_OBJECT, "an object", &sum, err) < 0)
    return -1;
  struct nsc_summary s;
  nsc_results_count_cases(json_object_get(doc, "cases"), &s);
  const struct {
    const char *key;
    size_t want;
  } fields[] = {{"cases", s.cases},
                {"pass", s.pass},
                {"fail", s.fail},
                {"skip", s.skip},
                {"must_fail", s.must_fail}};
  for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
    const json_t *v;
    if (get_typed(sum, "summary", fields[i].key, JSON_INTEGER, "an integer", &v, err) < 0)
      return -1;
    if (json_integer_value(v) != (json_int_t)fields[i].want)
      return bad(err, member("summary", fields[i].key).s,
                 "%" JSON_INTEGER_FORMAT ", but the cases add up to %zu", json_integer_value(v),
                 fields[i].want);
  }
  return 0;
}

int nsc_results_validate(const json_t *doc, struct nsrt_err *err)
{
  if (!json_is_object(doc))
    return bad(err, "", "%s, expected an object", type_name(doc));
  const char *s;
  const json_t *o;
  if (get_string(doc, "", "schema", 0, &s, err) < 0)
    return -1;
  if (strcmp(s, NSC_RESULTS_SCHEMA) != 0)
    return bad(err, "schema", "\"%s\", expected \"%s\"", s, NSC_RESULTS_SCHEMA);

  if (get_typed(doc, "", "runtime", JSON_OBJECT, "an object", &o, err) < 0 ||
      get_string(o, "runtime", "name", OPT_NONEMPTY, &s, err) < 0 ||
      get_string(o, "runtime", "path", 0, &s, err) < 0 ||
      get_string(o, "runtime", "version", 0, &s, err) < 0 ||
      check_string_array(o, "runtime", "args", err) < 0 ||
      get_typed(o, "runtime", "isolation", JSON_TRUE, "a boolean", &o, err) < 0)
    return -1;

  if (get_typed(doc, "", "host", JSON_OBJECT, "an object", &o, err) < 0 ||
      get_string(o, "host", "kernel", 0, &s, err) < 0 ||
      get_string(o, "host", "cgroup", 0, &s, err) < 0)
    return -1;
  if (strcmp(s, "v1") && strcmp(s, "v2") && strcmp(s, "hybrid"))
    return bad(err, "host.cgroup", "\"%s\" is not v1, v2 or hybrid", s);
  if (check_string_array(o, "host", "caps_missing", err) < 0)
    return -1;

  if (check_seed(doc, "", err) < 0 || get_string(doc, "", "shard", 0, &s, err) < 0)
    return -1;
  size_t nk;
  unsigned count;
  if (nsc_results_parse_shard(s, NULL, &nk, &count) < 0)
    return bad(err, "shard", "\"%s\" is not K/N or K1,K2,.../N with 1 <= K1 < K2 < ... <= N <= %d",
               s, SHARD_COUNT_MAX);

  time_t started, finished;
  if (get_string(doc, "", "started", 0, &s, err) < 0)
    return -1;
  if (nsc_rfc3339_parse(s, &started) < 0)
    return bad(err, "started", "\"%s\" is not an RFC 3339 date-time", s);
  if (get_string(doc, "", "finished", 0, &s, err) < 0)
    return -1;
  if (nsc_rfc3339_parse(s, &finished) < 0)
    return bad(err, "finished", "\"%s\" is not an RFC 3339 date-time", s);
  if (finished < started)
    return bad(err, "finished", "\"%s\" is before started", s);
  if (get_string(doc, "", "catalog", 0, &s, err) < 0)
    return -1;

  if (get_typed(doc, "", "cases", JSON_ARRAY, "an array", &o, err) < 0)
    return -1;
  size_t i;
  const json_t *c;
  json_array_foreach(o, i, c)
  {
    if (check_case(c, element("cases", i).s, err) < 0)
      return -1;
  }
  if (check_unique_ids(o, err) < 0)
    return -1;
  return check_summary(doc, err);
}
