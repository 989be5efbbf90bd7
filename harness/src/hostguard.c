/* The host-integrity guard: a few lstat calls, uname, getrlimit and one read
 * of /proc/self/status before and after each case. */
#include "hostguard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "driver_int.h"
#include "requirements.h"

const char *const nsc_hostguard_default_nodes[] = {
    "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", NULL};

static const char *const rlimit_names[RLIM_NLIMITS] = {
    [RLIMIT_CPU] = "RLIMIT_CPU",           [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
    [RLIMIT_DATA] = "RLIMIT_DATA",         [RLIMIT_STACK] = "RLIMIT_STACK",
    [RLIMIT_CORE] = "RLIMIT_CORE",         [RLIMIT_RSS] = "RLIMIT_RSS",
    [RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
    [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
    [RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
    [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

void nsc_hostguard_init(struct nsc_hostguard *g)
{
  memset(g, 0, sizeof(*g));
}

static void read_node(struct nsc_host_node *n, const char *path)
{
  struct stat st;
  memset(n, 0, sizeof(*n));
  snprintf(n->path, sizeof(n->path), "%s", path);
  if (lstat(path, &st) < 0)
    return;
  n->present = true;
  n->uid = st.st_uid;
  n->gid = st.st_gid;
  n->mode = st.st_mode;
  n->rdev = st.st_rdev;
  n->ino = st.st_ino;
}

int nsc_hostguard_add_node(struct nsc_hostguard *g, const char *path)
{
  if (!path || path[0] != '/' || strlen(path) >= NSC_HOSTGUARD_PATH)
    return -1;
  for (size_t i = 0; i < g->n_nodes; i++)
    if (strcmp(g->nodes[i].path, path) == 0)
      return 0;
  if (g->n_nodes >= NSC_HOSTGUARD_NODES)
    return -1;
  read_node(&g->nodes[g->n_nodes++], path);
  return 0;
}

/* A host path under /dev that names no parent directory. */
static bool dev_path(const char *p)
{
  return p && strncmp(p, "/dev/", 5) == 0 && p[5] && !strstr(p, "/../") &&
         strcmp(p + strlen(p) - 3, "/..") != 0;
}

void nsc_hostguard_add_config(struct nsc_hostguard *g, const json_t *config)
{
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(json_object_get(config, "linux"), "devices"), i, e)
  {
    const char *p = json_string_value(json_object_get(e, "path"));
    if (dev_path(p))
      nsc_hostguard_add_node(g, p);
  }
  json_array_foreach(json_object_get(config, "mounts"), i, e)
  {
    const char *p = json_string_value(json_object_get(e, "source"));
    if (dev_path(p))
      nsc_hostguard_add_node(g, p);
  }
}

void nsc_hostguard_add_names(struct nsc_hostguard *g)
{
  struct utsname u;
  if (uname(&u) < 0)
    return;
  g->names = true;
  snprintf(g->hostname, sizeof(g->hostname), "%s", u.nodename);
  snprintf(g->domainname, sizeof(g->domainname), "%s", u.domainname);
}

/* The umask as /proc/self/status says, without changing it; -1 if unknown. */
static int read_umask(void)
{
  cleanup_close int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  const char *u = strstr(buf, "\nUmask:");
  return u ? (int)strtol(u + 7, NULL, 8) : -1;
}

void nsc_hostguard_add_process(struct nsc_hostguard *g)
{
  int mask = read_umask();
  if (mask < 0)
    return;
  for (int r = 0; r < RLIM_NLIMITS; r++)
    if (getrlimit(r, &g->rlimits[r]) < 0)
      return;
  g->umask = (mode_t)mask;
  g->process = true;
}

void nsc_hostguard_snapshot(struct nsc_hostguard *g, const json_t *config)
{
  nsc_hostguard_init(g);
  for (const char *const *p = nsc_hostguard_default_nodes; *p; p++)
    nsc_hostguard_add_node(g, *p);
  if (config)
    nsc_hostguard_add_config(g, config);
  nsc_hostguard_add_names(g);
  nsc_hostguard_add_process(g);
}

/* ---- compare ----------------------------------------------------------- */

struct changes {
  char **v;
  size_t n;
};

static void add_change(struct changes *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_change(struct changes *c, const char *fmt, ...)
{
  char *s;
  va_list ap;
  va_start(ap, fmt);
  int ret = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (ret < 0)
    return;
  char **v = realloc(c->v, (c->n + 2) * sizeof(char *));
  if (!v) {
    free(s);
    return;
  }
  v[c->n++] = s;
  v[c->n] = NULL;
  c->v = v;
}

static char type_char(mode_t m)
{
  switch (m & S_IFMT) {
  case S_IFCHR:
    return 'c';
  case S_IFBLK:
    return 'b';
  case S_IFIFO:
    return 'p';
  case S_IFDIR:
    return 'd';
  case S_IFLNK:
    return 'l';
  case S_IFSOCK:
    return 's';
  default:
    return 'f';
  }
}

/* "c 1:3 owned 0:0 mode 0666" */
static void describe(const struct nsc_host_node *n, char *buf, size_t len)
{
  if (!n->present) {
    snprintf(buf, len, "absent");
    return;
  }
  char t = type_char(n->mode);
  if (t == 'c' || t == 'b')
    snprintf(buf, len, "%c %u:%u owned %u:%u mode 0%03o", t, major(n->rdev), minor(n->rdev), n->uid,
             n->gid, (unsigned)(n->mode & 07777));
  else
    snprintf(buf, len, "%c owned %u:%u mode 0%03o", t, n->uid, n->gid, (unsigned)(n->mode & 07777));
}

/* Owner and mode of the node at n->path back to n's. */
static int restore_attrs(const struct nsc_host_node *n, char *why, size_t len)
{
  if (fchownat(AT_FDCWD, n->path, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0) {
    snprintf(why, len, "chown: %s", strerror(errno));
    return -1;
  }
  if (!S_ISLNK(n->mode) && fchmodat(AT_FDCWD, n->path, n->mode & 07777, 0) < 0) {
    snprintf(why, len, "chmod: %s", strerror(errno));
    return -1;
  }
  return 0;
}

static void check_node(const struct nsc_host_node *was, bool restore, struct changes *c)
{
  struct nsc_host_node now;
  read_node(&now, was->path);
  if (!was->present && !now.present)
    return;
  char before[96], after[96], why[128];
  describe(was, before, sizeof(before));
  describe(&now, after, sizeof(after));
  if (was->present && !now.present) {
    char t = type_char(was->mode);
    if (!restore) {
      add_change(c, "%s is gone (was %s)", was->path, before);
    } else if (t != 'c' && t != 'b' && t != 'p') {
      add_change(c, "%s is gone (was %s), not restored: not a device node", was->path, before);
    } else if (mknod(was->path, was->mode, was->rdev) < 0) {
      add_change(c, "%s is gone (was %s), not restored: mknod: %s", was->path, before,
                 strerror(errno));
    } else if (restore_attrs(was, why, sizeof(why)) < 0) {
      add_change(c, "%s is gone (was %s), made again but not restored: %s", was->path, before, why);
    } else {
      add_change(c, "%s is gone (was %s), made again", was->path, before);
    }
    return;
  }
  if (!was->present) {
    add_change(c, "%s appeared (%s)%s", was->path, after, restore ? ", not removed" : "");
    return;
  }
  if ((was->mode & S_IFMT) != (now.mode & S_IFMT) || was->rdev != now.rdev || was->ino != now.ino) {
    add_change(c, "%s was replaced: %s inode %ju -> %s inode %ju%s", was->path, before,
               (uintmax_t)was->ino, after, (uintmax_t)now.ino, restore ? ", not restored" : "");
    return;
  }
  if (was->uid == now.uid && was->gid == now.gid && was->mode == now.mode)
    return;
  char what[160] = "";
  if (was->uid != now.uid || was->gid != now.gid)
    snprintf(what, sizeof(what), "owner %u:%u -> %u:%u", was->uid, was->gid, now.uid, now.gid);
  if (was->mode != now.mode)
    snprintf(what + strlen(what), sizeof(what) - strlen(what), "%smode 0%03o -> 0%03o",
             what[0] ? ", " : "", (unsigned)(was->mode & 07777), (unsigned)(now.mode & 07777));
  if (!restore)
    add_change(c, "%s %s", was->path, what);
  else if (restore_attrs(was, why, sizeof(why)) < 0)
    add_change(c, "%s %s, not restored: %s", was->path, what, why);
  else
    add_change(c, "%s %s, restored", was->path, what);
}

static void check_name(const char *what, const char *was, const char *now, bool restore,
                       int (*set)(const char *, size_t), struct changes *c)
{
  if (strcmp(was, now) == 0)
    return;
  if (!restore)
    add_change(c, "%s \"%s\" -> \"%s\"", what, was, now);
  else if (set(was, strlen(was)) < 0)
    add_change(c, "%s \"%s\" -> \"%s\", not restored: %s", what, was, now, strerror(errno));
  else
    add_change(c, "%s \"%s\" -> \"%s\", restored", what, was, now);
}

static void rlim_text(rlim_t v, char *buf, size_t len)
{
  if (v == RLIM_INFINITY)
    snprintf(buf, len, "unlimited");
  else
    snprintf(buf, len, "%ju", (uintmax_t)v);
}

static void check_process(const struct nsc_hostguard *g, bool restore, struct changes *c)
{
  int mask = read_umask();
  if (mask >= 0 && (mode_t)mask != g->umask) {
    if (restore)
      umask(g->umask);
    add_change(c, "the harness's umask 0%03o -> 0%03o%s", (unsigned)g->umask, (unsigned)mask,
               restore ? ", restored" : "");
  }
  for (int r = 0; r < RLIM_NLIMITS; r++) {
    struct rlimit now;
    const struct rlimit *was = &g->rlimits[r];
    if (getrlimit(r, &now) < 0 || (now.rlim_cur == was->rlim_cur && now.rlim_max == was->rlim_max))
      continue;
    char a[32], b[32], d[32], e[32];
    rlim_text(was->rlim_cur, a, sizeof(a));
    rlim_text(was->rlim_max, b, sizeof(b));
    rlim_text(now.rlim_cur, d, sizeof(d));
    rlim_text(now.rlim_max, e, sizeof(e));
    const char *name = rlimit_names[r] ? rlimit_names[r] : "rlimit";
    if (!restore)
      add_change(c, "the harness's %s %s/%s -> %s/%s", name, a, b, d, e);
    else if (setrlimit(r, was) < 0)
      add_change(c, "the harness's %s %s/%s -> %s/%s, not restored: %s", name, a, b, d, e,
                 strerror(errno));
    else
      add_change(c, "the harness's %s %s/%s -> %s/%s, restored", name, a, b, d, e);
  }
}

char **nsc_hostguard_check(const struct nsc_hostguard *g, bool restore)
{
  struct changes c = {0};
  for (size_t i = 0; i < g->n_nodes; i++)
    check_node(&g->nodes[i], restore, &c);
  struct utsname u;
  if (g->names && uname(&u) == 0) {
    check_name("hostname", g->hostname, u.nodename, restore, sethostname, &c);
    check_name("domainname", g->domainname, u.domainname, restore, setdomainname, &c);
  }
  if (g->process)
    check_process(g, restore, &c);
  return c.v;
}

void nsc_hostguard_free(char **changes)
{
  for (char **s = changes; s && *s; s++)
    free(*s);
  free(changes);
}

void nsc_hostguard_case(struct case_ctx *x, const struct nsc_hostguard *g)
{
  static const char expected[] = "host /dev nodes, hostname, domainname and the harness's umask "
                                 "and rlimits as before the case";
  char **changes = nsc_hostguard_check(g, true);
  if (!changes) {
    nsc_case_verdict(x, REQ("robust.host.unchanged"), true, expected,
                     "unchanged (%zu nodes, names %s, umask and rlimits %s)", g->n_nodes,
                     g->names ? "checked" : "not read", g->process ? "checked" : "not read");
    return;
  }
  char actual[2048] = "";
  for (char **s = changes; *s; s++)
    snprintf(actual + strlen(actual), sizeof(actual) - strlen(actual), "%s%s",
             actual[0] ? "; " : "", *s);
  nsc_case_verdict(x, REQ("robust.host.unchanged"), false, expected, "%s", actual);
  nsc_hostguard_free(changes);
}
