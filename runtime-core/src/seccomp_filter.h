/* Seccomp: spec names -> plan values, and loading the filter with libseccomp. */
#ifndef NSRT_SECCOMP_FILTER_H
#define NSRT_SECCOMP_FILTER_H

#include "spec.h"

/* "SCMP_ACT_ERRNO" -> SECCOMP_ACT_ERRNO; -1 when unknown. */
int seccomp_action_from_name(const char *name);
/* "SCMP_CMP_EQ" -> SECCOMP_OP_EQ; -1 when unknown. */
int seccomp_op_from_name(const char *name);
/* "SCMP_ARCH_X86_64" -> 0 when libseccomp knows it, -1 otherwise. */
int seccomp_arch_check(const char *name);
/* "SECCOMP_FILTER_FLAG_LOG" ... -> 0 when known, -1 otherwise. */
int seccomp_flag_check(const char *name);

/* Build the filter and load it.  Syscall names libseccomp does not know are
 * skipped (logged at debug), as other runtimes do.  Step "seccomp".
 * Failpoint init.seccomp. */
int seccomp_load_plan(const struct seccomp_plan *p, struct nsrt_err *err);

#endif
