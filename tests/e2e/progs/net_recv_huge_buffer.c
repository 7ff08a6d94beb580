// Small receives into a 1 GiB MAP_NORESERVE buffer (valid memory the
// kernel never touches past the bytes that arrive): read, recv and recvmsg
// on a unix stream pair, a unix datagram pair and a UDP loopback socket;
// and a 1 GiB unix datagram (EMSGSIZE).
// Natively the RSS stays small; the LibOS must not size its buffer (or
// probe the guest's pages) by the 1 GiB either. Prints results and whether
// the peak RSS stayed under a bound, never timings.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

// The peak RSS (under junction the host process's, LibOS included; its
// /proc/self/status VmRSS is not a measure).
static long max_rss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static void rounds(const char* what, int rx, int tx, const struct sockaddr_in* to, char* big, size_t len) {
  long got[3] = {0, 0, 0};
  for (int i = 0; i < 50; i++) {
    for (int how = 0; how < 3; how++) {
      if (to)
        sendto(tx, "hi", 2, 0, (const struct sockaddr*)to, sizeof(*to));
      else
        write(tx, "hi", 2);
      long r;
      if (how == 0) {
        r = read(rx, big, len);
      } else if (how == 1) {
        r = recv(rx, big, len, 0);
      } else {
        struct iovec iov = {big, len};
        struct msghdr h = {0};
        h.msg_iov = &iov;
        h.msg_iovlen = 1;
        r = recvmsg(rx, &h, 0);
      }
      got[how] += r;
    }
  }
  printf("%s: read %ld recv %ld recvmsg %ld bytes, data %.2s\n", what, got[0], got[1], got[2], big);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  size_t len = (size_t)1 << 30;
  char* big = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (big == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  long before = max_rss_kib();
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  rounds("unix stream", sv[0], sv[1], NULL, big, len);
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  rounds("unix dgram", sv[0], sv[1], NULL, big, len);
  // A datagram longer than any buffer: EMSGSIZE, not a 1 GiB copy first.
  long r = send(sv[1], big, len, 0);
  printf("unix dgram send of 1 GiB: %s\n", r < 0 ? strerrorname_np(errno) : "sent");
  struct iovec iov = {big, len};
  struct msghdr h = {0};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  r = sendmsg(sv[1], &h, 0);
  printf("unix dgram sendmsg of 1 GiB: %s\n", r < 0 ? strerrorname_np(errno) : "sent");
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof(a);
  bind(u, (struct sockaddr*)&a, sizeof(a));
  getsockname(u, (struct sockaddr*)&a, &al);
  rounds("udp loopback", u, u, &a, big, len);
  // Far below the 1 GiB a receive sized (or probed) by the buffer costs.
  long grew = max_rss_kib() - before;
  printf("peak RSS grew under 128 MiB: %s\n", grew < 128 * 1024 ? "yes" : "no");
  if (grew >= 128 * 1024) fprintf(stderr, "peak RSS grew by %ld KiB\n", grew);
  return 0;
}
