// faccessat2(fd, "", mode, AT_EMPTY_PATH) asks about the descriptor's
// file, not its old path: after a rename or unlink it still answers (and a
// new file at the old path does not change the answer for a read-only one).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void check(const char* what, int fd, int mode) {
  long r = syscall(SYS_faccessat2, fd, "", mode, AT_EMPTY_PATH);
  printf("%-32s %s\n", what, r == 0 ? "ok" : strerrorname_np(errno));
}

int main(void) {
  char a[64], b[64];
  snprintf(a, sizeof(a), "/tmp/access_empty_%d_a", getpid());
  snprintf(b, sizeof(b), "/tmp/access_empty_%d_b", getpid());
  int fd = open(a, O_CREAT | O_RDWR | O_TRUNC, 0644);
  check("W_OK", fd, W_OK);
  rename(a, b);
  check("W_OK after rename", fd, W_OK);
  unlink(b);
  check("W_OK after unlink", fd, W_OK);
  check("X_OK after unlink", fd, X_OK);
  // A read-only, non-executable file whose old path now names another.
  int ro = open(a, O_CREAT | O_RDONLY | O_TRUNC, 0444);
  unlink(a);
  int other = open(a, O_CREAT | O_RDWR | O_TRUNC, 0755);
  if (getuid() != 0) check("W_OK read-only, path reused", ro, W_OK);
  check("X_OK read-only, path reused", ro, X_OK);
  check("R_OK read-only, path reused", ro, R_OK);
  unlink(a);
  close(other);
  close(ro);
  close(fd);
  return 0;
}
