// A thread blocked in read/write on a pipe while another thread forks (and
// the child exits at once) keeps waiting on the same pipe: the child's exit
// closing its copies is not the last writer or reader closing. Compared
// with native. The fork comes once the thread sleeps in its call (its
// state in /proc is S).
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "thread_state.h"

static int fds[2];
static volatile sig_atomic_t sigpipes;
static char rbuf[16];
static long rres;
static int rerr;
static volatile pid_t blocked_tid;  // the reader or writer thread

static void on_sigpipe(int sig) {
  (void)sig;
  sigpipes++;
}

static void *reader(void *arg) {
  (void)arg;
  blocked_tid = (pid_t)syscall(SYS_gettid);
  rres = read(fds[0], rbuf, sizeof(rbuf));
  rerr = rres < 0 ? errno : 0;
  return NULL;
}

static char wbuf[100];
static long wres;
static int werr;

static void *writer(void *arg) {
  (void)arg;
  blocked_tid = (pid_t)syscall(SYS_gettid);
  wres = write(fds[1], wbuf, sizeof(wbuf));
  werr = wres < 0 ? errno : 0;
  return NULL;
}

// Starts fn in thread *t and returns once it sleeps (blocked in its call).
static void start_blocked(pthread_t *t, void *(*fn)(void *)) {
  blocked_tid = 0;
  pthread_create(t, NULL, fn, NULL);
  while (!blocked_tid) usleep(1000);
  wait_thread_asleep(blocked_tid);
}

static void fork_exiting_child(void) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = -1;
  waitpid(pid, &status, 0);
  printf("child exited: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGPIPE, on_sigpipe);
  pthread_t t;

  // 1: a blocked reader gets the byte written after the child's exit.
  pipe(fds);
  start_blocked(&t, reader);
  fork_exiting_child();
  write(fds[1], "x", 1);
  pthread_join(t, NULL);
  printf("reader: r=%ld errno=%d byte=%c\n", rres, rerr, rres == 1 ? rbuf[0] : '-');
  close(fds[0]);
  close(fds[1]);

  // 2: a blocked reader gets EOF once the parent closes the write end too.
  pipe(fds);
  start_blocked(&t, reader);
  fork_exiting_child();
  close(fds[1]);
  pthread_join(t, NULL);
  printf("reader after close: r=%ld errno=%d\n", rres, rerr);
  close(fds[0]);

  // 3: a writer blocked on a full pipe is not told EPIPE after the child's
  // exit, and its bytes arrive once the parent drains the pipe.
  pipe(fds);
  fcntl(fds[1], F_SETFL, O_NONBLOCK);
  char chunk[4096];
  memset(chunk, 'a', sizeof(chunk));
  long filled = 0, n;
  while ((n = write(fds[1], chunk, sizeof(chunk))) > 0) filled += n;
  while ((n = write(fds[1], chunk, 1)) > 0) filled += n;
  fcntl(fds[1], F_SETFL, 0);
  memset(wbuf, 'b', sizeof(wbuf));
  start_blocked(&t, writer);
  fork_exiting_child();
  long got = 0, bs = 0;
  while (got < filled + (long)sizeof(wbuf)) {
    n = read(fds[0], chunk, sizeof(chunk));
    if (n <= 0) break;
    for (long i = 0; i < n; i++) bs += chunk[i] == 'b';
    got += n;
  }
  pthread_join(t, NULL);
  printf("writer: w=%ld errno=%d, read back %s, b bytes=%ld, sigpipes=%d\n", wres, werr,
         got == filled + (long)sizeof(wbuf) ? "all" : "short", bs, (int)sigpipes);
  close(fds[0]);
  close(fds[1]);
  return 0;
}
