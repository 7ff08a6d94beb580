// A wait for a file lock another process holds (flock, F_SETLKW,
// F_OFD_SETLKW) and a signal: a handler without SA_RESTART ends it with
// EINTR; with SA_RESTART the wait goes on (the handler ran) and takes the
// lock once the holder lets go; a blocked signal does not end it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static void OnSignal(int sig) {
  (void)sig;
  handled++;
}

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum Kind { kFlock, kPosix, kOfd };
static const char* const kNames[] = {"flock", "F_SETLKW", "F_OFD_SETLKW"};

static long Lock(int fd, enum Kind k, int wait) {
  if (k == kFlock) return flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
  struct flock fl = {0};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (k == kPosix) return fcntl(fd, wait ? F_SETLKW : F_SETLK, &fl);
  return fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
}

// A child that takes the lock, says so through `ready`, and lets go after
// `hold_ms` (by exiting).
static pid_t Holder(const char* path, enum Kind k, int hold_ms) {
  int ready[2];
  if (pipe(ready)) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(path, O_RDWR);
    if (Lock(fd, k, 0) < 0) _exit(2);
    if (write(ready[1], "x", 1) != 1) _exit(3);
    usleep(hold_ms * 1000);
    _exit(0);
  }
  char c;
  if (read(ready[0], &c, 1) != 1) return -1;
  close(ready[0]);
  close(ready[1]);
  return pid;
}

static void Arm(int ms) {
  struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
  setitimer(ITIMER_REAL, &it, NULL);
}

static void Case(const char* path, enum Kind k, int flags, int block) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sa.sa_flags = flags;
  sigaction(SIGALRM, &sa, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGALRM);
  sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
  int fd = open(path, O_RDWR);
  pid_t holder = Holder(path, k, 600);
  handled = 0;
  double t0 = Now();
  Arm(150);
  long r = Lock(fd, k, 1);
  int e = errno;
  double waited = Now() - t0;
  printf("%s%s%s: %ld %s, handler ran %d, ", kNames[k], flags & SA_RESTART ? " SA_RESTART" : "",
         block ? " blocked" : "", r, r < 0 ? strerror(e) : "ok", (int)handled);
  // EINTR after the signal (~150 ms); the lock once the holder exits (~600 ms).
  printf("%s\n", waited < 0.1 ? "at once" : waited < 0.45 ? "at the signal" : "at the release");
  waitpid(holder, NULL, 0);
  close(fd);
  sigprocmask(SIG_UNBLOCK, &set, NULL);  // a blocked SIGALRM is taken here
  handled = 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char path[] = "/tmp/lock_wait_signalXXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  close(fd);
  for (int k = kFlock; k <= kOfd; k++) {
    Case(path, k, 0, 0);
    Case(path, k, SA_RESTART, 0);
    Case(path, k, 0, 1);
  }
  unlink(path);
  return 0;
}
