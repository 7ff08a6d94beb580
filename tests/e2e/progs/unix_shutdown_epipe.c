// Sending on a unix socket after shutdown(SHUT_WR), or after the peer
// closed: stream sockets fail with EPIPE and raise SIGPIPE (not with
// MSG_NOSIGNAL), seqpacket and dgram sockets only fail. A handler counts
// the SIGPIPEs so none kills the process; a blocked SIGPIPE stays pending.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t pipes;
static void on_pipe(int sig) { (void)sig; pipes++; }

static void show(const char* what, long r) {
  printf("%s: %ld %s sigpipe %d\n", what, r, r < 0 ? strerrorname_np(errno) : "", (int)pipes);
  pipes = 0;
}

static void one_type(const char* name, int type) {
  printf("== %s\n", name);
  int sv[2];
  if (socketpair(AF_UNIX, type, 0, sv)) { perror("socketpair"); return; }
  show("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
  show("write after SHUT_WR", write(sv[0], "x", 1));
  show("send after SHUT_WR", send(sv[0], "x", 1, 0));
  show("send MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
  show("peer reads (EOF, dgram: none)", recv(sv[1], (char[4]){0}, 4, MSG_DONTWAIT));
  // The other direction still works.
  show("peer writes", write(sv[1], "y", 1));
  show("read peer's byte", read(sv[0], (char[4]){0}, 4));

  // With SIGPIPE blocked the signal stays pending instead.
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  sigprocmask(SIG_BLOCK, &set, &old);
  show("write, SIGPIPE blocked", write(sv[0], "x", 1));
  sigset_t pend;
  sigpending(&pend);
  printf("  pending %d\n", sigismember(&pend, SIGPIPE));
  sigprocmask(SIG_SETMASK, &old, NULL);  // delivers it if pending
  show("after unblock", 0);
  close(sv[0]);
  close(sv[1]);

  // The peer closed.
  if (socketpair(AF_UNIX, type, 0, sv)) return;
  close(sv[1]);
  show("write after peer close", write(sv[0], "x", 1));
  show("send MSG_NOSIGNAL after peer close", send(sv[0], "x", 1, MSG_NOSIGNAL));
  close(sv[0]);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_pipe;
  sigaction(SIGPIPE, &sa, NULL);
  one_type("stream", SOCK_STREAM);
  one_type("seqpacket", SOCK_SEQPACKET);
  one_type("dgram", SOCK_DGRAM);
  return 0;
}
