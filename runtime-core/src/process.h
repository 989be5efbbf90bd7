/* Process helpers shared by the stages: clone, bounded reaping, killing. */
#ifndef NSRT_PROCESS_H
#define NSRT_PROCESS_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* Fork-like clone with extra flags (CLONE_PARENT, ...).  When pidfd is not
 * NULL it receives a pidfd of the child (CLONE_PIDFD), O_CLOEXEC.  clone3 is
 * tried first; on ENOSYS the clone syscall is used (and pidfd_open for the
 * pidfd).  Returns the pid in the parent, 0 in the child, -1 with errno. */
pid_t clone_process(unsigned long flags, int *pidfd);

/* Wait up to timeout_ms for the child to exit and reap it.  Returns its wait
 * status, or -1 with errno (ETIMEDOUT: still running; ECHILD: not ours). */
int reap_child(pid_t pid, int pidfd, int timeout_ms);

/* SIGKILL the child (through its pidfd when there is one) and reap it with a
 * bound.  Safe with pid <= 0 (nothing to do).  Keeps errno. */
void kill_and_reap(pid_t pid, int pidfd);

/* Kill and reap every remaining child of this process (listed in
 * /proc/self/task/<tid>/children).  Used by main on its error path so that a
 * stage it never heard of (an init whose pid was lost with its message) is
 * not left behind. */
void kill_and_reap_all_children(void);

/* "exited with status 3" / "killed by signal 9 (KILL)" into buf. */
void describe_wait_status(int status, char *buf, size_t len);

/* Block until timeout_ms passed (EINTR-safe). */
void sleep_ms(long ms);

#endif
