// pread64/pwrite64 on the lazy path (kLazy): on a description with direct
// host I/O and a buffer in a guest VMA this kthread knows, the host call is
// made on the guest's registers (no vector state saved, no %fs switch).
// Anything else enters the LibOS context and takes the full handler
// (sys_fd.cc). Built with -mgeneral-regs-only.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "libos/entry/libos_context.h"
#include "libos/fs/fd_table.h"
#include "libos/host/host.h"
#include "libos/syscalls/handlers.h"

namespace junction::libos {

namespace {

long PositionalHostIo(const SyscallArgs& a, bool write, SyscallHandler full) {
  ThreadState* ts = CurrentThread();
  auto buf = static_cast<uintptr_t>(a.a[1]);
  auto len = static_cast<size_t>(a.a[2]);
  int host_fd = -1;
  if (a.a[3] >= 0 && KnownGuestRange(ts, buf, len, write ? PROT_READ : PROT_WRITE))
    host_fd = fs::FdTable::Get().LazyHostFd(a.a[0], write ? O_WRONLY : O_RDONLY, &ts->lazy_host_fd);
  if (host_fd < 0) {
    EnterLibos(ts);
    RememberGuestVma(ts, buf);
    return full(a);
  }
  long r = host::Syscall(write ? SYS_pwrite64 : SYS_pread64, host_fd, a.a[1], a.a[2], a.a[3]);
  __atomic_store_n(&ts->lazy_host_fd, -1, __ATOMIC_RELEASE);
  return r;
}

}  // namespace

JUNCTION_HANDLER(pread64_lazy) { return PositionalHostIo(a, false, Sys_pread64); }
JUNCTION_HANDLER(pwrite64_lazy) { return PositionalHostIo(a, true, Sys_pwrite64); }

}  // namespace junction::libos
