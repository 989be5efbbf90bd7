/* The text of fault cases (faults.h): a failpoint plan as NSRT_FAILPOINTS,
 * and what the error line of a failed command says (the errno, the stage
 * and the step it names). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "failpoint.h"
#include "faults.h"

/* ---- the plan --------------------------------------------------------------- */

static int plan_fail(struct nsrt_err *err, size_t i, const char *member, const char *what)
{
  char step[64];
  snprintf(step, sizeof(step), "steps[%zu].%s", i, member);
  return nsrt_fail_at(err, "faults", EINVAL, step, "%s", what);
}

/* One term "[N*]action[(arg)]" appended to buf. */
static int append_term(char **buf, size_t *len, size_t *cap, const char *text)
{
  size_t n = strlen(text);
  if (*len + n + 1 > *cap) {
    size_t c = (*len + n + 1) * 2;
    char *b = realloc(*buf, c);
    if (!b)
      return -1;
    *buf = b;
    *cap = c;
  }
  memcpy(*buf + *len, text, n + 1);
  *len += n;
  return 0;
}

static int format_term(const json_t *step, size_t i, char *out, size_t len, struct nsrt_err *err)
{
  const char *action = json_string_value(json_object_get(step, "action"));
  if (!action || !*action || strspn(action, "abcdefghijklmnopqrstuvwxyz") != strlen(action))
    return plan_fail(err, i, "action", "not an action name");
  json_t *arg = json_object_get(step, "arg");
  json_t *times = json_object_get(step, "times");
  char prefix[32] = "", args[64] = "";
  if (times) {
    if (!json_is_integer(times) || json_integer_value(times) < 1)
      return plan_fail(err, i, "times", "not a positive integer");
    snprintf(prefix, sizeof(prefix), "%lld*", (long long)json_integer_value(times));
  }
  if (json_is_string(arg)) {
    const char *a = json_string_value(arg);
    if (!*a || strpbrk(a, "();=>"))
      return plan_fail(err, i, "arg", "not a plain errno name or number");
    snprintf(args, sizeof(args), "(%s)", a);
  } else if (json_is_integer(arg)) {
    snprintf(args, sizeof(args), "(%lld)", (long long)json_integer_value(arg));
  } else if (arg && !json_is_null(arg)) {
    return plan_fail(err, i, "arg", "neither a string nor an integer");
  }
  snprintf(out, len, "%s%s%s", prefix, action, args);
  return 0;
}

int nsc_fault_failpoints(const json_t *plan, char **out, struct nsrt_err *err)
{
  *out = NULL;
  json_t *steps = json_object_get(plan, "steps");
  if (steps && !json_is_array(steps))
    return nsrt_fail_at(err, "faults", EINVAL, "steps", "not an array");
  size_t n = json_array_size(steps);
  char *buf = strdup("");
  size_t len = 0, cap = 1;
  bool *done = calloc(n + 1, sizeof(bool));
  if (!buf || !done) {
    free(buf);
    free(done);
    return nsrt_fail_at(err, "faults", ENOMEM, "steps", NULL);
  }
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++) {
    if (done[i])
      continue;
    const char *point = json_string_value(json_object_get(json_array_get(steps, i), "point"));
    if (!point || !*point || strpbrk(point, "=;()> "))
      ret = plan_fail(err, i, "point", "not a failpoint name");
    if (ret == 0 && len && append_term(&buf, &len, &cap, ";") < 0)
      ret = nsrt_fail_at(err, "faults", ENOMEM, "steps", NULL);
    if (ret == 0 &&
        (append_term(&buf, &len, &cap, point) < 0 || append_term(&buf, &len, &cap, "=") < 0))
      ret = nsrt_fail_at(err, "faults", ENOMEM, "steps", NULL);
    /* every later step on the same point chains to this one */
    for (size_t j = i; j < n && ret == 0; j++) {
      const json_t *s = json_array_get(steps, j);
      const char *p = json_string_value(json_object_get(s, "point"));
      if (!p || strcmp(p, point) != 0)
        continue;
      char term[128];
      ret = format_term(s, j, term, sizeof(term), err);
      if (ret == 0 && ((j > i && append_term(&buf, &len, &cap, "->") < 0) ||
                       append_term(&buf, &len, &cap, term) < 0))
        ret = nsrt_fail_at(err, "faults", ENOMEM, "steps", NULL);
      done[j] = true;
    }
  }
  free(done);
  if (ret < 0) {
    free(buf);
    return ret;
  }
  *out = buf;
  return 0;
}

bool nsc_fault_plan_has_command(const json_t *plan, const char *command)
{
  json_t *cmds = json_object_get(plan, "commands");
  if (!json_is_array(cmds))
    return true;
  size_t i;
  json_t *c;
  json_array_foreach(cmds, i, c)
  {
    if (json_is_string(c) && strcmp(json_string_value(c), command) == 0)
      return true;
  }
  return false;
}

/* ---- messages ----------------------------------------------------------------- */

void nsc_fault_error_line(const char *text, char *buf, size_t len)
{
  buf[0] = '\0';
  if (!text)
    return;
  const char *line = NULL;
  size_t line_len = 0;
  for (const char *p = text; *p;) {
    size_t n = strcspn(p, "\n");
    if (n > 0) {
      line = p;
      line_len = n;
    }
    p += n;
    if (*p)
      p++;
  }
  if (line)
    snprintf(buf, len, "%.*s", (int)line_len, line);
}

static bool ends_with(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return b && a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The errno whose text the line ends with (the longest match), or 0. */
static int trailing_errno(const char *line)
{
  int best = 0;
  size_t best_len = 0;
  for (int e = 1; e < 134; e++) {
    const char *text = strerror(e);
    if (!text || strncmp(text, "Unknown error", 13) == 0)
      continue;
    size_t n = strlen(text);
    if (n > best_len && ends_with(line, text)) {
      /* a whole text: at the start or after ": " */
      size_t at = strlen(line) - n;
      if (at == 0 || (at >= 2 && line[at - 2] == ':' && line[at - 1] == ' ')) {
        best = e;
        best_len = n;
      }
    }
  }
  return best;
}

/* name as a whole word of line */
static bool has_word(const char *line, const char *name)
{
  size_t n = strlen(name);
  for (const char *p = strstr(line, name); p; p = strstr(p + 1, name)) {
    bool start = p == line || !(p[-1] == '_' || (p[-1] >= 'A' && p[-1] <= 'Z'));
    bool end = !(p[n] == '_' || (p[n] >= 'A' && p[n] <= 'Z'));
    if (start && end)
      return true;
  }
  return false;
}

enum nsc_errno_check nsc_fault_check_errno(const char *line, int errnum, char *found, size_t len)
{
  if (found && len)
    found[0] = '\0';
  int e = trailing_errno(line);
  if (e && found)
    snprintf(found, len, "%s", strerror(e));
  if (e == errnum)
    return NSC_ERRNO_NAMED;
  /* "...: ETIMEDOUT" or "(errno ETIMEDOUT)" name it too */
  const char *name = nsrt_errno_name(errnum);
  if (!e && name && has_word(line, name))
    return NSC_ERRNO_NAMED;
  return e ? NSC_ERRNO_STALE : NSC_ERRNO_MISSING;
}

bool nsc_fault_names_step(const char *line, const char *stage, const char *step)
{
  char want[256];
  snprintf(want, sizeof(want), "nsrt: %s: ", stage);
  const char *p = strstr(line, want);
  if (!p)
    return false;
  if (!step)
    return true;
  p += strlen(want);
  size_t n = strlen(step);
  return strncmp(p, step, n) == 0 && (p[n] == ':' || p[n] == '\0');
}

static bool word_sep(char c)
{
  return c == '\0' || c == ' ' || c == '_' || c == ':' || c == '/' || c == '(' || c == ')';
}

bool nsc_fault_mentions_step(const char *line, const char *stage, const char *step)
{
  char want[256];
  snprintf(want, sizeof(want), "nsrt: %s: ", stage);
  const char *p = strstr(line, want);
  if (!p || !*step)
    return false;
  p += strlen(want);
  size_t n = strlen(step);
  for (const char *q = strstr(p, step); q; q = strstr(q + 1, step))
    if ((q == p || word_sep(q[-1])) && word_sep(q[n]))
      return true;
  return false;
}

void nsc_fault_point_step(const char *point, char *stage, size_t slen, char *step, size_t len)
{
  char tmp[256];
  snprintf(tmp, sizeof(tmp), "%s", point);
  if (strncmp(tmp, "chan.", 5) == 0) {
    /* chan.<stage>.<send|recv>.<MESSAGE> */
    char *s = tmp + 5, *dir = strchr(s, '.');
    char *msg = dir ? strchr(dir + 1, '.') : NULL;
    if (dir && msg) {
      *dir++ = '\0';
      *msg++ = '\0';
      snprintf(stage, slen, "%s", s);
      snprintf(step, len, "%s %s", dir, msg);
      return;
    }
  }
  char *dot = strchr(tmp, '.');
  if (dot)
    *dot = '\0';
  snprintf(stage, slen, "%s", tmp);
  snprintf(step, len, "%s", dot ? dot + 1 : "");
}
