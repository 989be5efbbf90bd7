/* `nsconform overhead`: the black-box supervisor's cost (cmd_overhead.c). */
#ifndef NSC_CMD_OVERHEAD_H
#define NSC_CMD_OVERHEAD_H

/* argv[0] is "overhead".  Returns 0, or 2 on a harness error (a command
 * failed, bad options). */
int nsc_cmd_overhead(int argc, char **argv);

#endif
