// A relative-timeout FUTEX_WAIT interrupted by a signal that runs no
// handler (SIGURG, SIGCONT: ignored by default, sent with tgkill to the
// waiting thread) restarts with the time left, as Linux's restart_block
// does, not with its whole timeout again. The wait is 1000 ms and the
// signal comes at S >= 900 ms into it, while the waiter sleeps (its state
// in /proc is S): a restart with the whole timeout ends at S + 1000 ms or
// later, one with the time left at about 1000 ms, so "ended before
// S + 1000 ms" tells them apart and still holds when the waiter wakes up
// to 900 ms late. A later wait on the same word then gets its own full
// timeout (timeouts never end early).
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "thread_state.h"

static uint32_t word;
static atomic_int waiter_tid;
static atomic_long first_start;  // when the first wait began (now_ms)
static long first_ms, first_err, second_ms, second_err;

static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static long timed_wait(long ms, long* err, atomic_long* start) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  long t0 = now_ms();
  if (start) atomic_store(start, t0);
  long r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
  *err = r < 0 ? errno : 0;
  return now_ms() - t0;
}

static void* waiter(void* arg) {
  (void)arg;
  atomic_store(&waiter_tid, (int)syscall(SYS_gettid));
  first_ms = timed_wait(1000, &first_err, &first_start);
  second_ms = timed_wait(200, &second_err, NULL);
  return NULL;
}

static void round_with(int sig, const char* name) {
  atomic_store(&waiter_tid, 0);
  atomic_store(&first_start, 0);
  pthread_t t;
  if (pthread_create(&t, NULL, waiter, NULL) != 0) return;
  while (!atomic_load(&first_start)) usleep(1000);
  long t0 = atomic_load(&first_start);
  // 900 ms into the wait (timeouts never end early: it still waits), and asleep.
  while (now_ms() - t0 < 900) usleep(10000);
  wait_thread_asleep(atomic_load(&waiter_tid));
  long sent = now_ms() - t0;
  syscall(SYS_tgkill, getpid(), atomic_load(&waiter_tid), sig);
  pthread_join(t, NULL);
  printf("%s: first wait ETIMEDOUT=%d, kept its deadline (ended < signal + 1000 ms)=%d\n", name,
         first_err == ETIMEDOUT, first_ms < sent + 1000);
  printf("%s: next wait ETIMEDOUT=%d, full timeout (>= 190 ms)=%d\n", name,
         second_err == ETIMEDOUT, second_ms >= 190);
}

int main(void) {
  round_with(SIGURG, "SIGURG");
  round_with(SIGCONT, "SIGCONT");
  return 0;
}
