// An epoll_wait already parked (no timeout) while the guest closes every
// number of a host member that is in the set twice (a TCP listener and a
// dup of it, as Go's net.FileListener adds): Linux drops the file from the
// interest list once its last reference goes, so the listener closes at
// once and a connect is refused, while the wait goes on; an eventfd ends
// it. (The LibOS's second number of a description goes into the host set
// as a host dup, which used to stay open until the wait returned.)
#define _GNU_SOURCE 1
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread_state.h"

static int ep, efd;
static volatile pid_t waiter_tid;

static void* waiter(void* arg) {
  (void)arg;
  waiter_tid = (pid_t)syscall(SYS_gettid);
  struct epoll_event evs[8];
  int n = epoll_wait(ep, evs, 8, -1);
  printf("epoll_wait: %d events:", n);
  for (int i = 0; i < n; i++) printf(" data %u", (unsigned)evs[i].data.u64);
  printf("\n");
  return NULL;
}

static void add(int fd, unsigned data) {
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = data};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) printf("add %u: %s\n", data, strerror(errno));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int ln = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(ln, (struct sockaddr*)&a, sizeof a) || listen(ln, 8) || getsockname(ln, (struct sockaddr*)&a, &len)) {
    perror("listener");
    return 1;
  }
  int dup_fd = dup(ln);
  ep = epoll_create1(0);
  efd = eventfd(0, 0);
  add(ln, 1);
  add(dup_fd, 2);
  add(efd, 3);
  pthread_t t;
  pthread_create(&t, NULL, waiter, NULL);
  while (!waiter_tid || !wait_thread_asleep(waiter_tid)) usleep(1000);
  close(ln);
  close(dup_fd);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  int r = connect(c, (struct sockaddr*)&a, sizeof a);
  printf("connect after closing both numbers: %d %s\n", r, r ? strerrorname_np(errno) : "");
  uint64_t one = 1;
  if (write(efd, &one, sizeof one) != sizeof one) return 1;
  pthread_join(t, NULL);
  return 0;
}
