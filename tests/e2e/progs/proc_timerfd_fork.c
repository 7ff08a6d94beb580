// timerfds shared across fork (issue 8): one expiration count and one
// setting for the parent and the child, whichever reads or re-arms it; in
// an epoll set across the fork.
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

static void Arm(int t, long value_ns, long interval_ns) {
  struct itimerspec v = {{interval_ns / 1000000000, interval_ns % 1000000000},
                         {value_ns / 1000000000, value_ns % 1000000000}};
  if (timerfd_settime(t, 0, &v, NULL) < 0) printf("settime: %s\n", strerror(errno));
}

static void ReadNow(int t, const char* who) {
  uint64_t n = 0;
  ssize_t r = read(t, &n, sizeof(n));
  if (r < 0) printf("%s: %s\n", who, strerror(errno));
  else printf("%s: %llu expiration(s)\n", who, (unsigned long long)n);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  // Expired before the fork, read by the child: the parent then has none.
  int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  Arm(t, 1000000, 0);
  struct pollfd p = {t, POLLIN, 0};
  poll(&p, 1, -1);
  pid_t c = fork();
  if (c == 0) {
    ReadNow(t, "child reads the pending expiration");
    _exit(0);
  }
  waitpid(c, NULL, 0);
  ReadNow(t, "parent after the child read");
  close(t);

  // Armed far ahead: the child sees the setting and disarms it; the parent
  // sees it disarmed.
  t = timerfd_create(CLOCK_MONOTONIC, 0);
  Arm(t, 100000000000L, 100000000000L);
  c = fork();
  if (c == 0) {
    struct itimerspec cur;
    timerfd_gettime(t, &cur);
    printf("child: interval %lds, armed %s\n", (long)cur.it_interval.tv_sec,
           cur.it_value.tv_sec || cur.it_value.tv_nsec ? "yes" : "no");
    Arm(t, 0, 0);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  struct itimerspec cur;
  timerfd_gettime(t, &cur);
  printf("parent: interval %lds, armed %s\n", (long)cur.it_interval.tv_sec,
         cur.it_value.tv_sec || cur.it_value.tv_nsec ? "yes" : "no");

  // Re-armed by the child (blocking timerfd): the parent's blocking read
  // and an epoll set made before the fork see it.
  int ep = epoll_create1(0);
  struct epoll_event ev = {EPOLLIN, {.u64 = 7}};
  epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev);
  c = fork();
  if (c == 0) {
    Arm(t, 2000000, 0);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  struct epoll_event got;
  int n = epoll_wait(ep, &got, 1, -1);
  printf("parent epoll: %d event(s), data %llu\n", n, (unsigned long long)got.data.u64);
  ReadNow(t, "parent blocking read");
  close(ep);

  // Periodic, read by both: each blocking read returns at least one.
  Arm(t, 1000000, 1000000);
  c = fork();
  if (c == 0) {
    uint64_t k = 0;
    printf("child periodic: %s\n", read(t, &k, 8) == 8 && k >= 1 ? ">= 1" : "none");
    _exit(0);
  }
  waitpid(c, NULL, 0);
  uint64_t k = 0;
  printf("parent periodic: %s\n", read(t, &k, 8) == 8 && k >= 1 ? ">= 1" : "none");
  close(t);
  return 0;
}
