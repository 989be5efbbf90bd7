/* nsconform overhead --runtime PATH --bundle DIR [--runs N] [--isolate]
 *                    [--timeout MS]
 *
 * What the black-box supervisor costs a runtime that is not faulted,
 * measured through the harness's own spawn path (what `nsconform faults`
 * does per command): `create`, `start` and `delete --force` of the bundle,
 * round robin in three ways so drift hits all alike: bare; every command
 * with the filter of a recording run (every target trapped and counted: the
 * most notifications an unfaulted run can cost); and with a one-step plan
 * that never fires (clone3@1000: a sweep case's command its fault does not
 * reach).  One untimed warm-up round first, which also starts the
 * supervisor (once per harness process).  Prints the medians and the ratios
 * to bare; scripts/bench.sh runs it. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../src/runtime.h" /* not runtime-core's runtime.h */
#include "blackbox.h"
#include "cmd_overhead.h"
#include "error.h"
#include "leaks.h"

#define EXIT_HARNESS 2

enum mode { BARE, RECORD, PLAN, N_MODES };
static const char *const mode_names[N_MODES] = {"bare", "every target counted", "one-step plan"};

struct opts {
  const char *runtime, *bundle;
  int runs, timeout_ms;
  bool isolate;
};

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int usage(FILE *f)
{
  fprintf(f, "usage: nsconform overhead --runtime PATH --bundle DIR [--runs N] [--isolate]\n"
             "                          [--timeout MS]\n");
  return f == stderr ? EXIT_HARNESS : 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
  static const struct option longopts[] = {{"runtime", required_argument, 0, 'r'},
                                           {"bundle", required_argument, 0, 'b'},
                                           {"runs", required_argument, 0, 'n'},
                                           {"isolate", no_argument, 0, 'i'},
                                           {"timeout", required_argument, 0, 't'},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
    char *end;
    long v;
    switch (ch) {
    case 'r':
      o->runtime = optarg;
      break;
    case 'b':
      o->bundle = optarg;
      break;
    case 'n':
    case 't':
      errno = 0;
      v = strtol(optarg, &end, 10);
      if (errno || end == optarg || *end || v < 1 || v > (ch == 'n' ? 10000 : 600000))
        return fprintf(stderr, "nsconform overhead: --%s: %s is not 1..%d\n",
                       ch == 'n' ? "runs" : "timeout", optarg, ch == 'n' ? 10000 : 600000),
               -1;
      if (ch == 'n')
        o->runs = (int)v;
      else
        o->timeout_ms = (int)v;
      break;
    case 'i':
      o->isolate = true;
      break;
    case 'h':
      usage(stdout);
      return 1;
    default:
      return usage(stderr), -1;
    }
  }
  if (optind < argc || !o->runtime || !o->bundle)
    return usage(stderr), -1;
  return 0;
}

/* One create/start/delete --force cycle; its wall time in *ms.  -1 (and a
 * message) when a command failed. */
static int cycle(const struct nsc_runtime *rt, const struct nsc_bb_plan *plan, const char *bundle,
                 const char *id, const char *logdir, double *ms)
{
  const char *create[] = {"create", "--bundle", bundle, id, NULL};
  const char *start[] = {"start", id, NULL};
  const char *del[] = {"delete", "--force", id, NULL};
  const char *const *cmds[] = {create, start, del};
  struct nsc_exec_opts o = {.stdout_fd = -1};
  double t0 = now_ms();
  int failed = -1;
  for (size_t i = 0; i < 3 && failed < 0; i++) {
    struct nsc_exec r;
    struct nsrt_err err;
    char log[PATH_MAX];
    snprintf(log, sizeof(log), "%s/%s-%s.jsonl", logdir, id, cmds[i][0]);
    if (plan) {
      if (nsc_bb_exec(plan, rt, "", &o, log, &r, cmds[i], &err) < 0) {
        nsrt_err_print(&err, stderr);
        return -1;
      }
    } else {
      nsc_runtime_exec(rt, &o, &r, cmds[i]);
    }
    if (r.status != 0) {
      char line[512] = "";
      sscanf(r.err ? r.err : "", "%511[^\n]", line);
      fprintf(stderr, "nsconform overhead: %s of %s exited %d%s: %s\n", cmds[i][0], id, r.status,
              r.timed_out ? " (timed out)" : "", line);
      failed = (int)i;
    }
    nsc_exec_free(&r);
  }
  *ms = now_ms() - t0;
  /* The container's processes were reparented to us (a subreaper, as the
   * driver is); untimed. */
  nsc_reap_zombies();
  if (failed >= 0) {
    struct nsc_exec r;
    nsc_runtime_exec(rt, &o, &r, del);
    nsc_exec_free(&r);
    return -1;
  }
  return 0;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof(*v), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int nsc_cmd_overhead(int argc, char **argv)
{
  struct opts o = {.runs = 30, .timeout_ms = 30000};
  int r = parse(argc, argv, &o);
  if (r != 0)
    return r > 0 ? 0 : EXIT_HARNESS;
  char bundle[PATH_MAX];
  if (!realpath(o.bundle, bundle)) {
    fprintf(stderr, "nsconform overhead: --bundle %s: %s\n", o.bundle, strerror(errno));
    return EXIT_HARNESS;
  }
  const char *tmp = getenv("TMPDIR");
  char dir[PATH_MAX], state[PATH_MAX + 8], logs[PATH_MAX + 8];
  snprintf(dir, sizeof(dir), "%s/nsc-overhead.XXXXXX",
           tmp && *tmp ? tmp : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"));
  if (!mkdtemp(dir)) {
    fprintf(stderr, "nsconform overhead: mkdtemp %s: %s\n", dir, strerror(errno));
    return EXIT_HARNESS;
  }
  snprintf(state, sizeof(state), "%s/state", dir);
  snprintf(logs, sizeof(logs), "%s/logs", dir);
  struct nsc_runtime rt;
  struct nsrt_err err;
  int status = 0;
  struct nsc_bb_plan *plans[N_MODES] = {NULL};
  double *t[N_MODES] = {NULL};
  const char *never[] = {"clone3@1000=errno(EAGAIN)"};
  if (mkdir(logs, 0700) < 0 ||
      nsc_runtime_open(&rt, o.runtime, state, o.isolate, o.timeout_ms, &err) < 0 ||
      !(plans[RECORD] = nsc_bb_plan_new(NULL, 0, o.timeout_ms * 2L, &err)) ||
      !(plans[PLAN] = nsc_bb_plan_new(never, 1, o.timeout_ms * 2L, &err))) {
    if (errno && !err.text[0])
      fprintf(stderr, "nsconform overhead: %s: %s\n", logs, strerror(errno));
    else
      nsrt_err_print(&err, stderr);
    status = EXIT_HARNESS;
    goto out;
  }
  for (int m = 0; m < N_MODES; m++)
    if (!(t[m] = calloc((size_t)o.runs, sizeof(double)))) {
      status = EXIT_HARNESS;
      goto out;
    }
  /* Orphans of the runtime come to us, not to whoever started us. */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  double sup_start = 0;
  for (int round = -1; round < o.runs && status == 0; round++) {
    for (int m = 0; m < N_MODES && status == 0; m++) {
      char id[64];
      snprintf(id, sizeof(id), "ovh%d-%d-%d", (int)getpid(), m, round + 1);
      double ms;
      if (cycle(&rt, plans[m], bundle, id, logs, &ms) < 0)
        status = EXIT_HARNESS;
      else if (round >= 0)
        t[m][round] = ms;
      else if (m == RECORD)
        sup_start = ms; /* includes forking the supervisor */
    }
  }
  if (status == 0) {
    double med[N_MODES];
    for (int m = 0; m < N_MODES; m++)
      med[m] = median(t[m], o.runs);
    printf("overhead: %s create/start/delete --force, %d runs each, medians: %s %.2f ms, %s "
           "%.2f ms, %s %.2f ms\n",
           rt.name, o.runs, mode_names[BARE], med[BARE], mode_names[RECORD], med[RECORD],
           mode_names[PLAN], med[PLAN]);
    printf("overhead: supervised/bare, every target counted %.3f (%+.1f%%), one-step plan %.3f "
           "(%+.1f%%); goal <= 10%%\n",
           med[RECORD] / med[BARE], (med[RECORD] / med[BARE] - 1) * 100, med[PLAN] / med[BARE],
           (med[PLAN] / med[BARE] - 1) * 100);
    printf("overhead: the warm-up's supervised cycle, with the supervisor's start (once per "
           "harness process): %.2f ms\n",
           sup_start);
  }
out:
  nsc_bb_sup_stop(5000);
  for (int m = 0; m < N_MODES; m++) {
    nsc_bb_plan_free(plans[m]);
    free(t[m]);
  }
  char cmd[3 * PATH_MAX];
  snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "nsconform overhead: could not remove %s\n", dir);
  return status;
}
