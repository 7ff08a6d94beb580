// RLIMIT_SIGPENDING counts the real-time signals queued by every process
// of a user (under junction: of the container, which is one user). Run as
// a user no other process has: a child queues 5 instances to itself and
// keeps them pending; its parent can then queue only 3 more under a limit
// of 8 (sigqueue fails with EAGAIN), and 5 more again once the child has
// exited and its instances are gone; the same after a child holding 5 is
// killed by SIGKILL.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "own_user.h"

static int fill(int n) {
  int queued = 0;
  for (int i = 0; i < n; i++) {
    union sigval v = {.sival_int = i};
    if (sigqueue(getpid(), SIGRTMIN, v) == 0) queued++;
    else if (errno != EAGAIN) return -1;
  }
  return queued;
}

static void sigq(const char* when) {
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "SigQ:", 5) == 0) printf("%s: %s", when, line);
  if (f) fclose(f);
}

static int user_main(void) {
  struct rlimit rl = {8, 8};
  if (setrlimit(RLIMIT_SIGPENDING, &rl) != 0) return 2;
  sigset_t rt;
  sigemptyset(&rt);
  sigaddset(&rt, SIGRTMIN);
  sigprocmask(SIG_BLOCK, &rt, NULL);
  int to_parent[2], to_child[2];
  if (pipe(to_parent) || pipe(to_child)) return 2;
  pid_t c = fork();
  if (c == 0) {
    char b = (char)fill(5);
    (void)!write(to_parent[1], &b, 1);
    (void)!read(to_child[0], &b, 1);  // keep them pending until told
    _exit(0);
  }
  char b;
  if (read(to_parent[0], &b, 1) != 1) return 2;
  printf("child queued %d\n", b);
  printf("parent queued %d of 8 while the child holds its 5\n", fill(8));
  sigq("parent");
  (void)!write(to_child[1], "x", 1);
  waitpid(c, NULL, 0);
  printf("parent queued %d more of 8 once the child exited\n", fill(8));
  sigq("parent");
  int drained = 0;
  struct timespec zero = {0, 0};
  while (sigtimedwait(&rt, NULL, &zero) == SIGRTMIN) drained++;
  printf("parent took %d\n", drained);
  c = fork();
  if (c == 0) {
    char n = (char)fill(5);
    (void)!write(to_parent[1], &n, 1);
    for (;;) pause();
  }
  if (read(to_parent[0], &b, 1) != 1) return 2;
  printf("child queued %d\n", b);
  kill(c, SIGKILL);
  int st = 0;
  waitpid(c, &st, 0);
  printf("child killed by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  printf("parent queued %d of 8 once the child was killed\n", fill(8));
  sigq("parent");
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  return run_as_own_user(user_main);
}
