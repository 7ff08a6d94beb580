// The vDSO is the one mapping an exec'd image keeps from its predecessor.
// Each generation calls the vDSO functions whose fallback is a system call
// (clock_getres, CPU-time clock_gettime) often enough that junction
// rewrites those sites (entry/rewrite.cc: a site is rewritten at its second
// trap), then forks a child that execs this program again: the exec'd
// image's first fallback call must still work (the old image's trampolines
// are gone, so the vDSO must be the pristine one again).
//   proc_exec_vdso [GENERATION]   (0 when run; each child is one more, up to 2)
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void clocks(int gen, int times) {
  struct timespec res = {-1, -1}, now = {-1, -1};
  int r_res = 0, r_proc = 0, r_thread = 0;
  for (int i = 0; i < times; i++) {
    r_res |= clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res);
    r_proc |= clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    r_thread |= clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  }
  printf("generation %d: clock_getres(CPUTIME) %d res %ld.%09ld, clock_gettime(PROCESS) %d "
         "(THREAD) %d, cpu time set %d\n",
         gen, r_res, (long)res.tv_sec, res.tv_nsec, r_proc, r_thread, now.tv_sec >= 0);
  fflush(stdout);
}

int main(int argc, char** argv) {
  int gen = argc > 1 ? atoi(argv[1]) : 0;
  clocks(gen, 1);  // the first call of the exec'd image, before any trap of its own
  clocks(gen, 5);
  if (gen == 2) return 0;
  pid_t p = fork();
  if (p < 0) return 1;
  if (p == 0) {
    char next[16];
    snprintf(next, sizeof next, "%d", gen + 1);
    execl("/proc/self/exe", argv[0], next, (char*)NULL);
    _exit(127);
  }
  int st;
  if (waitpid(p, &st, 0) != p) return 1;
  if (WIFSIGNALED(st))
    printf("generation %d: child killed by %s\n", gen, strsignal(WTERMSIG(st)));
  else
    printf("generation %d: child exit %d\n", gen, WEXITSTATUS(st));
  clocks(gen, 1);  // the parent's rewritten sites still work after the child's exec
  return 0;
}
