/* Stage probes, what /proc shows: a stopped stage process read from outside
 * (nsc_stage_proc_read) and the parsers of its texts (stages_int.h). */
#include "stages.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "observe.h"
#include "stages_int.h"

/* ---- /proc as read -------------------------------------------------------- */

static char *read_at(int dirfd, const char *name)
{
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf)
      break;
    if (len + 1 >= cap) {
      char *bigger = cap < NSC_READ_FILE_MAX ? realloc(buf, cap * 2) : NULL;
      if (!bigger) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      free(buf);
      buf = NULL;
      break;
    }
    if (n == 0) {
      buf[len] = '\0';
      break;
    }
    len += (size_t)n;
  }
  close(fd);
  return buf;
}

static int cmp_fd(const void *a, const void *b)
{
  return ((const struct nsc_stage_fd *)a)->fd - ((const struct nsc_stage_fd *)b)->fd;
}

static int read_fds(int procfd, struct nsc_stage_proc *p)
{
  int fd = openat(procfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return -1;
  }
  cleanup_close int info = openat(procfd, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  size_t cap = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!isdigit((unsigned char)de->d_name[0]))
      continue;
    if (p->n_fds == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      struct nsc_stage_fd *v = realloc(p->fds, ncap * sizeof(*v));
      if (!v)
        break;
      p->fds = v;
      cap = ncap;
    }
    struct nsc_stage_fd *f = &p->fds[p->n_fds++];
    memset(f, 0, sizeof(*f));
    f->fd = atoi(de->d_name);
    ssize_t n = readlinkat(dirfd(d), de->d_name, f->target, sizeof(f->target) - 1);
    f->target[n > 0 ? n : 0] = '\0';
    f->fdinfo = info >= 0 ? read_at(info, de->d_name) : NULL;
  }
  closedir(d);
  if (p->n_fds)
    qsort(p->fds, p->n_fds, sizeof(p->fds[0]), cmp_fd);
  return 0;
}

int nsc_stage_proc_read(pid_t pid, struct nsc_stage_proc *p, struct nsrt_err *err)
{
  memset(p, 0, sizeof(*p));
  p->pid = pid;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d", (int)pid);
  cleanup_close int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return nsrt_fail_at(err, "stages", errno, "proc", "open %s", path);
  /* A file, not the directory: /proc/PID itself always shows the euid. */
  struct stat st;
  if (fstatat(dir, "status", &st, 0) == 0) {
    p->owner_known = true;
    p->owner_uid = st.st_uid;
    p->owner_gid = st.st_gid;
  }
  char *comm = read_at(dir, "comm");
  if (comm) {
    snprintf(p->comm, sizeof(p->comm), "%.*s", (int)strcspn(comm, "\n"), comm);
    free(comm);
  }
  p->status = read_at(dir, "status");
  p->uid_map = read_at(dir, "uid_map");
  p->gid_map = read_at(dir, "gid_map");
  p->setgroups = read_at(dir, "setgroups");
  p->limits = read_at(dir, "limits");
  p->mountinfo = read_at(dir, "mountinfo");
  p->timens_offsets = read_at(dir, "timens_offsets");
  for (int l = 0; l < NSC_LINK_COUNT; l++) {
    char link[96];
    snprintf(link, sizeof(link), "ns/%s", nsc_stage_link_names[l]);
    ssize_t n = readlinkat(dir, link, p->ns[l], sizeof(p->ns[l]) - 1);
    p->ns[l][n > 0 ? n : 0] = '\0';
  }
  if (fstatat(dir, "root", &st, 0) == 0) {
    p->root_known = true;
    p->root_dev = st.st_dev;
    p->root_ino = st.st_ino;
  }
  if (fstatat(dir, "cwd", &st, 0) == 0) {
    p->cwd_known = true;
    p->cwd_dev = st.st_dev;
    p->cwd_ino = st.st_ino;
  }
  read_fds(dir, p);
  if (!p->status)
    return nsrt_fail_at(err, "stages", errno ? errno : EIO, "proc", "read %s/status", path);
  return 0;
}

void nsc_stage_proc_free(struct nsc_stage_proc *p)
{
  free(p->status);
  free(p->uid_map);
  free(p->gid_map);
  free(p->setgroups);
  free(p->limits);
  free(p->mountinfo);
  free(p->timens_offsets);
  for (size_t i = 0; i < p->n_fds; i++)
    free(p->fds[i].fdinfo);
  free(p->fds);
  memset(p, 0, sizeof(*p));
}

/* ---- reading the texts ---------------------------------------------------- */

/* The value of "Key:\t..." in a status-like text, blanks trimmed. */
bool nsc_stage_text_field(const char *text, const char *key, char *out, size_t len)
{
  size_t klen = strlen(key);
  for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    if (strncmp(l, key, klen) != 0 || l[klen] != ':')
      continue;
    const char *v = l + klen + 1;
    while (*v == ' ' || *v == '\t')
      v++;
    size_t n = strcspn(v, "\n");
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
      n--;
    snprintf(out, len, "%.*s", (int)n, v);
    for (char *t = strchr(out, '\t'); t; t = strchr(t, '\t'))
      *t = ' '; /* "NSpid 42 1" rather than a tab in reports */
    return true;
  }
  return false;
}

/* Up to max blank-separated numbers of a field; -1 when the field is absent
 * or holds something else. */
int nsc_stage_field_numbers(const char *text, const char *key, int base, long long *v, int max)
{
  char buf[512];
  if (!text || !nsc_stage_text_field(text, key, buf, sizeof(buf)))
    return -1;
  int n = 0;
  char *s = buf;
  while (*s && n < max) {
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, base);
    if (end == s || errno)
      return -1;
    v[n++] = x;
    s = end;
    while (*s == ' ' || *s == '\t')
      s++;
  }
  return *s ? -1 : n;
}

int nsc_stage_cmp_range(const void *a, const void *b)
{
  const struct nsc_stage_range *x = a, *y = b;
  return (x->inside > y->inside) - (x->inside < y->inside);
}

/* uid_map/gid_map text -> ranges sorted by inside id; -1 when malformed. */
int nsc_stage_parse_map(const char *text, struct nsc_stage_range *r, size_t max)
{
  size_t n = 0;
  const char *s = text;
  while (s && *s) {
    long long a, b, c;
    int used = 0;
    if (sscanf(s, " %lld %lld %lld%n", &a, &b, &c, &used) != 3)
      break;
    if (n == max)
      return -1;
    r[n++] = (struct nsc_stage_range){a, b, c};
    s += used;
    while (*s == '\n' || *s == ' ')
      s++;
  }
  if (s && *s)
    return -1;
  qsort(r, n, sizeof(*r), nsc_stage_cmp_range);
  return (int)n;
}

void nsc_stage_map_text(const struct nsc_stage_range *r, size_t n, char *buf, size_t len)
{
  size_t off = 0;
  buf[0] = '\0';
  if (n == 0)
    snprintf(buf, len, "(empty)");
  for (size_t i = 0; i < n && off < len; i++)
    off += (size_t)snprintf(buf + off, len - off, "%s%lld %lld %lld", i ? ", " : "", r[i].inside,
                            r[i].outside, r[i].count);
}

/* The row names of /proc/PID/limits, by resource number. */
static const char *const limit_rows[] = {
    [RLIMIT_CPU] = "Max cpu time",
    [RLIMIT_FSIZE] = "Max file size",
    [RLIMIT_DATA] = "Max data size",
    [RLIMIT_STACK] = "Max stack size",
    [RLIMIT_CORE] = "Max core file size",
    [RLIMIT_RSS] = "Max resident set",
    [RLIMIT_NPROC] = "Max processes",
    [RLIMIT_NOFILE] = "Max open files",
    [RLIMIT_MEMLOCK] = "Max locked memory",
    [RLIMIT_AS] = "Max address space",
    [RLIMIT_LOCKS] = "Max file locks",
    [RLIMIT_SIGPENDING] = "Max pending signals",
    [RLIMIT_MSGQUEUE] = "Max msgqueue size",
    [RLIMIT_NICE] = "Max nice priority",
    [RLIMIT_RTPRIO] = "Max realtime priority",
    [RLIMIT_RTTIME] = "Max realtime timeout",
};

static bool limit_value(const char *tok, unsigned long long *v)
{
  if (strcmp(tok, "unlimited") == 0) {
    *v = RLIM_INFINITY;
    return true;
  }
  char *end;
  errno = 0;
  *v = strtoull(tok, &end, 10);
  return end != tok && !*end && !errno;
}

bool nsc_stage_parse_limit(const char *text, int res, unsigned long long *soft,
                           unsigned long long *hard)
{
  if (!text || res < 0 || (size_t)res >= sizeof(limit_rows) / sizeof(limit_rows[0]) ||
      !limit_rows[res])
    return false;
  const char *name = limit_rows[res];
  size_t nlen = strlen(name);
  for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    if (strncmp(l, name, nlen) != 0 || l[nlen] != ' ')
      continue;
    char s[32], h[32];
    if (sscanf(l + nlen, " %31s %31s", s, h) != 2)
      return false;
    return limit_value(s, soft) && limit_value(h, hard);
  }
  return false;
}

void nsc_stage_limit_text(unsigned long long v, char *buf, size_t len)
{
  if (v == RLIM_INFINITY)
    snprintf(buf, len, "unlimited");
  else
    snprintf(buf, len, "%llu", v);
}

/* The flags of an fdinfo text (octal); false when absent. */
bool nsc_stage_fdinfo_flags(const char *text, unsigned long *flags)
{
  long long v[1];
  if (nsc_stage_field_numbers(text, "flags", 8, v, 1) != 1)
    return false;
  *flags = (unsigned long)v[0];
  return true;
}

/* In place: the kernel's \ooo escapes of a mountinfo path. */
void nsc_stage_unescape(char *s)
{
  char *w = s;
  for (char *r = s; *r; r++) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
        r[3] <= '7') {
      *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
      r += 3;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
}
