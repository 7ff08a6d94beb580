// sched_setattr and sched_getattr as Linux answers them: the struct's size
// rules (E2BIG with the kernel's size written back, a larger struct with
// a zero tail), flags, nice and the fair class's slice, real-time
// priorities, SCHED_FLAG_KEEP_*, SCHED_DEADLINE (parameter checks,
// admission, no fork or thread without reset-on-fork, affinity kept
// whole) and the permission rules for an unprivileged user. Run on two
// cores (the native machine's count). `deadline`: admitted deadline tasks,
// which the host's bandwidth (shared with every process on it) may
// refuse: `--probe` says whether it admits one now.
#define _GNU_SOURCE 1
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show_call.h"

struct Attr {
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
  uint32_t util_min, util_max;
  uint64_t tail;  // past the kernel's struct
};

enum { kDeadline = 6 };
enum { kReset = 1, kReclaim = 2, kOverrun = 4, kKeepPolicy = 8, kKeepParams = 16, kClampMin = 32 };

static long SetAttr(pid_t pid, struct Attr* a, unsigned flags) { return syscall(SYS_sched_setattr, pid, a, flags); }
static long GetAttr(pid_t pid, struct Attr* a, unsigned size, unsigned flags) {
  return syscall(SYS_sched_getattr, pid, a, size, flags);
}

static void Print(const char* what, pid_t pid) {
  struct Attr a;
  memset(&a, 0xee, sizeof(a));
  long r = GetAttr(pid, &a, 56, 0);
  if (r != 0) {
    printf("%s: getattr %s\n", what, strerror(errno));
    return;
  }
  printf("%s: size %u policy %u flags %#llx nice %d priority %u runtime %llu deadline %llu period %llu "
         "util %u/%u; getpriority %d getscheduler %#x\n",
         what, a.size, a.policy, (unsigned long long)a.flags, a.nice, a.priority,
         (unsigned long long)a.runtime, (unsigned long long)a.deadline, (unsigned long long)a.period,
         a.util_min, a.util_max, getpriority(PRIO_PROCESS, pid), sched_getscheduler(pid));
}

static struct Attr Fair(int policy, int nice, uint64_t slice) {
  struct Attr a = {.size = 48, .policy = policy, .nice = nice, .runtime = slice};
  return a;
}
static struct Attr Deadline(uint64_t runtime, uint64_t deadline, uint64_t period, uint64_t flags) {
  struct Attr a = {.size = 48, .policy = kDeadline, .flags = flags, .runtime = runtime,
                   .deadline = deadline, .period = period};
  return a;
}

// Deadline tasks here ask for little bandwidth (2 ms every 100 ms: Linux
// throttles one that runs longer until its next period): the host's is
// shared with every process on it, and Linux keeps what a task gave back
// counted for a while, so only the container's own admission can be
// compared (a request over what any two cores hold).
static struct Attr Tiny(uint64_t flags) { return Deadline(2000000, 100000000, 100000000, flags); }

static void Sizes(void) {
  struct Attr a;
  memset(&a, 0xee, sizeof(a));
  SHOW("getattr size 64", GetAttr(0, &a, 64, 0));
  printf("  reported size %u, tail untouched %d\n", a.size, a.tail == 0xeeeeeeeeeeeeeeeeull);
  memset(&a, 0xee, sizeof(a));
  SHOW("getattr size 48", GetAttr(0, &a, 48, 0));
  printf("  reported size %u, util untouched %d\n", a.size, a.util_min == 0xeeeeeeee);
  SHOW("getattr size 47", GetAttr(0, &a, 47, 0));
  SHOW("getattr size 4097", GetAttr(0, &a, 4097, 0));
  SHOW("getattr flags 1", GetAttr(0, &a, 56, 1));
  SHOW("getattr pid -1", GetAttr(-1, &a, 56, 0));
  SHOW("getattr NULL", GetAttr(0, NULL, 56, 0));
  SHOW("getattr no such pid", GetAttr(999999, &a, 56, 0));
  SHOW("getattr bad pointer", GetAttr(0, (struct Attr*)8, 56, 0));

  a = Fair(SCHED_OTHER, 0, 0);
  a.size = 0;
  SHOW("setattr size 0 (the first version)", SetAttr(0, &a, 0));
  a.size = 40;
  SHOW("setattr size 40", SetAttr(0, &a, 0));
  printf("  size written back %u\n", a.size);
  a = Fair(SCHED_OTHER, 0, 0);
  a.size = 64;
  a.tail = 0;
  SHOW("setattr size 64, zero tail", SetAttr(0, &a, 0));
  a.tail = 1;
  SHOW("setattr size 64, tail set", SetAttr(0, &a, 0));
  printf("  size written back %u\n", a.size);
  a = Fair(SCHED_OTHER, 0, 0);
  a.size = 5000;
  SHOW("setattr size 5000", SetAttr(0, &a, 0));
  a = Fair(SCHED_OTHER, 0, 0);
  SHOW("setattr flags argument 1", SetAttr(0, &a, 1));
  SHOW("setattr NULL", SetAttr(0, NULL, 0));
  SHOW("setattr bad pointer", SetAttr(0, (struct Attr*)8, 0));
  SHOW("setattr pid -1", SetAttr(-1, &a, 0));
  SHOW("setattr no such pid", SetAttr(999999, &a, 0));
  a.policy = 7;
  SHOW("setattr policy 7", SetAttr(0, &a, 0));
  a.policy = (uint32_t)-1;
  SHOW("setattr policy -1", SetAttr(0, &a, 0));
  a = Fair(SCHED_OTHER, 0, 0);
  a.flags = 0x80;
  SHOW("setattr unknown flag", SetAttr(0, &a, 0));
  a.flags = kClampMin;
  SHOW("setattr util clamp, size 48", SetAttr(0, &a, 0));
  a.size = 56;
  a.util_min = 100;
  SHOW("setattr util clamp, size 56", SetAttr(0, &a, 0));
  a = Fair(SCHED_OTHER, 0, 0);
  a.flags = 0x10000000;
  SHOW("setattr SCHED_FLAG_SUGOV", SetAttr(0, &a, 0));
}

static void Policies(void) {
  struct Attr a = Fair(SCHED_OTHER, 5, 0);
  SHOW("setattr OTHER nice 5", SetAttr(0, &a, 0));
  Print("  now", 0);
  a = Fair(SCHED_BATCH, 100, 5000);
  SHOW("setattr BATCH nice 100, slice 5 us", SetAttr(0, &a, 0));
  Print("  now", 0);
  a = Fair(SCHED_OTHER, 3, 500000000);
  SHOW("setattr OTHER nice 3, slice 500 ms", SetAttr(0, &a, 0));
  Print("  now", 0);
  a = Fair(SCHED_OTHER, 3, 2000000);
  SHOW("setattr slice 2 ms", SetAttr(0, &a, 0));
  a = (struct Attr){.size = 48, .policy = SCHED_FIFO};
  SHOW("setattr FIFO priority 0", SetAttr(0, &a, 0));
  a.priority = 100;
  SHOW("setattr FIFO priority 100", SetAttr(0, &a, 0));
  a = (struct Attr){.size = 48, .policy = SCHED_OTHER, .priority = 1};
  SHOW("setattr OTHER priority 1", SetAttr(0, &a, 0));
  a = (struct Attr){.size = 48, .policy = SCHED_FIFO, .priority = 50, .nice = -10};
  SHOW("setattr FIFO 50", SetAttr(0, &a, 0));
  Print("  now", 0);
  struct sched_param sp = {0};
  SHOW("sched_getparam", sched_getparam(0, &sp));
  printf("  priority %d\n", sp.sched_priority);
  a = (struct Attr){.size = 48, .policy = SCHED_OTHER, .flags = kKeepPolicy, .priority = 60};
  SHOW("setattr KEEP_POLICY priority 60", SetAttr(0, &a, 0));
  Print("  now", 0);
  a = (struct Attr){.size = 48, .policy = SCHED_OTHER, .flags = kKeepParams | kReset};
  SHOW("setattr KEEP_PARAMS, reset-on-fork, policy OTHER", SetAttr(0, &a, 0));
  Print("  now", 0);
  sp.sched_priority = 0;
  SHOW("sched_setscheduler OTHER", sched_setscheduler(0, SCHED_OTHER, &sp));
  Print("  now (nice and slice kept)", 0);
  a = Fair(SCHED_IDLE, 3, 0);
  SHOW("setattr IDLE", SetAttr(0, &a, 0));
  Print("  now", 0);
  a = Fair(SCHED_OTHER, 0, 0);
  SHOW("setattr OTHER nice 0", SetAttr(0, &a, 0));
}

static pthread_barrier_t barrier;
static long thread_result;
static int thread_tid;


static void* DeadlineThread(void* arg) {
  (void)arg;
  thread_tid = (int)gettid();
  struct Attr a = Tiny(0);
  thread_result = SetAttr(0, &a, 0);
  pthread_barrier_wait(&barrier);  // set
  pthread_barrier_wait(&barrier);  // the main thread is done with it
  return NULL;
}

static void* Nothing(void* arg) { return arg; }

static void DeadlineChecks(void) {
  struct Attr a = Deadline(500, 2000000, 0, 0);
  SHOW("DEADLINE runtime 500 ns", SetAttr(0, &a, 0));
  a = Deadline(3000000, 2000000, 0, 0);
  SHOW("DEADLINE runtime > deadline", SetAttr(0, &a, 0));
  a = Deadline(1000000, 3000000, 2000000, 0);
  SHOW("DEADLINE deadline > period", SetAttr(0, &a, 0));
  a = Deadline(1000000, 2000000, 5000000000ull, 0);
  SHOW("DEADLINE period 5 s", SetAttr(0, &a, 0));
  a = Deadline(1100, 2000, 0, 0);
  SHOW("DEADLINE period 2 us", SetAttr(0, &a, 0));
  a = Deadline(0, 0, 0, 0);
  SHOW("DEADLINE zeros", SetAttr(0, &a, 0));
  struct sched_param sp = {0};
  SHOW("sched_setscheduler DEADLINE", sched_setscheduler(0, kDeadline, &sp));
  // A deadline task must be free to run on every core (checked before
  // the bandwidth).
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(1, &set);
    sched_setaffinity(0, sizeof(set), &set);
    a = Tiny(0);
    SHOW("DEADLINE with affinity one core", SetAttr(0, &a, 0));
    fflush(stdout);
    _exit(0);
  }
  waitpid(p, NULL, 0);
}

// Deadline tasks: admitted ones (run only while the host admits one:
// --probe).
static void DeadlineTasks(void) {
  struct Attr a;
  struct sched_param sp = {0};
  // A thread first (a deadline task cannot make one), then both deadline.
  pthread_barrier_init(&barrier, NULL, 2);
  pthread_t t;
  pthread_create(&t, NULL, DeadlineThread, NULL);
  pthread_barrier_wait(&barrier);
  printf("thread DEADLINE: %ld\n", thread_result);
  Print("  the thread", thread_tid);
  a = Tiny(kOverrun | kReclaim);
  SHOW("DEADLINE with flags", SetAttr(0, &a, 0));
  Print("  now", 0);
  a = Deadline(2000000, 50000000, 0, 0);
  SHOW("DEADLINE period 0", SetAttr(0, &a, 0));
  Print("  now (the period is the deadline)", 0);
  // Two tasks at 100 % are more than two cores give deadline tasks.
  struct Attr full = Deadline(1000000000, 1000000000, 1000000000, 0), b = full;
  long r1 = SetAttr(thread_tid, &full, 0), r2 = SetAttr(0, &b, 0);
  printf("both tasks at 100 %% admitted: %d\n", r1 == 0 && r2 == 0);
  a = Tiny(0);
  b = Tiny(0);
  SetAttr(0, &a, 0);
  SetAttr(thread_tid, &b, 0);
  pthread_t u;
  int e = pthread_create(&u, NULL, Nothing, NULL);
  printf("pthread_create as a deadline task: %s\n", e ? strerror(e) : "ok");
  if (!e) pthread_join(u, NULL);
  pid_t p = fork();
  if (p == 0) _exit(0);
  printf("fork as a deadline task: %s\n", p < 0 ? strerror(errno) : "ok");
  if (p > 0) waitpid(p, NULL, 0);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  SHOW("sched_setaffinity to one core", sched_setaffinity(0, sizeof(set), &set));
  SHOW("sched_setparam", sched_setparam(0, &sp));
  struct timespec ts = {9, 9};
  SHOW("sched_rr_get_interval", sched_rr_get_interval(0, &ts));
  printf("  %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  a = Tiny(kReset);
  SHOW("reset-on-fork", SetAttr(0, &a, 0));
  fflush(stdout);
  p = fork();
  if (p == 0) {
    Print("  the child", 0);
    fflush(stdout);
    _exit(0);
  }
  printf("fork with reset-on-fork: %s\n", p < 0 ? strerror(errno) : "ok");
  if (p > 0) waitpid(p, NULL, 0);
  pthread_barrier_wait(&barrier);
  pthread_join(t, NULL);
  SHOW("sched_setscheduler OTHER", sched_setscheduler(0, SCHED_OTHER, &sp));
  Print("  now", 0);
}

// The main thread at 100 % ends with pthread_exit; the other thread then
// asks for 100 % too: admitted once the main thread is dead (two tasks at
// 100 % are more than two cores give), as Linux gives a task's bandwidth
// back at its death, not the process's.
static int main_set[2];  // the main thread writes once it is at 100 %

static void* AfterMainExit(void* arg) {
  (void)arg;
  struct Attr a;
  long r = -1;
  int e = 0;
  char c;
  if (read(main_set[0], &c, 1) != 1) exit(1);
  for (int i = 0; i < 100 && r != 0; i++) {  // until the main thread is gone
    usleep(10000);
    a = Deadline(1000000000, 1000000000, 1000000000, 0);
    r = SetAttr(0, &a, 0);
    e = errno;
  }
  printf("thread at 100 %% after the main thread's pthread_exit: %s\n", r == 0 ? "ok" : strerror(e));
  a = Fair(SCHED_OTHER, 0, 0);
  SetAttr(0, &a, 0);
  exit(0);
}

static void MainThreadExit(void) {
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    pthread_t t;
    if (pipe(main_set) != 0) _exit(1);
    pthread_create(&t, NULL, AfterMainExit, NULL);  // before: a deadline task cannot
    struct Attr a = Deadline(1000000000, 1000000000, 1000000000, 0);
    SHOW("main thread at 100 %", SetAttr(0, &a, 0));
    fflush(stdout);
    if (write(main_set[1], "x", 1) != 1) _exit(1);
    pthread_exit(NULL);
  }
  int status = 0;
  waitpid(p, &status, 0);
  printf("child exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

// Whether the host admits a tiny deadline task now, on this thread and
// on another: its bandwidth is shared with every process on the machine.
static void* ProbeThread(void* arg) {
  struct Attr a = Tiny(0), other = Fair(SCHED_OTHER, 0, 0);
  long r = SetAttr(0, &a, 0);
  SetAttr(0, &other, 0);
  *(long*)arg = r;
  return NULL;
}

static int Probe(void) {
  long main_r, thread_r;
  ProbeThread(&main_r);
  pthread_t t;
  pthread_create(&t, NULL, ProbeThread, &thread_r);
  pthread_join(t, NULL);
  return main_r == 0 && thread_r == 0 ? 0 : 1;
}

static void Unprivileged(void) {
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(1);
    struct rlimit zero = {0, 0};
    setrlimit(RLIMIT_RTPRIO, &zero);
    setrlimit(RLIMIT_NICE, &zero);
    struct Attr a = Deadline(1000000, 2000000, 0, 0);
    SHOW("unprivileged: DEADLINE", SetAttr(0, &a, 0));
    a = (struct Attr){.size = 48, .policy = SCHED_FIFO, .priority = 1};
    SHOW("unprivileged: FIFO", SetAttr(0, &a, 0));
    a = Fair(SCHED_OTHER, 5, 0);
    SHOW("unprivileged: nice 5", SetAttr(0, &a, 0));
    a = Fair(SCHED_OTHER, 2, 0);
    SHOW("unprivileged: nice back to 2", SetAttr(0, &a, 0));
    a = Fair(SCHED_BATCH, 5, 3000000);
    SHOW("unprivileged: BATCH at the same nice, slice 3 ms", SetAttr(0, &a, 0));
    a = Fair(SCHED_OTHER, 5, 0);
    SHOW("unprivileged: OTHER on pid 1's parent", SetAttr(getppid(), &a, 0));
    fflush(stdout);
    _exit(0);
  }
  waitpid(p, NULL, 0);
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 1 && strcmp(argv[1], "--probe") == 0) return Probe();
  if (argc > 1 && strcmp(argv[1], "deadline") == 0) {
    DeadlineTasks();
    MainThreadExit();
    return 0;
  }
  Print("start", 0);
  Sizes();
  Policies();
  DeadlineChecks();
  Unprivileged();
  return 0;
}
