/* Ownership helpers: a variable declared with one of these attributes is
 * released when it goes out of scope; hand ownership on with
 * take_fd(&fd) / take_ptr(&p), which return the value and reset the
 * variable so the cleanup does nothing. */
#ifndef NSRT_CLEANUP_H
#define NSRT_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static inline void cleanup_free_fn(void *p) { free(*(void **)p); }
static inline void cleanup_close_fn(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
static inline void cleanup_fclose_fn(FILE **f)
{
  if (*f) {
    int saved = errno;
    fclose(*f);
    errno = saved;
  }
}

#define cleanup_free __attribute__((cleanup(cleanup_free_fn)))
#define cleanup_close __attribute__((cleanup(cleanup_close_fn)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclose_fn)))

static inline int take_fd(int *fd)
{
  int v = *fd;
  *fd = -1;
  return v;
}

static inline void *take_ptr_impl(void **p)
{
  void *v = *p;
  *p = NULL;
  return v;
}
#define take_ptr(pp) take_ptr_impl((void **)(pp))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
