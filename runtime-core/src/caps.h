/* Capabilities: names, and the steps init takes with them. */
#ifndef NSRT_CAPS_H
#define NSRT_CAPS_H

#include <stdint.h>

struct cap_plan;
struct nsrt_err;

/* "CAP_CHOWN" -> 0; -1 when unknown. */
int cap_from_name(const char *name);
/* 0 -> "CAP_CHOWN"; NULL when unknown. */
const char *cap_name(int cap);
/* The highest capability number this table knows (CAP_CHECKPOINT_RESTORE). */
int cap_last_known(void);
/* The highest the kernel knows (/proc/sys/kernel/cap_last_cap). */
int cap_last_kernel(void);

/* Drop from the bounding set every capability not in plan->bounding
 * (PR_CAPBSET_DROP; caps above the kernel's last are skipped).
 * Step "drop_bounding". Failpoint init.drop_bounding. */
int caps_drop_bounding(const struct cap_plan *p, struct nsrt_err *err);

/* capset() effective, permitted, inheritable.  Step "capset". */
int caps_set(const struct cap_plan *p, struct nsrt_err *err);

/* Clear the ambient set and raise each ambient capability.  Step "ambient". */
int caps_set_ambient(const struct cap_plan *p, struct nsrt_err *err);

#endif
