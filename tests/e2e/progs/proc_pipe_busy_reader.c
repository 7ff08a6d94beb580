// A thread blocked reading a pipe shared with a child (a host pipe after
// the fork) while another thread never blocks: the pattern of
// multiprocessing.Pool, whose worker-handler thread loops polling the
// results pipe (readable) until the result-handler thread has read it.
// Each round the reader is parked in read() before the child writes; the
// main thread then spins until the reader reports the byte: on the CPU
// alone, calling poll() on the readable pipe, or calling sched_yield().
// With one core, a spinner that never blocks must not keep the reader from
// being woken (it hung for ever).
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kRounds = 30 };

static int data_pipe[2];
static atomic_int reading = -1;  // round whose read() the reader is about to make
static atomic_int done = 0;      // rounds whose byte the reader got

static void* Reader(void* arg) {
  (void)arg;
  for (int r = 0; r < kRounds; r++) {
    char c;
    atomic_store(&reading, r);
    if (read(data_pipe[0], &c, 1) != 1) {
      perror("read");
      exit(1);
    }
    atomic_store(&done, r + 1);
  }
  return NULL;
}

int main(void) {
  int go[2];
  if (pipe(data_pipe) || pipe(go)) return 1;
  pid_t child = fork();
  if (child == 0) {
    // One byte into the data pipe for every go byte.
    close(go[1]);
    char c;
    while (read(go[0], &c, 1) == 1) write(data_pipe[1], &c, 1);
    _exit(0);
  }
  close(go[0]);
  pthread_t t;
  pthread_create(&t, NULL, Reader, NULL);
  static const char* const kinds[] = {"cpu", "poll", "sched_yield"};
  for (int r = 0; r < kRounds; r++) {
    // The reader is in (or about to enter) read(): nothing is in the pipe.
    while (atomic_load(&reading) != r) sched_yield();
    if (write(go[1], "x", 1) != 1) return 1;
    int kind = r % 3;
    while (atomic_load(&done) != r + 1) {
      if (kind == 1) {
        struct pollfd p = {.fd = data_pipe[0], .events = POLLIN};
        poll(&p, 1, 0);
      } else if (kind == 2) {
        sched_yield();
      }
    }
  }
  pthread_join(t, NULL);
  close(go[1]);
  int st;
  waitpid(child, &st, 0);
  for (int k = 0; k < 3; k++) printf("reader woken while the main thread spun (%s)\n", kinds[k]);
  printf("rounds %d, child exit %d\n", atomic_load(&done), WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}
