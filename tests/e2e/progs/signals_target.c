// Which thread takes a process-directed signal (Linux's complete_signal):
// the main thread when it does not block it, even while another thread
// sleeps interruptibly in read(); a thread that blocks it is skipped, so
// with the main thread blocking it the sleeping reader takes it and its
// read (no SA_RESTART) fails with EINTR. Senders: kill() from a thread
// that blocks the signal, a POSIX timer (SIGEV_SIGNAL), and kill() from a
// child process (a host signal under junction).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "thread_state.h"

static volatile pid_t handler_tid;
static volatile int hits;
static pid_t main_tid, reader_tid;
static int pipe_fds[2];
static volatile int reader_started;

static pid_t Gettid(void) { return (pid_t)syscall(SYS_gettid); }
static void on_usr1(int s) { (void)s; handler_tid = Gettid(); hits++; }

static const char* Who(pid_t tid) {
  return tid == main_tid ? "main" : tid == reader_tid ? "reader" : "other";
}

// Waits until the reader sleeps in read(): its state in /proc is 'S'.
// (Where /proc shows no per-thread state, 200 ms: the reader only has to
// get from its flag to the read.)
static void WaitReaderAsleep(void) {
  for (int tries = 0; tries < 200; tries++) {
    char state = thread_state(reader_tid);
    if (state == 'S' || state == '?') return;
    usleep(1000);
  }
}

static void* reader(void* a) {
  (void)a;
  reader_tid = Gettid();
  for (int round = 1; round <= 3; round++) {
    reader_started = round;
    char c;
    ssize_t r = read(pipe_fds[0], &c, 1);
    printf("reader read %d: %s (handler runs so far: %d)\n", round,
           r == 1 ? "got a byte" : r < 0 && errno == EINTR ? "EINTR" : "other", hits);
    fflush(stdout);
  }
  return 0;
}

// From another process, forked before the reader and its pipe exist: it
// sends one SIGUSR1 to this process (never to a group) per byte on `ctl`.
static int ctl[2];
static pid_t helper;
static void StartHelper(void) {
  pid_t parent = getpid();
  if (pipe(ctl)) return;
  helper = fork();
  if (helper == 0) {
    close(ctl[1]);
    char c;
    while (read(ctl[0], &c, 1) == 1)
      if (getppid() == parent) kill(parent, SIGUSR1);
    _exit(0);
  }
  close(ctl[0]);
}
static void SendFromChild(void) {
  write(ctl[1], "k", 1);
  while (!handler_tid) {
  }
}

// A thread that blocks SIGUSR1 and sends it to the process once per byte
// on `go`. Started once: pthread_create blocks every signal in the caller
// for a moment, which would hand a signal sent then to another thread.
static int go[2];
static void* kill_sender(void* a) {
  (void)a;
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &s, 0);
  char c;
  while (read(go[0], &c, 1) == 1) kill(getpid(), SIGUSR1);
  return 0;
}

static void SendFromBlockingThread(void) { write(go[1], "k", 1); }

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  main_tid = Gettid();
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;  // no SA_RESTART
  sigaction(SIGUSR1, &sa, 0);
  StartHelper();
  if (pipe(pipe_fds) || pipe(go)) return 1;
  pthread_t sender, r;
  pthread_create(&sender, 0, kill_sender, 0);
  pthread_create(&r, 0, reader, 0);
  while (reader_started != 1) usleep(1000);
  WaitReaderAsleep();

  // 1. kill() from a thread that blocks SIGUSR1, the main thread busy
  // computing (no system calls until the handler ran).
  handler_tid = 0;
  SendFromBlockingThread();
  while (!handler_tid) {
  }
  printf("kill while main computes: handler on %s\n", Who(handler_tid));

  // 2. The same with the main thread asleep in nanosleep (unless the
  // signal came first).
  handler_tid = 0;
  SendFromBlockingThread();
  while (!handler_tid) {
    struct timespec long_sleep = {30, 0};
    nanosleep(&long_sleep, 0);
  }
  printf("kill while main sleeps: handler on %s\n", Who(handler_tid));

  // 3. A POSIX timer with SIGEV_SIGNAL, the main thread computing.
  handler_tid = 0;
  timer_t timer;
  struct sigevent sev;
  memset(&sev, 0, sizeof(sev));
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGUSR1;
  if (timer_create(CLOCK_MONOTONIC, &sev, &timer)) return 1;
  struct itimerspec its = {{0, 0}, {0, 20 * 1000 * 1000}};
  timer_settime(timer, 0, &its, 0);
  while (!handler_tid) {
  }
  printf("timer while main computes: handler on %s\n", Who(handler_tid));
  timer_delete(timer);

  // The reader slept through all three: its read now gets a byte.
  write(pipe_fds[1], "x", 1);
  while (reader_started != 2) usleep(1000);
  WaitReaderAsleep();

  // 4. kill() from a child process, the main thread computing.
  handler_tid = 0;
  SendFromChild();
  printf("child's kill while main computes: handler on %s\n", Who(handler_tid));

  // 5. The main thread blocks SIGUSR1: the reader takes it, read fails.
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &s, 0);
  handler_tid = 0;
  SendFromBlockingThread();
  while (reader_started != 3) usleep(1000);
  printf("kill with main blocking it: handler on %s\n", Who(handler_tid));
  WaitReaderAsleep();

  // 6. The same from a child process.
  handler_tid = 0;
  SendFromChild();
  pthread_join(r, 0);
  printf("child's kill with main blocking it: handler on %s\n", Who(handler_tid));
  close(go[1]);
  pthread_join(sender, 0);
  close(ctl[1]);
  waitpid(helper, 0, 0);
  printf("handler runs: %d\n", hits);
  return 0;
}
