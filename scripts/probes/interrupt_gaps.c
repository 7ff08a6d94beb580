// Probe for docs/performance.md: a thread spinning on the clock on one vCPU,
// printing every gap of more than 3 µs between two clock reads (the thread
// was interrupted: a host tick, an IPI, the hypervisor), with its start
// modulo the 4 ms tick period (HZ=250), and a histogram of their lengths.
// With PAUSES=1, 16 `pause` instructions between reads (as the LibOS's
// grant poll does). Run it SCHED_FIFO so other tasks cannot take the CPU:
//   gcc -O2 -o /tmp/ig scripts/probes/interrupt_gaps.c && taskset -c 1 chrt -f 1 /tmp/ig 700
// (keep it short: a FIFO spinner leaves the CPU's other tasks 5 %, and
// is itself stopped ~50 ms once its 950 ms a second are used: RT
// throttling, not the VM).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000ull + t.tv_nsec;
}

int main(int argc, char** argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 700;
  int pauses = getenv("PAUSES") != NULL;
  enum { kMax = 100000 };
  static uint64_t start[kMax], len[kMax];
  int n = 0;
  uint64_t t0 = now(), end = t0 + ms * 1000000ull, last = t0;
  for (;;) {
    if (pauses)
      for (int i = 0; i < 16; i++) __builtin_ia32_pause();
    uint64_t t = now();
    if (t - last > 3000 && n < kMax) {
      start[n] = last;
      len[n++] = t - last;
    }
    last = t;
    if (t > end) break;
  }
  uint64_t total = 0;
  int hist[7] = {0};
  const uint64_t bounds[6] = {5000, 10000, 20000, 30000, 50000, 100000};
  for (int i = 0; i < n; i++) {
    total += len[i];
    int b = 0;
    while (b < 6 && len[i] >= bounds[b]) b++;
    hist[b]++;
  }
  printf("gaps > 3 us: %d in %d ms, %.1f us in all (%.2f %%)\n", n, ms, total / 1e3, total / 1e4 / ms);
  printf("3-5 us: %d, 5-10: %d, 10-20: %d, 20-30: %d, 30-50: %d, 50-100: %d, > 100: %d\n", hist[0],
         hist[1], hist[2], hist[3], hist[4], hist[5], hist[6]);
  for (int i = 0; i < n && i < 30; i++)
    printf("  at %9.1f us (mod 4 ms: %6.1f) for %5.1f us\n", (start[i] - t0) / 1e3,
           (start[i] % 4000000) / 1e3, len[i] / 1e3);
  return 0;
}
