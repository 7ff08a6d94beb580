// timerfd compared with Linux. Without arguments: one-shot and interval
// timers, absolute times, every clock, TFD_NONBLOCK, TFD_IOC_SET_TICKS,
// gettime, poll/epoll readiness, bad arguments. `--cancel`: timers armed
// with TFD_TIMER_CANCEL_ON_SET, then blocks until someone sets
// CLOCK_REALTIME (timerfd_cancel_test.sh runs `--set-clock` natively once
// it prints "armed", which it does when it sleeps in epoll_wait) and
// reports what each timer says. `--set-clock`: sets CLOCK_REALTIME to its
// own value (a clock set that moves it by microseconds); exit 77 if not
// permitted.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "thread_state.h"

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)
#endif

static void ReadTicks(int fd, const char* what, int at_least) {
  uint64_t t = 0;
  ssize_t n = read(fd, &t, sizeof(t));
  if (n < 0) {
    printf("%s: %s\n", what, strerror(errno));
    return;
  }
  if (at_least)
    printf("%s: ticks >= %d: %d\n", what, at_least, t >= (uint64_t)at_least);
  else
    printf("%s: ticks %llu\n", what, (unsigned long long)t);
}

static void Result(const char* what, int r) {
  int err = errno;
  printf("%s: %d %s\n", what, r, r < 0 ? strerror(err) : "");
}

static struct itimerspec In(long sec, long nsec, long isec, long insec) {
  struct itimerspec v = {{isec, insec}, {sec, nsec}};
  return v;
}

static int Basics(void) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  struct itimerspec v = In(0, 20000000, 0, 0), cur;
  timerfd_settime(fd, 0, &v, NULL);
  timerfd_gettime(fd, &cur);
  printf("armed: remaining <= 20ms %d interval %ld\n",
         cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 20000000, cur.it_interval.tv_nsec);
  ReadTicks(fd, "one-shot", 0);
  timerfd_gettime(fd, &cur);
  printf("after: value %ld.%09ld\n", cur.it_value.tv_sec, cur.it_value.tv_nsec);

  v = In(0, 5000000, 0, 5000000);
  timerfd_settime(fd, 0, &v, NULL);
  usleep(30000);
  ReadTicks(fd, "interval", 3);
  v = In(0, 0, 0, 0);
  timerfd_settime(fd, 0, &v, NULL);
  struct pollfd p = {fd, POLLIN, 0};
  printf("disarmed poll: %d\n", poll(&p, 1, 50));

  int nb = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  ReadTicks(nb, "nonblocking unarmed", 0);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  v = In(now.tv_sec - 10, 0, 0, 0);  // in the past: expires at once
  timerfd_settime(nb, TFD_TIMER_ABSTIME, &v, NULL);
  printf("past absolute poll: %d\n", poll(&(struct pollfd){nb, POLLIN, 0}, 1, 0));
  ReadTicks(nb, "past absolute", 0);
  uint64_t add = 5;
  printf("set ticks: %d\n", ioctl(nb, TFD_IOC_SET_TICKS, &add));
  ReadTicks(nb, "after set ticks", 0);
  // CANCEL_ON_SET without ABSTIME is accepted and means nothing.
  v = In(0, 10000000, 0, 0);
  printf("cancel without abstime: %d\n", timerfd_settime(nb, TFD_TIMER_CANCEL_ON_SET, &v, NULL));
  usleep(20000);
  ReadTicks(nb, "after it", 0);

  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 3};
  int bt = timerfd_create(CLOCK_BOOTTIME, 0);
  epoll_ctl(ep, EPOLL_CTL_ADD, bt, &ev);
  v = In(0, 15000000, 0, 0);
  timerfd_settime(bt, 0, &v, NULL);
  struct epoll_event out;
  int r = epoll_wait(ep, &out, 1, 5000);
  printf("epoll boottime: %d data %u\n", r, out.data.u32);
  ReadTicks(bt, "boottime", 0);

  // Bad arguments.
  Result("bad clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
  Result("bad create flags", timerfd_create(CLOCK_MONOTONIC, 0x1));
  Result("bad settime flags", timerfd_settime(fd, 0x4, &v, NULL));
  v = In(0, 1000000000, 0, 0);
  Result("bad nsec", timerfd_settime(fd, 0, &v, NULL));
  char small[4];
  Result("short read", (int)read(nb, small, sizeof(small)));
  Result("not a timerfd", timerfd_settime(ep, 0, &v, NULL));
  Result("bad pointer", timerfd_settime(fd, 0, (void*)8, NULL));
  return 0;
}

// Prints "armed" once the main thread (tid = pid) sleeps in epoll_wait, so
// that the clock set comes while it waits.
static void* ArmedWhenAsleep(void* arg) {
  (void)arg;
  wait_thread_asleep(getpid());
  printf("armed\n");
  fflush(stdout);
  return NULL;
}

static int Cancel(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct itimerspec later = In(now.tv_sec + 3600, 0, 0, 0);
  int watched = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  int other = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  int plain = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  int relative = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  int cancel = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET;
  timerfd_settime(watched, cancel, &later, NULL);
  timerfd_settime(other, cancel, &later, NULL);
  timerfd_settime(plain, TFD_TIMER_ABSTIME, &later, NULL);
  struct itimerspec rel = In(3600, 0, 0, 0);
  timerfd_settime(relative, TFD_TIMER_CANCEL_ON_SET, &rel, NULL);
  ReadTicks(watched, "before the set", 0);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1};
  epoll_ctl(ep, EPOLL_CTL_ADD, watched, &ev);
  pthread_t announcer;
  pthread_create(&announcer, NULL, ArmedWhenAsleep, NULL);
  struct epoll_event out;
  int r = epoll_wait(ep, &out, 1, 30000);
  pthread_join(announcer, NULL);
  printf("epoll_wait: %d data %u\n", r, r > 0 ? out.data.u32 : 0);
  ReadTicks(watched, "watched", 0);
  ReadTicks(watched, "watched again", 0);
  ReadTicks(other, "other", 0);
  ReadTicks(plain, "without the flag", 0);
  ReadTicks(relative, "relative", 0);
  struct itimerspec cur;
  timerfd_gettime(other, &cur);
  printf("still armed: %d\n", cur.it_value.tv_sec > 3000);
  return 0;
}

static int SetClock(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (clock_settime(CLOCK_REALTIME, &now) != 0) {
    fprintf(stderr, "clock_settime: %s\n", strerror(errno));
    return 77;
  }
  return 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 1 && strcmp(argv[1], "--cancel") == 0) return Cancel();
  if (argc > 1 && strcmp(argv[1], "--set-clock") == 0) return SetClock();
  return Basics();
}
