// Probe for docs/performance.md ("Core-grant tail, fourth pass"): a guest
// that sleeps 3 ms and times (TSC cycles) its first clock_gettime after each
// wake-up. Under `junction run` the read is the LibOS's vDSO; one whose
// clock data has gone stale takes the slow path (a syscall and a re-anchor).
// Prints the reads over 10,000 cycles (~4 us) with their round.
//   gcc -O2 -o /tmp/fcr scripts/probes/first_clock_read.c
//   taskset -c 1 chrt -f 1 junction run -- /tmp/fcr
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

int main(void) {
  struct timespec t, d = {0, 3000000};
  int slow = 0;
  for (int i = 0; i < 600; i++) {
    nanosleep(&d, 0);
    uint64_t a = rdtsc();
    clock_gettime(CLOCK_MONOTONIC, &t);
    uint64_t b = rdtsc();
    if (b - a > 10000) printf("round %d: %llu cycles\n", i, (unsigned long long)(b - a)), slow++;
  }
  printf("%d of 600 first reads over 10000 cycles\n", slow);
  return 0;
}
