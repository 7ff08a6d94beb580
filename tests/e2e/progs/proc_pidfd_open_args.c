// pidfd_open's pid is a pid_t: -1 passed from C (0xffffffff in the
// register) is EINVAL, not a search for pid 4294967295 (CPython's
// test_posix test_pidfd_open). Flags other than O_NONBLOCK: EINVAL.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "show_call.h"

int main(void) {
  int minus_one = -1;
  SHOW("pidfd_open(-1)", syscall(SYS_pidfd_open, minus_one, 0));
  SHOW("pidfd_open(-1 as long)", syscall(SYS_pidfd_open, -1L, 0));
  SHOW("pidfd_open(0)", syscall(SYS_pidfd_open, 0, 0));
  SHOW("pidfd_open(INT_MIN)", syscall(SYS_pidfd_open, (int)0x80000000, 0));
  long fd = syscall(SYS_pidfd_open, getpid(), 0);
  printf("pidfd_open(self): %s\n", fd >= 0 ? "fd" : "error");
  SHOW("pidfd_open(self, bad flags)", syscall(SYS_pidfd_open, getpid(), 1));
  return 0;
}
