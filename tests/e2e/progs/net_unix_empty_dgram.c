// Empty datagrams on AF_UNIX SOCK_DGRAM and SOCK_SEQPACKET pairs: Linux
// queues them like any other (readable, recv returns 0, credentials
// travel with them); an empty pipe write queues nothing. Go's
// syscall.TestSCMCredentials sends one with SCM_CREDENTIALS.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int readable(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  int n = poll(&p, 1, 0);
  return n == 1 && (p.revents & POLLIN);
}

static void recv_one(int fd, const char* what) {
  char buf[8], control[256];
  struct iovec iov = {buf, sizeof buf};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  long r = recvmsg(fd, &m, MSG_DONTWAIT);
  int creds = 0;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&m); r >= 0 && c; c = CMSG_NXTHDR(&m, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
      struct ucred u;
      memcpy(&u, CMSG_DATA(c), sizeof u);
      creds = u.pid == getpid() && u.uid == getuid();
    }
  printf("%s: recvmsg %ld %s, own credentials %d\n", what, r, r < 0 ? strerror(errno) : "", creds);
}

static void pair(int type, const char* name) {
  int fds[2];
  if (socketpair(AF_UNIX, type, 0, fds)) {
    perror("socketpair");
    return;
  }
  printf("%s: send empty %ld\n", name, (long)send(fds[1], "", 0, 0));
  printf("%s: readable %d\n", name, readable(fds[0]));
  recv_one(fds[0], name);
  printf("%s: readable after %d\n", name, readable(fds[0]));
  // Two empty ones, then data: three datagrams, in order.
  send(fds[1], "", 0, 0);
  send(fds[1], "", 0, 0);
  send(fds[1], "abc", 3, 0);
  recv_one(fds[0], name);
  recv_one(fds[0], name);
  recv_one(fds[0], name);
  recv_one(fds[0], name);
  // With SO_PASSCRED the credentials come with an empty one.
  int one = 1;
  setsockopt(fds[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
  struct ucred u = {getpid(), getuid(), getgid()};
  char control[CMSG_SPACE(sizeof u)];
  struct msghdr m = {.msg_control = control, .msg_controllen = sizeof control};
  struct cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_CREDENTIALS;
  c->cmsg_len = CMSG_LEN(sizeof u);
  memcpy(CMSG_DATA(c), &u, sizeof u);
  printf("%s: sendmsg empty with credentials %ld\n", name, (long)sendmsg(fds[1], &m, 0));
  recv_one(fds[0], name);
  close(fds[0]);
  close(fds[1]);
}

int main(void) {
  pair(SOCK_DGRAM, "dgram");
  pair(SOCK_SEQPACKET, "seqpacket");
  int p[2];
  if (pipe(p)) return 1;
  printf("pipe: write empty %ld, readable %d\n", (long)write(p[1], "", 0), readable(p[0]));
  return 0;
}
