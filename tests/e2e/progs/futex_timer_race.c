// A timed FUTEX_WAIT woken by FUTEX_WAKE right at its deadline, then an
// untimed FUTEX_WAIT at once: the first wait's timer, firing as the wake
// comes, must not end the second (an untimed wait never gets ETIMEDOUT).
// Wake times sweep across the deadline so that some iterations time out
// and some are woken; either is fine for the timed wait.
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "futex_call.h"

#define kIterations 4000
#define kTimeoutNs 40000L

static atomic_int timed_word, untimed_word, done;
static atomic_int untimed_etimedout, timed_bad;


static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void spin_ns(uint64_t ns) {
  uint64_t end = now_ns() + ns;
  while (now_ns() < end) {
  }
}

static void* waiter(void* arg) {
  (void)arg;
  struct timespec ts = {0, kTimeoutNs};
  for (int i = 0; i < kIterations; i++) {
    long r = futex(&timed_word, FUTEX_WAIT_PRIVATE, i, &ts);
    if (r < 0 && errno != ETIMEDOUT && errno != EAGAIN) atomic_fetch_add(&timed_bad, 1);
    while (atomic_load(&untimed_word) == i) {
      r = futex(&untimed_word, FUTEX_WAIT_PRIVATE, i, NULL);
      if (r < 0 && errno == ETIMEDOUT) {
        atomic_fetch_add(&untimed_etimedout, 1);
        break;
      }
    }
    atomic_store(&done, i + 1);
  }
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pthread_t t;
  if (pthread_create(&t, NULL, waiter, NULL) != 0) return 1;
  for (int i = 0; i < kIterations; i++) {
    // Wake between 0.5x and 1.5x the timeout after the waiter could start.
    spin_ns(kTimeoutNs / 2 + (uint64_t)(i % 64) * (kTimeoutNs / 64));
    atomic_store(&timed_word, i + 1);
    futex(&timed_word, FUTEX_WAKE_PRIVATE, 1, NULL);
    // The untimed wait begins now; let the old deadline pass during it.
    // Sleeping (not spinning) leaves this core free to run the waiter
    // while the other one may be running the timers.
    struct timespec pause = {0, kTimeoutNs / 4 + (i % 16) * (kTimeoutNs / 16)};
    nanosleep(&pause, NULL);
    atomic_store(&untimed_word, i + 1);
    futex(&untimed_word, FUTEX_WAKE_PRIVATE, 1, NULL);
    while (atomic_load(&done) != i + 1) sched_yield();
  }
  pthread_join(t, NULL);
  printf("timed waits ended by wake or timeout: %s\n", timed_bad == 0 ? "ok" : "FAIL");
  printf("untimed waits never ETIMEDOUT: %s\n", untimed_etimedout == 0 ? "ok" : "FAIL");
  return timed_bad == 0 && untimed_etimedout == 0 ? 0 : 1;
}
