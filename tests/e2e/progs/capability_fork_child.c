// capget of a forked child from its parent, before the child changes
// anything: Linux's child has its parent's sets. The LibOS's process
// table slot kept the previous owner's sets (or none) until the child
// called capset, setuid or exec.
#define _GNU_SOURCE
#include <linux/capability.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void Show(const char* what, pid_t pid) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
  struct __user_cap_data_struct d[2] = {{0}};
  long r = syscall(SYS_capget, &h, d);
  printf("%s: %ld eff %x%08x prm %x%08x inh %x%08x\n", what, r, d[1].effective, d[0].effective, d[1].permitted,
         d[0].permitted, d[1].inheritable, d[0].inheritable);
}

// A child that drops every capability (so that its table slot, reused by
// a later child, holds none), or that waits until its parent looked.
static pid_t Child(int drop, int* go) {
  if (pipe(go) < 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(go[1]);
    if (drop) {
      struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
      struct __user_cap_data_struct d[2] = {{0}};
      syscall(SYS_capset, &h, d);
    }
    read(go[0], &c, 1);
    _exit(0);
  }
  close(go[0]);
  return pid;
}

int main(void) {
  Show("parent", 0);
  for (int round = 0; round < 3; round++) {
    int go[2];
    pid_t dropper = Child(1, go);
    close(go[1]);
    waitpid(dropper, NULL, 0);
    pid_t child = Child(0, go);
    Show("a new child, seen by its parent", child);
    close(go[1]);
    waitpid(child, NULL, 0);
  }
  return 0;
}
