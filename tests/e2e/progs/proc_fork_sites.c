// System call sites first run by forked children: under junction a child
// logs each site it traps at and its parent rewrites that site in its own
// text before the next fork, so later children inherit it rewritten and
// the parent itself runs it rewritten. Each call's result and the
// registers a syscall preserves must be the same on every path (child
// trap, child inherited rewrite, parent after the rewrite). The children's
// exit codes differ per round: glibc's _exit is such a site too (shape G
// of entry/rewrite.cc from the second round on). Prints the same lines
// natively and under junction.
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

// getppid through `mov $110,%eax; syscall` (a shape the LibOS rewrites),
// with callee-saved and argument registers that must survive it.
__attribute__((noinline)) static long site_getppid(int* regs_ok) {
  long r;
  uint64_t b = 0x1111, d = 0x2222;
  register uint64_t r12v __asm__("r12") = 0x3333;
  __asm__ volatile("mov $110, %%eax\n syscall\n"
                   : "=a"(r), "+b"(b), "+D"(d), "+r"(r12v)
                   :
                   : "rcx", "r11", "memory");
  *regs_ok = b == 0x1111 && d == 0x2222 && r12v == 0x3333;
  return r;
}

// getpid at a second site the parent never runs.
__attribute__((noinline)) static long site_getpid(void) {
  long r;
  __asm__ volatile("mov $39, %%eax\n syscall\n" : "=a"(r) : : "rcx", "r11", "memory");
  return r;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t me = getpid();
  for (int round = 1; round <= 4; round++) {
    pid_t c = fork();
    if (c == 0) {
      int ok = 0;
      long pp = site_getppid(&ok);
      long self = site_getpid();
      _exit(pp == me && ok && self == getpid() ? 10 + round : 1);
    }
    int st = -1;
    waitpid(c, &st, 0);
    printf("round %d: child's calls %s, exit status %d\n", round,
           WIFEXITED(st) && WEXITSTATUS(st) == 10 + round ? "right" : "WRONG",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  }
  int ok = 0;
  for (int i = 0; i < 3; i++) {
    long pp = site_getppid(&ok);
    printf("parent call %d: getppid %s, registers %s\n", i + 1, pp == getppid() ? "right" : "WRONG",
           ok ? "preserved" : "CLOBBERED");
  }
  return 0;
}
