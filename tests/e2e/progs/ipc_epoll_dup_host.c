// Two descriptor numbers of one host-backed description (a dup of a TCP
// listener) in one epoll instance: Linux keys members by number and
// description, so both go in, each reports with its own data, and each
// is modified and deleted on its own. Go's net.FileListener and
// (*TCPListener).File add such a dup next to the original.
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static void ctl(int ep, int op, int fd, unsigned data, const char* what) {
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = data};
  int r = epoll_ctl(ep, op, fd, &ev);
  printf("%s: %d %s\n", what, r, r ? strerror(errno) : "");
}

static void wait_all(int ep, const char* what) {
  struct epoll_event evs[8];
  int n = epoll_wait(ep, evs, 8, 0);
  unsigned seen = 0;
  for (int i = 0; i < n; i++) seen |= (unsigned)evs[i].data.u64;
  printf("%s: %d events, data mask %x\n", what, n, seen);
}

int main(void) {
  int ln = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(ln, (struct sockaddr*)&a, sizeof a) || listen(ln, 8) || getsockname(ln, (struct sockaddr*)&a, &len)) {
    perror("listener");
    return 1;
  }
  int dup_fd = dup(ln);
  int ep = epoll_create1(0);
  ctl(ep, EPOLL_CTL_ADD, ln, 1, "add original");
  ctl(ep, EPOLL_CTL_ADD, dup_fd, 2, "add dup");
  ctl(ep, EPOLL_CTL_ADD, dup_fd, 2, "add dup again");
  wait_all(ep, "before a connection");
  int c = socket(AF_INET, SOCK_STREAM, 0);
  printf("connect: %d\n", connect(c, (struct sockaddr*)&a, sizeof a));
  wait_all(ep, "after a connection");
  ctl(ep, EPOLL_CTL_MOD, dup_fd, 4, "mod dup");
  wait_all(ep, "after mod");
  ctl(ep, EPOLL_CTL_DEL, dup_fd, 0, "del dup");
  ctl(ep, EPOLL_CTL_DEL, dup_fd, 0, "del dup again");
  wait_all(ep, "after del");
  ctl(ep, EPOLL_CTL_ADD, dup_fd, 8, "add dup back");
  wait_all(ep, "after add back");
  // Closing every number closes the listener (the instance holds none).
  close(ln);
  close(dup_fd);
  wait_all(ep, "after close");
  int c2 = socket(AF_INET, SOCK_STREAM, 0);
  int r = connect(c2, (struct sockaddr*)&a, sizeof a);
  printf("connect after close: %d %s\n", r, r ? strerror(errno) : "");
  return 0;
}
