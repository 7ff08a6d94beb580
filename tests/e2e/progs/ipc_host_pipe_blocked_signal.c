// Blocking reads and writes of pipes shared with a child process (host
// pipes under junction) while another child floods the reader with a
// signal the reader blocks: on Linux a blocked signal never interrupts a call, so no
// read or write may fail with EINTR. (Under junction the host signal still
// runs the LibOS's handler on the kthread; one landing in the readiness
// check of the host pipe failed the call: daemon.forked's robust mutex
// hand-off read "read ready: -1 (Interrupted system call)".) The signal is
// taken once unblocked at the end.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kRounds = 5000 };

static volatile sig_atomic_t handled;
static void on_usr1(int sig) { (void)sig; handled = 1; }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int data[2], ack[2];
  if (pipe(data) != 0 || pipe(ack) != 0) return 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, NULL);
  pid_t parent = getpid();
  int stop[2];  // closed by the parent when done: the flooder stops
  if (pipe(stop) != 0) return 1;
  pid_t flooder = fork();
  if (flooder < 0) return 1;
  if (flooder == 0) {
    close(stop[1]);
    close(data[1]);  // the reader's EOF comes from the writer alone
    fcntl(stop[0], F_SETFL, O_NONBLOCK);
    for (;;) {
      for (int k = 0; k < 64; k++) kill(parent, SIGUSR1);
      char b;
      if (read(stop[0], &b, 1) == 0) _exit(0);
    }
  }
  close(stop[0]);
  pid_t c = fork();
  if (c < 0) return 1;
  if (c == 0) {
    // Each round: a byte, then wait for its answer (the parent's write to
    // a host pipe is checked too).
    for (int i = 0; i < kRounds; i++) {
      char b = (char)i;
      if (write(data[1], &b, 1) != 1) _exit(2);
      if (read(ack[0], &b, 1) != 1) _exit(3);
    }
    _exit(0);
  }
  close(data[1]);
  close(ack[0]);
  long bytes = 0, read_eintr = 0, write_eintr = 0, other = 0;
  for (;;) {
    char b;
    ssize_t n = read(data[0], &b, 1);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) read_eintr++;
      else other++;
      if (other > 10) break;
      continue;
    }
    bytes++;
    ssize_t w;
    while ((w = write(ack[1], &b, 1)) < 0 && errno == EINTR) write_eintr++;
    if (w != 1) other++;
  }
  int st = 0;
  waitpid(c, &st, 0);
  close(stop[1]);
  waitpid(flooder, NULL, 0);
  printf("bytes %ld, child exited %d\n", bytes, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  printf("read EINTR %ld, write EINTR %ld, other errors %ld\n", read_eintr, write_eintr, other);
  sigprocmask(SIG_UNBLOCK, &usr1, NULL);
  printf("pending SIGUSR1 handled after unblocking: %s\n", handled ? "yes" : "no");
  return 0;
}
