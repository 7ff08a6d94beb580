// A thread that never blocks must not keep a thread parked on a host
// descriptor from waking: 20 rounds in which one thread spins polling a
// pipe (timeout 0) until the other, blocked in read() on it, has read the
// byte a child process wrote. On one core, the scheduler must still poll
// the host descriptors while the spinner runs (Python's multiprocessing
// pool hung this way: its worker handler spun on the ready result pipe
// that its result handler was parked on).
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kRounds = 20 };
static int data[2], go[2];
static int consumed;

static void* reader(void* arg) {
  (void)arg;
  for (int i = 0; i < kRounds; i++) {
    char b;
    if (read(data[0], &b, 1) != 1) return NULL;
    __atomic_store_n(&consumed, i + 1, __ATOMIC_SEQ_CST);
  }
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (pipe(data) || pipe(go)) return 1;
  pid_t c = fork();  // shares both pipes: they are host pipes under junction
  if (c == 0) {
    char b;
    for (int i = 0; i < kRounds && read(go[0], &b, 1) == 1; i++) (void)!write(data[1], "d", 1);
    _exit(0);
  }
  pthread_t t;
  pthread_create(&t, NULL, reader, NULL);
  long spins = 0, gave_up = 0;
  for (int i = 0; i < kRounds; i++) {
    (void)!write(go[1], "g", 1);
    long n = 0;
    // Bounded only so that a starved reader fails the test instead of
    // hanging it (natively it reads within a few polls).
    while (__atomic_load_n(&consumed, __ATOMIC_SEQ_CST) < i + 1 && n < 20000000) {
      struct pollfd p = {data[0], POLLIN, 0};
      poll(&p, 1, 0);
      n++;
    }
    if (n == 20000000) {
      gave_up++;
      break;
    }
    spins += n;
  }
  if (gave_up) {
    printf("the reader never woke while another thread spun\n");
    fflush(stdout);
    _exit(1);
  }
  pthread_join(t, NULL);
  waitpid(c, NULL, 0);
  printf("%d bytes read while another thread spun polling\n", consumed);
  return 0;
}
