// A CPU-bound thread that never makes a system call and a thread that
// sleeps 2 ms fifty times: on one core the sleeper must still wake on time
// (the LibOS preempts the spinner).
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdatomic.h>
static atomic_int stop;
static volatile unsigned long spins;
static void* spinner(void* a) { (void)a; while (!stop) spins++; return 0; }
static long now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000L + t.tv_nsec / 1000; }
int main(void) {
  pthread_t t; pthread_create(&t, 0, spinner, 0);
  long worst = 0;
  for (int i = 0; i < 50; i++) {
    long a = now_us();
    struct timespec ts = {0, 2000000}; nanosleep(&ts, 0);
    long late = now_us() - a - 2000;
    if (late > worst) worst = late;
  }
  stop = 1; pthread_join(t, 0);
  printf("sleeper woke 50 times; spinner ran: %s; worst lateness under 50 ms: %s\n",
         spins > 0 ? "yes" : "no", worst < 50000 ? "yes" : "no");
  fprintf(stderr, "worst lateness %ld us\n", worst);
  return 0;
}
