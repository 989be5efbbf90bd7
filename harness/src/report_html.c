/* index.html: one static page for one or more runtimes (a results document
 * each), readable offline and without script: inline CSS, no external
 * resource, failures in <details open> so they need no click.
 *
 * Sections: the runs (one column per runtime: version, host, seed, shard,
 * dates, counts); the matrix (rows = requirements grouped by group, with the
 * catalog's level and statement; columns = runtimes; cells = pass/fail/skip
 * counts, a failing cell links to its first failure); every failure in
 * detail (expected, actual, reason, leaks, stderr excerpt, repro command);
 * the skipped verdicts and the catalog entries no check covers, folded.
 *
 * The markup is also well-formed XML (closed tags, quoted attributes, no
 * named entities but XML's), so any XML tool can read it. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "report.h"
#include "results.h"

#define STAGE             "report"
#define STDERR_MAX        8192
#define LABEL_VERSION_MAX 40

static const char css[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff}\n"
    "h1{font-size:1.5em}h2{font-size:1.25em;margin-top:1.5em}\n"
    "table{border-collapse:collapse;margin:0.5em 0}\n"
    "th,td{border:1px solid #bbb;padding:0.2em 0.5em;text-align:left;vertical-align:top}\n"
    "thead th{background:#dde3ec}\n"
    "tr.group th{background:#eef1f6;font-family:monospace}\n"
    "td.req{font-family:monospace;white-space:nowrap}\n"
    "td.pass{background:#c9efc9}td.fail{background:#f5b7b7;font-weight:bold}\n"
    "td.skip{background:#f4e8a8}td.none{color:#888}\n"
    "td.num{text-align:right}\n"
    "span.MUST,span.MUST-NOT{color:#a00000}span.SHOULD,span.SHOULD-NOT{color:#8a5a00}\n"
    "span.MAY{color:#336}\n"
    "pre{background:#f4f4f4;padding:0.4em;margin:0;white-space:pre-wrap;"
    "overflow-wrap:anywhere;max-width:110em}\n"
    "details{border:1px solid #ccc;border-radius:4px;margin:0.5em 0;padding:0.3em 0.7em}\n"
    "details.failure{border-left:6px solid #c00}\n"
    "summary{font-weight:bold;cursor:pointer}\n"
    "p.note{color:#555}\n";

static const char *str(const json_t *obj, const char *key)
{
  const char *s = json_string_value(json_object_get(obj, key));
  return s ? s : "";
}

static void esc(FILE *f, const char *s)
{
  nsc_xml_escape(f, s, false, 0);
}

/* The level as a span whose class colours it ("MUST NOT" -> MUST-NOT). */
static void level_span(FILE *f, const char *level)
{
  if (!level) {
    fputs("<span class=\"MUST\">unknown</span>", f);
    return;
  }
  fputs("<span class=\"", f);
  for (const char *p = level; *p; p++)
    fputc(*p == ' ' ? '-' : *p, f);
  fputs("\">", f);
  esc(f, level);
  fputs("</span>", f);
}

/* ---- rows of the matrix ----------------------------------------------- */

struct cell {
  size_t pass, fail, skip;
  long first_fail; /* anchor number of the first failure, -1 if none */
};

struct row {
  const char *id, *level, *statement, *url;
  char group[128];
  size_t rank;  /* first position of the row's group: rows are grouped */
  size_t order; /* position before grouping */
  struct cell *cells;
};

struct matrix {
  struct row *rows;
  size_t n, cap;
  size_t ncols;
};

static void matrix_free(struct matrix *m)
{
  for (size_t i = 0; i < m->n; i++)
    free(m->rows[i].cells);
  free(m->rows);
}

static struct row *find_row(struct matrix *m, const char *id)
{
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->rows[i].id, id) == 0)
      return &m->rows[i];
  return NULL;
}

static struct row *add_row(struct matrix *m, const char *id, const char *level,
                           const char *statement, const char *url)
{
  if (m->n == m->cap) {
    size_t cap = m->cap ? 2 * m->cap : 64;
    struct row *r = realloc(m->rows, cap * sizeof(*r));
    if (!r)
      return NULL;
    m->rows = r;
    m->cap = cap;
  }
  struct row *r = &m->rows[m->n];
  *r = (struct row){.id = id, .level = level, .statement = statement, .url = url, .order = m->n};
  r->cells = calloc(m->ncols ? m->ncols : 1, sizeof(*r->cells));
  if (!r->cells)
    return NULL;
  for (size_t c = 0; c < m->ncols; c++)
    r->cells[c].first_fail = -1;
  nsc_requirement_group(id, r->group, sizeof(r->group));
  m->n++;
  return r;
}

static bool check_none(const json_t *entry)
{
  return strcmp(str(entry, "check"), "none") == 0;
}

static int cmp_row_id(const void *a, const void *b)
{
  return strcmp(((const struct row *)a)->id, ((const struct row *)b)->id);
}

static int cmp_row_grouped(const void *a, const void *b)
{
  const struct row *x = a, *y = b;
  if (x->rank != y->rank)
    return (x->rank > y->rank) - (x->rank < y->rank);
  return (x->order > y->order) - (x->order < y->order);
}

/* Rows: the catalog's checkable entries in catalog order, then any other
 * requirement the results name (sorted); grouped by group in order of first
 * appearance.  Cells: verdict counts per runtime. */
static int build_matrix(struct matrix *m, const json_t *const *docs, size_t n,
                        const json_t *catalog, struct nsrt_err *err)
{
  m->ncols = n;
  size_t i, j, k;
  const json_t *e, *c, *v;
  json_array_foreach(json_object_get(catalog, "requirements"), i, e)
  {
    if (!json_is_string(json_object_get(e, "id")) || check_none(e))
      continue;
    if (!add_row(m, str(e, "id"), json_string_value(json_object_get(e, "level")),
                 str(e, "statement"), json_string_value(json_object_get(e, "url"))))
      return nsrt_fail_at(err, STAGE, ENOMEM, "html", NULL);
  }
  size_t from_catalog = m->n;
  for (size_t d = 0; d < n; d++) {
    json_array_foreach(json_object_get(docs[d], "cases"), i, c)
    {
      json_array_foreach(json_object_get(c, "verdicts"), j, v)
      {
        const char *id = str(v, "requirement");
        if (find_row(m, id))
          continue;
        const json_t *entry = nsc_results_catalog_entry(catalog, id);
        const char *level = entry ? json_string_value(json_object_get(entry, "level"))
                                  : json_string_value(json_object_get(v, "level"));
        if (!add_row(m, id, level, entry ? str(entry, "statement") : "(not in the catalog)",
                     entry ? json_string_value(json_object_get(entry, "url")) : NULL))
          return nsrt_fail_at(err, STAGE, ENOMEM, "html", NULL);
      }
    }
  }
  qsort(m->rows + from_catalog, m->n - from_catalog, sizeof(*m->rows), cmp_row_id);
  for (i = 0; i < m->n; i++) {
    m->rows[i].order = i;
    m->rows[i].rank = i;
    for (k = 0; k < i; k++) {
      if (strcmp(m->rows[k].group, m->rows[i].group) == 0) {
        m->rows[i].rank = m->rows[k].rank;
        break;
      }
    }
  }
  qsort(m->rows, m->n, sizeof(*m->rows), cmp_row_grouped);

  /* Failures are numbered per document in case and verdict order, the
   * order of the failure section. */
  for (size_t d = 0; d < n; d++) {
    long failures = 0;
    json_array_foreach(json_object_get(docs[d], "cases"), i, c)
    {
      json_array_foreach(json_object_get(c, "verdicts"), j, v)
      {
        struct cell *cell = &find_row(m, str(v, "requirement"))->cells[d];
        const char *verdict = str(v, "verdict");
        if (strcmp(verdict, "PASS") == 0) {
          cell->pass++;
        } else if (strcmp(verdict, "SKIP") == 0) {
          cell->skip++;
        } else {
          if (cell->first_fail < 0)
            cell->first_fail = failures;
          cell->fail++;
          failures++;
        }
      }
    }
  }
  return 0;
}

/* ---- sections --------------------------------------------------------- */

/* "runc 1.1.5" (version cut short), unique among the columns. */
static void column_label(FILE *f, const json_t *const *docs, size_t n, size_t d)
{
  const json_t *rt = json_object_get(docs[d], "runtime");
  const char *name = str(rt, "name"), *version = str(rt, "version");
  /* "runc version 1.1.5" reads "runc 1.1.5": the name is not repeated. */
  size_t nl = strlen(name);
  if (nl && strncmp(version, name, nl) == 0 && version[nl] == ' ')
    version += nl + 1;
  if (strncmp(version, "version ", 8) == 0)
    version += 8;
  esc(f, name);
  if (*version) {
    fputc(' ', f);
    nsc_xml_escape(f, version, false, LABEL_VERSION_MAX);
  }
  size_t same = 0;
  for (size_t o = 0; o < n; o++) {
    const json_t *other = json_object_get(docs[o], "runtime");
    same += strcmp(str(other, "name"), str(rt, "name")) == 0 &&
            strcmp(str(other, "version"), str(rt, "version")) == 0;
  }
  if (same > 1)
    fprintf(f, " (#%zu)", d + 1);
}

static void run_row_str(FILE *f, const json_t *const *docs, size_t n, const char *label,
                        const char *obj, const char *key)
{
  fprintf(f, "<tr><th>%s</th>", label);
  for (size_t d = 0; d < n; d++) {
    const json_t *o = obj ? json_object_get(docs[d], obj) : docs[d];
    fputs("<td>", f);
    esc(f, str(o, key));
    fputs("</td>", f);
  }
  fputs("</tr>\n", f);
}

static void run_row_list(FILE *f, const json_t *const *docs, size_t n, const char *label,
                         const char *obj, const char *key)
{
  fprintf(f, "<tr><th>%s</th>", label);
  for (size_t d = 0; d < n; d++) {
    fputs("<td>", f);
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(json_object_get(docs[d], obj), key), i, s)
    {
      if (i)
        fputs(" ", f);
      fputs("<code>", f);
      esc(f, json_string_value(s));
      fputs("</code>", f);
    }
    if (!json_array_size(json_object_get(json_object_get(docs[d], obj), key)))
      fputs("none", f);
    fputs("</td>", f);
  }
  fputs("</tr>\n", f);
}

static void seed_text(FILE *f, const json_t *seed)
{
  if (json_is_integer(seed))
    fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(seed));
  else
    esc(f, json_string_value(seed));
}

static void runs_table(FILE *f, const json_t *const *docs, size_t n)
{
  fputs("<h2 id=\"runs\">Runs</h2>\n<table class=\"runs\">\n<thead><tr><th></th>", f);
  for (size_t d = 0; d < n; d++) {
    fputs("<th>", f);
    column_label(f, docs, n, d);
    fputs("</th>", f);
  }
  fputs("</tr></thead>\n<tbody>\n", f);
  run_row_str(f, docs, n, "Runtime", "runtime", "name");
  run_row_str(f, docs, n, "Version", "runtime", "version");
  run_row_str(f, docs, n, "Path", "runtime", "path");
  run_row_list(f, docs, n, "Arguments", "runtime", "args");
  fputs("<tr><th>Isolation</th>", f);
  for (size_t d = 0; d < n; d++)
    fprintf(f, "<td>%s</td>",
            json_is_true(json_object_get(json_object_get(docs[d], "runtime"), "isolation"))
                ? "private mount namespace, cgroup2 mount hidden"
                : "none");
  fputs("</tr>\n", f);
  run_row_str(f, docs, n, "Kernel", "host", "kernel");
  run_row_str(f, docs, n, "Cgroup layout", "host", "cgroup");
  run_row_list(f, docs, n, "Capabilities missing", "host", "caps_missing");
  fputs("<tr><th>Seed</th>", f);
  for (size_t d = 0; d < n; d++) {
    fputs("<td>", f);
    seed_text(f, json_object_get(docs[d], "seed"));
    fputs("</td>", f);
  }
  fputs("</tr>\n", f);
  run_row_str(f, docs, n, "Shard", NULL, "shard");
  run_row_str(f, docs, n, "Catalog (runtime-spec)", NULL, "catalog");
  run_row_str(f, docs, n, "Started", NULL, "started");
  run_row_str(f, docs, n, "Finished", NULL, "finished");
  static const char *const counts[][2] = {{"Cases", "cases"},
                                          {"Verdicts passed", "pass"},
                                          {"Verdicts failed", "fail"},
                                          {"of which MUST-level", "must_fail"},
                                          {"Verdicts skipped", "skip"}};
  for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
    fprintf(f, "<tr><th>%s</th>", counts[k][0]);
    for (size_t d = 0; d < n; d++) {
      json_int_t x =
          json_integer_value(json_object_get(json_object_get(docs[d], "summary"), counts[k][1]));
      const char *cls = "num";
      if (x && (strcmp(counts[k][1], "fail") == 0 || strcmp(counts[k][1], "must_fail") == 0))
        cls = "num fail";
      fprintf(f, "<td class=\"%s\">%" JSON_INTEGER_FORMAT "</td>", cls, x);
    }
    fputs("</tr>\n", f);
  }
  fputs("</tbody>\n</table>\n", f);
}

static void matrix_cell(FILE *f, const struct cell *c, size_t d)
{
  const char *cls = c->fail ? "fail" : c->pass ? "pass" : c->skip ? "skip" : "none";
  fprintf(f, "<td class=\"%s\">", cls);
  if (!c->fail && !c->pass && !c->skip) {
    fputs("not run</td>", f);
    return;
  }
  const char *sep = "";
  if (c->fail) {
    fprintf(f, "<a href=\"#f%zu-%ld\">%zu fail</a>", d, c->first_fail, c->fail);
    sep = ", ";
  }
  if (c->pass) {
    fprintf(f, "%s%zu pass", sep, c->pass);
    sep = ", ";
  }
  if (c->skip)
    fprintf(f, "%s%zu skip", sep, c->skip);
  fputs("</td>", f);
}

static void matrix_table(FILE *f, const struct matrix *m, const json_t *const *docs, size_t n)
{
  fputs("<h2 id=\"matrix\">Requirements</h2>\n<table class=\"matrix\">\n"
        "<thead><tr><th>Requirement</th><th>Level</th><th>Statement</th>",
        f);
  for (size_t d = 0; d < n; d++) {
    fputs("<th>", f);
    column_label(f, docs, n, d);
    fputs("</th>", f);
  }
  fputs("</tr></thead>\n<tbody>\n", f);
  for (size_t i = 0; i < m->n; i++) {
    const struct row *r = &m->rows[i];
    if (i == 0 || strcmp(r->group, m->rows[i - 1].group) != 0) {
      fprintf(f, "<tr class=\"group\"><th colspan=\"%zu\">", n + 3);
      esc(f, r->group);
      fputs("</th></tr>\n", f);
    }
    fputs("<tr id=\"r-", f);
    esc(f, r->id);
    fputs("\"><td class=\"req\">", f);
    if (r->url) {
      fputs("<a href=\"", f);
      nsc_xml_escape(f, r->url, true, 0);
      fputs("\">", f);
    }
    esc(f, r->id);
    fputs(r->url ? "</a></td><td>" : "</td><td>", f);
    level_span(f, r->level);
    fputs("</td><td>", f);
    esc(f, r->statement);
    fputs("</td>", f);
    for (size_t d = 0; d < n; d++)
      matrix_cell(f, &r->cells[d], d);
    fputs("</tr>\n", f);
  }
  fputs("</tbody>\n</table>\n", f);
}

static void detail_pre(FILE *f, const char *label, const char *s, size_t max)
{
  if (!s)
    return;
  fprintf(f, "<tr><th>%s</th><td><pre>", label);
  nsc_xml_escape(f, s, false, max);
  size_t len = strlen(s);
  if (max && len > max)
    fprintf(f, "\n[%zu more bytes in results.json]", len - max);
  fputs("</pre></td></tr>\n", f);
}

static void failure_detail(FILE *f, size_t d, long num, const json_t *c, const json_t *v,
                           const json_t *catalog)
{
  const char *level = json_string_value(json_object_get(v, "level"));
  fprintf(f, "<details open=\"open\" class=\"failure\" id=\"f%zu-%ld\"><summary>", d, num);
  esc(f, str(c, "id"));
  fputs(" \xe2\x80\x94 ", f);
  esc(f, str(v, "requirement"));
  fputs(" (", f);
  level_span(f, level);
  fputs(")</summary>\n<table class=\"detail\">\n<tr><th>Case</th><td>", f);
  esc(f, str(c, "id"));
  fputs(" (", f);
  esc(f, str(c, "kind"));
  fputs(", seed ", f);
  seed_text(f, json_object_get(c, "seed"));
  fputs(")", f);
  if (*str(c, "title")) {
    fputs(": ", f);
    esc(f, str(c, "title"));
  }
  fputs("</td></tr>\n<tr><th>Requirement</th><td>", f);
  esc(f, str(v, "requirement"));
  const json_t *entry = nsc_results_catalog_entry(catalog, str(v, "requirement"));
  if (entry) {
    fputs(": ", f);
    esc(f, str(entry, "statement"));
  }
  fputs("</td></tr>\n", f);
  detail_pre(f, "Expected", json_string_value(json_object_get(v, "expected")), 0);
  detail_pre(f, "Actual", json_string_value(json_object_get(v, "actual")), 0);
  detail_pre(f, "Reason", json_string_value(json_object_get(v, "reason")), 0);
  const json_t *leaks = json_object_get(c, "leaks");
  if (json_array_size(leaks)) {
    fputs("<tr><th>Leaks</th><td><ul>", f);
    size_t i;
    const json_t *l;
    json_array_foreach(leaks, i, l)
    {
      fputs("<li>", f);
      esc(f, json_string_value(l));
      fputs("</li>", f);
    }
    fputs("</ul></td></tr>\n", f);
  }
  detail_pre(f, "Runtime stderr", json_string_value(json_object_get(c, "stderr")), STDERR_MAX);
  detail_pre(f, "Repro", json_string_value(json_object_get(c, "repro")), 0);
  fputs("</table>\n</details>\n", f);
}

static void failures_section(FILE *f, const json_t *const *docs, size_t n, const json_t *catalog)
{
  size_t total = 0;
  for (size_t d = 0; d < n; d++)
    total +=
        (size_t)json_integer_value(json_object_get(json_object_get(docs[d], "summary"), "fail"));
  fprintf(f, "<h2 id=\"failures\">Failures (%zu)</h2>\n", total);
  if (!total)
    fputs("<p class=\"note\">No verdict failed.</p>\n", f);
  for (size_t d = 0; d < n; d++) {
    long num = 0;
    size_t i, j;
    const json_t *c, *v;
    json_array_foreach(json_object_get(docs[d], "cases"), i, c)
    {
      json_array_foreach(json_object_get(c, "verdicts"), j, v)
      {
        if (strcmp(str(v, "verdict"), "FAIL") != 0)
          continue;
        if (num == 0) {
          fputs("<h3>", f);
          column_label(f, docs, n, d);
          fputs("</h3>\n", f);
        }
        failure_detail(f, d, num++, c, v, catalog);
      }
    }
  }
}

static void skips_section(FILE *f, const json_t *const *docs, size_t n)
{
  size_t total = 0;
  for (size_t d = 0; d < n; d++)
    total +=
        (size_t)json_integer_value(json_object_get(json_object_get(docs[d], "summary"), "skip"));
  if (!total)
    return;
  fprintf(f,
          "<details class=\"skips\"><summary>Skipped verdicts (%zu)</summary>\n<table>\n"
          "<thead><tr><th>Runtime</th><th>Case</th><th>Requirement</th><th>Reason</th></tr>"
          "</thead>\n<tbody>\n",
          total);
  for (size_t d = 0; d < n; d++) {
    size_t i, j;
    const json_t *c, *v;
    json_array_foreach(json_object_get(docs[d], "cases"), i, c)
    {
      json_array_foreach(json_object_get(c, "verdicts"), j, v)
      {
        if (strcmp(str(v, "verdict"), "SKIP") != 0)
          continue;
        fputs("<tr><td>", f);
        column_label(f, docs, n, d);
        fputs("</td><td>", f);
        esc(f, str(c, "id"));
        fputs("</td><td class=\"req\">", f);
        esc(f, str(v, "requirement"));
        fputs("</td><td>", f);
        esc(f, str(v, "reason"));
        fputs("</td></tr>\n", f);
      }
    }
  }
  fputs("</tbody>\n</table>\n</details>\n", f);
}

static void unchecked_section(FILE *f, const json_t *catalog)
{
  size_t total = 0, i;
  const json_t *e;
  json_array_foreach(json_object_get(catalog, "requirements"), i, e) total += check_none(e);
  if (!total)
    return;
  fprintf(f,
          "<details class=\"unchecked\"><summary>Catalog requirements without an automated "
          "check (%zu)</summary>\n<table>\n<thead><tr><th>Requirement</th><th>Level</th>"
          "<th>Statement</th><th>Why not checked</th></tr></thead>\n<tbody>\n",
          total);
  json_array_foreach(json_object_get(catalog, "requirements"), i, e)
  {
    if (!check_none(e))
      continue;
    fputs("<tr><td class=\"req\">", f);
    esc(f, str(e, "id"));
    fputs("</td><td>", f);
    level_span(f, json_string_value(json_object_get(e, "level")));
    fputs("</td><td>", f);
    esc(f, str(e, "statement"));
    fputs("</td><td>", f);
    esc(f, str(e, "reason"));
    fputs("</td></tr>\n", f);
  }
  fputs("</tbody>\n</table>\n</details>\n", f);
}

int nsc_report_html(FILE *f, const json_t *const *docs, size_t n, const json_t *catalog,
                    struct nsrt_err *err)
{
  if (n == 0)
    return nsrt_fail_at(err, STAGE, EINVAL, "html", "no results document");
  for (size_t d = 0; d < n; d++)
    if (nsc_results_validate(docs[d], err) < 0)
      return nsrt_err_context(err, "HTML report: document %zu", d);
  struct matrix m = {0};
  if (build_matrix(&m, docs, n, catalog, err) < 0) {
    matrix_free(&m);
    return -1;
  }

  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        "<title>nsconform report: ",
        f);
  for (size_t d = 0; d < n; d++) {
    if (d)
      fputs(", ", f);
    esc(f, str(json_object_get(docs[d], "runtime"), "name"));
  }
  fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
  fputs("<h1>nsconform conformance report</h1>\n<p class=\"note\">Runtime-spec requirements "
        "checked against ",
        f);
  for (size_t d = 0; d < n; d++) {
    fputs(d == 0 ? "" : d + 1 == n ? " and " : ", ", f);
    column_label(f, docs, n, d);
  }
  fputs(". <a href=\"#matrix\">Requirements</a> \xc2\xb7 <a href=\"#failures\">Failures</a></p>\n",
        f);
  runs_table(f, docs, n);
  matrix_table(f, &m, docs, n);
  failures_section(f, docs, n, catalog);
  skips_section(f, docs, n);
  unchecked_section(f, catalog);
  fputs("</body>\n</html>\n", f);
  matrix_free(&m);
  if (fflush(f) != 0 || ferror(f))
    return nsrt_fail_at(err, STAGE, errno ? errno : EIO, "html", "write error");
  return 0;
}

/* ---- the report directory --------------------------------------------- */

struct html_args {
  const json_t *results, *catalog;
};

static int write_tap(FILE *f, const void *arg, struct nsrt_err *err)
{
  return nsc_report_tap(f, ((const struct html_args *)arg)->results, err);
}

static int write_junit(FILE *f, const void *arg, struct nsrt_err *err)
{
  return nsc_report_junit(f, ((const struct html_args *)arg)->results, err);
}

static int write_html(FILE *f, const void *arg, struct nsrt_err *err)
{
  const struct html_args *a = arg;
  return nsc_report_html(f, &a->results, 1, a->catalog, err);
}

int nsc_report_write_all(const char *dir, const json_t *results, const json_t *catalog,
                         struct nsrt_err *err)
{
  if (mkdir(dir, 0755) < 0 && errno != EEXIST)
    return nsrt_fail_at(err, STAGE, errno, "mkdir", "%s", dir);
  const struct html_args args = {results, catalog};
  static const struct {
    const char *name;
    nsc_write_fn fn;
  } files[] = {{"report.tap", write_tap}, {"junit.xml", write_junit}, {"index.html", write_html}};
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    cleanup_free char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, files[i].name) < 0)
      return nsrt_fail_at(err, STAGE, ENOMEM, "write", "%s", dir);
    if (nsc_write_atomic(path, STAGE, files[i].fn, &args, err) < 0)
      return -1;
  }
  return 0;
}
