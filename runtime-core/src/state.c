/* The state directory of a container and the state JSON (see state.h). */
#include "state.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bugs.h"
#include "cleanup.h"
#include "error.h"
#include "failpoint.h"

#define STATE_TMP STATE_JSON ".tmp"
#define ID_MAX    64

/* Quote an id for a message: bounded, control characters replaced, so a
 * hostile id cannot forge log lines. */
static const char *printable_id(const char *id, char *buf, size_t len)
{
  size_t i = 0;
  for (; id[i] && i + 4 < len; i++)
    buf[i] = isprint((unsigned char)id[i]) ? id[i] : '?';
  if (id[i]) {
    memcpy(buf + i, "...", 3);
    i += 3;
  }
  buf[i] = '\0';
  return buf;
}

int state_check_id(const char *root, const char *id, struct nsrt_err *err)
{
  char shown[ID_MAX + 8];
  if (!id || !id[0])
    return nsrt_fail_at(err, "cli", 0, "id", "container id \"\" is empty");
  size_t n = strlen(id);
  if (n > ID_MAX)
    return nsrt_fail_at(err, "cli", 0, "id", "container id \"%s\" is longer than %d bytes",
                        printable_id(id, shown, sizeof(shown)), ID_MAX);
  if (!isalnum((unsigned char)id[0]))
    return nsrt_fail_at(err, "cli", 0, "id",
                        "container id \"%s\" must start with a letter or a digit",
                        printable_id(id, shown, sizeof(shown)));
  for (size_t i = 1; i < n; i++) {
    unsigned char c = (unsigned char)id[i];
    if (!isalnum(c) && !strchr("_.+-", c))
      return nsrt_fail_at(err, "cli", 0, "id",
                          "container id \"%s\" has a character outside [A-Za-z0-9_.+-]",
                          printable_id(id, shown, sizeof(shown)));
  }
  /* The start socket path must fit a sockaddr_un, terminator included. */
  struct sockaddr_un sun;
  size_t path_len = strlen(root) + 1 + n + 1 + strlen(STATE_SOCKET);
  if (path_len >= sizeof(sun.sun_path))
    return nsrt_fail_at(err, "cli", ENAMETOOLONG, "id",
                        "container id \"%s\": %s/%s/%s is %zu bytes, the limit is %zu",
                        printable_id(id, shown, sizeof(shown)), root, id, STATE_SOCKET, path_len,
                        sizeof(sun.sun_path) - 1);
  return 0;
}

int state_path(char *buf, size_t len, const char *root, const char *id, const char *name)
{
  int n =
      name ? snprintf(buf, len, "%s/%s/%s", root, id, name) : snprintf(buf, len, "%s/%s", root, id);
  if (n < 0 || (size_t)n >= len) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return 0;
}

/* mkdir -p with mode 0700 for the components we create. */
static int mkdir_parents(const char *path, struct nsrt_err *err)
{
  cleanup_free char *copy = strdup(path);
  if (!copy)
    return nsrt_fail(err, ENOMEM, "state_dir", "copy %s", path);
  for (char *p = copy + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    char saved = *p;
    *p = '\0';
    if (mkdir(copy, 0700) < 0 && errno != EEXIST)
      return nsrt_fail(err, errno, "state_dir", "mkdir %s", copy);
    *p = saved;
    if (saved == '\0')
      break;
  }
  struct stat sb;
  if (stat(path, &sb) < 0)
    return nsrt_fail(err, errno, "state_dir", "stat %s", path);
  if (!S_ISDIR(sb.st_mode))
    return nsrt_fail(err, ENOTDIR, "state_dir", "state root %s", path);
  return 0;
}

int state_dir_create(const char *root, const char *id, struct nsrt_err *err)
{
  char dir[4096];
  if (state_path(dir, sizeof(dir), root, id, NULL) < 0)
    return nsrt_fail(err, errno, "state_dir", "state directory of %s under %s", id, root);
  if (mkdir_parents(root, err) < 0)
    return -1;
  if (FP_FAILS("state.mkdir") || mkdir(dir, 0700) < 0) {
    if (errno == EEXIST)
      return nsrt_fail(err, EEXIST, "state_dir", "container %s already exists", id);
    return nsrt_fail(err, errno, "state_dir", "mkdir %s", dir);
  }
  /* Known bug (youki-dev/youki#2663, the class of CVE-2024-21626): a host
   * directory opened without O_CLOEXEC (and, in the init, not closed). */
  int fd = open(dir, O_RDONLY | O_DIRECTORY | (NSRT_BUG("host-dirfd-leak") ? 0 : O_CLOEXEC));
  if (fd < 0) {
    int saved = errno;
    rmdir(dir);
    return nsrt_fail(err, saved, "state_dir", "open %s", dir);
  }
  return fd;
}

static json_t *annotations_to_json(const struct annotation *a, size_t n)
{
  json_t *obj = json_object();
  for (size_t i = 0; obj && i < n; i++)
    if (json_object_set_new(obj, a[i].key, json_string(a[i].value)) < 0) {
      json_decref(obj);
      return NULL;
    }
  return obj;
}

/* Stored form: the OCI fields plus what status derivation needs. */
static json_t *state_to_stored_json(const struct container_state *st)
{
  json_t *ann = annotations_to_json(st->annotations, st->n_annotations);
  if (!ann)
    return NULL;
  return json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:s, s:s, s:o}", "ociVersion",
                   st->oci_version ? st->oci_version : "", "id", st->id ? st->id : "", "status",
                   state_status_name(state_status(st)), "pid", (json_int_t)st->pid, "pid_start",
                   (json_int_t)st->pid_start, "started", st->started, "created",
                   st->created ? st->created : "", "bundle", st->bundle ? st->bundle : "",
                   "annotations", ann);
}

static int write_all(int fd, const char *buf, size_t len)
{
  while (len > 0) {
    ssize_t w = write(fd, buf, len);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    buf += w;
    len -= (size_t)w;
  }
  return 0;
}

int state_write(int dirfd, const struct container_state *st, struct nsrt_err *err)
{
  json_t *root = state_to_stored_json(st);
  if (!root)
    return nsrt_fail(err, ENOMEM, "write_state", "build the state of %s", st->id);
  cleanup_free char *text = json_dumps(root, JSON_INDENT(2));
  json_decref(root);
  if (!text)
    return nsrt_fail(err, ENOMEM, "write_state", "serialize the state of %s", st->id);

  int fd = -1;
  if (FP_FAILS("state.write") ||
      (fd = openat(dirfd, STATE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
    return nsrt_fail(err, errno, "write_state", "open %s", STATE_TMP);
  size_t len = strlen(text);
  text[len] = '\n'; /* the terminator becomes the final newline; len + 1 bytes are written */
  if (write_all(fd, text, len + 1) < 0) {
    int saved = errno;
    close(fd);
    unlinkat(dirfd, STATE_TMP, 0);
    return nsrt_fail(err, saved, "write_state", "write %s", STATE_TMP);
  }
  if (close(fd) < 0) {
    int saved = errno;
    unlinkat(dirfd, STATE_TMP, 0);
    return nsrt_fail(err, saved, "write_state", "close %s", STATE_TMP);
  }
  /* rename is atomic: readers see the old state or the new one, never half. */
  if (renameat(dirfd, STATE_TMP, dirfd, STATE_JSON) < 0) {
    int saved = errno;
    unlinkat(dirfd, STATE_TMP, 0);
    return nsrt_fail(err, saved, "write_state", "rename %s to %s", STATE_TMP, STATE_JSON);
  }
  return 0;
}

static int dup_string_field(json_t *obj, const char *key, char **out, const char *path,
                            struct nsrt_err *err)
{
  json_t *v = json_object_get(obj, key);
  if (!json_is_string(v))
    return nsrt_fail(err, 0, "load_state", "%s: \"%s\" is missing or not a string", path, key);
  *out = strdup(json_string_value(v));
  if (!*out)
    return nsrt_fail(err, ENOMEM, "load_state", "%s: copy \"%s\"", path, key);
  return 0;
}

static int annotations_from_json(json_t *obj, struct container_state *st, const char *path,
                                 struct nsrt_err *err)
{
  if (!obj)
    return 0;
  if (!json_is_object(obj))
    return nsrt_fail(err, 0, "load_state", "%s: \"annotations\" is not an object", path);
  size_t n = json_object_size(obj);
  if (n == 0)
    return 0;
  st->annotations = calloc(n, sizeof(*st->annotations));
  if (!st->annotations)
    return nsrt_fail(err, ENOMEM, "load_state", "%s: annotations", path);
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value)
  {
    if (!json_is_string(value))
      return nsrt_fail(err, 0, "load_state", "%s: annotation \"%s\" is not a string", path, key);
    struct annotation *a = &st->annotations[st->n_annotations];
    a->key = strdup(key);
    a->value = strdup(json_string_value(value));
    st->n_annotations++;
    if (!a->key || !a->value)
      return nsrt_fail(err, ENOMEM, "load_state", "%s: annotations", path);
  }
  return 0;
}

static int state_from_json(json_t *root, struct container_state *st, const char *path,
                           struct nsrt_err *err)
{
  if (!json_is_object(root))
    return nsrt_fail(err, 0, "load_state", "%s: not a JSON object", path);
  if (dup_string_field(root, "ociVersion", &st->oci_version, path, err) < 0 ||
      dup_string_field(root, "id", &st->id, path, err) < 0 ||
      dup_string_field(root, "bundle", &st->bundle, path, err) < 0 ||
      dup_string_field(root, "created", &st->created, path, err) < 0)
    return -1;
  json_t *pid = json_object_get(root, "pid");
  json_t *start = json_object_get(root, "pid_start");
  json_t *started = json_object_get(root, "started");
  if (!json_is_integer(pid) || json_integer_value(pid) <= 0 || json_integer_value(pid) > 0x7fffffff)
    return nsrt_fail(err, 0, "load_state", "%s: \"pid\" is missing or not a positive pid", path);
  if (!json_is_integer(start) || json_integer_value(start) < 0)
    return nsrt_fail(err, 0, "load_state", "%s: \"pid_start\" is missing or negative", path);
  if (!json_is_boolean(started))
    return nsrt_fail(err, 0, "load_state", "%s: \"started\" is missing or not a boolean", path);
  st->pid = (pid_t)json_integer_value(pid);
  st->pid_start = (unsigned long long)json_integer_value(start);
  st->started = json_is_true(started);
  return annotations_from_json(json_object_get(root, "annotations"), st, path, err);
}

int state_load(const char *root, const char *id, struct container_state *st, struct nsrt_err *err)
{
  memset(st, 0, sizeof(*st));
  if (state_check_id(root, id, err) < 0)
    return -1;
  char path[4096];
  if (state_path(path, sizeof(path), root, id, STATE_JSON) < 0)
    return nsrt_fail(err, errno, "load_state", "state of %s under %s", id, root);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return nsrt_fail(err, ENOENT, "load_state", "container %s does not exist", id);
    return nsrt_fail(err, errno, "load_state", "open %s", path);
  }
  json_error_t jerr;
  json_t *json = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
  if (!json)
    return nsrt_fail(err, 0, "load_state", "%s:%d: %s", path, jerr.line, jerr.text);
  int ret = state_from_json(json, st, path, err);
  json_decref(json);
  if (ret < 0) {
    state_free(st);
    return ret;
  }
  if (strcmp(st->id, id) != 0) {
    nsrt_fail(err, 0, "load_state", "%s: records id \"%s\", expected \"%s\"", path, st->id, id);
    state_free(st);
    return -1;
  }
  return 0;
}

void state_free(struct container_state *st)
{
  if (!st)
    return;
  free(st->oci_version);
  free(st->id);
  free(st->bundle);
  free(st->created);
  for (size_t i = 0; i < st->n_annotations; i++) {
    free(st->annotations[i].key);
    free(st->annotations[i].value);
  }
  free(st->annotations);
  memset(st, 0, sizeof(*st));
}

/* The process state letter (field 3) and start time (field 22) of
 * /proc/PID/stat.  -1 when the process does not exist. */
static int read_proc_stat(pid_t pid, char *state, unsigned long long *start)
{
  char path[64], buf[4096];
  if (pid <= 0) {
    errno = ESRCH;
    return -1;
  }
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  int saved = errno;
  close(fd);
  if (n <= 0) {
    errno = n < 0 ? saved : ESRCH;
    return -1;
  }
  buf[n] = '\0';
  /* comm (field 2) may hold spaces and parentheses: parse after the last ')'. */
  char *p = strrchr(buf, ')');
  if (!p || p[1] != ' ' || !p[2]) {
    errno = EINVAL;
    return -1;
  }
  p += 2;
  if (state)
    *state = *p;
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (!p) {
      errno = EINVAL;
      return -1;
    }
    p++;
  }
  char *end;
  errno = 0;
  unsigned long long v = strtoull(p, &end, 10);
  if (errno || end == p) {
    errno = EINVAL;
    return -1;
  }
  if (start)
    *start = v;
  return 0;
}

int proc_start_time(pid_t pid, unsigned long long *out)
{
  return read_proc_stat(pid, NULL, out);
}

enum container_status state_status(const struct container_state *st)
{
  char proc_state;
  unsigned long long start;
  if (read_proc_stat(st->pid, &proc_state, &start) < 0)
    return STATUS_STOPPED;
  /* A different start time: the pid was reused by another process. */
  if (start != st->pid_start)
    return STATUS_STOPPED;
  /* A zombie has finished running; only its parent's wait is missing. */
  if (proc_state == 'Z' || proc_state == 'X')
    return STATUS_STOPPED;
  return st->started ? STATUS_RUNNING : STATUS_CREATED;
}

const char *state_status_name(enum container_status s)
{
  switch (s) {
  case STATUS_CREATING:
    return "creating";
  case STATUS_CREATED:
    return "created";
  case STATUS_RUNNING:
    return "running";
  case STATUS_STOPPED:
    return "stopped";
  }
  return "unknown";
}

char *state_to_json(const struct container_state *st, enum container_status s)
{
  json_t *ann = annotations_to_json(st->annotations, st->n_annotations);
  if (!ann)
    return NULL;
  json_t *root = json_pack("{s:s, s:s, s:s}", "ociVersion", st->oci_version ? st->oci_version : "",
                           "id", st->id ? st->id : "", "status", state_status_name(s));
  if (!root) {
    json_decref(ann);
    return NULL;
  }
  /* runtime.md: pid is required when created or running, and meaningless
   * after; the hooks of create get it while creating too. */
  if ((s == STATUS_CREATED || s == STATUS_RUNNING || (s == STATUS_CREATING && st->pid > 0)) &&
      json_object_set_new(root, "pid", json_integer(st->pid)) < 0)
    goto fail;
  if (json_object_set_new(root, "bundle", json_string(st->bundle ? st->bundle : "")) < 0)
    goto fail;
  if (json_object_set_new(root, "annotations", ann) < 0) {
    ann = NULL;
    goto fail;
  }
  char *text = json_dumps(root, JSON_INDENT(2));
  json_decref(root);
  return text;
fail:
  json_decref(ann);
  json_decref(root);
  return NULL;
}

int state_remove(const char *root, const char *id, struct nsrt_err *err)
{
  if (state_check_id(root, id, err) < 0)
    return -1;
  char path[4096];
  if (state_path(path, sizeof(path), root, id, NULL) < 0)
    return nsrt_fail(err, errno, "remove_state", "state directory of %s under %s", id, root);
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return 0;
    return nsrt_fail(err, errno, "remove_state", "open %s", path);
  }
  DIR *dir = fdopendir(fd);
  if (!dir) {
    int saved = errno;
    close(fd);
    return nsrt_fail(err, saved, "remove_state", "read %s", path);
  }
  int ret = 0;
  struct dirent *de;
  /* Entries are plain files and the socket; a stray directory is removed if empty. */
  while ((de = readdir(dir))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    int flags = de->d_type == DT_DIR ? AT_REMOVEDIR : 0;
    if (unlinkat(fd, de->d_name, flags) < 0 && errno != ENOENT) {
      ret = nsrt_fail(err, errno, "remove_state", "remove %s/%s", path, de->d_name);
      break;
    }
  }
  closedir(dir);
  if (ret < 0)
    return ret;
  if ((FP_FAILS("state.remove") || rmdir(path) < 0) && errno != ENOENT)
    return nsrt_fail(err, errno, "remove_state", "rmdir %s", path);
  return 0;
}

void rfc3339_now(char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  char date[32];
  strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, len, "%s.%09ldZ", date, ts.tv_nsec);
}
