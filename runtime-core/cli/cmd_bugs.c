/* `nsrt bugs`: the deliberate defects compiled in (runtime-core/src/bugs.h).
 * Only the nsrt-bugs build has any; the plain nsrt says so. */
#include <stdio.h>
#include <sys/types.h>

#include "bugs.h"
#include "cli.h"

int cmd_bugs(struct cli *c, int argc, char **argv)
{
  static const struct option longopts[] = {
      CLI_HELP_OPTION,
      {NULL, 0, NULL, 0},
  };
  int opt, code = 1;
  while ((opt = cli_getopt(c, argc, argv, "", longopts, &code)) != -1)
    if (opt == CLI_OPT_DONE)
      return code;
  code = cli_operands(c, argc - optind, 0, 0);
  if (code)
    return code;
  if (!nsrt_bugs_built()) {
    printf("built without known bugs\n");
    return 0;
  }
  nsrt_bugs_list(stdout);
  return 0;
}
