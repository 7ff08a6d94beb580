// A thread whose stack another thread unmaps while it blocks in a system
// call dies of SIGSEGV when the call returns, as on Linux: its return
// (the next use of its stack) faults, and a handler's frame cannot be
// written there (SIGSEGV with its default action). The LibOS reads the
// guest's stack on that way back (the saved flags and return address, and
// a signal frame): it must take the fault as the guest's, never as its own.
//
// Each case runs in a child so that the parent can report how it ended.
// The blocking call: read(2), read through syscall(2) (another call site)
// or epoll_wait(2); the wake-up: a byte in the pipe (the call returns with
// no signal pending) or a signal with a handler (EINTR on the way out, a
// frame to build on the unmapped stack).
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kStackBytes = 1024 * 1024, kDepth = 128 * 1024, kPage = 4096 };

static int pipe_fds[2];
static int call;  // 0 read, 1 syscall(SYS_read), 2 epoll_wait
static int epfd;

static void on_usr1(int sig) { (void)sig; }

// Blocks deep in its stack, so that the pages around its stack pointer can
// go without the thread's descriptor (at the stack's top, glibc's TLS).
static volatile uintptr_t reader_sp;  // set just before the blocking call

static __attribute__((noinline)) void read_deep(void) {
  char c;
  reader_sp = (uintptr_t)&c;
  struct epoll_event ev;
  if (call == 1)
    syscall(SYS_read, pipe_fds[0], &c, 1);
  else if (call == 2)
    epoll_wait(epfd, &ev, 1, -1);
  else
    (void)!read(pipe_fds[0], &c, 1);
  // Not reached: the return above needs the unmapped stack.
  static const char msg[] = "the reader ran on after its stack was unmapped\n";
  (void)!write(1, msg, sizeof msg - 1);
}

static void* blocked_reader(void* arg) {
  (void)arg;
  volatile char depth[kDepth];
  depth[0] = 0;
  read_deep();
  return (void*)(uintptr_t)depth[0];
}

static void run_case(const char* name, int wake_by_signal) {
  call = strncmp(name, "syscall", 7) == 0 ? 1 : strncmp(name, "epoll", 5) == 0 ? 2 : 0;
  if (pipe(pipe_fds) != 0) _exit(2);
  epfd = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, pipe_fds[0], &ev) != 0) _exit(2);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kStackBytes);
  pthread_t t;
  if (pthread_create(&t, &attr, blocked_reader, NULL) != 0) _exit(2);
  // The reader is about to block, then (under load too) blocked.
  while (!reader_sp) usleep(1000);
  usleep(300 * 1000);
  // Its frames of the read, 16 pages each side, far below its descriptor.
  uintptr_t page = reader_sp & ~(uintptr_t)(kPage - 1);
  if (munmap((void*)(page - 16 * kPage), 33 * kPage) != 0) _exit(2);
  if (wake_by_signal)
    pthread_kill(t, SIGUSR1);
  else
    (void)!write(pipe_fds[1], "x", 1);
  sleep(10);  // the reader's fault ends the process first
  _exit(3);
}

int main(void) {
  const char* cases[] = {"read", "read+signal", "syscall", "syscall+signal", "epoll", "epoll+signal"};
  for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) run_case(cases[i], strstr(cases[i], "+signal") != NULL);
    int status;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
      printf("%s: killed by signal %d\n", cases[i], WTERMSIG(status));
    else
      printf("%s: exited with %d\n", cases[i], WEXITSTATUS(status));
  }
  return 0;
}
