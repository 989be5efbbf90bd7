/* "linux.devices" of config.json (config-linux.md, Devices).
 *
 * Without a user namespace init makes each node with mknod and gives it
 * fileMode, uid and gid.  In a user namespace the kernel refuses mknod of a
 * device, so the host's node at the same path is bind-mounted: it must exist
 * and be the requested device, and since the host's node cannot be changed,
 * a fileMode, uid or gid it does not already have (as the container sees
 * it) is an error here, before anything is created.  FIFOs (type p) are
 * made with mknod in both cases. */
#include "spec_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"

#define OVERFLOW_ID 65534u

/* The container's view of a host id through a new user namespace's map. */
static uint32_t container_view(const struct id_range *r, size_t n, uint32_t host)
{
  for (size_t i = 0; i < n; i++)
    if (host >= r[i].host_id && host - r[i].host_id < r[i].size)
      return r[i].container_id + (host - r[i].host_id);
  return OVERFLOW_ID;
}

/* Whether the mount namespace the devices go into puts init in a user
 * namespace (created or joined). */
static bool in_user_namespace(const struct plan *p)
{
  return p->ns[NS_USER].mode != NS_ABSENT;
}

static int check_host_node(const struct plan *p, const struct device_plan *d, const char *base,
                           struct nsrt_err *err)
{
  json_path path;
  struct stat st;
  if (stat(d->path, &st) < 0)
    return nsrt_fail_at(err, "spec", errno, spec_at_key(path, base, "path"),
                        "%s: in a user namespace the device is bound from the host's node, "
                        "which cannot be used",
                        d->path);
  bool type_ok = d->type == 'b' ? S_ISBLK(st.st_mode) : S_ISCHR(st.st_mode);
  if (!type_ok || (int64_t)major(st.st_rdev) != d->major || (int64_t)minor(st.st_rdev) != d->minor)
    return SPEC_FAIL(err, spec_at_key(path, base, "path"),
                     "%s on the host is not the %c %lld:%lld device to bind in the user namespace",
                     d->path, d->type, (long long)d->major, (long long)d->minor);
  if (d->has_mode && (st.st_mode & 07777) != d->mode)
    return SPEC_FAIL(err, spec_at_key(path, base, "fileMode"),
                     "%u (0%o): the host's %s bound into the user namespace has mode 0%o",
                     (unsigned)d->mode, (unsigned)d->mode, d->path, (unsigned)(st.st_mode & 07777));
  bool new_userns = p->ns[NS_USER].mode == NS_NEW;
  if (d->has_uid) {
    uint32_t seen = new_userns ? container_view(p->uid_map, p->n_uid_map, st.st_uid) : UINT32_MAX;
    if (seen != d->uid)
      return SPEC_FAIL(err, spec_at_key(path, base, "uid"),
                       "%u: the host's %s bound into the user namespace is owned by host uid %u",
                       d->uid, d->path, (unsigned)st.st_uid);
  }
  if (d->has_gid) {
    uint32_t seen = new_userns ? container_view(p->gid_map, p->n_gid_map, st.st_gid) : UINT32_MAX;
    if (seen != d->gid)
      return SPEC_FAIL(err, spec_at_key(path, base, "gid"),
                       "%u: the host's %s bound into the user namespace has host gid %u", d->gid,
                       d->path, (unsigned)st.st_gid);
  }
  return 0;
}

/* Whether path lies under the destination of one of the spec's mounts (so
 * what is at it in root.path is not what the container will see). */
static bool under_a_mount(const struct plan *p, const char *path)
{
  for (size_t i = 0; i < p->n_mounts; i++) {
    const char *d = p->mounts[i].destination;
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == '/')
      n--;
    if (n == 1 || (strncmp(path, d, n) == 0 && (path[n] == '/' || path[n] == '\0')))
      return true;
  }
  return false;
}

/* An O_PATH fd of path inside root, or -1 when it does not resolve without
 * following a symlink (those are left to init, which resolves them inside
 * the rootfs).  Component by component with O_NOFOLLOW, so nothing leads
 * out of root; ".." is not followed either. */
static int open_plain(int root, const char *path)
{
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
    return -1;
  int cur = dup(root);
  char *save = NULL;
  for (char *c = strtok_r(buf, "/", &save); c && cur >= 0; c = strtok_r(NULL, "/", &save)) {
    struct stat st;
    int next = strcmp(c, "..") == 0 ? -1 : openat(cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    close(cur);
    cur = next;
    if (cur >= 0 && (fstat(cur, &st) < 0 || S_ISLNK(st.st_mode))) {
      close(cur);
      cur = -1;
    }
  }
  return cur;
}

/* An early look for what config-linux.md forbids: a file at the path in the
 * rootfs that is not the requested device.  Only where the rootfs itself
 * decides (no mount covers the path) and the path has no symlink; anything
 * this cannot tell is left to init, which checks again when it makes the
 * node. */
static int check_rootfs_file(const struct plan *p, const struct device_plan *d, const char *base,
                             struct nsrt_err *err)
{
  if (!p->root_path || under_a_mount(p, d->path))
    return 0;
  cleanup_close int root = open(p->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return 0;
  cleanup_close int fd = open_plain(root, d->path);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return 0;
  bool same = (st.st_mode & S_IFMT) == (d->type == 'b'   ? S_IFBLK
                                        : d->type == 'p' ? S_IFIFO
                                                         : S_IFCHR) &&
              (d->type == 'p' ||
               ((int64_t)major(st.st_rdev) == d->major && (int64_t)minor(st.st_rdev) == d->minor));
  if (same)
    return 0;
  json_path path;
  if (d->type == 'p')
    return SPEC_FAIL(err, spec_at_key(path, base, "path"),
                     "%s exists in the rootfs and is not a fifo", d->path);
  return SPEC_FAIL(err, spec_at_key(path, base, "path"),
                   "%s exists in the rootfs and is not the %c %lld:%lld device", d->path, d->type,
                   (long long)d->major, (long long)d->minor);
}

static int parse_device(const json_t *v, const char *base, const struct plan *p,
                        struct device_plan *d, struct nsrt_err *err)
{
  json_path path;
  json_t *obj;
  const char *dev_path, *type;
  if (spec_get_object(v, base, true, &obj, err) < 0 ||
      spec_get_string(json_object_get(obj, "path"), spec_at_key(path, base, "path"), true,
                      &dev_path, err) < 0 ||
      spec_check_string(dev_path, STR_ABSOLUTE, path, err) < 0)
    return -1;
  if (strcmp(dev_path, "/") == 0)
    return SPEC_FAIL(err, path, "\"/\" cannot be a device");
  if (spec_copy_string(dev_path, &d->path, path, err) < 0 ||
      spec_get_string(json_object_get(obj, "type"), spec_at_key(path, base, "type"), true, &type,
                      err) < 0)
    return -1;
  if (strlen(type) != 1 || !strchr("cbup", type[0]))
    return SPEC_FAIL(err, path, "\"%s\" is not a device type (c, b, u or p)", type);
  d->type = type[0];
  static const char *const numbers[] = {"major", "minor"};
  for (size_t i = 0; i < 2; i++) {
    long long n = 0;
    int ret =
        spec_get_integer(json_object_get(obj, numbers[i]), spec_at_key(path, base, numbers[i]),
                         d->type != 'p', 0, UINT32_MAX, "an integer from 0 to 4294967295", &n, err);
    if (ret < 0)
      return -1;
    *(i == 0 ? &d->major : &d->minor) = n;
  }
  /* the kernel's dev_t: 12 bits of major, 20 of minor */
  if (d->type != 'p' && (d->major > 0xfff || d->minor > 0xfffff))
    return SPEC_FAIL(err, spec_at_key(path, base, d->major > 0xfff ? "major" : "minor"),
                     "%lld:%lld is not a device number the kernel can hold", (long long)d->major,
                     (long long)d->minor);
  uint32_t mode = 0;
  int ret = spec_get_u32(json_object_get(obj, "fileMode"), spec_at_key(path, base, "fileMode"),
                         false, &mode, err);
  if (ret < 0)
    return -1;
  d->has_mode = ret > 0;
  d->mode = (mode_t)(mode & 07777);
  if ((ret = spec_get_u32(json_object_get(obj, "uid"), spec_at_key(path, base, "uid"), false,
                          &d->uid, err)) < 0)
    return -1;
  d->has_uid = ret > 0;
  if ((ret = spec_get_u32(json_object_get(obj, "gid"), spec_at_key(path, base, "gid"), false,
                          &d->gid, err)) < 0)
    return -1;
  d->has_gid = ret > 0;
  d->bind_host = in_user_namespace(p) && d->type != 'p';
  if (check_rootfs_file(p, d, base, err) < 0)
    return -1;
  return d->bind_host ? check_host_node(p, d, base, err) : 0;
}

int spec_parse_devices(const json_t *lnx, struct plan *p, struct nsrt_err *err)
{
  json_t *arr;
  int ret = spec_get_array(json_object_get(lnx, "devices"), "linux.devices", false, &arr, err);
  if (ret <= 0 || json_array_size(arr) == 0)
    return ret < 0 ? -1 : 0;
  if (p->ns[NS_MOUNT].mode != NS_NEW)
    return SPEC_FAIL(err, "linux.devices",
                     "devices are made in a new mount namespace; the container joins one");
  size_t n = json_array_size(arr);
  p->devices = spec_alloc_array(n, sizeof(*p->devices));
  if (!p->devices)
    return spec_out_of_memory("linux.devices", err);
  for (size_t i = 0; i < n; i++) {
    json_path base;
    p->n_devices++;
    if (parse_device(json_array_get(arr, i), spec_at_index(base, "linux.devices", i), p,
                     &p->devices[i], err) < 0)
      return -1;
  }
  return 0;
}
