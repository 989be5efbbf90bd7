/* JUnit XML of a results document, in the common form CI servers read:
 *
 *   <testsuites name="nsconform" tests= failures= errors="0" skipped= time=>
 *     <testsuite name="config-linux.namespaces" ...>
 *       <properties> runtime, seed, host ... </properties>
 *       <testcase classname="config-linux.namespaces"
 *                 name="g0001 config-linux.namespaces.new" time="0.120"/>
 *       <testcase ...><failure message= type="MUST">details</failure></testcase>
 *       <testcase ...><skipped message="reason"/></testcase>
 *
 * One suite per requirement group (sorted), one testcase per verdict (in case
 * order).  JUnit knows no "expected failure", so a failing SHOULD or MAY
 * verdict is a <failure> too; its type attribute carries the level.  A case's
 * duration is shared evenly by its verdicts, so the times add up. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "report.h"
#include "results.h"

#define STAGE            "report"
#define MESSAGE_MAX      300
#define NO_VERDICT_GROUP "no-verdict"

void nsc_xml_escape(FILE *f, const char *s, bool attr, size_t max)
{
  const char *start = s;
  while (s && *s) {
    uint32_t cp;
    size_t l = nsc_utf8_next(s, &cp);
    if (max && (size_t)(s - start) + l > max)
      break;
    switch (cp) {
    case '&':
      fputs("&amp;", f);
      break;
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    case '\'':
      fputs("&#39;", f);
      break;
    case '\n':
      fputs(attr ? "&#10;" : "\n", f);
      break;
    case '\t':
      fputs(attr ? "&#9;" : "\t", f);
      break;
    case '\r':
      fputs("&#13;", f);
      break;
    default:
      /* XML 1.0 forbids the other C0 controls and U+FFFE/U+FFFF, and
       * discourages DEL and C1; none of them reads well anyway. */
      if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff ||
          (cp == 0xfffd && l == 1))
        fputs("\xef\xbf\xbd", f);
      else
        fwrite(s, 1, l, f);
    }
    s += l;
  }
}

/* One testcase: the case and verdict it comes from (verdict NULL for a case
 * without verdicts), its group and its position (for a stable order). */
struct point {
  char group[128];
  const json_t *c, *v;
  double seconds;
  size_t seq;
};

static int cmp_point(const void *a, const void *b)
{
  const struct point *x = a, *y = b;
  int r = strcmp(x->group, y->group);
  return r ? r : (x->seq > y->seq) - (x->seq < y->seq);
}

static const char *str(const json_t *obj, const char *key)
{
  const char *s = json_string_value(json_object_get(obj, key));
  return s ? s : "";
}

static void property(FILE *f, const char *name, const char *value)
{
  fprintf(f, "    <property name=\"%s\" value=\"", name);
  nsc_xml_escape(f, value, true, 0);
  fputs("\"/>\n", f);
}

static void properties(FILE *f, const json_t *doc)
{
  const json_t *rt = json_object_get(doc, "runtime"), *host = json_object_get(doc, "host");
  char buf[32];
  fputs("   <properties>\n", f);
  property(f, "runtime", str(rt, "name"));
  property(f, "runtime.version", str(rt, "version"));
  property(f, "runtime.path", str(rt, "path"));
  cleanup_free char *args = json_dumps(json_object_get(rt, "args"), JSON_COMPACT);
  property(f, "runtime.args", args ? args : "");
  property(f, "runtime.isolation",
           json_is_true(json_object_get(rt, "isolation")) ? "true" : "false");
  property(f, "host.kernel", str(host, "kernel"));
  property(f, "host.cgroup", str(host, "cgroup"));
  cleanup_free char *caps = json_dumps(json_object_get(host, "caps_missing"), JSON_COMPACT);
  property(f, "host.caps_missing", caps ? caps : "");
  const json_t *seed = json_object_get(doc, "seed");
  if (json_is_integer(seed))
    snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(seed));
  property(f, "seed", json_is_integer(seed) ? buf : json_string_value(seed));
  property(f, "shard", str(doc, "shard"));
  property(f, "catalog", str(doc, "catalog"));
  fputs("   </properties>\n", f);
}

static void labelled(FILE *f, const char *label, const char *value)
{
  if (!value)
    return;
  fprintf(f, "%s: ", label);
  nsc_xml_escape(f, value, false, 0);
  fputc('\n', f);
}

static void failure(FILE *f, const json_t *c, const json_t *v)
{
  const char *level = json_string_value(json_object_get(v, "level"));
  const char *expected = json_string_value(json_object_get(v, "expected"));
  const char *actual = json_string_value(json_object_get(v, "actual"));
  cleanup_free char *msg = NULL;
  if (asprintf(&msg, "%s %s: expected %s, got %s", level ? level : "(level unknown)",
               str(v, "requirement"), expected ? expected : "(nothing)",
               actual ? actual : "(nothing)") < 0)
    msg = NULL;
  fputs("><failure message=\"", f);
  nsc_xml_escape(f, msg ? msg : str(v, "requirement"), true, MESSAGE_MAX);
  fprintf(f, "\" type=\"%s\">", level ? level : "unknown");
  labelled(f, "requirement", str(v, "requirement"));
  labelled(f, "level", level ? level : "unknown");
  labelled(f, "expected", expected);
  labelled(f, "actual", actual);
  labelled(f, "reason", json_string_value(json_object_get(v, "reason")));
  size_t i;
  const json_t *l;
  json_array_foreach(json_object_get(c, "leaks"), i, l) labelled(f, "leak", json_string_value(l));
  labelled(f, "stderr", json_string_value(json_object_get(c, "stderr")));
  labelled(f, "repro", json_string_value(json_object_get(c, "repro")));
  fputs("</failure></testcase>\n", f);
}

static void testcase(FILE *f, const struct point *p)
{
  fputs("  <testcase classname=\"", f);
  nsc_xml_escape(f, p->group, true, 0);
  fputs("\" name=\"", f);
  nsc_xml_escape(f, str(p->c, "id"), true, 0);
  if (p->v) {
    fputc(' ', f);
    nsc_xml_escape(f, str(p->v, "requirement"), true, 0);
  }
  fprintf(f, "\" time=\"%.3f\"", p->seconds);
  const char *verdict = p->v ? str(p->v, "verdict") : "SKIP";
  if (strcmp(verdict, "PASS") == 0) {
    fputs("/>\n", f);
  } else if (strcmp(verdict, "SKIP") == 0) {
    fputs("><skipped message=\"", f);
    nsc_xml_escape(f, p->v ? str(p->v, "reason") : "the case recorded no verdict", true, 0);
    fputs("\"/></testcase>\n", f);
  } else {
    failure(f, p->c, p->v);
  }
}

static void count(const struct point *p, size_t n, size_t *fail, size_t *skip, double *secs)
{
  *fail = *skip = 0;
  *secs = 0;
  for (size_t i = 0; i < n; i++) {
    const char *verdict = p[i].v ? str(p[i].v, "verdict") : "SKIP";
    *fail += strcmp(verdict, "FAIL") == 0;
    *skip += strcmp(verdict, "SKIP") == 0;
    *secs += p[i].seconds;
  }
}

int nsc_report_junit(FILE *f, const json_t *results, struct nsrt_err *err)
{
  if (nsc_results_validate(results, err) < 0)
    return nsrt_err_context(err, "JUnit report");
  const json_t *cases = json_object_get(results, "cases");
  size_t n = 0, i, j;
  const json_t *c, *v;
  json_array_foreach(cases, i, c)
  {
    size_t nv = json_array_size(json_object_get(c, "verdicts"));
    n += nv ? nv : 1;
  }
  cleanup_free struct point *points = calloc(n ? n : 1, sizeof(*points));
  if (!points)
    return nsrt_fail_at(err, STAGE, ENOMEM, "junit", NULL);
  size_t k = 0;
  json_array_foreach(cases, i, c)
  {
    const json_t *verdicts = json_object_get(c, "verdicts");
    size_t nv = json_array_size(verdicts);
    double secs = json_number_value(json_object_get(c, "duration_ms")) / 1000.0;
    if (nv == 0) {
      points[k] = (struct point){.c = c, .seconds = secs, .seq = k};
      snprintf(points[k].group, sizeof(points[k].group), NO_VERDICT_GROUP);
      k++;
      continue;
    }
    json_array_foreach(verdicts, j, v)
    {
      points[k] = (struct point){.c = c, .v = v, .seconds = secs / (double)nv, .seq = k};
      nsc_requirement_group(str(v, "requirement"), points[k].group, sizeof(points[k].group));
      k++;
    }
  }
  qsort(points, n, sizeof(*points), cmp_point);

  /* JUnit timestamps are local-time-less ISO 8601: UTC without a zone. */
  char timestamp[32] = "1970-01-01T00:00:00";
  time_t started;
  struct tm tm;
  if (nsc_rfc3339_parse(str(results, "started"), &started) == 0 && gmtime_r(&started, &tm))
    strftime(timestamp, sizeof(timestamp), "%Y-%m-%dT%H:%M:%S", &tm);

  size_t fail, skip;
  double secs;
  count(points, n, &fail, &skip, &secs);
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
  fprintf(f,
          "<testsuites name=\"nsconform\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
          "skipped=\"%zu\" time=\"%.3f\">\n",
          n, fail, skip, secs);
  for (size_t start = 0, id = 0; start < n; id++) {
    size_t end = start;
    while (end < n && strcmp(points[end].group, points[start].group) == 0)
      end++;
    count(points + start, end - start, &fail, &skip, &secs);
    fprintf(f, " <testsuite id=\"%zu\" name=\"", id);
    nsc_xml_escape(f, points[start].group, true, 0);
    fprintf(f,
            "\" package=\"nsconform\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" "
            "time=\"%.3f\" timestamp=\"",
            end - start, fail, skip, secs);
    fprintf(f, "%s\">\n", timestamp);
    properties(f, results);
    for (size_t p = start; p < end; p++)
      testcase(f, &points[p]);
    fputs(" </testsuite>\n", f);
    start = end;
  }
  fputs("</testsuites>\n", f);
  if (fflush(f) != 0 || ferror(f))
    return nsrt_fail_at(err, STAGE, errno ? errno : EIO, "junit", "write error");
  return 0;
}
