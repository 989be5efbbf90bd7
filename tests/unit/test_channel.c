#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "error.h"
#include "failpoint.h"

/* A pair as main sees it: `a` is ours (peer "init"), `b` the child's. */
static struct channel a, b;

static void setup(void)
{
  unsetenv("NSRT_SYNC_TIMEOUT_MS");
  nsrt_set_stage("main");
  struct nsrt_err err;
  cr_assert_eq(chan_pair(&a, &b, &err), 0);
  a.peer = "init";
  b.peer = "main";
}

static void teardown(void)
{
  chan_close(&a);
  chan_close(&b);
  nsrt_fp_reset();
}

TestSuite(channel, .init = setup, .fini = teardown, .timeout = 30);

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void expect_err(const struct nsrt_err *err, const char *stage, const char *step, int errnum,
                       const char *text_part)
{
  cr_expect_str_eq(err->stage, stage);
  cr_expect_str_eq(err->step, step);
  cr_expect_eq(err->errnum, errnum, "errnum %d (%s), expected %d (%s)", err->errnum,
               strerror(err->errnum), errnum, strerror(errnum));
  cr_expect(strstr(err->text, text_part) != NULL, "text \"%s\" lacks \"%s\"", err->text, text_part);
}

/* A child that dies with the parent and cannot outlive a hung test. */
static pid_t fork_child(void)
{
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(20);
    chan_close(&a);
  }
  return pid;
}

static int reap(pid_t pid)
{
  int status;
  pid_t r;
  while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
    ;
  cr_assert_eq(r, pid, "waitpid: %s", strerror(errno));
  return status;
}

Test(channel, type_names_and_lengths)
{
  cr_expect_str_eq(msg_type_name(MSG_MAPPING_REQUEST), "MAPPING_REQUEST");
  cr_expect_str_eq(msg_type_name(MSG_MAPPING_DONE), "MAPPING_DONE");
  cr_expect_str_eq(msg_type_name(MSG_INTERMEDIATE_READY), "INTERMEDIATE_READY");
  cr_expect_str_eq(msg_type_name(MSG_HOOKS_REQUEST), "HOOKS_REQUEST");
  cr_expect_str_eq(msg_type_name(MSG_HOOKS_DONE), "HOOKS_DONE");
  cr_expect_str_eq(msg_type_name(MSG_INIT_READY), "INIT_READY");
  cr_expect_str_eq(msg_type_name(MSG_ERROR), "ERROR");
  cr_expect_str_eq(msg_type_name(0), "unknown");
  cr_expect_str_eq(msg_type_name(MSG_TYPE_END), "unknown");
  cr_expect_eq(msg_type_len(MSG_INIT_READY), 0);
  cr_expect_eq(msg_type_len(MSG_MAPPING_REQUEST), 0);
  cr_expect_eq(msg_type_len(MSG_INTERMEDIATE_READY), sizeof(struct msg_pid));
  cr_expect_eq(msg_type_len(MSG_ERROR), sizeof(struct msg_error));
}

Test(channel, pair_is_seqpacket_cloexec_with_default_timeout)
{
  int type = 0;
  socklen_t len = sizeof(type);
  cr_assert_eq(getsockopt(a.fd, SOL_SOCKET, SO_TYPE, &type, &len), 0);
  cr_expect_eq(type, SOCK_SEQPACKET);
  cr_expect(fcntl(a.fd, F_GETFD) & FD_CLOEXEC);
  cr_expect(fcntl(b.fd, F_GETFD) & FD_CLOEXEC);
  cr_expect_eq(a.timeout_ms, 10000);
  cr_expect_eq(b.timeout_ms, 10000);
  cr_expect_eq(a.peer_pid, 0);
}

Test(channel, default_timeout_from_env)
{
  cr_expect_eq(chan_default_timeout_ms(), 10000);
  setenv("NSRT_SYNC_TIMEOUT_MS", "250", 1);
  cr_expect_eq(chan_default_timeout_ms(), 250);
  struct channel x, y;
  struct nsrt_err err;
  cr_assert_eq(chan_pair(&x, &y, &err), 0);
  cr_expect_eq(x.timeout_ms, 250);
  cr_expect_eq(y.timeout_ms, 250);
  chan_close(&x);
  chan_close(&y);
  cr_expect_eq(x.fd, -1);
  const char *bad[] = {"0", "-5", "abc", "12ms", "", "99999999999"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    setenv("NSRT_SYNC_TIMEOUT_MS", bad[i], 1);
    cr_expect_eq(chan_default_timeout_ms(), 10000, "value \"%s\"", bad[i]);
  }
  unsetenv("NSRT_SYNC_TIMEOUT_MS");
}

Test(channel, round_trip_of_every_type)
{
  struct nsrt_err err;
  struct msg m;
  for (uint32_t t = MSG_MAPPING_REQUEST; t < MSG_TYPE_END; t++) {
    if (t == MSG_ERROR)
      continue; /* received as the peer's error: see error_from_child */
    struct msg_pid pid = {.pid = 4242};
    const void *payload = t == MSG_INTERMEDIATE_READY ? &pid : NULL;
    cr_assert_eq(chan_send(&b, NULL, t, payload, msg_type_len(t), &err), 0, "send %s: %s",
                 msg_type_name(t), err.text);
    memset(&m, 0xa5, sizeof(m));
    cr_assert_eq(chan_recv(&a, NULL, t, &m, &err), 0, "recv %s: %s: %s", msg_type_name(t), err.step,
                 err.text);
    cr_expect_eq(m.hdr.type, t);
    cr_expect_eq(m.hdr.len, msg_type_len(t));
    if (t == MSG_INTERMEDIATE_READY)
      cr_expect_eq(m.u.pid.pid, 4242);
  }
  /* The other direction too. */
  cr_assert_eq(chan_send(&a, NULL, MSG_MAPPING_DONE, NULL, 0, &err), 0);
  cr_assert_eq(chan_recv(&b, NULL, MSG_MAPPING_DONE, &m, &err), 0);

  /* And an ERROR, which comes back as the error it carries. */
  struct nsrt_err sent;
  nsrt_fail_at(&sent, "intermediate", EPERM, "unshare_user", "unshare(CLONE_NEWUSER)");
  chan_send_error(&b, NULL, &sent);
  cr_expect_eq(chan_recv(&a, NULL, MSG_MAPPING_REQUEST, &m, &err), -1);
  expect_err(&err, "intermediate", "unshare_user", EPERM, "unshare(CLONE_NEWUSER)");
}

Test(channel, send_rejects_oversized_payload)
{
  static char big[MSG_MAX_PAYLOAD + 1];
  struct nsrt_err err;
  cr_expect_eq(chan_send(&b, NULL, MSG_INIT_READY, big, sizeof(big), &err), -1);
  expect_err(&err, "main", "send INIT_READY", EMSGSIZE, "1025 bytes to main");
  cr_expect_eq(chan_send(&b, NULL, MSG_INTERMEDIATE_READY, NULL, 4, &err), -1);
  expect_err(&err, "main", "send INTERMEDIATE_READY", EINVAL, "no payload");
}

Test(channel, validate_rejects_malformed_packets)
{
  struct nsrt_err err;
  struct msg m;
  memset(&m, 0, sizeof(m));

  m.hdr.type = MSG_INIT_READY;
  m.hdr.len = 0;
  cr_expect_eq(msg_validate(&m, sizeof(m.hdr), &err), 0);

  cr_expect_eq(msg_validate(&m, 3, &err), -1);
  cr_expect_eq(err.errnum, EBADMSG);
  cr_expect_str_eq(err.text, "short message: 3 bytes");

  cr_expect_eq(msg_validate(&m, sizeof(struct msg) + 1, &err), -1);
  cr_expect_eq(err.errnum, EBADMSG);
  cr_expect(strstr(err.text, "oversized message") != NULL, "%s", err.text);

  m.hdr.type = 99;
  cr_expect_eq(msg_validate(&m, sizeof(m.hdr), &err), -1);
  cr_expect_eq(err.errnum, EBADMSG);
  cr_expect_str_eq(err.text, "unknown message type 99");

  m.hdr.type = 0;
  cr_expect_eq(msg_validate(&m, sizeof(m.hdr), &err), -1);
  cr_expect_str_eq(err.text, "unknown message type 0");

  /* Header and packet disagree. */
  m.hdr.type = MSG_INTERMEDIATE_READY;
  m.hdr.len = 4;
  cr_expect_eq(msg_validate(&m, sizeof(m.hdr) + 8, &err), -1);
  cr_expect_eq(err.errnum, EBADMSG);
  cr_expect(strstr(err.text, "declares 4 bytes of payload but carries 8") != NULL, "%s", err.text);
  cr_expect_eq(msg_validate(&m, sizeof(m.hdr) + 4, &err), 0);

  /* Consistent, but not the length the type carries. */
  m.hdr.type = MSG_MAPPING_DONE;
  cr_expect_eq(msg_validate(&m, sizeof(m.hdr) + 4, &err), -1);
  cr_expect_eq(err.errnum, EBADMSG);
  cr_expect_str_eq(err.text, "MAPPING_DONE message carries 4 bytes of payload, not 0");
}

Test(channel, recv_times_out_with_message)
{
  struct nsrt_err err;
  struct msg m;
  a.timeout_ms = 150;
  int64_t t0 = mono_ms();
  cr_assert_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  int64_t took = mono_ms() - t0;
  expect_err(&err, "main", "recv INIT_READY", ETIMEDOUT, "");
  cr_expect_str_eq(err.text, "no INIT_READY from init after 150 ms");
  cr_expect_geq(took, 150);
  cr_expect_lt(took, 2000);
}

static void on_alarm(int sig)
{
  (void)sig;
}

Test(channel, interrupted_recv_keeps_its_deadline)
{
  struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART: poll gets EINTR */
  sigemptyset(&sa.sa_mask);
  cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
  struct itimerval it = {.it_interval = {0, 40000}, .it_value = {0, 40000}};
  cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);

  struct nsrt_err err;
  struct msg m;
  a.timeout_ms = 300;
  int64_t t0 = mono_ms();
  int ret = chan_recv(&a, NULL, MSG_INIT_READY, &m, &err);
  int64_t took = mono_ms() - t0;
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);

  cr_assert_eq(ret, -1);
  cr_expect_eq(err.errnum, ETIMEDOUT, "%s", strerror(err.errnum));
  cr_expect_geq(took, 300);
  cr_expect_lt(took, 1000, "the deadline restarted on each signal: %lld ms", (long long)took);
}

Test(channel, eof_after_child_exit_names_status)
{
  pid_t pid = fork_child();
  if (pid == 0)
    _exit(3);
  chan_close(&b);
  a.peer_pid = pid;
  struct nsrt_err err;
  struct msg m;
  int ret = chan_recv(&a, NULL, MSG_INIT_READY, &m, &err);
  /* The child must still be there for its owner to reap. */
  int status = reap(pid);
  cr_assert_eq(ret, -1);
  expect_err(&err, "init", "exit", 0, "");
  cr_expect_str_eq(err.text, "init exited with status 3 before INIT_READY");
  cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 3);
}

Test(channel, eof_after_child_killed_names_signal)
{
  pid_t pid = fork_child();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  chan_close(&b);
  a.peer_pid = pid;
  cr_assert_eq(kill(pid, SIGKILL), 0);
  struct nsrt_err err;
  struct msg m;
  int ret = chan_recv(&a, NULL, MSG_INIT_READY, &m, &err);
  int status = reap(pid);
  cr_assert_eq(ret, -1);
  expect_err(&err, "init", "exit", 0, "");
  cr_expect_str_eq(err.text, "init killed by signal 9 (SIGKILL) before INIT_READY");
  cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

Test(channel, eof_from_a_peer_that_is_not_our_child)
{
  chan_close(&b);
  struct nsrt_err err;
  struct msg m;
  cr_assert_eq(chan_recv(&a, NULL, MSG_MAPPING_DONE, &m, &err), -1);
  expect_err(&err, "main", "recv MAPPING_DONE", 0, "");
  cr_expect_str_eq(err.text, "init closed the channel before MAPPING_DONE");
}

Test(channel, eof_from_a_live_child_that_closed_the_channel)
{
  int hold[2];
  cr_assert_eq(pipe2(hold, O_CLOEXEC), 0);
  pid_t pid = fork_child();
  if (pid == 0) {
    chan_close(&b);
    char c;
    close(hold[1]);
    while (read(hold[0], &c, 1) < 0 && errno == EINTR)
      ;
    _exit(0);
  }
  close(hold[0]);
  chan_close(&b);
  a.peer_pid = pid;
  struct nsrt_err err;
  struct msg m;
  int64_t t0 = mono_ms();
  int ret = chan_recv(&a, NULL, MSG_INIT_READY, &m, &err);
  int64_t took = mono_ms() - t0;
  close(hold[1]);
  reap(pid);
  cr_assert_eq(ret, -1);
  expect_err(&err, "main", "recv INIT_READY", 0, "");
  cr_expect_str_eq(err.text, "init closed the channel before INIT_READY");
  /* It waited a bounded grace period for the child to die. */
  cr_expect_lt(took, 5000);
}

Test(channel, error_from_child)
{
  pid_t pid = fork_child();
  if (pid == 0) {
    nsrt_set_stage("init");
    struct nsrt_err e;
    nsrt_fail(&e, ENOENT, "exec", "/bin/nope: executable not found");
    chan_send_error(&b, NULL, &e);
    _exit(1);
  }
  chan_close(&b);
  a.peer_pid = pid;
  struct nsrt_err err;
  struct msg m;
  int ret = chan_recv(&a, NULL, MSG_INIT_READY, &m, &err);
  reap(pid);
  cr_assert_eq(ret, -1);
  expect_err(&err, "init", "exec", ENOENT, "");
  cr_expect_str_eq(err.text, "/bin/nope: executable not found");
}

Test(channel, error_fields_are_terminated_defensively)
{
  struct msg_error me;
  memset(&me, 'x', sizeof(me)); /* no NUL anywhere */
  me.errnum = EIO;
  struct nsrt_err err;
  cr_assert_eq(chan_send(&b, NULL, MSG_ERROR, &me, sizeof(me), &err), 0);
  struct msg m;
  cr_assert_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  cr_expect_eq(err.errnum, EIO);
  cr_expect_eq(strlen(err.stage), NSRT_ERR_STAGE_MAX - 1);
  cr_expect_eq(strlen(err.step), NSRT_ERR_STEP_MAX - 1);
  cr_expect_eq(strlen(err.text), NSRT_ERR_TEXT_MAX - 1);
}

Test(channel, unexpected_type_is_eproto)
{
  struct nsrt_err err;
  struct msg m;
  cr_assert_eq(chan_send(&b, NULL, MSG_MAPPING_DONE, NULL, 0, &err), 0);
  cr_assert_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  expect_err(&err, "main", "recv INIT_READY", EPROTO, "");
  cr_expect_str_eq(err.text, "expected INIT_READY from init, got MAPPING_DONE");
}

Test(channel, raw_malformed_packets_are_ebadmsg)
{
  struct nsrt_err err;
  struct msg m;
  static uint8_t big[sizeof(struct msg) + 100];
  struct msg_hdr hdr = {.type = MSG_INIT_READY, .len = sizeof(big) - sizeof(hdr)};
  memcpy(big, &hdr, sizeof(hdr));
  cr_assert_eq(send(b.fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
  cr_assert_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  expect_err(&err, "main", "recv INIT_READY", EBADMSG, "oversized message from init");

  cr_assert_eq(send(b.fd, "abc", 3, 0), 3);
  cr_assert_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  expect_err(&err, "main", "recv INIT_READY", EBADMSG, "");
  cr_expect_str_eq(err.text, "short message from init: 3 bytes");

  struct msg_hdr odd = {.type = 77, .len = 0};
  cr_assert_eq(send(b.fd, &odd, sizeof(odd), 0), (ssize_t)sizeof(odd));
  cr_assert_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  expect_err(&err, "main", "recv INIT_READY", EBADMSG, "");
  cr_expect_str_eq(err.text, "unknown message type 77 from init");

  /* The channel stays usable after a bad packet. */
  cr_assert_eq(chan_send(&b, NULL, MSG_INIT_READY, NULL, 0, &err), 0);
  cr_expect_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), 0);
}

Test(channel, send_to_closed_peer_is_epipe)
{
  chan_close(&a);
  struct nsrt_err err;
  cr_assert_eq(chan_send(&b, NULL, MSG_INIT_READY, NULL, 0, &err), -1);
  expect_err(&err, "main", "send INIT_READY", EPIPE, "main has closed the channel");
}

/* Wait until our child pid has ended, leaving it unreaped. */
static void wait_ended(pid_t pid)
{
  siginfo_t si;
  while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
    ;
}

/* A send to a peer that failed and went: the peer's own error (here a
 * receive that timed out while we were slow), not the EPIPE of the send. */
Test(channel, send_to_a_peer_that_failed_reports_its_error)
{
  pid_t pid = fork_child();
  if (pid == 0) {
    nsrt_set_stage("intermediate");
    struct nsrt_err e;
    nsrt_fail(&e, ETIMEDOUT, "recv MAPPING_DONE", "no MAPPING_DONE from main after 200 ms");
    chan_send_error(&b, NULL, &e);
    _exit(1);
  }
  chan_close(&b);
  a.peer_pid = pid;
  wait_ended(pid);
  struct nsrt_err err;
  int ret = chan_send(&a, NULL, MSG_MAPPING_DONE, NULL, 0, &err);
  reap(pid);
  cr_assert_eq(ret, -1);
  expect_err(&err, "intermediate", "recv MAPPING_DONE", ETIMEDOUT, "after 200 ms");
}

/* A send to a peer that died without a word: how it ended. */
Test(channel, send_to_a_dead_peer_names_how_it_ended)
{
  pid_t pid = fork_child();
  if (pid == 0)
    _exit(3);
  chan_close(&b);
  a.peer_pid = pid;
  wait_ended(pid);
  struct nsrt_err err;
  int ret = chan_send(&a, NULL, MSG_HOOKS_DONE, NULL, 0, &err);
  reap(pid);
  cr_assert_eq(ret, -1);
  expect_err(&err, "init", "exit", 0, "");
  cr_expect_str_eq(err.text, "init exited with status 3 before HOOKS_DONE");
}

/* A peer that closes its end with one of our messages unread makes the
 * kernel report ECONNRESET to us once, before what it sent: what it sent
 * still arrives. */
Test(channel, recv_after_a_reset_still_reads_what_the_peer_sent)
{
  struct nsrt_err err;
  cr_assert_eq(chan_send(&a, NULL, MSG_HOOKS_DONE, NULL, 0, &err), 0); /* never read */
  cr_assert_eq(chan_send(&b, NULL, MSG_INIT_READY, NULL, 0, &err), 0);
  chan_close(&b);
  struct msg m;
  cr_expect_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), 0, "%s: %s: %s", err.stage, err.step,
               err.text);
  cr_expect_eq(m.hdr.type, MSG_INIT_READY);
  /* then the end of the channel, not a second reset */
  cr_expect_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  cr_expect_str_eq(err.text, "init closed the channel before INIT_READY");
}

Test(channel, recv_on_closed_channel_is_ebadf)
{
  chan_close(&a);
  struct nsrt_err err;
  struct msg m;
  cr_assert_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  expect_err(&err, "main", "recv INIT_READY", EBADF, "closed");
}

/* ---- failpoints ---- */

/* One call site per point: the registry refuses two points of one name. */
static int send_init_ready(struct nsrt_err *err)
{
  return chan_send(&b, FP_SEND("chan.test.send.INIT_READY"), MSG_INIT_READY, NULL, 0, err);
}

static int recv_init_ready(struct msg *m, struct nsrt_err *err)
{
  return chan_recv(&a, FP_RECV("chan.test.recv.INIT_READY"), MSG_INIT_READY, m, err);
}

static void arm(const char *spec)
{
  struct nsrt_err err;
  cr_assert_eq(nsrt_fp_configure(spec, 0, NULL, &err), 0, "configure \"%s\": %s: %s", spec,
               err.step, err.text);
}

Test(channel, fp_send_short_gives_ebadmsg)
{
  arm("chan.test.send.INIT_READY=short(3)");
  struct nsrt_err err;
  struct msg m;
  cr_assert_eq(send_init_ready(&err), 0);
  cr_assert_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  expect_err(&err, "main", "recv INIT_READY", EBADMSG, "");
  cr_expect_str_eq(err.text, "short message from init: 3 bytes");
}

Test(channel, fp_send_corrupt_gives_ebadmsg)
{
  arm("chan.test.send.INIT_READY=corrupt(0)");
  struct nsrt_err err;
  struct msg m;
  cr_assert_eq(send_init_ready(&err), 0);
  cr_assert_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  /* INIT_READY (6) with its low byte flipped */
  expect_err(&err, "main", "recv INIT_READY", EBADMSG, "unknown message type 249 from init");
}

Test(channel, fp_send_drop_makes_receiver_time_out)
{
  arm("chan.test.send.INIT_READY=drop");
  struct nsrt_err err;
  struct msg m;
  cr_assert_eq(send_init_ready(&err), 0);
  a.timeout_ms = 100;
  cr_assert_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  expect_err(&err, "main", "recv INIT_READY", ETIMEDOUT, "no INIT_READY from init after 100 ms");
}

Test(channel, fp_send_dup_delivers_twice)
{
  arm("chan.test.send.INIT_READY=dup");
  struct nsrt_err err;
  struct msg m;
  cr_assert_eq(send_init_ready(&err), 0);
  a.timeout_ms = 100;
  cr_expect_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), 0);
  cr_expect_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), 0);
  cr_expect_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  cr_expect_eq(err.errnum, ETIMEDOUT);
}

Test(channel, fp_send_err_fails_like_a_real_error)
{
  arm("chan.test.send.INIT_READY=1*err(EIO)");
  struct nsrt_err err;
  struct msg m;
  cr_assert_eq(send_init_ready(&err), -1);
  expect_err(&err, "main", "send INIT_READY", EIO, "");
  cr_expect_str_eq(err.text, "to main");
  /* Nothing went out; the next send (term used up) does. */
  a.timeout_ms = 100;
  cr_expect_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), -1);
  cr_expect_eq(err.errnum, ETIMEDOUT);
  cr_assert_eq(send_init_ready(&err), 0);
  cr_expect_eq(chan_recv(&a, NULL, MSG_INIT_READY, &m, &err), 0);
}

Test(channel, fp_recv_err)
{
  arm("chan.test.recv.INIT_READY=err(ECONNRESET)");
  struct nsrt_err err;
  struct msg m;
  cr_assert_eq(chan_send(&b, NULL, MSG_INIT_READY, NULL, 0, &err), 0);
  cr_assert_eq(recv_init_ready(&m, &err), -1);
  expect_err(&err, "main", "recv INIT_READY", ECONNRESET, "from init");
}

Test(channel, fp_recv_corrupt)
{
  arm("chan.test.recv.INIT_READY=corrupt(4)");
  struct nsrt_err err;
  struct msg m;
  cr_assert_eq(chan_send(&b, NULL, MSG_INIT_READY, NULL, 0, &err), 0);
  cr_assert_eq(recv_init_ready(&m, &err), -1);
  /* byte 4 is the low byte of hdr.len */
  expect_err(&err, "main", "recv INIT_READY", EBADMSG, "declares 255 bytes of payload");
}

Test(channel, fp_recv_drop_discards_one_packet_and_keeps_waiting)
{
  arm("chan.test.recv.INIT_READY=drop");
  struct nsrt_err err;
  struct msg m;
  /* The first packet is malformed, and dropped unseen; the second counts. */
  cr_assert_eq(send(b.fd, "xyz", 3, 0), 3);
  cr_assert_eq(chan_send(&b, NULL, MSG_INIT_READY, NULL, 0, &err), 0);
  cr_expect_eq(recv_init_ready(&m, &err), 0, "%s: %s", err.step, err.text);
  cr_expect_eq(m.hdr.type, MSG_INIT_READY);
}
