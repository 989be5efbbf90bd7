/* Capabilities: the name table (numbers from linux/capability.h) and the
 * three steps init takes: bounding set, capset, ambient set. */
#include "caps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "failpoint.h"
#include "spec.h"

/* Indexed by capability number; the names are the ones the runtime spec uses. */
static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

/* The plan holds the sets as 64-bit masks. */
#define CAP_MASK_BITS 64

int cap_from_name(const char *name)
{
  if (!name)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
    if (strcmp(cap_names[i], name) == 0)
      return (int)i;
  return -1;
}

const char *cap_name(int cap)
{
  if (cap < 0 || (size_t)cap >= ARRAY_SIZE(cap_names))
    return NULL;
  return cap_names[cap];
}

int cap_last_known(void)
{
  return (int)ARRAY_SIZE(cap_names) - 1;
}

static int read_cap_last_cap(void)
{
  cleanup_close int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  char buf[32];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  char *end;
  errno = 0;
  long v = strtol(buf, &end, 10);
  if (errno || end == buf || (*end != '\n' && *end != '\0') || v < 0 || v >= CAP_MASK_BITS)
    return -1;
  return (int)v;
}

int cap_last_kernel(void)
{
  /* The value cannot change while we run, so one read is enough.  Without
   * /proc (early in a new mount namespace) our own table is the best guess. */
  static int cached = -1;
  if (cached < 0) {
    int v = read_cap_last_cap();
    cached = v >= 0 ? v : cap_last_known();
  }
  return cached;
}

/* "CAP_X", or "capability N" for a number the table does not know. */
static const char *cap_label(int cap, char *buf, size_t len)
{
  const char *name = cap_name(cap);
  if (name)
    return name;
  snprintf(buf, len, "capability %d", cap);
  return buf;
}

/* Only the capabilities this kernel knows: the kernel rejects the others. */
static uint64_t kernel_cap_mask(void)
{
  int last = cap_last_kernel();
  return last >= CAP_MASK_BITS - 1 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
}

static int drop_bounding_fail(struct nsrt_err *err, int errnum, int cap)
{
  char buf[32];
  if (cap < 0)
    return nsrt_fail(err, errnum, "drop_bounding", "drop capabilities from the bounding set");
  return nsrt_fail(err, errnum, "drop_bounding", "drop %s from the bounding set",
                   cap_label(cap, buf, sizeof(buf)));
}

/* Whether the loop below has to drop cap: not kept by the plan and still in
 * the bounding set.  Dropping needs CAP_SETPCAP even for a capability that is
 * already gone, so those are skipped: the step then also works in a process
 * that was reduced before. */
static bool must_drop(const struct cap_plan *p, int cap)
{
  return !(p->bounding & (UINT64_C(1) << cap)) &&
         prctl(PR_CAPBSET_READ, (unsigned long)cap, 0L, 0L, 0L) != 0;
}

int caps_drop_bounding(const struct cap_plan *p, struct nsrt_err *err)
{
  int last = cap_last_kernel();

  if (FP_FAILS("init.drop_bounding")) {
    /* Reported on the first capability the loop would drop, as a real
     * failure would be. */
    int saved = errno;
    int first = -1;
    for (int cap = 0; cap <= last && first < 0; cap++)
      if (must_drop(p, cap))
        first = cap;
    return drop_bounding_fail(err, saved, first);
  }

  for (int cap = 0; cap <= last; cap++)
    if (must_drop(p, cap) && prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0L, 0L, 0L) < 0)
      return drop_bounding_fail(err, errno, cap);
  return 0;
}

int caps_set(const struct cap_plan *p, struct nsrt_err *err)
{
  uint64_t known = kernel_cap_mask();
  uint64_t eff = p->effective & known;
  uint64_t prm = p->permitted & known;
  uint64_t inh = p->inheritable & known;

  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  memset(data, 0, sizeof(data));
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
    data[i].effective = (uint32_t)(eff >> (32 * i));
    data[i].permitted = (uint32_t)(prm >> (32 * i));
    data[i].inheritable = (uint32_t)(inh >> (32 * i));
  }

  /* No checks of our own (effective must lie within permitted, permitted
   * cannot grow): the kernel judges, and the text shows what it was given. */
  if (FP_FAILS("init.capset") || syscall(SYS_capset, &hdr, data) < 0)
    return nsrt_fail(err, errno, "capset",
                     "capset effective=0x%llx permitted=0x%llx inheritable=0x%llx",
                     (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh);
  return 0;
}

int caps_set_ambient(const struct cap_plan *p, struct nsrt_err *err)
{
  if (FP_FAILS("init.ambient") || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0L, 0L, 0L) < 0)
    return nsrt_fail(err, errno, "ambient", "clear the ambient set");

  int last = cap_last_kernel();
  for (int cap = 0; cap <= last; cap++) {
    if (!(p->ambient & (UINT64_C(1) << cap)))
      continue;
    /* The kernel refuses (EPERM) a capability missing from permitted or
     * inheritable; that is reported, not hidden. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0L, 0L) < 0) {
      char buf[32];
      return nsrt_fail(err, errno, "ambient", "raise %s in the ambient set",
                       cap_label(cap, buf, sizeof(buf)));
    }
  }
  return 0;
}
