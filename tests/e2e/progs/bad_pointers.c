// Passes bad pointers to system calls and prints each result. Natively the
// kernel answers EFAULT; under junction the LibOS must answer the same,
// never crash. With --libos FILE it also aims at the LibOS's own memory
// (an address the test driver found in junction's maps) and expects EFAULT and a refused
// MAP_FIXED, which only makes sense under junction.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int unexpected;  // --libos: results other than the expected errno

static void report(const char* what, long r) {
  printf("%-28s %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
}

static void expect(const char* what, long r, int want_errno) {
  report(what, r);
  if (r >= 0 || errno != want_errno) unexpected++;
}

static void bad_pointer_set(const char* label, void* p) {
  char name[64];
  int fd = open("/dev/zero", O_RDONLY);
  snprintf(name, sizeof(name), "read(%s)", label);
  report(name, syscall(SYS_read, fd, p, 16));
  snprintf(name, sizeof(name), "write(%s)", label);
  report(name, syscall(SYS_write, 1, p, 16));
  snprintf(name, sizeof(name), "open(%s)", label);
  report(name, syscall(SYS_openat, AT_FDCWD, p, O_RDONLY));
  snprintf(name, sizeof(name), "fstat(%s)", label);
  report(name, syscall(SYS_fstat, fd, p));
  snprintf(name, sizeof(name), "clock_gettime(%s)", label);
  report(name, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p));
  snprintf(name, sizeof(name), "uname(%s)", label);
  report(name, syscall(SYS_uname, p));
  snprintf(name, sizeof(name), "getcwd(%s)", label);
  report(name, syscall(SYS_getcwd, p, 64));
  snprintf(name, sizeof(name), "pipe2(%s)", label);
  report(name, syscall(SYS_pipe2, p, 0));
  snprintf(name, sizeof(name), "rt_sigaction(%s)", label);
  report(name, syscall(SYS_rt_sigaction, SIGUSR1, p, NULL, 8));
  snprintf(name, sizeof(name), "execve(%s)", label);
  report(name, syscall(SYS_execve, p, NULL, NULL));
  close(fd);
}

// sendmsg/recvmsg with an iovec length no buffer has: negative (as
// ssize_t) is EINVAL, a huge one is cut to MAX_RW_COUNT and the receive
// takes the 2-byte message, as Linux.
static void huge_iovecs(void) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  // Not on the stack: natively, an address within 2 GiB of the top of user
  // space fails access_ok (EFAULT) for the cut length.
  static char buf[64] = "hello";
  struct iovec iov = {buf, (size_t)-1};
  struct msghdr h = {0};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  report("sendmsg(iov_len -1)", sendmsg(sv[1], &h, MSG_DONTWAIT));
  write(sv[1], "hi", 2);
  report("recvmsg(iov_len -1)", recvmsg(sv[0], &h, MSG_DONTWAIT));
  iov.iov_len = 1ul << 40;
  long r = recvmsg(sv[0], &h, MSG_DONTWAIT);
  printf("%-28s %ld\n", "recvmsg(iov_len 1<<40)", r < 0 ? -errno : r);
  close(sv[0]);
  close(sv[1]);
}

// The address of LibOS memory comes from the test driver
// (libos_memory_test.sh), which reads junction's maps from the host and
// writes it to `addr_file` (the guest's own /proc/self/... files show only
// guest mappings). Waits up to 20 s for the file.
static int libos_checks(const char* addr_file) {
  uintptr_t start = 0;
  for (int i = 0; i < 2000 && !start; i++) {
    FILE* f = fopen(addr_file, "r");
    if (f) {
      if (fscanf(f, "%lx", &start) != 1) start = 0;
      fclose(f);
    }
    if (!start) {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  if (!start) {
    printf("no LibOS address from the test driver\n");
    return 1;
  }
  void* p = (void*)start;
  int fd = open("/dev/zero", O_RDONLY);
  expect("read(LibOS data)", syscall(SYS_read, fd, p, 16), EFAULT);
  expect("write(LibOS data)", syscall(SYS_write, 1, p, 16), EFAULT);
  expect("open(LibOS data)", syscall(SYS_openat, AT_FDCWD, p, O_RDONLY), EFAULT);
  expect("fstat(LibOS data)", syscall(SYS_fstat, fd, p), EFAULT);
  expect("clock_gettime(LibOS data)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p), EFAULT);
  expect("uname(LibOS data)", syscall(SYS_uname, p), EFAULT);
  expect("pipe2(LibOS data)", syscall(SYS_pipe2, p, 0), EFAULT);
  void* m = mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  expect("mmap(MAP_FIXED, LibOS data)", m == MAP_FAILED ? -1 : 0, ENOMEM);
  expect("mprotect(LibOS data)", mprotect(p, 4096, PROT_NONE), ENOMEM);
  // To the guest, LibOS memory is not mapped: munmap succeeds, changes nothing.
  report("munmap(LibOS data)", munmap(p, 4096));
  printf("LibOS still alive; %d unexpected results\n", unexpected);
  return unexpected != 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 2 && strcmp(argv[1], "--libos") == 0) return libos_checks(argv[2]);
  bad_pointer_set("NULL", NULL);
  bad_pointer_set("0x1", (void*)1);
  bad_pointer_set("kernel address", (void*)0xffff888000000000ul);
  void* unmapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(unmapped, 4096);
  bad_pointer_set("unmapped page", unmapped);
  void* ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  report("read(read-only page)", syscall(SYS_read, open("/dev/zero", O_RDONLY), ro, 16));
  report("stat(path ending at unmapped)", syscall(SYS_newfstatat, AT_FDCWD,
                                                   (char*)unmapped - 1, ro, 0));
  huge_iovecs();
  printf("done\n");
  return 0;
}
