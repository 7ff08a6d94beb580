// epoll_wait with an events buffer it cannot write: Linux checks only that
// the buffer lies in user space, so a wait that reports nothing returns 0
// (unmapped, read-only, NULL), and EFAULT comes when an event is to be
// copied out: ready at once, or arriving during a blocking wait; the
// event stays queued (level- and edge-triggered).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include "show_call.h"

static int efd;
// NULL, hidden from the compiler's nonnull check.
static struct epoll_event* volatile null_events;

static void* WriteLater(void* arg) {
  (void)arg;
  usleep(50000);
  eventfd_write(efd, 1);
  return NULL;
}
int main(void) {
  int ep = epoll_create1(0);
  int e = eventfd(0, 0);
  struct epoll_event ev = {EPOLLIN, {.u64 = 1}};
  epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
  void* p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p, 4096);
  void* ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  SHOW("unmapped, none ready, timeout 0", epoll_wait(ep, p, 1, 0));
  SHOW("unmapped, none ready, timeout 50", epoll_wait(ep, p, 1, 50));
  SHOW("NULL, none ready", epoll_wait(ep, null_events, 1, 0));
  SHOW("kernel address, none ready", epoll_wait(ep, (void*)0xffff800000000000ul, 1, 0));
  SHOW("read-only, none ready", epoll_wait(ep, ro, 1, 0));
  SHOW("maxevents 0", epoll_wait(ep, p, 0, 0));
  SHOW("maxevents huge", epoll_wait(ep, p, 0x7fffffff, 0));
  SHOW("pwait unmapped", epoll_pwait(ep, p, 1, 0, NULL));
  struct timespec ts = {0, 0};
  SHOW("pwait2 unmapped", syscall(441, ep, p, 1, &ts, NULL, 8));
  efd = e;
  pthread_t t;
  pthread_create(&t, NULL, WriteLater, NULL);
  SHOW("unmapped, ready during a blocking wait", epoll_wait(ep, p, 1, -1));
  pthread_join(t, NULL);
  SHOW("unmapped, ready", epoll_wait(ep, p, 1, 0));
  SHOW("read-only, ready", epoll_wait(ep, ro, 1, 0));
  SHOW("NULL, ready", epoll_wait(ep, null_events, 1, 0));
  struct epoll_event out;
  SHOW("still ready after the fault", epoll_wait(ep, &out, 1, 0));
  // Edge-triggered: the edge is not lost to the fault.
  int ep2 = epoll_create1(0);
  int e2 = eventfd(1, 0);
  struct epoll_event et = {EPOLLIN | EPOLLET, {.u64 = 2}};
  epoll_ctl(ep2, EPOLL_CTL_ADD, e2, &et);
  SHOW("edge-triggered, unmapped", epoll_wait(ep2, p, 1, 0));
  SHOW("edge-triggered, then", epoll_wait(ep2, &out, 1, 0));
  SHOW("edge-triggered, consumed", epoll_wait(ep2, &out, 1, 0));
  return 0;
}
