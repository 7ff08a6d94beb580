// Objects a fork shares: a unix stream pair with bytes queued before the
// fork, a datagram pair (message boundaries kept), an eventfd, and an
// epoll set registered before the fork that must see the child's writes,
// and a pipe the child creates after the fork and passes back with
// SCM_RIGHTS over the inherited pair.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int st[2], dg[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, st);
  socketpair(AF_UNIX, SOCK_DGRAM, 0, dg);
  int efd = eventfd(0, 0);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
  epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
  ev.data.u32 = 8;
  epoll_ctl(ep, EPOLL_CTL_ADD, st[0], &ev);
  write(st[0], "before-fork", 11);  // queued for st[1]
  send(dg[0], "one", 3, 0);
  send(dg[0], "two!", 4, 0);

  pid_t pid = fork();
  if (pid == 0) {
    char buf[64];
    ssize_t n = read(st[1], buf, sizeof(buf));
    printf("child stream read %zd: %.*s\n", n, (int)n, buf);
    for (int i = 0; i < 2; i++) {
      n = recv(dg[1], buf, sizeof(buf), 0);
      printf("child datagram %zd: %.*s\n", n, (int)n, buf);
    }
    fflush(stdout);
    usleep(100000);
    uint64_t v = 5;
    write(efd, &v, sizeof(v));
    write(st[1], "from-child", 10);
    int p[2];
    pipe(p);
    char one = 'x';
    struct iovec iov = {&one, 1};
    union {
      struct cmsghdr h;
      char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                        .msg_controllen = sizeof(ctl.buf)};
    struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[0], sizeof(int));
    usleep(50000);
    printf("child sendmsg %zd\n", sendmsg(dg[1], &mh, 0));
    fflush(stdout);
    close(p[0]);
    write(p[1], "via-passed-pipe", 15);
    close(p[1]);
    _exit(0);
  }
  int seen = 0;
  while (seen != 3) {
    struct epoll_event out[2];
    int n = epoll_wait(ep, out, 2, 10000);
    if (n <= 0) {
      printf("epoll_wait %d\n", n);
      break;
    }
    for (int i = 0; i < n; i++) {
      if (out[i].data.u32 == 7 && !(seen & 1)) {
        uint64_t v = 0;
        read(efd, &v, sizeof(v));
        printf("parent eventfd %llu\n", (unsigned long long)v);
        seen |= 1;
      } else if (out[i].data.u32 == 8 && !(seen & 2)) {
        char buf[64];
        ssize_t r = read(st[0], buf, sizeof(buf));
        printf("parent stream %zd: %.*s\n", r, (int)r, buf);
        seen |= 2;
      }
    }
  }
  {
    char one;
    struct iovec iov = {&one, 1};
    union {
      struct cmsghdr h;
      char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                        .msg_controllen = sizeof(ctl.buf)};
    ssize_t n = recvmsg(dg[0], &mh, 0);
    struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
    printf("parent recvmsg %zd rights %d\n", n, c && c->cmsg_type == SCM_RIGHTS);
    if (c) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof(int));
      char buf[64];
      ssize_t r, got = 0;
      while ((r = read(fd, buf + got, sizeof(buf) - got)) > 0) got += r;
      printf("parent read from passed pipe: %.*s\n", (int)got, buf);
    }
  }
  int status;
  waitpid(pid, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));
  // Still usable in the parent after the child is gone.
  uint64_t v = 1;
  write(efd, &v, sizeof(v));
  read(efd, &v, sizeof(v));
  printf("parent eventfd again %llu\n", (unsigned long long)v);
  return 0;
}
