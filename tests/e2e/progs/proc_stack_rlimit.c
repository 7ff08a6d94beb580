// Recurses argv[1] KiB deep on the main thread's stack (1 KiB frames) and
// prints the soft RLIMIT_STACK: the stack an exec gives must grow to
// RLIMIT_STACK, no further (tests/e2e/data/tools/stack_limits.sh).
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static int Descend(int kib) {
  volatile char frame[1000];
  frame[0] = (char)kib;
  if (kib == 0) return 0;
  return Descend(kib - 1) + frame[0];
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  struct rlimit r;
  getrlimit(RLIMIT_STACK, &r);
  if (r.rlim_cur == RLIM_INFINITY)
    printf("RLIMIT_STACK unlimited\n");
  else
    printf("RLIMIT_STACK %lu KiB\n", (unsigned long)(r.rlim_cur / 1024));
  fflush(stdout);
  int kib = atoi(argv[1]);
  printf("%d KiB deep: %d\n", kib, Descend(kib) != -1);
  return 0;
}
