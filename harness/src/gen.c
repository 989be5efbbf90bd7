/* The seeded spec generator.  Reads top to bottom: the dimensions and their
 * values, the constraints between them, the profile, the all-pairs covering
 * array and the suite.  How a row of values becomes a config.json is in
 * gen_config.c, the negative cases in gen_negative.c, writing the bundles in
 * gen_bundles.c. */
#include "gen.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "gen_int.h"
#include "prng.h"

/* ---- dimensions ---------------------------------------------------------- */

const struct gen_dim gen_dims[D_COUNT] = {
    [D_NS_USER] = {"ns.user", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_PID] = {"ns.pid", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_MOUNT] = {"ns.mount", {"absent", "new", "path"}, NSV_NEW},
    [D_NS_UTS] = {"ns.uts", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_IPC] = {"ns.ipc", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_NET] = {"ns.network", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_CGROUP] = {"ns.cgroup", {"absent", "new", "path"}, NSV_ABSENT},
    [D_NS_TIME] = {"ns.time", {"absent", "new", "path"}, NSV_ABSENT},
    [D_IDMAP] = {"idmap",
                 {"none", "single", "several", "root-unmapped", "split-root", "large"},
                 MAP_NONE},
    [D_USER] = {"process.user", {"root", "user", "user-groups"}, USER_ROOT},
    [D_UMASK] = {"process.umask", {"absent", "0027"}, UMASK_ABSENT},
    [D_RLIMITS] = {"process.rlimits", {"none", "nofile-soft", "subset", "raised-hard"}, RL_NONE},
    [D_CAPS] = {"process.capabilities",
                {"absent", "default", "ambient-kill", "all-sets"},
                CAPS_DEFAULT},
    [D_NNP] = {"process.noNewPrivileges", {"false", "true"}, FLAG_TRUE},
    [D_HOSTNAME] = {"hostname", {"none", "hostname", "both"}, HOST_NONE},
    [D_OOM] = {"process.oomScoreAdj", {"absent", "0", "500"}, OOM_ABSENT},
    [D_SECCOMP] = {"linux.seccomp", {"absent", "errno-mkdir", "allowlist"}, SC_ABSENT},
    [D_READONLY] = {"root.readonly", {"false", "true"}, FLAG_FALSE},
    [D_MASKED] = {"linux.maskedPaths", {"default", "none", "extra"}, PATHS_DEFAULT},
    [D_ROPATHS] = {"linux.readonlyPaths", {"default", "none", "extra"}, PATHS_DEFAULT},
    [D_ENV] = {"process.env", {"default", "extra"}, ENV_DEFAULT},
    [D_CWD] = {"process.cwd", {"/", "/tmp", "/proc"}, CWD_ROOT},
    [D_SYSCTL] = {"linux.sysctl", {"none", "ipc", "net", "both"}, SYSCTL_NONE},
    [D_TIME_OFFSETS] = {"linux.timeOffsets", {"none", "monotonic", "both"}, TOFF_NONE},
    [D_ROOT_PROP] = {"linux.rootfsPropagation",
                     {"absent", "shared", "slave", "private", "unbindable"},
                     RPROP_ABSENT},
    [D_PERSONALITY] = {"linux.personality", {"absent", "LINUX", "LINUX32"}, PERS_ABSENT},
    [D_MNT_BIND] = {"mounts.bind", {"none", "bind", "rbind"}, MBIND_NONE},
    [D_MNT_PROP] = {"mounts.propagation",
                    {"none", "private", "shared", "slave", "unbindable", "rshared"},
                    MPROP_NONE},
    [D_MNT_FLAGS] = {"mounts.flags",
                     {"none", "noatime", "strictatime", "relatime", "nodiratime", "sync", "dirsync",
                      "other"},
                     MFLAGS_NONE},
    [D_SCHED] = {"process.scheduler",
                 {"absent", "other-nice", "batch-negative", "idle", "fifo", "rr-reset", "deadline"},
                 SCHED_ABSENT},
    [D_IOPRIO] = {"process.ioPriority", {"absent", "be-0", "be-7", "idle", "rt-3"}, IOPRIO_ABSENT},
    [D_MEMPOLICY] = {"linux.memoryPolicy",
                     {"absent", "default", "local", "preferred", "preferred-local", "bind",
                      "interleave-static", "bind-balancing"},
                     MPOL_ABSENT},
    [D_DEVICES] = {"linux.devices", {"none", "char", "block", "fifo", "attrs"}, DEV_NONE},
    [D_MNT_IDMAP] = {"mounts.idmap", {"none", "idmap", "ridmap"}, MIDMAP_NONE},
    [D_MNT_REMOUNT] = {"mounts.remount", {"none", "bind-ro", "tmpfs-ro"}, MREMOUNT_NONE},
};

const char *const gen_ns_types[8] = {"user", "pid",     "mount",  "uts",
                                     "ipc",  "network", "cgroup", "time"};

static int dim_value_count(int d)
{
  int n = 0;
  while (n < MAX_VALUES && gen_dims[d].values[n])
    n++;
  return n;
}

bool gen_userns_owns(const int8_t *a, int d)
{
  switch (a[D_NS_USER]) {
  case NSV_NEW:
    return a[d] == NSV_NEW;
  case NSV_PATH:
    return a[d] != NSV_ABSENT; /* the holder's user ns owns the holder's others */
  default:
    return true;
  }
}

/* ---- constraints ----------------------------------------------------------
 * consistent() is false only when the assigned values already break a rule,
 * so it prunes partial rows; a complete row is valid when it is consistent. */

static bool consistent(const int8_t *a)
{
#define HAS(d) (a[d] >= 0)
  /* The rootfs needs a mount namespace of its own. */
  if (HAS(D_NS_MOUNT) && a[D_NS_MOUNT] != NSV_NEW)
    return false;
  /* Id maps are written exactly when a user namespace is created. */
  if (HAS(D_NS_USER) && HAS(D_IDMAP) && (a[D_NS_USER] == NSV_NEW) != (a[D_IDMAP] != MAP_NONE))
    return false;
  /* root-unmapped maps container ids 1000-1999 only, so the process must be
   * 1000/1000 with no additional groups. */
  if (HAS(D_IDMAP) && HAS(D_USER) && a[D_IDMAP] == MAP_ROOT_UNMAPPED && a[D_USER] != USER_PLAIN)
    return false;
  /* Setting a hostname or domainname needs the container's own uts namespace
   * (in the runtime's it would rename the host), owned by its user namespace:
   * a joined one belongs to the holder, whose user ns a new one is not. */
  if (HAS(D_HOSTNAME) && HAS(D_NS_UTS) && a[D_HOSTNAME] != HOST_NONE &&
      (a[D_NS_UTS] == NSV_ABSENT ||
       (a[D_NS_UTS] == NSV_PATH && HAS(D_NS_USER) && a[D_NS_USER] == NSV_NEW)))
    return false;
  /* Ambient CAP_KILL is about a non-root process keeping a capability across exec. */
  if (HAS(D_CAPS) && HAS(D_USER) && a[D_CAPS] == CAPS_AMBIENT_KILL && a[D_USER] == USER_ROOT)
    return false;
  /* A fresh /proc can only be mounted from the user namespace that owns the
   * pid namespace: a new user ns needs a new pid ns; a joined one (the holder's,
   * which owns the holder's pid ns) needs a pid ns that is not the host's. */
  if (HAS(D_NS_USER) && HAS(D_NS_PID)) {
    if (a[D_NS_USER] == NSV_NEW && a[D_NS_PID] != NSV_NEW)
      return false;
    if (a[D_NS_USER] == NSV_PATH && a[D_NS_PID] == NSV_ABSENT)
      return false;
  }
  /* A sysctl is written in the container's own namespace (never the host's),
   * by the runtime as root of a user namespace that owns it: an ipc key needs
   * an ipc namespace, a net key a network namespace, and uid 0 mapped. */
  if (HAS(D_SYSCTL) && a[D_SYSCTL] != SYSCTL_NONE) {
    bool ipc = a[D_SYSCTL] == SYSCTL_IPC || a[D_SYSCTL] == SYSCTL_BOTH;
    bool net = a[D_SYSCTL] == SYSCTL_NET || a[D_SYSCTL] == SYSCTL_BOTH;
    if (HAS(D_IDMAP) && a[D_IDMAP] == MAP_ROOT_UNMAPPED)
      return false;
    if (ipc && HAS(D_NS_IPC) &&
        (a[D_NS_IPC] == NSV_ABSENT || (HAS(D_NS_USER) && !gen_userns_owns(a, D_NS_IPC))))
      return false;
    if (net && HAS(D_NS_NET) &&
        (a[D_NS_NET] == NSV_ABSENT || (HAS(D_NS_USER) && !gen_userns_owns(a, D_NS_NET))))
      return false;
  }
  /* Offsets can only be given to a time namespace nobody has entered yet. */
  if (HAS(D_TIME_OFFSETS) && a[D_TIME_OFFSETS] != TOFF_NONE && HAS(D_NS_TIME) &&
      a[D_NS_TIME] != NSV_NEW)
    return false;
  /* A non-recursive bind of the host's /sys (which has submounts) would
   * reveal what they cover: a user namespace's mount namespace refuses it. */
  if (HAS(D_MNT_BIND) && HAS(D_NS_USER) && a[D_MNT_BIND] == MBIND_BIND &&
      a[D_NS_USER] != NSV_ABSENT)
    return false;
  /* In a user namespace a device node can only be bound from the host's,
   * whose mode and owner the runtime cannot change: fileMode, uid and gid are
   * for a runtime that makes the node itself. */
  if (HAS(D_DEVICES) && HAS(D_NS_USER) && a[D_DEVICES] == DEV_ATTRS && a[D_NS_USER] != NSV_ABSENT)
    return false;
  return true;
#undef HAS
}

/* ---- profile ------------------------------------------------------------- */

struct gen_profile {
  char *name;
  int nv[D_COUNT];                 /* values in the profile, >= 1 */
  int8_t val[D_COUNT][MAX_VALUES]; /* value ids in profile order */
  int8_t pos[D_COUNT][MAX_VALUES]; /* value id -> index in val, -1 when not listed */
};

/* Depth-first completion of row a from dimension d on, over the profile's
 * values (in a seeded order when rng is given).  Fills a on success. */
static bool complete_row(const struct gen_profile *p, int8_t *a, int d, struct nsc_prng *rng)
{
  while (d < D_COUNT && a[d] >= 0)
    d++;
  if (d == D_COUNT)
    return true;
  int order[MAX_VALUES];
  for (int k = 0; k < p->nv[d]; k++)
    order[k] = k;
  if (rng)
    nsc_prng_shuffle(rng, order, (size_t)p->nv[d]);
  for (int k = 0; k < p->nv[d]; k++) {
    a[d] = p->val[d][order[k]];
    if (consistent(a) && complete_row(p, a, d + 1, rng))
      return true;
  }
  a[d] = -1;
  return false;
}

/* Whether some valid row contains the assigned values of a (a is not changed). */
static bool extendable(const struct gen_profile *p, const int8_t *a)
{
  row_t copy;
  memcpy(copy, a, sizeof(copy));
  return consistent(copy) && complete_row(p, copy, 0, NULL);
}

static int profile_dimension(struct gen_profile *p, int d, const json_t *list, struct nsrt_err *err)
{
  char path[NSRT_ERR_STEP_MAX];
  snprintf(path, sizeof(path), "dimensions.%s", gen_dims[d].name);
  memset(p->pos[d], -1, sizeof(p->pos[d]));
  if (!list) {
    p->nv[d] = 1;
    p->val[d][0] = (int8_t)gen_dims[d].fixed_value;
    p->pos[d][gen_dims[d].fixed_value] = 0;
    return 0;
  }
  if (!json_is_array(list) || json_array_size(list) == 0)
    return GEN_FAIL(err, 0, path, "expected a non-empty array of value names");
  if (json_array_size(list) > (size_t)dim_value_count(d))
    return GEN_FAIL(err, 0, path, "more values than the %d this dimension has", dim_value_count(d));
  for (size_t i = 0; i < json_array_size(list); i++) {
    const char *s = json_string_value(json_array_get(list, i));
    int v = 0;
    while (v < dim_value_count(d) && (!s || strcmp(gen_dims[d].values[v], s) != 0))
      v++;
    snprintf(path, sizeof(path), "dimensions.%s[%zu]", gen_dims[d].name, i);
    if (v == dim_value_count(d))
      return GEN_FAIL(err, 0, path, "unknown value \"%s\" (known: %s, %s, ...)", s ? s : "",
                      gen_dims[d].values[0], gen_dims[d].values[1]);
    if (p->pos[d][v] >= 0)
      return GEN_FAIL(err, 0, path, "\"%s\" is listed twice", s);
    p->pos[d][v] = (int8_t)p->nv[d];
    p->val[d][p->nv[d]++] = (int8_t)v;
  }
  return 0;
}

int gen_profile_from_json(const json_t *doc, struct gen_profile **out, struct nsrt_err *err)
{
  *out = NULL;
  const json_t *dimensions = json_object_get(doc, "dimensions");
  const char *name = json_string_value(json_object_get(doc, "name"));
  const char *schema = json_string_value(json_object_get(doc, "schema"));
  if (!json_is_object(doc))
    return GEN_FAIL(err, 0, "profile", "expected a JSON object");
  if (!schema || strcmp(schema, "nsconform-gen-profile/1") != 0)
    return GEN_FAIL(err, 0, "schema", "expected \"nsconform-gen-profile/1\"");
  if (!json_is_object(dimensions))
    return GEN_FAIL(err, 0, "dimensions", "expected an object of dimension: [values]");
  const char *key;
  json_t *value;
  json_object_foreach((json_t *)dimensions, key, value)
  {
    int d = 0;
    while (d < D_COUNT && strcmp(gen_dims[d].name, key) != 0)
      d++;
    if (d == D_COUNT)
      return GEN_FAIL(err, 0, "dimensions", "unknown dimension \"%s\"", key);
  }
  struct gen_profile *p = calloc(1, sizeof(*p));
  if (!p || !(p->name = strdup(name ? name : "unnamed"))) {
    free(p);
    return GEN_FAIL(err, ENOMEM, "profile", "out of memory");
  }
  for (int d = 0; d < D_COUNT; d++)
    if (profile_dimension(p, d, json_object_get(dimensions, gen_dims[d].name), err) < 0) {
      gen_profile_free(p);
      return -1;
    }
  /* Every listed value must fit some valid case, or it could never be tested. */
  for (int d = 0; d < D_COUNT; d++)
    for (int k = 0; k < p->nv[d]; k++) {
      row_t a;
      memset(a, -1, sizeof(a));
      a[d] = p->val[d][k];
      if (!extendable(p, a)) {
        char path[NSRT_ERR_STEP_MAX];
        snprintf(path, sizeof(path), "dimensions.%s[%d]", gen_dims[d].name, k);
        GEN_FAIL(err, 0, path, "\"%s\" fits no valid case under the constraints",
                 gen_dims[d].values[a[d]]);
        gen_profile_free(p);
        return -1;
      }
    }
  *out = p;
  return 0;
}

int gen_profile_load(const char *path, struct gen_profile **out, struct nsrt_err *err)
{
  json_error_t jerr;
  *out = NULL;
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return GEN_FAIL(err, errno, "profile", "open %s", path);
  json_t *doc = json_loadfd(fd, 0, &jerr);
  if (!doc)
    return GEN_FAIL(err, 0, "profile", "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
  int ret = gen_profile_from_json(doc, out, err);
  json_decref(doc);
  if (ret < 0)
    nsrt_err_context(err, "profile %s", path);
  return ret;
}

void gen_profile_free(struct gen_profile *p)
{
  if (!p)
    return;
  free(p->name);
  free(p);
}

const char *gen_profile_name(const struct gen_profile *p)
{
  return p->name;
}

/* ---- the covering array ---------------------------------------------------
 * Pairs are indexed by (d1 < d2, profile index i1, profile index i2). */

struct pairs {
  const struct gen_profile *p;
  size_t base[D_COUNT][D_COUNT];
  size_t n;
  uint8_t *valid, *covered;
  size_t n_valid, n_uncovered;
};

static size_t pair_index(const struct pairs *ps, int d1, int i1, int d2, int i2)
{
  if (d1 > d2)
    return pair_index(ps, d2, i2, d1, i1);
  return ps->base[d1][d2] + (size_t)i1 * (size_t)ps->p->nv[d2] + (size_t)i2;
}

static int pairs_init(struct pairs *ps, const struct gen_profile *p, struct nsrt_err *err)
{
  memset(ps, 0, sizeof(*ps));
  ps->p = p;
  for (int d1 = 0; d1 < D_COUNT; d1++)
    for (int d2 = d1 + 1; d2 < D_COUNT; d2++) {
      ps->base[d1][d2] = ps->n;
      ps->n += (size_t)p->nv[d1] * (size_t)p->nv[d2];
    }
  ps->valid = calloc(ps->n, 1);
  ps->covered = calloc(ps->n, 1);
  if (!ps->valid || !ps->covered)
    return GEN_FAIL(err, ENOMEM, "pairs", "out of memory for %zu pairs", ps->n);
  for (int d1 = 0; d1 < D_COUNT; d1++)
    for (int d2 = d1 + 1; d2 < D_COUNT; d2++)
      for (int i1 = 0; i1 < p->nv[d1]; i1++)
        for (int i2 = 0; i2 < p->nv[d2]; i2++) {
          row_t a;
          memset(a, -1, sizeof(a));
          a[d1] = p->val[d1][i1];
          a[d2] = p->val[d2][i2];
          if (extendable(p, a)) {
            ps->valid[pair_index(ps, d1, i1, d2, i2)] = 1;
            ps->n_valid++;
          }
        }
  ps->n_uncovered = ps->n_valid;
  return 0;
}

static void pairs_free(struct pairs *ps)
{
  free(ps->valid);
  free(ps->covered);
}

/* Uncovered valid pairs between (d, value) and the assigned dimensions of a. */
static size_t new_pairs(const struct pairs *ps, const int8_t *a, int d, int8_t value)
{
  size_t gain = 0;
  int i = ps->p->pos[d][value];
  for (int e = 0; e < D_COUNT; e++) {
    if (e == d || a[e] < 0)
      continue;
    size_t k = pair_index(ps, d, i, e, ps->p->pos[e][a[e]]);
    gain += ps->valid[k] && !ps->covered[k];
  }
  return gain;
}

static size_t row_gain(const struct pairs *ps, const int8_t *a)
{
  size_t gain = 0;
  for (int d = 0; d < D_COUNT; d++)
    for (int e = d + 1; e < D_COUNT; e++) {
      size_t k = pair_index(ps, d, ps->p->pos[d][a[d]], e, ps->p->pos[e][a[e]]);
      gain += ps->valid[k] && !ps->covered[k];
    }
  return gain;
}

static void cover_row(struct pairs *ps, const int8_t *a)
{
  for (int d = 0; d < D_COUNT; d++)
    for (int e = d + 1; e < D_COUNT; e++) {
      size_t k = pair_index(ps, d, ps->p->pos[d][a[d]], e, ps->p->pos[e][a[e]]);
      if (ps->valid[k] && !ps->covered[k]) {
        ps->covered[k] = 1;
        ps->n_uncovered--;
      }
    }
}

/* One AETG candidate: start from a random uncovered pair, then give each other
 * dimension (in random order) the value that covers the most new pairs with
 * those already set, among values that keep the row completable. */
static void candidate_row(const struct pairs *ps, struct nsc_prng *rng, int8_t *a)
{
  const struct gen_profile *p = ps->p;
  size_t pick = nsc_prng_below(rng, ps->n_uncovered), k = 0;
  for (;; k++)
    if (ps->valid[k] && !ps->covered[k] && pick-- == 0)
      break;
  memset(a, -1, sizeof(row_t));
  for (int d1 = 0; d1 < D_COUNT; d1++)
    for (int d2 = d1 + 1; d2 < D_COUNT; d2++)
      if (k >= ps->base[d1][d2] && k < ps->base[d1][d2] + (size_t)p->nv[d1] * (size_t)p->nv[d2]) {
        size_t off = k - ps->base[d1][d2];
        a[d1] = p->val[d1][off / (size_t)p->nv[d2]];
        a[d2] = p->val[d2][off % (size_t)p->nv[d2]];
      }
  int order[D_COUNT], n = 0;
  for (int d = 0; d < D_COUNT; d++)
    if (a[d] < 0)
      order[n++] = d;
  nsc_prng_shuffle(rng, order, (size_t)n);
  for (int j = 0; j < n; j++) {
    int d = order[j], ties = 0;
    int8_t best = -1;
    size_t best_gain = 0;
    for (int i = 0; i < p->nv[d]; i++) {
      a[d] = p->val[d][i];
      if (!extendable(p, a))
        continue;
      size_t gain = new_pairs(ps, a, d, a[d]);
      if (best < 0 || gain > best_gain) {
        best = a[d];
        best_gain = gain;
        ties = 1;
      } else if (gain == best_gain && nsc_prng_below(rng, (size_t)++ties) == 0) {
        best = a[d]; /* reservoir choice among equals */
      }
    }
    a[d] = best; /* the seed pair is valid, so some value always fits */
  }
}

#define CANDIDATES 16
enum { STREAM_ROWS = 1, STREAM_RANDOM, STREAM_LAYOUT };

/* Rows until every valid pair is covered; *rows is malloc'd. */
static int covering_array(struct pairs *ps, uint64_t seed, int8_t (**rows)[D_COUNT], size_t *n_rows,
                          struct nsrt_err *err)
{
  struct nsc_prng rng = nsc_prng_stream(seed, STREAM_ROWS, 0);
  size_t cap = 0;
  *rows = NULL;
  *n_rows = 0;
  while (ps->n_uncovered > 0) {
    row_t best, cand;
    size_t best_gain = 0;
    for (int c = 0; c < CANDIDATES; c++) {
      candidate_row(ps, &rng, cand);
      size_t gain = row_gain(ps, cand);
      if (c == 0 || gain > best_gain) {
        best_gain = gain;
        memcpy(best, cand, sizeof(best));
      }
    }
    if (*n_rows == cap) {
      cap = cap ? cap * 2 : 64;
      void *grown = realloc(*rows, cap * sizeof(row_t));
      if (!grown)
        return GEN_FAIL(err, ENOMEM, "pairs", "out of memory for %zu rows", cap);
      *rows = grown;
    }
    memcpy((*rows)[(*n_rows)++], best, sizeof(best));
    cover_row(ps, best);
  }
  return 0;
}

/* ---- the suite ------------------------------------------------------------ */

int gen_fill_case(struct nsc_case *c, const char *id, uint64_t seed, enum nsc_case_kind kind,
                  json_t *config, const char *requirement, const char *title, const char *probe,
                  struct nsrt_err *err)
{
  snprintf(c->id, sizeof(c->id), "%s", id);
  c->seed = seed;
  c->kind = kind;
  c->config = config;
  c->requirement = requirement ? strdup(requirement) : NULL;
  c->title = strdup(title);
  c->probe_syscall = probe ? strdup(probe) : NULL;
  if (!config || !c->title || (requirement && !c->requirement) || (probe && !c->probe_syscall))
    return GEN_FAIL(err, ENOMEM, id, "out of memory");
  return 0;
}

static int generated_case(struct nsc_case *c, const int8_t *a, size_t index, uint64_t seed,
                          const char *title, struct nsrt_err *err)
{
  char id[16];
  const char *probe = NULL;
  snprintf(id, sizeof(id), "g%04zu", index + 1);
  struct nsc_prng layout = nsc_prng_stream(seed, STREAM_LAYOUT, index);
  json_t *cfg = gen_build_config(a, id, seed, &layout, &probe);
  return gen_fill_case(c, id, seed, NSC_CASE_GENERATED, cfg, NULL, title, probe, err);
}

static bool same_row(const int8_t *a, const int8_t *b)
{
  return memcmp(a, b, sizeof(row_t)) == 0;
}

/* A random valid row, different from the earlier ones when a few tries allow. */
static void random_row(const struct gen_profile *p, uint64_t seed, size_t index,
                       int8_t (*earlier)[D_COUNT], size_t n_earlier, int8_t *a)
{
  struct nsc_prng rng = nsc_prng_stream(seed, STREAM_RANDOM, index);
  for (int attempt = 0; attempt < 32; attempt++) {
    memset(a, -1, sizeof(row_t));
    complete_row(p, a, 0, &rng); /* the profile loader made sure a valid row exists */
    bool seen = false;
    for (size_t i = 0; i < n_earlier && !seen; i++)
      seen = same_row(a, earlier[i]);
    if (!seen)
      return;
  }
}

int gen_suite(const struct gen_profile *p, uint64_t seed, size_t count, struct nsc_case **cases,
              size_t *n, struct gen_stats *st, struct nsrt_err *err)
{
  struct pairs ps;
  int8_t(*rows)[D_COUNT] = NULL;
  size_t n_rows = 0;
  *cases = NULL;
  *n = 0;
  memset(st, 0, sizeof(*st));
  if (seed > INT64_MAX)
    return GEN_FAIL(err, 0, "seed", "%" PRIu64 " is above %" PRId64 " (seeds are JSON integers)",
                    seed, INT64_MAX);
  if (pairs_init(&ps, p, err) < 0 || covering_array(&ps, seed, &rows, &n_rows, err) < 0) {
    pairs_free(&ps);
    free(rows);
    return -1;
  }
  st->pairs_total = ps.n_valid;
  st->pairs_covered = ps.n_valid - ps.n_uncovered;
  st->pairs_excluded = ps.n - ps.n_valid;
  st->count_requested = count;
  st->cases_pairwise = n_rows;
  st->cases_random = count > n_rows ? count - n_rows : 0;
  st->cases_negative = gen_negative_count();
  pairs_free(&ps);

  size_t total = n_rows + st->cases_random + st->cases_negative;
  int8_t(*all)[D_COUNT] = realloc(rows, (n_rows + st->cases_random + 1) * sizeof(row_t));
  struct nsc_case *cs = calloc(total, sizeof(*cs));
  if (!all || !cs) {
    free(all ? all : rows);
    free(cs);
    return GEN_FAIL(err, ENOMEM, "suite", "out of memory for %zu cases", total);
  }
  int ret = 0;
  for (size_t i = 0; i < total && ret == 0; i++) {
    char title[96];
    if (i < n_rows) {
      snprintf(title, sizeof(title), "pairwise row %zu of %zu", i + 1, n_rows);
      ret = generated_case(&cs[i], all[i], i, seed, title, err);
    } else if (i < n_rows + st->cases_random) {
      random_row(p, seed, i - n_rows, all, i, all[i]);
      snprintf(title, sizeof(title), "seeded random case %zu", i - n_rows + 1);
      ret = generated_case(&cs[i], all[i], i, seed, title, err);
    } else {
      ret = gen_negative_case(&cs[i], i - n_rows - st->cases_random, seed, err);
    }
  }
  free(all);
  if (ret < 0) {
    gen_cases_free(cs, total);
    return -1;
  }
  *cases = cs;
  *n = total;
  return 0;
}

void gen_cases_free(struct nsc_case *cases, size_t n)
{
  for (size_t i = 0; cases && i < n; i++)
    nsc_case_free(&cases[i]);
  free(cases);
}

void gen_stats_format(const struct gen_stats *st, char *buf, size_t len)
{
  double pct = st->pairs_total ? 100.0 * (double)st->pairs_covered / (double)st->pairs_total : 100;
  int used = snprintf(buf, len,
                      "pairs %zu/%zu (%.1f%%), %zu excluded by constraints; %zu pairwise + %zu "
                      "random + %zu negative cases",
                      st->pairs_covered, st->pairs_total, pct, st->pairs_excluded,
                      st->cases_pairwise, st->cases_random, st->cases_negative);
  if (used >= 0 && (size_t)used < len && st->cases_pairwise > st->count_requested)
    snprintf(buf + used, len - (size_t)used, " (the covering array needs %zu rows, count was %zu)",
             st->cases_pairwise, st->count_requested);
}

int gen_excluded_pairs(const struct gen_profile *p, char ***out, size_t *n, struct nsrt_err *err)
{
  struct pairs ps;
  *out = NULL;
  *n = 0;
  if (pairs_init(&ps, p, err) < 0) {
    pairs_free(&ps);
    return -1;
  }
  char **v = calloc(ps.n - ps.n_valid + 1, sizeof(char *));
  for (int d1 = 0; v && d1 < D_COUNT; d1++)
    for (int d2 = d1 + 1; d2 < D_COUNT; d2++)
      for (int i1 = 0; i1 < p->nv[d1]; i1++)
        for (int i2 = 0; i2 < p->nv[d2]; i2++) {
          if (ps.valid[pair_index(&ps, d1, i1, d2, i2)])
            continue;
          if (asprintf(&v[*n], "%s=%s & %s=%s", gen_dims[d1].name,
                       gen_dims[d1].values[p->val[d1][i1]], gen_dims[d2].name,
                       gen_dims[d2].values[p->val[d2][i2]]) < 0) {
            v[*n] = NULL;
            gen_strv_free(v);
            v = NULL;
            break;
          }
          (*n)++;
        }
  pairs_free(&ps);
  if (!v) {
    *n = 0;
    return GEN_FAIL(err, ENOMEM, "pairs", "out of memory");
  }
  *out = v;
  return 0;
}

void gen_strv_free(char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}
