/* The switches of the deliberate defects (bugs.h). */
#include "bugs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#ifdef NSRT_KNOWN_BUGS
extern const struct nsrt_bug *const __start_nsrt_bug[] __attribute__((weak));
extern const struct nsrt_bug *const __stop_nsrt_bug[] __attribute__((weak));

/* True when the comma-separated list names name exactly. */
static bool list_has(const char *list, const char *name)
{
  size_t n = strlen(name);
  for (const char *p = list; p && *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0)
      return true;
    p = end ? end + 1 : NULL;
  }
  return false;
}

bool nsrt_bug_on(const struct nsrt_bug *b)
{
  return list_has(getenv("NSRT_BUGS"), b->name);
}

bool nsrt_bugs_built(void)
{
  return true;
}

static bool registered(const char *name, size_t len)
{
  for (const struct nsrt_bug *const *b = __start_nsrt_bug; b && b < __stop_nsrt_bug; b++)
    if (strlen((*b)->name) == len && strncmp((*b)->name, name, len) == 0)
      return true;
  return false;
}

int nsrt_bugs_init_from_env(struct nsrt_err *err)
{
  const char *list = getenv("NSRT_BUGS");
  for (const char *p = list; p && *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len && !registered(p, len))
      return nsrt_fail_at(err, "bugs", 0, "NSRT_BUGS",
                          "unknown bug \"%.*s\" (`nsrt-bugs bugs` lists them)", (int)len, p);
    p = end ? end + 1 : NULL;
  }
  return 0;
}

static int by_name(const void *a, const void *b)
{
  return strcmp((*(const struct nsrt_bug *const *)a)->name,
                (*(const struct nsrt_bug *const *)b)->name);
}

/* By name, then by place, so the first site of a name is its lowest line. */
static int by_name_place(const void *a, const void *b)
{
  const struct nsrt_bug *x = *(const struct nsrt_bug *const *)a;
  const struct nsrt_bug *y = *(const struct nsrt_bug *const *)b;
  int c = by_name(a, b);
  if (c == 0)
    c = strcmp(x->file, y->file);
  return c ? c : x->line - y->line;
}

size_t nsrt_bugs_list(FILE *f)
{
  const struct nsrt_bug *const *begin = __start_nsrt_bug, *const *end = __stop_nsrt_bug;
  if (!begin || end <= begin)
    return 0;
  size_t n = (size_t)(end - begin);
  const struct nsrt_bug **v = malloc(n * sizeof(*v));
  if (!v)
    return 0;
  memcpy(v, begin, n * sizeof(*v));
  qsort(v, n, sizeof(*v), by_name_place);
  size_t shown = 0;
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && strcmp(v[i]->name, v[i - 1]->name) == 0)
      continue;
    fprintf(f, "%-28s %s:%d%s\n", v[i]->name, v[i]->file, v[i]->line,
            nsrt_bug_on(v[i]) ? " (on)" : "");
    shown++;
  }
  free(v);
  return shown;
}
#else
bool nsrt_bugs_built(void)
{
  return false;
}

int nsrt_bugs_init_from_env(struct nsrt_err *err)
{
  (void)err;
  return 0;
}

size_t nsrt_bugs_list(FILE *f)
{
  (void)f;
  return 0;
}
#endif
