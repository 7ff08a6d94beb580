// A forked child with two CPU-bound threads (tests/daemon/forked_threads_test.sh):
// the parent forks, then only waits; the child's two threads spin (no
// system calls but a check for STOP_FILE every few million rounds) until
// STOP_FILE exists, then the child exits 0. The parent says how the child
// ended and stays (asleep) until DONE_FILE exists.
//
// usage: fork_spin_threads STOP_FILE DONE_FILE
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char* stop_file;

static void* Spin(void* arg) {
  volatile unsigned long rounds = 0;
  struct stat st;
  for (;;) {
    for (int i = 0; i < 4000000; i++) rounds++;
    if (stat(stop_file, &st) == 0) return arg;
  }
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s STOP_FILE DONE_FILE\n", argv[0]);
    return 2;
  }
  stop_file = argv[1];
  pid_t child = fork();
  if (child < 0) return perror("fork"), 1;
  if (child == 0) {
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
      if (pthread_create(&t[i], NULL, Spin, NULL) != 0) return perror("pthread_create"), 1;
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    return 0;
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) return perror("waitpid"), 1;
  printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  fflush(stdout);
  struct stat st;
  struct timespec tick = {0, 10 * 1000 * 1000};
  while (stat(argv[2], &st) != 0) nanosleep(&tick, NULL);
  return 0;
}
