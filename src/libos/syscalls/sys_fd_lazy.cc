// pread64/pwrite64 on the lazy path (kLazy): on a description with direct
// host I/O and a buffer in a guest VMA this kthread knows, the host call is
// made on the guest's registers (no vector state saved, no %fs switch).
// read/write: on a pipe end, any read and writes up to PIPE_BUF (one that
// must wait parks the uthread on the guest's registers, as a futex wait
// does; ipc/pipe_lazy.cc). Anything else enters the LibOS context and takes the
// full handler (sys_fd.cc). Built with -mgeneral-regs-only.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "libos/entry/libos_context.h"
#include "libos/fs/fd_table.h"
#include "libos/host/host.h"
#include "libos/ipc/pipe.h"
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

long PipeIo(const SyscallArgs& a, bool write, SyscallHandler full) {
  ThreadState* ts = CurrentThread();
  auto buf = static_cast<uintptr_t>(a.a[1]);
  auto len = static_cast<size_t>(a.a[2]);
  long r = ipc::PipeBuffer::kNotLazy;
  if (KnownGuestRange(ts, buf, len, write ? PROT_READ : PROT_WRITE)) {
    fs::File* f = fs::FdTable::Get().LazyPipeEnd(a.a[0], write ? 2 : 1, &ts->lazy_object);
    if (f) {
      auto* end = static_cast<ipc::PipeEnd*>(f);
      r = write ? end->pipe().WriteLazy(end, reinterpret_cast<const void*>(buf), len)
                : end->pipe().ReadLazy(end, reinterpret_cast<void*>(buf), len);
      // The call may have entered the LibOS or blocked and resumed on
      // another kthread: this kthread's state.
      __atomic_store_n(&CurrentThread()->lazy_object, nullptr, __ATOMIC_RELEASE);
    }
  }
  if (r != ipc::PipeBuffer::kNotLazy) return r;
  EnterLibos(ts);
  RememberGuestVma(ts, buf);
  return full(a);
}

}  // namespace

JUNCTION_HANDLER(read_lazy) { return PipeIo(a, false, Sys_read); }
JUNCTION_HANDLER(write_lazy) { return PipeIo(a, true, Sys_write); }

JUNCTION_HANDLER(pread64_lazy) { return PositionalHostIo(a, false, Sys_pread64); }
JUNCTION_HANDLER(pwrite64_lazy) { return PositionalHostIo(a, true, Sys_pwrite64); }

}  // namespace junction::libos
