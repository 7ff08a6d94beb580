// Two threads that never block hand a token back and forth through a
// shared word (no system call): with two cores they run at once and the
// rounds take microseconds; squeezed onto one core, every round waits for
// a preemption tick and the alarm ends the run. Guards wake-affine
// placement (docs/architecture.md): it keeps hand-offs on one kthread, but
// must not keep CPU-bound threads there.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

enum { kRounds = 20000 };
static atomic_int token;

static void* Other(void* arg) {
  (void)arg;
  for (int i = 0; i < kRounds; i++) {
    while (atomic_load_explicit(&token, memory_order_acquire) != 2 * i + 1) {
    }
    atomic_store_explicit(&token, 2 * i + 2, memory_order_release);
  }
  return NULL;
}

int main(void) {
  alarm(20);  // one core: ~2 ticks (2 ms) a round, 40 s
  pthread_t t;
  if (pthread_create(&t, NULL, Other, NULL) != 0) return 1;
  for (int i = 0; i < kRounds; i++) {
    atomic_store_explicit(&token, 2 * i + 1, memory_order_release);
    while (atomic_load_explicit(&token, memory_order_acquire) != 2 * i + 2) {
    }
  }
  pthread_join(t, NULL);
  printf("%d rounds\n", kRounds);
  return 0;
}
