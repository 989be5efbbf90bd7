/* The seccomp filter of the supervisor: which calls wait for it, as a BPF
 * program built once (libseccomp) and loaded with the raw system call, so a
 * process that shares memory with its parent (a vfork-style child) can load
 * it without allocating. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inject.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static int add_notify(scmp_filter_ctx ctx, const char *name)
{
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR)
    return 0; /* not on this architecture (fork/vfork on some) */
  return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
}

static scmp_filter_ctx build_ctx(const struct inj_opts *o)
{
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx)
    return NULL;
  /* Never change what the program would do otherwise: no no_new_privs. */
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  /* The program's own execve marks where counting starts. */
  if (!o->no_exec_marker || inj_traps(o, T_EXECVE)) {
    rc = rc ?: add_notify(ctx, "execve");
    rc = rc ?: add_notify(ctx, "execveat");
  }
  /* Thread creation is not a process boundary: clone with CLONE_THREAD
   * passes without a notification (clone3 is checked by the supervisor,
   * its flags are in memory). */
  if (!rc && inj_traps(o, T_CLONE))
    rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(clone), 1,
                          SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  if (!rc && inj_traps(o, T_CLONE3))
    rc = add_notify(ctx, "clone3");
  if (!rc && inj_traps(o, T_FORK))
    rc = add_notify(ctx, "fork");
  if (!rc && inj_traps(o, T_VFORK))
    rc = add_notify(ctx, "vfork");
  if (!rc && inj_traps(o, T_UNSHARE))
    rc = add_notify(ctx, "unshare");
  if (!rc && inj_traps(o, T_SETNS))
    rc = add_notify(ctx, "setns");
  if (!rc && inj_traps(o, T_SETRESUID))
    rc = add_notify(ctx, "setresuid");
  if (!rc && inj_traps(o, T_SETRESGID))
    rc = add_notify(ctx, "setresgid");
  bool maps = inj_traps(o, T_UID_MAP) || inj_traps(o, T_GID_MAP) || inj_traps(o, T_SETGROUPS);
  bool sync = inj_traps(o, T_SYNC);
  if (!rc && (maps || sync))
    rc = add_notify(ctx, "write");
  if (!rc && maps)
    rc = add_notify(ctx, "pwrite64");
  /* sendmmsg is never trapped: a process that loads the filter hands its
   * listener over with it (inj_send_listener). */
  if (!rc && sync)
    rc = add_notify(ctx, "sendto");
  if (!rc && sync)
    rc = add_notify(ctx, "sendmsg");
  if (rc) {
    seccomp_release(ctx);
    errno = -rc;
    return NULL;
  }
  return ctx;
}

int inj_build_prog(const struct inj_opts *o, struct sock_fprog *prog)
{
  prog->len = 0;
  prog->filter = NULL;
  scmp_filter_ctx ctx = build_ctx(o);
  if (!ctx)
    return -1;
  int e = EIO;
  int mfd = memfd_create("nsc-inject-bpf", MFD_CLOEXEC);
  if (mfd < 0 || seccomp_export_bpf(ctx, mfd) != 0) {
    e = mfd < 0 ? errno : EIO;
    goto fail;
  }
  off_t size = lseek(mfd, 0, SEEK_END);
  if (size <= 0 || size % (off_t)sizeof(struct sock_filter) ||
      size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
    goto fail;
  struct sock_filter *insns = malloc((size_t)size);
  if (!insns) {
    e = ENOMEM;
    goto fail;
  }
  if (pread(mfd, insns, (size_t)size, 0) != size) {
    free(insns);
    goto fail;
  }
  close(mfd);
  seccomp_release(ctx);
  prog->len = (unsigned short)(size / (off_t)sizeof(*insns));
  prog->filter = insns;
  return 0;
fail:
  if (mfd >= 0)
    close(mfd);
  seccomp_release(ctx);
  errno = e;
  return -1;
}

void inj_free_prog(struct sock_fprog *prog)
{
  free(prog->filter);
  prog->filter = NULL;
  prog->len = 0;
}

int inj_load_prog(const struct sock_fprog *prog, bool *killable)
{
  /* WAIT_KILLABLE_RECV: a notification the supervisor has received is no
   * longer cancelled by a non-fatal signal (Go's preemption signal would
   * otherwise abort and re-issue the call).  SPEC_ALLOW: the filter is a
   * test instrument, not a sandbox, so the kernel must not turn on its
   * speculation mitigations for the tree (where it does so for seccomp
   * users, they slow every process of it down). */
  unsigned long base = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                    base | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, prog);
  *killable = fd >= 0;
  if (fd < 0 && errno == EINVAL) /* an older kernel: the plain listener */
    fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, base, prog);
  return (int)fd;
}
