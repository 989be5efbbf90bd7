/* The black-box plan: step text, errors naming the step, the actions and
 * arguments of each target, and the sweep's cases from recorded counts. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "blackbox.h"
#include "error.h"

static void step_text(const char *json, char *out, size_t len, int *rc, struct nsrt_err *err)
{
  json_t *s = json_loads(json, 0, NULL);
  cr_assert_not_null(s, "%s", json);
  *rc = nsc_blackbox_step_text(s, 2, out, len, err);
  json_decref(s);
}

Test(blackbox, step_text)
{
  char out[128];
  struct nsrt_err err;
  int rc;
  step_text("{\"target\":\"clone3\",\"nth\":2,\"action\":\"errno\",\"arg\":\"EAGAIN\"}", out,
            sizeof(out), &rc, &err);
  cr_assert_eq(rc, 0);
  cr_assert_str_eq(out, "clone3@2=errno(EAGAIN)");
  step_text("{\"target\":\"sync\",\"nth\":4,\"action\":\"short\",\"arg\":3}", out, sizeof(out), &rc,
            &err);
  cr_assert_eq(rc, 0);
  cr_assert_str_eq(out, "sync@4=short(3)");
  step_text("{\"target\":\"setns\",\"nth\":1,\"action\":\"kill\"}", out, sizeof(out), &rc, &err);
  cr_assert_eq(rc, 0);
  cr_assert_str_eq(out, "setns@1=kill");
}

Test(blackbox, step_errors_name_the_member)
{
  const struct {
    const char *json, *step, *text;
  } bad[] = {
      {"{\"target\":\"nope\",\"nth\":1,\"action\":\"kill\"}", "steps[2].target", "\"nope\""},
      {"{\"target\":\"clone\",\"nth\":0,\"action\":\"kill\"}", "steps[2].nth", "from 1"},
      {"{\"target\":\"clone\",\"nth\":1,\"action\":\"short\",\"arg\":3}", "steps[2].action",
       "\"short\""},
      {"{\"target\":\"clone\",\"nth\":1,\"action\":\"errno\"}", "steps[2].arg", "errno needs"},
      {"{\"target\":\"clone\",\"nth\":1,\"action\":\"kill\",\"arg\":\"EPERM\"}", "steps[2].arg",
       "no argument"},
      {"{\"target\":\"sync\",\"nth\":1,\"action\":\"errno\",\"arg\":\"E(\"}", "steps[2].arg",
       "plain"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char out[128];
    struct nsrt_err err;
    int rc;
    step_text(bad[i].json, out, sizeof(out), &rc, &err);
    cr_assert_eq(rc, -1, "%s accepted", bad[i].json);
    cr_assert_str_eq(err.step, bad[i].step, "%s", bad[i].json);
    cr_assert(strstr(err.text, bad[i].text) != NULL, "%s: %s", bad[i].json, err.text);
  }
}

Test(blackbox, actions_and_arguments)
{
  cr_assert_str_eq(nsc_blackbox_target_actions("clone"), "errno,kill,delay");
  cr_assert_str_eq(nsc_blackbox_target_actions("uid_map"), "errno,kill,delay,short,corrupt");
  cr_assert_null(nsc_blackbox_target_actions("bogus"));
  cr_assert_str_eq(nsc_blackbox_action_arg("clone3", "errno"), "EAGAIN");
  cr_assert_str_eq(nsc_blackbox_action_arg("unshare", "errno"), "ENOSPC");
  cr_assert_str_eq(nsc_blackbox_action_arg("sync", "errno"), "EPIPE");
  cr_assert_str_eq(nsc_blackbox_action_arg("uid_map", "short"), "12");
  cr_assert_str_eq(nsc_blackbox_action_arg("sync", "short"), "3");
  cr_assert_null(nsc_blackbox_action_arg("sync", "kill"));
}

Test(blackbox, plan_round_trip)
{
  json_t *plan = nsc_blackbox_plan("create", "gid_map", 1, "corrupt", "0");
  char *text = json_dumps(plan, JSON_COMPACT | JSON_SORT_KEYS);
  cr_assert_str_eq(text, "{\"commands\":[\"create\"],\"kind\":\"seccomp\",\"steps\":[{\"action\":"
                         "\"corrupt\",\"arg\":\"0\",\"nth\":1,\"target\":\"gid_map\"}]}");
  free(text);
  char out[64];
  struct nsrt_err err;
  cr_assert_eq(nsc_blackbox_step_text(json_array_get(json_object_get(plan, "steps"), 0), 0, out,
                                      sizeof(out), &err),
               0);
  cr_assert_str_eq(out, "gid_map@1=corrupt(0)");
  json_decref(plan);
}

/* Recorded counts -> one case per command x target x N (capped) x action. */
Test(blackbox, sweep_cases_from_counts)
{
  struct nsc_case *bases;
  size_t nb;
  struct nsrt_err err;
  cr_assert_eq(nsc_blackbox_base_cases(&bases, &nb, &err), 0);
  cr_assert_eq(nb, 2);
  cr_assert_str_eq(bases[0].id, "b-base-userns");
  cr_assert_eq(json_array_size(json_object_get(bases[0].fault, "steps")), 0, "a base records");
  /* the plain base has no user namespace and no maps */
  json_t *lx = json_object_get(bases[1].config, "linux");
  cr_assert_null(json_object_get(lx, "uidMappings"));
  size_t i;
  json_t *ns;
  json_array_foreach(json_object_get(lx, "namespaces"), i, ns)
  {
    cr_assert_str_neq(json_string_value(json_object_get(ns, "type")), "user");
  }

  struct nsc_result res[2] = {0};
  res[0].fault = json_loads("{\"counts\":{\"create\":{\"clone3\":3,\"sync\":1,\"uid_map\":0},"
                            "\"start\":{\"execve\":1}}}",
                            0, NULL);
  res[1].fault = json_loads("{\"counts\":{\"create\":{\"clone3\":1}}}", 0, NULL);
  struct nsc_blackbox_opts o = {.max_n = 2};
  struct nsc_case *cs;
  size_t n;
  cr_assert_eq(nsc_blackbox_sweep_cases(bases, res, nb, &o, &cs, &n, &err), 0);
  /* userns: clone3 N 1..2 x 3 actions, sync 1 x 5, start execve 1 x 3;
   * plain: clone3 1 x 3 */
  cr_assert_eq(n, 6 + 5 + 3 + 3, "%zu cases", n);
  cr_assert_str_eq(cs[0].id, "b-userns-create-clone3-1-errno");
  cr_assert_eq(cs[0].kind, NSC_CASE_FAULT);
  char *text = json_dumps(cs[0].fault, JSON_COMPACT | JSON_SORT_KEYS);
  cr_assert_str_eq(text, "{\"commands\":[\"create\"],\"kind\":\"seccomp\",\"steps\":[{\"action\":"
                         "\"errno\",\"arg\":\"EAGAIN\",\"nth\":1,\"target\":\"clone3\"}]}");
  free(text);
  bool saw_start = false, saw_corrupt = false;
  for (size_t k = 0; k < n; k++) {
    saw_start |= strcmp(cs[k].id, "b-userns-start-execve-1-kill") == 0;
    saw_corrupt |= strcmp(cs[k].id, "b-userns-create-sync-1-corrupt") == 0;
    cr_assert(strstr(cs[k].id, "clone3-3") == NULL, "the cap of 2 was passed: %s", cs[k].id);
  }
  cr_assert(saw_start && saw_corrupt);

  /* filters */
  o = (struct nsc_blackbox_opts){.targets = "sync", .actions = "short,kill", .commands = "create"};
  struct nsc_case *cs2;
  size_t n2;
  cr_assert_eq(nsc_blackbox_sweep_cases(bases, res, nb, &o, &cs2, &n2, &err), 0);
  cr_assert_eq(n2, 2);
  cr_assert_str_eq(cs2[0].id, "b-userns-create-sync-1-kill");
  cr_assert_str_eq(cs2[1].id, "b-userns-create-sync-1-short");

  for (size_t k = 0; k < n; k++)
    nsc_case_free(&cs[k]);
  for (size_t k = 0; k < n2; k++)
    nsc_case_free(&cs2[k]);
  free(cs);
  free(cs2);
  for (size_t k = 0; k < nb; k++)
    nsc_case_free(&bases[k]);
  free(bases);
  json_decref(res[0].fault);
  json_decref(res[1].fault);
}
