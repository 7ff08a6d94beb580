// futex_waitv, FUTEX_WAIT_REQUEUE_PI / FUTEX_CMP_REQUEUE_PI and a
// PTHREAD_PRIO_INHERIT mutex with a condition variable, compared with
// Linux. Waits whose outcome depends on timing are driven until they are
// certain (a wake is retried until it finds the waiter).
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "futex_call.h"
#include "show_call.h"

#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 0x02
#define FUTEX2_PRIVATE FUTEX_PRIVATE_FLAG
#endif

static long waitv(struct futex_waitv* w, unsigned n, unsigned flags, struct timespec* t, clockid_t c) {
  return syscall(SYS_futex_waitv, w, n, flags, t, c);
}
static struct timespec in_ms(clockid_t c, int ms) {
  struct timespec t;
  clock_gettime(c, &t);
  t.tv_nsec += ms * 1000000L;
  t.tv_sec += t.tv_nsec / 1000000000L;
  t.tv_nsec %= 1000000000L;
  return t;
}
static void set(struct futex_waitv* w, uint32_t* addr, uint64_t val, uint32_t flags) {
  memset(w, 0, sizeof(*w));
  w->uaddr = (uintptr_t)addr;
  w->val = val;
  w->flags = flags;
}

static uint32_t words[128];
static long waiter_result = -2;
static int waiter_count = 3;
static void* waitv_thread(void* arg) {
  (void)arg;
  struct futex_waitv w[128];
  for (int i = 0; i < waiter_count; i++)
    set(&w[i], &words[i], 0, FUTEX2_SIZE_U32 | (i % 2 ? FUTEX2_PRIVATE : 0));
  waiter_result = waitv(w, waiter_count, 0, NULL, 0);
  return NULL;
}

static void test_waitv(void) {
  struct futex_waitv w[130];
  uint32_t a = 1, b = 2;
  set(&w[0], &a, 1, FUTEX2_SIZE_U32);
  set(&w[1], &b, 2, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
  struct timespec t = in_ms(CLOCK_MONOTONIC, 20);
  SHOW("waitv flags 1", waitv(w, 2, 1, &t, CLOCK_MONOTONIC));
  SHOW("waitv nr 0", waitv(w, 0, 0, &t, CLOCK_MONOTONIC));
  SHOW("waitv nr 129", waitv(w, 129, 0, &t, CLOCK_MONOTONIC));
  SHOW("waitv NULL array", waitv(NULL, 2, 0, &t, CLOCK_MONOTONIC));
  SHOW("waitv bad array", waitv((struct futex_waitv*)8, 2, 0, &t, CLOCK_MONOTONIC));
  SHOW("waitv clock boottime", waitv(w, 2, 0, &t, CLOCK_BOOTTIME));
  SHOW("waitv bad timeout pointer", waitv(w, 2, 0, (struct timespec*)8, CLOCK_MONOTONIC));
  w[1].flags = 0x03;  // FUTEX2_SIZE_U64
  SHOW("waitv u64 futex", waitv(w, 2, 0, &t, CLOCK_MONOTONIC));
  w[1].flags = FUTEX2_SIZE_U32;
  w[1].__reserved = 1;
  SHOW("waitv reserved set", waitv(w, 2, 0, &t, CLOCK_MONOTONIC));
  w[1].__reserved = 0;
  w[1].val = 1ULL << 32;
  SHOW("waitv value above 32 bits", waitv(w, 2, 0, &t, CLOCK_MONOTONIC));
  w[1].val = 2;
  w[1].uaddr = (uintptr_t)&b + 1;
  SHOW("waitv misaligned", waitv(w, 2, 0, &t, CLOCK_MONOTONIC));
  w[1].uaddr = 4096;
  SHOW("waitv unmapped word", waitv(w, 2, 0, &t, CLOCK_MONOTONIC));
  w[1].uaddr = (uintptr_t)&b;
  w[1].val = 3;
  SHOW("waitv second value differs", waitv(w, 2, 0, &t, CLOCK_MONOTONIC));
  w[1].val = 2;
  SHOW("waitv timeout (monotonic)", waitv(w, 2, 0, &t, CLOCK_MONOTONIC));
  t = in_ms(CLOCK_REALTIME, 20);
  SHOW("waitv timeout (realtime)", waitv(w, 2, 0, &t, CLOCK_REALTIME));
  t = in_ms(CLOCK_MONOTONIC, 0);
  t.tv_sec -= 10;
  SHOW("waitv timeout in the past", waitv(w, 2, 0, &t, CLOCK_MONOTONIC));

  // Woken through one of three words: the index of that word. Even words
  // are waited on as shared futexes, odd ones as private (Linux keys them
  // apart: the wake must use the same kind).
  pthread_t th;
  pthread_create(&th, NULL, waitv_thread, NULL);
  long woke;
  while ((woke = futex6(&words[2], FUTEX_WAKE, 1, NULL, NULL, 0)) == 0) usleep(1000);
  pthread_join(th, NULL);
  printf("waitv woken through word 2: wake=%ld result=%ld\n", woke, waiter_result);
  // 128 words, woken through the last (private).
  waiter_count = 128;
  pthread_create(&th, NULL, waitv_thread, NULL);
  while ((woke = futex6(&words[127], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)) == 0) usleep(1000);
  pthread_join(th, NULL);
  printf("waitv of 128 woken through word 127: wake=%ld result=%ld\n", woke, waiter_result);
}

static uint32_t cond, mutex;
static int got_lock[2];
static void* requeue_waiter(void* arg) {
  int idx = (int)(long)arg;
  pid_t me = (pid_t)syscall(SYS_gettid);
  long r = futex6(&cond, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &mutex, 0);
  got_lock[idx] = r == 0 && (mutex & FUTEX_TID_MASK) == (uint32_t)me;
  // Release the PI lock: the kernel hands it to the next waiter.
  if (!__sync_bool_compare_and_swap(&mutex, (uint32_t)me, 0))
    futex6(&mutex, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
  return NULL;
}

static void test_requeue_pi(void) {
  uint32_t x = 0;
  SHOW("WAIT_REQUEUE_PI same word", futex6(&x, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &x, 0));
  SHOW("WAIT_REQUEUE_PI value differs", futex6(&cond, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 5, NULL, &mutex, 0));
  struct timespec t = in_ms(CLOCK_MONOTONIC, 20);
  SHOW("WAIT_REQUEUE_PI timeout", futex6(&cond, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, &t, &mutex, 0));
  SHOW("CMP_REQUEUE_PI nr_wake 2", futex6(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 2, (void*)1L, &mutex, 0));
  SHOW("CMP_REQUEUE_PI same word", futex6(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void*)1L, &cond, 0));
  SHOW("CMP_REQUEUE_PI value differs", futex6(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void*)1L, &mutex, 7));
  SHOW("CMP_REQUEUE_PI no waiters", futex6(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void*)1L, &mutex, 0));

  // The lock is free: the waiter gets it straight from the requeue.
  pthread_t th[2];
  pthread_create(&th[0], NULL, requeue_waiter, (void*)0L);
  long n;
  while ((n = futex6(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void*)0L, &mutex, 0)) == 0) usleep(1000);
  pthread_join(th[0], NULL);
  printf("requeue_pi to a free lock: returned %ld, waiter owned the lock: %d, lock free after: %d\n", n,
         got_lock[0], mutex == 0);

  // The lock is held: both waiters are requeued onto it and get it in turn.
  pid_t me = (pid_t)syscall(SYS_gettid);
  mutex = (uint32_t)me;
  got_lock[0] = got_lock[1] = 0;
  pthread_create(&th[0], NULL, requeue_waiter, (void*)0L);
  pthread_create(&th[1], NULL, requeue_waiter, (void*)1L);
  long total = 0;
  while (total < 2) {
    long r = futex6(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void*)(long)INT_MAX, &mutex, 0);
    if (r > 0) total += r;
    else usleep(1000);
  }
  printf("requeue_pi to a held lock: requeued %ld, waiters bit set: %d, owner still me: %d\n", total,
         (mutex & FUTEX_WAITERS) != 0, (mutex & FUTEX_TID_MASK) == (uint32_t)me);
  SHOW("UNLOCK_PI hands the lock over", futex6(&mutex, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
  pthread_join(th[0], NULL);
  pthread_join(th[1], NULL);
  printf("both waiters owned the lock in turn: %d, free after: %d\n", got_lock[0] && got_lock[1],
         mutex == 0);
}

// glibc's condition variable with a priority-inheritance mutex.
static pthread_mutex_t pi_mutex;
static pthread_cond_t pi_cond = PTHREAD_COND_INITIALIZER;
static int queue[64], qlen, produced, consumed_sum, done;
static void* consumer(void* arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&pi_mutex);
    while (qlen == 0 && !done) pthread_cond_wait(&pi_cond, &pi_mutex);
    if (qlen == 0 && done) {
      pthread_mutex_unlock(&pi_mutex);
      return NULL;
    }
    consumed_sum += queue[--qlen];
    pthread_cond_broadcast(&pi_cond);
    pthread_mutex_unlock(&pi_mutex);
  }
}
static void* producer(void* arg) {
  int base = (int)(long)arg;
  for (int i = 1; i <= 500; i++) {
    pthread_mutex_lock(&pi_mutex);
    while (qlen == 64) pthread_cond_wait(&pi_cond, &pi_mutex);
    queue[qlen++] = base + i;
    produced++;
    pthread_cond_signal(&pi_cond);
    pthread_mutex_unlock(&pi_mutex);
  }
  return NULL;
}

static void test_pi_condvar(void) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  printf("PTHREAD_PRIO_INHERIT: %d\n", pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT));
  pthread_mutex_init(&pi_mutex, &attr);
  pthread_t c[3], p[2];
  for (int i = 0; i < 3; i++) pthread_create(&c[i], NULL, consumer, NULL);
  for (int i = 0; i < 2; i++) pthread_create(&p[i], NULL, producer, (void*)(long)(i * 1000));
  for (int i = 0; i < 2; i++) pthread_join(p[i], NULL);
  pthread_mutex_lock(&pi_mutex);
  done = 1;
  pthread_cond_broadcast(&pi_cond);
  pthread_mutex_unlock(&pi_mutex);
  for (int i = 0; i < 3; i++) pthread_join(c[i], NULL);
  printf("PI mutex + condvar: produced %d, sum consumed %d\n", produced, consumed_sum);
  struct timespec t = in_ms(CLOCK_REALTIME, 20);
  pthread_mutex_lock(&pi_mutex);
  printf("timedwait on a PI mutex: %s\n", strerror(pthread_cond_timedwait(&pi_cond, &pi_mutex, &t)));
  printf("trylock while held (recursion refused): %s\n", strerror(pthread_mutex_trylock(&pi_mutex)));
  pthread_mutex_unlock(&pi_mutex);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  test_waitv();
  test_requeue_pi();
  test_pi_condvar();
  return 0;
}
