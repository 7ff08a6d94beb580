// Unix sockets that a fork makes host sockets (a socketpair, a connected
// datagram socket, a listener shared with the child) keep what was set on
// them before: SO_RCVTIMEO/SO_SNDTIMEO bound recv, send and accept
// (EAGAIN after about the timeout) and read back as set, and the generic
// options (SO_KEEPALIVE, SO_PRIORITY, SO_PASSCRED) read back as set. The
// LibOS waited forever there and read back 0.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "show_call.h"

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void SetTimeout(int fd, int name, long usec) {
  struct timeval tv = {usec / 1000000, usec % 1000000};
  setsockopt(fd, SOL_SOCKET, name, &tv, sizeof(tv));
}

static void SetInt(int fd, int name, int v) { setsockopt(fd, SOL_SOCKET, name, &v, sizeof(v)); }

static void ShowOptions(const char* what, int fd) {
  struct timeval r = {0, 0}, s = {0, 0};
  socklen_t len = sizeof(r);
  getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &r, &len);
  len = sizeof(s);
  getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &s, &len);
  int keepalive = -1, priority = -1, passcred = -1;
  len = sizeof(int);
  getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &keepalive, &len);
  getsockopt(fd, SOL_SOCKET, SO_PRIORITY, &priority, &len);
  getsockopt(fd, SOL_SOCKET, SO_PASSCRED, &passcred, &len);
  printf("%s: rcvtimeo %ld.%06ld sndtimeo %ld.%06ld keepalive %d priority %d passcred %d\n", what, (long)r.tv_sec,
         (long)r.tv_usec, (long)s.tv_sec, (long)s.tv_usec, keepalive, priority, passcred);
}

// Runs `call` and says whether it failed with EAGAIN after about 0.2 s.
#define TIMED(label, call)                                                               \
  do {                                                                                   \
    double t0_ = Now();                                                                  \
    SHOW(label, call);                                                                   \
    double w_ = Now() - t0_;                                                             \
    printf("  waited about the timeout: %d\n", w_ > 0.15 && w_ < 3.0);                   \
  } while (0)

// A child that holds the sockets open until told to go.
static pid_t Holder(int* go) {
  if (pipe(go) < 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(go[1]);
    read(go[0], &c, 1);
    _exit(0);
  }
  close(go[0]);
  return pid;
}

static void Release(pid_t pid, int* go) {
  close(go[1]);
  waitpid(pid, NULL, 0);
}

static void Pair(int type) {
  printf("socketpair type %d\n", type);
  int sv[2];
  socketpair(AF_UNIX, type, 0, sv);
  SetTimeout(sv[0], SO_RCVTIMEO, 200000);
  SetTimeout(sv[1], SO_SNDTIMEO, 200000);
  SetInt(sv[0], SO_KEEPALIVE, 1);
  SetInt(sv[0], SO_PRIORITY, 5);
  SetInt(sv[0], SO_PASSCRED, 1);
  int go[2];
  pid_t pid = Holder(go);
  ShowOptions("  end 0", sv[0]);
  ShowOptions("  end 1", sv[1]);
  char c;
  TIMED("  recv", recv(sv[0], &c, 1, 0));
  TIMED("  read", read(sv[0], &c, 1));
  if (type == SOCK_STREAM) {
    char buf[4096] = {0};
    while (send(sv[1], buf, sizeof(buf), MSG_DONTWAIT) > 0) {
    }
    TIMED("  send on a full buffer", send(sv[1], buf, sizeof(buf), 0));
  }
  Release(pid, go);
  close(sv[0]);
  close(sv[1]);
}

// An abstract address of this process named `tag`, bound to `fd`.
static socklen_t BindAbstract(int fd, const char* tag, struct sockaddr_un* a) {
  memset(a, 0, sizeof(*a));
  a->sun_family = AF_UNIX;
  snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "unix_timeouts_after_fork_%s_%d", tag, getpid());
  socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1);
  bind(fd, (struct sockaddr*)a, alen);
  return alen;
}

static void Listener(void) {
  printf("listener\n");
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a;
  BindAbstract(l, "listener", &a);
  listen(l, 4);
  SetTimeout(l, SO_RCVTIMEO, 200000);
  SetInt(l, SO_KEEPALIVE, 1);
  int go[2];
  pid_t pid = Holder(go);
  ShowOptions("  listener", l);
  TIMED("  accept", accept(l, NULL, NULL));
  Release(pid, go);
  close(l);
}

static void ConnectedDgram(void) {
  printf("connected datagram socket\n");
  int srv = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un a;
  socklen_t alen = BindAbstract(srv, "dgram", &a);
  int c = socket(AF_UNIX, SOCK_DGRAM, 0);
  connect(c, (struct sockaddr*)&a, alen);
  SetTimeout(c, SO_RCVTIMEO, 200000);
  SetTimeout(srv, SO_RCVTIMEO, 200000);
  SetInt(c, SO_PRIORITY, 3);
  int go[2];
  pid_t pid = Holder(go);
  ShowOptions("  client", c);
  ShowOptions("  server", srv);
  char b;
  TIMED("  client recv", recv(c, &b, 1, 0));
  TIMED("  server recv", recv(srv, &b, 1, 0));
  Release(pid, go);
  close(c);
  close(srv);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGPIPE, SIG_IGN);
  Pair(SOCK_STREAM);
  Pair(SOCK_DGRAM);
  Pair(SOCK_SEQPACKET);
  Listener();
  ConnectedDgram();
  return 0;
}
