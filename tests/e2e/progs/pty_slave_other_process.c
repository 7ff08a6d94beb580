// A pseudo-terminal's slave opened by a process that holds no end of it
// while another process holds the master (run_erl's child closes its copy
// of the master, calls setsid and opens the slave as its terminal); once
// every master is closed the slave's name is gone (ENOENT/EIO as Linux).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) return 1;
  char name[64];
  if (ptsname_r(m, name, sizeof name) != 0) return 1;
  pid_t p = fork();
  if (p == 0) {
    close(m);
    setsid();
    int s = open(name, O_RDWR);
    printf("child opens the slave: %s\n", s >= 0 ? "ok" : strerror(errno));
    if (s >= 0 && write(s, "from child\n", 11) != 11) _exit(3);
    _exit(s >= 0 ? 0 : 1);
  }
  int st;
  waitpid(p, &st, 0);
  printf("child exit %d\n", WEXITSTATUS(st));
  if (WEXITSTATUS(st) == 0) {
    char buf[64] = {0};
    ssize_t n = read(m, buf, sizeof buf - 1);
    printf("master read %zd: %s", n, n > 0 ? buf : "\n");
  }
  close(m);
  p = fork();
  if (p == 0) {
    int s = open(name, O_RDWR | O_NOCTTY);
    printf("after the master's close: %s\n", s >= 0 ? "opened" : "failed");
    _exit(0);
  }
  waitpid(p, &st, 0);
  return 0;
}
