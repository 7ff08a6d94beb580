// Linux keys a FUTEX_PRIVATE_FLAG operation apart from one without it, for
// every kind of memory (private and shared, anonymous and file-backed,
// .bss): a private wake never wakes a waiter that waited without the flag,
// nor the reverse. For each memory kind and direction a waiter thread
// blocks, the mismatched wake is tried first, then the matching one, until
// one of them woke it; no timing involved.
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "futex_call.h"

static uint32_t* word;
static int wait_op;
static int started, done;

static void* waiter(void* arg) {
  (void)arg;
  __atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
  futex(word, wait_op, 0, NULL);
  __atomic_store_n(&done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

static void round_(const char* kind, uint32_t* w, int private_wait) {
  word = w;
  *w = 0;
  wait_op = private_wait ? FUTEX_WAIT_PRIVATE : FUTEX_WAIT;
  int matched_wake = private_wait ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE;
  int mismatched_wake = private_wait ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE;
  started = done = 0;
  pthread_t t;
  pthread_create(&t, NULL, waiter, NULL);
  while (!__atomic_load_n(&started, __ATOMIC_SEQ_CST)) sched_yield();
  long wrong = 0, right = 0;
  for (;;) {
    wrong += futex(w, mismatched_wake, 1, NULL);
    right = futex(w, matched_wake, 1, NULL);
    if (right > 0 || __atomic_load_n(&done, __ATOMIC_SEQ_CST)) break;
    sched_yield();
  }
  pthread_join(t, NULL);
  printf("%s, %s wait: %s wake woke %ld, %s wake woke %ld\n", kind,
         private_wait ? "private" : "shared", private_wait ? "shared" : "private", wrong,
         private_wait ? "private" : "shared", right);
}

static uint32_t bss_word;

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  uint32_t* anon_private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uint32_t* anon_shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  FILE* f = tmpfile();
  if (!f || ftruncate(fileno(f), 4096) != 0) return 1;
  uint32_t* file_private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fileno(f), 0);
  uint32_t* file_shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fileno(f), 0);
  if (anon_private == MAP_FAILED || anon_shared == MAP_FAILED || file_private == MAP_FAILED ||
      file_shared == MAP_FAILED)
    return 1;
  struct {
    const char* kind;
    uint32_t* w;
  } kinds[] = {{"MAP_PRIVATE|MAP_ANONYMOUS", anon_private},
               {".bss", &bss_word},
               {"MAP_SHARED|MAP_ANONYMOUS", anon_shared},
               {"MAP_PRIVATE file", file_private + 1},
               {"MAP_SHARED file", file_shared + 2}};
  for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    round_(kinds[i].kind, kinds[i].w, 0);
    round_(kinds[i].kind, kinds[i].w, 1);
  }
  return 0;
}
