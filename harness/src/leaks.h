/* The leak verdict of a case: what exists after the case (and after a forced
 * delete) that did not exist before, scoped to the case: processes in its
 * cgroup leaf, zombie children of the harness (a subreaper, so every orphan
 * of the case ends up its child), fds of the harness, mounts in the
 * harness's mount namespace, entries in the runtime's state root, cgroup
 * directories named after the container id. */
#ifndef NSC_LEAKS_H
#define NSC_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NSC_SNAP_MAX 1024

struct nsc_snap {
  int fds[NSC_SNAP_MAX];
  size_t n_fds;
  int mounts[NSC_SNAP_MAX];
  size_t n_mounts;
  char state_entries[64][128];
  size_t n_state;
};

void nsc_snapshot(struct nsc_snap *s, const char *state_root);

/* Compare with before; describe each leak as one string in a new
 * NULL-terminated array (NULL when nothing leaked).  Cleans up what it
 * found, so the next case starts clean: kills the leaf's processes, reaps
 * zombies (but not `keep`, a pid the caller still waits for), lazily
 * unmounts new mounts, closes new fds.  container_id scopes the cgroup
 * directory check. */
char **nsc_leaks_check(const struct nsc_snap *before, const char *state_root, const char *leaf,
                       const char *container_id, pid_t keep);

/* The leaks joined with "; " (malloc'd; "" for none, NULL without memory). */
char *nsc_leaks_join(char *const *leaks);
/* Free a leak list of nsc_leaks_check (NULL is fine). */
void nsc_leaks_free(char **leaks);

/* Reap every zombie child of the harness; returns how many. */
int nsc_reap_zombies(void);

#endif
