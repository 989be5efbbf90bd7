#include "nsconform.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
  return s ? strdup(s) : NULL;
}

void nsc_verdict_add(struct nsc_verdicts *vs, const char *requirement,
                     enum nsc_verdict_kind verdict, const char *expected, const char *actual,
                     const char *reason_fmt, ...)
{
  if (vs->n == vs->cap) {
    size_t cap = vs->cap ? vs->cap * 2 : 16;
    struct nsc_verdict *v = realloc(vs->v, cap * sizeof(*v));
    if (!v)
      abort(); /* the harness cannot report without memory */
    vs->v = v;
    vs->cap = cap;
  }
  struct nsc_verdict *v = &vs->v[vs->n++];
  memset(v, 0, sizeof(*v));
  v->requirement = strdup(requirement);
  v->verdict = verdict;
  v->expected = dup_or_null(expected);
  v->actual = dup_or_null(actual);
  if (reason_fmt) {
    va_list ap;
    va_start(ap, reason_fmt);
    if (vasprintf(&v->reason, reason_fmt, ap) < 0)
      v->reason = NULL;
    va_end(ap);
  }
}

void nsc_verdicts_free(struct nsc_verdicts *vs)
{
  for (size_t i = 0; i < vs->n; i++) {
    free(vs->v[i].requirement);
    free(vs->v[i].level);
    free(vs->v[i].expected);
    free(vs->v[i].actual);
    free(vs->v[i].reason);
  }
  free(vs->v);
  memset(vs, 0, sizeof(*vs));
}

const char *nsc_verdict_name(enum nsc_verdict_kind v)
{
  switch (v) {
  case NSC_PASS:
    return "PASS";
  case NSC_FAIL:
    return "FAIL";
  case NSC_SKIP:
    return "SKIP";
  }
  return "?";
}

void nsc_case_free(struct nsc_case *c)
{
  json_decref(c->config);
  free(c->requirement);
  free(c->title);
  free(c->probe_syscall);
  json_decref(c->fault);
  memset(c, 0, sizeof(*c));
}

void nsc_result_free(struct nsc_result *r)
{
  free(r->title);
  nsc_verdicts_free(&r->verdicts);
  for (char **l = r->leaks; l && *l; l++)
    free(*l);
  free(r->leaks);
  free(r->runtime_stderr);
  free(r->repro);
  json_decref(r->fault);
  memset(r, 0, sizeof(*r));
}
