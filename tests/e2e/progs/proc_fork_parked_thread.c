// A thread parked in a blocking call at a fork does not exist in the
// child: a wake of the object it waits on, in the child, must not run it
// there. Here the parent's thread reads a signalfd (a per-process object)
// and the child sends itself that signal: natively the child's own read
// takes it; under junction the child's copy of the signalfd's wait queue
// held the parent's thread, and the wake ran it in the child, which then
// saw a second thread (case 1) or, after an exec had unmapped its stack,
// died of SIGSEGV (case 2: Go's os/exec helpers, whose parent's netpoller
// thread was woken in the child).
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int sfd;
static pid_t parent;
static volatile pid_t reader_tid;

static void* reader(void* arg) {
  (void)arg;
  reader_tid = (pid_t)syscall(SYS_gettid);
  struct signalfd_siginfo si;
  ssize_t n = read(sfd, &si, sizeof(si));
  if (getpid() != parent) {
    static const char msg[] = "a thread of the parent ran in the child\n";
    (void)!write(1, msg, sizeof(msg) - 1);
    _exit(3);
  }
  printf("parent's reader: read %zd, signal %u\n", n, n == (ssize_t)sizeof(si) ? si.ssi_signo : 0);
  return NULL;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

// Until the reader sleeps in its read (state S in its stat), at most 2 s.
static void wait_parked(void) {
  for (int i = 0; i < 2000; i++) {
    pid_t tid = reader_tid;
    if (tid) {
      char path[64], buf[256];
      snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
      FILE* f = fopen(path, "r");
      if (f) {
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        char* p = strrchr(buf, ')');
        if (p && p[1] == ' ' && p[2] == 'S') {
          sleep_ms(20);  // well inside the read
          return;
        }
      }
    }
    sleep_ms(1);
  }
}

static void report(const char* what, int st) {
  if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: killed by signal %d\n", what, WTERMSIG(st));
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "sleep-exit") == 0) {
    sleep_ms(300);  // the old binary ran the parent's thread meanwhile
    return 7;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  parent = getpid();
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0) {
    perror("signalfd");
    return 1;
  }
  for (int exec_child = 0; exec_child < 2; exec_child++) {
    pthread_t t;
    reader_tid = 0;
    pthread_create(&t, NULL, reader, NULL);
    wait_parked();
    pid_t c = fork();
    if (c == 0) {
      kill(getpid(), SIGUSR1);  // wakes the child's signalfd readers
      if (exec_child) {
        execl("/proc/self/exe", argv[0], "sleep-exit", (char*)NULL);
        _exit(126);
      }
      sleep_ms(300);
      struct signalfd_siginfo si;
      ssize_t n = read(sfd, &si, sizeof(si));
      printf("child: read %zd, signal %u\n", n, n == (ssize_t)sizeof(si) ? si.ssi_signo : 0);
      _exit(0);
    }
    int st = 0;
    waitpid(c, &st, 0);
    report(exec_child ? "child that exec'd" : "child", st);
    kill(getpid(), SIGUSR1);  // now the parent's reader takes one
    pthread_join(t, NULL);
  }
  return 0;
}
