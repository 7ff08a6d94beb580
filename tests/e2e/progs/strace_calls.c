// System calls with deterministic arguments and results, for comparing
// `junction run --strace` lines with real strace's (tests/e2e/strace_test.sh).
// Everything between the two marker writes is compared.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  write(null, "BEGIN", 5);

  char buf[64];
  int fd = openat(AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC);
  read(fd, buf, 16);
  lseek(fd, 0, SEEK_SET);
  pread(fd, buf, 8, 0);
  fcntl(fd, F_GETFD);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  struct stat st;
  fstat(fd, &st);
  close(fd);
  close(fd);

  openat(AT_FDCWD, "/nonexistent/x", O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_DIRECTORY);
  openat(AT_FDCWD, "/nonexistent/y", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0640);
  openat(AT_FDCWD, "/nonexistent/z", O_RDWR | O_EXCL | O_NOCTTY | O_SYNC | O_CREAT, 0);
  access("/etc/passwd", R_OK | W_OK);
  access("/nonexistent", F_OK);
  syscall(SYS_faccessat, AT_FDCWD, "/etc", X_OK);

  const char msg[] = "tab\there \"q\" back\\slash \001\177\0012 \xff long string beyond";
  write(null, msg, sizeof(msg) - 1);
  write(null, "\n", 1);

  void* p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  (void)p;
  mmap(NULL, 4096, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGTERM);
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8);
  syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8);

  struct timespec ts;
  clock_getres(CLOCK_MONOTONIC, &ts);
  ts.tv_sec = 0;
  ts.tv_nsec = 1000;
  nanosleep(&ts, NULL);

  prctl(PR_SET_NAME, "strace-test");
  umask(022);
  umask(022);
  dup2(null, 10);
  syscall(SYS_dup3, null, 11, O_CLOEXEC);

  write(null, "END", 3);
  return 0;
}
