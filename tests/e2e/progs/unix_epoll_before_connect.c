// A unix socket put in an epoll set before it connects to a listener that
// another process of the container shares (nginx's fastcgi_pass or
// proxy_pass to a php-fpm or gunicorn unix socket: nginx adds the upstream
// socket with EPOLLIN|EPOLLOUT|EPOLLET, then connects). The epoll set must
// report the connection's readiness: under junction the connect replaced
// the socket by a host one and the set went on watching the old one, so
// nginx's upstream requests hung until the client gave up. The same for a
// datagram socket in a set before it binds while another process runs
// (the bind makes it a host socket then).
#include <errno.h>
#include <fcntl.h>
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

static int ByData(const void* a, const void* b) {
  const struct epoll_event *x = a, *y = b;
  return x->data.u64 < y->data.u64 ? -1 : x->data.u64 > y->data.u64;
}

// Waits up to 5 s on `ep`; prints the events reported, in data order.
static void Wait(int ep, const char* what) {
  struct epoll_event ev[4];
  int n = epoll_wait(ep, ev, 4, 5000);
  printf("%s: %d event(s)", what, n);
  if (n > 0) qsort(ev, (size_t)n, sizeof(ev[0]), ByData);
  for (int i = 0; i < n; i++)
    printf(" [fd %d:%s%s%s]", (int)ev[i].data.u64, (ev[i].events & EPOLLIN) ? " IN" : "",
           (ev[i].events & EPOLLOUT) ? " OUT" : "", (ev[i].events & EPOLLHUP) ? " HUP" : "");
  printf("\n");
}

// A forked server: each connection gets "pong <request>" and is closed.
static pid_t Server(int l, int connections) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  for (int i = 0; i < connections; i++) {
    int c = accept(l, NULL, NULL);
    if (c < 0) _exit(1);
    char buf[64], out[80];
    ssize_t n = read(c, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = 0;
    int len = snprintf(out, sizeof(out), "pong %s", buf);
    if (write(c, out, (size_t)len) != len) _exit(2);
    close(c);
  }
  _exit(0);
}

// One client as nginx makes it: nonblocking, in the set before connect.
static void Client(const struct sockaddr_un* a, uint32_t events, int dup_too) {
  printf("-- events %s%s\n", (events & EPOLLET) ? "edge-triggered" : "level-triggered",
         dup_too ? ", a dup in the set too" : "");
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct epoll_event ev = {.events = events, .data.u64 = 100};
  Print("epoll_ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
  int d = -1;
  if (dup_too) {
    d = dup(s);
    struct epoll_event dev = {.events = EPOLLIN, .data.u64 = 101};
    Print("epoll_ctl ADD dup", epoll_ctl(ep, EPOLL_CTL_ADD, d, &dev));
  }
  Print("connect", connect(s, (const struct sockaddr*)a, sizeof(*a)));
  Wait(ep, "after connect");
  Print("write", write(s, "ping", 4));
  usleep(200 * 1000);  // the reply and the server's close are in
  Wait(ep, "after the reply");
  char buf[64];
  ssize_t n = read(s, buf, sizeof(buf) - 1);
  buf[n > 0 ? n : 0] = 0;
  printf("read: %zd \"%s\"\n", n, buf);
  Print("read at EOF", read(s, buf, sizeof(buf)));
  if (d >= 0) close(d);
  close(s);
  close(ep);
}

// A datagram socket in the set before its bind, with a child running:
// the child's datagram to the bound name is reported.
static void DatagramBoundInSet(const char* dir) {
  printf("-- a datagram socket bound after it joined the set\n");
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof(a.sun_path), "%s/datagram.sock", dir);
  int go[2];
  if (pipe(go) < 0) return;
  pid_t child = fork();
  if (child == 0) {
    char x;
    if (read(go[0], &x, 1) != 1) _exit(1);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    _exit(sendto(s, "datagram", 8, 0, (struct sockaddr*)&a, sizeof(a)) == 8 ? 0 : 2);
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int d = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 200};
  Print("epoll_ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev));
  Print("bind", bind(d, (struct sockaddr*)&a, sizeof(a)));
  if (write(go[1], "x", 1) != 1) return;
  Wait(ep, "after the child's send");
  char buf[32];
  ssize_t n = recv(d, buf, sizeof(buf), 0);
  printf("recv: %zd \"%.*s\"\n", n, n > 0 ? (int)n : 0, buf);
  int status;
  waitpid(child, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));
  close(d);
  close(ep);
  unlink(a.sun_path);
}

int main(void) {
  char dir[] = "/tmp/unix_epoll_before_connect.XXXXXX";
  if (!mkdtemp(dir)) return 1;
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof(a.sun_path), "%s/upstream.sock", dir);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  Print("bind", bind(l, (struct sockaddr*)&a, sizeof(a)));
  Print("listen", listen(l, 8));
  pid_t server = Server(l, 3);
  close(l);  // only the server holds it now
  Client(&a, EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP, 0);
  Client(&a, EPOLLIN | EPOLLOUT, 0);
  Client(&a, EPOLLOUT, 1);
  int status;
  waitpid(server, &status, 0);
  printf("server exit %d\n", WEXITSTATUS(status));
  unlink(a.sun_path);
  DatagramBoundInSet(dir);
  rmdir(dir);
  return 0;
}
