// The XSAVE image in a signal frame is the size Linux gives a process that
// never asked for dynamic state (AMX tile data: arch_prctl
// ARCH_REQ_XCOMP_PERM): a handler reads the frame's software-reserved
// bytes, a frame fits an alternate stack of SIGSTKSZ bytes, and a handler
// that sets every XCR0 bit in the image's XSTATE_BV before sigreturn
// (components the process may not use among them) gets the kernel's
// treatment (those are not restored), not a crash. A frame that does not
// fit the alternate stack (MINSIGSTKSZ bytes) kills with SIGSEGV instead
// of being written below it.
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

// struct _fpx_sw_bytes (asm/sigcontext.h), 464 bytes into the FXSAVE area.
struct sw_bytes {
  uint32_t magic1, extended_size;
  uint64_t xfeatures;
  uint32_t xstate_size, padding[7];
};

static struct sw_bytes seen;
static volatile sig_atomic_t on_alt;
static char *alt;
static const size_t alt_size = SIGSTKSZ;

static void record(int sig, siginfo_t *si, void *ctx) {
  (void)sig, (void)si;
  ucontext_t *uc = ctx;
  memcpy(&seen, (char *)uc->uc_mcontext.fpregs + 464, sizeof(seen));
  char here;
  on_alt = &here >= alt && &here < alt + alt_size;
}

static uint64_t xcr0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t)hi << 32 | lo;
}

static void every_xcr0_bit(int sig, siginfo_t *si, void *ctx) {
  (void)sig, (void)si;
  ucontext_t *uc = ctx;
  uint64_t *xstate_bv = (uint64_t *)((char *)uc->uc_mcontext.fpregs + 512);
  *xstate_bv |= xcr0();
}

static void install(void (*fn)(int, siginfo_t *, void *), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | flags;
  if (sigaction(SIGUSR1, &sa, NULL) != 0) {
    perror("sigaction");
    exit(1);
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);  // what ran before a crash is seen
  install(record, 0);
  raise(SIGUSR1);
  printf("magic1 %#x extended_size %u xfeatures %#llx xstate_size %u\n", seen.magic1,
         seen.extended_size, (unsigned long long)seen.xfeatures, seen.xstate_size);
  printf("extended_size = xstate_size + 4: %s\n",
         seen.extended_size == seen.xstate_size + 4 ? "yes" : "no");

  // A frame on an alternate stack of SIGSTKSZ bytes (8 KiB).
  alt = malloc(alt_size);
  stack_t ss = {.ss_sp = alt, .ss_size = alt_size, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0) {
    perror("sigaltstack");
    return 1;
  }
  install(record, SA_ONSTACK);
  memset(&seen, 0, sizeof(seen));
  raise(SIGUSR1);
  printf("handler ran on a %zu-byte alternate stack: %s, xstate_size %u\n", alt_size,
         on_alt ? "yes" : "no", seen.xstate_size);

  // XSTATE_BV with every bit set, restored by sigreturn.
  install(every_xcr0_bit, 0);
  raise(SIGUSR1);
  volatile double d = 1.5;
  printf("after sigreturn with every XCR0 bit in XSTATE_BV: alive, %.2f\n", d * 2);
  install(record, 0);
  memset(&seen, 0, sizeof(seen));
  raise(SIGUSR1);
  printf("next frame's xfeatures %#llx\n", (unsigned long long)seen.xfeatures);

  // An alternate stack too small for the frame: below it, a canary.
  pid_t pid = fork();
  if (pid == 0) {
    static char area[4 * MINSIGSTKSZ];
    memset(area, 0x5a, sizeof(area));
    stack_t small = {.ss_sp = area + sizeof(area) - MINSIGSTKSZ, .ss_size = MINSIGSTKSZ, .ss_flags = 0};
    if (sigaltstack(&small, NULL) != 0) {
      perror("sigaltstack");
      _exit(1);
    }
    install(record, SA_ONSTACK);
    raise(SIGUSR1);
    printf("handler ran on a %d-byte alternate stack\n", MINSIGSTKSZ);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    printf("a frame too big for the alternate stack: killed by %s\n", strsignal(WTERMSIG(status)));
  else
    printf("a frame too big for the alternate stack: exit %d\n", WEXITSTATUS(status));
  return 0;
}
