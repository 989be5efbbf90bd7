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
      return nsrt_fail_at(err, "bugs", EINVAL, "NSRT_BUGS", "unknown bug \"%.*s\"", (int)len, p);
    p = end ? end + 1 : NULL;
  }
  return 0;
}

static int by_name(const void *a, const void *b)
{
  return strcmp((*(const struct nsrt_bug *const *)a)->name,
                (*(const struct nsrt_bug *const *)b)->name);
}

void nsrt_bugs_list(void)
{
  size_t n = (size_t)(__stop_nsrt_bug - __start_nsrt_bug);
  if (!__start_nsrt_bug || n == 0)
    return;
  const struct nsrt_bug **v = malloc(n * sizeof(*v));
  if (!v)
    return;
  memcpy(v, __start_nsrt_bug, n * sizeof(*v));
  qsort(v, n, sizeof(*v), by_name);
  for (size_t i = 0; i < n; i++)
    if (i == 0 || strcmp(v[i]->name, v[i - 1]->name) != 0)
      printf("%-32s %s:%d\n", v[i]->name, v[i]->file, v[i]->line);
  free(v);
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

void nsrt_bugs_list(void)
{
}
#endif
