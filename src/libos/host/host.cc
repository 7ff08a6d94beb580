#include "libos/host/host.h"

#include <sys/syscall.h>

#include <cerrno>

namespace junction::host {

long Write(int fd, const void* buf, size_t len) { return Syscall(SYS_write, fd, L(buf), L(len)); }

long Mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off) {
  return Syscall(SYS_mmap, L(addr), L(len), prot, flags, fd, L(off));
}

long Munmap(uintptr_t addr, size_t len) { return Syscall(SYS_munmap, L(addr), L(len)); }

long Mprotect(uintptr_t addr, size_t len, int prot) {
  return Syscall(SYS_mprotect, L(addr), L(len), prot);
}

void ExitGroup(int status) {
  for (;;) Syscall(SYS_exit_group, status);
}

void WriteAll(int fd, const char* buf, size_t len) {
  while (len > 0) {
    long n = Write(fd, buf, len);
    if (n == -EINTR) continue;
    if (n <= 0) return;
    buf += n;
    len -= static_cast<size_t>(n);
  }
}

}  // namespace junction::host
