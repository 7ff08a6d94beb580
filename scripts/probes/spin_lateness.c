// Probe for docs/performance.md: a thread spinning on the clock on one vCPU: how late does it notice
// deadlines 2-5 ms apart (as the grant bench's keeper would)? p50/p99.
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
static uint64_t now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000ull + t.tv_nsec; }
static int cmp(const void* a, const void* b) { double x = *(double*)a, y = *(double*)b; return x < y ? -1 : x > y; }
int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  double* late = malloc(sizeof(double) * n);
  unsigned seed = 4242;
  uint64_t t = now();
  for (int i = 0; i < n; i++) {
    seed = seed * 1103515245 + 12345;
    uint64_t deadline = t + 2000000 + (seed >> 8) % 3000000;
    while ((t = now()) < deadline) {}
    late[i] = (t - deadline) / 1000.0;
  }
  qsort(late, n, sizeof(double), cmp);
  int over = 0; for (int i = 0; i < n; i++) over += late[i] > 10;
  printf("spin lateness us p50=%.2f p99=%.2f max=%.1f over10us=%d/%d\n", late[n / 2], late[n * 99 / 100], late[n - 1], over, n);
}
