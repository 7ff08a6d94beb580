// A host member added to an epoll instance while another thread waits on
// it, the instance having had no host member before (only a pipe): the
// waiter gets the new member's event, as on Linux. Go's netpoller waits so
// while a dial registers its socket; before the fix the wait missed it
// (alarm(20): the process then dies of SIGALRM, which the comparison sees).
#define _GNU_SOURCE
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread_state.h"

static int ep;
static volatile int waiter_tid;
static int got;
static unsigned long long got_data;

static void* waiter(void* arg) {
  (void)arg;
  waiter_tid = (int)syscall(SYS_gettid);
  struct epoll_event ev[4];
  got = epoll_wait(ep, ev, 4, -1);
  got_data = got > 0 ? (unsigned long long)ev[0].data.u64 : 0;
  return NULL;
}

int main(void) {
  alarm(20);
  ep = epoll_create1(0);
  int p[2];
  if (pipe(p)) return 1;
  struct epoll_event pe = {.events = EPOLLIN, .data.u64 = 1};
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &pe);
  // A UDP socket with a datagram waiting: readable when added.
  int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(rx, (struct sockaddr*)&a, sizeof a) || getsockname(rx, (struct sockaddr*)&a, &len)) return 1;
  sendto(tx, "x", 1, 0, (struct sockaddr*)&a, sizeof a);
  pthread_t t;
  pthread_create(&t, NULL, waiter, NULL);
  while (!waiter_tid || thread_state(waiter_tid) != 'S') sched_yield();
  struct epoll_event se = {.events = EPOLLIN, .data.u64 = 7};
  int r = epoll_ctl(ep, EPOLL_CTL_ADD, rx, &se);
  pthread_join(t, NULL);
  printf("add socket: %d\nepoll_wait: %d event(s), data %llu\n", r, got, got_data);
  return 0;
}
