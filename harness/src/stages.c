/* Stage probes: nsrt paused at its stage boundaries, /proc read from
 * outside, judged against the config.  Reads in the order of a case:
 * boundaries, expectations, /proc as read, the checks of each boundary, the
 * cases, and the run. */
#include "stages.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "driver_int.h"
#include "error.h"
#include "faults.h"
#include "judge.h"
#include "observe.h"
#include "process.h"
#include "requirements.h"
#include "spec.h"

/* How long a boundary may take to be reached once the command is running. */
#define HIT_TIMEOUT_MS 10000
/* How long a stage process may take to stop after its hit line. */
#define STOP_TIMEOUT_MS 2000
/* The runtime's own channel and start deadlines while a stage is stopped:
 * far above what an inspection takes (milliseconds), so the peers of a
 * stopped stage never give up first; a case that hangs is still ended by
 * the harness's bound on each command. */
#define STAGE_SYNC_TIMEOUT_MS 60000
/* Host ids the kernel shows for an id without a mapping. */
#define OVERFLOW_ID 65534

#define INTER_COMM "nsrt:[1:INTER]"
#define INIT_COMM  "nsrt:[2:INIT]"

const char *const nsc_stage_link_names[NSC_LINK_COUNT] = {
    [NSC_LINK_USER] = "user",
    [NSC_LINK_PID] = "pid",
    [NSC_LINK_PID_FC] = "pid_for_children",
    [NSC_LINK_MNT] = "mnt",
    [NSC_LINK_UTS] = "uts",
    [NSC_LINK_IPC] = "ipc",
    [NSC_LINK_NET] = "net",
    [NSC_LINK_CGROUP] = "cgroup",
    [NSC_LINK_TIME] = "time",
    [NSC_LINK_TIME_FC] = "time_for_children",
};

/* The link of a process's own namespace of each type. */
static const enum nsc_stage_link own_link[NS_COUNT] = {
    [NS_USER] = NSC_LINK_USER,     [NS_PID] = NSC_LINK_PID,   [NS_TIME] = NSC_LINK_TIME,
    [NS_UTS] = NSC_LINK_UTS,       [NS_IPC] = NSC_LINK_IPC,   [NS_NET] = NSC_LINK_NET,
    [NS_CGROUP] = NSC_LINK_CGROUP, [NS_MOUNT] = NSC_LINK_MNT,
};

/* ---- boundaries ----------------------------------------------------------- */

static enum nsc_stage_ns_mode ns_mode(const json_t *config, enum ns_type t)
{
  const json_t *list = json_object_get(json_object_get(config, "linux"), "namespaces");
  size_t i;
  const json_t *n;
  json_array_foreach(list, i, n)
  {
    const char *type = json_string_value(json_object_get(n, "type"));
    if (type && strcmp(type, ns_table[t].spec_name) == 0)
      return json_is_string(json_object_get(n, "path")) ? NSC_STAGE_NS_JOIN : NSC_STAGE_NS_NEW;
  }
  return NSC_STAGE_NS_ABSENT;
}

void nsc_stage_points(const json_t *config, struct nsc_stage_points *pts)
{
  /* intermediate.user_ready is reached right after the ids are switched in
   * a new (or joined) user namespace, before anything else of the
   * intermediate's; clone_init after its pid and time namespaces. */
  pts->user = ns_mode(config, NS_USER) == NSC_STAGE_NS_NEW ? "intermediate.user_ready" : NULL;
  pts->pidns = "intermediate.clone_init";
  pts->init = "init.execve";
}

/* ---- expectations --------------------------------------------------------- */

static int load_ranges(const json_t *list, struct nsc_stage_range *r, size_t *n, const char *what,
                       struct nsrt_err *err)
{
  *n = 0;
  size_t i;
  const json_t *m;
  json_array_foreach(list, i, m)
  {
    if (*n == NSC_STAGE_MAX_RANGES)
      return nsrt_fail_at(err, "stages", E2BIG, "expect", "more than %d %s", NSC_STAGE_MAX_RANGES,
                          what);
    r[*n].inside = json_integer_value(json_object_get(m, "containerID"));
    r[*n].outside = json_integer_value(json_object_get(m, "hostID"));
    r[*n].count = json_integer_value(json_object_get(m, "size"));
    (*n)++;
  }
  return 0;
}

/* A container id as the host sees it; OVERFLOW_ID when unmapped. */
static long long host_id(const struct nsc_stage_range *r, size_t n, bool userns, long long id)
{
  if (!userns)
    return id;
  for (size_t i = 0; i < n; i++)
    if (id >= r[i].inside && id < r[i].inside + r[i].count)
      return r[i].outside + (id - r[i].inside);
  return OVERFLOW_ID;
}

static bool maps_root(const struct nsc_stage_range *r, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (r[i].inside == 0 && r[i].count > 0)
      return true;
  return false;
}

static uint64_t caps_mask(const json_t *list)
{
  int last = cap_last_kernel();
  uint64_t valid = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
  uint64_t mask = 0;
  size_t i;
  const json_t *n;
  json_array_foreach(list, i, n)
  {
    int c = cap_from_name(json_string_value(n) ?: "");
    if (c >= 0 && c < 64)
      mask |= UINT64_C(1) << c;
  }
  return mask & valid;
}

static int cmp_ll(const void *a, const void *b)
{
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

static void add_mount_ok(struct nsc_stage_expect *e, const char *path, bool sub)
{
  if (!path || path[0] != '/' || e->n_mount_ok == NSC_STAGE_MAX_PATHS)
    return;
  struct nsc_stage_mount_ok *m = &e->mount_ok[e->n_mount_ok++];
  snprintf(m->path, sizeof(m->path), "%s", path);
  size_t len = strlen(m->path);
  while (len > 1 && m->path[len - 1] == '/')
    m->path[--len] = '\0';
  m->sub = sub;
}

static bool has_string(const json_t *list, const char *s)
{
  size_t i;
  const json_t *v;
  json_array_foreach(list, i,
                     v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return true;
  return false;
}

/* The mounts the config explains: its destinations (an rbind brings the
 * source's submounts along), masked and readonly paths, and the default
 * devices a runtime binds into a /dev of its own. */
static void expect_mounts(const json_t *config, struct nsc_stage_expect *e)
{
  add_mount_ok(e, "/", false);
  bool own_dev = false;
  size_t i;
  const json_t *m, *p;
  json_array_foreach(json_object_get(config, "mounts"), i, m)
  {
    const char *dest = json_string_value(json_object_get(m, "destination"));
    const json_t *opts = json_object_get(m, "options");
    add_mount_ok(e, dest, has_string(opts, "rbind"));
    if (dest && strcmp(dest, "/dev") == 0)
      own_dev = true;
  }
  const json_t *lx = json_object_get(config, "linux");
  json_array_foreach(json_object_get(lx, "maskedPaths"), i, p)
      add_mount_ok(e, json_string_value(p), false);
  json_array_foreach(json_object_get(lx, "readonlyPaths"), i, p)
      add_mount_ok(e, json_string_value(p), false);
  static const char *const devices[] = {"/dev/null",    "/dev/zero", "/dev/full",    "/dev/random",
                                        "/dev/urandom", "/dev/tty",  "/dev/console", "/dev/ptmx"};
  for (size_t d = 0; own_dev && d < sizeof(devices) / sizeof(devices[0]); d++)
    add_mount_ok(e, devices[d], false);
}

/* The mount (by destination) that holds path inside the container, or
 * NULL when it is on the root filesystem. */
static const char *mount_holding(const json_t *config, const char *path)
{
  const char *best = NULL;
  size_t best_len = 0, i;
  const json_t *m;
  json_array_foreach(json_object_get(config, "mounts"), i, m)
  {
    const char *dest = json_string_value(json_object_get(m, "destination"));
    size_t len = dest ? strlen(dest) : 0;
    while (len > 1 && dest[len - 1] == '/')
      len--;
    if (len > 1 && strncmp(path, dest, len) == 0 && (path[len] == '/' || path[len] == '\0') &&
        len > best_len) {
      best = dest;
      best_len = len;
    }
  }
  return best;
}

static void expect_paths(const json_t *config, struct nsc_stage_expect *e)
{
  const char *root = json_string_value(json_object_get(json_object_get(config, "root"), "path"));
  const char *cwd =
      json_string_value(json_object_get(json_object_get(config, "process"), "cwd")) ?: "/";
  snprintf(e->cwd, sizeof(e->cwd), "%s", cwd);
  struct stat st;
  if (root && root[0] == '/' && stat(root, &st) == 0) {
    e->root_known = true;
    e->root_dev = st.st_dev;
    e->root_ino = st.st_ino;
  }
  const char *holder = mount_holding(config, cwd);
  char path[PATH_MAX];
  if (!e->root_known)
    snprintf(e->cwd_skip, sizeof(e->cwd_skip), "root.path is not an existing absolute path");
  else if (holder)
    snprintf(e->cwd_skip, sizeof(e->cwd_skip), "cwd %.64s is on the mount at %.64s", cwd, holder);
  else if (snprintf(path, sizeof(path), "%s%s", root, cwd) >= (int)sizeof(path) ||
           stat(path, &st) < 0)
    snprintf(e->cwd_skip, sizeof(e->cwd_skip), "cwd %.64s is not a directory of the rootfs", cwd);
  else {
    e->cwd_known = true;
    e->cwd_dev = st.st_dev;
    e->cwd_ino = st.st_ino;
  }
}

static int expect_rlimits(const json_t *process, struct nsc_stage_expect *e, struct nsrt_err *err)
{
  size_t i;
  const json_t *r;
  json_array_foreach(json_object_get(process, "rlimits"), i, r)
  {
    const char *type = json_string_value(json_object_get(r, "type")) ?: "";
    int res = rlimit_from_name(type);
    if (res < 0)
      return nsrt_fail_at(err, "stages", EINVAL, "expect", "unknown rlimit %s", type);
    if (e->n_rlimits == NSC_STAGE_MAX_RLIMITS)
      return nsrt_fail_at(err, "stages", E2BIG, "expect", "more than %d rlimits",
                          NSC_STAGE_MAX_RLIMITS);
    struct nsc_stage_rlimit *l = &e->rlimits[e->n_rlimits++];
    l->resource = res;
    l->soft = (unsigned long long)json_integer_value(json_object_get(r, "soft"));
    l->hard = (unsigned long long)json_integer_value(json_object_get(r, "hard"));
  }
  return 0;
}

static void expect_time_offsets(const json_t *lx, struct nsc_stage_expect *e)
{
  const json_t *t = json_object_get(lx, "timeOffsets");
  if (!json_is_object(t))
    return;
  e->time_offsets = true;
  const json_t *mono = json_object_get(t, "monotonic"), *boot = json_object_get(t, "boottime");
  e->mono_s = json_integer_value(json_object_get(mono, "secs"));
  e->mono_ns = json_integer_value(json_object_get(mono, "nanosecs"));
  e->boot_s = json_integer_value(json_object_get(boot, "secs"));
  e->boot_ns = json_integer_value(json_object_get(boot, "nanosecs"));
}

int nsc_stage_expect_from(const json_t *config, const json_t *self, const json_t *targets,
                          struct nsc_stage_expect *e, struct nsrt_err *err)
{
  memset(e, 0, sizeof(*e));
  const json_t *process = json_object_get(config, "process");
  const json_t *lx = json_object_get(config, "linux");
  for (int t = 0; t < NS_COUNT; t++) {
    e->ns[t] = ns_mode(config, (enum ns_type)t);
    const char *target = json_string_value(json_object_get(targets, ns_table[t].spec_name));
    snprintf(e->target[t], sizeof(e->target[t]), "%s", target ? target : "");
  }
  const json_t *self_ns = json_object_get(self, "ns");
  for (int l = 0; l < NSC_LINK_COUNT; l++) {
    const char *s = json_string_value(json_object_get(self_ns, nsc_stage_link_names[l]));
    snprintf(e->self[l], sizeof(e->self[l]), "%s", s ? s : "");
  }

  bool userns = e->ns[NS_USER] == NSC_STAGE_NS_NEW;
  if (userns && (load_ranges(json_object_get(lx, "uidMappings"), e->uid_map, &e->n_uid_map,
                             "uid mappings", err) < 0 ||
                 load_ranges(json_object_get(lx, "gidMappings"), e->gid_map, &e->n_gid_map,
                             "gid mappings", err) < 0))
    return -1;
  /* A map writer with CAP_SETGID (nsrt run by root) leaves setgroups
   * allowed; without it the kernel takes a gid_map only after "deny", unless
   * a setuid helper writes it, which leaves either. */
  if (userns) {
    const char *eff =
        json_string_value(json_object_get(json_object_get(self, "caps"), "effective"));
    unsigned long long mask = eff ? strtoull(eff, NULL, 16) : 0;
    bool setgid_cap = (mask >> 6) & 1;
    e->setgroups = !eff ? NULL : setgid_cap ? "allow" : NULL;
  }

  const json_t *user = json_object_get(process, "user");
  long long uid = json_integer_value(json_object_get(user, "uid"));
  long long gid = json_integer_value(json_object_get(user, "gid"));
  e->uid = host_id(e->uid_map, e->n_uid_map, userns, uid);
  e->gid = host_id(e->gid_map, e->n_gid_map, userns, gid);
  /* The intermediate becomes the namespace's root when it has one, else the
   * container's user (stage_intermediate.c; pipeline.md 2.3). */
  e->inter_uid =
      host_id(e->uid_map, e->n_uid_map, userns, maps_root(e->uid_map, e->n_uid_map) ? 0 : uid);
  e->inter_gid =
      host_id(e->gid_map, e->n_gid_map, userns, maps_root(e->gid_map, e->n_gid_map) ? 0 : gid);
  size_t i;
  const json_t *g;
  json_array_foreach(json_object_get(user, "additionalGids"), i, g)
  {
    if (e->n_groups == NSC_STAGE_MAX_GROUPS)
      return nsrt_fail_at(err, "stages", E2BIG, "expect", "more than %d additionalGids",
                          NSC_STAGE_MAX_GROUPS);
    long long h = host_id(e->gid_map, e->n_gid_map, userns, json_integer_value(g));
    if (h == OVERFLOW_ID && userns)
      e->groups_unmapped = true;
    e->groups[e->n_groups++] = h;
  }
  qsort(e->groups, e->n_groups, sizeof(e->groups[0]), cmp_ll);

  const json_t *caps = json_object_get(process, "capabilities");
  e->have_caps = json_is_object(caps);
  static const char *const sets[5] = {"effective", "permitted", "inheritable", "bounding",
                                      "ambient"};
  for (int s = 0; s < 5; s++)
    e->caps[s] = caps_mask(json_object_get(caps, sets[s]));
  e->ambient_raisable = !(e->caps[4] & ~(e->caps[1] & e->caps[2]));

  e->nnp = json_is_true(json_object_get(process, "noNewPrivileges"));
  e->seccomp = json_is_object(json_object_get(lx, "seccomp"));
  if (expect_rlimits(process, e, err) < 0)
    return -1;
  expect_time_offsets(lx, e);
  expect_paths(config, e);
  expect_mounts(config, e);
  e->preserve_fds = 0; /* the harness never passes --preserve-fds */
  return 0;
}

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
static bool text_field(const char *text, const char *key, char *out, size_t len)
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
static int field_numbers(const char *text, const char *key, int base, long long *v, int max)
{
  char buf[512];
  if (!text || !text_field(text, key, buf, sizeof(buf)))
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

static int cmp_range(const void *a, const void *b)
{
  const struct nsc_stage_range *x = a, *y = b;
  return (x->inside > y->inside) - (x->inside < y->inside);
}

/* uid_map/gid_map text -> ranges sorted by inside id; -1 when malformed. */
static int parse_map(const char *text, struct nsc_stage_range *r, size_t max)
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
  qsort(r, n, sizeof(*r), cmp_range);
  return (int)n;
}

static void map_text(const struct nsc_stage_range *r, size_t n, char *buf, size_t len)
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

static bool parse_limit(const char *text, int res, unsigned long long *soft,
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

static void limit_text(unsigned long long v, char *buf, size_t len)
{
  if (v == RLIM_INFINITY)
    snprintf(buf, len, "unlimited");
  else
    snprintf(buf, len, "%llu", v);
}

/* The flags of an fdinfo text (octal); false when absent. */
static bool fdinfo_flags(const char *text, unsigned long *flags)
{
  long long v[1];
  if (field_numbers(text, "flags", 8, v, 1) != 1)
    return false;
  *flags = (unsigned long)v[0];
  return true;
}

/* In place: the kernel's \ooo escapes of a mountinfo path. */
static void unescape(char *s)
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

static bool mount_explained(const struct nsc_stage_expect *e, const char *point)
{
  for (size_t i = 0; i < e->n_mount_ok; i++) {
    const struct nsc_stage_mount_ok *m = &e->mount_ok[i];
    size_t len = strlen(m->path);
    if (strcmp(point, m->path) == 0)
      return true;
    if (m->sub && strncmp(point, m->path, len) == 0 && (point[len] == '/' || m->path[1] == '\0'))
      return true;
  }
  return false;
}

/* ---- verdicts ------------------------------------------------------------- */

static void verdict(struct nsc_verdicts *out, const char *req, bool ok, const char *expected,
                    const char *actual_fmt, ...) __attribute__((format(printf, 5, 6)));

static void verdict(struct nsc_verdicts *out, const char *req, bool ok, const char *expected,
                    const char *actual_fmt, ...)
{
  char actual[1024];
  va_list ap;
  va_start(ap, actual_fmt);
  vsnprintf(actual, sizeof(actual), actual_fmt, ap);
  va_end(ap);
  nsc_verdict_add(out, req, ok ? NSC_PASS : NSC_FAIL, expected, actual, NULL);
}

static void skip(struct nsc_verdicts *out, const char *req, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void skip(struct nsc_verdicts *out, const char *req, const char *fmt, ...)
{
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof(reason), fmt, ap);
  va_end(ap);
  nsc_verdict_add(out, req, NSC_SKIP, NULL, NULL, "%s", reason);
}

#define AT_USER  "intermediate after its user namespace"
#define AT_PIDNS "intermediate after its pid/time namespaces"
#define AT_INIT  "init right before execve"

static void check_map(const char *at, const char *req, const char *name,
                      const struct nsc_stage_range *want, size_t n_want, const char *text,
                      struct nsc_verdicts *out)
{
  struct nsc_stage_range sorted[NSC_STAGE_MAX_RANGES], got[NSC_STAGE_MAX_RANGES];
  memcpy(sorted, want, n_want * sizeof(*want));
  qsort(sorted, n_want, sizeof(*sorted), cmp_range);
  char expected[512], actual[512];
  int n = text ? parse_map(text, got, NSC_STAGE_MAX_RANGES) : -1;
  char w[400];
  map_text(sorted, n_want, w, sizeof(w));
  snprintf(expected, sizeof(expected), "%s: %s %s", at, name, w);
  if (n < 0) {
    verdict(out, req, false, expected, "%s unreadable or malformed: %.200s", name,
            text ? text : "(none)");
    return;
  }
  map_text(got, (size_t)n, actual, sizeof(actual));
  bool same = (size_t)n == n_want && memcmp(got, sorted, n_want * sizeof(*got)) == 0;
  verdict(out, req, same, expected, "%s %s", name, actual);
}

/* All four ids of a status line equal want. */
static void check_ids(const char *at, const char *req, const char *key, long long want,
                      const char *status, struct nsc_verdicts *out)
{
  long long v[4];
  char expected[256];
  snprintf(expected, sizeof(expected), "%s: %s %lld %lld %lld %lld (host view)", at, key, want,
           want, want, want);
  int n = field_numbers(status, key, 10, v, 4);
  if (n != 4) {
    verdict(out, req, false, expected, "no %s line in status", key);
    return;
  }
  bool ok = v[0] == want && v[1] == want && v[2] == want && v[3] == want;
  verdict(out, req, ok, expected, "%s %lld %lld %lld %lld", key, v[0], v[1], v[2], v[3]);
}

/* Namespace links of the process against what they must be at this point. */
struct ns_want {
  enum nsc_stage_link link;
  const char *want; /* a link target */
  bool differ;      /* must differ from want instead */
  const char *why;  /* "new", "joined", "the runtime's" */
};

static void check_links(const char *at, const char *req, const struct ns_want *w, size_t n,
                        const struct nsc_stage_proc *p, struct nsc_verdicts *out)
{
  char expected[768] = "", actual[1024] = "";
  size_t eo = 0, ao = 0;
  bool ok = true, any = false;
  for (size_t i = 0; i < n; i++) {
    const char *name = nsc_stage_link_names[w[i].link];
    const char *got = p->ns[w[i].link];
    if (!w[i].want[0] || !got[0])
      continue; /* a link this kernel or the harness's view lacks */
    any = true;
    bool same = strcmp(got, w[i].want) == 0;
    bool good = w[i].differ ? !same : same;
    ok = ok && good;
    if (eo < sizeof(expected))
      eo += (size_t)snprintf(expected + eo, sizeof(expected) - eo, "%s%s %s%s (%s)", eo ? "; " : "",
                             name, w[i].differ ? "not " : "", w[i].want, w[i].why);
    if (ao < sizeof(actual))
      ao += (size_t)snprintf(actual + ao, sizeof(actual) - ao, "%s%s%s %s", ao ? "; " : "",
                             good ? "" : "WRONG ", name, got);
  }
  char e2[900];
  snprintf(e2, sizeof(e2), "%s: %s", at, expected);
  if (!any) {
    skip(out, req, "%s: no namespace link to compare (the harness's own view is missing)", at);
    return;
  }
  verdict(out, req, ok, e2, "%s", actual);
}

/* Not dumpable: the files of /proc/PID are then owned by root of the user
 * namespace the process's memory belongs to (the initial one: the stages
 * never exec), not by its euid. */
static void check_dumpable(const char *at, long long euid, const struct nsc_stage_proc *p,
                           struct nsc_verdicts *out)
{
  const char *req = REQ("robust.stage.not-dumpable");
  if (!p->owner_known) {
    skip(out, req, "%s: /proc/%d could not be stat'ed", at, (int)p->pid);
    return;
  }
  if (euid <= 0) {
    skip(out, req,
         "%s: the process runs as host uid 0, so /proc/%d/status is owned by root whether it is "
         "dumpable or not",
         at, (int)p->pid);
    return;
  }
  char expected[256];
  snprintf(expected, sizeof(expected),
           "%s: not dumpable (/proc/PID/status owned by 0:0, not by its euid %lld)", at, euid);
  verdict(out, req, p->owner_uid == 0, expected, "/proc/%d/status owned by %u:%u%s", (int)p->pid,
          (unsigned)p->owner_uid, (unsigned)p->owner_gid,
          p->owner_uid == 0 ? "" : " (dumpable: the container's user can ptrace it)");
}

static void check_rlimits(const char *at, const struct nsc_stage_expect *e,
                          const struct nsc_stage_proc *p, struct nsc_verdicts *out)
{
  const char *req = REQ("robust.stage.rlimits-early");
  if (e->n_rlimits == 0) {
    skip(out, req, "%s: the config sets no rlimits", at);
    return;
  }
  char expected[768], actual[768];
  size_t eo = (size_t)snprintf(expected, sizeof(expected), "%s:", at), ao = 0;
  actual[0] = '\0';
  bool ok = true;
  for (size_t i = 0; i < e->n_rlimits; i++) {
    const struct nsc_stage_rlimit *l = &e->rlimits[i];
    const char *name = rlimit_name(l->resource);
    char ws[24], wh[24], gs[24] = "?", gh[24] = "?";
    limit_text(l->soft, ws, sizeof(ws));
    limit_text(l->hard, wh, sizeof(wh));
    unsigned long long soft, hard;
    bool read = parse_limit(p->limits, l->resource, &soft, &hard);
    if (read) {
      limit_text(soft, gs, sizeof(gs));
      limit_text(hard, gh, sizeof(gh));
    }
    bool good = read && soft == l->soft && hard == l->hard;
    ok = ok && good;
    if (eo < sizeof(expected))
      eo += (size_t)snprintf(expected + eo, sizeof(expected) - eo, " %s %s/%s", name, ws, wh);
    if (ao < sizeof(actual))
      ao += (size_t)snprintf(actual + ao, sizeof(actual) - ao, "%s%s %s/%s", ao ? " " : "", name,
                             gs, gh);
  }
  verdict(out, req, ok, expected, "%s", actual);
}

void nsc_stage_check_user(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                          struct nsc_verdicts *out)
{
  const char *at = AT_USER;
  check_map(at, REQ("config-linux.user-namespace-mappings.uid-applied"), "uid_map", e->uid_map,
            e->n_uid_map, p->uid_map, out);
  check_map(at, REQ("config-linux.user-namespace-mappings.gid-applied"), "gid_map", e->gid_map,
            e->n_gid_map, p->gid_map, out);

  char got[32] = "(unreadable)", expected[128];
  if (p->setgroups)
    snprintf(got, sizeof(got), "%.*s", (int)strcspn(p->setgroups, "\n"), p->setgroups);
  snprintf(expected, sizeof(expected), "%s: setgroups %s", at,
           e->setgroups ? e->setgroups : "allow or deny (the map writer may be a setuid helper)");
  bool sg_ok = e->setgroups ? strcmp(got, e->setgroups) == 0
                            : (strcmp(got, "allow") == 0 || strcmp(got, "deny") == 0);
  if (e->n_groups && !e->groups_unmapped && strcmp(got, "deny") == 0)
    sg_ok = false; /* additionalGids could not be applied */
  verdict(out, REQ("robust.stage.setgroups"), sg_ok, expected, "setgroups %s", got);

  check_ids(at, REQ("robust.stage.userns-root"), "Uid", e->inter_uid, p->status, out);
  check_ids(at, REQ("robust.stage.userns-root"), "Gid", e->inter_gid, p->status, out);
  check_rlimits(at, e, p, out);
  check_dumpable(at, e->inter_uid, p, out);

  struct ns_want nw = {NSC_LINK_USER, e->self[NSC_LINK_USER], true, "new"};
  check_links(at, REQ("config-linux.namespaces.new"), &nw, 1, p, out);

  /* Nothing else is the container's yet, but what was joined by path. */
  struct ns_want w[NSC_LINK_COUNT];
  size_t n = 0;
  for (int t = 0; t < NS_COUNT; t++) {
    if (t == NS_USER)
      continue;
    bool joined = e->ns[t] == NSC_STAGE_NS_JOIN;
    enum nsc_stage_link l = own_link[t];
    /* setns of a pid or time namespace moves only the children */
    if (t == NS_PID || t == NS_TIME) {
      w[n++] = (struct ns_want){l, e->self[l], false, "the runtime's"};
      l = t == NS_PID ? NSC_LINK_PID_FC : NSC_LINK_TIME_FC;
    }
    w[n++] = (struct ns_want){l, joined ? e->target[t] : e->self[l], false,
                              joined ? "joined" : "the runtime's"};
  }
  check_links(at, REQ("robust.stage.ns-order"), w, n, p, out);

  long long nspid[4];
  int levels = field_numbers(p->status, "NSpid", 10, nspid, 4);
  char exp_pid[160];
  snprintf(exp_pid, sizeof(exp_pid),
           "%s: NSpid %d (one level: still in the runtime's pid "
           "namespace)",
           at, (int)p->pid);
  verdict(out, REQ("robust.stage.ns-order"), levels == 1 && nspid[0] == p->pid, exp_pid,
          "NSpid with %d level(s), first %lld", levels, levels > 0 ? nspid[0] : -1LL);
}

static void check_offsets(const char *at, const struct nsc_stage_expect *e, const char *text,
                          struct nsc_verdicts *out)
{
  const char *req = REQ("config-linux.time-offsets.applied");
  char expected[256];
  snprintf(expected, sizeof(expected), "%s: monotonic %lld %lld, boottime %lld %lld", at, e->mono_s,
           e->mono_ns, e->boot_s, e->boot_ns);
  long long ms = 0, mn = 0, bs = 0, bn = 0;
  bool mono = false, boot = false;
  for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    char clock[32];
    long long s, ns;
    if (sscanf(l, "%31s %lld %lld", clock, &s, &ns) != 3)
      continue;
    /* the clock may be shown by name or by its clockid number (1, 7) */
    if (!strcmp(clock, "monotonic") || !strcmp(clock, "1")) {
      mono = true;
      ms = s;
      mn = ns;
    } else if (!strcmp(clock, "boottime") || !strcmp(clock, "7")) {
      boot = true;
      bs = s;
      bn = ns;
    }
  }
  if (!mono || !boot) {
    verdict(out, req, false, expected, "timens_offsets unreadable: %.200s", text ? text : "(none)");
    return;
  }
  verdict(out, req, ms == e->mono_s && mn == e->mono_ns && bs == e->boot_s && bn == e->boot_ns,
          expected, "monotonic %lld %lld, boottime %lld %lld", ms, mn, bs, bn);
}

void nsc_stage_check_pidns(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                           struct nsc_verdicts *out)
{
  const char *at = AT_PIDNS;
  static const struct {
    enum ns_type t;
    enum nsc_stage_link own, children;
  } kinds[] = {{NS_PID, NSC_LINK_PID, NSC_LINK_PID_FC}, {NS_TIME, NSC_LINK_TIME, NSC_LINK_TIME_FC}};
  struct ns_want stay[2];
  size_t n_stay = 0;
  for (size_t k = 0; k < 2; k++) {
    enum ns_type t = kinds[k].t;
    if (e->ns[t] == NSC_STAGE_NS_NEW && t == NS_PID && !p->ns[NSC_LINK_PID_FC][0]) {
      /* A pid namespace nobody lives in yet has no pid_for_children link
       * (the kernel shows one from its first process on); a runtime that
       * made none would show its own. */
      char expected[200];
      snprintf(expected, sizeof(expected), "%s: pid_for_children not %s (new)", at,
               e->self[NSC_LINK_PID]);
      verdict(out, REQ("config-linux.namespaces.new"), true, expected,
              "pid_for_children has no link yet: a new pid namespace without a process");
    } else if (e->ns[t] == NSC_STAGE_NS_NEW) {
      struct ns_want w = {kinds[k].children, e->self[kinds[k].own], true, "new"};
      check_links(at, REQ("config-linux.namespaces.new"), &w, 1, p, out);
    } else if (e->ns[t] == NSC_STAGE_NS_JOIN) {
      struct ns_want w = {kinds[k].children, e->target[t], false, "joined"};
      check_links(at, REQ("config-linux.namespaces.path-join"), &w, 1, p, out);
    } else {
      struct ns_want w = {kinds[k].children, e->self[kinds[k].children], false, "the runtime's"};
      check_links(at, REQ("config-linux.namespaces.absent-inherit"), &w, 1, p, out);
    }
    stay[n_stay++] = (struct ns_want){kinds[k].own, e->self[kinds[k].own], false, "the runtime's"};
  }
  /* unshare and setns of pid and time namespaces change only the children's */
  check_links(at, REQ("robust.stage.ns-order"), stay, n_stay, p, out);
  if (e->ns[NS_TIME] == NSC_STAGE_NS_NEW && e->time_offsets)
    check_offsets(at, e, p->timens_offsets, out);
}

static void check_init_namespaces(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                                  struct nsc_verdicts *out)
{
  const char *at = AT_INIT;
  for (int t = 0; t < NS_COUNT; t++) {
    enum nsc_stage_link l = own_link[t];
    if (e->ns[t] == NSC_STAGE_NS_NEW) {
      struct ns_want w = {l, e->self[l], true, "new"};
      check_links(at, REQ("config-linux.namespaces.new"), &w, 1, p, out);
    } else if (e->ns[t] == NSC_STAGE_NS_JOIN) {
      struct ns_want w = {l, e->target[t], false, "joined"};
      check_links(at, REQ("config-linux.namespaces.path-join"), &w, 1, p, out);
    } else {
      struct ns_want w = {l, e->self[l], false, "the runtime's"};
      check_links(at, REQ("config-linux.namespaces.absent-inherit"), &w, 1, p, out);
    }
  }
  if (e->ns[NS_PID] == NSC_STAGE_NS_NEW) {
    long long nspid[4];
    int levels = field_numbers(p->status, "NSpid", 10, nspid, 4);
    char expected[160];
    snprintf(expected, sizeof(expected), "%s: NSpid %d 1 (pid 1 of the new pid namespace)", at,
             (int)p->pid);
    char val[100], raw[128] = "(no NSpid line)";
    if (p->status && text_field(p->status, "NSpid", val, sizeof(val)))
      snprintf(raw, sizeof(raw), "NSpid %s", val);
    verdict(out, REQ("config-linux.namespaces.new"),
            levels == 2 && nspid[0] == p->pid && nspid[1] == 1, expected, "%s", raw);
  }
}

static void check_groups(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                         struct nsc_verdicts *out)
{
  const char *req = REQ("config.user.additional-gids");
  if (e->n_groups == 0)
    return;
  long long got[NSC_STAGE_MAX_GROUPS + 8];
  char buf[512] = "";
  bool have = p->status && text_field(p->status, "Groups", buf, sizeof(buf));
  int n = have ? field_numbers(p->status, "Groups", 10, got, NSC_STAGE_MAX_GROUPS + 8) : -1;
  if (have && buf[0] == '\0')
    n = 0;
  char expected[512];
  size_t eo = (size_t)snprintf(expected, sizeof(expected), "%s: Groups holds", AT_INIT);
  bool ok = n >= 0;
  for (size_t i = 0; i < e->n_groups; i++) {
    if (eo < sizeof(expected))
      eo += (size_t)snprintf(expected + eo, sizeof(expected) - eo, " %lld", e->groups[i]);
    bool found = false;
    for (int k = 0; k < n; k++)
      found = found || got[k] == e->groups[i];
    ok = ok && found;
  }
  if (eo < sizeof(expected))
    snprintf(expected + eo, sizeof(expected) - eo, " (host view)");
  verdict(out, req, ok, expected, "Groups %s", have ? (buf[0] ? buf : "(none)") : "(no line)");
}

static void check_caps(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                       struct nsc_verdicts *out)
{
  static const char *const keys[5] = {"CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"};
  const char *const reqs[5] = {
      REQ("config.capabilities.effective"),   REQ("config.capabilities.permitted"),
      REQ("config.capabilities.inheritable"), REQ("config.capabilities.bounding"),
      REQ("config.capabilities.ambient"),
  };
  if (!e->have_caps)
    return;
  int last = cap_last_kernel();
  uint64_t valid = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
  for (int s = 0; s < 5; s++) {
    if (s == 4 && !e->ambient_raisable) {
      skip(out, reqs[s],
           "%s: ambient capabilities outside permitted and inheritable cannot be raised", AT_INIT);
      continue;
    }
    char expected[160], got[64] = "";
    snprintf(expected, sizeof(expected), "%s: %s %016llx (exactly the config's set)", AT_INIT,
             keys[s], (unsigned long long)e->caps[s]);
    bool have = p->status && text_field(p->status, keys[s], got, sizeof(got));
    unsigned long long v = have ? strtoull(got, NULL, 16) : 0;
    verdict(out, reqs[s], have && (v & valid) == e->caps[s], expected, "%s %s", keys[s],
            have ? got : "(no line)");
  }
}

static void check_fds(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                      struct nsc_verdicts *out)
{
  char expected[200], actual[1024] = "";
  snprintf(expected, sizeof(expected),
           "%s: every fd but 0-2%s has FD_CLOEXEC, so none reaches the program", AT_INIT,
           e->preserve_fds ? " and the preserved ones" : "");
  size_t ao = 0;
  bool ok = true;
  for (size_t i = 0; i < p->n_fds; i++) {
    const struct nsc_stage_fd *f = &p->fds[i];
    if (f->fd < 3 + e->preserve_fds)
      continue;
    unsigned long flags = 0;
    bool known = fdinfo_flags(f->fdinfo, &flags);
    bool cloexec = known && (flags & O_CLOEXEC);
    if (cloexec)
      continue;
    ok = false;
    if (ao < sizeof(actual))
      ao += (size_t)snprintf(actual + ao, sizeof(actual) - ao, "%sfd %d -> %s %s", ao ? "; " : "",
                             f->fd, f->target, known ? "without FD_CLOEXEC" : "(no fdinfo flags)");
  }
  if (ok)
    snprintf(actual, sizeof(actual), "%zu fds, every one >= %d close-on-exec", p->n_fds,
             3 + e->preserve_fds);
  verdict(out, REQ("runtime-linux.file-descriptors.default"), ok, expected, "%s", actual);
}

static void check_mounts(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                         struct nsc_verdicts *out)
{
  const char *req = REQ("robust.stage.no-host-mounts");
  if (e->ns[NS_MOUNT] != NSC_STAGE_NS_NEW) {
    skip(out, req, "%s: the container has no mount namespace of its own", AT_INIT);
    return;
  }
  char expected[160];
  snprintf(expected, sizeof(expected),
           "%s: only mounts the config explains (root, its mounts, masked and readonly paths, "
           "default devices)",
           AT_INIT);
  if (!p->mountinfo) {
    verdict(out, req, false, expected, "mountinfo unreadable");
    return;
  }
  char actual[1024] = "";
  size_t ao = 0;
  bool ok = true;
  int count = 0;
  char *copy = strdup(p->mountinfo);
  char *save = NULL;
  for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
       line = strtok_r(NULL, "\n", &save)) {
    /* id parent major:minor root mount_point ... */
    char point[PATH_MAX];
    if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
      continue;
    unescape(point);
    count++;
    if (mount_explained(e, point))
      continue;
    ok = false;
    if (ao < sizeof(actual))
      ao += (size_t)snprintf(actual + ao, sizeof(actual) - ao, "%s%s",
                             ao ? ", " : "not explained: ", point);
  }
  free(copy);
  if (ok)
    snprintf(actual, sizeof(actual), "%d mounts, all explained by the config", count);
  verdict(out, req, ok && count > 0, expected, "%s", actual);
}

void nsc_stage_check_init(const struct nsc_stage_expect *e, const struct nsc_stage_proc *p,
                          struct nsc_verdicts *out)
{
  const char *at = AT_INIT;
  check_init_namespaces(e, p, out);
  check_ids(at, REQ("config.user.uid"), "Uid", e->uid, p->status, out);
  check_ids(at, REQ("config.user.gid"), "Gid", e->gid, p->status, out);
  check_groups(e, p, out);
  check_caps(e, p, out);

  long long v[1];
  char expected[160];
  snprintf(expected, sizeof(expected), "%s: NoNewPrivs %d", at, e->nnp);
  int n = field_numbers(p->status, "NoNewPrivs", 10, v, 1);
  verdict(out, REQ("config.linux-process.no-new-privileges"), n == 1 && v[0] == e->nnp, expected,
          "NoNewPrivs %lld", n == 1 ? v[0] : -1LL);
  if (e->seccomp) {
    snprintf(expected, sizeof(expected), "%s: Seccomp 2 (filter mode)", at);
    n = field_numbers(p->status, "Seccomp", 10, v, 1);
    verdict(out, REQ("config-linux.seccomp.installed"), n == 1 && v[0] == 2, expected,
            "Seccomp %lld", n == 1 ? v[0] : -1LL);
  }
  check_fds(e, p, out);

  if (e->cwd_known && p->cwd_known) {
    snprintf(expected, sizeof(expected), "%s: cwd is %.64s of the rootfs (%lu:%lu)", at, e->cwd,
             (unsigned long)e->cwd_dev, (unsigned long)e->cwd_ino);
    verdict(out, REQ("config.process.cwd-applied"),
            e->cwd_dev == p->cwd_dev && e->cwd_ino == p->cwd_ino, expected, "cwd is %lu:%lu",
            (unsigned long)p->cwd_dev, (unsigned long)p->cwd_ino);
  } else {
    skip(out, REQ("config.process.cwd-applied"), "%s: %s", at,
         !e->cwd_known ? e->cwd_skip : "/proc/PID/cwd could not be stat'ed");
  }
  if (e->root_known && p->root_known) {
    snprintf(expected, sizeof(expected), "%s: root is root.path (%lu:%lu)", at,
             (unsigned long)e->root_dev, (unsigned long)e->root_ino);
    verdict(out, REQ("robust.stage.root"), e->root_dev == p->root_dev && e->root_ino == p->root_ino,
            expected, "root is %lu:%lu", (unsigned long)p->root_dev, (unsigned long)p->root_ino);
  } else {
    skip(out, REQ("robust.stage.root"), "%s: %s", at,
         !e->root_known ? "root.path is not an existing absolute path"
                        : "/proc/PID/root could not be stat'ed");
  }
  check_mounts(e, p, out);
  check_dumpable(at, e->uid, p, out);
}

/* ---- the cases ------------------------------------------------------------ */

/* Each config runs the probe until signalled, so the case ends like a
 * generated one.  Between them they reach every boundary: a new user
 * namespace with one range and a non-root user, one with several ranges and
 * a time namespace, and no user namespace with namespaces joined by path. */
static const struct {
  const char *slug, *title, *probe, *config;
} stage_defs[] = {
    {"userns-user", "stages of a user namespace, non-root user, caps, seccomp, rlimits", "mkdir",
     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
     "\"process\":{\"terminal\":false,\"args\":[\"/nsprobe\",\"--wait\",\"--seccomp-probe\","
     "\"mkdir\"],\"cwd\":\"/bin\",\"env\":[\"PATH=/bin\"],"
     "\"user\":{\"uid\":1000,\"gid\":1000,\"additionalGids\":[10,20]},"
     "\"noNewPrivileges\":true,"
     "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
     "\"effective\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
     "\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
     "\"inheritable\":[\"CAP_NET_BIND_SERVICE\"],\"ambient\":[\"CAP_NET_BIND_SERVICE\"]},"
     "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":256,\"hard\":512},"
     "{\"type\":\"RLIMIT_NPROC\",\"soft\":1024,\"hard\":2048}]},"
     "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
     "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
     "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
     "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
     "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
     "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
     "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}],"
     "\"linux\":{\"namespaces\":[{\"type\":\"user\"},{\"type\":\"pid\"},{\"type\":\"ipc\"},"
     "{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"network\"},{\"type\":\"cgroup\"}],"
     "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
     "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
     "\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\"],\"readonlyPaths\":[\"/proc/sys\"],"
     "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\","
     "\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}}}"},
    {"userns-time", "stages of a user namespace with several ranges and a time namespace", NULL,
     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
     "\"hostname\":\"stages\","
     "\"process\":{\"terminal\":false,\"args\":[\"/nsprobe\",\"--wait\"],\"cwd\":\"/\","
     "\"env\":[\"PATH=/bin\"],\"user\":{\"uid\":0,\"gid\":0},\"noNewPrivileges\":false,"
     "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_SETUID\","
     "\"CAP_SETGID\"],\"effective\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_SETUID\","
     "\"CAP_SETGID\"],\"permitted\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_SETUID\","
     "\"CAP_SETGID\"]},"
     "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":128,\"hard\":1024}]},"
     "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
     "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
     "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
     "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
     "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]}],"
     "\"linux\":{\"namespaces\":[{\"type\":\"user\"},{\"type\":\"pid\"},{\"type\":\"time\"},"
     "{\"type\":\"mount\"},{\"type\":\"uts\"}],"
     "\"uidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":1000},"
     "{\"containerID\":1000,\"hostID\":300000,\"size\":64536}],"
     "\"gidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":1000},"
     "{\"containerID\":1000,\"hostID\":300000,\"size\":64536}],"
     "\"timeOffsets\":{\"monotonic\":{\"secs\":86400,\"nanosecs\":0},"
     "\"boottime\":{\"secs\":7200,\"nanosecs\":500000000}}}}"},
    {"joined", "stages without a user namespace, network ipc uts joined by path", "mkdir",
     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
     "\"process\":{\"terminal\":false,\"args\":[\"/nsprobe\",\"--wait\",\"--seccomp-probe\","
     "\"mkdir\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"],"
     "\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[5]},\"noNewPrivileges\":false,"
     "\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"],"
     "\"effective\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"],\"permitted\":[\"CAP_SYS_ADMIN\","
     "\"CAP_KILL\"],\"inheritable\":[\"CAP_KILL\"]}},"
     "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
     "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
     "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
     "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
     "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]}],"
     "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},"
     "{\"type\":\"network\",\"path\":\"" NSC_HOLDER_PREFIX "network\"},"
     "{\"type\":\"ipc\",\"path\":\"" NSC_HOLDER_PREFIX "ipc\"},"
     "{\"type\":\"uts\",\"path\":\"" NSC_HOLDER_PREFIX "uts\"}],"
     "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\","
     "\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}}}"},
};

#define N_STAGE_DEFS (sizeof(stage_defs) / sizeof(stage_defs[0]))

/* The plan: one pause on each boundary's point, once. */
static json_t *stage_plan(const json_t *config)
{
  struct nsc_stage_points pts;
  nsc_stage_points(config, &pts);
  const char *points[3] = {pts.user, pts.pidns, pts.init};
  json_t *steps = json_array();
  for (int i = 0; i < 3; i++) {
    if (!points[i])
      continue;
    json_array_append_new(
        steps, json_pack("{s:s, s:s, s:i}", "point", points[i], "action", "pause", "times", 1));
  }
  json_t *commands = json_pack("[s]", "create");
  return json_pack("{s:s, s:o, s:i, s:i, s:o}", "kind", "failpoint", "steps", steps,
                   "sync_timeout_ms", STAGE_SYNC_TIMEOUT_MS, "seed", 0, "commands", commands);
}

size_t nsc_stage_cases(struct nsc_case **out)
{
  *out = calloc(N_STAGE_DEFS, sizeof(**out));
  if (!*out)
    return 0;
  size_t n = 0;
  for (size_t i = 0; i < N_STAGE_DEFS; i++) {
    struct nsc_case *c = &(*out)[n];
    c->config = json_loads(stage_defs[i].config, 0, NULL);
    if (!c->config)
      continue; /* a test checks that every config parses */
    snprintf(c->id, sizeof(c->id), "s%03zu-%s", i + 1, stage_defs[i].slug);
    c->kind = NSC_CASE_STAGE;
    c->title = strdup(stage_defs[i].title);
    c->probe_syscall = stage_defs[i].probe ? strdup(stage_defs[i].probe) : NULL;
    c->fault = stage_plan(c->config);
    n++;
  }
  return n;
}

/* ---- the run -------------------------------------------------------------- */

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

struct stage_run {
  struct case_ctx *x;
  char log[PATH_MAX];
  json_t *hits;    /* every hit line read so far */
  size_t log_off;  /* bytes of the log already parsed */
  size_t next_hit; /* hits before this one are used */
  pid_t paused[4]; /* stopped by their pause, not yet resumed */
  size_t n_paused;
  bool fired_all;
  struct nsc_stage_expect e;
  const char *start_env[3]; /* start's: its deadline, and the bugs of the plan */
};

static void read_hits(struct stage_run *s)
{
  char *text = NULL;
  size_t len = 0;
  if (nsc_read_file(s->log, &text, &len) < 0)
    return;
  while (s->log_off < len) {
    char *nl = memchr(text + s->log_off, '\n', len - s->log_off);
    if (!nl)
      break; /* a line still being written */
    *nl = '\0';
    json_t *hit = json_loads(text + s->log_off, 0, NULL);
    if (hit)
      json_array_append_new(s->hits, hit);
    s->log_off = (size_t)(nl - text) + 1;
  }
  free(text);
}

/* The next hit line of point; NULL when none came before the deadline or
 * the command p ended first. */
static const json_t *wait_hit(struct stage_run *s, const char *point, const struct nsc_pending *p)
{
  double deadline = now_ms() + HIT_TIMEOUT_MS;
  bool ended = false;
  for (;;) {
    read_hits(s);
    for (size_t i = s->next_hit; i < json_array_size(s->hits); i++) {
      const json_t *h = json_array_get(s->hits, i);
      if (strcmp(json_string_value(json_object_get(h, "point")) ?: "", point) == 0) {
        s->next_hit = i + 1;
        return h;
      }
    }
    if (ended || now_ms() > deadline)
      return NULL;
    if (p && p->pidfd >= 0) {
      struct pollfd pfd = {.fd = p->pidfd, .events = POLLIN};
      ended = poll(&pfd, 1, 5) == 1; /* one more look at the log, then give up */
    } else {
      sleep_ms(5);
    }
  }
}

/* The state letter of /proc/PID/stat; 0 when unreadable. */
static char proc_state(pid_t pid)
{
  char path[64], *text = NULL;
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  if (nsc_read_file(path, &text, NULL) < 0)
    return 0;
  const char *paren = strrchr(text, ')');
  char st = paren && paren[1] == ' ' ? paren[2] : 0;
  free(text);
  return st;
}

static bool wait_stopped(pid_t pid)
{
  double deadline = now_ms() + STOP_TIMEOUT_MS;
  for (;;) {
    char st = proc_state(pid);
    if (st == 'T' || st == 't')
      return true;
    if (st == 0 || st == 'Z' || st == 'X' || now_ms() > deadline)
      return false;
    sleep_ms(1);
  }
}

static void resume(struct stage_run *s, pid_t pid)
{
  kill(pid, SIGCONT);
  for (size_t i = 0; i < s->n_paused; i++)
    if (s->paused[i] == pid)
      s->paused[i] = s->paused[--s->n_paused];
}

/* Every stage process a pause stopped goes on, whatever happened. */
static void resume_all(struct stage_run *s)
{
  while (s->n_paused)
    resume(s, s->paused[0]);
}

enum { CHECK_USER = 1, CHECK_PIDNS = 2, CHECK_INIT = 4 };

/* Wait for the pause at point, check what the stopped process shows, let it
 * go on.  want_pid: the process that must have stopped (0: any). */
static void boundary(struct stage_run *s, const char *point, int checks, const char *comm,
                     pid_t want_pid, const struct nsc_pending *p)
{
  struct case_ctx *x = s->x;
  char expected[256];
  snprintf(expected, sizeof(expected), "pause at %s stops %s (hit line, state T)", point, comm);
  const json_t *hit = wait_hit(s, point, p);
  if (!hit) {
    s->fired_all = false;
    nsc_case_verdict(x, REQ("robust.fault.fired"), false, expected,
                     "no hit line of %s within %d ms%s", point, HIT_TIMEOUT_MS,
                     p && p->pidfd >= 0 ? " (or the command ended first)" : "");
    return;
  }
  pid_t pid = (pid_t)json_integer_value(json_object_get(hit, "pid"));
  if (pid <= 0) {
    s->fired_all = false;
    nsc_case_verdict(x, REQ("robust.fault.fired"), false, expected, "hit line without a pid");
    return;
  }
  if (s->n_paused < sizeof(s->paused) / sizeof(s->paused[0]))
    s->paused[s->n_paused++] = pid;
  bool stopped = wait_stopped(pid);
  struct nsc_stage_proc proc;
  struct nsrt_err err;
  int rc = nsc_stage_proc_read(pid, &proc, &err);
  bool right = rc == 0 && strcmp(proc.comm, comm) == 0 && (!want_pid || pid == want_pid);
  if (!stopped || !right)
    s->fired_all = false;
  nsc_case_verdict(x, REQ("robust.fault.fired"), stopped && right, expected, "pid %d (%s) %s%s",
                   (int)pid, rc == 0 ? proc.comm : "unreadable",
                   stopped ? "stopped" : "did not stop",
                   want_pid && pid != want_pid ? ", not the container's init" : "");
  if (rc == 0 && stopped) {
    if (checks & CHECK_USER)
      nsc_stage_check_user(&s->e, &proc, &x->out->verdicts);
    if (checks & CHECK_PIDNS)
      nsc_stage_check_pidns(&s->e, &proc, &x->out->verdicts);
    if (checks & CHECK_INIT)
      nsc_stage_check_init(&s->e, &proc, &x->out->verdicts);
  }
  if (rc == 0)
    nsc_stage_proc_free(&proc);
  resume(s, pid);
}

static bool in_plan(const json_t *plan, const char *point)
{
  size_t i;
  const json_t *step;
  json_array_foreach(json_object_get(plan, "steps"), i, step)
  {
    if (point && !strcmp(json_string_value(json_object_get(step, "point")) ?: "", point) &&
        !strcmp(json_string_value(json_object_get(step, "action")) ?: "", "pause"))
      return true;
  }
  return false;
}

static void observe_into(struct case_ctx *x, json_t **view)
{
  struct nsrt_err err;
  *view = NULL;
  if (x->pid > 0 && nsc_observe_pid(x->pid, view, &err) < 0)
    *view = NULL;
}

/* What happened to the plan, for the result's "fault" record. */
static void record(struct stage_run *s, const char *failed, const struct nsc_exec *r)
{
  json_t *f = json_deep_copy(s->x->c->fault);
  if (!json_is_object(f)) {
    json_decref(f);
    f = json_object();
  }
  read_hits(s);
  json_object_set_new(f, "fired", json_boolean(s->fired_all));
  json_object_set(f, "hits", s->hits);
  json_object_set_new(f, "failed_command", failed ? json_string(failed) : json_null());
  json_object_set_new(f, "exit", json_integer(failed && r ? r->status : 0));
  json_object_set_new(f, "stderr", json_string(failed && r && r->err ? r->err : ""));
  json_decref(s->x->out->fault);
  s->x->out->fault = f;
}

/* start (the init's pause at init.execve inspected meanwhile), the probe,
 * kill, delete, and the generated case's judgement.  Returns the failed
 * command's name, or NULL. */
static const char *run_after_create(struct stage_run *s, const struct nsc_stage_points *pts,
                                    struct nsc_exec *failed)
{
  struct case_ctx *x = s->x;
  char line[512];
  int status;
  json_t *st = nsc_case_state(x, &status);
  x->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
  nsc_case_verdict(x, REQ("runtime.state.status-created"),
                   st && strcmp(nsc_state_status(st), "created") == 0, "status created",
                   "state exited %d, status %s", status, nsc_state_status(st));
  json_decref(st);
  json_t *created = NULL, *running = NULL, *probe = NULL;
  observe_into(x, &created);

  const char *argv[] = {"start", x->id, NULL};
  struct nsc_exec_opts o = {.stdout_fd = -1, .cgroup = x->leaf, .env = s->start_env};
  struct nsc_pending p;
  nsc_runtime_spawn(x->d->rt, &o, &p, argv);
  if (p.pid > 0 && in_plan(x->c->fault, pts->init))
    boundary(s, pts->init, CHECK_INIT, INIT_COMM, x->pid, &p);
  resume_all(s);
  struct nsc_exec r;
  int rc = nsc_runtime_wait(x->d->rt, &p, &r);
  const char *fail = NULL;
  if (rc != 0) {
    nsc_case_note_stderr(x, &r);
    fail = "start";
    *failed = r;
  } else {
    nsc_exec_free(&r);
  }
  probe = rc == 0 ? nsc_case_wait_probe(x) : NULL;
  nsc_case_verdict(x, REQ("runtime.start.runs-program"), rc == 0 && probe,
                   "start exits 0, the program runs", "start exited %d, %s: %s", rc,
                   probe ? "the probe printed" : "no probe output",
                   rc == 0 ? "" : nsc_first_line(failed->err, line, sizeof(line)));
  if (probe)
    observe_into(x, &running);

  rc = nsc_case_run(x, &r, -1, "kill", x->id, "TERM", NULL);
  nsc_exec_free(&r);
  bool gone = x->pid > 0 && nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
  if (probe)
    nsc_case_verdict(x, REQ("runtime.kill.signal"), rc == 0 && gone,
                     "kill exits 0, the program ends", "kill exited %d, the program %s", rc,
                     gone ? "ended" : "is still running");
  if (!gone) {
    nsc_case_run(x, &r, -1, "kill", x->id, "KILL", NULL);
    nsc_exec_free(&r);
    gone = x->pid > 0 && nsc_wait_gone(x->pid, EXIT_TIMEOUT_MS);
  }
  if (gone && x->holder.pid > 0)
    kill(x->holder.pid, SIGKILL);
  if (gone && x->holder.ns_init > 0)
    kill(x->holder.ns_init, SIGKILL);

  rc = nsc_case_run(x, &r, -1, "delete", x->id, NULL);
  nsc_case_note_stderr(x, &r);
  nsc_exec_free(&r);
  st = nsc_case_state(x, &status);
  x->deleted = rc == 0 && status != 0;
  nsc_case_verdict(x, REQ("runtime.delete.removes-resources"), x->deleted,
                   "delete exits 0, state fails", "delete exited %d, state exited %d", rc, status);
  json_decref(st);
  x->pid = 0;

  struct nsc_views v = {.config = x->config,
                        .self = x->d->self,
                        .targets = x->targets,
                        .created = created,
                        .running = running,
                        .probe = probe};
  nsc_judge_positive(&v, &x->out->verdicts);
  json_decref(created);
  json_decref(running);
  json_decref(probe);
  return fail;
}

void nsc_stage_run(struct case_ctx *x)
{
  struct stage_run s = {.x = x, .hits = json_array(), .fired_all = true};
  struct nsrt_err err;
  char line[512];
  if (nsc_stage_expect_from(x->config, x->d->self, x->targets, &s.e, &err) < 0) {
    char text[NSRT_ERR_TEXT_MAX + 64];
    nsrt_err_format(&err, text, sizeof(text));
    nsc_case_skip(x, REQ("robust.fault.fired"), text);
    json_decref(s.hits);
    return;
  }
  struct nsc_stage_points pts;
  nsc_stage_points(x->config, &pts);
  snprintf(s.log, sizeof(s.log), "%s/failpoints.log", x->dir);
  unlink(s.log);

  cleanup_free char *fps = NULL;
  if (nsc_fault_failpoints(x->c->fault, &fps, &err) < 0) {
    char text[NSRT_ERR_TEXT_MAX + 64];
    nsrt_err_format(&err, text, sizeof(text));
    nsc_case_skip(x, REQ("robust.fault.fired"), text);
    json_decref(s.hits);
    return;
  }
  long long sync_ms = json_integer_value(json_object_get(x->c->fault, "sync_timeout_ms"));
  long long seed = json_integer_value(json_object_get(x->c->fault, "seed"));
  char env_fp[2048], env_log[PATH_MAX + 32], env_sync[64], env_seed[64];
  snprintf(env_fp, sizeof(env_fp), "NSRT_FAILPOINTS=%s", fps ? fps : "");
  snprintf(env_log, sizeof(env_log), "NSRT_FAILPOINT_LOG=%s", s.log);
  snprintf(env_sync, sizeof(env_sync), "NSRT_SYNC_TIMEOUT_MS=%lld",
           sync_ms > 0 ? sync_ms : (long long)STAGE_SYNC_TIMEOUT_MS);
  snprintf(env_seed, sizeof(env_seed), "NSRT_FAILPOINT_SEED=%lld", seed);
  /* the plan's known bugs (nsrt-bugs), then whatever the case carries */
  char env_bugs[512] = "NSRT_BUGS=";
  const json_t *bugs = json_object_get(x->c->fault, "bugs");
  size_t bi;
  const json_t *bug;
  json_array_foreach(bugs, bi, bug)
  {
    size_t used = strlen(env_bugs);
    snprintf(env_bugs + used, sizeof(env_bugs) - used, "%s%s", bi ? "," : "",
             json_string_value(bug) ?: "");
  }
  const char *env[24] = {env_fp, env_log, env_sync, env_seed};
  size_t n_env = 4;
  if (json_array_size(bugs))
    env[n_env++] = env_bugs;
  for (const char *const *e = x->env; e && *e && n_env < 23; e++)
    env[n_env++] = *e;
  env[n_env] = NULL;
  /* start: a deadline above the init's pause, and the same bugs */
  char env_start[64];
  snprintf(env_start, sizeof(env_start), "NSRT_START_TIMEOUT_MS=%d", STAGE_SYNC_TIMEOUT_MS);
  s.start_env[0] = env_start;
  s.start_env[1] = json_array_size(bugs) ? env_bugs : NULL;
  s.start_env[2] = NULL;

  const char *argv[] = {"create", "--bundle", x->dir, x->id, NULL};
  struct nsc_exec_opts o = {.stdout_fd = x->probe_fd, .cgroup = x->leaf, .env = env};
  struct nsc_pending p;
  nsc_runtime_spawn(x->d->rt, &o, &p, argv);
  if (p.pid <= 0)
    s.fired_all = false; /* nothing ran, so nothing fired */
  if (p.pid > 0 && in_plan(x->c->fault, pts.user))
    boundary(&s, pts.user, CHECK_USER, INTER_COMM, 0, &p);
  if (p.pid > 0 && in_plan(x->c->fault, pts.pidns))
    boundary(&s, pts.pidns, CHECK_PIDNS, INTER_COMM, 0, &p);
  resume_all(&s);
  struct nsc_exec r;
  int rc = nsc_runtime_wait(x->d->rt, &p, &r);
  nsc_case_verdict(x, REQ("runtime.create.new-container"), rc == 0, "create exits 0",
                   "create exited %d%s: %s", rc, r.timed_out ? " (timed out)" : "",
                   rc == 0 ? "" : nsc_first_line(r.err, line, sizeof(line)));
  if (rc != 0) {
    nsc_case_note_stderr(x, &r);
    record(&s, "create", &r);
    nsc_exec_free(&r);
    json_decref(s.hits);
    return;
  }
  nsc_exec_free(&r);
  struct nsc_exec failed = {.status = 0};
  const char *fail = run_after_create(&s, &pts, &failed);
  resume_all(&s);
  record(&s, fail, &failed);
  nsc_exec_free(&failed);
  json_decref(s.hits);
}
