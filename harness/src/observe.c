/* The outside observer: /proc/PID of a container process as observation JSON.
 *
 * One observation opens /proc/PID once (O_PATH) and reads every file relative
 * to that fd.  The fd pins the process the caller meant: once it is reaped,
 * each read through the fd fails with ESRCH instead of finding whatever
 * process reuses the pid.  The order below is the order of the keys read:
 * status, limits, id maps, namespace links, mountinfo, fds, small files.
 */
#include "observe.h"
#include "utf8.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cleanup.h"

#define STAGE "observe"

/* More fds than this in one process is not a container we can judge. */
#define MAX_FDS 65536

struct observer {
  pid_t pid;
  int proc_fd; /* /proc/PID, O_PATH; owned by observe_path */
  bool self;   /* observing ourselves: leave out the fds we hold open */
  json_t *obj; /* the observation being built */
  struct nsrt_err *err;
};

static int fail(struct observer *o, int errnum, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct observer *o, int errnum, const char *step, const char *fmt, ...)
{
  char text[NSRT_ERR_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  return nsrt_fail_at(o->err, STAGE, errnum, step, "%s", text);
}

/* A reaped process: lookups below its /proc dir fd fail with ESRCH (or
 * ENOENT when the dir was opened by name after the fact). */
static bool process_gone(const struct observer *o)
{
  if (faccessat(o->proc_fd, "stat", F_OK, 0) == 0)
    return false;
  return errno == ESRCH || errno == ENOENT;
}

static int fail_gone(struct observer *o, const char *step, const char *what)
{
  return fail(o, ESRCH, step, "process %d is gone (reading /proc/%d/%s)", (int)o->pid, (int)o->pid,
              what);
}

/* A read of `what` failed with errnum: the process is gone, or a real error. */
static int fail_read(struct observer *o, int errnum, const char *step, const char *what)
{
  if (errnum == ESRCH || process_gone(o))
    return fail_gone(o, step, what);
  return fail(o, errnum, step, "/proc/%d/%s", (int)o->pid, what);
}

/* ---- reading files ---- */

static int read_at(int at, const char *path, char **out, size_t *len)
{
  cleanup_close int fd = openat(at, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return -1;
  size_t cap = 4096, n = 0;
  cleanup_free char *buf = malloc(cap);
  if (!buf)
    return -1;
  for (;;) {
    if (n == cap - 1) {
      if (cap > NSC_READ_FILE_MAX) {
        errno = EFBIG;
        return -1;
      }
      size_t ncap = cap * 2 > NSC_READ_FILE_MAX + 2 ? NSC_READ_FILE_MAX + 2 : cap * 2;
      char *nbuf = realloc(buf, ncap);
      if (!nbuf)
        return -1;
      buf = nbuf;
      cap = ncap;
    }
    ssize_t r = read(fd, buf + n, cap - 1 - n);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  if (n > NSC_READ_FILE_MAX) {
    errno = EFBIG;
    return -1;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = take_ptr(&buf);
  return 0;
}

int nsc_read_file(const char *path, char **out, size_t *len)
{
  return read_at(AT_FDCWD, path, out, len);
}

int nsc_ns_inode(const char *link_target, unsigned long long *ino)
{
  const char *open = link_target ? strstr(link_target, ":[") : NULL;
  if (!open || open == link_target)
    goto invalid;
  const char *digits = open + 2;
  if (!isdigit((unsigned char)*digits))
    goto invalid;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(digits, &end, 10);
  if (errno || end[0] != ']' || end[1] != '\0')
    goto invalid;
  *ino = v;
  return 0;
invalid:
  errno = EINVAL;
  return -1;
}

/* Read /proc/PID/what.  Returns 1 when read, 0 when the file does not exist
 * for this (live) process, -1 with the error filled. */
static int read_proc(struct observer *o, const char *what, char **out, size_t *len)
{
  if (read_at(o->proc_fd, what, out, len) == 0)
    return 1;
  int e = errno;
  /* ENOENT: not on this kernel; EINVAL: a zombie has no mount namespace */
  if ((e == ENOENT || e == EINVAL) && !process_gone(o))
    return 0;
  return fail_read(o, e, "read", what);
}

/* readlink /proc/PID/what into buf (PATH_MAX + 1 bytes).  Same returns. */
static int readlink_proc(struct observer *o, const char *what, char *buf)
{
  ssize_t n = readlinkat(o->proc_fd, what, buf, PATH_MAX + 1);
  if (n > PATH_MAX)
    return fail(o, ENAMETOOLONG, "readlink", "/proc/%d/%s", (int)o->pid, what);
  if (n >= 0) {
    buf[n] = '\0';
    return 1;
  }
  int e = errno;
  if (e == ENOENT && !process_gone(o))
    return 0;
  return fail_read(o, e, "readlink", what);
}

/* ---- JSON helpers ---- */

/* A JSON string of n bytes; bytes that are not valid UTF-8 become U+FFFD. */
static json_t *json_text(const char *s, size_t n)
{
  size_t len;
  cleanup_free char *clean = utf8_sanitize(s, n, &len);
  return clean ? json_stringn(clean, len) : NULL;
}

static json_t *json_cstr(const char *s)
{
  return json_text(s, strlen(s));
}

/* Set key of obj to value (stolen; NULL means allocation failed). */
static int set(struct observer *o, json_t *obj, const char *key, json_t *value)
{
  if (json_object_set_new(obj, key, value) < 0)
    return fail(o, ENOMEM, "json", "key %s", key);
  return 0;
}

static int append(struct observer *o, json_t *arr, json_t *value, const char *what)
{
  if (json_array_append_new(arr, value) < 0)
    return fail(o, ENOMEM, "json", "%s", what);
  return 0;
}

static int malformed(struct observer *o, const char *what, const char *line)
{
  return fail(o, EBADMSG, "parse", "/proc/%d/%s: malformed line \"%.80s\"", (int)o->pid, what,
              line);
}

/* Strip one trailing newline. */
static void chomp(char *s)
{
  size_t n = strlen(s);
  if (n && s[n - 1] == '\n')
    s[n - 1] = '\0';
}

static bool parse_ll(const char *s, int base, long long *v)
{
  char *end;
  errno = 0;
  long long r = strtoll(s, &end, base);
  if (errno || end == s || *end != '\0')
    return false;
  *v = r;
  return true;
}

static bool parse_ull(const char *s, int base, unsigned long long *v)
{
  char *end;
  if (*s == '-' || *s == '+')
    return false;
  errno = 0;
  unsigned long long r = strtoull(s, &end, base);
  if (errno || end == s || *end != '\0')
    return false;
  *v = r;
  return true;
}

/* A whitespace-separated list of decimal numbers as a JSON array; `want`
 * numbers exactly when want > 0. */
static json_t *number_list(char *s, size_t want)
{
  json_t *arr = json_array();
  if (!arr)
    return NULL;
  char *save = NULL;
  size_t count = 0;
  for (char *tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
    long long v;
    if (!parse_ll(tok, 10, &v) || json_array_append_new(arr, json_integer(v)) < 0) {
      json_decref(arr);
      return NULL;
    }
    count++;
  }
  if (want && count != want) {
    json_decref(arr);
    return NULL;
  }
  return arr;
}

/* ---- status ---- */

enum status_kind { ST_INT, ST_IDS, ST_LIST, ST_CAP, ST_STRING, ST_STATE };

static const struct status_field {
  const char *name; /* status key */
  const char *key;  /* observation key (caps: key inside "caps") */
  enum status_kind kind;
} status_fields[] = {
    {"Name", "comm", ST_STRING}, /* escaped; replaced by the comm file when readable */
    {"Umask", "umask", ST_STRING},
    {"State", "state", ST_STATE},
    {"PPid", "ppid", ST_INT},
    {"Uid", "uid", ST_IDS},
    {"Gid", "gid", ST_IDS},
    {"Groups", "groups", ST_LIST},
    {"NSpid", "nspid", ST_LIST},
    {"CapInh", "inheritable", ST_CAP},
    {"CapPrm", "permitted", ST_CAP},
    {"CapEff", "effective", ST_CAP},
    {"CapBnd", "bounding", ST_CAP},
    {"CapAmb", "ambient", ST_CAP},
    {"NoNewPrivs", "no_new_privs", ST_INT},
    {"Seccomp", "seccomp", ST_INT},
    {"Seccomp_filters", "seccomp_filters", ST_INT},
};

static int status_value(struct observer *o, const struct status_field *f, char *value, json_t *caps,
                        const char *line)
{
  json_t *v = NULL;
  switch (f->kind) {
  case ST_INT: {
    long long n;
    if (!parse_ll(value, 10, &n))
      return malformed(o, "status", line);
    v = json_integer(n);
    break;
  }
  case ST_IDS:
  case ST_LIST:
    /* parsed in place: a Groups line can hold 65536 groups */
    v = number_list(value, f->kind == ST_IDS ? 4 : 0);
    if (!v)
      return malformed(o, "status", f->name);
    break;
  case ST_CAP: {
    unsigned long long mask;
    if (!parse_ull(value, 16, &mask))
      return malformed(o, "status", line);
    char hex[24];
    snprintf(hex, sizeof(hex), "0x%016llx", mask);
    return set(o, caps, f->key, json_string(hex));
  }
  case ST_STRING:
    v = json_cstr(value);
    break;
  case ST_STATE: {
    /* "S (sleeping)": the letter */
    if (!value[0])
      return malformed(o, "status", line);
    v = json_text(value, 1);
    break;
  }
  }
  return set(o, o->obj, f->key, v);
}

static int observe_status(struct observer *o)
{
  cleanup_free char *text = NULL;
  int r = read_proc(o, "status", &text, NULL);
  if (r < 0)
    return -1;
  if (r == 0)
    return fail_gone(o, "read", "status");
  json_t *caps = json_object();
  if (set(o, o->obj, "caps", caps) < 0)
    return -1;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *colon = strchr(line, ':');
    if (!colon)
      continue;
    *colon = '\0';
    const struct status_field *f = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(status_fields); i++)
      if (strcmp(line, status_fields[i].name) == 0)
        f = &status_fields[i];
    if (!f)
      continue;
    char *value = colon + 1;
    value += strspn(value, " \t");
    size_t n = strlen(value);
    while (n && (value[n - 1] == ' ' || value[n - 1] == '\t'))
      value[--n] = '\0';
    *colon = ':';
    if (status_value(o, f, value, caps, line) < 0)
      return -1;
  }
  if (json_object_size(caps) == 0)
    json_object_del(o->obj, "caps");
  return 0;
}

/* ---- limits ---- */

static const struct {
  const char *row; /* the /proc/PID/limits row name */
  const char *name;
} limit_rows[] = {
    {"Max cpu time", "RLIMIT_CPU"},
    {"Max file size", "RLIMIT_FSIZE"},
    {"Max data size", "RLIMIT_DATA"},
    {"Max stack size", "RLIMIT_STACK"},
    {"Max core file size", "RLIMIT_CORE"},
    {"Max resident set", "RLIMIT_RSS"},
    {"Max processes", "RLIMIT_NPROC"},
    {"Max open files", "RLIMIT_NOFILE"},
    {"Max locked memory", "RLIMIT_MEMLOCK"},
    {"Max address space", "RLIMIT_AS"},
    {"Max file locks", "RLIMIT_LOCKS"},
    {"Max pending signals", "RLIMIT_SIGPENDING"},
    {"Max msgqueue size", "RLIMIT_MSGQUEUE"},
    {"Max nice priority", "RLIMIT_NICE"},
    {"Max realtime priority", "RLIMIT_RTPRIO"},
    {"Max realtime timeout", "RLIMIT_RTTIME"},
};

/* "unlimited" -> -1.  Returns 1, 0 when the value does not fit JSON, -1 if
 * it is no number. */
static int limit_value(const char *s, long long *v)
{
  if (strcmp(s, "unlimited") == 0) {
    *v = -1;
    return 1;
  }
  unsigned long long u;
  if (!parse_ull(s, 10, &u))
    return -1;
  if (u > (unsigned long long)INT64_MAX)
    return 0;
  *v = (long long)u;
  return 1;
}

static int observe_limits(struct observer *o)
{
  cleanup_free char *text = NULL;
  int r = read_proc(o, "limits", &text, NULL);
  if (r <= 0)
    return r;
  json_t *limits = json_object();
  if (set(o, o->obj, "rlimits", limits) < 0)
    return -1;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    const char *name = NULL;
    size_t len = 0;
    for (size_t i = 0; i < ARRAY_SIZE(limit_rows) && !name; i++) {
      len = strlen(limit_rows[i].row);
      if (strncmp(line, limit_rows[i].row, len) == 0 && line[len] == ' ')
        name = limit_rows[i].name;
    }
    if (!name)
      continue; /* the header, or a row this table does not know */
    char *fields = line + len, *fsave = NULL;
    char *soft = strtok_r(fields, " ", &fsave);
    char *hard = soft ? strtok_r(NULL, " ", &fsave) : NULL;
    long long sv = 0, hv = 0;
    int rs = soft ? limit_value(soft, &sv) : -1;
    int rh = hard ? limit_value(hard, &hv) : -1;
    if (rs < 0 || rh < 0)
      return malformed(o, "limits", line);
    if (rs == 0 || rh == 0)
      continue;
    if (set(o, limits, name, json_pack("[II]", (json_int_t)sv, (json_int_t)hv)) < 0)
      return -1;
  }
  return 0;
}

/* ---- id maps, setgroups ---- */

static int observe_id_map(struct observer *o, const char *file)
{
  cleanup_free char *text = NULL;
  int r = read_proc(o, file, &text, NULL);
  if (r <= 0)
    return r;
  json_t *map = json_array();
  if (set(o, o->obj, file, map) < 0)
    return -1;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char copy[96];
    snprintf(copy, sizeof(copy), "%s", line);
    json_t *range = number_list(line, 3);
    if (!range)
      return malformed(o, file, copy);
    if (append(o, map, range, file) < 0)
      return -1;
  }
  return 0;
}

static int observe_setgroups(struct observer *o)
{
  cleanup_free char *text = NULL;
  int r = read_proc(o, "setgroups", &text, NULL);
  if (r <= 0)
    return r;
  chomp(text);
  return set(o, o->obj, "setgroups", json_cstr(text));
}

/* ---- namespaces ---- */

static const char *const ns_links[] = {
    "user", "pid", "pid_for_children", "mnt",  "uts",
    "ipc",  "net", "cgroup",           "time", "time_for_children",
};

static int observe_ns(struct observer *o)
{
  json_t *ns = json_object();
  if (set(o, o->obj, "ns", ns) < 0)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE(ns_links); i++) {
    char path[64], target[PATH_MAX + 1];
    snprintf(path, sizeof(path), "ns/%s", ns_links[i]);
    int r = readlink_proc(o, path, target);
    if (r < 0)
      return -1;
    if (r > 0 && set(o, ns, ns_links[i], json_cstr(target)) < 0)
      return -1;
  }
  return 0;
}

/* ---- mountinfo ---- */

/* Decode the kernel's \ooo escapes (space, tab, newline, backslash) in place. */
static void unescape_octal(char *s)
{
  char *w = s;
  for (const char *r = s; *r;) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
        r[3] <= '7') {
      *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
      r += 4;
    } else {
      *w++ = *r++;
    }
  }
  *w = '\0';
}

/* One mountinfo line:
 *   id parent major:minor root mount_point options [optional...] - fstype source super_options */
static int mount_entry(struct observer *o, char *line, json_t *mounts)
{
  char copy[96]; /* for the error message */
  snprintf(copy, sizeof(copy), "%s", line);
  char *field[6], *save = NULL;
  for (size_t i = 0; i < ARRAY_SIZE(field); i++) {
    field[i] = strtok_r(i ? NULL : line, " ", &save);
    if (!field[i])
      return malformed(o, "mountinfo", copy);
  }
  /* The optional fields (shared:N, master:N, propagate_from:N, unbindable),
   * kept as one space-separated string: "" for a private mount. */
  char propagation[256] = "";
  size_t plen = 0;
  char *tok;
  while ((tok = strtok_r(NULL, " ", &save)) && strcmp(tok, "-") != 0)
    if (plen < sizeof(propagation))
      plen += (size_t)snprintf(propagation + plen, sizeof(propagation) - plen, "%s%s",
                               plen ? " " : "", tok);
  char *fstype = tok ? strtok_r(NULL, " ", &save) : NULL;
  char *source = fstype ? strtok_r(NULL, " ", &save) : NULL;
  char *super = source ? strtok_r(NULL, " ", &save) : NULL;
  if (!super)
    return malformed(o, "mountinfo", copy);
  char *mount_point = field[4];
  unescape_octal(mount_point);
  unescape_octal(fstype);
  unescape_octal(source);
  json_t *m = json_object();
  if (append(o, mounts, m, "mounts") < 0)
    return -1;
  if (set(o, m, "mount_point", json_cstr(mount_point)) < 0 ||
      set(o, m, "fstype", json_cstr(fstype)) < 0 || set(o, m, "source", json_cstr(source)) < 0 ||
      set(o, m, "options", json_cstr(field[5])) < 0 ||
      set(o, m, "super_options", json_cstr(super)) < 0 ||
      set(o, m, "propagation", json_cstr(propagation)) < 0)
    return -1;
  return 0;
}

static int observe_mounts(struct observer *o)
{
  cleanup_free char *text = NULL;
  int r = read_proc(o, "mountinfo", &text, NULL);
  if (r <= 0)
    return r;
  json_t *mounts = json_array();
  if (set(o, o->obj, "mounts", mounts) < 0)
    return -1;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    if (mount_entry(o, line, mounts) < 0)
      return -1;
  return 0;
}

/* ---- fds ---- */

static void closedir_fn(DIR **d)
{
  if (*d)
    closedir(*d);
}

/* The fd numbers of /proc/PID/fd into *fds (n of them), in the kernel's
 * order, which is ascending (the fd table is walked by number). */
static int list_fd_numbers(struct observer *o, DIR *dir, int **fds, size_t *n)
{
  size_t cap = 0;
  *n = 0;
  for (;;) {
    errno = 0;
    struct dirent *de = readdir(dir);
    if (!de) {
      if (errno)
        return fail_read(o, errno, "list fds", "fd");
      break;
    }
    long long fd;
    if (de->d_name[0] == '.' || !parse_ll(de->d_name, 10, &fd) || fd < 0 || fd > INT_MAX)
      continue;
    if (o->self && (fd == o->proc_fd || fd == dirfd(dir)))
      continue;
    if (*n == MAX_FDS)
      return fail(o, E2BIG, "list fds", "/proc/%d/fd: more than %d fds", (int)o->pid, MAX_FDS);
    if (*n == cap) {
      cap = cap ? cap * 2 : 16;
      int *v = realloc(*fds, cap * sizeof(*v));
      if (!v)
        return fail(o, ENOMEM, "list fds", "/proc/%d/fd", (int)o->pid);
      *fds = v;
    }
    (*fds)[(*n)++] = (int)fd;
  }
  return 0;
}

static int observe_fds(struct observer *o)
{
  int dfd = openat(o->proc_fd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return fail_read(o, errno, "list fds", "fd");
  __attribute__((cleanup(closedir_fn))) DIR *dir = fdopendir(dfd);
  if (!dir) {
    int e = errno; /* fstat of the fd dir of a process that is being reaped */
    close(dfd);
    return fail_read(o, e, "list fds", "fd");
  }
  cleanup_free int *nums = NULL;
  size_t n;
  if (list_fd_numbers(o, dir, &nums, &n) < 0)
    return -1;
  json_t *fds = json_array();
  if (set(o, o->obj, "fds", fds) < 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    char name[32], target[PATH_MAX + 1];
    snprintf(name, sizeof(name), "fd/%d", nums[i]);
    int r = readlink_proc(o, name, target);
    if (r < 0)
      return -1;
    if (r == 0)
      continue; /* closed since it was listed */
    json_t *e = json_pack("{siso}", "fd", nums[i], "target", json_cstr(target));
    if (append(o, fds, e, "fds") < 0)
      return -1;
  }
  return 0;
}

/* ---- small files ---- */

static int observe_oom_score_adj(struct observer *o)
{
  cleanup_free char *text = NULL;
  int r = read_proc(o, "oom_score_adj", &text, NULL);
  if (r <= 0)
    return r;
  chomp(text);
  long long v;
  if (!parse_ll(text, 10, &v))
    return malformed(o, "oom_score_adj", text);
  return set(o, o->obj, "oom_score_adj", json_integer(v));
}

static int observe_cgroup(struct observer *o)
{
  cleanup_free char *text = NULL;
  size_t len;
  int r = read_proc(o, "cgroup", &text, &len);
  if (r <= 0)
    return r;
  return set(o, o->obj, "cgroup", json_text(text, len));
}

static int observe_cwd(struct observer *o)
{
  char target[PATH_MAX + 1];
  int r = readlink_proc(o, "cwd", target);
  if (r <= 0)
    return r;
  return set(o, o->obj, "cwd", json_cstr(target));
}

/* comm from its own file: status escapes the name, the file holds it raw. */
static int observe_comm(struct observer *o)
{
  cleanup_free char *text = NULL;
  size_t len;
  int r = read_proc(o, "comm", &text, &len);
  if (r <= 0)
    return r;
  if (len && text[len - 1] == '\n')
    text[--len] = '\0';
  return set(o, o->obj, "comm", json_text(text, len));
}

/* ---- the observation ---- */

static int observe_at(struct observer *o)
{
  if (set(o, o->obj, "pid", json_integer(o->pid)) < 0)
    return -1;
  if (observe_status(o) < 0 || observe_limits(o) < 0 || observe_id_map(o, "uid_map") < 0 ||
      observe_id_map(o, "gid_map") < 0 || observe_setgroups(o) < 0 || observe_ns(o) < 0 ||
      observe_mounts(o) < 0 || observe_fds(o) < 0 || observe_oom_score_adj(o) < 0 ||
      observe_cgroup(o) < 0 || observe_cwd(o) < 0 || observe_comm(o) < 0)
    return -1;
  /* A key left out above may mean the process was reaped meanwhile: then
   * the whole observation is of a process that no longer exists. */
  if (process_gone(o))
    return fail_gone(o, "observe", "status");
  return 0;
}

static int observe_path(pid_t pid, const char *dir, bool self, json_t **out, struct nsrt_err *err)
{
  *out = NULL;
  struct observer o = {.pid = pid, .self = self, .err = err};
  cleanup_close int proc_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd < 0) {
    if (errno == ENOENT || errno == ESRCH)
      return nsrt_fail_at(err, STAGE, ESRCH, "open", "process %d is gone (no %s)", (int)pid, dir);
    return nsrt_fail_at(err, STAGE, errno, "open", "%s", dir);
  }
  o.proc_fd = proc_fd;
  o.obj = json_object();
  if (!o.obj)
    return nsrt_fail_at(err, STAGE, ENOMEM, "json", "observation of process %d", (int)pid);
  if (observe_at(&o) < 0) {
    json_decref(o.obj);
    return -1;
  }
  *out = o.obj;
  return 0;
}

int nsc_observe_pid(pid_t pid, json_t **out, struct nsrt_err *err)
{
  if (pid <= 0) {
    *out = NULL;
    return nsrt_fail_at(err, STAGE, EINVAL, "open", "invalid pid %d", (int)pid);
  }
  char dir[32];
  snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
  return observe_path(pid, dir, pid == getpid(), out, err);
}

int nsc_observe_self(json_t **out, struct nsrt_err *err)
{
  /* /proc/self, not /proc/<getpid()>: right even when /proc belongs to
   * another pid namespace than ours */
  return observe_path(getpid(), "/proc/self", true, out, err);
}
