/* Commands that look without changing anything: list, failpoints. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "error.h"
#include "failpoint.h"
#include "log.h"
#include "state.h"

struct listed {
  struct container_state st;
  enum container_status status;
};

static int compare_listed(const void *a, const void *b)
{
  return strcmp(((const struct listed *)a)->st.id, ((const struct listed *)b)->st.id);
}

/* Every container under root whose state loads; others are skipped with a
 * debug line (a create in progress has a directory but no state yet). */
static int load_all(const char *root, struct listed **out, size_t *n, struct nsrt_err *err)
{
  *out = NULL;
  *n = 0;
  DIR *dir = opendir(root);
  if (!dir) {
    if (errno == ENOENT)
      return 0;
    return nsrt_fail(err, errno, "list", "open %s", root);
  }
  size_t cap = 0;
  struct dirent *de;
  int ret = 0;
  while ((de = readdir(dir))) {
    if (de->d_name[0] == '.')
      continue;
    struct nsrt_err skip;
    struct container_state st;
    if (state_load(root, de->d_name, &st, &skip) < 0) {
      char line[NSRT_ERR_STEP_MAX + NSRT_ERR_TEXT_MAX + 64];
      nsrt_err_format(&skip, line, sizeof(line));
      nsrt_debug("list: skipping %s: %s", de->d_name, line);
      continue;
    }
    if (*n == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      struct listed *bigger = realloc(*out, ncap * sizeof(**out));
      if (!bigger) {
        state_free(&st);
        ret = nsrt_fail(err, ENOMEM, "list", NULL);
        break;
      }
      *out = bigger;
      cap = ncap;
    }
    (*out)[*n].st = st;
    (*out)[*n].status = state_status(&st);
    (*n)++;
  }
  closedir(dir);
  if (*n)
    qsort(*out, *n, sizeof(**out), compare_listed);
  return ret;
}

static void free_all(struct listed *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    state_free(&v[i].st);
  free(v);
}

static json_t *listed_to_json(const struct listed *l)
{
  json_t *ann = json_object();
  for (size_t i = 0; ann && i < l->st.n_annotations; i++)
    json_object_set_new(ann, l->st.annotations[i].key, json_string(l->st.annotations[i].value));
  bool alive = l->status == STATUS_CREATED || l->status == STATUS_RUNNING;
  return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:o}", "ociVersion", l->st.oci_version, "id",
                   l->st.id, "pid", (json_int_t)(alive ? l->st.pid : 0), "status",
                   state_status_name(l->status), "bundle", l->st.bundle, "created", l->st.created,
                   "annotations", ann);
}

static int print_json_list(const struct listed *v, size_t n, struct nsrt_err *err)
{
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    if (json_array_append_new(a, listed_to_json(&v[i])) < 0) {
      json_decref(a);
      a = NULL;
    }
  cleanup_free char *text = a ? json_dumps(a, JSON_INDENT(2)) : NULL;
  json_decref(a);
  if (!text)
    return nsrt_fail(err, ENOMEM, "list", "build the JSON list");
  printf("%s\n", text);
  return 0;
}

static void print_table(const struct listed *v, size_t n)
{
  int w_id = 2, w_status = 6;
  for (size_t i = 0; i < n; i++) {
    int len = (int)strlen(v[i].st.id);
    if (len > w_id)
      w_id = len;
  }
  printf("%-*s  %-8s  %-*s  %-40s  %s\n", w_id, "ID", "PID", w_status + 1, "STATUS", "BUNDLE",
         "CREATED");
  for (size_t i = 0; i < n; i++) {
    bool alive = v[i].status == STATUS_CREATED || v[i].status == STATUS_RUNNING;
    printf("%-*s  %-8d  %-*s  %-40s  %s\n", w_id, v[i].st.id, alive ? (int)v[i].st.pid : 0,
           w_status + 1, state_status_name(v[i].status), v[i].st.bundle, v[i].st.created);
  }
}

int cmd_list(struct cli *c, int argc, char **argv)
{
  static const struct option longopts[] = {
      {"format", required_argument, NULL, 'f'},
      {"quiet", no_argument, NULL, 'q'},
      CLI_HELP_OPTION,
      {NULL, 0, NULL, 0},
  };
  bool json = false, quiet = false;
  int opt, code = 1;
  while ((opt = cli_getopt(c, argc, argv, "f:q", longopts, &code)) != -1) {
    if (opt == CLI_OPT_DONE)
      return code;
    if (opt == 'q')
      quiet = true;
    if (opt == 'f') {
      if (strcmp(optarg, "json") == 0)
        json = true;
      else if (strcmp(optarg, "table") == 0)
        json = false;
      else
        return cli_usage_error(c, "--format must be table or json, not '%s'", optarg);
    }
  }
  code = cli_operands(c, argc - optind, 0, 0);
  if (code)
    return code;
  struct nsrt_err err;
  nsrt_err_clear(&err);
  struct listed *v;
  size_t n;
  if (load_all(c->root, &v, &n, &err) < 0) {
    free_all(v, n);
    return cli_fail(&err);
  }
  int ret = 0;
  if (quiet)
    for (size_t i = 0; i < n; i++)
      printf("%s\n", v[i].st.id);
  else if (json)
    ret = print_json_list(v, n, &err) < 0 ? cli_fail(&err) : 0;
  else
    print_table(v, n);
  free_all(v, n);
  return ret;
}

static int compare_points(const void *a, const void *b)
{
  const struct nsrt_failpoint *x = *(struct nsrt_failpoint *const *)a;
  const struct nsrt_failpoint *y = *(struct nsrt_failpoint *const *)b;
  int r = strcmp(x->name, y->name);
  if (r == 0)
    r = strcmp(x->file, y->file);
  return r ? r : x->line - y->line;
}

static json_t *actions_array(const char *list)
{
  json_t *a = json_array();
  const char *p = list;
  while (a && *p) {
    size_t len = strcspn(p, ",");
    json_array_append_new(a, json_stringn(p, len));
    p += len;
    if (*p == ',')
      p++;
  }
  return a;
}

static int print_points_json(struct nsrt_failpoint **v, size_t n, struct nsrt_err *err)
{
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++) {
    json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:o}", "name", v[i]->name, "kind",
                          nsrt_fp_kind_name(v[i]->kind), "file", v[i]->file, "line", v[i]->line,
                          "actions", actions_array(nsrt_fp_kind_actions(v[i]->kind)));
    if (json_array_append_new(a, o) < 0) {
      json_decref(a);
      a = NULL;
    }
  }
  cleanup_free char *text = a ? json_dumps(a, JSON_INDENT(2)) : NULL;
  json_decref(a);
  if (!text)
    return nsrt_fail(err, ENOMEM, "failpoints", "build the JSON list");
  printf("%s\n", text);
  return 0;
}

static void print_points_table(struct nsrt_failpoint **v, size_t n)
{
  int w_name = 4, w_loc = 8;
  for (size_t i = 0; i < n; i++) {
    int len = (int)strlen(v[i]->name);
    if (len > w_name)
      w_name = len;
    len = snprintf(NULL, 0, "%s:%d", v[i]->file, v[i]->line);
    if (len > w_loc)
      w_loc = len;
  }
  printf("%-*s  %-5s  %-*s  %s\n", w_name, "NAME", "KIND", w_loc, "LOCATION", "ACTIONS");
  for (size_t i = 0; i < n; i++) {
    char loc[512];
    snprintf(loc, sizeof(loc), "%s:%d", v[i]->file, v[i]->line);
    printf("%-*s  %-5s  %-*s  %s\n", w_name, v[i]->name, nsrt_fp_kind_name(v[i]->kind), w_loc, loc,
           nsrt_fp_kind_actions(v[i]->kind));
  }
}

int cmd_failpoints(struct cli *c, int argc, char **argv)
{
  enum { OPT_JSON = 256 };
  static const struct option longopts[] = {
      {"json", no_argument, NULL, OPT_JSON},
      CLI_HELP_OPTION,
      {NULL, 0, NULL, 0},
  };
  bool json = false;
  int opt, code = 1;
  while ((opt = cli_getopt(c, argc, argv, "", longopts, &code)) != -1) {
    if (opt == CLI_OPT_DONE)
      return code;
    if (opt == OPT_JSON)
      json = true;
  }
  code = cli_operands(c, argc - optind, 0, 0);
  if (code)
    return code;
  struct nsrt_failpoint *const *begin = nsrt_fp_begin(), *const *end = nsrt_fp_end();
  size_t n = (size_t)(end - begin);
  cleanup_free struct nsrt_failpoint **v = calloc(n ? n : 1, sizeof(*v));
  struct nsrt_err err;
  nsrt_err_clear(&err);
  if (!v) {
    nsrt_fail(&err, ENOMEM, "failpoints", NULL);
    return cli_fail(&err);
  }
  size_t k = 0;
  for (struct nsrt_failpoint *const *p = begin; p < end; p++)
    if (*p)
      v[k++] = *p;
  qsort(v, k, sizeof(*v), compare_points);
  if (json)
    return print_points_json(v, k, &err) < 0 ? cli_fail(&err) : 0;
  print_points_table(v, k);
  return 0;
}
