// Processes: fork/wait statuses, getppid, process groups and sessions,
// kill to a child and a group, waitid variants, vfork+exec, posix_spawn,
// pidfds. Prints only what is the same natively and under junction
// (relations between pids, not their values).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static void check(int ok, const char* what) { printf("%s: %s\n", what, ok ? "ok" : "FAIL"); fflush(stdout); }

int main(void) {
  pid_t self = getpid();
  setvbuf(stdout, NULL, _IOLBF, 0);

  // Exit statuses.
  pid_t c = fork();
  if (c == 0) _exit(getppid() == self ? 42 : 1);
  int st = 0;
  check(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 42, "fork+exit status and getppid");
  check(waitpid(c, &st, WNOHANG) == -1 && errno == ECHILD, "reaped child is gone");

  // Killed by a signal.
  c = fork();
  if (c == 0) { for (;;) sleep(100); }
  check(kill(c, SIGKILL) == 0, "kill child");
  check(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "signal status");

  // WNOHANG on a running child, then waitid with WNOWAIT.
  int p[2];
  pipe(p);
  c = fork();
  if (c == 0) { char b; close(p[1]); read(p[0], &b, 1); _exit(7); }
  close(p[0]);
  check(waitpid(c, &st, WNOHANG) == 0, "WNOHANG on a running child");
  write(p[1], "x", 1);
  close(p[1]);
  siginfo_t si;
  memset(&si, 0, sizeof(si));
  check(waitid(P_PID, c, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == c && si.si_code == CLD_EXITED &&
            si.si_status == 7, "waitid WNOWAIT");
  memset(&si, 0, sizeof(si));
  check(waitid(P_ALL, 0, &si, WEXITED) == 0 && si.si_pid == c && si.si_status == 7, "waitid P_ALL reaps");

  // Process groups and sessions.
  c = fork();
  if (c == 0) {
    int ok = setpgid(0, 0) == 0 && getpgrp() == getpid() && getpgid(0) == getpid();
    ok = ok && getsid(0) == getsid(getppid());
    pid_t s = setsid();  // fails: a group leader
    ok = ok && s == -1 && errno == EPERM;
    _exit(ok ? 0 : 1);
  }
  check(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0, "setpgid/getpgid/getsid in child");
  c = fork();
  if (c == 0) _exit(setsid() == getpid() && getsid(0) == getpid() && getpgrp() == getpid() ? 0 : 1);
  check(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 0, "setsid in child");

  // kill(-pgid) reaches a group of two; waitpid(-pgid) reaps them.
  pid_t a = fork();
  if (a == 0) { setpgid(0, 0); for (;;) sleep(100); }
  setpgid(a, a);
  pid_t b = fork();
  if (b == 0) { setpgid(0, a); for (;;) sleep(100); }
  setpgid(b, a);
  check(getpgid(a) == a && getpgid(b) == a, "group of two");
  check(kill(-a, SIGKILL) == 0, "kill(-pgid)");
  int n = 0;
  for (int i = 0; i < 2; i++) {
    pid_t w = waitpid(-a, &st, 0);
    if ((w == a || w == b) && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) n++;
  }
  check(n == 2, "waitpid(-pgid) both killed");

  // vfork + exec, posix_spawn.
  c = vfork();
  if (c == 0) {
    execl("/bin/sh", "sh", "-c", "exit 3", (char*)NULL);
    _exit(127);
  }
  check(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 3, "vfork+exec");
  char* argv[] = {"/bin/sh", "-c", "exit 5", NULL};
  pid_t sp;
  check(posix_spawn(&sp, "/bin/sh", NULL, NULL, argv, environ) == 0, "posix_spawn");
  check(waitpid(sp, &st, 0) == sp && WEXITSTATUS(st) == 5, "posix_spawn status");

  // pidfd_open + waitid(P_PIDFD).
  c = fork();
  if (c == 0) _exit(9);
  int pfd = (int)syscall(SYS_pidfd_open, c, 0);
  memset(&si, 0, sizeof(si));
  check(pfd >= 0 && waitid(P_PIDFD, pfd, &si, WEXITED) == 0 && si.si_pid == c && si.si_status == 9,
        "pidfd_open + waitid(P_PIDFD)");
  close(pfd);

  // Many children, reaped with wait().
  for (int i = 0; i < 20; i++)
    if (fork() == 0) _exit(i);
  int sum = 0;
  for (int i = 0; i < 20; i++) {
    if (wait(&st) > 0 && WIFEXITED(st)) sum += WEXITSTATUS(st);
  }
  printf("sum of 20 statuses: %d\n", sum);
  check(wait(&st) == -1 && errno == ECHILD, "no children left");
  // Orphan: the grandchild's parent is gone; it reports a new parent.
  int q[2];
  pipe(q);
  c = fork();
  if (c == 0) {
    pid_t parent = getpid();
    pid_t g = fork();
    if (g == 0) {
      // Until the parent's exit has reparented it (bounded: ~30 s).
      for (int i = 0; i < 30000 && getppid() == parent; i++) usleep(1000);
      char r = getppid() != 0 && getppid() != parent ? 'y' : 'n';
      write(q[1], &r, 1);
      _exit(0);
    }
    _exit(0);
  }
  close(q[1]);
  waitpid(c, &st, 0);
  char r = 0;
  read(q[0], &r, 1);
  check(r == 'y', "orphan has a parent");
  // (Under junction the orphan is the container init's child now.)

  return 0;
}
