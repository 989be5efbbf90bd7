/* Named failpoints, registered in a linker section.
 *
 * Every step, channel operation and clone in the pipeline is a point with a
 * name such as "init.pivot_root" or "chan.main.recv.INIT_READY".  Declaring a
 * point at its call site (FP_FAILS / FP_CHAN) places a pointer to a static
 * descriptor in the section "nsrt_fp"; the linker's __start_nsrt_fp /
 * __stop_nsrt_fp bound the list, so `nsrt failpoints` enumerates every point
 * with file:line and there is no registration code to forget.
 *
 * Activation: NSRT_FAILPOINTS="name=term[->term...];name=..." where
 *   term   := [P%][N*]action[(arg)]
 *   action := off | err(ERRNO) | exit(CODE) | kill | sleep(MS) | pause
 *           | short(N) | corrupt(BYTE) | drop | dup      (the last four: channel points)
 * P% fires the term with probability P (0-100, decimals allowed); N* makes the
 * term apply to its next N hits only, after which the chain moves to the next
 * term; a chain that runs out is off.  ERRNO is a name (EPERM) or a number.
 * Probabilities use splitmix64(seed ^ fnv1a(name) ^ hit_number) with the seed
 * from NSRT_FAILPOINT_SEED (default 0), so a run replays exactly.
 * Each hit that takes an action writes one JSON line to NSRT_FAILPOINT_LOG
 * (a path, or a decimal fd number): {"point":..,"action":..,"arg":..,
 * "hit":N,"pid":..,"stage":..}.
 *
 * pause stops the process with SIGSTOP (state T in /proc); resume it with SIGCONT.
 * Cost when no point is armed: one load and branch per point.
 */
#ifndef NSRT_FAILPOINT_H
#define NSRT_FAILPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nsrt_err;

enum fp_kind {
  FP_KIND_STEP,  /* a step of a stage; err makes the step fail with that errno */
  FP_KIND_CLONE, /* a fork boundary; err makes the clone fail */
  FP_KIND_SEND,  /* a channel send; also short/corrupt/drop/dup */
  FP_KIND_RECV,  /* a channel receive; also corrupt/drop/dup on what was read */
};

enum fp_act {
  FP_OFF,
  FP_ERR,
  FP_EXIT,
  FP_KILL,
  FP_SLEEP,
  FP_PAUSE,
  FP_SHORT,
  FP_CORRUPT,
  FP_DROP,
  FP_DUP,
};

struct fp_action {
  enum fp_act act;
  long arg;
};

struct fp_chain; /* parsed terms, private to failpoint.c */

struct nsrt_failpoint {
  const char *name;
  const char *file;
  int line;
  enum fp_kind kind;
  struct fp_chain *chain; /* NULL when off: the only thing the fast path reads */
  uint64_t hits;
};

#define NSRT_FP_SECTION "nsrt_fp"

#define NSRT_FP_DECLARE(var_, name_, kind_)                                                \
  static struct nsrt_failpoint var_ = {                                                     \
      .name = (name_), .file = __FILE__, .line = __LINE__, .kind = (kind_)};                \
  static struct nsrt_failpoint *const var_##_reg                                            \
      __attribute__((section(NSRT_FP_SECTION), used, aligned(sizeof(void *)))) = &var_

/* True when the point injects an error (errno is then set to the injected
 * value).  exit/kill/sleep/pause are carried out inside; they return false
 * (sleep and pause continue normally afterwards).  Use it so the injected
 * error takes the same path as a real one:
 *   if (FP_FAILS("init.pivot_root") || syscall(SYS_pivot_root, ".", ".") < 0)
 *     return nsrt_fail(err, errno, "pivot_root", NULL);
 */
#define FP_FAILS(name_)                                                                     \
  __extension__({                                                                           \
    NSRT_FP_DECLARE(fp__, name_, FP_KIND_STEP);                                             \
    __builtin_expect(fp__.chain != NULL, 0) && nsrt_fp_inject(&fp__);                       \
  })

/* The same for a clone/fork boundary. */
#define FP_CLONE_FAILS(name_)                                                               \
  __extension__({                                                                           \
    NSRT_FP_DECLARE(fp__, name_, FP_KIND_CLONE);                                            \
    __builtin_expect(fp__.chain != NULL, 0) && nsrt_fp_inject(&fp__);                       \
  })

/* A pointer to a channel point, handed to chan_send()/chan_recv(). */
#define FP_SEND(name_)                                                                      \
  __extension__({                                                                           \
    NSRT_FP_DECLARE(fp__, name_, FP_KIND_SEND);                                             \
    &fp__;                                                                                  \
  })
#define FP_RECV(name_)                                                                      \
  __extension__({                                                                           \
    NSRT_FP_DECLARE(fp__, name_, FP_KIND_RECV);                                             \
    &fp__;                                                                                  \
  })

/* Parse NSRT_FAILPOINTS, NSRT_FAILPOINT_SEED and NSRT_FAILPOINT_LOG from the
 * environment and arm the named points.  Unknown point names, bad grammar,
 * actions that do not apply to a point's kind: error naming the variable and
 * the offending text.  Idempotent (a second call re-parses). */
int nsrt_fp_init_from_env(struct nsrt_err *err);

/* Same from explicit strings (log may be NULL); used by tests. */
int nsrt_fp_configure(const char *spec, uint64_t seed, const char *log, struct nsrt_err *err);

/* Disarm everything and close the log. */
void nsrt_fp_reset(void);

/* Slow path of every point: count the hit, choose the action, write the hit
 * log line.  Carries out exit/kill/sleep/pause itself.  Returns true and fills
 * *out when the caller must act (err, short, corrupt, drop, dup). */
bool nsrt_fp_fire(struct nsrt_failpoint *fp, struct fp_action *out);

/* For step/clone points: nsrt_fp_fire, then true with errno set on err. */
bool nsrt_fp_inject(struct nsrt_failpoint *fp);

/* The registry. */
struct nsrt_failpoint *const *nsrt_fp_begin(void);
struct nsrt_failpoint *const *nsrt_fp_end(void);
struct nsrt_failpoint *nsrt_fp_find(const char *name);
/* Error naming both places if two points in [begin, end) share a name; the
 * registry is checked with nsrt_fp_check_names(nsrt_fp_begin(), nsrt_fp_end(), err). */
int nsrt_fp_check_names(struct nsrt_failpoint *const *begin, struct nsrt_failpoint *const *end,
                        struct nsrt_err *err);

const char *nsrt_fp_kind_name(enum fp_kind kind);
const char *nsrt_fp_act_name(enum fp_act act);
/* The actions that apply to a kind, as a comma-separated list. */
const char *nsrt_fp_kind_actions(enum fp_kind kind);

/* Record this process's pid as the host sees it, for the hit log (the init
 * calls it before it enters its own procfs). */
void nsrt_fp_set_host_pid(pid_t host_pid);

/* The log fd (for close_range exceptions: the init keeps it until exec, where
 * O_CLOEXEC closes it), or -1. */
int nsrt_fp_log_fd(void);

/* errno names <-> numbers, used by the grammar and by tests. */
int nsrt_errno_from_name(const char *name); /* -1 if unknown */
const char *nsrt_errno_name(int errnum);    /* NULL if unknown */

/* Determinism primitives, exposed for tests. */
uint64_t nsrt_splitmix64(uint64_t x);
uint64_t nsrt_fnv1a(const char *s);

#endif
