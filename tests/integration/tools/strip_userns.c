/* A deliberately broken runtime for the harness's own tests: it removes the
 * user namespace (and its id mappings) from the bundle's config.json, then
 * runs nsrt with the same arguments.  A conformance harness must notice.
 *
 *   strip-userns [global options] create --bundle DIR ... ID
 * NSRT_BIN names the real runtime. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void strip(const char *bundle)
{
  char path[4096];
  snprintf(path, sizeof(path), "%s/config.json", bundle);
  json_t *cfg = json_load_file(path, 0, NULL);
  if (!cfg)
    return;
  json_t *linux_ = json_object_get(cfg, "linux");
  json_t *ns = json_object_get(linux_, "namespaces");
  for (size_t i = 0; i < json_array_size(ns); i++) {
    const char *type = json_string_value(json_object_get(json_array_get(ns, i), "type"));
    if (type && strcmp(type, "user") == 0)
      json_array_remove(ns, i--);
  }
  json_object_del(linux_, "uidMappings");
  json_object_del(linux_, "gidMappings");
  json_dump_file(cfg, path, JSON_INDENT(2));
  json_decref(cfg);
}

int main(int argc, char **argv)
{
  const char *nsrt = getenv("NSRT_BIN");
  if (!nsrt) {
    fprintf(stderr, "strip-userns: NSRT_BIN is not set\n");
    return 125;
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "create") == 0) {
      for (int j = i + 1; j + 1 < argc; j++)
        if (strcmp(argv[j], "--bundle") == 0 || strcmp(argv[j], "-b") == 0)
          strip(argv[j + 1]);
      break;
    }
  }
  argv[0] = (char *)nsrt;
  execv(nsrt, argv);
  perror("strip-userns: exec");
  return 127;
}
