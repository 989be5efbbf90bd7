/* A small program for the supervisor's tests: it makes a known sequence of
 * the calls nsc-inject counts and prints one line per call with its result.
 *
 *   forker fork N      N fork() calls (glibc: the clone syscall), children
 *                      exit at once; "fork K: ok" or "fork K: <strerror>"
 *   forker rawfork N   N raw fork syscalls
 *   forker sync N      N writes of "message K" on a socketpair; the peer
 *                      reads each and prints "got K: <bytes read> <text>"
 *   forker sleep MS    sleep MS, then exit 0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int do_forks(int n, int raw)
{
  int failed = 0;
  for (int k = 1; k <= n; k++) {
    pid_t pid = raw ? (pid_t)syscall(SYS_fork) : fork();
    if (pid == 0)
      _exit(0);
    if (pid < 0) {
      printf("fork %d: %s\n", k, strerror(errno));
      failed++;
    } else {
      waitpid(pid, NULL, 0);
      printf("fork %d: ok\n", k);
    }
    fflush(stdout);
  }
  return failed ? 1 : 0;
}

static int do_sync(int n)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return 2;
  for (int k = 1; k <= n; k++) {
    char msg[64];
    int len = snprintf(msg, sizeof(msg), "message %d", k);
    ssize_t w = write(sv[0], msg, (size_t)len);
    if (w < 0) {
      printf("send %d: %s\n", k, strerror(errno));
      continue;
    }
    char buf[64];
    ssize_t r = read(sv[1], buf, sizeof(buf) - 1);
    buf[r > 0 ? r : 0] = '\0';
    printf("got %d: %zd %zd %s\n", k, w, r, buf);
    fflush(stdout);
  }
  return 0;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: forker fork|rawfork|sync|sleep N\n");
    return 2;
  }
  int n = atoi(argv[2]);
  if (strcmp(argv[1], "fork") == 0)
    return do_forks(n, 0);
  if (strcmp(argv[1], "rawfork") == 0)
    return do_forks(n, 1);
  if (strcmp(argv[1], "sync") == 0)
    return do_sync(n);
  if (strcmp(argv[1], "sleep") == 0) {
    struct timespec ts = {.tv_sec = n / 1000, .tv_nsec = (n % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return 0;
  }
  return 2;
}
