/* Loading and validating specs/requirements.json, and the audit of REQ() uses
 * against it.  The rules are listed in specs/README.md; every error names the
 * JSON path as its step and quotes the offending value. */
#include "catalog.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define STAGE "catalog"

/* The spec documents an id may start with; the URL must point into the same
 * document. */
static const char *const spec_files[] = {
    "config", "config-linux", "runtime", "runtime-linux", "features", "features-linux",
};

static const char *const levels[] = {"MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY"};

static const char *const entry_keys[] = {"id",        "level", "group", "url",
                                         "statement", "check", "reason"};

static const char *const top_keys[] = {"schema", "spec_version", "requirements"};

/* ---- small helpers ------------------------------------------------------ */

/* The value as compact JSON, cut to fit in buf (for error messages). */
static const char *quote(const json_t *v, char *buf, size_t len)
{
  if (!v)
    return "(missing)";
  char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  if (!s)
    return "(unprintable)";
  if (strlen(s) < len) {
    strcpy(buf, s);
  } else {
    snprintf(buf, len, "%.*s...", (int)(len > 4 ? len - 4 : 0), s);
  }
  free(s);
  return buf;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, list[i]) == 0)
      return true;
  return false;
}

/* Length of the first `count` dot components of id (the whole id if it has
 * fewer). */
static size_t prefix_len(const char *id, int count)
{
  const char *p = id;
  for (int seen = 0; *p; p++)
    if (*p == '.' && ++seen == count)
      break;
  return (size_t)(p - id);
}

/* "<c>(.<c>){2,}" where each component is [a-z0-9]+ joined by single '-'. */
static bool id_syntax_ok(const char *id)
{
  int components = 1;
  char prev = '.';
  for (const char *p = id; *p; p++) {
    char ch = *p;
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    if (ch == '.' || ch == '-') {
      if (prev == '.' || prev == '-')
        return false;
      if (ch == '.')
        components++;
    } else if (!alnum) {
      return false;
    }
    prev = ch;
  }
  return prev != '.' && prev != '-' && components >= 3;
}

/* Non-empty, not just blanks, and free of control characters (so one line). */
static bool one_line_ok(const char *s)
{
  bool visible = false;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p < 0x20 || *p == 0x7f)
      return false;
    if (*p != ' ')
      visible = true;
  }
  return visible;
}

static bool fragment_ok(const char *f)
{
  if (!*f)
    return false;
  for (; *f; f++)
    if (!((*f >= 'a' && *f <= 'z') || (*f >= '0' && *f <= '9') || *f == '-'))
      return false;
  return true;
}

/* ---- validation --------------------------------------------------------- */

static int fail_path(struct nsrt_err *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_path(struct nsrt_err *err, const char *path, const char *fmt, ...)
{
  char text[NSRT_ERR_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  return nsrt_fail_at(err, STAGE, 0, path, "%s", text);
}

/* A required one-line string member of entry i; *out points into the JSON. */
static int get_line(const json_t *entry, size_t i, const char *key, const char **out,
                    struct nsrt_err *err)
{
  char path[NSRT_ERR_STEP_MAX], q[96];
  snprintf(path, sizeof(path), "requirements[%zu].%s", i, key);
  const json_t *v = json_object_get(entry, key);
  if (!v)
    return fail_path(err, path, "missing");
  if (!json_is_string(v))
    return fail_path(err, path, "%s is not a string", quote(v, q, sizeof(q)));
  if (!one_line_ok(json_string_value(v)))
    return fail_path(err, path, "%s must be one non-empty line", quote(v, q, sizeof(q)));
  *out = json_string_value(v);
  return 0;
}

static int check_url(const char *url, const char *id, size_t i, struct nsrt_err *err)
{
  char path[NSRT_ERR_STEP_MAX];
  snprintf(path, sizeof(path), "requirements[%zu].url", i);
  if (strncmp(id, NSC_CATALOG_OWN_PREFIX, strlen(NSC_CATALOG_OWN_PREFIX)) == 0) {
    size_t doc = strlen(NSC_CATALOG_OWN_DOC);
    if (strncmp(url, NSC_CATALOG_OWN_DOC, doc) != 0 || url[doc] != '#' ||
        !fragment_ok(url + doc + 1))
      return fail_path(err, path, "\"%s\" is not %s#<fragment>, where robust.* ids are documented",
                       url, NSC_CATALOG_OWN_DOC);
    return 0;
  }
  size_t base = strlen(NSC_CATALOG_URL_BASE);
  if (strncmp(url, NSC_CATALOG_URL_BASE, base) != 0)
    return fail_path(err, path, "\"%s\" does not start with %s", url, NSC_CATALOG_URL_BASE);
  const char *hash = strchr(url + base, '#');
  if (!hash || !fragment_ok(hash + 1))
    return fail_path(err, path, "\"%s\" has no #fragment of [a-z0-9-] naming the section", url);
  size_t file_len = prefix_len(id, 1);
  if ((size_t)(hash - (url + base)) != file_len + 3 || strncmp(url + base, id, file_len) != 0 ||
      strncmp(url + base + file_len, ".md", 3) != 0)
    return fail_path(err, path, "\"%s\" is not in %.*s.md, the document the id names", url,
                     (int)file_len, id);
  return 0;
}

static int fill_entry(const json_t *entry, size_t i, struct nsc_requirement *r,
                      struct nsrt_err *err)
{
  char path[NSRT_ERR_STEP_MAX], q[160];
  snprintf(path, sizeof(path), "requirements[%zu]", i);
  if (!json_is_object(entry))
    return fail_path(err, path, "%s is not an object", quote(entry, q, sizeof(q)));

  const char *key;
  json_t *value;
  json_object_foreach((json_t *)entry, key, value)
  {
    if (!in_list(key, entry_keys, ARRAY_SIZE(entry_keys))) {
      snprintf(path, sizeof(path), "requirements[%zu].%s", i, key);
      return fail_path(err, path,
                       "unknown property (allowed: id level group url statement "
                       "check reason)");
    }
  }

  const char *id, *level, *group, *url, *statement;
  if (get_line(entry, i, "id", &id, err) < 0)
    return -1;
  snprintf(path, sizeof(path), "requirements[%zu].id", i);
  if (!id_syntax_ok(id))
    return fail_path(err, path,
                     "\"%s\" is not <file>.<section>.<name>: lower-case [a-z0-9-] components "
                     "joined by dots",
                     id);
  size_t file_len = prefix_len(id, 1);
  /* the project's own robust.* ids name no spec document */
  bool known_file = strncmp(id, NSC_CATALOG_OWN_PREFIX, strlen(NSC_CATALOG_OWN_PREFIX)) == 0;
  for (size_t k = 0; k < ARRAY_SIZE(spec_files); k++)
    if (strlen(spec_files[k]) == file_len && strncmp(spec_files[k], id, file_len) == 0)
      known_file = true;
  if (!known_file)
    return fail_path(err, path,
                     "\"%s\" does not start with a spec document (config, config-linux, runtime, "
                     "runtime-linux, features, features-linux)",
                     id);

  if (get_line(entry, i, "level", &level, err) < 0)
    return -1;
  if (!in_list(level, levels, ARRAY_SIZE(levels))) {
    snprintf(path, sizeof(path), "requirements[%zu].level", i);
    return fail_path(err, path, "\"%s\" is not one of MUST, MUST NOT, SHOULD, SHOULD NOT, MAY",
                     level);
  }

  if (get_line(entry, i, "group", &group, err) < 0)
    return -1;
  size_t group_len = prefix_len(id, 2);
  if (strlen(group) != group_len || strncmp(group, id, group_len) != 0) {
    snprintf(path, sizeof(path), "requirements[%zu].group", i);
    return fail_path(err, path, "\"%s\" is not \"%.*s\", the first two components of the id", group,
                     (int)group_len, id);
  }

  if (get_line(entry, i, "url", &url, err) < 0 || check_url(url, id, i, err) < 0)
    return -1;
  if (get_line(entry, i, "statement", &statement, err) < 0)
    return -1;

  const json_t *check = json_object_get(entry, "check");
  const char *reason = NULL;
  if (check) {
    const char *v = json_string_value(check);
    if (!v || (strcmp(v, "none") != 0 && strcmp(v, "planned") != 0)) {
      snprintf(path, sizeof(path), "requirements[%zu].check", i);
      return fail_path(err, path, "%s: the values are \"none\" and \"planned\"",
                       quote(check, q, sizeof(q)));
    }
    r->planned = strcmp(v, "planned") == 0;
    if (get_line(entry, i, "reason", &reason, err) < 0)
      return nsrt_err_context(err, "\"check\": \"%s\" needs a reason", v);
  } else if (json_object_get(entry, "reason")) {
    snprintf(path, sizeof(path), "requirements[%zu].reason", i);
    return fail_path(err, path, "a reason is only given with \"check\"");
  }

  r->id = strdup(id);
  r->level = strdup(level);
  r->group = strdup(group);
  r->url = strdup(url);
  r->statement = strdup(statement);
  r->check_reason = reason ? strdup(reason) : NULL;
  if (!r->id || !r->level || !r->group || !r->url || !r->statement || (reason && !r->check_reason))
    return nsrt_fail_at(err, STAGE, ENOMEM, path, "copy the entry");
  return 0;
}

static int check_top(const json_t *doc, struct nsrt_err *err)
{
  char q[160];
  if (!json_is_object(doc))
    return fail_path(err, "$", "%s is not an object", quote(doc, q, sizeof(q)));
  const char *key;
  json_t *value;
  json_object_foreach((json_t *)doc, key, value)
  {
    if (!in_list(key, top_keys, ARRAY_SIZE(top_keys)))
      return fail_path(err, key, "unknown property (allowed: schema spec_version requirements)");
  }
  const json_t *schema = json_object_get(doc, "schema");
  if (!json_is_string(schema) || strcmp(json_string_value(schema), NSC_CATALOG_SCHEMA) != 0)
    return fail_path(err, "schema", "%s is not \"%s\"", quote(schema, q, sizeof(q)),
                     NSC_CATALOG_SCHEMA);
  const json_t *version = json_object_get(doc, "spec_version");
  if (!json_is_string(version) || strcmp(json_string_value(version), NSC_CATALOG_SPEC) != 0)
    return fail_path(err, "spec_version", "%s is not \"%s\", the version the URLs point at",
                     quote(version, q, sizeof(q)), NSC_CATALOG_SPEC);
  const json_t *reqs = json_object_get(doc, "requirements");
  if (!json_is_array(reqs) || json_array_size(reqs) == 0)
    return fail_path(err, "requirements", "%s is not a non-empty array", quote(reqs, q, sizeof(q)));
  return 0;
}

int nsc_catalog_from_json(const json_t *doc, struct nsc_catalog *c, struct nsrt_err *err)
{
  memset(c, 0, sizeof(*c));
  if (check_top(doc, err) < 0)
    return -1;

  const json_t *reqs = json_object_get(doc, "requirements");
  struct nsc_catalog tmp = {0};
  tmp.v = calloc(json_array_size(reqs), sizeof(*tmp.v));
  tmp.spec_version = strdup(NSC_CATALOG_SPEC);
  if (!tmp.v || !tmp.spec_version) {
    nsc_catalog_free(&tmp);
    return nsrt_fail_at(err, STAGE, ENOMEM, "requirements", "allocate the catalog");
  }

  for (size_t i = 0; i < json_array_size(reqs); i++) {
    struct nsc_requirement *r = &tmp.v[tmp.n++];
    if (fill_entry(json_array_get(reqs, i), i, r, err) < 0)
      goto fail;
    for (size_t k = 0; k + 1 < tmp.n; k++)
      if (strcmp(tmp.v[k].id, r->id) == 0) {
        char path[NSRT_ERR_STEP_MAX];
        snprintf(path, sizeof(path), "requirements[%zu].id", i);
        fail_path(err, path, "\"%s\" is already used by requirements[%zu]", r->id, k);
        goto fail;
      }
  }
  *c = tmp;
  return 0;

fail:
  nsc_catalog_free(&tmp);
  return -1;
}

int nsc_catalog_load(const char *path, struct nsc_catalog *c, struct nsrt_err *err)
{
  memset(c, 0, sizeof(*c));
  cleanup_fclose FILE *f = fopen(path, "re");
  if (!f)
    return nsrt_fail_at(err, STAGE, errno, "open", "%s", path);
  json_error_t jerr;
  json_t *doc = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
  if (!doc)
    return nsrt_fail_at(err, STAGE, 0, "parse", "%s: line %d column %d: %s", path, jerr.line,
                        jerr.column, jerr.text);
  int ret = nsc_catalog_from_json(doc, c, err);
  json_decref(doc);
  return ret;
}

const struct nsc_requirement *nsc_catalog_find(const struct nsc_catalog *c, const char *id)
{
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->v[i].id, id) == 0)
      return &c->v[i];
  return NULL;
}

bool nsc_requirement_is_must(const struct nsc_requirement *r)
{
  return strcmp(r->level, "MUST") == 0 || strcmp(r->level, "MUST NOT") == 0;
}

void nsc_catalog_free(struct nsc_catalog *c)
{
  for (size_t i = 0; i < c->n; i++) {
    struct nsc_requirement *r = &c->v[i];
    free(r->id);
    free(r->level);
    free(r->group);
    free(r->url);
    free(r->statement);
    free(r->check_reason);
  }
  free(c->v);
  free(c->spec_version);
  memset(c, 0, sizeof(*c));
}

/* ---- default path ------------------------------------------------------- */

static int copy_path(char *buf, size_t len, const char *s)
{
  if (strlen(s) >= len) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(buf, s);
  return 0;
}

int nsc_catalog_default_path(char *buf, size_t len)
{
  const char *env = getenv("NSCONFORM_CATALOG");
  if (env && *env)
    return copy_path(buf, len, env);

  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      char guess[PATH_MAX + 64], resolved[PATH_MAX];
      snprintf(guess, sizeof(guess), "%s/../../specs/requirements.json", exe);
      if (realpath(guess, resolved))
        return copy_path(buf, len, resolved);
    }
  }
  return copy_path(buf, len, "specs/requirements.json");
}

/* ---- audit -------------------------------------------------------------- */

const char *nsc_audit_kind_name(enum nsc_audit_kind k)
{
  switch (k) {
  case NSC_AUDIT_UNKNOWN_ID:
    return "unknown-id";
  case NSC_AUDIT_CHECKED_NONE:
    return "checked-none";
  case NSC_AUDIT_UNCOVERED:
    return "uncovered";
  }
  return "?";
}

static int audit_add(struct nsc_audit *a, enum nsc_audit_kind kind, bool fatal, const char *id,
                     struct nsrt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int audit_add(struct nsc_audit *a, enum nsc_audit_kind kind, bool fatal, const char *id,
                     struct nsrt_err *err, const char *fmt, ...)
{
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 16;
    struct nsc_audit_item *v = realloc(a->v, cap * sizeof(*v));
    if (!v)
      return nsrt_fail_at(err, STAGE, ENOMEM, "audit", "grow the finding list");
    a->v = v;
    a->cap = cap;
  }
  struct nsc_audit_item *it = &a->v[a->n];
  va_list ap;
  va_start(ap, fmt);
  int ret = vasprintf(&it->text, fmt, ap);
  va_end(ap);
  if (ret < 0)
    return nsrt_fail_at(err, STAGE, ENOMEM, "audit", "format a finding");
  it->kind = kind;
  it->fatal = fatal;
  it->id = id;
  a->n++;
  if (fatal)
    a->fatal++;
  return 0;
}

/* Does some entry of group have a REQ()?  Only ids found in the catalog
 * count, so one misspelt id does not turn a whole group into failures. */
static bool group_has_ref(const struct nsc_catalog *c, const bool *used, const char *group)
{
  for (size_t k = 0; k < c->n; k++)
    if (used[k] && strcmp(c->v[k].group, group) == 0)
      return true;
  return false;
}

int nsc_catalog_audit(const struct nsc_catalog *c, const struct nsc_req_ref *const *begin,
                      const struct nsc_req_ref *const *end, bool strict, struct nsc_audit *out,
                      struct nsrt_err *err)
{
  memset(out, 0, sizeof(*out));
  cleanup_free bool *used = calloc(c->n ? c->n : 1, sizeof(*used));
  if (!used)
    return nsrt_fail_at(err, STAGE, ENOMEM, "audit", "allocate");

  for (const struct nsc_req_ref *const *p = begin; p < end; p++) {
    if (!*p)
      continue;
    const struct nsc_requirement *r = nsc_catalog_find(c, (*p)->id);
    int ret = 0;
    if (!r)
      ret = audit_add(out, NSC_AUDIT_UNKNOWN_ID, true, (*p)->id, err,
                      "%s:%d: %s is not in the catalog", (*p)->file, (*p)->line, (*p)->id);
    else if (r->check_reason)
      ret = audit_add(out, NSC_AUDIT_CHECKED_NONE, true, (*p)->id, err,
                      "%s:%d: %s is checked here but the catalog says \"check\": \"%s\" (%s)",
                      (*p)->file, (*p)->line, (*p)->id, r->planned ? "planned" : "none",
                      r->check_reason);
    else
      used[r - c->v] = true;
    if (ret < 0)
      goto fail;
  }

  for (size_t i = 0; i < c->n; i++) {
    const struct nsc_requirement *r = &c->v[i];
    if (!nsc_requirement_is_must(r))
      continue;
    out->must_total++;
    if (r->check_reason) {
      if (r->planned)
        out->must_planned++;
      else
        out->must_none++;
      continue;
    }
    if (used[i]) {
      out->must_ref++;
      continue;
    }
    bool started = group_has_ref(c, used, r->group);
    if (audit_add(out, NSC_AUDIT_UNCOVERED, strict || started, r->id, err,
                  "%s (%s): no REQ() use and no \"check\": \"none\" reason%s", r->id, r->level,
                  started ? "; its group already has checks" : "") < 0)
      goto fail;
  }
  return 0;

fail:
  nsc_audit_free(out);
  return -1;
}

void nsc_audit_free(struct nsc_audit *a)
{
  for (size_t i = 0; i < a->n; i++)
    free(a->v[i].text);
  free(a->v);
  memset(a, 0, sizeof(*a));
}
