// A pipe's capacity from F_SETPIPE_SZ survives a fork (CPython's
// test_subprocess test_pipesizes: Popen(pipesize=) sets it, then forks),
// in the parent and the child, with and without data buffered, and the
// data is intact.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void Check(const char* who, int r, int w) {
  printf("%s: write end %d, read end %d\n", who, fcntl(w, F_GETPIPE_SZ), fcntl(r, F_GETPIPE_SZ));
}

int main(void) {
  const int sizes[] = {4096, 32768, 65536, 262144};
  for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    for (int buffered = 0; buffered < 2; buffered++) {
      int p[2];
      if (pipe(p) != 0) return 1;
      printf("F_SETPIPE_SZ %d: %d, %s\n", sizes[i], fcntl(p[1], F_SETPIPE_SZ, sizes[i]),
             buffered ? "data buffered" : "empty");
      if (buffered && write(p[1], "pear", 4) != 4) return 1;
      fflush(stdout);
      pid_t pid = fork();
      if (pid == 0) {
        Check("  child", p[0], p[1]);
        fflush(stdout);
        _exit(0);
      }
      waitpid(pid, NULL, 0);
      Check("  parent", p[0], p[1]);
      if (buffered) {
        char buf[8] = {0};
        printf("  read back: %zd %s\n", read(p[0], buf, sizeof buf), buf);
      }
      close(p[0]);
      close(p[1]);
    }
  }
  return 0;
}
