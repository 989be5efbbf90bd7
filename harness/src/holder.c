#include "holder.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "namespaces.h"
#include "process.h"

#define HOLDER_TIMEOUT_MS 5000

/* The /proc/<pid>/ns link a joiner must use: a holder's new pid and time
 * namespaces are those of its children, not its own. */
static const char *join_link(enum ns_type t)
{
  switch (t) {
  case NS_PID:
    return "pid_for_children";
  case NS_TIME:
    return "time_for_children";
  default:
    return ns_table[t].proc_name;
  }
}

static int write_file(const char *path, const char *text)
{
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = write(fd, text, strlen(text));
  int e = errno;
  close(fd);
  errno = e;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The child: a user namespace first (its maps written by the parent), then
 * the rest, owned by it; then it waits to be killed. */
static void holder_main(int flags, int ready_fd, int go_fd)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  char c = 0;
  if (flags & CLONE_NEWUSER) {
    if (unshare(CLONE_NEWUSER) < 0 || write(ready_fd, "u", 1) != 1 || read(go_fd, &c, 1) != 1)
      _exit(1);
  }
  if (unshare(flags & ~CLONE_NEWUSER) < 0)
    _exit(2);
  /* A pid namespace exists for joiners only once a process lives in it:
   * fork its init, which dies with us. */
  pid_t init = 0;
  if (flags & CLONE_NEWPID) {
    init = fork();
    if (init < 0)
      _exit(3);
    if (init == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      for (;;)
        pause();
    }
  }
  if (write(ready_fd, "r", 1) != 1 || write(ready_fd, &init, sizeof(init)) != sizeof(init))
    _exit(1);
  for (;;)
    pause();
}

int nsc_holder_resolve(json_t *config, struct nsc_holder *h, json_t **targets,
                       struct nsrt_err *err)
{
  h->pid = h->ns_init = 0;
  h->pidfd = -1;
  *targets = NULL;
  json_t *namespaces = json_object_get(json_object_get(config, "linux"), "namespaces");
  int flags = 0;
  size_t i;
  json_t *ns;
  json_array_foreach(namespaces, i, ns)
  {
    const char *path = json_string_value(json_object_get(ns, "path"));
    int t = ns_type_from_spec_name(json_string_value(json_object_get(ns, "type")) ?: "");
    if (path && strncmp(path, NSC_HOLDER_PREFIX, strlen(NSC_HOLDER_PREFIX)) == 0 && t >= 0)
      flags |= ns_table[t].clone_flag;
  }
  if (!flags)
    return 0;

  int up[2], down[2];
  if (pipe2(up, O_CLOEXEC) < 0)
    return nsrt_fail_at(err, "holder", errno, "pipe", NULL);
  if (pipe2(down, O_CLOEXEC) < 0) {
    close(up[0]);
    close(up[1]);
    return nsrt_fail_at(err, "holder", errno, "pipe", NULL);
  }
  pid_t pid = clone_process(0, &h->pidfd);
  if (pid == 0)
    holder_main(flags, up[1], down[0]);
  close(up[1]);
  close(down[0]);
  cleanup_close int from_child = up[0];
  cleanup_close int to_child = down[1];
  if (pid < 0)
    return nsrt_fail_at(err, "holder", errno, "fork", NULL);
  h->pid = pid;

  char c = 0, path[64];
  if (flags & CLONE_NEWUSER) {
    if (read(from_child, &c, 1) != 1 || c != 'u')
      goto failed;
    /* The same mapping as the generator's default, so a case's own new user
     * namespace and a joined one look alike. */
    snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
    if (write_file(path, "0 100000 65536\n") < 0)
      goto failed;
    snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
    if (write_file(path, "0 100000 65536\n") < 0 || write(to_child, "g", 1) != 1)
      goto failed;
  }
  if (read(from_child, &c, 1) != 1 || c != 'r' ||
      read(from_child, &h->ns_init, sizeof(h->ns_init)) != sizeof(h->ns_init))
    goto failed;

  *targets = json_object();
  json_array_foreach(namespaces, i, ns)
  {
    const char *p = json_string_value(json_object_get(ns, "path"));
    int t = ns_type_from_spec_name(json_string_value(json_object_get(ns, "type")) ?: "");
    if (!p || strncmp(p, NSC_HOLDER_PREFIX, strlen(NSC_HOLDER_PREFIX)) != 0 || t < 0)
      continue;
    char link[64], target[128];
    snprintf(link, sizeof(link), "/proc/%d/ns/%s", pid, join_link(t));
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n < 0)
      goto failed;
    target[n] = '\0';
    json_object_set_new(ns, "path", json_string(link));
    json_object_set_new(*targets, ns_table[t].spec_name, json_string(target));
  }
  return 0;

failed:;
  int e = errno;
  json_decref(*targets);
  *targets = NULL;
  nsc_holder_stop(h);
  return nsrt_fail_at(err, "holder", e ? e : EPROTO, "start",
                      "namespace holder for flags 0x%x failed", flags);
}

void nsc_holder_stop(struct nsc_holder *h)
{
  if (h->pid > 0)
    kill_and_reap(h->pid, h->pidfd);
  /* Orphaned by the holder, the namespace's init is ours (we are a
   * subreaper).  As it dies it waits for every process of its namespace to
   * be reaped -- a container's init among them, also reparented to us -- so
   * reap whatever dies until it is gone, with a bound. */
  if (h->ns_init > 0) {
    kill(h->ns_init, SIGKILL);
    for (int waited = 0; waited < HOLDER_TIMEOUT_MS; waited += 5) {
      int status;
      pid_t r;
      bool init_gone = false;
      while ((r = waitpid(-1, &status, WNOHANG)) > 0)
        init_gone |= r == h->ns_init;
      if (init_gone || (r < 0 && errno == ECHILD))
        break;
      sleep_ms(5);
    }
  }
  h->ns_init = 0;
  if (h->pidfd >= 0)
    close(h->pidfd);
  h->pid = 0;
  h->pidfd = -1;
}
