/* Fault plans, error-message checks, the sweep's cases and its table. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "error.h"
#include "faults.h"
#include "nsconform.h"

static json_t *plan_of(const char *text)
{
  json_error_t jerr;
  json_t *p = json_loads(text, 0, &jerr);
  cr_assert_not_null(p, "bad test JSON: %s", jerr.text);
  return p;
}

static char *failpoints_of(const char *text)
{
  json_t *p = plan_of(text);
  char *out = NULL;
  struct nsrt_err err = {0};
  int ret = nsc_fault_failpoints(p, &out, &err);
  json_decref(p);
  cr_assert_eq(ret, 0, "%s: %s", err.step, err.text);
  return out;
}

/* ---- plan -> NSRT_FAILPOINTS ------------------------------------------------- */

Test(faults_plan, one_step_with_errno)
{
  char *s = failpoints_of("{\"kind\":\"failpoint\",\"steps\":[{\"point\":\"init.pivot_root\","
                          "\"action\":\"err\",\"arg\":\"EPERM\"}]}");
  cr_expect_str_eq(s, "init.pivot_root=err(EPERM)");
  free(s);
}

Test(faults_plan, steps_on_one_point_chain_in_order)
{
  char *s = failpoints_of(
      "{\"steps\":[{\"point\":\"init.pivot_root\",\"action\":\"sleep\",\"arg\":0,\"times\":1},"
      "{\"point\":\"chan.main.recv.INIT_READY\",\"action\":\"drop\"},"
      "{\"point\":\"init.pivot_root\",\"action\":\"err\",\"arg\":\"EPERM\"},"
      "{\"point\":\"chan.init.send.INIT_READY\",\"action\":\"corrupt\",\"arg\":0,\"times\":2}]}");
  cr_expect_str_eq(s, "init.pivot_root=1*sleep(0)->err(EPERM);chan.main.recv.INIT_READY=drop;"
                      "chan.init.send.INIT_READY=2*corrupt(0)");
  free(s);
}

Test(faults_plan, no_steps_is_empty)
{
  char *s = failpoints_of("{\"kind\":\"failpoint\",\"bugs\":[\"intermediate-no-reap\"]}");
  cr_expect_str_eq(s, "");
  free(s);
}

static void expect_plan_error(const char *text, const char *step)
{
  json_t *p = plan_of(text);
  char *out = (char *)"untouched";
  struct nsrt_err err = {0};
  cr_expect_eq(nsc_fault_failpoints(p, &out, &err), -1, "%s was accepted", text);
  cr_expect_null(out);
  cr_expect_str_eq(err.step, step, "%s: error at %s, not %s", text, err.step, step);
  json_decref(p);
}

Test(faults_plan, errors_name_the_step)
{
  expect_plan_error("{\"steps\":[{\"point\":\"a.b\",\"action\":\"err\"},{\"point\":\"x=y\","
                    "\"action\":\"kill\"}]}",
                    "steps[1].point");
  expect_plan_error("{\"steps\":[{\"point\":\"a.b\",\"action\":\"Err!\"}]}", "steps[0].action");
  expect_plan_error("{\"steps\":[{\"point\":\"a.b\",\"action\":\"err\",\"arg\":\"E;X\"}]}",
                    "steps[0].arg");
  expect_plan_error("{\"steps\":[{\"point\":\"a.b\",\"action\":\"err\",\"arg\":[1]}]}",
                    "steps[0].arg");
  expect_plan_error("{\"steps\":[{\"point\":\"a.b\",\"action\":\"err\",\"times\":0}]}",
                    "steps[0].times");
  expect_plan_error("{\"steps\":{}}", "steps");
}

Test(faults_plan, commands)
{
  json_t *all = plan_of("{\"kind\":\"failpoint\"}");
  json_t *some = plan_of("{\"commands\":[\"start\",\"delete\"]}");
  cr_expect(nsc_fault_plan_has_command(all, "kill"));
  cr_expect(nsc_fault_plan_has_command(some, "start"));
  cr_expect(nsc_fault_plan_has_command(some, "delete"));
  cr_expect_not(nsc_fault_plan_has_command(some, "create"));
  json_decref(all);
  json_decref(some);
}

/* ---- error messages ------------------------------------------------------------ */

Test(faults_message, last_line)
{
  char buf[256];
  nsc_fault_error_line("2026-01-01T00:00:00Z warn main[1]: hook failed\n"
                       "nsrt: main: hook: fork: Resource temporarily unavailable\n\n",
                       buf, sizeof(buf));
  cr_expect_str_eq(buf, "nsrt: main: hook: fork: Resource temporarily unavailable");
  nsc_fault_error_line("", buf, sizeof(buf));
  cr_expect_str_eq(buf, "");
  nsc_fault_error_line(NULL, buf, sizeof(buf));
  cr_expect_str_eq(buf, "");
}

Test(faults_message, errno_named)
{
  char found[128];
  cr_expect_eq(nsc_fault_check_errno("nsrt: init: pivot_root: pivot_root into /r: Input/output "
                                     "error",
                                     EIO, found, sizeof(found)),
               NSC_ERRNO_NAMED);
  cr_expect_str_eq(found, "Input/output error");
  cr_expect_eq(nsc_fault_check_errno("nsrt: main: recv INIT_READY: no INIT_READY from init after "
                                     "300 ms: Connection timed out",
                                     ETIMEDOUT, found, sizeof(found)),
               NSC_ERRNO_NAMED);
  /* by name, with no strerror text at the end */
  cr_expect_eq(nsc_fault_check_errno("runc: sync: read failed (ECONNRESET)", ECONNRESET, found,
                                     sizeof(found)),
               NSC_ERRNO_NAMED);
}

/* The errno of an earlier call reported for the injected failure: the case
 * must fail. */
Test(faults_message, stale_errno_fails)
{
  char found[128];
  cr_expect_eq(nsc_fault_check_errno("nsrt: main: send MAPPING_DONE: to intermediate: "
                                     "intermediate has closed the channel (exited?): Broken pipe",
                                     ETIMEDOUT, found, sizeof(found)),
               NSC_ERRNO_STALE);
  cr_expect_str_eq(found, "Broken pipe");
  cr_expect_eq(nsc_fault_check_errno("nsrt: intermediate: unshare_pid: Operation not permitted",
                                     EIO, found, sizeof(found)),
               NSC_ERRNO_STALE);
  /* "No such file or directory" must not be mistaken for a shorter text */
  cr_expect_eq(nsc_fault_check_errno("nsrt: spec: open: No such file or directory", ENOENT, found,
                                     sizeof(found)),
               NSC_ERRNO_NAMED);
  /* the text of an errno inside another word does not count */
  cr_expect_eq(nsc_fault_check_errno("nsrt: init: exit: init exited with status 3", EIO, found,
                                     sizeof(found)),
               NSC_ERRNO_MISSING);
  cr_expect_str_eq(found, "");
  cr_expect_eq(nsc_fault_check_errno("", EIO, found, sizeof(found)), NSC_ERRNO_MISSING);
}

Test(faults_message, stage_and_step)
{
  const char *line = "nsrt: init: pivot_root: pivot_root into /r: Permission denied";
  cr_expect(nsc_fault_names_step(line, "init", "pivot_root"));
  cr_expect(nsc_fault_names_step(line, "init", NULL));
  cr_expect_not(nsc_fault_names_step(line, "main", "pivot_root"));
  cr_expect_not(nsc_fault_names_step(line, "init", "pivot"));
  cr_expect(nsc_fault_names_step("nsrt: main: recv INIT_READY: from init: Bad message", "main",
                                 "recv INIT_READY"));
  const char *state = "nsrt: main: state_dir: mkdir /run/x/c1: Input/output error";
  cr_expect_not(nsc_fault_names_step(state, "main", "mkdir"));
  cr_expect(nsc_fault_mentions_step(state, "main", "mkdir"));
  cr_expect(nsc_fault_mentions_step("nsrt: main: write_state: open: EIO", "main", "write"));
  cr_expect_not(nsc_fault_mentions_step("nsrt: main: rewrite: x", "main", "write"));
  cr_expect_not(nsc_fault_mentions_step(state, "start", "mkdir"));
}

Test(faults_message, point_names)
{
  char stage[64], step[128];
  nsc_fault_point_step("init.pivot_root", stage, sizeof(stage), step, sizeof(step));
  cr_expect_str_eq(stage, "init");
  cr_expect_str_eq(step, "pivot_root");
  nsc_fault_point_step("chan.main.recv.INIT_READY", stage, sizeof(stage), step, sizeof(step));
  cr_expect_str_eq(stage, "main");
  cr_expect_str_eq(step, "recv INIT_READY");
  nsc_fault_point_step("chan.intermediate.send.MAPPING_REQUEST", stage, sizeof(stage), step,
                       sizeof(step));
  cr_expect_str_eq(stage, "intermediate");
  cr_expect_str_eq(step, "send MAPPING_REQUEST");
}

/* ---- the sweep's cases ------------------------------------------------------------ */

static const char points_json[] =
    "[{\"name\":\"init.pivot_root\",\"kind\":\"step\","
    "\"actions\":[\"off\",\"err\",\"exit\",\"kill\",\"sleep\",\"pause\"]},"
    "{\"name\":\"chan.init.send.INIT_READY\",\"kind\":\"send\",\"actions\":[\"off\",\"err\","
    "\"exit\",\"kill\",\"sleep\",\"pause\",\"short\",\"corrupt\",\"drop\",\"dup\"]},"
    "{\"name\":\"hooks.fork\",\"kind\":\"clone\",\"actions\":[\"off\",\"err\",\"exit\"]},"
    "{\"name\":\"init.pivot_root\",\"kind\":\"step\",\"actions\":[\"err\"]},"
    "{\"name\":\"never.reached\",\"kind\":\"step\",\"actions\":[\"err\"]},"
    "{\"name\":\"chan.init.send.ERROR\",\"kind\":\"send\",\"actions\":[\"drop\",\"dup\"]}]";

/* Two base "results": the first reaches pivot_root and INIT_READY in create
 * and hooks.fork in create and delete; the second reaches never.reached. */
static void sweep(const struct nsc_sweep_opts *o, struct nsc_case **cases, size_t *n)
{
  json_t *points = json_loads(points_json, 0, NULL);
  cr_assert_not_null(points);
  struct nsc_case bases[2] = {0};
  struct nsc_result results[2] = {0};
  bases[0].config = json_pack("{s:s}", "ociVersion", "1.2.0");
  bases[0].fault = json_pack("{s:s}", "spec", "full");
  bases[1].config = json_pack("{s:s}", "ociVersion", "1.0.0");
  bases[1].fault = json_pack("{s:s,s:s}", "spec", "plain", "delete", "force");
  results[0].fault =
      json_pack("{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]}", "hits", "point",
                "init.pivot_root", "command", "create", "point", "chan.init.send.INIT_READY",
                "command", "create", "point", "hooks.fork", "command", "create", "point",
                "hooks.fork", "command", "delete", "point", "init.pivot_root", "command", "create");
  results[1].fault =
      json_pack("{s:[{s:s,s:s}]}", "hits", "point", "never.reached", "command", "start");
  struct nsrt_err err = {0};
  cr_assert_eq(nsc_fault_sweep_cases(points, bases, results, 2, o, cases, n, &err), 0, "%s",
               err.text);
  for (int i = 0; i < 2; i++) {
    json_decref(bases[i].config);
    json_decref(bases[i].fault);
    json_decref(results[i].fault);
  }
  json_decref(points);
}

static const struct nsc_case *find(const struct nsc_case *v, size_t n, const char *id)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v[i].id, id))
      return &v[i];
  return NULL;
}

static void free_all(struct nsc_case *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    nsc_case_free(&v[i]);
  free(v);
}

Test(faults_sweep, one_case_per_reached_point_and_action)
{
  struct nsc_case *v;
  size_t n;
  struct nsc_sweep_opts o = {.sync_timeout_ms = 150};
  sweep(&o, &v, &n);
  /* pivot_root: 4 (once, though listed twice); INIT_READY: 8; hooks.fork: 2 x 2
   * commands; never.reached: 1 on the second spec */
  cr_expect_eq(n, 4 + 8 + 4 + 1 + 2, "%zu cases", n);
  for (size_t i = 0; i < n; i++) {
    cr_expect_eq(v[i].kind, NSC_CASE_FAULT);
    cr_expect_not(strstr(v[i].id, "-off") || strstr(v[i].id, "-pause"), "%s", v[i].id);
  }
  const struct nsc_case *c = find(v, n, "f-init.pivot_root-err");
  cr_assert_not_null(c);
  json_t *step = json_array_get(json_object_get(c->fault, "steps"), 0);
  cr_expect_str_eq(json_string_value(json_object_get(step, "arg")), "EIO");
  cr_expect_str_eq(json_string_value(json_array_get(json_object_get(c->fault, "commands"), 0)),
                   "create");
  cr_expect_eq(json_integer_value(json_object_get(c->fault, "sync_timeout_ms")), 2000);
  cr_expect_str_eq(json_string_value(json_object_get(c->config, "ociVersion")), "1.2.0");

  c = find(v, n, "f-init.pivot_root-sleep");
  cr_assert_not_null(c);
  step = json_array_get(json_object_get(c->fault, "steps"), 0);
  cr_expect_eq(json_integer_value(json_object_get(c->fault, "sync_timeout_ms")), 150);
  cr_expect_gt(json_integer_value(json_object_get(step, "arg")), 150 * 3 / 2,
               "the sleep must outlast main's wait");

  c = find(v, n, "f-chan.init.send.INIT_READY-err");
  cr_assert_not_null(c);
  step = json_array_get(json_object_get(c->fault, "steps"), 0);
  cr_expect_str_eq(json_string_value(json_object_get(step, "arg")), "EPIPE");
  cr_expect_not_null(find(v, n, "f-chan.init.send.INIT_READY-dup"));
  c = find(v, n, "f-chan.init.send.INIT_READY-drop");
  cr_assert_not_null(c);
  cr_expect_eq(json_integer_value(json_object_get(c->fault, "sync_timeout_ms")), 150);
  cr_expect_null(json_object_get(json_array_get(json_object_get(c->fault, "steps"), 0), "arg"));

  c = find(v, n, "f-hooks.fork-err");
  cr_assert_not_null(c);
  step = json_array_get(json_object_get(c->fault, "steps"), 0);
  cr_expect_str_eq(json_string_value(json_object_get(step, "arg")), "EAGAIN");
  c = find(v, n, "f-hooks.fork-exit-delete");
  cr_assert_not_null(c);
  cr_expect_str_eq(json_string_value(json_array_get(json_object_get(c->fault, "commands"), 0)),
                   "delete");

  /* an error report is reached only after a failing step of its stage */
  c = find(v, n, "f-chan.init.send.ERROR-drop");
  cr_assert_not_null(c);
  json_t *steps = json_object_get(c->fault, "steps");
  cr_assert_eq(json_array_size(steps), 2);
  json_t *trig = json_array_get(steps, 0);
  cr_expect_str_eq(json_string_value(json_object_get(trig, "point")), "init.pivot_root");
  cr_expect_str_eq(json_string_value(json_object_get(trig, "role")), "trigger");
  cr_expect_str_eq(json_string_value(json_object_get(trig, "action")), "err");
  cr_expect_str_eq(json_string_value(json_object_get(json_array_get(steps, 1), "point")),
                   "chan.init.send.ERROR");

  c = find(v, n, "f-never.reached-err");
  cr_assert_not_null(c);
  cr_expect_str_eq(json_string_value(json_object_get(c->config, "ociVersion")), "1.0.0");
  cr_expect_str_eq(json_string_value(json_object_get(c->fault, "spec")), "plain");
  /* the base's flow goes with its cases */
  cr_expect_str_eq(json_string_value(json_object_get(c->fault, "delete")), "force");
  cr_expect_null(json_object_get(find(v, n, "f-init.pivot_root-err")->fault, "delete"));
  free_all(v, n);
}

Test(faults_sweep, filters_and_bugs)
{
  struct nsc_case *v;
  size_t n;
  struct nsc_sweep_opts o = {.points_glob = "nothing.*,chan.*",
                             .actions = "drop,dup,err",
                             .bugs = "intermediate-no-reap,stale-errno"};
  sweep(&o, &v, &n);
  cr_expect_eq(n, 5, "%zu cases", n);
  for (size_t i = 0; i < n; i++) {
    cr_expect(strncmp(v[i].id, "f-chan.init.send.", 17) == 0, "%s", v[i].id);
    json_t *bugs = json_object_get(v[i].fault, "bugs");
    cr_expect_eq(json_array_size(bugs), 2);
    cr_expect_str_eq(json_string_value(json_array_get(bugs, 1)), "stale-errno");
  }
  free_all(v, n);
}

Test(faults_sweep, action_arguments)
{
  json_t *a = nsc_fault_action_arg("recv", "err", 200);
  cr_expect_str_eq(json_string_value(a), "ECONNRESET");
  json_decref(a);
  a = nsc_fault_action_arg("step", "exit", 200);
  cr_expect_eq(json_integer_value(a), 3);
  json_decref(a);
  a = nsc_fault_action_arg("send", "short", 200);
  cr_expect_eq(json_integer_value(a), 3);
  json_decref(a);
  cr_expect_null(nsc_fault_action_arg("send", "drop", 200));
  cr_expect_null(nsc_fault_action_arg("step", "kill", 200));
}

/* ---- the table ------------------------------------------------------------------ */

static json_t *fault_case(const char *id, const char *point, const char *action,
                          const char *verdict, const char *level, bool leak)
{
  return json_pack("{s:s,s:s,s:[{s:s,s:s,s:s}],s:o,s:{s:[{s:s,s:s}]}}", "id", id, "kind", "fault",
                   "verdicts", "requirement", "robust.fault.fired", "verdict", verdict, "level",
                   level, "leaks", leak ? json_pack("[s]", "zombie") : json_array(), "fault",
                   "steps", "point", point, "action", action);
}

Test(faults_table, rows_columns_and_failures)
{
  json_t *doc = json_pack(
      "{s:[o,o,o,o,o,o,o]}", "cases", fault_case("f-a.x-err", "a.x", "err", "PASS", "MUST", false),
      fault_case("f-a.x-exit", "a.x", "exit", "FAIL", "MUST", false),
      fault_case("f-a.x-exit-delete", "a.x", "exit", "PASS", "MUST", false),
      fault_case("f-chan.b.send.M-dup", "chan.b.send.M", "dup", "FAIL", "SHOULD", false),
      fault_case("f-chan.b.send.M-drop", "chan.b.send.M", "drop", "PASS", "MUST", true),
      json_pack("{s:s,s:s,s:[]}", "id", "g0001", "kind", "generated", "verdicts"),
      json_pack("{s:s,s:s,s:[],s:{s:b,s:[{s:s,s:s}]}}", "id", "f-base-x", "kind", "fault",
                "verdicts", "fault", "discover", 1, "steps", "point", "z.z", "action", "sleep"));
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  size_t failed = nsc_fault_table(f, doc);
  fclose(f);
  cr_expect_eq(failed, 2, "%zu failed cells:\n%s", failed, text);
  const char *want =
      "point         err     exit    kill    sleep   short   corrupt drop    dup    \n"
      "a.x           PASS    FAIL    -       -       -       -       -       -      \n"
      "chan.b.send.M -       -       -       -       -       -       FAIL    warn   \n";
  cr_expect_str_eq(text, want);
  free(text);
  json_decref(doc);
}

/* ---- the catalog and its documentation ------------------------------------------------ */

/* Every robust.fault id is in the catalog, and its url's fragment is a
 * heading of docs/robustness.md (GitHub's anchor of "## Fault fired" is
 * #fault-fired). */
Test(faults_docs, catalog_ids_have_sections)
{
  char path[PATH_MAX];
  cr_assert_eq(nsc_catalog_default_path(path, sizeof(path)), 0);
  json_t *cat = json_load_file(path, 0, NULL);
  cr_assert_not_null(cat, "%s", path);
  char *specs = strstr(path, "specs/requirements.json");
  cr_assert_not_null(specs);
  snprintf(specs, sizeof(path) - (size_t)(specs - path), "docs/robustness.md");
  FILE *f = fopen(path, "re");
  cr_assert_not_null(f, "%s", path);
  char anchors[4096] = " ";
  char line[512];
  while (fgets(line, sizeof(line), f)) {
    if (strncmp(line, "## ", 3) != 0)
      continue;
    size_t a = strlen(anchors);
    for (const char *p = line + 3; *p && *p != '\n' && a + 2 < sizeof(anchors); p++)
      anchors[a++] = *p == ' ' ? '-' : (*p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p);
    anchors[a++] = ' ';
    anchors[a] = '\0';
  }
  fclose(f);
  static const char *const ids[] = {"robust.fault.fired", "robust.fault.error-exit",
                                    "robust.fault.error-errno", "robust.fault.error-step",
                                    "robust.fault.bounded"};
  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
    const json_t *e = NULL;
    size_t k;
    json_t *r;
    json_array_foreach(json_object_get(cat, "requirements"), k, r)
    {
      if (!strcmp(json_string_value(json_object_get(r, "id")) ?: "", ids[i]))
        e = r;
    }
    cr_assert_not_null(e, "%s is not in the catalog", ids[i]);
    const char *url = json_string_value(json_object_get(e, "url"));
    const char *hash = url ? strchr(url, '#') : NULL;
    cr_assert_not_null(hash, "%s: %s", ids[i], url);
    char want[128];
    snprintf(want, sizeof(want), " %s ", hash + 1);
    cr_expect(strstr(anchors, want) != NULL, "%s: no heading for #%s in docs/robustness.md", ids[i],
              hash + 1);
  }
  json_decref(cat);
}

/* Black-box cases: a row per command, target and N, the supervisor's
 * actions as columns. */
Test(faults_table, seccomp_rows)
{
  json_t *doc = json_pack(
      "{s:[{s:s,s:s,s:[{s:s,s:s,s:s}],s:[],s:{s:s,s:[s],s:[{s:s,s:i,s:s}]}},"
      "{s:s,s:s,s:[{s:s,s:s,s:s}],s:[],s:{s:s,s:[s],s:[{s:s,s:i,s:s}]}}]}",
      "cases", "id", "b-x-create-clone3-2-errno", "kind", "fault", "verdicts", "requirement",
      "robust.fault.bounded", "verdict", "FAIL", "level", "MUST", "leaks", "fault", "kind",
      "seccomp", "commands", "create", "steps", "target", "clone3", "nth", 2, "action", "errno",
      "id", "b-x-create-clone3-2-delay", "kind", "fault", "verdicts", "requirement",
      "robust.fault.bounded", "verdict", "PASS", "level", "MUST", "leaks", "fault", "kind",
      "seccomp", "commands", "create", "steps", "target", "clone3", "nth", 2, "action", "delay");
  cr_assert_not_null(doc);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  size_t failed = nsc_fault_table(f, doc);
  fclose(f);
  cr_expect_eq(failed, 1);
  cr_expect_str_eq(text, "point           errno   kill    delay   short   corrupt\n"
                         "create clone3#2 FAIL    -       PASS    -       -      \n");
  free(text);
  json_decref(doc);
}

/* The base specs parse, arm every point once with sleep(0), and are
 * discovery runs (not judged on firing). */
Test(faults_sweep, base_cases)
{
  json_t *points = json_loads(points_json, 0, NULL);
  cr_assert_not_null(points);
  struct nsc_case *v = NULL;
  size_t n = 0;
  struct nsrt_err err = {0};
  cr_assert_eq(nsc_fault_base_cases(points, &v, &n, &err), 0, "%s", err.text);
  cr_assert_eq(n, 4);
  static const char *const ids[] = {"f-base-full", "f-base-join", "f-base-plain", "f-base-force"};
  for (size_t i = 0; i < n; i++) {
    cr_expect_str_eq(v[i].id, ids[i]);
    cr_expect_eq(v[i].kind, NSC_CASE_FAULT);
    cr_expect(json_is_object(json_object_get(v[i].config, "process")), "%s", v[i].id);
    cr_expect(json_is_true(json_object_get(v[i].fault, "discover")), "%s", v[i].id);
    json_t *steps = json_object_get(v[i].fault, "steps");
    cr_expect_eq(json_array_size(steps), 5, "%s: the duplicate point is armed once", v[i].id);
    char *fp = NULL;
    cr_assert_eq(nsc_fault_failpoints(v[i].fault, &fp, &err), 0);
    cr_expect(strstr(fp, "init.pivot_root=sleep(0);") == fp, "%s", fp);
    free(fp);
  }
  cr_expect_str_eq(json_string_value(json_object_get(v[3].fault, "delete")), "force");
  cr_expect_null(json_object_get(v[0].fault, "delete"));
  /* the user namespace spec maps ids; the plain one has none */
  cr_expect(json_is_array(json_object_get(json_object_get(v[0].config, "linux"), "uidMappings")));
  cr_expect_null(json_object_get(json_object_get(v[2].config, "linux"), "uidMappings"));
  for (size_t i = 0; i < n; i++)
    nsc_case_free(&v[i]);
  free(v);
  json_decref(points);
}
