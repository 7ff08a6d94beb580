// Process-shared robust mutexes whose owner PROCESS dies: by exit(), with
// another of its threads holding one, by a fatal signal, by a guest fault
// and by SIGKILL (from the parent, with the owner's main thread or another
// thread holding it, and from itself); and a process-private one whose
// owner THREAD exits. Linux marks each word FUTEX_OWNER_DIED and wakes a waiter, so the
// next locker (in another process) gets EOWNERDEAD and can make the mutex
// consistent; unlocking without that leaves it ENOTRECOVERABLE. No sleep
// orders anything: the owner dies once the parent sleeps in its lock (a
// parent thread watches /proc and tells the child, or kills it).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "thread_state.h"

static pthread_mutex_t* shared;  // mutexes in a MAP_SHARED page
static int ready[2];              // child -> parent: "I hold it"
static int go[2];                 // parent -> child: "I sleep in the lock"

static volatile int thread_holds;  // in the child: its thread has the mutex

// A hand-off that does not carry exactly its byte is reported (the
// output then differs from native, saying how): a phantom or interrupted
// read here once let the parent lock before the child did.
static void check_io(const char* what, ssize_t n) {
  if (n != 1) printf("%s: %zd (%s)\n", what, n, n < 0 ? strerror(errno) : "no byte");
}
static void told_ready(void) { check_io("write ready", write(ready[1], "r", 1)); }
static void wait_go(void) {
  char b;
  check_io("read go", read(go[0], &b, 1));
}

static void* hold_and_stay(void* arg) {
  pthread_mutex_lock((pthread_mutex_t*)arg);
  __atomic_store_n(&thread_holds, 1, __ATOMIC_SEQ_CST);
  for (;;) pause();
  return NULL;
}

static void* lock_and_exit(void* arg) {
  pthread_mutex_lock((pthread_mutex_t*)arg);
  return NULL;
}

static const char* err(int r) { return r ? strerror(r) : "ok"; }

static void status(const char* label, int st) {
  if (WIFEXITED(st)) printf("%s: child exited %d\n", label, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: child killed by signal %d\n", label, WTERMSIG(st));
}

static volatile int locking;  // the parent's main thread is entering its lock

// In the parent: once its main thread (tid = pid) sleeps in the lock,
// SIGKILLs child `arg`, or with 0 tells the child to go on.
static void* when_locking(void* arg) {
  for (int i = 0; i < 30000 && !locking; i++) usleep(1000);
  wait_thread_asleep(getpid());
  if (arg) kill((pid_t)(long)arg, SIGKILL);
  else check_io("write go", write(go[1], "g", 1));
  return NULL;
}

// Runs `how` in a child holding mutex m, then locks m here (blocking: the
// child's end must wake this process) and makes it consistent.
static void round_(const char* label, int how, pthread_mutex_t* m) {
  pid_t c = fork();
  if (c == 0) {
    if (how == 1 || how == 5) {  // another thread holds it
      pthread_t t;
      pthread_create(&t, NULL, hold_and_stay, m);
      while (!__atomic_load_n(&thread_holds, __ATOMIC_SEQ_CST)) usleep(1000);
      told_ready();
      if (how == 5) for (;;) pause();  // until SIGKILL
      wait_go();
      exit(0);
    }
    pthread_mutex_lock(m);
    told_ready();
    if (how == 4) for (;;) pause();  // until SIGKILL
    wait_go();  // the parent sleeps in its lock
    if (how == 2) raise(SIGTERM);
    if (how == 3) *(volatile int*)0 = 1;
    if (how == 6) kill(getpid(), SIGKILL);
    _exit(0);
  }
  char b;
  check_io("read ready", read(ready[0], &b, 1));
  pthread_t watcher;
  locking = 0;
  pthread_create(&watcher, NULL, when_locking, (void*)(long)(how == 4 || how == 5 ? c : 0));
  locking = 1;
  int r = pthread_mutex_lock(m);
  printf("%s: lock %s", label, err(r));
  if (r == EOWNERDEAD) printf(", consistent %s", err(pthread_mutex_consistent(m)));
  printf(", unlock %s\n", err(pthread_mutex_unlock(m)));
  pthread_join(watcher, NULL);
  int st = 0;
  waitpid(c, &st, 0);
  status(label, st);
  r = pthread_mutex_lock(m);
  printf("%s: lock again %s, unlock %s\n", label, err(r), err(pthread_mutex_unlock(m)));
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (pipe(ready) != 0 || pipe(go) != 0) return 1;
  shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return 1;
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  for (int i = 0; i < 8; i++) pthread_mutex_init(&shared[i], &ma);

  round_("owner exits", 0, &shared[0]);
  round_("owner's other thread holds it, process exits", 1, &shared[1]);
  round_("owner killed by SIGTERM", 2, &shared[2]);
  round_("owner dies of SIGSEGV", 3, &shared[3]);
  round_("owner SIGKILLed by the parent", 4, &shared[5]);
  round_("owner's other thread holds it, process SIGKILLed", 5, &shared[6]);
  round_("owner SIGKILLs itself", 6, &shared[7]);

  // Not made consistent: the mutex becomes unrecoverable.
  pid_t c = fork();
  if (c == 0) {
    pthread_mutex_lock(&shared[4]);
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);
  int r = pthread_mutex_trylock(&shared[4]);
  printf("no consistent: trylock %s, unlock %s", err(r), err(pthread_mutex_unlock(&shared[4])));
  printf(", lock %s\n", err(pthread_mutex_lock(&shared[4])));

  // A private robust mutex whose owner thread exits.
  static pthread_mutex_t priv;
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_PRIVATE);
  pthread_mutex_init(&priv, &ma);
  pthread_t t;
  pthread_create(&t, NULL, lock_and_exit, &priv);
  pthread_join(t, NULL);
  r = pthread_mutex_lock(&priv);
  printf("owner thread exits: lock %s", err(r));
  if (r == EOWNERDEAD) printf(", consistent %s", err(pthread_mutex_consistent(&priv)));
  printf(", unlock %s\n", err(pthread_mutex_unlock(&priv)));
  return 0;
}
