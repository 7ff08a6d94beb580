// execve from a process with other threads (Linux's de_thread): the other
// threads, whatever they were doing (spinning in user code, waiting on a
// futex, reading an empty pipe, sleeping), are gone before the new image
// starts; the exec'ing thread, main or not, leads the process with the pid
// as its tid. The new image prints what it finds.
#define _GNU_SOURCE
#include <dirent.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char* self_path;
static atomic_int started;
static atomic_long spins;
static int pipe_fds[2];
static uint32_t futex_word;

static atomic_int spinner_tid;

static void* Spinner(void* arg) {
  (void)arg;
  atomic_store(&spinner_tid, (int)syscall(SYS_gettid));
  atomic_fetch_add(&started, 1);
  for (;;) atomic_fetch_add_explicit(&spins, 1, memory_order_relaxed);
  return NULL;
}

static void* FutexWaiter(void* arg) {
  (void)arg;
  atomic_fetch_add(&started, 1);
  for (;;) syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  return NULL;
}

static void* PipeReader(void* arg) {
  (void)arg;
  atomic_fetch_add(&started, 1);
  char c;
  for (;;) (void)read(pipe_fds[0], &c, 1);  // the write end stays open: blocks
  return NULL;
}

static void* Sleeper(void* arg) {
  (void)arg;
  atomic_fetch_add(&started, 1);
  for (;;) {
    struct timespec ts = {1000, 0};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

// Every thread blocks SIGUSR1 and SIGUSR2; a process-directed SIGUSR1 and
// a SIGUSR2 for the spinner are pending at the exec: the first stays
// pending in the new image, the second ends with its thread.
static void StartThreads(void) {
  void* (*fns[])(void*) = {Spinner, FutexWaiter, PipeReader, Sleeper};
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  if (pipe(pipe_fds) != 0) {
    perror("pipe");
    exit(1);
  }
  for (int i = 0; i < 4; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, fns[i], NULL) != 0) {
      perror("pthread_create");
      exit(1);
    }
  }
  while (atomic_load(&started) < 4 || atomic_load(&spins) == 0) sched_yield();
  kill(getpid(), SIGUSR1);
  syscall(SYS_tgkill, getpid(), atomic_load(&spinner_tid), SIGUSR2);
}

static void Exec(const char* variant) {
  char pid[32];
  snprintf(pid, sizeof(pid), "%d", getpid());
  execl(self_path, self_path, "after", variant, pid, (char*)NULL);
  perror("execl");
  exit(1);
}

static void* Execer(void* arg) {
  Exec((const char*)arg);
  return NULL;
}

static int After(const char* variant, int old_pid) {
  int n = 0;
  DIR* d = opendir("/proc/self/task");
  if (!d) {
    perror("opendir");
    return 1;
  }
  for (struct dirent* e; (e = readdir(d));)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  printf("%s: tasks after exec %d\n", variant, n);
  printf("%s: gettid()==getpid() %s\n", variant, syscall(SYS_gettid) == getpid() ? "yes" : "no");
  printf("%s: pid kept %s\n", variant, getpid() == old_pid ? "yes" : "no");
  sigset_t pending;
  sigpending(&pending);
  printf("%s: pending after exec: process SIGUSR1 %s, dead thread's SIGUSR2 %s\n", variant,
         sigismember(&pending, SIGUSR1) ? "yes" : "no", sigismember(&pending, SIGUSR2) ? "yes" : "no");
  // The new image runs normally: a thread of its own starts and is joined.
  pthread_t t;
  atomic_store(&started, 0);
  if (pthread_create(&t, NULL, Sleeper, NULL) == 0 && pthread_cancel(t) == 0 && pthread_join(t, NULL) == 0)
    printf("%s: new image ran normally\n", variant);
  fflush(stdout);
  return 0;
}

static void RunVariant(const char* variant) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    exit(1);
  }
  if (pid == 0) {
    StartThreads();
    if (strcmp(variant, "main-thread") == 0) Exec(variant);
    pthread_t t;
    pthread_create(&t, NULL, Execer, (void*)variant);
    pthread_join(t, NULL);  // the main thread waits on a futex meanwhile
    printf("joined an exec'ing thread?\n");
    exit(1);
  }
  int status;
  if (waitpid(pid, &status, 0) != pid) {
    perror("waitpid");
    exit(1);
  }
  printf("%s: exit status %d\n", variant, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int main(int argc, char** argv) {
  self_path = argv[0];
  if (argc == 4 && strcmp(argv[1], "after") == 0) return After(argv[2], atoi(argv[3]));
  RunVariant("main-thread");
  RunVariant("other-thread");
  // The same in this process, not a forked one (under junction: the
  // container's first process, whose kthreads all started with it).
  fflush(stdout);
  StartThreads();
  pthread_t t;
  pthread_create(&t, NULL, Execer, (void*)"first-process");
  pthread_join(t, NULL);
  return 1;
}
