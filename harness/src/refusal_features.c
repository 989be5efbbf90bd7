/* The features document's part of explaining a refusal (refusal.h): the
 * fields a config uses that the runtime's document does not list. */
#include <stdio.h>
#include <string.h>

#include "refusal.h"
#include "refusal_int.h"
#include "requirements.h"

/* ---- mount options ---------------------------------------------------------- */

bool nsc_refusal_word_in(const char *list, const char *w)
{
  char word[128];
  if (!w || !*w || strchr(w, ' ') || strlen(w) + 3 > sizeof(word))
    return false;
  snprintf(word, sizeof(word), " %s ", w);
  return strstr(list, word) != NULL;
}

/* By the spec's table of Linux mount options (config.md). */
const char *nsc_refusal_mount_option_req(const char *opt)
{
  if (nsc_refusal_word_in(" ro rw ", opt))
    return REQ("config.mount-options.ro-rw");
  if (nsc_refusal_word_in(" nosuid suid ", opt))
    return REQ("config.mount-options.nosuid");
  if (nsc_refusal_word_in(" nodev dev ", opt))
    return REQ("config.mount-options.nodev");
  if (nsc_refusal_word_in(" noexec exec ", opt))
    return REQ("config.mount-options.noexec");
  if (nsc_refusal_word_in(" bind ", opt))
    return REQ("config.mount-options.bind");
  if (nsc_refusal_word_in(" rbind ", opt))
    return REQ("config.mount-options.rbind");
  if (nsc_refusal_word_in(" private shared slave unbindable rprivate rshared rslave runbindable ",
                          opt))
    return REQ("config.mount-options.propagation");
  if (nsc_refusal_word_in(
          " atime noatime relatime norelatime strictatime nostrictatime diratime nodiratime ", opt))
    return REQ("config.mount-options.atime");
  if (nsc_refusal_word_in(" sync async dirsync ", opt))
    return REQ("config.mount-options.sync");
  if (nsc_refusal_word_in(" remount ", opt))
    return REQ("config.mount-options.remount");
  if (nsc_refusal_word_in(" defaults iversion noiversion lazytime nolazytime silent loud ", opt))
    return REQ("config.mount-options.other-flags");
  if (nsc_refusal_word_in(" mand nomand ", opt))
    return REQ("config.mount-options.mand");
  if (nsc_refusal_word_in(" nosymfollow symfollow ", opt))
    return REQ("config.mount-options.nosymfollow");
  if (nsc_refusal_word_in(
          " rro rrw rnosuid rsuid rnodev rdev rnoexec rexec rnoatime ratime rrelatime "
          "rnorelatime rstrictatime rnostrictatime rnodiratime rdiratime rnosymfollow "
          "rsymfollow ",
          opt))
    return REQ("config.mount-options.recursive");
  if (nsc_refusal_word_in(" tmpcopyup ", opt))
    return REQ("config.mount-options.tmpcopyup");
  if (nsc_refusal_word_in(" idmap ridmap ", opt))
    return REQ("config.mount-options.idmap");
  return NULL;
}

bool nsc_refusal_has_string(const json_t *arr, const char *s)
{
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e)
  {
    const char *v = json_string_value(e);
    if (v && strcmp(v, s) == 0)
      return true;
  }
  return false;
}

/* ---- the config's parts ----------------------------------------------------- */

json_t *nsc_refusal_namespaces(const json_t *config)
{
  return json_object_get(json_object_get(config, "linux"), "namespaces");
}

bool nsc_refusal_joined(const json_t *entry)
{
  const char *p = json_string_value(json_object_get(entry, "path"));
  return p && *p;
}

static const char *ns_supported_req(const char *type)
{
  if (strcmp(type, "pid") == 0)
    return REQ("config-linux.namespaces.pid-supported");
  if (strcmp(type, "network") == 0)
    return REQ("config-linux.namespaces.network-supported");
  if (strcmp(type, "mount") == 0)
    return REQ("config-linux.namespaces.mount-supported");
  if (strcmp(type, "ipc") == 0)
    return REQ("config-linux.namespaces.ipc-supported");
  if (strcmp(type, "uts") == 0)
    return REQ("config-linux.namespaces.uts-supported");
  if (strcmp(type, "user") == 0)
    return REQ("config-linux.namespaces.user-supported");
  if (strcmp(type, "cgroup") == 0)
    return REQ("config-linux.namespaces.cgroup-supported");
  if (strcmp(type, "time") == 0)
    return REQ("config-linux.namespaces.time-supported");
  return NULL;
}

/* ---- 1: the features document ------------------------------------------------- */

struct nsc_refusal_item *nsc_refusal_add_item(struct nsc_refusal *r)
{
  if (r->n >= NSC_REFUSAL_MAX_ITEMS)
    return NULL;
  struct nsc_refusal_item *it = &r->items[r->n++];
  memset(it, 0, sizeof(*it));
  return it;
}

static void unlisted_namespaces(const json_t *config, const json_t *listed, struct nsc_refusal *r)
{
  size_t i;
  json_t *e;
  json_array_foreach(nsc_refusal_namespaces(config), i, e)
  {
    const char *type = json_string_value(json_object_get(e, "type"));
    if (!type || nsc_refusal_has_string(listed, type))
      continue;
    struct nsc_refusal_item *it = nsc_refusal_add_item(r);
    if (!it)
      return;
    snprintf(it->what, sizeof(it->what), "the %s namespace", type);
    it->requirement = ns_supported_req(type);
    size_t k = 0;
    it->skips[k++] = nsc_refusal_joined(e) ? REQ("config-linux.namespaces.path-join")
                                           : REQ("config-linux.namespaces.new");
    if (strcmp(type, "time") == 0 &&
        json_object_get(json_object_get(config, "linux"), "timeOffsets"))
      it->skips[k++] = REQ("config-linux.time-offsets.applied");
    if (strcmp(type, "user") == 0) {
      it->skips[k++] = REQ("config-linux.user-namespace-mappings.uid-applied");
      it->skips[k++] = REQ("config-linux.user-namespace-mappings.gid-applied");
    }
  }
}

static void unlisted_mount_options(const json_t *config, const json_t *listed,
                                   struct nsc_refusal *r)
{
  size_t i, j;
  json_t *m, *o;
  json_array_foreach(json_object_get(config, "mounts"), i, m)
  {
    json_array_foreach(json_object_get(m, "options"), j, o)
    {
      const char *opt = json_string_value(o);
      const char *req = nsc_refusal_mount_option_req(opt);
      if (!req || nsc_refusal_has_string(listed, opt))
        continue;
      char what[160];
      snprintf(what, sizeof(what), "mount option %s", opt);
      bool seen = false;
      for (size_t k = 0; k < r->n; k++)
        seen = seen || strcmp(r->items[k].what, what) == 0;
      struct nsc_refusal_item *it = seen ? NULL : nsc_refusal_add_item(r);
      if (!it)
        continue;
      snprintf(it->what, sizeof(it->what), "%s", what);
      it->requirement = req;
      it->skips[0] = REQ("config.mounts.applied");
      it->tentative = true;
    }
  }
}

static void unlisted_seccomp(const json_t *config, const json_t *sc_features, struct nsc_refusal *r)
{
  const json_t *sc = json_object_get(json_object_get(config, "linux"), "seccomp");
  if (!json_is_object(sc) || !json_is_object(sc_features))
    return;
  const json_t *actions = json_object_get(sc_features, "actions");
  const json_t *archs = json_object_get(sc_features, "archs");
  char bad[160] = "";
  if (json_is_array(actions)) {
    const char *def = json_string_value(json_object_get(sc, "defaultAction"));
    if (def && !nsc_refusal_has_string(actions, def))
      snprintf(bad, sizeof(bad), "seccomp action %s", def);
    size_t i;
    json_t *rule;
    json_array_foreach(json_object_get(sc, "syscalls"), i, rule)
    {
      const char *a = json_string_value(json_object_get(rule, "action"));
      if (!bad[0] && a && !nsc_refusal_has_string(actions, a))
        snprintf(bad, sizeof(bad), "seccomp action %s", a);
    }
  }
  if (!bad[0] && json_is_array(archs)) {
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(sc, "architectures"), i, a)
    {
      const char *s = json_string_value(a);
      if (!bad[0] && s && !nsc_refusal_has_string(archs, s))
        snprintf(bad, sizeof(bad), "seccomp architecture %s", s);
    }
  }
  if (!bad[0])
    return;
  struct nsc_refusal_item *it = nsc_refusal_add_item(r);
  if (!it)
    return;
  snprintf(it->what, sizeof(it->what), "%s", bad);
  it->skips[0] = REQ("config-linux.seccomp.installed");
  it->skips[1] = REQ("config-linux.seccomp.rule-action");
}

/* Fields of config the document does not list.  Only the lists of concrete
 * values count: a missing list says nothing, and the ociVersion range is the
 * spec version a runtime follows, which older configs' runtimes accept
 * beyond (runc 1.1.5 declares 1.0.2-dev and runs 1.1.0 configs). */
void nsc_refusal_by_features(const json_t *config, const json_t *features, struct nsc_refusal *r)
{
  const json_t *lx = json_object_get(features, "linux");
  const json_t *ns = json_object_get(lx, "namespaces");
  if (json_is_array(ns))
    unlisted_namespaces(config, ns, r);
  const json_t *mo = json_object_get(features, "mountOptions");
  if (json_is_array(mo))
    unlisted_mount_options(config, mo, r);
  const json_t *sc = json_object_get(lx, "seccomp");
  if (json_is_object(sc) && json_is_false(json_object_get(sc, "enabled")) &&
      json_is_object(json_object_get(json_object_get(config, "linux"), "seccomp"))) {
    struct nsc_refusal_item *it = nsc_refusal_add_item(r);
    if (it) {
      snprintf(it->what, sizeof(it->what), "seccomp");
      it->skips[0] = REQ("config-linux.seccomp.installed");
    }
  } else {
    unlisted_seccomp(config, sc, r);
  }
}
