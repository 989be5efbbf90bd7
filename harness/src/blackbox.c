/* Black-box faults (blackbox.h): the targets and the actions that apply
 * to them, the nsc-inject program, plans and their step text, and the
 * sweep's cases.  One case runs in blackbox_run.c and is judged in
 * blackbox_judge.c. */
#include "blackbox.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blackbox_int.h"
#include "cleanup.h"
#include "error.h"
#include "faults.h"
#include "gen.h"

static const char *const commands[] = NSC_FAULT_COMMANDS;

/* ---- targets and actions --------------------------------------------------- */

struct target_info {
  const char *name;
  bool write;            /* a write: short and corrupt apply */
  const char *err;       /* the errno the sweep injects */
  const char *words[12]; /* a message naming the step mentions one of these */
};

static const struct target_info targets[] = {
    {"clone", false, "EAGAIN", {"clone", "fork", "spawn", "child", "process", NULL}},
    {"clone3", false, "EAGAIN", {"clone", "fork", "spawn", "child", "process", NULL}},
    {"fork", false, "EAGAIN", {"fork", "clone", "spawn", "child", "process", NULL}},
    {"vfork", false, "EAGAIN", {"fork", "clone", "spawn", "child", "process", NULL}},
    {"unshare", false, "ENOSPC", {"unshare", "namespace", NULL}},
    {"setns", false, "EPERM", {"setns", "join", "namespace", "nsenter", NULL}},
    {"uid_map", true, "EPERM", {"uid_map", "uid map", "mapping", "idmap", NULL}},
    {"gid_map", true, "EPERM", {"gid_map", "gid map", "mapping", "idmap", NULL}},
    {"setgroups", true, "EPERM", {"setgroups", NULL}},
    {"sync",
     true,
     "EPIPE",
     {"sync", "socket", "pipe", "message", "send", "write", "read", "recv", "unexpected", "invalid",
      "setup", NULL}},
    {"setresuid", false, "EPERM", {"setresuid", "setuid", "uid", "user", NULL}},
    {"setresgid", false, "EPERM", {"setresgid", "setgid", "gid", "group", NULL}},
    {"execve", false, "EACCES", {"exec", NULL}},
};

static const struct target_info *target_info(const char *name)
{
  for (size_t i = 0; name && i < ARRAY_SIZE(targets); i++)
    if (strcmp(targets[i].name, name) == 0)
      return &targets[i];
  return NULL;
}

static const char *const all_actions[] = {"errno", "kill", "delay", "short", "corrupt"};

const char *nsc_blackbox_target_actions(const char *target)
{
  const struct target_info *t = target_info(target);
  if (!t)
    return NULL;
  return t->write ? "errno,kill,delay,short,corrupt" : "errno,kill,delay";
}

static bool in_list(const char *list, const char *word)
{
  size_t n = strlen(word);
  for (const char *p = list; p && *p;) {
    size_t len = strcspn(p, ",");
    if (len == n && strncmp(p, word, n) == 0)
      return true;
    p += len;
    if (*p == ',')
      p++;
  }
  return false;
}

const char *nsc_blackbox_action_arg(const char *target, const char *action)
{
  const struct target_info *t = target_info(target);
  if (!t || !action)
    return NULL;
  if (!strcmp(action, "errno"))
    return t->err;
  if (!strcmp(action, "delay"))
    return "300";
  /* A map line cut after 12 bytes is still a valid, smaller map: the
   * kernel takes it, so the write really is short. */
  if (!strcmp(action, "short"))
    return !strcmp(target, "uid_map") || !strcmp(target, "gid_map") ? "12" : "3";
  if (!strcmp(action, "corrupt"))
    return "0";
  return NULL;
}

bool nsc_bb_names_step(const char *line, const char *target)
{
  const struct target_info *t = target_info(target);
  for (size_t i = 0; t && i < ARRAY_SIZE(t->words) && t->words[i]; i++)
    if (strcasestr(line, t->words[i]))
      return true;
  return false;
}

/* ---- the nsc-inject program ------------------------------------------------ */

static char inject_path[PATH_MAX];

void nsc_blackbox_set_inject(const char *path)
{
  snprintf(inject_path, sizeof(inject_path), "%s", path ? path : "");
}

const char *nsc_blackbox_inject(void)
{
  if (inject_path[0])
    return inject_path;
  const char *env = getenv("NSC_INJECT_BIN");
  char buf[PATH_MAX];
  if (env && *env && realpath(env, buf) && access(buf, X_OK) == 0) {
    snprintf(inject_path, sizeof(inject_path), "%s", buf);
    return inject_path;
  }
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash) {
      snprintf(slash + 1, sizeof(buf) - (size_t)(slash + 1 - buf), "nsc-inject");
      if (access(buf, X_OK) == 0) {
        snprintf(inject_path, sizeof(inject_path), "%s", buf);
        return inject_path;
      }
    }
  }
  return NULL;
}

/* ---- plans ------------------------------------------------------------------ */

static int step_fail(struct nsrt_err *err, size_t i, const char *member, const char *msg)
{
  char step[64];
  snprintf(step, sizeof(step), "steps[%zu].%s", i, member);
  return nsrt_fail_at(err, "blackbox", EINVAL, step, "%s", msg);
}

int nsc_blackbox_step_text(const json_t *step, size_t index, char *out, size_t len,
                           struct nsrt_err *err)
{
  const char *target = json_string_value(json_object_get(step, "target"));
  const char *action = json_string_value(json_object_get(step, "action"));
  json_t *nth = json_object_get(step, "nth");
  json_t *arg = json_object_get(step, "arg");
  char msg[160];
  if (!target_info(target)) {
    snprintf(msg, sizeof(msg), "\"%s\" is not a target", target ? target : "(none)");
    return step_fail(err, index, "target", msg);
  }
  if (!json_is_integer(nth) || json_integer_value(nth) < 1)
    return step_fail(err, index, "nth", "not a call number from 1");
  if (!action || !in_list(nsc_blackbox_target_actions(target), action)) {
    snprintf(msg, sizeof(msg), "\"%s\" is not an action for %s (%s)", action ? action : "(none)",
             target, nsc_blackbox_target_actions(target));
    return step_fail(err, index, "action", msg);
  }
  char argtext[64] = "";
  if (json_is_string(arg)) {
    const char *a = json_string_value(arg);
    if (!*a || strpbrk(a, "() ") || strlen(a) > 30) {
      snprintf(msg, sizeof(msg), "\"%.40s\" is not a plain errno or number", a);
      return step_fail(err, index, "arg", msg);
    }
    snprintf(argtext, sizeof(argtext), "(%s)", a);
  } else if (json_is_integer(arg)) {
    snprintf(argtext, sizeof(argtext), "(%lld)", (long long)json_integer_value(arg));
  } else if (arg && !json_is_null(arg)) {
    return step_fail(err, index, "arg", "neither a string nor an integer");
  }
  if (!argtext[0] && strcmp(action, "kill") != 0) {
    snprintf(msg, sizeof(msg), "%s needs an argument", action);
    return step_fail(err, index, "arg", msg);
  }
  if (argtext[0] && strcmp(action, "kill") == 0)
    return step_fail(err, index, "arg", "kill takes no argument");
  snprintf(out, len, "%s@%lld=%s%s", target, (long long)json_integer_value(nth), action, argtext);
  return 0;
}

json_t *nsc_blackbox_plan(const char *command, const char *target, unsigned nth, const char *action,
                          const char *arg)
{
  json_t *step = json_pack("{s:s, s:i, s:s}", "target", target, "nth", (int)nth, "action", action);
  if (step && arg)
    json_object_set_new(step, "arg", json_string(arg));
  return json_pack("{s:s, s:[o], s:[s]}", "kind", "seccomp", "steps", step, "commands", command);
}

/* ---- base cases and the sweep ---------------------------------------------- */

static int add_case(struct nsc_case **v, size_t *n, const char *id, json_t *config, json_t *plan,
                    const char *title)
{
  struct nsc_case *c = realloc(*v, (*n + 1) * sizeof(*c));
  if (!c) {
    json_decref(config);
    json_decref(plan);
    return -1;
  }
  *v = c;
  c = &c[*n];
  memset(c, 0, sizeof(*c));
  snprintf(c->id, sizeof(c->id), "%s", id);
  c->kind = NSC_CASE_FAULT;
  c->config = config;
  c->fault = plan;
  c->title = strdup(title);
  (*n)++;
  return c->title ? 0 : -1;
}

int nsc_blackbox_base_cases(struct nsc_case **out, size_t *n, struct nsrt_err *err)
{
  *out = NULL;
  *n = 0;
  json_t *userns;
  if (gen_negative_base(&userns, err) < 0)
    return -1;
  /* The same without a user namespace: the runtime's path with no maps. */
  json_t *plain = json_deep_copy(userns);
  json_t *lx = json_object_get(plain, "linux");
  json_t *ns = json_object_get(lx, "namespaces");
  for (size_t i = json_array_size(ns); i-- > 0;)
    if (!strcmp(json_string_value(json_object_get(json_array_get(ns, i), "type")) ?: "", "user"))
      json_array_remove(ns, i);
  json_object_del(lx, "uidMappings");
  json_object_del(lx, "gidMappings");
  json_t *record = json_pack("{s:s, s:[]}", "kind", "seccomp", "steps");
  if (add_case(out, n, "b-base-userns", userns, json_deep_copy(record),
               "black box: record the calls of a user namespace spec") < 0 ||
      add_case(out, n, "b-base-plain", plain, record,
               "black box: record the calls of a spec without a user namespace") < 0)
    return nsrt_fail_at(err, "blackbox", ENOMEM, "base", NULL);
  return 0;
}

int nsc_blackbox_sweep_cases(const struct nsc_case *bases, const struct nsc_result *results,
                             size_t n_bases, const struct nsc_blackbox_opts *o,
                             struct nsc_case **out, size_t *n_out, struct nsrt_err *err)
{
  *out = NULL;
  *n_out = 0;
  unsigned cap = o && o->max_n ? o->max_n : 8;
  for (size_t b = 0; b < n_bases; b++) {
    json_t *counts = json_object_get(results[b].fault, "counts");
    const char *base = bases[b].id;
    if (!strncmp(base, "b-base-", 7))
      base += 7;
    for (size_t ci = 0; ci < NSC_BB_N_COMMANDS; ci++) {
      const char *cmd = commands[ci];
      if (o && o->commands && !in_list(o->commands, cmd))
        continue;
      json_t *cc = json_object_get(counts, cmd);
      for (size_t t = 0; t < ARRAY_SIZE(targets); t++) {
        const char *tn = targets[t].name;
        if (o && o->targets && !in_list(o->targets, tn))
          continue;
        json_int_t count = json_integer_value(json_object_get(cc, tn));
        for (json_int_t k = 1; k <= count && k <= cap; k++) {
          for (size_t a = 0; a < ARRAY_SIZE(all_actions); a++) {
            const char *act = all_actions[a];
            if (!in_list(nsc_blackbox_target_actions(tn), act) ||
                (o && o->actions && !in_list(o->actions, act)))
              continue;
            char id[64], title[160];
            snprintf(id, sizeof(id), "b-%s-%s-%s-%lld-%s", base, cmd, tn, (long long)k, act);
            const char *arg = nsc_blackbox_action_arg(tn, act);
            snprintf(title, sizeof(title), "black box: %s %s of %s, call %lld of %lld: %s%s%s%s",
                     base, tn, cmd, (long long)k, (long long)count, act, arg ? "(" : "",
                     arg ? arg : "", arg ? ")" : "");
            if (add_case(out, n_out, id, json_deep_copy(bases[b].config),
                         nsc_blackbox_plan(cmd, tn, (unsigned)k, act, arg), title) < 0)
              return nsrt_fail_at(err, "blackbox", ENOMEM, "sweep", NULL);
          }
        }
      }
    }
  }
  return 0;
}
