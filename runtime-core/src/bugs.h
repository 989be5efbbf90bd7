/* Deliberate defects for the known-bug catalog (fixtures/known-bugs/).
 *
 * Each known bug of the OCI runtime pipeline (a child that dies before its
 * ready message leaves main waiting forever, an fd that leaks into the
 * container...) can be reproduced in nsrt so that nsconform proves it
 * detects it.  The defect is written next to the correct code:
 *
 *   if (!NSRT_BUG("close-fds-skip") && close_range(3, ~0U, 0) < 0) ...
 *
 * In the plain build NSRT_BUG() is the constant false and the compiler drops
 * the defective path.  In the nsrt-bugs build (-DNSRT_KNOWN_BUGS) it is true
 * when the environment variable NSRT_BUGS (a comma-separated list) names the
 * bug.  Each name is registered in the linker section "nsrt_bug" so
 * `nsrt-bugs bugs` can list them; an unknown name in NSRT_BUGS is an error.
 */
#ifndef NSRT_BUGS_H
#define NSRT_BUGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct nsrt_bug {
  const char *name;
  const char *file;
  int line;
};

#define NSRT_BUG_SECTION "nsrt_bug"

#ifdef NSRT_KNOWN_BUGS
bool nsrt_bug_on(const struct nsrt_bug *b);
#define NSRT_BUG(name_)                                                                            \
  __extension__({                                                                                  \
    static const struct nsrt_bug bug__ = {.name = (name_), .file = __FILE__, .line = __LINE__};    \
    static const struct nsrt_bug *const bug__reg                                                   \
        __attribute__((section(NSRT_BUG_SECTION), used, aligned(sizeof(void *)))) = &bug__;        \
    nsrt_bug_on(&bug__);                                                                           \
  })
#else
#define NSRT_BUG(name_) (0 && (name_)[0])
#endif

/* True in the nsrt-bugs build. */
bool nsrt_bugs_built(void);

/* Check NSRT_BUGS against the registered names (nsrt-bugs build; always 0
 * otherwise).  -1 with the error naming the unknown bug. */
struct nsrt_err;
int nsrt_bugs_init_from_env(struct nsrt_err *err);

/* Print the registered bugs to f, one "name file:line" per line, sorted by
 * name, with " (on)" after those NSRT_BUGS turns on; one line per name (a
 * bug with several sites shows its first).  Returns how many were listed. */
size_t nsrt_bugs_list(FILE *f);

#endif
