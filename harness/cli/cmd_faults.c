/* nsconform faults [--runtime PATH] [--only TEXT] [--no-stages] [--points GLOB,...]
 *                  [--actions LIST] [--timeout MS] [--sync-timeout MS] [--bugs LIST]
 *                  [--jobs N] [--keep] [--out DIR] [--isolate] [--rootfs DIR]
 *
 * A runtime that lists its failpoints (`<runtime> failpoints --json`: nsrt)
 * gets the white-box sweep: base specs run once with every point armed
 * sleep(0) to learn which points each reaches, then one case per reached
 * point and applicable action, then the stage cases.  Other runtimes get the
 * black-box sweep (blackbox.h): base specs recorded under the seccomp
 * supervisor, then one case per command, target, N and action; there
 * --points takes the supervisor's targets.  Results, TAP, JUnit and HTML
 * go to --out (default reports/faults), with a repro file per failing case,
 * and the table point x action is printed.
 */
#include "cmd_faults.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "error.h"
#include "faults.h"
#include "report.h"
#include "repro.h"
#include "results.h"
#include "runtime.h"
#if __has_include("../src/stages.h")
#include "../src/stages.h" /* not runtime-core's stages.h */
#define HAVE_STAGES 1
#endif
#if __has_include("blackbox.h")
#include "blackbox.h"
#define HAVE_BLACKBOX 1
#endif

#define EXIT_MUST_FAILED 1
#define EXIT_HARNESS     2

struct faults_opts {
  const char *tree;
  const char *runtime, *only, *points, *actions, *out, *rootfs, *bugs;
  const char *runtime_args[32];
  size_t n_runtime_args;
  int timeout_ms, sync_timeout_ms;
  unsigned jobs; /* worker processes of the sweep */
  bool no_stages, keep, isolate;
};

static int usage(FILE *f)
{
  fprintf(f, "usage: nsconform faults [--runtime PATH] [--runtime-arg ARG]... [--isolate]\n"
             "                        [--only TEXT] [--no-stages] [--points GLOB,...]\n"
             "                        [--actions LIST] [--timeout MS] [--sync-timeout MS]\n"
             "                        [--bugs LIST] [--jobs N] [--keep] [--out DIR]\n"
             "                        [--rootfs DIR]\n");
  return f == stderr ? EXIT_HARNESS : 0;
}

static bool parse_ms(const char *s, int lo, int hi, int *out)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return false;
  *out = (int)v;
  return true;
}

static int parse(int argc, char **argv, struct faults_opts *o)
{
  static const struct option longopts[] = {
      {"runtime", required_argument, 0, 'r'}, {"runtime-arg", required_argument, 0, 'a'},
      {"only", required_argument, 0, 'O'},    {"no-stages", no_argument, 0, 'S'},
      {"points", required_argument, 0, 'p'},  {"actions", required_argument, 0, 'A'},
      {"timeout", required_argument, 0, 't'}, {"sync-timeout", required_argument, 0, 'T'},
      {"bugs", required_argument, 0, 'b'},    {"keep", no_argument, 0, 'k'},
      {"out", required_argument, 0, 'o'},     {"isolate", no_argument, 0, 'i'},
      {"rootfs", required_argument, 0, 'R'},  {"jobs", required_argument, 0, 'j'},
      {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
    switch (ch) {
    case 'r':
      o->runtime = optarg;
      break;
    case 'a':
      if (o->n_runtime_args + 1 >= 32)
        return fprintf(stderr, "nsconform faults: too many --runtime-arg\n"), -1;
      o->runtime_args[o->n_runtime_args++] = optarg;
      break;
    case 'O':
      o->only = optarg;
      break;
    case 'S':
      o->no_stages = true;
      break;
    case 'p':
      o->points = optarg;
      break;
    case 'A':
      o->actions = optarg;
      break;
    case 't':
      if (!parse_ms(optarg, 100, 600000, &o->timeout_ms))
        return fprintf(stderr, "nsconform faults: --timeout: %s is not 100..600000 ms\n", optarg),
               -1;
      break;
    case 'T':
      if (!parse_ms(optarg, 10, 60000, &o->sync_timeout_ms))
        return fprintf(stderr, "nsconform faults: --sync-timeout: %s is not 10..60000 ms\n",
                       optarg),
               -1;
      break;
    case 'b':
      o->bugs = optarg;
      break;
    case 'k':
      o->keep = true;
      break;
    case 'o':
      o->out = optarg;
      break;
    case 'i':
      o->isolate = true;
      break;
    case 'R':
      o->rootfs = optarg;
      break;
    case 'j': {
      int j;
      if (!parse_ms(optarg, 1, 16, &j))
        return fprintf(stderr, "nsconform faults: --jobs: %s is not 1..16\n", optarg), -1;
      o->jobs = (unsigned)j;
      break;
    }
    case 'h':
      return usage(stdout), 1;
    default:
      return usage(stderr), -1;
    }
  }
  if (optind < argc)
    return fprintf(stderr, "nsconform faults: unexpected argument %s\n", argv[optind]), -1;
  return 0;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *cgroup_mode(void)
{
  if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
    return "v2";
  if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
    return "hybrid";
  return "v1";
}

static bool fails_must(const struct nsc_result *r)
{
  for (size_t i = 0; i < r->verdicts.n; i++) {
    const struct nsc_verdict *v = &r->verdicts.v[i];
    if (v->verdict == NSC_FAIL && (!v->level || strncmp(v->level, "MUST", 4) == 0))
      return true;
  }
  return r->leaks != NULL;
}

static void progress(size_t done, size_t total, size_t failing, double started)
{
  if (!isatty(STDERR_FILENO))
    return;
  double el = now_s() - started;
  double eta = done ? el / done * (total - done) : 0;
  fprintf(stderr, "\r\033[K%zu/%zu cases, %zu failing, %.0fs elapsed, ETA %.0fs", done, total,
          failing, el, eta);
  if (done == total)
    fputc('\n', stderr);
}

/* The cases of a run, owned, and their results. */
struct sweep {
  struct nsc_case *cases;
  struct nsc_result *results;
  size_t n, cap;
};

static int sweep_add(struct sweep *s, struct nsc_case *c, size_t n)
{
  if (s->n + n > s->cap) {
    size_t cap = (s->n + n) * 2;
    struct nsc_case *cv = realloc(s->cases, cap * sizeof(*cv));
    if (!cv)
      return -1;
    s->cases = cv;
    struct nsc_result *rv = realloc(s->results, cap * sizeof(*rv));
    if (!rv)
      return -1;
    s->results = rv;
    memset(s->results + s->n, 0, (cap - s->n) * sizeof(*rv));
    s->cap = cap;
  }
  memcpy(s->cases + s->n, c, n * sizeof(*c));
  s->n += n;
  return 0;
}

struct runner {
  struct nsc_driver *d;
  struct nsc_runtime *rt;
  const json_t *catalog;
  const char *repro_dir;
  size_t failing, done, total;
  double t0;
  bool quiet; /* no progress line (a worker of a parallel run) */
};

/* `nsconform faults` selecting one case: its point and action (which
 * makes only that point's cases), its id; "-" matches no point, for the
 * base and stage cases. */
static char *rerun_command(const struct nsc_runtime *rt, const struct nsc_case *c)
{
  json_t *steps = json_object_get(c->fault, "steps");
  json_t *last = json_array_get(steps, json_array_size(steps) ? json_array_size(steps) - 1 : 0);
  const char *point = json_string_value(json_object_get(last, "point"));
  const char *target = json_string_value(json_object_get(last, "target"));
  const char *action = json_string_value(json_object_get(last, "action"));
  bool discover = json_is_true(json_object_get(c->fault, "discover")) || c->kind == NSC_CASE_STAGE;
  const char *sel = discover ? "-" : point ? point : target;
  char bugs[256] = "";
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(c->fault, "bugs"), i, b)
  {
    size_t len = strlen(bugs);
    snprintf(bugs + len, sizeof(bugs) - len, "%s%s", i ? "," : " --bugs ",
             json_string_value(b) ?: "");
  }
  char *cmd = NULL;
  if (asprintf(&cmd, "nsconform faults --runtime %s%s --points %s%s%s%s%s --only %s", rt->path,
               rt->isolate ? " --isolate" : "", sel ? sel : "-",
               action && !discover ? " --actions " : "", action && !discover ? action : "",
               c->kind == NSC_CASE_STAGE ? "" : " --no-stages", bugs, c->id) < 0)
    return NULL;
  return cmd;
}

/* Run case i of s; a failing one leaves its repro file. */
static int run_one(struct runner *run, struct sweep *s, size_t i, struct nsrt_err *err)
{
  if (nsc_driver_run(run->d, &s->cases[i], &s->results[i], err) < 0)
    return -1;
  nsc_results_fill_levels(&s->results[i], 1, run->catalog, err);
  if (fails_must(&s->results[i]))
    run->failing++;
  /* The driver's repro command is `nsconform run`'s, which has no fault
   * cases: this one runs the same case again (a failing one gets its repro
   * file below instead). */
  free(s->results[i].repro);
  s->results[i].repro = rerun_command(run->rt, &s->cases[i]);
  if (nsc_repro_wanted(&s->results[i])) {
    struct nsrt_err rerr;
    if (nsc_repro_save(run->repro_dir, &s->cases[i], &s->results[i], run->rt, NULL, &rerr) < 0)
      nsrt_err_print(&rerr, stderr);
    else {
      char path[PATH_MAX + 80];
      nsc_repro_path(run->repro_dir, s->cases[i].id, path, sizeof(path));
      free(s->results[i].repro);
      if (asprintf(&s->results[i].repro, "nsconform repro %s", path) < 0)
        s->results[i].repro = NULL;
    }
  }
  if (!run->quiet)
    progress(++run->done, run->total, run->failing, run->t0);
  return 0;
}

static bool selected(const struct faults_opts *o, const struct nsc_case *c)
{
  return !o->only || strstr(c->id, o->only) || (c->title && strstr(c->title, o->only));
}

static void fill_info(struct nsc_run_info *info, const struct faults_opts *o,
                      const struct nsc_runtime *rt, const json_t *catalog, bool cap_sys_resource,
                      time_t started, unsigned shard, unsigned shards)
{
  static struct utsname u;
  static const char *missing[] = {"CAP_SYS_RESOURCE", NULL};
  uname(&u);
  *info = (struct nsc_run_info){
      .runtime_name = rt->name,
      .runtime_path = rt->path,
      .runtime_version = rt->version,
      .runtime_args = (const char *const *)rt->global_args,
      .isolation = o->isolate,
      .kernel = u.release,
      .cgroup = cgroup_mode(),
      .caps_missing = cap_sys_resource ? NULL : missing,
      .seed = 0,
      .shard_index = shard,
      .shard_count = shards,
      .started = started,
      .finished = time(NULL),
      .catalog_version = json_string_value(json_object_get(catalog, "spec_version")),
  };
}

/* A worker of a parallel sweep: its own state root, driver (so its own
 * cgroup base, subreaper and leak scope) and every jobs-th case from first;
 * worker 0 also carries the base cases.  Writes its shard of the results
 * and exits. */
static void worker(const struct faults_opts *o, struct nsc_runtime *rt, const json_t *catalog,
                   struct sweep *s, size_t n_bases, size_t first, unsigned k, unsigned jobs,
                   const char *work, const char *rootfs, const char *repro_dir, time_t started)
{
  struct nsrt_err err;
  snprintf(rt->root, sizeof(rt->root), "%s/s%u", work, k);
  if (mkdir(rt->root, 0700) < 0 && errno != EEXIST)
    _exit(EXIT_HARNESS);
  struct nsc_driver d;
  if (nsc_driver_init(&d, rt, rootfs, work, &err) < 0) {
    nsrt_err_print(&err, stderr);
    _exit(EXIT_HARNESS);
  }
  struct runner run = {
      .d = &d, .rt = rt, .catalog = catalog, .repro_dir = repro_dir, .quiet = true};
  struct nsc_result *mine = calloc(s->n, sizeof(*mine));
  size_t n = 0;
  int status = 0;
  if (k == 0)
    for (size_t i = 0; i < n_bases; i++)
      mine[n++] = s->results[i];
  for (size_t i = first + k; i < s->n && mine; i += jobs) {
    if (run_one(&run, s, i, &err) < 0) {
      nsrt_err_print(&err, stderr);
      status = EXIT_HARNESS;
      break;
    }
    mine[n++] = s->results[i];
  }
  nsc_driver_fini(&d);
  struct nsc_run_info info;
  fill_info(&info, o, rt, catalog, d.cap_sys_resource, started, k + 1, jobs);
  char path[PATH_MAX + 32];
  snprintf(path, sizeof(path), "%s/shard%u.json", work, k);
  if (!mine || nsc_results_write(path, &info, mine, n, &err) < 0) {
    if (mine)
      nsrt_err_print(&err, stderr);
    status = EXIT_HARNESS;
  }
  fflush(NULL);
  _exit(status);
}

/* Run cases first.. of s in jobs worker processes and merge their shards
 * into *doc. */
static int run_parallel(const struct faults_opts *o, struct nsc_runtime *rt, const json_t *catalog,
                        struct sweep *s, size_t n_bases, size_t first, const char *work,
                        const char *rootfs, const char *repro_dir, time_t started, json_t **doc)
{
  unsigned jobs = o->jobs;
  pid_t pids[16];
  fflush(NULL);
  for (unsigned k = 0; k < jobs; k++) {
    pids[k] = fork();
    if (pids[k] < 0) {
      perror("nsconform faults: fork");
      jobs = k;
      break;
    }
    if (pids[k] == 0)
      worker(o, rt, catalog, s, n_bases, first, k, jobs, work, rootfs, repro_dir, started);
  }
  int status = jobs == o->jobs ? 0 : EXIT_HARNESS;
  for (unsigned k = 0; k < jobs; k++) {
    int ws;
    while (waitpid(pids[k], &ws, 0) < 0 && errno == EINTR)
      ;
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
      status = EXIT_HARNESS;
  }
  if (status != 0)
    return status;
  json_t *shards[16] = {0};
  struct nsrt_err err;
  for (unsigned k = 0; k < jobs && status == 0; k++) {
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/shard%u.json", work, k);
    if (nsc_results_load(path, &shards[k], &err) < 0) {
      nsrt_err_print(&err, stderr);
      status = EXIT_HARNESS;
    }
  }
  if (status == 0 && nsc_results_merge(shards, jobs, doc, &err) < 0) {
    nsrt_err_print(&err, stderr);
    status = EXIT_HARNESS;
  }
  for (unsigned k = 0; k < jobs; k++)
    json_decref(shards[k]);
  return status;
}

/* The sweep: white box when points (the runtime's failpoints) is given,
 * else black box through the seccomp supervisor. */
static int sweep_run(const struct faults_opts *o, const json_t *points, struct nsc_runtime *rt,
                     const json_t *catalog)
{
  struct nsrt_err err;
  char path[PATH_MAX + 64], out[PATH_MAX], rootfs[PATH_MAX], work[PATH_MAX], state[PATH_MAX + 8];
  snprintf(out, sizeof(out), "%s", o->out ? o->out : "reports/faults");
  if (o->rootfs)
    snprintf(rootfs, sizeof(rootfs), "%s", o->rootfs);
  else
    snprintf(rootfs, sizeof(rootfs), "%s/build/rootfs", o->tree);
  snprintf(path, sizeof(path), "%s/nsprobe", rootfs);
  if (access(path, X_OK) < 0)
    return fprintf(stderr, "nsconform faults: %s is missing: build it with `make rootfs`\n", path),
           EXIT_HARNESS;
  /* short: the start socket's path (state root + id) must fit sun_path */
  snprintf(work, sizeof(work), "/tmp/nscf.%d", getpid());
  snprintf(state, sizeof(state), "%s/s", work);
  mkdir(work, 0700);

  struct sweep s = {0};
  struct nsc_driver d;
  int status = 0;
  bool driver_up = false;
  time_t started = time(NULL);
  char repro_dir[PATH_MAX + 16];
  snprintf(repro_dir, sizeof(repro_dir), "%s/repro", out);
  mkdir(out, 0755);
  char rt_path[PATH_MAX];
  snprintf(rt_path, sizeof(rt_path), "%s", rt->path); /* nsc_runtime_open clears *rt */
  json_t *doc = NULL;
  if (nsc_repro_clean(repro_dir, &err) < 0 ||
      nsc_runtime_open(rt, rt_path, state, o->isolate, o->timeout_ms, &err) < 0 ||
      nsc_driver_init(&d, rt, rootfs, work, &err) < 0) {
    nsrt_err_print(&err, stderr);
    status = EXIT_HARNESS;
    goto out;
  }
  driver_up = true;
  struct runner run = {.d = &d, .rt = rt, .catalog = catalog, .repro_dir = repro_dir};
  run.t0 = now_s();

  /* 1. the base specs, every point armed sleep(0): which points each reaches */
  struct nsc_case *bases = NULL;
  size_t n_bases = 0;
  int got = -1;
  if (points)
    got = nsc_fault_base_cases(points, &bases, &n_bases, &err);
#ifdef HAVE_BLACKBOX
  else
    got = nsc_blackbox_base_cases(&bases, &n_bases, &err);
#endif
  if (got < 0 || sweep_add(&s, bases, n_bases) < 0) {
    nsrt_err_print(&err, stderr);
    free(bases);
    status = EXIT_HARNESS;
    goto out;
  }
  free(bases);
  run.total = n_bases;
  for (size_t i = 0; i < n_bases; i++)
    if (run_one(&run, &s, i, &err) < 0) {
      nsrt_err_print(&err, stderr);
      status = EXIT_HARNESS;
      goto out;
    }

  /* 2. each reached point x each action that applies */
  struct nsc_sweep_opts so = {.points_glob = o->points,
                              .actions = o->actions,
                              .sync_timeout_ms = o->sync_timeout_ms,
                              .bugs = o->bugs};
  struct nsc_case *cases = NULL;
  size_t n_cases = 0;
  if (points)
    got = nsc_fault_sweep_cases(points, s.cases, s.results, n_bases, &so, &cases, &n_cases, &err);
#ifdef HAVE_BLACKBOX
  else {
    /* --points names targets here, --actions the supervisor's actions */
    struct nsc_blackbox_opts bo = {.targets = o->points, .actions = o->actions};
    got = nsc_blackbox_sweep_cases(s.cases, s.results, n_bases, &bo, &cases, &n_cases, &err);
  }
#endif
  if (got < 0) {
    nsrt_err_print(&err, stderr);
    status = EXIT_HARNESS;
    goto out;
  }
  size_t first = s.n;
  for (size_t i = 0; i < n_cases; i++) {
    if (!selected(o, &cases[i]) || sweep_add(&s, &cases[i], 1) < 0)
      nsc_case_free(&cases[i]);
  }
  free(cases);
#ifdef HAVE_STAGES
  /* 3. the stage cases (pause at each stage boundary) */
  if (!o->no_stages && points) {
    struct nsc_case *stages = NULL;
    size_t n_stages = nsc_stage_cases(&stages);
    for (size_t i = 0; i < n_stages; i++) {
      if (!selected(o, &stages[i]) || sweep_add(&s, &stages[i], 1) < 0)
        nsc_case_free(&stages[i]);
    }
    free(stages);
  }
#endif
  unsigned jobs = o->jobs;
  if (jobs > s.n - first)
    jobs = s.n - first > 0 ? (unsigned)(s.n - first) : 1;
  fprintf(stderr,
          "nsconform faults: %s %s%s: %s; %zu base specs; running %zu cases in %u process%s\n",
          rt->name, rt->version, o->isolate ? " (isolated)" : "",
          points ? "white box (failpoints)" : "black box (seccomp supervisor)", n_bases,
          s.n - first, jobs, jobs == 1 ? "" : "es");
  if (jobs > 1) {
    nsc_driver_fini(&d);
    driver_up = false;
    struct faults_opts po = *o;
    po.jobs = jobs;
    status =
        run_parallel(&po, rt, catalog, &s, n_bases, first, work, rootfs, repro_dir, started, &doc);
    if (status != 0)
      goto out;
    snprintf(path, sizeof(path), "%s/results.json", out);
    if (nsc_results_save(path, doc, &err) < 0) {
      nsrt_err_print(&err, stderr);
      status = EXIT_HARNESS;
      goto out;
    }
  } else {
    run.total = s.n;
    for (size_t i = first; i < s.n; i++)
      if (run_one(&run, &s, i, &err) < 0) {
        nsrt_err_print(&err, stderr);
        status = EXIT_HARNESS;
        s.n = i + 1;
        break;
      }
    nsc_driver_fini(&d);
    driver_up = false;
    struct nsc_run_info info;
    fill_info(&info, o, rt, catalog, d.cap_sys_resource, started, 1, 1);
    snprintf(path, sizeof(path), "%s/results.json", out);
    if (nsc_results_write(path, &info, s.results, s.n, &err) < 0 ||
        nsc_results_load(path, &doc, &err) < 0) {
      nsrt_err_print(&err, stderr);
      status = EXIT_HARNESS;
      goto out;
    }
  }
  double elapsed = now_s() - run.t0;

  if (nsc_report_write_all(out, doc, catalog, &err) < 0) {
    nsrt_err_print(&err, stderr);
    status = EXIT_HARNESS;
  } else {
    size_t cells = nsc_fault_table(stdout, doc);
    struct nsc_summary sum;
    nsc_results_summary(doc, &sum);
    printf("nsconform faults: %zu cases (%zu table cells failed): %zu verdicts passed, %zu "
           "failed, %zu skipped; %zu MUST failures\n",
           sum.cases, cells, sum.pass, sum.fail, sum.skip, sum.must_fail);
    printf("nsconform faults: %zu cases in %.1f s, %.1f cases/s; reports in %s/\n", sum.cases,
           elapsed, elapsed > 0 ? sum.cases / elapsed : 0.0, out);
    if (status == 0 && sum.must_fail > 0)
      status = EXIT_MUST_FAILED;
  }
out:
  json_decref(doc);
  if (driver_up)
    nsc_driver_fini(&d);
  for (size_t i = 0; i < s.n; i++) {
    nsc_case_free(&s.cases[i]);
    nsc_result_free(&s.results[i]);
  }
  free(s.cases);
  free(s.results);
  if (!o->keep) {
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
    if (system(cmd) != 0)
      fprintf(stderr, "nsconform faults: could not remove %s\n", work);
  } else {
    fprintf(stderr, "nsconform faults: bundles kept in %s\n", work);
  }
  return status;
}

int nsc_cmd_faults(int argc, char **argv, const char *tree)
{
  struct faults_opts o = {.tree = tree, .timeout_ms = 5000, .sync_timeout_ms = 200, .jobs = 4};
  int r = parse(argc, argv, &o);
  if (r != 0)
    return r > 0 ? 0 : EXIT_HARNESS;
  char runtime[PATH_MAX + 32];
  if (o.runtime)
    snprintf(runtime, sizeof(runtime), "%s", o.runtime);
  else
    snprintf(runtime, sizeof(runtime), "%s/build/bin/nsrt", tree);

  struct nsrt_err err;
  char path[PATH_MAX + 64];
  snprintf(path, sizeof(path), "%s/specs/requirements.json", tree);
  json_error_t jerr;
  json_t *catalog = json_load_file(path, 0, &jerr);
  if (!catalog)
    return fprintf(stderr, "nsconform faults: %s: %s\n", path, jerr.text), EXIT_HARNESS;

  struct nsc_runtime rt = {0};
  char *gargs[33] = {0};
  for (size_t i = 0; i < o.n_runtime_args; i++)
    gargs[i] = (char *)o.runtime_args[i];
  /* resolve the path (a name is looked up in PATH) with a throwaway root */
  char probe_root[64];
  snprintf(probe_root, sizeof(probe_root), "/tmp/nscf.%d.probe", getpid());
  int status;
  if (nsc_runtime_open(&rt, runtime, probe_root, false, o.timeout_ms, &err) < 0) {
    rmdir(probe_root);
    nsrt_err_print(&err, stderr);
    json_decref(catalog);
    return EXIT_HARNESS;
  }
  rmdir(probe_root);
  rt.global_args = o.n_runtime_args ? gargs : NULL;

  json_t *points = NULL;
  if (nsc_fault_list_points(rt.path, &points, &err) == 0) {
    status = sweep_run(&o, points, &rt, catalog);
  } else {
#ifdef HAVE_BLACKBOX
    if (!nsc_blackbox_inject()) {
      fprintf(stderr,
              "nsconform faults: %s has no failpoints, and nsc-inject (the black-box "
              "supervisor) is not found: build it with `make`\n",
              rt.path);
      status = EXIT_HARNESS;
    } else {
      status = sweep_run(&o, NULL, &rt, catalog);
    }
#else
    fprintf(stderr,
            "nsconform faults: %s has no failpoints (`failpoints --json`), and this build has "
            "no black-box injection for it\n",
            rt.path);
    status = EXIT_HARNESS;
#endif
  }
  json_decref(points);
  json_decref(catalog);
  return status;
}
