/* nsconform: generate OCI specs, run them through a runtime, judge, report.
 *
 *   nsconform gen    [--profile F] [--seed N] [--count M] --out DIR
 *   nsconform run    [--runtime PATH] [--runtime-arg ARG]... [--isolate]
 *                    [--profile F] [--seed N] [--count M] [--shard K/N]
 *                    [--out DIR] [--rootfs DIR] [--timeout MS] [--only TEXT] [--keep]
 *   nsconform report [--merge] --out DIR RESULTS.json...
 *   nsconform faults [--runtime PATH] [--points GLOB] [--actions LIST] ... (cmd_faults.c)
 *   nsconform repro  FILE [--runtime PATH] [--isolate] [--keep] [--trace FILE] ...
 *   nsconform shrink FILE [--out MIN.json] [--requirement ID] [--max-replays N] ...
 *   nsconform overhead --runtime PATH --bundle DIR [--runs N] ... (cmd_overhead.c)
 *
 * Exit status: 0 when no MUST fails, 1 when one does, 2 on a harness error.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cmd_faults.h"
#include "cmd_overhead.h"
#include "driver.h"
#include "error.h"
#include "gen.h"
#include "lifecycle_cases.h"
#include "report.h"
#include "repro.h"
#include "results.h"
#include "runtime.h"

#define NSCONFORM_VERSION "0.1.0"
#define EXIT_MUST_FAILED  1
#define EXIT_HARNESS      2

static int usage(FILE *f)
{
  fprintf(f, "usage: nsconform gen    [--profile F] [--seed N] [--count M] --out DIR\n"
             "       nsconform run    [--runtime PATH] [--runtime-arg ARG]... [--isolate]\n"
             "                        [--profile F] [--seed N] [--count M] [--shard K/N]\n"
             "                        [--out DIR] [--rootfs DIR] [--timeout MS] [--only TEXT]\n"
             "                        [--keep]\n"
             "       nsconform report [--merge] --out DIR RESULTS.json...\n"
             "       nsconform faults [--runtime PATH] [--points GLOB] [--actions LIST] ...\n"
             "       nsconform repro  FILE [--runtime PATH] [--isolate] [--keep] [--trace FILE]\n"
             "                        [--rootfs DIR] [--timeout MS]\n"
             "       nsconform shrink FILE [--out MIN.json] [--requirement ID] [--max-replays N]\n"
             "                        [--runtime PATH] [--isolate] [--rootfs DIR] [--timeout MS]\n"
             "       nsconform overhead --runtime PATH --bundle DIR [--runs N] [--isolate]\n"
             "                        [--timeout MS]\n"
             "       nsconform --version\n");
  return f == stderr ? EXIT_HARNESS : 0;
}

static int fail(const struct nsrt_err *err)
{
  nsrt_err_print(err, stderr);
  return EXIT_HARNESS;
}

/* The source tree: the nearest ancestor of the executable's directory that
 * holds specs/requirements.json (build/bin/nsconform -> the repo), else cwd. */
static void find_tree(char *out, size_t len)
{
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    exe[n] = '\0';
    for (int up = 0; up < 5; up++) {
      char *slash = strrchr(exe, '/');
      if (!slash)
        break;
      *slash = '\0';
      char probe[PATH_MAX + 32];
      snprintf(probe, sizeof(probe), "%s/specs/requirements.json", exe);
      if (access(probe, R_OK) == 0) {
        snprintf(out, len, "%s", exe);
        return;
      }
    }
  }
  if (!getcwd(out, len))
    snprintf(out, len, ".");
}

static bool parse_u64(const char *s, uint64_t *out)
{
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || end == s || *end || s[0] == '-')
    return false;
  *out = v;
  return true;
}

struct options {
  char tree[PATH_MAX];
  const char *profile, *out, *runtime, *rootfs, *only;
  const char *runtime_args[32];
  size_t n_runtime_args;
  uint64_t seed, count, timeout_ms;
  unsigned shard_k, shard_n;
  bool isolate, keep, merge;
};

static int parse_options(int argc, char **argv, struct options *o)
{
  static const struct option longopts[] = {{"profile", required_argument, 0, 'p'},
                                           {"seed", required_argument, 0, 's'},
                                           {"count", required_argument, 0, 'c'},
                                           {"out", required_argument, 0, 'o'},
                                           {"runtime", required_argument, 0, 'r'},
                                           {"runtime-arg", required_argument, 0, 'a'},
                                           {"isolate", no_argument, 0, 'i'},
                                           {"shard", required_argument, 0, 'S'},
                                           {"rootfs", required_argument, 0, 'R'},
                                           {"timeout", required_argument, 0, 't'},
                                           {"only", required_argument, 0, 'O'},
                                           {"keep", no_argument, 0, 'k'},
                                           {"merge", no_argument, 0, 'm'},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
    switch (ch) {
    case 'p':
      o->profile = optarg;
      break;
    case 's':
      if (!parse_u64(optarg, &o->seed) || o->seed > INT64_MAX)
        return fprintf(stderr, "nsconform: --seed: %s is not a number up to 2^63-1\n", optarg), -1;
      break;
    case 'c':
      if (!parse_u64(optarg, &o->count) || o->count > 100000)
        return fprintf(stderr, "nsconform: --count: %s is not a number up to 100000\n", optarg), -1;
      break;
    case 't':
      if (!parse_u64(optarg, &o->timeout_ms) || o->timeout_ms < 100 || o->timeout_ms > 600000)
        return fprintf(stderr, "nsconform: --timeout: %s is not a number of ms in 100..600000\n",
                       optarg),
               -1;
      break;
    case 'o':
      o->out = optarg;
      break;
    case 'r':
      o->runtime = optarg;
      break;
    case 'a':
      if (o->n_runtime_args + 1 >= 32)
        return fprintf(stderr, "nsconform: too many --runtime-arg\n"), -1;
      o->runtime_args[o->n_runtime_args++] = optarg;
      break;
    case 'i':
      o->isolate = true;
      break;
    case 'S':
      if (sscanf(optarg, "%u/%u", &o->shard_k, &o->shard_n) != 2 || o->shard_n == 0 ||
          o->shard_k == 0 || o->shard_k > o->shard_n)
        return fprintf(stderr, "nsconform: --shard: %s is not K/N with 1 <= K <= N\n", optarg), -1;
      break;
    case 'R':
      o->rootfs = optarg;
      break;
    case 'O':
      o->only = optarg;
      break;
    case 'k':
      o->keep = true;
      break;
    case 'm':
      o->merge = true;
      break;
    case 'h':
      return usage(stdout), 1;
    default:
      return usage(stderr), -1;
    }
  }
  return 0;
}

static int load_profile(const struct options *o, struct gen_profile **p, struct nsrt_err *err)
{
  char path[PATH_MAX + 64];
  if (o->profile)
    snprintf(path, sizeof(path), "%s", o->profile);
  else
    snprintf(path, sizeof(path), "%s/specs/profiles/default.json", o->tree);
  return gen_profile_load(path, p, err);
}

static int cmd_gen(struct options *o)
{
  if (!o->out)
    return fprintf(stderr, "nsconform gen: --out DIR is required\n"), EXIT_HARNESS;
  struct nsrt_err err;
  struct gen_profile *p = NULL;
  if (load_profile(o, &p, &err) < 0)
    return fail(&err);
  struct nsc_case *cases = NULL;
  size_t n = 0;
  struct gen_stats st;
  int ret = gen_suite(p, o->seed, o->count, &cases, &n, &st, &err);
  if (ret == 0)
    ret = gen_write_bundles(cases, n, o->out, &err);
  gen_profile_free(p);
  gen_cases_free(cases, n);
  if (ret < 0)
    return fail(&err);
  char line[256];
  gen_stats_format(&st, line, sizeof(line));
  printf("nsconform gen: seed %llu: %s; bundles in %s\n", (unsigned long long)o->seed, line,
         o->out);
  return 0;
}

/* ---- run ------------------------------------------------------------------ */

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(size_t done, size_t total, size_t failing, double started, bool final)
{
  if (!isatty(STDERR_FILENO))
    return;
  double el = now_s() - started;
  double eta = done ? el / done * (total - done) : 0;
  fprintf(stderr, "\r\033[K%zu/%zu cases, %zu failing, %.0fs elapsed, ETA %.0fs", done, total,
          failing, el, eta);
  if (final)
    fputc('\n', stderr);
}

static const char *cgroup_mode(void)
{
  if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
    return "v2";
  if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
    return "hybrid";
  return "v1";
}

/* Select the cases of this shard: case i goes to shard (i mod N) + 1, so the
 * split is the same on every machine. */
static size_t select_cases(struct nsc_case *all, size_t n, const struct options *o,
                           struct nsc_case **sel)
{
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    bool in_shard = o->shard_n <= 1 || i % o->shard_n == o->shard_k - 1;
    bool matches =
        !o->only || strstr(all[i].id, o->only) || (all[i].title && strstr(all[i].title, o->only));
    if (in_shard && matches)
      sel[k++] = &all[i];
  }
  return k;
}

static bool case_fails_must(const struct nsc_result *r)
{
  for (size_t i = 0; i < r->verdicts.n; i++) {
    const struct nsc_verdict *v = &r->verdicts.v[i];
    if (v->verdict == NSC_FAIL && (!v->level || strncmp(v->level, "MUST", 4) == 0))
      return true;
  }
  return r->leaks != NULL;
}

static int cmd_run(struct options *o)
{
  struct nsrt_err err;
  char path[PATH_MAX + 64], out[PATH_MAX], rootfs[PATH_MAX + 32], work[PATH_MAX + 64];
  snprintf(out, sizeof(out), "%s", o->out ? o->out : "reports/latest");
  snprintf(rootfs, sizeof(rootfs), "%s", o->rootfs ? o->rootfs : "");
  if (!o->rootfs)
    snprintf(rootfs, sizeof(rootfs), "%s/build/rootfs", o->tree);
  snprintf(path, sizeof(path), "%s/nsprobe", rootfs);
  if (access(path, X_OK) < 0)
    return fprintf(stderr, "nsconform run: %s is missing: build it with `make rootfs`\n", path),
           EXIT_HARNESS;
  char runtime[PATH_MAX + 32];
  if (o->runtime)
    snprintf(runtime, sizeof(runtime), "%s", o->runtime);
  else
    snprintf(runtime, sizeof(runtime), "%s/build/bin/nsrt", o->tree);

  snprintf(path, sizeof(path), "%s/specs/requirements.json", o->tree);
  json_error_t jerr;
  json_t *catalog = json_load_file(path, 0, &jerr);
  if (!catalog)
    return fprintf(stderr, "nsconform: %s: %s\n", path, jerr.text), EXIT_HARNESS;

  struct gen_profile *p = NULL;
  struct nsc_case *gen = NULL, *life = NULL;
  size_t n_gen = 0, n_life = 0;
  struct gen_stats st;
  if (load_profile(o, &p, &err) < 0 ||
      gen_suite(p, o->seed, o->count ? o->count : 300, &gen, &n_gen, &st, &err) < 0) {
    gen_profile_free(p);
    json_decref(catalog);
    return fail(&err);
  }
  gen_profile_free(p);
  n_life = nsc_lifecycle_cases(&life);

  size_t total = n_gen + n_life;
  struct nsc_case *all = calloc(total, sizeof(*all));
  struct nsc_case **sel = calloc(total, sizeof(*sel));
  struct nsc_result *results = calloc(total, sizeof(*results));
  if (!all || !sel || !results)
    return fprintf(stderr, "nsconform: out of memory\n"), EXIT_HARNESS;
  memcpy(all, gen, n_gen * sizeof(*all));
  memcpy(all + n_gen, life, n_life * sizeof(*all));
  free(gen);
  free(life);
  size_t n_sel = select_cases(all, total, o, sel);

  /* Bundles and the runtime's state go to memory when they can (TMPDIR
   * decides, else /dev/shm): on a disk filesystem creating a case's files
   * costs more than the rest of the harness's own work for it. */
  const char *tmp = getenv("TMPDIR");
  if (!tmp || !*tmp)
    tmp = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
  snprintf(work, sizeof(work), "%s/nsconform.%d", tmp, getpid());
  char state_root[PATH_MAX + 16];
  snprintf(state_root, sizeof(state_root), "%s/state", work);
  /* searchable by all: a container's root in a user namespace must reach
   * bind sources relative to the bundle */
  mkdir(work, 0711);
  struct nsc_runtime rt = {.global_args = NULL};
  char *gargs[33] = {0};
  for (size_t i = 0; i < o->n_runtime_args; i++)
    gargs[i] = (char *)o->runtime_args[i];
  rt.global_args = o->n_runtime_args ? gargs : NULL;
  struct nsc_driver d;
  int status = 0;
  time_t started = time(NULL);
  /* Every failing case leaves DIR/repro/<case>.json; files of an earlier
   * run there would be taken for this run's. */
  char repro_dir[PATH_MAX + 16];
  snprintf(repro_dir, sizeof(repro_dir), "%s/repro", out);
  if (nsc_repro_clean(repro_dir, &err) < 0) {
    status = fail(&err);
    goto out;
  }
  char profile[PATH_MAX + 64];
  if (o->profile)
    snprintf(profile, sizeof(profile), "%s", o->profile);
  else
    snprintf(profile, sizeof(profile), "%s/specs/profiles/default.json", o->tree);
  struct nsc_repro_run run_info = {
      .seed = o->seed, .count = o->count ? o->count : 300, .profile = profile};

  if (nsc_runtime_open(&rt, runtime, state_root, o->isolate,
                       o->timeout_ms ? (int)o->timeout_ms : 20000, &err) < 0 ||
      nsc_driver_init(&d, &rt, rootfs, work, &err) < 0) {
    status = fail(&err);
    goto out;
  }
  d.seed = o->seed;
  char line[256];
  gen_stats_format(&st, line, sizeof(line));
  fprintf(stderr, "nsconform: %s %s%s; seed %llu; %s; %zu lifecycle cases; running %zu\n", rt.name,
          rt.version, o->isolate ? " (isolated)" : "", (unsigned long long)o->seed, line, n_life,
          n_sel);

  double t0 = now_s();
  size_t failing = 0;
  for (size_t i = 0; i < n_sel; i++) {
    if (nsc_driver_run(&d, sel[i], &results[i], &err) < 0) {
      nsrt_err_print(&err, stderr);
      status = EXIT_HARNESS;
      n_sel = i + 1;
      break;
    }
    nsc_results_fill_levels(&results[i], 1, catalog, &err);
    if (case_fails_must(&results[i]))
      failing++;
    if (nsc_repro_wanted(&results[i])) {
      char file[PATH_MAX + 96];
      nsc_repro_path(repro_dir, sel[i]->id, file, sizeof(file));
      char *cmd = NULL;
      if (nsc_repro_save(repro_dir, sel[i], &results[i], &rt, &run_info, &err) < 0) {
        nsrt_err_print(&err, stderr);
        status = EXIT_HARNESS;
      } else if (asprintf(&cmd, "nsconform repro %s", file) >= 0) {
        free(results[i].repro);
        results[i].repro = cmd;
      }
    }
    progress(i + 1, n_sel, failing, t0, i + 1 == n_sel);
  }
  nsc_driver_fini(&d);

  struct utsname u;
  uname(&u);
  const char *missing[] = {"CAP_SYS_RESOURCE", NULL};
  struct nsc_run_info info = {
      .runtime_name = rt.name,
      .runtime_path = rt.path,
      .runtime_version = rt.version,
      .runtime_args = (const char *const *)rt.global_args,
      .isolation = o->isolate,
      .kernel = u.release,
      .cgroup = cgroup_mode(),
      .caps_missing = d.cap_sys_resource ? NULL : missing,
      .seed = o->seed,
      .shard_index = o->shard_n ? o->shard_k : 1,
      .shard_count = o->shard_n ? o->shard_n : 1,
      .started = started,
      .finished = time(NULL),
      .catalog_version = json_string_value(json_object_get(catalog, "spec_version")),
  };
  mkdir(out, 0755);
  snprintf(path, sizeof(path), "%s/results.json", out);
  json_t *doc = NULL;
  if (nsc_results_write(path, &info, results, n_sel, &err) < 0 ||
      nsc_results_load(path, &doc, &err) < 0 || nsc_report_write_all(out, doc, catalog, &err) < 0) {
    status = fail(&err);
  } else {
    struct nsc_summary sum;
    nsc_results_summary(doc, &sum);
    printf("nsconform: %zu cases: %zu passed, %zu failed, %zu skipped; %zu MUST failures; "
           "%.1f s; reports in %s/\n",
           sum.cases, sum.pass, sum.fail, sum.skip, sum.must_fail, now_s() - t0, out);
    if (status == 0 && (sum.must_fail > 0 || failing > 0))
      status = EXIT_MUST_FAILED;
  }
  json_decref(doc);
out:
  for (size_t i = 0; i < total; i++) {
    nsc_case_free(&all[i]);
    nsc_result_free(&results[i]);
  }
  free(all);
  free(sel);
  free(results);
  json_decref(catalog);
  if (!o->keep) {
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
    if (system(cmd) != 0)
      fprintf(stderr, "nsconform: could not remove %s\n", work);
  } else {
    fprintf(stderr, "nsconform: bundles kept in %s\n", work);
  }
  return status;
}

/* ---- report --------------------------------------------------------------- */

static int cmd_report(struct options *o, int argc, char **argv)
{
  if (!o->out || optind >= argc)
    return fprintf(stderr, "nsconform report: --out DIR and at least one results file\n"),
           EXIT_HARNESS;
  struct nsrt_err err;
  size_t n = (size_t)(argc - optind);
  json_t **docs = calloc(n, sizeof(*docs));
  int status = 0;
  for (size_t i = 0; i < n && status == 0; i++)
    if (nsc_results_load(argv[optind + (int)i], &docs[i], &err) < 0)
      status = fail(&err);
  char path[PATH_MAX + 64];
  snprintf(path, sizeof(path), "%s/specs/requirements.json", o->tree);
  json_t *catalog = json_load_file(path, 0, NULL);
  mkdir(o->out, 0755);
  if (status == 0 && o->merge) {
    json_t *merged = NULL;
    snprintf(path, sizeof(path), "%s/results.json", o->out);
    if (nsc_results_merge(docs, n, &merged, &err) < 0 ||
        json_dump_file(merged, path, JSON_INDENT(2)) < 0 ||
        nsc_report_write_all(o->out, merged, catalog, &err) < 0)
      status = fail(&err);
    else {
      struct nsc_summary sum;
      nsc_results_summary(merged, &sum);
      printf("nsconform report: merged %zu shards: %zu cases, %zu MUST failures; %s/\n", n,
             sum.cases, sum.must_fail, o->out);
      status = sum.must_fail ? EXIT_MUST_FAILED : 0;
    }
    json_decref(merged);
  } else if (status == 0) {
    snprintf(path, sizeof(path), "%s/index.html", o->out);
    FILE *f = fopen(path, "we");
    if (!f || nsc_report_html(f, (const json_t *const *)docs, n, catalog, &err) < 0)
      status = f ? fail(&err)
                 : (fprintf(stderr, "nsconform: %s: %s\n", path, strerror(errno)), EXIT_HARNESS);
    if (f && fclose(f) != 0)
      status = EXIT_HARNESS;
    if (status == 0)
      printf("nsconform report: %zu runtimes in %s\n", n, path);
  }
  for (size_t i = 0; i < n; i++)
    json_decref(docs[i]);
  free(docs);
  json_decref(catalog);
  return status;
}

int main(int argc, char **argv)
{
  nsrt_set_stage("nsconform");
  if (argc < 2)
    return usage(stderr);
  if (!strcmp(argv[1], "--version"))
    return printf("nsconform version %s\n", NSCONFORM_VERSION), 0;
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
    return usage(stdout);
  struct options o = {0};
  find_tree(o.tree, sizeof(o.tree));
  const char *cmd = argv[1];
  if (!strcmp(cmd, "repro"))
    return nsc_cmd_repro(argc - 1, argv + 1, o.tree);
  if (!strcmp(cmd, "shrink"))
    return nsc_cmd_shrink(argc - 1, argv + 1, o.tree);
  if (!strcmp(cmd, "faults"))
    return nsc_cmd_faults(argc - 1, argv + 1, o.tree);
  if (!strcmp(cmd, "overhead"))
    return nsc_cmd_overhead(argc - 1, argv + 1);
  int r = parse_options(argc - 1, argv + 1, &o);
  if (r != 0)
    return r > 0 ? 0 : EXIT_HARNESS;
  if (!strcmp(cmd, "gen"))
    return cmd_gen(&o);
  if (!strcmp(cmd, "run"))
    return cmd_run(&o);
  if (!strcmp(cmd, "report"))
    return cmd_report(&o, argc - 1, argv + 1);
  fprintf(stderr, "nsconform: unknown command %s\n", cmd);
  return usage(stderr);
}
