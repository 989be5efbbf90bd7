/* Channels between the stages: one SOCK_SEQPACKET packet per message.
 *
 * Nothing here allocates: the stages call these functions between fork and
 * exec, and on their way out of a failure. */
#include "channel.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bugs.h"
#include "cleanup.h"
#include "failpoint.h"

#define CHAN_DEFAULT_TIMEOUT_MS 10000
/* The socket can report EOF a moment before the dead peer becomes a zombie. */
#define PEER_EXIT_GRACE_MS 2000
#define STEP_LEN           48

static const char *const type_names[MSG_TYPE_END] = {
    [MSG_MAPPING_REQUEST] = "MAPPING_REQUEST",
    [MSG_MAPPING_DONE] = "MAPPING_DONE",
    [MSG_INTERMEDIATE_READY] = "INTERMEDIATE_READY",
    [MSG_HOOKS_REQUEST] = "HOOKS_REQUEST",
    [MSG_HOOKS_DONE] = "HOOKS_DONE",
    [MSG_INIT_READY] = "INIT_READY",
    [MSG_ERROR] = "ERROR",
};

static bool type_known(uint32_t type)
{
  return type > 0 && type < MSG_TYPE_END;
}

const char *msg_type_name(uint32_t type)
{
  return type_known(type) ? type_names[type] : "unknown";
}

uint32_t msg_type_len(uint32_t type)
{
  switch (type) {
  case MSG_INTERMEDIATE_READY:
    return sizeof(struct msg_pid);
  case MSG_ERROR:
    return sizeof(struct msg_error);
  default:
    return 0;
  }
}

int chan_default_timeout_ms(void)
{
  const char *s = getenv("NSRT_SYNC_TIMEOUT_MS");
  if (!s || !*s)
    return CHAN_DEFAULT_TIMEOUT_MS;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v <= 0 || v > INT_MAX)
    return CHAN_DEFAULT_TIMEOUT_MS;
  return (int)v;
}

static const char *peer_name(const struct channel *ch)
{
  return ch->peer ? ch->peer : "peer";
}

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when fd is readable before deadline_ms (monotonic), 0 on timeout, -1
 * with errno on error.  Interrupted polls resume with the time left. */
static int wait_readable(int fd, int64_t deadline_ms)
{
  for (;;) {
    int64_t left = deadline_ms - now_ms();
    if (left <= 0)
      return 0;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int ret = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (ret > 0)
      return 1;
    if (ret < 0 && errno != EINTR)
      return -1;
  }
}

/* The peer's fields are the caller's to fill in; until then messages say
 * "peer" and EOF is not traced to a process. */
int chan_pair(struct channel *a, struct channel *b, struct nsrt_err *err)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return nsrt_fail(err, errno, "socketpair", "channel (AF_UNIX, SOCK_SEQPACKET)");
  int timeout = chan_default_timeout_ms();
  *a = (struct channel){.fd = sv[0], .peer = "peer", .peer_pid = 0, .timeout_ms = timeout};
  *b = (struct channel){.fd = sv[1], .peer = "peer", .peer_pid = 0, .timeout_ms = timeout};
  return 0;
}

void chan_close(struct channel *ch)
{
  if (ch->fd >= 0) {
    int saved = errno;
    close(ch->fd);
    errno = saved;
  }
  ch->fd = -1;
}

static int send_packet(int fd, const void *buf, size_t len)
{
  for (;;) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0)
      return 0;
    if (errno != EINTR)
      return -1;
  }
}

static int send_to_closed(const struct channel *ch, uint32_t type, int e, const char *step,
                          struct nsrt_err *err);

int chan_send(struct channel *ch, struct nsrt_failpoint *fp, uint32_t type, const void *payload,
              uint32_t len, struct nsrt_err *err)
{
  char step[STEP_LEN];
  snprintf(step, sizeof(step), "send %s", msg_type_name(type));
  if (len > MSG_MAX_PAYLOAD)
    return nsrt_fail(err, EMSGSIZE, step, "payload of %u bytes to %s (at most %d)", len,
                     peer_name(ch), MSG_MAX_PAYLOAD);
  if (len > 0 && !payload)
    return nsrt_fail(err, EINVAL, step, "no payload for %u bytes to %s", len, peer_name(ch));

  struct msg m;
  m.hdr.type = type;
  m.hdr.len = len;
  if (len > 0)
    memcpy(m.u.raw, payload, len);
  size_t size = sizeof(m.hdr) + len;

  int copies = 1;
  int injected = 0;
  struct fp_action act = {.act = FP_OFF};
  if (fp && fp->chain && nsrt_fp_fire(fp, &act)) {
    switch (act.act) {
    case FP_ERR:
      injected = (int)act.arg;
      break;
    case FP_SHORT:
      if (act.arg >= 0 && (size_t)act.arg < size)
        size = (size_t)act.arg;
      break;
    case FP_CORRUPT:
      ((uint8_t *)&m)[(size_t)labs(act.arg) % size] ^= 0xff;
      break;
    case FP_DROP:
      return 0;
    case FP_DUP:
      copies = 2;
      break;
    default:
      break;
    }
  }

  for (int i = 0; i < copies; i++) {
    int ret;
    if (injected) {
      errno = injected;
      ret = -1;
    } else {
      ret = send_packet(ch->fd, &m, size);
    }
    if (ret < 0) {
      int e = errno;
      if (!injected && (e == EPIPE || e == ECONNRESET))
        return send_to_closed(ch, type, e, step, err);
      return nsrt_fail(err, e, step, "to %s", peer_name(ch));
    }
  }
  return 0;
}

static void copy_field(char *dst, size_t dst_len, const char *src, size_t src_len)
{
  size_t n = strnlen(src, src_len < dst_len - 1 ? src_len : dst_len - 1);
  memcpy(dst, src, n);
  dst[n] = '\0';
}

void chan_send_error(struct channel *ch, struct nsrt_failpoint *fp, const struct nsrt_err *err)
{
  struct msg_error me;
  memset(&me, 0, sizeof(me));
  me.errnum = err->errnum;
  copy_field(me.stage, sizeof(me.stage), err->stage, sizeof(err->stage));
  copy_field(me.step, sizeof(me.step), err->step, sizeof(err->step));
  copy_field(me.text, sizeof(me.text), err->text, sizeof(err->text));
  struct nsrt_err ignored;
  int saved = errno;
  (void)chan_send(ch, fp, MSG_ERROR, &me, sizeof(me), &ignored);
  errno = saved;
}

/* peer may be NULL (msg_validate has no channel): the text then names no peer. */
static int validate_packet(const struct msg *m, size_t got, const char *peer, const char *step,
                           struct nsrt_err *err)
{
  const char *from = peer ? " from " : "";
  if (!peer)
    peer = "";
  if (got > sizeof(struct msg))
    return nsrt_fail(err, EBADMSG, step, "oversized message%s%s: %zu bytes (at most %zu)", from,
                     peer, got, sizeof(struct msg));
  if (got < sizeof(struct msg_hdr))
    return nsrt_fail(err, EBADMSG, step, "short message%s%s: %zu bytes", from, peer, got);
  size_t payload = got - sizeof(struct msg_hdr);
  if (m->hdr.len != payload)
    return nsrt_fail(err, EBADMSG, step, "message%s%s declares %u bytes of payload but carries %zu",
                     from, peer, m->hdr.len, payload);
  if (!type_known(m->hdr.type))
    return nsrt_fail(err, EBADMSG, step, "unknown message type %u%s%s", m->hdr.type, from, peer);
  if (m->hdr.len != msg_type_len(m->hdr.type))
    return nsrt_fail(err, EBADMSG, step, "%s message%s%s carries %u bytes of payload, not %u",
                     msg_type_name(m->hdr.type), from, peer, m->hdr.len, msg_type_len(m->hdr.type));
  return 0;
}

int msg_validate(const struct msg *m, size_t got, struct nsrt_err *err)
{
  return validate_packet(m, got, NULL, "recv", err);
}

static bool waitid_nowait(idtype_t type, id_t id, siginfo_t *si, int flags)
{
  for (;;) {
    memset(si, 0, sizeof(*si));
    if (waitid(type, id, si, WEXITED | WNOWAIT | flags) == 0)
      return true;
    if (errno != EINTR)
      return false;
  }
}

/* Wait (bounded) for our child pid to end and read how, leaving it a zombie
 * for its owner to reap.  False when it is not our child or still running. */
static bool peer_ended(pid_t pid, siginfo_t *si)
{
  int64_t deadline = now_ms() + PEER_EXIT_GRACE_MS;
  cleanup_close int pidfd = pidfd_open(pid, 0);
  if (pidfd >= 0) {
    if (wait_readable(pidfd, deadline) <= 0)
      return false;
    return waitid_nowait((idtype_t)P_PIDFD, (id_t)pidfd, si, 0) && si->si_pid != 0;
  }
  if (errno != ENOSYS)
    return false;
  /* No pidfd_open (old kernel, or valgrind): poll for the zombie instead. */
  for (;;) {
    if (!waitid_nowait(P_PID, (id_t)pid, si, WNOHANG))
      return false;
    if (si->si_pid != 0)
      return true;
    if (now_ms() >= deadline)
      return false;
    struct timespec tick = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
    nanosleep(&tick, NULL);
  }
}

static int peer_gone(const struct channel *ch, uint32_t expect, const char *step,
                     struct nsrt_err *err)
{
  const char *peer = peer_name(ch);
  const char *tname = msg_type_name(expect);
  siginfo_t si;
  if (ch->peer_pid > 0 && peer_ended(ch->peer_pid, &si)) {
    if (si.si_code == CLD_EXITED)
      return nsrt_fail_at(err, peer, 0, "exit", "%s exited with status %d before %s", peer,
                          si.si_status, tname);
    const char *abbrev = sigabbrev_np(si.si_status);
    return nsrt_fail_at(err, peer, 0, "exit", "%s killed by signal %d (SIG%s%s) before %s", peer,
                        si.si_status, abbrev ? abbrev : "?",
                        si.si_code == CLD_DUMPED ? ", core dumped" : "", tname);
  }
  return nsrt_fail(err, 0, step, "%s closed the channel before %s", peer, tname);
}

/* The peer's own error, as it reported it. */
static int peer_error(const struct channel *ch, const struct msg_error *me, struct nsrt_err *err)
{
  if (!err)
    return -1;
  err->errnum = me->errnum;
  copy_field(err->stage, sizeof(err->stage), me->stage, sizeof(me->stage));
  copy_field(err->step, sizeof(err->step), me->step, sizeof(me->step));
  copy_field(err->text, sizeof(err->text), me->text, sizeof(me->text));
  if (!err->stage[0])
    copy_field(err->stage, sizeof(err->stage), peer_name(ch), NSRT_ERR_STAGE_MAX);
  return -1;
}

/* The peer closed the channel while we were sending to it.  Why is worth
 * more than the EPIPE: the error it sent before it went (a failed step of
 * its own, a receive that timed out while we were slow), else how it ended;
 * only when neither is known, that it closed the channel. */
static int send_to_closed(const struct channel *ch, uint32_t type, int e, const char *step,
                          struct nsrt_err *err)
{
  struct msg m;
  for (int tries = 0; tries < 3; tries++) {
    ssize_t got = recv(ch->fd, &m, sizeof(m), MSG_DONTWAIT);
    /* ECONNRESET (it closed with our messages unread) is reported once,
     * before what it had sent */
    if (got < 0 && (errno == EINTR || errno == ECONNRESET))
      continue;
    if (got > 0 && validate_packet(&m, (size_t)got, NULL, step, NULL) == 0 &&
        m.hdr.type == MSG_ERROR)
      return peer_error(ch, &m.u.error, err);
    break;
  }
  siginfo_t si;
  if (ch->peer_pid > 0 && peer_ended(ch->peer_pid, &si))
    return peer_gone(ch, type, step, err);
  return nsrt_fail(err, e, step, "to %s: %s has closed the channel (exited?)", peer_name(ch),
                   peer_name(ch));
}

int chan_recv(struct channel *ch, struct nsrt_failpoint *fp, uint32_t expect, struct msg *out,
              struct nsrt_err *err)
{
  const char *peer = peer_name(ch);
  char step[STEP_LEN];
  snprintf(step, sizeof(step), "recv %s", msg_type_name(expect));
  if (ch->fd < 0)
    return nsrt_fail(err, EBADF, step, "the channel from %s is closed", peer);

  /* One hit per receive; corrupt and drop apply to the next packet read
   * (dup has no meaning for a single receive and is ignored). */
  struct fp_action act = {.act = FP_OFF};
  if (fp && fp->chain && nsrt_fp_fire(fp, &act) && act.act == FP_ERR) {
    errno = (int)act.arg;
    return nsrt_fail(err, errno, step, "from %s", peer);
  }

  int timeout_ms = ch->timeout_ms > 0 ? ch->timeout_ms : chan_default_timeout_ms();
  int64_t deadline = now_ms() + timeout_ms;
  /* Known bug (opencontainers/runc#1804, youki-dev/youki#237): a receive
   * without a deadline waits as long as a stuck peer does. */
  if (NSRT_BUG("recv-no-deadline"))
    deadline = INT64_MAX;
  bool reset_seen = false;
  for (;;) {
    int ready = wait_readable(ch->fd, deadline);
    if (ready < 0)
      return nsrt_fail(err, errno, step, "poll on the channel from %s", peer);
    if (ready == 0)
      return nsrt_fail(err, ETIMEDOUT, step, "no %s from %s after %d ms", msg_type_name(expect),
                       peer, timeout_ms);

    /* One spare byte and MSG_TRUNC: a packet larger than any message is
     * seen whole in the returned length, not silently cut. */
    uint8_t spare;
    struct iovec iov[2] = {{.iov_base = out, .iov_len = sizeof(*out)},
                           {.iov_base = &spare, .iov_len = 1}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t got = recvmsg(ch->fd, &mh, MSG_TRUNC | MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      /* The peer closed its end with messages of ours unread: the reset is
       * reported once, before what it sent us (its last message, or EOF
       * and how it ended). */
      if (errno == ECONNRESET && !reset_seen) {
        reset_seen = true;
        continue;
      }
      return nsrt_fail(err, errno, step, "recvmsg from %s", peer);
    }
    if (got == 0)
      return peer_gone(ch, expect, step, err);

    if (act.act == FP_DROP) {
      act.act = FP_OFF;
      continue;
    }
    if (act.act == FP_CORRUPT) {
      size_t held = (size_t)got < sizeof(*out) ? (size_t)got : sizeof(*out);
      ((uint8_t *)out)[(size_t)labs(act.arg) % held] ^= 0xff;
      act.act = FP_OFF;
    }

    if (validate_packet(out, (size_t)got, peer, step, err) < 0)
      return -1;
    /* Known bug (opencontainers/runc#4928): the peer's own error is not
     * decoded, so main reports a protocol error and the cause is lost. */
    if (out->hdr.type == MSG_ERROR && !NSRT_BUG("peer-error-as-unexpected"))
      return peer_error(ch, &out->u.error, err);
    if (out->hdr.type != expect)
      return nsrt_fail(err, EPROTO, step, "expected %s from %s, got %s", msg_type_name(expect),
                       peer, msg_type_name(out->hdr.type));
    return 0;
  }
}
