// pidfd_getfd of any descriptor number the target has: a child grows its
// table one descriptor at a time past a few thousand (each one a file
// whose offset is its number) and moves one to a high number; the
// parent takes several through a pidfd and checks each is the child's.
// Numbers the child does not use are EBADF, below and above its highest.
// Right after fork, before the child ran, its descriptors are there too.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
static int pidfd_getfd(int pidfd, int fd) { return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0); }

enum { kMany = 3000 };

int main(void) {
  struct rlimit r;
  getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_max < 8192) {
    printf("hard limit too low for this test\n");
    return 0;
  }
  r.rlim_cur = 8192;
  setrlimit(RLIMIT_NOFILE, &r);
  const int high = 8000;

  // At once after fork (the child may not have run yet): its stdout is
  // the parent's.
  int hold[2];
  pipe(hold);
  pid_t early = fork();
  if (early == 0) {
    char c;
    read(hold[0], &c, 1);
    _exit(0);
  }
  int pfd = pidfd_open(early);
  int got = pidfd_getfd(pfd, 1);
  printf("right after fork, the child's fd 1: %s\n", got >= 0 ? "taken" : strerror(errno));
  close(got);
  close(pfd);
  write(hold[1], "x", 1);
  waitpid(early, NULL, 0);

  char path[] = "/tmp/jn-getfd-high-XXXXXX";
  int tmp = mkstemp(path);
  static char zeros[8192];
  write(tmp, zeros, sizeof(zeros));
  close(tmp);
  int ready[2], done[2];
  pipe(ready);
  pipe(done);
  pid_t pid = fork();
  if (pid == 0) {
    int first = -1, last = -1;
    for (int i = 0; i < kMany; i++) {
      int f = open(path, O_RDONLY);
      if (f < 0) break;
      lseek(f, f, SEEK_SET);  // its offset says which it is
      if (first < 0) first = f;
      last = f;
    }
    dup2(last, high);
    int fds[2] = {first, last};
    write(ready[1], fds, sizeof(fds));
    char c;
    read(done[0], &c, 1);
    _exit(0);
  }
  int fds[2];
  read(ready[0], fds, sizeof(fds));
  pfd = pidfd_open(pid);
  int ok = 0, checked = 0;
  for (int n = fds[0] + 1; n <= fds[1]; n += 97) {
    int f = pidfd_getfd(pfd, n);
    checked++;
    if (f >= 0 && lseek(f, 0, SEEK_CUR) == n) ok++;
    close(f);
  }
  // (the ones that are not have numbers that were in use before: pipes)
  printf("descriptors taken whose offset is their number: %d of %d\n", ok, checked);
  int f = pidfd_getfd(pfd, fds[1]);
  printf("its highest opened: offset %ld\n", f >= 0 ? (long)lseek(f, 0, SEEK_CUR) : -1L);
  close(f);
  f = pidfd_getfd(pfd, high);
  printf("moved high: offset %ld\n", f >= 0 ? (long)lseek(f, 0, SEEK_CUR) : -1L);
  close(f);
  int r1 = pidfd_getfd(pfd, high - 1);
  printf("unused below it: %d %s\n", r1, strerror(errno));
  r1 = pidfd_getfd(pfd, high + 1);
  printf("unused above it: %d %s\n", r1, strerror(errno));
  r1 = pidfd_getfd(pfd, 1 << 20);
  printf("far above the limit: %d %s\n", r1, strerror(errno));
  fflush(stdout);
  write(done[1], "x", 1);
  waitpid(pid, NULL, 0);
  unlink(path);
  return 0;
}
