// A forked child's threads are preempted like its parent's: in the child
// a thread spins without system calls until the main thread, which gave
// it the CPU, sets a flag. With the container on one core the main thread
// runs again only if the spinner is preempted (the child makes its own
// preemption timer; the host signal handler comes with the fork).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_int started, done;

static void* spin(void* arg) {
  (void)arg;
  atomic_store(&started, 1);
  while (!atomic_load_explicit(&done, memory_order_relaxed)) {
  }
  return NULL;
}

int main(void) {
  pid_t c = fork();
  if (c == 0) {
    pthread_t t;
    if (pthread_create(&t, NULL, spin, NULL) != 0) _exit(2);
    while (!atomic_load(&started)) {
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);  // the spinner takes the CPU from here on
    }
    atomic_store(&done, 1);
    pthread_join(t, NULL);
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);
  printf("child with a spinning thread: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "FAIL");
  return !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
