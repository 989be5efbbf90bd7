/* What the three stages share.  Private to the runtime core.
 *
 *   main (nsrt create)            intermediate                 init
 *   plan, state dir, channels
 *   id-mapped mount trees
 *   clone ------------------------> rlimits, setns (namespaces by path,
 *                                   but user), setns/unshare user ns,
 *                                   setns of those refused before it
 *   write uid/gid maps <---------- MAPPING_REQUEST
 *   MAPPING_DONE ----------------->
 *                                   time ns, pid ns
 *                                   clone(CLONE_PARENT) --------> new uts ipc net cgroup mount
 *   reap intermediate <----------- INTERMEDIATE_READY(pid)        rootfs
 *   prestart/createRuntime <--------------------------------------- HOOKS_REQUEST (if hooks)
 *   HOOKS_DONE ---------------------------------------------------> createContainer, pivot_root
 *                                                                   user, caps, nnp, seccomp
 *   state.json, pid file <----------------------------------------- INIT_READY
 *   scheduler, ioPriority on init
 *   exit 0                                                          accept(start.sock) ... execve
 */
#ifndef NSRT_STAGES_H
#define NSRT_STAGES_H

#include <sys/types.h>

#include "channel.h"
#include "runtime.h"
#include "spec.h"

struct stage_ctx {
  const struct create_opts *opts;
  const struct plan *plan;
  pid_t main_pid;
  struct channel inter; /* the intermediate's end of main <-> intermediate */
  struct channel init;  /* the init's end of main <-> init */
  int main_fds[2];      /* main's ends, closed first thing in the children */
  int start_fd;         /* listening socket <state dir>/start.sock */
  int preserve_fds;     /* --preserve-fds plus LISTEN_FDS */
};

/* Both run in the forked child and never return. */
__attribute__((noreturn)) void intermediate_main(struct stage_ctx *c);
__attribute__((noreturn)) void init_main(struct stage_ctx *c);

/* The state JSON handed to hooks (status creating/created), malloc'd. */
char *stage_hook_state(const struct stage_ctx *c, pid_t pid, const char *status);

#endif
