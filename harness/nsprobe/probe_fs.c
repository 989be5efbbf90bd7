/* The probe's file system keys: mounts, /dev, sysctl, time offsets.  Each
 * only reads: lstat, readlink, reading /proc files, and opening (never
 * reading or writing) the default character devices. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "json_out.h"
#include "probe.h"

/* ---- mounts ----------------------------------------------------------------- */

/* Decode the kernel's octal escapes (\040 for a space, ...) in place. */
static char *unescape(char *s)
{
  char *w = s;
  for (char *r = s; *r;) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
        r[3] <= '7') {
      *w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
      r += 4;
    } else {
      *w++ = *r++;
    }
  }
  *w = '\0';
  return s;
}

/* One mountinfo line:
 *   id parent major:minor root mount_point options [optional...] - fstype source super_options
 */
static void emit_mount_line(char *line)
{
  char *f[64];
  size_t n = 0;
  char *save = NULL;
  for (char *t = strtok_r(line, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save))
    f[n++] = t;
  size_t sep = 6;
  while (sep < n && strcmp(f[sep], "-") != 0)
    sep++;
  if (n < 6 || sep + 2 >= n)
    return; /* not a line of the documented shape */
  json_obj_begin();
  json_key("mount_point");
  json_str(unescape(f[4]));
  json_key("fstype");
  json_str(unescape(f[sep + 1]));
  json_key("source");
  json_str(unescape(f[sep + 2]));
  json_key("options");
  json_str(f[5]);
  json_key("super_options");
  json_str(sep + 3 < n ? unescape(f[sep + 3]) : "");
  /* The optional fields (shared:N, master:N, propagate_from:N, unbindable)
   * as one space-separated string, "" for a private mount. */
  char prop[256];
  size_t len = 0;
  prop[0] = '\0';
  for (size_t i = 6; i < sep && len < sizeof(prop); i++)
    len += (size_t)snprintf(prop + len, sizeof(prop) - len, "%s%s", len ? " " : "", f[i]);
  json_key("propagation");
  json_str(prop);
  json_obj_end();
}

void emit_mounts(void)
{
  if (read_file("/proc/self/mountinfo", file_buf, sizeof(file_buf), NULL) < 0)
    return;
  json_key("mounts");
  json_arr_begin();
  for (char *l = file_buf; *l;) {
    char *eol = strchr(l, '\n');
    if (eol)
      *eol = '\0';
    emit_mount_line(l);
    if (!eol)
      break;
    l = eol + 1;
  }
  json_arr_end();
}

/* ---- /dev ------------------------------------------------------------------- */

/* The entries config-linux.md (default devices) and runtime-linux.md (dev
 * symlinks) speak of, by name under /dev.  open: whether to open the device
 * (O_RDWR, O_NONBLOCK, O_NOCTTY) and report the errno, which shows that the
 * node is a working device and not only a name.  /dev/ptmx is not opened:
 * that would allocate a pseudoterminal. */
static const struct {
  const char *name;
  bool open;
} dev_entries[] = {
    {"null", true},   {"zero", true},     {"full", true},    {"random", true}, {"urandom", true},
    {"tty", true},    {"console", false}, {"ptmx", false},   {"pts", false},   {"fd", false},
    {"stdin", false}, {"stdout", false},  {"stderr", false},
};

static const char *file_type(mode_t mode)
{
  switch (mode & S_IFMT) {
  case S_IFCHR:
    return "c";
  case S_IFBLK:
    return "b";
  case S_IFLNK:
    return "l";
  case S_IFDIR:
    return "d";
  case S_IFIFO:
    return "p";
  case S_IFSOCK:
    return "s";
  default:
    return "f";
  }
}

/* type, mode, uid, gid, major/minor of a device, and fs: the device of the
 * file system that holds it ("major:minor"). */
static void emit_stat(const struct stat *st)
{
  char text[32];
  json_key("type");
  json_str(file_type(st->st_mode));
  if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
    json_key("major");
    json_int(major(st->st_rdev));
    json_key("minor");
    json_int(minor(st->st_rdev));
  }
  snprintf(text, sizeof(text), "%04o", (unsigned)(st->st_mode & 07777));
  json_key("mode");
  json_str(text);
  json_key("uid");
  json_int(st->st_uid);
  json_key("gid");
  json_int(st->st_gid);
  snprintf(text, sizeof(text), "%u:%u", major(st->st_dev), minor(st->st_dev));
  json_key("fs");
  json_str(text);
}

static void emit_dev_entry(const char *name, bool try_open)
{
  char path[64], target[PATH_MAX];
  struct stat st;
  snprintf(path, sizeof(path), "/dev/%s", name);
  if (lstat(path, &st) < 0) {
    if (errno != ENOENT && errno != ENOTDIR) {
      warn("lstat", path, errno);
      return;
    }
    json_key(name);
    json_obj_begin();
    json_key("type");
    json_str("missing");
    json_obj_end();
    return;
  }
  json_key(name);
  json_obj_begin();
  emit_stat(&st);
  bool is_chr = S_ISCHR(st.st_mode);
  if (S_ISLNK(st.st_mode)) {
    ssize_t n = readlink(path, target, sizeof(target));
    if (n >= 0 && (size_t)n < sizeof(target)) {
      json_key("link");
      json_strn(target, (size_t)n);
    }
    /* What the link leads to, as a program opening the path would find it. */
    struct stat to;
    json_key("resolved");
    json_obj_begin();
    if (stat(path, &to) == 0) {
      emit_stat(&to);
      is_chr = S_ISCHR(to.st_mode);
    } else {
      json_key("type");
      json_str("missing");
    }
    json_obj_end();
  }
  if (try_open && is_chr) {
    int fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    json_key("open");
    json_int(fd < 0 ? errno : 0);
    if (fd >= 0)
      close(fd);
  }
  json_obj_end();
}

void emit_dev(void)
{
  json_key("dev");
  json_obj_begin();
  for (size_t i = 0; i < sizeof(dev_entries) / sizeof(dev_entries[0]); i++)
    emit_dev_entry(dev_entries[i].name, dev_entries[i].open);
  json_obj_end();
}

/* ---- --stat paths ------------------------------------------------------------ */

/* The same keys as a "dev" entry, without following a last symlink and
 * without opening anything: linux.devices entries and id-mapped mount points
 * are only looked at.  A path that cannot be reached is "missing", with the
 * errno of lstat. */
void emit_stat_paths(const char *const *paths, size_t n)
{
  if (n == 0)
    return;
  json_key("stat");
  json_obj_begin();
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    json_key(paths[i]);
    json_obj_begin();
    if (lstat(paths[i], &st) < 0) {
      int e = errno;
      json_key("type");
      json_str("missing");
      json_key("errno");
      json_int(e);
    } else {
      emit_stat(&st);
    }
    json_obj_end();
  }
  json_obj_end();
}

/* ---- sysctl ------------------------------------------------------------------ */

int sysctl_key_valid(const char *key)
{
  size_t run = 0;
  for (const char *c = key;; c++) {
    if (*c == '.' || *c == '\0') {
      if (run == 0)
        return 0;
      if (*c == '\0')
        return 1;
      run = 0;
    } else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
               *c == '_' || *c == '-') {
      run++;
    } else {
      return 0;
    }
  }
}

/* Each key's /proc/sys file, trailing newlines dropped; null when the file
 * does not exist, left out when it cannot be read. */
void emit_sysctl(const char *const *keys, size_t n)
{
  if (n == 0)
    return;
  json_key("sysctl");
  json_obj_begin();
  for (size_t i = 0; i < n; i++) {
    char path[PATH_MAX];
    size_t len;
    int w = snprintf(path, sizeof(path), "/proc/sys/%s", keys[i]);
    if (w < 0 || (size_t)w >= sizeof(path))
      continue;
    for (char *c = path + strlen("/proc/sys/"); *c; c++)
      if (*c == '.')
        *c = '/';
    if (read_file(path, file_buf, sizeof(file_buf), &len) < 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        json_key(keys[i]);
        json_null();
      }
      continue;
    }
    while (len > 0 && file_buf[len - 1] == '\n')
      len--;
    json_key(keys[i]);
    json_strn(file_buf, len);
  }
  json_obj_end();
}

/* ---- time namespace offsets ---------------------------------------------------
 * /proc/self/timens_offsets shows the offsets of the time namespace the
 * process's children get (time_for_children); after execve that is the
 * process's own, so for the probe they are its own offsets. */

void emit_timens_offsets(void)
{
  if (read_file("/proc/self/timens_offsets", file_buf, sizeof(file_buf), NULL) < 0)
    return;
  json_key("timens_offsets");
  json_obj_begin();
  for (char *l = file_buf; *l;) {
    char *eol = strchr(l, '\n');
    if (eol)
      *eol = '\0';
    char clock[32];
    long long secs, nsecs;
    if (sscanf(l, "%31s %lld %lld", clock, &secs, &nsecs) == 3) {
      json_key(clock);
      json_arr_begin();
      json_int(secs);
      json_int(nsecs);
      json_arr_end();
    }
    if (!eol)
      break;
    l = eol + 1;
  }
  json_obj_end();
}
