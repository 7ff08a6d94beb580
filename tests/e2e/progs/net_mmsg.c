// sendmmsg/recvmmsg on a UDP socket (127.0.0.1) and a unix dgram
// socketpair: batches, msg_len, the UIO_MAXIOV cap, MSG_WAITFORONE, the
// timeout, partial success and EFAULT; then getaddrinfo("localhost") with
// AI_ADDRCONFIG. Prints results only (no addresses or ports).
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static void show(const char* what, int r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
  else printf("%s: %d\n", what, r);
}

// Receives everything queued on `rx` without blocking; prints the lengths.
static void drain(const char* what, int rx) {
  char bufs[8][64];
  struct iovec iov[8];
  struct mmsghdr m[8];
  memset(m, 0, sizeof(m));
  for (int i = 0; i < 8; i++) {
    iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
    m[i].msg_hdr.msg_iov = &iov[i];
    m[i].msg_hdr.msg_iovlen = 1;
  }
  int r = recvmmsg(rx, m, 8, MSG_DONTWAIT, NULL);
  show(what, r);
  for (int i = 0; i < r; i++) printf("  [%d] len %u \"%.*s\"\n", i, m[i].msg_len, (int)m[i].msg_len, bufs[i]);
}

static void batch(const char* kind, int tx, int rx, const struct sockaddr* to, socklen_t tolen) {
  printf("== %s\n", kind);
  // Three datagrams, the second from two iovecs.
  struct iovec a = {"one", 3}, b[2] = {{"tw", 2}, {"o!", 2}}, c = {"three", 5};
  struct mmsghdr m[3];
  memset(m, 0, sizeof(m));
  m[0].msg_hdr.msg_iov = &a; m[0].msg_hdr.msg_iovlen = 1;
  m[1].msg_hdr.msg_iov = b;  m[1].msg_hdr.msg_iovlen = 2;
  m[2].msg_hdr.msg_iov = &c; m[2].msg_hdr.msg_iovlen = 1;
  for (int i = 0; i < 3; i++) { m[i].msg_hdr.msg_name = (void*)to; m[i].msg_hdr.msg_namelen = tolen; }
  show("sendmmsg 3", sendmmsg(tx, m, 3, 0));
  printf("  msg_len %u %u %u\n", m[0].msg_len, m[1].msg_len, m[2].msg_len);

  // Receive two into a batch of 4 with MSG_WAITFORONE: returns what is queued.
  char bufs[4][16];
  struct iovec iov[4];
  struct mmsghdr r[4];
  struct sockaddr_storage from[4];
  memset(r, 0, sizeof(r));
  for (int i = 0; i < 4; i++) {
    iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
    r[i].msg_hdr.msg_iov = &iov[i];
    r[i].msg_hdr.msg_iovlen = 1;
    r[i].msg_hdr.msg_name = &from[i];
    r[i].msg_hdr.msg_namelen = sizeof(from[i]);
  }
  int n = recvmmsg(rx, r, 4, MSG_WAITFORONE, NULL);
  show("recvmmsg WAITFORONE", n);
  for (int i = 0; i < n; i++)
    printf("  [%d] len %u \"%.*s\" family %d\n", i, r[i].msg_len, (int)r[i].msg_len, bufs[i],
           r[i].msg_hdr.msg_namelen ? from[i].ss_family : -1);

  // Nothing queued: non-blocking gives EAGAIN; WAITFORONE alone would block.
  show("recvmmsg empty DONTWAIT", recvmmsg(rx, r, 4, MSG_DONTWAIT, NULL));

  // Truncation: a 5-byte datagram into 2 bytes, MSG_TRUNC reports 5.
  sendto(tx, "trunc", 5, 0, to, tolen);
  iov[0].iov_len = 2;
  r[0].msg_hdr.msg_namelen = sizeof(from[0]);
  show("recvmmsg MSG_TRUNC", recvmmsg(rx, r, 1, MSG_TRUNC, NULL));
  printf("  msg_len %u flags_trunc %d\n", r[0].msg_len, !!(r[0].msg_hdr.msg_flags & MSG_TRUNC));
  iov[0].iov_len = sizeof(bufs[0]);

  // Timeout: checked after each message, so with two queued and a batch of 4
  // a timeout of 0 returns after the first.
  sendto(tx, "t1", 2, 0, to, tolen);
  sendto(tx, "t2", 2, 0, to, tolen);
  struct timespec ts = {0, 0};
  show("recvmmsg timeout 0", recvmmsg(rx, r, 4, 0, &ts));
  printf("  timeout left %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  ts = (struct timespec){5, 0};
  show("recvmmsg timeout 5s", recvmmsg(rx, r, 1, 0, &ts));
  printf("  left <= 5s %d\n", ts.tv_sec < 5 || (ts.tv_sec == 5 && ts.tv_nsec == 0));
  ts = (struct timespec){0, 1000000000L};
  show("recvmmsg bad timeout", recvmmsg(rx, r, 1, MSG_DONTWAIT, &ts));
  show("recvmmsg timeout EFAULT", recvmmsg(rx, r, 1, MSG_DONTWAIT, (struct timespec*)8));

  // vlen 0, and vlen above UIO_MAXIOV (capped: 1025 entries are readable).
  show("sendmmsg vlen 0", sendmmsg(tx, m, 0, 0));
  static struct mmsghdr big[UIO_MAXIOV + 1];
  static struct iovec bigio = {"x", 1};
  for (int i = 0; i <= UIO_MAXIOV; i++) {
    big[i].msg_hdr = (struct msghdr){.msg_name = (void*)to, .msg_namelen = tolen, .msg_iov = &bigio, .msg_iovlen = 1};
  }
  // Small enough a batch to fit in the receive buffer: 8 entries, then the cap.
  show("sendmmsg 8", sendmmsg(tx, big, 8, 0));
  drain("drain 8", rx);

  // Partial success: the third entry has a bad iovec; two are sent.
  struct mmsghdr p[3];
  memcpy(p, m, sizeof(p));
  p[2].msg_hdr.msg_iov = (struct iovec*)8;
  show("sendmmsg bad third", sendmmsg(tx, p, 3, 0));
  drain("drain partial", rx);
  // Bad first entry: the error itself.
  show("sendmmsg bad first", sendmmsg(tx, (struct mmsghdr*)8, 2, 0));
  show("recvmmsg bad vector", recvmmsg(rx, (struct mmsghdr*)8, 2, MSG_DONTWAIT, NULL));
  // A vector that runs into an unmapped page after one entry.
  char* page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(page + 4096, 4096);
  struct mmsghdr* edge = (struct mmsghdr*)(page + 4096 - sizeof(struct mmsghdr));
  *edge = m[0];
  show("sendmmsg runs off the map", sendmmsg(tx, edge, 2, 0));
  sendto(tx, "r1", 2, 0, to, tolen);
  sendto(tx, "r2", 2, 0, to, tolen);
  edge->msg_hdr.msg_iov = &iov[0];
  edge->msg_hdr.msg_name = NULL;
  edge->msg_hdr.msg_namelen = 0;
  show("recvmmsg runs off the map", recvmmsg(rx, edge, 2, MSG_DONTWAIT, NULL));
  printf("  msg_len %u\n", edge->msg_len);
  // (Linux keeps that EFAULT as the socket's pending error for the next
  // call; the LibOS does not, so the rest is left unread.)
  show("sendmmsg not a socket", sendmmsg(0 + 100, m, 1, 0));
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(sin);
  if (bind(rx, (struct sockaddr*)&sin, sizeof(sin)) || getsockname(rx, (struct sockaddr*)&sin, &len)) {
    perror("bind");
    return 1;
  }
  batch("udp 127.0.0.1", tx, rx, (struct sockaddr*)&sin, sizeof(sin));
  close(rx);
  close(tx);

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) { perror("socketpair"); return 1; }
  batch("unix dgram pair", sv[0], sv[1], NULL, 0);

  // glibc's resolver sends its A and AAAA queries with sendmmsg; "localhost"
  // comes from /etc/hosts, AI_ADDRCONFIG asks which families are configured.
  printf("== getaddrinfo\n");
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
  struct addrinfo* res = NULL;
  int e = getaddrinfo("localhost", "80", &hints, &res);
  printf("localhost: %s\n", e ? gai_strerror(e) : "ok");
  if (!e) {
    char host[64];
    getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof(host), NULL, 0, NI_NUMERICHOST);
    printf("  %s\n", host);
    freeaddrinfo(res);
  }
  return 0;
}
