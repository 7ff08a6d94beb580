// Runs a test's body as a user no other process has, so per-user counts
// (pending signals against RLIMIT_SIGPENDING) hold only the test's own.
#pragma once

#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

// Forks a child that becomes uid/gid 200000+pid (two runs at once must not
// share one) and exits with body()'s result; prints that exit status.
static inline int run_as_own_user(int (*body)(void)) {
  uid_t uid = 200000 + (uid_t)getpid();
  pid_t p = fork();
  if (p == 0) {
    if (setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0) {
      printf("cannot become a user of its own (run as root)\n");
      _exit(1);
    }
    _exit(body());
  }
  int st = 0;
  waitpid(p, &st, 0);
  printf("exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}
