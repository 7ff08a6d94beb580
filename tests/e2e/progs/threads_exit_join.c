// Thread exit and join, compared with Linux: what the exiting thread leaves
// behind must reach whoever waits, whichever thread runs next.
//   - rounds of four threads joined in reverse order, each returning or
//     calling pthread_exit with its own value;
//   - detached threads that exit while others are created (their stacks and
//     the LibOS's uthreads are reused);
//   - a raw clone(CLONE_CHILD_CLEARTID) child calling SYS_exit: the word is
//     cleared and FUTEX_WAKE reaches the parent waiting on it;
//   - a thread exiting while it holds a robust mutex: the joiner gets
//     EOWNERDEAD;
//   - a thread leaving values and another control word in the x87
//     registers when it exits: the joiner's own x87 state is unchanged.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void* Returns(void* arg) { return (void*)((uintptr_t)arg * 3); }

static void* Exits(void* arg) {
  pthread_exit((void*)((uintptr_t)arg * 5));
  return NULL;
}

static void JoinRounds(void) {
  long bad = 0;
  for (int round = 0; round < 200; round++) {
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
      if (pthread_create(&t[i], NULL, (i & 1) ? Exits : Returns, (void*)(i + 1)) != 0) return;
    for (int i = 3; i >= 0; i--) {
      void* v = NULL;
      pthread_join(t[i], &v);
      uintptr_t want = (uintptr_t)(i + 1) * ((i & 1) ? 5 : 3);
      bad += (uintptr_t)v != want;
    }
  }
  printf("join rounds: 800 threads, %ld wrong values\n", bad);
}

static atomic_int g_detached_done;

static void* Detached(void* arg) {
  (void)arg;
  atomic_fetch_add(&g_detached_done, 1);
  return NULL;
}

static void DetachedChurn(void) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int started = 0;
  for (int i = 0; i < 300; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, Detached, NULL) == 0) started++;
    if (i % 16 == 0) sched_yield();
  }
  // Generous bound, no timing: each pass yields so the threads can run.
  for (long spins = 0; atomic_load(&g_detached_done) < started && spins < 100000000; spins++) sched_yield();
  printf("detached: %d started, %d finished\n", started, atomic_load(&g_detached_done));
  pthread_attr_destroy(&attr);
}

static int RawChild(void* arg) {
  (void)arg;
  syscall(SYS_exit, 0);
  return 0;
}

static void RawClearTid(void) {
  size_t size = 64 * 1024;
  char* stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return;
  static _Atomic pid_t tid_word;
  atomic_store(&tid_word, -1);
  int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
              CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID;
  pid_t tid = clone(RawChild, stack + size, flags, NULL, NULL, NULL, &tid_word);
  if (tid < 0) {
    printf("raw clone failed: %d\n", errno);
    return;
  }
  int waits = 0;
  for (;;) {
    pid_t v = atomic_load(&tid_word);
    if (v == 0) break;
    syscall(SYS_futex, &tid_word, FUTEX_WAIT, v, NULL, NULL, 0);
    waits++;
  }
  printf("raw clone: tid word cleared, woken %s\n", waits <= 2 ? "yes" : "after retries");
  munmap(stack, size);
}

static pthread_mutex_t g_robust;

static void* DiesHolding(void* arg) {
  (void)arg;
  pthread_mutex_lock(&g_robust);
  return NULL;
}

static void RobustOnExit(void) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&g_robust, &a);
  pthread_t t;
  if (pthread_create(&t, NULL, DiesHolding, NULL) != 0) return;
  pthread_join(t, NULL);
  int r = pthread_mutex_lock(&g_robust);
  printf("robust mutex after the owner exited: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : "other");
  if (r == EOWNERDEAD) pthread_mutex_consistent(&g_robust);
  pthread_mutex_unlock(&g_robust);
}

// Loads round-toward-zero and pushes two values, then exits with them.
static void* LeavesX87Dirty(void* arg) {
  (void)arg;
  static const unsigned short kTruncate = 0x0f7f;
  __asm__ volatile("fldcw %0\n\tfld1\n\tfldpi" ::"m"(kTruncate));
  return NULL;
}

static void X87AfterJoin(void) {
  for (int round = 0; round < 3; round++) {
    pthread_t t;
    if (pthread_create(&t, NULL, LeavesX87Dirty, NULL) != 0) return;
    pthread_join(t, NULL);
    unsigned short env[14];  // fnstenv: control, status, tag words first
    __asm__ volatile("fnstenv %0\n\tfldenv %0" : "+m"(env));
    printf("x87 after joining a thread that left it dirty: control %#x, top %d, tags %#x\n", env[0],
           (env[2] >> 11) & 7, env[4]);
  }
}

int main(void) {
  JoinRounds();
  DetachedChurn();
  RawClearTid();
  RobustOnExit();
  X87AfterJoin();
  return 0;
}
