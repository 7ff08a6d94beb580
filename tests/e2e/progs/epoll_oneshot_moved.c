// A one-shot epoll item that already fired stays disabled until
// EPOLL_CTL_MOD, whatever happens to its file (Linux keeps only the
// EPOLLONESHOT/EPOLLET bits of a fired item). Under junction the file may
// move to the host while the item is disarmed: a unix socket connecting to
// a listener another process holds, a datagram socket binding while
// another process runs, a pipe at fork. The moved item went into the host
// epoll set with no events, and the host always adds EPOLLERR|EPOLLHUP:
// the peer's close then woke the set with EPOLLHUP (or EPOLLERR).
// Checks: no event while disarmed, ADD gives EEXIST, MOD re-arms it with
// the new events and data, DEL removes it (a second DEL: ENOENT).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void Print(const char* what, long r) {
  if (r < 0)
    printf("%s: -1 %s\n", what, strerror(errno));
  else
    printf("%s: %ld\n", what, r);
}

// Reports what one epoll_wait of up to `ms` gives.
static void Wait(int ep, const char* what, int ms) {
  struct epoll_event ev[4];
  int n = epoll_wait(ep, ev, 4, ms);
  printf("%s: %d event(s)", what, n);
  for (int i = 0; i < n; i++)
    printf(" [data %llu:%s%s%s%s%s]", (unsigned long long)ev[i].data.u64,
           (ev[i].events & EPOLLIN) ? " IN" : "", (ev[i].events & EPOLLOUT) ? " OUT" : "",
           (ev[i].events & EPOLLRDHUP) ? " RDHUP" : "", (ev[i].events & EPOLLHUP) ? " HUP" : "",
           (ev[i].events & EPOLLERR) ? " ERR" : "");
  printf("\n");
}

// Adds `fd` one-shot for `events` and lets it fire once (disarmed after).
static int DisarmedSet(int fd, uint32_t events) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = events | EPOLLONESHOT, .data.u64 = 1};
  Print("epoll_ctl ADD one-shot", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
  Wait(ep, "fires once", 0);
  Wait(ep, "then disarmed", 0);
  return ep;
}

// After the move and the peer's close: still disarmed; ADD, MOD, DEL.
static void CheckDisarmed(int ep, int fd, uint32_t rearm) {
  Wait(ep, "disarmed after the move", 300);
  struct epoll_event ev = {.events = rearm, .data.u64 = 2};
  Print("epoll_ctl ADD again", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
  ev.events = rearm | EPOLLONESHOT;
  Print("epoll_ctl MOD", epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev));
  Wait(ep, "re-armed", 1000);
  Wait(ep, "fired again: disarmed", 100);
  Print("epoll_ctl DEL", epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL));
  Print("epoll_ctl DEL again", epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL));
  Print("epoll_ctl ADD after DEL", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
  Wait(ep, "added", 1000);
}

// A stream socket disarmed before it connects to a listener a child holds;
// the child closes the connection.
static void StreamConnect(const char* dir) {
  printf("-- stream socket, connect to another process's listener\n");
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof(a.sun_path), "%s/listener.sock", dir);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  Print("bind", bind(l, (struct sockaddr*)&a, sizeof(a)));
  Print("listen", listen(l, 4));
  int closed[2];
  if (pipe(closed) < 0) return;
  pid_t child = fork();
  if (child == 0) {
    int c = accept(l, NULL, NULL);
    if (c < 0) _exit(1);
    close(c);
    _exit(write(closed[1], "c", 1) == 1 ? 0 : 2);
  }
  close(l);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int ep = DisarmedSet(s, EPOLLOUT);
  Print("connect", connect(s, (struct sockaddr*)&a, sizeof(a)));
  char x;
  Print("the child closed it", read(closed[0], &x, 1));
  CheckDisarmed(ep, s, EPOLLIN);
  int status;
  waitpid(child, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));
  close(s);
  close(ep);
  close(closed[0]);
  close(closed[1]);
  unlink(a.sun_path);
}

// A datagram socket disarmed before it binds while a child runs; the
// child sends it a datagram.
static void DatagramBind(const char* dir) {
  printf("-- datagram socket, bind while another process runs\n");
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof(a.sun_path), "%s/datagram.sock", dir);
  int sender = socket(AF_UNIX, SOCK_DGRAM, 0);  // the child's
  int go[2];
  if (pipe(go) < 0) return;
  pid_t child = fork();
  if (child == 0) {
    char x;
    ssize_t sent = -1;
    if (read(go[0], &x, 1) == 1) sent = sendto(sender, "datagram", 8, 0, (struct sockaddr*)&a, sizeof(a));
    _exit(sent == 8 ? 0 : 1);
  }
  close(sender);
  int d = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int ep = DisarmedSet(d, EPOLLOUT);
  Print("bind", bind(d, (struct sockaddr*)&a, sizeof(a)));
  Print("go", write(go[1], "x", 1));
  int status;
  waitpid(child, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));
  CheckDisarmed(ep, d, EPOLLIN);
  close(d);
  close(ep);
  close(go[0]);
  close(go[1]);
  unlink(a.sun_path);
}

// A pipe's write end disarmed before a fork; its read end is closed after.
static void PipeAtFork(void) {
  printf("-- pipe write end, fork, read end closed\n");
  int p[2];
  if (pipe(p) < 0) return;
  int ep = DisarmedSet(p[1], EPOLLOUT);
  pid_t child = fork();
  if (child == 0) _exit(0);
  int status;
  waitpid(child, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));
  close(p[0]);
  CheckDisarmed(ep, p[1], EPOLLOUT);
  close(p[1]);
  close(ep);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char dir[] = "/tmp/epoll_oneshot_moved.XXXXXX";
  if (!mkdtemp(dir)) return 1;
  StreamConnect(dir);
  DatagramBind(dir);
  PipeAtFork();
  rmdir(dir);
  return 0;
}
