// A signal sent from another process while the receiving thread is just
// going to sleep is never lost: 200 rounds in which a forked child sends
// SIGUSR1 (handler without SA_RESTART) right as the parent blocks in a
// read of a host pipe (the reactor), an untimed FUTEX_WAIT, sigsuspend or
// a read of an in-process pipe. A signal not acknowledged within 5 s is
// sent again and counted lost; at the third the test ends (the parent is
// killed), so that lost signals fail it instead of hanging it.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kRounds = 200 };

static volatile sig_atomic_t handled;
static int empty[2];       // a pipe only this process has (LibOS pipe)
static int host_empty[2];  // one shared with the child (a host pipe)
static uint32_t word;

// Ends whichever call the parent is in or about to make: a byte for the
// read, a changed word for the futex wait (sigsuspend takes the signal
// itself). Only a signal never delivered can leave the parent blocked.
static void on_usr1(int sig) {
  (void)sig;
  handled++;
  (void)!write(empty[1], "s", 1);
  (void)!write(host_empty[1], "s", 1);
  __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
}

// The child: for each round, waits for "about to block", spins a varying
// few microseconds (to sweep the moment the parent parks), sends SIGUSR1
// and waits for the acknowledgement.
static int child(int go_rd, int ack_rd, pid_t parent) {
  int lost = 0;
  for (int i = 0; i < kRounds; i++) {
    char b;
    if (read(go_rd, &b, 1) != 1) return 101;
    for (volatile int spin = 0; spin < (i % 50) * 400; spin++) {
    }
    kill(parent, SIGUSR1);
    struct pollfd p = {ack_rd, POLLIN, 0};
    while (poll(&p, 1, 5000) == 0) {
      if (++lost == 3) {
        printf("3 signals lost by round %d: parent killed\n", i);
        kill(parent, SIGKILL);
        return 100;
      }
      kill(parent, SIGUSR1);
    }
    if (read(ack_rd, &b, 1) != 1) return 102;
  }
  return lost > 100 ? 100 : lost;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;  // no SA_RESTART: an interrupted call fails with EINTR
  sigaction(SIGUSR1, &sa, NULL);
  int go[2], ack[2];
  if (pipe(go) || pipe(ack) || pipe(host_empty)) return 1;
  pid_t parent = getpid();
  pid_t c = fork();
  if (c == 0) _exit(child(go[0], ack[0], parent));
  // The parent runs on the second core: under junction a host signal goes
  // to the first kthread (the host's thread-group leader), so another
  // kthread than the sleeper's handles it, which is where it was lost.
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(1, &one);
  (void)sched_setaffinity(0, sizeof(one), &one);  // no second core: no matter
  // Created after the fork: a pipe only this process has.
  if (pipe(empty)) return 1;
  sigset_t usr1, old;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  int ended[4] = {0, 0, 0, 0}, wrong = 0;
  for (int i = 0; i < kRounds; i++) {
    int kind = i % 4;
    __atomic_store_n(&word, 0, __ATOMIC_SEQ_CST);
    if (kind == 2) sigprocmask(SIG_BLOCK, &usr1, &old);
    (void)!write(go[1], "g", 1);
    errno = 0;
    long r;
    bool ok;
    if (kind == 0 || kind == 3) {
      char b;
      r = read(kind == 0 ? host_empty[0] : empty[0], &b, 1);
      ok = r == 1 || (r == -1 && errno == EINTR);
    } else if (kind == 1) {
      r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
      ok = r == -1 && (errno == EINTR || errno == EAGAIN);
    } else {
      r = sigsuspend(&old);
      ok = r == -1 && errno == EINTR;
      sigprocmask(SIG_SETMASK, &old, NULL);
    }
    if (ok) ended[kind]++;
    else wrong++;
    // The child waits for this before its next signal: the handler has run.
    while (handled < i + 1) usleep(100);
    for (int k = 0; k < 2; k++) {
      int fd = k ? host_empty[0] : empty[0], n = 0;
      char junk[64];
      ioctl(fd, FIONREAD, &n);
      if (n > 0) (void)!read(fd, junk, n < 64 ? n : 64);
    }
    (void)!write(ack[1], "a", 1);
  }
  int st = 0;
  waitpid(c, &st, 0);
  printf("ended as expected: host pipe read %d, futex wait %d, sigsuspend %d, pipe read %d; "
         "unexpected results %d\n", ended[0], ended[1], ended[2], ended[3], wrong);
  printf("signals lost: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}
