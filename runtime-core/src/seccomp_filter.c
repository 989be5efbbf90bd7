/* Seccomp: the runtime-spec names of actions, operators, architectures and
 * flags, and turning a seccomp_plan into a loaded filter with libseccomp. */
#include "seccomp_filter.h"

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "failpoint.h"
#include "log.h"

struct name_value {
  const char *name;
  int value;
};

static const struct name_value action_names[] = {
    {"SCMP_ACT_KILL", SECCOMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", SECCOMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SECCOMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SECCOMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SECCOMP_ACT_ERRNO},
    {"SCMP_ACT_TRACE", SECCOMP_ACT_TRACE},
    {"SCMP_ACT_ALLOW", SECCOMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SECCOMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SECCOMP_ACT_NOTIFY},
};

static const struct name_value op_names[] = {
    {"SCMP_CMP_NE", SECCOMP_OP_NE},
    {"SCMP_CMP_LT", SECCOMP_OP_LT},
    {"SCMP_CMP_LE", SECCOMP_OP_LE},
    {"SCMP_CMP_EQ", SECCOMP_OP_EQ},
    {"SCMP_CMP_GE", SECCOMP_OP_GE},
    {"SCMP_CMP_GT", SECCOMP_OP_GT},
    {"SCMP_CMP_MASKED_EQ", SECCOMP_OP_MASKED_EQ},
};

/* The filter flags of the spec.  WAIT_KILLABLE_RECV only changes how a
 * notify listener is woken; without notify support it has nothing to do. */
enum filter_flag { FLAG_TSYNC, FLAG_LOG, FLAG_SPEC_ALLOW, FLAG_WAIT_KILLABLE_RECV };
static const struct name_value flag_names[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", FLAG_WAIT_KILLABLE_RECV},
};

static int lookup(const struct name_value *table, size_t n, const char *name)
{
  if (!name)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (strcmp(table[i].name, name) == 0)
      return table[i].value;
  return -1;
}

int seccomp_action_from_name(const char *name)
{
  return lookup(action_names, ARRAY_SIZE(action_names), name);
}

int seccomp_op_from_name(const char *name)
{
  return lookup(op_names, ARRAY_SIZE(op_names), name);
}

int seccomp_flag_check(const char *name)
{
  return lookup(flag_names, ARRAY_SIZE(flag_names), name) < 0 ? -1 : 0;
}

#define ARCH_PREFIX "SCMP_ARCH_"

/* The libseccomp token of an SCMP_ARCH_* name, 0 when unknown.  The spec
 * names are the upper-case forms of libseccomp's own names. */
static uint32_t arch_token(const char *name)
{
  size_t plen = strlen(ARCH_PREFIX);
  if (!name || strncmp(name, ARCH_PREFIX, plen) != 0)
    return 0;
  const char *suffix = name + plen;
  char lower[32];
  size_t n = strlen(suffix);
  if (n == 0 || n >= sizeof(lower))
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = suffix[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return 0;
    lower[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  lower[n] = '\0';
  return seccomp_arch_resolve_name(lower);
}

int seccomp_arch_check(const char *name)
{
  return arch_token(name) ? 0 : -1;
}

/* The libseccomp action for one of ours. */
static int to_scmp_action(enum seccomp_act act, uint32_t errno_ret, uint32_t *out)
{
  switch (act) {
  case SECCOMP_ACT_KILL_THREAD:
    *out = SCMP_ACT_KILL_THREAD;
    return 0;
  case SECCOMP_ACT_KILL_PROCESS:
    *out = SCMP_ACT_KILL_PROCESS;
    return 0;
  case SECCOMP_ACT_TRAP:
    *out = SCMP_ACT_TRAP;
    return 0;
  case SECCOMP_ACT_ERRNO:
    *out = SCMP_ACT_ERRNO(errno_ret);
    return 0;
  case SECCOMP_ACT_TRACE:
    *out = SCMP_ACT_TRACE(errno_ret);
    return 0;
  case SECCOMP_ACT_ALLOW:
    *out = SCMP_ACT_ALLOW;
    return 0;
  case SECCOMP_ACT_LOG:
    *out = SCMP_ACT_LOG;
    return 0;
  case SECCOMP_ACT_NOTIFY:
    break;
  }
  return -1;
}

static int to_scmp_op(enum seccomp_op op, enum scmp_compare *out)
{
  switch (op) {
  case SECCOMP_OP_NE:
    *out = SCMP_CMP_NE;
    return 0;
  case SECCOMP_OP_LT:
    *out = SCMP_CMP_LT;
    return 0;
  case SECCOMP_OP_LE:
    *out = SCMP_CMP_LE;
    return 0;
  case SECCOMP_OP_EQ:
    *out = SCMP_CMP_EQ;
    return 0;
  case SECCOMP_OP_GE:
    *out = SCMP_CMP_GE;
    return 0;
  case SECCOMP_OP_GT:
    *out = SCMP_CMP_GT;
    return 0;
  case SECCOMP_OP_MASKED_EQ:
    *out = SCMP_CMP_MASKED_EQ;
    return 0;
  }
  return -1;
}

static const char notify_unsupported[] = "SCMP_ACT_NOTIFY needs a listener, which is not supported";

/* Refuse what cannot be loaded before building anything. */
static int check_plan(const struct seccomp_plan *p, struct nsrt_err *err)
{
  if (p->default_action == SECCOMP_ACT_NOTIFY)
    return nsrt_fail(err, 0, "seccomp", "default action: %s", notify_unsupported);
  for (size_t i = 0; i < p->n_rules; i++)
    if (p->rules[i].action == SECCOMP_ACT_NOTIFY)
      return nsrt_fail(err, 0, "seccomp", "syscalls[%zu]: %s", i, notify_unsupported);
  return 0;
}

static int set_attr(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value,
                    const char *what, struct nsrt_err *err)
{
  int ret = seccomp_attr_set(ctx, attr, value);
  if (ret < 0)
    return nsrt_fail(err, -ret, "seccomp", "set the filter attribute %s=%u", what, value);
  return 0;
}

static int set_attributes(scmp_filter_ctx ctx, const struct seccomp_plan *p, struct nsrt_err *err)
{
  /* Real errno values from seccomp_load instead of a blanket ECANCELED. */
  if (set_attr(ctx, SCMP_FLTATR_API_SYSRAWRC, 1, "SYSRAWRC", err) < 0)
    return -1;
  /* The runtime sets no_new_privs itself when the spec asks for it; the
   * library must not set it behind our back. */
  if (set_attr(ctx, SCMP_FLTATR_CTL_NNP, 0, "CTL_NNP", err) < 0)
    return -1;
  for (char **f = p->flags; f && *f; f++) {
    switch (lookup(flag_names, ARRAY_SIZE(flag_names), *f)) {
    case FLAG_TSYNC:
      if (set_attr(ctx, SCMP_FLTATR_CTL_TSYNC, 1, "CTL_TSYNC", err) < 0)
        return -1;
      break;
    case FLAG_LOG:
      if (set_attr(ctx, SCMP_FLTATR_CTL_LOG, 1, "CTL_LOG", err) < 0)
        return -1;
      break;
    case FLAG_SPEC_ALLOW:
      if (set_attr(ctx, SCMP_FLTATR_CTL_SSB, 1, "CTL_SSB", err) < 0)
        return -1;
      break;
    case FLAG_WAIT_KILLABLE_RECV:
      break;
    default:
      return nsrt_fail(err, EINVAL, "seccomp", "unknown filter flag %s", *f);
    }
  }
  return 0;
}

static int add_architectures(scmp_filter_ctx ctx, const struct seccomp_plan *p,
                             struct nsrt_err *err)
{
  for (char **a = p->architectures; a && *a; a++) {
    uint32_t token = arch_token(*a);
    if (!token)
      return nsrt_fail(err, EINVAL, "seccomp", "unknown architecture %s", *a);
    int ret = seccomp_arch_add(ctx, token);
    /* The native architecture is in every new filter already. */
    if (ret < 0 && ret != -EEXIST)
      return nsrt_fail(err, -ret, "seccomp", "add architecture %s", *a);
  }
  return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct seccomp_rule_plan *r, size_t index,
                    uint32_t default_action, struct nsrt_err *err)
{
  uint32_t action;
  if (to_scmp_action(r->action, r->errno_ret, &action) < 0)
    return nsrt_fail(err, EINVAL, "seccomp", "syscalls[%zu]: bad action %d", index, (int)r->action);
  if (action == default_action) {
    /* libseccomp refuses a rule that repeats the default; it changes nothing. */
    nsrt_debug("seccomp: syscalls[%zu] has the default action, skipped", index);
    return 0;
  }
  if (r->n_args > 6)
    return nsrt_fail(err, EINVAL, "seccomp", "syscalls[%zu]: %zu argument conditions, at most 6",
                     index, r->n_args);

  struct scmp_arg_cmp cmps[6];
  for (size_t i = 0; i < r->n_args; i++) {
    const struct seccomp_arg_plan *a = &r->args[i];
    enum scmp_compare op;
    if (to_scmp_op(a->op, &op) < 0 || a->index > 5)
      return nsrt_fail(err, EINVAL, "seccomp", "syscalls[%zu].args[%zu]: bad condition", index, i);
    /* For MASKED_EQ the first datum is the mask and the second the value
     * the masked argument must equal, as the spec's value/valueTwo. */
    cmps[i] = (struct scmp_arg_cmp){
        .arg = a->index, .op = op, .datum_a = a->value, .datum_b = a->value_two};
  }

  for (char **name = r->names; name && *name; name++) {
    int nr = seccomp_syscall_resolve_name(*name);
    if (nr == __NR_SCMP_ERROR) {
      /* Profiles list syscalls of newer kernels and other architectures. */
      nsrt_debug("seccomp: unknown syscall %s, skipped", *name);
      continue;
    }
    int ret = seccomp_rule_add_array(ctx, action, nr, (unsigned)r->n_args, cmps);
    if (ret < 0)
      return nsrt_fail(err, -ret, "seccomp", "add rule for %s", *name);
  }
  return 0;
}

static void release_filter(scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release(*ctx);
}

int seccomp_load_plan(const struct seccomp_plan *p, struct nsrt_err *err)
{
  if (check_plan(p, err) < 0)
    return -1;

  /* The spec fills errnoRet; a zero here means none was given. */
  uint32_t default_action;
  if (to_scmp_action(p->default_action, p->default_errno_ret ? p->default_errno_ret : EPERM,
                     &default_action) < 0)
    return nsrt_fail(err, EINVAL, "seccomp", "bad default action %d", (int)p->default_action);

  __attribute__((cleanup(release_filter))) scmp_filter_ctx ctx = seccomp_init(default_action);
  /* NULL: an action this kernel or library does not support, or no memory. */
  if (!ctx)
    return nsrt_fail(err, EINVAL, "seccomp", "create a filter with default action 0x%x",
                     default_action);

  if (set_attributes(ctx, p, err) < 0 || add_architectures(ctx, p, err) < 0)
    return -1;
  for (size_t i = 0; i < p->n_rules; i++)
    if (add_rule(ctx, &p->rules[i], i, default_action, err) < 0)
      return -1;

  int ret = 0;
  if (FP_FAILS("init.seccomp") || (ret = seccomp_load(ctx)) < 0)
    return nsrt_fail(err, ret < 0 ? -ret : errno, "seccomp", "load the filter");
  return 0;
}
