// A CPU-bound thread that never makes a system call and a thread that
// sleeps 2 ms fifty times: on one core the sleeper must still wake (the
// LibOS preempts the spinner; without preemption the sleeper never runs
// again and the test times out). The sleeps start once the spinner runs.
// How late the sleeper woke goes to stderr only (not compared): a loaded
// machine delays either kernel, so lateness is measured by
// `junction bench`, not asserted here.
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdatomic.h>
static atomic_int stop;
static atomic_ulong spins;
static void* spinner(void* a) {
  (void)a;
  while (!atomic_load_explicit(&stop, memory_order_relaxed))
    atomic_fetch_add_explicit(&spins, 1, memory_order_relaxed);
  return 0;
}
static long now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000L + t.tv_nsec / 1000; }
int main(void) {
  pthread_t t; pthread_create(&t, 0, spinner, 0);
  // Until the spinner holds a core (on one core: until the main thread is
  // preempted in its favour and resumed).
  while (atomic_load(&spins) == 0) {
  }
  long worst = 0;
  int woke = 0;
  for (int i = 0; i < 50; i++) {
    long a = now_us();
    struct timespec ts = {0, 2000000};
    if (nanosleep(&ts, 0) == 0) woke++;
    long late = now_us() - a - 2000;
    if (late > worst) worst = late;
  }
  stop = 1; pthread_join(t, 0);
  printf("sleeper woke %d times of 50 while the spinner ran\n", woke);
  fprintf(stderr, "worst lateness %ld us\n", worst);
  return 0;
}
