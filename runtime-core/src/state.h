/* The state directory of a container: <root>/<id>/
 *   state.json   written atomically (tmp + rename) at the end of create and
 *                again by start; never half-written
 *   hooks.json   the "hooks" object of config.json as create read it, so that
 *                start and delete run the hooks of create time even if the
 *                bundle's config.json was edited afterwards
 *   start.sock   the listening socket the init waits on; `start` connects to it
 * Status is derived, never stored alone: the init pid is alive with the same
 * start time as recorded (so a reused pid is not mistaken for it) ->
 * created or running (started flag); otherwise stopped.
 */
#ifndef NSRT_STATE_H
#define NSRT_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"

struct nsrt_err;

enum container_status { STATUS_CREATING, STATUS_CREATED, STATUS_RUNNING, STATUS_STOPPED };

struct container_state {
  char *oci_version;
  char *id;
  char *bundle;
  pid_t pid;
  unsigned long long pid_start; /* field 22 of /proc/PID/stat */
  bool started;
  char *created; /* RFC 3339 UTC */
  struct annotation *annotations;
  size_t n_annotations;
};

#define STATE_SOCKET "start.sock"
#define STATE_JSON "state.json"
#define STATE_HOOKS "hooks.json"

/* Container ids: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 64 bytes; the whole
 * socket path must fit sun_path.  Error stage "cli", step "id". */
int state_check_id(const char *root, const char *id, struct nsrt_err *err);

/* mkdir -p root (0700), then mkdir root/id; EEXIST: "container <id> already
 * exists".  Returns an O_DIRECTORY|O_CLOEXEC fd of the new dir or -1. */
int state_dir_create(const char *root, const char *id, struct nsrt_err *err);

/* "<root>/<id>/<name>" into buf. */
int state_path(char *buf, size_t len, const char *root, const char *id, const char *name);

int state_write(int dirfd, const struct container_state *st, struct nsrt_err *err);
/* Error "container <id> does not exist" (ENOENT) when there is no state.json. */
int state_load(const char *root, const char *id, struct container_state *st,
               struct nsrt_err *err);
void state_free(struct container_state *st);

enum container_status state_status(const struct container_state *st);
const char *state_status_name(enum container_status s);

/* The runtime.md state JSON (ociVersion, id, status, pid when not stopped,
 * bundle, annotations); malloc'd. */
char *state_to_json(const struct container_state *st, enum container_status s);

/* Remove the directory and everything in it.  Missing dir is not an error. */
int state_remove(const char *root, const char *id, struct nsrt_err *err);

/* Field 22 of /proc/PID/stat; -1 when the process does not exist. */
int proc_start_time(pid_t pid, unsigned long long *out);

/* Current time, RFC 3339 UTC with nanoseconds, into buf. */
void rfc3339_now(char *buf, size_t len);

#endif
