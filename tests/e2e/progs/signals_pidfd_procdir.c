// pidfd_send_signal through a /proc/PID directory descriptor, which Linux
// takes as a pidfd of that process (CPython's test_signal
// test_pidfd_send_signal): the signal arrives, a siginfo given reaches the
// handler, and descriptors that are not a process directory are EBADF.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "show_call.h"

static volatile sig_atomic_t got, code, value;

static void On(int sig, siginfo_t* si, void* uc) {
  (void)sig, (void)uc;
  got++;
  code = si->si_code;
  value = si->si_value.sival_int;
}

static long Send(int fd, int sig, siginfo_t* info, unsigned flags) {
  return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_sigaction = On;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  int self = open("/proc/self", O_RDONLY | O_DIRECTORY);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d", getpid());
  int bypid = open(path, O_RDONLY | O_DIRECTORY);
  snprintf(path, sizeof path, "/proc/self/task/%d", getpid());
  int task = open(path, O_RDONLY | O_DIRECTORY);
  int root = open("/proc", O_RDONLY | O_DIRECTORY);
  int status = open("/proc/self/status", O_RDONLY);

  SHOW("/proc/self", Send(self, SIGUSR1, NULL, 0));
  printf("handled %d, SI_USER %d\n", got, code == SI_USER);
  SHOW("/proc/PID", Send(bypid, SIGUSR1, NULL, 0));
  printf("handled %d\n", got);
  SHOW("signal 0", Send(self, 0, NULL, 0));
  siginfo_t info;
  memset(&info, 0, sizeof info);
  info.si_signo = SIGUSR1;
  info.si_code = SI_QUEUE;
  info.si_pid = getpid();
  info.si_uid = getuid();
  info.si_value.sival_int = 42;
  SHOW("with siginfo", Send(self, SIGUSR1, &info, 0));
  printf("handled %d, SI_QUEUE %d, value %d\n", got, code == SI_QUEUE, value);
  info.si_signo = SIGUSR2;
  SHOW("siginfo of another signal", Send(self, SIGUSR1, &info, 0));
  SHOW("flags", Send(self, SIGUSR1, NULL, 1u << 30));
  SHOW("bad signal", Send(self, 65, NULL, 0));
  SHOW("task directory", Send(task, SIGUSR1, NULL, 0));
  SHOW("/proc", Send(root, SIGUSR1, NULL, 0));
  SHOW("status file", Send(status, SIGUSR1, NULL, 0));
  SHOW("closed", Send(1000, SIGUSR1, NULL, 0));
  printf("handled %d\n", got);
  return 0;
}
