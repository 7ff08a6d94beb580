// Credentials: set*uid/set*gid with Linux's permission rules, read back
// with getres*id, kept across fork, and what posix_spawn's
// POSIX_SPAWN_RESETIDS does (setresuid(-1, getuid(), -1) in the child).
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static void show(const char* what, int r) {
  uid_t ru, eu, su;
  gid_t rg, eg, sg;
  getresuid(&ru, &eu, &su);
  getresgid(&rg, &eg, &sg);
  printf("%-28s -> %d %s | uid %u %u %u gid %u %u %u\n", what, r, r ? strerror(errno) : "ok",
         ru, eu, su, rg, eg, sg);
}

int main(void) {
  show("start", 0);
  show("setresuid(-1,getuid(),-1)", setresuid(-1, getuid(), -1));
  show("setresgid(100,100,-1)", setresgid(100, 100, -1));
  show("setgid(200)", setgid(200));
  show("setregid(-1,300)", setregid(-1, 300));
  show("setreuid(-1,1000)", setreuid(-1, 1000));
  // Effective uid is no longer 0: only ids already held.
  show("setuid(5)", setuid(5));
  show("setresuid(7,-1,-1)", setresuid(7, -1, -1));
  show("setgid(100)", setgid(100));
  show("seteuid(0)", seteuid(0));
  show("setuid(0)", setuid(0));
  gid_t groups[8];
  int ng = getgroups(8, groups);
  gid_t mine[2] = {5, 6};
  printf("setgroups(2) %d\n", setgroups(2, mine));
  ng = getgroups(8, groups);
  printf("getgroups %d: %u %u\n", ng, groups[0], groups[1]);
  printf("getgroups(0) %d, getgroups(1) %d\n", getgroups(0, NULL), getgroups(1, groups));
  seteuid(1000);
  printf("setgroups unprivileged %d\n", setgroups(2, mine));
  seteuid(0);
  pid_t pid = fork();
  if (pid == 0) {
    show("child after fork", 0);
    _exit(setresuid(1, 2, 3) == 0 ? 0 : 1);
  }
  int st;
  waitpid(pid, &st, 0);
  printf("child status %d\n", WEXITSTATUS(st));
  show("parent after child", 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_RESETIDS);
  char* argv[] = {"/bin/true", NULL};
  int r = posix_spawn(&pid, "/bin/true", NULL, &attr, argv, environ);
  waitpid(pid, &st, 0);
  printf("spawn with RESETIDS %d status %d\n", r, WEXITSTATUS(st));
  return 0;
}
