// shutdown(SHUT_RD or SHUT_RDWR) on a unix socket while another thread is
// blocked on it: Linux wakes the thread; recv (stream, datagram,
// seqpacket) returns 0, accept fails with EINVAL. The LibOS left them
// waiting.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int g_fd;
static int g_accept;
static long g_result;
static int g_errno;

static void* Blocked(void* arg) {
  (void)arg;
  char c;
  g_result = g_accept ? accept(g_fd, NULL, NULL) : recv(g_fd, &c, 1, 0);
  g_errno = errno;
  return NULL;
}

// Starts a thread blocked on fd, shuts fd down with `how` after 200 ms
// and shows what the blocked call returned.
static void ShutWhileBlocked(const char* what, int fd, int is_accept, int how) {
  g_fd = fd;
  g_accept = is_accept;
  pthread_t t;
  pthread_create(&t, NULL, Blocked, NULL);
  usleep(200000);
  int r = shutdown(fd, how);
  pthread_join(t, NULL);
  printf("%s, shutdown(%s) %d: %ld %s\n", what, how == SHUT_RD ? "SHUT_RD" : "SHUT_RDWR", r, g_result,
         g_result < 0 ? strerror(g_errno) : "ok");
}

int main(void) {
  alarm(20);  // a call left waiting fails the comparison
  int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
  for (int i = 0; i < 3; i++) {
    for (int how = SHUT_RD; how <= SHUT_RDWR; how += SHUT_RDWR - SHUT_RD) {
      int sv[2];
      socketpair(AF_UNIX, types[i], 0, sv);
      char what[64];
      snprintf(what, sizeof(what), "recv, type %d", types[i]);
      ShutWhileBlocked(what, sv[0], 0, how);
      char c;
      printf("  a later recv: %zd\n", recv(sv[0], &c, 1, 0));
      close(sv[0]);
      close(sv[1]);
    }
  }
  for (int how = SHUT_RD; how <= SHUT_RDWR; how += SHUT_RDWR - SHUT_RD) {
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "unix_shutdown_wakes_%d_%d", getpid(), how);
    bind(l, (struct sockaddr*)&a, offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a.sun_path + 1));
    listen(l, 4);
    ShutWhileBlocked("accept", l, 1, how);
    int r = accept(l, NULL, NULL);
    printf("  a later accept: %d %s\n", r, r < 0 ? strerror(errno) : "ok");
    close(l);
  }
  return 0;
}
