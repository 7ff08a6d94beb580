// sigqueue / rt_sigqueueinfo / rt_tgsigqueueinfo compared with Linux: a
// value received through SA_SIGINFO and sigwaitinfo, to the process and to
// one thread, to a child process, and Linux's permission rule (only a
// thread signalling itself may claim si_code >= 0 or SI_TKILL).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show_call.h"

static volatile sig_atomic_t got;
static siginfo_t got_info;
static void on_signal(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  got = sig;
  got_info = *si;
}

static long qinfo(pid_t pid, int sig, int code, int value) {
  siginfo_t si;
  memset(&si, 0, sizeof(si));
  si.si_signo = sig;
  si.si_code = code;
  si.si_pid = getpid();
  si.si_uid = getuid();
  si.si_value.sival_int = value;
  return syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
}

static long tgqinfo(pid_t tgid, pid_t tid, int sig, int code, int value) {
  siginfo_t si;
  memset(&si, 0, sizeof(si));
  si.si_signo = sig;
  si.si_code = code;
  si.si_pid = getpid();
  si.si_value.sival_int = value;
  return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &si);
}

static pid_t worker_tid;
static sem_t ready, done;
static void* worker(void* arg) {
  (void)arg;
  worker_tid = (pid_t)syscall(SYS_gettid);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN + 2);
  sem_post(&ready);
  siginfo_t si;
  int sig = sigwaitinfo(&set, &si);
  printf("thread got sig=RTMIN+%d code_is_SI_QUEUE=%d value=%d pid_matches=%d\n", sig - SIGRTMIN,
         si.si_code == SI_QUEUE, si.si_value.sival_int, si.si_pid == getpid());
  // From here, signalling the main thread: a different thread, so si_code
  // >= 0 is refused even within the process.
  SHOW("worker: rt_sigqueueinfo SI_USER to own process", qinfo(getpid(), SIGUSR2, SI_USER, 0));
  SHOW("worker: rt_tgsigqueueinfo SI_TKILL to main", tgqinfo(getpid(), getpid(), SIGUSR2, SI_TKILL, 0));
  sem_post(&done);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGUSR2, &sa, NULL);

  // sigqueue to itself: the handler sees SI_QUEUE and the value.
  got = 0;
  sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 4242});
  printf("sigqueue to self: handled=%d code_is_SI_QUEUE=%d value=%d pid_matches=%d uid_matches=%d\n",
         got == SIGUSR1, got_info.si_code == SI_QUEUE, got_info.si_value.sival_int,
         got_info.si_pid == getpid(), got_info.si_uid == getuid());

  // sigwaitinfo on a blocked signal; a pointer value.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN + 3);
  sigprocmask(SIG_BLOCK, &set, NULL);
  static int anchor;
  sigqueue(getpid(), SIGRTMIN + 3, (union sigval){.sival_ptr = &anchor});
  siginfo_t si;
  int sig = sigwaitinfo(&set, &si);
  printf("sigwaitinfo: sig=RTMIN+%d ptr_matches=%d\n", sig - SIGRTMIN, si.si_value.sival_ptr == &anchor);

  // Codes a thread may use only on itself.
  got = 0;
  SHOW("rt_sigqueueinfo SI_USER to self", qinfo(getpid(), SIGUSR1, SI_USER, 1));
  printf("  handled=%d code=%d\n", got == SIGUSR1, got_info.si_code);
  got = 0;
  SHOW("rt_sigqueueinfo SI_KERNEL to self", qinfo(getpid(), SIGUSR1, SI_KERNEL, 2));
  printf("  handled=%d code_is_SI_KERNEL=%d\n", got == SIGUSR1, got_info.si_code == SI_KERNEL);
  got = 0;
  SHOW("rt_tgsigqueueinfo SI_TKILL to self", tgqinfo(getpid(), getpid(), SIGUSR1, SI_TKILL, 3));
  printf("  handled=%d code_is_SI_TKILL=%d\n", got == SIGUSR1, got_info.si_code == SI_TKILL);
  got = 0;
  SHOW("rt_tgsigqueueinfo SI_QUEUE to self", tgqinfo(getpid(), getpid(), SIGUSR1, SI_QUEUE, 5));
  printf("  handled=%d value=%d\n", got == SIGUSR1, got_info.si_value.sival_int);

  // Errors.
  SHOW("bad signal", qinfo(getpid(), 65, SI_QUEUE, 0));
  SHOW("signal 0 (probe)", qinfo(getpid(), 0, SI_QUEUE, 0));
  SHOW("no such process", qinfo(999999, SIGUSR1, SI_QUEUE, 0));
  SHOW("bad info pointer", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, 8L));
  SHOW("tg: tid 0", tgqinfo(getpid(), 0, SIGUSR1, SI_QUEUE, 0));
  SHOW("tg: tgid -1", tgqinfo(-1, getpid(), SIGUSR1, SI_QUEUE, 0));
  SHOW("tg: no such thread", tgqinfo(getpid(), 999999, SIGUSR1, SI_QUEUE, 0));
  SHOW("tg: bad signal", tgqinfo(getpid(), getpid(), 65, SI_QUEUE, 0));

  // To one thread.
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN + 2);
  sigprocmask(SIG_BLOCK, &set, NULL);
  sem_init(&ready, 0, 0);
  sem_init(&done, 0, 0);
  pthread_t th;
  pthread_create(&th, NULL, worker, NULL);
  sem_wait(&ready);
  // Printed after the worker's lines (one order on both sides).
  long to_worker = tgqinfo(getpid(), worker_tid, SIGRTMIN + 2, SI_QUEUE, 77);
  int to_worker_errno = errno;
  long user_to_worker = tgqinfo(getpid(), worker_tid, SIGRTMIN + 2, SI_USER, 0);
  int user_to_worker_errno = errno;
  sem_wait(&done);
  errno = to_worker_errno;
  SHOW("rt_tgsigqueueinfo to the worker", to_worker);
  errno = user_to_worker_errno;
  SHOW("rt_tgsigqueueinfo SI_USER to the worker", user_to_worker);
  pthread_join(th, NULL);

  // To a child process: the value crosses processes.
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN + 4);
  sigprocmask(SIG_BLOCK, &set, NULL);
  pid_t child = fork();
  if (child == 0) {
    siginfo_t csi;
    int csig = sigwaitinfo(&set, &csi);
    _exit(csig == SIGRTMIN + 4 && csi.si_code == SI_QUEUE && csi.si_value.sival_int == 31 &&
                  csi.si_pid == getppid()
              ? 0
              : 1);
  }
  SHOW("rt_sigqueueinfo SI_USER to a child", qinfo(child, SIGRTMIN + 4, SI_USER, 0));
  SHOW("sigqueue to a child", sigqueue(child, SIGRTMIN + 4, (union sigval){.sival_int = 31}));
  int status;
  waitpid(child, &status, 0);
  printf("child saw the value and the sender: %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return 0;
}
