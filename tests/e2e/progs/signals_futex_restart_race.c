// An untimed FUTEX_WAIT interrupted by a SA_RESTART handler is restarted,
// never failing with EINTR, even when the signal that woke the waiter is
// taken by another thread (Linux: -ERESTARTSYS with no signal left to
// deliver restarts the call). 200 waits in one process while a periodic
// SIGALRM lands on either thread and a helper thread keeps sleeping and
// waking (so that it often takes a signal meant to wake the waiter).
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
#include <time.h>
#include <unistd.h>

#include "futex_call.h"

enum { kWaits = 200 };

static volatile sig_atomic_t handled;
static uint32_t word;
static volatile int done;

static void on_alarm(int sig) {
  (void)sig;
  __atomic_add_fetch(&handled, 1, __ATOMIC_SEQ_CST);
}


// Ends each wait once two more signals were handled since it began.
static void* helper(void* arg) {
  (void)arg;
  uint32_t seen = 0;
  int begin = 0;
  while (!done) {
    uint32_t w = __atomic_load_n(&word, __ATOMIC_SEQ_CST);
    if (w != seen) {  // a new wait (word = its number * 2)
      seen = w;
      begin = handled;
    }
    if ((w & 1) == 0 && w != 0 && handled - begin >= 2) {
      __atomic_store_n(&word, w + 1, __ATOMIC_SEQ_CST);
      seen = w + 1;
      futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL);
    }
    usleep(50);
  }
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  pthread_t t;
  pthread_create(&t, NULL, helper, NULL);
  struct itimerval it = {{0, 300}, {0, 300}};
  setitimer(ITIMER_REAL, &it, NULL);
  int eintr = 0, other = 0;
  for (uint32_t i = 1; i <= kWaits; i++) {
    uint32_t w = i * 2;
    __atomic_store_n(&word, w, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&word, __ATOMIC_SEQ_CST) == w) {
      long r = futex(&word, FUTEX_WAIT_PRIVATE, w, NULL);
      if (r == -1 && errno == EINTR) eintr++;
      else if (r == -1 && errno != EAGAIN) other++;
    }
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  done = 1;
  pthread_join(t, NULL);
  printf("%d untimed FUTEX_WAITs under SA_RESTART: %d failed with EINTR, %d with another error\n",
         kWaits, eintr, other);
  printf("handler ran: %s\n", handled >= 2 * kWaits ? "yes" : "no");
  return 0;
}
