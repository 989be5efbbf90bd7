/* `nsconform faults`: the fault sweep (cmd_faults.c). */
#ifndef NSC_CMD_FAULTS_H
#define NSC_CMD_FAULTS_H

/* argv[0] is "faults"; tree is the source tree (specs/, build/).  Returns
 * the exit status: 0 no MUST failed, 1 one did, 2 harness error. */
int nsc_cmd_faults(int argc, char **argv, const char *tree);

#endif
