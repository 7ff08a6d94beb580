// rt_sigprocmask compared with Linux, through raw `mov $14,%eax; syscall`
// sites (rewritten: the lazy path once the pointers' VMAs are known) and
// glibc's: a signal raised while blocked runs its handler right at the
// call that unblocks it (not later), SIG_BLOCK/UNBLOCK/SETMASK and the old
// mask, SIGKILL/SIGSTOP never blocked, EINVAL for a bad `how` or size
// (the mask unchanged), EFAULT for bad pointers. Repeated so that the
// later rounds take the lazy path.
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long RawMask(long how, const void* set, void* old, long size) {
  long ret;
  register long r10 asm("r10") = size;
  asm volatile("movl $14, %%eax\n\tsyscall"
               : "=a"(ret)
               : "D"(how), "S"(set), "d"(old), "r"(r10)
               : "rcx", "r11", "memory");
  return ret;
}

static volatile int hits;
static volatile int hits_at_unblock;
static void on_usr1(int sig) {
  (void)sig;
  hits++;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  uint64_t usr1 = 1ull << (SIGUSR1 - 1), all = ~0ull, none = 0, old = 0;
  for (int round = 0; round < 3; round++) {
    hits = 0;
    long r = RawMask(SIG_BLOCK, &usr1, &old, 8);
    printf("round %d: block %ld old %#llx\n", round, r, (unsigned long long)old);
    raise(SIGUSR1);
    printf("  while blocked: hits %d\n", hits);
    r = RawMask(SIG_UNBLOCK, &usr1, &old, 8);
    hits_at_unblock = hits;  // the handler ran at the unblocking call's return
    printf("  unblock %ld old %#llx hits %d\n", r, (unsigned long long)old, hits_at_unblock);
    r = RawMask(SIG_SETMASK, &all, &old, 8);
    uint64_t now = 0;
    RawMask(SIG_BLOCK, NULL, &now, 8);
    printf("  setmask all %ld old %#llx now %#llx\n", r, (unsigned long long)old,
           (unsigned long long)now);
    r = RawMask(99, &none, &old, 8);
    RawMask(SIG_BLOCK, NULL, &now, 8);
    printf("  bad how %ld now %#llx\n", r, (unsigned long long)now);
    r = RawMask(SIG_SETMASK, &none, &old, 4);
    printf("  bad size %ld\n", r);
    r = RawMask(SIG_SETMASK, (void*)8, &old, 8);
    printf("  bad set %ld\n", r);
    r = RawMask(SIG_SETMASK, &none, (void*)8, 8);
    RawMask(SIG_BLOCK, NULL, &now, 8);
    printf("  bad old %ld now %#llx\n", r, (unsigned long long)now);
    RawMask(SIG_SETMASK, &none, NULL, 8);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR1);
    hits = 0;
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    printf("  glibc unblock: hits %d\n", hits);
  }
  return 0;
}
