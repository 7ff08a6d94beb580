// pipe2 and socketpair with room for one descriptor only: EMFILE, and the
// first end is not left installed (the free number stays free).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  // The LibOS's table holds 1024 descriptors (it does not follow
  // RLIMIT_NOFILE yet): the same limit natively, and every number but the
  // last in use.
  struct rlimit rl = {1024, 1024};
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return 1;
  int free_fd = 1023, base = open("/dev/null", O_RDONLY);
  for (int fd = dup(base); fd >= 0 && fd < free_fd - 1; fd = dup(base)) {
  }
  if (fcntl(free_fd - 1, F_GETFD) < 0 || fcntl(free_fd, F_GETFD) >= 0) return 2;
  int p[2] = {-1, -1};
  int r = pipe2(p, O_CLOEXEC);
  printf("pipe2: %d %s\n", r, r < 0 && errno == EMFILE ? "EMFILE" : "other");
  int s[2] = {-1, -1};
  r = socketpair(AF_UNIX, SOCK_STREAM, 0, s);
  printf("socketpair: %d %s\n", r, r < 0 && errno == EMFILE ? "EMFILE" : "other");
  int d = dup(base);
  printf("the free number is still free: %s\n", d == free_fd ? "yes" : "no");
  return 0;
}
