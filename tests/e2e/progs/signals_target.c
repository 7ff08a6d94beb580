// Which thread takes a process-directed signal (Linux's complete_signal):
// the main thread when it does not block it, even while another thread
// sleeps interruptibly in read(); a thread that blocks it is skipped, so
// with the main thread blocking it the sleeping reader takes it and its
// read (no SA_RESTART) fails with EINTR. Senders: kill() from a thread
// that blocks the signal, and a POSIX timer (SIGEV_SIGNAL).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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
  char path[64], buf[256];
  snprintf(path, sizeof(path), "/proc/self/task/%d/stat", reader_tid);
  for (int tries = 0; tries < 200; tries++) {
    FILE* f = fopen(path, "re");
    if (!f) break;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    char* close_paren = strrchr(buf, ')');
    if (close_paren && close_paren[1] == ' ' && close_paren[2] == 'S') return;
    usleep(1000);
  }
}

static void* reader(void* a) {
  (void)a;
  reader_tid = Gettid();
  for (int round = 1; round <= 2; round++) {
    reader_started = round;
    char c;
    ssize_t r = read(pipe_fds[0], &c, 1);
    printf("reader read %d: %s (handler runs so far: %d)\n", round,
           r == 1 ? "got a byte" : r < 0 && errno == EINTR ? "EINTR" : "other", hits);
    fflush(stdout);
  }
  return 0;
}

static void* kill_sender(void* a) {
  (void)a;
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &s, 0);
  kill(getpid(), SIGUSR1);
  return 0;
}

static void SendFromBlockingThread(void) {
  pthread_t t;
  pthread_create(&t, 0, kill_sender, 0);
  pthread_join(t, 0);
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  main_tid = Gettid();
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;  // no SA_RESTART
  sigaction(SIGUSR1, &sa, 0);
  if (pipe(pipe_fds)) return 1;
  pthread_t r;
  pthread_create(&r, 0, reader, 0);
  while (reader_started != 1) usleep(1000);
  WaitReaderAsleep();

  // 1. kill() from a thread that blocks SIGUSR1, the main thread busy
  // computing (no system calls until the handler ran).
  handler_tid = 0;
  pthread_t t;
  pthread_create(&t, 0, kill_sender, 0);
  while (!handler_tid) {
  }
  pthread_join(t, 0);
  printf("kill while main computes: handler on %s\n", Who(handler_tid));

  // 2. The same with the main thread asleep in nanosleep (unless the
  // signal came first).
  handler_tid = 0;
  pthread_create(&t, 0, kill_sender, 0);
  while (!handler_tid) {
    struct timespec long_sleep = {30, 0};
    nanosleep(&long_sleep, 0);
  }
  pthread_join(t, 0);
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

  // 4. The main thread blocks SIGUSR1: the reader takes it, read fails.
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &s, 0);
  handler_tid = 0;
  SendFromBlockingThread();
  pthread_join(r, 0);
  printf("kill with main blocking it: handler on %s\n", Who(handler_tid));
  printf("handler runs: %d\n", hits);
  return 0;
}
