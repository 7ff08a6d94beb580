// epoll_ctl on a pipe while another thread forks (Go's os/exec: a command's
// pipes are made and put in the netpoller while another command forks).
// A fork moves every LibOS pipe to a host pipe and its epoll registrations
// with it; an EPOLL_CTL_ADD that looked its pipe up just before the move
// and registered it just after was left watching the old pipe, whose item
// was dropped once that pipe was gone: the registration vanished and the
// reader waited forever (EPOLL_CTL_DEL then failed with ENOENT). Each round
// registers a new pipe, writes a byte and expects epoll_wait to report it,
// until the other thread has forked 300 times.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

static atomic_int stop, forks;

static void* forker(void* arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    pid_t c = fork();
    if (c == 0) _exit(0);
    if (c > 0) waitpid(c, NULL, 0);
    atomic_fetch_add(&forks, 1);
  }
  return NULL;
}

int main(int argc, char** argv) {
  int want_forks = argc > 1 ? atoi(argv[1]) : 300;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  pthread_t t;
  pthread_create(&t, NULL, forker, NULL);
  int lost = 0, del_failed = 0, other = 0;
  for (int i = 0; atomic_load(&forks) < want_forks; i++) {
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
      other++;
      break;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0) other++;
    if (write(p[1], "x", 1) != 1) other++;
    struct epoll_event out[4];
    int n = epoll_wait(ep, out, 4, 2000);
    // The pipe once; or twice, when the fork moved it between the two
    // halves of the harvest (LibOS members, then the host set): a known gap.
    int seen = 0;
    for (int k = 0; k < n; k++) seen |= out[k].data.u32 == (uint32_t)i;
    if (!seen) lost++;
    char c;
    (void)!read(p[0], &c, 1);
    if (epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) != 0) del_failed++;
    close(p[0]);
    close(p[1]);
    if (lost > 3) break;  // each costs 2 s
  }
  atomic_store(&stop, 1);
  pthread_join(t, NULL);
  printf("registrations lost: %d, EPOLL_CTL_DEL failures: %d, other failures: %d\n", lost, del_failed, other);
  return lost || del_failed || other;
}
