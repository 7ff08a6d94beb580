// Probe for docs/performance.md: what glibc's MADV_DONTNEED of a thread's
// unused stack (at every thread exit) costs the host, natively, by CPU time.
// An 8 MiB stack with a guard page below and its top 20 KiB written, as a
// thread leaves it; the call covers everything but the top 36 KiB.
//   gcc -O2 -o /tmp/ms scripts/probes/madvise_stack.c && taskset -c 1 /tmp/ms
// Rows: with/without the guard VMA in the range, and the stack's top at
// 0, 36 KiB, 128 KiB and 1 MiB past a 2 MiB boundary (the page table the
// kernel walks holds the used top pages: it covers up to 512 entries of the
// range at 0, ~23 at 128 KiB, none at 36 KiB, where the range ends at the
// boundary). Each row also times mincore over the same range (what asking
// the host which pages are present would cost). Also a one-page call and
// getppid, for the floor.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double CpuNs(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static unsigned char g_vec[4096];

static double Stack(int n, uintptr_t top_offset, int with_guard, double* mincore_ns) {
  const size_t pmd = 2 << 20, page = 4096, size = (8 << 20) + page;
  char* r = mmap(NULL, size + 2 * pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  uintptr_t end = (((uintptr_t)r + size + pmd) & ~(uintptr_t)(pmd - 1)) + top_offset;
  char* m = mmap((void*)(end - size), size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_FIXED, -1, 0);
  mprotect(m + page, size - page, PROT_READ | PROT_WRITE);
  memset(m + size - 20480, 1, 20480);
  char* from = with_guard ? m : m + page;
  size_t len = (size_t)(m + size - 36864 - from);
  double t0 = CpuNs();
  for (int i = 0; i < n; i++) madvise(from, len, MADV_DONTNEED);
  double t1 = CpuNs();
  for (int i = 0; i < n; i++) mincore(from, len, g_vec);
  double per = (t1 - t0) / n;
  *mincore_ns = (CpuNs() - t1) / n;
  munmap(r, size + 2 * pmd);
  return per;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200000;
  const uintptr_t tops[] = {0, 36 << 10, 128 << 10, 1 << 20};
  for (int g = 1; g >= 0; g--)
    for (int t = 0; t < 4; t++) {
      double mc, ma = Stack(n, tops[t], g, &mc);
      printf("guard %-3s top +%4lu KiB: madvise %6.0f ns, mincore %6.0f ns\n", g ? "yes" : "no",
             (unsigned long)(tops[t] >> 10), ma, mc);
    }
  char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  double t0 = CpuNs();
  for (int i = 0; i < n; i++) madvise(p, 4096, MADV_DONTNEED);
  double t1 = CpuNs();
  for (int i = 0; i < n; i++) syscall(SYS_getppid);
  double t2 = CpuNs();
  printf("one untouched page: %6.0f ns\ngetppid: %6.0f ns\n", (t1 - t0) / n, (t2 - t1) / n);
  return 0;
}
