/* The bug switches (runtime-core/src/bugs.c) as the nsrt-bugs build has
 * them: this file compiles bugs.c itself with NSRT_KNOWN_BUGS, so the
 * switches below register in this binary's "nsrt_bug" section exactly as
 * the runtime's sites do in nsrt-bugs. */
#define NSRT_KNOWN_BUGS 1
#include "bugs.c"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Three switches, one of them with two sites. */
static int alpha_line; /* the line of alpha-bug's first site */

static bool alpha(void)
{
  alpha_line = __LINE__ + 1;
  return NSRT_BUG("alpha-bug");
}

static bool beta(void)
{
  return NSRT_BUG("beta");
}

static bool alpha_again(void)
{
  return NSRT_BUG("alpha-bug");
}

static bool zeta(void)
{
  return NSRT_BUG("zeta");
}

static char *listing(size_t *n)
{
  FILE *f = tmpfile();
  cr_assert_not_null(f);
  *n = nsrt_bugs_list(f);
  long len = ftell(f);
  cr_assert_geq(len, 0);
  char *buf = calloc(1, (size_t)len + 1);
  cr_assert_not_null(buf);
  rewind(f);
  cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  return buf;
}

Test(bugs, built_with_switches)
{
  cr_assert(nsrt_bugs_built());
}

Test(bugs, off_unless_named_exactly)
{
  unsetenv("NSRT_BUGS");
  cr_assert(!alpha() && !beta() && !zeta());
  setenv("NSRT_BUGS", "alpha-bug", 1);
  cr_assert(alpha() && alpha_again());
  cr_assert(!beta() && !zeta());
  /* a prefix or a longer name is another bug */
  setenv("NSRT_BUGS", "alpha,beta-x,zet", 1);
  cr_assert(!alpha() && !beta() && !zeta());
  setenv("NSRT_BUGS", ",beta,,zeta,", 1);
  cr_assert(!alpha() && beta() && zeta());
  setenv("NSRT_BUGS", "", 1);
  cr_assert(!alpha() && !beta() && !zeta());
}

Test(bugs, env_check_names_the_unknown_bug)
{
  struct nsrt_err err;
  nsrt_err_clear(&err);
  setenv("NSRT_BUGS", "beta,alpha-bug", 1);
  cr_assert_eq(nsrt_bugs_init_from_env(&err), 0);
  setenv("NSRT_BUGS", ",,", 1);
  cr_assert_eq(nsrt_bugs_init_from_env(&err), 0, "empty entries are ignored");
  unsetenv("NSRT_BUGS");
  cr_assert_eq(nsrt_bugs_init_from_env(&err), 0);

  setenv("NSRT_BUGS", "beta,alpha,zeta", 1);
  cr_assert_eq(nsrt_bugs_init_from_env(&err), -1);
  char line[512];
  nsrt_err_format(&err, line, sizeof(line));
  cr_assert(strstr(line, "NSRT_BUGS") && strstr(line, "unknown bug \"alpha\""), "%s", line);
  cr_assert_str_eq(err.stage, "bugs");
}

Test(bugs, list_is_sorted_one_line_per_name_and_marks_those_on)
{
  setenv("NSRT_BUGS", "zeta", 1);
  cr_assert(!alpha(), "sets alpha_line");
  size_t n = 0;
  char *out = listing(&n);
  cr_assert_eq(n, 3, "%s", out);
  const char *a = strstr(out, "alpha-bug ");
  const char *b = strstr(out, "beta ");
  const char *z = strstr(out, "zeta ");
  cr_assert(a && b && z && a < b && b < z, "not sorted:\n%s", out);
  cr_assert_null(strstr(a + 1, "alpha-bug "), "alpha-bug listed twice:\n%s", out);
  /* the first site of alpha-bug: the lower line of this file */
  char where[64];
  snprintf(where, sizeof(where), "test_bugs.c:%d\n", alpha_line);
  const char *eol = strchr(a, '\n');
  const char *at = strstr(a, where);
  cr_assert(at && at + strlen(where) - 1 == eol,
            "alpha-bug does not point at its first site (line %d):\n%s", alpha_line, out);
  cr_assert(strstr(z, " (on)\n") == strchr(z, '\n') - 5, "zeta is not marked on:\n%s", out);
  size_t on = 0;
  for (const char *p = out; (p = strstr(p, "(on)")); p++)
    on++;
  cr_assert_eq(on, 1, "only zeta is on:\n%s", out);
  free(out);
}
