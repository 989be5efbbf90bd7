#include "leaks.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"

static size_t list_fds(int *out, size_t max)
{
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return 0;
  int self = dirfd(d);
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) && n < max) {
    if (de->d_name[0] == '.')
      continue;
    int fd = atoi(de->d_name);
    if (fd != self)
      out[n++] = fd;
  }
  closedir(d);
  return n;
}

static size_t list_mounts(int *out, size_t max)
{
  cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
  size_t n = 0;
  char line[4096];
  while (f && n < max && fgets(line, sizeof(line), f))
    out[n++] = atoi(line);
  return n;
}

void nsc_snapshot(struct nsc_snap *s, const char *state_root)
{
  memset(s, 0, sizeof(*s));
  s->n_fds = list_fds(s->fds, NSC_SNAP_MAX);
  s->n_mounts = list_mounts(s->mounts, NSC_SNAP_MAX);
  DIR *d = opendir(state_root);
  struct dirent *de;
  while (d && (de = readdir(d)) && s->n_state < 64) {
    if (de->d_name[0] != '.')
      snprintf(s->state_entries[s->n_state++], 128, "%s", de->d_name);
  }
  if (d)
    closedir(d);
}

static bool in_list(const int *v, size_t n, int x)
{
  for (size_t i = 0; i < n; i++)
    if (v[i] == x)
      return true;
  return false;
}

struct leak_list {
  char **v;
  size_t n;
};

static void add(struct leak_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct leak_list *l, const char *fmt, ...)
{
  char **v = realloc(l->v, (l->n + 2) * sizeof(char *));
  if (!v)
    return;
  l->v = v;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&l->v[l->n], fmt, ap) >= 0)
    l->n++;
  va_end(ap);
  l->v[l->n] = NULL;
}

/* Zombie children listed with their names before they are reaped. */
static void check_zombies(struct leak_list *l, pid_t keep)
{
  DIR *d = opendir("/proc/self/task");
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    char p[64];
    snprintf(p, sizeof(p), "/proc/self/task/%s/children", de->d_name);
    cleanup_fclose FILE *f = fopen(p, "re");
    int pid;
    while (f && fscanf(f, "%d", &pid) == 1) {
      if (pid == keep)
        continue;
      char desc[512] = "";
      nsc_describe_pid(pid, desc, sizeof(desc));
      if (strstr(desc, " state Z ")) {
        desc[strcspn(desc, "\n")] = '\0';
        add(l, "zombie left for the harness to reap: %s", desc);
        waitpid(pid, NULL, WNOHANG);
      }
    }
  }
  if (d)
    closedir(d);
}

/* Remove a cgroup the runtime left, so the next case starts clean: its
 * processes (killed by then, or not ours: a runtime has been seen to move a
 * host kernel thread into its cgroup) go back to the hierarchy's root. */
static void remove_cgroup_dir(const char *hierarchy, const char *name)
{
  char procs[4096], root_procs[4096], dir[4096];
  snprintf(dir, sizeof(dir), "%s/%s", hierarchy, name);
  snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
  snprintf(root_procs, sizeof(root_procs), "%s/cgroup.procs", hierarchy);
  cleanup_fclose FILE *f = fopen(procs, "re");
  int pid;
  while (f && fscanf(f, "%d", &pid) == 1) {
    FILE *r = fopen(root_procs, "we");
    if (r) {
      fprintf(r, "%d\n", pid);
      fclose(r);
    }
  }
  rmdir(dir);
}

static void check_cgroup_dirs(struct leak_list *l, const char *container_id)
{
  DIR *root = opendir("/sys/fs/cgroup");
  struct dirent *de;
  while (root && (de = readdir(root))) {
    if (de->d_name[0] == '.')
      continue;
    char path[4096];
    snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", de->d_name);
    /* a controller directory, or the cgroup2 root of a pure v2 host */
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      if (e->d_type == DT_DIR && strstr(e->d_name, container_id)) {
        add(l, "cgroup directory left: %s/%s", path, e->d_name);
        remove_cgroup_dir(path, e->d_name);
      }
    }
    if (d)
      closedir(d);
  }
  if (root)
    closedir(root);
}

char **nsc_leaks_check(const struct nsc_snap *before, const char *state_root, const char *leaf,
                       const char *container_id, pid_t keep)
{
  struct leak_list l = {0};
  if (leaf && leaf[0]) {
    pid_t pids[64];
    int n = nsc_cgroup_pids(leaf, pids, 64);
    for (int i = 0; i < n; i++) {
      if (pids[i] == keep)
        continue;
      char desc[512] = "";
      nsc_describe_pid(pids[i], desc, sizeof(desc));
      desc[strcspn(desc, "\n")] = '\0';
      add(&l, "process left in the case's cgroup: %s", desc);
    }
    if (n > 0 && !keep)
      nsc_cgroup_kill(leaf, 5000);
  }
  check_zombies(&l, keep);

  int fds[NSC_SNAP_MAX];
  size_t n_fds = list_fds(fds, NSC_SNAP_MAX);
  for (size_t i = 0; i < n_fds; i++) {
    if (in_list(before->fds, before->n_fds, fds[i]))
      continue;
    char link[64], target[256] = "?";
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fds[i]);
    ssize_t t = readlink(link, target, sizeof(target) - 1);
    if (t >= 0)
      target[t] = '\0';
    add(&l, "fd %d of the harness left open: %s", fds[i], target);
    close(fds[i]);
  }

  cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
  char line[4096];
  while (f && fgets(line, sizeof(line), f)) {
    if (in_list(before->mounts, before->n_mounts, atoi(line)))
      continue;
    char mp[4096] = "";
    sscanf(line, "%*d %*d %*s %*s %4095s", mp);
    add(&l, "mount left in the harness's mount namespace: %s", mp);
    umount2(mp, MNT_DETACH);
  }

  DIR *d = opendir(state_root);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    bool known = false;
    for (size_t i = 0; i < before->n_state; i++)
      known |= strcmp(before->state_entries[i], de->d_name) == 0;
    if (!known)
      add(&l, "state left in %s: %s", state_root, de->d_name);
  }
  if (d)
    closedir(d);
  if (container_id && container_id[0])
    check_cgroup_dirs(&l, container_id);
  return l.v;
}

int nsc_reap_zombies(void)
{
  int n = 0;
  while (waitpid(-1, NULL, WNOHANG) > 0)
    n++;
  return n;
}

char *nsc_leaks_join(char *const *leaks)
{
  size_t len = 1;
  for (char *const *l = leaks; l && *l; l++)
    len += strlen(*l) + 2;
  char *s = calloc(1, len);
  for (char *const *l = leaks; s && l && *l; l++) {
    if (s[0])
      strcat(s, "; ");
    strcat(s, *l);
  }
  return s;
}

void nsc_leaks_free(char **leaks)
{
  for (char **l = leaks; l && *l; l++)
    free(*l);
  free(leaks);
}
