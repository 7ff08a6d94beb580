// A call that fails with EINTR because a signal is pending has had that
// signal's handler run first, even when the signal was queued by another
// kernel thread of the LibOS (a host signal from another process taken by
// an idle kthread while this thread ran guest code). 200 rounds: a forked
// child signals the parent while it spins in guest code on the second
// core, then the parent polls a pipe that the handler writes to. The child
// waits for each round on a pipe read rather than spinning: on a loaded
// machine two spinners took ~20 ms a round natively (a ctest timeout at
// load 17); only the parent's spin is what the test needs.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kRounds = 200 };
static volatile sig_atomic_t handled;
static int self_pipe[2];

static void on_usr1(int sig) {
  (void)sig;
  handled++;
  (void)!write(self_pipe[1], "h", 1);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  volatile int* shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int go[2];
  if (shared == MAP_FAILED || pipe(self_pipe) || pipe(go)) return 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  pid_t parent = getpid();
  pid_t c = fork();
  if (c == 0) {
    close(go[1]);
    for (int i = 1; i <= kRounds; i++) {
      char b;
      if (read(go[0], &b, 1) != 1) _exit(1);
      kill(parent, SIGUSR1);
      __atomic_store_n(&shared[1], i, __ATOMIC_SEQ_CST);
    }
    _exit(0);
  }
  // Host signals go to the first kthread (the host's thread-group leader):
  // run on the second, so another kthread queues them.
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(1, &one);
  (void)sched_setaffinity(0, sizeof(one), &one);
  long early = 0;
  for (int i = 1; i <= kRounds; i++) {
    if (write(go[1], "g", 1) != 1) break;
    while (__atomic_load_n(&shared[1], __ATOMIC_SEQ_CST) != i) {
    }
    // Sent; natively the handler has run already. Wait for it.
    while (handled < i && early < 1000) {
      struct pollfd p = {self_pipe[0], POLLIN, 0};
      int r = poll(&p, 1, -1);
      if (r < 0 && errno == EINTR && handled < i) early++;
    }
    char junk[16];
    if (handled >= i) (void)!read(self_pipe[0], junk, sizeof junk);
    if (early >= 1000) break;
  }
  kill(c, SIGKILL);
  waitpid(c, NULL, 0);
  printf("EINTR before the handler ran: %s\n", early ? "yes" : "never");
  printf("handler ran for every signal: %s\n", handled >= kRounds ? "yes" : "no");
  return 0;
}
