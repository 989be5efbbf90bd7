/* Shrinking a repro file: hierarchical delta debugging over its config and
 * fault plan.  The engine knows nothing of runtimes: a predicate says
 * whether a candidate still fails, so it is tested with synthetic ones. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "repro.h"

#define STAGE "shrink"

/* Members a runtime needs to run anything, by path from the document root.
 * Everything else in config and fault may go when the failure stays. */
static const char *const kept[] = {"config.ociVersion",
                                   "config.root",
                                   "config.root.path",
                                   "config.process",
                                   "config.process.args",
                                   "config.process.cwd",
                                   "config.process.user",
                                   "config.process.user.uid",
                                   "config.process.user.gid",
                                   "fault.kind",
                                   "fault.steps",
                                   NULL};

/* Arrays whose entries are not reduced (the probe's command line). */
static const char *const whole[] = {"config.process.args", NULL};

/* The id mappings of a new user namespace: one without mappings is a
 * different (and for most runtimes invalid) case. */
static const char *const mappings[] = {"config.linux.uidMappings", "config.linux.gidMappings",
                                       NULL};

static bool listed(const char *const *list, const char *path)
{
  for (const char *const *p = list; *p; p++)
    if (strcmp(*p, path) == 0)
      return true;
  return false;
}

static bool new_user_ns(json_t *doc)
{
  json_t *ns =
      json_object_get(json_object_get(json_object_get(doc, "config"), "linux"), "namespaces");
  size_t i;
  json_t *e;
  json_array_foreach(ns, i, e)
  {
    const char *type = json_string_value(json_object_get(e, "type"));
    if (type && !strcmp(type, "user") && !json_object_get(e, "path"))
      return true;
  }
  return false;
}

static bool is_kept(json_t *doc, const char *path)
{
  return listed(kept, path) || (listed(mappings, path) && new_user_ns(doc));
}

static bool is_whole(json_t *doc, const char *path)
{
  return listed(whole, path) || (listed(mappings, path) && new_user_ns(doc));
}

/* A path is a JSON array of tokens: member names (strings) and indices
 * (integers).  As text (for the lists above) indices become "[]". */
static void path_text(const json_t *path, char *buf, size_t len)
{
  buf[0] = '\0';
  size_t i;
  json_t *t;
  json_array_foreach(path, i, t)
  {
    size_t n = strlen(buf);
    if (json_is_string(t))
      snprintf(buf + n, len - n, "%s%s", i ? "." : "", json_string_value(t));
    else
      snprintf(buf + n, len - n, "[]");
  }
}

static json_t *path_get(json_t *doc, const json_t *path)
{
  size_t i;
  json_t *t, *cur = doc;
  json_array_foreach(path, i, t)
  {
    if (json_is_string(t))
      cur = json_is_object(cur) ? json_object_get(cur, json_string_value(t)) : NULL;
    else
      cur = json_is_array(cur) ? json_array_get(cur, (size_t)json_integer_value(t)) : NULL;
    if (!cur)
      return NULL;
  }
  return cur;
}

static json_t *path_child(const json_t *path, json_t *token)
{
  json_t *p = json_copy((json_t *)path);
  json_array_append_new(p, token);
  return p;
}

/* The containers of doc's config and fault, parents before children
 * (breadth first), each as a path. */
static json_t *containers(json_t *doc)
{
  json_t *out = json_array();
  json_t *queue = json_array();
  static const char *const roots[] = {"config", "fault"};
  for (size_t r = 0; r < 2; r++) {
    json_t *p = json_pack("[s]", roots[r]);
    json_t *v = path_get(doc, p);
    if (json_is_object(v) || json_is_array(v))
      json_array_append(queue, p);
    json_decref(p);
  }
  for (size_t q = 0; q < json_array_size(queue); q++) {
    json_t *p = json_array_get(queue, q);
    char text[1024];
    path_text(p, text, sizeof(text));
    if (is_whole(doc, text))
      continue;
    json_array_append(out, p);
    json_t *v = path_get(doc, p);
    if (json_is_object(v)) {
      const char *k;
      json_t *c;
      json_object_foreach(v, k, c)
      {
        if (json_is_object(c) || json_is_array(c))
          json_array_append_new(queue, path_child(p, json_string(k)));
      }
    } else {
      size_t i;
      json_t *c;
      json_array_foreach(v, i, c)
      {
        if (json_is_object(c) || json_is_array(c))
          json_array_append_new(queue, path_child(p, json_integer((json_int_t)i)));
      }
    }
  }
  json_decref(queue);
  return out;
}

/* The removable children of the container at path: every entry of an array;
 * the members of an object that are not kept, unless the object is itself
 * an array entry (entries go whole; their members describe them). */
static json_t *removable(json_t *doc, const json_t *path)
{
  json_t *v = path_get(doc, path);
  json_t *out = json_array();
  if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v); i++)
      json_array_append_new(out, json_integer((json_int_t)i));
    return out;
  }
  if (!json_is_object(v))
    return out;
  size_t n = json_array_size(path);
  if (n && json_is_integer(json_array_get(path, n - 1)))
    return out;
  const char *k;
  json_t *c;
  json_object_foreach(v, k, c)
  {
    json_t *cp = path_child(path, json_string(k));
    char text[1024];
    path_text(cp, text, sizeof(text));
    json_decref(cp);
    if (!is_kept(doc, text))
      json_array_append_new(out, json_string(k));
  }
  return out;
}

/* A copy of doc without children [from, to) of the list at the container. */
static json_t *without(json_t *doc, const json_t *path, const json_t *children, size_t from,
                       size_t to)
{
  json_t *cand = json_deep_copy(doc);
  json_t *v = path_get(cand, path);
  for (size_t i = to; i-- > from;) {
    json_t *c = json_array_get(children, i);
    if (json_is_string(c))
      json_object_del(v, json_string_value(c));
    else
      json_array_remove(v, (size_t)json_integer_value(c));
  }
  return cand;
}

static size_t leaves(const json_t *v)
{
  size_t n = 0;
  if (json_is_object(v)) {
    const char *k;
    json_t *c;
    json_object_foreach((json_t *)v, k, c) n += leaves(c);
  } else if (json_is_array(v)) {
    size_t i;
    json_t *c;
    json_array_foreach(v, i, c) n += leaves(c);
  } else if (v && !json_is_null(v)) {
    n = 1;
  }
  return n;
}

/* config + fault as compact JSON with sorted keys: the size, and the key of
 * the cache of candidates known not to fail. */
static char *reduced_text(const json_t *doc)
{
  json_t *pair = json_pack("{s:O?, s:O?}", "config", json_object_get(doc, "config"), "fault",
                           json_object_get(doc, "fault"));
  char *s = pair ? json_dumps(pair, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(pair);
  return s;
}

void nsc_shrink_measure(const json_t *doc, size_t *bytes, size_t *fields)
{
  char *s = reduced_text(doc);
  *bytes = s ? strlen(s) : 0;
  free(s);
  *fields = leaves(json_object_get(doc, "config")) + leaves(json_object_get(doc, "fault"));
}

struct engine {
  nsc_shrink_pred pred;
  void *arg;
  size_t max;
  struct nsc_shrink_stats *st;
  char **passing; /* candidates that did not fail */
  size_t n_passing, cap_passing;
};

/* 1: cand still fails; 0: it does not (or the budget is spent); -1 error. */
static int test(struct engine *e, const json_t *cand, struct nsrt_err *err)
{
  char *key = reduced_text(cand);
  for (size_t i = 0; key && i < e->n_passing; i++)
    if (strcmp(e->passing[i], key) == 0) {
      free(key);
      return 0;
    }
  if (e->st->replays >= e->max) {
    e->st->budget_hit = true;
    free(key);
    return 0;
  }
  e->st->replays++;
  int r = e->pred(cand, e->arg, err);
  if (r == 0 && key) {
    if (e->n_passing == e->cap_passing) {
      size_t cap = e->cap_passing ? 2 * e->cap_passing : 32;
      char **v = realloc(e->passing, cap * sizeof(*v));
      if (v) {
        e->passing = v;
        e->cap_passing = cap;
      }
    }
    if (e->n_passing < e->cap_passing) {
      e->passing[e->n_passing++] = key;
      key = NULL;
    }
  }
  free(key);
  return r;
}

/* ddmin on the children of one container: try removing chunks of n equal
 * parts, from halves down to single entries.  *changed is set when
 * something went. */
static int reduce_container(struct engine *e, json_t **cur, const json_t *path, bool *changed,
                            struct nsrt_err *err)
{
  json_t *children = removable(*cur, path);
  size_t n = 2;
  int ret = 0;
  while (json_array_size(children) > 0 && !e->st->budget_hit) {
    size_t len = json_array_size(children);
    if (n > len)
      n = len;
    size_t chunk = (len + n - 1) / n;
    bool removed = false;
    for (size_t from = 0; from < len && !removed; from += chunk) {
      size_t to = from + chunk < len ? from + chunk : len;
      json_t *cand = without(*cur, path, children, from, to);
      int r = test(e, cand, err);
      if (r < 0) {
        json_decref(cand);
        ret = -1;
        goto out;
      }
      if (r == 1) {
        json_decref(*cur);
        *cur = cand;
        *changed = removed = true;
      } else {
        json_decref(cand);
      }
    }
    if (removed) {
      json_decref(children);
      children = removable(*cur, path);
      n = n > 2 ? n - 1 : 2;
    } else if (n >= len) {
      break;
    } else {
      n = 2 * n < len ? 2 * n : len;
    }
  }
out:
  json_decref(children);
  return ret;
}

int nsc_shrink(const json_t *doc, nsc_shrink_pred pred, void *arg, size_t max_replays, json_t **out,
               struct nsc_shrink_stats *st, struct nsrt_err *err)
{
  memset(st, 0, sizeof(*st));
  *out = NULL;
  nsc_shrink_measure(doc, &st->bytes_before, &st->fields_before);
  struct engine e = {.pred = pred, .arg = arg, .max = max_replays, .st = st};
  json_t *cur = json_deep_copy(doc);
  if (!cur)
    return nsrt_fail_at(err, STAGE, ENOMEM, "copy", NULL);
  int ret = 0;
  bool changed = true;
  /* To a fixpoint: a removal deep down can make a parent's removal pass. */
  while (changed && ret == 0 && !st->budget_hit) {
    changed = false;
    json_t *list = containers(cur);
    for (size_t i = 0; i < json_array_size(list) && ret == 0 && !st->budget_hit; i++) {
      json_t *p = json_array_get(list, i);
      /* an earlier removal may have taken it (or shifted an index) */
      json_t *v = path_get(cur, p);
      if (json_is_object(v) || json_is_array(v))
        ret = reduce_container(&e, &cur, p, &changed, err);
    }
    json_decref(list);
  }
  for (size_t i = 0; i < e.n_passing; i++)
    free(e.passing[i]);
  free(e.passing);
  if (ret < 0) {
    json_decref(cur);
    return -1;
  }
  nsc_shrink_measure(cur, &st->bytes_after, &st->fields_after);
  *out = cur;
  return 0;
}
