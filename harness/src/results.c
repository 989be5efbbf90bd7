/* results.json: build from the run's results, write atomically, load, merge
 * shards.  The schema is harness/results-schema.md; results_check.c
 * validates a document against it. */
#include "results.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "results_int.h"

const char *const nsc_results_kinds[5] = {"generated", "negative", "lifecycle", "fault",
                                             "stage"};

/* ---- small helpers ---------------------------------------------------- */

/* jansson returns NULL when memory runs out; like nsc_verdict_add, the
 * harness gives up then: it cannot report without memory. */
static json_t *must(json_t *v)
{
  if (!v)
    abort();
  return v;
}

static void put(json_t *obj, const char *key, json_t *v)
{
  if (json_object_set_new(obj, key, must(v)) < 0)
    abort();
}

static void push(json_t *arr, json_t *v)
{
  if (json_array_append_new(arr, must(v)) < 0)
    abort();
}

size_t nsc_utf8_next(const char *s, uint32_t *cp)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t l = utf8_decode(p, strnlen(s, 4), cp);
  if (!l) {
    *cp = 0xfffd;
    l = 1;
  }
  return l;
}

/* A JSON string of s with every byte that is not valid UTF-8 replaced by
 * U+FFFD (runtime stderr can hold anything; jansson takes only UTF-8). */
static json_t *text(const char *s)
{
  if (!s)
    s = "";
  size_t len;
  cleanup_free char *clean = utf8_sanitize(s, strlen(s), &len);
  if (!clean)
    abort();
  return must(json_stringn(clean, len));
}

static json_t *text_or_null(const char *s)
{
  return s ? text(s) : must(json_null());
}

static json_t *seed_json(uint64_t seed)
{
  if (seed <= SEED_INT_MAX)
    return must(json_integer((json_int_t)seed));
  char buf[24];
  snprintf(buf, sizeof(buf), "%" PRIu64, seed);
  return must(json_string(buf));
}

static json_t *strv_json(const char *const *v)
{
  json_t *arr = must(json_array());
  for (; v && *v; v++)
    push(arr, text(*v));
  return arr;
}

static void rfc3339(time_t t, char *buf, size_t len)
{
  struct tm tm;
  if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf(buf, len, "1970-01-01T00:00:00Z");
}

static const char *kind_name(enum nsc_case_kind k)
{
  return (size_t)k < ARRAY_SIZE(nsc_results_kinds) ? nsc_results_kinds[k] : "generated";
}

bool nsc_level_is_must(const char *level)
{
  return !level || strcmp(level, "MUST") == 0 || strcmp(level, "MUST NOT") == 0;
}

void nsc_requirement_group(const char *id, char *buf, size_t len)
{
  const char *dot = strchr(id, '.');
  if (dot)
    dot = strchr(dot + 1, '.');
  size_t n = dot ? (size_t)(dot - id) : strlen(id);
  snprintf(buf, len, "%.*s", (int)n, id);
}

/* ---- summary ---------------------------------------------------------- */

void nsc_results_count_cases(const json_t *cases, struct nsc_summary *s)
{
  memset(s, 0, sizeof(*s));
  size_t i, j;
  json_t *c, *v;
  json_array_foreach(cases, i, c)
  {
    s->cases++;
    json_array_foreach(json_object_get(c, "verdicts"), j, v)
    {
      const char *verdict = json_string_value(json_object_get(v, "verdict"));
      if (!verdict)
        continue;
      if (strcmp(verdict, "PASS") == 0) {
        s->pass++;
      } else if (strcmp(verdict, "SKIP") == 0) {
        s->skip++;
      } else if (strcmp(verdict, "FAIL") == 0) {
        s->fail++;
        if (nsc_level_is_must(json_string_value(json_object_get(v, "level"))))
          s->must_fail++;
      }
    }
  }
}

static json_t *summary_json(const json_t *cases)
{
  struct nsc_summary s;
  nsc_results_count_cases(cases, &s);
  json_t *o = must(json_object());
  put(o, "cases", json_integer((json_int_t)s.cases));
  put(o, "pass", json_integer((json_int_t)s.pass));
  put(o, "fail", json_integer((json_int_t)s.fail));
  put(o, "skip", json_integer((json_int_t)s.skip));
  put(o, "must_fail", json_integer((json_int_t)s.must_fail));
  return o;
}

void nsc_results_summary(const json_t *doc, struct nsc_summary *out)
{
  const json_t *s = json_object_get(doc, "summary");
  out->cases = (size_t)json_integer_value(json_object_get(s, "cases"));
  out->pass = (size_t)json_integer_value(json_object_get(s, "pass"));
  out->fail = (size_t)json_integer_value(json_object_get(s, "fail"));
  out->skip = (size_t)json_integer_value(json_object_get(s, "skip"));
  out->must_fail = (size_t)json_integer_value(json_object_get(s, "must_fail"));
}

/* ---- building --------------------------------------------------------- */

static json_t *case_json(const struct nsc_result *r)
{
  json_t *c = must(json_object());
  put(c, "id", text(r->case_id));
  put(c, "kind", json_string(kind_name(r->kind)));
  put(c, "seed", seed_json(r->seed));
  put(c, "title", text(r->title));
  double ms = r->duration_ms > 0 ? r->duration_ms + 0.5 : 0;
  put(c, "duration_ms", json_integer((json_int_t)ms));
  json_t *vs = must(json_array());
  for (size_t i = 0; i < r->verdicts.n; i++) {
    const struct nsc_verdict *v = &r->verdicts.v[i];
    json_t *o = must(json_object());
    put(o, "requirement", text(v->requirement));
    put(o, "level", text_or_null(v->level));
    put(o, "verdict", json_string(nsc_verdict_name(v->verdict)));
    put(o, "expected", text_or_null(v->expected));
    put(o, "actual", text_or_null(v->actual));
    put(o, "reason", text_or_null(v->reason));
    push(vs, o);
  }
  put(c, "verdicts", vs);
  put(c, "leaks", strv_json((const char *const *)r->leaks));
  put(c, "stderr", text_or_null(r->runtime_stderr));
  put(c, "repro", text_or_null(r->repro));
  if (r->fault)
    put(c, "fault", json_deep_copy(r->fault));
  return c;
}

static int cmp_case_ptr(const void *a, const void *b)
{
  const struct nsc_result *x = *(const struct nsc_result *const *)a;
  const struct nsc_result *y = *(const struct nsc_result *const *)b;
  return strcmp(x->case_id, y->case_id);
}

int nsc_results_build(const struct nsc_run_info *info, const struct nsc_result *results, size_t n,
                      json_t **out, struct nsrt_err *err)
{
  cleanup_free const struct nsc_result **order = calloc(n ? n : 1, sizeof(*order));
  if (!order)
    return nsrt_fail_at(err, STAGE, ENOMEM, "build", NULL);
  for (size_t i = 0; i < n; i++)
    order[i] = &results[i];
  qsort(order, n, sizeof(*order), cmp_case_ptr);
  for (size_t i = 1; i < n; i++)
    if (strcmp(order[i - 1]->case_id, order[i]->case_id) == 0)
      return nsrt_fail_at(err, STAGE, 0, "cases", "case id %s is given twice", order[i]->case_id);

  json_t *doc = must(json_object());
  put(doc, "schema", json_string(NSC_RESULTS_SCHEMA));
  json_t *rt = must(json_object());
  put(rt, "name", text(info->runtime_name));
  put(rt, "path", text(info->runtime_path));
  put(rt, "version", text(info->runtime_version));
  put(rt, "args", strv_json(info->runtime_args));
  put(rt, "isolation", json_boolean(info->isolation));
  put(doc, "runtime", rt);
  json_t *host = must(json_object());
  put(host, "kernel", text(info->kernel));
  put(host, "cgroup", text(info->cgroup));
  put(host, "caps_missing", strv_json(info->caps_missing));
  put(doc, "host", host);
  put(doc, "seed", seed_json(info->seed));
  char buf[64];
  if (info->shard_count == 0)
    snprintf(buf, sizeof(buf), "1/1");
  else
    snprintf(buf, sizeof(buf), "%u/%u", info->shard_index, info->shard_count);
  put(doc, "shard", json_string(buf));
  rfc3339(info->started, buf, sizeof(buf));
  put(doc, "started", json_string(buf));
  rfc3339(info->finished, buf, sizeof(buf));
  put(doc, "finished", json_string(buf));
  put(doc, "catalog", text(info->catalog_version));
  json_t *cases = must(json_array());
  for (size_t i = 0; i < n; i++)
    push(cases, case_json(order[i]));
  put(doc, "cases", cases);
  put(doc, "summary", summary_json(cases));

  if (nsc_results_validate(doc, err) < 0) {
    json_decref(doc);
    return -1;
  }
  *out = doc;
  return 0;
}

/* ---- atomic write ----------------------------------------------------- */

int nsc_write_atomic(const char *path, const char *stage, nsc_write_fn write_fn, const void *arg,
                     struct nsrt_err *err)
{
  cleanup_free char *tmp = NULL;
  if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
    return nsrt_fail_at(err, stage, ENOMEM, "write", "%s", path);
  cleanup_close int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0)
    return nsrt_fail_at(err, stage, errno, "create", "%s", tmp);
  FILE *f = NULL;
  if (fchmod(fd, 0644) < 0) {
    nsrt_fail_at(err, stage, errno, "chmod", "%s", tmp);
    goto fail;
  }
  f = fdopen(fd, "w");
  if (!f) {
    nsrt_fail_at(err, stage, errno, "fdopen", "%s", tmp);
    goto fail;
  }
  take_fd(&fd); /* the stream owns it now */
  errno = 0;
  if (write_fn(f, arg, err) < 0)
    goto fail;
  if (fflush(f) != 0 || ferror(f)) {
    nsrt_fail_at(err, stage, errno ? errno : EIO, "write", "%s", tmp);
    goto fail;
  }
  if (fsync(fileno(f)) < 0) {
    nsrt_fail_at(err, stage, errno, "fsync", "%s", tmp);
    goto fail;
  }
  int rc = fclose(f);
  f = NULL;
  if (rc != 0) {
    nsrt_fail_at(err, stage, errno, "close", "%s", tmp);
    goto fail;
  }
  if (rename(tmp, path) < 0) {
    nsrt_fail_at(err, stage, errno, "rename", "%s to %s", tmp, path);
    goto fail;
  }
  return 0;

fail:
  if (f)
    fclose(f);
  unlink(tmp);
  return -1;
}

static int dump_doc(FILE *f, const void *arg, struct nsrt_err *err)
{
  if (json_dumpf((const json_t *)arg, f, JSON_INDENT(2)) < 0 || fputc('\n', f) == EOF)
    return nsrt_fail_at(err, STAGE, errno ? errno : EIO, "write", "results document");
  return 0;
}

int nsc_results_save(const char *path, const json_t *doc, struct nsrt_err *err)
{
  if (nsc_results_validate(doc, err) < 0)
    return -1;
  return nsc_write_atomic(path, STAGE, dump_doc, doc, err);
}

int nsc_results_write(const char *path, const struct nsc_run_info *info,
                      const struct nsc_result *results, size_t n, struct nsrt_err *err)
{
  json_t *doc;
  if (nsc_results_build(info, results, n, &doc, err) < 0)
    return -1;
  int ret = nsc_write_atomic(path, STAGE, dump_doc, doc, err);
  json_decref(doc);
  return ret;
}

int nsc_results_load(const char *path, json_t **out, struct nsrt_err *err)
{
  json_error_t jerr;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (!doc) {
    /* jansson keeps no errno; a file that cannot be read says so in text. */
    return nsrt_fail_at(err, STAGE, 0, "load", "%s: line %d column %d: %s", path, jerr.line,
                        jerr.column, jerr.text);
  }
  if (nsc_results_validate(doc, err) < 0) {
    json_decref(doc);
    return nsrt_err_context(err, "%s", path);
  }
  *out = doc;
  return 0;
}

/* ---- merge ------------------------------------------------------------ */

/* A case of one of the inputs. */
struct input_case {
  json_t *c;
  size_t input;
};

static int cmp_input_case(const void *a, const void *b)
{
  const struct input_case *x = a, *y = b;
  return strcmp(json_string_value(json_object_get(x->c, "id")),
                json_string_value(json_object_get(y->c, "id")));
}

static int same_member(json_t *const *docs, size_t i, const char *key, struct nsrt_err *err)
{
  if (json_equal(json_object_get(docs[0], key), json_object_get(docs[i], key)))
    return 0;
  cleanup_free char *a = json_dumps(json_object_get(docs[0], key), JSON_COMPACT | JSON_ENCODE_ANY);
  cleanup_free char *b = json_dumps(json_object_get(docs[i], key), JSON_COMPACT | JSON_ENCODE_ANY);
  const char *why = strcmp(key, "runtime") == 0
                        ? ": one results document holds one runtime (the HTML report takes one "
                          "document per runtime)"
                        : "";
  return nsrt_fail_at(err, STAGE, 0, key,
                      "input %zu has %.150s, input 0 has %.150s: not shards "
                      "of one run%s",
                      i, b ? b : "?", a ? a : "?", why);
}

int nsc_results_merge(json_t *const *docs, size_t n, json_t **out, struct nsrt_err *err)
{
  if (n == 0)
    return nsrt_fail_at(err, STAGE, EINVAL, "merge", "no documents to merge");
  for (size_t i = 0; i < n; i++)
    if (nsc_results_validate(docs[i], err) < 0)
      return nsrt_err_context(err, "input %zu", i);

  static const char *const same[] = {"runtime", "host", "seed", "catalog"};
  for (size_t i = 1; i < n; i++)
    for (size_t k = 0; k < ARRAY_SIZE(same); k++)
      if (same_member(docs, i, same[k], err) < 0)
        return -1;

  /* Shards: one count, each index at most once. */
  size_t nk;
  unsigned count, count0 = 0;
  cleanup_free unsigned char *seen = calloc(SHARD_COUNT_MAX + 1, 1);
  cleanup_free unsigned *ks = calloc(SHARD_COUNT_MAX, sizeof(*ks));
  if (!seen || !ks)
    return nsrt_fail_at(err, STAGE, ENOMEM, "merge", NULL);
  size_t ncases = 0;
  time_t started = 0, finished = 0;
  const char *started_s = NULL, *finished_s = NULL;
  for (size_t i = 0; i < n; i++) {
    const char *shard = json_string_value(json_object_get(docs[i], "shard"));
    nsc_results_parse_shard(shard, ks, &nk, &count); /* validated above */
    if (i == 0)
      count0 = count;
    if (count != count0)
      return nsrt_fail_at(err, STAGE, 0, "shard",
                          "input %zu is shard %s, input 0 is of %u shards: not shards of one run",
                          i, shard, count0);
    for (size_t k = 0; k < nk; k++) {
      if (seen[ks[k]])
        return nsrt_fail_at(err, STAGE, 0, "shard", "input %zu: shard %u/%u is given twice", i,
                            ks[k], count);
      seen[ks[k]] = 1;
    }
    ncases += json_array_size(json_object_get(docs[i], "cases"));
    time_t t;
    const char *s = json_string_value(json_object_get(docs[i], "started"));
    nsc_rfc3339_parse(s, &t);
    if (!started_s || t < started) {
      started = t;
      started_s = s;
    }
    s = json_string_value(json_object_get(docs[i], "finished"));
    nsc_rfc3339_parse(s, &t);
    if (!finished_s || t > finished) {
      finished = t;
      finished_s = s;
    }
  }

  /* Cases: the union, sorted; an id in two inputs is an error. */
  cleanup_free struct input_case *all = calloc(ncases ? ncases : 1, sizeof(*all));
  if (!all)
    return nsrt_fail_at(err, STAGE, ENOMEM, "merge", NULL);
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j;
    json_t *c;
    json_array_foreach(json_object_get(docs[i], "cases"), j, c)
    {
      all[m++] = (struct input_case){c, i};
    }
  }
  qsort(all, m, sizeof(*all), cmp_input_case);
  for (size_t j = 1; j < m; j++) {
    if (cmp_input_case(&all[j - 1], &all[j]) == 0)
      return nsrt_fail_at(err, STAGE, 0, "cases", "case %s is in input %zu and in input %zu",
                          json_string_value(json_object_get(all[j].c, "id")),
                          all[j - 1].input < all[j].input ? all[j - 1].input : all[j].input,
                          all[j - 1].input < all[j].input ? all[j].input : all[j - 1].input);
  }

  /* The shard string of the union. */
  cleanup_free char *shard = NULL;
  size_t have = 0, len = 0;
  for (unsigned k = 1; k <= count0; k++)
    have += seen[k];
  FILE *ms = open_memstream(&shard, &len);
  if (!ms)
    return nsrt_fail_at(err, STAGE, ENOMEM, "merge", NULL);
  if (have == count0) {
    fputs("1/1", ms);
  } else {
    const char *sep = "";
    for (unsigned k = 1; k <= count0; k++) {
      if (seen[k]) {
        fprintf(ms, "%s%u", sep, k);
        sep = ",";
      }
    }
    fprintf(ms, "/%u", count0);
  }
  if (fclose(ms) != 0)
    return nsrt_fail_at(err, STAGE, ENOMEM, "merge", NULL);

  json_t *doc = must(json_object());
  put(doc, "schema", json_string(NSC_RESULTS_SCHEMA));
  put(doc, "runtime", json_deep_copy(json_object_get(docs[0], "runtime")));
  put(doc, "host", json_deep_copy(json_object_get(docs[0], "host")));
  put(doc, "seed", json_deep_copy(json_object_get(docs[0], "seed")));
  put(doc, "shard", json_string(shard));
  put(doc, "started", json_string(started_s));
  put(doc, "finished", json_string(finished_s));
  put(doc, "catalog", json_deep_copy(json_object_get(docs[0], "catalog")));
  json_t *cases = must(json_array());
  for (size_t j = 0; j < m; j++)
    push(cases, json_deep_copy(all[j].c));
  put(doc, "cases", cases);
  put(doc, "summary", summary_json(cases));
  if (nsc_results_validate(doc, err) < 0) {
    json_decref(doc);
    return -1;
  }
  *out = doc;
  return 0;
}

/* ---- catalog levels --------------------------------------------------- */

const json_t *nsc_results_catalog_entry(const json_t *catalog, const char *id)
{
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(catalog, "requirements"), i, e)
  {
    const char *eid = json_string_value(json_object_get(e, "id"));
    if (eid && strcmp(eid, id) == 0)
      return e;
  }
  return NULL;
}

int nsc_results_fill_levels(struct nsc_result *results, size_t n, const json_t *catalog,
                            struct nsrt_err *err)
{
  const char *unknown = NULL, *unknown_case = NULL;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < results[i].verdicts.n; j++) {
      struct nsc_verdict *v = &results[i].verdicts.v[j];
      if (v->level)
        continue;
      const char *level = json_string_value(
          json_object_get(nsc_results_catalog_entry(catalog, v->requirement), "level"));
      if (!level) {
        if (!unknown) {
          unknown = v->requirement;
          unknown_case = results[i].case_id;
        }
        continue;
      }
      v->level = strdup(level);
      if (!v->level)
        return nsrt_fail_at(err, STAGE, ENOMEM, "levels", NULL);
    }
  }
  if (unknown)
    return nsrt_fail_at(err, STAGE, 0, "levels", "case %s: requirement %s is not in the catalog",
                        unknown_case, unknown);
  return 0;
}
