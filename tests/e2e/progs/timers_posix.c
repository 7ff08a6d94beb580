// POSIX timers (timer_create & co.) compared with Linux: errors, siginfo
// of SIGEV_SIGNAL / SIGEV_THREAD_ID, glibc's SIGEV_THREAD, SIGEV_NONE,
// relative/absolute/periodic settings, old values, overruns, signals of
// re-set or deleted timers dropped, and timers on CPU-time clocks. Every
// line printed is a fact both kernels must agree on (no raw times).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "show_call.h"

static long long ns_of(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static int create(clockid_t c, struct sigevent* ev, timer_t* t) {
  // The raw call: glibc's wrapper hides kernel ids for SIGEV_THREAD.
  int id = -1;
  long r = syscall(SYS_timer_create, c, ev, &id);
  *t = (timer_t)(long)id;
  return r == 0 ? 0 : errno;
}

static void arm(timer_t t, long long value_ns, long long interval_ns, int flags) {
  struct itimerspec its = {{interval_ns / 1000000000, interval_ns % 1000000000},
                           {value_ns / 1000000000, value_ns % 1000000000}};
  if (timer_settime(t, flags, &its, NULL) != 0) perror("timer_settime");
}

static void errors(void) {
  timer_t t;
  struct sigevent ev;
  memset(&ev, 0, sizeof(ev));
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGUSR1;
  printf("bad clock: %s\n", strerror(create(99, &ev, &t)));
  printf("monotonic_raw: %s\n", strerror(create(CLOCK_MONOTONIC_RAW, &ev, &t)));
  printf("coarse: %s\n", strerror(create(CLOCK_REALTIME_COARSE, &ev, &t)));
  ev.sigev_signo = 0;
  printf("signo 0: %s\n", strerror(create(CLOCK_MONOTONIC, &ev, &t)));
  ev.sigev_signo = 65;
  printf("signo 65: %s\n", strerror(create(CLOCK_MONOTONIC, &ev, &t)));
  ev.sigev_signo = SIGUSR1;
  ev.sigev_notify = 77;
  printf("notify 77: %s\n", strerror(create(CLOCK_MONOTONIC, &ev, &t)));
  ev.sigev_notify = SIGEV_THREAD;  // to the kernel, a plain signal
  int r = create(CLOCK_MONOTONIC, &ev, &t);
  printf("raw SIGEV_THREAD: %s\n", strerror(r));
  if (r == 0) timer_delete(t);
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev._sigev_un._tid = 999999;
  printf("thread id not ours: %s\n", strerror(create(CLOCK_MONOTONIC, &ev, &t)));
  printf("bad pointer: %s\n", strerror(create(CLOCK_MONOTONIC, (struct sigevent*)8, &t)));
  struct itimerspec its = {{0, 0}, {1, 0}};
  SHOW("settime bad id", timer_settime((timer_t)12345L, 0, &its, NULL));
  SHOW("gettime bad id", timer_gettime((timer_t)12345L, &its));
  SHOW("getoverrun bad id", timer_getoverrun((timer_t)12345L));
  SHOW("delete bad id", timer_delete((timer_t)12345L));
  ev.sigev_notify = SIGEV_SIGNAL;
  create(CLOCK_MONOTONIC, &ev, &t);
  struct itimerspec bad = {{0, 0}, {0, 1000000000}};
  SHOW("settime nsec 1e9", timer_settime(t, 0, &bad, NULL));
  bad.it_value.tv_nsec = 0;
  bad.it_value.tv_sec = -1;
  SHOW("settime negative", timer_settime(t, 0, &bad, NULL));
  SHOW("settime null", syscall(SYS_timer_settime, (long)t, 0, NULL, NULL));
  SHOW("settime bad value pointer", syscall(SYS_timer_settime, (long)t, 0, 8L, NULL));
  SHOW("gettime bad pointer", syscall(SYS_timer_gettime, (long)t, 8L));
  timer_delete(t);
  SHOW("deleted id", timer_gettime(t, &its));
}

static volatile sig_atomic_t got_sig;
static siginfo_t got_info;
static void on_signal(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  got_sig = sig;
  got_info = *si;
}

static void signal_info(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &old);
  struct sigevent ev;
  memset(&ev, 0, sizeof(ev));
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGUSR1;
  ev.sigev_value.sival_int = 42;
  timer_t t;
  create(CLOCK_MONOTONIC, &ev, &t);
  struct itimerspec cur;
  timer_gettime(t, &cur);
  printf("unarmed: value %lld interval %lld\n", ns_of(cur.it_value), ns_of(cur.it_interval));
  arm(t, 10000000, 0, 0);  // 10 ms
  got_sig = 0;
  sigset_t wait = old;
  sigdelset(&wait, SIGUSR1);
  while (!got_sig) sigsuspend(&wait);
  printf("SIGEV_SIGNAL: sig=%d code_is_SI_TIMER=%d timerid_matches=%d value=%d overrun=%d errno=%d\n",
         got_info.si_signo, got_info.si_code == SI_TIMER, got_info.si_timerid == (int)(long)t,
         got_info.si_value.sival_int, got_info.si_overrun, got_info.si_errno);
  timer_gettime(t, &cur);
  printf("after one-shot: value %lld\n", ns_of(cur.it_value));
  // Long settings read back (less the time gone by), old value returned.
  arm(t, 10000000000LL, 3000000000LL, 0);
  timer_gettime(t, &cur);
  printf("armed 10s/3s: value in (9s,10s]=%d interval %lld\n",
         ns_of(cur.it_value) > 9000000000LL && ns_of(cur.it_value) <= 10000000000LL,
         ns_of(cur.it_interval));
  struct itimerspec off = {{0, 0}, {0, 0}}, prev;
  timer_settime(t, 0, &off, &prev);
  printf("old value in (9s,10s]=%d old interval %lld\n",
         ns_of(prev.it_value) > 9000000000LL && ns_of(prev.it_value) <= 10000000000LL,
         ns_of(prev.it_interval));
  timer_gettime(t, &cur);
  printf("disarmed: value %lld interval %lld\n", ns_of(cur.it_value), ns_of(cur.it_interval));
  // Absolute time in the past on CLOCK_REALTIME: at once.
  timer_t rt;
  create(CLOCK_REALTIME, &ev, &rt);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  got_sig = 0;
  arm(rt, ns_of(now) - 1000000000LL, 0, TIMER_ABSTIME);
  while (!got_sig) sigsuspend(&wait);
  printf("abstime in the past: fired, timerid_matches=%d\n", got_info.si_timerid == (int)(long)rt);
  // Absolute time 20 ms ahead on CLOCK_BOOTTIME.
  timer_t bt;
  create(CLOCK_BOOTTIME, &ev, &bt);
  clock_gettime(CLOCK_BOOTTIME, &now);
  got_sig = 0;
  arm(bt, ns_of(now) + 20000000, 0, TIMER_ABSTIME);
  while (!got_sig) sigsuspend(&wait);
  struct timespec after;
  clock_gettime(CLOCK_BOOTTIME, &after);
  printf("abstime boottime: fired no earlier=%d\n", ns_of(after) >= ns_of(now) + 20000000);
  timer_delete(t);
  timer_delete(rt);
  timer_delete(bt);
  sigprocmask(SIG_SETMASK, &old, NULL);
}

static void default_event(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGALRM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  timer_t t;
  create(CLOCK_MONOTONIC, NULL, &t);
  arm(t, 1000000, 0, 0);
  siginfo_t si;
  int sig = sigwaitinfo(&set, &si);
  printf("NULL sigevent: sig=%d code_is_SI_TIMER=%d value_is_id=%d\n", sig, si.si_code == SI_TIMER,
         si.si_value.sival_int == (int)(long)t);
  timer_delete(t);
}

static void periodic_overrun(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN + 1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  struct sigevent ev;
  memset(&ev, 0, sizeof(ev));
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGRTMIN + 1;
  ev.sigev_value.sival_int = 7;
  timer_t t;
  create(CLOCK_MONOTONIC, &ev, &t);
  arm(t, 1000000, 1000000, 0);  // every 1 ms
  struct timespec nap = {0, 60000000};
  nanosleep(&nap, NULL);  // >= 59 expirations while the first signal waits
  siginfo_t si;
  sigwaitinfo(&set, &si);
  int over = timer_getoverrun(t);
  printf("periodic: value=%d si_overrun>=40: %d getoverrun==si_overrun: %d\n", si.si_value.sival_int,
         si.si_overrun >= 40, over == si.si_overrun);
  // Re-armed when taken: a second signal comes.
  sigwaitinfo(&set, &si);
  printf("periodic: second signal code_is_SI_TIMER=%d\n", si.si_code == SI_TIMER);
  struct itimerspec cur;
  timer_gettime(t, &cur);
  printf("periodic: interval %lld, value in (0,1ms]=%d\n", ns_of(cur.it_interval),
         ns_of(cur.it_value) > 0 && ns_of(cur.it_value) <= 1000000);
  timer_delete(t);
  // A signal pending from a timer that is deleted, or set again, is dropped.
  for (int k = 0; k < 2; k++) {
    create(CLOCK_MONOTONIC, &ev, &t);
    arm(t, 1000, 0, 0);
    sigset_t pend;
    do {
      nanosleep(&(struct timespec){0, 1000000}, NULL);
      sigpending(&pend);
    } while (!sigismember(&pend, SIGRTMIN + 1));
    if (k == 0) {
      timer_delete(t);
    } else {
      arm(t, 5000000000LL, 0, 0);
    }
    struct timespec zero = {0, 0};
    int r = sigtimedwait(&set, &si, &zero);
    printf("pending signal after %s: %s\n", k == 0 ? "delete" : "re-set", r < 0 && errno == EAGAIN ? "dropped" : "delivered");
    if (k == 1) timer_delete(t);
  }
}

static void sigev_none(void) {
  struct sigevent ev;
  memset(&ev, 0, sizeof(ev));
  ev.sigev_notify = SIGEV_NONE;
  timer_t t;
  create(CLOCK_MONOTONIC, &ev, &t);
  arm(t, 10000000000LL, 0, 0);
  struct itimerspec cur;
  timer_gettime(t, &cur);
  printf("SIGEV_NONE armed: value in (9s,10s]=%d\n",
         ns_of(cur.it_value) > 9000000000LL && ns_of(cur.it_value) <= 10000000000LL);
  arm(t, 1000000, 0, 0);
  nanosleep(&(struct timespec){0, 5000000}, NULL);
  timer_gettime(t, &cur);
  printf("SIGEV_NONE expired: value %lld\n", ns_of(cur.it_value));
  arm(t, 1000000, 2000000, 0);
  nanosleep(&(struct timespec){0, 10000000}, NULL);
  timer_gettime(t, &cur);
  printf("SIGEV_NONE periodic: value in (0,2ms]=%d overrun>=3: %d\n",
         ns_of(cur.it_value) > 0 && ns_of(cur.it_value) <= 2000000, timer_getoverrun(t) >= 0);
  timer_delete(t);
}

static pid_t worker_tid;
static sem_t worker_ready;
static void* worker(void* arg) {
  (void)arg;
  worker_tid = (pid_t)syscall(SYS_gettid);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sem_post(&worker_ready);
  siginfo_t si;
  int sig = sigwaitinfo(&set, &si);
  printf("SIGEV_THREAD_ID: worker got sig=%d code_is_SI_TIMER=%d value=%d\n", sig,
         si.si_code == SI_TIMER, si.si_value.sival_int);
  return NULL;
}

static void* timed_worker(void* arg) {
  (void)arg;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sem_post(&worker_ready);
  struct timespec t = {0, 200000000};
  siginfo_t si;
  int r = sigtimedwait(&set, &si, &t);
  printf("SIGEV_THREAD_ID at main: the other thread's wait: %s\n", r < 0 && errno == EAGAIN ? "timed out" : "got it");
  return NULL;
}

static void thread_id(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sigprocmask(SIG_BLOCK, &set, NULL);  // the worker inherits the mask
  sem_init(&worker_ready, 0, 0);
  pthread_t th;
  pthread_create(&th, NULL, worker, NULL);
  sem_wait(&worker_ready);
  struct sigevent ev;
  memset(&ev, 0, sizeof(ev));
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev.sigev_signo = SIGUSR2;
  ev.sigev_value.sival_int = 99;
  ev._sigev_un._tid = worker_tid;
  timer_t t;
  printf("SIGEV_THREAD_ID create: %d\n", create(CLOCK_MONOTONIC, &ev, &t));
  arm(t, 5000000, 0, 0);
  pthread_join(th, NULL);
  sigset_t pend;
  sigpending(&pend);
  printf("SIGEV_THREAD_ID: main has it pending: %d\n", sigismember(&pend, SIGUSR2));
  timer_delete(t);
  // Aimed at the main thread (which blocks it): another thread waiting for
  // the same signal does not get it; it stays pending for main.
  sem_init(&worker_ready, 0, 0);
  pthread_create(&th, NULL, timed_worker, NULL);
  sem_wait(&worker_ready);
  ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
  create(CLOCK_MONOTONIC, &ev, &t);
  arm(t, 5000000, 0, 0);
  pthread_join(th, NULL);
  sigpending(&pend);
  printf("SIGEV_THREAD_ID at main: pending for main: %d\n", sigismember(&pend, SIGUSR2));
  siginfo_t si;
  sigwaitinfo(&set, &si);
  timer_delete(t);
}

static sem_t thread_fired;
static int thread_value;
static int thread_is_new;
static pthread_t main_thread;
static void on_expiry(union sigval v) {
  thread_value = v.sival_int;
  thread_is_new = !pthread_equal(pthread_self(), main_thread);
  sem_post(&thread_fired);
}

static void sigev_thread(void) {
  main_thread = pthread_self();
  sem_init(&thread_fired, 0, 0);
  struct sigevent ev;
  memset(&ev, 0, sizeof(ev));
  ev.sigev_notify = SIGEV_THREAD;
  ev.sigev_notify_function = on_expiry;
  ev.sigev_value.sival_int = 1234;
  timer_t t;
  if (timer_create(CLOCK_MONOTONIC, &ev, &t) != 0) perror("timer_create SIGEV_THREAD");
  arm(t, 2000000, 2000000, 0);
  for (int i = 0; i < 3; i++) sem_wait(&thread_fired);
  printf("SIGEV_THREAD: three calls, value=%d in another thread=%d\n", thread_value, thread_is_new);
  timer_delete(t);
}

static void cpu_clocks(void) {
  struct sigevent ev;
  memset(&ev, 0, sizeof(ev));
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGUSR1;
  sigset_t wait;
  sigprocmask(SIG_BLOCK, NULL, &wait);
  clockid_t clocks[3] = {CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, 0};
  pthread_getcpuclockid(pthread_self(), &clocks[2]);
  const char* names[3] = {"process", "thread", "pthread_getcpuclockid"};
  for (int i = 0; i < 3; i++) {
    timer_t t;
    int r = create(clocks[i], &ev, &t);
    struct timespec start;
    clock_gettime(clocks[i], &start);
    got_sig = 0;
    arm(t, 30000000, 0, 0);  // 30 ms of CPU time
    struct timespec fired;
    while (!got_sig) {
    }
    clock_gettime(clocks[i], &fired);
    printf("cpu timer (%s): create=%d fired after >= 30ms of cpu: %d\n", names[i], r,
           ns_of(fired) - ns_of(start) >= 30000000);
    timer_delete(t);
  }
  (void)wait;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  errors();
  signal_info();
  default_event();
  periodic_overrun();
  sigev_none();
  thread_id();
  sigev_thread();
  cpu_clocks();
  return 0;
}
