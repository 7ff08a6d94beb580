// A process killed from outside (a host SIGKILL: it never runs again to
// uncount itself) while it waits on a futex in MAP_SHARED memory no
// longer waits: later FUTEX_WAKEs on the word wake nobody (0), as on
// Linux. The LibOS counted the dead process's waiter in the word's shared
// slot forever, so every later wake returned 1 (and rang again). The
// child says "ready" once it waits; futex_shared_dead_waiter_test.sh then
// kills it.
#define _GNU_SOURCE
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long futex(uint32_t* w, int op, uint32_t val, const struct timespec* ts) {
  return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  uint32_t* w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (w == MAP_FAILED) return 1;
  pid_t c = fork();
  if (c == 0) {
    __atomic_store_n(&w[1], 1, __ATOMIC_SEQ_CST);
    futex(w, FUTEX_WAIT, 0, NULL);
    _exit(0);
  }
  while (!__atomic_load_n(&w[1], __ATOMIC_SEQ_CST)) sleep_ms(5);
  sleep_ms(300);  // let it go to sleep
  printf("ready\n");
  int st;
  waitpid(c, &st, 0);
  printf("child killed: %d\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  for (int i = 0; i < 3; i++) printf("FUTEX_WAKE after the kill = %ld\n", futex(w, FUTEX_WAKE, 1, NULL));
  return 0;
}
