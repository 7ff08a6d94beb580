// pidfd_getfd within the container: a child opens a file and a socket
// pair end, tells its parent the numbers, and the parent takes copies of
// them through a pidfd (the file offset is shared with the child's).
// Bad arguments: a number the child does not use (EBADF), flags (EINVAL),
// a descriptor that is not a pidfd (EBADF).
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

static int pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
static int pidfd_getfd(int pidfd, int fd, unsigned flags) { return (int)syscall(SYS_pidfd_getfd, pidfd, fd, flags); }

int main(void) {
  char path[] = "/tmp/jn-getfd-XXXXXX";
  int tmp = mkstemp(path);
  write(tmp, "0123456789", 10);
  close(tmp);
  int sp[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
  int report[2], done[2];
  pipe(report);
  pipe(done);
  pid_t pid = fork();
  if (pid == 0) {
    int f = open(path, 0);
    lseek(f, 3, SEEK_SET);
    int fds[2] = {f, sp[1]};
    write(report[1], fds, sizeof(fds));
    char c;
    read(done[0], &c, 1);  // until the parent is done
    printf("child offset after parent read: %ld\n", (long)lseek(f, 0, SEEK_CUR));
    fflush(stdout);
    _exit(0);
  }
  int fds[2];
  read(report[0], fds, sizeof(fds));
  int pfd = pidfd_open(pid);
  int f = pidfd_getfd(pfd, fds[0], 0);
  char buf[16] = {0};
  ssize_t n = read(f, buf, 4);
  printf("parent read via pidfd_getfd: %zd '%s'\n", n, buf);
  printf("close-on-exec set: %s\n", (fcntl(f, F_GETFD) & FD_CLOEXEC) ? "yes" : "no");
  int s = pidfd_getfd(pfd, fds[1], 0);
  write(s, "ping", 4);
  n = read(sp[0], buf, sizeof(buf));
  printf("socket end taken from the child carries: %zd '%.*s'\n", n, (int)n, buf);
  int r = pidfd_getfd(pfd, 900, 0);
  printf("unused number: %d %s\n", r, strerror(errno));
  r = pidfd_getfd(pfd, fds[0], 1);
  printf("flags: %d %s\n", r, strerror(errno));
  r = pidfd_getfd(f, 0, 0);
  printf("not a pidfd: %d %s\n", r, strerror(errno));
  fflush(stdout);
  write(done[1], "x", 1);
  int st;
  waitpid(pid, &st, 0);
  unlink(path);
  return 0;
}
