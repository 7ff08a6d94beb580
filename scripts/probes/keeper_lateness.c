// Probe for docs/performance.md ("Core-grant tail, fourth pass"): the
// LibOS's timer keeper without the LibOS. A thread pinned to cpu1 sleeps
// (FUTEX_WAIT with a relative timeout, as the keeper does) until LEAD_US
// before a deadline 2-5 ms away, then polls the clock (16 `pause`s between
// reads, as the keeper's hard poll) up to the deadline. Per round: how late
// the sleep ended, how late the deadline was noticed, and the longest gap
// between two polls. Prints the lateness percentiles and the rounds over
// 10 us by cause. With DAEMON=1 a second thread spins on cpu0 the whole time
// (a busy `junction daemon`), reading a line the keeper writes; DAEMON=2
// also calls epoll_pwait2 with a zero timeout every pass, as the daemon's
// busy loop did.
//   gcc -O2 -pthread -o /tmp/kl scripts/probes/keeper_lateness.c
//   /tmp/kl ROUNDS [LEAD_US]      (RT=1 env: the keeper SCHED_FIFO)
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000ull + t.tv_nsec;
}
static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}
static void pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  sched_setaffinity(0, sizeof s, &s);
}

static volatile uint64_t shared_line[8] __attribute__((aligned(64)));
static volatile int stop;

static void* daemon_spin(void* arg) {
  int syscalls = *(const char*)arg == '2';
  pin(0);
  uint64_t seen = 0;
  int ep = epoll_create1(0);
  struct epoll_event ev;
  struct timespec zero = {0, 0};
  while (!stop) {
    seen += shared_line[0];
    if (syscalls) syscall(SYS_epoll_pwait2, ep, &ev, 1, &zero, NULL, 8);
    else __builtin_ia32_pause();
  }
  return (void*)(uintptr_t)seen;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  uint64_t lead = (argc > 2 ? atoi(argv[2]) : 150) * 1000ull;
  pthread_t d;
  if (getenv("DAEMON")) pthread_create(&d, NULL, daemon_spin, getenv("DAEMON"));
  pin(1);
  prctl(PR_SET_TIMERSLACK, 1);
  if (getenv("RT")) {
    struct sched_param p = {.sched_priority = 1};
    sched_setscheduler(0, SCHED_FIFO, &p);
  }
  double *late = malloc(sizeof(double) * n), *woke = malloc(sizeof(double) * n);
  int woke_late = 0, gap_late = 0, other_late = 0, over20 = 0;
  uint32_t word = 0;
  unsigned seed = 4242;
  for (int i = 0; i < n; i++) {
    seed = seed * 1103515245 + 12345;
    uint64_t deadline = now() + 2000000 + (seed >> 8) % 3000000;
    uint64_t wake_at = deadline - lead, t = now();
    while (t < wake_at) {
      struct timespec ts = {0, (long)(wake_at - t)};
      syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts);
      t = now();
    }
    woke[i] = ((double)t - (double)wake_at) / 1000.0;
    uint64_t last = t, gap = 0;
    while (t < deadline) {
      for (int k = 0; k < 16; k++) __builtin_ia32_pause();
      t = now();
      if (t - last > gap) gap = t - last;
      last = t;
      shared_line[1] = t;
    }
    late[i] = (t - deadline) / 1000.0;
    over20 += late[i] > 20;
    if (late[i] > 10) {
      if (woke[i] * 1000 > lead) woke_late++;
      else if (gap > 10000) gap_late++;
      else other_late++;
    }
  }
  stop = 1;
  qsort(late, n, sizeof(double), cmp);
  qsort(woke, n, sizeof(double), cmp);
  printf("lead %llu us: late p50=%.2f p99=%.2f max=%.1f; over 10 us %d/%d: woke after the deadline %d, "
         "one poll gap > 10 us %d, other %d; over 20 us %d; sleep end late p50=%.1f p99=%.1f max=%.1f us\n",
         (unsigned long long)(lead / 1000), late[n / 2], late[n * 99 / 100], late[n - 1],
         woke_late + gap_late + other_late, n, woke_late, gap_late, other_late, over20, woke[n / 2],
         woke[n * 99 / 100], woke[n - 1]);
  return 0;
}
