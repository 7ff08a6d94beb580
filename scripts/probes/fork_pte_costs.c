// What each resident private page adds to a fork + _exit + waitpid,
// natively: the process touches PAGES pages of a private (or, with
// SHARED = 1, a shared) anonymous mapping, then forks N times; the child
// exits at once. Compare CPU time of runs that differ in PAGES
// (docs/performance.md, Processes, sixth round):
//   gcc -O2 -o /tmp/fpt scripts/probes/fork_pte_costs.c
//   taskset -c 1 perf stat -e task-clock /tmp/fpt 2000 512   (vs /tmp/fpt 2000 0)
// Usage: fork_pte_costs N PAGES [SHARED]
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  int n = atoi(argv[1]);
  size_t pages = (size_t)atol(argv[2]);
  int shared = argc > 3 && atoi(argv[3]) != 0;
  char* m = mmap(0, pages * 4096 + 4096, PROT_READ | PROT_WRITE,
                 (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return 1;
  memset(m, 1, pages * 4096);
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p < 0) return 1;
    if (p == 0) _exit(0);
    int st;
    if (waitpid(p, &st, 0) != p) return 1;
  }
  return 0;
}
