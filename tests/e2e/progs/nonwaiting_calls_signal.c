// Calls that never wait (F_SETLK, F_GETLK, F_OFD_SETLK, flock with
// LOCK_NB, flock LOCK_UN, TCGETS and TIOCGWINSZ on a terminal) while
// another thread keeps signalling the caller (a handler without
// SA_RESTART): Linux never gives EINTR for them. The LibOS checked for a
// pending signal around every such host call, as for the waiting ones
// (F_SETLKW, flock without LOCK_NB, TCSETSW), and gave EINTR. Run on two
// kthreads, so that signals arrive during the calls.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

enum { kRounds = 30000 };

static atomic_int g_done;
static pid_t g_target;

static void OnSignal(int sig) { (void)sig; }

static void* Signaller(void* arg) {
  (void)arg;
  while (!atomic_load(&g_done)) syscall(SYS_tgkill, getpid(), g_target, SIGUSR1);
  return NULL;
}

static const char* const kNames[] = {"F_SETLK",       "F_GETLK", "F_OFD_SETLK", "flock LOCK_EX|LOCK_NB",
                                     "flock LOCK_UN", "TCGETS",  "TIOCGWINSZ"};
enum { kCalls = sizeof(kNames) / sizeof(kNames[0]) };

static long Call(int i, int fd, int tty) {
  struct flock fl = {0};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  struct termios t;
  struct winsize ws;
  switch (i) {
    case 0: return fcntl(fd, F_SETLK, &fl);
    case 1: return fcntl(fd, F_GETLK, &fl);
    case 2: return fcntl(fd, F_OFD_SETLK, &fl);
    case 3: return flock(fd, LOCK_EX | LOCK_NB);
    case 4: return flock(fd, LOCK_UN);
    case 5: return ioctl(tty, TCGETS, &t);
    default: return ioctl(tty, TIOCGWINSZ, &ws);
  }
}

int main(void) {
  char path[] = "/tmp/nonwaiting_calls_signal.XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) {
    perror("mkstemp");
    return 1;
  }
  unlink(path);
  int tty = posix_openpt(O_RDWR | O_NOCTTY);
  if (tty < 0 || grantpt(tty) < 0 || unlockpt(tty) < 0) {
    perror("posix_openpt");
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;  // no SA_RESTART
  sigaction(SIGUSR1, &sa, NULL);
  g_target = (pid_t)syscall(SYS_gettid);
  pthread_t t;
  pthread_create(&t, NULL, Signaller, NULL);
  long eintr[kCalls] = {0}, failed[kCalls] = {0};
  for (int r = 0; r < kRounds; r++) {
    for (int i = 0; i < kCalls; i++) {
      if (Call(i, fd, tty) == 0) continue;
      if (errno == EINTR)
        eintr[i]++;
      else
        failed[i]++;
    }
  }
  atomic_store(&g_done, 1);
  pthread_join(t, NULL);
  for (int i = 0; i < kCalls; i++) printf("%s: EINTR %ld times, other errors %ld\n", kNames[i], eintr[i], failed[i]);
  return 0;
}
