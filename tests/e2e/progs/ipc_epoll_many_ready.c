// epoll_wait with room for every member reports every ready one in one
// call (CPython's test_selectors test_above_fd_setsize: ~5000 ready pipes
// with maxevents = the member count). Also fewer than ready when maxevents
// is smaller, and the rest in the next call.
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#define PIPES 2000

int main(void) {
  struct rlimit rl = {2 * PIPES + 64, 2 * PIPES + 64};
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  int ep = epoll_create1(0);
  for (int i = 0; i < PIPES; i++) {
    int p[2];
    if (pipe(p) != 0) {
      perror("pipe");
      return 1;
    }
    struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (unsigned)i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) != 0) {
      perror("epoll_ctl");
      return 1;
    }
  }
  struct epoll_event* out = calloc(PIPES * 2, sizeof(*out));
  printf("maxevents=2*members: %d\n", epoll_wait(ep, out, PIPES * 2, 0));
  printf("maxevents=members: %d\n", epoll_wait(ep, out, PIPES, 0));
  printf("maxevents=1500: %d\n", epoll_wait(ep, out, 1500, 0));
  printf("maxevents=7: %d\n", epoll_wait(ep, out, 7, 0));
  return 0;
}
