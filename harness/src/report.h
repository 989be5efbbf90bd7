/* Reports made from results documents (results.h): TAP 13, JUnit XML and a
 * static HTML page.  Each writer validates its input first and writes to a
 * stream; nsc_report_write_all writes the three files of a run's report
 * directory atomically.  What each format shows is in
 * harness/results-schema.md ("Reports"). */
#ifndef NSC_REPORT_H
#define NSC_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "error.h"

/* TAP version 13: one test point per verdict (a case without verdicts is
 * one SKIP point), failures with a YAML diagnostic block.  A failing SHOULD,
 * SHOULD NOT or MAY verdict is "not ok ... # TODO <level>-level": `prove`
 * shows it and still passes the run; only MUST-level failures fail it. */
int nsc_report_tap(FILE *f, const json_t *results, struct nsrt_err *err);

/* JUnit XML: <testsuites> with one <testsuite> per requirement group and one
 * <testcase> per verdict (classname = group, name = "<case> <requirement>"). */
int nsc_report_junit(FILE *f, const json_t *results, struct nsrt_err *err);

/* One HTML page, inline CSS, no script: run header per runtime, the
 * requirement x runtime matrix, then every failure in detail.  docs: one
 * results document per runtime (a column each).  catalog: the requirement
 * catalog document (specs/requirements.json) for the rows' levels and
 * statements, or NULL (rows are then the requirements seen in the results). */
int nsc_report_html(FILE *f, const json_t *const *docs, size_t n, const json_t *catalog,
                    struct nsrt_err *err);

/* DIR/report.tap, DIR/junit.xml and DIR/index.html of one results document
 * (DIR is created if missing; results.json itself is nsc_results_write's). */
int nsc_report_write_all(const char *dir, const json_t *results, const json_t *catalog,
                         struct nsrt_err *err);

/* Shared by the XML writers: s as XML 1.0 character data (attr: also safe in
 * a double-quoted attribute, line breaks and tabs kept as character
 * references).  Characters XML 1.0 forbids become U+FFFD.  At most max bytes
 * of s are written (0: all), cut at a character boundary. */
void nsc_xml_escape(FILE *f, const char *s, bool attr, size_t max);

#endif
