/* Failpoint registry, NSRT_FAILPOINTS parser and the slow path of every point.
 *
 * The fast path lives in the macros of failpoint.h (one load of fp->chain);
 * everything here runs only for an armed point or at configuration time. */
#include "failpoint.h"
#include "process.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"

#define FP_STAGE    "failpoint"
#define FP_VAR_SPEC "NSRT_FAILPOINTS"
#define FP_VAR_SEED "NSRT_FAILPOINT_SEED"
#define FP_VAR_LOG  "NSRT_FAILPOINT_LOG"

/* One parsed term: [P%][N*]action[(arg)]. */
struct fp_term {
  bool has_prob;
  double prob;    /* fraction in [0,1] */
  uint64_t count; /* 0: applies forever */
  struct fp_action action;
};

struct fp_chain {
  size_t nterms;
  size_t cur;    /* index of the current term; == nterms when exhausted */
  uint64_t left; /* hits left for the current term when it has a count */
  struct fp_term terms[];
};

/* Weak so that a binary without any point still links; both are then NULL. */
extern struct nsrt_failpoint *const __start_nsrt_fp[] __attribute__((weak));
extern struct nsrt_failpoint *const __stop_nsrt_fp[] __attribute__((weak));

static uint64_t fp_seed;
static int fp_log = -1;
static bool fp_log_owned; /* opened from a path, so ours to close */

/* ---- registry ---------------------------------------------------------- */

struct nsrt_failpoint *const *nsrt_fp_begin(void)
{
  return __start_nsrt_fp;
}

struct nsrt_failpoint *const *nsrt_fp_end(void)
{
  return __stop_nsrt_fp;
}

struct nsrt_failpoint *nsrt_fp_find(const char *name)
{
  for (struct nsrt_failpoint *const *p = nsrt_fp_begin(); p < nsrt_fp_end(); p++)
    if (strcmp((*p)->name, name) == 0)
      return *p;
  return NULL;
}

int nsrt_fp_check_names(struct nsrt_failpoint *const *begin, struct nsrt_failpoint *const *end,
                        struct nsrt_err *err)
{
  for (struct nsrt_failpoint *const *p = begin; p < end; p++)
    for (struct nsrt_failpoint *const *q = p + 1; q < end; q++)
      if (*p != *q && strcmp((*p)->name, (*q)->name) == 0)
        return nsrt_fail_at(err, FP_STAGE, 0, "duplicate_name",
                            "failpoint \"%s\" declared twice: %s:%d and %s:%d", (*p)->name,
                            (*p)->file, (*p)->line, (*q)->file, (*q)->line);
  return 0;
}

const char *nsrt_fp_kind_name(enum fp_kind kind)
{
  switch (kind) {
  case FP_KIND_STEP:
    return "step";
  case FP_KIND_CLONE:
    return "clone";
  case FP_KIND_SEND:
    return "send";
  case FP_KIND_RECV:
    return "recv";
  }
  return "unknown";
}

static const char *const act_names[] = {
    [FP_OFF] = "off",     [FP_ERR] = "err",     [FP_EXIT] = "exit",   [FP_KILL] = "kill",
    [FP_SLEEP] = "sleep", [FP_PAUSE] = "pause", [FP_SHORT] = "short", [FP_CORRUPT] = "corrupt",
    [FP_DROP] = "drop",   [FP_DUP] = "dup",
};

const char *nsrt_fp_act_name(enum fp_act act)
{
  if ((size_t)act < ARRAY_SIZE(act_names) && act_names[act])
    return act_names[act];
  return "unknown";
}

#define ACTS_COMMON "off,err,exit,kill,sleep,pause"

const char *nsrt_fp_kind_actions(enum fp_kind kind)
{
  switch (kind) {
  case FP_KIND_STEP:
  case FP_KIND_CLONE:
    return ACTS_COMMON;
  case FP_KIND_SEND:
    return ACTS_COMMON ",short,corrupt,drop,dup";
  case FP_KIND_RECV:
    return ACTS_COMMON ",corrupt,drop";
  }
  return "";
}

static bool act_applies(enum fp_act act, enum fp_kind kind)
{
  switch (act) {
  case FP_OFF:
  case FP_ERR:
  case FP_EXIT:
  case FP_KILL:
  case FP_SLEEP:
  case FP_PAUSE:
    return true;
  case FP_SHORT:
  case FP_DUP:
    return kind == FP_KIND_SEND;
  case FP_CORRUPT:
  case FP_DROP:
    return kind == FP_KIND_SEND || kind == FP_KIND_RECV;
  }
  return false;
}

/* ---- errno names ------------------------------------------------------- */

/* Indexed by number, so each number has one (canonical) name. */
// clang-format off
static const char *const errno_names[] = {
    [EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR", [EIO] = "EIO",
    [ENXIO] = "ENXIO", [E2BIG] = "E2BIG", [ENOEXEC] = "ENOEXEC", [EBADF] = "EBADF",
    [ECHILD] = "ECHILD", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM", [EACCES] = "EACCES",
    [EFAULT] = "EFAULT", [ENOTBLK] = "ENOTBLK", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST",
    [EXDEV] = "EXDEV", [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR",
    [EINVAL] = "EINVAL", [ENFILE] = "ENFILE", [EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY",
    [ETXTBSY] = "ETXTBSY", [EFBIG] = "EFBIG", [ENOSPC] = "ENOSPC", [ESPIPE] = "ESPIPE",
    [EROFS] = "EROFS", [EMLINK] = "EMLINK", [EPIPE] = "EPIPE", [EDOM] = "EDOM", [ERANGE] = "ERANGE",
    [EDEADLK] = "EDEADLK", [ENAMETOOLONG] = "ENAMETOOLONG", [ENOLCK] = "ENOLCK",
    [ENOSYS] = "ENOSYS", [ENOTEMPTY] = "ENOTEMPTY", [ELOOP] = "ELOOP", [ENOMSG] = "ENOMSG",
    [EIDRM] = "EIDRM", [ECHRNG] = "ECHRNG", [EL2NSYNC] = "EL2NSYNC", [EL3HLT] = "EL3HLT",
    [EL3RST] = "EL3RST", [ELNRNG] = "ELNRNG", [EUNATCH] = "EUNATCH", [ENOCSI] = "ENOCSI",
    [EL2HLT] = "EL2HLT", [EBADE] = "EBADE", [EBADR] = "EBADR", [EXFULL] = "EXFULL",
    [ENOANO] = "ENOANO", [EBADRQC] = "EBADRQC", [EBADSLT] = "EBADSLT", [EBFONT] = "EBFONT",
    [ENOSTR] = "ENOSTR", [ENODATA] = "ENODATA", [ETIME] = "ETIME", [ENOSR] = "ENOSR",
    [ENONET] = "ENONET", [ENOPKG] = "ENOPKG", [EREMOTE] = "EREMOTE", [ENOLINK] = "ENOLINK",
    [EADV] = "EADV", [ESRMNT] = "ESRMNT", [ECOMM] = "ECOMM", [EPROTO] = "EPROTO",
    [EMULTIHOP] = "EMULTIHOP", [EDOTDOT] = "EDOTDOT", [EBADMSG] = "EBADMSG",
    [EOVERFLOW] = "EOVERFLOW", [ENOTUNIQ] = "ENOTUNIQ", [EBADFD] = "EBADFD", [EREMCHG] = "EREMCHG",
    [ELIBACC] = "ELIBACC", [ELIBBAD] = "ELIBBAD", [ELIBSCN] = "ELIBSCN", [ELIBMAX] = "ELIBMAX",
    [ELIBEXEC] = "ELIBEXEC", [EILSEQ] = "EILSEQ", [ERESTART] = "ERESTART", [ESTRPIPE] = "ESTRPIPE",
    [EUSERS] = "EUSERS", [ENOTSOCK] = "ENOTSOCK", [EDESTADDRREQ] = "EDESTADDRREQ",
    [EMSGSIZE] = "EMSGSIZE", [EPROTOTYPE] = "EPROTOTYPE", [ENOPROTOOPT] = "ENOPROTOOPT",
    [EPROTONOSUPPORT] = "EPROTONOSUPPORT", [ESOCKTNOSUPPORT] = "ESOCKTNOSUPPORT",
    [EOPNOTSUPP] = "EOPNOTSUPP", [EPFNOSUPPORT] = "EPFNOSUPPORT", [EAFNOSUPPORT] = "EAFNOSUPPORT",
    [EADDRINUSE] = "EADDRINUSE", [EADDRNOTAVAIL] = "EADDRNOTAVAIL", [ENETDOWN] = "ENETDOWN",
    [ENETUNREACH] = "ENETUNREACH", [ENETRESET] = "ENETRESET", [ECONNABORTED] = "ECONNABORTED",
    [ECONNRESET] = "ECONNRESET", [ENOBUFS] = "ENOBUFS", [EISCONN] = "EISCONN",
    [ENOTCONN] = "ENOTCONN", [ESHUTDOWN] = "ESHUTDOWN", [ETOOMANYREFS] = "ETOOMANYREFS",
    [ETIMEDOUT] = "ETIMEDOUT", [ECONNREFUSED] = "ECONNREFUSED", [EHOSTDOWN] = "EHOSTDOWN",
    [EHOSTUNREACH] = "EHOSTUNREACH", [EALREADY] = "EALREADY", [EINPROGRESS] = "EINPROGRESS",
    [ESTALE] = "ESTALE", [EUCLEAN] = "EUCLEAN", [ENOTNAM] = "ENOTNAM", [ENAVAIL] = "ENAVAIL",
    [EISNAM] = "EISNAM", [EREMOTEIO] = "EREMOTEIO", [EDQUOT] = "EDQUOT", [ENOMEDIUM] = "ENOMEDIUM",
    [EMEDIUMTYPE] = "EMEDIUMTYPE", [ECANCELED] = "ECANCELED", [ENOKEY] = "ENOKEY",
    [EKEYEXPIRED] = "EKEYEXPIRED", [EKEYREVOKED] = "EKEYREVOKED", [EKEYREJECTED] = "EKEYREJECTED",
    [EOWNERDEAD] = "EOWNERDEAD", [ENOTRECOVERABLE] = "ENOTRECOVERABLE", [ERFKILL] = "ERFKILL",
    [EHWPOISON] = "EHWPOISON",
};
// clang-format on

/* Other names of numbers above. */
static const struct {
  const char *name;
  int num;
} errno_aliases[] = {{"EWOULDBLOCK", EWOULDBLOCK}, {"EDEADLOCK", EDEADLOCK}, {"ENOTSUP", ENOTSUP}};

int nsrt_errno_from_name(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
    if (errno_names[i] && strcmp(errno_names[i], name) == 0)
      return (int)i;
  for (size_t i = 0; i < ARRAY_SIZE(errno_aliases); i++)
    if (strcmp(errno_aliases[i].name, name) == 0)
      return errno_aliases[i].num;
  return -1;
}

const char *nsrt_errno_name(int errnum)
{
  if (errnum < 0 || (size_t)errnum >= ARRAY_SIZE(errno_names))
    return NULL;
  return errno_names[errnum];
}

/* ---- determinism ------------------------------------------------------- */

uint64_t nsrt_splitmix64(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t nsrt_fnv1a(const char *s)
{
  uint64_t h = 0xcbf29ce484222325ULL;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* The hit number, not a running generator state, feeds the draw: a forked
 * child that inherits the counters makes the same choices as a replay. */
static bool term_fires(const struct fp_term *t, const char *name, uint64_t hit)
{
  if (!t->has_prob)
    return true;
  uint64_t r = nsrt_splitmix64(fp_seed ^ nsrt_fnv1a(name) ^ hit);
  double frac = (double)(r >> 11) * 0x1p-53;
  return frac < t->prob;
}

/* ---- parser ------------------------------------------------------------ */

/* A slice of the spec string; the spec itself is never modified. */
struct slice {
  const char *s;
  size_t n;
};

static struct slice trim(const char *s, size_t n)
{
  while (n && isspace((unsigned char)*s)) {
    s++;
    n--;
  }
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  return (struct slice){s, n};
}

static bool slice_eq(struct slice a, const char *b)
{
  return strlen(b) == a.n && memcmp(a.s, b, a.n) == 0;
}

/* Decimal digits only, no sign, value <= max. */
static bool parse_uint(struct slice v, uint64_t max, uint64_t *out)
{
  if (v.n == 0)
    return false;
  uint64_t x = 0;
  for (size_t i = 0; i < v.n; i++) {
    if (!isdigit((unsigned char)v.s[i]))
      return false;
    unsigned d = (unsigned)(v.s[i] - '0');
    if (x > (max - d) / 10)
      return false;
    x = x * 10 + d;
  }
  *out = x;
  return true;
}

/* 0-100 with an optional fraction ("12.5"); no locale-dependent strtod. */
static bool parse_percent(struct slice v, double *out)
{
  size_t i = 0;
  double x = 0;
  bool digits = false;
  for (; i < v.n && isdigit((unsigned char)v.s[i]); i++, digits = true)
    x = x * 10 + (v.s[i] - '0');
  if (i < v.n && v.s[i] == '.') {
    double scale = 0.1;
    for (i++; i < v.n && isdigit((unsigned char)v.s[i]); i++, digits = true, scale /= 10)
      x += (v.s[i] - '0') * scale;
  }
  if (!digits || i != v.n || x > 100)
    return false;
  *out = x / 100;
  return true;
}

static int bad_spec(struct nsrt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int bad_spec(struct nsrt_err *err, const char *fmt, ...)
{
  char text[NSRT_ERR_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  return nsrt_fail_at(err, FP_STAGE, 0, FP_VAR_SPEC, "%s", text);
}

static int parse_arg(struct slice term, enum fp_act act, struct slice arg, bool has_arg, long *out,
                     struct nsrt_err *err)
{
  uint64_t v;
  switch (act) {
  case FP_OFF:
  case FP_KILL:
  case FP_PAUSE:
  case FP_DROP:
  case FP_DUP:
    if (has_arg)
      return bad_spec(err, "action %s takes no argument in term \"%.*s\"", act_names[act],
                      (int)term.n, term.s);
    *out = 0;
    return 0;
  default:
    break;
  }
  if (!has_arg || arg.n == 0)
    return bad_spec(err, "action %s needs an argument in term \"%.*s\"", act_names[act],
                    (int)term.n, term.s);
  switch (act) {
  case FP_ERR: {
    char name[32];
    if (arg.n < sizeof(name)) {
      memcpy(name, arg.s, arg.n);
      name[arg.n] = '\0';
      int e = nsrt_errno_from_name(name);
      if (e > 0) {
        *out = e;
        return 0;
      }
    }
    if (parse_uint(arg, 4095, &v) && v > 0) {
      *out = (long)v;
      return 0;
    }
    return bad_spec(err, "bad errno \"%.*s\" in term \"%.*s\"", (int)arg.n, arg.s, (int)term.n,
                    term.s);
  }
  case FP_EXIT:
    if (!parse_uint(arg, 255, &v))
      return bad_spec(err, "exit code \"%.*s\" is not 0-255 in term \"%.*s\"", (int)arg.n, arg.s,
                      (int)term.n, term.s);
    *out = (long)v;
    return 0;
  default: /* sleep(MS), short(N), corrupt(BYTE) */
    if (!parse_uint(arg, INT32_MAX, &v))
      return bad_spec(err, "bad number \"%.*s\" in term \"%.*s\"", (int)arg.n, arg.s, (int)term.n,
                      term.s);
    *out = (long)v;
    return 0;
  }
}

static int parse_term(struct slice term, const struct nsrt_failpoint *fp, struct fp_term *out,
                      struct nsrt_err *err)
{
  struct slice rest = term;
  *out = (struct fp_term){0};

  /* The prefixes end before the action, so look for them only before '('. */
  const char *paren = memchr(rest.s, '(', rest.n);
  size_t head = paren ? (size_t)(paren - rest.s) : rest.n;
  const char *pct = memchr(rest.s, '%', head);
  if (pct) {
    if (!parse_percent(trim(rest.s, (size_t)(pct - rest.s)), &out->prob))
      return bad_spec(err, "bad term \"%.*s\"", (int)term.n, term.s);
    out->has_prob = true;
    head -= (size_t)(pct + 1 - rest.s);
    rest = (struct slice){pct + 1, rest.n - (size_t)(pct + 1 - rest.s)};
  }
  const char *star = memchr(rest.s, '*', head);
  if (star) {
    if (!parse_uint(trim(rest.s, (size_t)(star - rest.s)), UINT32_MAX, &out->count) ||
        out->count == 0)
      return bad_spec(err, "bad term \"%.*s\"", (int)term.n, term.s);
    rest = (struct slice){star + 1, rest.n - (size_t)(star + 1 - rest.s)};
  }

  struct slice name = rest, arg = {0};
  bool has_arg = false;
  paren = memchr(rest.s, '(', rest.n);
  if (paren) {
    if (rest.s[rest.n - 1] != ')')
      return bad_spec(err, "bad term \"%.*s\"", (int)term.n, term.s);
    name.n = (size_t)(paren - rest.s);
    arg = trim(paren + 1, rest.n - name.n - 2);
    has_arg = true;
  }
  name = trim(name.s, name.n);
  if (name.n == 0)
    return bad_spec(err, "bad term \"%.*s\"", (int)term.n, term.s);
  for (size_t i = 0; i < name.n; i++)
    if (!islower((unsigned char)name.s[i]))
      return bad_spec(err, "bad term \"%.*s\"", (int)term.n, term.s);

  size_t act;
  for (act = 0; act < ARRAY_SIZE(act_names); act++)
    if (slice_eq(name, act_names[act]))
      break;
  if (act == ARRAY_SIZE(act_names))
    return bad_spec(err, "unknown action \"%.*s\" in term \"%.*s\"", (int)name.n, name.s,
                    (int)term.n, term.s);
  if (!act_applies((enum fp_act)act, fp->kind))
    return bad_spec(err, "action %s does not apply to %s point %s", act_names[act],
                    nsrt_fp_kind_name(fp->kind), fp->name);
  out->action.act = (enum fp_act)act;
  return parse_arg(term, (enum fp_act)act, arg, has_arg, &out->action.arg, err);
}

/* Find the next "->" in a slice; NULL if none. */
static const char *find_arrow(struct slice s)
{
  for (size_t i = 0; i + 1 < s.n; i++)
    if (s.s[i] == '-' && s.s[i + 1] == '>')
      return s.s + i;
  return NULL;
}

static int parse_chain(struct slice chain_text, const struct nsrt_failpoint *fp,
                       struct fp_chain **out, struct nsrt_err *err)
{
  size_t nterms = 1;
  for (struct slice s = chain_text; find_arrow(s); nterms++) {
    const char *next = find_arrow(s) + 2;
    s = (struct slice){next, s.n - (size_t)(next - s.s)};
  }

  cleanup_free struct fp_chain *chain =
      calloc(1, sizeof(*chain) + nterms * sizeof(chain->terms[0]));
  if (!chain)
    return nsrt_fail_at(err, FP_STAGE, errno, FP_VAR_SPEC, "allocate %zu terms", nterms);
  chain->nterms = nterms;

  struct slice rest = chain_text;
  for (size_t i = 0; i < nterms; i++) {
    const char *arrow = find_arrow(rest);
    size_t len = arrow ? (size_t)(arrow - rest.s) : rest.n;
    struct slice term = trim(rest.s, len);
    if (term.n == 0)
      return bad_spec(err, "empty term in \"%.*s\"", (int)chain_text.n, chain_text.s);
    int ret = parse_term(term, fp, &chain->terms[i], err);
    if (ret < 0)
      return ret;
    if (arrow)
      rest = (struct slice){arrow + 2, rest.n - len - 2};
  }
  chain->left = chain->terms[0].count;
  *out = take_ptr(&chain);
  return 0;
}

/* Arm every point called name (names are unique, but a point declared in a
 * header's inline function would appear once per object file). */
static int arm_points(struct slice name, struct slice chain_text, struct nsrt_err *err)
{
  bool found = false;
  for (struct nsrt_failpoint *const *p = nsrt_fp_begin(); p < nsrt_fp_end(); p++) {
    struct nsrt_failpoint *fp = *p;
    if (!slice_eq(name, fp->name))
      continue;
    if (fp->chain)
      return bad_spec(err, "failpoint \"%.*s\" given twice", (int)name.n, name.s);
    found = true;
    struct fp_chain *chain = NULL;
    int ret = parse_chain(chain_text, fp, &chain, err);
    if (ret < 0)
      return ret;
    fp->chain = chain;
  }
  if (!found)
    return bad_spec(err, "unknown failpoint \"%.*s\"", (int)name.n, name.s);
  return 0;
}

static int parse_spec(const char *spec, struct nsrt_err *err)
{
  const char *p = spec;
  while (*p) {
    const char *semi = strchrnul(p, ';');
    struct slice entry = trim(p, (size_t)(semi - p));
    p = *semi ? semi + 1 : semi;
    if (entry.n == 0)
      continue;
    const char *eq = memchr(entry.s, '=', entry.n);
    if (!eq)
      return bad_spec(err, "missing \"=\" in \"%.*s\"", (int)entry.n, entry.s);
    struct slice name = trim(entry.s, (size_t)(eq - entry.s));
    struct slice chain = trim(eq + 1, (size_t)(entry.s + entry.n - (eq + 1)));
    if (name.n == 0)
      return bad_spec(err, "missing failpoint name in \"%.*s\"", (int)entry.n, entry.s);
    if (chain.n == 0)
      return bad_spec(err, "missing actions for failpoint \"%.*s\"", (int)name.n, name.s);
    int ret = arm_points(name, chain, err);
    if (ret < 0)
      return ret;
  }
  return 0;
}

/* ---- configuration ----------------------------------------------------- */

static int open_log(const char *log, struct nsrt_err *err)
{
  if (!log || !*log)
    return 0;
  uint64_t fd;
  if (parse_uint((struct slice){log, strlen(log)}, INT32_MAX, &fd)) {
    if (fcntl((int)fd, F_GETFD) < 0)
      return nsrt_fail_at(err, FP_STAGE, errno, FP_VAR_LOG, "fd %d", (int)fd);
    fp_log = (int)fd;
    fp_log_owned = false;
    return 0;
  }
  int f = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (f < 0)
    return nsrt_fail_at(err, FP_STAGE, errno, FP_VAR_LOG, "open \"%s\"", log);
  fp_log = f;
  fp_log_owned = true;
  return 0;
}

void nsrt_fp_reset(void)
{
  for (struct nsrt_failpoint *const *p = nsrt_fp_begin(); p < nsrt_fp_end(); p++) {
    free((*p)->chain);
    (*p)->chain = NULL;
    (*p)->hits = 0;
  }
  if (fp_log >= 0 && fp_log_owned)
    close(fp_log);
  fp_log = -1;
  fp_log_owned = false;
  fp_seed = 0;
}

int nsrt_fp_configure(const char *spec, uint64_t seed, const char *log, struct nsrt_err *err)
{
  nsrt_fp_reset();
  fp_seed = seed;
  int ret = parse_spec(spec ? spec : "", err);
  if (ret == 0)
    ret = open_log(log, err);
  if (ret < 0)
    nsrt_fp_reset();
  return ret;
}

static int parse_seed(const char *text, uint64_t *out, struct nsrt_err *err)
{
  const char *digits = text;
  int base = 10;
  if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    digits = text + 2;
    base = 16;
  }
  /* strtoull accepts a sign and leading blanks; a seed has neither. */
  if (!isxdigit((unsigned char)digits[0]) || (base == 10 && !isdigit((unsigned char)digits[0])))
    return nsrt_fail_at(err, FP_STAGE, 0, FP_VAR_SEED, "bad seed \"%s\"", text);
  char *end;
  errno = 0;
  unsigned long long v = strtoull(digits, &end, base);
  if (errno || *end)
    return nsrt_fail_at(err, FP_STAGE, 0, FP_VAR_SEED, "bad seed \"%s\"", text);
  *out = v;
  return 0;
}

int nsrt_fp_init_from_env(struct nsrt_err *err)
{
  const char *spec = getenv(FP_VAR_SPEC);
  if (!spec) {
    nsrt_fp_reset();
    return 0;
  }
  uint64_t seed = 0;
  const char *seed_text = getenv(FP_VAR_SEED);
  if (seed_text) {
    int ret = parse_seed(seed_text, &seed, err);
    if (ret < 0) {
      nsrt_fp_reset();
      return ret;
    }
  }
  return nsrt_fp_configure(spec, seed, getenv(FP_VAR_LOG), err);
}

int nsrt_fp_log_fd(void)
{
  return fp_log;
}

/* ---- slow path --------------------------------------------------------- */

/* The pid a harness can find in /proc: inside a new pid namespace getpid()
 * is the namespace's view (1 for the init).  Valid only in the process that
 * set it, since children inherit the variables. */
static pid_t host_pid_value, host_pid_setter;

void nsrt_fp_set_host_pid(pid_t host_pid)
{
  host_pid_value = host_pid;
  host_pid_setter = getpid();
}

static pid_t hit_pid(void)
{
  pid_t self = getpid();
  return host_pid_setter == self && host_pid_value > 0 ? host_pid_value : self;
}

static void write_hit_line(const struct nsrt_failpoint *fp, const struct fp_action *a, uint64_t hit)
{
  if (fp_log < 0)
    return;
  char errno_field[48] = "";
  const char *ename = a->act == FP_ERR ? nsrt_errno_name((int)a->arg) : NULL;
  if (ename)
    snprintf(errno_field, sizeof(errno_field), ",\"errno\":\"%s\"", ename);
  char line[512];
  int n = snprintf(line, sizeof(line),
                   "{\"point\":\"%s\",\"action\":\"%s\",\"arg\":%ld%s,\"hit\":%llu,\"pid\":%d,"
                   "\"stage\":\"%s\"}\n",
                   fp->name, nsrt_fp_act_name(a->act), a->arg, errno_field, (unsigned long long)hit,
                   (int)hit_pid(), nsrt_stage ? nsrt_stage : "");
  if (n < 0 || (size_t)n >= sizeof(line))
    return;
  /* one write, so lines of concurrent stages never interleave */
  ssize_t w = write(fp_log, line, (size_t)n);
  (void)w;
}


/* raise() is not enough: the init of a new pid namespace ignores SIGKILL and
 * SIGSTOP that it sends itself.  A signal queued with si_code SI_KERNEL
 * counts as sent by the kernel and is delivered even there; a process may
 * queue any si_code to itself. */
static void signal_self(int sig)
{
  siginfo_t si;
  memset(&si, 0, sizeof(si));
  si.si_signo = sig;
  si.si_code = SI_KERNEL;
  if (syscall(SYS_rt_sigqueueinfo, getpid(), sig, &si) < 0)
    raise(sig);
}

bool nsrt_fp_fire(struct nsrt_failpoint *fp, struct fp_action *out)
{
  struct fp_chain *chain = fp->chain;
  if (!chain)
    return false;
  uint64_t hit = ++fp->hits;
  if (chain->cur >= chain->nterms)
    return false;
  const struct fp_term *term = &chain->terms[chain->cur];
  if (term->count && --chain->left == 0 && ++chain->cur < chain->nterms)
    chain->left = chain->terms[chain->cur].count;

  if (term->action.act == FP_OFF || !term_fires(term, fp->name, hit))
    return false;

  int saved = errno;
  struct fp_action a = term->action;
  write_hit_line(fp, &a, hit);
  switch (a.act) {
  case FP_EXIT:
    _exit((int)a.arg);
  case FP_KILL:
    signal_self(SIGKILL);
    /* still here: the signal was refused (a seccomp filter, say) */
    _exit(128 + SIGKILL);
  case FP_SLEEP:
    sleep_ms(a.arg);
    break;
  case FP_PAUSE:
    signal_self(SIGSTOP);
    break;
  default:
    *out = a;
    errno = saved;
    return true;
  }
  errno = saved;
  return false;
}

bool nsrt_fp_inject(struct nsrt_failpoint *fp)
{
  struct fp_action a;
  if (!nsrt_fp_fire(fp, &a) || a.act != FP_ERR)
    return false;
  errno = (int)a.arg;
  return true;
}
