// What an untouched mapping costs a fork natively: V one-page mappings of
// alternating protection inside a PROT_NONE reservation (2V VMAs, no page
// touched), then N times fork + _exit + waitpid. Compare CPU time
// (docs/performance.md, Processes, "Seventh round"):
//   gcc -O2 -o /tmp/fvc scripts/probes/fork_vma_costs.c
//   taskset -c 1 perf stat -e task-clock /tmp/fvc 2000 200   (vs 2000 0)
// Usage: fork_vma_costs N V
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  int n = atoi(argv[1]), vmas = atoi(argv[2]);
  const size_t page = 4096;
  char* r = mmap(0, (size_t)vmas * 2 * page + page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) return 1;
  for (int i = 0; i < vmas; i++)
    if (mprotect(r + (size_t)i * 2 * page, page, (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE) != 0)
      return 1;
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    if (p < 0) return 1;
    waitpid(p, 0, 0);
  }
  return 0;
}
