// epoll_wait with an events buffer it cannot write, while an event of an
// edge-triggered or one-shot member arrives during the wait (another
// thread writes an eventfd after 100 ms): EFAULT, and the event stays
// queued for the next wait (Linux's ep_send_events puts it back). The
// LibOS took it and lost it: the next wait with a good buffer saw nothing.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

static int g_efd;

static void* LateWrite(void* arg) {
  (void)arg;
  usleep(100000);
  uint64_t one = 1;
  write(g_efd, &one, sizeof(one));
  return NULL;
}

static void Case(const char* what, uint32_t flags, void* bad) {
  int ep = epoll_create1(0);
  g_efd = eventfd(0, EFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN | flags, .data.u64 = 42};
  epoll_ctl(ep, EPOLL_CTL_ADD, g_efd, &ev);
  pthread_t t;
  pthread_create(&t, NULL, LateWrite, NULL);
  int r = epoll_wait(ep, bad, 4, 2000);
  printf("%s: wait into an unwritable buffer: %d %s\n", what, r, r < 0 ? strerror(errno) : "ok");
  pthread_join(t, NULL);
  struct epoll_event got[4];
  memset(got, 0, sizeof(got));
  r = epoll_wait(ep, got, 4, 0);
  printf("  next wait: %d (events %#x data %llu)\n", r, r > 0 ? got[0].events : 0,
         r > 0 ? (unsigned long long)got[0].data.u64 : 0ull);
  r = epoll_wait(ep, got, 4, 0);
  printf("  the one after: %d\n", r);
  close(g_efd);
  close(ep);
}

int main(void) {
  void* bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  Case("edge-triggered", EPOLLET, bad);
  Case("one-shot", EPOLLONESHOT, bad);
  Case("level-triggered", 0, bad);
  return 0;
}
