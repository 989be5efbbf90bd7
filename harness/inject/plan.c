/* The plan of nsc-inject: targets, actions and the STEP grammar. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "failpoint.h"
#include "inject.h"

static const char *const target_names[T_COUNT] = {
    [T_CLONE] = "clone",     [T_CLONE3] = "clone3",       [T_FORK] = "fork",
    [T_VFORK] = "vfork",     [T_UNSHARE] = "unshare",     [T_SETNS] = "setns",
    [T_UID_MAP] = "uid_map", [T_GID_MAP] = "gid_map",     [T_SETGROUPS] = "setgroups",
    [T_SYNC] = "sync",       [T_SETRESUID] = "setresuid", [T_SETRESGID] = "setresgid",
    [T_EXECVE] = "execve",
};

static const char *const action_names[] = {
    [A_ERRNO] = "errno", [A_KILL] = "kill",       [A_DELAY] = "delay",
    [A_SHORT] = "short", [A_CORRUPT] = "corrupt",
};

const char *inj_target_name(enum inj_target t)
{
  return t < T_COUNT ? target_names[t] : "?";
}

const char *inj_action_name(enum inj_action a)
{
  return a <= A_CORRUPT ? action_names[a] : "?";
}

int inj_target_from_name(const char *name)
{
  for (int t = 0; t < T_COUNT; t++)
    if (strcmp(name, target_names[t]) == 0)
      return t;
  return -1;
}

static bool is_write_target(enum inj_target t)
{
  return t == T_UID_MAP || t == T_GID_MAP || t == T_SETGROUPS || t == T_SYNC;
}

static int fail(char *msg, size_t len, const char *text, const char *why)
{
  snprintf(msg, len, "--plan %s: %s", text, why);
  return -1;
}

int inj_parse_step(const char *text, struct inj_step *out, char *msg, size_t len)
{
  memset(out, 0, sizeof(*out));
  const char *at = strchr(text, '@');
  const char *eq = at ? strchr(at, '=') : NULL;
  if (!at || !eq)
    return fail(msg, len, text, "expected TARGET@N=ACTION[(ARG)]");
  char name[32];
  if ((size_t)(at - text) >= sizeof(name))
    return fail(msg, len, text, "unknown target");
  snprintf(name, sizeof(name), "%.*s", (int)(at - text), text);
  int t = inj_target_from_name(name);
  if (t < 0)
    return fail(msg, len, text,
                "unknown target (clone, clone3, fork, vfork, unshare, setns, uid_map, gid_map, "
                "setgroups, sync, setresuid, setresgid, execve)");
  out->target = (enum inj_target)t;
  char *end;
  errno = 0;
  unsigned long n = strtoul(at + 1, &end, 10);
  if (end != eq || n == 0 || n > 1000000 || errno)
    return fail(msg, len, text, "N must be a call number from 1");
  out->nth = (unsigned)n;

  const char *act = eq + 1;
  const char *paren = strchr(act, '(');
  size_t alen = paren ? (size_t)(paren - act) : strlen(act);
  int a = -1;
  for (int i = 0; i <= A_CORRUPT; i++)
    if (strlen(action_names[i]) == alen && strncmp(act, action_names[i], alen) == 0)
      a = i;
  if (a < 0)
    return fail(msg, len, text, "unknown action (errno, kill, delay, short, corrupt)");
  out->action = (enum inj_action)a;
  if (paren) {
    const char *close = strchr(paren, ')');
    if (!close || close[1] != '\0' || (size_t)(close - paren - 1) >= sizeof(out->argtext))
      return fail(msg, len, text, "bad argument");
    snprintf(out->argtext, sizeof(out->argtext), "%.*s", (int)(close - paren - 1), paren + 1);
  }
  const char *arg = out->argtext;
  switch (out->action) {
  case A_ERRNO: {
    int e = nsrt_errno_from_name(arg);
    if (e <= 0)
      return fail(msg, len, text, "errno needs an errno name or number, e.g. errno(EAGAIN)");
    out->arg = e;
    break;
  }
  case A_KILL:
    if (arg[0])
      return fail(msg, len, text, "kill takes no argument");
    break;
  case A_DELAY:
  case A_SHORT:
  case A_CORRUPT:
    errno = 0;
    out->arg = strtol(arg, &end, 0);
    if (!arg[0] || *end || errno || out->arg < 0)
      return fail(msg, len, text, "needs a number: delay(MS), short(BYTES), corrupt(BYTE)");
    if (out->action != A_DELAY && !is_write_target(out->target))
      return fail(msg, len, text,
                  "short and corrupt apply to writes (uid_map, gid_map, setgroups, sync)");
    break;
  }
  return 0;
}

bool inj_traps(const struct inj_opts *o, enum inj_target t)
{
  if (o->all_targets || o->n_steps == 0)
    return true;
  for (size_t i = 0; i < o->n_steps; i++)
    if (o->steps[i].target == t)
      return true;
  return false;
}

void inj_stdio_null(void)
{
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    close(null);
  }
}

void inj_log(const struct inj_opts *o, json_t *event)
{
  if (o->log_fd < 0 || !event) {
    json_decref(event);
    return;
  }
  char *text = json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(event);
  if (!text)
    return;
  size_t n = strlen(text);
  text[n] = '\n';
  /* One write per line (O_APPEND): lines never interleave. */
  ssize_t w = write(o->log_fd, text, n + 1);
  (void)w;
  free(text);
}
