// Shared by the instruction-cost probes: BENCH(name, body) runs `body` N
// times (the including file defines N) and prints its thread CPU time per
// run. Thread CPU time, not the TSC: on a loaded machine the TSC also
// counts other processes' slices.
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static uint64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

#define BENCH(name, ...)                                          \
  do {                                                            \
    uint64_t s = cpu_ns();                                        \
    for (int i = 0; i < N; i++) { __VA_ARGS__; }                  \
    printf("%-26s %6.2f ns\n", name, (double)(cpu_ns() - s) / N); \
  } while (0)
