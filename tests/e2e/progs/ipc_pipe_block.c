// Reads that block on a pipe between two threads of one process (under
// junction the reader parks on the lazy path, ipc/pipe_lazy.cc): woken by a
// write, by the last writer's close (EOF), interrupted by a signal (EINTR,
// or restarted under SA_RESTART), its descriptor closed by another thread
// while it waits (the read still completes, as the in-flight read holds the
// pipe open; writes get EPIPE only after it returns), a packet (O_DIRECT)
// pipe, a partial read, a writer blocked on a full pipe, poll and epoll
// woken by the other side, two readers on one pipe. No sleep orders
// anything: the main thread acts once the other thread is blocked, watched
// in /proc/self/task/TID/stat until its state is S (a close or a signal
// that came before the call would change its outcome).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread_state.h"

static int rfd, wfd;
static size_t want = 1;
static volatile sig_atomic_t handled;

struct result {
  long r;
  int err;
  char buf[128];
  volatile int done;
};

static void* reader(void* arg) {
  struct result* res = arg;
  memset(res->buf, 0, sizeof(res->buf));
  errno = 0;
  res->r = read(rfd, res->buf, want);
  res->err = errno;
  res->done = 1;
  return NULL;
}

static void show(const char* label, const struct result* res) {
  printf("%s: %ld %s '%.*s'\n", label, res->r, res->r < 0 ? strerror(res->err) : "",
         res->r > 0 ? (int)res->r : 0, res->buf);
}

static void pause_ms(int ms) { usleep(ms * 1000); }

// A thread started by spawn() publishes its tid before it runs `fn`.
struct start {
  void* (*fn)(void*);
  void* arg;
  volatile pid_t tid;
};

static void* trampoline(void* arg) {
  struct start* s = arg;
  s->tid = (pid_t)syscall(SYS_gettid);
  return s->fn(s->arg);
}

// Starts fn(arg) in a thread and returns once it sleeps (blocked in its
// call). The 1 ms pauses only space the polls.
static void spawn_blocked(pthread_t* t, struct start* s, void* (*fn)(void*), void* arg) {
  s->fn = fn;
  s->arg = arg;
  s->tid = 0;
  pthread_create(t, NULL, trampoline, s);
  while (s->tid == 0) usleep(1000);
  while (thread_state(s->tid) != 'S') usleep(1000);
}

static void on_usr1(int sig) {
  (void)sig;
  handled++;
}

// A new pipe (pipe2 `flags`) in rfd/wfd, whose reader() reads `n` bytes.
static int open_pipe(int flags, size_t n) {
  int p[2];
  if (pipe2(p, flags) != 0) return -1;
  rfd = p[0];
  wfd = p[1];
  want = n;
  return 0;
}

// Writes to `fd` until its pipe is full (in 4096-byte writes, then byte by
// byte if `to_the_byte`); returns how much it took.
static long fill_pipe(int fd, int to_the_byte) {
  char b[4096];
  memset(b, 'f', sizeof(b));
  long filled = 0, n;
  fcntl(fd, F_SETFL, O_NONBLOCK);
  while ((n = write(fd, b, sizeof(b))) > 0) filled += n;
  while (to_the_byte && (n = write(fd, b, 1)) > 0) filled += n;
  fcntl(fd, F_SETFL, 0);
  return filled;
}

static void round_simple(const char* label, int mode) {
  if (open_pipe(mode == 4 ? O_DIRECT : 0, mode == 5 ? 10 : (mode == 4 ? 100 : 1)) != 0) return;
  struct result res;
  pthread_t t;
  struct start st;
  spawn_blocked(&t, &st, reader, &res);
  switch (mode) {
    case 0: (void)!write(wfd, "a", 1); break;          // woken by a write
    case 1: close(wfd); wfd = -1; break;                // EOF
    case 4:                                             // two packets: one read takes one
      (void)!write(wfd, "xyz", 3);
      (void)!write(wfd, "uvw", 3);
      break;
    case 5: (void)!write(wfd, "abc", 3); break;         // partial read
  }
  pthread_join(t, NULL);
  show(label, &res);
  if (mode == 4) {
    char b[100] = {0};
    long n = read(rfd, b, sizeof(b));
    printf("%s second packet: %ld '%.*s'\n", label, n, n > 0 ? (int)n : 0, b);
  }
  close(rfd);
  if (wfd >= 0) close(wfd);
}

static void round_signal(const char* label, int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;
  sa.sa_flags = flags;
  sigaction(SIGUSR1, &sa, NULL);
  if (open_pipe(0, 1) != 0) return;
  handled = 0;
  struct result res = {0};
  pthread_t t;
  struct start st;
  spawn_blocked(&t, &st, reader, &res);
  if (flags & SA_RESTART) {
    // The write comes once the handler has run and the read has
    // restarted (blocked again).
    pthread_kill(t, SIGUSR1);
    while (!handled) usleep(1000);
    while (thread_state(st.tid) != 'S') usleep(1000);
    (void)!write(wfd, "r", 1);
  } else {
    // Until one lands while the read waits (a slow start of the thread
    // only runs the handler more often).
    while (!res.done) {
      pthread_kill(t, SIGUSR1);
      pause_ms(50);
    }
  }
  pthread_join(t, NULL);
  show(label, &res);
  printf("%s handler ran %d\n", label, handled > 0);
  close(rfd);
  close(wfd);
}

static void round_close_while_blocked(void) {
  if (open_pipe(0, 1) != 0) return;
  struct result res;
  pthread_t t;
  struct start st;
  spawn_blocked(&t, &st, reader, &res);
  printf("closed while blocked: close %d\n", close(rfd));
  errno = 0;
  long w = write(wfd, "c", 1);
  printf("closed while blocked: write %ld %s\n", w, w < 0 ? strerror(errno) : "");
  pthread_join(t, NULL);
  show("closed while blocked: read", &res);
  errno = 0;
  w = write(wfd, "d", 1);
  printf("closed while blocked: write after the read %ld %s\n", w, w < 0 ? strerror(errno) : "");
  close(wfd);
}

// Both descriptors closed while the read waits: it sees EOF (under
// junction its wait is then the buffer's last user and frees it).
static void round_both_closed_while_blocked(void) {
  if (open_pipe(0, 1) != 0) return;
  struct result res;
  pthread_t t;
  struct start st;
  spawn_blocked(&t, &st, reader, &res);
  close(rfd);
  close(wfd);
  pthread_join(t, NULL);
  show("both closed while blocked", &res);
}

static void* big_writer(void* arg) {
  long* r = arg;
  static char big[70000];
  memset(big, 'w', sizeof(big));
  *r = write(wfd, big, sizeof(big));
  return NULL;
}

static void round_blocked_writer(void) {
  if (open_pipe(0, 1) != 0) return;
  long wr = 0;
  pthread_t t;
  struct start st;
  spawn_blocked(&t, &st, big_writer, &wr);
  char b[4096];
  long total = 0;
  while (total < 70000) {
    long n = read(rfd, b, sizeof(b));
    if (n <= 0) break;
    total += n;
  }
  pthread_join(t, NULL);
  printf("blocked writer: wrote %ld, read %ld\n", wr, total);
  close(rfd);
  close(wfd);
}

// Small writes (at most PIPE_BUF: all or nothing) that wait for room.
static volatile sig_atomic_t pipe_signals;
static void on_sigpipe(int sig) {
  (void)sig;
  pipe_signals++;
}

struct small_write {
  long r;
  int err;
  volatile int done;
};

static void* small_writer(void* arg) {
  struct small_write* w = arg;
  char b[100];
  memset(b, 's', sizeof(b));
  errno = 0;
  w->r = write(wfd, b, sizeof(b));
  w->err = errno;
  w->done = 1;
  return NULL;
}

// mode 0: room made by a read; 1: the read end closed (EPIPE, SIGPIPE to
// the writer); 2: the writer's descriptor closed meanwhile (the write
// still completes, readers see EOF only after it); 3: a signal (EINTR).
static void round_small_writer(const char* label, int mode) {
  if (open_pipe(0, 1) != 0) return;
  long filled = fill_pipe(wfd, 1), n;
  char b[4096];
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = mode == 3 ? on_usr1 : on_sigpipe;
  sigaction(mode == 3 ? SIGUSR1 : SIGPIPE, &sa, NULL);
  pipe_signals = 0;
  handled = 0;
  struct small_write w = {0, 0, 0};
  pthread_t t;
  struct start st;
  spawn_blocked(&t, &st, small_writer, &w);
  long got = 0;
  switch (mode) {
    case 0: got = read(rfd, b, sizeof(b)); break;
    case 1: close(rfd); rfd = -1; break;
    case 2:
      close(wfd);
      wfd = -1;
      got = read(rfd, b, sizeof(b));
      break;
    case 3:
      while (!w.done) {  // until one lands while the write waits
        pthread_kill(t, SIGUSR1);
        pause_ms(50);
      }
      break;
  }
  pthread_join(t, NULL);
  printf("%s: filled %ld, read %ld, write %ld %s, SIGPIPE %d, handler ran %d\n", label, filled, got,
         w.r, w.r < 0 ? strerror(w.err) : "", pipe_signals, handled > 0);
  if (mode == 2) {
    // Everything written is there, then EOF.
    long total = 0;
    while ((n = read(rfd, b, sizeof(b))) > 0) total += n;
    printf("%s: drained %ld, then %ld\n", label, total, n);
  }
  if (rfd >= 0) close(rfd);
  if (wfd >= 0) close(wfd);
  signal(SIGPIPE, SIG_IGN);
}

static void* poll_out(void* arg) {
  struct pollfd* pf = arg;
  pf->revents = 0;
  int n = poll(pf, 1, -1);
  pf->fd = n;
  return NULL;
}

static void* epoll_in(void* arg) {
  int* ep = arg;
  struct epoll_event ev = {0};
  int n = epoll_wait(*ep, &ev, 1, -1);
  *ep = n == 1 ? (int)ev.events : -1;
  return NULL;
}

static void round_readiness(void) {
  int p[2];
  if (pipe(p) != 0) return;
  // Fill the pipe, then a poller for POLLOUT on the write end is woken by a read.
  printf("readiness: filled %ld\n", fill_pipe(p[1], 0));
  char b[4096];
  struct pollfd pf = {p[1], POLLOUT, 0};
  pthread_t t;
  struct start st;
  spawn_blocked(&t, &st, poll_out, &pf);
  printf("readiness: read %ld\n", (long)read(p[0], b, sizeof(b)));
  pthread_join(t, NULL);
  printf("readiness: poll %d revents %#x\n", pf.fd, pf.revents);
  // An epoll waiter on the (now empty) read end is woken by a write.
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  while (read(p[0], b, sizeof(b)) > 0) {
  }
  fcntl(p[0], F_SETFL, 0);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN};
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
  int arg = ep;
  spawn_blocked(&t, &st, epoll_in, &arg);
  (void)!write(p[1], "e", 1);
  pthread_join(t, NULL);
  printf("readiness: epoll events %#x\n", arg);
  close(ep);
  close(p[0]);
  close(p[1]);
}

static void round_two_readers(void) {
  if (open_pipe(0, 1) != 0) return;
  struct result a, b;
  pthread_t ta, tb;
  struct start sa, sb;
  spawn_blocked(&ta, &sa, reader, &a);
  spawn_blocked(&tb, &sb, reader, &b);
  (void)!write(wfd, "1", 1);
  (void)!write(wfd, "2", 1);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  // Which reader got which byte depends on scheduling: print them sorted.
  char x = a.buf[0], y = b.buf[0];
  printf("two readers: %ld %ld bytes '%c%c'\n", a.r, b.r, x < y ? x : y, x < y ? y : x);
  close(rfd);
  close(wfd);
}

// The first two reads of the process share glibc's read(2) site: under
// junction the first traps and blocks, the second traps again and has the
// site rewritten meanwhile (rewrite.cc, shape B); the blocked one must
// still resume correctly (it once resumed inside the new jump: SIGILL).
static void round_rewritten_while_blocked(void) {
  int q[2];
  if (open_pipe(0, 1) != 0) return;
  if (pipe(q) != 0) return;
  struct result res;
  pthread_t t;
  struct start st;
  spawn_blocked(&t, &st, reader, &res);
  char b[2] = {0};
  (void)!write(q[1], "qq", 2);
  long n1 = read(q[0], b, 1);
  long n2 = read(q[0], b + 1, 1);
  (void)!write(wfd, "s", 1);
  pthread_join(t, NULL);
  printf("read rewritten while another waits: %ld %ld '%.2s'\n", n1, n2, b);
  show("read rewritten while another waits: waiter", &res);
  close(rfd);
  close(wfd);
  close(q[0]);
  close(q[1]);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGPIPE, SIG_IGN);
  round_rewritten_while_blocked();
  round_simple("woken by a write", 0);
  round_simple("woken by EOF", 1);
  round_simple("packet pipe", 4);
  round_simple("partial read", 5);
  round_signal("signal without SA_RESTART", 0);
  round_signal("signal with SA_RESTART", SA_RESTART);
  round_close_while_blocked();
  round_both_closed_while_blocked();
  round_blocked_writer();
  round_small_writer("small write waits for room", 0);
  round_small_writer("small write, reader closes", 1);
  round_small_writer("small write, its descriptor closed meanwhile", 2);
  round_small_writer("small write interrupted", 3);
  round_readiness();
  round_two_readers();
  return 0;
}
