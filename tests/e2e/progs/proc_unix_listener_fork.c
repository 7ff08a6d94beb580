// Unix sockets reached by address and shared across fork (issue 8): a
// listening socket (path and abstract, stream and seqpacket) that forked
// workers and the parent accept on (gunicorn pattern), with a connection
// still pending at the fork; a bound datagram socket that either process
// reads; a datagram socket connected to it before the fork.
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static socklen_t MakeAddr(struct sockaddr_un* a, const char* name, int abstract) {
  memset(a, 0, sizeof(*a));
  a->sun_family = AF_UNIX;
  if (abstract) {
    // A per-run name: abstract names are host-wide.
    snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s-%d", name, getpid());
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1);
  }
  snprintf(a->sun_path, sizeof(a->sun_path), "%s", name);
  return offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
}

static int Connect(int type, struct sockaddr_un* a, socklen_t len) {
  int c = socket(AF_UNIX, type, 0);
  if (connect(c, (struct sockaddr*)a, len) < 0) {
    printf("  connect: %s\n", strerror(errno));
    close(c);
    return -1;
  }
  return c;
}

// One request: send `msg`, print the reply.
static void Request(int c, const char* msg) {
  char buf[64];
  if (write(c, msg, strlen(msg)) < 0) printf("  write: %s\n", strerror(errno));
  ssize_t n = read(c, buf, sizeof(buf) - 1);
  if (n < 0) {
    printf("  read: %s\n", strerror(errno));
    return;
  }
  buf[n] = 0;
  printf("  %s -> %s\n", msg, buf);
}

// Serves one connection: reads a message, answers "ok:<msg>"; 1 for "quit".
static int Serve(int l) {
  int c = accept(l, NULL, NULL);
  if (c < 0) return -1;
  char buf[64];
  ssize_t n = read(c, buf, sizeof(buf) - 1);
  if (n <= 0) {
    close(c);
    return 0;
  }
  buf[n] = 0;
  char out[80];
  snprintf(out, sizeof(out), "ok:%s", buf);
  if (write(c, out, strlen(out)) < 0) {
  }
  close(c);
  return strcmp(buf, "quit") == 0;
}

static void Listener(int type, const char* name, int abstract) {
  printf("%s %s %s\n", type == SOCK_STREAM ? "stream" : "seqpacket", abstract ? "abstract" : "path",
         abstract || name[0] == '/' ? "" : name);
  struct sockaddr_un a;
  socklen_t len = MakeAddr(&a, name, abstract);
  if (!abstract) unlink(name);
  int l = socket(AF_UNIX, type, 0);
  if (bind(l, (struct sockaddr*)&a, len) < 0 || listen(l, 16) < 0) {
    printf("  bind/listen: %s\n", strerror(errno));
    return;
  }
  // Pending (not yet accepted) at the fork, its message already sent.
  int pending = Connect(type, &a, len);
  if (pending >= 0 && write(pending, "pre", 3) != 3) printf("  write pre failed\n");
  pid_t w[2];
  for (int i = 0; i < 2; i++) {
    w[i] = fork();
    if (w[i] == 0) {
      if (pending >= 0) close(pending);
      int served = 0;
      for (;;) {
        int r = Serve(l);
        if (r < 0) _exit(100);
        if (r) break;
        served++;
      }
      _exit(served);
    }
  }
  if (pending >= 0) {
    char buf[64];
    ssize_t n = read(pending, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("  pre -> %s\n", buf);
    close(pending);
  }
  for (int i = 0; i < 8; i++) {
    char msg[16];
    snprintf(msg, sizeof(msg), "m%d", i);
    int c = Connect(type, &a, len);
    if (c < 0) continue;
    Request(c, msg);
    close(c);
  }
  for (int i = 0; i < 2; i++) {
    int c = Connect(type, &a, len);
    if (c < 0) continue;
    Request(c, "quit");
    close(c);
  }
  int total = 0;
  for (int i = 0; i < 2; i++) {
    int st;
    waitpid(w[i], &st, 0);
    total += WIFEXITED(st) ? WEXITSTATUS(st) : 1000;
  }
  printf("  served by workers: %d\n", total);

  // The parent accepts after the fork; a child connects.
  pid_t c = fork();
  if (c == 0) {
    int s = Connect(type, &a, len);
    if (s >= 0) Request(s, "from-child");
    _exit(0);
  }
  Serve(l);
  waitpid(c, NULL, 0);

  struct sockaddr_un got;
  socklen_t glen = sizeof(got);
  getsockname(l, (struct sockaddr*)&got, &glen);
  printf("  getsockname: len %s, %s\n", glen == len ? "same" : "differs",
         memcmp(&got, &a, len < glen ? len : glen) == 0 ? "same name" : "other name");
  close(l);
  if (!abstract) unlink(name);
}

static void Datagrams(const char* name, int abstract) {
  printf("dgram %s %s\n", abstract ? "abstract" : "path", abstract ? "" : name);
  struct sockaddr_un a;
  socklen_t len = MakeAddr(&a, name, abstract);
  if (!abstract) unlink(name);
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (bind(s, (struct sockaddr*)&a, len) < 0) {
    printf("  bind: %s\n", strerror(errno));
    return;
  }
  int sender = socket(AF_UNIX, SOCK_DGRAM, 0);
  sendto(sender, "pre", 3, 0, (struct sockaddr*)&a, len);  // queued at the fork
  int conn = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (connect(conn, (struct sockaddr*)&a, len) < 0) printf("  connect: %s\n", strerror(errno));
  pid_t c = fork();
  if (c == 0) {
    // The child reads what was queued and what the parent sends now.
    char buf[64];
    for (int i = 0; i < 3; i++) {
      ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
      buf[n > 0 ? n : 0] = 0;
      printf("  child got %s\n", buf);
    }
    // Then sends to the address, from a socket made after the fork and
    // from the one connected before it.
    int t = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (sendto(t, "c1", 2, 0, (struct sockaddr*)&a, len) < 0) printf("  child sendto: %s\n", strerror(errno));
    if (send(conn, "c2", 2, 0) < 0) printf("  child send: %s\n", strerror(errno));
    _exit(0);
  }
  if (sendto(sender, "p1", 2, 0, (struct sockaddr*)&a, len) < 0) printf("  sendto: %s\n", strerror(errno));
  if (send(conn, "p2", 2, 0) < 0) printf("  send: %s\n", strerror(errno));
  waitpid(c, NULL, 0);
  char buf[64];
  for (int i = 0; i < 2; i++) {
    ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    printf("  parent got %s\n", buf);
  }
  close(s);
  close(sender);
  close(conn);
  if (!abstract) unlink(name);
}

// A server a child starts after the fork (a shell's `server & client`):
// the parent connects once the child says it listens.
static void ListenerInChild(int type, const char* name, int abstract) {
  printf("listening in a child: %s %s\n", type == SOCK_STREAM ? "stream" : "seqpacket",
         abstract ? "abstract" : "path");
  struct sockaddr_un a;
  socklen_t len = MakeAddr(&a, name, abstract);
  if (!abstract) unlink(name);
  int ready[2];
  if (pipe(ready) < 0) return;
  pid_t c = fork();
  if (c == 0) {
    int l = socket(AF_UNIX, type, 0);
    if (bind(l, (struct sockaddr*)&a, len) < 0 || listen(l, 4) < 0) _exit(1);
    if (write(ready[1], "r", 1) != 1) _exit(1);
    for (int i = 0; i < 2; i++) Serve(l);
    _exit(0);
  }
  char r;
  if (read(ready[0], &r, 1) != 1) printf("  child failed\n");
  for (int i = 0; i < 2; i++) {
    int s = Connect(type, &a, len);
    if (s < 0) continue;
    Request(s, i ? "second" : "first");
    close(s);
  }
  int st;
  waitpid(c, &st, 0);
  printf("  child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  close(ready[0]);
  close(ready[1]);
  if (!abstract) unlink(name);
}

// A bound datagram socket shared by a fork sends to, and is answered by, a
// bound datagram socket the child makes after the fork.
static void DatagramReplies(void) {
  printf("dgram request/reply across fork\n");
  struct sockaddr_un me, srv;
  socklen_t mlen = MakeAddr(&me, "ulf-client", 1), slen = MakeAddr(&srv, "ulf-server", 1);
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (bind(s, (struct sockaddr*)&me, mlen) < 0) printf("  bind: %s\n", strerror(errno));
  int ready[2];
  if (pipe(ready) < 0) return;
  pid_t c = fork();
  if (c == 0) {
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (bind(d, (struct sockaddr*)&srv, slen) < 0) _exit(1);
    if (write(ready[1], "r", 1) != 1) _exit(1);
    char buf[64];
    struct sockaddr_un from;
    socklen_t flen = sizeof(from);
    ssize_t n = recvfrom(d, buf, sizeof(buf), 0, (struct sockaddr*)&from, &flen);
    if (n < 0) _exit(2);
    // Answer to the sender's address, then to the client's bound address.
    if (sendto(d, buf, n, 0, (struct sockaddr*)&from, flen) < 0) _exit(3);
    if (sendto(d, "pong", 4, 0, (struct sockaddr*)&me, mlen) < 0) _exit(4);
    _exit(0);
  }
  char r;
  if (read(ready[0], &r, 1) != 1) printf("  child failed\n");
  if (sendto(s, "ping", 4, 0, (struct sockaddr*)&srv, slen) < 0) printf("  sendto: %s\n", strerror(errno));
  char buf[64];
  for (int i = 0; i < 2; i++) {
    ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    printf("  reply: %s\n", buf);
  }
  int st;
  waitpid(c, &st, 0);
  printf("  child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  close(s);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  Listener(SOCK_STREAM, "ulf_stream.sock", 0);
  Listener(SOCK_STREAM, "ulf-stream", 1);
  Listener(SOCK_SEQPACKET, "ulf_seq.sock", 0);
  Listener(SOCK_SEQPACKET, "ulf-seq", 1);
  // A socket file on tmpfs (/dev/shm), per-run name.
  char shm[64];
  snprintf(shm, sizeof(shm), "/dev/shm/ulf-%d.sock", getpid());
  printf("on /dev/shm: ");
  Listener(SOCK_STREAM, shm, 0);
  Datagrams("ulf_dgram.sock", 0);
  Datagrams("ulf-dgram", 1);
  ListenerInChild(SOCK_STREAM, "ulf_child.sock", 0);
  ListenerInChild(SOCK_SEQPACKET, "ulf-child", 1);
  DatagramReplies();
  // Nobody listens any more: refused, as before.
  struct sockaddr_un a;
  socklen_t len = MakeAddr(&a, "ulf-stream", 1);
  int c = Connect(SOCK_STREAM, &a, len);
  if (c >= 0) close(c);
  return 0;
}
