// sched_rr_get_interval of a SCHED_OTHER task (the caller, by 0 and by
// pid, and another thread): succeeds with the fair class's slice, under a
// second (CPython's test_posix test_sched_rr_get_interval; the value
// itself depends on the kernel and the load).
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "show_call.h"

static void Check(const char* label, pid_t pid) {
  struct timespec ts = {-1, -1};
  SHOW(label, sched_rr_get_interval(pid, &ts));
  printf("  under a second: %s\n", ts.tv_sec == 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000 ? "yes" : "no");
}

static void* Thread(void* arg) {
  (void)arg;
  Check("other thread, by 0", 0);
  return NULL;
}

int main(void) {
  printf("policy SCHED_OTHER: %s\n", sched_getscheduler(0) == SCHED_OTHER ? "yes" : "no");
  Check("self, by 0", 0);
  Check("self, by pid", getpid());
  pthread_t t;
  pthread_create(&t, NULL, Thread, NULL);
  pthread_join(t, NULL);
  return 0;
}
