// setitimer/getitimer/alarm compared with Linux: ITIMER_REAL one-shot and
// periodic (SI_KERNEL SIGALRM), alarm's rounding, ITIMER_VIRTUAL and
// ITIMER_PROF on the process's CPU time (they do not run while it sleeps),
// errors, and no inheritance across fork. Relations only, no raw times.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "show_call.h"

static long long us_of(struct timeval t) { return t.tv_sec * 1000000LL + t.tv_usec; }
static long long cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static volatile sig_atomic_t count[65];
static volatile int last_code;
static void on_signal(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  count[sig]++;
  last_code = si->si_code;
}

static void arm(int which, long long value_us, long long interval_us) {
  struct itimerval v = {{interval_us / 1000000, interval_us % 1000000},
                        {value_us / 1000000, value_us % 1000000}};
  setitimer(which, &v, NULL);
}

static volatile unsigned long sink;

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  sigaction(SIGVTALRM, &sa, NULL);
  sigaction(SIGPROF, &sa, NULL);
  sigset_t none;
  sigemptyset(&none);
  struct itimerval cur, old;

  // Unarmed.
  getitimer(ITIMER_REAL, &cur);
  printf("real unarmed: %lld %lld\n", us_of(cur.it_value), us_of(cur.it_interval));

  // One-shot ITIMER_REAL.
  arm(ITIMER_REAL, 50000, 0);
  getitimer(ITIMER_REAL, &cur);
  printf("real armed 50ms: value in (0,50ms]=%d interval %lld\n",
         us_of(cur.it_value) > 0 && us_of(cur.it_value) <= 50000, us_of(cur.it_interval));
  while (!count[SIGALRM]) sigsuspend(&none);
  getitimer(ITIMER_REAL, &cur);
  printf("real fired: code_is_SI_KERNEL=%d value after %lld\n", last_code == SI_KERNEL,
         us_of(cur.it_value));

  // Periodic ITIMER_REAL, then disarmed with the old value returned.
  count[SIGALRM] = 0;
  arm(ITIMER_REAL, 5000, 5000);
  while (count[SIGALRM] < 5) sigsuspend(&none);
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, &old);
  printf("real periodic: 5 signals, old interval %lld, old value in (0,5ms]=%d\n",
         us_of(old.it_interval), us_of(old.it_value) > 0 && us_of(old.it_value) <= 5000);
  getitimer(ITIMER_REAL, &cur);
  printf("real disarmed: %lld %lld\n", us_of(cur.it_value), us_of(cur.it_interval));
  // An interval without a value does not arm, and is not kept.
  arm(ITIMER_REAL, 0, 5000);
  getitimer(ITIMER_REAL, &cur);
  printf("interval only: %lld %lld\n", us_of(cur.it_value), us_of(cur.it_interval));

  // alarm shares ITIMER_REAL and rounds what was left to whole seconds.
  printf("alarm(5) = %u\n", alarm(5));
  getitimer(ITIMER_REAL, &cur);
  printf("alarm is ITIMER_REAL: value in (4s,5s]=%d\n",
         us_of(cur.it_value) > 4000000 && us_of(cur.it_value) <= 5000000);
  printf("alarm(0) = %u\n", alarm(0));
  arm(ITIMER_REAL, 300000, 0);
  printf("alarm(0) with 0.3 s left = %u\n", alarm(0));
  arm(ITIMER_REAL, 1700000, 0);
  printf("alarm(0) with 1.7 s left = %u\n", alarm(0));

  // ITIMER_VIRTUAL and ITIMER_PROF count CPU time, not sleep.
  arm(ITIMER_VIRTUAL, 20000, 0);
  struct timespec nap = {0, 100000000};
  nanosleep(&nap, NULL);
  printf("virtual during a 100ms sleep: fired=%d\n", count[SIGVTALRM] != 0);
  getitimer(ITIMER_VIRTUAL, &cur);
  printf("virtual still armed: %d\n", us_of(cur.it_value) > 0);
  arm(ITIMER_VIRTUAL, 0, 0);
  arm(ITIMER_VIRTUAL, 1000000, 0);
  getitimer(ITIMER_VIRTUAL, &cur);
  printf("virtual armed 1s: value in (0.9s,1.1s]=%d\n",
         us_of(cur.it_value) > 900000 && us_of(cur.it_value) <= 1100000);
  arm(ITIMER_VIRTUAL, 0, 0);
  const int whiches[2] = {ITIMER_VIRTUAL, ITIMER_PROF};
  const int sigs[2] = {SIGVTALRM, SIGPROF};
  const char* names[2] = {"virtual", "prof"};
  for (int k = 0; k < 2; k++) {
    long long start = cpu_ns();
    arm(whiches[k], 30000, 0);
    while (!count[sigs[k]])
      for (int i = 0; i < 100000; i++) sink += (unsigned long)i * i;
    // Linux charges CPU itimers by whole ticks (a busy host overcharges),
    // so only a loose bound on the exact CPU clock holds on both sides.
    printf("%s: fired after >= 5ms of cpu: %d code_is_SI_KERNEL=%d\n", names[k],
           cpu_ns() - start >= 5000000, last_code == SI_KERNEL);
  }
  // Periodic ITIMER_PROF.
  count[SIGPROF] = 0;
  arm(ITIMER_PROF, 10000, 10000);
  while (count[SIGPROF] < 3)
    for (int i = 0; i < 100000; i++) sink += (unsigned long)i * i;
  arm(ITIMER_PROF, 0, 0);
  printf("prof periodic: 3 signals\n");

  // Errors.
  SHOW("setitimer(3)", setitimer(3, &off, NULL));
  SHOW("getitimer(3)", getitimer(3, &cur));
  struct itimerval bad = {{0, 0}, {0, 1000000}};
  SHOW("usec 1000000", setitimer(ITIMER_REAL, &bad, NULL));
  bad.it_value.tv_usec = -1;
  SHOW("usec -1", setitimer(ITIMER_REAL, &bad, NULL));
  SHOW("bad new pointer", syscall(SYS_setitimer, ITIMER_REAL, 8L, NULL));
  SHOW("bad old pointer", syscall(SYS_setitimer, ITIMER_REAL, &off, 8L));
  SHOW("getitimer bad pointer", syscall(SYS_getitimer, ITIMER_REAL, 8L));
  arm(ITIMER_REAL, 3000000, 0);
  SHOW("setitimer NULL new value", syscall(SYS_setitimer, ITIMER_REAL, NULL, &old));
  printf("  old value in (2s,3s]=%d\n", us_of(old.it_value) > 2000000 && us_of(old.it_value) <= 3000000);
  getitimer(ITIMER_REAL, &cur);
  printf("  disarmed: %lld\n", us_of(cur.it_value));

  // Not inherited by a child.
  arm(ITIMER_REAL, 5000000, 0);
  pid_t child = fork();
  if (child == 0) {
    getitimer(ITIMER_REAL, &cur);
    _exit(us_of(cur.it_value) == 0 ? 0 : 1);
  }
  int status;
  waitpid(child, &status, 0);
  printf("child has no ITIMER_REAL: %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
  arm(ITIMER_REAL, 0, 0);
  return 0;
}
