// One program file exec'd again and again: under junction, from the third
// run on its syscall sites are rewritten before it runs, from what the
// earlier runs trapped at (libos/entry/site_cache.h). Then the file is
// rewritten in place (same inode) with another build of this program, laid
// out differently: what was learnt about the old contents must not touch
// the new ones; then with the first build again. Built static, so the
// sites are in the file itself. Each run's output and status are printed.
//   proc_exec_site_cache BUILD_A BUILD_B   (the driver)
//   proc_exec_site_cache child N           (what it runs)
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static int child(const char* n) {
  struct utsname u;
  int fds[2];
  char buf[8] = {0};
  int ok_pid = getpid() == getpid() && getppid() > 0;
  int ok_uname = uname(&u) == 0 && strcmp(u.sysname, "Linux") == 0;
  int ok_pipe = pipe(fds) == 0 && write(fds[1], "site", 4) == 4 && read(fds[0], buf, 8) == 4 &&
                strcmp(buf, "site") == 0;
  int fd = open("/proc/self/exe", O_RDONLY);
  char elf[4] = {0};
  int ok_read = fd >= 0 && pread(fd, elf, 4, 0) == 4 && memcmp(elf, "\177ELF", 4) == 0;
  close(fd);
  printf("child %s: pid %d uname %d pipe %d exe %d\n", n, ok_pid, ok_uname, ok_pipe, ok_read);
  return 3;
}

static int copy_into(const char* from, const char* to) {
  // O_TRUNC on an existing file keeps its inode.
  int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  if (in < 0 || out < 0) return -1;
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof(buf))) > 0)
    if (write(out, buf, (size_t)n) != n) return -1;
  close(in);
  return close(out);
}

static void run(const char* path, const char* n) {
  char* argv[] = {(char*)path, "child", (char*)n, NULL};
  pid_t pid;
  fflush(stdout);
  if (posix_spawn(&pid, path, NULL, NULL, argv, environ) != 0) {
    printf("spawn %s failed\n", n);
    return;
  }
  int st = 0;
  waitpid(pid, &st, 0);
  printf("run %s: %s %d\n", n, WIFEXITED(st) ? "exit" : "signal",
         WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "child") == 0) return child(argv[2]);
  if (argc != 3) return 2;
  char tmp[64];
  snprintf(tmp, sizeof(tmp), "/tmp/proc_exec_site_cache.%d", (int)getpid());
  struct stat before, after;
  if (copy_into(argv[1], tmp) != 0 || stat(tmp, &before) != 0) return 1;
  for (int i = 0; i < 4; i++) run(tmp, "A");
  if (copy_into(argv[2], tmp) != 0 || stat(tmp, &after) != 0) return 1;
  printf("same inode: %d\n", before.st_ino == after.st_ino);
  for (int i = 0; i < 4; i++) run(tmp, "B");
  if (copy_into(argv[1], tmp) != 0) return 1;
  for (int i = 0; i < 3; i++) run(tmp, "A again");
  unlink(tmp);
  return 0;
}
