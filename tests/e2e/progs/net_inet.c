// AF_INET sockets over loopback, printed so that a run on Linux and a run
// under junction with `[net] mode = "bypass"` (the LibOS stack) can be
// compared line for line: TCP handshake and non-blocking connect, accept4,
// names, a 4 MiB transfer both ways with a checksum, peek/waitall/FIONREAD,
// shutdown and end of stream, EPIPE and SIGPIPE, resets (SO_LINGER 0 and
// unread data), refused connections, socket options and TCP_INFO, epoll
// readiness, and UDP datagrams (truncation, peek, ICMP port unreachable,
// SO_REUSEADDR).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAILED %s line %d errno %s\n", #c, __LINE__, strerror(errno)); exit(1); } } while (0)

static const char* err(int r) { return r < 0 ? strerror(errno) : "ok"; }

static struct sockaddr_in lo(uint16_t port) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static uint16_t port_of(int fd) {
  struct sockaddr_in a;
  socklen_t l = sizeof(a);
  CHECK(getsockname(fd, (struct sockaddr*)&a, &l) == 0);
  return ntohs(a.sin_port);
}

static int listener(void) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = lo(0);
  CHECK(bind(l, (struct sockaddr*)&a, sizeof(a)) == 0);
  CHECK(listen(l, 8) == 0);
  return l;
}

static int connect_to(int l) {
  int c = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = lo(port_of(l));
  CHECK(connect(c, (struct sockaddr*)&a, sizeof(a)) == 0);
  return c;
}

#define BIG (4u << 20)
struct xfer { int fd; unsigned char* buf; size_t n; };
static void* writer(void* p) {
  struct xfer* x = p;
  size_t off = 0;
  while (off < x->n) {
    ssize_t k = write(x->fd, x->buf + off, x->n - off);
    if (k <= 0) break;
    off += (size_t)k;
  }
  shutdown(x->fd, SHUT_WR);
  return NULL;
}
static uint32_t read_all(int fd, size_t* total) {
  unsigned char buf[65536];
  uint32_t h = 2166136261u;
  *total = 0;
  for (;;) {
    ssize_t k = read(fd, buf, sizeof(buf));
    if (k <= 0) break;
    for (ssize_t i = 0; i < k; i++) h = (h ^ buf[i]) * 16777619u;
    *total += (size_t)k;
  }
  return h;
}

static volatile int sigpipes;
static void on_sigpipe(int s) { (void)s; sigpipes++; }

static void tcp_basics(void) {
  int l = listener();
  // Non-blocking connect: in progress, then writable with SO_ERROR 0.
  int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = lo(port_of(l));
  int r = connect(c, (struct sockaddr*)&a, sizeof(a));
  printf("nonblocking connect: %s\n", r == 0 ? "done" : strerror(errno));
  struct pollfd p = {c, POLLOUT, 0};
  CHECK(poll(&p, 1, 5000) == 1);
  int e = -1;
  socklen_t el = sizeof(e);
  getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &el);
  printf("after poll: revents POLLOUT %d, SO_ERROR %d\n", !!(p.revents & POLLOUT), e);
  fcntl(c, F_SETFL, 0);
  struct sockaddr_in peer;
  socklen_t pl = sizeof(peer);
  int s = accept4(l, (struct sockaddr*)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
  CHECK(s >= 0);
  printf("accept4: O_NONBLOCK %d, FD_CLOEXEC %d, peer family %d addr %s\n",
         !!(fcntl(s, F_GETFL) & O_NONBLOCK), !!(fcntl(s, F_GETFD) & FD_CLOEXEC),
         peer.sin_family, inet_ntoa(peer.sin_addr));
  struct sockaddr_in cn, sp;
  socklen_t cl = sizeof(cn), sl = sizeof(sp);
  getsockname(c, (struct sockaddr*)&cn, &cl);
  getpeername(s, (struct sockaddr*)&sp, &sl);
  printf("client name == server's peer: %d\n", cn.sin_port == sp.sin_port && cn.sin_addr.s_addr == sp.sin_addr.s_addr);
  char buf[64];
  printf("recv on empty non-blocking: %s\n", err((int)recv(s, buf, sizeof(buf), 0)));
  CHECK(send(c, "hello world", 11, 0) == 11);
  p = (struct pollfd){s, POLLIN, 0};
  CHECK(poll(&p, 1, 5000) == 1);
  int n = 0;
  ioctl(s, FIONREAD, &n);
  printf("FIONREAD %d\n", n);
  ssize_t k = recv(s, buf, 5, MSG_PEEK);
  printf("peek %zd '%.5s'\n", k, buf);
  fcntl(s, F_SETFL, 0);
  k = recv(s, buf, 11, MSG_WAITALL);
  printf("waitall %zd '%.11s'\n", k, buf);
  // Options.
  int one = 1, v = 0;
  socklen_t vl = sizeof(v);
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &vl);
  printf("TCP_NODELAY %d\n", v);
  setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  getsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &v, &vl);
  printf("SO_KEEPALIVE %d\n", v);
  int sz = 65536;
  setsockopt(c, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
  getsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, &vl);
  printf("SO_RCVBUF set 65536 -> %d\n", v);
  getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &vl);
  printf("SO_TYPE %d\n", v);
  getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
  printf("SO_ACCEPTCONN %d\n", v);
  struct tcp_info ti;
  socklen_t tl = sizeof(ti);
  CHECK(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0);
  printf("TCP_INFO state %d established %d, mss>0 %d\n", ti.tcpi_state, ti.tcpi_state == TCP_ESTABLISHED, ti.tcpi_snd_mss > 0);
  // 4 MiB each way at once, checked.
  unsigned char* up = malloc(BIG), *down = malloc(BIG);
  for (size_t i = 0; i < BIG; i++) { up[i] = (unsigned char)(i * 7 + i / 4093); down[i] = (unsigned char)(i * 13 + 1); }
  struct xfer xu = {c, up, BIG}, xd = {s, down, BIG};
  pthread_t tu, td;
  pthread_create(&tu, NULL, writer, &xu);
  pthread_create(&td, NULL, writer, &xd);
  size_t got_s, got_c;
  uint32_t hs = read_all(s, &got_s), hc = read_all(c, &got_c);
  pthread_join(tu, NULL);
  pthread_join(td, NULL);
  uint32_t want_up = 2166136261u, want_down = 2166136261u;
  for (size_t i = 0; i < BIG; i++) { want_up = (want_up ^ up[i]) * 16777619u; want_down = (want_down ^ down[i]) * 16777619u; }
  printf("transfer: server got %zu (hash ok %d), client got %zu (hash ok %d)\n", got_s, hs == want_up, got_c, hc == want_down);
  // Both sides shut down writing: EOF both ways, then POLLRDHUP seen.
  p = (struct pollfd){c, POLLIN | POLLRDHUP, 0};
  poll(&p, 1, 5000);
  printf("after peer's FIN: POLLIN %d POLLRDHUP %d, read %zd\n", !!(p.revents & POLLIN), !!(p.revents & POLLRDHUP), read(c, buf, 1));
  printf("send after SHUT_WR (MSG_NOSIGNAL): %s\n", err((int)send(c, "x", 1, MSG_NOSIGNAL)));
  signal(SIGPIPE, on_sigpipe);
  int wr = (int)write(c, "x", 1);
  printf("write after SHUT_WR: %s, SIGPIPE %d\n", err(wr), sigpipes);
  free(up);
  free(down);
  close(c);
  close(s);
  close(l);
}

static void tcp_resets(void) {
  int l = listener();
  // Refused: a port nobody listens on.
  int port = port_of(l);
  close(l);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = lo((uint16_t)port);
  printf("connect to closed port: %s\n", err(connect(c, (struct sockaddr*)&a, sizeof(a))));
  close(c);
  // SO_LINGER {1, 0}: close resets the peer.
  l = listener();
  c = connect_to(l);
  int s = accept(l, NULL, NULL);
  struct linger lg = {1, 0};
  setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  close(c);
  char buf[8];
  struct pollfd p = {s, POLLIN, 0};
  poll(&p, 1, 5000);
  printf("after peer's abortive close: POLLERR|POLLHUP %d, recv %s\n", !!(p.revents & (POLLERR | POLLHUP)), err((int)recv(s, buf, 8, 0)));
  close(s);
  // Closing with unread data resets too.
  c = connect_to(l);
  s = accept(l, NULL, NULL);
  send(c, "unread", 6, 0);
  p = (struct pollfd){s, POLLIN, 0};
  poll(&p, 1, 5000);
  close(s);
  p = (struct pollfd){c, POLLIN, 0};
  poll(&p, 1, 5000);
  printf("close with unread data: peer recv %s\n", err((int)recv(c, buf, 8, 0)));
  close(c);
  // Two listeners on one port: EADDRINUSE.
  int l2 = socket(AF_INET, SOCK_STREAM, 0);
  a = lo(port_of(l));
  printf("second bind: %s\n", err(bind(l2, (struct sockaddr*)&a, sizeof(a))));
  close(l2);
  close(l);
}

static void tcp_epoll(void) {
  int l = listener();
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = l}, out[4];
  epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
  printf("epoll before connect: %d\n", epoll_wait(ep, out, 4, 0));
  int c = connect_to(l);
  int n = epoll_wait(ep, out, 4, 5000);
  printf("epoll after connect: %d listener %d\n", n, n == 1 && out[0].data.fd == l);
  int s = accept(l, NULL, NULL);
  ev = (struct epoll_event){.events = EPOLLIN | EPOLLET, .data.fd = s};
  epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
  send(c, "abc", 3, 0);
  n = epoll_wait(ep, out, 4, 5000);
  printf("epoll data: %d fd is server %d EPOLLIN %d\n", n, out[0].data.fd == s, !!(out[0].events & EPOLLIN));
  close(c);
  n = epoll_wait(ep, out, 4, 5000);
  printf("epoll after peer close: %d EPOLLIN %d EPOLLRDHUP-free read %zd\n", n, !!(out[0].events & EPOLLIN), read(s, (char[8]){0}, 8));
  close(s);
  close(l);
  close(ep);
}

static void udp(void) {
  int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = lo(0);
  CHECK(bind(a, (struct sockaddr*)&sa, sizeof(sa)) == 0);
  struct sockaddr_in to = lo(port_of(a));
  CHECK(sendto(b, "0123456789", 10, 0, (struct sockaddr*)&to, sizeof(to)) == 10);
  CHECK(sendto(b, "second", 6, 0, (struct sockaddr*)&to, sizeof(to)) == 6);
  struct pollfd p = {a, POLLIN, 0};
  poll(&p, 1, 5000);
  int n = 0;
  ioctl(a, FIONREAD, &n);
  printf("udp FIONREAD %d\n", n);
  char buf[32];
  struct sockaddr_in from;
  socklen_t fl = sizeof(from);
  ssize_t k = recvfrom(a, buf, 4, MSG_PEEK, (struct sockaddr*)&from, &fl);
  printf("udp peek %zd '%.4s' from port matches %d\n", k, buf, from.sin_port == htons(port_of(b)));
  k = recv(a, buf, 4, MSG_TRUNC);
  printf("udp MSG_TRUNC returns %zd\n", k);
  struct iovec iov = {buf, 3};
  struct msghdr m = {0};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  k = recvmsg(a, &m, 0);
  printf("udp recvmsg %zd msg_flags MSG_TRUNC %d\n", k, !!(m.msg_flags & MSG_TRUNC));
  printf("udp empty non-blocking: %s\n", err((int)recv(a, buf, 32, MSG_DONTWAIT)));
  // A connected socket hears about a closed port (ICMP port unreachable).
  int closed = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in cs = lo(0);
  bind(closed, (struct sockaddr*)&cs, sizeof(cs));
  struct sockaddr_in dead = lo(port_of(closed));
  close(closed);
  CHECK(connect(b, (struct sockaddr*)&dead, sizeof(dead)) == 0);
  send(b, "x", 1, 0);
  p = (struct pollfd){b, POLLIN, 0};
  poll(&p, 1, 5000);
  printf("udp to closed port: POLLERR %d, recv %s\n", !!(p.revents & POLLERR), err((int)recv(b, buf, 32, 0)));
  // SO_REUSEADDR lets two sockets share a port.
  int r1 = socket(AF_INET, SOCK_DGRAM, 0), r2 = socket(AF_INET, SOCK_DGRAM, 0), r3 = socket(AF_INET, SOCK_DGRAM, 0);
  int one = 1;
  setsockopt(r1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(r2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in ra = lo(0);
  bind(r1, (struct sockaddr*)&ra, sizeof(ra));
  ra = lo(port_of(r1));
  printf("udp SO_REUSEADDR second bind: %s, without it: %s\n", err(bind(r2, (struct sockaddr*)&ra, sizeof(ra))),
         err(bind(r3, (struct sockaddr*)&ra, sizeof(ra))));
  close(r1); close(r2); close(r3); close(a); close(b);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  tcp_basics();
  tcp_resets();
  tcp_epoll();
  udp();
  printf("done\n");
  return 0;
}
