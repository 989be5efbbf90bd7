/* The outside observer: what /proc/PID says about a container process, as the
 * observation JSON of harness/observation.md ("outside" column).
 *
 * Everything of one observation is read through one directory fd of
 * /proc/PID, so a pid that is reaped and reused half-way is never mixed into
 * the result: the reads fail instead.  Keys whose /proc source does not exist
 * for a live process (a namespace type this kernel lacks, a status field of
 * an older kernel, the fds of a zombie) are left out, never guessed.
 *
 * Formats chosen where /proc leaves a choice:
 *   caps     "0x" and 16 lowercase hex digits, as in status ("0x000001ffffffffff")
 *   rlimits  [soft, hard], -1 for unlimited; a value above INT64_MAX (other
 *            than unlimited) cannot be written in JSON and leaves its row out
 *   mounts   mount_point, source and fstype with the kernel's \ooo escapes
 *            decoded; options and super_options as the kernel prints them
 *   fds      in ascending order (as the kernel lists them); observing ourselves
 *            leaves out the fds the observation itself holds open
 *   cgroup   the whole file, unchanged
 *   strings  bytes that are not valid UTF-8 become U+FFFD
 */
#ifndef NSC_OBSERVE_H
#define NSC_OBSERVE_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Largest file nsc_read_file reads. */
#define NSC_READ_FILE_MAX (1024 * 1024)

/* Observe process pid into a new JSON object (*out, the caller's reference).
 * Errors have stage "observe".  When the process does not exist or is reaped
 * while it is read, errnum is ESRCH and the text says "process PID is gone". */
int nsc_observe_pid(pid_t pid, json_t **out, struct nsrt_err *err);

/* The harness's own view (/proc/self), to compare the namespaces a
 * container did not get with ours ("absent = same as ours"). */
int nsc_observe_self(json_t **out, struct nsrt_err *err);

/* Read a whole file into a new NUL-terminated buffer (*out, freed by the
 * caller) of *len bytes (len may be NULL).  Returns 0, or -1 with errno;
 * EFBIG when the file holds more than NSC_READ_FILE_MAX bytes. */
int nsc_read_file(const char *path, char **out, size_t *len);

/* The inode number of a namespace link target: "net:[4026531840]" ->
 * 4026531840.  Returns 0, or -1 with errno EINVAL when target is not of the
 * form "<type>:[<decimal>]". */
int nsc_ns_inode(const char *link_target, unsigned long long *ino);

#endif
