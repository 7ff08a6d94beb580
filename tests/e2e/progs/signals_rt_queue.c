// Real-time signals queue, standard ones coalesce, compared with Linux:
// sigqueue'd values taken by sigwaitinfo, by handlers and from a signalfd,
// lowest number first and FIFO within a number; thread-directed before
// process-directed; SigQ in /proc/self/status; RLIMIT_SIGPENDING overflow
// (sigqueue fails with EAGAIN, kill's instance loses its siginfo). Runs as
// a user of its own: natively RLIMIT_SIGPENDING and SigQ count every
// process of the real user, and other root processes' pending signals
// came and went between the test's two SigQ reads.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "own_user.h"

static int Name(int sig) { return sig >= SIGRTMIN ? sig - SIGRTMIN : -sig; }

static void Queue(int sig, int value) {
  union sigval v = {.sival_int = value};
  if (sigqueue(getpid(), sig, v) != 0) printf("sigqueue %d %d: %s\n", Name(sig), value, strerror(errno));
}

// SigQ's first number. Linux counts the user's pending signals in every
// process (the LibOS: its own), so the test compares differences to a
// baseline taken with nothing of its own pending.
static int SigQ(void) {
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  int queued = -1;
  while (f && fgets(line, sizeof(line), f))
    if (strncmp(line, "SigQ:", 5) == 0) sscanf(line + 5, "%d", &queued);
  if (f) fclose(f);
  return queued;
}

static void PrintPending(const char* when, const sigset_t* of) {
  sigset_t p;
  sigpending(&p);
  printf("%s: pending", when);
  for (int s = 1; s < 65; s++)
    if (sigismember(of, s) && sigismember(&p, s)) printf(" %d", Name(s));
  printf("\n");
}

// Takes everything in `set` without waiting, printing each instance.
static int Drain(const char* label, const sigset_t* set) {
  struct timespec zero = {0, 0};
  siginfo_t si;
  int n = 0, sig;
  while ((sig = sigtimedwait(set, &si, &zero)) > 0) {
    printf("%s: sig %d code %d value %d\n", label, Name(sig), si.si_code, si.si_value.sival_int);
    n++;
    if (n == 3) PrintPending("after three", set);
  }
  printf("%s: %d taken, then %s\n", label, n, strerror(errno));
  return n;
}

static int handled[32][2];
static volatile int nhandled;
static void OnSignal(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  handled[nhandled][0] = sig;
  handled[nhandled][1] = si->si_value.sival_int;
  nhandled++;
}

static void* ThreadDirected(void* arg) {
  const sigset_t* set = arg;
  // Process-directed first, thread-directed after: the thread's come out first.
  Queue(SIGRTMIN + 1, 50);
  Queue(SIGRTMIN + 1, 51);
  for (int i = 0; i < 3; i++) {
    union sigval v = {.sival_int = 60 + i};
    pthread_sigqueue(pthread_self(), SIGRTMIN + 1, v);
  }
  Drain("thread", set);
  return NULL;
}

static int user_main(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGRTMIN + 1);
  sigaddset(&set, SIGRTMIN + 2);
  sigprocmask(SIG_BLOCK, &set, NULL);

  // sigwaitinfo: SIGUSR1 once (first value), SIGRTMIN+1 in order, then +2.
  int base = SigQ();
  Queue(SIGRTMIN + 2, 100);
  for (int i = 1; i <= 5; i++) Queue(SIGRTMIN + 1, i);
  for (int i = 10; i <= 12; i++) Queue(SIGUSR1, i);
  Queue(SIGRTMIN + 2, 101);
  PrintPending("queued", &set);
  printf("queued: SigQ %d above baseline\n", SigQ() - base);
  int full = SigQ();
  Drain("wait", &set);
  printf("drained: SigQ %d lower\n", full - SigQ());

  // Handlers: sa_mask holds all three, so one runs at a time, in order.
  struct sigaction sa = {0};
  sa.sa_sigaction = OnSignal;
  sa.sa_flags = SA_SIGINFO;
  sa.sa_mask = set;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGRTMIN + 1, &sa, NULL);
  sigaction(SIGRTMIN + 2, &sa, NULL);
  for (int i = 1; i <= 5; i++) Queue(SIGRTMIN + 1, i);
  Queue(SIGRTMIN + 2, 100);
  for (int i = 10; i <= 12; i++) Queue(SIGUSR1, i);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  for (int i = 0; i < nhandled; i++)
    printf("handler: sig %d value %d\n", Name(handled[i][0]), handled[i][1]);
  sigprocmask(SIG_BLOCK, &set, NULL);

  // sigsuspend: one instance per call (the handler's sa_mask holds the
  // rest back, and the blocking mask returns with the handler).
  nhandled = 0;
  for (int i = 1; i <= 3; i++) Queue(SIGRTMIN + 1, i);
  sigset_t none;
  sigemptyset(&none);
  for (int i = 0; i < 3; i++) {
    sigset_t p;
    sigpending(&p);
    if (!sigismember(&p, SIGRTMIN + 1)) {  // sigsuspend would never return
      printf("sigsuspend %d: nothing pending\n", i);
      break;
    }
    int r = sigsuspend(&none);
    printf("sigsuspend: %d %s, handled %d, last value %d\n", r, strerror(errno), nhandled,
           handled[nhandled - 1][1]);
  }
  PrintPending("after sigsuspend", &set);

  // signalfd: one read takes as many instances as fit.
  int fd = signalfd(-1, &set, SFD_NONBLOCK);
  for (int i = 20; i < 24; i++) Queue(SIGRTMIN + 1, i);
  Queue(SIGUSR1, 30);
  Queue(SIGUSR1, 31);
  struct signalfd_siginfo buf[16];
  ssize_t n = read(fd, buf, sizeof(buf));
  printf("signalfd read: %zd instances\n", n / (ssize_t)sizeof(buf[0]));
  for (ssize_t i = 0; i < n / (ssize_t)sizeof(buf[0]); i++)
    printf("signalfd: sig %d value %d\n", Name((int)buf[i].ssi_signo), buf[i].ssi_int);
  Queue(SIGRTMIN + 1, 40);
  Queue(SIGRTMIN + 1, 41);
  n = read(fd, buf, sizeof(buf[0]));  // room for one: the other stays
  printf("signalfd small read: %zd value %d\n", n, buf[0].ssi_int);
  n = read(fd, buf, sizeof(buf));
  printf("signalfd next read: %zd value %d\n", n, buf[0].ssi_int);
  n = read(fd, buf, sizeof(buf));
  printf("signalfd empty read: %zd %s\n", n, n < 0 ? strerror(errno) : "");
  close(fd);

  // Two POSIX timers on one real-time signal: both instances are kept.
  timer_t timers[2];
  for (int i = 0; i < 2; i++) {
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN + 2;
    ev.sigev_value.sival_int = 70 + i;
    timer_create(CLOCK_MONOTONIC, &ev, &timers[i]);
    struct itimerspec its = {.it_value = {0, 1000000 * (i + 1)}};
    timer_settime(timers[i], 0, &its, NULL);
  }
  sigset_t only_timer;
  sigemptyset(&only_timer);
  sigaddset(&only_timer, SIGRTMIN + 2);
  siginfo_t ti[2];
  // A bound only so that a lost instance fails the test instead of hanging.
  struct timespec bound = {30, 0};
  for (int i = 0; i < 2; i++)
    if (sigtimedwait(&only_timer, &ti[i], &bound) < 0) {
      printf("timer signal %d: %s\n", i, strerror(errno));
      ti[i].si_value.sival_int = -1;
    }
  int lo = ti[0].si_value.sival_int < ti[1].si_value.sival_int ? 0 : 1;
  printf("timers: code %d values %d %d\n", ti[lo].si_code, ti[lo].si_value.sival_int,
         ti[1 - lo].si_value.sival_int);
  for (int i = 0; i < 2; i++) timer_delete(timers[i]);

  pthread_t t;
  pthread_create(&t, NULL, ThreadDirected, &set);
  pthread_join(t, NULL);

  // RLIMIT_SIGPENDING: sigqueue beyond it fails with EAGAIN, kill still
  // succeeds. Natively the limit counts every process of the user, whose
  // pending signals come and go: only what holds for any count is printed.
  int before = SigQ();
  struct rlimit lim = {(rlim_t)before + 3, (rlim_t)before + 3};
  if (setrlimit(RLIMIT_SIGPENDING, &lim) != 0) printf("setrlimit: %s\n", strerror(errno));
  int sent = 0, err = 0;
  for (int i = 0; i < 64 && !err; i++) {
    union sigval v = {.sival_int = 200 + i};
    if (sigqueue(getpid(), SIGRTMIN + 1, v) != 0)
      err = errno;
    else
      sent++;
  }
  printf("over the limit: %s, some queued before: %d\n", strerror(err), sent > 0);
  printf("kill of a queued rt signal: %d\n", kill(getpid(), SIGRTMIN + 1));
  printf("kill of a new rt signal: %d\n", kill(getpid(), SIGRTMIN + 2));
  // The queued values come out in order; kill's instance merges with them
  // or, if it found room, comes last as SI_USER.
  siginfo_t si;
  struct timespec zero = {0, 0};
  sigset_t only1;
  sigemptyset(&only1);
  sigaddset(&only1, SIGRTMIN + 1);
  int in_order = 1, taken = 0;
  while (sigtimedwait(&only1, &si, &zero) > 0) {
    if (taken < sent && si.si_value.sival_int != 200 + taken) in_order = 0;
    if (taken >= sent && si.si_code != SI_USER) in_order = 0;
    taken++;
  }
  printf("drained in order: %d, all queued taken: %d\n", in_order, taken >= sent);
  sigset_t only2;
  sigemptyset(&only2);
  sigaddset(&only2, SIGRTMIN + 2);
  int sig = sigtimedwait(&only2, &si, &zero);
  printf("kill's signal: sig %d code %d\n", Name(sig), si.si_code);
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  return run_as_own_user(user_main);
}
