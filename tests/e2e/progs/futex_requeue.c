// FUTEX_REQUEUE and FUTEX_CMP_REQUEUE compared with Linux: their errors,
// the value check, and waiters woken or moved to a second word, each
// woken afterwards only through the word it then waits on. The calls come
// once every waiter sleeps in its wait (/proc state S), so the counts are
// certain.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "futex_call.h"
#include "show_call.h"
#include "thread_state.h"

static uint32_t a, b;

struct waiter {
  pthread_t t;
  volatile pid_t tid;
  long r;
};

static void* wait_on_a(void* arg) {
  struct waiter* w = arg;
  w->tid = (pid_t)syscall(SYS_gettid);
  w->r = futex(&a, FUTEX_WAIT_PRIVATE, 0, NULL);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  SHOW("CMP_REQUEUE value differs", futex6(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void*)1L, &b, 5));
  SHOW("CMP_REQUEUE nr_wake -1", futex6(&a, FUTEX_CMP_REQUEUE_PRIVATE, (uint32_t)-1, (void*)1L, &b, 0));
  SHOW("CMP_REQUEUE nr_requeue -1", futex6(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void*)-1L, &b, 0));
  SHOW("CMP_REQUEUE no waiters", futex6(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void*)1L, &b, 0));
  SHOW("REQUEUE no waiters", futex6(&a, FUTEX_REQUEUE_PRIVATE, 1, (void*)1L, &b, 0));

  struct waiter w[3];
  for (int i = 0; i < 3; i++) {
    w[i].tid = 0;
    w[i].r = -2;
    pthread_create(&w[i].t, NULL, wait_on_a, &w[i]);
  }
  for (int i = 0; i < 3; i++) {
    while (w[i].tid == 0) usleep(1000);
    if (!wait_thread_asleep(w[i].tid)) printf("waiter %d never slept\n", i);
  }
  // One woken and one moved to b; then the last one moved too (no check).
  SHOW("CMP_REQUEUE wake 1 requeue 1", futex6(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void*)1L, &b, 0));
  SHOW("REQUEUE wake 0 requeue all", futex6(&a, FUTEX_REQUEUE_PRIVATE, 0, (void*)(long)INT_MAX, &b, 0));
  SHOW("WAKE a (nobody left)", futex(&a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL));
  SHOW("WAKE b (the two moved)", futex(&b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL));
  int woken = 0;
  for (int i = 0; i < 3; i++) {
    pthread_join(w[i].t, NULL);
    woken += w[i].r == 0;
  }
  printf("waiters returned 0: %d of 3\n", woken);
  return 0;
}
