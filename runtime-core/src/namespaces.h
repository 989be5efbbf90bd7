/* The eight namespace types, in one table. */
#ifndef NSRT_NAMESPACES_H
#define NSRT_NAMESPACES_H

struct nsrt_err;

/* The order of this enum is the order init joins/creates the namespaces
 * that are not the intermediate's business: user and pid (and time) first
 * (intermediate), then uts, ipc, net, cgroup, and mount last so that
 * /proc/PID/ns paths of other processes still resolve while joining. */
enum ns_type {
  NS_USER,
  NS_PID,
  NS_TIME,
  NS_UTS,
  NS_IPC,
  NS_NET,
  NS_CGROUP,
  NS_MOUNT,
  NS_COUNT
};

struct ns_info {
  const char *spec_name; /* "user", "pid", "mount", "network", ... (config-linux.md) */
  const char *proc_name; /* "user", "pid", "mnt", "net", ... (/proc/PID/ns/<name>) */
  int clone_flag;        /* CLONE_NEW* */
};

extern const struct ns_info ns_table[NS_COUNT];

/* -1 when unknown. */
int ns_type_from_spec_name(const char *name);
int ns_type_from_clone_flag(int flag);

/* Open path O_RDONLY|O_CLOEXEC and check with NS_GET_NSTYPE that it is a
 * namespace of the given type.  step names the JSON path for the error
 * (stage "spec"). Returns the fd or -1. */
int ns_open_checked(const char *path, enum ns_type type, const char *json_path,
                    struct nsrt_err *err);

#endif
