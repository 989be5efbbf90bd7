/* nsrt as a runtime without failpoints, so that `nsconform faults` takes the
 * black-box path for it: `failpoints` fails, every other command is nsrt's.
 *
 *   nofp [global options] COMMAND ...
 * NSRT_BIN names the real runtime. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  const char *nsrt = getenv("NSRT_BIN");
  if (!nsrt) {
    fprintf(stderr, "nofp: NSRT_BIN is not set\n");
    return 125;
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "failpoints") == 0) {
      fprintf(stderr, "nofp: no failpoints here\n");
      return 1;
    }
  }
  argv[0] = (char *)nsrt;
  execv(nsrt, argv);
  perror("nofp: exec");
  return 127;
}
