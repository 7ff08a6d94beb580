// A thread blocked on an eventfd, timerfd or unix socket (stream, dgram,
// seqpacket; socketpair, accepted and connected path sockets), or in
// epoll_wait/poll/select on those and on pipes, while another thread forks:
// it goes on waiting on the same object, now shared with the child, and
// wakes when the child or the parent makes it ready; queued data moves
// along once (not lost, not duplicated). Compared with native. The main
// thread forks only once the other thread sleeps in its call (state S in
// /proc/self/task/TID/stat); the bounds on the waits only keep a broken
// run from hanging (it then prints "stuck").
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "thread_state.h"

enum op { kRead, kWrite, kRecv, kSend, kAccept, kEpoll, kPoll, kSelect };

// One blocking call made by a thread; `r`, `err`, `buf` and `extra` are its
// outcome (`extra`: the descriptor epoll/poll/select reported ready).
struct job {
  enum op op;
  int fd, fd2;
  size_t len;
  char buf[256];
  long r;
  int err, extra;
  volatile pid_t tid;
  volatile int done;
};

static void* run_job(void* arg) {
  struct job* j = arg;
  j->tid = (pid_t)syscall(SYS_gettid);
  errno = 0;
  switch (j->op) {
    case kRead: j->r = read(j->fd, j->buf, j->len); break;
    case kWrite: j->r = write(j->fd, j->buf, j->len); break;
    case kRecv: j->r = recv(j->fd, j->buf, j->len, 0); break;
    case kSend: j->r = send(j->fd, j->buf, j->len, 0); break;
    case kAccept: j->r = accept(j->fd, NULL, NULL); break;
    case kEpoll: {
      struct epoll_event ev;
      j->r = epoll_wait(j->fd, &ev, 1, -1);
      j->extra = j->r == 1 ? (int)ev.data.fd : -1;
      break;
    }
    case kPoll: {
      struct pollfd p[2] = {{j->fd, POLLIN, 0}, {j->fd2, POLLIN, 0}};
      j->r = poll(p, 2, -1);
      j->extra = (p[0].revents & POLLIN) ? j->fd : (p[1].revents & POLLIN) ? j->fd2 : -1;
      break;
    }
    case kSelect: {
      fd_set s;
      FD_ZERO(&s);
      FD_SET(j->fd, &s);
      FD_SET(j->fd2, &s);
      j->r = select((j->fd > j->fd2 ? j->fd : j->fd2) + 1, &s, NULL, NULL, NULL);
      j->extra = FD_ISSET(j->fd, &s) ? j->fd : FD_ISSET(j->fd2, &s) ? j->fd2 : -1;
      break;
    }
  }
  j->err = j->r < 0 ? errno : 0;
  j->done = 1;
  return NULL;
}

// Starts the job in a thread and returns once it sleeps in its call.
static void start_blocked(pthread_t* t, struct job* j) {
  j->tid = 0;
  j->done = 0;
  pthread_create(t, NULL, run_job, j);
  for (int i = 0; i < 30000 && j->tid == 0; i++) usleep(1000);
  if (j->tid) wait_thread_asleep(j->tid);
}

// Waits for the job's end; false (and "stuck" printed) if it is still
// blocked after 5 s, its thread then left behind.
static int finish(pthread_t t, struct job* j, const char* label) {
  for (int i = 0; i < 5000 && !j->done; i++) usleep(1000);
  if (!j->done) {
    printf("%s: stuck\n", label);
    pthread_detach(t);
    return 0;
  }
  pthread_join(t, NULL);
  return 1;
}

// Forks a child that runs `child` (if any) and exits; waits for it.
static void fork_child(void (*child)(void*), void* arg) {
  pid_t pid = fork();
  if (pid == 0) {
    if (child) child(arg);
    _exit(0);
  }
  int status = -1;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status)) printf("child status %d\n", status);
}

static void write_u64(void* arg) {
  int fd = *(int*)arg;
  uint64_t v = 5;
  if (write(fd, &v, sizeof(v)) != sizeof(v)) _exit(1);
}

static void read_u64(void* arg) {
  int fd = *(int*)arg;
  uint64_t v = 0;
  if (read(fd, &v, sizeof(v)) != sizeof(v) || v != 0xfffffffffffffffeULL) _exit(1);
}

static void write_x(void* arg) {
  int fd = *(int*)arg;
  if (write(fd, "x", 1) != 1) _exit(1);
}

static int pair_type;

// Two messages ("a", "bb"); on a stream socket one send of "abb", so that
// the blocked recv takes all of it.
static void send_two(void* arg) {
  int fd = *(int*)arg;
  if (pair_type == SOCK_STREAM) {
    if (send(fd, "abb", 3, 0) != 3) _exit(1);
  } else if (send(fd, "a", 1, 0) != 1 || send(fd, "bb", 2, 0) != 2) {
    _exit(1);
  }
}

static void print_u64_job(const char* label, struct job* j) {
  uint64_t v = 0;
  memcpy(&v, j->buf, sizeof(v));
  printf("%s: r=%ld err=%d value=%llu\n", label, j->r, j->err, j->r == 8 ? (unsigned long long)v : 0ULL);
}

static void print_data_job(const char* label, struct job* j) {
  printf("%s: r=%ld err=%d data='%.*s'\n", label, j->r, j->err, j->r > 0 ? (int)j->r : 0, j->buf);
}

// eventfd: a blocked read woken by the child's write, then one woken by
// the parent's write after the child exits, then a write blocked on a
// full counter woken by the child's read.
static void eventfd_cases(void) {
  pthread_t t;
  struct job j = {.op = kRead, .len = 8};
  int efd = eventfd(0, 0);
  j.fd = efd;
  start_blocked(&t, &j);
  fork_child(write_u64, &efd);
  if (finish(t, &j, "eventfd read, child writes")) print_u64_job("eventfd read, child writes", &j);
  close(efd);

  efd = eventfd(0, 0);
  j.fd = efd;
  start_blocked(&t, &j);
  fork_child(NULL, NULL);
  uint64_t three = 3;
  if (write(efd, &three, sizeof(three)) != sizeof(three)) printf("parent write failed\n");
  if (finish(t, &j, "eventfd read, parent writes")) print_u64_job("eventfd read, parent writes", &j);
  close(efd);

  efd = eventfd(0, 0);
  uint64_t max = 0xfffffffffffffffeULL, one = 1, v = 0;
  if (write(efd, &max, sizeof(max)) != sizeof(max)) printf("fill failed\n");
  j.op = kWrite;
  j.fd = efd;
  memcpy(j.buf, &one, sizeof(one));
  start_blocked(&t, &j);
  fork_child(read_u64, &efd);
  if (finish(t, &j, "eventfd write at max")) {
    long n = read(efd, &v, sizeof(v));
    printf("eventfd write at max: r=%ld err=%d, then read %ld value=%llu\n", j.r, j.err, n, (unsigned long long)v);
  }
  close(efd);
}

static void rearm_now(void* arg) {
  int fd = *(int*)arg;
  struct itimerspec soon = {{0, 0}, {0, 1}};
  if (timerfd_settime(fd, 0, &soon, NULL) != 0) _exit(1);
}

// timerfd: an armed timer's expiration reaches the blocked reader once
// (none left for a later read); a timer the child re-arms to fire now
// wakes the parent's blocked reader.
static void timerfd_cases(void) {
  pthread_t t;
  struct job j = {.op = kRead, .len = 8};
  int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
  struct itimerspec in = {{0, 0}, {0, 300000000}};
  timerfd_settime(tfd, 0, &in, NULL);
  j.fd = tfd;
  start_blocked(&t, &j);
  fork_child(NULL, NULL);
  if (finish(t, &j, "timerfd armed")) {
    print_u64_job("timerfd armed", &j);
    uint64_t v;
    fcntl(tfd, F_SETFL, O_NONBLOCK);
    long n = read(tfd, &v, sizeof(v));
    printf("timerfd armed, read again: r=%ld err=%s\n", n, n < 0 ? strerror(errno) : "");
  }
  close(tfd);

  tfd = timerfd_create(CLOCK_MONOTONIC, 0);
  struct itimerspec hour = {{0, 0}, {3600, 0}};
  timerfd_settime(tfd, 0, &hour, NULL);
  j.fd = tfd;
  start_blocked(&t, &j);
  fork_child(rearm_now, &tfd);
  if (finish(t, &j, "timerfd re-armed by child")) print_u64_job("timerfd re-armed by child", &j);
  close(tfd);
}

// Socket pairs of each type: a blocked recv gets what the child sends
// (stream, seqpacket) or the first of its datagrams, the parent the
// second (dgram); bytes queued before the fork arrive once; a send blocked
// on a full stream socket completes once the parent drains it, in order.
static void socketpair_cases(void) {
  static const struct {
    int type;
    const char* name;
  } types[] = {{SOCK_STREAM, "stream"}, {SOCK_DGRAM, "dgram"}, {SOCK_SEQPACKET, "seqpacket"}};
  char label[64];
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    int sv[2];
    socketpair(AF_UNIX, types[i].type, 0, sv);
    pair_type = types[i].type;
    pthread_t t;
    struct job j = {.op = kRecv, .fd = sv[0], .len = sizeof(j.buf)};
    start_blocked(&t, &j);
    fork_child(send_two, &sv[1]);
    snprintf(label, sizeof(label), "%s recv, child sends", types[i].name);
    if (finish(t, &j, label)) {
      print_data_job(label, &j);
      // What the child sent that the thread did not take.
      char rest[8];
      long n = j.r == 3 ? 0 : recv(sv[0], rest, sizeof(rest), 0);
      printf("%s rest: %ld '%.*s'\n", label, n, n > 0 ? (int)n : 0, rest);
    }
    // Queued before the next fork: read once, after it, by the parent.
    send(sv[1], "q", 1, 0);
    fork_child(NULL, NULL);
    char q[8];
    long n = recv(sv[0], q, sizeof(q), MSG_DONTWAIT);
    long again = recv(sv[0], q + 1, sizeof(q) - 1, MSG_DONTWAIT);
    printf("%s queued: %ld '%c', again %ld %s\n", types[i].name, n, n == 1 ? q[0] : '-', again,
           again < 0 ? strerror(errno) : "");
    close(sv[0]);
    close(sv[1]);
  }

  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  fcntl(sv[1], F_SETFL, O_NONBLOCK);
  char chunk[4096];
  memset(chunk, 'a', sizeof(chunk));
  long filled = 0, n;
  while ((n = send(sv[1], chunk, sizeof(chunk), 0)) > 0) filled += n;
  while ((n = send(sv[1], chunk, 1, 0)) > 0) filled += n;
  fcntl(sv[1], F_SETFL, 0);
  pthread_t t;
  struct job j = {.op = kSend, .fd = sv[1], .len = 200};
  for (int i = 0; i < 200; i++) j.buf[i] = (char)('0' + i % 10);
  start_blocked(&t, &j);
  fork_child(NULL, NULL);
  long got = 0, order_ok = 1;
  while (got < filled + 200) {
    struct pollfd p = {sv[0], POLLIN, 0};
    if (poll(&p, 1, 10000) != 1) break;  // the bound only keeps a broken run from hanging
    n = recv(sv[0], chunk, sizeof(chunk), 0);
    if (n <= 0) break;
    for (long k = 0; k < n; k++) {
      long at = got + k;
      char want = at < filled ? 'a' : (char)('0' + (at - filled) % 10);
      order_ok &= chunk[k] == want;
    }
    got += n;
  }
  if (finish(t, &j, "stream send on full")) {
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    long extra = recv(sv[0], chunk, sizeof(chunk), 0);
    printf("stream send on full: r=%ld err=%d, read back %s, in order %s, more %ld\n", j.r, j.err,
           got == filled + 200 ? "all" : "short", order_ok ? "yes" : "no", extra);
  }
  close(sv[0]);
  close(sv[1]);
}

static char sock_path[108];

static void connect_send(void* arg) {
  (void)arg;
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strcpy(a.sun_path, sock_path);
  if (connect(c, (struct sockaddr*)&a, sizeof(a)) != 0) _exit(2);
  if (send(c, "c", 1, 0) != 1) _exit(3);
  close(c);
}

// Path sockets: a blocked accept takes the child's connection; a recv
// blocked on an accepted socket gets what the child sends on the
// connected one.
static void path_socket_cases(void) {
  snprintf(sock_path, sizeof(sock_path), "/tmp/ipc_fork_blocked_%d", (int)getpid());
  unlink(sock_path);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strcpy(a.sun_path, sock_path);
  if (bind(l, (struct sockaddr*)&a, sizeof(a)) != 0 || listen(l, 8) != 0) {
    printf("listen failed: %s\n", strerror(errno));
    return;
  }
  pthread_t t;
  struct job j = {.op = kAccept, .fd = l};
  start_blocked(&t, &j);
  fork_child(connect_send, NULL);
  if (finish(t, &j, "accept, child connects")) {
    char b[8];
    long n = j.r >= 0 ? recv((int)j.r, b, sizeof(b), 0) : -1;
    printf("accept, child connects: %s, read %ld '%c'\n", j.r >= 0 ? "accepted" : strerror(j.err), n,
           n == 1 ? b[0] : '-');
    if (j.r >= 0) close((int)j.r);
  }

  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  connect(c, (struct sockaddr*)&a, sizeof(a));
  int s = accept(l, NULL, NULL);
  j = (struct job){.op = kRecv, .fd = s, .len = sizeof(j.buf)};
  start_blocked(&t, &j);
  fork_child(write_x, &c);
  if (finish(t, &j, "accepted recv, child sends")) print_data_job("accepted recv, child sends", &j);
  j = (struct job){.op = kRecv, .fd = c, .len = sizeof(j.buf)};
  start_blocked(&t, &j);
  fork_child(write_x, &s);
  if (finish(t, &j, "connected recv, child sends")) print_data_job("connected recv, child sends", &j);
  close(s);
  close(c);
  close(l);
  unlink(sock_path);
}

// epoll_wait, poll and select blocked on a pair of objects of each kind:
// woken when the child makes the second one readable.
static void wait_cases(void) {
  static const char* kinds[] = {"pipe", "eventfd", "socketpair"};
  static const enum op ops[] = {kEpoll, kPoll, kSelect};
  static const char* op_names[] = {"epoll_wait", "poll", "select"};
  for (int k = 0; k < 3; k++) {
    for (int o = 0; o < 3; o++) {
      int a[2], b[2];  // [0]: watched, [1]: the child's way to make it ready
      if (k == 0) {
        pipe(a);
        pipe(b);
      } else if (k == 1) {
        a[0] = a[1] = eventfd(0, 0);
        b[0] = b[1] = eventfd(0, 0);
      } else {
        socketpair(AF_UNIX, SOCK_STREAM, 0, a);
        socketpair(AF_UNIX, SOCK_STREAM, 0, b);
      }
      pthread_t t;
      struct job j = {.op = ops[o], .fd = a[0], .fd2 = b[0]};
      int ep = -1;
      if (ops[o] == kEpoll) {
        ep = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN};
        ev.data.fd = a[0];
        epoll_ctl(ep, EPOLL_CTL_ADD, a[0], &ev);
        ev.data.fd = b[0];
        epoll_ctl(ep, EPOLL_CTL_ADD, b[0], &ev);
        j.fd = ep;
      }
      start_blocked(&t, &j);
      if (k == 1)
        fork_child(write_u64, &b[1]);
      else
        fork_child(write_x, &b[1]);
      char label[64];
      snprintf(label, sizeof(label), "%s on %s", op_names[o], kinds[k]);
      if (finish(t, &j, label))
        printf("%s: r=%ld err=%d ready=%s\n", label, j.r, j.err,
               j.extra == b[0] ? "second" : j.extra == a[0] ? "first" : "none");
      if (ep >= 0) close(ep);
      close(a[0]);
      close(b[0]);
      if (k != 1) {
        close(a[1]);
        close(b[1]);
      }
    }
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  eventfd_cases();
  timerfd_cases();
  socketpair_cases();
  path_socket_cases();
  wait_cases();
  return 0;
}
