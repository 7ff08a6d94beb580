// Network round trips and stream throughput, for tests/net/net_perf.sh:
// the same program runs natively over Linux loopback and under
// `junction run` in bypass containers through the daemon.
//
//   net_rtt server UDP_PORT TCP_PORT    echo datagrams (a thread) and, on
//                                       each TCP connection, echo; a 'S'
//                                       first byte means: sink a stream
//   net_rtt udp IP PORT SIZE N          N round trips of SIZE bytes
//   net_rtt tcp IP PORT SIZE N          the same over one connection
//   net_rtt stream IP PORT MIB          send MIB MiB, wait for the ack
// Clients print one line: "name size n median_us p99_us" or
// "stream mib seconds MiB/s".
#include <arpa/inet.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static struct sockaddr_in addr_of(const char* ip, int port) {
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

static int read_full(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r <= 0) return -1;
    p += r;
    n -= r;
  }
  return 0;
}

static void report(const char* name, int size, int n, double* t) {
  qsort(t, n, sizeof *t, cmp);
  printf("%s %d %d %.1f %.1f\n", name, size, n, t[n / 2], t[(int)(n * 0.99)]);
}

static void* udp_server(void* arg) {
  static char buf[1 << 16];
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = addr_of("0.0.0.0", (int)(long)arg);
  if (bind(s, (struct sockaddr*)&a, sizeof a) != 0) return perror("bind udp"), NULL;
  for (;;) {
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr*)&from, &len);
    if (n >= 0) sendto(s, buf, n, 0, (struct sockaddr*)&from, len);
  }
}

static int tcp_server(int port) {
  static char buf[1 << 16];
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = addr_of("0.0.0.0", port);
  if (bind(s, (struct sockaddr*)&a, sizeof a) != 0) return perror("bind tcp"), 1;
  listen(s, 16);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char first;
    if (read(c, &first, 1) != 1) { close(c); continue; }
    if (first == 'S') {  // a stream: sink it, then one byte back
      long total = 0, want;
      if (read_full(c, (char*)&want, sizeof want) == 0) {
        while (total < want) {
          ssize_t n = read(c, buf, sizeof buf);
          if (n <= 0) break;
          total += n;
        }
        if (write(c, "k", 1) != 1) perror("write");
      }
    } else {  // echo; the size comes first
      int size = 0;
      if (read_full(c, (char*)&size, sizeof size) != 0 || size <= 0 || size > (int)sizeof buf) {
        close(c);
        continue;
      }
      while (read_full(c, buf, size) == 0 && write(c, buf, size) == size) {}
    }
    close(c);
  }
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const char* mode = argv[1];
  static char buf[1 << 16];
  if (!strcmp(mode, "server") && argc >= 4) {
    pthread_t t;
    pthread_create(&t, NULL, udp_server, (void*)(long)atoi(argv[2]));
    return tcp_server(atoi(argv[3]));
  }
  if (argc < 5) return 2;
  const char* ip = argv[2];
  int port = atoi(argv[3]);
  struct sockaddr_in a = addr_of(ip, port);
  if (!strcmp(mode, "stream")) {
    long mib = atol(argv[4]), want = mib << 20;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr*)&a, sizeof a) != 0) return perror("connect"), 1;
    if (write(s, "S", 1) != 1 || write(s, &want, sizeof want) != sizeof want) return perror("stream"), 1;
    memset(buf, 'x', sizeof buf);
    double t0 = now_us();
    for (long sent = 0; sent < want;) {
      ssize_t n = write(s, buf, want - sent < (long)sizeof buf ? want - sent : (long)sizeof buf);
      if (n <= 0) return perror("write"), 1;
      sent += n;
    }
    char k;
    if (read(s, &k, 1) != 1) return 1;
    double secs = (now_us() - t0) / 1e6;
    printf("stream %ld %.3f %.1f\n", mib, secs, mib / secs);
    return 0;
  }
  int size = atoi(argv[4]), n = atoi(argv[5]);
  double* t = malloc(sizeof(double) * n);
  memset(buf, 'p', size);
  if (!strcmp(mode, "udp")) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = {2, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connect(s, (struct sockaddr*)&a, sizeof a);
    for (int i = -n / 10; i < n; i++) {  // a tenth as warm-up
      double t0 = now_us();
      if (send(s, buf, size, 0) != size || recv(s, buf, sizeof buf, 0) != size) {
        i--;  // lost: try again (counted by nothing; UDP)
        continue;
      }
      if (i >= 0) t[i] = now_us() - t0;
    }
    report("udp", size, n, t);
    return 0;
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  if (connect(s, (struct sockaddr*)&a, sizeof a) != 0) return perror("connect"), 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (write(s, "E", 1) != 1 || write(s, &size, sizeof size) != sizeof size) return perror("tcp"), 1;
  for (int i = -n / 10; i < n; i++) {
    double t0 = now_us();
    if (write(s, buf, size) != size || read_full(s, buf, size) != 0) return perror("tcp"), 1;
    if (i >= 0) t[i] = now_us() - t0;
  }
  report("tcp", size, n, t);
  return 0;
}
