// A sleeping thread that gets signals whose default action ignores them
// (SIGCONT, SIGCHLD, SIGURG, SIGWINCH, thread- and process-directed) keeps
// sleeping: nanosleep and relative clock_nanosleep neither fail with EINTR
// nor end early (Linux drops such signals or restarts the sleep). Each
// signal is sent while the sleeper sleeps (its state in /proc is S), so
// it lands in a sleep even when a loaded machine delays either thread.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "thread_state.h"
static volatile int done;
static volatile pid_t sleeper_tid;
static long long now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
static void* sleeper(void* arg) {
  (void)arg;
  sleeper_tid = (pid_t)syscall(SYS_gettid);
  int eintr = 0, early = 0;
  for (int i = 0; i < 20; i++) {
    struct timespec t = {0, 20 * 1000 * 1000}, rem;
    long long t0 = now_ns();
    int r = i % 2 ? clock_nanosleep(CLOCK_MONOTONIC, 0, &t, &rem) : nanosleep(&t, &rem);
    if (r != 0) eintr++;
    if (now_ns() - t0 < 20 * 1000 * 1000) early++;
  }
  done = 1;
  printf("sleeps: %d failed, %d ended early\n", eintr, early);
  return 0;
}
int main(void) {
  pthread_t th;
  pthread_create(&th, 0, sleeper, 0);
  while (!sleeper_tid) usleep(100);
  static const int sigs[] = {SIGCONT, SIGCHLD, SIGURG, SIGWINCH};
  for (int n = 0; !done; n++) {
    struct timespec t = {0, 2 * 1000 * 1000};
    nanosleep(&t, 0);
    while (!done && thread_state(sleeper_tid) != 'S') usleep(100);
    if (done) break;
    int sig = sigs[n % 4];
    if (n % 2) syscall(SYS_tgkill, getpid(), sleeper_tid, sig);
    else kill(getpid(), sig);
  }
  pthread_join(th, 0);
  return 0;
}
