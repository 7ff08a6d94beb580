// sched_setaffinity / sched_getaffinity / getcpu compared with Linux on a
// two-CPU machine (junction with a two-core container): masks within the
// cores, EINVAL for a mask with none of them, the caller moved to a core
// it may use, threads inheriting the mask, another thread's mask applied
// when it next runs.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "show_call.h"

static unsigned long get_mask(pid_t tid) {
  unsigned long m[4] = {0};
  syscall(SYS_sched_getaffinity, tid, sizeof(m), m);
  return m[0];
}
static long set_mask(pid_t tid, unsigned long bits) {
  return syscall(SYS_sched_setaffinity, tid, sizeof(bits), &bits);
}

static sem_t go, ready;
static pid_t worker_tid;
static void* inherit_worker(void* arg) {
  (void)arg;
  printf("new thread: mask %#lx, on cpu %d\n", get_mask(0), sched_getcpu());
  return NULL;
}
static void* blocked_worker(void* arg) {
  (void)arg;
  worker_tid = (pid_t)syscall(SYS_gettid);
  sem_post(&ready);
  sem_wait(&go);  // its mask changes while it waits
  printf("worker after its mask was set to cpu 0: mask %#lx, on cpu %d\n", get_mask(0), sched_getcpu());
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  unsigned char big[1024];
  SHOW("getaffinity len 1024 (returns the kernel's mask size)", syscall(SYS_sched_getaffinity, 0, 1024, big));
  printf("initial mask %#lx, online cpus %ld\n", get_mask(0), sysconf(_SC_NPROCESSORS_ONLN));
  SHOW("getaffinity len 4", syscall(SYS_sched_getaffinity, 0, 4, big));
  SHOW("getaffinity bad pointer", syscall(SYS_sched_getaffinity, 0, 8, 8L));
  SHOW("getaffinity no such thread", syscall(SYS_sched_getaffinity, 999999, 8, big));

  SHOW("set cpu 1", set_mask(0, 0x2));
  printf("  mask %#lx, on cpu %d\n", get_mask(0), sched_getcpu());
  SHOW("set cpu 0", set_mask(0, 0x1));
  printf("  mask %#lx, on cpu %d\n", get_mask(0), sched_getcpu());
  SHOW("set cpu 2 only (no such core)", set_mask(0, 0x4));
  unsigned long high[4] = {0, 0, 0, 1UL << 63};
  SHOW("set cpu 255 only", syscall(SYS_sched_setaffinity, 0, sizeof(high), high));
  unsigned long mixed[4] = {0x3, 0, 0, 1UL << 63};
  SHOW("set cpus 0,1,255", syscall(SYS_sched_setaffinity, 0, sizeof(mixed), mixed));
  printf("  mask %#lx\n", get_mask(0));
  unsigned char one = 0x2;
  SHOW("set with a 1-byte mask", syscall(SYS_sched_setaffinity, 0, 1, &one));
  printf("  mask %#lx, on cpu %d\n", get_mask(0), sched_getcpu());
  SHOW("set len 0", syscall(SYS_sched_setaffinity, 0, 0, &one));
  SHOW("set bad pointer", syscall(SYS_sched_setaffinity, 0, 8, 8L));
  SHOW("set no such thread", set_mask(999999, 0x1));

  // A new thread inherits the mask (cpu 1 only).
  pthread_t th;
  pthread_create(&th, NULL, inherit_worker, NULL);
  pthread_join(th, NULL);
  set_mask(0, 0x3);

  // Another thread's mask, set while it waits, holds when it runs again.
  sem_init(&go, 0, 0);
  sem_init(&ready, 0, 0);
  pthread_create(&th, NULL, blocked_worker, NULL);
  sem_wait(&ready);
  SHOW("set the worker to cpu 0", set_mask(worker_tid, 0x1));
  printf("  worker mask seen from main %#lx\n", get_mask(worker_tid));
  sem_post(&go);
  pthread_join(th, NULL);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(1, &set);
  int r = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  printf("pthread_setaffinity_np(self, cpu 1): %d, on cpu %d\n", r, sched_getcpu());
  return 0;
}
