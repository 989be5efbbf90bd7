/* What the probe's files share: error messages, reading a whole file into a
 * static buffer, and the keys probe_fs.c emits. */
#ifndef NSPROBE_PROBE_H
#define NSPROBE_PROBE_H

#include <stddef.h>

#define FILE_MAX (1 << 20) /* one /proc file (mountinfo is the largest) */

/* The most --sysctl keys one run reads. */
#define SYSCTL_MAX 16

/* The most --stat paths one run reports. */
#define STAT_MAX 16

/* "nsprobe: WHAT[ PATH]: error" on stderr; path may be NULL. */
void warn(const char *what, const char *path, int err);

/* Read all of path into buf (NUL-terminated).  ENOENT is quiet (no /proc, an
 * ns type the kernel lacks); other errors are reported on stderr.  The fd is
 * closed before returning, so the fd listing never sees it. */
int read_file(const char *path, char *buf, size_t size, size_t *len_out);

/* A buffer of FILE_MAX bytes for read_file, reused by every key. */
extern char file_buf[FILE_MAX];

/* Whether key is a sysctl name the probe reads: dotted components of
 * [A-Za-z0-9_-], none empty. */
int sysctl_key_valid(const char *key);

void emit_mounts(void);
void emit_dev(void);
void emit_sysctl(const char *const *keys, size_t n);
/* "stat": {PATH: lstat of PATH, as the "dev" entries} for each --stat PATH. */
void emit_stat_paths(const char *const *paths, size_t n);
void emit_timens_offsets(void);

/* sched, ioprio, mempolicy (probe_sched.c). */
void emit_sched(void);

#endif
