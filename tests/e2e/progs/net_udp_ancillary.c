// Ancillary data on host internet sockets (CPython's test_socket
// RFC3542 classes): the sender's IPV6_HOPLIMIT / IPV6_TCLASS / IP_TTL
// control messages reach the host, and the receiver's IPV6_RECVHOPLIMIT,
// IPV6_RECVTCLASS and IP_RECVTTL messages come back, cut short with
// MSG_CTRUNC when the buffer is small, as Linux does.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void Receive(int s, size_t room, const char* label) {
  char data[16];
  struct iovec iov = {data, sizeof data};
  union {
    char buf[256];
    struct cmsghdr align;
  } u;
  struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = room ? u.buf : NULL, .msg_controllen = room};
  ssize_t n = recvmsg(s, &h, 0);
  printf("%s: %zd bytes, controllen %zu, ctrunc %d\n", label, n, (size_t)h.msg_controllen, !!(h.msg_flags & MSG_CTRUNC));
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
    int v = -1;
    if (c->cmsg_len >= CMSG_LEN(sizeof v)) memcpy(&v, CMSG_DATA(c), sizeof v);
    printf("  level %d type %d len %zu value %d\n", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len, v);
  }
}

static void Send(int s, const struct sockaddr* to, socklen_t len, int level, int type, int value) {
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct iovec iov = {"data", 4};
  struct msghdr h = {.msg_name = (void*)to, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1,
                     .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr* c = CMSG_FIRSTHDR(&h);
  c->cmsg_level = level;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(sizeof value);
  memcpy(CMSG_DATA(c), &value, sizeof value);
  printf("sendmsg with control: %zd\n", sendmsg(s, &h, 0));
}

int main(void) {
  int on = 1;
  int r6 = socket(AF_INET6, SOCK_DGRAM, 0), s6 = socket(AF_INET6, SOCK_DGRAM, 0);
  struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  socklen_t l6 = sizeof a6;
  if (bind(r6, (struct sockaddr*)&a6, sizeof a6) == 0) {
    getsockname(r6, (struct sockaddr*)&a6, &l6);
    setsockopt(r6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
    setsockopt(r6, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof on);
    Send(s6, (struct sockaddr*)&a6, l6, IPPROTO_IPV6, IPV6_HOPLIMIT, 2);
    Receive(r6, 256, "ipv6 room for both");
    Send(s6, (struct sockaddr*)&a6, l6, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
    Receive(r6, CMSG_SPACE(sizeof(int)), "ipv6 room for one");
    Send(s6, (struct sockaddr*)&a6, l6, IPPROTO_IPV6, IPV6_HOPLIMIT, 7);
    Receive(r6, 0, "ipv6 no control buffer");
    Send(s6, (struct sockaddr*)&a6, l6, IPPROTO_IPV6, IPV6_HOPLIMIT, 9);
    Receive(r6, sizeof(struct cmsghdr) + 1, "ipv6 odd room");
  } else {
    printf("no IPv6 loopback\n");
  }
  int r4 = socket(AF_INET, SOCK_DGRAM, 0), s4 = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t l4 = sizeof a4;
  bind(r4, (struct sockaddr*)&a4, sizeof a4);
  getsockname(r4, (struct sockaddr*)&a4, &l4);
  setsockopt(r4, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
  Send(s4, (struct sockaddr*)&a4, l4, IPPROTO_IP, IP_TTL, 3);
  Receive(r4, 256, "ipv4 ttl");
  return 0;
}
