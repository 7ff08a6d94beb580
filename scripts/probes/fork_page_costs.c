// What a fork's memory costs on this machine, natively: a process with
// 2 MiB of touched private memory forks N times; after each fork the child
// writes K of its pages (copy-on-write faults) and exits, the parent writes
// P pages and waits. With V > 0 the process first makes V extra mappings of
// two pages, one touched (V more VMAs with an anonymous page, V without).
// MODE 1: the child takes its K pages with one MADV_POPULATE_WRITE instead
// of K faults. Compare CPU time (perf stat -e task-clock) of runs that
// differ in one argument (docs/performance.md, Processes):
//   gcc -O2 -o /tmp/fpc scripts/probes/fork_page_costs.c
//   taskset -c 1 perf stat -e task-clock /tmp/fpc 2000 40 0 0 0   (vs 2000 0 0 0 0)
// Usage: fork_page_costs N K P V MODE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

int main(int argc, char** argv) {
  if (argc < 6) return 2;
  int n = atoi(argv[1]), k = atoi(argv[2]), pw = atoi(argv[3]), vmas = atoi(argv[4]);
  int mode = atoi(argv[5]);
  if (k < 0 || k > 256 || pw < 0 || pw > 256) return 2;
  const size_t page = 4096, size = 512 * page;
  char* m = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return 1;
  memset(m, 1, size);
  for (int v = 0; v < vmas; v++) {
    char* x = mmap(0, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (x == MAP_FAILED) return 1;
    x[0] = 1;
    mprotect(x + page, page, PROT_READ);  // a second VMA, never touched
  }
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p < 0) return 1;
    if (p == 0) {
      if (mode == 1 && k > 0) madvise(m, (size_t)k * page, MADV_POPULATE_WRITE);
      for (int j = 0; j < k; j++) m[(size_t)j * page] = 2;
      _exit(0);
    }
    for (int j = 0; j < pw; j++) m[(size_t)(256 + j) * page] = 3;
    int st;
    waitpid(p, &st, 0);
  }
  return 0;
}
