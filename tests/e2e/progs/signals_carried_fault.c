// A fault in an instruction between a syscall wrapper's `mov $nr,%eax` and
// its `syscall` (a store through a base register): junction rewrites such
// a site after two traps and runs a copy of the store in a trampoline
// (entry/rewrite.cc, shape F). The handler must see Linux's frame (the
// store's own address, %rax already the number), and a handler that makes
// the page writable and returns must see the store and the call complete.
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

extern char store_insn[];
static sigjmp_buf jb;
static int jump_out;
static uintptr_t fault_rip, fault_addr, fault_rax;

static void on_segv(int s, siginfo_t* si, void* c) {
  (void)s;
  ucontext_t* uc = c;
  fault_rip = uc->uc_mcontext.gregs[REG_RIP];
  fault_rax = uc->uc_mcontext.gregs[REG_RAX];
  fault_addr = (uintptr_t)si->si_addr;
  if (jump_out) siglongjmp(jb, 1);
  mprotect((void*)(fault_addr & ~(uintptr_t)4095), 4096, PROT_READ | PROT_WRITE);
}

__attribute__((noinline)) static long site(uint64_t* p) {
  long r;
  __asm__ volatile("mov $39, %%eax\n.globl store_insn\nstore_insn: mov %%rbx, (%%rbx)\n syscall\n"
                   : "=a"(r) : "b"(p) : "rcx", "r11", "memory");
  return r;
}

static void report(const char* what, uint64_t* page) {
  printf("%s: at the store %s, si_addr the page %s, rax getpid's number %s\n", what,
         fault_rip == (uintptr_t)store_insn ? "yes" : "no", fault_addr == (uintptr_t)page ? "yes" : "no",
         fault_rax == SYS_getpid ? "yes" : "no");
}

int main(void) {
  static uint64_t ok[2];
  struct sigaction sa = {0};
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, 0);
  long pid = getpid();
  int good = 1;
  for (int i = 0; i < 4; i++) good &= site(ok) == pid && ok[0] == (uintptr_t)ok;
  printf("calls before: %s\n", good ? "ok" : "wrong");
  uint64_t* ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  jump_out = 1;
  if (!sigsetjmp(jb, 1)) site(ro);
  report("jumped out", ro);
  mprotect(ro, 4096, PROT_READ);
  jump_out = 0;
  fault_rip = fault_rax = fault_addr = 0;
  long r = site(ro);
  report("returned", ro);
  printf("after the handler: store %s, call %s\n", ro[0] == (uintptr_t)ro ? "done" : "missing",
         r == pid ? "getpid" : "wrong");
  return 0;
}
