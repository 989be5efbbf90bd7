#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "error.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const struct ns_info ns_table[NS_COUNT] = {
    [NS_USER] = {"user", "user", CLONE_NEWUSER},
    [NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [NS_TIME] = {"time", "time", CLONE_NEWTIME},
    [NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [NS_NET] = {"network", "net", CLONE_NEWNET},
    [NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
};

int ns_type_from_spec_name(const char *name)
{
  for (int i = 0; i < NS_COUNT; i++)
    if (strcmp(ns_table[i].spec_name, name) == 0)
      return i;
  return -1;
}

int ns_type_from_clone_flag(int flag)
{
  for (int i = 0; i < NS_COUNT; i++)
    if (ns_table[i].clone_flag == flag)
      return i;
  return -1;
}

int ns_open_checked(const char *path, enum ns_type type, const char *json_path,
                    struct nsrt_err *err)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return nsrt_fail_at(err, "spec", errno, json_path, "open %s", path);
  int got = ioctl(fd, NS_GET_NSTYPE);
  if (got < 0) {
    int e = errno;
    close(fd);
    if (e == ENOTTY || e == EINVAL)
      return nsrt_fail_at(err, "spec", 0, json_path, "%s is not a namespace", path);
    return nsrt_fail_at(err, "spec", e, json_path, "NS_GET_NSTYPE on %s", path);
  }
  if (got != ns_table[type].clone_flag) {
    close(fd);
    int actual = ns_type_from_clone_flag(got);
    return nsrt_fail_at(err, "spec", 0, json_path, "%s is a %s namespace, not %s", path,
                        actual >= 0 ? ns_table[actual].spec_name : "unknown",
                        ns_table[type].spec_name);
  }
  return fd;
}
