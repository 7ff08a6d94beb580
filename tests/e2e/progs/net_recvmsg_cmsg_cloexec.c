// recvmsg's msg_flags starts from the call's MSG_CMSG_CLOEXEC (Linux's
// ____sys_recvmsg), on LibOS sockets (an AF_UNIX pair) and host ones (UDP
// on loopback), asked for or not. Go's syscall.TestSCMCredentials checks it.
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static void check(int rx, int tx, const struct sockaddr* to, socklen_t tolen, const char* name) {
  for (int ask = 0; ask < 2; ask++) {
    sendto(tx, "x", 1, 0, to, tolen);
    char buf[4], control[64];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    long r = recvmsg(rx, &m, ask ? MSG_CMSG_CLOEXEC : 0);
    printf("%s, MSG_CMSG_CLOEXEC %s: recvmsg %ld, msg_flags %#x\n", name, ask ? "asked" : "not asked", r, m.msg_flags);
  }
}

int main(void) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, fds)) return 1;
  check(fds[0], fds[1], NULL, 0, "unix pair");
  int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(rx, (struct sockaddr*)&a, sizeof a) || getsockname(rx, (struct sockaddr*)&a, &len)) return 1;
  check(rx, tx, (struct sockaddr*)&a, sizeof a, "udp");
  return 0;
}
