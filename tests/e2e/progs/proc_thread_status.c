// /proc/self/task/TID/status and stat per thread, as Linux shows them:
// each thread's own State (S while it waits: in a sleep, a futex, a pipe
// read, sigwait, and in a file lock another process holds, which the
// LibOS waits for in a host call on its kthread), Pid, SigPnd (signals
// sent to that thread) and SigBlk (its mask); ShdPnd the process's.
// /proc/self/status is the main thread's.
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "thread_state.h"

enum { kThreads = 5 };
static const char* const kNames[kThreads] = {"sleep", "pipe read", "cond wait", "sigwait", "flock"};
static int tids[kThreads];
static int pipe_fds[2];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static char lock_path[64];

// Each thread blocks a signal of its own (SIGRTMIN + i) besides SIGUSR2.
static void BlockOwn(int i) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGRTMIN + i);
  pthread_sigmask(SIG_BLOCK, &s, NULL);
}

static void* Thread(void* arg) {
  int i = (int)(long)arg;
  BlockOwn(i);
  __atomic_store_n(&tids[i], (int)gettid(), __ATOMIC_RELEASE);
  char c;
  sigset_t s;
  int sig;
  switch (i) {
    case 0: sleep(100); break;
    case 1: (void)!read(pipe_fds[0], &c, 1); break;
    case 2:
      pthread_mutex_lock(&mu);
      pthread_cond_wait(&cv, &mu);
      pthread_mutex_unlock(&mu);
      break;
    case 3:
      sigemptyset(&s);
      sigaddset(&s, SIGUSR1);
      sigwait(&s, &sig);
      break;
    case 4: flock(open(lock_path, O_RDWR), LOCK_EX); break;
  }
  return NULL;
}

static void StatusLines(const char* title, const char* path) {
  printf("%s:\n", title);
  FILE* f = fopen(path, "r");
  char line[256];
  while (f && fgets(line, sizeof(line), f))
    if (!strncmp(line, "State:", 6) || !strncmp(line, "SigPnd:", 7) || !strncmp(line, "ShdPnd:", 7) ||
        !strncmp(line, "SigBlk:", 7) || !strncmp(line, "Threads:", 8))
      printf("  %s", line);
  if (f) fclose(f);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  snprintf(lock_path, sizeof(lock_path), "/tmp/proc_thread_status.%d", (int)getpid());
  if (pipe(pipe_fds) != 0) return 1;
  // SIGUSR1 and SIGUSR2 blocked in every thread (sigwait; a pending
  // process-directed one).
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigaddset(&s, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &s, NULL);
  // Another process holds the lock the last thread waits for.
  int ready[2];
  if (pipe(ready) != 0) return 1;
  pid_t holder = fork();
  if (holder == 0) {
    flock(open(lock_path, O_RDWR | O_CREAT, 0600), LOCK_EX);
    (void)!write(ready[1], "x", 1);
    pause();
    _exit(0);
  }
  char c;
  (void)!read(ready[0], &c, 1);

  pthread_t t[kThreads];
  for (long i = 0; i < kThreads; i++) pthread_create(&t[i], NULL, Thread, (void*)i);
  for (int i = 0; i < kThreads; i++) {
    while (!__atomic_load_n(&tids[i], __ATOMIC_ACQUIRE)) usleep(1000);
    printf("%s asleep: %d\n", kNames[i], wait_thread_asleep(tids[i]));
  }
  // Thread-directed signals each thread blocks (its own and SIGUSR2),
  // and one process-directed SIGUSR2 that every thread blocks.
  for (int i = 0; i < kThreads; i++) {
    syscall(SYS_tgkill, getpid(), tids[i], SIGRTMIN + i);
    if (i % 2) syscall(SYS_tgkill, getpid(), tids[i], SIGUSR2);
  }
  kill(getpid(), SIGUSR2);
  StatusLines("/proc/self/status", "/proc/self/status");
  for (int i = 0; i < kThreads; i++) {
    char path[64], title[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/status", tids[i]);
    snprintf(title, sizeof(title), "thread %d (%s)", i, kNames[i]);
    StatusLines(title, path);
    printf("  stat state: %c\n", thread_state(tids[i]));
  }
  kill(holder, SIGKILL);
  waitpid(holder, NULL, 0);
  unlink(lock_path);
  return 0;
}
