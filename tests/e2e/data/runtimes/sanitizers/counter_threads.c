// A program for ThreadSanitizer: threads counting under a mutex, then
// (with an argument) a write racing with a thread that counts.
#include <pthread.h>
#include <stdio.h>

static int counter;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void* count(void* arg) {
  for (int i = 0; i < 10000; i++) {
    pthread_mutex_lock(&m);
    counter++;
    pthread_mutex_unlock(&m);
  }
  return arg;
}

int main(int argc, char** argv) {
  (void)argv;
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, count, 0);
  for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
  printf("counter %d\n", counter);
  if (argc > 1) {
    pthread_t u;
    pthread_create(&u, 0, count, 0);
    counter = 5;  // unlocked: races with u's increments
    pthread_join(u, 0);
  }
  return 0;
}
