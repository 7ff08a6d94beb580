// execve's argument limits under a small RLIMIT_STACK set just before it:
// a string the stack limit cannot hold is E2BIG and the caller goes on
// (Linux's copy_strings may not grow the new stack past the limit), even
// when ARG_MAX (128 KiB) would let it in; what fits runs. Sizes near the
// limit, where Linux itself kills the new program for lack of stack, are
// left out.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void Try(rlim_t limit, size_t len) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char* arg = malloc(len + 1);
    memset(arg, 'a', len);
    arg[len] = '\0';
    char* argv[] = {"/bin/true", arg, NULL};
    char* envp[] = {NULL};
    struct rlimit r = {limit, RLIM_INFINITY};
    if (setrlimit(RLIMIT_STACK, &r) != 0) _exit(100);
    execve(argv[0], argv, envp);
    _exit(errno == E2BIG ? 101 : 102);  // the caller went on
  }
  int status;
  if (waitpid(pid, &status, 0) != pid) {
    perror("waitpid");
    exit(1);
  }
  printf("%lu KiB stack, %zu-byte argument: ", (unsigned long)(limit >> 10), len);
  if (WIFSIGNALED(status))
    printf("killed by signal %d\n", WTERMSIG(status));
  else if (WEXITSTATUS(status) == 0)
    printf("ran\n");
  else if (WEXITSTATUS(status) == 101)
    printf("E2BIG, and the caller went on\n");
  else
    printf("exit %d\n", WEXITSTATUS(status));
}

int main(void) {
  static const struct {
    rlim_t limit;
    size_t len;
  } kCases[] = {
      {16 << 10, 2000},    {16 << 10, 17000},   {16 << 10, 131000},
      {64 << 10, 30000},   {64 << 10, 70000},   {64 << 10, 131000},
      {200 << 10, 131000}, {200 << 10, 131050},
  };
  for (size_t i = 0; i < sizeof kCases / sizeof kCases[0]; i++) {
    Try(kCases[i].limit, kCases[i].len);
  }
  return 0;
}
