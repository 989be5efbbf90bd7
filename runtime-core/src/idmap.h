/* User namespace id maps, written by main for the intermediate. */
#ifndef NSRT_IDMAP_H
#define NSRT_IDMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct id_range;
struct plan;
struct nsrt_err;

/* "0 100000 65536\n..." into buf; returns the length or -1 (ENOSPC) if it
 * does not fit. */
int idmap_format(const struct id_range *r, size_t n, char *buf, size_t len);

/* Check a map for a new user namespace: at least one range, no size 0, no
 * overlap on either side, no 32-bit overflow, at most 340 ranges (the kernel
 * limit).  json_path names the field ("linux.uidMappings"). stage "spec". */
int idmap_validate(const struct id_range *r, size_t n, const char *json_path,
                   struct nsrt_err *err);

/* True when id is inside one of the ranges (container side). */
int idmap_contains(const struct id_range *r, size_t n, uint32_t id);

/* Write /proc/PID/setgroups (only when required), then uid_map, then
 * gid_map, each with one write().  Privileged (CAP_SETUID/CAP_SETGID in the
 * initial user ns): direct writes.  Otherwise newuidmap/newgidmap, with their
 * exit status checked and a bounded wait.
 * Failpoints: main.write_setgroups, main.write_uid_map, main.write_gid_map. */
int write_id_maps(pid_t pid, const struct plan *p, struct nsrt_err *err);

#endif
