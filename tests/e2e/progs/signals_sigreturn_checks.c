// rt_sigreturn of a frame the handler edited, and the uc_stack a frame
// saves. Linux kills the process (SIGSEGV) for an FPU image XRSTOR would
// fault on (an XSTATE_BV bit outside XCR0, a nonzero XCOMP_BV, a reserved
// MXCSR bit), restores the legacy area alone for a bad magic1, and puts a
// uc_stack back only through sigaltstack's own checks (bad flags, too
// small, a stack the restored %rsp is on: ignored). A frame's
// uc_stack.ss_flags are the flags as set, not whether the handler's
// interrupted code ran on the stack.
#define _GNU_SOURCE 1
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static int mode, depth;
static char* new_stack;

static void edit_frame(int sig, siginfo_t* si, void* ctx) {
  (void)sig, (void)si;
  ucontext_t* uc = ctx;
  char* fp = (char*)uc->uc_mcontext.fpregs;
  switch (mode) {
    case 0: *(uint64_t*)(fp + 512) |= 1ull << 40; break;  // XSTATE_BV bit outside XCR0
    case 1: *(uint32_t*)(fp + 24) |= 1u << 20; break;     // MXCSR reserved bit
    case 2: *(uint64_t*)(fp + 520) = 1; break;            // XCOMP_BV nonzero
    case 3: *(uint32_t*)(fp + 464) = 0; break;            // magic1 cleared: legacy area only
    case 4: uc->uc_stack.ss_flags = 0x40; uc->uc_stack.ss_size = 100; break;  // bad flags
    case 5: uc->uc_stack.ss_flags = 0; uc->uc_stack.ss_size = 100; uc->uc_stack.ss_sp = (void*)0x1000; break;
    case 6: uc->uc_stack.ss_flags = 0; uc->uc_stack.ss_size = 65536; uc->uc_stack.ss_sp = new_stack; break;
  }
}

static void nested(int sig, siginfo_t* si, void* ctx) {
  (void)sig, (void)si;
  ucontext_t* uc = ctx;
  if (depth++ == 0) raise(SIGUSR2);
  printf("depth %d uc_stack.ss_flags=%#x\n", depth, (unsigned)uc->uc_stack.ss_flags);
  depth--;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  new_stack = malloc(65536);
  for (mode = 0; mode < 7; mode++) {
    pid_t p = fork();
    if (p == 0) {
      struct sigaction sa = {0};
      sa.sa_sigaction = edit_frame;
      sa.sa_flags = SA_SIGINFO;
      sigaction(SIGUSR1, &sa, NULL);
      raise(SIGUSR1);
      stack_t o;
      sigaltstack(NULL, &o);
      printf("mode %d: returned; altstack %s size %zu flags %#x\n", mode,
             o.ss_sp == new_stack ? "new" : o.ss_sp ? "other" : "none", o.ss_size, o.ss_flags);
      _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    if (WIFSIGNALED(st)) printf("mode %d: killed by %s\n", mode, strsignal(WTERMSIG(st)));
  }
  stack_t ss = {.ss_sp = malloc(65536), .ss_size = 65536, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  struct sigaction sa = {0};
  sa.sa_sigaction = nested;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGUSR2, &sa, NULL);
  raise(SIGUSR1);
  ss.ss_flags = (int)(1U << 31);  // SS_AUTODISARM (linux/signal.h)
  sigaltstack(&ss, NULL);
  raise(SIGUSR1);
  return 0;
}
