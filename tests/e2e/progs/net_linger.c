// SO_LINGER with a timeout over loopback, printed so that a run on Linux
// and a run under junction (bypass: the LibOS stack; host: host sockets)
// can be compared line for line. close() of a blocking or non-blocking
// socket with {1, N > 0} returns 0 once the peer acknowledged our data and
// FIN (not once it read them), or after N seconds, or when a signal comes;
// what is left is sent in the background. shutdown() does not wait. The
// option reads back as Linux keeps it.
//
// The peer is a thread of this process with a small receive buffer that
// reads only when told, so the closer's data stays unacknowledged until
// then. No step depends on timing: a close that must wait is checked by
// what the peer had read when it returned (at most its window behind the
// end), or, with a peer that never reads, by the time it took being at
// least the linger time (a bound close may not undercut).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAILED %s line %d errno %s\n", #c, __LINE__, strerror(errno)); exit(1); } } while (0)

// The peer's receive buffer (Linux doubles it) and read size: what it may
// have acknowledged beyond what it read is less than kSlack.
enum { kPeerRcvbuf = 16 << 10, kChunk = 16 << 10, kSlack = 256 << 10 };
// The closer's send buffer: far more than kSlack waits in it.
enum { kSndbuf = 1 << 20 };

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t pattern(size_t i) { return (uint8_t)(i * 131 + (i >> 12)); }

// A connected pair over 127.0.0.1: *closer (accepted) and *peer (the
// client, with the small receive buffer set before connecting).
static void make_pair(int* closer, int* peer) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(l, (struct sockaddr*)&a, sizeof(a)) == 0);
  CHECK(listen(l, 1) == 0);
  socklen_t al = sizeof(a);
  CHECK(getsockname(l, (struct sockaddr*)&a, &al) == 0);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  int v = kPeerRcvbuf;
  CHECK(setsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == 0);
  CHECK(connect(c, (struct sockaddr*)&a, sizeof(a)) == 0);
  int s = accept(l, NULL, NULL);
  CHECK(s >= 0);
  close(l);
  v = kSndbuf;
  CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == 0);
  *closer = s;
  *peer = c;
}

// Queues the pattern until neither buffer takes more; returns how much.
static size_t fill(int s) {
  int fl = fcntl(s, F_GETFL);
  fcntl(s, F_SETFL, fl | O_NONBLOCK);
  static uint8_t buf[65536];
  size_t total = 0;
  for (;;) {
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = pattern(total + i);
    ssize_t n = send(s, buf, sizeof(buf), 0);
    if (n < 0) {
      CHECK(errno == EAGAIN);
      break;
    }
    total += (size_t)n;
  }
  fcntl(s, F_SETFL, fl);
  return total;
}

static void set_linger(int s, int on, int secs) {
  struct linger lg = {on, secs};
  CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
}

// The peer: waits for `go`, then reads to end of stream, publishing its
// progress after each read; checks the bytes against the pattern.
struct peer {
  int fd;
  atomic_int go;
  atomic_size_t got;
  int eof, bad, err;
};

static void* peer_main(void* arg) {
  struct peer* p = arg;
  while (!atomic_load(&p->go)) sched_yield();
  uint8_t buf[kChunk];
  size_t got = 0;
  for (;;) {
    ssize_t n = recv(p->fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      p->err = errno;
      break;
    }
    if (n == 0) {
      p->eof = 1;
      break;
    }
    for (ssize_t i = 0; i < n; i++)
      if (buf[i] != pattern(got + (size_t)i)) p->bad = 1;
    got += (size_t)n;
    atomic_store(&p->got, got);
  }
  return NULL;
}

static void peer_start(struct peer* p, pthread_t* t, int fd) {
  p->fd = fd;
  atomic_store(&p->go, 0);
  atomic_store(&p->got, 0);
  p->eof = p->bad = p->err = 0;
  CHECK(pthread_create(t, NULL, peer_main, p) == 0);
}

static void peer_finish(struct peer* p, pthread_t t, size_t total, const char* what) {
  atomic_store(&p->go, 1);
  pthread_join(t, NULL);
  printf("%s: the peer then read %s, %s\n", what,
         atomic_load(&p->got) == total && !p->bad ? "all of it" : "less or other bytes",
         p->eof ? "then end of stream" : p->err ? strerror(p->err) : "no end");
  close(p->fd);
}

// A pair whose closer *s has its buffers full and lingers {1, secs}, with
// the peer thread started (not reading yet); returns the bytes queued.
static size_t lingering_pair(int nonblock, int secs, int* s, struct peer* p, pthread_t* t) {
  int c;
  make_pair(s, &c);
  size_t total = fill(*s);
  if (nonblock) fcntl(*s, F_SETFL, fcntl(*s, F_GETFL) | O_NONBLOCK);
  set_linger(*s, 1, secs);
  peer_start(p, t, c);
  return total;
}

// close() waits until the peer acknowledged everything: it reads meanwhile.
static void waits_for_ack(int nonblock) {
  const char* what = nonblock ? "non-blocking, peer reads" : "peer reads";
  int s;
  struct peer p;
  pthread_t t;
  size_t total = lingering_pair(nonblock, 60, &s, &p, &t);
  atomic_store(&p.go, 1);
  int r = close(s);
  size_t seen = atomic_load(&p.got);
  printf("%s: close %d, the peer had read all but its window when it returned: %s\n", what, r,
         seen + kSlack >= total ? "yes" : "no");
  peer_finish(&p, t, total, what);
}

// The peer never reads while close() waits: it returns 0 after the linger
// time, and the rest still arrives.
static void times_out(int nonblock) {
  const char* what = nonblock ? "non-blocking, peer silent" : "peer silent";
  int s;
  struct peer p;
  pthread_t t;
  size_t total = lingering_pair(nonblock, 1, &s, &p, &t);
  double t0 = now_s();
  int r = close(s);
  double took = now_s() - t0;
  printf("%s: close %d after the linger time: %s\n", what, r, took >= 0.95 ? "yes" : "no");
  peer_finish(&p, t, total, what);
}

static atomic_int alarms;
static void on_alarm(int sig) {
  (void)sig;
  atomic_fetch_add(&alarms, 1);
}

// A signal ends the wait: close() still returns 0 (the descriptor is gone).
static void signal_ends_wait(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_alarm;  // no SA_RESTART
  sigaction(SIGALRM, &sa, NULL);
  // The alarm is the closing thread's: the peer thread starts with it
  // blocked (a process-directed signal may go to any thread that takes it).
  sigset_t alrm, old;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &alrm, &old);
  int s;
  struct peer p;
  pthread_t t;
  size_t total = lingering_pair(0, 60, &s, &p, &t);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  struct itimerval it = {{0, 0}, {0, 300000}};
  setitimer(ITIMER_REAL, &it, NULL);
  double t0 = now_s();
  int r = close(s);
  int e = errno;
  double took = now_s() - t0;
  printf("signal: close %d (%s), handler ran %d, well before the linger time: %s\n", r,
         r < 0 ? strerror(e) : "ok", atomic_load(&alarms), took < 30 ? "yes" : "no");
  printf("signal: descriptor after close: %s\n", fcntl(s, F_GETFD) < 0 ? strerror(errno) : "open");
  peer_finish(&p, t, total, "signal");
}

// shutdown() does not wait; nor does a close with lingering switched off.
static void shutdown_does_not_wait(void) {
  int s;
  struct peer p;
  pthread_t t;
  size_t total = lingering_pair(0, 60, &s, &p, &t);
  double t0 = now_s();
  int r = shutdown(s, SHUT_WR);
  set_linger(s, 0, 0);
  int r2 = close(s);
  printf("shutdown %d, then close without linger %d, no wait: %s\n", r, r2,
         now_s() - t0 < 30 ? "yes" : "no");
  peer_finish(&p, t, total, "shutdown");
}

// Acknowledged is enough: a peer that never reads acknowledges a little
// data and the FIN at once.
static void ack_without_read(void) {
  int s, c;
  make_pair(&s, &c);
  CHECK(send(s, "hello", 5, 0) == 5);
  set_linger(s, 1, 60);
  double t0 = now_s();
  int r = close(s);
  printf("small write, peer not reading: close %d without waiting for a read: %s\n", r,
         now_s() - t0 < 30 ? "yes" : "no");
  char buf[8];
  ssize_t n = recv(c, buf, sizeof(buf), 0);
  ssize_t n2 = recv(c, buf, sizeof(buf), 0);
  printf("small write: peer read %zd then %zd\n", n, n2);
  close(c);
}

static void show(int s, const char* what) {
  struct linger lg = {-7, -7};
  socklen_t l = sizeof(lg);
  int r = getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &l);
  printf("getsockopt after %s: %d {%d, %d} len %u\n", what, r, lg.l_onoff, lg.l_linger, l);
}

// What SO_LINGER reads back (Linux keeps the time when switched off).
static void option_values(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  show(s, "nothing");
  set_linger(s, 1, 5);
  show(s, "{1, 5}");
  set_linger(s, 0, 7);
  show(s, "{0, 7}");
  set_linger(s, 2, 9);
  show(s, "{2, 9}");
  set_linger(s, 1, 0);
  show(s, "{1, 0}");
  struct linger lg = {1, 3};
  printf("setsockopt with a short length: %s\n",
         setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg) - 1) < 0 ? strerror(errno) : "ok");
  printf("setsockopt with a longer length: %s\n",
         setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg) + 4) < 0 ? strerror(errno) : "ok");
  show(s, "{1, 3} (longer)");
  socklen_t l = 4;
  int r = getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &l);
  printf("getsockopt into 4 bytes: %d len %u\n", r, l);
  close(s);
  // An accepted connection takes the listener's.
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(ls, (struct sockaddr*)&a, sizeof(a)) == 0);
  set_linger(ls, 1, 4);
  CHECK(listen(ls, 1) == 0);
  socklen_t al = sizeof(a);
  CHECK(getsockname(ls, (struct sockaddr*)&a, &al) == 0);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(connect(c, (struct sockaddr*)&a, sizeof(a)) == 0);
  int acc = accept(ls, NULL, NULL);
  show(acc, "accept from a listener with {1, 4}");
  show(c, "connect (not set)");
  close(c);
  close(acc);
  close(ls);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGPIPE, SIG_IGN);
  option_values();
  ack_without_read();
  waits_for_ack(0);
  waits_for_ack(1);
  times_out(0);
  times_out(1);
  signal_ends_wait();
  shutdown_does_not_wait();
  return 0;
}
