// Synchronous faults in several threads at once: each handler must see its
// own fault (si_addr, and the faulting thread's context), as a JIT's
// safepoint poll or a GC's barrier trap relies on.
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

enum { kThreads = 4, kFaults = 5000 };
static char* pages;
static __thread sigjmp_buf where;
static __thread char* expected;
static __thread int mismatches;

static void OnSegv(int sig, siginfo_t* info, void* uc) {
  (void)sig; (void)uc;
  if ((char*)info->si_addr != expected) mismatches++;
  siglongjmp(where, 1);
}

static void* Faulter(void* arg) {
  long i = (long)arg;
  long pagesz = sysconf(_SC_PAGESIZE);
  for (int k = 0; k < kFaults; k++) {
    expected = pages + i * pagesz + (k % 64) * 8;
    if (sigsetjmp(where, 1) == 0) {
      *(volatile char*)expected;
      __atomic_fetch_add(&mismatches, 1000000, __ATOMIC_RELAXED);  // never reached
    }
  }
  return (void*)(long)mismatches;
}

int main(void) {
  long pagesz = sysconf(_SC_PAGESIZE);
  pages = mmap(NULL, kThreads * pagesz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct sigaction sa = {0};
  sa.sa_sigaction = OnSegv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  pthread_t t[kThreads];
  for (long i = 0; i < kThreads; i++) pthread_create(&t[i], NULL, Faulter, (void*)i);
  long bad = 0;
  for (int i = 0; i < kThreads; i++) {
    void* r;
    pthread_join(t[i], &r);
    bad += (long)r;
  }
  printf("%d threads x %d faults: %ld handled with another fault's address\n", kThreads, kFaults, bad);
  // A fault while SIGSEGV is blocked kills the process, as Linux does.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGSEGV);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("faulting with SIGSEGV blocked\n");
  fflush(stdout);
  *(volatile char*)pages;
  printf("survived a blocked fault\n");
  return 0;
}
