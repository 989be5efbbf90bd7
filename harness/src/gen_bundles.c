/* Writing the generated cases out: one bundle directory per case with its
 * config.json, and a manifest of them all. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "gen_int.h"

static int mkdir_exist_ok(int dirfd, const char *path, struct nsrt_err *err)
{
  struct stat st;
  if (mkdirat(dirfd, path, 0755) == 0 ||
      (errno == EEXIST && fstatat(dirfd, path, &st, 0) == 0 && S_ISDIR(st.st_mode)))
    return 0;
  return GEN_FAIL(err, errno == EEXIST ? ENOTDIR : errno, "bundles", "mkdir %s", path);
}

static int write_all(int fd, const char *buf, size_t len)
{
  for (size_t done = 0; done < len;) {
    ssize_t w = write(fd, buf + done, len - done);
    if (w < 0 && errno != EINTR)
      return -1;
    done += w > 0 ? (size_t)w : 0;
  }
  return 0;
}

/* name in dirfd, via a temporary file and rename so no reader sees half a file. */
static int write_json(int dirfd, const char *shown, const char *name, const json_t *doc,
                      struct nsrt_err *err)
{
  cleanup_free char *text = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(2));
  char tmp[64];
  snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
  if (!text)
    return GEN_FAIL(err, ENOMEM, "bundles", "encode %s/%s", shown, name);
  cleanup_close int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return GEN_FAIL(err, errno, "bundles", "create %s/%s", shown, tmp);
  if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0)
    return GEN_FAIL(err, errno, "bundles", "write %s/%s", shown, tmp);
  if (renameat(dirfd, tmp, dirfd, name) < 0)
    return GEN_FAIL(err, errno, "bundles", "rename %s/%s", shown, name);
  return 0;
}

static const char *kind_name(enum nsc_case_kind k)
{
  return k == NSC_CASE_GENERATED ? "generated" : k == NSC_CASE_NEGATIVE ? "negative" : "lifecycle";
}

int gen_write_bundles(const struct nsc_case *cases, size_t n, const char *dir, struct nsrt_err *err)
{
  if (mkdir_exist_ok(AT_FDCWD, dir, err) < 0)
    return -1;
  cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return GEN_FAIL(err, errno, "bundles", "open %s", dir);
  json_t *manifest = json_pack("{s:s, s:[]}", "schema", "nsconform-manifest/1", "cases");
  json_t *list = json_object_get(manifest, "cases");
  int ret = manifest ? 0 : GEN_FAIL(err, ENOMEM, "bundles", "out of memory");
  for (size_t i = 0; i < n && ret == 0; i++) {
    const struct nsc_case *c = &cases[i];
    char shown[4096];
    snprintf(shown, sizeof(shown), "%s/%s", dir, c->id);
    if (!c->id[0] || strchr(c->id, '/') || c->id[0] == '.') {
      ret = GEN_FAIL(err, EINVAL, "bundles", "case id \"%s\" is not a directory name", c->id);
      break;
    }
    ret = mkdir_exist_ok(dfd, c->id, err);
    cleanup_close int cfd = ret < 0 ? -1 : openat(dfd, c->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ret == 0 && cfd < 0)
      ret = GEN_FAIL(err, errno, "bundles", "open %s", shown);
    if (ret == 0)
      ret = write_json(cfd, shown, "config.json", c->config, err);
    json_t *entry = json_pack("{s:s, s:s, s:I, s:s}", "id", c->id, "kind", kind_name(c->kind),
                              "seed", (json_int_t)c->seed, "title", c->title ? c->title : "");
    if (entry && c->requirement &&
        json_object_set_new(entry, "requirement", json_string(c->requirement)) < 0) {
      json_decref(entry);
      entry = NULL;
    }
    if (entry && c->probe_syscall &&
        json_object_set_new(entry, "probe_syscall", json_string(c->probe_syscall)) < 0) {
      json_decref(entry);
      entry = NULL;
    }
    if (ret == 0 && json_array_append_new(list, entry) < 0)
      ret = GEN_FAIL(err, ENOMEM, "bundles", "out of memory");
    else if (ret < 0)
      json_decref(entry);
  }
  if (ret == 0)
    ret = write_json(dfd, dir, "manifest.json", manifest, err);
  json_decref(manifest);
  return ret;
}
