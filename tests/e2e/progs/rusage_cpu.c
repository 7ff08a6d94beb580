// CPU time accounting compared with Linux: getrusage (SELF, THREAD,
// CHILDREN), times(), the CPU-time clocks, and how they relate. Only
// relations both kernels guarantee are printed, never raw times.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "show_call.h"

static long long ns_ts(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }
static long long ns_tv(struct timeval t) { return t.tv_sec * 1000000000LL + t.tv_usec * 1000LL; }
static long long clock_ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return ns_ts(t);
}
static long long ru_total(int who, struct rusage* ru) {
  getrusage(who, ru);
  return ns_tv(ru->ru_utime) + ns_tv(ru->ru_stime);
}

// Pure user-mode work until the thread has used `ms` of CPU.
static volatile unsigned long sink;
static void spin_cpu(int ms) {
  long long start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  while (clock_ns(CLOCK_THREAD_CPUTIME_ID) - start < ms * 1000000LL)
    for (int i = 0; i < 200000; i++) sink += (unsigned long)i * i;
}

// Burns CPU until told to stop. The process-clock sleep below waits on it:
// a worker that stopped after a fixed amount could have spent it all before
// the sleep began (the main thread delayed on a loaded machine), leaving
// the process clock still and the sleep waiting for ever.
static volatile int burn_stop;
static void* burner(void* arg) {
  (void)arg;
  while (!burn_stop)
    for (int i = 0; i < 200000; i++) sink += (unsigned long)i * i;
  return NULL;
}

static long long worker_cpu;
static void* worker(void* arg) {
  (void)arg;
  spin_cpu(40);
  worker_cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct rusage ru, ru2;
  spin_cpu(60);
  long long thread_clock = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  long long thread_ru = ru_total(RUSAGE_THREAD, &ru);
  // Linux updates the run time getrusage reports at scheduler events and
  // ticks (the clock reads it fresh): it may trail by a tick or two.
  printf("thread: rusage >= clock - 20ms: %d, clock >= 60ms: %d, user > system: %d\n",
         thread_ru >= thread_clock - 20000000, thread_clock >= 60000000,
         ns_tv(ru.ru_utime) > ns_tv(ru.ru_stime));
  long long self_ru = ru_total(RUSAGE_SELF, &ru2);
  long long proc_clock = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  printf("process: rusage >= thread rusage: %d, clock >= rusage: %d\n", self_ru >= thread_ru,
         proc_clock >= self_ru - 1000);

  // Sleeping costs (almost) no CPU and is a voluntary switch.
  getrusage(RUSAGE_THREAD, &ru);
  long long before = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  struct timespec nap = {0, 100000000};
  nanosleep(&nap, NULL);
  long long slept = clock_ns(CLOCK_THREAD_CPUTIME_ID) - before;
  getrusage(RUSAGE_THREAD, &ru2);
  printf("sleep 100ms: cpu < 50ms: %d, voluntary switches grew: %d\n", slept < 50000000,
         ru2.ru_nvcsw > ru.ru_nvcsw);

  // Another thread's CPU time counts for the process, not for this thread.
  long long main_before = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  long long proc_before = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  pthread_t th;
  pthread_create(&th, NULL, worker, NULL);
  clockid_t wc;
  printf("pthread_getcpuclockid: %d\n", pthread_getcpuclockid(th, &wc));
  struct timespec wt;
  printf("worker clock readable: %d\n", clock_gettime(wc, &wt) == 0);
  pthread_join(th, NULL);
  long long main_after = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  long long proc_after = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  printf("worker: >= 40ms: %d, process grew by >= worker: %d, main thread grew < 40ms: %d\n",
         worker_cpu >= 40000000, proc_after - proc_before >= worker_cpu - 1000,
         main_after - main_before < 40000000);
  long long self_after = ru_total(RUSAGE_SELF, &ru);
  printf("rusage self includes the exited worker: %d\n", self_after >= self_ru + worker_cpu - 10000000);

  // times(): the same process time in clock ticks.
  struct tms t;
  clock_t now = times(&t);
  long long times_ns = (long long)(t.tms_utime + t.tms_stime) * (1000000000LL / sysconf(_SC_CLK_TCK));
  long long ru_now = ru_total(RUSAGE_SELF, &ru);
  printf("times: returns > 0: %d, <= rusage: %d, within 2 ticks: %d\n", now > 0,
         times_ns <= ru_now + 1000, ru_now - times_ns < 20000000 + 10000000);

  // A child's CPU time reaches RUSAGE_CHILDREN and tms_cutime once waited.
  getrusage(RUSAGE_CHILDREN, &ru);
  printf("children before: zero: %d\n", ns_tv(ru.ru_utime) + ns_tv(ru.ru_stime) == 0);
  pid_t child = fork();
  if (child == 0) {
    struct rusage cru;
    getrusage(RUSAGE_SELF, &cru);
    int fresh = ns_tv(cru.ru_utime) + ns_tv(cru.ru_stime) < 50000000;  // the parent's 100+ ms not inherited
    spin_cpu(50);
    _exit(fresh ? 0 : 3);
  }
  int status;
  waitpid(child, &status, 0);
  printf("child: its own usage starts afresh: %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // (Under junction a uthread's CPU time is the time it held its kthread;
  // the host's figure for the child may be lower on a busy machine.)
  long long children = ru_total(RUSAGE_CHILDREN, &ru);
  printf("children after: grew: %d\n", children > 0);

  // clock_nanosleep on CPU-time clocks: the process clock while another
  // thread burns CPU; the caller's own thread clock is EINVAL.
  pthread_create(&th, NULL, burner, NULL);
  long long p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  struct timespec req = {0, 20000000};
  int nr = clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &req, NULL);
  printf("clock_nanosleep(process cpu, 20ms): %d, process cpu advanced >= 20ms: %d\n", nr,
         clock_ns(CLOCK_PROCESS_CPUTIME_ID) - p0 >= 20000000);
  burn_stop = 1;
  pthread_join(th, NULL);
  printf("clock_nanosleep(thread cpu): %s\n", strerror(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL)));
  clockid_t mine;
  pthread_getcpuclockid(pthread_self(), &mine);
  printf("clock_nanosleep(own pthread clock): %s\n", strerror(clock_nanosleep(mine, 0, &req, NULL)));
  // The raw call (glibc's wrapper answers EINVAL itself for
  // CLOCK_THREAD_CPUTIME_ID): Linux's thread clock has no sleep at all,
  // EOPNOTSUPP before the time is read; a thread's own clock by id is
  // EINVAL once the time is read.
  SHOW("clock_nanosleep raw(thread cpu)", syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL));
  SHOW("clock_nanosleep raw(thread cpu, absolute, bad pointer)",
       syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, TIMER_ABSTIME, 8L, NULL));
  SHOW("clock_nanosleep raw(own pthread clock)", syscall(SYS_clock_nanosleep, mine, 0, &req, NULL));
  SHOW("clock_nanosleep raw(own pthread clock, bad pointer)", syscall(SYS_clock_nanosleep, mine, 0, 8L, NULL));
  struct timespec past = {0, 1};
  printf("clock_nanosleep(process cpu, absolute, past): %d\n",
         clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &past, NULL));

  // Errors and clock ids.
  SHOW("getrusage(99)", getrusage(99, &ru));
  SHOW("getrusage bad pointer", syscall(SYS_getrusage, RUSAGE_SELF, 8L));
  SHOW("times bad pointer", syscall(SYS_times, 8L));
  struct timespec res;
  clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res);
  printf("clock_getres process cputime: %lld\n", ns_ts(res));
  clock_getres(CLOCK_THREAD_CPUTIME_ID, &res);
  printf("clock_getres thread cputime: %lld\n", ns_ts(res));
  clockid_t gone = (clockid_t)((~999999) * 8 + 6);  // MAKE_THREAD_CPUCLOCK(999999, SCHED)
  SHOW("clock_gettime of an unknown thread", clock_gettime(gone, &res));
  clockid_t self_clock;
  clock_getcpuclockid(0, &self_clock);
  printf("clock_getcpuclockid(0) readable and >= thread: %d\n",
         clock_gettime(self_clock, &res) == 0 && ns_ts(res) >= clock_ns(CLOCK_THREAD_CPUTIME_ID) - 1000000);
  return 0;
}
