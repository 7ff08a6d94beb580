// Threads whose timed waits (FUTEX_WAIT with a timeout, nanosleep, poll)
// end early by a wake-up and which then exit, more of them than the LibOS
// keeps exited threads' memory for (64): their timer entries must go with
// them. New threads (which get the exited ones' memory) wait without a
// timeout until every such deadline has passed: their waits end only by
// FUTEX_WAKE (never ETIMEDOUT), and timed waits still time out.
#define _GNU_SOURCE  // pthread_tryjoin_np
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "futex_call.h"

#define kThreads 200
#define kTimeoutMs 1500


static void check(int ok, const char* what) {
  printf("%s: %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) exit(1);
}

struct waiter {
  atomic_int word;     // 0 while it should wait
  int kind;            // 0: FUTEX_WAIT, 1: nanosleep, 2: poll on a pipe
  int pipe_fds[2];
  long result;
  int err;
};

static void on_usr1(int sig) { (void)sig; }

static void* timed_waiter(void* arg) {
  struct waiter* w = arg;
  struct timespec ts = {kTimeoutMs / 1000, (kTimeoutMs % 1000) * 1000000L};
  errno = 0;
  if (w->kind == 0) {
    while (!atomic_load(&w->word)) {
      w->result = futex(&w->word, FUTEX_WAIT_PRIVATE, 0, &ts);
      w->err = errno;
      if (w->result < 0 && w->err == ETIMEDOUT) break;  // a wake later than the timeout
    }
  } else if (w->kind == 1) {
    // Ended early by a signal (no SA_RESTART: EINTR).
    atomic_store(&w->word, 1);
    w->result = nanosleep(&ts, NULL);
    w->err = errno;
  } else {
    struct pollfd p = {w->pipe_fds[0], POLLIN, 0};
    w->result = poll(&p, 1, kTimeoutMs);
    w->err = errno;
  }
  return NULL;
}

static atomic_int untimed_word;
static atomic_int untimed_ready;

static void* untimed_waiter(void* arg) {
  long* out = arg;
  atomic_fetch_add(&untimed_ready, 1);
  long r = 0;
  while (!atomic_load(&untimed_word)) {
    r = futex(&untimed_word, FUTEX_WAIT_PRIVATE, 0, NULL);
    if (r < 0 && errno == ETIMEDOUT) break;
  }
  *out = r < 0 && errno == ETIMEDOUT ? -ETIMEDOUT : 0;
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);

  static struct waiter ws[kThreads];
  int bad = 0;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int i = 0; i < kThreads; i++) {
    struct waiter* w = &ws[i];
    w->kind = i % 3;
    if (w->kind == 2 && pipe(w->pipe_fds) != 0) return 1;
    pthread_t t;
    pthread_create(&t, NULL, timed_waiter, w);
    int joined = 0;
    if (w->kind == 0) {
      // Wake it once it waits (or it timed out under load: still fine).
      atomic_store(&w->word, 1);
      while (futex(&w->word, FUTEX_WAKE_PRIVATE, 1, NULL) == 0 &&
             !(joined = pthread_tryjoin_np(t, NULL) == 0))
        sched_yield();
    } else if (w->kind == 1) {
      while (!atomic_load(&w->word)) sched_yield();
      // Until its sleep ends: a signal before the sleep began is absorbed.
      while (!(joined = pthread_tryjoin_np(t, NULL) == 0)) {
        pthread_kill(t, SIGUSR1);
        sched_yield();
      }
    } else {
      if (write(w->pipe_fds[1], "x", 1) != 1) return 1;
    }
    if (!joined) pthread_join(t, NULL);
    if (w->kind == 1 && !(w->result == 0 || (w->result < 0 && w->err == EINTR))) bad++;
    if (w->kind == 2) {
      if (w->result != 1) bad++;
      close(w->pipe_fds[0]);
      close(w->pipe_fds[1]);
    }
  }
  check(bad == 0, "200 timed waits ended early, their threads exited");

  // New threads (reusing the exited ones' memory) wait without a timeout
  // until past every deadline those waits had (a bound, not an order: were
  // phase one slower, the test would pass without looking).
  enum { kNew = 80 };
  pthread_t nt[kNew];
  long results[kNew];
  for (int i = 0; i < kNew; i++) pthread_create(&nt[i], NULL, untimed_waiter, &results[i]);
  while (atomic_load(&untimed_ready) < kNew) sched_yield();
  struct timespec past = start;
  past.tv_sec += 2 * kTimeoutMs / 1000 + 1;
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL) == EINTR) {
  }
  atomic_store(&untimed_word, 1);
  futex(&untimed_word, FUTEX_WAKE_PRIVATE, kNew, NULL);
  int timed_out = 0;
  for (int i = 0; i < kNew; i++) {
    pthread_join(nt[i], NULL);
    if (results[i] == -ETIMEDOUT) timed_out++;
  }
  check(timed_out == 0, "untimed waits of new threads end only by FUTEX_WAKE");

  // Timed waits still time out.
  atomic_int never = 0;
  struct timespec ts = {0, 20 * 1000000L};
  errno = 0;
  check(futex(&never, FUTEX_WAIT_PRIVATE, 0, &ts) < 0 && errno == ETIMEDOUT, "a timed wait times out");
  return 0;
}
