// SO_RCVLOWAT on a unix stream socket: a blocking recv waits until that
// many bytes are queued ("ab", then "cd" 200 ms later: "abcd"), a
// non-blocking one, a shorter buffer and a peek take what is there, and
// EOF ends the wait. The LibOS kept the value without effect ("ab").
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static int g_w;
static void* Late(void* a) { (void)a; usleep(200000); send(g_w, "cd", 2, 0); return NULL; }
int main(void) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  int lowat = 4;
  setsockopt(sv[0], SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat));
  send(sv[1], "ab", 2, 0);
  g_w = sv[1];
  pthread_t t;
  pthread_create(&t, NULL, Late, NULL);
  char buf[16] = {0};
  ssize_t n = recv(sv[0], buf, sizeof(buf), 0);
  printf("recv %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  pthread_join(t, NULL);
  send(sv[1], "ef", 2, 0);
  n = recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT);
  printf("recv dontwait %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  send(sv[1], "gh", 2, 0);
  n = recv(sv[0], buf, 1, 0);
  printf("recv of 1 %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  n = recv(sv[0], buf, sizeof(buf), MSG_PEEK);
  printf("peek %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  close(sv[1]);
  n = recv(sv[0], buf, sizeof(buf), 0);
  printf("recv after close %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
  return 0;
}
