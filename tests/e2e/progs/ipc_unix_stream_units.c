// Unix stream sends as Linux makes them (net/unix/af_unix.c): cut into skbs
// of at most 36544 bytes, each copied whole before it is queued, so a send
// whose buffer faults part-way sends the skbs before the fault (EFAULT if
// none); each skb is charged its truesize to the sender, whose send waits
// (or is EAGAIN) while the charge reaches SO_SNDBUF (212992 by default,
// setsockopt doubles), and the socket polls writable while the charge is at
// most a quarter of it. Then a 256 MiB blocking send read by another thread.
#define _GNU_SOURCE 1
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096L
#define GOOD_PAGES 64  // then the fault

static char* region;  // GOOD_PAGES readable pages, then faulting ones
static char* at(long good) { return region + GOOD_PAGES * PAGE - good; }

static void show(const char* what, long r) {
  printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerrorname_np(errno) : "");
}

// What the reader gets: how many bytes, and whether they are the sender's
// (a pattern of their offset in the send, which started `from` bytes
// before the first one queued).
static void drain_from(int rd, long from) {
  int n = -1;
  ioctl(rd, FIONREAD, &n);
  static char buf[1 << 16];
  long got = 0, bad = 0, r;
  while ((r = recv(rd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
    for (long i = 0; i < r; i++) bad += buf[i] != (char)('a' + (from + got + i) % 23);
    got += r;
  }
  printf("  queued %d, read %ld, wrong bytes %ld\n", n, got, bad);
}
static void drain(int rd) { drain_from(rd, 0); }

static void fill_region(char* base, long good) {
  for (long i = 0; i < good; i++) base[i] = (char)('a' + i % 23);
}

static int pair(int sv[2]) { return socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv); }

static void faults(const char* kind) {
  printf("-- faulting part-way: %s\n", kind);
  long goods[] = {0, 1, 36543, 36544, 36545, 73088 + 100, 3 * 36544 + 5000, 5 * 36544 + 3};
  int sv[2];
  for (unsigned i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
    long good = goods[i];
    fill_region(at(good), good);
    char what[64];
    snprintf(what, sizeof(what), "send %ld good of %ld", good, good + 4096);
    pair(sv);
    show(what, send(sv[0], at(good), good + 4096, 0));
    drain(sv[1]);
    close(sv[0]);
    close(sv[1]);
  }
  long good = 2 * 36544 + 10;
  fill_region(at(good), good);
  pair(sv);
  show("write 73098 good", write(sv[0], at(good), good + 100));
  drain(sv[1]);
  close(sv[0]);
  close(sv[1]);
  pair(sv);
  show("sendto 73098 good", sendto(sv[0], at(good), good + 100, 0, NULL, 0));
  drain(sv[1]);
  close(sv[0]);
  close(sv[1]);
  // Two iovecs: the units run across them; the fault is in the second.
  good = 36544 + 20000;
  fill_region(at(good), good);
  struct iovec iov[2] = {{at(good), 20000}, {at(good) + 20000, 36544 + 50}};
  struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
  pair(sv);
  show("sendmsg 20000 + 36594 (56544 good)", sendmsg(sv[0], &mh, 0));
  drain(sv[1]);
  close(sv[0]);
  close(sv[1]);
}

static int writable(int fd) {
  struct pollfd p = {fd, POLLOUT, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT);
}

static void capacity(void) {
  printf("-- send buffer\n");
  static char buf[1 << 18];
  fill_region(buf, sizeof(buf));
  int sv[2], v;
  socklen_t vl = sizeof(v);
  long sizes[] = {1, 100, 3776, 3777, 4096, 8000, 36544, 65536};
  for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    pair(sv);
    long total = 0, r, sends = 0;
    while ((r = send(sv[0], buf, sizes[i], 0)) > 0) {
      total += r;
      sends++;
    }
    printf("%ld-byte sends: %ld sends, %ld bytes, then %s, pollout %d\n", sizes[i], sends, total,
           strerrorname_np(errno), writable(sv[0]));
    close(sv[0]);
    close(sv[1]);
  }
  pair(sv);
  getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &vl);
  printf("SO_SNDBUF %d\n", v);
  show("send 131072", send(sv[0], buf, 131072, 0));
  show("send 131072 again", send(sv[0], buf, 131072, 0));
  show("send 131072 again", send(sv[0], buf, 131072, 0));
  // Writable again once the charge is at most a quarter of the buffer.
  static char sink[36544];
  long taken = 0;
  for (int i = 0; i < 8; i++) {
    long r = recv(sv[1], sink, i % 2 ? 36544 : 20000, 0);
    printf("  recv %ld, pollout %d\n", r, writable(sv[0]));
    taken += r > 0 ? r : 0;
  }
  // The second send started over at the pattern's start.
  drain_from(sv[1], taken - 131072);
  close(sv[0]);
  close(sv[1]);
  int vals[] = {0, 1000, 8192, 50000, 106496};  // at most wmem_max / 2 (a host setting)
  for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
    pair(sv);
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &vals[i], sizeof(vals[i]));
    getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &vl);
    long first = send(sv[0], buf, sizeof(buf), 0);
    long second = send(sv[0], buf, sizeof(buf), 0);
    printf("SO_SNDBUF set %d: %d, sends %ld then %ld\n", vals[i], v, first, second);
    close(sv[0]);
    close(sv[1]);
  }
}

#define BIG (256L << 20)

static void* reader(void* arg) {
  int fd = *(int*)arg;
  static char buf[1 << 16];
  long got = 0, r, bad = 0;
  while ((r = read(fd, buf, sizeof(buf))) > 0) {
    for (long o = (got + 4095) & ~4095L; o < got + r; o += 4096) bad += buf[o - got] != (char)(o >> 20);
    got += r;
  }
  printf("reader: %ld bytes, wrong %ld\n", got, bad);
  return NULL;
}

static void big_send(void) {
  printf("-- 256 MiB blocking send\n");
  char* big = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (big == MAP_FAILED) return;
  for (long i = 0; i < BIG; i += 4096) big[i] = (char)(i >> 20);  // one byte a page: which MiB
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return;
  pthread_t t;
  pthread_create(&t, NULL, reader, &sv[1]);
  long r = send(sv[0], big, BIG, 0);
  show("send", r);
  close(sv[0]);
  pthread_join(t, NULL);
  close(sv[1]);
  munmap(big, BIG);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  // Past a file's end inside the mapping (SIGBUS), then past the mapping.
  char path[] = "/tmp/ipc_unix_stream_units.XXXXXX";
  int fd = mkstemp(path);
  unlink(path);
  if (fd < 0 || ftruncate(fd, GOOD_PAGES * PAGE) != 0) return 1;
  region = mmap(NULL, (GOOD_PAGES + 8) * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (region == MAP_FAILED) return 1;
  faults("past the file's end");
  munmap(region + GOOD_PAGES * PAGE, 8 * PAGE);
  faults("past the mapping");
  capacity();
  big_send();
  return 0;
}
