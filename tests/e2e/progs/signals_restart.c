// Restart rules for blocked calls interrupted by a signal handler, as
// Linux applies them: a pipe read() on a pipe shared with a forked child
// restarts under SA_RESTART (on the trap path, on the trap that rewrites the
// site (the LibOS rewrites a site on its second trap), then on the rewritten
// trampoline path); a FUTEX_WAIT with a timeout fails with EINTR even under
// SA_RESTART (ERESTART_RESTARTBLOCK); one without a timeout restarts.
// No sleep orders anything: each alarm is armed once the main thread
// sleeps in the call it must interrupt.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "futex_call.h"
#include "thread_state.h"

static volatile sig_atomic_t handled;
static volatile pid_t writer;  // told by the handler to write

static void on_alarm(int sig) {
  (void)sig;
  handled++;
  if (writer > 0) kill(writer, SIGUSR1);
}

static void arm_timer_ms(int ms) {
  struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
  setitimer(ITIMER_REAL, &it, NULL);
}

static volatile int main_calling;  // the main thread is entering its call
static uint32_t word;
static pthread_t alarm_thread;

// Arms a 10 ms alarm once the main thread (tid = pid) has started its call
// and sleeps in it, so that the alarm interrupts the call, not the code
// before it. With `wake_after`, then changes `word` and wakes it once the
// handler has run and the restarted wait sleeps again. This thread blocks
// SIGALRM: the main thread takes it.
static void* alarm_when_asleep(void* wake_after) {
  sigset_t alrm;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &alrm, NULL);
  for (int i = 0; i < 30000 && !main_calling; i++) usleep(1000);
  wait_thread_asleep(getpid());
  arm_timer_ms(10);
  if (!wake_after) return NULL;
  for (int i = 0; i < 30000 && !handled; i++) usleep(1000);
  wait_thread_asleep(getpid());
  __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
  futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL);
  return NULL;
}

// Starts the alarm thread: the main thread sets main_calling just before
// its call and joins the thread after it.
static void alarm_once_asleep(void* wake_after) {
  main_calling = 0;
  pthread_create(&alarm_thread, NULL, alarm_when_asleep, wake_after);
}

// The child writes one byte once the parent's handler has run, so the
// parent's read() is always interrupted before data arrives.
static void fork_read_round(const char* label) {
  int p[2];
  if (pipe(p) != 0) return;
  sigset_t usr1, old;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, &old);
  pid_t c = fork();
  if (c == 0) {
    int sig;
    sigwait(&usr1, &sig);
    (void)!write(p[1], "x", 1);
    _exit(0);
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  writer = c;
  handled = 0;
  alarm_once_asleep(NULL);
  char b = 0;
  errno = 0;
  main_calling = 1;
  long r = read(p[0], &b, 1);
  int e = errno;
  pthread_join(alarm_thread, NULL);
  writer = 0;
  int st = 0;
  waitpid(c, &st, 0);
  printf("%s: read %ld %s byte %c handler ran %d child status %d\n", label, r,
         r < 0 ? strerror(e) : "", r == 1 ? b : '-', handled > 0, st);
  close(p[0]);
  close(p[1]);
}

static void show(const char* label, long r, int e) {
  printf("%s: %ld %s handler ran %d\n", label, r, r < 0 ? strerror(e) : "", handled > 0);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);

  fork_read_round("fork, SA_RESTART read (first call)");
  fork_read_round("fork, SA_RESTART read (again)");
  fork_read_round("fork, SA_RESTART read (third)");

  // The timeouts are long: only a wrongly restarted wait reaches them.
  uint32_t z = 0;
  struct timespec rel = {5, 0};
  handled = 0;
  alarm_once_asleep(NULL);
  errno = 0;
  main_calling = 1;
  long r = futex(&z, FUTEX_WAIT_PRIVATE, 0, &rel);
  int e = errno;
  pthread_join(alarm_thread, NULL);
  show("FUTEX_WAIT relative timeout, SA_RESTART", r, e);

  struct timespec abs;
  clock_gettime(CLOCK_MONOTONIC, &abs);
  abs.tv_sec += 5;
  handled = 0;
  alarm_once_asleep(NULL);
  errno = 0;
  main_calling = 1;
  r = futex6(&z, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
  e = errno;
  pthread_join(alarm_thread, NULL);
  show("FUTEX_WAIT_BITSET absolute timeout, SA_RESTART", r, e);

  // No timeout: restarted; the alarm thread changes the word and wakes it
  // once the restarted wait sleeps (EAGAIN, a restart that came after the
  // change, is also accepted).
  handled = 0;
  alarm_once_asleep((void*)1);
  errno = 0;
  main_calling = 1;
  r = futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL);
  e = errno;
  pthread_join(alarm_thread, NULL);
  printf("FUTEX_WAIT no timeout, SA_RESTART: %s handler ran %d\n",
         r == 0 || e == EAGAIN ? "restarted" : strerror(e), handled > 0);

  // Without SA_RESTART the untimed wait fails with EINTR.
  sa.sa_flags = 0;
  sigaction(SIGALRM, &sa, NULL);
  handled = 0;
  alarm_once_asleep(NULL);
  errno = 0;
  main_calling = 1;
  r = futex(&z, FUTEX_WAIT_PRIVATE, 0, NULL);
  e = errno;
  pthread_join(alarm_thread, NULL);
  show("FUTEX_WAIT no timeout, no SA_RESTART", r, e);
  return 0;
}
