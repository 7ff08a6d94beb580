// pthreads: mutexes, condition variables (incl. timed wait), barriers,
// rwlocks, semaphores, thread-local storage and join values.
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <time.h>
#define N 16
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t bar;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t sem;
static long counter, ready;
static __thread long tls_val;
static void* worker(void* arg) {
  long id = (long)arg;
  tls_val = id * 100;
  for (int i = 0; i < 10000; i++) { pthread_mutex_lock(&m); counter++; pthread_mutex_unlock(&m); }
  pthread_barrier_wait(&bar);
  pthread_rwlock_rdlock(&rw); long c = counter; pthread_rwlock_unlock(&rw);
  pthread_mutex_lock(&m); ready++; pthread_cond_broadcast(&cv); pthread_mutex_unlock(&m);
  sem_post(&sem);
  struct timespec ts = {0, 1000000}; nanosleep(&ts, 0);
  return (void*)(tls_val + (c == N * 10000));
}
int main(void) {
  pthread_t t[N];
  pthread_barrier_init(&bar, 0, N);
  sem_init(&sem, 0, 0);
  for (long i = 0; i < N; i++) pthread_create(&t[i], 0, worker, (void*)i);
  pthread_mutex_lock(&m); while (ready < N) pthread_cond_wait(&cv, &m); pthread_mutex_unlock(&m);
  for (int i = 0; i < N; i++) sem_wait(&sem);
  long ok = 0;
  for (long i = 0; i < N; i++) { void* r; pthread_join(t[i], &r); ok += (long)r == i * 100 + 1; }
  printf("counter=%ld ready=%ld joined_ok=%ld\n", counter, ready, ok);
  struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
  pthread_mutex_lock(&m);
  struct timespec dl; clock_gettime(CLOCK_REALTIME, &dl); dl.tv_nsec += 50000000; if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
  int r = pthread_cond_timedwait(&cv, &m, &dl);
  pthread_mutex_unlock(&m);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
  printf("timedwait=%s waited_about_50ms=%d\n", r == 110 ? "ETIMEDOUT" : "other", ms >= 45 && ms < 500);
  return 0;
}
