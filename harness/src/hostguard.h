/* Host state no case may change (robust.host.unchanged): owner, group, mode,
 * type and rdev of the host's device nodes (the standard ones and those a
 * case's config names), the host's hostname and domainname, and the
 * harness's own umask and rlimits.  Snapshot before a case, compare after;
 * whatever changed is described and, where it can be, put back, so the next
 * case starts from the same host. */
#ifndef NSC_HOSTGUARD_H
#define NSC_HOSTGUARD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#define NSC_HOSTGUARD_NODES 32
#define NSC_HOSTGUARD_NAME  65
#define NSC_HOSTGUARD_PATH  256

struct nsc_host_node {
  char path[NSC_HOSTGUARD_PATH];
  bool present; /* lstat worked at the snapshot */
  uid_t uid;
  gid_t gid;
  mode_t mode; /* st_mode: type and permission bits */
  dev_t rdev;
  ino_t ino;
};

struct nsc_hostguard {
  struct nsc_host_node nodes[NSC_HOSTGUARD_NODES];
  size_t n_nodes;
  bool names; /* hostname/domainname were read */
  char hostname[NSC_HOSTGUARD_NAME];
  char domainname[NSC_HOSTGUARD_NAME];
  bool process; /* umask and rlimits were read */
  mode_t umask;
  struct rlimit rlimits[RLIM_NLIMITS];
};

/* The standard nodes a case must not touch: /dev/null, zero, full, random,
 * urandom, tty. */
extern const char *const nsc_hostguard_default_nodes[];

/* An empty guard: nothing watched. */
void nsc_hostguard_init(struct nsc_hostguard *g);
/* Watch path (lstat now; a path absent now is watched for appearing as
 * well).  Duplicates are ignored; a relative or too long path, or more
 * than NSC_HOSTGUARD_NODES paths: -1. */
int nsc_hostguard_add_node(struct nsc_hostguard *g, const char *path);
/* Watch the host nodes a config names: linux.devices paths and mount
 * sources under /dev (a runtime in a user namespace binds the host's node
 * at a device's path; one absent on the host must stay absent). */
void nsc_hostguard_add_config(struct nsc_hostguard *g, const json_t *config);
/* Watch hostname and domainname of the caller's uts namespace. */
void nsc_hostguard_add_names(struct nsc_hostguard *g);
/* Watch the caller's umask and rlimits. */
void nsc_hostguard_add_process(struct nsc_hostguard *g);

/* The whole snapshot taken before a case: the default nodes, the config's
 * nodes (config may be NULL), names, umask and rlimits. */
void nsc_hostguard_snapshot(struct nsc_hostguard *g, const json_t *config);

/* Compare with the snapshot.  Each change is one string ("/dev/null owner
 * 0:0 -> 100000:100000, restored") in a new NULL-terminated array, NULL when
 * nothing changed.  With restore, owner, group and mode of a node are set
 * back, a node that disappeared is made again (char, block, fifo), names,
 * umask and rlimits are set back; each string says "restored" or "not
 * restored: <why>".  Free with nsc_hostguard_free. */
char **nsc_hostguard_check(const struct nsc_hostguard *g, bool restore);
void nsc_hostguard_free(char **changes);

struct case_ctx;
/* The case's robust.host.unchanged verdict: compare with g, restore, and
 * add PASS (nothing changed) or FAIL (the changes, each saying whether it was
 * put back). */
void nsc_hostguard_case(struct case_ctx *x, const struct nsc_hostguard *g);

#endif
