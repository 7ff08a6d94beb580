// Unix socket behaviours compared with Linux: SO_SNDTIMEO/SO_RCVTIMEO
// (read back as set, EAGAIN once they pass), SCM_RIGHTS and
// SCM_CREDENTIALS on a stream tied to the first byte of their send (a read
// does not cross into or out of a send that carried rights), recv after
// SHUT_RD (queued data first, then 0), unknown SOL_SOCKET options
// (ENOPROTOOPT) and shutdown of an unconnected socket.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "show_call.h"

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// A stream pair's sender fills its buffer with non-blocking sends.
static void Fill(int s) {
  char buf[4096] = {0};
  while (send(s, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
  }
}

static void Timeouts(int type) {
  int sv[2];
  socketpair(AF_UNIX, type, 0, sv);
  printf("type %d\n", type);
  struct timeval tv = {0, 150000}, got = {0, 0};
  socklen_t len = sizeof(got);
  SHOW("  set SO_RCVTIMEO", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
  SHOW("  get SO_RCVTIMEO", getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len));
  printf("  rcvtimeo %ld.%06ld len %u\n", (long)got.tv_sec, (long)got.tv_usec, len);
  char c;
  double t0 = Now();
  SHOW("  recv timing out", recv(sv[0], &c, 1, 0));
  double waited = Now() - t0;
  printf("  waited about the timeout: %d\n", waited > 0.12 && waited < 2.0);
  t0 = Now();
  SHOW("  read timing out", read(sv[0], &c, 1));
  waited = Now() - t0;
  printf("  waited about the timeout: %d\n", waited > 0.12 && waited < 2.0);

  SHOW("  set SO_SNDTIMEO", setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
  len = sizeof(got);
  SHOW("  get SO_SNDTIMEO", getsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &got, &len));
  printf("  sndtimeo %ld.%06ld\n", (long)got.tv_sec, (long)got.tv_usec);
  if (type != SOCK_DGRAM) {
    Fill(sv[1]);
    char big[4096] = {0};
    t0 = Now();
    SHOW("  send timing out", send(sv[1], big, sizeof(big), 0));
    waited = Now() - t0;
    printf("  waited about the timeout: %d\n", waited > 0.12 && waited < 2.0);
  }
  // A bad timeval: EDOM for usec out of range, as Linux.
  struct timeval bad = {0, 2000000};
  SHOW("  set SO_RCVTIMEO usec 2000000", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof(bad)));
  SHOW("  set SO_RCVTIMEO short", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &bad, 4));
  struct timeval zero = {0, 0};
  SHOW("  set SO_RCVTIMEO 0", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &zero, sizeof(zero)));
  len = sizeof(got);
  getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len);
  printf("  rcvtimeo after 0: %ld.%06ld\n", (long)got.tv_sec, (long)got.tv_usec);
  close(sv[0]);
  close(sv[1]);
}

static int SendWith(int s, const char* data, int fd, int creds) {
  char ctl[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
  memset(ctl, 0, sizeof(ctl));
  struct iovec iov = {(void*)data, strlen(data)};
  struct msghdr mh = {0};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  size_t used = 0;
  if (fd >= 0 || creds) mh.msg_control = ctl;
  if (fd >= 0) {
    struct cmsghdr* c = (struct cmsghdr*)ctl;
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    used += CMSG_SPACE(sizeof(int));
  }
  if (creds) {
    struct cmsghdr* c = (struct cmsghdr*)(ctl + used);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred u = {getpid(), getuid(), getgid()};
    memcpy(CMSG_DATA(c), &u, sizeof(u));
    used += CMSG_SPACE(sizeof(struct ucred));
  }
  mh.msg_controllen = used;
  return sendmsg(s, &mh, 0);
}

// Receives up to n bytes; prints them and which control messages came.
static void RecvShow(const char* label, int s, size_t n) {
  char data[256] = {0};
  char ctl[256];
  struct iovec iov = {data, n};
  struct msghdr mh = {0};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl;
  mh.msg_controllen = sizeof(ctl);
  long r = recvmsg(s, &mh, MSG_DONTWAIT);
  int e = errno;
  printf("%s: %ld %s", label, r, r < 0 ? strerror(e) : "");
  if (r > 0) printf("\"%.*s\"", (int)r, data);
  if (r < 0) mh.msg_controllen = 0;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_type == SCM_RIGHTS) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof(fd));
      printf(" rights(%zu fds)", (c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      close(fd);
    } else if (c->cmsg_type == SCM_CREDENTIALS) {
      struct ucred u;
      memcpy(&u, CMSG_DATA(c), sizeof(u));
      printf(" creds(pid is mine %d, uid %d)", u.pid == getpid(), (int)u.uid);
    }
  }
  printf(" flags %#x\n", mh.msg_flags);
}

static void RightsBoundaries(void) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  int fd = open("/dev/null", O_RDONLY);
  puts("rights: plain, then rights, then plain");
  SendWith(sv[0], "aaa", -1, 0);
  SendWith(sv[0], "bbb", fd, 0);
  SendWith(sv[0], "ccc", -1, 0);
  RecvShow("  recv 100", sv[1], 100);
  RecvShow("  recv 100", sv[1], 100);
  RecvShow("  recv 100", sv[1], 100);
  puts("rights: two sends with rights, read in small pieces");
  SendWith(sv[0], "dddd", fd, 0);
  SendWith(sv[0], "eeee", fd, 0);
  RecvShow("  recv 2", sv[1], 2);
  RecvShow("  recv 100", sv[1], 100);
  RecvShow("  recv 100", sv[1], 100);
  RecvShow("  recv 100", sv[1], 100);
  puts("rights: with the first byte of a send that lands after queued data");
  SendWith(sv[0], "ff", -1, 0);
  SendWith(sv[0], "gg", fd, 0);
  RecvShow("  recv 1", sv[1], 1);
  RecvShow("  recv 1", sv[1], 1);
  RecvShow("  recv 100", sv[1], 100);
  RecvShow("  recv 100", sv[1], 100);
  puts("rights: peek");
  SendWith(sv[0], "hh", fd, 0);
  SendWith(sv[0], "ii", -1, 0);
  {
    char b[16];
    long r = recv(sv[1], b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
    printf("  peek: %ld\n", r);
  }
  RecvShow("  recv 100", sv[1], 100);
  RecvShow("  recv 100", sv[1], 100);

  puts("credentials: SO_PASSCRED");
  int on = 1;
  setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
  SendWith(sv[0], "jj", -1, 0);
  SendWith(sv[0], "kk", -1, 1);
  SendWith(sv[0], "ll", fd, 1);
  SendWith(sv[0], "mm", -1, 0);
  RecvShow("  recv 100", sv[1], 100);
  RecvShow("  recv 100", sv[1], 100);
  RecvShow("  recv 100", sv[1], 100);
  close(fd);
  close(sv[0]);
  close(sv[1]);
}

static void ShutRd(int type) {
  int sv[2];
  socketpair(AF_UNIX, type, 0, sv);
  printf("SHUT_RD type %d\n", type);
  send(sv[0], "queued", 6, 0);
  send(sv[0], "more", 4, 0);
  SHOW("  shutdown SHUT_RD", shutdown(sv[1], SHUT_RD));
  char b[64];
  long r = recv(sv[1], b, sizeof(b), MSG_DONTWAIT);
  printf("  recv: %ld %.*s\n", r, r > 0 ? (int)r : 0, b);
  r = recv(sv[1], b, sizeof(b), MSG_DONTWAIT);
  printf("  recv: %ld %.*s\n", r, r > 0 ? (int)r : 0, b);
  SHOW("  recv then", recv(sv[1], b, sizeof(b), MSG_DONTWAIT));
  SHOW("  read then", read(sv[1], b, sizeof(b)));
  close(sv[0]);
  close(sv[1]);
}

static void UnknownOptions(int type) {
  int s = socket(AF_UNIX, type, 0);
  int v = 1;
  socklen_t len = sizeof(v);
  printf("options type %d\n", type);
  const int names[] = {SO_KEEPALIVE, SO_BROADCAST, SO_DEBUG, SO_REUSEADDR, SO_REUSEPORT, SO_LINGER, SO_OOBINLINE,
                       SO_PRIORITY, SO_RCVLOWAT, SO_SNDLOWAT, SO_TYPE, SO_ACCEPTCONN, 9999, -1};
  for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    char label[64];
    int val = 1;
    char lbuf[32] = {0};
    void* p = &val;
    socklen_t l = sizeof(val);
    if (names[i] == SO_LINGER) {
      struct linger lg = {0, 0};
      memcpy(lbuf, &lg, sizeof(lg));
      p = lbuf;
      l = sizeof(lg);
    } else if (names[i] == SO_BROADCAST) {
      val = 7;  // a boolean: reads back 1
    } else if (names[i] == SO_PRIORITY) {
      val = 5;
    }
    snprintf(label, sizeof(label), "  set %d", names[i]);
    SHOW(label, setsockopt(s, SOL_SOCKET, names[i], p, l));
    snprintf(label, sizeof(label), "  get %d", names[i]);
    char out[64] = {0};
    socklen_t ol = sizeof(out);
    long r = getsockopt(s, SOL_SOCKET, names[i], out, &ol);
    int e = errno;
    printf("%s: %ld %s len %u", label, r, r < 0 ? strerror(e) : "ok", r < 0 ? 0 : ol);
    if (r == 0 && ol >= 4) printf(" val %d", *(int*)out);
    printf("\n");
  }
  (void)len;
  (void)v;
  close(s);
}

static void ShutdownUnconnected(int type) {
  int s = socket(AF_UNIX, type, 0);
  printf("shutdown unconnected type %d\n", type);
  SHOW("  SHUT_RD", shutdown(s, SHUT_RD));
  SHOW("  SHUT_WR", shutdown(s, SHUT_WR));
  SHOW("  SHUT_RDWR", shutdown(s, SHUT_RDWR));
  SHOW("  how 3", shutdown(s, 3));
  SHOW("  how -1", shutdown(s, -1));
  char b[4];
  SHOW("  recv after", recv(s, b, sizeof(b), MSG_DONTWAIT));
  SHOW("  send after", send(s, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL));
  close(s);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  Timeouts(SOCK_STREAM);
  Timeouts(SOCK_SEQPACKET);
  Timeouts(SOCK_DGRAM);
  RightsBoundaries();
  ShutRd(SOCK_STREAM);
  ShutRd(SOCK_SEQPACKET);
  ShutRd(SOCK_DGRAM);
  UnknownOptions(SOCK_STREAM);
  UnknownOptions(SOCK_DGRAM);
  ShutdownUnconnected(SOCK_STREAM);
  ShutdownUnconnected(SOCK_SEQPACKET);
  ShutdownUnconnected(SOCK_DGRAM);
  return 0;
}
